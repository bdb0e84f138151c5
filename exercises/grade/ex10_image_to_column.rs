//! Grades exercise 10: `cargo run -- exercise 10` builds and runs this.

#[path = "../ex10_image_to_column.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex10_image_to_column", || {
        cnn_walkthrough::exercises::im2col::image_to_column(student::image_to_column)
    })
}
