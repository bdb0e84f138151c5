//! Exercise 9: `get_im2col_indices` (ML-From-Scratch's im2col, lesson 06).
//!
//! Grade it with `cargo run -- exercise 9`; a hint: `cargo run -- exercise 9 --hint`.

use cnn_walkthrough::textbook::im2col::Im2colIndices;
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// The article's index arrays, with which `cols = images_padded[:, k, i, j]`
/// gathers every window of a batch of NCHW images into one matrix.
///
/// Inputs: `images_shape = (batch, channels, height, width)` (NCHW); the
/// window `filter_shape = (fh, fw)`; `padding` `((top, bottom), (left,
/// right))` (fields `padding.top`, `.bottom`, `.left`, `.right`); `stride`.
/// The output size is `out_h = (height + top + bottom − fh) / stride + 1`,
/// and `out_w` likewise.
///
/// A row `r` of the column matrix is one `(channel, kernel row, kernel
/// column)`, in that order: `r = (channel·fh + kernel row)·fw + kernel
/// column`, so there are `channels·fh·fw` rows. A column here is one
/// window `(output row, output column)`: `q = output row·out_w + output
/// column`, `out_h·out_w` of them. Return `Ok(Im2colIndices { i0, i1, j0,
/// j1, k, i, j })` with, in numpy's words:
///
/// - `i0 = np.tile(np.repeat(np.arange(fh), fw), channels)`: the kernel row
///   of each row, shape `(channels·fh·fw,)`;
/// - `i1 = stride · np.repeat(np.arange(out_h), out_w)`: the top row of
///   each window, shape `(out_h·out_w,)`;
/// - `j0 = np.tile(np.arange(fw), fh·channels)`: the kernel column of each
///   row;
/// - `j1 = stride · np.tile(np.arange(out_w), out_h)`: the left column of
///   each window;
/// - `k = np.repeat(np.arange(channels), fh·fw).reshape(-1, 1)`: the channel
///   of each row, shape `(channels·fh·fw, 1)`;
/// - `i = i0.reshape(-1, 1) + i1.reshape(1, -1)` and `j` likewise: the row
///   and column of the *padded* image, shape `(channels·fh·fw, out_h·out_w)`.
///
/// The fields are `Array1<usize>` (`i0`, `i1`, `j0`, `j1`) and
/// `Array2<usize>` (`k`, `i`, `j`), from `ndarray`.
///
/// The article's example: `images_shape = (1, 3, 32, 32)`, a 3×3 filter,
/// padding `((1, 1), (1, 1))`, stride 1: `i0` is
/// `[0,0,0,1,1,1,2,2,2, 0,0,0,1,1,1,2,2,2, 0,0,0,1,1,1,2,2,2]`, `i1` and `j1`
/// have shape `(1024,)`, `k` `(27, 1)`, `i` and `j` `(27, 1024)`.
pub fn get_im2col_indices(
    images_shape: &[usize],
    filter_shape: (usize, usize),
    padding: Padding2D,
    stride: usize,
) -> Result<Im2colIndices> {
    todo!()
}
