//! Exercise 1: `zero_pad` (the deeplearning.ai notebook, lesson 01).
//!
//! Grade it with `cargo run -- exercise 1`; a hint: `cargo run -- exercise 1 --hint`.

use ndarray::{Array4, ArrayView4};

/// Pads every image of the batch `x` with `pad` zeros on each side of its
/// height and width; the batch and channel axes are not padded.
///
/// Shapes (NHWC): `x` is `(m, n_H, n_W, n_C)`; the result is
/// `(m, n_H + 2·pad, n_W + 2·pad, n_C)`.
///
/// Formula: `x_pad[i, h, w, c] = x[i, h − pad, w − pad, c]` where
/// `pad ≤ h < pad + n_H` and `pad ≤ w < pad + n_W`, and `0` elsewhere.
/// In numpy: `np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), 'constant')`.
///
/// The notebook's example: `x = np.random.randn(4, 3, 3, 2)` after
/// `np.random.seed(1)`, and `x_pad = zero_pad(x, 2)` has shape
/// `(4, 7, 7, 2)`; its row `x_pad[1, 1]` is all zeros.
pub fn zero_pad(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
    todo!()
}
