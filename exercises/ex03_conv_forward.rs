//! Exercise 3: `conv_forward` (the deeplearning.ai notebook, lesson 02).
//!
//! Grade it with `cargo run -- exercise 3`; a hint: `cargo run -- exercise 3 --hint`.

use cnn_walkthrough::textbook::conv::{ConvCache, Hparameters};
use cnn_walkthrough::Result;
use ndarray::{Array4, ArrayView4};

/// A convolution layer's forward pass, by loops: every filter slides over
/// every image of the batch (padded with zeros), and each output value is
/// one window times one filter, summed, plus the filter's bias (exercise 2).
///
/// Shapes (NHWC): `a_prev` is `A_prev (m, n_H_prev, n_W_prev, n_C_prev)`,
/// `w` is `W (f, f, n_C_prev, n_C)` (`n_C` filters), `b` is
/// `(1, 1, 1, n_C)`, and `hparameters` holds `pad` and `stride`. The result
/// `Z` is `(m, n_H, n_W, n_C)` with
/// `n_H = ⌊(n_H_prev + 2·pad − f) / stride⌋ + 1`, and likewise `n_W`.
///
/// Formula: with `A_prev_pad = zero_pad(A_prev, pad)`, for image `i`,
/// output row `h`, output column `w` and filter `c`, `Z[i, h, w, c]` reads
/// the window of `A_prev_pad[i]` at rows `h·stride ..= h·stride + f − 1`
/// and columns `w·stride ..= w·stride + f − 1`, every channel:
///
/// `Z[i, h, w, c] = Σ_{r, q, k} A_prev_pad[i, h·stride + r, w·stride + q, k] · W[r, q, k, c] + b[0, 0, 0, c]`
///
/// (the bias once per output value, after the sum). You may use your
/// exercises 1 and 2, or the course's `zero_pad` and `conv_single_step`:
/// `cnn_walkthrough::textbook::padding::zero_pad` and
/// `cnn_walkthrough::textbook::conv::conv_single_step`.
///
/// Returns `Ok((Z, cache))`. The sizes and the cache, so that the task is
/// the loops: start with
/// `let p = cnn_walkthrough::textbook::conv::ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hparameters)?;`
/// (it checks the shapes and holds `p.m`, `p.f`, `p.n_c`, `p.pad`,
/// `p.stride`, …; `p.out_h()` and `p.out_w()` are `n_H` and `n_W`), and end
/// with
/// `ConvCache { a_prev: a_prev.to_owned(), w: w.to_owned(), b: b.to_owned(), hparameters, params: p }`,
/// the notebook's `cache = (A_prev, W, b, hparameters)` (`A_prev` as it
/// came in, not padded).
///
/// The notebook's example: after `np.random.seed(1)`,
/// `A_prev = np.random.randn(10, 4, 4, 3)`, `W = np.random.randn(2, 2, 3, 8)`,
/// `b = np.random.randn(1, 1, 1, 8)`, pad 2 and stride 2: `Z` has shape
/// `(10, 4, 4, 8)`, `Z's mean = 0.0489952035289` and
/// `Z[3,2,1] = [-0.61490741 -6.7439236 -2.55153897 1.75698377 3.56208902 0.53036437 5.18531798 8.75898442]`.
pub fn conv_forward(
    a_prev: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    b: &ArrayView4<f64>,
    hparameters: Hparameters,
) -> Result<(Array4<f64>, ConvCache)> {
    todo!()
}
