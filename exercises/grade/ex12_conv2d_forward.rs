//! Grades exercise 12: `cargo run -- exercise 12` builds and runs this.

#[path = "../ex12_conv2d_forward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex12_conv2d_forward", || {
        cnn_walkthrough::exercises::im2col::conv2d_forward(student::conv2d_forward)
    })
}
