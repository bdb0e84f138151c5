//! Exercise 2: `conv_single_step` (the deeplearning.ai notebook, lesson 02).
//!
//! Grade it with `cargo run -- exercise 2`; a hint: `cargo run -- exercise 2 --hint`.

use ndarray::ArrayView3;

/// One step of a convolution: the window `a_slice_prev` of the input,
/// multiplied element by element by the filter `w`, summed, plus the bias.
///
/// Shapes: `a_slice_prev` and `w` are both `(f, f, n_C_prev)`; `b` is one
/// number (the notebook's `b` of shape `(1, 1, 1)`). Returns the number `Z`.
///
/// Formula: `Z = Σ_{i,j,k} a_slice_prev[i, j, k] · W[i, j, k] + b`: the
/// bias is added once, after the sum.
///
/// The notebook's example: after `np.random.seed(1)`,
/// `a_slice_prev = np.random.randn(4, 4, 3)`, `W = np.random.randn(4, 4, 3)`,
/// `b = np.random.randn(1, 1, 1)`, and the notebook prints
/// `Z = -6.99908945068`.
pub fn conv_single_step(a_slice_prev: &ArrayView3<f64>, w: &ArrayView3<f64>, b: f64) -> f64 {
    todo!()
}
