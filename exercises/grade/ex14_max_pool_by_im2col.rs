//! Grades exercise 14: `cargo run -- exercise 14` builds and runs this.

#[path = "../ex14_max_pool_by_im2col.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex14_max_pool_by_im2col", || {
        cnn_walkthrough::exercises::im2col::max_pool_by_im2col(student::max_pool_by_im2col)
    })
}
