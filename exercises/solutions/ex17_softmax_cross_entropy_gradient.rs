//! Exercise 17: `softmax_cross_entropy_gradient`, solved.

use ndarray::{Array2, ArrayView2};

/// `p − y`, with `p` the softmax of each row of `z`, its largest logit
/// subtracted first.
pub fn softmax_cross_entropy_gradient(
    y: &ArrayView2<f64>,
    z: &ArrayView2<f64>,
) -> cnn_walkthrough::Result<Array2<f64>> {
    let mut grad = Array2::zeros(z.raw_dim());
    for i in 0..z.nrows() {
        let row = z.row(i);
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let e = row.mapv(|v| (v - max).exp());
        let p = &e / e.sum();
        grad.row_mut(i).assign(&(p - y.row(i)));
    }
    Ok(grad)
}
