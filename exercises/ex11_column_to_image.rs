//! Exercise 11: `column_to_image` (ML-From-Scratch's im2col, lesson 06).
//!
//! Grade it with `cargo run -- exercise 11`; a hint: `cargo run -- exercise 11 --hint`.

use ndarray::{Array4, ArrayView2};

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// The columns back onto the images: the article's
/// `column_to_image(cols, images_shape, filter_shape, stride, output_shape)`,
/// with the padding given directly. It undoes `image_to_column` the way a
/// backward pass needs: each column's values are **added** onto the window
/// they came from, so where windows overlap the values add up; then the
/// padding is cut off.
///
/// Shapes: `images_shape = (batch, channels, height, width)` (NCHW), the
/// window `filter_shape = (fh, fw)`, `padding` `((top, bottom), (left,
/// right))` (fields `padding.top`, `.bottom`, `.left`, `.right`); with
/// `out_h = (height + top + bottom − fh) / stride + 1` and `out_w` likewise,
/// `cols` is `(channels·fh·fw, out_h·out_w·batch)`. Return `Ok(images)` of
/// shape `images_shape`.
///
/// The order is ML-From-Scratch's (exercise 10's): row `r = (c·fh + i)·fw +
/// j` is (channel `c`, kernel row `i`, kernel column `j`); column
/// `q = (y·out_w + x)·batch + b` is (output row `y`, output column `x`,
/// image `b`). Formula: start from zeros of the padded shape
/// `(batch, channels, height + top + bottom, width + left + right)`, do
/// `padded[b, c, y·stride + i, x·stride + j] += cols[r, q]` for every
/// `(r, q)`, and return `padded[:, :, top:top + height, left:left + width]`.
/// In numpy: `np.add.at(images_padded, (slice(None), k, i, j), cols)`.
///
/// Lesson 06's example: columns of ones onto one image `(1, 2, 4, 4)`, a
/// 3×3 window, padding `((1, 1), (1, 1))`, stride 1, count how many windows
/// cover each pixel: 4 at a corner, 9 in the middle.
pub fn column_to_image(
    cols: &ArrayView2<f64>,
    images_shape: &[usize],
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<f64>> {
    todo!()
}
