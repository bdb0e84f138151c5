//! Exercise 1: `zero_pad`, solved.

use ndarray::{s, Array4, ArrayView4};

/// Pads every image of the batch `x` with `pad` zeros on each side of its
/// height and width.
pub fn zero_pad(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
    let (m, n_h, n_w, n_c) = x.dim();
    let mut x_pad = Array4::zeros((m, n_h + 2 * pad, n_w + 2 * pad, n_c));
    x_pad.slice_mut(s![.., pad..pad + n_h, pad..pad + n_w, ..]).assign(x);
    x_pad
}
