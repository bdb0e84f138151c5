//! Grades exercise 16: `cargo run -- exercise 16` builds and runs this.

#[path = "../ex16_batch_norm_backward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex16_batch_norm_backward", || {
        cnn_walkthrough::exercises::layers::batch_norm_backward(student::batch_norm_backward)
    })
}
