//! Exercise 15: `batch_norm_forward` (ML-From-Scratch's BatchNormalization,
//! per channel as PyTorch does it; lesson 09).
//!
//! Grade it with `cargo run -- exercise 15`; a hint: `cargo run -- exercise 15 --hint`.

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// Batch normalization's forward pass while training: each channel of the
/// batch `x` normalized by its own mean and variance, then scaled by its
/// `gamma` and shifted by its `beta`. Mirrors the textbook's
/// `BatchNormalization::forward(x, training = true)`
/// (`cnn_walkthrough::textbook::layers`), written as a free function: the
/// running averages it also keeps for inference (momentum 0.99) are left
/// out, and the forward pass's cache, `x_centered` and `stddev_inv`, is
/// returned for the backward pass (exercise 16).
///
/// Shapes (NCHW): `x` is `(batch, C, H, W)`; `gamma` and `beta` are `(C,)`.
/// Returns `(y, x_centered, stddev_inv)`: `y` and `x_centered` of `x`'s
/// shape, `stddev_inv` of shape `(C,)`.
///
/// Formula, for each channel `c`, over the `n = batch·H·W` values of
/// `x[.., c, .., ..]` (the batch, the rows and the columns):
///
/// ```text
/// mean = Σ x / n
/// var = Σ (x − mean)² / n
/// x_centered = x − mean
/// stddev_inv = 1 / √(var + eps)
/// y = gamma · x_centered · stddev_inv + beta
/// ```
///
/// The grader passes the textbook's `eps = 0.01` (`BATCH_NORM_EPS`).
///
/// The example to try first: `x` of shape `(2, 2, 1, 2)` whose channel 0
/// holds 1, 2 (image 0) and 3, 4 (image 1), and channel 1 is 10 everywhere;
/// `gamma = [1, 2]`, `beta = [0, 0.5]`. Channel 0 has mean 2.5 and
/// variance 1.25, so `stddev_inv[0] = 1/√1.26 ≈ 0.890871` and `y` there is
/// about −1.336306, −0.445435, 0.445435, 1.336306; channel 1 has variance
/// 0, `stddev_inv[1] = 1/√0.01 = 10`, and `y` is `beta[1] = 0.5` everywhere.
pub fn batch_norm_forward(
    x: &ArrayView4<f64>,
    gamma: &ArrayView1<f64>,
    beta: &ArrayView1<f64>,
    eps: f64,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    todo!()
}
