//! Property tests over random shapes, driven by `proptest`: the sizes are
//! proptest strategies (so a failing case shrinks to the smallest shape that
//! still fails), the tensor values come from the crate's own numpy-compatible
//! generator (`RandomState`) seeded by a proptest value. The case generation
//! and reporting they share with `tests/properties_im2col.rs` are in
//! `tests/common/mod.rs`.
//!
//! 1, 2. The notebook's `conv_forward` / `conv_backward` (loops) equal the
//!    sensitivity maps (`conv_forward_by_layer`, `conv_backward_by_sensitivity_maps`).
//! 3. Finite differences agree with `conv_backward`.
//! 4. Padding and cropping: `ConstantPadding2D` against finite differences,
//!    `zero_pad`, cropping undoes padding and is its adjoint, `pad_axes`,
//!    `PaddingLayer`, `determine_padding`.
//! 5, 6. Invalid inputs are errors, not panics; `rows_not_reached`; zero-size axes.
//! 7. Pooling: the loops against the second ways (forward, backward, ties,
//!    the total gradient), finite differences, errors.
//! 8. The layers of lesson 09 (`Dense`; `Flatten`, `Dropout` and
//!    `PaddingLayer`; `ActivationLayer` for each of `Activation::ALL`;
//!    `BatchNormalization`) against finite differences, with derived
//!    tolerances: rounding only for the linear ones, rounding plus a bound on
//!    the truncation error `ε²/6·|∂³E/∂x³|` for the others.
//!
//! Every property runs `PROPTEST_CASES` random cases (default
//! `common::DEFAULT_CASES`, 64; CI runs 256), each drawing its sizes from
//! proptest and its tensors from `RandomState::new(seed)`. Cases are valid by
//! construction (the window is drawn first and the input is at least as
//! large); the windows too large for their input are drawn by a second run
//! of the same property. A failing assertion prints the seed and the shapes,
//! pad and stride; proptest then shrinks the case to the smallest failing
//! sizes, prints them, and keeps the case in `proptest-regressions/`. More
//! cases: `PROPTEST_CASES=5000 cargo test --release --test properties`.
//!
//! Size ranges below are inclusive (`1..=3` images, and so on).
//!
//! Tolerances come from the standard bound on rounding in a sum: computing
//! `Σ_{j<n} x_j` (each `x_j` a rounded product) in any order is off by at most
//! `γ_n · Σ|x_j|`, `γ_n ≈ n·u`, `u = f64::EPSILON / 2`. Two implementations that
//! sum the same terms in a different order therefore differ by at most
//! `2·γ_n·Σ|x_j| ≈ n · f64::EPSILON · Σ|x_j|` (to first order in `u`, which
//! at these sizes, `n·u < 10⁻¹²`, changes nothing), and that is the tolerance used, with `n` and
//! `Σ|x_j|` bounded from the sizes and the largest magnitudes of the case.

use crate::common;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::ops::Range;

use cnn_walkthrough::course::gradcheck::{
    fd_tolerance, layer_gradients, numerical_gradient, numerical_gradient_at, GradientPair,
};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::course::second_way::{pool_backward_second_way, pool_forward_second_way, smallest_gap};
use cnn_walkthrough::textbook::activations::{Activation, SELU_ALPHA, SELU_SCALE};
use cnn_walkthrough::textbook::conv::{
    conv_backward, conv_forward, output_size, rows_not_reached, ConvGrads, ConvParams, Hparameters,
};
use cnn_walkthrough::textbook::im2col::Im2colParams;
use cnn_walkthrough::textbook::layers::{
    ActivationLayer, BatchNormalization, Dense, Dropout, Flatten, Layer, PaddingLayer,
};
use cnn_walkthrough::textbook::padding::{
    determine_padding, pad_axes, zero_pad, ConstantPadding2D, Padding2D, PaddingMode,
};
use cnn_walkthrough::textbook::pool::{
    create_mask_from_window, first_max_mask, pool_backward, pool_forward, PoolHparameters, PoolMode,
    PoolParams,
};
use cnn_walkthrough::textbook::sensitivity::{conv_backward_by_sensitivity_maps, conv_forward_by_layer};
use cnn_walkthrough::Error;
use ndarray::{s, Array4, ArrayD, Axis, IxDyn};
use proptest::prelude::{prop, prop_oneof, Just, Strategy};

use common::{
    assert_close, assert_close_each, assert_names, change_one_axis, change_rank, check, describe_case,
    distinct_values, expect_err, guard, int, magnitude, max_abs, names, paddings, probe_positions, randn4,
    report_worst_ratio, seeds, shape_str, unreached, with_values_at,
};

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

/// Sizes of one notebook convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConvCase {
    m: usize,
    n_h: usize,
    n_w: usize,
    n_c_prev: usize,
    f: usize,
    n_c: usize,
    pad: usize,
    stride: usize,
}

/// Inclusive ranges the sizes are drawn from.
#[derive(Clone, Copy)]
struct Ranges {
    m: (usize, usize),
    n: (usize, usize),
    n_c_prev: (usize, usize),
    f: (usize, usize),
    n_c: (usize, usize),
    pad: (usize, usize),
    stride: (usize, usize),
}

/// Properties 1, 2 and 5: up to 3 images of 8×8×4, 5×5 windows, 4 filters,
/// pad up to 4 (often more than `f − 1`) and stride up to 4 (often uneven).
const FULL: Ranges =
    Ranges { m: (1, 3), n: (1, 8), n_c_prev: (1, 4), f: (1, 5), n_c: (1, 4), pad: (0, 4), stride: (1, 4) };

/// Property 3: finite differences evaluate the whole forward pass twice per
/// element of every tensor, so the cases are smaller (still with pad > f − 1
/// and uneven strides).
const SMALL: Ranges =
    Ranges { m: (1, 2), n: (1, 4), n_c_prev: (1, 2), f: (1, 3), n_c: (1, 2), pad: (0, 2), stride: (1, 3) };

/// Cases whose window fits the padded input: `f` and `pad` first, then
/// `n_H` and `n_W` (independently) at least `f − 2·pad`. Every size shrinks
/// towards the smallest of its range.
fn conv_cases(r: Ranges) -> impl Strategy<Value = ConvCase> {
    (r.f.0..=r.f.1, r.pad.0..=r.pad.1)
        .prop_flat_map(move |(f, pad)| {
            let n = f.saturating_sub(2 * pad).max(r.n.0)..=r.n.1;
            (
                Just((f, pad)),
                r.m.0..=r.m.1,
                n.clone(),
                n,
                r.n_c_prev.0..=r.n_c_prev.1,
                r.n_c.0..=r.n_c.1,
                r.stride.0..=r.stride.1,
            )
        })
        .prop_map(|((f, pad), m, n_h, n_w, n_c_prev, n_c, stride)| ConvCase {
            m,
            n_h,
            n_w,
            n_c_prev,
            f,
            n_c,
            pad,
            stride,
        })
}

/// Cases whose window is larger than the padded input (on its smaller
/// axis) by 1 to 3.
fn too_large_conv_cases(r: Ranges) -> impl Strategy<Value = ConvCase> {
    (conv_cases(r), 1..=3usize).prop_map(|(mut c, k)| {
        c.f = c.n_h.min(c.n_w) + 2 * c.pad + k;
        c
    })
}

impl ConvCase {
    fn a_shape(&self) -> [usize; 4] {
        [self.m, self.n_h, self.n_w, self.n_c_prev]
    }

    fn w_shape(&self) -> [usize; 4] {
        [self.f, self.f, self.n_c_prev, self.n_c]
    }

    fn b_shape(&self) -> [usize; 4] {
        [1, 1, 1, self.n_c]
    }

    fn hp(&self) -> Hparameters {
        Hparameters { pad: self.pad, stride: self.stride }
    }

    /// Whether the window fits the padded input.
    fn fits(&self) -> bool {
        self.f <= self.n_h + 2 * self.pad && self.f <= self.n_w + 2 * self.pad
    }

    /// `(n_H, n_W)`, for a case that fits.
    fn out_hw(&self) -> (usize, usize) {
        (
            output_size(self.n_h, self.f, self.pad, self.stride),
            output_size(self.n_w, self.f, self.pad, self.stride),
        )
    }

    fn z_shape(&self) -> [usize; 4] {
        let (h, w) = self.out_hw();
        [self.m, h, w, self.n_c]
    }

    /// `(n + 2·pad − f)` not a multiple of the stride on some axis.
    fn uneven(&self) -> bool {
        [self.n_h, self.n_w].iter().any(|&n| !(n + 2 * self.pad - self.f).is_multiple_of(self.stride))
    }

    /// Random `A_prev`, `W`, `b`, each `randn` times a random magnitude.
    fn tensors(&self, rng: &mut RandomState) -> (Array4<f64>, Array4<f64>, Array4<f64>) {
        let [m, h, w, c] = self.a_shape();
        let a = rng.randn((m, h, w, c)) * magnitude(rng);
        let [f, _, c, n_c] = self.w_shape();
        let wt = rng.randn((f, f, c, n_c)) * magnitude(rng);
        let b = rng.randn((1, 1, 1, n_c)) * magnitude(rng);
        (a, wt, b)
    }

    fn dz(&self, rng: &mut RandomState) -> Array4<f64> {
        let [m, h, w, c] = self.z_shape();
        rng.randn((m, h, w, c)) * magnitude(rng)
    }
}

impl fmt::Display for ConvCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "A_prev {}, W {}, b {}, pad {}, stride {}",
            shape_str(&self.a_shape()),
            shape_str(&self.w_shape()),
            shape_str(&self.b_shape()),
            self.pad,
            self.stride
        )
    }
}

/// Counts of the interesting kinds of case, so a property can show that its
/// generator reached them.
#[derive(Default, Debug)]
struct Coverage {
    /// How many valid cases the property ran.
    cases: usize,
    valid: usize,
    window_too_large: usize,
    pad_beyond_f_minus_1: usize,
    uneven_stride: usize,
    non_square_input: usize,
}

impl Coverage {
    fn count(&mut self, c: &ConvCase) {
        if !c.fits() {
            self.window_too_large += 1;
            return;
        }
        self.valid += 1;
        self.pad_beyond_f_minus_1 += usize::from(c.pad + 1 > c.f);
        self.uneven_stride += usize::from(c.uneven());
        self.non_square_input += usize::from(c.n_h != c.n_w);
    }

    fn assert_reached(&self, property: &str) {
        eprintln!("property {property}: {self:?}");
        assert!(
            self.valid >= self.cases
                && self.window_too_large > 0
                && self.pad_beyond_f_minus_1 > 0
                && self.uneven_stride > 0
                && self.non_square_input > 0,
            "property {property}: the generator missed a kind of case: {self:?}"
        );
    }
}

/// Runs property `name` on cases that fit ([`conv_cases`]), calling `valid`
/// on each with the generator of its values, then on cases whose window is
/// larger than the padded input ([`too_large_conv_cases`]), calling
/// `too_large`.
#[track_caller]
fn for_conv_cases(
    name: &str,
    ranges: Ranges,
    valid: impl Fn(&str, &ConvCase, &mut RandomState),
    too_large: impl Fn(&str, &ConvCase, &mut RandomState),
) -> Coverage {
    let coverage = RefCell::new(Coverage::default());
    let cases = check(name, (conv_cases(ranges), seeds()), |(c, seed)| {
        let desc = describe_case(name, seed, c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || valid(&desc, &c, &mut RandomState::new(seed)));
    });
    check(name, (too_large_conv_cases(ranges), seeds()), |(c, seed)| {
        let desc = describe_case(name, seed, c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || too_large(&desc, &c, &mut RandomState::new(seed)));
    });
    Coverage { cases, ..coverage.into_inner() }
}

/// A window larger than the padded input is an `f` parameter error in both
/// implementations.
fn assert_window_error(desc: &str, c: &ConvCase, rng: &mut RandomState) {
    let (a, w, b) = c.tensors(rng);
    let hp = c.hp();
    let loops = conv_forward(&a.view(), &w.view(), &b.view(), hp).map(|r| r.0);
    let layer = conv_forward_by_layer(&a.view(), &w.view(), &b.view(), hp);
    for (who, r) in [("conv_forward", loops), ("conv_forward_by_layer", layer)] {
        match r {
            Ok(z) => {
                panic!("{desc}\n  {who} accepted a window larger than the padded input: Z {:?}", z.shape())
            }
            Err(e) => assert_names(desc, who, &e, &["f"]),
        }
    }
}

// ---------------------------------------------------------------------------
// 1. conv_forward (notebook loops) == conv_forward_by_layer (seed 004)
// ---------------------------------------------------------------------------

/// Both compute every `Z` value as a sum of `n = f²·n_C_prev` products plus the
/// bias, only in a different order, so they differ by at most
/// `(n + 1) · EPSILON · (n · max|A| · max|W| + max|b|)` (see the module docs).
fn compare_forward(
    desc: &str,
    c: &ConvCase,
    (a, w, b): (&Array4<f64>, &Array4<f64>, &Array4<f64>),
    z: &Array4<f64>,
    z_layer: &Array4<f64>,
) {
    assert_eq!(z.shape(), c.z_shape(), "{desc}\n  Z shape");
    let n = c.f * c.f * c.n_c_prev;
    let scale = n as f64 * max_abs(&a.view()) * max_abs(&w.view()) + max_abs(&b.view());
    let tol = (n + 1) as f64 * f64::EPSILON * scale;
    assert_close(desc, "Z", &z.view(), &z_layer.view(), tol);
}

#[test]
fn forward_loops_equal_forward_by_layer() {
    let coverage = for_conv_cases(
        "1 (conv_forward == conv_forward_by_layer)",
        FULL,
        |desc, c, rng| {
            let (a, w, b) = c.tensors(rng);
            let (z, cache) = conv_forward(&a.view(), &w.view(), &b.view(), c.hp())
                .unwrap_or_else(|e| panic!("{desc}\n  conv_forward: {e}"));
            let z_layer = conv_forward_by_layer(&a.view(), &w.view(), &b.view(), c.hp())
                .unwrap_or_else(|e| panic!("{desc}\n  conv_forward_by_layer: {e}"));
            assert_eq!(cache.params.out_shape(), c.z_shape(), "{desc}\n  params");
            compare_forward(desc, c, (&a, &w, &b), &z, &z_layer);
        },
        assert_window_error,
    );
    coverage.assert_reached("1");
    report_worst_ratio("1");
}

// ---------------------------------------------------------------------------
// 2. conv_backward (notebook loops) == conv_backward_by_sensitivity_maps
// ---------------------------------------------------------------------------

/// Tolerances, per gradient, for two implementations that sum the same
/// products in different orders (module docs), with the sensitivity-map
/// version also adding the exact zeros of its expanded and padded maps:
///
/// - `dA_prev`: at most `n_C·f²` products `W·dZ` per element (the sensitivity
///   version sums `n_C` cross-correlations of `f²` terms);
/// - `dW`: at most `m·n_H·n_W` products `A·dZ`, over at most `m·E_h·E_w` terms
///   where `E = n + 2·pad − f + 1` is the expanded map;
/// - `db`: the same count of `dZ` values.
///
/// Input rows and columns that no window reads (found by brute force) must
/// get exactly zero gradient.
fn compare_backward(
    desc: &str,
    c: &ConvCase,
    (a, w, dz): (&Array4<f64>, &Array4<f64>, &Array4<f64>),
    loops: &ConvGrads,
    maps: &ConvGrads,
) {
    let (out_h, out_w) = c.out_hw();
    let (e_h, e_w) = (c.n_h + 2 * c.pad - c.f + 1, c.n_w + 2 * c.pad - c.f + 1);
    let (ma, mw, mdz) = (max_abs(&a.view()), max_abs(&w.view()), max_abs(&dz.view()));
    let eps = f64::EPSILON;

    let n_da = c.n_c * c.f * c.f;
    let tol_da = (n_da + c.n_c) as f64 * eps * (n_da as f64 * mw * mdz);
    assert_close(desc, "dA_prev", &loops.d_a_prev.view(), &maps.d_a_prev.view(), tol_da);

    let products = c.m * out_h * out_w;
    let terms = (c.m * e_h * e_w + c.m) as f64;
    let tol_dw = terms * eps * (products as f64 * ma * mdz);
    assert_close(desc, "dW", &loops.d_w.view(), &maps.d_w.view(), tol_dw);
    let tol_db = terms * eps * (products as f64 * mdz);
    assert_close(desc, "db", &loops.d_b.view(), &maps.d_b.view(), tol_db);

    for r in unreached(c.n_h, c.f, c.pad, c.stride) {
        assert!(
            loops.d_a_prev.slice(s![.., r, .., ..]).iter().all(|&v| v == 0.0),
            "{desc}\n  dA_prev row {r} is read by no window but has a non-zero gradient"
        );
    }
    for col in unreached(c.n_w, c.f, c.pad, c.stride) {
        assert!(
            loops.d_a_prev.slice(s![.., .., col, ..]).iter().all(|&v| v == 0.0),
            "{desc}\n  dA_prev column {col} is read by no window but has a non-zero gradient"
        );
    }
}

#[test]
fn backward_loops_equal_backward_by_sensitivity_maps() {
    let coverage = for_conv_cases(
        "2 (conv_backward == conv_backward_by_sensitivity_maps)",
        FULL,
        |desc, c, rng| {
            let (a, w, b) = c.tensors(rng);
            let dz = c.dz(rng);
            let (_, cache) = conv_forward(&a.view(), &w.view(), &b.view(), c.hp())
                .unwrap_or_else(|e| panic!("{desc}\n  conv_forward: {e}"));
            let loops =
                conv_backward(&dz.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  conv_backward: {e}"));
            let maps = conv_backward_by_sensitivity_maps(&dz.view(), &cache)
                .unwrap_or_else(|e| panic!("{desc}\n  conv_backward_by_sensitivity_maps: {e}"));
            compare_backward(desc, c, (&a, &w, &dz), &loops, &maps);
        },
        assert_window_error,
    );
    coverage.assert_reached("2");
    report_worst_ratio("2");
}

// ---------------------------------------------------------------------------
// 3. Finite differences == conv_backward
// ---------------------------------------------------------------------------

/// The loss `L = Σ Z ⊙ dZ` is linear in each of `A_prev`, `W` and `b`, so the
/// central difference `(L(x+ε) − L(x−ε)) / 2ε` equals `∂L/∂x` exactly in real
/// arithmetic, whatever `ε`: only rounding separates them. Evaluating `L`
/// rounds `Z`'s sums of `f²·n_C_prev + 1` terms and then the sum of
/// `K = m·n_H·n_W·n_C` products, so each evaluation is off by at most
/// `(f²·n_C_prev + K + 2) · u · S`, with `S = Σ |dZ| · (Σ|A|·|W| + |b|)` the
/// sum of the magnitudes of every product in `L` (taken with `|x| + ε` for the
/// perturbed values). The difference of two evaluations divided by `2ε` is off
/// by at most `terms · u · S / ε`; `fd_tolerance(S, terms, ε)` is twice that
/// (it uses `EPSILON = 2u`), which also covers the rounding of `x ± ε` itself
/// (`|∂L/∂x|·u·|x|/ε ≤ u·S/ε`). No slack beyond that bound is added.
#[test]
fn finite_differences_agree_with_conv_backward() {
    const EPS: f64 = 1e-5;
    let coverage = for_conv_cases(
        "3 (finite differences == conv_backward)",
        SMALL,
        |desc, c, rng| {
            let (a, w, b) = c.tensors(rng);
            let dz = c.dz(rng);
            let hp = c.hp();
            let (_, cache) = conv_forward(&a.view(), &w.view(), &b.view(), hp)
                .unwrap_or_else(|e| panic!("{desc}\n  conv_forward: {e}"));
            let grads =
                conv_backward(&dz.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  conv_backward: {e}"));

            let loss = |a: &Array4<f64>, w: &Array4<f64>, b: &Array4<f64>| -> f64 {
                let (z, _) = conv_forward(&a.view(), &w.view(), &b.view(), hp)
                    .unwrap_or_else(|e| panic!("{desc}\n  conv_forward in the loss: {e}"));
                (&z * &dz).sum()
            };
            let plus_eps = |x: &Array4<f64>| x.mapv(|v| v.abs() + EPS);
            let (z_abs, _) =
                conv_forward(&plus_eps(&a).view(), &plus_eps(&w).view(), &plus_eps(&b).view(), hp)
                    .unwrap_or_else(|e| panic!("{desc}\n  conv_forward: {e}"));
            let s = (&z_abs * &dz.mapv(f64::abs)).sum();
            let terms = c.f * c.f * c.n_c_prev + dz.len() + 2;
            let tol = fd_tolerance(s, terms, EPS);
            let desc = format!("{desc}\n  (loss scale S = {s:e}, terms {terms}, eps {EPS:e})");

            let num_da = numerical_gradient(&a, EPS, |a| loss(a, &w, &b));
            assert_close(&desc, "dA_prev", &grads.d_a_prev.view(), &num_da.view(), tol);
            let num_dw = numerical_gradient(&w, EPS, |w| loss(&a, w, &b));
            assert_close(&desc, "dW", &grads.d_w.view(), &num_dw.view(), tol);
            let num_db = numerical_gradient(&b, EPS, |b| loss(&a, &w, b));
            assert_close(&desc, "db", &grads.d_b.view(), &num_db.view(), tol);
        },
        assert_window_error,
    );
    coverage.assert_reached("3");
    report_worst_ratio("3");
}

// ---------------------------------------------------------------------------
// 4. ConstantPadding2D backward == finite differences; zero_pad
// ---------------------------------------------------------------------------

/// `L = Σ forward(x) ⊙ g` is linear in `x`; the padded cells hold the constant
/// and cancel between `L(x+ε)` and `L(x−ε)` only up to rounding. Evaluating
/// `L` sums `K` (the output size) products, so as in property 3 the central
/// difference is within `fd_tolerance(S, K + 1, ε)` of the exact gradient,
/// where `S = Σ |forward(x)| · |g|` (with `|x| + ε` and `|value|`) includes the
/// padding constant's share.
#[test]
fn constant_padding_backward_equals_finite_differences() {
    const EPS: f64 = 1e-5;
    const NAME: &str = "4 (ConstantPadding2D backward == finite differences)";
    let asymmetric = Cell::new(0);
    let sizes = (1..=2usize, 1..=2usize, 1..=5usize, 1..=5usize);
    check(NAME, (sizes, paddings(3), seeds()), |((n, ch, h, w), padding, seed)| {
        let rng = &mut RandomState::new(seed);
        asymmetric.set(
            asymmetric.get() + usize::from(padding.top != padding.bottom || padding.left != padding.right),
        );
        let value = rng.standard_normal() * magnitude(rng);
        let x = rng.randn((n, ch, h, w)) * magnitude(rng);
        let (ho, wo) = (h + padding.rows(), w + padding.cols());
        let g = rng.randn((n, ch, ho, wo)) * magnitude(rng);
        let desc = describe_case(
            NAME,
            seed,
            format_args!("X {}, padding {padding}, value {value:e}", shape_str(&[n, ch, h, w])),
        );
        guard(&desc, || {
            let layer = ConstantPadding2D::new(padding, value);
            let y = layer.forward(&x.view());
            assert_eq!(y.shape(), [n, ch, ho, wo], "{desc}\n  forward shape");
            // Interior is X, the border is the constant.
            for ((i, j, r, col), &v) in y.indexed_iter() {
                let inside = (padding.top..padding.top + h).contains(&r)
                    && (padding.left..padding.left + w).contains(&col);
                let want = if inside { x[[i, j, r - padding.top, col - padding.left]] } else { value };
                assert_eq!(v.to_bits(), want.to_bits(), "{desc}\n  forward[{i}, {j}, {r}, {col}]");
            }
            let dx = layer.backward(&g.view()).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
            let abs_layer = ConstantPadding2D::new(padding, value.abs());
            let s = (&abs_layer.forward(&x.mapv(|v| v.abs() + EPS).view()) * &g.mapv(f64::abs)).sum();
            let tol = fd_tolerance(s, g.len() + 1, EPS);
            let numeric = numerical_gradient(&x, EPS, |x| (&layer.forward(&x.view()) * &g).sum());
            let desc = format!("{desc}\n  (loss scale S = {s:e}, eps {EPS:e})");
            assert_close(&desc, "dX", &dx.view(), &numeric.view(), tol);
        });
    });
    assert!(asymmetric.get() > 0, "property 4 drew no asymmetric padding");
    report_worst_ratio("4");
}

#[test]
fn zero_pad_keeps_the_interior_and_adds_zeros() {
    let sizes = (1..=3usize, 1..=8usize, 1..=8usize, 1..=4usize, 0..=4usize);
    check("4b (zero_pad)", (sizes, seeds()), |((m, h, w, c, pad), seed)| {
        let rng = &mut RandomState::new(seed);
        let x = rng.randn((m, h, w, c)) * magnitude(rng);
        let desc =
            describe_case("4b (zero_pad)", seed, format_args!("X {}, pad {pad}", shape_str(&[m, h, w, c])));
        guard(&desc, || {
            let p = zero_pad(&x.view(), pad);
            assert_eq!(p.shape(), [m, h + 2 * pad, w + 2 * pad, c], "{desc}\n  shape");
            assert_eq!(p.slice(s![.., pad..pad + h, pad..pad + w, ..]), x, "{desc}\n  interior");
            for ((i, r, col, k), &v) in p.indexed_iter() {
                let inside = (pad..pad + h).contains(&r) && (pad..pad + w).contains(&col);
                assert!(
                    inside || v.to_bits() == 0.0f64.to_bits(),
                    "{desc}\n  border [{i}, {r}, {col}, {k}] is {v:e}, not 0"
                );
            }
        });
    });
}

/// 4c. Padding and cropping, on random shapes and (mostly asymmetric) paddings:
///
/// - cropping undoes padding: `ConstantPadding2D::backward(forward(x)) == x`
///   exactly, whatever the constant;
/// - zero padding and cropping are adjoint, `⟨pad(x), g⟩ = ⟨x, crop(g)⟩`:
///   both sides add the same `K = x.len()` products `x·g` (the border adds
///   exact zeros) in different orders, so they differ by at most
///   `2·γ_K·S ≈ K·EPSILON·S` with `S = Σ |x|·|crop(g)|` (module docs); the
///   tolerance is `(K + 1)·EPSILON·S`;
/// - `pad_axes` on axes 2 and 3 is `ConstantPadding2D::forward`, also of a
///   view in another memory layout, and on axes 1 and 2 with one pad on every
///   side it is the notebook's `zero_pad` (all exact: copies);
/// - `PaddingLayer`, the layer of lesson 09, gives the same forward and backward;
/// - `determine_padding` for an `fh × fw` window: `'same'` pads `fh − 1` rows
///   (`⌊(fh − 1)/2⌋` on top) and `fw − 1` columns, so that a stride-1 im2col
///   keeps the image's size; `'valid'` pads nothing;
/// - a gradient too small to have been padded this way is an error naming
///   `accum_grad`, and `PaddingLayer` refuses inputs and gradients that are
///   not 4-D, naming them.
#[test]
fn padding_and_cropping_are_inverse_and_adjoint() {
    const NAME: &str = "4c (padding and cropping)";
    let sizes = (1..=3usize, 1..=3usize, 1..=6usize, 1..=6usize);
    let windows = (1..=5usize, 1..=5usize);
    check(NAME, (sizes, paddings(3), windows, seeds()), |((n, ch, h, w), padding, window, seed)| {
        let rng = &mut RandomState::new(seed);
        let shape = [n, ch, h, w];
        let value = if int(rng, 0, 1) == 0 { 0.0 } else { rng.standard_normal() * magnitude(rng) };
        let x = randn4(rng, &shape) * magnitude(rng);
        let (ho, wo) = (h + padding.rows(), w + padding.cols());
        let g = randn4(rng, &[n, ch, ho, wo]) * magnitude(rng);
        let desc = describe_case(
            NAME,
            seed,
            format_args!(
                "X {}, padding {padding}, value {value:e}, window {}×{}",
                shape_str(&shape),
                window.0,
                window.1
            ),
        );
        guard(&desc, || {
            let layer = ConstantPadding2D::new(padding, value);
            let y = layer.forward(&x.view());
            assert_eq!(y.shape(), [n, ch, ho, wo], "{desc}\n  forward shape");
            let back = layer.backward(&y.view()).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
            assert_eq!(back, x, "{desc}\n  backward(forward(X)) is not X");

            let zeros = ConstantPadding2D::zeros(padding);
            let crop = zeros.backward(&g.view()).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
            let left = (&zeros.forward(&x.view()) * &g).sum();
            let right = (&x * &crop).sum();
            let s = (x.mapv(f64::abs) * crop.mapv(f64::abs)).sum();
            let tol = (x.len() + 1) as f64 * f64::EPSILON * s;
            assert_close(
                &desc,
                "⟨pad(X), G⟩ − ⟨X, crop(G)⟩",
                &ndarray::arr0(left).view(),
                &ndarray::arr0(right).view(),
                tol,
            );

            assert_eq!(pad_axes(&x.view(), 2, 3, padding, value), y, "{desc}\n  pad_axes (axes 2, 3)");
            let x_t = x.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned();
            let strided = x_t.view().permuted_axes([0, 3, 1, 2]);
            assert_eq!(layer.forward(&strided), y, "{desc}\n  forward of a view in another layout");
            let pad = padding.top;
            assert_eq!(
                zero_pad(&x_t.view(), pad),
                pad_axes(&x_t.view(), 1, 2, Padding2D::uniform(pad), 0.0),
                "{desc}\n  zero_pad (pad {pad}) vs pad_axes (axes 1, 2)"
            );

            let mut as_layer = if value == 0.0 {
                PaddingLayer::zeros(padding)
            } else {
                PaddingLayer::constant(padding, value)
            };
            let y_layer = as_layer
                .forward(&x.clone().into_dyn(), true)
                .unwrap_or_else(|e| panic!("{desc}\n  PaddingLayer::forward: {e}"));
            assert_eq!(y_layer, y.clone().into_dyn(), "{desc}\n  PaddingLayer::forward");
            let g_layer = as_layer
                .backward(&g.clone().into_dyn())
                .unwrap_or_else(|e| panic!("{desc}\n  PaddingLayer::backward: {e}"));
            assert_eq!(
                g_layer,
                layer.backward(&g.view()).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}")).into_dyn(),
                "{desc}\n  PaddingLayer::backward"
            );

            let (fh, fw) = window;
            let same = determine_padding(window, PaddingMode::Same);
            assert_eq!(
                (same.top, same.rows(), same.left, same.cols()),
                ((fh - 1) / 2, fh - 1, (fw - 1) / 2, fw - 1),
                "{desc}\n  determine_padding('same') = {same}"
            );
            let p = Im2colParams::new(&shape, window, same, 1)
                .unwrap_or_else(|e| panic!("{desc}\n  Im2colParams ('same'): {e}"));
            assert_eq!((p.out_h(), p.out_w()), (h, w), "{desc}\n  'same' output size");
            assert_eq!(
                determine_padding(window, PaddingMode::Valid),
                Padding2D::uniform(0),
                "{desc}\n  'valid'"
            );

            // Too small: no more rows (or columns) than the padding adds.
            let small = if int(rng, 0, 1) == 0 {
                [n, ch, int(rng, 0, padding.rows()), wo]
            } else {
                [n, ch, ho, int(rng, 0, padding.cols())]
            };
            let bad = Array4::<f64>::zeros(small);
            let desc = format!("{desc}, accum_grad {}", shape_str(&small));
            expect_err(&desc, "ConstantPadding2D::backward", layer.backward(&bad.view()), &["accum_grad"]);
            expect_err(&desc, "PaddingLayer::backward", as_layer.backward(&bad.into_dyn()), &["accum_grad"]);
            let flat = ArrayD::<f64>::zeros(IxDyn(&[n, ch * h * w]));
            expect_err(
                &desc,
                "PaddingLayer::forward (2-D)",
                as_layer.forward(&flat, true),
                &["padding input"],
            );
            expect_err(
                &desc,
                "PaddingLayer::backward (2-D)",
                as_layer.backward(&flat),
                &["padding gradient"],
            );
        });
    });
}

// ---------------------------------------------------------------------------
// 5. Errors, not panics
// ---------------------------------------------------------------------------

/// One thing wrong with an otherwise valid convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    StrideZero,
    WindowTooLarge,
    ChannelMismatch,
    NonSquareW,
    WrongB,
    RankAPrev,
    RankW,
    RankB,
}

const FAULTS: [Fault; 8] = [
    Fault::StrideZero,
    Fault::WindowTooLarge,
    Fault::ChannelMismatch,
    Fault::NonSquareW,
    Fault::WrongB,
    Fault::RankAPrev,
    Fault::RankW,
    Fault::RankB,
];

/// `(A_prev, W, b, hp)` with `fault`, and the tensor or parameter the error must name.
fn with_fault(
    rng: &mut RandomState,
    c: &ConvCase,
    fault: Fault,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, Hparameters, &'static str) {
    let (mut a, mut w, mut b, mut hp) =
        (c.a_shape().to_vec(), c.w_shape().to_vec(), c.b_shape().to_vec(), c.hp());
    let expect = match fault {
        Fault::StrideZero => {
            hp.stride = 0;
            "stride"
        }
        Fault::WindowTooLarge => {
            let f = (c.n_h.min(c.n_w) + 2 * c.pad) + int(rng, 1, 3);
            (w[0], w[1]) = (f, f);
            "f"
        }
        Fault::ChannelMismatch => {
            let mut k = int(rng, 0, c.n_c_prev + 2);
            if k >= c.n_c_prev {
                k += 1;
            }
            w[2] = k;
            "W"
        }
        Fault::NonSquareW => {
            // One of the two window axes changed (to any other size, 0 included).
            let axis = int(rng, 0, 1);
            let mut k = int(rng, 0, c.f + 2);
            if k >= c.f {
                k += 1;
            }
            w[axis] = k;
            "W"
        }
        Fault::WrongB => {
            b = change_one_axis(rng, &b);
            "b"
        }
        Fault::RankAPrev => {
            a = change_rank(rng, &a, 4);
            "A_prev"
        }
        Fault::RankW => {
            w = change_rank(rng, &w, 4);
            "W"
        }
        Fault::RankB => {
            b = change_rank(rng, &b, 4);
            "b"
        }
    };
    (a, w, b, hp, expect)
}

#[test]
fn invalid_parameters_are_errors_not_panics() {
    const NAME: &str = "5 (invalid inputs are errors)";
    for fault in FAULTS {
        check(NAME, (conv_cases(FULL), seeds()), |(c, seed)| {
            let rng = &mut RandomState::new(seed);
            let (a, w, b, hp, expect) = with_fault(rng, &c, fault);
            let desc = describe_case(
                NAME,
                seed,
                format_args!(
                    "{fault:?}: A_prev {}, W {}, b {}, pad {}, stride {}",
                    shape_str(&a),
                    shape_str(&w),
                    shape_str(&b),
                    hp.pad,
                    hp.stride
                ),
            );
            guard(&desc, || {
                let check = |who: &str, e: Error| assert_names(&desc, who, &e, &[expect]);
                match ConvParams::new(&a, &w, &b, hp) {
                    Ok(p) => panic!("{desc}\n  ConvParams::new accepted it: {p:?}"),
                    Err(e) => check("ConvParams::new", e),
                }
                if [&a, &w, &b].iter().all(|s| s.len() == 4) {
                    let (at, wt, bt) = (randn4(rng, &a), randn4(rng, &w), randn4(rng, &b));
                    match conv_forward(&at.view(), &wt.view(), &bt.view(), hp) {
                        Ok((z, _)) => panic!("{desc}\n  conv_forward accepted it: Z {:?}", z.shape()),
                        Err(e) => check("conv_forward", e),
                    }
                    match conv_forward_by_layer(&at.view(), &wt.view(), &bt.view(), hp) {
                        Ok(z) => panic!("{desc}\n  conv_forward_by_layer accepted it: Z {:?}", z.shape()),
                        Err(e) => check("conv_forward_by_layer", e),
                    }
                }
            });
        });
    }
}

#[test]
fn backward_with_a_wrong_dz_is_an_error() {
    const NAME: &str = "5b (conv_backward with a wrong dZ)";
    check(NAME, (conv_cases(FULL), seeds()), |(c, seed)| {
        let rng = &mut RandomState::new(seed);
        let (a, w, b) = c.tensors(rng);
        let dz_shape = change_one_axis(rng, &c.z_shape());
        let dz = randn4(rng, &dz_shape);
        let desc = describe_case(
            NAME,
            seed,
            format_args!("{c}, dZ {} (Z {})", shape_str(&dz_shape), shape_str(&c.z_shape())),
        );
        guard(&desc, || {
            let (_, cache) = conv_forward(&a.view(), &w.view(), &b.view(), c.hp())
                .unwrap_or_else(|e| panic!("{desc}\n  conv_forward: {e}"));
            for (who, r) in [
                ("conv_backward", conv_backward(&dz.view(), &cache)),
                ("conv_backward_by_sensitivity_maps", conv_backward_by_sensitivity_maps(&dz.view(), &cache)),
            ] {
                match r {
                    Ok(_) => panic!("{desc}\n  {who} accepted the wrong dZ"),
                    Err(e) => assert_names(&desc, who, &e, &["dZ"]),
                }
            }
        });
    });
}

// ---------------------------------------------------------------------------
// 6. rows_not_reached
// ---------------------------------------------------------------------------

/// Random `(n, f, pad, stride)`, `n` in `1..=12`, `f` in `1..=6`, `pad` in
/// `0..=4`, `stride` in `1..=6`, with the window fitting `n + 2·pad` (`f`
/// and `pad` drawn first) and `stride ≤ max_stride(f)`.
#[track_caller]
fn for_rows_cases(
    name: &str,
    max_stride: fn(usize) -> usize,
    body: impl Fn(&str, usize, usize, usize, usize),
) {
    let sizes = (1..=6usize, 0..=4usize).prop_flat_map(move |(f, pad)| {
        (Just(f), Just(pad), f.saturating_sub(2 * pad).max(1)..=12, 1..=max_stride(f).min(6))
    });
    check(name, sizes, |(f, pad, n, stride)| {
        let desc = format!("property {name}: n {n}, f {f}, pad {pad}, stride {stride}");
        guard(&desc, || body(&desc, n, f, pad, stride));
    });
}

/// `rows_not_reached` is exactly the rows no window reads: after the last
/// window, and between windows when `stride > f`.
#[test]
fn rows_not_reached_is_exactly_the_unreached_rows() {
    for_rows_cases(
        "6c (rows_not_reached == unreached rows)",
        |_| usize::MAX,
        |desc, n, f, pad, stride| {
            assert_eq!(rows_not_reached(n, f, pad, stride), unreached(n, f, pad, stride), "{desc}");
        },
    );
}

/// The brute-force helpers on hand-worked cases, so the properties above rest
/// on checked ground.
#[test]
fn helpers_work_on_known_cases() {
    assert_eq!(unreached(5, 2, 0, 2), vec![4]); // rows_not_reached's doc example
    assert_eq!(unreached(5, 1, 0, 2), vec![1, 3]); // gaps between windows
    assert_eq!(unreached(1, 1, 1, 2), vec![0]); // both windows on the padding
    assert!(unreached(5, 3, 1, 2).is_empty());
    assert_eq!(max_abs(&ndarray::arr1(&[1.0, -3.0]).view()), 3.0);
    assert!(names("W has shape (1, 2)", "W") && names("f = 6: too big", "f"));
    assert!(!names("W_prev has shape (1, 2)", "W") && !names("b has shape", "A_prev"));
}

// ---------------------------------------------------------------------------
// Zero-size axes (beyond the ranges above, which start at 1)
// ---------------------------------------------------------------------------

/// With one axis of size 0 (an empty batch, an empty input axis made valid by
/// the padding, no input channels, no filters) the two implementations should
/// still agree, as in properties 1 and 2: both `Ok` with the same `Z` and
/// gradients, or both `Err` (once, an empty input axis with padding made the
/// sensitivity maps panic, and `n_C = 0` was accepted by one side only).
#[test]
fn zero_size_axes_agree_between_implementations() {
    fn outcome<T>(r: &Result<T, Error>, shape: impl Fn(&T) -> Vec<usize>) -> String {
        match r {
            Ok(x) => format!("Ok, shape {}", shape_str(&shape(x))),
            Err(e) => format!("Err({e})"),
        }
    }
    check("zero-size axes", (conv_cases(FULL), 0..=4usize, seeds()), |(mut c, axis, seed)| {
        let rng = &mut RandomState::new(seed);
        match axis {
            0 => c.m = 0,
            1 => c.n_h = 0,
            2 => c.n_w = 0,
            3 => c.n_c_prev = 0,
            _ => c.n_c = 0,
        }
        let desc = describe_case("zero-size axes", seed, c);
        guard(&desc, || {
            let (a, w, b) = c.tensors(rng);
            let hp = c.hp();
            let loops = conv_forward(&a.view(), &w.view(), &b.view(), hp);
            let layer = conv_forward_by_layer(&a.view(), &w.view(), &b.view(), hp);
            let (z, cache) = match (loops, layer) {
                (Ok((z, cache)), Ok(z_layer)) => {
                    compare_forward(&desc, &c, (&a, &w, &b), &z, &z_layer);
                    (z, cache)
                }
                (Err(_), Err(_)) => return,
                (l, r) => panic!(
                    "{desc}\n  conv_forward {} but conv_forward_by_layer {}",
                    outcome(&l, |x| x.0.shape().to_vec()),
                    outcome(&r, |z| z.shape().to_vec())
                ),
            };
            let dz = z.mapv(|_| rng.standard_normal());
            match (conv_backward(&dz.view(), &cache), conv_backward_by_sensitivity_maps(&dz.view(), &cache)) {
                (Ok(g), Ok(g_maps)) => compare_backward(&desc, &c, (&a, &w, &dz), &g, &g_maps),
                (Err(_), Err(_)) => {}
                (l, r) => panic!(
                    "{desc}\n  conv_backward {} but conv_backward_by_sensitivity_maps {}",
                    outcome(&l, |g| g.d_a_prev.shape().to_vec()),
                    outcome(&r, |g| g.d_a_prev.shape().to_vec())
                ),
            }
        });
    });
}

// ---------------------------------------------------------------------------
// 7. Pooling: the notebook's loops (pool_forward, pool_backward) against the
//    second ways (seed 004's MaxPoolingLayer; a convolution with filters 1/f²)
// ---------------------------------------------------------------------------

const MODES: [PoolMode; 2] = [PoolMode::Max, PoolMode::Average];

/// Sizes of one pooling layer: `m` in `1..=3`, `n_H_prev` and `n_W_prev` in
/// `1..=8` (independently), `n_C` in `1..=4`, `f` in `1..=5` and `stride` in
/// `1..=4` (often larger than `f`, often not dividing `n − f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PoolCase {
    m: usize,
    n_h: usize,
    n_w: usize,
    n_c: usize,
    f: usize,
    stride: usize,
}

/// Pooling cases whose window fits the input: `f` first, then `n_H_prev`
/// and `n_W_prev` in `f..=8`.
fn pool_cases() -> impl Strategy<Value = PoolCase> {
    (1..=5usize)
        .prop_flat_map(|f| (Just(f), 1..=3usize, f..=8, f..=8, 1..=4usize, 1..=4usize))
        .prop_map(|(f, m, n_h, n_w, n_c, stride)| PoolCase { m, n_h, n_w, n_c, f, stride })
}

/// Pooling cases whose window is larger than the input (on its smaller
/// axis) by 1 to 3.
fn too_large_pool_cases() -> impl Strategy<Value = PoolCase> {
    (pool_cases(), 1..=3usize).prop_map(|(mut c, k)| {
        c.f = c.n_h.min(c.n_w) + k;
        c
    })
}

impl PoolCase {
    fn a_shape(&self) -> [usize; 4] {
        [self.m, self.n_h, self.n_w, self.n_c]
    }

    fn hp(&self) -> PoolHparameters {
        PoolHparameters { f: self.f, stride: self.stride }
    }

    /// Whether the window fits the input.
    fn fits(&self) -> bool {
        self.f <= self.n_h && self.f <= self.n_w
    }

    /// `(n_H, n_W)`, for a case that fits.
    fn out_hw(&self) -> (usize, usize) {
        (output_size(self.n_h, self.f, 0, self.stride), output_size(self.n_w, self.f, 0, self.stride))
    }

    /// Shape of the pooled output `A` (and of `dA`).
    fn out_shape(&self) -> [usize; 4] {
        let (h, w) = self.out_hw();
        [self.m, h, w, self.n_c]
    }

    /// `K = m·n_H·n_W·n_C`, the number of windows.
    fn out_len(&self) -> usize {
        self.out_shape().iter().product()
    }

    /// `n − f` not a multiple of the stride on some axis.
    fn uneven(&self) -> bool {
        [self.n_h, self.n_w].iter().any(|&n| !(n - self.f).is_multiple_of(self.stride))
    }

    /// Every input row and column is read by some window: on both axes the
    /// stride divides `n − f` (the last window ends at the last row) and
    /// `stride ≤ f` (no gap between windows) or `n = f` (a single window).
    fn every_cell_read(&self) -> bool {
        [self.n_h, self.n_w]
            .iter()
            .all(|&n| (n - self.f).is_multiple_of(self.stride) && (self.stride <= self.f || n == self.f))
    }

    /// The input rows and columns of output cell `(h, w)`, by the notebook's
    /// `vert_start = h·stride`, `vert_end = vert_start + f` (written out here,
    /// not taken from `PoolParams::window`).
    fn window(&self, h: usize, w: usize) -> (Range<usize>, Range<usize>) {
        let (v, hz) = (h * self.stride, w * self.stride);
        (v..v + self.f, hz..hz + self.f)
    }

    /// `randn` times a random magnitude, shaped like `A_prev`.
    fn x(&self, rng: &mut RandomState) -> Array4<f64> {
        randn4(rng, &self.a_shape()) * magnitude(rng)
    }

    /// `randn` times a random magnitude, shaped like `A`.
    fn da(&self, rng: &mut RandomState) -> Array4<f64> {
        randn4(rng, &self.out_shape()) * magnitude(rng)
    }
}

impl fmt::Display for PoolCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "A_prev {}, f {}, stride {}", shape_str(&self.a_shape()), self.f, self.stride)
    }
}

/// Counts of the interesting kinds of pooling case (as [`Coverage`]).
#[derive(Default, Debug)]
struct PoolCoverage {
    /// How many valid cases the property ran.
    cases: usize,
    valid: usize,
    window_too_large: usize,
    stride_beyond_f: usize,
    uneven_stride: usize,
    non_square_input: usize,
    every_cell_read: usize,
}

impl PoolCoverage {
    fn count(&mut self, c: &PoolCase) {
        if !c.fits() {
            self.window_too_large += 1;
            return;
        }
        self.valid += 1;
        self.stride_beyond_f += usize::from(c.stride > c.f);
        self.uneven_stride += usize::from(c.uneven());
        self.non_square_input += usize::from(c.n_h != c.n_w);
        self.every_cell_read += usize::from(c.every_cell_read());
    }

    fn assert_reached(&self, property: &str) {
        eprintln!("property {property}: {self:?}");
        assert!(
            self.valid >= self.cases
                && self.window_too_large > 0
                && self.stride_beyond_f > 0
                && self.uneven_stride > 0
                && self.non_square_input > 0
                && self.every_cell_read > 0,
            "property {property}: the generator missed a kind of case: {self:?}"
        );
    }
}

/// Runs property `name` on pooling cases that fit ([`pool_cases`]), calling
/// `valid` on each with the generator of its values; then on cases whose
/// window is larger than the input ([`too_large_pool_cases`]), which must be
/// an `f` error ([`assert_pool_window_error`]).
#[track_caller]
fn for_pool_cases(name: &str, valid: impl Fn(&str, &PoolCase, &mut RandomState)) -> PoolCoverage {
    let coverage = RefCell::new(PoolCoverage::default());
    let cases = check(name, (pool_cases(), seeds()), |(c, seed)| {
        let desc = describe_case(name, seed, c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || valid(&desc, &c, &mut RandomState::new(seed)));
    });
    check(name, (too_large_pool_cases(), seeds()), |(c, seed)| {
        let desc = describe_case(name, seed, c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || assert_pool_window_error(&desc, &c, &mut RandomState::new(seed)));
    });
    PoolCoverage { cases, ..coverage.into_inner() }
}

/// A window larger than the input is an `f` parameter error from both
/// forward passes, in both modes.
fn assert_pool_window_error(desc: &str, c: &PoolCase, rng: &mut RandomState) {
    let x = c.x(rng);
    for mode in MODES {
        let loops = pool_forward(&x.view(), c.hp(), mode).map(|r| r.0);
        let second = pool_forward_second_way(&x.view(), c.hp(), mode);
        for (who, r) in [("pool_forward", loops), ("pool_forward_second_way", second)] {
            match r {
                Ok(a) => panic!(
                    "{desc}\n  {who} ({}) accepted a window larger than the input: A {:?}",
                    mode.name(),
                    a.shape()
                ),
                Err(e) => assert_names(desc, &format!("{who} ({})", mode.name()), &e, &["f"]),
            }
        }
    }
}

/// The first largest cell of `x[i, rows, cols, c]` in row-major order, by
/// brute force (a later cell wins only when strictly larger): its `(row,
/// column)` in the input.
fn first_max_at(
    x: &Array4<f64>,
    i: usize,
    (rows, cols): (Range<usize>, Range<usize>),
    c: usize,
) -> (usize, usize) {
    let mut best = (rows.start, cols.start);
    for r in rows {
        for col in cols.clone() {
            if x[[i, r, col, c]] > x[[i, best.0, best.1, c]] {
                best = (r, col);
            }
        }
    }
    best
}

/// Input rows and columns that no window reads get exactly zero gradient.
fn assert_unread_cells_are_zero(desc: &str, who: &str, c: &PoolCase, da_prev: &Array4<f64>) {
    for r in unreached(c.n_h, c.f, 0, c.stride) {
        assert!(
            da_prev.slice(s![.., r, .., ..]).iter().all(|&v| v == 0.0),
            "{desc}\n  {who}: dA_prev row {r} is read by no window but has a non-zero gradient"
        );
    }
    for col in unreached(c.n_w, c.f, 0, c.stride) {
        assert!(
            da_prev.slice(s![.., .., col, ..]).iter().all(|&v| v == 0.0),
            "{desc}\n  {who}: dA_prev column {col} is read by no window but has a non-zero gradient"
        );
    }
}

/// 7a. Max: both ways keep one value of the window, with no arithmetic, so
/// they agree exactly, and with a brute-force scan of the window.
///
/// Average: the loops compute `fl(Σx) / f²` (`f² − 1` rounded additions and a
/// rounded division), the convolution `Σ x·fl(1/f²)` (two roundings per
/// product and `f² − 1` additions; the products with the zero weights of the
/// other channels are exact zeros and add nothing, as does the zero bias).
/// So each is within `(f² + 1)·u·Σ|x|/f² ≤ (f² + 1)·u·max|A_prev|` of the
/// true mean and they differ by at most `(2f² + 2)·u·max|A_prev|`
/// `= (f² + 1)·EPSILON·max|A_prev|` to first order; the tolerance is
/// `(f² + 2)·EPSILON·max|A_prev|`, the extra `EPSILON` for second-order terms.
#[test]
fn pool_forward_equals_pool_forward_second_way() {
    let coverage = for_pool_cases("7a (pool_forward == pool_forward_second_way)", |desc, c, rng| {
        let x = c.x(rng);
        for mode in MODES {
            let desc = format!("{desc}, mode {}", mode.name());
            let (a, cache) = pool_forward(&x.view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            let second = pool_forward_second_way(&x.view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward_second_way: {e}"));
            assert_eq!(a.shape(), c.out_shape(), "{desc}\n  A shape");
            assert_eq!(cache.params.out_shape(), c.out_shape(), "{desc}\n  params");
            match mode {
                PoolMode::Max => {
                    assert_close(&desc, "A", &a.view(), &second.view(), 0.0);
                    for ((i, h, w, ch), &v) in a.indexed_iter() {
                        let (r, col) = first_max_at(&x, i, c.window(h, w), ch);
                        assert_eq!(
                            v,
                            x[[i, r, col, ch]],
                            "{desc}\n  A[{i}, {h}, {w}, {ch}] is not the window max"
                        );
                    }
                }
                PoolMode::Average => {
                    let tol = (c.f * c.f + 2) as f64 * f64::EPSILON * max_abs(&x.view());
                    assert_close(&desc, "A", &a.view(), &second.view(), tol);
                }
            }
        }
    });
    coverage.assert_reached("7a");
    report_worst_ratio("7a");
}

/// One thing wrong with an otherwise valid pooling layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PoolFault {
    WindowTooLarge,
    StrideZero,
    FZero,
    ZeroAxis,
    Rank,
}

const POOL_FAULTS: [PoolFault; 5] = [
    PoolFault::WindowTooLarge,
    PoolFault::StrideZero,
    PoolFault::FZero,
    PoolFault::ZeroAxis,
    PoolFault::Rank,
];

/// 7b. A window larger than the input (on either axis), stride 0, f 0, an
/// axis of size 0 or a rank other than 4 is an `Err` naming the right
/// parameter or tensor, from `PoolParams::new` and from both forward passes
/// in both modes, never a panic. (The forward passes take a rank-4 view, so a
/// wrong rank can only reach `PoolParams::new`.)
#[test]
fn invalid_pooling_inputs_are_errors_not_panics() {
    const NAME: &str = "7b (invalid pooling inputs are errors)";
    for fault in POOL_FAULTS {
        check(NAME, (pool_cases(), seeds()), |(c, seed)| {
            let rng = &mut RandomState::new(seed);
            let (mut a, mut hp) = (c.a_shape().to_vec(), c.hp());
            let expect = match fault {
                PoolFault::WindowTooLarge => {
                    hp.f = c.n_h.min(c.n_w) + int(rng, 1, 3);
                    "f"
                }
                PoolFault::StrideZero => {
                    hp.stride = 0;
                    "stride"
                }
                PoolFault::FZero => {
                    hp.f = 0;
                    "f"
                }
                PoolFault::ZeroAxis => {
                    a[int(rng, 0, 3)] = 0;
                    "A_prev"
                }
                PoolFault::Rank => {
                    a = change_rank(rng, &a, 4);
                    "A_prev"
                }
            };
            let desc = describe_case(
                NAME,
                seed,
                format_args!("{fault:?}: A_prev {}, f {}, stride {}", shape_str(&a), hp.f, hp.stride),
            );
            guard(&desc, || {
                match PoolParams::new(&a, hp) {
                    Ok(p) => panic!("{desc}\n  PoolParams::new accepted it: {p:?}"),
                    Err(e) => assert_names(&desc, "PoolParams::new", &e, &[expect]),
                }
                if a.len() == 4 {
                    let x = randn4(rng, &a);
                    for mode in MODES {
                        let loops = pool_forward(&x.view(), hp, mode).map(|r| r.0);
                        let second = pool_forward_second_way(&x.view(), hp, mode);
                        for (who, r) in [("pool_forward", loops), ("pool_forward_second_way", second)] {
                            let who = format!("{who} ({})", mode.name());
                            match r {
                                Ok(out) => panic!("{desc}\n  {who} accepted it: A {:?}", out.shape()),
                                Err(e) => assert_names(&desc, &who, &e, &[expect]),
                            }
                        }
                    }
                }
            });
        });
    }
}

/// 7c. Max: both ways send each `dA` to the first maximum of its window (with
/// `randn` inputs there are no ties anyway) and add into each cell in the same
/// order of windows, so they agree exactly. Unread rows and columns get 0.
///
/// Average: a cell read by `k ≤ ⌈f/s⌉² ≤ f²` windows sums `k` shares of
/// `dA/f²`, each rounded once by the loops (`fl(dA/f²)`) and twice by the
/// convolution (`fl(dA·fl(1/f²))`; the zero weights of the other channels add
/// exact zeros), then `k − 1` rounded additions: each way is within
/// `(k + 1)·u·k·max|dA|/f² ≤ (f² + 1)·u·max|dA|`, so they differ by at most
/// `(f² + 1)·EPSILON·max|dA|`; the tolerance is `(f² + 2)·EPSILON·max|dA|`.
#[test]
fn pool_backward_equals_pool_backward_second_way() {
    let coverage = for_pool_cases("7c (pool_backward == pool_backward_second_way)", |desc, c, rng| {
        let x = c.x(rng);
        let da = c.da(rng);
        for mode in MODES {
            let desc = format!("{desc}, mode {}", mode.name());
            let (_, cache) = pool_forward(&x.view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            let loops = pool_backward(&da.view(), &cache, mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_backward: {e}"));
            let second = pool_backward_second_way(&da.view(), &cache, mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_backward_second_way: {e}"));
            assert_eq!(loops.shape(), c.a_shape(), "{desc}\n  dA_prev shape");
            let tol = match mode {
                PoolMode::Max => 0.0,
                PoolMode::Average => (c.f * c.f + 2) as f64 * f64::EPSILON * max_abs(&da.view()),
            };
            assert_close(&desc, "dA_prev", &loops.view(), &second.view(), tol);
            assert_unread_cells_are_zero(&desc, "pool_backward", c, &loops);
            assert_unread_cells_are_zero(&desc, "pool_backward_second_way", c, &second);
        }
    });
    coverage.assert_reached("7c");
    report_worst_ratio("7c");
}

/// How many elements of `A_prev` property 7d differentiates per case and mode
/// (all of them when there are fewer): each costs two forward passes, and in
/// the dev profile all of them would take about 20 s.
const PROBES: usize = 24;

/// 7d. `E = Σ pool_forward(x) ⊙ dA`; its central differences agree with
/// `pool_backward`.
///
/// Average: `E` is linear in `x`, so the central difference equals `∂E/∂x`
/// exactly in real arithmetic, whatever `ε`. Max: `E` is linear in `x_k` as
/// long as no window changes its maximum. Moving `x_k` by `±ε` keeps it below
/// the maximum of a window where it is not the maximum (more than `gap` above
/// it) and above the second largest of a window where it is, as long as
/// `ε < gap`, the smallest distance between the two largest values of any
/// window (`smallest_gap`). The inputs are [`distinct_values`], with
/// `gap > mag/2`, and `ε = mag/8` leaves a factor 4 of margin (far more than
/// the rounding of `x ± ε`); each case checks `smallest_gap > 2ε` before it
/// differentiates, so no case is skipped. For average, `ε = mag/8` too, with
/// `randn · mag` inputs: a large `ε` divides the rounding error by more.
///
/// Rounding, as in property 3: each evaluation of `E` is off by at most
/// `terms · u · S`, where `S = Σ pool_forward(|x| + ε) ⊙ |dA|` bounds the
/// magnitudes of every product in `E` (perturbed value included). Max selects
/// without rounding, so `terms = K + 2` (`K` products, their additions, and
/// one more for the rounding of `x ± ε`); average first rounds each mean of
/// `f²` terms, `terms = f² + K + 2`. `fd_tolerance(S, terms, ε)` is twice
/// that bound over `ε`.
#[test]
fn finite_differences_agree_with_pool_backward() {
    let coverage = for_pool_cases("7d (finite differences == pool_backward)", |desc, c, rng| {
        for mode in MODES {
            let (x, mag) = match mode {
                PoolMode::Max => distinct_values(rng, c.a_shape()),
                PoolMode::Average => {
                    let mag = magnitude(rng);
                    (randn4(rng, &c.a_shape()) * mag, mag)
                }
            };
            let da = c.da(rng);
            let eps = mag / 8.0;
            let desc = format!("{desc}, mode {}, eps {eps:e}", mode.name());
            let (_, cache) = pool_forward(&x.view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            if mode == PoolMode::Max {
                let gap = smallest_gap(&x.view(), &cache.params);
                assert!(gap > 2.0 * eps, "{desc}\n  distinct_values left a near-tie: gap {gap:e}");
            }
            let grad = pool_backward(&da.view(), &cache, mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_backward: {e}"));
            let loss = |x: &Array4<f64>| -> f64 {
                let (a, _) = pool_forward(&x.view(), c.hp(), mode)
                    .unwrap_or_else(|e| panic!("{desc}\n  pool_forward in the loss: {e}"));
                (&a * &da).sum()
            };
            let (a_abs, _) = pool_forward(&x.mapv(|v| v.abs() + eps).view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            let s = (&a_abs * &da.mapv(f64::abs)).sum();
            let terms = match mode {
                PoolMode::Max => c.out_len() + 2,
                PoolMode::Average => c.f * c.f + c.out_len() + 2,
            };
            let tol = fd_tolerance(s, terms, eps);
            // Two evaluations of E per probed element: at most PROBES of them.
            let probes = probe_positions(rng, &grad, PROBES);
            let numeric = numerical_gradient_at(&x, eps, &probes, loss);
            let want = with_values_at(&grad, &probes, &numeric);
            let desc = format!(
                "{desc}\n  (loss scale S = {s:e}, terms {terms}, {} of {} elements probed)",
                probes.len(),
                x.len()
            );
            assert_close(&desc, "dA_prev", &grad.view(), &want.view(), tol);
        }
    });
    coverage.assert_reached("7d");
    report_worst_ratio("7d");
}

/// 7e. The total gradient is preserved: `Σ dA_prev = Σ dA`, from both
/// backward passes in both modes. Every window lies inside the input (no
/// padding), so each `dA` lands whole inside it: on one cell (max) or as `f²`
/// shares (average). So it holds whether or not every row and column is read
/// (the case where all are is the one usually stated; [`PoolCase::every_cell_read`]
/// is checked against the brute-force `unreached`, and both kinds of case
/// must occur).
///
/// Rounding: `Σ dA` is a sum of `K` terms; `Σ dA_prev` adds the same `K`
/// values (max; the zeros add exactly) or `K·f²` shares each rounded once or
/// twice (average) in another order. By the module docs' bound they differ by
/// at most `K·EPSILON·Σ|dA|` (max) or `K·(f² + 2)·EPSILON·Σ|dA|` (average).
#[test]
fn pool_backward_preserves_the_total_gradient() {
    let (read, not_read) = (Cell::new(0), Cell::new(0));
    let coverage = for_pool_cases("7e (Σ dA_prev == Σ dA)", |desc, c, rng| {
        let all_read =
            unreached(c.n_h, c.f, 0, c.stride).is_empty() && unreached(c.n_w, c.f, 0, c.stride).is_empty();
        assert_eq!(c.every_cell_read(), all_read, "{desc}\n  every_cell_read disagrees with unreached");
        let counter = if all_read { &read } else { &not_read };
        counter.set(counter.get() + 1);
        let x = c.x(rng);
        let da = c.da(rng);
        let total = da.sum();
        let total_abs = da.mapv(f64::abs).sum();
        for mode in MODES {
            let desc = format!("{desc}, mode {}, every cell read: {all_read}", mode.name());
            let (_, cache) = pool_forward(&x.view(), c.hp(), mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            let tol = match mode {
                PoolMode::Max => c.out_len() as f64 * f64::EPSILON * total_abs,
                PoolMode::Average => (c.out_len() * (c.f * c.f + 2)) as f64 * f64::EPSILON * total_abs,
            };
            for (who, r) in [
                ("pool_backward", pool_backward(&da.view(), &cache, mode)),
                ("pool_backward_second_way", pool_backward_second_way(&da.view(), &cache, mode)),
            ] {
                let da_prev = r.unwrap_or_else(|e| panic!("{desc}\n  {who}: {e}"));
                let got = ndarray::arr0(da_prev.sum());
                assert_close(
                    &desc,
                    &format!("Σ dA_prev ({who})"),
                    &got.view(),
                    &ndarray::arr0(total).view(),
                    tol,
                );
            }
        }
    });
    coverage.assert_reached("7e");
    let (read, not_read) = (read.get(), not_read.get());
    eprintln!("property 7e: every cell read in {read} cases, some unread in {not_read}");
    assert!(read > 0 && not_read > 0, "property 7e: read {read}, not read {not_read}");
    report_worst_ratio("7e");
}

/// Small integers `−2..=2` times a random magnitude, the zeros of either sign:
/// many ties, some of them between `0.0` and `−0.0`.
fn tied_values(rng: &mut RandomState, shape: [usize; 4]) -> Array4<f64> {
    let mag = magnitude(rng);
    Array4::from_shape_fn(shape, |_| {
        let v = int(rng, 0, 4) as f64 - 2.0;
        if v == 0.0 && int(rng, 0, 1) == 1 {
            -0.0
        } else {
            v * mag
        }
    })
}

/// 7f. Ties. With `dA[i, h, w, c] = 2^(h·n_W + w)`, a distinct power of two
/// per window of a channel, every sum max `pool_backward` forms is exact: a
/// cell is read by windows at most `⌈f/s⌉ − 1 ≤ 4` rows and columns apart, so
/// their exponents are within `4·(n_W + 1) ≤ 36 < 53` of each other. Each
/// cell's value is then a set of windows, read off its bits, and each window
/// must be in the set of exactly one cell of its channel: the first maximum
/// of the window in row-major order ([`first_max_at`]). The same for
/// `pool_backward_second_way` (seed 004's `get_max_index`). And on every
/// window, `create_mask_from_window` marks exactly the cells equal to the
/// window's maximum (`−0.0 == 0.0`), `first_max_mask` only the first.
#[test]
fn max_pool_backward_sends_each_da_to_the_first_maximum() {
    let with_ties = Cell::new(0);
    let coverage = for_pool_cases("7f (ties: dA goes to the first maximum)", |desc, c, rng| {
        let x = tied_values(rng, c.a_shape());
        let (out_h, out_w) = c.out_hw();
        assert!(
            (c.f.div_ceil(c.stride) - 1) * (out_w + 1) < 53 && out_h * out_w <= 64,
            "{desc}\n  the powers of two of dA would not add exactly"
        );
        let da = Array4::from_shape_fn(c.out_shape(), |(_, h, w, _)| (1u64 << (h * out_w + w)) as f64);
        let mut tied = false;
        for ((i, h, w, ch), _) in da.indexed_iter() {
            let (rows, cols) = c.window(h, w);
            let window = x.slice(s![i, rows.clone(), cols.clone(), ch]);
            let (r, col) = first_max_at(&x, i, (rows.clone(), cols.clone()), ch);
            let max = x[[i, r, col, ch]];
            let mask = create_mask_from_window(&window);
            let first = first_max_mask(&window);
            tied |= window.iter().filter(|&&v| v == max).count() > 1;
            for ((k, l), &v) in window.indexed_iter() {
                let at = format!(
                    "window ({h}, {w}) of image {i}, channel {ch}, cell ({k}, {l}) = {v:e}, max {max:e}"
                );
                assert_eq!(mask[[k, l]], v == max, "{desc}\n  create_mask_from_window: {at}");
                let is_first = (rows.start + k, cols.start + l) == (r, col);
                assert_eq!(first[[k, l]], is_first, "{desc}\n  first_max_mask: {at}");
            }
        }
        with_ties.set(with_ties.get() + usize::from(tied));
        let (_, cache) = pool_forward(&x.view(), c.hp(), PoolMode::Max)
            .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
        for (who, r) in [
            ("pool_backward", pool_backward(&da.view(), &cache, PoolMode::Max)),
            ("pool_backward_second_way", pool_backward_second_way(&da.view(), &cache, PoolMode::Max)),
        ] {
            let da_prev = r.unwrap_or_else(|e| panic!("{desc}\n  {who}: {e}"));
            // For each window (i, h, w, c), the input cells whose value has its bit.
            let mut cells = vec![vec![]; da.len()];
            for ((i, r, col, ch), &v) in da_prev.indexed_iter() {
                assert!(
                    v >= 0.0 && v.fract() == 0.0 && v < 2f64.powi(64),
                    "{desc}\n  {who}: dA_prev[{i}, {r}, {col}, {ch}] = {v:e} is not a sum of powers of two"
                );
                let bits = v as u64;
                for e in (0..64).filter(|e| bits >> e & 1 == 1) {
                    let (h, w) = (e / out_w, e % out_w);
                    assert!(h < out_h, "{desc}\n  {who}: dA_prev[{i}, {r}, {col}, {ch}] = {v:e} has bit {e}");
                    cells[((i * out_h + h) * out_w + w) * c.n_c + ch].push((r, col));
                }
            }
            for ((i, h, w, ch), _) in da.indexed_iter() {
                let want = first_max_at(&x, i, c.window(h, w), ch);
                let got = &cells[((i * out_h + h) * out_w + w) * c.n_c + ch];
                assert_eq!(
                    got,
                    &vec![want],
                    "{desc}\n  {who}: dA[{i}, {h}, {w}, {ch}] went to cells (row, column) {got:?} of image {i}, \
                     channel {ch}; expected only the first maximum {want:?} of its window {:?}",
                    c.window(h, w)
                );
            }
        }
    });
    coverage.assert_reached("7f");
    let with_ties = with_ties.get();
    eprintln!("property 7f: {with_ties} of {} cases had a tied window", coverage.valid);
    assert!(2 * with_ties > coverage.valid, "property 7f: only {with_ties} cases had a tie");
}

/// 7g. A `dA` not shaped like the pooled output (one axis changed, to 0
/// included) is an `Err` naming `dA` from both backward passes in both modes.
#[test]
fn pool_backward_with_a_wrong_da_is_an_error() {
    const NAME: &str = "7g (pool_backward with a wrong dA)";
    check(NAME, (pool_cases(), seeds()), |(c, seed)| {
        let rng = &mut RandomState::new(seed);
        let x = c.x(rng);
        let da_shape = change_one_axis(rng, &c.out_shape());
        let da = randn4(rng, &da_shape);
        let desc = describe_case(
            NAME,
            seed,
            format_args!("{c}, dA {} (A {})", shape_str(&da_shape), shape_str(&c.out_shape())),
        );
        guard(&desc, || {
            for mode in MODES {
                let (_, cache) = pool_forward(&x.view(), c.hp(), mode)
                    .unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
                for (who, r) in [
                    ("pool_backward", pool_backward(&da.view(), &cache, mode)),
                    ("pool_backward_second_way", pool_backward_second_way(&da.view(), &cache, mode)),
                ] {
                    let who = format!("{who} ({})", mode.name());
                    match r {
                        Ok(_) => panic!("{desc}\n  {who} accepted the wrong dA"),
                        Err(e) => assert_names(&desc, &who, &e, &["dA"]),
                    }
                }
            }
        });
    });
}

/// The pooling helpers on hand-worked cases.
#[test]
fn pool_helpers_work_on_known_cases() {
    let x = Array4::from_shape_vec((1, 2, 3, 1), vec![1.0, 3.0, 0.0, 3.0, 2.0, 3.0]).expect("6 values");
    assert_eq!(first_max_at(&x, 0, (0..2, 0..3), 0), (0, 1)); // three tied 3s: the first in row-major order
    assert_eq!(first_max_at(&x, 0, (1..2, 1..3), 0), (1, 2));
    assert_eq!(first_max_at(&x, 0, (0..1, 0..1), 0), (0, 0));
    let c = PoolCase { m: 1, n_h: 5, n_w: 7, n_c: 1, f: 3, stride: 2 };
    assert_eq!(c.out_hw(), (2, 3));
    assert_eq!(c.window(1, 2), (2..5, 4..7));
    assert!(c.every_cell_read());
    assert!(!PoolCase { n_w: 6, ..c }.every_cell_read()); // the last column is left out
    assert!(!PoolCase { f: 1, ..c }.every_cell_read()); // stride 2 skips every other row
    assert!(PoolCase { n_h: 3, n_w: 3, stride: 4, ..c }.every_cell_read()); // one window reads all
    let mut rng = RandomState::new(0);
    let (d, mag) = distinct_values(&mut rng, [2, 3, 3, 2]);
    let mut v: Vec<f64> = d.iter().copied().collect();
    v.sort_by(f64::total_cmp);
    assert!(v.windows(2).all(|p| p[1] - p[0] > mag / 2.0), "{v:?}");
}

// ---------------------------------------------------------------------------
// 8. The layers of lesson 09 (NCHW, `ArrayD`) against finite differences
// ---------------------------------------------------------------------------

/// `layer_gradients(layer, x, training = true, eps, seed)` (every element of
/// the input and of each parameter, each evaluation on a fresh clone of the
/// layer, so that dropout keeps its mask), with the output gradient `g` it
/// drew (`randn` from `RandomState::new(seed)`).
fn layer_fd<L: Layer + Clone>(
    desc: &str,
    layer: &L,
    x: &ArrayD<f64>,
    eps: f64,
    seed: u32,
) -> (ArrayD<f64>, Vec<GradientPair>) {
    let y = layer.clone().forward(x, true).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
    let g = RandomState::new(seed).randn(y.raw_dim());
    let pairs = layer_gradients(layer, x, true, eps, seed)
        .unwrap_or_else(|e| panic!("{desc}\n  layer_gradients: {e}"));
    (g, pairs)
}

/// Every pair of `layer_fd` within `tol` (one tolerance for every element).
fn assert_pairs(desc: &str, pairs: &[GradientPair], tol: impl Fn(&str) -> f64) {
    for (name, numeric, computed) in pairs {
        assert_close(
            desc,
            &format!("grad {name} (backward vs finite differences)"),
            &computed.view(),
            &numeric.view(),
            tol(name),
        );
    }
}

/// `|v| + ε`, element by element.
fn plus_eps<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>, eps: f64) -> ndarray::Array<f64, D> {
    a.mapv(|v| v.abs() + eps)
}

/// 8a. `Dense`: `E = Σ g ⊙ (x·W + w0)` is linear in each of `x`, `W` and
/// `w0`, so, as in property 3, only rounding separates the central
/// difference from the gradient: each output is a sum of `n_inputs`
/// products and the bias, then `E` sums `K = batch·units` products, so
/// `terms = n_inputs + K + 2` and `S = Σ |g| ⊙ ((|x| + ε)·(|W| + ε) + |w0| + ε)`.
#[test]
fn finite_differences_agree_with_dense_backward() {
    const EPS: f64 = 1e-5;
    const NAME: &str = "8a (finite differences == Dense backward)";
    check(NAME, ((1..=3usize, 1..=4usize, 1..=4usize), seeds()), |((batch, n_in, units), seed)| {
        let rng = &mut RandomState::new(seed);
        let x = rng.randn((batch, n_in)) * magnitude(rng);
        let w = rng.randn((n_in, units)) * magnitude(rng);
        let w0 = rng.randn(units) * magnitude(rng);
        let desc = describe_case(
            NAME,
            seed,
            format_args!("x ({batch}, {n_in}), W ({n_in}, {units}), w0 ({units},)"),
        );
        guard(&desc, || {
            let layer = Dense::from_weights(w.clone(), w0.clone());
            let (g, pairs) = layer_fd(&desc, &layer, &x.clone().into_dyn(), EPS, seed);
            let y_abs = plus_eps(&x, EPS).dot(&plus_eps(&w, EPS)) + plus_eps(&w0, EPS);
            let s = (y_abs.into_dyn() * g.mapv(f64::abs)).sum();
            let tol = fd_tolerance(s, n_in + g.len() + 2, EPS);
            assert_eq!(pairs.len(), 3, "{desc}\n  input, W and w0");
            assert_pairs(&format!("{desc}\n  (S = {s:e}, eps {EPS:e})"), &pairs, |_| tol);
        });
    });
    report_worst_ratio("8a");
}

/// 8b. `Flatten`, `Dropout` and `PaddingLayer` are linear in their input:
/// `E = Σ g ⊙ forward(x)` sums `K` products (each of a copied, scaled or
/// constant value), so `terms = K + 2` (one more rounding for dropout's
/// scaling, one for `x ± ε`) and `S = Σ |g| ⊙ forward(|x| + ε)` (with `|value|`
/// for the padding, every value kept and scaled by `1/(1 − p)` for dropout).
/// Dropout is checked at `p = 0` (the identity) and at a random `p < 0.9`
/// with the mask of its seed, which `layer_gradients` keeps by evaluating
/// fresh clones.
#[test]
fn finite_differences_agree_with_flatten_dropout_and_padding_backward() {
    const EPS: f64 = 1e-5;
    const NAME: &str = "8b (finite differences == Flatten, Dropout, PaddingLayer backward)";
    let (p_zero, dropped) = (Cell::new(0), Cell::new(0));
    // x: 2 to 4 axes of 1 to 3; the image: (1..=2, 1..=2, 1..=3, 1..=3).
    let shapes = prop::collection::vec(1..=3usize, 2..=4);
    let image_shapes = (1..=2usize, 1..=2usize, 1..=3usize, 1..=3usize);
    let strategy = (shapes, image_shapes, paddings(2), seeds());
    check(NAME, strategy, |(shape, (i_n, i_c, i_h, i_w), padding, seed)| {
        let rng = &mut RandomState::new(seed);
        let x = rng.randn(IxDyn(&shape)) * magnitude(rng);
        let p = if int(rng, 0, 1) == 0 { 0.0 } else { 0.9 * rng.random_sample() };
        let image_shape = [i_n, i_c, i_h, i_w];
        let image = randn4(rng, &image_shape) * magnitude(rng);
        let value = if int(rng, 0, 1) == 0 { 0.0 } else { rng.standard_normal() * magnitude(rng) };
        let desc = describe_case(
            NAME,
            seed,
            format_args!(
                "x {}, p {p}, image {}, padding {padding}, value {value:e}",
                shape_str(&shape),
                shape_str(image.shape())
            ),
        );
        guard(&desc, || {
            let abs_x = plus_eps(&x, EPS);
            let (g, pairs) = layer_fd(&desc, &Flatten::default(), &x, EPS, seed);
            // The output is the input in C order.
            let s: f64 = abs_x.iter().zip(&g).map(|(a, g)| a * g.abs()).sum();
            assert_pairs(&format!("{desc}\n  Flatten (S = {s:e})"), &pairs, |_| {
                fd_tolerance(s, g.len() + 2, EPS)
            });

            let dropout = Dropout::new(p, seed).unwrap_or_else(|e| panic!("{desc}\n  Dropout::new: {e}"));
            let (g, pairs) = layer_fd(&desc, &dropout, &x, EPS, seed);
            let s = (&abs_x * &g.mapv(f64::abs)).sum() / (1.0 - p);
            assert_pairs(&format!("{desc}\n  Dropout (S = {s:e})"), &pairs, |_| {
                fd_tolerance(s, g.len() + 2, EPS)
            });
            let kept = dropout.clone().forward(&x, true).unwrap_or_else(|e| panic!("{desc}\n  Dropout: {e}"));
            p_zero.set(p_zero.get() + usize::from(p == 0.0));
            dropped
                .set(dropped.get() + usize::from(kept.iter().zip(&x).any(|(&k, &v)| k == 0.0 && v != 0.0)));

            let layer = PaddingLayer::constant(padding, value);
            let image = image.clone().into_dyn();
            let (g, pairs) = layer_fd(&desc, &layer, &image, EPS, seed);
            let abs_layer = PaddingLayer::constant(padding, value.abs());
            let y_abs = abs_layer
                .clone()
                .forward(&plus_eps(&image, EPS), true)
                .unwrap_or_else(|e| panic!("{desc}\n  {e}"));
            let s = (&y_abs * &g.mapv(f64::abs)).sum();
            assert_pairs(&format!("{desc}\n  PaddingLayer (S = {s:e})"), &pairs, |_| {
                fd_tolerance(s, g.len() + 2, EPS)
            });
        });
    });
    let (p_zero, dropped) = (p_zero.get(), dropped.get());
    eprintln!("property 8b: p = 0 in {p_zero} cases, values dropped in {dropped}");
    assert!(p_zero > 0 && dropped > 0, "property 8b: the generator missed a kind of case");
    report_worst_ratio("8b");
}

/// A bound on `|f‴|` for an element-wise activation, on any interval that
/// does not contain 0 (where ReLU, LeakyReLU, ELU and SELU have a kink):
///
/// - sigmoid: `σ‴ = q(1 − 6q)` with `q = σ(1 − σ) ∈ [0, 1/4]`: at most 1/8;
/// - tanh: `tanh‴ = −2(1 − t²)(1 − 3t²)`, `t² ∈ [0, 1)`: at most 2;
/// - ReLU, LeakyReLU: linear on each side, 0;
/// - ELU: `α·e^x` for `x < 0`, 0 for `x > 0`: at most `α`; SELU likewise `λ·α`;
/// - softplus: `σ″ = q(1 − 2σ)`, `|σ″| = q·√(1 − 4q) ≤ 1/(6√3) < 1/10`.
fn third_derivative_bound(f: Activation) -> f64 {
    match f {
        Activation::Sigmoid => 1.0 / 8.0,
        Activation::TanH => 2.0,
        Activation::ReLU | Activation::LeakyReLU { .. } => 0.0,
        Activation::ELU { alpha } => alpha.abs(),
        Activation::SELU => SELU_SCALE * SELU_ALPHA,
        Activation::SoftPlus => 0.1,
        Activation::Softmax => panic!("softmax is not element-wise"),
    }
}

/// 8c. `ActivationLayer`, for each of `Activation::ALL`, on 2-D or 4-D
/// inputs (softmax along the last axis). `E = Σ g ⊙ f(x)` is not linear, so
/// the central difference also carries the truncation error
/// `ε²/6 · |∂³E/∂x_k³|`: `ε²/6 · |f‴|·|g_k|` element-wise (with the bounds of
/// `third_derivative_bound`; the inputs are kept at least `4ε` from 0, so that
/// `x_k ± ε` stays on one side of a kink), and for softmax, along a row,
/// `E_row(x_k) = c + (g_k − ḡ)·σ(x_k − ln Σ_{j≠k} e^{x_j})` with `ḡ` an
/// average of the other `g_j`, so `|∂³E/∂x_k³| ≤ (max g − min g)/8` over the row.
///
/// Rounding: each evaluation sums `K` products `g·f(x)`, each `f` computed
/// within `5u` (at most a libm function within one ulp, `2u`, and three
/// operations) and, for softmax, within `(|x_i − max x| + n + 4)·u` (the
/// exponent's subtraction, the exponential, the row's sum of `n`, the
/// division); so `terms = K + 8`, plus `n + ⌈2·max|x|⌉` for softmax, with
/// `S = Σ |g| ⊙ max(|f(x − ε)|, |f(x)|, |f(x + ε)|)` (`f` is monotonic; for
/// softmax `e^{2ε}·Σ |g| ⊙ softmax(x)`, which bounds every perturbed value)
/// plus `Σ |∂E/∂x| ⊙ (|x| + ε)` for the rounding of `x ± ε`.
#[test]
fn finite_differences_agree_with_activation_layer_backward() {
    const EPS: f64 = 1e-4;
    const NAME: &str = "8c (finite differences == ActivationLayer backward)";
    // 2-D (1..=4, 1..=5) or 4-D (four axes of 1..=3), half and half.
    let shapes = prop_oneof![
        (1..=4usize, 1..=5usize).prop_map(|(a, b)| vec![a, b]),
        prop::collection::vec(1..=3usize, 4),
    ];
    check(NAME, (shapes, seeds()), |(shape, seed)| {
        let rng = &mut RandomState::new(seed);
        let mag = 10f64.powi(int(rng, 0, 2) as i32 - 1);
        let x = rng.randn(IxDyn(&shape)).mapv(|v| {
            let v = v * mag;
            if v.abs() < 4.0 * EPS {
                v + (4.0 * EPS).copysign(v)
            } else {
                v
            }
        });
        let desc = describe_case(NAME, seed, format_args!("x {}, magnitude {mag}", shape_str(&shape)));
        guard(&desc, || {
            for f in Activation::ALL {
                let desc = format!("{desc}, {}", f.name());
                let layer = ActivationLayer::<f64>::new(f);
                let (g, pairs) = layer_fd(&desc, &layer, &x, EPS, seed);
                let (_, numeric, computed) = &pairs[0];
                let n = *shape.last().expect("2 or 4 axes");
                let (values, terms, truncation) = if f == Activation::Softmax {
                    let p = f.forward(&x.view());
                    let values = p.mapv(|v| v * (2.0 * EPS).exp());
                    let extra = n + (2.0 * max_abs(&x.view())).ceil() as usize;
                    let mut truncation = ArrayD::zeros(g.raw_dim());
                    for (mut t, row) in truncation
                        .lanes_mut(Axis(shape.len() - 1))
                        .into_iter()
                        .zip(g.lanes(Axis(shape.len() - 1)))
                    {
                        let range = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v))
                            - row.fold(f64::INFINITY, |m, &v| m.min(v));
                        t.fill(EPS * EPS / 6.0 * range / 8.0);
                    }
                    (values, g.len() + 8 + extra, truncation)
                } else {
                    let at = |d: f64| f.forward(&x.mapv(|v| v + d).view()).mapv(f64::abs);
                    let values = ndarray::Zip::from(&at(-EPS))
                        .and(&at(0.0))
                        .and(&at(EPS))
                        .map_collect(|&a, &b, &c| a.max(b).max(c));
                    let truncation = g.mapv(|v| EPS * EPS / 6.0 * third_derivative_bound(f) * v.abs());
                    (values, g.len() + 8, truncation)
                };
                let s =
                    (&values * &g.mapv(f64::abs)).sum() + (computed.mapv(f64::abs) * plus_eps(&x, EPS)).sum();
                let tol = truncation + fd_tolerance(s, terms, EPS);
                let desc = format!("{desc}\n  (S = {s:e}, terms {terms}, eps {EPS:e})");
                assert_close_each(
                    &desc,
                    "grad input (backward vs finite differences)",
                    &computed.view(),
                    &numeric.view(),
                    &tol.view(),
                );
            }
        });
    });
    report_worst_ratio("8c");
}

/// Per channel (axis 1) of `x` (2-D or 4-D): the values' count `N`, mean and
/// `Σ (x − mean)²`.
fn channel_stats(x: &ArrayD<f64>, channels: usize) -> Vec<(usize, f64, f64)> {
    let mut sums = vec![(0usize, 0.0f64); channels];
    for (idx, &v) in x.indexed_iter() {
        sums[idx[1]].0 += 1;
        sums[idx[1]].1 += v;
    }
    let means: Vec<f64> = sums.iter().map(|&(n, s)| s / n as f64).collect();
    let mut squares = vec![0.0; channels];
    for (idx, &v) in x.indexed_iter() {
        squares[idx[1]] += (v - means[idx[1]]).powi(2);
    }
    (0..channels).map(|c| (sums[c].0, means[c], squares[c])).collect()
}

/// 8d. `BatchNormalization` in training mode (batch statistics), 2-D and
/// 4-D, with random `γ`, `β` and `eps`.
///
/// `γ`, `β`: `E = Σ g ⊙ (γ·x̂ + β)` is linear in each; each evaluation rounds
/// the product and the sum (`x̂` is the same in every evaluation) and sums
/// `M` products: `terms = M + 4`, `S = Σ |g| ⊙ (|x̂|·(|γ| + ε) + |β| + ε)`.
///
/// Input: along `x_k` (channel `c`, `N` values), with `x̃ = x − mean` and
/// `w = (x̃, √(N·eps))`, `E = γ·√N·⟨g̃, x̃⟩/|w|` (`g̃ = g − mean g` over the
/// channel): `γ√N·|g̃|` times a component of the unit vector `w/|w|`, and `w`
/// moves on a line with direction `d = e_k − 1/N` (`|d| = δ = √(1 − 1/N)`)
/// at a distance `ρ_k` from 0, `ρ_k² = |x̃|² + N·eps − x̃_k²/δ² ≥ N·eps`.
/// Written `s = δt/ρ_k`, the unit vector is `a/√(1 + s²) + b·s/√(1 + s²)`
/// (`a ⊥ b` unit vectors), whose third derivative in `s` has norm
/// `3·√(4s⁴ + 1)/(1 + s²)³ ≤ 3`: so `|∂³E/∂x_k³| ≤ 3·|γ|·√N·|g̃|·δ³/ρ_k³`, and
/// the truncation is `ε²/6` times that.
///
/// Rounding of one evaluation (mean: `N` terms; variance: `N + 4` roundings;
/// then `+ eps`, square root, reciprocal, the normalization and `γ·x̂ + β`;
/// `M` products summed): at most `(M + N + 16)·u·S` with
/// `S = Σ |g| ⊙ (|y| + |γ|·s·(|x − mean| + max |x|))` (`s = 1/√(var + eps)`:
/// the mean's error `N·u·max|x|` moves every `x̂` by `s` times it), plus
/// `Σ |∂E/∂x| ⊙ (|x| + ε)` for the rounding of `x ± ε`. The backward pass's
/// own rounding, `γ·s/N·(N·g_k − Σ g − x̂_k·Σ g·x̂)` with sums of `N` terms,
/// is within `(2N + 12)·u·|γ|·s/N·(N·|g_k| + Σ|g| + |x̂_k|·Σ|g·x̂|)`, added
/// with a factor 2.
#[test]
fn finite_differences_agree_with_batch_normalization_backward() {
    const EPS: f64 = 1e-5;
    const NAME: &str = "8d (finite differences == BatchNormalization backward)";
    let (dense, images, single) = (Cell::new(0), Cell::new(0), Cell::new(0));
    // 1 to 3 channels; 2-D (1..=4, channels) or 4-D (1..=3, channels, 1..=3, 1..=3).
    let shapes = (1..=3usize).prop_flat_map(|channels| {
        prop_oneof![
            (1..=4usize).prop_map(move |m| vec![m, channels]),
            (1..=3usize, 1..=3usize, 1..=3usize).prop_map(move |(m, h, w)| vec![m, channels, h, w]),
        ]
    });
    check(NAME, (shapes, seeds()), |(shape, seed)| {
        let rng = &mut RandomState::new(seed);
        let channels = shape[1];
        let shift = rng.standard_normal() * magnitude(rng);
        let x = rng.randn(IxDyn(&shape)) * magnitude(rng) + shift;
        let gamma = rng.randn(channels) * magnitude(rng);
        let beta = rng.randn(channels) * magnitude(rng);
        let bn_eps = 10f64.powi(-(int(rng, 1, 3) as i32));
        let desc = describe_case(NAME, seed, format_args!("x {}, eps {bn_eps}", shape_str(&shape)));
        let stats = channel_stats(&x, channels);
        dense.set(dense.get() + usize::from(shape.len() == 2));
        images.set(images.get() + usize::from(shape.len() == 4));
        single.set(single.get() + usize::from(stats[0].0 == 1));
        guard(&desc, || {
            let mut layer = BatchNormalization::new(channels);
            layer.gamma = gamma.clone().into_dyn();
            layer.beta = beta.clone().into_dyn();
            layer.eps = bn_eps;
            let (g, pairs) = layer_fd(&desc, &layer, &x, EPS, seed);
            let y = layer.clone().forward(&x, true).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
            let m = g.len();
            let s_inv: Vec<f64> =
                stats.iter().map(|&(n, _, sq)| 1.0 / (sq / n as f64 + bn_eps).sqrt()).collect();
            let x_hat = ArrayD::from_shape_fn(x.raw_dim(), |idx| (x[&idx] - stats[idx[1]].1) * s_inv[idx[1]]);
            let mut max_x = vec![0.0f64; channels];
            let (mut sum_g, mut sum_gx, mut g_sq, mut sum_g2) =
                (vec![0.0; channels], vec![0.0; channels], vec![0.0; channels], vec![0.0; channels]);
            for (idx, &v) in x.indexed_iter() {
                let c = idx[1];
                max_x[c] = max_x[c].max(v.abs());
                sum_g[c] += g[&idx].abs();
                sum_gx[c] += (g[&idx] * x_hat[&idx]).abs();
                g_sq[c] += g[&idx].powi(2);
                sum_g2[c] += g[&idx];
            }
            // |g̃|² = Σ g² − (Σ g)²/N, per channel.
            let g_tilde: Vec<f64> = (0..channels)
                .map(|c| (g_sq[c] - sum_g2[c].powi(2) / stats[c].0 as f64).max(0.0).sqrt())
                .collect();
            for (name, numeric, computed) in &pairs {
                let desc = format!("{desc}, grad {name}");
                let tol = match name.as_str() {
                    "gamma" | "beta" => {
                        let (dg, db) = if name == "gamma" { (EPS, 0.0) } else { (0.0, EPS) };
                        let s: f64 = x_hat
                            .indexed_iter()
                            .map(|(idx, &xh)| {
                                let c = idx[1];
                                g[&idx].abs() * (xh.abs() * (gamma[c].abs() + dg) + beta[c].abs() + db)
                            })
                            .sum();
                        ArrayD::from_elem(computed.raw_dim(), fd_tolerance(s, m + 4, EPS))
                    }
                    _ => {
                        let s: f64 = x
                            .indexed_iter()
                            .map(|(idx, &v)| {
                                let c = idx[1];
                                g[&idx].abs()
                                    * (y[&idx].abs()
                                        + gamma[c].abs() * s_inv[c] * ((v - stats[c].1).abs() + max_x[c]))
                                    + computed[&idx].abs() * (v.abs() + EPS)
                            })
                            .sum();
                        let rounding = fd_tolerance(s, m + stats[0].0 + 16, EPS);
                        ArrayD::from_shape_fn(x.raw_dim(), |idx| {
                            let c = idx[1];
                            let (n, mean, sq) = stats[c];
                            let nf = n as f64;
                            let truncation = if n == 1 {
                                0.0
                            } else {
                                let delta2 = 1.0 - 1.0 / nf;
                                let xt = x[&idx] - mean;
                                let total = sq + nf * bn_eps;
                                let slack = (nf + 8.0) * f64::EPSILON * (total + xt * xt / delta2);
                                let rho2 = (total - xt * xt / delta2 - slack).max(nf * bn_eps);
                                3.0 * gamma[c].abs() * nf.sqrt() * g_tilde[c] * delta2.powf(1.5)
                                    / rho2.powf(1.5)
                                    * EPS
                                    * EPS
                                    / 6.0
                            };
                            let backward =
                                2.0 * (2.0 * nf + 12.0) * f64::EPSILON / 2.0 * gamma[c].abs() * s_inv[c] / nf
                                    * (nf * g[&idx].abs() + sum_g[c] + x_hat[&idx].abs() * sum_gx[c]);
                            rounding + truncation + backward
                        })
                    }
                };
                assert_close_each(
                    &desc,
                    "backward vs finite differences",
                    &computed.view(),
                    &numeric.view(),
                    &tol.view(),
                );
            }
        });
    });
    let (dense, images, single) = (dense.get(), images.get(), single.get());
    eprintln!("property 8d: {dense} 2-D, {images} 4-D, {single} with one value per channel");
    assert!(dense > 0 && images > 0 && single > 0, "property 8d: the generator missed a kind of case");
    report_worst_ratio("8d");
}
