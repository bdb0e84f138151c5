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

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn};

use crate::activations::Activation;
use crate::error::{tuple, Error, Result};
use crate::float::{dot, Float};
use crate::padding::{ConstantPadding2D, Padding2D};
use crate::random::RandomState;

/// A layer: forward, backward, parameters. `F` is the float type, `f64`
/// in the lessons and `f32` for training (see [`crate::float`]).
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

    /// Each parameter with the gradient of the last backward pass, by name.
    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        vec![]
    }

    /// Whether the gradient with respect to the input is wanted: false for
    /// the first layer of a network, which can then skip computing it.
    fn set_needs_input_grad(&mut self, _needed: bool) {}
}

fn before_forward(layer: &str) -> Error {
    Error::Usage(format!("{layer}: backward called before forward"))
}

fn same_shape<F>(what: &str, expected: &[usize], grad: &ArrayD<F>) -> Result<()> {
    if grad.shape() == expected {
        Ok(())
    } else {
        Err(Error::shape(what, format!("{}, the shape of the layer's output", tuple(expected)), grad.shape()))
    }
}

/// A fully connected layer: `y = x · W + w0`, `W (n_inputs, n_units)`.
#[derive(Debug, Clone)]
pub struct Dense<F = f64> {
    /// `W (n_inputs, n_units)`.
    pub w: ArrayD<F>,
    /// `w0 (n_units,)`.
    pub w0: ArrayD<F>,
    grad_w: ArrayD<F>,
    grad_w0: ArrayD<F>,
    input: Option<Array2<F>>,
}

impl<F: Float> Dense<F> {
    /// The source's initialisation: `W ~ uniform(−1/√n_inputs, 1/√n_inputs)`, `w0 = 0`.
    pub fn new(n_inputs: usize, n_units: usize, rng: &mut RandomState) -> Self {
        let limit = 1.0 / (n_inputs.max(1) as f64).sqrt();
        Self::from_weights(rng.uniform(-limit, limit, (n_inputs, n_units)).mapv(F::of), Array1::zeros(n_units))
    }

    /// A layer with the given weights and biases.
    pub fn from_weights(w: Array2<F>, w0: Array1<F>) -> Self {
        let (w, w0) = (w.into_dyn(), w0.into_dyn());
        Dense { grad_w: ArrayD::zeros(w.raw_dim()), grad_w0: ArrayD::zeros(w0.raw_dim()), w, w0, input: None }
    }

    fn matrix(&self) -> ndarray::ArrayView2<'_, F> {
        self.w.view().into_dimensionality().expect("W has 2 axes")
    }
}

impl<F: Float> Layer<F> for Dense<F> {
    fn name(&self) -> String {
        "Dense".into()
    }

    /// `n_inputs · n_units + n_units`.
    fn parameters(&self) -> usize {
        self.w.len() + self.w0.len()
    }

    fn forward(&mut self, x: &ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        let n_in = self.w.shape()[0];
        let x2: Array2<F> = match x.view().into_dimensionality() {
            Ok(v) if x.shape()[1] == n_in => v.to_owned(),
            _ => return Err(Error::shape("Dense input", format!("(batch, {n_in})"), x.shape())),
        };
        let y = dot(&x2.view(), &self.matrix()) + &self.w0;
        self.input = Some(x2);
        Ok(y.into_dyn())
    }

    /// `grad_W = xᵀ · g`, `grad_w0 = Σ_batch g`, and `g · Wᵀ` to the input.
    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let input = self.input.as_ref().ok_or_else(|| before_forward("Dense"))?;
        same_shape("Dense gradient", &[input.dim().0, self.w.shape()[1]], grad)?;
        let g: ndarray::ArrayView2<F> = grad.view().into_dimensionality().expect("checked");
        self.grad_w = dot(&input.t(), &g).into_dyn();
        self.grad_w0 = g.sum_axis(Axis(0)).into_dyn();
        Ok(dot(&g, &self.matrix().t()).into_dyn())
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        vec![("W", &mut self.w, &self.grad_w), ("w0", &mut self.w0, &self.grad_w0)]
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
}

/// Inverted dropout: while training, each value is kept with probability
/// `1 − p` and scaled by `1/(1 − p)`, so that inference is the identity.
/// (The source keeps values unscaled and multiplies by `1 − p` at inference:
/// the same expected values, with the scaling moved.)
#[derive(Debug, Clone)]
pub struct Dropout {
    /// The probability of dropping a value.
    pub p: f64,
    rng: RandomState,
    /// Which values were kept in the last training pass; `None` at inference.
    kept: Option<ArrayD<bool>>,
    shape: Option<Vec<usize>>,
}

impl Dropout {
    /// Dropout with probability `p`, its masks drawn from `RandomState::new(seed)`.
    ///
    /// # Errors
    /// [`Error::Parameter`] unless `0 ≤ p < 1`.
    pub fn new(p: f64, seed: u32) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::parameter("p", format!("= {p}; expected a probability in [0, 1)")));
        }
        Ok(Dropout { p, rng: RandomState::new(seed), kept: None, shape: None })
    }
}

impl Dropout {
    /// `x` where kept, scaled by `1/(1 − p)`; 0 where dropped.
    fn apply<F: Float>(&self, x: &ArrayD<F>) -> ArrayD<F> {
        let scale = F::of(1.0 / (1.0 - self.p));
        match &self.kept {
            Some(kept) => ndarray::Zip::from(x).and(kept).map_collect(|&v, &k| if k { v * scale } else { F::zero() }),
            None => x.clone(),
        }
    }
}

impl<F: Float> Layer<F> for Dropout {
    fn name(&self) -> String {
        "Dropout".into()
    }

    /// Training: `x · mask / (1 − p)` with `mask = uniform(0, 1) > p`; inference: `x`.
    fn forward(&mut self, x: &ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        let p = self.p;
        self.kept = training.then(|| self.rng.uniform(0.0, 1.0, x.raw_dim()).mapv(|u| u > p));
        self.shape = Some(x.shape().to_vec());
        Ok(self.apply(x))
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let shape = self.shape.as_ref().ok_or_else(|| before_forward("Dropout"))?;
        same_shape("Dropout gradient", shape, grad)?;
        Ok(self.apply(grad))
    }
}

/// Batch normalization per channel (`(B, C, H, W)`: statistics over B, H, W
/// for each C) or per feature (`(B, F)`: over B for each F):
/// `y = γ · (x − μ) / √(σ² + eps) + β`. While training it uses the batch's
/// statistics and keeps running averages (`running = momentum·running +
/// (1 − momentum)·batch`) for inference.
#[derive(Debug, Clone)]
pub struct BatchNormalization<F = f64> {
    /// `γ`, one per channel.
    pub gamma: ArrayD<F>,
    /// `β`, one per channel.
    pub beta: ArrayD<F>,
    /// The running mean, for inference.
    pub running_mean: Array1<F>,
    /// The running variance, for inference.
    pub running_var: Array1<F>,
    /// Weight of the old running value: 0.99 in the source.
    pub momentum: f64,
    /// Added to the variance: 0.01 in the source.
    pub eps: f64,
    grad_gamma: ArrayD<F>,
    grad_beta: ArrayD<F>,
    cache: Option<(ArrayD<F>, Array1<F>)>,
}

impl<F: Float> BatchNormalization<F> {
    /// For `channels` channels (or features), with the source's momentum 0.99 and eps 0.01.
    pub fn new(channels: usize) -> Self {
        BatchNormalization {
            gamma: ArrayD::ones(IxDyn(&[channels])),
            beta: ArrayD::zeros(IxDyn(&[channels])),
            running_mean: Array1::zeros(channels),
            running_var: Array1::ones(channels),
            momentum: 0.99,
            eps: 0.01,
            grad_gamma: ArrayD::zeros(IxDyn(&[channels])),
            grad_beta: ArrayD::zeros(IxDyn(&[channels])),
            cache: None,
        }
    }

    fn channels(&self) -> usize {
        self.gamma.len()
    }

    /// `x` as `(channels, everything else)`: one row per channel.
    fn rows(&self, x: &ArrayD<F>) -> Result<Array2<F>> {
        let c = self.channels();
        let ok = matches!(x.ndim(), 2 | 4) && x.shape()[1] == c;
        if !ok {
            return Err(Error::shape(
                "BatchNormalization input",
                format!("(batch, {c}) or (batch, {c}, H, W)"),
                x.shape(),
            ));
        }
        let moved = x.view().permuted_axes(channel_first(x.ndim()));
        let n = x.len() / c;
        Ok(moved.as_standard_layout().into_owned().into_shape_with_order((c, n)).expect("same size"))
    }

    /// Rows `(channels, rest)` back into the shape of `like`.
    fn unrows(rows: Array2<F>, like: &[usize]) -> ArrayD<F> {
        let axes = channel_first(like.len());
        let moved_shape: Vec<usize> = axes.iter().map(|&a| like[a]).collect();
        let moved = rows.into_shape_with_order(IxDyn(&moved_shape)).expect("same size");
        let mut inverse = vec![0; axes.len()];
        for (k, &a) in axes.iter().enumerate() {
            inverse[a] = k;
        }
        moved.permuted_axes(IxDyn(&inverse)).as_standard_layout().into_owned()
    }
}

/// The axes that put the channel axis (1) first: `[1, 0, 2, 3]` or `[1, 0]`.
fn channel_first(ndim: usize) -> Vec<usize> {
    let mut axes: Vec<usize> = (0..ndim).collect();
    axes.swap(0, 1);
    axes
}

impl<F: Float> Layer<F> for BatchNormalization<F> {
    fn name(&self) -> String {
        "BatchNormalization".into()
    }

    /// `γ` and `β`: two per channel.
    fn parameters(&self) -> usize {
        self.gamma.len() + self.beta.len()
    }

    fn forward(&mut self, x: &ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        let rows = self.rows(x)?;
        let (mean, var) = if training {
            let mean = rows.mean_axis(Axis(1)).expect("not empty");
            let var = rows.var_axis(Axis(1), F::zero());
            let (keep, add) = (F::of(self.momentum), F::of(1.0 - self.momentum));
            self.running_mean = &self.running_mean * keep + &mean * add;
            self.running_var = &self.running_var * keep + &var * add;
            (mean, var)
        } else {
            (self.running_mean.clone(), self.running_var.clone())
        };
        let eps = F::of(self.eps);
        let stddev_inv = var.mapv(|v| F::one() / (v + eps).sqrt());
        let x_norm = (&rows - &mean.insert_axis(Axis(1))) * stddev_inv.view().insert_axis(Axis(1));
        let gamma = self.gamma.view().into_shape_with_order((self.channels(), 1)).expect("one per channel");
        let beta = self.beta.view().into_shape_with_order((self.channels(), 1)).expect("one per channel");
        let y = &x_norm * &gamma + beta;
        self.cache = Some((x_norm.into_dyn(), stddev_inv));
        Ok(Self::unrows(y, x.shape()))
    }

    /// With `N` values per channel and `x̂` the normalized input:
    /// `grad_γ = Σ g·x̂`, `grad_β = Σ g`,
    /// `grad_x = γ/(N·√(σ² + eps)) · (N·g − Σ g − x̂·Σ g·x̂)`.
    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let (x_norm, stddev_inv) = self.cache.as_ref().ok_or_else(|| before_forward("BatchNormalization"))?;
        let x_norm: ndarray::ArrayView2<F> = x_norm.view().into_dimensionality().expect("rows");
        let g = self.rows(grad)?;
        if g.dim() != x_norm.dim() {
            return Err(Error::shape(
                "BatchNormalization gradient",
                "the shape of the layer's output",
                grad.shape(),
            ));
        }
        let n = F::of(g.dim().1 as f64);
        let sum_g = g.sum_axis(Axis(1));
        let sum_gx = (&g * &x_norm).sum_axis(Axis(1));
        let gamma = self.gamma.view().into_shape_with_order(self.channels()).expect("one per channel");
        let scale = (&gamma * stddev_inv).mapv(|v| v / n);
        let sum_g_col = sum_g.view().insert_axis(Axis(1));
        let sum_gx_col = sum_gx.view().insert_axis(Axis(1));
        let inner = &g * n - sum_g_col - &x_norm * &sum_gx_col;
        let grad_x = inner * &scale.insert_axis(Axis(1));
        self.grad_gamma = sum_gx.into_dyn();
        self.grad_beta = sum_g.into_dyn();
        Ok(Self::unrows(grad_x, grad.shape()))
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        vec![("gamma", &mut self.gamma, &self.grad_gamma), ("beta", &mut self.beta, &self.grad_beta)]
    }
}

/// `ConstantPadding2D` / `ZeroPadding2D` as a layer (see [`crate::padding`]).
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
}
