//! Timing for the `--bench` modes: the same convolution by loops and by
//! im2col, at the shapes that matter, with its rate in GFLOP/s.

use std::time::Instant;

use ndarray::Array4;

use crate::course::random::RandomState;
use crate::error::Result;
use crate::textbook::conv::{conv_backward, conv_forward, Hparameters};
use crate::textbook::conv2d::Conv2D;
use crate::textbook::padding::PaddingMode;

/// The median time of `f` in seconds, over repeated runs after one warm-up
/// run, repeating for about `budget` seconds (at least 3 runs).
pub fn median_seconds(mut f: impl FnMut(), budget: f64) -> f64 {
    median_seconds_interleaved(&mut [&mut f], budget)[0]
}

/// The median times of several functions run in turn, one run of each per
/// round, for about `budget` seconds: on a shared machine whose speed drifts,
/// the functions see the same conditions, so their ratios hold steady.
pub fn median_seconds_interleaved(fs: &mut [&mut dyn FnMut()], budget: f64) -> Vec<f64> {
    fs.iter_mut().for_each(|f| f());
    let mut times = vec![vec![]; fs.len()];
    let start = Instant::now();
    while times[0].len() < 3 || (start.elapsed().as_secs_f64() < budget && times[0].len() < 1000) {
        for (f, times) in fs.iter_mut().zip(&mut times) {
            let t = Instant::now();
            f();
            times.push(t.elapsed().as_secs_f64());
        }
    }
    times
        .into_iter()
        .map(|mut times| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        })
        .collect()
}

/// A convolution to time: `batch` images of `channels × size × size`,
/// `n_filters` filters of `f × f`, 'same' padding, stride 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvCase {
    /// Images.
    pub batch: usize,
    /// Input channels.
    pub channels: usize,
    /// Height and width.
    pub size: usize,
    /// Filters.
    pub n_filters: usize,
    /// Window size (odd, so that 'same' pads evenly).
    pub f: usize,
}

/// The shapes of the course: the reference network's two convolutions and
/// a CIFAR-sized one.
pub const CASES: [ConvCase; 3] = [
    ConvCase { batch: 256, channels: 1, size: 8, n_filters: 16, f: 3 },
    ConvCase { batch: 256, channels: 16, size: 8, n_filters: 32, f: 3 },
    ConvCase { batch: 8, channels: 3, size: 32, n_filters: 16, f: 3 },
];

impl ConvCase {
    /// `(8,3,32,32) → 16, 3×3`.
    pub fn label(&self) -> String {
        format!(
            "({}, {}, {}, {}) → {}, {}×{}",
            self.batch, self.channels, self.size, self.size, self.n_filters, self.f, self.f
        )
    }

    /// Multiply-adds ×2 of the forward pass: `2·batch·n_filters·size²·channels·f²`.
    pub fn forward_flops(&self) -> f64 {
        2.0 * (self.batch * self.n_filters * self.size * self.size * self.channels * self.f * self.f) as f64
    }

    /// The backward pass computes two products of the forward's size
    /// (`grad_W` and the input gradient); the bias gradient is negligible.
    pub fn backward_flops(&self) -> f64 {
        2.0 * self.forward_flops()
    }

    /// Random input (NCHW), a layer, and an upstream gradient.
    ///
    /// # Errors
    /// Never for the cases above; as [`Conv2D::initialize`] otherwise.
    pub fn setup(&self, seed: u32) -> Result<(Array4<f64>, Conv2D, Array4<f64>)> {
        let mut rng = RandomState::new(seed);
        let x = rng.randn((self.batch, self.channels, self.size, self.size));
        let layer = Conv2D::initialize(
            self.n_filters,
            self.channels,
            (self.f, self.f),
            PaddingMode::Same,
            1,
            &mut rng,
        )?;
        let dout = rng.randn((self.batch, self.n_filters, self.size, self.size));
        Ok((x, layer, dout))
    }
}

/// `work` on the two halves of the columns of `x` and `d` (one per core,
/// like the layer): the matrix product's rate on this machine.
pub fn on_two_cores<T: Send>(
    x: &ndarray::Array2<f64>,
    d: &ndarray::Array2<f64>,
    work: impl Fn(&ndarray::ArrayView2<f64>, &ndarray::ArrayView2<f64>) -> T + Sync,
) -> Vec<T> {
    let mid = x.dim().1 / 2;
    let (x1, x2) = x.view().split_at(ndarray::Axis(1), mid);
    let (d1, d2) = d.view().split_at(ndarray::Axis(1), mid);
    let (first, second) = crate::fast::parallel::join(|| work(&x1, &d1), || work(&x2, &d2));
    vec![first, second]
}

/// One row of a benchmark: what ran, how long it took, how fast that is.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// The case.
    pub case: String,
    /// `forward` or `backward`.
    pub pass: &'static str,
    /// Median seconds by loops.
    pub loops: f64,
    /// Median seconds by im2col.
    pub im2col: f64,
    /// Median seconds of the pass's plain matrix products alone, at the same sizes.
    pub matmul: f64,
    /// FLOPs of the pass.
    pub flops: f64,
}

/// Times forward and backward, loops against im2col, for `case`.
///
/// # Errors
/// As [`ConvCase::setup`].
pub fn bench_case(case: &ConvCase, budget: f64) -> Result<Vec<BenchRow>> {
    let (x, layer, dout) = case.setup(1)?;
    let hp = Hparameters { pad: case.f / 2, stride: 1 };
    let (x_nhwc, w_nb) = (x.view().permuted_axes([0, 2, 3, 1]).to_owned(), layer.w_notebook());
    let b_nb =
        layer.w0.clone().into_shape_with_order((1, 1, 1, case.n_filters)).expect("one bias per filter");
    let dz_nhwc = dout.view().permuted_axes([0, 2, 3, 1]).to_owned();
    let (_, loop_cache) = conv_forward(&x_nhwc.view(), &w_nb.view(), &b_nb.view(), hp)?;
    // Timed: the layer training uses, the textbook's fast twin.
    let layer = crate::fast::conv2d::Conv2D::<f64>::of(&layer);
    let (_, cache) = layer.forward(&x.view())?;
    let loops_forward =
        median_seconds(|| drop(conv_forward(&x_nhwc.view(), &w_nb.view(), &b_nb.view(), hp)), budget);
    let loops_backward = median_seconds(|| drop(conv_backward(&dz_nhwc.view(), &loop_cache)), budget);
    // The products on their own, at the same sizes: W_col · X_col forward;
    // δ · X_colᵀ and W_colᵀ · δ backward, each timed in turn with the pass
    // it is compared with.
    let (k, n) = (cache.params.rows(), cache.params.cols());
    let mut rng = RandomState::new(2);
    let (w_col, x_col, delta) =
        (rng.randn((case.n_filters, k)), rng.randn((k, n)), rng.randn((case.n_filters, n)));
    let forward = median_seconds_interleaved(
        &mut [&mut || drop(layer.forward(&x.view())), &mut || {
            drop(on_two_cores(&x_col, &delta, |x, _| w_col.dot(x)))
        }],
        budget,
    );
    let backward = median_seconds_interleaved(
        &mut [&mut || drop(layer.backward(&dout.view(), &cache)), &mut || {
            drop(on_two_cores(&x_col, &delta, |x, d| (d.dot(&x.t()), w_col.t().dot(d))))
        }],
        budget,
    );
    let row = |pass, loops, im2col, matmul, flops| BenchRow {
        case: case.label(),
        pass,
        loops,
        im2col,
        matmul,
        flops,
    };
    Ok(vec![
        row("forward", loops_forward, forward[0], forward[1], case.forward_flops()),
        row("backward", loops_backward, backward[0], backward[1], case.backward_flops()),
    ])
}

/// The rows as a table: time and GFLOP/s of loops, im2col and the bare
/// matrix products, im2col's share of the matrix-product rate, and its
/// speed-up. On a screen narrower than its 123 columns, two tables (times
/// and speed-up; rates), each fitted to `width`.
pub fn bench_table(rows: &[BenchRow], width: usize) -> String {
    use crate::course::show::{fit_table, table};
    let rate = |secs: f64, flops: f64| format!("{:.2}", flops / secs / 1e9);
    let ms = |secs: f64| format!("{:.2} ms", secs * 1e3);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.case.clone(),
                r.pass.to_string(),
                ms(r.loops),
                rate(r.loops, r.flops),
                ms(r.im2col),
                rate(r.im2col, r.flops),
                rate(r.matmul, r.flops),
                format!("{:.0}%", 100.0 * r.matmul / r.im2col),
                format!("{:.1}×", r.loops / r.im2col),
            ]
        })
        .collect();
    let headers =
        ["shape", "pass", "loops", "GFLOP/s", "im2col", "GFLOP/s", "matmul GFLOP/s", "of matmul", "speed-up"];
    let full = table(&headers, &cells);
    if full.lines().all(|l| l.chars().count() <= width) {
        return full;
    }
    // The columns of each table, by their place in `cells`.
    let pick = |columns: &[usize]| -> Vec<Vec<String>> {
        cells.iter().map(|row| columns.iter().map(|&c| row[c].clone()).collect()).collect()
    };
    let times = fit_table(&["shape", "pass", "loops", "im2col", "speed-up"], &pick(&[0, 1, 2, 4, 8]), width);
    let rates = fit_table(
        &["shape", "pass", "loops\nGFLOP/s", "im2col\nGFLOP/s", "matmul\nGFLOP/s", "of\nmatmul"],
        &pick(&[0, 1, 3, 5, 6, 7]),
        width,
    );
    format!("{times}\n{rates}")
}
