//! Graders of exercises 15–18: batch normalization forward and backward,
//! softmax with cross entropy, and one step of Adam. The articles publish
//! no numbers for these, so each grader's first case is a small example a
//! student can check by hand (its expected values computed by the
//! textbook, never typed), then hidden random cases against the textbook:
//! several channels, a batch of one, logits near 1000, several steps of
//! Adam from a step `t > 1`. A failure that looks like a classic mistake
//! (statistics over the whole tensor, a missing term of the bracket, no
//! max subtracted, no bias correction, …) is recognised and named.
//!
//! The textbook's batch normalization and Adam are structs with state; the
//! student writes them as free functions of the same formulas, given the
//! state (the forward pass's cache, Adam's `m`, `v` and `t`) as arguments.

use ndarray::Axis;
use ndarray::{s, Array1, Array2, Array4, ArrayD, ArrayView1, ArrayView2, ArrayView4, ArrayViewD};

use crate::course::random::RandomState;
use crate::exercises::grading::{agrees, nchw, tuple, Grade, Grader};
use crate::textbook::activations::Activation;
use crate::textbook::layers::{BatchNormalization, Layer, BATCH_NORM_EPS};
use crate::textbook::losses;
use crate::textbook::optimizers::{Adam, BiasCorrection};

/// The tolerance for the layers' results: different orders of the same
/// sums (a student's loops, the textbook's `sum_axis`) differ by rounding
/// far below it.
const TOL: f64 = 1e-10;

/// What an index of a per-channel vector means: `channel 2`.
fn channel(index: &[usize]) -> String {
    format!("channel {}", index[0])
}

/// Ways to compute batch normalization's statistics: the right one, and
/// the classic wrong ones a grader recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stats {
    /// Per channel, over the batch, the rows and the columns; `1/√(var + eps)`.
    PerChannel,
    /// One mean and one variance for the whole tensor.
    WholeTensor,
    /// The variance divided by `n − 1`.
    Unbiased,
    /// `1 / (√var + eps)`.
    EpsOutsideRoot,
    /// `1 / √var`.
    NoEps,
    /// Per channel, but `y` without `gamma` and `beta`.
    NoGammaBeta,
}

/// Batch normalization's training-mode forward pass written out, its
/// statistics computed as `stats` says: `(y, x_centered, stddev_inv)`.
/// With [`Stats::PerChannel`] it is the textbook's
/// ([`BatchNormalization`]'s) and gives the cache that exercise 16 takes.
fn batch_norm_by(
    x: &Array4<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
    eps: f64,
    stats: Stats,
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let c = x.dim().1;
    let (mut y, mut x_centered, mut stddev_inv) = (x.clone(), x.clone(), Array1::zeros(c));
    for k in 0..c {
        let values = if stats == Stats::WholeTensor { x.view() } else { x.slice(s![.., k..k + 1, .., ..]) };
        let n = values.len() as f64;
        let mean = values.sum() / n;
        let squares = values.mapv(|v| (v - mean).powi(2)).sum();
        let var = squares / if stats == Stats::Unbiased { n - 1.0 } else { n };
        let inv = match stats {
            Stats::EpsOutsideRoot => 1.0 / (var.sqrt() + eps),
            Stats::NoEps => 1.0 / var.sqrt(),
            _ => 1.0 / (var + eps).sqrt(),
        };
        let (g, b) = if stats == Stats::NoGammaBeta { (1.0, 0.0) } else { (gamma[k], beta[k]) };
        stddev_inv[k] = inv;
        x_centered.slice_mut(s![.., k, .., ..]).mapv_inplace(|v| v - mean);
        y.slice_mut(s![.., k, .., ..]).assign(&x_centered.slice(s![.., k, .., ..]).mapv(|v| g * v * inv + b));
    }
    (y, x_centered, stddev_inv)
}

/// The textbook's layer with `gamma` and `beta`, after its training-mode
/// forward pass on `x`, and that pass's output.
fn textbook_batch_norm(
    x: &Array4<f64>,
    gamma: &Array1<f64>,
    beta: &Array1<f64>,
) -> (BatchNormalization, Array4<f64>) {
    let mut bn = BatchNormalization::new(gamma.len());
    bn.gamma = gamma.clone().into_dyn();
    bn.beta = beta.clone().into_dyn();
    let y = bn.forward(&x.clone().into_dyn(), true).expect("the grader's shapes fit the layer");
    (bn, y.into_dimensionality().expect("four axes in, four out"))
}

/// One batch-normalization case: its name, `x`, `gamma` and `beta`.
type BatchNormCase = (String, Array4<f64>, Array1<f64>, Array1<f64>);

/// The cases of exercises 15 and 16: the example to check by hand, then
/// hidden ones with several channels of different means and scales, a
/// batch of one image, and a batch of one image of one pixel.
fn batch_norm_cases() -> Vec<BatchNormCase> {
    // Channel 0 holds 1, 2 (image 0) and 3, 4 (image 1); channel 1 is 10 everywhere.
    let x = Array4::from_shape_vec((2, 2, 1, 2), vec![1.0, 2.0, 10.0, 10.0, 3.0, 4.0, 10.0, 10.0])
        .expect("8 values");
    let mut cases = vec![(
        "the example: x of shape (2, 2, 1, 2), channel 0 holding 1, 2, 3, 4 and channel 1 all 10, \
         gamma = [1, 2], beta = [0, 0.5]"
            .to_string(),
        x,
        ndarray::arr1(&[1.0, 2.0]),
        ndarray::arr1(&[0.0, 0.5]),
    )];
    let hidden = [
        (4, 3, 2, 5, "several channels"),
        (1, 2, 3, 4, "a batch of one image"),
        (1, 3, 1, 1, "one image of one pixel"),
    ];
    for (k, (b, c, h, w, what)) in hidden.into_iter().enumerate() {
        let mut rng = RandomState::new(150 + k as u32);
        let mut x = rng.randn((b, c, h, w));
        for ch in 0..c {
            // Each channel its own mean and spread, so that per channel and
            // over the whole tensor differ.
            x.slice_mut(s![.., ch, .., ..]).mapv_inplace(|v| (1.0 + ch as f64) * v + 2.0 * ch as f64 - 1.0);
        }
        let gamma = rng.randn(c).mapv(|v| v + 1.0);
        let beta = rng.randn(c);
        cases.push((
            format!("hidden case {}: {what}, x of shape {}", k + 1, tuple(x.shape())),
            x,
            gamma,
            beta,
        ));
    }
    cases
}

/// Exercise 15: `batch_norm_forward(x, gamma, beta, eps)`, returning
/// `(y, x_centered, stddev_inv)`.
pub fn batch_norm_forward(
    student: impl Fn(
        &ArrayView4<f64>,
        &ArrayView1<f64>,
        &ArrayView1<f64>,
        f64,
    ) -> (Array4<f64>, Array4<f64>, Array1<f64>),
) -> Grade {
    let mut g = Grader::new();
    let eps = BATCH_NORM_EPS;
    for (case, x, gamma, beta) in batch_norm_cases() {
        let (_, y) = textbook_batch_norm(&x, &gamma, &beta);
        let (_, x_centered, stddev_inv) = batch_norm_by(&x, &gamma, &beta, eps, Stats::PerChannel);
        let Some((got_y, got_xc, got_s)) =
            g.call(&case, || student(&x.view(), &gamma.view(), &beta.view(), eps))
        else {
            break;
        };
        if !g.arrays(&case, "y", &y.view(), &got_y.view(), TOL, &nchw) {
            let mistakes = [
                (
                    Stats::WholeTensor,
                    "Your y is normalized by one mean and one variance over the whole tensor: \
                  batch normalization keeps them per channel, over the batch, the rows and the columns \
                  (axes 0, 2 and 3) of each channel c.",
                ),
                (
                    Stats::Unbiased,
                    "Your variance divides by n − 1: the textbook's divides by n, the number of \
                  values of a channel (numpy's var, not var(ddof=1)).",
                ),
                (
                    Stats::EpsOutsideRoot,
                    "Your stddev_inv is 1 / (√var + eps): eps goes inside the root, \
                  stddev_inv = 1 / √(var + eps).",
                ),
                (
                    Stats::NoEps,
                    "Your stddev_inv is 1 / √var: add eps to the variance, 1 / √(var + eps), which \
                  also keeps a channel whose values are all equal finite.",
                ),
                (
                    Stats::NoGammaBeta,
                    "Your y is x_centered · stddev_inv alone: scale it by gamma and shift it by \
                  beta, each channel by its own.",
                ),
            ];
            for (stats, why) in mistakes {
                if agrees(&batch_norm_by(&x, &gamma, &beta, eps, stats).0.view(), &got_y.view(), 1e-9) {
                    g.explain(why);
                    break;
                }
            }
            break;
        }
        if !g.arrays(&case, "x_centered", &x_centered.view(), &got_xc.view(), TOL, &nchw) {
            break;
        }
        if !g.arrays(&case, "stddev_inv", &stddev_inv.view(), &got_s.view(), TOL, &channel) {
            if agrees(&stddev_inv.view(), &got_s.mapv(|v| 1.0 / v).view(), 1e-9) {
                g.explain("Your stddev_inv is √(var + eps), the standard deviation: return its inverse.");
            }
            break;
        }
        g.pass(&case);
    }
    g.finish()
}

/// Exercise 16: `batch_norm_backward(grad, x_centered, stddev_inv, gamma)`,
/// returning `(grad_x, grad_gamma, grad_beta)`.
#[allow(clippy::type_complexity)]
pub fn batch_norm_backward(
    student: impl Fn(
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        &ArrayView1<f64>,
        &ArrayView1<f64>,
    ) -> (Array4<f64>, Array1<f64>, Array1<f64>),
) -> Grade {
    let mut g = Grader::new();
    for (k, (case, x, gamma, beta)) in batch_norm_cases().into_iter().enumerate() {
        let grad = if k == 0 {
            // 1 at the first value of channel 0; 1, 2, 3, 4 over channel 1.
            Array4::from_shape_vec((2, 2, 1, 2), vec![1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 3.0, 4.0])
                .expect("8 values")
        } else {
            RandomState::new(160 + k as u32).randn(x.dim())
        };
        let case = if k == 0 {
            format!("{case}; grad = 1 at [0, 0, 0, 0], 0 elsewhere in channel 0, and 1, 2, 3, 4 in channel 1")
        } else {
            format!("{case}, a random grad")
        };
        let (mut bn, _) = textbook_batch_norm(&x, &gamma, &beta);
        let (_, x_centered, stddev_inv) = batch_norm_by(&x, &gamma, &beta, bn.eps, Stats::PerChannel);
        let grad_d = grad.clone().into_dyn();
        let terms = bn.bracket_terms(&grad_d).expect("after a forward pass, of its shape");
        let grad_x = bn.backward(&grad_d).expect("after a forward pass, of its shape");
        let grads: Vec<Array1<f64>> = bn
            .params_and_grads()
            .into_iter()
            .map(|(_, _, grad)| grad.view().into_dimensionality().expect("one per channel").to_owned())
            .collect();
        let (grad_gamma, grad_beta) = (&grads[0], &grads[1]);
        let Some((got_x, got_gamma, got_beta)) =
            g.call(&case, || student(&grad.view(), &x_centered.view(), &stddev_inv.view(), &gamma.view()))
        else {
            break;
        };
        let grad_x = grad_x.into_dimensionality().expect("four axes");
        if !g.arrays(&case, "grad_x", &grad_x.view(), &got_x.view(), TOL, &nchw) {
            // gamma · stddev_inv / n · (the bracket's terms, combined).
            let n = (grad.len() / gamma.len()) as f64;
            let [direct, through_mean, through_var] =
                terms.map(|t| t.into_dimensionality().expect("four axes"));
            let scaled = |bracket: Array4<f64>, by_n: bool| {
                let mut out = bracket;
                for (c, mut channel) in out.axis_iter_mut(Axis(1)).enumerate() {
                    let factor = gamma[c] * stddev_inv[c] / if by_n { n } else { 1.0 };
                    channel.mapv_inplace(|v| v * factor);
                }
                out
            };
            let mistakes = [
                (scaled(&direct - &through_var, true), "Your grad_x leaves out the term through the mean, − sum_g \
                  (sum_g = Σ g over the n values of the channel): each value moves the mean, and the mean moves \
                  every output of its channel."),
                (scaled(&direct - &through_mean, true), "Your grad_x leaves out the term through the variance, \
                  − x_centered · stddev_inv² · sum_g_centered (sum_g_centered = Σ g · x_centered over the \
                  channel): each value moves the variance too."),
                (scaled(direct.clone(), true), "Your grad_x is gamma · stddev_inv · g, as if mean and var were \
                  constants: it leaves out both the term through the mean (− sum_g) and the term through the \
                  variance (− x_centered · stddev_inv² · sum_g_centered)."),
                (scaled(&direct - &through_mean - &through_var, false), "Your grad_x is n times too large: \
                  grad_x = gamma · stddev_inv / n · bracket."),
            ];
            for (wrong, why) in mistakes {
                if agrees(&wrong.view(), &got_x.view(), 1e-9) {
                    g.explain(why);
                    break;
                }
            }
            break;
        }
        if !g.arrays(&case, "grad_gamma", &grad_gamma.view(), &got_gamma.view(), TOL, &channel) {
            let unscaled: Array1<f64> = (0..gamma.len())
                .map(|c| (&grad.slice(s![.., c, .., ..]) * &x_centered.slice(s![.., c, .., ..])).sum())
                .collect();
            if agrees(&unscaled.view(), &got_gamma.view(), 1e-9) {
                g.explain("Your grad_gamma is Σ g · x_centered: multiply by stddev_inv too, Σ g · x_norm.");
            }
            break;
        }
        if !g.arrays(&case, "grad_beta", &grad_beta.view(), &got_beta.view(), TOL, &channel) {
            break;
        }
        g.pass(&case);
    }
    g.finish()
}

/// Softmax along each row of `z`, the stable way (the textbook's).
fn softmax(z: &Array2<f64>) -> Array2<f64> {
    Activation::Softmax.forward(&z.view())
}

/// Exercise 17: `softmax_cross_entropy_gradient(y, z)`.
pub fn softmax_cross_entropy_gradient(
    student: impl Fn(&ArrayView2<f64>, &ArrayView2<f64>) -> crate::Result<Array2<f64>>,
) -> Grade {
    let mut g = Grader::new();
    let one_hot = |labels: &[usize], classes: usize| {
        Array2::from_shape_fn((labels.len(), classes), |(i, j)| if labels[i] == j { 1.0 } else { 0.0 })
    };
    let example = (
        "the example: z = [[0, 0, 0, 0], [ln 1, ln 2, ln 3, ln 4]], y one-hot at class 2 and class 1"
            .to_string(),
        one_hot(&[2, 1], 4),
        ndarray::arr2(&[[0.0, 0.0, 0.0, 0.0], [1f64.ln(), 2f64.ln(), 3f64.ln(), 4f64.ln()]]),
    );
    let mut rng = RandomState::new(170);
    let random = (
        "hidden case 1: random logits of shape (5, 4), one-hot y".to_string(),
        one_hot(&[3, 0, 1, 1, 2], 4),
        rng.randn((5, 4)).mapv(|v| 3.0 * v),
    );
    // Label smoothing: 0.9 on the class, 0.02 on each of the five others.
    let soft = one_hot(&[5, 0, 2], 6).mapv(|v| if v == 1.0 { 0.9 } else { 0.02 });
    let smoothed =
        ("hidden case 2: targets that are not one-hot (0.9 and 0.02s)".to_string(), soft, rng.randn((3, 6)));
    let mut large = rng.randn((4, 3));
    large.row_mut(0).assign(&ndarray::arr1(&[1000.0, -1000.0, 0.0]));
    large.slice_mut(s![1..3, ..]).mapv_inplace(|v| v + 1000.0);
    let large_case = (
        "hidden case 3: logits near 1000 (rows [1000, -1000, 0], two near 1000, one near 0)".to_string(),
        one_hot(&[1, 2, 0, 1], 3),
        large,
    );
    let one = ("hidden case 4: one sample of 10 classes".to_string(), one_hot(&[7], 10), rng.randn((1, 10)));
    for (case, y, z) in [example, random, smoothed, large_case, one] {
        let expected = losses::softmax_cross_entropy_gradient(&y.view(), &z.view()).expect("shapes fit");
        let Some(got) = g.call_result(&case, || student(&y.view(), &z.view())) else { break };
        let meaning = |i: &[usize]| format!("sample {}, class {}", i[0], i[1]);
        if g.arrays(&case, "grad_z", &expected.view(), &got.view(), 1e-12, &meaning) {
            g.pass(&case);
            continue;
        }
        if got.shape() != expected.shape() {
            break;
        }
        let p = softmax(&z);
        let by_columns = softmax(&z.t().to_owned()).t().to_owned() - &y;
        if expected.iter().zip(&got).any(|(e, g)| e.is_finite() && !g.is_finite()) {
            g.explain(
                "Your gradient has NaN or inf where the logits are large: e^1000 overflows to inf, and \
                 inf / inf is NaN. Subtract each sample's own largest logit before taking e^ \
                 (softmax(z) = softmax(z − max z), every exponent then ≤\u{a0}0).",
            );
        } else if agrees(&p.view(), &got.view(), 1e-9) {
            g.explain("Your gradient is p = softmax(z): subtract the targets, grad_z = p − y.");
        } else if agrees(&(-&y * &p.mapv(|p| 1.0 - p)).view(), &got.view(), 1e-9) {
            g.explain(
                "Your gradient is −y(1 − p): cross entropy's −y/p chained with only the diagonal of \
                 softmax's Jacobian, p(1 − p). Each p_i depends on every z_j; the whole Jacobian, \
                 diag(p) − p pᵀ, gives p − y.",
            );
        } else if agrees(&by_columns.view(), &got.view(), 1e-9) {
            g.explain("Your softmax runs down the columns (over the batch): take it along each row, over the classes.");
        } else if agrees(&expected.mapv(|v| v / z.nrows() as f64).view(), &got.view(), 1e-9) {
            g.explain("Your gradient is divided by the batch size: the textbook's is per sample, p − y.");
        }
        break;
    }
    g.finish()
}

/// Ways to take a step of Adam: the classic wrong ones a grader recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdamMistake {
    /// `m_hat = m`, `v_hat = v`.
    NoBiasCorrection,
    /// `1 − b1` and `1 − b2` for `1 − b1ᵗ` and `1 − b2ᵗ`: ML-From-Scratch's.
    OneMinusB,
    /// `√(v_hat + eps)` for `√v_hat + eps`.
    EpsInsideRoot,
}

/// `w` after one step of Adam done wrong as `mistake` says, from the state
/// `m`, `v` before the step `t`.
#[allow(clippy::too_many_arguments)]
fn adam_wrong(
    w: &ArrayD<f64>,
    grad: &ArrayD<f64>,
    m: &ArrayD<f64>,
    v: &ArrayD<f64>,
    t: i32,
    (learning_rate, b1, b2, eps): (f64, f64, f64, f64),
    mistake: AdamMistake,
) -> ArrayD<f64> {
    let m = m * b1 + grad * (1.0 - b1);
    let v = v * b2 + &grad.mapv(|g| g * g) * (1.0 - b2);
    let (c1, c2) = match mistake {
        AdamMistake::NoBiasCorrection => (1.0, 1.0),
        AdamMistake::OneMinusB => (1.0 - b1, 1.0 - b2),
        AdamMistake::EpsInsideRoot => (1.0 - b1.powi(t), 1.0 - b2.powi(t)),
    };
    let mut out = w.clone();
    ndarray::Zip::from(&mut out).and(&m).and(&v).for_each(|w, &m, &v| {
        let (m_hat, v_hat) = (m / c1, v / c2);
        let denominator =
            if mistake == AdamMistake::EpsInsideRoot { (v_hat + eps).sqrt() } else { v_hat.sqrt() + eps };
        *w -= learning_rate * m_hat / denominator;
    });
    out
}

/// One run of Adam for exercise 18: its name, `w`, `m` and `v` before it,
/// the steps done before it, the hyperparameters and one gradient a step.
struct AdamRun {
    case: String,
    w: ArrayD<f64>,
    m: ArrayD<f64>,
    v: ArrayD<f64>,
    t0: i32,
    hyper: (f64, f64, f64, f64),
    grads: Vec<ArrayD<f64>>,
}

/// The student's Adam step: `(w, grad, m, v, t, learning_rate, b1, b2, eps)`.
type AdamStep<'a> = dyn Fn(&mut ArrayD<f64>, &ArrayViewD<f64>, &mut ArrayD<f64>, &mut ArrayD<f64>, i32, f64, f64, f64, f64)
    + 'a;

/// Exercise 18: `adam_step(w, grad, m, v, t, learning_rate, b1, b2, eps)`,
/// which updates `w`, `m` and `v` in place.
pub fn adam_step(
    student: impl Fn(
        &mut ArrayD<f64>,
        &ArrayViewD<f64>,
        &mut ArrayD<f64>,
        &mut ArrayD<f64>,
        i32,
        f64,
        f64,
        f64,
        f64,
    ),
) -> Grade {
    let student: &AdamStep = &student;
    let mut g = Grader::new();
    let defaults = (0.001, 0.9, 0.999, 1e-8);
    let w = ndarray::arr1(&[1.0, -2.0]).into_dyn();
    let mut runs = vec![AdamRun {
        case: "the example: w = [1, -2], grad = [1, -2], m = v = 0, step t = 1, learning_rate = 0.001, \
               b1 = 0.9, b2 = 0.999, eps = 1e-8"
            .into(),
        m: ArrayD::zeros(w.raw_dim()),
        v: ArrayD::zeros(w.raw_dim()),
        grads: vec![w.clone()],
        w,
        t0: 0,
        hyper: defaults,
    }];
    let mut rng = RandomState::new(180);
    let shape = [3, 4];
    runs.push(AdamRun {
        case: "hidden case 1: w of shape (3, 4), five steps from m = v = 0 (t = 1 to 5), random gradients"
            .into(),
        w: rng.randn(shape).into_dyn(),
        m: ArrayD::zeros(ndarray::IxDyn(&shape)),
        v: ArrayD::zeros(ndarray::IxDyn(&shape)),
        t0: 0,
        hyper: defaults,
        grads: (0..5).map(|_| rng.randn(shape).into_dyn()).collect(),
    });
    runs.push(AdamRun {
        case: "hidden case 2: w of shape (2, 3), three steps from t = 100 with m, v of a run, \
               learning_rate = 0.01, b1 = 0.8, b2 = 0.99"
            .into(),
        w: rng.randn((2, 3)).into_dyn(),
        m: rng.randn((2, 3)).mapv(|v| 0.3 * v).into_dyn(),
        v: rng.randn((2, 3)).mapv(|v| 0.5 * v * v + 0.1).into_dyn(),
        t0: 99,
        hyper: (0.01, 0.8, 0.99, 1e-8),
        grads: (0..3).map(|_| rng.randn((2, 3)).into_dyn()).collect(),
    });
    runs.push(AdamRun {
        case: "hidden case 3: gradients of size 1e-4, where eps = 1e-8 matters, four steps from m = v = 0"
            .into(),
        w: rng.randn(5).into_dyn(),
        m: ArrayD::zeros(ndarray::IxDyn(&[5])),
        v: ArrayD::zeros(ndarray::IxDyn(&[5])),
        t0: 0,
        hyper: defaults,
        grads: (0..4).map(|_| rng.randn(5).mapv(|v| 1e-4 * v).into_dyn()).collect(),
    });
    for run in runs {
        if !adam_run(&mut g, student, run) {
            break;
        }
    }
    g.finish()
}

/// Grades one [`AdamRun`], step by step from the textbook's state, so that
/// each step is graded from the right `w`, `m` and `v`. Whether it passed.
fn adam_run(g: &mut Grader, student: &AdamStep, run: AdamRun) -> bool {
    let (learning_rate, b1, b2, eps) = run.hyper;
    let mut adam = Adam {
        learning_rate,
        b1,
        b2,
        eps,
        bias_correction: BiasCorrection::Correct,
        m: Some(run.m),
        v: Some(run.v),
        t: run.t0,
    };
    let mut w = run.w;
    let case = &run.case;
    for grad in &run.grads {
        let (w0, m0, v0) = (w.clone(), adam.m.clone().expect("set"), adam.v.clone().expect("set"));
        adam.step(&mut w, &grad.view());
        let t = adam.t;
        let (mut got_w, mut got_m, mut got_v) = (w0.clone(), m0.clone(), v0.clone());
        let called = g.call(case, || {
            student(&mut got_w, &grad.view(), &mut got_m, &mut got_v, t, learning_rate, b1, b2, eps)
        });
        if called.is_none() {
            return false;
        }
        let at = |_: &[usize]| format!("after step t = {t}");
        let (m, v) = (adam.m.as_ref().expect("set"), adam.v.as_ref().expect("set"));
        if !g.arrays(case, "m", &m.view(), &got_m.view(), 1e-12, &at) {
            if got_m == m0 {
                g.explain("Your m is unchanged: update it in place, m = b1·m + (1 − b1)·grad.");
            }
            return false;
        }
        if !g.arrays(case, "v", &v.view(), &got_v.view(), 1e-12, &at) {
            if got_v == v0 {
                g.explain("Your v is unchanged: update it in place, v = b2·v + (1 − b2)·grad².");
            } else if agrees(&(&v0 * b2 + grad * (1.0 - b2)).view(), &got_v.view(), 1e-9) {
                g.explain("Your v averages grad, not its square: v = b2·v + (1 − b2)·grad².");
            }
            return false;
        }
        if !g.arrays(case, "w", &w.view(), &got_w.view(), 1e-12, &at) {
            let mistakes = [
                (
                    AdamMistake::OneMinusB,
                    format!(
                        "Your w divides m and v by 1 − b1 and 1 − b2, as ML-From-Scratch does: the bias \
                     correction is 1 − b1ᵗ and 1 − b2ᵗ, with t the step's number (here {t}). They agree \
                     only at t = 1."
                    ),
                ),
                (
                    AdamMistake::NoBiasCorrection,
                    "Your w uses m and v without the bias correction: \
                  m_hat = m / (1 − b1ᵗ), v_hat = v / (1 − b2ᵗ) undo their start at zero."
                        .to_string(),
                ),
                (
                    AdamMistake::EpsInsideRoot,
                    "Your w divides by √(v_hat + eps): eps goes outside the root, \
                  learning_rate·m_hat / (√v_hat + eps)."
                        .to_string(),
                ),
            ];
            let hyper = (learning_rate, b1, b2, eps);
            for (mistake, why) in mistakes {
                // At t = 1 the source's 1 − b is right: not the mistake then.
                let wrong = adam_wrong(&w0, grad, &m0, &v0, t, hyper, mistake);
                if !(mistake == AdamMistake::OneMinusB && t == 1)
                    && agrees(&wrong.view(), &got_w.view(), 1e-9)
                {
                    g.explain(&why);
                    break;
                }
            }
            return false;
        }
    }
    g.pass(case);
    true
}
