//! Grades exercise 11: `cargo run -- exercise 11` builds and runs this.

#[path = "../ex11_column_to_image.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex11_column_to_image", || {
        cnn_walkthrough::exercises::im2col::column_to_image(student::column_to_image)
    })
}
