//! Exercise 8: `pool_backward` (the deeplearning.ai notebook, lesson 05).
//!
//! Grade it with `cargo run -- exercise 8`; a hint: `cargo run -- exercise 8 --hint`.

use cnn_walkthrough::textbook::pool::{PoolCache, PoolMode};
use cnn_walkthrough::Result;
use ndarray::{Array4, ArrayView4};

/// A pooling layer's backward pass: each output gradient `dA[i, h, w, c]`
/// goes back into the window it was computed from.
///
/// Inputs: `da` is `dA (m, n_H, n_W, n_C)`, the gradient of the loss with
/// respect to the pooled output; `cache` is what `pool_forward` kept
/// (exercise 4): `cache.a_prev` (`A_prev (m, n_H_prev, n_W_prev, n_C)`),
/// `cache.hparameters` (`f`, `stride`) and `cache.params` with the sizes
/// (`m`, `n_c`, `f`, `stride`; `out_h()` and `out_w()` are `n_H` and
/// `n_W`). The grader builds the cache with the course's `pool_forward`, so
/// your backward pass is graded on its own.
///
/// Returns `Ok(dA_prev)`, of `A_prev`'s shape; `dA_prev[i, h, w, c]` is for
/// image `i`, row `h`, column `w`, channel `c` of the input.
///
/// Formula: start from zeros; for every image `i`, output row `h`, column
/// `w` and channel `c`, the window is `A_prev[i, h·stride ..= h·stride + f − 1,
/// w·stride ..= w·stride + f − 1, c]` and `dA_prev`'s same window gets,
/// **added** (windows overlap when `stride < f`):
/// - mode average: `distribute_value(dA[i, h, w, c], (f, f))`, the gradient
///   shared by the `f·f` cells (exercise 7);
/// - mode max: all of `dA[i, h, w, c]` at the window's maximum, 0 elsewhere.
///
/// Ties: when two cells of a window equal its maximum, the whole gradient
/// goes to the **first** of them, row by row (as `np.argmax`, PyTorch and
/// the course do), so that the total is kept: `Σ dA_prev = Σ dA`. The
/// notebook builds this step from `create_mask_from_window` (exercise 6),
/// `mask * dA[i, h, w, c]`; but that mask is `true` at every tied maximum,
/// and would count the gradient once per tied cell. The grader has a case
/// with ties: do not reuse exercise 6's mask as it is.
///
/// The notebook's example: after `np.random.seed(1)`,
/// `A_prev = np.random.randn(5, 5, 3, 2)`, `f = 2`, stride 1,
/// `A, cache = pool_forward(A_prev, hparameters)`,
/// `dA = np.random.randn(5, 4, 2, 2)`: mode max gives
/// `dA_prev[1,1] = [[0. 0.] [5.05844394 -1.68282702] [0. 0.]]`, mode average
/// `[[0.08485462 0.2787552] [1.26461098 -0.25749373] [1.17975636 -0.53624893]]`.
pub fn pool_backward(da: &ArrayView4<f64>, cache: &PoolCache, mode: PoolMode) -> Result<Array4<f64>> {
    todo!()
}
