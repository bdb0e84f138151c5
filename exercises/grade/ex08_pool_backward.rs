//! Grades exercise 8: `cargo run -- exercise 8` builds and runs this.

#[path = "../ex08_pool_backward.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex08_pool_backward", || {
        cnn_walkthrough::exercises::notebook::pool_backward(student::pool_backward)
    })
}
