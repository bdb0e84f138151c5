//! The optimizers of ML-From-Scratch (`mlfromscratch/deep_learning/optimizers.py`),
//! with its default hyperparameters: how a parameter tensor `w` moves, one
//! step at a time, given the gradient of the loss.
//!
//! Each optimizer keeps its state (running averages, the last update) for one
//! parameter tensor, zeros of `w`'s shape from the first update on, as the
//! source does; [`Optimizer::fresh`] gives a copy with no state for the next
//! tensor (the source copies its optimizer for every layer's `W` and `w0`).
//!
//! And a race track: [`narrow_quadratic`], a narrow valley, and [`race`],
//! which records the path an optimizer takes down it.

use ndarray::{Array1, ArrayD, ArrayView1, ArrayViewD, Zip};

use crate::fast::float::Float;

/// One optimizer for one parameter tensor.
pub trait Optimizer: std::fmt::Debug + Send {
    /// Its name, with the hyperparameters that set it apart.
    fn name(&self) -> String;

    /// One step on `w`. `grad_at(p)` gives the gradient of the loss at a point
    /// `p` of `w`'s shape: every optimizer asks for it at `w` itself, except
    /// [`NesterovAcceleratedGradient`], which looks ahead.
    ///
    /// # Panics
    /// If `grad_at` returns an array of another shape than `w`'s.
    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>);

    /// A fresh optimizer with the same hyperparameters and no state, for
    /// another parameter tensor.
    fn fresh(&self) -> Box<dyn Optimizer>;

    /// The name of its class in the source (`StochasticGradientDescent`, ...).
    fn class(&self) -> &'static str;

    /// Its update rule, one assignment a line, in the names of the code
    /// (and of the source): what a lesson prints before running it.
    fn rule(&self) -> &'static [&'static str];

    /// Its hyperparameters, in the order of the source's constructor, each
    /// with the source's default beside the value used.
    fn hyperparameters(&self) -> Vec<Hyperparameter>;
}

/// One hyperparameter of an optimizer: its name in the code, the value in
/// use, and the source's default (a lesson says when the two differ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyperparameter {
    /// As the source names it: `learning_rate`, `momentum`, `rho`, `b1`, `b2`, `eps`.
    pub name: &'static str,
    /// The value in use.
    pub value: f64,
    /// ML-From-Scratch's default.
    pub default: f64,
}

/// A [`Hyperparameter`], shorter to write.
fn hp(name: &'static str, value: f64, default: f64) -> Hyperparameter {
    Hyperparameter { name, value, default }
}

/// The gradient at `p`, checked to have `p`'s shape.
fn gradient_at(grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>, p: &ArrayViewD<f64>) -> ArrayD<f64> {
    let grad = grad_at(p);
    assert_eq!(grad.shape(), p.shape(), "the gradient must have the shape of the parameters");
    grad
}

/// Whether a state array is set, for a tensor of `w`'s shape.
fn has_state(s: &Option<ArrayD<f64>>, w: &ArrayD<f64>) -> bool {
    matches!(s, Some(a) if a.shape() == w.shape())
}

/// A state array, set to zeros of `w`'s shape on the first update (or when
/// `w`'s shape changes).
fn state<'a>(s: &'a mut Option<ArrayD<f64>>, w: &ArrayD<f64>) -> &'a mut ArrayD<f64> {
    if !has_state(s, w) {
        *s = None;
    }
    s.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()))
}

/// Gradient descent, with the source's momentum:
///
/// `w_updt = momentum·w_updt + (1 − momentum)·grad`, `w ← w − learning_rate·w_updt`.
///
/// Because of the `(1 − momentum)` the update is an average of recent
/// gradients, not the classical momentum `v = momentum·v + grad`, whose steps
/// grow to `1/(1 − momentum)` times as long: here momentum smooths the steps
/// but does not lengthen them.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{Optimizer, StochasticGradientDescent};
/// let mut w = ndarray::arr1(&[1.0, -2.0]).into_dyn();
/// StochasticGradientDescent::default().update(&mut w, &mut |w| w.to_owned()); // grad = w
/// assert_eq!(w, ndarray::arr1(&[0.99, -1.98]).into_dyn()); // w − 0.01·w
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StochasticGradientDescent {
    /// Step size (default 0.01).
    pub learning_rate: f64,
    /// How much of the last update is kept (default 0: plain gradient descent).
    pub momentum: f64,
    /// The last update; `None` before the first.
    pub w_updt: Option<ArrayD<f64>>,
}

impl StochasticGradientDescent {
    /// With the given hyperparameters and no state.
    pub fn new(learning_rate: f64, momentum: f64) -> Self {
        StochasticGradientDescent { learning_rate, momentum, w_updt: None }
    }
}

impl Default for StochasticGradientDescent {
    /// The source's `learning_rate=0.01, momentum=0`.
    fn default() -> Self {
        Self::new(0.01, 0.0)
    }
}

impl Optimizer for StochasticGradientDescent {
    fn name(&self) -> String {
        if self.momentum == 0.0 {
            "SGD".into()
        } else {
            format!("SGD + momentum {}", self.momentum)
        }
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let (lr, momentum) = (self.learning_rate, self.momentum);
        let grad = gradient_at(grad_at, &w.view());
        let w_updt = state(&mut self.w_updt, w);
        Zip::from(w).and(w_updt).and(&grad).for_each(|w, u, &g| {
            *u = momentum * *u + (1.0 - momentum) * g;
            *w -= lr * *u;
        });
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(StochasticGradientDescent { w_updt: None, ..*self })
    }

    fn class(&self) -> &'static str {
        "StochasticGradientDescent"
    }

    fn rule(&self) -> &'static [&'static str] {
        &["w_updt = momentum·w_updt + (1 − momentum)·grad", "w = w − learning_rate·w_updt"]
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![
            hp("learning_rate", self.learning_rate, d.learning_rate),
            hp("momentum", self.momentum, d.momentum),
        ]
    }
}

/// Nesterov's accelerated gradient: the gradient is taken where the last
/// update is about to carry `w`, and clipped to `[−1, 1]`:
///
/// `approx_future_grad = clip(grad(w − momentum·w_updt), −1, 1)`,
/// `w_updt = momentum·w_updt + learning_rate·approx_future_grad`, `w ← w − w_updt`.
///
/// The source's layers pass a gradient, not a function, so there it cannot
/// run; and its first call computes `w − momentum·[]` (an empty array) before
/// it sets `w_updt` to zeros. Here `w_updt` starts at zeros, so the first
/// look-ahead point is `w` itself.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{NesterovAcceleratedGradient, Optimizer};
/// let mut w = ndarray::arr1(&[0.5, -2.0]).into_dyn();
/// NesterovAcceleratedGradient::default().update(&mut w, &mut |w| w.to_owned()); // grad = w
/// assert_eq!(w, ndarray::arr1(&[0.5 - 0.0005, -2.0 + 0.001]).into_dyn()); // −2 is clipped to −1
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NesterovAcceleratedGradient {
    /// Step size (default 0.001).
    pub learning_rate: f64,
    /// How much of the last update is kept (default 0.4).
    pub momentum: f64,
    /// The last update; `None` before the first.
    pub w_updt: Option<ArrayD<f64>>,
}

impl NesterovAcceleratedGradient {
    /// With the given hyperparameters and no state.
    pub fn new(learning_rate: f64, momentum: f64) -> Self {
        NesterovAcceleratedGradient { learning_rate, momentum, w_updt: None }
    }
}

impl Default for NesterovAcceleratedGradient {
    /// The source's `learning_rate=0.001, momentum=0.4`.
    fn default() -> Self {
        Self::new(0.001, 0.4)
    }
}

impl Optimizer for NesterovAcceleratedGradient {
    fn name(&self) -> String {
        "Nesterov".into()
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let (lr, momentum) = (self.learning_rate, self.momentum);
        let w_updt = state(&mut self.w_updt, w);
        let ahead = &*w - &(&*w_updt * momentum);
        let approx_future_grad = gradient_at(grad_at, &ahead.view()).mapv(|g| g.clamp(-1.0, 1.0));
        Zip::from(w).and(w_updt).and(&approx_future_grad).for_each(|w, u, &g| {
            *u = momentum * *u + lr * g;
            *w -= *u;
        });
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(NesterovAcceleratedGradient { w_updt: None, ..*self })
    }

    fn class(&self) -> &'static str {
        "NesterovAcceleratedGradient"
    }

    fn rule(&self) -> &'static [&'static str] {
        &[
            "approx_future_grad = clip(grad(w − momentum·w_updt), −1, 1)",
            "w_updt = momentum·w_updt + learning_rate·approx_future_grad",
            "w = w − w_updt",
        ]
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![
            hp("learning_rate", self.learning_rate, d.learning_rate),
            hp("momentum", self.momentum, d.momentum),
        ]
    }
}

/// Adagrad: each weight's step is divided by the root of the sum of all its
/// squared gradients so far, so steps only shrink:
///
/// `G += grad²`, `w ← w − learning_rate·grad / √(G + eps)`.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{Adagrad, Optimizer};
/// let mut w = ndarray::arr1(&[1.0, -2.0]).into_dyn();
/// Adagrad { eps: 0.0, ..Adagrad::default() }.update(&mut w, &mut |w| w.to_owned()); // grad = w
/// assert_eq!(w, ndarray::arr1(&[0.99, -1.99]).into_dyn()); // w − 0.01·w/|w|
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adagrad {
    /// Step size (default 0.01).
    pub learning_rate: f64,
    /// Keeps the division finite (1e-8).
    pub eps: f64,
    /// The source's `G`, the sum of squared gradients; `None` before the first update.
    pub g: Option<ArrayD<f64>>,
}

impl Adagrad {
    /// With the given learning rate, `eps = 1e-8` and no state.
    pub fn new(learning_rate: f64) -> Self {
        Adagrad { learning_rate, eps: 1e-8, g: None }
    }
}

impl Default for Adagrad {
    /// The source's `learning_rate=0.01`.
    fn default() -> Self {
        Self::new(0.01)
    }
}

impl Optimizer for Adagrad {
    fn name(&self) -> String {
        "Adagrad".into()
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let (lr, eps) = (self.learning_rate, self.eps);
        let grad = gradient_at(grad_at, &w.view());
        let g_sum = state(&mut self.g, w);
        Zip::from(w).and(g_sum).and(&grad).for_each(|w, big_g, &g| {
            *big_g += g * g;
            *w -= lr * g / (*big_g + eps).sqrt();
        });
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(Adagrad { g: None, ..*self })
    }

    fn class(&self) -> &'static str {
        "Adagrad"
    }

    fn rule(&self) -> &'static [&'static str] {
        &["G = G + grad²", "w = w − learning_rate·grad / √(G + eps)"]
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![hp("learning_rate", self.learning_rate, d.learning_rate), hp("eps", self.eps, d.eps)]
    }
}

/// Adadelta: no learning rate; each step is the gradient times the ratio of
/// the running root mean squares of past updates and of gradients:
///
/// `E_grad = rho·E_grad + (1 − rho)·grad²`,
/// `adaptive_lr = √(E_w_updt + eps) / √(E_grad + eps)`, `w_updt = adaptive_lr·grad`,
/// `E_w_updt = rho·E_w_updt + (1 − rho)·w_updt²`, `w ← w − w_updt`.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{Adadelta, Optimizer};
/// let mut w = ndarray::arr1(&[1.0]).into_dyn();
/// Adadelta::new(0.75, 0.0625).update(&mut w, &mut |w| w.to_owned()); // grad = w
/// // E_grad = 0.25, adaptive_lr = √0.0625 / √0.3125, w_updt = 0.25 / √0.3125
/// assert!((w[0] - (1.0 - 0.25 / 0.3125f64.sqrt())).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adadelta {
    /// How much of the running averages is kept (default 0.95).
    pub rho: f64,
    /// Keeps the ratio finite, and sets the size of the first steps (default 1e-6).
    pub eps: f64,
    /// Running average of the squared updates; `None` before the first update.
    pub e_w_updt: Option<ArrayD<f64>>,
    /// Running average of the squared gradients.
    pub e_grad: Option<ArrayD<f64>>,
    /// The last update.
    pub w_updt: Option<ArrayD<f64>>,
}

impl Adadelta {
    /// With the given hyperparameters and no state.
    pub fn new(rho: f64, eps: f64) -> Self {
        Adadelta { rho, eps, e_w_updt: None, e_grad: None, w_updt: None }
    }
}

impl Default for Adadelta {
    /// The source's `rho=0.95, eps=1e-6`.
    fn default() -> Self {
        Self::new(0.95, 1e-6)
    }
}

impl Optimizer for Adadelta {
    fn name(&self) -> String {
        "Adadelta".into()
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let (rho, eps) = (self.rho, self.eps);
        let grad = gradient_at(grad_at, &w.view());
        let e_grad = state(&mut self.e_grad, w);
        let e_w_updt = state(&mut self.e_w_updt, w);
        let w_updt = state(&mut self.w_updt, w);
        Zip::from(w).and(e_grad).and(e_w_updt).and(w_updt).and(&grad).for_each(|w, e_g, e_u, u, &g| {
            *e_g = rho * *e_g + (1.0 - rho) * g * g;
            let adaptive_lr = (*e_u + eps).sqrt() / (*e_g + eps).sqrt();
            *u = adaptive_lr * g;
            *e_u = rho * *e_u + (1.0 - rho) * *u * *u;
            *w -= *u;
        });
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(Adadelta { e_w_updt: None, e_grad: None, w_updt: None, ..*self })
    }

    fn class(&self) -> &'static str {
        "Adadelta"
    }

    fn rule(&self) -> &'static [&'static str] {
        &[
            "E_grad = rho·E_grad + (1 − rho)·grad²",
            "adaptive_lr = √(E_w_updt + eps) / √(E_grad + eps)",
            "w_updt = adaptive_lr·grad",
            "E_w_updt = rho·E_w_updt + (1 − rho)·w_updt²",
            "w = w − w_updt",
        ]
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![hp("rho", self.rho, d.rho), hp("eps", self.eps, d.eps)]
    }
}

/// RMSprop: Adagrad with a running average in place of the sum, so steps
/// do not shrink for ever:
///
/// `Eg = rho·Eg + (1 − rho)·grad²`, `w ← w − learning_rate·grad / √(Eg + eps)`.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{Optimizer, RMSprop};
/// let mut w = ndarray::arr1(&[1.0, -2.0]).into_dyn();
/// RMSprop { rho: 0.75, eps: 0.0, ..RMSprop::default() }.update(&mut w, &mut |w| w.to_owned());
/// assert_eq!(w, ndarray::arr1(&[0.98, -1.98]).into_dyn()); // w − 0.01·w/√(0.25·w²)
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RMSprop {
    /// Step size (default 0.01).
    pub learning_rate: f64,
    /// How much of the running average is kept (default 0.9).
    pub rho: f64,
    /// Keeps the division finite (1e-8).
    pub eps: f64,
    /// Running average of the squared gradients; `None` before the first update.
    pub eg: Option<ArrayD<f64>>,
}

impl RMSprop {
    /// With the given hyperparameters, `eps = 1e-8` and no state.
    pub fn new(learning_rate: f64, rho: f64) -> Self {
        RMSprop { learning_rate, rho, eps: 1e-8, eg: None }
    }
}

impl Default for RMSprop {
    /// The source's `learning_rate=0.01, rho=0.9`.
    fn default() -> Self {
        Self::new(0.01, 0.9)
    }
}

impl Optimizer for RMSprop {
    fn name(&self) -> String {
        "RMSprop".into()
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let (lr, rho, eps) = (self.learning_rate, self.rho, self.eps);
        let grad = gradient_at(grad_at, &w.view());
        let eg = state(&mut self.eg, w);
        Zip::from(w).and(eg).and(&grad).for_each(|w, eg, &g| {
            *eg = rho * *eg + (1.0 - rho) * g * g;
            *w -= lr * g / (*eg + eps).sqrt();
        });
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(RMSprop { eg: None, ..*self })
    }

    fn class(&self) -> &'static str {
        "RMSprop"
    }

    fn rule(&self) -> &'static [&'static str] {
        &["Eg = rho·Eg + (1 − rho)·grad²", "w = w − learning_rate·grad / √(Eg + eps)"]
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![
            hp("learning_rate", self.learning_rate, d.learning_rate),
            hp("rho", self.rho, d.rho),
            hp("eps", self.eps, d.eps),
        ]
    }
}

/// Adam's rule, with the paper's bias correction.
const ADAM_RULE: &[&str] = &[
    "m = b1·m + (1 − b1)·grad",
    "v = b2·v + (1 − b2)·grad²",
    "m_hat = m / (1 − b1ᵗ)",
    "v_hat = v / (1 − b2ᵗ)",
    "w = w − learning_rate·m_hat / (√v_hat + eps)",
];

/// Adam's rule as the source writes it: `1 − b1` for `1 − b1ᵗ`.
const ADAM_RULE_AS_IN_SOURCE: &[&str] = &[
    "m = b1·m + (1 − b1)·grad",
    "v = b2·v + (1 − b2)·grad²",
    "m_hat = m / (1 − b1)",
    "v_hat = v / (1 − b2)",
    "w = w − learning_rate·m_hat / (√v_hat + eps)",
];

/// What Adam divides its running averages by, to undo their start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BiasCorrection {
    /// `1 − b1ᵗ` and `1 − b2ᵗ` at step `t` (from 1): the Adam paper's.
    #[default]
    Correct,
    /// `1 − b1` and `1 − b2` at every step: the source's fault. Right at
    /// step 1 only; after it `m̂` grows to `m/(1 − b1)`, ten times the
    /// gradient for `b1 = 0.9`, and `v̂` to a thousand times its square.
    AsInSource,
}

/// Adam: running averages of the gradient (`m`) and of its square (`v`),
/// corrected for their start at zero (see [`BiasCorrection`]):
///
/// `m = b1·m + (1 − b1)·grad`, `v = b2·v + (1 − b2)·grad²`,
/// `m̂ = m / (1 − b1ᵗ)`, `v̂ = v / (1 − b2ᵗ)`, `w ← w − learning_rate·m̂ / (√v̂ + eps)`.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{Adam, Optimizer};
/// let mut w = ndarray::arr1(&[1.0, -2.0]).into_dyn();
/// Adam { eps: 0.0, ..Adam::default() }.update(&mut w, &mut |w| w.to_owned()); // grad = w
/// assert_eq!(w, ndarray::arr1(&[0.999, -1.999]).into_dyn()); // step 1: m̂ = grad, √v̂ = |grad|
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    /// Step size (default 0.001).
    pub learning_rate: f64,
    /// Decay of the average of gradients (default 0.9).
    pub b1: f64,
    /// Decay of the average of squared gradients (default 0.999).
    pub b2: f64,
    /// Keeps the division finite (1e-8).
    pub eps: f64,
    /// Correct (default), or as in the source.
    pub bias_correction: BiasCorrection,
    /// Running average of the gradients; `None` before the first update.
    pub m: Option<ArrayD<f64>>,
    /// Running average of the squared gradients.
    pub v: Option<ArrayD<f64>>,
    /// Steps taken so far.
    pub t: i32,
}

impl Adam {
    /// With the given hyperparameters, `eps = 1e-8`, the correct bias
    /// correction and no state.
    pub fn new(learning_rate: f64, b1: f64, b2: f64) -> Self {
        Adam {
            learning_rate,
            b1,
            b2,
            eps: 1e-8,
            bias_correction: BiasCorrection::Correct,
            m: None,
            v: None,
            t: 0,
        }
    }
}

impl Adam {
    /// One step on `w` of any float type, given its gradient. The running
    /// averages are kept in `f64` whatever `w`'s type (lesson 11 trains in `f32`).
    ///
    /// # Panics
    /// If `grad` does not have `w`'s shape.
    pub fn step<F: Float>(&mut self, w: &mut ArrayD<F>, grad: &ArrayViewD<F>) {
        assert_eq!(grad.shape(), w.shape(), "the gradient must have the shape of the parameters");
        let (lr, b1, b2, eps) = (self.learning_rate, self.b1, self.b2, self.eps);
        if !matches!(&self.m, Some(m) if m.shape() == w.shape()) {
            (self.m, self.v, self.t) = (None, None, 0);
        }
        self.t = self.t.saturating_add(1);
        let (c1, c2) = match self.bias_correction {
            BiasCorrection::Correct => (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t)),
            BiasCorrection::AsInSource => (1.0 - b1, 1.0 - b2),
        };
        let m = self.m.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()));
        let v = self.v.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()));
        let step = |w: &mut F, m: &mut f64, v: &mut f64, g: F| {
            let g = g.f64();
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            let (m_hat, v_hat) = (*m / c1, *v / c2);
            *w = F::of(w.f64() - lr * m_hat / (v_hat.sqrt() + eps));
        };
        let slices = (w.as_slice_mut(), m.as_slice_mut(), v.as_slice_mut(), grad.as_slice());
        match slices {
            // A large tensor in standard layout: its two halves on two threads.
            (Some(w), Some(m), Some(v), Some(g)) if w.len() >= 1 << 16 => {
                let half = w.len() / 2;
                let (w1, w2) = w.split_at_mut(half);
                let (m1, m2) = m.split_at_mut(half);
                let (v1, v2) = v.split_at_mut(half);
                let (g1, g2) = g.split_at(half);
                let run = |w: &mut [F], m: &mut [f64], v: &mut [f64], g: &[F]| {
                    for (((w, m), v), &g) in w.iter_mut().zip(m).zip(v).zip(g) {
                        step(w, m, v, g);
                    }
                };
                crate::fast::parallel::join(|| run(w1, m1, v1, g1), || run(w2, m2, v2, g2));
            }
            _ => Zip::from(w).and(m).and(v).and(grad).for_each(|w, m, v, &g| step(w, m, v, g)),
        }
    }
}

impl Default for Adam {
    /// The source's `learning_rate=0.001, b1=0.9, b2=0.999`.
    fn default() -> Self {
        Self::new(0.001, 0.9, 0.999)
    }
}

impl Optimizer for Adam {
    fn name(&self) -> String {
        match self.bias_correction {
            BiasCorrection::Correct => "Adam".into(),
            BiasCorrection::AsInSource => "Adam (source's 1 − β)".into(),
        }
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let grad = gradient_at(grad_at, &w.view());
        self.step(w, &grad.view());
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(Adam { m: None, v: None, t: 0, ..*self })
    }

    fn class(&self) -> &'static str {
        "Adam"
    }

    fn rule(&self) -> &'static [&'static str] {
        match self.bias_correction {
            BiasCorrection::Correct => ADAM_RULE,
            BiasCorrection::AsInSource => ADAM_RULE_AS_IN_SOURCE,
        }
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let d = Self::default();
        vec![
            hp("learning_rate", self.learning_rate, d.learning_rate),
            hp("b1", self.b1, d.b1),
            hp("b2", self.b2, d.b2),
            hp("eps", self.eps, d.eps),
        ]
    }
}

/// The source's six optimizers with its defaults, and SGD with momentum 0.9
/// after plain SGD.
///
/// ```
/// let names: Vec<String> = cnn_walkthrough::textbook::optimizers::all_with_defaults().iter().map(|o| o.name()).collect();
/// assert_eq!(names, ["SGD", "SGD + momentum 0.9", "Nesterov", "Adagrad", "Adadelta", "RMSprop", "Adam"]);
/// ```
pub fn all_with_defaults() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(StochasticGradientDescent::default()),
        Box::new(StochasticGradientDescent { momentum: 0.9, ..StochasticGradientDescent::default() }),
        Box::new(NesterovAcceleratedGradient::default()),
        Box::new(Adagrad::default()),
        Box::new(Adadelta::default()),
        Box::new(RMSprop::default()),
        Box::new(Adam::default()),
    ]
}

/// The formula of [`narrow_quadratic`], for printing.
pub const NARROW_QUADRATIC: &str = "f(x, y) = (x² + 25·y²) / 2";

/// A narrow valley: `f(x, y) = (x² + 25·y²) / 2`, gradient `(x, 25·y)`,
/// minimum `f = 0` at `(0, 0)`. The walls (curvature 25) are 25 times
/// steeper than the floor (curvature 1): plain gradient descent diverges
/// across the valley for a learning rate above `2/25 = 0.08`, and moves along
/// it by only a factor `1 − learning_rate` per step.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::narrow_quadratic;
/// let (f, grad) = narrow_quadratic(&ndarray::arr1(&[2.0, 1.0]).view());
/// assert_eq!((f, grad), (14.5, ndarray::arr1(&[2.0, 25.0])));
/// ```
///
/// # Panics
/// If `w` does not hold exactly two numbers `(x, y)`.
pub fn narrow_quadratic(w: &ArrayView1<f64>) -> (f64, Array1<f64>) {
    assert_eq!(w.len(), 2, "narrow_quadratic takes a point (x, y)");
    let (x, y) = (w[0], w[1]);
    ((x * x + 25.0 * y * y) / 2.0, ndarray::arr1(&[x, 25.0 * y]))
}

/// The path of `optimizer` from `start` over `steps` steps on a 2-D
/// `problem` (returning the loss and its gradient): `steps + 1` points,
/// the start first.
///
/// ```
/// use cnn_walkthrough::textbook::optimizers::{narrow_quadratic, race, StochasticGradientDescent};
/// let path = race(Box::new(StochasticGradientDescent::default()), (1.0, 1.0), 2, narrow_quadratic);
/// assert_eq!(path.len(), 3);
/// assert_eq!(path[1], (0.99, 0.75)); // (1 − 0.01·1, 1 − 0.01·25)
/// ```
///
/// # Panics
/// As `problem`, and if its gradient does not hold two numbers.
pub fn race(
    mut optimizer: Box<dyn Optimizer>,
    start: (f64, f64),
    steps: usize,
    problem: impl Fn(&ArrayView1<f64>) -> (f64, Array1<f64>),
) -> Vec<(f64, f64)> {
    let mut w = ndarray::arr1(&[start.0, start.1]).into_dyn();
    let mut path = vec![start];
    for _ in 0..steps {
        optimizer.update(&mut w, &mut |p| {
            let p: Array1<f64> = p.iter().copied().collect();
            problem(&p.view()).1.into_dyn()
        });
        path.push((w[0], w[1]));
    }
    path
}
