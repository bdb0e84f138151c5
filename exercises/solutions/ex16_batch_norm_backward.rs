//! Exercise 16: `batch_norm_backward`, solved.

use ndarray::{s, Array1, Array4, ArrayView1, ArrayView4};

/// The gradients of `x`, `gamma` and `beta`, channel by channel: the three
/// terms of the bracket, directly, through the mean, through the variance.
pub fn batch_norm_backward(
    grad: &ArrayView4<f64>,
    x_centered: &ArrayView4<f64>,
    stddev_inv: &ArrayView1<f64>,
    gamma: &ArrayView1<f64>,
) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
    let n_c = grad.shape()[1];
    let mut grad_x = Array4::zeros(grad.raw_dim());
    let mut grad_gamma = Array1::zeros(n_c);
    let mut grad_beta = Array1::zeros(n_c);
    for c in 0..n_c {
        let g = grad.slice(s![.., c, .., ..]);
        let xc = x_centered.slice(s![.., c, .., ..]);
        let n = g.len() as f64;
        let s = stddev_inv[c];
        let sum_g = g.sum();
        let sum_g_centered = (&g * &xc).sum();
        let bracket = &g * n - sum_g - &xc * (s * s * sum_g_centered);
        grad_x.slice_mut(s![.., c, .., ..]).assign(&(bracket * (gamma[c] * s / n)));
        grad_gamma[c] = sum_g_centered * s;
        grad_beta[c] = sum_g;
    }
    (grad_x, grad_gamma, grad_beta)
}
