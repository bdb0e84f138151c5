//! Small helpers between layouts: checking a loaded tensor's rank, and moving
//! between the notebook's NHWC and seed 004's CHW. (How big a tensor may be
//! is the memory budget's question: [`crate::course::budget`].)

use ndarray::{Array3, Array4, ArrayD, ArrayView4};

use crate::error::{Error, Result};

/// `x` as a 4-axis array, or a shape error naming `what` and its `layout`
/// (e.g. `"(m, n_H, n_W, n_C)"`).
///
/// # Errors
/// [`Error::Shape`] when `x` does not have exactly 4 axes.
pub fn into_rank4(x: ArrayD<f64>, what: &str, layout: &str) -> Result<Array4<f64>> {
    if x.ndim() != 4 {
        return Err(Error::shape(what, format!("{layout}: 4 axes, not {}", x.ndim()), x.shape()));
    }
    let shape = x.shape().to_vec();
    x.into_dimensionality().map_err(|_| Error::shape(what, layout.to_string(), &shape))
}

/// Image `i` of an NHWC batch as a CHW array (channels first), seed 004's layout.
pub fn image_chw(a: &ArrayView4<f64>, i: usize) -> Array3<f64> {
    a.index_axis(ndarray::Axis(0), i).permuted_axes([2, 0, 1]).as_standard_layout().into_owned()
}

/// A `rows × cols` row-major matrix transposed to `cols × rows`, in square
/// tiles so that both reading and writing stay in cache: how im2col moves the
/// batch axis to the end and back (`(B, X) ↔ (X, B)`).
///
/// ```
/// let t = cnn_walkthrough::course::tensor::transpose_2d(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
/// assert_eq!(t, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// ```
///
/// # Panics
/// If `src.len() != rows · cols`.
pub fn transpose_2d(src: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(src.len(), rows * cols, "a {rows}×{cols} matrix");
    const TILE: usize = 32;
    let mut dst = vec![0.0; src.len()];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
    dst
}
