//! Exercises 15–18, batch normalization, softmax with cross entropy and Adam: their solutions, graded, and
//! plausible wrong answers, each of which must fail with a message that
//! points at its mistake (`tests/exercises.rs` runs the solutions).

use cnn_walkthrough::exercises::{layers, Grade};

use crate::exercises::assert_fails_saying;

#[path = "../exercises/solutions/ex15_batch_norm_forward.rs"]
mod ex15;
#[path = "../exercises/solutions/ex16_batch_norm_backward.rs"]
mod ex16;
#[path = "../exercises/solutions/ex17_softmax_cross_entropy_gradient.rs"]
mod ex17;
#[path = "../exercises/solutions/ex18_adam_step.rs"]
mod ex18;

/// The grades of this part's solutions, by the exercise's file name.
pub fn solutions() -> Vec<(&'static str, Grade)> {
    vec![
        ("ex15_batch_norm_forward", layers::batch_norm_forward(ex15::batch_norm_forward)),
        ("ex16_batch_norm_backward", layers::batch_norm_backward(ex16::batch_norm_backward)),
        (
            "ex17_softmax_cross_entropy_gradient",
            layers::softmax_cross_entropy_gradient(ex17::softmax_cross_entropy_gradient),
        ),
        ("ex18_adam_step", layers::adam_step(ex18::adam_step)),
    ]
}

mod wrong {
    //! Plausible wrong answers, each as a student might write it.
    use ndarray::{s, Array1, Array2, Array4, ArrayD, ArrayView1, ArrayView2, ArrayView4, ArrayViewD, Axis};

    /// Batch normalization, its statistics computed as `stats` says.
    fn batch_norm(
        x: &ArrayView4<f64>,
        gamma: &ArrayView1<f64>,
        beta: &ArrayView1<f64>,
        stats: impl Fn(&ArrayView4<f64>, usize) -> (f64, f64),
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        let (mut y, mut x_centered) = (x.to_owned(), x.to_owned());
        let mut stddev_inv = Array1::zeros(gamma.len());
        for c in 0..gamma.len() {
            let (mean, inv) = stats(x, c);
            x_centered.slice_mut(s![.., c, .., ..]).mapv_inplace(|v| v - mean);
            let normalized = x_centered.slice(s![.., c, .., ..]).mapv(|v| gamma[c] * v * inv + beta[c]);
            y.slice_mut(s![.., c, .., ..]).assign(&normalized);
            stddev_inv[c] = inv;
        }
        (y, x_centered, stddev_inv)
    }

    /// One mean and one variance for the whole tensor.
    pub fn batch_norm_whole_tensor(
        x: &ArrayView4<f64>,
        gamma: &ArrayView1<f64>,
        beta: &ArrayView1<f64>,
        eps: f64,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        batch_norm(x, gamma, beta, |x, _| {
            let mean = x.mean().unwrap();
            (mean, 1.0 / (x.var(0.0) + eps).sqrt())
        })
    }

    /// Per channel, but `1 / (√var + eps)`.
    pub fn batch_norm_eps_outside_root(
        x: &ArrayView4<f64>,
        gamma: &ArrayView1<f64>,
        beta: &ArrayView1<f64>,
        eps: f64,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        batch_norm(x, gamma, beta, |x, c| {
            let xc = x.slice(s![.., c, .., ..]);
            (xc.mean().unwrap(), 1.0 / (xc.var(0.0).sqrt() + eps))
        })
    }

    /// Per channel, with numpy's `var(ddof=1)`: NaN for a channel of one value.
    pub fn batch_norm_unbiased(
        x: &ArrayView4<f64>,
        gamma: &ArrayView1<f64>,
        beta: &ArrayView1<f64>,
        eps: f64,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
        batch_norm(x, gamma, beta, |x, c| {
            let xc = x.slice(s![.., c, .., ..]);
            let n = xc.len() as f64;
            let mean = xc.mean().unwrap();
            (mean, 1.0 / (xc.mapv(|v| (v - mean).powi(2)).sum() / (n - 1.0) + eps).sqrt())
        })
    }

    /// The bracket as `g·n − Σg − x_centered·stddev_inv²·Σ g·x_centered`
    /// with the terms chosen: `[direct, through the mean, through the variance]`.
    fn batch_norm_backward_with(
        grad: &ArrayView4<f64>,
        x_centered: &ArrayView4<f64>,
        stddev_inv: &ArrayView1<f64>,
        gamma: &ArrayView1<f64>,
        [mean_term, var_term]: [bool; 2],
    ) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
        let mut grad_x = grad.to_owned();
        let (mut grad_gamma, mut grad_beta) = (Array1::zeros(gamma.len()), Array1::zeros(gamma.len()));
        for (c, mut out) in grad_x.axis_iter_mut(Axis(1)).enumerate() {
            let (g, xc) = (grad.index_axis(Axis(1), c), x_centered.index_axis(Axis(1), c));
            let (n, s) = (g.len() as f64, stddev_inv[c]);
            let (sum_g, sum_g_centered) = (g.sum(), (&g * &xc).sum());
            let mut bracket = &g * n;
            if mean_term {
                bracket -= sum_g;
            }
            if var_term {
                bracket = bracket - &xc * (s * s * sum_g_centered);
            }
            out.assign(&(bracket * (gamma[c] * s / n)));
            grad_gamma[c] = sum_g_centered * s;
            grad_beta[c] = sum_g;
        }
        (grad_x, grad_gamma, grad_beta)
    }

    /// The term through the mean forgotten.
    pub fn batch_norm_backward_no_mean_term(
        grad: &ArrayView4<f64>,
        x_centered: &ArrayView4<f64>,
        stddev_inv: &ArrayView1<f64>,
        gamma: &ArrayView1<f64>,
    ) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
        batch_norm_backward_with(grad, x_centered, stddev_inv, gamma, [false, true])
    }

    /// The term through the variance forgotten.
    pub fn batch_norm_backward_no_var_term(
        grad: &ArrayView4<f64>,
        x_centered: &ArrayView4<f64>,
        stddev_inv: &ArrayView1<f64>,
        gamma: &ArrayView1<f64>,
    ) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
        batch_norm_backward_with(grad, x_centered, stddev_inv, gamma, [true, false])
    }

    /// Mean and variance taken as constants: `gamma · stddev_inv · g`.
    pub fn batch_norm_backward_direct_only(
        grad: &ArrayView4<f64>,
        x_centered: &ArrayView4<f64>,
        stddev_inv: &ArrayView1<f64>,
        gamma: &ArrayView1<f64>,
    ) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
        batch_norm_backward_with(grad, x_centered, stddev_inv, gamma, [false, false])
    }

    /// Softmax of each row as `e^z / Σ e^z`, nothing subtracted.
    fn naive_softmax(z: &ArrayView2<f64>) -> Array2<f64> {
        let e = z.mapv(f64::exp);
        let sums = e.sum_axis(Axis(1)).insert_axis(Axis(1));
        &e / &sums
    }

    /// The max not subtracted: NaN at logits near 1000.
    pub fn softmax_naive(y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> cnn_walkthrough::Result<Array2<f64>> {
        Ok(naive_softmax(z) - y)
    }

    /// `p`, the targets forgotten.
    pub fn softmax_p_only(_y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> cnn_walkthrough::Result<Array2<f64>> {
        let max = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        Ok(naive_softmax(&z.mapv(|v| v - max).view()))
    }

    /// Cross entropy's `−y/p` times softmax's diagonal `p(1 − p)`.
    pub fn softmax_diagonal_chain(
        y: &ArrayView2<f64>,
        z: &ArrayView2<f64>,
    ) -> cnn_walkthrough::Result<Array2<f64>> {
        let mut p = z.to_owned();
        for mut row in p.rows_mut() {
            let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row /= sum;
        }
        Ok(-(y / &p) * &p.mapv(|p| p * (1.0 - p)))
    }

    /// How each Adam below divides `m` and `v`, and where its `eps` goes.
    #[allow(clippy::too_many_arguments)]
    fn adam(
        w: &mut ArrayD<f64>,
        grad: &ArrayViewD<f64>,
        m: &mut ArrayD<f64>,
        v: &mut ArrayD<f64>,
        (learning_rate, eps): (f64, f64),
        (b1, b2): (f64, f64),
        (c1, c2): (f64, f64),
        eps_inside: bool,
    ) {
        *m = &*m * b1 + grad * (1.0 - b1);
        *v = &*v * b2 + &grad.mapv(|g| g * g) * (1.0 - b2);
        for ((w, &m), &v) in w.iter_mut().zip(m.iter()).zip(v.iter()) {
            let (m_hat, v_hat) = (m / c1, v / c2);
            let root = if eps_inside { (v_hat + eps).sqrt() } else { v_hat.sqrt() + eps };
            *w -= learning_rate * m_hat / root;
        }
    }

    /// `m` and `v` used as they are.
    #[allow(clippy::too_many_arguments)]
    pub fn adam_no_bias_correction(
        w: &mut ArrayD<f64>,
        grad: &ArrayViewD<f64>,
        m: &mut ArrayD<f64>,
        v: &mut ArrayD<f64>,
        _t: i32,
        learning_rate: f64,
        b1: f64,
        b2: f64,
        eps: f64,
    ) {
        adam(w, grad, m, v, (learning_rate, eps), (b1, b2), (1.0, 1.0), false);
    }

    /// ML-From-Scratch's: `1 − b1` and `1 − b2`, whatever the step.
    #[allow(clippy::too_many_arguments)]
    pub fn adam_as_in_source(
        w: &mut ArrayD<f64>,
        grad: &ArrayViewD<f64>,
        m: &mut ArrayD<f64>,
        v: &mut ArrayD<f64>,
        _t: i32,
        learning_rate: f64,
        b1: f64,
        b2: f64,
        eps: f64,
    ) {
        adam(w, grad, m, v, (learning_rate, eps), (b1, b2), (1.0 - b1, 1.0 - b2), false);
    }

    /// `√(v_hat + eps)`.
    #[allow(clippy::too_many_arguments)]
    pub fn adam_eps_inside_root(
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
        let c = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        adam(w, grad, m, v, (learning_rate, eps), (b1, b2), c, true);
    }

    /// Returns without storing `m`: only `w` moves.
    #[allow(clippy::too_many_arguments)]
    pub fn adam_m_not_stored(
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
        let mut m = m.clone();
        let c = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        adam(w, grad, &mut m, v, (learning_rate, eps), (b1, b2), c, false);
    }
}

#[test]
fn wrong_batch_normalizations_fail_and_say_where() {
    assert_fails_saying(
        &layers::batch_norm_forward(wrong::batch_norm_whole_tensor),
        &["FAIL the example", "first difference at y[0, 0, 0, 0]", "over the whole tensor"],
    );
    assert_fails_saying(
        &layers::batch_norm_forward(wrong::batch_norm_eps_outside_root),
        &["FAIL the example", "(image 0, channel 0, row 0, column 0)", "eps goes inside the root"],
    );
    assert_fails_saying(
        &layers::batch_norm_forward(wrong::batch_norm_unbiased),
        &["FAIL the example", "divides by n − 1"],
    );
    assert_fails_saying(
        &layers::batch_norm_backward(wrong::batch_norm_backward_no_mean_term),
        &["first difference at grad_x", "leaves out the term through the mean, − sum_g"],
    );
    assert_fails_saying(
        &layers::batch_norm_backward(wrong::batch_norm_backward_no_var_term),
        &["first difference at grad_x", "leaves out the term through the variance"],
    );
    assert_fails_saying(
        &layers::batch_norm_backward(wrong::batch_norm_backward_direct_only),
        &["as if mean and var were constants"],
    );
}

#[test]
fn wrong_softmax_gradients_fail_and_say_where() {
    assert_fails_saying(
        &layers::softmax_cross_entropy_gradient(wrong::softmax_naive),
        &["pass the example", "FAIL hidden case 3: logits near 1000", "got NaN", "overflows to inf"],
    );
    assert_fails_saying(
        &layers::softmax_cross_entropy_gradient(wrong::softmax_p_only),
        &["FAIL the example", "(sample 0, class 2)", "Your gradient is p = softmax(z)"],
    );
    assert_fails_saying(
        &layers::softmax_cross_entropy_gradient(wrong::softmax_diagonal_chain),
        &["FAIL the example", "only the diagonal of softmax's Jacobian"],
    );
}

#[test]
fn wrong_adam_steps_fail_and_say_where() {
    assert_fails_saying(
        &layers::adam_step(wrong::adam_no_bias_correction),
        &["FAIL the example", "first difference at w[0] (after step t = 1)", "without the bias correction"],
    );
    assert_fails_saying(
        &layers::adam_step(wrong::adam_as_in_source),
        &["pass the example", "FAIL hidden case 1", "(after step t = 2)", "as ML-From-Scratch does"],
    );
    assert_fails_saying(
        &layers::adam_step(wrong::adam_eps_inside_root),
        &["FAIL the example", "they differ by -5.0e-12", "eps goes outside the root"],
    );
    assert_fails_saying(&layers::adam_step(wrong::adam_m_not_stored), &["Your m is unchanged"]);
}
