//! Exercise 14: max pooling by im2col, forward and backward (ML-From-Scratch, lesson 08).
//!
//! Grade it with `cargo run -- exercise 14`; a hint: `cargo run -- exercise 14 --hint`.

use ndarray::{Array4, ArrayView4};

use cnn_walkthrough::Result;

/// Max pooling's forward and backward passes by im2col, in one function:
/// the source's `MaxPooling2D` (`PoolingLayer.forward_pass` and
/// `backward_pass` with `_pool_forward` / `_pool_backward`), written as a
/// free function (it mirrors the textbook's methods
/// `cnn_walkthrough::textbook::pool2d::Pooling2D::forward` and `::backward`
/// in `PoolMode::Max`). Pooling does not pad.
///
/// Shapes (NCHW): `x` is `(batch, channels, height, width)`; the window
/// `pool_shape = (fh, fw)`; with `out_h = (height − fh) / stride + 1` and
/// `out_w` likewise, `accum_grad` (the gradient of the loss with respect to
/// the output) is `(batch, channels, out_h, out_w)`. Return
/// `Ok((output, grad_input))`: `output` `(batch, channels, out_h, out_w)`,
/// `grad_input` shaped like `x`.
///
/// Formula, in the article's names:
///
/// - forward: fold the channels into the batch,
///   `X = x.reshape(batch·channels, 1, height, width)`; `X_col =
///   image_to_column(X, pool_shape, stride, no padding)`:
///   `(fh·fw, out_h·out_w·batch·channels)`, rows (kernel row, kernel
///   column), columns (output row, output column, image, channel);
///   `arg_max = argmax of each column` (np.argmax: the **first** maximum,
///   in (kernel row, kernel column) order); `output = X_col[arg_max,
///   range(columns)]`, reshaped `(out_h, out_w, batch, channels)` and
///   transposed `(2, 3, 0, 1)`;
/// - backward: `accum_grad.transpose(2, 3, 0, 1)` read in order gives one
///   gradient per column; `grad_col` is zeros `(fh·fw, columns)` with each
///   column's gradient at its `arg_max` row only; `grad_input =
///   column_to_image(grad_col, (batch·channels, 1, height, width),
///   pool_shape, stride, no padding)`, reshaped like `x`. Where windows
///   overlap, their gradients add up.
///
/// You may call `cnn_walkthrough::textbook::im2col::image_to_column` and
/// `cnn_walkthrough::textbook::im2col::column_to_image` (no padding is
/// `cnn_walkthrough::textbook::padding::Padding2D::uniform(0)`; they return
/// a `Result`: use `?`); or paste your own.
///
/// Hanbt's pooling test (lesson 08): one image of two 4×4 channels,
/// `[[1,1,2,4], [5,6,7,8], [3,2,1,0], [1,2,3,4]]` and `[[0,1,2,3], [4,5,6,7],
/// [8,9,0,1], [3,4,5,6]]`, a 2×2 window, stride 2, `accum_grad` `[[1, 2],
/// [2, 4]]` and `[[3, 5], [8, 2]]`: the output is `[[6, 8], [3, 4]]` and
/// `[[5, 7], [9, 6]]`; each gradient goes to its window's maximum, e.g.
/// `grad_input[0, 0]` is `[[0,0,0,0], [0,1,0,2], [2,0,0,0], [0,0,0,4]]`.
pub fn max_pool_by_im2col(
    x: &ArrayView4<f64>,
    accum_grad: &ArrayView4<f64>,
    pool_shape: (usize, usize),
    stride: usize,
) -> Result<(Array4<f64>, Array4<f64>)> {
    todo!()
}
