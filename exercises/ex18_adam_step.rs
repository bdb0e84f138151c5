//! Exercise 18: `adam_step` (ML-From-Scratch's Adam, with the paper's bias
//! correction; lesson 10).
//!
//! Grade it with `cargo run -- exercise 18`; a hint: `cargo run -- exercise 18 --hint`.

use ndarray::{ArrayD, ArrayViewD};

/// One step of Adam on the parameters `w`, given their gradient `grad`:
/// updates `w` and the running averages `m` (of the gradient) and `v` (of
/// its square) in place. Mirrors the textbook's `Adam::step` with
/// `BiasCorrection::Correct` (`cnn_walkthrough::textbook::optimizers`),
/// written as a free function given Adam's state (`m`, `v`, and `t`, the
/// number of this step, from 1) and its hyperparameters.
///
/// Shapes: `w`, `grad`, `m` and `v` all have the same shape, any shape;
/// each element is updated on its own. `m` and `v` are zeros before step 1.
///
/// Formula, element by element, at step `t`:
///
/// ```text
/// m = b1·m + (1 − b1)·grad
/// v = b2·v + (1 − b2)·grad²
/// m_hat = m / (1 − b1ᵗ)
/// v_hat = v / (1 − b2ᵗ)
/// w = w − learning_rate·m_hat / (√v_hat + eps)
/// ```
///
/// The source's defaults: `learning_rate = 0.001`, `b1 = 0.9`,
/// `b2 = 0.999`, `eps = 1e-8`.
///
/// The example to try first: `w = [1, −2]`, `grad = [1, −2]`, `m = v = 0`,
/// step `t = 1` with the defaults. Then `m = [0.1, −0.2]`,
/// `v = [0.001, 0.004]`, `m_hat = grad`, `v_hat = grad²`, so each element of
/// `w` moves by `learning_rate` against its gradient's sign (less a hair
/// for eps): `w ≈ [0.999, −1.999]`.
// Adam has nine inputs; clippy would warn at more than seven.
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    w: &mut ArrayD<f64>,
    grad: &ArrayViewD<f64>,
    m: &mut ArrayD<f64>,
    v: &mut ArrayD<f64>,
    t: i32,
    learning_rate: f64,
    b1: f64,
    b2: f64,
    eps: f64,
) {
    todo!()
}
