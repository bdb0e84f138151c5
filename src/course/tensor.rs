//! Small helpers between layouts: checking a loaded tensor's rank, and moving
//! between the notebook's NHWC and seed 004's CHW. (How big a tensor may be
//! is the memory budget's question: [`crate::course::budget`].)

use ndarray::{Array1, Array3, Array4, ArrayD, ArrayView4, Axis};

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

/// Filter `c` of `W (f, f, n_C_prev, n_C)` channels first, `(n_C_prev, f, f)`,
/// as seed 004 stores and prints it.
///
/// ```
/// let w = ndarray::Array4::from_shape_fn((2, 2, 3, 4), |(i, j, d, c)| (1000 * c + 100 * d + 10 * i + j) as f64);
/// let f = cnn_walkthrough::course::tensor::filter_chw(&w, 3);
/// assert_eq!(f.dim(), (3, 2, 2));
/// assert_eq!(f[[2, 1, 0]], 3210.0);
/// ```
pub fn filter_chw(w: &Array4<f64>, c: usize) -> Array3<f64> {
    w.slice(ndarray::s![.., .., .., c]).permuted_axes([2, 0, 1]).to_owned()
}

/// NHWC (the notebook's layout) → NCHW (ML-From-Scratch's).
pub fn nchw(a: &Array4<f64>) -> Array4<f64> {
    a.view().permuted_axes([0, 3, 1, 2]).as_standard_layout().into_owned()
}

/// NCHW (ML-From-Scratch's layout) → NHWC (the notebook's).
///
/// ```
/// use cnn_walkthrough::course::tensor::{nchw, nhwc};
/// let a = ndarray::Array4::from_shape_fn((2, 3, 4, 5), |(n, h, w, c)| (n + 10 * h + 100 * w + 1000 * c) as f64);
/// assert_eq!(nchw(&a).dim(), (2, 5, 3, 4));
/// assert_eq!(nchw(&a)[[1, 4, 2, 3]], a[[1, 2, 3, 4]]);
/// assert_eq!(nhwc(&nchw(&a)), a);
/// ```
pub fn nhwc(a: &Array4<f64>) -> Array4<f64> {
    a.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned()
}

/// The mean and (population) standard deviation of each channel of an NCHW
/// batch, over batch, height and width: what batch normalization makes 0 and
/// about 1.
///
/// ```
/// let a = ndarray::Array4::from_shape_fn((2, 2, 1, 2), |(n, c, _, w)| (10 * c + 2 * n + w) as f64).into_dyn();
/// let (mean, std) = cnn_walkthrough::course::tensor::channel_mean_std(&a);
/// assert_eq!(mean.to_vec(), [1.5, 11.5]); // 0, 1, 2, 3 and 10, 11, 12, 13
/// assert!((std[0] - 1.25f64.sqrt()).abs() < 1e-15);
/// ```
///
/// # Panics
/// If `a` does not have 4 axes or is empty.
pub fn channel_mean_std(a: &ArrayD<f64>) -> (Array1<f64>, Array1<f64>) {
    let channels = a.shape()[1];
    let moved = a.view().permuted_axes(ndarray::IxDyn(&[1, 0, 2, 3])).as_standard_layout().into_owned();
    let rows = moved.into_shape_with_order((channels, a.len() / channels)).expect("same size");
    (rows.mean_axis(Axis(1)).expect("not empty"), rows.std_axis(Axis(1), 0.0))
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
