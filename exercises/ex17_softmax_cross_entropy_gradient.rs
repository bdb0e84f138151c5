//! Exercise 17: `softmax_cross_entropy_gradient` (softmax and cross entropy
//! as one layer; lesson 09).
//!
//! Grade it with `cargo run -- exercise 17`; a hint: `cargo run -- exercise 17 --hint`.

use ndarray::{Array2, ArrayView2};

/// The gradient of softmax followed by cross entropy with respect to the
/// logits `z`, computed together: `p − y`. The textbook's own
/// `softmax_cross_entropy_gradient` (`cnn_walkthrough::textbook::losses`,
/// its card `SOFTMAX_CROSS_ENTROPY`), with its signature.
///
/// Shapes: `y` (the targets: one-hot rows, or rows of probabilities that
/// sum to 1) and `z` are both `(batch, classes)`; so is the result, one
/// gradient per sample (not divided by the batch size). Return it as
/// `Ok(grad_z)`; the grader always passes shapes that fit.
///
/// Formula, along each row (each sample), over its classes:
///
/// ```text
/// p = softmax(z) = e^(z − max z) / Σ e^(z − max z)
/// loss = −Σ y log p
/// grad_z = p − y
/// ```
///
/// Subtracting the row's largest logit changes nothing in `p` (it divides
/// the top and the bottom by the same `e^max z`) but keeps every exponent
/// ≤ 0: `e^1000` is infinite in `f64`, and `∞/∞` is NaN.
///
/// The example to try first: `z = [[0, 0, 0, 0], [ln 1, ln 2, ln 3, ln 4]]`
/// and `y` one-hot at class 2 in row 0 and class 1 in row 1. Then
/// `p = [[0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]]` and
/// `grad_z = [[0.25, 0.25, −0.75, 0.25], [0.1, −0.8, 0.3, 0.4]]`.
pub fn softmax_cross_entropy_gradient(
    y: &ArrayView2<f64>,
    z: &ArrayView2<f64>,
) -> cnn_walkthrough::Result<Array2<f64>> {
    todo!()
}
