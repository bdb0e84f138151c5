//! Grades exercise 4: `cargo run -- exercise 4` builds and runs this.

#[path = "../ex04_pool_forward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex04_pool_forward", || {
        cnn_walkthrough::exercises::notebook::pool_forward(student::pool_forward)
    })
}
