//! The layers of ML-From-Scratch around the convolution, in its layout
//! (NCHW for images, `(batch, features)` for dense data): each with a forward
//! pass, a backward pass that keeps the gradients of its parameters, and a
//! parameter count.
//!
//! Two of them differ from the source on purpose, as PyTorch does:
//! [`Dropout`] is *inverted* (scaled by `1/(1 − p)` while training, the
//! identity at inference; the source multiplies by `1 − p` at inference), and
//! [`BatchNormalization`] normalizes each *channel* of an image batch (each
//! feature of dense data); the source normalizes every `(C, H, W)` element on
//! its own, which is why its network counts more parameters.

use ndarray::{Array1, Array2, Array3, ArrayD, ArrayView2, ArrayView3, Axis, Ix3, IxDyn};

use crate::course::random::{RandomState, SplitMix64};
use crate::error::{tuple, Error, Result};
use crate::fast::float::Float;
use crate::textbook::activations::Activation;
use crate::textbook::padding::{ConstantPadding2D, Padding2D};

/// A layer's forward and backward passes written out, in the names its
/// code uses, one formula a line: the card a lesson prints next to the
/// numbers the layer computes. Each line is short enough for the narrowest
/// screen (58 columns, with the lesson's indent).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Formulas {
    /// The forward pass.
    pub forward: &'static [&'static str],
    /// The backward pass, from the gradient of the output: `grad`, or `g`
    /// where the code names it so.
    pub backward: &'static [&'static str],
}

/// The source's BatchNormalization `momentum`: the weight of the old
/// running mean and variance.
pub const BATCH_NORM_MOMENTUM: f64 = 0.99;

/// The source's BatchNormalization `eps`, added to the variance (PyTorch's
/// default is 1e-5).
pub const BATCH_NORM_EPS: f64 = 0.01;

/// A layer: forward, backward, parameters. `F` is the float type, `f64`
/// in the lessons and `f32` for training (see [`crate::fast::float`]).
pub trait Layer<F: Float = f64>: std::fmt::Debug + Send {
    /// The layer's name, as the source's summary prints it.
    fn name(&self) -> String;

    /// How many numbers it learns.
    fn parameters(&self) -> usize {
        0
    }

    /// The forward pass; `training` switches dropout and batch statistics.
    ///
    /// # Errors
    /// When `x` does not have the shape the layer expects.
    fn forward(&mut self, x: &ArrayD<F>, training: bool) -> Result<ArrayD<F>>;

    /// The backward pass: from the gradient of the output to the gradient of
    /// the input, keeping the gradients of the parameters.
    ///
    /// # Errors
    /// When called before `forward`, or with a gradient of the wrong shape.
    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>>;

    /// The same as [`forward`](Layer::forward), taking the input by value so
    /// a layer can keep or reuse it instead of copying.
    ///
    /// # Errors
    /// As [`forward`](Layer::forward).
    fn forward_owned(&mut self, x: ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        self.forward(&x, training)
    }

    /// The same as [`backward`](Layer::backward), taking the gradient by
    /// value so a layer can keep or reuse it instead of copying.
    ///
    /// # Errors
    /// As [`backward`](Layer::backward).
    fn backward_owned(&mut self, grad: ArrayD<F>) -> Result<ArrayD<F>> {
        self.backward(&grad)
    }

    /// Each parameter with the gradient of the last backward pass, by name.
    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        vec![]
    }

    /// The forward and backward passes as formulas (none for a layer that
    /// does not write them out).
    fn formulas(&self) -> Formulas {
        Formulas::default()
    }

    /// Whether the gradient with respect to the input is wanted: false for
    /// the first layer of a network, which can then skip computing it.
    fn set_needs_input_grad(&mut self, _needed: bool) {}
}

/// `Error` for a backward pass called before the forward pass.
pub(crate) fn before_forward(layer: &str) -> Error {
    Error::Usage(format!("{layer}: backward called before forward"))
}

/// Checks that a gradient has the shape of the layer's output.
pub(crate) fn same_shape<F>(what: &str, expected: &[usize], grad: &ArrayD<F>) -> Result<()> {
    if grad.shape() == expected {
        Ok(())
    } else {
        Err(Error::shape(what, format!("{}, the shape of the layer's output", tuple(expected)), grad.shape()))
    }
}

/// A fully connected layer (the source's `Dense`): `y = x · W + w0`,
/// `W (n_inputs, n_units)`; backward `grad_W = xᵀ · g`, `grad_w0 = Σ_batch g`,
/// and `g · Wᵀ` to the input. Training uses [`crate::fast::layers::Dense`].
#[derive(Debug, Clone)]
pub struct Dense {
    /// `W (n_inputs, n_units)`.
    pub w: ArrayD<f64>,
    /// `w0 (n_units,)`.
    pub w0: ArrayD<f64>,
    grad_w: ArrayD<f64>,
    grad_w0: ArrayD<f64>,
    input: Option<Array2<f64>>,
}

impl Dense {
    /// The source's initialisation: `W ~ uniform(−1/√n_inputs, 1/√n_inputs)`, `w0 = 0`.
    pub fn new(n_inputs: usize, n_units: usize, rng: &mut RandomState) -> Self {
        let limit = 1.0 / (n_inputs.max(1) as f64).sqrt();
        Self::from_weights(rng.uniform(-limit, limit, (n_inputs, n_units)), Array1::zeros(n_units))
    }

    /// A layer with the given weights and biases.
    pub fn from_weights(w: Array2<f64>, w0: Array1<f64>) -> Self {
        let (w, w0) = (w.into_dyn(), w0.into_dyn());
        Dense { grad_w: ArrayD::zeros(w.raw_dim()), grad_w0: ArrayD::zeros(w0.raw_dim()), w, w0, input: None }
    }

    /// `W` as a matrix.
    pub(crate) fn matrix(&self) -> ArrayView2<'_, f64> {
        self.w.view().into_dimensionality().expect("W has 2 axes")
    }
}

impl Layer for Dense {
    fn name(&self) -> String {
        "Dense".into()
    }

    /// `n_inputs · n_units + n_units`.
    fn parameters(&self) -> usize {
        self.w.len() + self.w0.len()
    }

    /// `x · W + w0`.
    fn forward(&mut self, x: &ArrayD<f64>, _training: bool) -> Result<ArrayD<f64>> {
        let n_in = self.w.shape()[0];
        let x2: Array2<f64> = match x.view().into_dimensionality() {
            Ok(v) if x.shape()[1] == n_in => v.to_owned(),
            _ => return Err(Error::shape("Dense input", format!("(batch, {n_in})"), x.shape())),
        };
        let y = x2.dot(&self.matrix()) + &self.w0;
        self.input = Some(x2);
        Ok(y.into_dyn())
    }

    /// `grad_W = xᵀ · g`, `grad_w0 = Σ_batch g`, and `g · Wᵀ` to the input.
    fn backward(&mut self, grad: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let input = self.input.as_ref().ok_or_else(|| before_forward("Dense"))?;
        same_shape("Dense gradient", &[input.dim().0, self.w.shape()[1]], grad)?;
        let g: ArrayView2<f64> = grad.view().into_dimensionality().expect("checked");
        self.grad_w = input.t().dot(&g).into_dyn();
        self.grad_w0 = g.sum_axis(Axis(0)).into_dyn();
        Ok(g.dot(&self.matrix().t()).into_dyn())
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<f64>, &ArrayD<f64>)> {
        vec![("W", &mut self.w, &self.grad_w), ("w0", &mut self.w0, &self.grad_w0)]
    }

    fn formulas(&self) -> Formulas {
        Formulas {
            forward: &["y = x · W + w0"],
            backward: &["grad_W = xᵀ · g", "grad_w0 = Σ_batch g", "grad_x = g · Wᵀ"],
        }
    }
}

/// Checks a dropout probability: `0 ≤ p < 1`.
pub(crate) fn check_probability(p: f64) -> Result<()> {
    if (0.0..1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::parameter("p", format!("= {p}; expected a probability in [0, 1)")))
    }
}

/// Dropout, *inverted*: while training, `mask = uniform(size=X.shape) ≥ p`
/// (each value kept with probability `1 − p`) and `y = X · mask / (1 − p)`;
/// backward `accum_grad · mask / (1 − p)`; at inference `y = X`.
/// (The source computes `X · mask` while training and `X · (1 − p)` at
/// inference: the same expected values, with the scaling moved.) The
/// uniform draws are 64-bit words of `SplitMix64`, one per value in order:
/// value `k` is kept when `word_k / 2⁶⁴ ≥ p`. Training uses
/// [`crate::fast::layers::Dropout`].
#[derive(Debug, Clone)]
pub struct Dropout {
    /// The probability of dropping a value.
    pub p: f64,
    rng: SplitMix64,
    /// The source's `_mask`: which values were kept in the last training
    /// pass; `None` at inference.
    mask: Option<ArrayD<bool>>,
    shape: Option<Vec<usize>>,
}

impl Dropout {
    /// Dropout with probability `p`, its masks drawn from `SplitMix64::new(seed)`
    /// (the masks need not follow numpy's stream).
    ///
    /// # Errors
    /// [`Error::Parameter`] unless `0 ≤ p < 1`.
    pub fn new(p: f64, seed: u32) -> Result<Self> {
        check_probability(p)?;
        Ok(Dropout { p, rng: SplitMix64::new(u64::from(seed)), mask: None, shape: None })
    }

    /// `x · mask / (1 − p)`, or `x` at inference.
    fn apply(&self, x: &ArrayD<f64>) -> ArrayD<f64> {
        let Some(mask) = &self.mask else { return x.clone() };
        let scale = 1.0 / (1.0 - self.p);
        ndarray::Zip::from(x).and(mask).map_collect(|&v, &kept| v * if kept { scale } else { 0.0 })
    }
}

impl Layer for Dropout {
    fn name(&self) -> String {
        "Dropout".into()
    }

    fn forward(&mut self, x: &ArrayD<f64>, training: bool) -> Result<ArrayD<f64>> {
        self.shape = Some(x.shape().to_vec());
        if !training {
            self.mask = None;
            return Ok(x.clone());
        }
        // u / 2⁶⁴ ≥ p  ⇔  u ≥ p · 2⁶⁴.
        let threshold = (self.p * 18_446_744_073_709_551_616.0) as u64;
        let mut mask = ArrayD::from_elem(x.raw_dim(), false);
        for kept in mask.iter_mut() {
            *kept = self.rng.next_u64() >= threshold;
        }
        self.mask = Some(mask);
        Ok(self.apply(x))
    }

    fn backward(&mut self, grad: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let shape = self.shape.as_ref().ok_or_else(|| before_forward("Dropout"))?;
        same_shape("Dropout gradient", shape, grad)?;
        Ok(self.apply(grad))
    }

    fn formulas(&self) -> Formulas {
        Formulas {
            forward: &[
                "training:  mask = uniform(size=x.shape) ≥ p",
                "           y = x · mask / (1 − p)",
                "inference: y = x",
            ],
            backward: &["grad_x = grad · mask / (1 − p)"],
        }
    }
}

/// `x` as `(batch, channels, rest)`: `(B, C, H·W)` for images, `(B, F, 1)`
/// for dense data, so that each channel's values are `[.., c, ..]`.
pub(crate) fn channels_view<'a, F: Clone>(
    what: &str,
    c: usize,
    x: &'a ArrayD<F>,
) -> Result<ndarray::CowArray<'a, F, Ix3>> {
    if !matches!(x.ndim(), 2 | 4) || x.shape()[1] != c {
        return Err(Error::shape(what, format!("(batch, {c}) or (batch, {c}, H, W)"), x.shape()));
    }
    let shape = (x.shape()[0], c, x.shape().get(2..).map_or(1, |r| r.iter().product()));
    Ok(x.as_standard_layout().into_shape_with_order(shape).expect("standard layout"))
}

/// Batch normalization per channel (`(B, C, H, W)`: statistics over B, H, W
/// for each C) or per feature (`(B, F)`: over B for each F), the source's
/// formulas with `N` values per channel:
///
/// - forward, training: `μ = Σ x / N`, `σ² = Σ (x − μ)² / N`, and
///   `running = momentum·running + (1 − momentum)·batch` for each;
///   at inference `μ`, `σ²` are the running ones;
///   `x_centered = x − μ`, `stddev_inv = 1/√(σ² + eps)`,
///   `y = γ · x_centered · stddev_inv + β`;
/// - backward: `grad_γ = Σ g · x_centered · stddev_inv`, `grad_β = Σ g`,
///   `grad_x = (1/N) · γ · stddev_inv · (N·g − Σ g −
///   x_centered · stddev_inv² · Σ g · x_centered)`.
///
/// Training uses [`crate::fast::layers::BatchNormalization`].
#[derive(Debug, Clone)]
pub struct BatchNormalization {
    /// `γ`, one per channel.
    pub gamma: ArrayD<f64>,
    /// `β`, one per channel.
    pub beta: ArrayD<f64>,
    /// The running mean, for inference.
    pub running_mean: Array1<f64>,
    /// The running variance, for inference.
    pub running_var: Array1<f64>,
    /// Weight of the old running value: [`BATCH_NORM_MOMENTUM`], the source's.
    pub momentum: f64,
    /// Added to the variance: [`BATCH_NORM_EPS`], the source's.
    pub eps: f64,
    grad_gamma: ArrayD<f64>,
    grad_beta: ArrayD<f64>,
    /// `X_centered` (as `(B, C, rest)`) and `stddev_inv`.
    cache: Option<(Array3<f64>, Array1<f64>)>,
}

/// A gradient as `(B, C, rest)`, with the three terms of
/// BatchNormalization's `bracket` so shaped.
type Terms<'a> = (ndarray::CowArray<'a, f64, Ix3>, [Array3<f64>; 3]);

/// Per-channel values shaped `(1, C, 1)`, to broadcast over `(B, C, rest)`.
fn per_channel(v: &Array1<f64>) -> ArrayView3<'_, f64> {
    v.view().insert_axis(Axis(0)).insert_axis(Axis(2))
}

/// The sum over the batch and the positions: one value per channel.
fn channel_sum(x: &ArrayView3<f64>) -> Array1<f64> {
    x.sum_axis(Axis(2)).sum_axis(Axis(0))
}

impl BatchNormalization {
    /// For `channels` channels (or features), with the source's momentum
    /// ([`BATCH_NORM_MOMENTUM`]) and eps ([`BATCH_NORM_EPS`]).
    pub fn new(channels: usize) -> Self {
        BatchNormalization {
            gamma: ArrayD::ones(IxDyn(&[channels])),
            beta: ArrayD::zeros(IxDyn(&[channels])),
            running_mean: Array1::zeros(channels),
            running_var: Array1::ones(channels),
            momentum: BATCH_NORM_MOMENTUM,
            eps: BATCH_NORM_EPS,
            grad_gamma: ArrayD::zeros(IxDyn(&[channels])),
            grad_beta: ArrayD::zeros(IxDyn(&[channels])),
            cache: None,
        }
    }

    fn channels(&self) -> usize {
        self.gamma.len()
    }

    /// The three terms of the backward pass's `bracket` for the gradient
    /// `grad` of the last forward pass's output, each shaped as `grad`:
    /// `g · n` (directly), `sum_g` (through the mean) and
    /// `x_centered · stddev_inv² · sum_g_centered` (through the variance).
    /// `bracket` is the first minus the other two (see [`Layer::formulas`]).
    ///
    /// # Errors
    /// As [`Layer::backward`]: before a forward pass, or for a gradient of
    /// the wrong shape.
    pub fn bracket_terms(&self, grad: &ArrayD<f64>) -> Result<[ArrayD<f64>; 3]> {
        let shaped = |t: Array3<f64>| t.into_shape_with_order(grad.shape()).expect("same size");
        Ok(self.terms(grad)?.1.map(shaped))
    }

    /// `grad` as `(B, C, rest)`, and [`bracket_terms`](Self::bracket_terms) so shaped.
    fn terms<'a>(&self, grad: &'a ArrayD<f64>) -> Result<Terms<'a>> {
        let (x_centered, stddev_inv) =
            self.cache.as_ref().ok_or_else(|| before_forward("BatchNormalization"))?;
        let g = channels_view("BatchNormalization gradient", self.channels(), grad)?;
        if g.shape() != x_centered.shape() {
            return Err(Error::shape(
                "BatchNormalization gradient",
                "the shape of the layer's output",
                grad.shape(),
            ));
        }
        let n = (g.len() / self.channels()) as f64;
        let s = per_channel(stddev_inv);
        let sum_g = channel_sum(&g.view());
        let sum_g_centered = channel_sum(&(&g * x_centered).view());
        let through_mean = per_channel(&sum_g).broadcast(g.raw_dim()).expect("(1, C, 1)").to_owned();
        let through_var = x_centered * &s * s * per_channel(&sum_g_centered);
        let direct = &g * n;
        Ok((g, [direct, through_mean, through_var]))
    }

    fn vector(v: &ArrayD<f64>) -> Array1<f64> {
        v.view().into_dimensionality().expect("one per channel").to_owned()
    }
}

impl Layer for BatchNormalization {
    fn name(&self) -> String {
        "BatchNormalization".into()
    }

    /// `γ` and `β`: two per channel.
    fn parameters(&self) -> usize {
        self.gamma.len() + self.beta.len()
    }

    fn forward(&mut self, x: &ArrayD<f64>, training: bool) -> Result<ArrayD<f64>> {
        let x3 = channels_view("BatchNormalization input", self.channels(), x)?;
        let n = (x3.len() / self.channels()) as f64;
        let (mean, var) = if training {
            let mean = channel_sum(&x3.view()) / n;
            let centered = &x3 - &per_channel(&mean);
            let var = channel_sum(&(&centered * &centered).view()) / n;
            let m = self.momentum;
            self.running_mean = &self.running_mean * m + &mean * (1.0 - m);
            self.running_var = &self.running_var * m + &var * (1.0 - m);
            (mean, var)
        } else {
            (self.running_mean.clone(), self.running_var.clone())
        };
        let x_centered = &x3 - &per_channel(&mean);
        let stddev_inv = var.mapv(|v| 1.0 / (v + self.eps).sqrt());
        let x_norm = &x_centered * &per_channel(&stddev_inv);
        let (gamma, beta) = (Self::vector(&self.gamma), Self::vector(&self.beta));
        let y = &x_norm * &per_channel(&gamma) + per_channel(&beta);
        self.cache = Some((x_centered, stddev_inv));
        Ok(y.into_shape_with_order(x.shape()).expect("same size"))
    }

    fn backward(&mut self, grad: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let (g, [direct, through_mean, through_var]) = self.terms(grad)?;
        let (x_centered, stddev_inv) = self.cache.as_ref().expect("terms checked it");
        let n = (g.len() / self.channels()) as f64;
        let x_norm = x_centered * &per_channel(stddev_inv);
        let gamma = Self::vector(&self.gamma);
        let bracket = direct - through_mean - through_var;
        let grad_x = bracket * per_channel(&(&gamma * stddev_inv / n));
        self.grad_gamma = channel_sum(&(&g * &x_norm).view()).into_dyn();
        self.grad_beta = channel_sum(&g.view()).into_dyn();
        Ok(grad_x.into_shape_with_order(grad.shape()).expect("same size"))
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<f64>, &ArrayD<f64>)> {
        vec![("gamma", &mut self.gamma, &self.grad_gamma), ("beta", &mut self.beta, &self.grad_beta)]
    }

    /// Σ is over the `n` values of a channel. `x_centered` reaches the
    /// output three ways, hence the three terms of `bracket`: directly,
    /// through the mean (which every value moves), and through the variance.
    fn formulas(&self) -> Formulas {
        Formulas {
            forward: &[
                "training:  mean = Σ x / n",
                "           var = Σ (x − mean)² / n",
                "inference: mean, var = running_mean, running_var",
                "x_centered = x − mean",
                "stddev_inv = 1 / √(var + eps)",
                "y = gamma · x_centered · stddev_inv + beta",
            ],
            backward: &[
                "grad_gamma = Σ g · x_centered · stddev_inv",
                "grad_beta = sum_g = Σ g",
                "sum_g_centered = Σ g · x_centered",
                "grad_x = gamma · stddev_inv / n · bracket",
                "bracket = g · n                   (directly)",
                "        − sum_g                   (through mean)",
                "        − x_centered · stddev_inv² · sum_g_centered",
                "                                  (through var)",
            ],
        }
    }
}

/// `Flatten`: `(batch, …)` → `(batch, everything else)`; backward reshapes back.
#[derive(Debug, Clone, Default)]
pub struct Flatten {
    input_shape: Option<Vec<usize>>,
}

impl<F: Float> Layer<F> for Flatten {
    fn name(&self) -> String {
        "Flatten".into()
    }

    fn forward(&mut self, x: &ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        let batch =
            *x.shape().first().ok_or_else(|| Error::shape("Flatten input", "(batch, …)", x.shape()))?;
        self.input_shape = Some(x.shape().to_vec());
        let rest = x.len().checked_div(batch).unwrap_or(0);
        Ok(x.as_standard_layout()
            .into_owned()
            .into_shape_with_order(IxDyn(&[batch, rest]))
            .expect("same size"))
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let shape = self.input_shape.clone().ok_or_else(|| before_forward("Flatten"))?;
        let batch = shape[0];
        same_shape("Flatten gradient", &[batch, shape.iter().skip(1).product()], grad)?;
        Ok(grad.as_standard_layout().into_owned().into_shape_with_order(IxDyn(&shape)).expect("same size"))
    }

    /// By value: no copy (only the shape changes) when `x` is in standard layout.
    fn forward_owned(&mut self, x: ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        if !x.is_standard_layout() || x.ndim() == 0 {
            return self.forward(&x, training);
        }
        let batch = x.shape()[0];
        self.input_shape = Some(x.shape().to_vec());
        let rest = x.len().checked_div(batch).unwrap_or(0);
        Ok(x.into_shape_with_order(IxDyn(&[batch, rest])).expect("standard layout, same size"))
    }

    /// By value: no copy (only the shape changes) when `grad` is in standard layout.
    fn backward_owned(&mut self, grad: ArrayD<F>) -> Result<ArrayD<F>> {
        let shape = self.input_shape.clone().ok_or_else(|| before_forward("Flatten"))?;
        if !grad.is_standard_layout() {
            return self.backward(&grad);
        }
        same_shape("Flatten gradient", &[shape[0], shape.iter().skip(1).product()], &grad)?;
        Ok(grad.into_shape_with_order(IxDyn(&shape)).expect("standard layout, same size"))
    }

    fn formulas(&self) -> Formulas {
        Formulas {
            forward: &["y = x.reshape(batch, −1)"], backward: &["grad_x = grad.reshape(input_shape)"]
        }
    }
}

/// `ConstantPadding2D` / `ZeroPadding2D` as a layer (see [`crate::textbook::padding`]).
#[derive(Debug, Clone)]
pub struct PaddingLayer {
    /// The padding and its value.
    pub padding: ConstantPadding2D,
}

impl PaddingLayer {
    /// `ConstantPadding2D(padding, padding_value)`.
    pub fn constant(padding: impl Into<Padding2D>, value: f64) -> Self {
        PaddingLayer { padding: ConstantPadding2D::new(padding, value) }
    }

    /// `ZeroPadding2D(padding)`.
    pub fn zeros(padding: impl Into<Padding2D>) -> Self {
        PaddingLayer { padding: ConstantPadding2D::zeros(padding) }
    }
}

impl Layer for PaddingLayer {
    fn name(&self) -> String {
        if self.padding.padding_value == 0.0 { "ZeroPadding2D" } else { "ConstantPadding2D" }.into()
    }

    fn forward(&mut self, x: &ArrayD<f64>, _training: bool) -> Result<ArrayD<f64>> {
        let x4 = x
            .view()
            .into_dimensionality()
            .map_err(|_| Error::shape("padding input", "(batch, channels, height, width)", x.shape()))?;
        Ok(self.padding.forward(&x4).into_dyn())
    }

    fn backward(&mut self, grad: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let g4 = grad.view().into_dimensionality().map_err(|_| {
            Error::shape("padding gradient", "(batch, channels, height, width)", grad.shape())
        })?;
        Ok(self.padding.backward(&g4)?.into_dyn())
    }

    fn formulas(&self) -> Formulas {
        Formulas {
            forward: &["y = x padded with padding_value"],
            backward: &["grad_x = grad[:, :, top:top+h, left:left+w]"],
        }
    }
}

/// An activation function as a layer.
#[derive(Debug, Clone)]
pub struct ActivationLayer<F = f64> {
    /// The function.
    pub activation: Activation,
    input: Option<ArrayD<F>>,
}

impl<F: Float> ActivationLayer<F> {
    /// The layer applying `activation`.
    pub fn new(activation: Activation) -> Self {
        ActivationLayer { activation, input: None }
    }
}

impl<F: Float> Layer<F> for ActivationLayer<F> {
    fn name(&self) -> String {
        format!("Activation ({})", self.activation.name())
    }

    fn forward(&mut self, x: &ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        self.input = Some(x.clone());
        Ok(self.activation.forward(&x.view()))
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let x = self.input.as_ref().ok_or_else(|| before_forward("Activation"))?;
        same_shape("Activation gradient", x.shape(), grad)?;
        self.activation.backward(&x.view(), &grad.view())
    }

    /// By value: `x` is kept for the backward pass without a copy.
    fn forward_owned(&mut self, x: ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        let y = self.activation.forward(&x.view());
        self.input = Some(x);
        Ok(y)
    }

    fn formulas(&self) -> Formulas {
        Formulas { forward: &["y = f(x)"], backward: &["grad_x = grad · f'(x)   (softmax: Jᵀ · grad)"] }
    }
}
