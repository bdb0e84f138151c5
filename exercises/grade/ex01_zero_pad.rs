//! Grades exercise 1: `cargo run -- exercise 1` builds and runs this.

#[path = "../ex01_zero_pad.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex01_zero_pad", || {
        cnn_walkthrough::exercises::notebook::zero_pad(student::zero_pad)
    })
}
