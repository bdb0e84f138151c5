//! Exercise 6: `create_mask_from_window` (the deeplearning.ai notebook, lesson 05).
//!
//! Grade it with `cargo run -- exercise 6`; a hint: `cargo run -- exercise 6 --hint`.

use ndarray::{Array2, ArrayView2};

/// Where a window's maximum is: a mask of the window's shape, `true` where
/// `x` equals its maximum and `false` elsewhere. Max pooling's backward
/// pass (exercise 8) uses it to send a window's gradient to the cell that
/// won the forward pass.
///
/// Shapes: `x` is one window `(f, f)` (any `(n_H, n_W)`); the mask has the
/// same shape.
///
/// Formula: `mask = (x == np.max(x))`, as the notebook writes it: **every**
/// cell equal to the maximum is `true`, so a window whose maximum is tied
/// has two (or more) `true` cells. (Exercise 8 will want one cell only at a
/// tie, so it cannot use this mask as it is: its doc says why.)
///
/// The notebook's example: after `np.random.seed(1)`,
/// `x = np.random.randn(2, 3)` is
/// `[[1.62434536 -0.61175641 -0.52817175] [-1.07296862 0.86540763 -2.3015387]]`
/// and `mask = [[True False False] [False False False]]`.
pub fn create_mask_from_window(x: &ArrayView2<f64>) -> Array2<bool> {
    todo!()
}
