//! Convolution forward and backward, loops (lessons 02-03) against im2col
//! (lesson 07), at the reference network's shapes and a CIFAR-sized one,
//! with the bare matrix products at the same sizes on both cores (as the
//! layer uses them): read the im2col rate as a fraction of what the machine's
//! matrix product reaches.
//!
//! `cargo bench -p cnn-walkthrough-benches --bench conv`; throughput is reported in elements/s where one
//! element is one floating-point operation (2 per multiply-add), so
//! `Gelem/s` reads as GFLOP/s.

// criterion_group! generates a public function without documentation.
#![allow(missing_docs)]

use cnn_walkthrough::course::bench::{on_two_cores, ConvCase, CASES};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::textbook::conv::{conv_backward, conv_forward, Hparameters};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn conv(c: &mut Criterion) {
    for case in CASES {
        bench_case(c, &case);
    }
}

fn bench_case(c: &mut Criterion, case: &ConvCase) {
    let (x, layer, dout) = case.setup(1).expect("valid case");
    let hp = Hparameters { pad: case.f / 2, stride: 1 };
    let x_nhwc = x.view().permuted_axes([0, 2, 3, 1]).to_owned();
    let w_nb = layer.w_notebook();
    let b_nb = layer.w0.clone().into_shape_with_order((1, 1, 1, case.n_filters)).expect("biases");
    let dz_nhwc = dout.view().permuted_axes([0, 2, 3, 1]).to_owned();
    let (_, loop_cache) = conv_forward(&x_nhwc.view(), &w_nb.view(), &b_nb.view(), hp).expect("valid");
    // The layer training uses: the textbook Conv2D's fast twin.
    let layer = cnn_walkthrough::fast::conv2d::Conv2D::<f64>::of(&layer);
    let (_, cache) = layer.forward(&x.view()).expect("valid");
    let (k, n) = (cache.params.rows(), cache.params.cols());
    let mut rng = RandomState::new(2);
    let (w_col, x_col, delta) =
        (rng.randn((case.n_filters, k)), rng.randn((k, n)), rng.randn((case.n_filters, n)));

    let mut g = c.benchmark_group(format!("conv {}", case.label()));
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(case.forward_flops() as u64));
    g.bench_function("forward loops", |b| {
        b.iter(|| conv_forward(&x_nhwc.view(), &w_nb.view(), &b_nb.view(), hp))
    });
    g.bench_function("forward im2col", |b| b.iter(|| layer.forward(&x.view())));
    g.bench_function("forward matmul W_col·X_col (two cores)", |b| {
        b.iter(|| on_two_cores(&x_col, &delta, |x, _| w_col.dot(x)))
    });
    g.throughput(Throughput::Elements(case.backward_flops() as u64));
    g.bench_function("backward loops", |b| b.iter(|| conv_backward(&dz_nhwc.view(), &loop_cache)));
    g.bench_function("backward im2col", |b| b.iter(|| layer.backward(&dout.view(), &cache)));
    g.bench_function("backward matmul δ·X_colᵀ, W_colᵀ·δ (two cores)", |b| {
        b.iter(|| on_two_cores(&x_col, &delta, |x, d| (d.dot(&x.t()), w_col.t().dot(d))))
    });
    g.finish();
}

criterion_group!(benches, conv);
criterion_main!(benches);
