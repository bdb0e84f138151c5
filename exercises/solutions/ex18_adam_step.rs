//! Exercise 18: `adam_step`, solved.

use ndarray::{ArrayD, ArrayViewD};

/// One step of Adam, with the bias correction `1 − b1ᵗ`, `1 − b2ᵗ`.
// Adam has nine inputs; clippy would warn at more than seven.
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    w: &mut ArrayD<f64>,
    grad: &ArrayViewD<f64>,
    m: &mut ArrayD<f64>,
    v: &mut ArrayD<f64>,
    t: i32,
    learning_rate: f64,
    b1: f64,
    b2: f64,
    eps: f64,
) {
    *m = &*m * b1 + grad * (1.0 - b1);
    *v = &*v * b2 + &grad.mapv(|g| g * g) * (1.0 - b2);
    let m_hat = &*m / (1.0 - b1.powi(t));
    let v_hat = &*v / (1.0 - b2.powi(t));
    *w = &*w - &(m_hat * learning_rate / v_hat.mapv(|v| v.sqrt() + eps));
}
