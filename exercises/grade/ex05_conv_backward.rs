//! Grades exercise 5: `cargo run -- exercise 5` builds and runs this.

#[path = "../ex05_conv_backward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex05_conv_backward", || {
        cnn_walkthrough::exercises::notebook::conv_backward(student::conv_backward)
    })
}
