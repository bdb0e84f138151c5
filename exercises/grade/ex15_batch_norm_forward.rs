//! Grades exercise 15: `cargo run -- exercise 15` builds and runs this.

#[path = "../ex15_batch_norm_forward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex15_batch_norm_forward", || {
        cnn_walkthrough::exercises::layers::batch_norm_forward(student::batch_norm_forward)
    })
}
