//! The losses of ML-From-Scratch (`mlfromscratch/deep_learning/loss_functions.py`),
//! and softmax with cross entropy computed together, as it must be.
//!
//! As in the source, a loss is given per element (or per sample), not
//! averaged: `y` is the target, `p` the prediction, and a gradient is the
//! derivative of each element's loss with respect to its own `p`.

use ndarray::{Array, Array1, Array2, ArrayView, ArrayView1, ArrayView2, Axis, Dimension, Zip};

use crate::error::{tuple, Error, Result};
use crate::textbook::activations::Activation;
use crate::textbook::layers::Formulas;

/// The source clips probabilities to `[CLIP, 1 − CLIP]` before taking logs
/// and dividing ("Avoid division by zero").
pub const CLIP: f64 = 1e-15;

/// Softmax and cross entropy as one layer, from the logits `z`
/// ([`softmax_cross_entropy`], [`softmax_cross_entropy_gradient`]): the
/// gradient needs neither `1/p` nor softmax's Jacobian.
pub const SOFTMAX_CROSS_ENTROPY: Formulas = Formulas {
    forward: &[
        "p = softmax(z) = e^(z − max z) / Σ e^(z − max z)",
        "loss = −Σ y log p = logsumexp(z) − Σ y z",
    ],
    backward: &["grad_z = p − y   (∂logsumexp(z)/∂z = p, and Σ y = 1)"],
};

/// Squared error, `0.5 (y − p)²`.
///
/// ```
/// use cnn_walkthrough::textbook::losses::square_loss;
/// let (y, p) = (ndarray::arr1(&[1.0, 0.0]), ndarray::arr1(&[0.5, 0.0]));
/// assert_eq!(square_loss(&y.view(), &p.view())?, ndarray::arr1(&[0.125, 0.0]));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `p` does not have the shape of `y`.
pub fn square_loss<D: Dimension>(y: &ArrayView<f64, D>, p: &ArrayView<f64, D>) -> Result<Array<f64, D>> {
    elementwise(y, p, |y, p| 0.5 * (y - p).powi(2))
}

/// The gradient of [`square_loss`] with respect to `p`: `−(y − p)`.
///
/// # Errors
/// [`Error::Shape`] if `p` does not have the shape of `y`.
pub fn square_loss_gradient<D: Dimension>(
    y: &ArrayView<f64, D>,
    p: &ArrayView<f64, D>,
) -> Result<Array<f64, D>> {
    elementwise(y, p, |y, p| -(y - p))
}

/// Cross entropy of probabilities, `−y ln p − (1 − y) ln(1 − p)`, with `p`
/// first clipped to `[1e-15, 1 − 1e-15]` as the source does (so a certain
/// wrong answer costs `−ln 1e-15 ≈ 34.5`, not infinity).
///
/// ```
/// use cnn_walkthrough::textbook::losses::cross_entropy;
/// let (y, p) = (ndarray::arr1(&[1.0, 0.0]), ndarray::arr1(&[0.5, 0.5]));
/// let loss = cross_entropy(&y.view(), &p.view())?;
/// assert!((loss[0] - 2f64.ln()).abs() < 1e-15 && (loss[1] - 2f64.ln()).abs() < 1e-15);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `p` does not have the shape of `y`.
pub fn cross_entropy<D: Dimension>(y: &ArrayView<f64, D>, p: &ArrayView<f64, D>) -> Result<Array<f64, D>> {
    elementwise(y, p, |y, p| {
        let p = clip(p);
        -y * p.ln() - (1.0 - y) * (1.0 - p).ln()
    })
}

/// The gradient of [`cross_entropy`] with respect to `p`:
/// `−y/p + (1 − y)/(1 − p)`, with `p` clipped as there.
///
/// ```
/// use cnn_walkthrough::textbook::losses::cross_entropy_gradient;
/// let (y, p) = (ndarray::arr1(&[1.0, 0.0]), ndarray::arr1(&[0.5, 0.5]));
/// assert_eq!(cross_entropy_gradient(&y.view(), &p.view())?, ndarray::arr1(&[-2.0, 2.0]));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `p` does not have the shape of `y`.
pub fn cross_entropy_gradient<D: Dimension>(
    y: &ArrayView<f64, D>,
    p: &ArrayView<f64, D>,
) -> Result<Array<f64, D>> {
    elementwise(y, p, |y, p| {
        let p = clip(p);
        -y / p + (1.0 - y) / (1.0 - p)
    })
}

/// Softmax followed by cross entropy, from logits `z (batch, classes)` and
/// targets `y` (one-hot, or probabilities), computed stably: one loss per
/// sample, `logsumexp(z_i) − Σ_j y_ij z_ij`, where
/// `logsumexp(z) = max z + ln Σ_j e^(z_j − max z)` takes `e^` only of numbers ≤ 0.
///
/// This is `−Σ_j y_ij ln softmax(z_i)_j` when each row of `y` sums to 1,
/// since `ln softmax(z)_j = z_j − logsumexp(z)`: no probability is ever
/// formed, so none can round to 0 and give `ln 0`.
///
/// ```
/// use cnn_walkthrough::textbook::losses::softmax_cross_entropy;
/// let y = ndarray::arr2(&[[0.0, 1.0, 0.0]]);
/// let z = ndarray::arr2(&[[1000.0, -1000.0, 0.0]]);
/// assert_eq!(softmax_cross_entropy(&y.view(), &z.view())?[0], 2000.0);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `y` does not have the shape of `z`, or `z` has no class.
pub fn softmax_cross_entropy(y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> Result<Array1<f64>> {
    check_logits(y, z)?;
    Ok(Zip::from(y.rows()).and(z.rows()).map_collect(|y, z| log_sum_exp(&z) - y.dot(&z)))
}

/// The gradient of [`softmax_cross_entropy`] with respect to the logits:
/// `softmax(z) − y`, per sample (not divided by the batch size).
///
/// ```
/// use cnn_walkthrough::textbook::losses::softmax_cross_entropy_gradient;
/// let y = ndarray::arr2(&[[0.0, 1.0, 0.0]]);
/// let z = ndarray::arr2(&[[1000.0, -1000.0, 0.0]]);
/// assert_eq!(softmax_cross_entropy_gradient(&y.view(), &z.view())?, ndarray::arr2(&[[1.0, -1.0, 0.0]]));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `y` does not have the shape of `z`, or `z` has no class.
pub fn softmax_cross_entropy_gradient(y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> Result<Array2<f64>> {
    check_logits(y, z)?;
    Ok(Activation::Softmax.forward(z) - y)
}

/// The naive formula, `−Σ_j y_ij ln(e^z_ij / Σ_k e^z_ik)`, with `e^z` taken
/// as it is. Kept to show why [`softmax_cross_entropy`] exists: `e^1000`
/// overflows to infinity (and `∞/∞` is NaN), `e^−1000` underflows to 0 (and
/// `ln 0 = −∞`), so logits of ±1000 give a loss that is not finite.
///
/// ```
/// use cnn_walkthrough::textbook::losses::naive_softmax_cross_entropy;
/// let y = ndarray::arr2(&[[0.0, 1.0, 0.0]]);
/// let z = ndarray::arr2(&[[1000.0, -1000.0, 0.0]]);
/// assert!(naive_softmax_cross_entropy(&y.view(), &z.view())?[0].is_nan());
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `y` does not have the shape of `z`, or `z` has no class.
pub fn naive_softmax_cross_entropy(y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> Result<Array1<f64>> {
    check_logits(y, z)?;
    let e = z.mapv(f64::exp);
    let p = &e / &e.sum_axis(Axis(1)).insert_axis(Axis(1));
    Ok(-(y * &p.mapv(f64::ln)).sum_axis(Axis(1)))
}

/// The fraction of rows whose largest entry is in the same place in `y`
/// and `p` (the source's `acc`: `accuracy_score(argmax y, argmax p)`). Ties
/// go to the first, as `np.argmax` does.
///
/// ```
/// use cnn_walkthrough::textbook::losses::accuracy;
/// let y = ndarray::arr2(&[[1.0, 0.0], [0.0, 1.0]]);
/// let p = ndarray::arr2(&[[0.9, 0.1], [0.8, 0.2]]);
/// assert_eq!(accuracy(&y.view(), &p.view())?, 0.5);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// [`Error::Shape`] if `p` does not have the shape of `y`, or `y` has no row
/// or no class.
pub fn accuracy(y: &ArrayView2<f64>, p: &ArrayView2<f64>) -> Result<f64> {
    same_shape("p", p, "y", y)?;
    if y.is_empty() {
        return Err(Error::shape("y", "(batch, classes) with at least one row and one class", y.shape()));
    }
    let hits = Zip::from(y.rows()).and(p.rows()).fold(0, |n, y, p| n + usize::from(argmax(&y) == argmax(&p)));
    Ok(hits as f64 / y.nrows() as f64)
}

/// `p` clipped to `[CLIP, 1 − CLIP]`.
fn clip(p: f64) -> f64 {
    p.clamp(CLIP, 1.0 - CLIP)
}

/// `ln Σ_j e^z_j`, as `max z + ln Σ_j e^(z_j − max z)`.
fn log_sum_exp(z: &ArrayView1<f64>) -> f64 {
    let max = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    max + z.mapv(|v| (v - max).exp()).sum().ln()
}

/// The position of the first largest entry, as `np.argmax` (0 for an empty row).
///
/// ```
/// assert_eq!(cnn_walkthrough::textbook::losses::argmax(&ndarray::arr1(&[0.1, 0.7, 0.7]).view()), 1);
/// ```
pub fn argmax(row: &ArrayView1<f64>) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = j;
        }
    }
    best
}

/// `loss(y, p)` element by element, once the shapes are checked.
fn elementwise<D: Dimension>(
    y: &ArrayView<f64, D>,
    p: &ArrayView<f64, D>,
    loss: impl Fn(f64, f64) -> f64,
) -> Result<Array<f64, D>> {
    same_shape("p", p, "y", y)?;
    Ok(Zip::from(y).and(p).map_collect(|&y, &p| loss(y, p)))
}

/// An error unless `b` (named `b_name`) has the shape of `a` (named `a_name`).
fn same_shape<D: Dimension>(
    b_name: &str,
    b: &ArrayView<f64, D>,
    a_name: &str,
    a: &ArrayView<f64, D>,
) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(Error::shape(b_name, format!("{}, the shape of {a_name}", tuple(a.shape())), b.shape()))
    }
}

/// Targets `y` of the shape of the logits `z (batch, classes)`, with at
/// least one class.
fn check_logits(y: &ArrayView2<f64>, z: &ArrayView2<f64>) -> Result<()> {
    same_shape("y", y, "the logits z", z)?;
    if z.ncols() == 0 {
        return Err(Error::shape("z", "(batch, classes) with at least one class", z.shape()));
    }
    Ok(())
}
