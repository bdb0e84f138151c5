//! Lesson 11's set-up: the flags of a training run, the network they ask
//! for, the `--bench` timing, and the digits and filters drawn as heat maps.

use std::time::Instant;

use ndarray::{s, Axis, Ix2};

use crate::course::budget::Tensor;
use crate::course::cli::Args;
use crate::course::data::{digits, one_hot, train_test_split, Dataset};
use crate::course::heatmap::{heat_map_auto, side_by_side};
use crate::course::random::RandomState;
use crate::course::show::count;
use crate::error::{Error, Result};
use crate::network::{self, Sequential};

/// Which network to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// The reference network, ML-From-Scratch's CNN example
    /// ([`network::reference`]).
    Reference,
    /// Conv → ReLU → max pool → flatten → dense → softmax.
    Small,
}

/// A training run, from the lesson's flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// `--net`.
    pub net: Net,
    /// `--epochs` (default 50).
    pub epochs: usize,
    /// `--batch-size` (default 256).
    pub batch_size: usize,
    /// `--lr` (default 0.001).
    pub learning_rate: f64,
    /// `--seed` (default 1).
    pub seed: u32,
    /// `--profile` (with `--bench`): time one more run layer by layer.
    pub profile: bool,
}

impl Default for Run {
    /// The reference run: the reference network, 50 epochs of batches of 256, Adam at 0.001, seed 1.
    fn default() -> Self {
        Run {
            net: Net::Reference,
            epochs: 50,
            batch_size: 256,
            learning_rate: 0.001,
            seed: 1,
            profile: false,
        }
    }
}

impl Run {
    /// The run the flags ask for.
    ///
    /// # Errors
    /// [`Error::Usage`] for an unknown `--net`, a batch size or a number of
    /// epochs of 0, a learning rate that is not a positive number, or a seed
    /// that does not fit in 32 bits.
    pub fn from_args(args: &Args) -> Result<Self> {
        let d = Run::default();
        let net = match args.value("--net") {
            None | Some("reference") => Net::Reference,
            Some("small") => Net::Small,
            Some(other) => {
                return Err(Error::Usage(format!("--net is '{other}'; expected reference or small")));
            }
        };
        let positive = |name: &str, default: usize| -> Result<usize> {
            match args.usize_or(name, default)? {
                0 => Err(Error::Usage(format!("{name} is 0; expected at least 1"))),
                n => Ok(n),
            }
        };
        if args.has("--profile") && !args.has("--bench") {
            return Err(Error::Usage(
                "--profile times the layers of a --bench run; add --bench, or leave --profile out".into(),
            ));
        }
        let seed = args.usize_or("--seed", d.seed as usize)?;
        let seed = u32::try_from(seed)
            .map_err(|_| Error::Usage(format!("--seed is {seed}; expected a whole number below 2^32")))?;
        Ok(Run {
            net,
            epochs: positive("--epochs", d.epochs)?,
            batch_size: positive("--batch-size", d.batch_size)?,
            learning_rate: args.positive_or("--lr", d.learning_rate)?,
            seed,
            profile: args.has("--profile"),
        })
    }

    /// Whether this is the reference network.
    pub fn is_reference(&self) -> bool {
        self.net == Net::Reference
    }

    /// Whether this is the default run, whose accuracy target the lesson checks.
    pub fn is_default(&self) -> bool {
        *self == Run::default()
    }

    /// The network, for images shaped like `data`'s, initialised from the seed.
    ///
    /// # Errors
    /// When the images are too small for the network.
    pub fn network(&self, data: &Dataset) -> Result<Sequential<f32>> {
        let (_, c, h, w) = data.images.dim();
        let input = [c, h, w];
        match self.net {
            Net::Reference => network::reference(input, 10, self.learning_rate, self.seed, true),
            Net::Small => network::small(input, 10, self.learning_rate, self.seed),
        }
    }

    /// What this run holds at once, training on `train` and predicting
    /// `test`, estimated from the image shape `(c, h, w)`, the batch size
    /// and the network, a little over rather than under:
    ///
    /// - the data: the images of both sets in f64 (the [`Dataset`]s), their
    ///   f32 copies, the one-hot labels, and one batch picked from them;
    /// - the parameters four times over, in f32: their values, their
    ///   gradients, and Adam's two moments;
    /// - one batch's activations through every layer (the effective batch:
    ///   `min(batch size, training images)`): the im2col columns of each
    ///   convolution (`batch·C·9·h·w`), and for each layer its output, its
    ///   cache (dropout's mask, batch norm's normalized input) and, on the way
    ///   back, their gradients; max pooling works in f64 (its copy of the
    ///   input, its columns, its gradient);
    /// - a prediction batch of 256 held-out images (forward only).
    pub fn memory(&self, (c, h, w): (usize, usize, usize), train: usize, test: usize) -> Vec<Tensor> {
        let batch = self.batch_size.min(train).max(1);
        let predict = test.min(256);
        let hw = h.saturating_mul(w);
        let image = [c, h, w];
        let with = |n: usize, rest: &[usize]| [&[n][..], rest].concat();
        let mut list = vec![
            Tensor::f64("training images (f64)", &with(train, &image)),
            Tensor::f64("held-out images (f64)", &with(test, &image)),
            Tensor::f32("training images (f32)", &with(train, &image)),
            Tensor::f32("held-out images (f32)", &with(test, &image)),
            Tensor::f64("one-hot labels", &[train.saturating_add(test), 10]),
            Tensor::f32("one batch of images", &with(batch, &image)),
        ];
        // Per sample: (parameters, f32 activations, f64 activations) of the
        // layers, each activation counted for its output, its cache and the
        // gradients of both.
        let (params, f32_values, f64_values) = match self.net {
            Net::Reference => {
                let dense_in = hw.saturating_mul(32);
                let params = [16 * c * 9 + 16, 32 * 16 * 9 + 32, 2 * (16 + 32 + 256), 256 * 10 + 10]
                    .into_iter()
                    .fold(dense_in.saturating_mul(256).saturating_add(256), usize::saturating_add);
                // conv → ReLU → dropout (and mask) → batch norm (and x̂): 6 maps, ×2 for gradients.
                let maps = hw.saturating_mul(16 + 32).saturating_mul(12);
                let columns = hw.saturating_mul(9 * (c + 16));
                let dense = 256 * 12 + 10 * 4;
                (params, [maps, columns, dense_in, dense].into_iter().fold(0, usize::saturating_add), 0)
            }
            Net::Small => {
                let pooled = (h / 2).saturating_mul(w / 2).saturating_mul(8);
                let params = (8 * c * 9 + 8).saturating_add(pooled.saturating_mul(10).saturating_add(10));
                // conv → ReLU: 2 maps and their gradients; the pooled output and its gradient.
                let maps = hw.saturating_mul(8 * 4);
                let columns = hw.saturating_mul(9 * c);
                let f32_values = [maps, columns, pooled.saturating_mul(2), 10 * 4];
                // Pooling in f64: the input, its columns, the output, the gradients.
                let f64_values = hw.saturating_mul(8 * 4).saturating_add(pooled.saturating_mul(2));
                (params, f32_values.into_iter().fold(0, usize::saturating_add), f64_values)
            }
        };
        list.extend([
            Tensor::f32("parameters ×4 (values, gradients, Adam's m, v)", &[4, params]),
            Tensor::f32("one batch's activations (f32)", &[batch, f32_values]),
            Tensor::f64("one batch's activations (f64)", &[batch, f64_values]),
            Tensor::f32("a prediction batch's activations", &[predict, f32_values / 2]),
        ]);
        list
    }

    /// Checks [`Run::memory`] for `train` and `test` against the memory
    /// budget, before the network is built.
    ///
    /// # Errors
    /// [`crate::Error::OverBudget`] when the run would not fit; its message
    /// names the image size and the batch size.
    pub fn check_memory(&self, train: &Dataset, test: &Dataset) -> Result<()> {
        let (_, c, h, w) = train.images.dim();
        let (n, m) = (train.labels.len(), test.labels.len());
        let what = format!("training on {h}×{w} images in batches of {}", self.batch_size.min(n));
        crate::course::budget::check(&what, &self.memory((c, h, w), n, m))
    }

    /// One sentence on the run.
    pub fn describe(&self, images: usize) -> String {
        format!(
            "{} of {} in mini-batches of {} ({} per epoch), shuffled each epoch; Adam at {}; seed {}.",
            count(self.epochs, "epoch"),
            count(images, "image"),
            self.batch_size,
            images.div_ceil(self.batch_size),
            self.learning_rate,
            self.seed
        )
    }
}

/// `--bench`: the run on the digits, `repeats` times, as a table of total
/// time, time per epoch and held-out accuracy, with the median time.
///
/// # Errors
/// As the training.
pub fn bench(run: &Run, repeats: usize, width: usize) -> Result<String> {
    let (train, test) = train_test_split(&digits()?, 0.4, 1)?;
    run.check_memory(&train, &test)?;
    let (x, y) = (network::to_input::<f32>(&train.images), one_hot(&train.labels, 10)?);
    let (xv, yv) = (network::to_input::<f32>(&test.images), one_hot(&test.labels, 10)?);
    let mut rows = vec![];
    let mut times = vec![];
    for k in 1..=repeats.max(1) {
        let mut net = run.network(&train)?;
        let start = Instant::now();
        let history = net.fit(
            (&x, &y.view()),
            (&xv, &yv.view()),
            run.epochs,
            run.batch_size,
            &mut RandomState::new(run.seed),
            |_| {},
            |_| {},
        )?;
        let seconds = start.elapsed().as_secs_f64();
        let acc = history.last().map_or(f64::NAN, |m| m.val_acc);
        times.push(seconds);
        rows.push(vec![
            k.to_string(),
            format!("{seconds:.2} s"),
            format!("{:.1} ms", 1e3 * seconds / run.epochs as f64),
            format!("{acc:.4}"),
        ]);
    }
    times.sort_by(f64::total_cmp);
    let build = if cfg!(debug_assertions) { "dev profile" } else { "release profile" };
    let median = format!(
        "median {:.2} s for {} ({build}, {} available)",
        times[times.len() / 2],
        count(run.epochs, "epoch"),
        count(std::thread::available_parallelism().map_or(1, |n| n.get()), "thread"),
    );
    let mut text = format!(
        "{}\n{}",
        crate::course::show::fit_table(&["run", "total", "per epoch", "held-out accuracy"], &rows, width),
        crate::course::output::wrap(&median, width)
    );
    if run.profile {
        let mut net = run.network(&train)?;
        net.start_profile();
        net.fit(
            (&x, &y.view()),
            (&xv, &yv.view()),
            run.epochs,
            run.batch_size,
            &mut RandomState::new(run.seed),
            |_| {},
            |_| {},
        )?;
        if let Some(profile) = net.take_profile() {
            text += &format!(
                "\n\n{}\n{}",
                crate::course::output::fill(
                    &format!(
                        "One more run, timed layer by layer ({:.2} s in all; the timing adds a little). \
                         Milliseconds per epoch, and the matrix products' rate in GFLOP/s:",
                        profile.total.as_secs_f64()
                    ),
                    width
                ),
                profile.table(width)
            );
        }
    }
    Ok(text)
}

/// Images `indices` of `data` as heat maps, captioned by `caption(i)`, as
/// many on a row as fit in `width` columns.
pub fn draw_digits(
    data: &Dataset,
    indices: &[usize],
    caption: impl Fn(usize) -> String,
    width: usize,
) -> String {
    let maps: Vec<(String, Vec<String>)> =
        indices.iter().map(|&i| (caption(i), heat_map_auto(&data.images.slice(s![i, 0, .., ..])))).collect();
    side_by_side(&maps, 2, width)
}

/// The first channel of each filter of the network's first layer, as heat
/// maps (`f0`, `f1`, …), each on its own scale, as many on a row as fit in
/// `width` columns.
pub fn draw_first_filters(net: &mut Sequential<f32>, width: usize) -> String {
    let Some(first) = net.layers.first_mut() else { return String::new() };
    let maps: Vec<(String, Vec<String>)> = first
        .params_and_grads()
        .first()
        .map(|(_, w, _)| {
            w.outer_iter()
                .enumerate()
                .filter_map(|(k, f)| {
                    let f = f.index_axis(Axis(0), 0).mapv(f64::from).into_dimensionality::<Ix2>().ok()?;
                    Some((format!("f{k}"), heat_map_auto(&f.view())))
                })
                .collect()
        })
        .unwrap_or_default();
    side_by_side(&maps, 1, width)
}

/// The feature maps of the first `layers` layers for one image `(1, c, h, w)`,
/// as many on a row as fit in `width` columns.
///
/// # Errors
/// When the image does not have the network's input shape.
pub fn draw_features(
    net: &mut Sequential<f32>,
    image: &ndarray::ArrayD<f32>,
    layers: usize,
    width: usize,
) -> Result<String> {
    let out = net.forward_through(image, layers)?;
    let maps: Vec<(String, Vec<String>)> = out
        .index_axis(Axis(0), 0)
        .outer_iter()
        .enumerate()
        .filter_map(|(k, m)| {
            let m = m.mapv(f64::from).into_dimensionality::<Ix2>().ok()?;
            Some((format!("map {k}"), heat_map_auto(&m.view())))
        })
        .collect();
    Ok(side_by_side(&maps, 2, width))
}
