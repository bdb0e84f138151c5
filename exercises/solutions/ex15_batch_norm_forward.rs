//! Exercise 15: `batch_norm_forward`, solved.

use ndarray::{s, Array1, Array4, ArrayView1, ArrayView4};

/// Each channel normalized by its own mean and variance over the batch, the
/// rows and the columns, then scaled by `gamma` and shifted by `beta`.
pub fn batch_norm_forward(
    x: &ArrayView4<f64>,
    gamma: &ArrayView1<f64>,
    beta: &ArrayView1<f64>,
    eps: f64,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let n_c = x.shape()[1];
    let mut y = Array4::zeros(x.raw_dim());
    let mut x_centered = Array4::zeros(x.raw_dim());
    let mut stddev_inv = Array1::zeros(n_c);
    for c in 0..n_c {
        let xc = x.slice(s![.., c, .., ..]);
        let n = xc.len() as f64;
        let mean = xc.sum() / n;
        let centered = xc.mapv(|v| v - mean);
        let var = centered.mapv(|v| v * v).sum() / n;
        let inv = 1.0 / (var + eps).sqrt();
        y.slice_mut(s![.., c, .., ..]).assign(&centered.mapv(|v| gamma[c] * v * inv + beta[c]));
        x_centered.slice_mut(s![.., c, .., ..]).assign(&centered);
        stddev_inv[c] = inv;
    }
    (y, x_centered, stddev_inv)
}
