//! Grades exercise 17: `cargo run -- exercise 17` builds and runs this.

#[path = "../ex17_softmax_cross_entropy_gradient.rs"]
mod student;

fn main() -> std::process::ExitCode {
    cnn_walkthrough::exercises::runner::grade_main("ex17_softmax_cross_entropy_gradient", || {
        cnn_walkthrough::exercises::layers::softmax_cross_entropy_gradient(
            student::softmax_cross_entropy_gradient,
        )
    })
}
