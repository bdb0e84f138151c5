//! Grades exercise 2: `cargo run -- exercise 2` builds and runs this.

#[path = "../ex02_conv_single_step.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex02_conv_single_step", || {
        cnn_walkthrough::exercises::notebook::conv_single_step(student::conv_single_step)
    })
}
