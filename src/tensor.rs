//! Small helpers between layouts: checking a loaded tensor's rank, and moving
//! between the notebook's NHWC and seed 004's CHW.

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
