//! Grades exercise 7: `cargo run -- exercise 7` builds and runs this.

#[path = "../ex07_distribute_value.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex07_distribute_value", || {
        cnn_walkthrough::exercises::notebook::distribute_value(student::distribute_value)
    })
}
