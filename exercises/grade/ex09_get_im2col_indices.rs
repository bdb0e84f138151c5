//! Grades exercise 9: `cargo run -- exercise 9` builds and runs this.

#[path = "../ex09_get_im2col_indices.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex09_get_im2col_indices", || {
        cnn_walkthrough::exercises::im2col::get_im2col_indices(student::get_im2col_indices)
    })
}
