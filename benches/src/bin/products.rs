//! The matrix products of lesson 11's reference network, at their exact
//! shapes (batch 256, f32): matrixmultiply as the course calls it (through
//! ndarray), on one thread ("mm 1") and on two, split three ways: the rows of
//! the left factor ("mm 2"), the columns of the right one ("mm 2 n", as
//! `cnn_walkthrough::fast::float::dot` splits the dense layer's products), or
//! the sum, whose two partial products are then added ("mm 2 k"); against
//! the `gemm` crate (the one candle and faer use), on one thread and on two
//! (its own rayon split). Each round runs every candidate once, in turn, so
//! that they see the same machine; the table gives each one's median rate
//! in GFLOP/s.
//!
//! `cargo run --release -p cnn-walkthrough-benches --bin products`

use cnn_walkthrough::course::bench::median_seconds_interleaved;
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::fast::parallel::join;
use ndarray::{Array2, ArrayView2, Axis};

/// `c = a · b` by matrixmultiply, through ndarray.
fn by_matrixmultiply(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut Array2<f32>) {
    ndarray::linalg::general_mat_mul(1.0, a, b, 0.0, c);
}

/// The same, the rows of `a` (and `c`) split in two halves on two threads
/// (the course's worker thread, `cnn_walkthrough::fast::parallel::join`).
fn by_matrixmultiply_split(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut Array2<f32>) {
    let m = a.nrows();
    let (a1, a2) = a.view().split_at(Axis(0), m / 2);
    let (mut c1, mut c2) = c.view_mut().split_at(Axis(0), m / 2);
    join(
        move || ndarray::linalg::general_mat_mul(1.0, &a1, b, 0.0, &mut c1),
        || ndarray::linalg::general_mat_mul(1.0, &a2, b, 0.0, &mut c2),
    );
}

/// The same, the columns of `b` (and `c`) split in two halves on two threads:
/// each thread packs half of `b` and all of `a`.
fn by_matrixmultiply_split_columns(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut Array2<f32>) {
    let n = b.ncols();
    let (b1, b2) = b.view().split_at(Axis(1), n / 2);
    let (mut c1, mut c2) = c.view_mut().split_at(Axis(1), n / 2);
    join(
        move || ndarray::linalg::general_mat_mul(1.0, a, &b1, 0.0, &mut c1),
        || ndarray::linalg::general_mat_mul(1.0, a, &b2, 0.0, &mut c2),
    );
}

/// The same, the sum split in two halves (the columns of `a`, the rows of
/// `b`) on two threads, and the two partial products added.
fn by_matrixmultiply_split_sum(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut Array2<f32>) {
    let k = a.ncols();
    let (a1, a2) = a.view().split_at(Axis(1), k / 2);
    let (b1, b2) = b.view().split_at(Axis(0), k / 2);
    let mut other = Array2::<f32>::zeros(c.raw_dim());
    join(
        || ndarray::linalg::general_mat_mul(1.0, &a1, &b1, 0.0, &mut other),
        || ndarray::linalg::general_mat_mul(1.0, &a2, &b2, 0.0, c),
    );
    *c += &other;
}

/// `c = a · b` by gemm, with `parallelism`.
fn by_gemm(a: &ArrayView2<f32>, b: &ArrayView2<f32>, c: &mut Array2<f32>, parallelism: gemm::Parallelism) {
    let ((m, k), n) = (a.dim(), b.ncols());
    let [ars, acs] = [a.strides()[0], a.strides()[1]];
    let [brs, bcs] = [b.strides()[0], b.strides()[1]];
    let [crs, ccs] = [c.strides()[0], c.strides()[1]];
    // SAFETY: the pointers and strides are those of views of the right shapes:
    // a (m, k), b (k, n), c (m, n), c not overlapping a or b.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            ccs,
            crs,
            false,
            a.as_ptr(),
            acs,
            ars,
            b.as_ptr(),
            bcs,
            brs,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            parallelism,
        );
    }
}

fn main() {
    // (what, m, k, n, a given transposed, b given transposed), as the layers call them.
    let cases: [(&str, usize, usize, usize, bool, bool); 7] = [
        ("conv 1 forward: cols · W_colᵀ", 16384, 9, 16, false, true),
        ("conv 2 forward: cols · W_colᵀ", 16384, 144, 32, false, true),
        ("conv 2 grad W: δ · cols", 32, 16384, 144, false, false),
        ("conv 2 grad cols: δᵀ · W_col", 16384, 32, 144, true, false),
        ("dense 1 forward: x · W", 256, 2048, 256, false, false),
        ("dense 1 grad W: xᵀ · g", 2048, 256, 256, true, false),
        ("dense 1 grad x: g · Wᵀ", 256, 256, 2048, false, true),
    ];
    println!(
        "GFLOP/s, median of interleaved rounds (f32; {} threads available)",
        cnn_walkthrough::fast::parallel::threads()
    );
    println!(
        "{:<46} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "product (m × k × n)", "mm 1", "mm 2", "mm 2 n", "mm 2 k", "gemm 1", "gemm 2"
    );
    let mut rng = RandomState::new(1);
    for (what, m, k, n, at, bt) in cases {
        let a_stored =
            if at { rng.randn((k, m)).mapv(|v| v as f32) } else { rng.randn((m, k)).mapv(|v| v as f32) };
        let b_stored =
            if bt { rng.randn((n, k)).mapv(|v| v as f32) } else { rng.randn((k, n)).mapv(|v| v as f32) };
        let a = if at { a_stored.t() } else { a_stored.view() };
        let b = if bt { b_stored.t() } else { b_stored.view() };
        let mut cs = [(); 6].map(|_| Array2::<f32>::zeros((m, n)));
        let [c0, c1, c4, c5, c2, c3] = &mut cs;
        let times = median_seconds_interleaved(
            &mut [
                &mut || by_matrixmultiply(&a, &b, c0),
                &mut || by_matrixmultiply_split(&a, &b, c1),
                &mut || by_matrixmultiply_split_columns(&a, &b, c4),
                &mut || by_matrixmultiply_split_sum(&a, &b, c5),
                &mut || by_gemm(&a, &b, c2, gemm::Parallelism::None),
                &mut || by_gemm(&a, &b, c3, gemm::Parallelism::Rayon(2)),
            ],
            2.0,
        );
        let biggest =
            cs.iter().map(|c| (c - &cs[0]).mapv(f32::abs).fold(0f32, |x, &y| x.max(y))).fold(0f32, f32::max);
        assert!(biggest <= 1e-3 * (k as f32).sqrt(), "{what}: the products differ by {biggest}");
        let flops = 2.0 * (m * k * n) as f64;
        let rates: Vec<String> = times.iter().map(|t| format!("{:>7.1}", flops / t / 1e9)).collect();
        println!("{:<46} {}", format!("{what} ({m}×{k}×{n})"), rates.join(" "));
    }
}
