//! Property tests: every fast twin in `src/fast/` equals its textbook item
//! in `src/textbook/` on random shapes, in `f64` and in `f32`.
//!
//! The fast items add the same terms in other orders (and `f32` rounds
//! every value to 24 bits), so each tolerance is what rounding alone allows
//! for that sum: with `n` terms none larger than `m` in magnitude, each order
//! is within `n·u·(n·m)` of the exact sum (`u` the unit roundoff), so two
//! orders are within `2·n²·u·m` of each other ([`sum_rounding`] in `f64`,
//! [`sum_rounding_f32`] for `f32`, which also covers rounding the inputs).
//!
//! 1. `fast::conv2d::Conv2D` forward, backward, backward_params ==
//!    `textbook::conv2d::Conv2D` (random batch, channels, sizes, windows,
//!    padding, stride, filters; and one batch large enough for two threads).
//!    1b. The same on shapes where `Conv2D` takes the direct kernel
//!    (`fast::direct`, f32 on AVX2 and FMA: stride 1, at least 4 filters, an
//!    output of at least 3 × 8), for its forward pass and, where the padding
//!    is narrower than the filter, for `grad_X`; and the kernel is taken at
//!    lesson 11's shapes.
//! 2. `fast::layers::Dense` == `textbook::layers::Dense`.
//! 3. `fast::layers::Dropout` == `textbook::layers::Dropout`, exactly in `f64`.
//! 4. `fast::layers::BatchNormalization` == `textbook::layers::BatchNormalization`.
//! 5. `forward_owned` / `backward_owned` == `forward` / `backward`, to the
//!    last bit, for each layer that overrides them (`Flatten`,
//!    `ActivationLayer`, `Conv2DLayer`, and the fast `Dense`, `Dropout`,
//!    `BatchNormalization`).

use crate::common;

use cnn_walkthrough::course::check::sum_rounding;
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::fast;
use cnn_walkthrough::fast::float::Float;
use cnn_walkthrough::textbook;
use cnn_walkthrough::textbook::activations::Activation;
use cnn_walkthrough::textbook::layers::Layer;
use cnn_walkthrough::textbook::padding::Padding2D;
use ndarray::{Array1, Array2, ArrayD, Axis, Dimension, IxDyn, ShapeBuilder};
use proptest::prelude::Strategy;

use common::{assert_close, assert_close_each, check, describe_case, magnitude, max_abs, paddings, seeds};

/// [`sum_rounding`] for a sum computed in `f32` from `f64` values: the inputs
/// and each product are rounded to `f32` too (two more roundings per term).
fn sum_rounding_f32(terms: usize, largest: f64) -> f64 {
    let n = terms as f64;
    2.0 * n * (n + 2.0) * f64::from(f32::EPSILON) * largest.max(f64::MIN_POSITIVE)
}

/// The rounding allowed for a sum of `terms` terms up to `largest`, in `F`.
fn rounding<F: Float>(terms: usize, largest: f64) -> f64 {
    if std::mem::size_of::<F>() == 4 {
        sum_rounding_f32(terms, largest)
    } else {
        sum_rounding(terms, largest)
    }
}

/// `a` in `f64` (exact).
fn wide<F: Float, D: Dimension>(a: &ndarray::Array<F, D>) -> ndarray::Array<f64, D> {
    a.mapv(F::f64)
}

// ---------------------------------------------------------------------------
// 1. Conv2D
// ---------------------------------------------------------------------------

/// A convolution: `(batch, channels, h, w)`, `filters` of `fh × fw`, padding, stride.
#[derive(Debug, Clone, Copy)]
struct ConvCase {
    x: [usize; 4],
    filters: usize,
    window: (usize, usize),
    padding: Padding2D,
    stride: usize,
}

fn conv_cases() -> impl Strategy<Value = ConvCase> {
    // Batches past 8 images, the chunk the fast layer multiplies at a time.
    let sizes = (1..=11usize, 1..=3usize, 1..=7usize, 1..=7usize, 1..=4usize, 1..=3usize, 1..=3usize);
    (sizes, paddings(2), 1..=3usize).prop_map(|((b, c, h, w, f, fh, fw), padding, stride)| {
        // The window fits the padded image.
        let window = (fh.min(h + padding.rows()), fw.min(w + padding.cols()));
        ConvCase { x: [b, c, h, w], filters: f, window, padding, stride }
    })
}

/// Forward, backward and backward_params of the fast layer in `F` against the
/// textbook's, on the same `f64` values.
fn conv_matches<F: Float>(desc: &str, c: &ConvCase, rng: &mut RandomState) {
    let x = rng.randn(c.x) * magnitude(rng);
    let (fh, fw) = c.window;
    let w = rng.randn((c.filters, c.x[1], fh, fw)) * magnitude(rng);
    let w0 = rng.randn((c.filters, 1)) * magnitude(rng);
    let textbook = textbook::conv2d::Conv2D::new(w, w0, c.padding, c.stride).unwrap();
    let layer = fast::conv2d::Conv2D::<F>::of(&textbook);
    let (y, cache) = textbook.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
    let (y_fast, cache_fast) = layer.forward(&x.mapv(F::of).view()).unwrap();
    let (mx, mw, mb) = (max_abs(&x.view()), max_abs(&textbook.w.view()), max_abs(&textbook.w0.view()));
    // Each output: channels·fh·fw products and the bias.
    let k = c.x[1] * fh * fw;
    assert_close(desc, "forward", &wide(&y_fast).view(), &y.view(), rounding::<F>(k + 1, (mx * mw).max(mb)));

    let dy = rng.randn(y.raw_dim()) * magnitude(rng);
    let g = textbook.backward(&dy.view(), &cache).unwrap();
    let dy_f = dy.mapv(F::of);
    let g_fast = layer.backward(&dy_f.view(), &cache_fast).unwrap();
    let mdy = max_abs(&dy.view());
    // grad_W and grad_w0: a sum over every window of every image.
    let windows = y.len() / c.filters;
    assert_close(
        desc,
        "grad_W",
        &wide(&g_fast.grad_w).view(),
        &g.grad_w.view(),
        rounding::<F>(windows, mdy * mx),
    );
    let tol = rounding::<F>(windows, mdy);
    assert_close(desc, "grad_w0", &wide(&g_fast.grad_w0).view(), &g.grad_w0.view(), tol);
    // grad_X: each pixel gathers at most filters·fh·fw products.
    let tol = rounding::<F>(c.filters * fh * fw, mw * mdy);
    assert_close(desc, "grad_input", &wide(&g_fast.grad_input).view(), &g.grad_input.view(), tol);

    // backward_params: the same products for grad_W and grad_w0, no grad_input.
    let gp = layer.backward_params(&dy_f.view(), &cache_fast).unwrap();
    assert!(gp.grad_w == g_fast.grad_w && gp.grad_w0 == g_fast.grad_w0, "{desc}\n  backward_params differs");
    assert!(gp.grad_input.iter().all(|v| *v == F::zero()), "{desc}\n  backward_params computed grad_input");
}

#[test]
fn fast_conv2d_equals_the_textbook() {
    const NAME: &str = "1 (fast Conv2D == textbook Conv2D)";
    check(NAME, (conv_cases(), seeds()), |(c, seed)| {
        let desc = describe_case(NAME, seed, format_args!("{c:?}"));
        conv_matches::<f64>(&format!("{desc}, f64"), &c, &mut RandomState::new(seed));
        conv_matches::<f32>(&format!("{desc}, f32"), &c, &mut RandomState::new(seed));
    });
}

/// A batch large enough (about 10⁷ multiply-adds) for the fast layer to split
/// it over two threads, and for its gradients to add the two halves.
#[test]
fn fast_conv2d_equals_the_textbook_on_two_threads() {
    let c = ConvCase {
        x: [18, 8, 12, 12],
        filters: 16,
        window: (3, 3),
        padding: Padding2D::uniform(1),
        stride: 1,
    };
    conv_matches::<f64>("(18, 8, 12, 12), 16 filters 3×3, f64", &c, &mut RandomState::new(3));
    conv_matches::<f32>("(18, 8, 12, 12), 16 filters 3×3, f32", &c, &mut RandomState::new(3));
}

/// Stride 1, at least 4 filters and outputs mostly of at least 3 × 8 (the
/// direct kernel's block), paddings up to 3 (so some as wide as the filter,
/// where `grad_X` keeps the im2col products).
fn direct_cases() -> impl Strategy<Value = ConvCase> {
    let sizes = (1..=3usize, 1..=5usize, 3..=9usize, 8..=19usize, 4..=9usize, 1..=4usize, 1..=4usize);
    (sizes, paddings(3)).prop_map(|((b, c, h, w, f, fh, fw), padding)| {
        let window = (fh.min(h + padding.rows()), fw.min(w + padding.cols()));
        ConvCase { x: [b, c, h, w], filters: f, window, padding, stride: 1 }
    })
}

#[test]
fn fast_conv2d_equals_the_textbook_where_the_direct_kernel_applies() {
    const NAME: &str = "1b (fast Conv2D by the direct kernel == textbook Conv2D)";
    check(NAME, (direct_cases(), seeds()), |(c, seed)| {
        let desc = describe_case(NAME, seed, format_args!("{c:?}"));
        conv_matches::<f32>(&format!("{desc}, f32"), &c, &mut RandomState::new(seed));
    });
}

/// The direct kernel is what lesson 11's two convolutions (and the turned
/// filters of the second one's `grad_X`) run on, wherever the processor has
/// AVX2 and FMA; never in `f64`, nor for outputs narrower than its block.
#[test]
fn the_direct_kernel_applies_at_lesson_11s_shapes() {
    use fast::direct::{available, Direct};
    let applies = |shape: (usize, usize, usize, usize), padded| {
        let w = vec![0.5f32; shape.0 * shape.1 * shape.2 * shape.3];
        Direct::new(&w, shape, padded).is_some()
    };
    for (shape, padded) in [((16, 1, 3, 3), (10, 10)), ((32, 16, 3, 3), (10, 10)), ((16, 32, 3, 3), (10, 10))]
    {
        assert_eq!(applies(shape, padded), available(), "{shape:?} over {padded:?}");
    }
    assert!(!applies((32, 16, 3, 3), (10, 9)), "an output 7 wide is narrower than the block");
    assert!(!applies((3, 16, 3, 3), (10, 10)), "3 filters are fewer than the block");
    assert!(Direct::new(&[0.5f64; 32 * 16 * 9], (32, 16, 3, 3), (10, 10)).is_none(), "f64");
}

// ---------------------------------------------------------------------------
// 2-4. The layers
// ---------------------------------------------------------------------------

/// Runs `forward` (training) and `backward` on `x` and `g`, and returns the
/// output, the input gradient and the parameters' gradients, in `f64`.
fn run<F: Float>(layer: &mut impl Layer<F>, x: &ArrayD<f64>, g: &ArrayD<f64>) -> Vec<ArrayD<f64>> {
    let y = layer.forward(&x.mapv(F::of), true).unwrap();
    let dx = layer.backward(&g.mapv(F::of)).unwrap();
    let mut out = vec![wide(&y), wide(&dx)];
    out.extend(layer.params_and_grads().into_iter().map(|(_, _, grad)| wide(grad)));
    out
}

fn dense_matches<F: Float>(desc: &str, (batch, n_in, n_out): (usize, usize, usize), rng: &mut RandomState) {
    let x = rng.randn((batch, n_in)).into_dyn() * magnitude(rng);
    let w = rng.randn((n_in, n_out)) * magnitude(rng);
    let w0 = rng.randn(n_out) * magnitude(rng);
    let g = rng.randn((batch, n_out)).into_dyn() * magnitude(rng);
    let want = run(&mut textbook::layers::Dense::from_weights(w.clone(), w0.clone()), &x, &g);
    let got = run(&mut fast::layers::Dense::<F>::from_weights(w.mapv(F::of), w0.mapv(F::of)), &x, &g);
    let (mx, mw, mb, mg) = (max_abs(&x.view()), max_abs(&w.view()), max_abs(&w0.view()), max_abs(&g.view()));
    // y: n_in products and the bias; grad input: n_out; grad_W and grad_w0: batch.
    let tols = [
        rounding::<F>(n_in + 1, (mx * mw).max(mb)),
        rounding::<F>(n_out, mg * mw),
        rounding::<F>(batch, mg * mx),
        rounding::<F>(batch, mg),
    ];
    for ((name, tol), (got, want)) in
        ["y", "grad input", "grad W", "grad w0"].iter().zip(tols).zip(got.iter().zip(&want))
    {
        assert_close(desc, name, &got.view(), &want.view(), tol);
    }
}

#[test]
fn fast_dense_equals_the_textbook() {
    const NAME: &str = "2 (fast Dense == textbook Dense)";
    check(NAME, ((1..=9usize, 1..=40usize, 1..=12usize), seeds()), |(sizes, seed)| {
        let desc = describe_case(NAME, seed, format_args!("(batch, n_in, n_out) {sizes:?}"));
        dense_matches::<f64>(&format!("{desc}, f64"), sizes, &mut RandomState::new(seed));
        dense_matches::<f32>(&format!("{desc}, f32"), sizes, &mut RandomState::new(seed));
    });
}

/// Shapes of dense data `(batch, features)` or images `(batch, channels, h, w)`.
fn layer_shapes() -> impl Strategy<Value = Vec<usize>> {
    proptest::prop_oneof![
        (1..=6usize, 1..=5usize).prop_map(|(b, f)| vec![b, f]),
        (1..=5usize, 1..=4usize, 1..=5usize, 1..=5usize).prop_map(|(b, c, h, w)| vec![b, c, h, w]),
    ]
}

#[test]
fn fast_dropout_equals_the_textbook() {
    const NAME: &str = "3 (fast Dropout == textbook Dropout)";
    check(NAME, (layer_shapes(), 0.0..0.95f64, seeds()), |(shape, p, seed)| {
        let desc = describe_case(NAME, seed, format_args!("x {shape:?}, p {p}"));
        let rng = &mut RandomState::new(seed);
        let (x, g) = (rng.randn(IxDyn(&shape)), rng.randn(IxDyn(&shape)));
        let mut textbook = textbook::layers::Dropout::new(p, seed).unwrap();
        let mut fast = fast::layers::Dropout::new(p, seed).unwrap();
        // Two training passes (the stream goes on) and one at inference.
        for pass in 0..2 {
            let mut fast_f32 = fast.clone();
            let want = run(&mut textbook, &x, &g);
            // The same mask and the same products: equal to the last bit.
            assert_eq!(run::<f64>(&mut fast, &x, &g), want, "{desc}\n  pass {pass}, f64");
            // In f32: x and 1/(1 − p) rounded, then their product: 3 roundings.
            let got = run::<f32>(&mut fast_f32, &x, &g);
            for (got, want) in got.iter().zip(&want) {
                let tol = want.mapv(|v| 3.0 * f64::from(f32::EPSILON) * v.abs());
                assert_close_each(&desc, "f32", &got.view(), &want.view(), &tol.view());
            }
        }
        let y = Layer::<f64>::forward(&mut fast, &x, false).unwrap();
        assert_eq!(y, textbook.forward(&x, false).unwrap(), "{desc}\n  inference");
    });
}

/// Per channel of `a` viewed as `(B, C, rest)`: the largest magnitude.
fn channel_max(a: &ArrayD<f64>, c: usize) -> Array1<f64> {
    let a3 = a.view().into_shape_with_order((a.shape()[0], c, a.len() / a.shape()[0] / c)).unwrap();
    a3.map_axis(Axis(2), |v| v.iter().fold(0.0f64, |m, x| m.max(x.abs())))
        .fold_axis(Axis(0), 0.0, |m, x| m.max(*x))
}

fn batch_norm_matches<F: Float>(desc: &str, shape: &[usize], rng: &mut RandomState) {
    let c = shape[1];
    let n = shape.iter().product::<usize>() / c;
    let shift = rng.standard_normal() * magnitude(rng);
    let x = rng.randn(IxDyn(shape)) * magnitude(rng) + shift;
    let g = rng.randn(IxDyn(shape)) * magnitude(rng);
    let (gamma, beta) = (rng.randn(c) * magnitude(rng), rng.randn(c) * magnitude(rng));
    let mut textbook = textbook::layers::BatchNormalization::new(c);
    textbook.gamma = gamma.clone().into_dyn();
    textbook.beta = beta.clone().into_dyn();
    let mut fast = fast::layers::BatchNormalization::<F>::new(c);
    fast.gamma = gamma.mapv(F::of).into_dyn();
    fast.beta = beta.mapv(F::of).into_dyn();
    let want = run(&mut textbook, &x, &g);
    let got = run(&mut fast, &x, &g);

    // The rounding of each step, per channel, from the textbook's statistics
    // (u the unit roundoff of F; M = max |x|, C = max |x − μ|, G = max |g|).
    let u = if std::mem::size_of::<F>() == 4 { f64::from(f32::EPSILON) } else { f64::EPSILON };
    let nf = n as f64;
    let var = textbook.running_var.mapv(|r| (r - 0.99) / 0.01);
    let mean = textbook.running_mean.mapv(|r| r / 0.01);
    let big_m = channel_max(&x, c);
    let stats = (0..c).map(|ch| {
        let s = 1.0 / (var[ch] + textbook.eps).sqrt();
        let big_c = big_m[ch] + mean[ch].abs();
        // μ: N terms up to M, in two orders (and the inputs rounded to F).
        let d_mu = 2.0 * (nf + 2.0) * u * big_m[ch];
        // x − μ, then σ² = Σ (x − μ)²/N: 2·C·(error of x − μ) per term, and its own sum.
        let d_c = d_mu + 2.0 * u * big_c;
        let d_var = 2.0 * big_c * d_c + 2.0 * (nf + 2.0) * u * big_c * big_c;
        // 1/√(σ² + eps), relative; x̂ = (x − μ)·s, absolute.
        let rel_s = d_var / (2.0 * (var[ch] + textbook.eps)) + 4.0 * u;
        let xh = big_c * s;
        let d_xh = s * d_c + xh * rel_s + 2.0 * u * xh;
        (s, xh, d_xh, rel_s)
    });
    let mg = channel_max(&g, c);
    let mut tol_y = vec![];
    let mut tol_dx = vec![];
    let (mut tol_gamma, mut tol_beta) = (vec![], vec![]);
    for (ch, (s, xh, d_xh, rel_s)) in stats.enumerate() {
        let (ga, gg) = (gamma[ch].abs(), mg[ch]);
        tol_y.push(ga * d_xh + 4.0 * u * (ga * xh + beta[ch].abs()));
        let sum_g = 2.0 * (nf + 2.0) * nf * u * gg;
        let sum_gx = nf * gg * d_xh + 2.0 * (nf + 2.0) * nf * u * gg * xh;
        tol_gamma.push(sum_gx);
        tol_beta.push(sum_g);
        // γ·s/N · (N·g − Σ g − x̂·Σ g·x̂): the sums' errors, x̂'s, s's, and the expression's own.
        let bracket = nf * gg * (2.0 + xh * xh);
        let dx = ga * s / nf * (sum_g + xh * sum_gx + d_xh * nf * gg * xh)
            + ga * s / nf * bracket * (rel_s + 8.0 * u);
        tol_dx.push(dx);
    }
    // Element (b, k) of the values as (batch, C·rest) is in channel k / rest.
    let (b, rest) = (shape[0], n / shape[0]);
    let spread = |t: &[f64]| {
        Array2::from_shape_fn((b, c * rest), |(_, k)| t[k / rest])
            .into_shape_with_order(IxDyn(shape))
            .unwrap()
    };
    assert_close_each(desc, "y", &got[0].view(), &want[0].view(), &spread(&tol_y).view());
    assert_close_each(desc, "grad input", &got[1].view(), &want[1].view(), &spread(&tol_dx).view());
    let (tg, tb) = (Array1::from(tol_gamma).into_dyn(), Array1::from(tol_beta).into_dyn());
    assert_close_each(desc, "grad gamma", &got[2].view(), &want[2].view(), &tg.view());
    assert_close_each(desc, "grad beta", &got[3].view(), &want[3].view(), &tb.view());
    // The running mean: 0.01·μ, μ within 2(N + 2)·u·M, and two roundings.
    let tol =
        big_m.mapv(|m| 0.01 * 2.0 * (nf + 2.0) * u * m) + textbook.running_mean.mapv(|r| 2.0 * u * r.abs());
    let running = wide(&fast.running_mean);
    assert_close_each(desc, "running mean", &running.view(), &textbook.running_mean.view(), &tol.view());
}

#[test]
fn fast_batch_normalization_equals_the_textbook() {
    const NAME: &str = "4 (fast BatchNormalization == textbook BatchNormalization)";
    check(NAME, (layer_shapes(), seeds()), |(shape, seed)| {
        let desc = describe_case(NAME, seed, format_args!("x {shape:?}"));
        batch_norm_matches::<f64>(&format!("{desc}, f64"), &shape, &mut RandomState::new(seed));
        batch_norm_matches::<f32>(&format!("{desc}, f32"), &shape, &mut RandomState::new(seed));
    });
}

// ---------------------------------------------------------------------------
// 5. By value == by reference
// ---------------------------------------------------------------------------

/// Each value's bits, in `f64` (exact, and −0 stays −0).
fn bits<F: Float>(a: &ArrayD<F>) -> ArrayD<u64> {
    a.mapv(|v| F::f64(v).to_bits())
}

/// `a` in `F`, in standard layout or in column-major (Fortran) layout, which
/// sends the layers that reuse their input's buffer down their other path.
fn in_layout<F: Float>(a: &ArrayD<f64>, column_major: bool) -> ArrayD<F> {
    if column_major {
        let mut b = ArrayD::zeros(a.raw_dim().f());
        b.assign(&a.mapv(F::of));
        b
    } else {
        a.mapv(F::of)
    }
}

/// Two copies of `layer`, one driven by `forward`/`backward`, the other by
/// `forward_owned`/`backward_owned`, through two training passes and one at
/// inference: the outputs, input gradients, parameter gradients, and the
/// state left in each layer (masks' stream, running statistics, what is
/// kept for the backward pass) are the same to the last bit.
fn owned_matches<F: Float, L: Layer<F> + Clone>(desc: &str, layer: L, x: &ArrayD<f64>, g: &ArrayD<f64>) {
    for column_major in [false, true] {
        let desc = format!("{desc}, {}", if column_major { "column-major" } else { "standard layout" });
        let (x, g) = (in_layout::<F>(x, column_major), in_layout::<F>(g, column_major));
        let (mut by_ref, mut by_value) = (layer.clone(), layer.clone());
        for (pass, training) in [true, true, false].into_iter().enumerate() {
            let want = by_ref.forward(&x, training).unwrap();
            let got = by_value.forward_owned(x.clone(), training).unwrap();
            assert_eq!(bits(&got), bits(&want), "{desc}\n  pass {pass}: output");
            let want = by_ref.backward(&g).unwrap();
            let got = by_value.backward_owned(g.clone()).unwrap();
            assert_eq!(bits(&got), bits(&want), "{desc}\n  pass {pass}: input gradient");
            let grads =
                |l: &mut L| l.params_and_grads().into_iter().map(|(_, _, g)| bits(g)).collect::<Vec<_>>();
            assert_eq!(
                grads(&mut by_value),
                grads(&mut by_ref),
                "{desc}\n  pass {pass}: parameter gradients"
            );
            assert_eq!(format!("{by_value:?}"), format!("{by_ref:?}"), "{desc}\n  pass {pass}: state");
        }
    }
}

fn owned_layers_match<F: Float>(desc: &str, shape: &[usize], p: f64, seed: u32) {
    let rng = &mut RandomState::new(seed);
    let (x, g) = (rng.randn(IxDyn(shape)) * magnitude(rng), rng.randn(IxDyn(shape)) * magnitude(rng));
    let (batch, rest) = (shape[0], shape[1..].iter().product::<usize>());
    let flat = |a: &ArrayD<f64>| a.to_shape(IxDyn(&[batch, rest])).unwrap().to_owned();
    owned_matches::<F, _>(&format!("{desc}: Flatten"), textbook::layers::Flatten::default(), &x, &flat(&g));
    for activation in [Activation::ReLU, Activation::Sigmoid, Activation::Softmax] {
        let layer = textbook::layers::ActivationLayer::<F>::new(activation);
        owned_matches::<F, _>(&format!("{desc}: {activation:?}"), layer, &x, &g);
    }
    owned_matches::<F, _>(&format!("{desc}: Dropout"), fast::layers::Dropout::new(p, seed).unwrap(), &x, &g);
    let mut bn = fast::layers::BatchNormalization::<F>::new(shape[1]);
    bn.gamma = (rng.randn(shape[1]) * magnitude(rng)).mapv(F::of).into_dyn();
    bn.beta = (rng.randn(shape[1]) * magnitude(rng)).mapv(F::of).into_dyn();
    owned_matches::<F, _>(&format!("{desc}: BatchNormalization"), bn, &x, &g);
    if let &[batch, c, h, w] = shape {
        // 'Same' 3×3 filters: the output has the input's height and width.
        let n_f = 1 + seed as usize % 6;
        let filters = rng.randn((n_f, c, 3, 3)) * magnitude(rng);
        let w0 = rng.randn((n_f, 1)) * magnitude(rng);
        let textbook = textbook::conv2d::Conv2D::new(filters, w0, Padding2D::uniform(1), 1).unwrap();
        let conv = cnn_walkthrough::network::Conv2DLayer::new(fast::conv2d::Conv2D::<F>::of(&textbook));
        let g_conv = rng.randn(IxDyn(&[batch, n_f, h, w])) * magnitude(rng);
        owned_matches::<F, _>(&format!("{desc}: Conv2D"), conv, &x, &g_conv);
    }
    let n_out = 1 + seed as usize % 5;
    let (w, w0) = (rng.randn((rest, n_out)) * magnitude(rng), rng.randn(n_out) * magnitude(rng));
    let dense = fast::layers::Dense::<F>::from_weights(w.mapv(F::of), w0.mapv(F::of));
    let g_dense = rng.randn(IxDyn(&[batch, n_out])) * magnitude(rng);
    owned_matches::<F, _>(&format!("{desc}: Dense"), dense, &flat(&x), &g_dense);
}

#[test]
fn by_value_equals_by_reference() {
    const NAME: &str = "5 (forward_owned/backward_owned == forward/backward)";
    check(NAME, (layer_shapes(), 0.0..0.95f64, seeds()), |(shape, p, seed)| {
        let desc = describe_case(NAME, seed, format_args!("x {shape:?}, p {p}"));
        owned_layers_match::<f64>(&format!("{desc}, f64"), &shape, p, seed);
        owned_layers_match::<f32>(&format!("{desc}, f32"), &shape, p, seed);
    });
}

#[test]
fn by_value_equals_by_reference_on_two_threads() {
    // 32·16·16·16 = 2¹⁷ values: Dropout draws and applies its mask in two halves.
    let shape = [32, 16, 16, 16];
    assert!(shape.iter().product::<usize>() >= fast::parallel::MIN_VALUES);
    owned_layers_match::<f64>("(32, 16, 16, 16), f64", &shape, 0.25, 7);
    owned_layers_match::<f32>("(32, 16, 16, 16), f32", &shape, 0.25, 7);
}
