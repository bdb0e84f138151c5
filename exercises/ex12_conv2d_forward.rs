//! Exercise 12: Conv2D's forward pass by im2col (ML-From-Scratch, lesson 07).
//!
//! Grade it with `cargo run -- exercise 12`; a hint: `cargo run -- exercise 12 --hint`.

use ndarray::{Array4, ArrayView2, ArrayView4};

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// A convolution layer's forward pass as one matrix product: the source's
/// `Conv2D.forward_pass`, written as a free function (it mirrors the
/// textbook's method `cnn_walkthrough::textbook::conv2d::Conv2D::forward`,
/// whose layer holds `W`, `w0`, the padding and the stride).
///
/// Shapes (NCHW): `x` is `(batch, channels, height, width)`, the filters `w`
/// `(n_filters, channels, fh, fw)`, the biases `w0` `(n_filters, 1)`;
/// `padding` is `((top, bottom), (left, right))` (fields `padding.top`,
/// `.bottom`, `.left`, `.right`). With `out_h = (height + top + bottom − fh)
/// / stride + 1` and `out_w` likewise, return `Ok(output)` of shape
/// `(batch, n_filters, out_h, out_w)`.
///
/// Formula, in the article's names:
///
/// - `X_col = image_to_column(X, (fh, fw), stride, padding)`:
///   `(channels·fh·fw, out_h·out_w·batch)`, rows (channel, kernel row,
///   kernel column), columns (output row, output column, image);
/// - `W_col = W.reshape(n_filters, -1)`: `(n_filters, channels·fh·fw)`;
/// - `output = W_col · X_col + w0`: `(n_filters, out_h·out_w·batch)`, the
///   bias `w0[f]` added to every column of row `f`;
/// - `output.reshape(n_filters, out_h, out_w, batch).transpose(3, 0, 1, 2)`.
///
/// You may call `cnn_walkthrough::textbook::im2col::image_to_column(&x,
/// (fh, fw), stride, padding)` (it returns a `Result`: use `?`), so this
/// exercise does not depend on your exercise 10; or paste your own.
///
/// Hanbt's worked example (lessons 02 and 07): `x` one 5×5 image of 3
/// channels, two 3×3 filters with biases 1 and 0, padding 1, stride 2; the
/// output is `[[[6, 7, 5], [3, -1, -1], [2, -1, 4]], [[2, -5, -8], [1, -4,
/// -4], [0, -5, -5]]]`. The article's `Conv2D(16, (3, 3))` on an image
/// `(1, 3, 32, 32)` gives `(1, 16, 32, 32)` with 'same' padding, `(1, 16,
/// 30, 30)` with 'valid', `(1, 16, 15, 15)` with 'valid' and stride 2.
pub fn conv2d_forward(
    x: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    w0: &ArrayView2<f64>,
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<f64>> {
    todo!()
}
