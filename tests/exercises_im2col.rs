//! Exercises 9–14, im2col and the layers by matrix products: their solutions, graded, and
//! plausible wrong answers, each of which must fail with a message that
//! points at its mistake (`tests/exercises.rs` runs the solutions).

use cnn_walkthrough::exercises::Grade;

/// The grades of this part's solutions, by the exercise's file name.
pub fn solutions() -> Vec<(&'static str, Grade)> {
    vec![]
}
