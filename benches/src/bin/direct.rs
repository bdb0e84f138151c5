//! The direct kernels of `cnn_walkthrough::fast::direct` against the im2col
//! products they replace, on one thread, at lesson 11's second convolution
//! (256 images of 16 channels, 8×8, 32 filters of 3×3, 'same', f32):
//! - forward: `Direct::correlate` on the padded images, against im2col and
//!   `W_col · X_col` (matrixmultiply);
//! - grad X: `Direct::correlate` on the padded `δ` with the turned filters,
//!   against `W_colᵀ · δ` and col2im;
//! - grad W: `filter_gradient`, against im2col and `δ · X_colᵀ`.
//!
//! Each round runs every candidate once, in turn; the table gives each
//! one's median time and rate. Pin it to one core to compare single threads:
//! `taskset -c 0 cargo run --release -p cnn-walkthrough-benches --bin direct`
//! (the kernels and products here never split; only the course's layers do).

use cnn_walkthrough::course::bench::median_seconds_interleaved;
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::fast::direct::{available, filter_gradient, Direct};
use cnn_walkthrough::fast::im2col::{column_to_image_by_image, image_to_column_by_image};
use cnn_walkthrough::textbook::padding::Padding2D;
use ndarray::{Array2, Array4, ArrayView4};

/// `(batch, channels, h, w)`, filters.
const X: (usize, usize, usize, usize) = (256, 16, 8, 8);
const FILTERS: usize = 32;

/// `images` padded by one on every side, as one plain vector.
fn padded(images: &ArrayView4<f32>) -> Vec<f32> {
    let (n, c, h, w) = images.dim();
    let mut out = Array4::<f32>::zeros((n, c, h + 2, w + 2));
    out.slice_mut(ndarray::s![.., .., 1..=h, 1..=w]).assign(images);
    out.into_raw_vec_and_offset().0
}

fn main() {
    if !available() {
        println!("This processor has no AVX2 and FMA: the course runs the im2col products here.");
        return;
    }
    let (n, c, h, w) = X;
    let (same, f) = (Padding2D::uniform(1), FILTERS);
    let mut rng = RandomState::new(1);
    let x = rng.randn((n, c, h, w)).mapv(|v| v as f32);
    let weights = rng.randn((f, c, 3, 3)).mapv(|v| v as f32);
    let delta = rng.randn((n, f, h, w)).mapv(|v| v as f32);
    let w_col = weights.to_shape((f, c * 9)).unwrap().to_owned();
    let turned = Array4::from_shape_fn((c, f, 3, 3), |(c, k, i, j)| weights[[k, c, 2 - i, 2 - j]]);
    let forward = Direct::new(weights.as_slice().unwrap(), (f, c, 3, 3), (h + 2, w + 2)).unwrap();
    let backward = Direct::new(turned.as_slice().unwrap(), (c, f, 3, 3), (h + 2, w + 2)).unwrap();
    // δ as (n_filters, images·positions), the columns' order.
    let delta_cols = delta.view().permuted_axes([1, 0, 2, 3]).to_shape((f, n * h * w)).unwrap().to_owned();
    let flops = 2.0 * (n * f * c * 9 * h * w) as f64;
    let (mut y, mut gx) = (vec![0f32; n * f * h * w], vec![0f32; n * c * h * w]);
    let (mut y_cols, mut gx_cols) = (Array2::zeros((f, n * h * w)), Array4::zeros((n, c, h, w)));
    let (mut gw, mut gw_cols) = (vec![], Array2::zeros((f, c * 9)));
    let times = median_seconds_interleaved(
        &mut [
            &mut || forward.correlate(&padded(&x.view()), &vec![0.0; f], &mut y),
            &mut || {
                let cols = image_to_column_by_image(&x.view(), (3, 3), 1, same).unwrap();
                y_cols = w_col.dot(&cols);
            },
            &mut || backward.correlate(&padded(&delta.view()), &vec![0.0; c], &mut gx),
            &mut || {
                let grad_cols = w_col.t().dot(&delta_cols);
                gx_cols =
                    column_to_image_by_image(&grad_cols.view(), &[n, c, h, w], (3, 3), 1, same).unwrap();
            },
            &mut || {
                gw = filter_gradient(
                    &padded(&x.view()),
                    delta.as_slice().unwrap(),
                    (f, c, 3, 3),
                    (h + 2, w + 2),
                )
                .unwrap();
            },
            &mut || {
                let cols = image_to_column_by_image(&x.view(), (3, 3), 1, same).unwrap();
                gw_cols = delta_cols.dot(&cols.t());
            },
        ],
        3.0,
    );
    // The two ways agree (to f32's rounding of sums of 144 or 16384 terms).
    let differs = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    let y_by_image =
        y_cols.to_shape((f, n, h * w)).unwrap().permuted_axes([1, 0, 2]).iter().copied().collect::<Vec<_>>();
    assert!(differs(&y, &y_by_image) < 1e-3, "forward");
    assert!(differs(&gx, gx_cols.as_slice().unwrap()) < 1e-3, "grad X");
    assert!(differs(&gw, gw_cols.as_slice().unwrap()) < 1e-1, "grad W");
    println!("Lesson 11's second convolution, {n} images, one thread; median ms and GFLOP/s:");
    println!("{:<10} {:>18} {:>18}", "", "direct", "im2col products");
    for (what, t) in ["forward", "grad X", "grad W"].iter().zip(times.chunks(2)) {
        let cell = |t: f64| format!("{:>7.2} ms {:>5.1}", t * 1e3, flops / t / 1e9);
        println!("{what:<10} {:>18} {:>18}", cell(t[0]), cell(t[1]));
    }
}
