//! Grades exercise 18: `cargo run -- exercise 18` builds and runs this.

#[path = "../ex18_adam_step.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex18_adam_step", || {
        cnn_walkthrough::exercises::layers::adam_step(student::adam_step)
    })
}
