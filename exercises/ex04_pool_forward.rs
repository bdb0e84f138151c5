//! Exercise 4: `pool_forward` (the deeplearning.ai notebook, lesson 04).
//!
//! Grade it with `cargo run -- exercise 4`; a hint: `cargo run -- exercise 4 --hint`.

use cnn_walkthrough::textbook::pool::{PoolCache, PoolHparameters, PoolMode};
use cnn_walkthrough::Result;
use ndarray::{Array4, ArrayView4};

/// A pooling layer's forward pass, by loops: an `f × f` window slides over
/// each channel of each image on its own (no padding, no parameters) and
/// keeps one number per window, its largest value (`PoolMode::Max`) or its
/// mean (`PoolMode::Average`).
///
/// Shapes (NHWC): `a_prev` is `A_prev (m, n_H_prev, n_W_prev, n_C)`;
/// `hparameters` holds `f` and `stride`. The result `A` is
/// `(m, n_H, n_W, n_C)` with `n_H = ⌊(n_H_prev − f) / stride⌋ + 1`, and
/// likewise `n_W`: pooling keeps the number of channels.
///
/// Formula: for image `i`, output row `h`, output column `w` and channel
/// `c`, the window is `A_prev[i, h·stride ..= h·stride + f − 1,
/// w·stride ..= w·stride + f − 1, c]`, and `A[i, h, w, c]` is its maximum
/// (`np.max`) or its mean (`np.mean`: the sum divided by `f·f`).
///
/// Returns `Ok((A, cache))`. The sizes and the cache, so that the task is
/// the loops: start with
/// `let p = cnn_walkthrough::textbook::pool::PoolParams::new(a_prev.shape(), hparameters)?;`
/// (it checks the shape and holds `p.m`, `p.n_c`, `p.f`, `p.stride`, …;
/// `p.out_h()` and `p.out_w()` are `n_H` and `n_W`), and end with
/// `PoolCache { a_prev: a_prev.to_owned(), hparameters, params: p }`, the
/// notebook's `cache = (A_prev, hparameters)`.
///
/// The notebook's example: after `np.random.seed(1)`,
/// `A_prev = np.random.randn(2, 4, 4, 3)`, `f = 3`, stride 2: `A` has shape
/// `(2, 1, 1, 3)`; mode max gives `A[:,0,0] = [[1.74481176 0.86540763 1.13376944]
/// [1.13162939 1.51981682 2.18557541]]`, mode average
/// `[[0.02105773 -0.20328806 -0.40389855] [-0.22154621 0.51716526 0.48155844]]`.
pub fn pool_forward(
    a_prev: &ArrayView4<f64>,
    hparameters: PoolHparameters,
    mode: PoolMode,
) -> Result<(Array4<f64>, PoolCache)> {
    todo!()
}
