//! Grades exercise 6: `cargo run -- exercise 6` builds and runs this.

#[path = "../ex06_create_mask_from_window.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex06_create_mask_from_window", || {
        cnn_walkthrough::exercises::notebook::create_mask_from_window(student::create_mask_from_window)
    })
}
