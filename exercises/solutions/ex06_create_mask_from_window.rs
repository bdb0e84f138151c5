//! Exercise 6: `create_mask_from_window`, solved.

use ndarray::{Array2, ArrayView2};

/// `x == np.max(x)`: true at every cell equal to the window's maximum.
pub fn create_mask_from_window(x: &ArrayView2<f64>) -> Array2<bool> {
    let mut max = f64::NEG_INFINITY;
    for &v in x.iter() {
        if v > max {
            max = v;
        }
    }
    x.mapv(|v| v == max)
}
