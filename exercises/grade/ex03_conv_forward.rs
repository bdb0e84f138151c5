//! Grades exercise 3: `cargo run -- exercise 3` builds and runs this.

#[path = "../ex03_conv_forward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex03_conv_forward", || {
        cnn_walkthrough::exercises::notebook::conv_forward(student::conv_forward)
    })
}
