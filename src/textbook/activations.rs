//! The activation functions of ML-From-Scratch
//! (`mlfromscratch/deep_learning/activation_functions.py`), with their
//! derivatives and their backward passes.
//!
//! Every function but softmax acts on each number alone. Softmax acts on
//! vectors: on the last axis of an array, one row at a time (a 0-d array is
//! a single number, whose softmax is 1).
//!
//! No `e^x` along the way overflows, whatever the input: sigmoid, softplus
//! and softmax are rewritten so that `e^` is only taken of numbers ≤ 0.

use ndarray::{Array, Array2, ArrayView, ArrayView1, Axis, Dimension, Zip};

use crate::error::{tuple, Error, Result};
use crate::fast::float::Float;

/// SELU's `alpha`, 1.6732632423543772848170429916717 in the source (the
/// nearest `f64`).
pub const SELU_ALPHA: f64 = 1.6732632423543772;

/// SELU's `scale` (λ), 1.0507009873554804934193349852946 in the source (the
/// nearest `f64`).
pub const SELU_SCALE: f64 = 1.0507009873554805;

/// The activation functions of ML-From-Scratch, named as its classes.
///
/// ```
/// use cnn_walkthrough::textbook::activations::Activation;
/// let x = ndarray::arr1(&[-1.0, 0.0, 2.0]);
/// assert_eq!(Activation::ReLU.forward(&x.view()), ndarray::arr1(&[0.0, 0.0, 2.0]));
/// assert_eq!(Activation::LeakyReLU { alpha: 0.2 }.gradient(&x.view()), ndarray::arr1(&[0.2, 1.0, 1.0]));
/// assert_eq!(Activation::Sigmoid.forward(&x.view())[1], 0.5);
/// ```
// The names are the source's class names, acronyms included.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// `σ(x) = 1 / (1 + e^−x)`.
    Sigmoid,
    /// `softmax(x)_i = e^x_i / Σ_j e^x_j`, along the last axis.
    Softmax,
    /// `tanh(x) = 2 / (1 + e^−2x) − 1`.
    TanH,
    /// `x` if `x ≥ 0`, else 0.
    ReLU,
    /// `x` if `x ≥ 0`, else `alpha·x` (the source's default `alpha` is 0.2).
    LeakyReLU {
        /// The slope for negative `x`.
        alpha: f64,
    },
    /// `x` if `x ≥ 0`, else `alpha·(e^x − 1)` (the source's default `alpha` is 0.1).
    ELU {
        /// `f(x)` tends to `−alpha` as `x → −∞`.
        alpha: f64,
    },
    /// `λx` if `x ≥ 0`, else `λα(e^x − 1)`, with the fixed α = [`SELU_ALPHA`]
    /// and λ = [`SELU_SCALE`] that make it self-normalising.
    SELU,
    /// `ln(1 + e^x)`, a smooth ReLU.
    SoftPlus,
}

impl Activation {
    /// All eight, with the source's default parameters: LeakyReLU `alpha` 0.2,
    /// ELU `alpha` 0.1.
    pub const ALL: [Activation; 8] = [
        Activation::Sigmoid,
        Activation::Softmax,
        Activation::TanH,
        Activation::ReLU,
        Activation::LeakyReLU { alpha: 0.2 },
        Activation::ELU { alpha: 0.1 },
        Activation::SELU,
        Activation::SoftPlus,
    ];

    /// A short name: `"sigmoid"`, `"softmax"`, `"tanh"`, `"relu"`,
    /// `"leaky_relu"`, `"elu"`, `"selu"` or `"softplus"`.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Softmax => "softmax",
            Activation::TanH => "tanh",
            Activation::ReLU => "relu",
            Activation::LeakyReLU { .. } => "leaky_relu",
            Activation::ELU { .. } => "elu",
            Activation::SELU => "selu",
            Activation::SoftPlus => "softplus",
        }
    }

    /// `f(x)` as a formula, for a table.
    pub fn formula(&self) -> &'static str {
        match self {
            Activation::Sigmoid => "1 / (1 + e^-x)",
            Activation::Softmax => "e^x_i / Σ_j e^x_j",
            Activation::TanH => "2 / (1 + e^-2x) − 1",
            Activation::ReLU => "x if x ≥ 0 else 0",
            Activation::LeakyReLU { .. } => "x if x ≥ 0 else αx",
            Activation::ELU { .. } => "x if x ≥ 0 else α(e^x − 1)",
            Activation::SELU => "λ(x if x ≥ 0 else α(e^x − 1))",
            Activation::SoftPlus => "ln(1 + e^x)",
        }
    }

    /// `f'(x)` as a formula, for a table (for softmax, the diagonal of the
    /// Jacobian that [`gradient`](Self::gradient) returns).
    pub fn derivative_formula(&self) -> &'static str {
        match self {
            Activation::Sigmoid => "σ(x)(1 − σ(x))",
            Activation::Softmax => "p_i(1 − p_i), the diagonal only",
            Activation::TanH => "1 − tanh²(x)",
            Activation::ReLU => "1 if x ≥ 0 else 0",
            Activation::LeakyReLU { .. } => "1 if x ≥ 0 else α",
            Activation::ELU { .. } => "1 if x ≥ 0 else f(x) + α",
            Activation::SELU => "λ(1 if x ≥ 0 else α e^x)",
            Activation::SoftPlus => "σ(x) = 1 / (1 + e^-x)",
        }
    }

    /// `f(x)` for one number (for softmax, of a vector holding only `x`: 1).
    fn value(&self, x: f64) -> f64 {
        match *self {
            Activation::Sigmoid => sigmoid(x),
            Activation::Softmax => 1.0,
            Activation::TanH => x.tanh(),
            Activation::ReLU => x.max(0.0),
            Activation::LeakyReLU { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Activation::ELU { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x.exp_m1() // e^x − 1, without rounding away small x
                }
            }
            Activation::SELU => SELU_SCALE * Activation::ELU { alpha: SELU_ALPHA }.value(x),
            // ln(1 + e^x) = max(x, 0) + ln(1 + e^−|x|): e^ is only taken of x ≤ 0.
            Activation::SoftPlus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        }
    }

    /// `f'(x)` for one number (for softmax, of a vector holding only `x`: 0).
    fn derivative(&self, x: f64) -> f64 {
        match *self {
            // 1 − σ(x) = σ(−x), which keeps its precision where σ(x) ≈ 1.
            Activation::Sigmoid => sigmoid(x) * sigmoid(-x),
            Activation::Softmax => 0.0,
            Activation::TanH => 1.0 - x.tanh().powi(2),
            Activation::ReLU => {
                if x >= 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyReLU { alpha } => {
                if x >= 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
            Activation::ELU { alpha } => {
                if x >= 0.0 {
                    1.0
                } else {
                    self.value(x) + alpha
                }
            }
            Activation::SELU => SELU_SCALE * if x >= 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
            Activation::SoftPlus => sigmoid(x),
        }
    }

    /// `f(x)` element by element; softmax along the last axis, computed
    /// stably: `e^(x_i − max x) / Σ_j e^(x_j − max x)`, the same value with
    /// every exponent ≤ 0.
    ///
    /// ```
    /// use cnn_walkthrough::textbook::activations::Activation;
    /// let x = ndarray::arr2(&[[0.0, 0.0], [1000.0, 0.0]]);
    /// let p = Activation::Softmax.forward(&x.view());
    /// assert_eq!(p, ndarray::arr2(&[[0.5, 0.5], [1.0, 0.0]]));
    /// assert_eq!(Activation::SoftPlus.forward(&x.view())[[1, 0]], 1000.0);
    /// ```
    pub fn forward<F: Float, D: Dimension>(&self, x: &ArrayView<F, D>) -> Array<F, D> {
        match (self, last_axis(x)) {
            (Activation::Softmax, Some(axis)) => {
                let mut p = x.to_owned();
                for mut row in p.lanes_mut(axis) {
                    let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
                    row.mapv_inplace(|v| (v - max).exp());
                    let sum = row.sum();
                    row /= sum;
                }
                p
            }
            (Activation::ReLU, _) => x.mapv(|v| v.max(F::zero())),
            _ => x.mapv(|v| F::of(self.value(v.f64()))),
        }
    }

    /// The source's `gradient(x)`: `f'(x)` element by element. For softmax the
    /// source returns only the diagonal of the Jacobian, `p(1 − p)` with
    /// `p = softmax(x)`; [`backward`](Self::backward) uses the whole Jacobian.
    ///
    /// ReLU's `f'(0)` is 1, as the source's `np.where(x >= 0, 1, 0)` gives;
    /// PyTorch's is 0 (it passes the gradient only where `x > 0`). ReLU has
    /// no derivative at 0, and any slope in `[0, 1]` is a subgradient, so
    /// both are right: the choice only matters where an input is exactly 0.
    ///
    /// ```
    /// use cnn_walkthrough::textbook::activations::Activation;
    /// let x = ndarray::arr1(&[0.0]);
    /// assert_eq!(Activation::Sigmoid.gradient(&x.view())[0], 0.25);
    /// assert_eq!(Activation::TanH.gradient(&x.view())[0], 1.0);
    /// ```
    pub fn gradient<F: Float, D: Dimension>(&self, x: &ArrayView<F, D>) -> Array<F, D> {
        match self {
            Activation::Softmax => self.forward(x).mapv(|p| p * (F::one() - p)),
            Activation::ReLU => x.mapv(|v| if v >= F::zero() { F::one() } else { F::zero() }),
            _ => x.mapv(|v| F::of(self.derivative(v.f64()))),
        }
    }

    /// The backward pass: `dL/dx` from `grad = dL/dy`, where `y = f(x)`.
    /// Element by element this is `grad ⊙ f'(x)`. Each softmax output depends
    /// on its whole row, so there it is the vector-Jacobian product along the
    /// last axis, `Jᵀ g = p ⊙ (g − Σ_j g_j p_j)` (see [`softmax_jacobian`]).
    ///
    /// ```
    /// use cnn_walkthrough::textbook::activations::Activation;
    /// let x = ndarray::arr1(&[0.0, 0.0]);
    /// let g = ndarray::arr1(&[1.0, 0.0]);
    /// // p = (½, ½), Σ g p = ½: dL/dx = p ⊙ (g − ½) = (¼, −¼).
    /// let dx = Activation::Softmax.backward(&x.view(), &g.view())?;
    /// assert_eq!(dx, ndarray::arr1(&[0.25, -0.25]));
    /// # Ok::<(), cnn_walkthrough::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Shape`] if `grad` does not have the shape of `x`.
    pub fn backward<F: Float, D: Dimension>(
        &self,
        x: &ArrayView<F, D>,
        grad: &ArrayView<F, D>,
    ) -> Result<Array<F, D>> {
        if grad.shape() != x.shape() {
            return Err(Error::shape("grad", format!("{}, the shape of x", tuple(x.shape())), grad.shape()));
        }
        match (self, last_axis(x)) {
            (Activation::Softmax, Some(axis)) => {
                let mut dx = self.forward(x);
                Zip::from(dx.lanes_mut(axis)).and(grad.lanes(axis)).for_each(|mut p, g| {
                    let g_dot_p = p.dot(&g);
                    p.zip_mut_with(&g, |p_i, &g_i| *p_i *= g_i - g_dot_p);
                });
                Ok(dx)
            }
            (Activation::ReLU, _) => {
                Ok(Zip::from(x).and(grad).map_collect(|&x, &g| if x >= F::zero() { g } else { F::zero() }))
            }
            _ => Ok(&self.gradient(x) * grad),
        }
    }
}

/// Softmax's Jacobian for one vector, `∂p_i/∂x_j = p_i(δ_ij − p_j)`, that is
/// `diag(p) − p pᵀ` with `p = softmax(x)`.
///
/// ```
/// use cnn_walkthrough::textbook::activations::softmax_jacobian;
/// let j = softmax_jacobian(&ndarray::arr1(&[0.0, 0.0]).view());
/// assert_eq!(j, ndarray::arr2(&[[0.25, -0.25], [-0.25, 0.25]]));
/// ```
pub fn softmax_jacobian(x: &ArrayView1<f64>) -> Array2<f64> {
    let p = Activation::Softmax.forward(x);
    let column = p.view().insert_axis(Axis(1));
    let row = p.view().insert_axis(Axis(0));
    Array2::from_diag(&p) - &column * &row
}

/// `σ(x) = 1 / (1 + e^−x)`, written `e^x / (1 + e^x)` for negative `x` so that
/// `e^` is only taken of numbers ≤ 0.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The last axis, if `x` has any.
fn last_axis<F, D: Dimension>(x: &ArrayView<F, D>) -> Option<Axis> {
    x.ndim().checked_sub(1).map(Axis)
}
