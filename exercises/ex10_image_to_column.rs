//! Exercise 10: `image_to_column` (ML-From-Scratch's im2col, lesson 06).
//!
//! Grade it with `cargo run -- exercise 10`; a hint: `cargo run -- exercise 10 --hint`.

use ndarray::{Array2, ArrayView4};

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// Every window of a batch of images as one column of a matrix: the
/// article's `image_to_column(images, filter_shape, stride, output_shape)`,
/// with the padding given directly.
///
/// Shapes: `images` is NCHW `(batch, channels, height, width)`; the window
/// is `filter_shape = (fh, fw)`; `padding` is `((top, bottom), (left,
/// right))` (fields `padding.top`, `.bottom`, `.left`, `.right`): pad the
/// rows and columns of every image with zeros first. With
/// `out_h = (height + top + bottom − fh) / stride + 1` and `out_w` likewise,
/// return `Ok(cols)` with `cols` of shape
/// `(channels·fh·fw, out_h·out_w·batch)`.
///
/// The order is ML-From-Scratch's: row `r = (c·fh + i)·fw + j` is (channel
/// `c`, kernel row `i`, kernel column `j`); column
/// `q = (y·out_w + x)·batch + b` is (output row `y`, output column `x`,
/// image `b`), so the images change fastest. Formula:
/// `cols[r, q] = images_padded[b, c, y·stride + i, x·stride + j]`.
/// In numpy: `cols = images_padded[:, k, i, j]`, then
/// `cols.transpose(1, 2, 0).reshape(channels·fh·fw, -1)`.
///
/// The article's example: one image `(1, 3, 32, 32)`, a 3×3 filter, 'same'
/// padding `((1, 1), (1, 1))`, stride 1: `X_col` has shape `(27, 1024)`.
pub fn image_to_column(
    images: &ArrayView4<f64>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<f64>> {
    todo!()
}
