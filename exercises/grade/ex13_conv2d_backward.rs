//! Grades exercise 13: `cargo run -- exercise 13` builds and runs this.

#[path = "../ex13_conv2d_backward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex13_conv2d_backward", || {
        cnn_walkthrough::exercises::im2col::conv2d_backward(student::conv2d_backward)
    })
}
