//! Exercise 13: Conv2D's backward pass by im2col (ML-From-Scratch, lesson 07).
//!
//! Grade it with `cargo run -- exercise 13`; a hint: `cargo run -- exercise 13 --hint`.

use ndarray::ArrayView4;

use cnn_walkthrough::textbook::conv2d::Conv2DGrads;
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// A convolution layer's backward pass as matrix products: the source's
/// `Conv2D.backward_pass`, written as a free function (it mirrors the
/// textbook's method `cnn_walkthrough::textbook::conv2d::Conv2D::backward`;
/// instead of the forward pass's cache it takes the layer's input `x` and
/// recomputes `X_col`).
///
/// Shapes (NCHW): `x` is `(batch, channels, height, width)`, the filters `w`
/// `(n_filters, channels, fh, fw)`, `accum_grad` (the gradient of the loss
/// with respect to the output) `(batch, n_filters, out_h, out_w)`;
/// `padding` is `((top, bottom), (left, right))`. Return
/// `Ok(Conv2DGrads { grad_w, grad_w0, grad_input })`: `grad_w` shaped like
/// `w`, `grad_w0` `(n_filters, 1)`, `grad_input` shaped like `x`.
///
/// Formula, in the article's names:
///
/// - `X_col = image_to_column(X, (fh, fw), stride, padding)`:
///   `(channels·fh·fw, out_h·out_w·batch)`, as in the forward pass;
/// - `δ = accum_grad.transpose(1, 2, 3, 0).reshape(n_filters, -1)`:
///   `(n_filters, out_h·out_w·batch)`, its columns in X_col's order;
/// - `grad_W = δ · X_colᵀ`, reshaped like `W`;
/// - `grad_w0 = δ.sum(axis=1, keepdims=True)`;
/// - `grad_X = column_to_image(W_colᵀ · δ, X.shape, (fh, fw), stride,
///   padding)` with `W_col = W.reshape(n_filters, -1)`.
///
/// You may call `cnn_walkthrough::textbook::im2col::image_to_column` and
/// `cnn_walkthrough::textbook::im2col::column_to_image` (they return a
/// `Result`: use `?`), so this exercise does not depend on your exercises
/// 10 and 11; or paste your own.
///
/// Hanbt's worked example (lessons 03 and 07): 3 channels of 5×5, two 3×3
/// filters, padding 1, stride 2, `accum_grad` the article's sensitivity map
/// `[[[0, 1, 1], [2, 2, 2], [1, 0, 0]], [[1, 0, 2], [0, 0, 0], [1, 2, 1]]]`:
/// `grad_w0 = [[9], [7]]`, and `grad_W[0, 0] = [[8, 10, 9], [5, 6, 6], [6,
/// 5, 4]]`.
pub fn conv2d_backward(
    x: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    accum_grad: &ArrayView4<f64>,
    stride: usize,
    padding: Padding2D,
) -> Result<Conv2DGrads> {
    todo!()
}
