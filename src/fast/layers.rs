//! The layers that training uses, generic over [`Float`] and split over
//! two cores where the work is large: each equals its textbook twin in
//! [`crate::textbook::layers`] (see each item for where rounding may differ).

use ndarray::{Array1, Array2, ArrayD, Axis, Dimension};

use crate::course::random::{RandomState, SplitMix64};
use crate::error::{Error, Result};
use crate::fast::float::{dot, Float};
use crate::fast::parallel;
use crate::textbook::layers::{before_forward, channels_view, check_probability, same_shape, Layer};

/// A fully connected layer, `y = x · W + w0`: equals
/// [`crate::textbook::layers::Dense`], with the products' columns split over
/// two cores ([`dot`]). Rounding may differ only where the matrix product
/// adds a sum's terms in another order for a part than for the whole.
#[derive(Debug, Clone)]
pub struct Dense<F> {
    /// `W (n_inputs, n_units)`.
    pub w: ArrayD<F>,
    /// `w0 (n_units,)`.
    pub w0: ArrayD<F>,
    grad_w: ArrayD<F>,
    grad_w0: ArrayD<F>,
    input: Option<Array2<F>>,
}

impl<F: Float> Dense<F> {
    /// [`crate::textbook::layers::Dense::new`]'s weights (the same draws), in `F`.
    pub fn new(n_inputs: usize, n_units: usize, rng: &mut RandomState) -> Self {
        let layer = crate::textbook::layers::Dense::new(n_inputs, n_units, rng);
        Self::from_weights(
            layer.matrix().mapv(F::of),
            layer.w0.mapv(F::of).into_dimensionality().expect("1-D"),
        )
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

    /// By value: the input is kept for the backward pass without a copy.
    fn forward_owned(&mut self, x: ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        let n_in = self.w.shape()[0];
        if x.ndim() != 2 || x.shape()[1] != n_in {
            return Err(Error::shape("Dense input", format!("(batch, {n_in})"), x.shape()));
        }
        let x2: Array2<F> = x.into_dimensionality().expect("2 axes");
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

/// Inverted dropout: equals [`crate::textbook::layers::Dropout`] exactly
/// (the same mask from the same seed, the same products), with the mask drawn
/// and applied in two halves on two cores when it is large.
#[derive(Debug, Clone)]
pub struct Dropout {
    /// The probability of dropping a value.
    pub p: f64,
    rng: SplitMix64,
    /// Which values were kept in the last training pass; `None` at inference.
    kept: Option<ArrayD<bool>>,
    shape: Option<Vec<usize>>,
}

impl Dropout {
    /// As [`crate::textbook::layers::Dropout::new`].
    ///
    /// # Errors
    /// [`Error::Parameter`] unless `0 ≤ p < 1`.
    pub fn new(p: f64, seed: u32) -> Result<Self> {
        check_probability(p)?;
        Ok(Dropout { p, rng: SplitMix64::new(u64::from(seed)), kept: None, shape: None })
    }
}

impl Dropout {
    /// Draws the mask for a batch shaped `dim`: value `k` is decided by the
    /// `k`-th word of the stream (in parts, on two threads), kept when that
    /// uniform 64-bit draw `u` satisfies `u / 2⁶⁴ ≥ p` (probability `1 − p`).
    fn draw(&mut self, dim: ndarray::IxDyn) {
        let threshold = (self.p * 18_446_744_073_709_551_616.0) as u64;
        let mut kept = vec![false; dim.size()];
        let rng = &self.rng;
        parallel::split_mut(&mut kept, |start, part| {
            for (k, kept) in part.iter_mut().enumerate() {
                *kept = rng.peek((start + k) as u64) >= threshold;
            }
        });
        self.rng.skip(kept.len() as u64);
        self.kept = Some(ArrayD::from_shape_vec(dim, kept).expect("one per value"));
    }

    /// `x` where kept, scaled by `1/(1 − p)`; 0 where dropped (`x` has the mask's shape).
    fn apply<F: Float>(&self, x: &ArrayD<F>) -> ArrayD<F> {
        if self.kept.is_none() {
            return x.clone();
        }
        let mut y = x.as_standard_layout().into_owned();
        self.apply_in_place(&mut y);
        y
    }

    /// [`apply`](Self::apply) in `x`'s own buffer (`x` in standard layout, or unmasked).
    fn apply_in_place<F: Float>(&self, x: &mut ArrayD<F>) {
        let Some(kept) = &self.kept else { return };
        let factor = [F::zero(), F::of(1.0 / (1.0 - self.p))]; // indexed by the mask: no branch
        let (values, kept) = (x.as_slice_mut().expect("standard layout"), kept.as_slice().expect("made so"));
        parallel::split_mut(values, |start, part| {
            let kept = &kept[start..start + part.len()];
            for (v, &k) in part.iter_mut().zip(kept) {
                *v *= factor[usize::from(k)];
            }
        });
    }
}

impl<F: Float> Layer<F> for Dropout {
    fn name(&self) -> String {
        "Dropout".into()
    }

    /// Training: `x · mask / (1 − p)`, each value kept with probability `1 − p`; inference: `x`.
    fn forward(&mut self, x: &ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        self.shape = Some(x.shape().to_vec());
        if !training {
            self.kept = None;
            return Ok(x.clone());
        }
        self.draw(x.raw_dim());
        Ok(self.apply(x))
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let shape = self.shape.as_ref().ok_or_else(|| before_forward("Dropout"))?;
        same_shape("Dropout gradient", shape, grad)?;
        Ok(self.apply(grad))
    }

    /// By value: the mask is applied in `x`'s own buffer, no new array.
    fn forward_owned(&mut self, x: ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        if !x.is_standard_layout() {
            return self.forward(&x, training);
        }
        self.shape = Some(x.shape().to_vec());
        if !training {
            self.kept = None;
            return Ok(x);
        }
        self.draw(x.raw_dim());
        let mut x = x;
        self.apply_in_place(&mut x);
        Ok(x)
    }

    /// By value: the mask is applied in `grad`'s own buffer, no new array.
    fn backward_owned(&mut self, grad: ArrayD<F>) -> Result<ArrayD<F>> {
        if !grad.is_standard_layout() {
            return self.backward(&grad);
        }
        let shape = self.shape.as_ref().ok_or_else(|| before_forward("Dropout"))?;
        same_shape("Dropout gradient", shape, &grad)?;
        let mut grad = grad;
        self.apply_in_place(&mut grad);
        Ok(grad)
    }
}

/// Batch normalization per channel: equals
/// [`crate::textbook::layers::BatchNormalization`], in one pass over the
/// values for each sum. Rounding may differ: each channel's `N` values are
/// added in another order (per position over the batch, then the positions),
/// and the input gradient is written `γ/(N·√(σ² + eps)) · (N·g − Σ g −
/// x̂·Σ g·x̂)` with `x̂` the normalized input.
#[derive(Debug, Clone)]
pub struct BatchNormalization<F> {
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
    /// [`crate::textbook::layers::BatchNormalization::new`] in `F`: its
    /// parameters, statistics, momentum and eps.
    pub fn new(channels: usize) -> Self {
        Self::of(&crate::textbook::layers::BatchNormalization::new(channels))
    }

    /// The textbook layer `layer` in `F` (each value rounded to `F`), its
    /// gradients zero and no forward pass kept.
    pub fn of(layer: &crate::textbook::layers::BatchNormalization) -> Self {
        BatchNormalization {
            gamma: layer.gamma.mapv(F::of),
            beta: layer.beta.mapv(F::of),
            running_mean: layer.running_mean.mapv(F::of),
            running_var: layer.running_var.mapv(F::of),
            momentum: layer.momentum,
            eps: layer.eps,
            grad_gamma: ArrayD::zeros(layer.gamma.raw_dim()),
            grad_beta: ArrayD::zeros(layer.beta.raw_dim()),
            cache: None,
        }
    }

    fn channels(&self) -> usize {
        self.gamma.len()
    }

    /// The mean and `1/√(σ² + eps)` of each channel for `data`, samples of
    /// `C·rest` values (standard layout: channel `ch` at positions
    /// `ch·rest .. (ch+1)·rest` of each): the batch's while training (the
    /// running ones updated), else the running ones.
    fn statistics(&mut self, data: &[F], rest: usize, training: bool) -> (Array1<F>, Array1<F>) {
        let c = self.channels();
        let (mean, var) = if training {
            let n = F::of((data.len() / c) as f64);
            let mean = channel_sums(data.len(), c, rest, |k, _| data[k]) / n;
            let m = spread(&mean, rest);
            let var = channel_sums(data.len(), c, rest, |k, i| (data[k] - m[i]).powi(2)) / n;
            let (keep, add) = (F::of(self.momentum), F::of(1.0 - self.momentum));
            self.running_mean = &self.running_mean * keep + &mean * add;
            self.running_var = &self.running_var * keep + &var * add;
            (mean, var)
        } else {
            (self.running_mean.clone(), self.running_var.clone())
        };
        let eps = F::of(self.eps);
        (mean, var.mapv(|v| F::one() / (v + eps).sqrt()))
    }

    /// Normalizes `values` (samples of `C·rest` values) in place, each
    /// becoming `γ·x̂ + β`, and returns the normalized `x̂` in the same order.
    fn normalize(&self, values: &mut [F], mean: &Array1<F>, stddev_inv: &Array1<F>, rest: usize) -> Vec<F> {
        let (m, s) = (spread(mean, rest), spread(stddev_inv, rest));
        let (g, b) = (spread(&self.gamma, rest), spread(&self.beta, rest));
        let mut x_norm = Vec::with_capacity(values.len());
        for sample in values.chunks_exact_mut(m.len()) {
            let start = x_norm.len();
            x_norm.extend(sample.iter().zip(&m).zip(&s).map(|((&v, &m), &s)| (v - m) * s));
            for ((y, &xn), (&g, &b)) in sample.iter_mut().zip(&x_norm[start..]).zip(g.iter().zip(&b)) {
                *y = xn * g + b;
            }
        }
        x_norm
    }

    /// Checks `grad` against the last forward pass; returns its shape as `(B, C, rest)`.
    fn check_gradient(&self, grad: &ArrayD<F>) -> Result<(usize, usize, usize)> {
        let (x_norm, _) = self.cache.as_ref().ok_or_else(|| before_forward("BatchNormalization"))?;
        let g3 = channels_view("BatchNormalization gradient", self.channels(), grad)?;
        if g3.shape() != x_norm.shape() {
            return Err(Error::shape(
                "BatchNormalization gradient",
                "the shape of the layer's output",
                grad.shape(),
            ));
        }
        Ok(g3.dim())
    }

    /// The backward pass in the gradient's own buffer `grad` (samples of
    /// `C·rest` values, checked by [`check_gradient`](Self::check_gradient)):
    /// keeps `grad_γ` and `grad_β`, and overwrites each value with the
    /// input's gradient.
    fn backward_in_place(&mut self, grad: &mut [F], rest: usize) {
        let (x_norm, stddev_inv) = self.cache.as_ref().expect("checked");
        let xn = x_norm.as_slice().expect("standard layout");
        let c = self.channels();
        let n = F::of((grad.len() / c) as f64);
        let sum_g = channel_sums(grad.len(), c, rest, |k, _| grad[k]);
        let sum_gx = channel_sums(grad.len(), c, rest, |k, _| grad[k] * xn[k]);
        let scale = spread(&(&self.gamma * &stddev_inv.view().into_dyn() / n), rest);
        let (sg, sgx) = (spread(&sum_g, rest), spread(&sum_gx, rest));
        for (gs, xs) in grad.chunks_exact_mut(scale.len()).zip(xn.chunks_exact(scale.len())) {
            let terms = gs.iter_mut().zip(xs).zip(&scale).zip(sg.iter().zip(&sgx));
            for (((g, &x), &a), (&sg, &sgx)) in terms {
                *g = a * (n * *g - sg - x * sgx);
            }
        }
        self.grad_gamma = sum_gx.into_dyn();
        self.grad_beta = sum_g.into_dyn();
    }
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
        let x3 = channels_view("BatchNormalization input", self.channels(), x)?;
        let rest = x3.shape()[2];
        let (mean, stddev_inv) = self.statistics(x3.as_slice().expect("standard layout"), rest, training);
        let mut y = x3.into_owned();
        let x_norm = self.normalize(y.as_slice_mut().expect("standard layout"), &mean, &stddev_inv, rest);
        self.cache = Some((ArrayD::from_shape_vec(y.shape(), x_norm).expect("same size"), stddev_inv));
        Ok(y.into_shape_with_order(x.raw_dim()).expect("same size"))
    }

    /// With `N` values per channel and `x̂` the normalized input:
    /// `grad_γ = Σ g·x̂`, `grad_β = Σ g`,
    /// `grad_x = γ/(N·√(σ² + eps)) · (N·g − Σ g − x̂·Σ g·x̂)`.
    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let (_, _, rest) = self.check_gradient(grad)?;
        let mut grad_x = grad.as_standard_layout().into_owned();
        self.backward_in_place(grad_x.as_slice_mut().expect("standard layout"), rest);
        Ok(grad_x)
    }

    /// By value: the output is written over the input, no new array.
    fn forward_owned(&mut self, x: ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        if !x.is_standard_layout() {
            return self.forward(&x, training);
        }
        let shape = channels_view("BatchNormalization input", self.channels(), &x)?.raw_dim();
        let (mean, stddev_inv) = self.statistics(x.as_slice().expect("standard layout"), shape[2], training);
        let mut y = x;
        let x_norm = self.normalize(y.as_slice_mut().expect("standard layout"), &mean, &stddev_inv, shape[2]);
        self.cache = Some((ArrayD::from_shape_vec(shape.into_dyn(), x_norm).expect("same size"), stddev_inv));
        Ok(y)
    }

    /// By value: the input's gradient is written over `grad`, no new array.
    fn backward_owned(&mut self, grad: ArrayD<F>) -> Result<ArrayD<F>> {
        let (_, _, rest) = self.check_gradient(&grad)?;
        if !grad.is_standard_layout() {
            return self.backward(&grad);
        }
        let mut grad = grad;
        self.backward_in_place(grad.as_slice_mut().expect("standard layout"), rest);
        Ok(grad)
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        vec![("gamma", &mut self.gamma, &self.grad_gamma), ("beta", &mut self.beta, &self.grad_beta)]
    }
}

/// Per-channel values repeated over the `rest` positions of each channel:
/// one sample's worth, `C·rest` values.
fn spread<'a, F: Float>(per_channel: impl IntoIterator<Item = &'a F>, rest: usize) -> Vec<F> {
    per_channel.into_iter().flat_map(|&v| std::iter::repeat_n(v, rest)).collect()
}

/// `Σ term(k, position)` over the values `k < len` of each channel, for samples of
/// `C·rest` values: first a running sum per position (all samples, one
/// position after the other, which the processor adds in parallel), then
/// the positions of each channel.
fn channel_sums<F: Float>(len: usize, c: usize, rest: usize, term: impl Fn(usize, usize) -> F) -> Array1<F> {
    let mut at = vec![F::zero(); c * rest];
    for start in (0..len).step_by(c * rest) {
        for (i, a) in at.iter_mut().enumerate() {
            *a += term(start + i, i);
        }
    }
    at.chunks_exact(rest).map(|positions| positions.iter().fold(F::zero(), |s, &v| s + v)).collect()
}
