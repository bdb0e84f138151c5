//! Exercise 16: `batch_norm_backward` (ML-From-Scratch's BatchNormalization,
//! per channel; lesson 09 shows the three terms of its bracket).
//!
//! Grade it with `cargo run -- exercise 16`; a hint: `cargo run -- exercise 16 --hint`.

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// Batch normalization's backward pass: from the gradient `grad` of the
/// output `y`, the gradients of the input `x` and of `gamma` and `beta`.
/// Mirrors the textbook's `BatchNormalization::backward` (and its
/// `bracket_terms`, `cnn_walkthrough::textbook::layers`), written as a free
/// function given the forward pass's cache (exercise 15's `x_centered` and
/// `stddev_inv`) and `gamma`.
///
/// Shapes (NCHW): `grad` and `x_centered` are `(batch, C, H, W)`;
/// `stddev_inv` and `gamma` are `(C,)`. Returns
/// `(grad_x, grad_gamma, grad_beta)`: `grad_x` of `grad`'s shape, the other
/// two of shape `(C,)`.
///
/// Formula, for each channel `c`, with `g = grad` and each `Σ` over the
/// `n = batch·H·W` values of the channel:
///
/// ```text
/// grad_gamma = Σ g · x_centered · stddev_inv
/// grad_beta = sum_g = Σ g
/// sum_g_centered = Σ g · x_centered
/// grad_x = gamma · stddev_inv / n · bracket
/// bracket = g · n                                      (directly)
///         − sum_g                                      (through the mean)
///         − x_centered · stddev_inv² · sum_g_centered  (through the variance)
/// ```
///
/// Each value of `x` reaches the output three ways: directly, through the
/// channel's mean, and through its variance; hence the three terms.
///
/// The example to try first: exercise 15's example (`x` of shape
/// `(2, 2, 1, 2)`, channel 0 holding 1, 2, 3, 4, channel 1 all 10,
/// `gamma = [1, 2]`), and `grad` 1 at `[0, 0, 0, 0]`, 0 elsewhere in
/// channel 0, and 1, 2, 3, 4 in channel 1. Channel 0: `n = 4`, `sum_g = 1`,
/// `sum_g_centered = −1.5`, `stddev_inv² = 1/1.26`; channel 1:
/// `x_centered = 0`, `stddev_inv = 10`, so `grad_x` there is
/// `2 · 10 / 4 · (4·g − 10)`: −30, −10, 10, 30. `grad_beta = [1, 10]` and
/// `grad_gamma[1] = 0`.
pub fn batch_norm_backward(
    grad: &ArrayView4<f64>,
    x_centered: &ArrayView4<f64>,
    stddev_inv: &ArrayView1<f64>,
    gamma: &ArrayView1<f64>,
) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
    todo!()
}
