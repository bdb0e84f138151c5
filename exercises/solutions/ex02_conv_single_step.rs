//! Exercise 2: `conv_single_step`, solved.

use ndarray::ArrayView3;

/// One window times one filter, summed, plus the bias once.
pub fn conv_single_step(a_slice_prev: &ArrayView3<f64>, w: &ArrayView3<f64>, b: f64) -> f64 {
    let s = a_slice_prev * w;
    let z = s.sum();
    z + b
}
