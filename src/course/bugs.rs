//! Break it: `--bug NAME` runs a lesson with a classic mistake made on
//! purpose, so that a student sees which of the lesson's own checks catch it
//! and by how much.
//!
//! The textbook functions stay correct and readable: each mistake lives
//! here, as a buggy twin that says what it gets wrong, built from the
//! textbook's own pieces (so the twin differs from the right code in the
//! mistake only). A lesson calls the twins below with [`Lesson::bug`]; with
//! no `--bug`, or another lesson's, each twin is the textbook function.
//! Which lessons take which bugs, with their symptoms, is
//! [`LessonInfo::bugs`](crate::course::registry::LessonInfo::bugs).
//!
//! A new bug is a variant of [`Bug`], a twin here that the lesson calls,
//! and an entry in its lesson's `bugs`: `--bug`, `--bug list`, `--help` and
//! `tests/bugs.rs` take it from there.

use ndarray::{Array2, Array4, ArrayD, ArrayView2, ArrayView3, ArrayView4, ArrayViewD, Axis, Zip};

use crate::course::lesson::Lesson;
use crate::error::Result;
use crate::textbook::conv::{self, ConvCache, ConvGrads};
use crate::textbook::im2col::{self, Im2colParams};
use crate::textbook::layers::{BatchNormalization, Layer};
use crate::textbook::optimizers::{self, Adam, Hyperparameter, Optimizer};
use crate::textbook::padding::Padding2D;
use crate::textbook::pool::{self, create_mask_from_window, PoolCache, PoolMode};
use crate::textbook::sensitivity::{cross_correlate_each, ConvLayer, SensitivitySteps};

/// A classic mistake a lesson can be run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    /// `np.sum(a_slice_prev * W + b)`: the bias added to every product.
    BiasInsideSum,
    /// The backward pass cross-correlates with the filters as they are.
    UnrotatedFilter,
    /// `dA_prev` returned with the forward pass's padding still around it.
    UncroppedPadding,
    /// Max-pool backward sends the gradient to every tied maximum.
    EveryTiedMax,
    /// Average-pool backward copies `dA` into every cell instead of `dA / f²`.
    UndividedAverage,
    /// im2col's columns in the order (image, window) instead of (window, image).
    Im2colOrder,
    /// BatchNormalization at test time normalizes the batch by its own mean
    /// and variance instead of `running_mean` and `running_var`.
    NoRunningAverages,
    /// Adam with `m_hat = m` and `v_hat = v`: no bias correction.
    NoBiasCorrection,
}

/// One bug of a lesson, as `--bug list` and `--help` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BugInfo {
    /// What `--bug` takes: `bias-inside-sum`.
    pub name: &'static str,
    /// The mistake.
    pub bug: Bug,
    /// The mistake and what it does, in one line.
    pub symptom: &'static str,
}

impl Lesson {
    /// The mistake this run makes on purpose (`--bug NAME`), if any.
    pub fn bug(&self) -> Option<Bug> {
        let name = self.args.value("--bug")?;
        self.info.bugs.iter().find(|b| b.name == name).map(|b| b.bug)
    }
}

/// The notebook's `conv_single_step`; with [`Bug::BiasInsideSum`],
/// `Σ (a_slice_prev ⊙ W + b)`: `b` counted once per element.
pub fn conv_single_step(
    bug: Option<Bug>,
    a_slice_prev: &ArrayView3<f64>,
    w: &ArrayView3<f64>,
    b: f64,
) -> f64 {
    match bug {
        Some(Bug::BiasInsideSum) => Zip::from(a_slice_prev).and(w).fold(0.0, |sum, a, w| sum + (a * w + b)),
        _ => conv::conv_single_step(a_slice_prev, w, b),
    }
}

/// The notebook's `conv_backward`; with [`Bug::UncroppedPadding`], its
/// `dA_prev` is `dA_prev_pad`, padding and all.
///
/// # Errors
/// As [`conv::conv_backward`].
pub fn conv_backward(bug: Option<Bug>, dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    match bug {
        Some(Bug::UncroppedPadding) => conv::conv_backward_padded(dz, cache),
        _ => conv::conv_backward(dz, cache),
    }
}

/// Seed 004's backward pass by sensitivity maps; with
/// [`Bug::UnrotatedFilter`], step 3 cross-correlates with the filters as
/// they are, not turned by 180°.
///
/// # Errors
/// As [`ConvLayer::backward`].
pub fn sensitivity_backward(
    bug: Option<Bug>,
    layer: &ConvLayer,
    input: &ArrayView3<f64>,
    sensitivity: &ArrayView3<f64>,
) -> Result<SensitivitySteps> {
    let mut steps = layer.backward(input, sensitivity)?;
    if bug == Some(Bug::UnrotatedFilter) {
        steps.flipped = layer.weights.clone();
        steps.delta_per_filter = cross_correlate_each(&steps.padded.view(), &steps.flipped.view());
        steps.delta_array = steps.delta_per_filter.sum_axis(Axis(0));
    }
    Ok(steps)
}

/// The notebook's `pool_backward`; with [`Bug::EveryTiedMax`], max mode
/// sends the gradient to every cell equal to the maximum (the notebook's
/// mask `x == np.max(x)` used as is); with [`Bug::UndividedAverage`],
/// average mode copies `dA` into every cell of its window.
///
/// # Errors
/// As [`pool::pool_backward`].
pub fn pool_backward(
    bug: Option<Bug>,
    da: &ArrayView4<f64>,
    cache: &PoolCache,
    mode: PoolMode,
) -> Result<Array4<f64>> {
    let every =
        |window: &ArrayView2<f64>, dz: f64| create_mask_from_window(window).mapv(|m| f64::from(m) * dz);
    let copy = |window: &ArrayView2<f64>, dz: f64| Array2::from_elem(window.raw_dim(), dz);
    match (bug, mode) {
        (Some(Bug::EveryTiedMax), PoolMode::Max) => pool::pool_backward_by(da, cache, every),
        (Some(Bug::UndividedAverage), PoolMode::Average) => pool::pool_backward_by(da, cache, copy),
        _ => pool::pool_backward(da, cache, mode),
    }
}

/// ML-From-Scratch's `image_to_column`; with [`Bug::Im2colOrder`], its
/// columns in the order (image, output row, output column): the
/// `transpose(1, 2, 0)` before the reshape written as `transpose(1, 0, 2)`.
///
/// # Errors
/// As [`im2col::image_to_column`].
pub fn image_to_column(
    bug: Option<Bug>,
    images: &ArrayView4<f64>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<f64>> {
    let cols = im2col::image_to_column(images, filter_shape, stride, padding)?;
    if bug != Some(Bug::Im2colOrder) {
        return Ok(cols);
    }
    let p = Im2colParams::new(images.shape(), filter_shape, padding, stride)?;
    let windows = p.cols() / p.batch;
    // Column q holds window q % windows of image q / windows.
    Ok(Array2::from_shape_fn(cols.dim(), |(r, q)| cols[[r, (q % windows) * p.batch + q / windows]]))
}

/// BatchNormalization's forward pass; with [`Bug::NoRunningAverages`], at
/// test time (`training = false`) it normalizes `x` by `x`'s own mean and
/// variance, as in training, so each output channel has mean 0 whatever the
/// input, and an image's output depends on the images beside it. The
/// running averages are left as they were (a copy of the layer is run).
///
/// # Errors
/// As [`Layer::forward`].
pub fn batch_norm_forward(
    bug: Option<Bug>,
    bn: &mut BatchNormalization,
    x: &ArrayD<f64>,
    training: bool,
) -> Result<ArrayD<f64>> {
    match bug {
        Some(Bug::NoRunningAverages) if !training => bn.clone().forward(x, true),
        _ => bn.forward(x, training),
    }
}

/// The source's six optimizers with its defaults
/// ([`optimizers::all_with_defaults`]); with [`Bug::NoBiasCorrection`],
/// Adam is [`AdamWithoutBiasCorrection`].
pub fn all_with_defaults(bug: Option<Bug>) -> Vec<Box<dyn Optimizer>> {
    let mut all = optimizers::all_with_defaults();
    if bug == Some(Bug::NoBiasCorrection) {
        for optimizer in all.iter_mut().filter(|o| o.class() == "Adam") {
            *optimizer = Box::new(AdamWithoutBiasCorrection(Adam::default()));
        }
    }
    all
}

/// Adam's rule with no bias correction.
const ADAM_RULE_WITHOUT_CORRECTION: &[&str] = &[
    "m = b1·m + (1 − b1)·grad",
    "v = b2·v + (1 − b2)·grad²",
    "m_hat = m",
    "v_hat = v",
    "w = w − learning_rate·m_hat / (√v_hat + eps)",
];

/// Adam with [`Bug::NoBiasCorrection`]: `m_hat = m`, `v_hat = v`. Both
/// averages start at 0, so early on they are far too small: at step 1
/// `m = (1 − b1)·grad` and `√v = √(1 − b2)·|grad|`, and the step is
/// `(1 − b1)/√(1 − b2)` ≈ 3.16 learning rates instead of one.
///
/// Written out plainly, with the textbook [`Adam`]'s hyperparameters and
/// state; the only difference from Adam is the missing division by
/// `1 − b1ᵗ` and `1 − b2ᵗ`.
#[derive(Debug, Clone)]
pub struct AdamWithoutBiasCorrection(pub Adam);

impl Optimizer for AdamWithoutBiasCorrection {
    fn name(&self) -> String {
        self.0.name()
    }

    fn update(&mut self, w: &mut ArrayD<f64>, grad_at: &mut dyn FnMut(&ArrayViewD<f64>) -> ArrayD<f64>) {
        let Adam { learning_rate, b1, b2, eps, .. } = self.0;
        let grad = grad_at(&w.view());
        let m = self.0.m.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()));
        *m = &*m * b1 + &grad * (1.0 - b1);
        let v = self.0.v.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()));
        *v = &*v * b2 + grad.mapv(|g| g * g) * (1.0 - b2);
        // The mistake: m_hat = m and v_hat = v, not m / (1 − b1ᵗ) and v / (1 − b2ᵗ).
        let (m_hat, v_hat) = (&*m, &*v);
        *w -= &(m_hat * learning_rate / (v_hat.mapv(f64::sqrt) + eps));
    }

    fn fresh(&self) -> Box<dyn Optimizer> {
        Box::new(AdamWithoutBiasCorrection(Adam { m: None, v: None, t: 0, ..self.0 }))
    }

    fn class(&self) -> &'static str {
        self.0.class()
    }

    fn rule(&self) -> &'static [&'static str] {
        ADAM_RULE_WITHOUT_CORRECTION
    }

    fn hyperparameters(&self) -> Vec<Hyperparameter> {
        self.0.hyperparameters()
    }
}

/// What `--bug list` prints: each bug of the lesson and its symptom.
pub fn list(bugs: &[BugInfo]) -> String {
    bugs.iter().map(|b| format!("{}\n    {}\n", b.name, b.symptom)).collect()
}
