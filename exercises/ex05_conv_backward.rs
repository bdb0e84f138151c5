//! Exercise 5: `conv_backward` (the deeplearning.ai notebook, lesson 03).
//!
//! Grade it with `cargo run -- exercise 5`; a hint: `cargo run -- exercise 5 --hint`.

use cnn_walkthrough::textbook::conv::{ConvCache, ConvGrads};
use cnn_walkthrough::Result;
use ndarray::ArrayView4;

/// A convolution layer's backward pass, by loops: every output value sends
/// its gradient `dZ[i, h, w, c]` back along the window it was computed from.
///
/// Inputs: `dz` is `dZ (m, n_H, n_W, n_C)`, the gradient of the loss with
/// respect to `Z`; `cache` is what `conv_forward` kept (exercise 3):
/// `cache.a_prev` (`A_prev (m, n_H_prev, n_W_prev, n_C_prev)`, not padded),
/// `cache.w` (`W (f, f, n_C_prev, n_C)`), `cache.b`, `cache.hparameters`,
/// and `cache.params` with the sizes (`m`, `f`, `n_c`, `pad`, `stride`,
/// `n_h_prev`, `n_w_prev`; `out_h()` and `out_w()` are `n_H` and `n_W`).
/// The grader builds the cache with the course's `conv_forward`, so your
/// backward pass is graded on its own.
///
/// Returns `Ok(ConvGrads { d_a_prev, d_w, d_b })`:
/// - `d_a_prev`: `dA_prev (m, n_H_prev, n_W_prev, n_C_prev)`, the shape of
///   `A_prev`; `dA_prev[i, h, w, k]` is for image `i`, row `h`, column `w`,
///   channel `k` of the input;
/// - `d_w`: `dW (f, f, n_C_prev, n_C)`; `dW[r, q, k, c]` is for filter row
///   `r`, filter column `q`, input channel `k` of filter `c`;
/// - `d_b`: `db (1, 1, 1, n_C)`, one per filter.
///
/// Formula: with `A_prev_pad = zero_pad(A_prev, pad)` and `dA_prev_pad`
/// zeros of its shape, for every image `i`, output row `h`, column `w` and
/// filter `c`, where `a_slice` is the window of `A_prev_pad[i]` that
/// `Z[i, h, w, c]` read (rows `h·stride ..= h·stride + f − 1`, columns
/// `w·stride ..= w·stride + f − 1`, every channel):
///
/// - `dA_prev_pad[i, window] += W[:, :, :, c] · dZ[i, h, w, c]`
/// - `dW[:, :, :, c] += a_slice · dZ[i, h, w, c]`
/// - `db[:, :, :, c] += dZ[i, h, w, c]`
///
/// `dW` and `db` add up over every image of the batch. At the end,
/// `dA_prev` is `dA_prev_pad` without its padding:
/// `dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]`.
///
/// The notebook's example: `dA, dW, db = conv_backward(Z, cache_conv)`
/// after its `conv_forward` cell (exercise 3's example) prints
/// `dA_mean = 1.45243777754`, `dW_mean = 1.72699145831`,
/// `db_mean = 7.83923256462`.
pub fn conv_backward(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    todo!()
}
