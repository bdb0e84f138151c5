//! ML-From-Scratch's `NeuralNetwork`: layers added one after another,
//! trained on shuffled mini-batches with one Adam per parameter tensor, and
//! the two networks lesson 11 trains.
//!
//! The network ends in a softmax; its loss is the cross entropy of the
//! softmax, computed from the logits (the softmax's input) so that it stays
//! finite: `L = mean_batch(ln Σ_j e^z_j − Σ_j y_j z_j)`, whose gradient with
//! respect to the logits is `(softmax(z) − y) / batch`. The source reaches
//! the same `p − y` by chaining its per-element cross entropy with its
//! softmax "gradient", which is only the diagonal of the softmax's Jacobian,
//! and does not divide by the batch; Adam's steps hardly depend on that
//! scale.
//!
//! The layers work in any [`Float`]; lesson 11 trains in `f32`. Losses and
//! accuracies are computed in `f64` from the network's `(batch, 10)` output.

pub mod profile;
pub mod training;

use std::time::Instant;

use ndarray::{Array2, Array4, ArrayD, ArrayView2, Axis, IxDyn};

use crate::course::random::RandomState;
use crate::error::{tuple, Error, Result};
use crate::fast::conv2d::{Conv2D, Conv2DCache};
use crate::fast::float::Float;
use crate::fast::layers::{BatchNormalization, Dense, Dropout};
use crate::textbook::activations::Activation;
use crate::textbook::layers::{ActivationLayer, Flatten, Layer};
use crate::textbook::losses::{accuracy, softmax_cross_entropy};
use crate::textbook::optimizers::Adam;
use crate::textbook::padding::PaddingMode;
use crate::textbook::pool::PoolMode;
use crate::textbook::pool2d::{Pooling2D, Pooling2DCache};

/// [`Conv2D`] as a layer of a network: its filters and biases as
/// parameters, the input gradient skipped when it is the first layer.
#[derive(Debug, Clone)]
pub struct Conv2DLayer<F: Float = f64> {
    /// The convolution: filters, biases, padding, stride.
    pub conv: Conv2D<F>,
    /// `W` and `w0` as the optimizer sees them (kept equal to `conv`'s).
    params: [ArrayD<F>; 2],
    grads: [ArrayD<F>; 2],
    cache: Option<Conv2DCache<F>>,
    needs_input_grad: bool,
}

impl<F: Float> Conv2DLayer<F> {
    /// The layer around `conv`.
    pub fn new(conv: Conv2D<F>) -> Self {
        let params = [conv.w.clone().into_dyn(), conv.w0.clone().into_dyn()];
        let grads = [ArrayD::zeros(params[0].raw_dim()), ArrayD::zeros(params[1].raw_dim())];
        Conv2DLayer { conv, params, grads, cache: None, needs_input_grad: true }
    }

    /// `Conv2D(n_filters, filter_shape, padding, stride=1)` initialised as the
    /// source does (see [`crate::textbook::conv2d::Conv2D::initialize`]), in `F`.
    ///
    /// # Errors
    /// As [`crate::textbook::conv2d::Conv2D::new`].
    pub fn initialize(
        n_filters: usize,
        channels: usize,
        filter_shape: (usize, usize),
        mode: PaddingMode,
        rng: &mut RandomState,
    ) -> Result<Self> {
        let layer =
            crate::textbook::conv2d::Conv2D::initialize(n_filters, channels, filter_shape, mode, 1, rng)?;
        Ok(Self::new(Conv2D::of(&layer)))
    }
}

impl<F: Float> Layer<F> for Conv2DLayer<F> {
    fn name(&self) -> String {
        "Conv2D".into()
    }

    /// `n_filters·channels·fh·fw + n_filters`.
    fn parameters(&self) -> usize {
        self.conv.parameters()
    }

    fn forward(&mut self, x: &ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        self.forward_owned(x.clone(), training)
    }

    /// By value: `x` is kept for the backward pass without a copy.
    fn forward_owned(&mut self, x: ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        self.conv.w.assign(&self.params[0].view().into_dimensionality::<ndarray::Ix4>().expect("W's shape"));
        self.conv
            .w0
            .assign(&self.params[1].view().into_dimensionality::<ndarray::Ix2>().expect("w0's shape"));
        let shape = x.shape().to_vec();
        let x4 = x
            .into_dimensionality()
            .map_err(|_| Error::shape("Conv2D input", "(batch, channels, height, width)", &shape))?;
        let (y, cache) = self.conv.forward_owned(x4)?;
        self.cache = Some(cache);
        Ok(y.into_dyn())
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let cache =
            self.cache.as_ref().ok_or_else(|| Error::Usage("Conv2D: backward before forward".into()))?;
        let g4 = grad
            .view()
            .into_dimensionality()
            .map_err(|_| Error::shape("Conv2D gradient", "(batch, n_filters, out_h, out_w)", grad.shape()))?;
        let g = if self.needs_input_grad {
            self.conv.backward(&g4, cache)?
        } else {
            self.conv.backward_params(&g4, cache)?
        };
        self.grads = [g.grad_w.into_dyn(), g.grad_w0.into_dyn()];
        Ok(g.grad_input.into_dyn())
    }

    fn params_and_grads(&mut self) -> Vec<(&'static str, &mut ArrayD<F>, &ArrayD<F>)> {
        let [w, w0] = &mut self.params;
        vec![("W", w, &self.grads[0]), ("w0", w0, &self.grads[1])]
    }

    fn set_needs_input_grad(&mut self, needed: bool) {
        self.needs_input_grad = needed;
    }
}

/// Max pooling as a layer (lesson 08's [`Pooling2D`]). Pooling only
/// compares and copies, so it runs in `f64` whatever the network's type.
#[derive(Debug, Clone)]
pub struct MaxPooling2D {
    /// The window and stride.
    pub pool: Pooling2D,
    cache: Option<Pooling2DCache>,
}

impl MaxPooling2D {
    /// `MaxPooling2D(pool_shape)`, windows side by side (stride = window height).
    pub fn new(pool_shape: (usize, usize)) -> Self {
        MaxPooling2D { pool: Pooling2D::new(pool_shape, None, PoolMode::Max), cache: None }
    }
}

impl<F: Float> Layer<F> for MaxPooling2D {
    fn name(&self) -> String {
        "MaxPooling2D".into()
    }

    fn forward(&mut self, x: &ArrayD<F>, _training: bool) -> Result<ArrayD<F>> {
        let x4: Array4<f64> = x
            .mapv(F::f64)
            .into_dimensionality()
            .map_err(|_| Error::shape("MaxPooling2D input", "(batch, channels, height, width)", x.shape()))?;
        let (y, cache) = self.pool.forward(&x4.view())?;
        self.cache = Some(cache);
        Ok(y.mapv(F::of).into_dyn())
    }

    fn backward(&mut self, grad: &ArrayD<F>) -> Result<ArrayD<F>> {
        let cache = self
            .cache
            .as_ref()
            .ok_or_else(|| Error::Usage("MaxPooling2D: backward before forward".into()))?;
        let g4: Array4<f64> = grad.mapv(F::f64).into_dimensionality().map_err(|_| {
            Error::shape("MaxPooling2D gradient", "(batch, channels, out_h, out_w)", grad.shape())
        })?;
        Ok(self.pool.backward(&g4.view(), cache)?.mapv(F::of).into_dyn())
    }
}

/// Tensors with their names, e.g. `("3/W", W)`.
pub type NamedTensors<F> = Vec<(String, ArrayD<F>)>;

/// One row of [`Sequential::summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's name.
    pub name: String,
    /// Its output shape for one sample.
    pub output_shape: Vec<usize>,
    /// How many numbers it learns.
    pub parameters: usize,
}

/// Where the training is, after a batch (what [`Sequential::fit`] passes to
/// its `on_batch`, for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchDone {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Training samples done in this epoch.
    pub done: usize,
    /// Training samples in an epoch.
    pub total: usize,
    /// The mean loss of this epoch's batches so far, weighted by their size.
    pub loss: f64,
}

/// The metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochMetrics {
    /// From 1.
    pub epoch: usize,
    /// Mean loss of the training batches (in training mode, with dropout).
    pub train_loss: f64,
    /// Accuracy on the training batches, as they were seen.
    pub train_acc: f64,
    /// Loss on the held-out set (inference mode).
    pub val_loss: f64,
    /// Accuracy on the held-out set.
    pub val_acc: f64,
    /// Seconds the epoch took, the held-out evaluation included.
    pub seconds: f64,
}

/// A network: layers one after another, each with its Adam.
#[derive(Debug)]
pub struct Sequential<F: Float = f64> {
    /// The shape of one sample, `(channels, height, width)` or `(features,)`.
    pub input_shape: Vec<usize>,
    /// The layers, first to last.
    pub layers: Vec<Box<dyn Layer<F>>>,
    /// Adam's learning rate for every parameter.
    pub learning_rate: f64,
    /// One Adam per parameter tensor, in the order of the layers.
    optimizers: Vec<Adam>,
    /// Where training spends its time, while [`Sequential::start_profile`] is on.
    profile: Option<profile::Profile>,
}

impl<F: Float> Sequential<F> {
    /// An empty network for samples of `input_shape`, trained by Adam at `learning_rate`.
    pub fn new(input_shape: &[usize], learning_rate: f64) -> Self {
        Sequential {
            input_shape: input_shape.to_vec(),
            layers: vec![],
            learning_rate,
            optimizers: vec![],
            profile: None,
        }
    }

    /// Adds a layer at the end. The first layer is told that no one needs
    /// the gradient of its input.
    pub fn add(&mut self, mut layer: impl Layer<F> + 'static) -> &mut Self {
        layer.set_needs_input_grad(!self.layers.is_empty());
        self.layers.push(Box::new(layer));
        self
    }

    /// Starts timing each layer's passes ([`profile::Profile`]) from the next
    /// training run on.
    pub fn start_profile(&mut self) {
        self.profile = Some(profile::Profile::default());
    }

    /// The times gathered since [`start_profile`](Self::start_profile).
    pub fn take_profile(&mut self) -> Option<profile::Profile> {
        self.profile.take()
    }

    /// Every layer's parameters, summed.
    pub fn parameters(&self) -> usize {
        self.layers.iter().map(|l| l.parameters()).sum()
    }

    /// The source's `summary()`: each layer's name, output shape for one
    /// sample, and parameters (found by passing one sample of zeros through
    /// the network in inference mode).
    ///
    /// # Errors
    /// When a layer does not accept its input's shape.
    pub fn summary(&mut self) -> Result<Vec<SummaryRow>> {
        let mut shape = vec![1];
        shape.extend(&self.input_shape);
        let mut x = ArrayD::zeros(IxDyn(&shape));
        let mut rows = vec![];
        for layer in &mut self.layers {
            x = layer.forward_owned(x, false)?;
            let output_shape = x.shape()[1..].to_vec();
            rows.push(SummaryRow { name: layer.name(), output_shape, parameters: layer.parameters() });
        }
        Ok(rows)
    }

    /// Whether the last layer is a softmax (then the loss is taken from its input).
    fn ends_in_softmax(&self) -> bool {
        let softmax = Layer::<F>::name(&ActivationLayer::<F>::new(Activation::Softmax));
        self.layers.last().is_some_and(|l| l.name() == softmax)
    }

    /// The logits: every layer but the final softmax, each given the
    /// previous one's output by value.
    fn logits(&mut self, mut x: ArrayD<F>, training: bool) -> Result<ArrayD<F>> {
        let n = self.layers.len() - usize::from(self.ends_in_softmax());
        for (k, layer) in self.layers[..n].iter_mut().enumerate() {
            let start = Instant::now();
            x = layer.forward_owned(x, training)?;
            if training && let Some(p) = &mut self.profile {
                let elapsed = start.elapsed();
                let weights =
                    layer.params_and_grads().first().map(|(_, w, _)| w.shape().to_vec()).unwrap_or_default();
                let flops = profile::forward_flops(&weights, x.shape());
                let times = p.layer(k, || layer.name());
                times.forward += elapsed;
                times.forward_flops += flops;
                times.backward_flops += if k == 0 { flops } else { 2.0 * flops };
            }
        }
        Ok(x)
    }

    /// Checks a batch `x (batch, …input_shape)` against one-hot `y (batch, classes)`.
    fn check_batch(&self, x: &ArrayD<F>, y: &ArrayView2<f64>) -> Result<()> {
        if x.ndim() != self.input_shape.len() + 1 || x.shape()[1..] != self.input_shape[..] {
            let expected = format!(
                "(batch, {})",
                self.input_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
            );
            return Err(Error::shape("x", expected, x.shape()));
        }
        if y.nrows() != x.shape()[0] {
            return Err(Error::shape(
                "y",
                format!("({}, classes): one label per sample of x {}", x.shape()[0], tuple(x.shape())),
                y.shape(),
            ));
        }
        if !self.ends_in_softmax() {
            return Err(Error::Usage("the network must end in a softmax layer".into()));
        }
        Ok(())
    }

    /// The logits for `x` in inference mode, `batch_size` samples at a time, in `f64`.
    fn logits_in_batches(&mut self, x: &ArrayD<F>, batch_size: usize) -> Result<Array2<f64>> {
        let mut parts = vec![];
        for start in (0..x.shape()[0]).step_by(batch_size.max(1)) {
            let end = (start + batch_size.max(1)).min(x.shape()[0]);
            let z = self.logits(x.slice_axis(Axis(0), (start..end).into()).to_owned(), false)?;
            let z: Array2<f64> = z
                .mapv(F::f64)
                .into_dimensionality()
                .map_err(|_| Error::shape("the network's output", "(batch, classes)", z.shape()))?;
            parts.push(z);
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(0), &views).map_err(|_| Error::shape("x", "at least one sample", x.shape()))
    }

    /// The class probabilities for `x`, in inference mode, `batch_size` samples at a time.
    ///
    /// # Errors
    /// When `x` does not have the input shape.
    pub fn predict(&mut self, x: &ArrayD<F>, batch_size: usize) -> Result<Array2<f64>> {
        Ok(Activation::Softmax.forward(&self.logits_in_batches(x, batch_size)?.view()))
    }

    /// Loss and accuracy on `x` against one-hot `y`, in inference mode.
    ///
    /// # Errors
    /// When `x` or `y` has the wrong shape.
    pub fn evaluate(&mut self, x: &ArrayD<F>, y: &ArrayView2<f64>, batch_size: usize) -> Result<(f64, f64)> {
        self.check_batch(x, y)?;
        let z = self.logits_in_batches(x, batch_size)?;
        let loss = softmax_cross_entropy(y, &z.view())?.mean().unwrap_or(f64::NAN);
        Ok((loss, accuracy(y, &z.view())?))
    }

    /// One step of training on a batch: forward (training mode), the loss
    /// and its gradient `(softmax(z) − y)/batch`, backward, and one Adam
    /// step for every parameter. Returns the batch's loss and accuracy.
    ///
    /// # Errors
    /// When `x` or `y` has the wrong shape.
    pub fn train_on_batch(&mut self, x: &ArrayD<F>, y: &ArrayView2<f64>) -> Result<(f64, f64)> {
        self.check_batch(x, y)?;
        self.train_step(x.clone(), y)
    }

    /// [`train_on_batch`](Self::train_on_batch) for a checked batch `x`
    /// that it may consume (no copy).
    fn train_step(&mut self, x: ArrayD<F>, y: &ArrayView2<f64>) -> Result<(f64, f64)> {
        let (loss, acc, grad) = self.loss_and_gradient(x, y)?;
        self.backward(grad)?;
        self.update();
        Ok((loss, acc))
    }

    /// Forward in training mode; the mean loss, the accuracy and the gradient of the loss
    /// with respect to the logits.
    fn loss_and_gradient(&mut self, x: ArrayD<F>, y: &ArrayView2<f64>) -> Result<(f64, f64, ArrayD<F>)> {
        let z = self.logits(x, true)?;
        let start = Instant::now();
        let z: Array2<f64> = z
            .mapv(F::f64)
            .into_dimensionality()
            .map_err(|_| Error::shape("the network's output", "(batch, classes)", z.shape()))?;
        let batch = y.nrows() as f64;
        let loss = softmax_cross_entropy(y, &z.view())?.sum() / batch;
        let acc = accuracy(y, &z.view())?;
        let grad = (Activation::Softmax.forward(&z.view()) - y) / batch;
        let grad = grad.mapv(F::of).into_dyn();
        if let Some(p) = &mut self.profile {
            p.loss += start.elapsed();
        }
        Ok((loss, acc, grad))
    }

    /// Back through every layer but the final softmax, from the gradient of
    /// the loss with respect to the logits, each layer given the next one's
    /// gradient by value.
    fn backward(&mut self, mut g: ArrayD<F>) -> Result<()> {
        let n = self.layers.len() - usize::from(self.ends_in_softmax());
        for (k, layer) in self.layers[..n].iter_mut().enumerate().rev() {
            let start = Instant::now();
            g = layer.backward_owned(g)?;
            if let Some(p) = &mut self.profile {
                p.layer(k, || layer.name()).backward += start.elapsed();
            }
        }
        Ok(())
    }

    /// One Adam step for each parameter tensor, each with its own Adam.
    fn update(&mut self) {
        let lr = self.learning_rate;
        let mut k = 0;
        for (n, layer) in self.layers.iter_mut().enumerate() {
            let start = Instant::now();
            let name = layer.name();
            for (_, w, grad) in layer.params_and_grads() {
                if self.optimizers.len() == k {
                    self.optimizers.push(Adam { learning_rate: lr, ..Adam::default() });
                }
                self.optimizers[k].step(w, &grad.view());
                k += 1;
            }
            if let Some(p) = &mut self.profile {
                p.layer(n, || name).update += start.elapsed();
            }
        }
    }

    /// The loss of a batch in training mode (batch statistics, dropout), with
    /// no backward pass: the function a gradient check differentiates.
    ///
    /// # Errors
    /// When `x` or `y` has the wrong shape.
    pub fn training_loss(&mut self, x: &ArrayD<F>, y: &ArrayView2<f64>) -> Result<f64> {
        self.check_batch(x, y)?;
        Ok(self.loss_and_gradient(x.clone(), y)?.0)
    }

    /// The loss of a batch in training mode and its gradient with respect to every
    /// parameter, by name `layer index/parameter` (for gradient checks; no update).
    ///
    /// # Errors
    /// When `x` or `y` has the wrong shape.
    pub fn loss_and_parameter_gradients(
        &mut self,
        x: &ArrayD<F>,
        y: &ArrayView2<f64>,
    ) -> Result<(f64, NamedTensors<F>)> {
        self.check_batch(x, y)?;
        let (loss, _, grad) = self.loss_and_gradient(x.clone(), y)?;
        self.backward(grad)?;
        let mut grads = vec![];
        for (i, layer) in self.layers.iter_mut().enumerate() {
            for (name, _, g) in layer.params_and_grads() {
                grads.push((format!("{i}/{name}"), g.clone()));
            }
        }
        Ok((loss, grads))
    }

    /// Training: `epochs` passes over `(x, y)` in shuffled mini-batches of
    /// `batch_size` (the order drawn from `rng`, as the source's
    /// `batch_iterator` after `shuffle_data`), each followed by an
    /// evaluation on `(x_val, y_val)`. `on_batch` is called after each batch
    /// (with the epoch, the samples done and the running loss), `on_epoch`
    /// after each epoch.
    ///
    /// # Errors
    /// When a shape is wrong, or `batch_size` is 0; [`Error::Diverged`] as
    /// soon as a batch's loss, or the held-out loss after an epoch, is NaN or
    /// infinite (the parameters are then no longer worth keeping).
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        &mut self,
        (x, y): (&ArrayD<F>, &ArrayView2<f64>),
        (x_val, y_val): (&ArrayD<F>, &ArrayView2<f64>),
        epochs: usize,
        batch_size: usize,
        rng: &mut RandomState,
        mut on_batch: impl FnMut(&BatchDone),
        mut on_epoch: impl FnMut(&EpochMetrics),
    ) -> Result<Vec<EpochMetrics>> {
        if batch_size == 0 {
            return Err(Error::parameter("batch size", "is 0; expected at least 1 sample per batch"));
        }
        self.check_batch(x, y)?;
        self.check_batch(x_val, y_val)?;
        let n = x.shape()[0];
        let mut history = vec![];
        let run = Instant::now();
        for epoch in 1..=epochs {
            let start = Instant::now();
            let order = rng.permutation(n);
            let (mut loss, mut hits) = (0.0, 0.0);
            for (b, batch) in order.chunks(batch_size).enumerate() {
                let cut = Instant::now();
                let (xb, yb) = (x.select(Axis(0), batch), y.select(Axis(0), batch));
                if let Some(p) = &mut self.profile {
                    p.batching += cut.elapsed();
                }
                self.check_batch(&xb, &yb.view())?;
                let (l, a) = self.train_step(xb, &yb.view())?;
                if !l.is_finite() {
                    return Err(Error::Diverged { epoch, batch: Some(b + 1), loss: l });
                }
                loss += l * batch.len() as f64;
                hits += a * batch.len() as f64;
                let done = ((b + 1) * batch_size).min(n);
                on_batch(&BatchDone { epoch, done, total: n, loss: loss / done as f64 });
            }
            let evaluation = Instant::now();
            let (val_loss, val_acc) = self.evaluate(x_val, y_val, 256)?;
            if let Some(p) = &mut self.profile {
                p.evaluation += evaluation.elapsed();
                p.epochs += 1;
                p.total = run.elapsed();
            }
            if !val_loss.is_finite() {
                // The last update made a parameter NaN or infinite.
                return Err(Error::Diverged { epoch, batch: None, loss: val_loss });
            }
            let m = EpochMetrics {
                epoch,
                train_loss: loss / n as f64,
                train_acc: hits / n as f64,
                val_loss,
                val_acc,
                seconds: start.elapsed().as_secs_f64(),
            };
            on_epoch(&m);
            history.push(m);
        }
        Ok(history)
    }
}

impl<F: Float> Sequential<F> {
    /// The output of the first `n` layers for `x`, in inference mode.
    ///
    /// # Errors
    /// When `x` does not have the input shape.
    pub fn forward_through(&mut self, x: &ArrayD<F>, n: usize) -> Result<ArrayD<F>> {
        let mut x = x.clone();
        for layer in self.layers.iter_mut().take(n) {
            x = layer.forward_owned(x, false)?;
        }
        Ok(x)
    }

    /// Every parameter tensor, named `layerNN_Layer_param` (for `--save`).
    pub fn named_parameters(&mut self) -> NamedTensors<F> {
        let mut out = vec![];
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let name = layer.name().replace([' ', '(', ')'], "");
            for (param, w, _) in layer.params_and_grads() {
                out.push((format!("layer{i:02}_{name}_{param}"), w.clone()));
            }
        }
        out
    }
}

impl EpochMetrics {
    /// The header of [`EpochMetrics::row`], one line 67 columns wide.
    pub const HEADER: &'static str = "epoch  train loss  train acc  held-out loss  held-out acc  time (s)";

    /// The header of the narrow rows, two lines 51 columns wide: for a
    /// screen narrower than [`EpochMetrics::HEADER`].
    pub const NARROW_HEADER: &'static str =
        "       train    train  held-out  held-out    time\nepoch   loss      acc      loss       acc     (s)";

    /// The header for a screen `width` columns wide: [`EpochMetrics::HEADER`]
    /// if it fits, else [`EpochMetrics::NARROW_HEADER`].
    pub fn header(width: usize) -> &'static str {
        if Self::HEADER.len() <= width {
            Self::HEADER
        } else {
            Self::NARROW_HEADER
        }
    }

    /// One line per epoch, under [`EpochMetrics::header`] for the same width.
    pub fn row(&self, width: usize) -> String {
        let (epoch, loss, acc, val_loss, val_acc, seconds) =
            (self.epoch, self.train_loss, self.train_acc, self.val_loss, self.val_acc, self.seconds);
        if Self::HEADER.len() <= width {
            format!("{epoch:>5}  {loss:>10.4}  {acc:>9.4}  {val_loss:>13.4}  {val_acc:>12.4}  {seconds:>8.2}")
        } else {
            format!("{epoch:>5}  {loss:>7.4}  {acc:>7.4}  {val_loss:>8.4}  {val_acc:>8.4}  {seconds:>6.2}")
        }
    }
}

/// The metrics as CSV, one row per epoch, with a header.
pub fn metrics_csv(history: &[EpochMetrics]) -> String {
    let mut s = String::from("epoch,train_loss,train_acc,val_loss,val_acc,seconds\n");
    for m in history {
        s += &format!(
            "{},{},{},{},{},{}\n",
            m.epoch, m.train_loss, m.train_acc, m.val_loss, m.val_acc, m.seconds
        );
    }
    s
}

/// The summary as a table: layer, output shape, parameters, and the total;
/// fitted to `width` columns ([`fit_table`](crate::course::show::fit_table)).
pub fn summary_table(input_shape: &[usize], rows: &[SummaryRow], width: usize) -> String {
    let mut cells = vec![vec!["Input".to_string(), tuple(input_shape), String::new()]];
    for r in rows {
        cells.push(vec![r.name.clone(), tuple(&r.output_shape), r.parameters.to_string()]);
    }
    let total: usize = rows.iter().map(|r| r.parameters).sum();
    cells.push(vec!["Total".into(), String::new(), total.to_string()]);
    crate::course::show::fit_table(&["Layer Type", "Output Shape", "Parameters"], &cells, width)
}

/// The reference network (ML-From-Scratch's CNN example,
/// [`reference::ml_from_scratch::cnn`](crate::reference::ml_from_scratch::cnn))
/// for `channels × height × width`
/// images and `classes` classes:
/// Conv2D 16 3×3 'same' → ReLU → Dropout 0.25 → BatchNorm → Conv2D 32 3×3
/// 'same' → ReLU → Dropout 0.25 → BatchNorm → Flatten → Dense 256 → ReLU →
/// Dropout 0.4 → BatchNorm → Dense 10 → Softmax, with Adam at `learning_rate`.
/// Weights are drawn from `RandomState::new(seed)`, each dropout layer's masks
/// from its own seed; `dropout: false` leaves the dropout layers out (for
/// gradient checks, which need the same function at every call).
///
/// # Errors
/// Never for images of at least 1×1.
pub fn reference<F: Float>(
    input: [usize; 3],
    classes: usize,
    learning_rate: f64,
    seed: u32,
    dropout: bool,
) -> Result<Sequential<F>> {
    let [c, h, w] = input;
    let mut rng = RandomState::new(seed);
    let mut net = Sequential::new(&input, learning_rate);
    let drop = |p: f64, k: u32| Dropout::new(p, seed.wrapping_add(k));
    net.add(Conv2DLayer::initialize(16, c, (3, 3), PaddingMode::Same, &mut rng)?);
    net.add(ActivationLayer::new(Activation::ReLU));
    if dropout {
        net.add(drop(0.25, 1)?);
    }
    net.add(BatchNormalization::new(16));
    net.add(Conv2DLayer::initialize(32, 16, (3, 3), PaddingMode::Same, &mut rng)?);
    net.add(ActivationLayer::new(Activation::ReLU));
    if dropout {
        net.add(drop(0.25, 2)?);
    }
    net.add(BatchNormalization::new(32));
    net.add(Flatten::default());
    net.add(Dense::new(32 * h * w, 256, &mut rng));
    net.add(ActivationLayer::new(Activation::ReLU));
    if dropout {
        net.add(drop(0.4, 3)?);
    }
    net.add(BatchNormalization::new(256));
    net.add(Dense::new(256, classes, &mut rng));
    net.add(ActivationLayer::new(Activation::Softmax));
    Ok(net)
}

/// A small network that trains pooling too: Conv2D 8 3×3 'same' → ReLU →
/// MaxPooling2D 2×2 → Flatten → Dense `classes` → Softmax.
///
/// # Errors
/// Never for images of at least 2×2.
pub fn small<F: Float>(
    input: [usize; 3],
    classes: usize,
    learning_rate: f64,
    seed: u32,
) -> Result<Sequential<F>> {
    let [c, h, w] = input;
    let mut rng = RandomState::new(seed);
    let mut net = Sequential::new(&input, learning_rate);
    net.add(Conv2DLayer::initialize(8, c, (3, 3), PaddingMode::Same, &mut rng)?);
    net.add(ActivationLayer::new(Activation::ReLU));
    net.add(MaxPooling2D::new((2, 2)));
    net.add(Flatten::default());
    net.add(Dense::new(8 * (h / 2) * (w / 2), classes, &mut rng));
    net.add(ActivationLayer::new(Activation::Softmax));
    Ok(net)
}

/// The source's parameter count for the reference network, whose batch
/// normalization keeps `γ` and `β` for every `(C, H, W)` element: for
/// 1×8×8 digits, the "Total Parameters" of its summary
/// ([`TOTAL_PARAMETERS`](crate::reference::ml_from_scratch::cnn::TOTAL_PARAMETERS)).
/// The network built here normalizes per channel.
pub fn source_parameter_count(input: [usize; 3], classes: usize) -> usize {
    let [c, h, w] = input;
    let conv1 = 16 * c * 9 + 16;
    let conv2 = 32 * 16 * 9 + 32;
    let dense1 = 32 * h * w * 256 + 256;
    let dense2 = 256 * classes + classes;
    let batch_norms = 2 * (16 * h * w + 32 * h * w + 256);
    conv1 + conv2 + dense1 + dense2 + batch_norms
}

/// Images as the network's input type, with a check of their shape.
///
/// # Errors
/// [`Error::Shape`] unless `images` is `(n, channels, height, width)`.
pub fn to_input<F: Float>(images: &Array4<f64>) -> ArrayD<F> {
    images.mapv(F::of).into_dyn()
}
