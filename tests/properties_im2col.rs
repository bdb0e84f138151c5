//! Property tests of im2col and the layers built on it (ML-From-Scratch's
//! `Conv2D` and `Pooling2D`, NCHW), against brute-force definitions, the
//! notebook's loops and finite differences. Driven by the crate's own
//! numpy-compatible generator (`RandomState`) for the values, `proptest` for
//! the sizes (so that a failing case shrinks to the smallest shape).
//!
//! 1. `image_to_column` equals `image_to_column_by_indices` exactly, and every
//!    column is its window of the padded image (brute force).
//! 2. `column_to_image` is the adjoint of `image_to_column`:
//!    `⟨image_to_column(x), y⟩ = ⟨x, column_to_image(y)⟩`; and it is the
//!    brute-force scatter-add of the columns.
//! 3. `Conv2D::forward` / `backward` equal `forward_by_loops` /
//!    `backward_by_loops` (square windows: the loops take `f × f`).
//! 4. Central finite differences of `E = Σ forward(x) ⊙ dY` agree with
//!    `Conv2D::backward` for the input, `W` and `w0`.
//! 5. `Pooling2D` (max and average), forward and backward, equals the
//!    notebook's loop pooling (NHWC, square windows) and a brute-force
//!    definition (any window; max keeps the first maximum in row-major order).
//! 6. Invalid inputs are `Err`, never a panic.
//! 7. `image_to_column_by_image` (the layout `Conv2D` uses) is
//!    `image_to_column` with its columns reordered, and
//!    `column_to_image_by_image` (and `…_add`) its adjoint.
//! 8. `Conv2D` (im2col) == the notebook's loops == the sensitivity maps,
//!    forward and every gradient, with asymmetric padding, strides up to 3
//!    and batches of more than the 8 images `Conv2D` takes at a time.
//! 9. Central finite differences agree with `Pooling2D::backward`.
//!
//! Each property runs `PROPTEST_CASES` random cases (default
//! `common::DEFAULT_CASES`, 64; CI runs 256); the case generation and
//! reporting are shared with `tests/properties.rs` in `tests/common/mod.rs`.
//! Every case draws its sizes from proptest strategies and its tensors from
//! `RandomState::new(seed)`, the seed a proptest value too. Cases are valid
//! by construction (the window and padding are drawn first, the image at
//! least as large); windows too large for the padded image are drawn by a
//! second run of the same property. A failing assertion prints the property,
//! the seed, the shapes, padding and stride; proptest shrinks the case to
//! the smallest failing sizes and keeps it in `proptest-regressions/`. More
//! cases: `PROPTEST_CASES=5000 cargo test --release --test properties_im2col`.
//!
//! Sizes are drawn from inclusive ranges. Padding is drawn side by side,
//! `((top, bottom), (left, right))` each in `0..=3`, so most of it is
//! asymmetric; windows `fh × fw` have `fh`, `fw` in `1..=5` (independently
//! where the property allows it); strides are in `1..=4`, often not dividing
//! `size + padding − window` and often larger than the window. Values are
//! `randn` times `10^k`, `k` in `-2..=2`.
//!
//! Tolerances bound rounding only, from the standard bound on a sum: adding
//! `n` terms (each possibly a rounded product) in any order is off by at most
//! `γ_n · Σ|terms|`, `γ_n ≈ n·u`, `u = f64::EPSILON / 2`; two computations of
//! the same sum in different orders differ by at most `2·γ_n·Σ|terms|`.
//! `check::sum_rounding(n, largest) = 2·n²·EPSILON·largest` is that bound with
//! `Σ|terms| ≤ n·largest`, and twice as large again, which covers the
//! `1/(1 − n·u)` of `γ_n` at these sizes.

use crate::common;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use cnn_walkthrough::course::check::sum_rounding;
use cnn_walkthrough::course::gradcheck::{fd_tolerance, numerical_gradient, numerical_gradient_at};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::fast::im2col::{
    column_to_image_by_image, column_to_image_by_image_add, image_to_column_by_image,
    image_to_column_by_image_into,
};
use cnn_walkthrough::textbook::conv::{conv_backward, conv_forward, ConvGrads, Hparameters};
use cnn_walkthrough::textbook::conv2d::{Conv2D, Conv2DGrads};
use cnn_walkthrough::textbook::im2col::{
    column_to_image, get_im2col_indices, image_to_column, image_to_column_by_indices, Im2colParams,
};
use cnn_walkthrough::textbook::padding::{ConstantPadding2D, Padding2D};
use cnn_walkthrough::textbook::pool::{pool_backward, pool_forward, PoolHparameters, PoolMode};
use cnn_walkthrough::textbook::pool2d::Pooling2D;
use cnn_walkthrough::textbook::sensitivity::{conv_backward_by_sensitivity_maps, conv_forward_by_layer};
use ndarray::{s, Array1, Array2, Array4, ArrayView2, ArrayView4, ShapeBuilder};

use proptest::prelude::{prop, prop_oneof, Just, Strategy};

use common::{
    assert_close, assert_exact, change_one_axis, change_rank, check, describe_case, distinct_values,
    expect_err, guard, int, magnitude, max_abs, names, note_ratio, paddings, panic_message, probe_positions,
    randn4, reads, report_worst_ratio, seeds, shape_str, with_values_at,
};

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

/// Inclusive ranges the sizes are drawn from; each side of the padding is
/// drawn from `0..=pad`.
#[derive(Clone, Copy)]
struct Ranges {
    batch: (usize, usize),
    channels: (usize, usize),
    size: (usize, usize),
    window: (usize, usize),
    pad: usize,
    stride: (usize, usize),
    filters: (usize, usize),
}

/// Properties 1, 2, 3, 5 and 6: up to 3 images of 3 channels of 7×7, windows
/// up to 5×5, up to 4 filters.
const WIDE: Ranges = Ranges {
    batch: (1, 3),
    channels: (1, 3),
    size: (1, 7),
    window: (1, 5),
    pad: 3,
    stride: (1, 4),
    filters: (1, 4),
};

/// Property 4: finite differences run the forward pass twice per element of
/// `X`, `W` and `w0`, so the cases are smaller (still with every kind of
/// padding, window and stride).
const SMALL: Ranges = Ranges {
    batch: (1, 2),
    channels: (1, 2),
    size: (1, 5),
    window: (1, 4),
    pad: 3,
    stride: (1, 4),
    filters: (1, 2),
};

/// One im2col: images `(batch, channels, height, width)`, an `fh × fw` window,
/// padding and stride (and, for `Conv2D`, the number of filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Case {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
    fh: usize,
    fw: usize,
    padding: Padding2D,
    stride: usize,
    filters: usize,
}

/// Cases whose window fits the padded image: the window (square if
/// `square`) and the padding first, then the image's height and width at
/// least the window's less the padding. Every size shrinks towards the
/// smallest of its range.
fn im2col_cases(r: Ranges, square: bool) -> impl Strategy<Value = Case> + Clone {
    let window = r.window.0..=r.window.1;
    (window.clone(), window, paddings(r.pad))
        .prop_flat_map(move |(fh, fw, padding)| {
            let fw = if square { fh } else { fw };
            let height = fh.saturating_sub(padding.rows()).max(r.size.0)..=r.size.1;
            let width = fw.saturating_sub(padding.cols()).max(r.size.0)..=r.size.1;
            let counts = (r.batch.0..=r.batch.1, r.channels.0..=r.channels.1, r.filters.0..=r.filters.1);
            (Just((fh, fw, padding)), counts, height, width, r.stride.0..=r.stride.1)
        })
        .prop_map(|((fh, fw, padding), (batch, channels, filters), height, width, stride)| Case {
            batch,
            channels,
            height,
            width,
            fh,
            fw,
            padding,
            stride,
            filters,
        })
}

/// Cases of `valid` with the window made larger than the padded image by 1
/// to 3: its height, its width or both (both sides of a square window, by
/// more than the smaller side).
fn too_large_cases(valid: impl Strategy<Value = Case>, square: bool) -> impl Strategy<Value = Case> {
    (valid, 0..=2usize, 1..=3usize).prop_map(move |(mut c, axis, k)| {
        let (ph, pw) = c.padded();
        if square {
            (c.fh, c.fw) = (ph.min(pw) + k, ph.min(pw) + k);
        } else {
            if axis != 1 {
                c.fh = ph + k;
            }
            if axis != 0 {
                c.fw = pw + k;
            }
        }
        c
    })
}

impl Case {
    fn x_shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.height, self.width]
    }

    fn w_shape(&self) -> [usize; 4] {
        [self.filters, self.channels, self.fh, self.fw]
    }

    fn window(&self) -> (usize, usize) {
        (self.fh, self.fw)
    }

    /// The padded image's `(height, width)`.
    fn padded(&self) -> (usize, usize) {
        (self.height + self.padding.rows(), self.width + self.padding.cols())
    }

    /// Whether the window fits the padded image.
    fn fits(&self) -> bool {
        let (ph, pw) = self.padded();
        self.fh <= ph && self.fw <= pw
    }

    /// `(out_h, out_w)` for a case that fits: `⌊(padded − window) / stride⌋ + 1`.
    fn out_hw(&self) -> (usize, usize) {
        let (ph, pw) = self.padded();
        ((ph - self.fh) / self.stride + 1, (pw - self.fw) / self.stride + 1)
    }

    /// The output shape of a `Conv2D` layer: `(batch, filters, out_h, out_w)`.
    fn y_shape(&self) -> [usize; 4] {
        let (oh, ow) = self.out_hw();
        [self.batch, self.filters, oh, ow]
    }

    /// The column matrix's `(channels·fh·fw, out_h·out_w·batch)`.
    fn cols_shape(&self) -> (usize, usize) {
        let (oh, ow) = self.out_hw();
        (self.channels * self.fh * self.fw, oh * ow * self.batch)
    }

    /// How many windows read each input row, and each input column.
    fn reads(&self) -> (Vec<usize>, Vec<usize>) {
        let p = self.padding;
        (
            reads(self.height, self.fh, p.top, p.bottom, self.stride).0,
            reads(self.width, self.fw, p.left, p.right, self.stride).0,
        )
    }

    fn images(&self, rng: &mut RandomState) -> Array4<f64> {
        randn4(rng, &self.x_shape()) * magnitude(rng)
    }

    fn asymmetric(&self) -> bool {
        self.padding.top != self.padding.bottom || self.padding.left != self.padding.right
    }

    fn uneven(&self) -> bool {
        let (ph, pw) = self.padded();
        !(ph - self.fh).is_multiple_of(self.stride) || !(pw - self.fw).is_multiple_of(self.stride)
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "X {}, window {}×{}, padding {}, stride {}",
            shape_str(&self.x_shape()),
            self.fh,
            self.fw,
            self.padding,
            self.stride
        )
    }
}

/// A case with the shapes of a `Conv2D` layer's `W` and `w0`.
struct Layer<'a>(&'a Case);

impl fmt::Display for Layer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        write!(f, "{c}, W {}, w0 ({}, 1)", shape_str(&c.w_shape()), c.filters)
    }
}

/// Counts of the interesting kinds of case, so that a property can show its
/// generator reached them.
#[derive(Default, Debug)]
struct Coverage {
    /// How many valid cases the property ran.
    cases: usize,
    valid: usize,
    window_too_large: usize,
    asymmetric_padding: usize,
    non_square_window: usize,
    uneven_stride: usize,
    stride_beyond_window: usize,
    window_only_on_padding: usize,
    unread_pixels: usize,
}

impl Coverage {
    fn count(&mut self, c: &Case) {
        if !c.fits() {
            self.window_too_large += 1;
            return;
        }
        self.valid += 1;
        self.asymmetric_padding += usize::from(c.asymmetric());
        self.non_square_window += usize::from(c.fh != c.fw);
        self.uneven_stride += usize::from(c.uneven());
        self.stride_beyond_window += usize::from(c.stride > c.fh || c.stride > c.fw);
        let p = c.padding;
        let (rows, off_rows) = reads(c.height, c.fh, p.top, p.bottom, c.stride);
        let (cols, off_cols) = reads(c.width, c.fw, p.left, p.right, c.stride);
        self.window_only_on_padding += usize::from(off_rows || off_cols);
        self.unread_pixels += usize::from(rows.contains(&0) || cols.contains(&0));
    }

    fn assert_reached(&self, property: &str, non_square: bool) {
        eprintln!("property {property}: {self:?}");
        assert!(
            self.valid >= self.cases
                && self.window_too_large > 0
                && self.asymmetric_padding > 0
                && (self.non_square_window > 0 || !non_square)
                && self.uneven_stride > 0
                && self.stride_beyond_window > 0
                && self.window_only_on_padding > 0
                && self.unread_pixels > 0,
            "property {property}: the generator missed a kind of case: {self:?}"
        );
    }
}

/// Runs property `name` on cases of `ranges` that fit ([`im2col_cases`]),
/// calling `valid` on each with the generator of its values, then on cases
/// whose window is larger than the padded image ([`too_large_cases`]),
/// calling `too_large`. Windows are square if `square`; `layer` adds `W`
/// and `w0` to the case's description.
#[track_caller]
fn for_cases(
    name: &str,
    ranges: Ranges,
    (square, layer): (bool, bool),
    valid: impl Fn(&str, &Case, &mut RandomState),
    too_large: impl Fn(&str, &Case, &mut RandomState),
) -> Coverage {
    for_case_strategy(name, im2col_cases(ranges, square), (square, layer), valid, too_large)
}

/// [`for_cases`] on the valid cases of `strategy`.
#[track_caller]
fn for_case_strategy(
    name: &str,
    strategy: impl Strategy<Value = Case> + Clone,
    (square, layer): (bool, bool),
    valid: impl Fn(&str, &Case, &mut RandomState),
    too_large: impl Fn(&str, &Case, &mut RandomState),
) -> Coverage {
    let coverage = RefCell::new(Coverage::default());
    let describe = |seed, c: &Case| {
        if layer {
            describe_case(name, seed, Layer(c))
        } else {
            describe_case(name, seed, c)
        }
    };
    let cases = check(name, (strategy.clone(), seeds()), |(c, seed)| {
        let desc = describe(seed, &c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || valid(&desc, &c, &mut RandomState::new(seed)));
    });
    check(name, (too_large_cases(strategy, square), seeds()), |(c, seed)| {
        let desc = describe(seed, &c);
        coverage.borrow_mut().count(&c);
        guard(&desc, || too_large(&desc, &c, &mut RandomState::new(seed)));
    });
    Coverage { cases, ..coverage.into_inner() }
}

/// The adjoint identity ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for `names =
/// (im2col, col2im)`, to within the rounding of its sums: `terms` products
/// of size at most `S = Σ |cols|·|y|` each.
fn assert_adjoint(
    desc: &str,
    (im2col, col2im): (&str, &str),
    (cols, y): (&Array2<f64>, &Array2<f64>),
    (x, back): (&Array4<f64>, &Array4<f64>),
    c: &Case,
) {
    let left = (cols * y).sum();
    let right = (x * back).sum();
    let scale = (cols.mapv(f64::abs) * y.mapv(f64::abs)).sum();
    let terms = cols.len() + c.fh * c.fw + x.len();
    let tol = terms as f64 * f64::EPSILON * scale;
    let diff = (left - right).abs();
    note_ratio(diff, tol.max(f64::MIN_POSITIVE));
    assert!(
        diff <= tol,
        "{desc}\n  ⟨{im2col}(x), y⟩ = {left:e} but ⟨x, {col2im}(y)⟩ = {right:e}: \
         |difference| {diff:e} > tolerance {tol:e} (S = {scale:e}, {terms} terms)"
    );
}

/// A window larger than the padded image is a `filter_shape` error of every
/// im2col function.
fn assert_im2col_window_error(desc: &str, c: &Case, rng: &mut RandomState) {
    let x = c.images(rng);
    let (w, s, p) = (c.window(), c.stride, c.padding);
    let expected = ["filter_shape"];
    expect_err(desc, "Im2colParams::new", Im2colParams::new(x.shape(), w, p, s), &expected);
    expect_err(desc, "get_im2col_indices", get_im2col_indices(x.shape(), w, p, s), &expected);
    expect_err(desc, "image_to_column", image_to_column(&x.view(), w, s, p), &expected);
    expect_err(desc, "image_to_column_by_indices", image_to_column_by_indices(&x.view(), w, s, p), &expected);
    let cols = Array2::<f64>::zeros((c.channels * c.fh * c.fw, 1));
    expect_err(desc, "column_to_image", column_to_image(&cols.view(), &c.x_shape(), w, s, p), &expected);
}

/// The same values as `x`, in a different memory layout (NHWC underneath):
/// the functions must not depend on the strides.
fn strided_copy(x: &Array4<f64>) -> Array4<f64> {
    let nhwc = x.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned();
    nhwc.permuted_axes([0, 3, 1, 2])
}

// ---------------------------------------------------------------------------
// 1. image_to_column == image_to_column_by_indices == brute-force windows
// ---------------------------------------------------------------------------

/// The value of the padded image at padded position `(i, j)`: `x` inside,
/// 0 in the padding.
fn padded_at(x: &Array4<f64>, p: Padding2D, (b, c, i, j): (usize, usize, usize, usize)) -> f64 {
    let (_, _, h, w) = x.dim();
    let inside = (p.top..p.top + h).contains(&i) && (p.left..p.left + w).contains(&j);
    if inside {
        x[[b, c, i - p.top, j - p.left]]
    } else {
        0.0
    }
}

/// The column matrix by its definition: rows in (channel, kernel row, kernel
/// column) order, columns in (output row, output column, image) order, each
/// entry the padded image under the window.
fn brute_force_columns(x: &Array4<f64>, c: &Case) -> Array2<f64> {
    let (oh, ow) = c.out_hw();
    let mut out = Array2::zeros(c.cols_shape());
    let mut row = 0;
    for ch in 0..c.channels {
        for di in 0..c.fh {
            for dj in 0..c.fw {
                let mut col = 0;
                for y in 0..oh {
                    for xo in 0..ow {
                        for b in 0..c.batch {
                            let at = (b, ch, y * c.stride + di, xo * c.stride + dj);
                            out[[row, col]] = padded_at(x, c.padding, at);
                            col += 1;
                        }
                    }
                }
                row += 1;
            }
        }
    }
    out
}

#[test]
fn image_to_column_is_every_window_of_the_padded_image() {
    let coverage = for_cases(
        "1 (image_to_column == by_indices == windows)",
        WIDE,
        (false, false),
        |desc, c, rng| {
            let x = c.images(rng);
            let (w, s, p) = (c.window(), c.stride, c.padding);
            let params =
                Im2colParams::new(x.shape(), w, p, s).unwrap_or_else(|e| panic!("{desc}\n  params: {e}"));
            let (oh, ow) = c.out_hw();
            assert_eq!(
                (params.out_h(), params.out_w(), params.rows(), params.cols()),
                (oh, ow, c.cols_shape().0, c.cols_shape().1),
                "{desc}\n  Im2colParams (out_h, out_w, rows, cols)"
            );
            let cols = image_to_column(&x.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column: {e}"));
            let by_ix = image_to_column_by_indices(&x.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column_by_indices: {e}"));
            assert_eq!(cols.dim(), c.cols_shape(), "{desc}\n  shape of the column matrix");
            assert_exact(desc, "image_to_column vs by_indices", &cols.view(), &by_ix.view());
            let brute = brute_force_columns(&x, c);
            assert_exact(desc, "image_to_column vs the windows", &cols.view(), &brute.view());
            let strided = strided_copy(&x);
            let cols_strided = image_to_column(&strided.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column (strided X): {e}"));
            assert_exact(desc, "image_to_column of a strided X", &cols_strided.view(), &cols.view());
        },
        assert_im2col_window_error,
    );
    coverage.assert_reached("1", true);
}

// ---------------------------------------------------------------------------
// 2. column_to_image is the adjoint of image_to_column
// ---------------------------------------------------------------------------

/// `column_to_image` by its definition: every entry of `y` added onto the
/// input pixel its (row, column) reads, entries on the padding dropped.
/// Returns the image and how many entries landed on each pixel.
fn brute_force_scatter(y: &Array2<f64>, c: &Case) -> (Array4<f64>, Array4<usize>) {
    let (oh, ow) = c.out_hw();
    let p = c.padding;
    let mut img = Array4::zeros(c.x_shape());
    let mut count = Array4::zeros(c.x_shape());
    let mut row = 0;
    for ch in 0..c.channels {
        for di in 0..c.fh {
            for dj in 0..c.fw {
                let mut col = 0;
                for yo in 0..oh {
                    for xo in 0..ow {
                        for b in 0..c.batch {
                            let (i, j) = (yo * c.stride + di, xo * c.stride + dj);
                            if (p.top..p.top + c.height).contains(&i)
                                && (p.left..p.left + c.width).contains(&j)
                            {
                                img[[b, ch, i - p.top, j - p.left]] += y[[row, col]];
                                count[[b, ch, i - p.top, j - p.left]] += 1;
                            }
                            col += 1;
                        }
                    }
                }
                row += 1;
            }
        }
    }
    (img, count)
}

/// Both sides of `⟨A(x), y⟩ = ⟨x, Aᵀ(y)⟩` are, in exact arithmetic, the same
/// sum of the products `x_p · y_rc` over every entry `(r, c)` of the column
/// matrix that reads an image pixel `p` (the entries on the padding hold
/// exact zeros, which add nothing). In floating point:
///
/// - the left side sums `N = rows·cols` rounded products in some order:
///   off by at most `γ_N · S`, with `S = ⟨|A(x)|, |y|⟩`;
/// - the right side first sums, per pixel, at most `K = fh·fw` entries of `y`
///   (no pixel is in more windows than a window has cells), then sums the
///   `M = batch·channels·H·W` rounded products `x_p · Aᵀ(y)_p`: off by at
///   most `γ_{K+M} · S` (the first rounding is relative to `Σ|y|`, so
///   `|x_p|·Σ|y_rc|` summed is `S` again).
///
/// So `|left − right| ≤ (γ_N + γ_{K+M}) · S ≤ (N + K + M) · u · S · (1 + tiny)`;
/// the tolerance is twice that, `(N + K + M) · EPSILON · S`, which also
/// covers the rounding in computing `S` itself.
#[test]
fn column_to_image_is_the_adjoint_of_image_to_column() {
    let coverage = for_cases(
        "2 (⟨image_to_column(x), y⟩ == ⟨x, column_to_image(y)⟩)",
        WIDE,
        (false, false),
        |desc, c, rng| {
            let x = c.images(rng);
            let (rows, ncols) = c.cols_shape();
            let y = rng.randn((rows, ncols)) * magnitude(rng);
            let (w, s, p) = (c.window(), c.stride, c.padding);
            let cols = image_to_column(&x.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column: {e}"));
            let back = column_to_image(&y.view(), &c.x_shape(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image: {e}"));
            assert_eq!(back.shape(), c.x_shape(), "{desc}\n  shape of column_to_image");

            assert_adjoint(desc, ("image_to_column", "column_to_image"), (&cols, &y), (&x, &back), c);

            // column_to_image is the scatter-add of the columns: the same at
            // most K = fh·fw terms per pixel in another order, and exactly 0
            // on the pixels no window reads.
            let (brute, count) = brute_force_scatter(&y, c);
            let tol = sum_rounding(c.fh * c.fw, max_abs(&y.view()));
            assert_close(desc, "column_to_image vs scatter-add", &back.view(), &brute.view(), tol);
            let (row_reads, col_reads) = c.reads();
            for ((b, ch, i, j), &n) in count.indexed_iter() {
                assert_eq!(n, row_reads[i] * col_reads[j], "{desc}\n  windows reading pixel ({i}, {j})");
                assert!(
                    n > 0 || back[[b, ch, i, j]] == 0.0,
                    "{desc}\n  pixel [{b}, {ch}, {i}, {j}] is read by no window but column_to_image gives {:e}",
                    back[[b, ch, i, j]]
                );
            }

            // A cols matrix in another memory layout gives the same image.
            let y_t = y.t().as_standard_layout().into_owned();
            let back_t = column_to_image(&y_t.t(), &c.x_shape(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image (transposed cols): {e}"));
            assert_exact(desc, "column_to_image of a strided cols", &back_t.view(), &back.view());
        },
        assert_im2col_window_error,
    );
    coverage.assert_reached("2", true);
    report_worst_ratio("2");
}

// ---------------------------------------------------------------------------
// 3. Conv2D (im2col) == Conv2D by the notebook's loops
// ---------------------------------------------------------------------------

/// Random `W (filters, channels, fh, fw)`, `w0 (filters, 1)`, and the layer.
fn random_layer(desc: &str, c: &Case, rng: &mut RandomState) -> Conv2D {
    let w = randn4(rng, &c.w_shape()) * magnitude(rng);
    let w0 = rng.randn((c.filters, 1)) * magnitude(rng);
    Conv2D::new(w, w0, c.padding, c.stride).unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"))
}

/// Tolerances (module docs: `sum_rounding(n, largest)` bounds two orders of
/// a sum of `n` terms, none larger than `largest`):
///
/// - output: `channels·f²` products `W·X` and the bias;
/// - `grad_W`: `batch·out_h·out_w` products `dY·X`;
/// - `grad_w0`: `batch·out_h·out_w` values of `dY`;
/// - `grad_input`: at most `filters·f²` products `W·dY` per pixel (the
///   im2col version sums the `filters` first, then up to `f²` windows).
///
/// Pixels no window reads must get exactly zero gradient from both.
#[test]
fn conv2d_equals_conv2d_by_loops() {
    let coverage = for_cases(
        "3 (Conv2D forward/backward == by loops)",
        WIDE,
        (true, true),
        |desc, c, rng| {
            let x = c.images(rng);
            let layer = random_layer(desc, c, rng);
            let (y, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
            let (y_loops, cache_loops) = layer
                .forward_by_loops(&x.view())
                .unwrap_or_else(|e| panic!("{desc}\n  forward_by_loops: {e}"));
            assert_eq!(y.shape(), c.y_shape(), "{desc}\n  shape of forward");
            let (mx, mw, mb) = (max_abs(&x.view()), max_abs(&layer.w.view()), max_abs(&layer.w0.view()));
            let n = c.channels * c.fh * c.fw;
            let tol = sum_rounding(n + 1, (mw * mx).max(mb));
            assert_close(desc, "forward vs forward_by_loops", &y.view(), &y_loops.view(), tol);

            let dy = randn4(rng, &c.y_shape()) * magnitude(rng);
            let g = layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
            let gl = layer
                .backward_by_loops(&dy.view(), &cache_loops)
                .unwrap_or_else(|e| panic!("{desc}\n  backward_by_loops: {e}"));
            let mdy = max_abs(&dy.view());
            let (oh, ow) = c.out_hw();
            let k = c.batch * oh * ow;
            assert_eq!(g.grad_w.shape(), c.w_shape(), "{desc}\n  shape of grad_W");
            assert_eq!(g.grad_w0.dim(), (c.filters, 1), "{desc}\n  shape of grad_w0");
            assert_eq!(g.grad_input.shape(), c.x_shape(), "{desc}\n  shape of grad_input");
            assert_close(desc, "grad_W", &g.grad_w.view(), &gl.grad_w.view(), sum_rounding(k, mdy * mx));
            assert_close(desc, "grad_w0", &g.grad_w0.view(), &gl.grad_w0.view(), sum_rounding(k, mdy));
            let tol = sum_rounding(c.filters * c.fh * c.fw, mw * mdy);
            assert_close(desc, "grad_input", &g.grad_input.view(), &gl.grad_input.view(), tol);

            let (row_reads, col_reads) = c.reads();
            for ((b, ch, i, j), &v) in g.grad_input.indexed_iter() {
                let unread = row_reads[i] == 0 || col_reads[j] == 0;
                assert!(
                    !unread || (v == 0.0 && gl.grad_input[[b, ch, i, j]] == 0.0),
                    "{desc}\n  pixel [{b}, {ch}, {i}, {j}] is read by no window but grad_input is {v:e} \
                     (by loops {:e})",
                    gl.grad_input[[b, ch, i, j]]
                );
            }

            // An accum_grad in another memory layout gives the same gradients.
            let g_strided = layer
                .backward(&strided_copy(&dy).view(), &cache)
                .unwrap_or_else(|e| panic!("{desc}\n  backward (strided dY): {e}"));
            assert_exact(desc, "grad_input (strided dY)", &g_strided.grad_input.view(), &g.grad_input.view());
            assert_exact(desc, "grad_W (strided dY)", &g_strided.grad_w.view(), &g.grad_w.view());
        },
        |desc, c, rng| {
            let x = c.images(rng);
            let layer = random_layer(desc, c, rng);
            expect_err(desc, "Conv2D::forward", layer.forward(&x.view()), &["filter_shape"]);
            expect_err(
                desc,
                "Conv2D::forward_by_loops",
                layer.forward_by_loops(&x.view()),
                &["filter_shape"],
            );
        },
    );
    coverage.assert_reached("3", false);
    report_worst_ratio("3");
}

// ---------------------------------------------------------------------------
// 4. Finite differences == Conv2D::backward
// ---------------------------------------------------------------------------

/// `E = Σ forward(x) ⊙ dY` is linear in each of `X`, `W` and `w0`, so the
/// central difference `(E(v+ε) − E(v−ε)) / 2ε` equals `∂E/∂v` exactly in
/// real arithmetic, whatever `ε`: only rounding separates them (a tolerance
/// proportional to `ε²`, the usual truncation error, would be the wrong
/// model here). Evaluating `E` rounds each output's sum of
/// `channels·fh·fw` products plus the bias, then the sum of the
/// `K = dY.len()` products with `dY`, so each evaluation is off by at most
/// `(channels·fh·fw + K + 2) · u · S`, `S = Σ |dY| ⊙ (Σ |W|·|X| + |w0|)` (the
/// magnitudes of every product in `E`, with `|v| + ε` for the perturbed
/// values; the padding adds exact zeros). The difference of two evaluations
/// divided by `2ε` is off by at most `terms · u · S / ε`;
/// `fd_tolerance(S, terms, ε)` is twice that (it uses `EPSILON = 2u`), which
/// also covers the rounding of `v ± ε` itself (`|∂E/∂v|·u·|v|/ε ≤ u·S/ε`).
#[test]
fn finite_differences_agree_with_conv2d_backward() {
    const EPS: f64 = 1e-5;
    let coverage = for_cases(
        "4 (finite differences == Conv2D::backward)",
        SMALL,
        (false, true),
        |desc, c, rng| {
            let x = c.images(rng);
            let layer = random_layer(desc, c, rng);
            let dy = randn4(rng, &c.y_shape()) * magnitude(rng);
            let (_, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
            let g = layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));

            let (p, s) = (c.padding, c.stride);
            let energy = |l: &Conv2D, x: &Array4<f64>| -> f64 {
                let (y, _) = l.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward in E: {e}"));
                (&y * &dy).sum()
            };
            let with = |w: &Array4<f64>, w0: &Array2<f64>| -> Conv2D {
                Conv2D::new(w.clone(), w0.clone(), p, s)
                    .unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"))
            };
            let abs_layer = with(&layer.w.mapv(|v| v.abs() + EPS), &layer.w0.mapv(|v| v.abs() + EPS));
            let (y_abs, _) = abs_layer
                .forward(&x.mapv(|v| v.abs() + EPS).view())
                .unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
            let scale = (&y_abs * &dy.mapv(f64::abs)).sum();
            let terms = c.channels * c.fh * c.fw + dy.len() + 2;
            let tol = fd_tolerance(scale, terms, EPS);
            let desc = &format!("{desc}\n  (E's scale S = {scale:e}, terms {terms}, eps {EPS:e})");

            let num_x = numerical_gradient(&x, EPS, |x| energy(&layer, x));
            assert_close(desc, "grad_input", &g.grad_input.view(), &num_x.view(), tol);
            let num_w = numerical_gradient(&layer.w, EPS, |w| energy(&with(w, &layer.w0), &x));
            assert_close(desc, "grad_W", &g.grad_w.view(), &num_w.view(), tol);
            let num_w0 = numerical_gradient(&layer.w0, EPS, |w0| energy(&with(&layer.w, w0), &x));
            assert_close(desc, "grad_w0", &g.grad_w0.view(), &num_w0.view(), tol);
        },
        |desc, c, rng| {
            let x = c.images(rng);
            let layer = random_layer(desc, c, rng);
            expect_err(desc, "Conv2D::forward", layer.forward(&x.view()), &["filter_shape"]);
        },
    );
    coverage.assert_reached("4", true);
    report_worst_ratio("4");
}

// ---------------------------------------------------------------------------
// 5. Pooling2D == pool_forward / pool_backward (square) == brute force (any)
// ---------------------------------------------------------------------------

const MODES: [PoolMode; 2] = [PoolMode::Max, PoolMode::Average];

/// One pooling: images, a window, and a stride (`None`: `Pooling2D`'s
/// default, the window's height). Pooling never pads.
#[derive(Debug, Clone, Copy)]
struct PoolCase {
    case: Case,
    stride_given: Option<usize>,
    ties: bool,
}

/// Pooling cases of `WIDE`'s sizes whose window fits the image (the window
/// first, then the image at least as large), square windows if `square`,
/// never square otherwise; one in five with the default stride; half with
/// many ties (values from `{0, 1, 2}`).
fn pool2d_cases(square: bool) -> impl Strategy<Value = PoolCase> + Clone {
    let r = WIDE;
    let window = r.window.0..=r.window.1;
    (window.clone(), window)
        .prop_flat_map(move |(fh, fw)| {
            let fw = match fw {
                _ if square => fh,
                fw if fw == fh && fw == r.window.1 => 1,
                fw if fw == fh => fw + 1,
                fw => fw,
            };
            let counts = (r.batch.0..=r.batch.1, r.channels.0..=r.channels.1, r.filters.0..=r.filters.1);
            let kinds = (prop::bool::weighted(0.2), prop::bool::ANY);
            (
                Just((fh, fw)),
                counts,
                fh.max(r.size.0)..=r.size.1,
                fw.max(r.size.0)..=r.size.1,
                r.stride.0..=r.stride.1,
                kinds,
            )
        })
        .prop_map(|((fh, fw), (batch, channels, filters), height, width, stride, (default_stride, ties))| {
            let stride_given = if default_stride { None } else { Some(stride) };
            let stride = stride_given.unwrap_or(fh);
            let padding = Padding2D::uniform(0);
            let case = Case { batch, channels, height, width, fh, fw, padding, stride, filters };
            PoolCase { case, stride_given, ties }
        })
}

/// Pooling cases with the window made larger than the image by 1 to 3: its
/// height, its width or both (both sides of a square window, by more than
/// the smaller side); with the default stride, the stride is the new
/// window's height.
fn too_large_pool2d_cases(square: bool) -> impl Strategy<Value = PoolCase> {
    (pool2d_cases(square), 0..=2usize, 1..=3usize).prop_map(move |(mut pc, axis, k)| {
        let c = &mut pc.case;
        if square {
            let f = c.height.min(c.width) + k;
            (c.fh, c.fw) = (f, f);
        } else {
            if axis != 1 {
                c.fh = c.height + k;
            }
            if axis != 0 {
                c.fw = c.width + k;
            }
        }
        if pc.stride_given.is_none() {
            c.stride = c.fh;
        }
        pc
    })
}

impl PoolCase {
    fn layer(&self, mode: PoolMode) -> Pooling2D {
        Pooling2D::new(self.case.window(), self.stride_given, mode)
    }

    fn images(&self, rng: &mut RandomState) -> Array4<f64> {
        let scale = magnitude(rng);
        if self.ties {
            let levels = rng.randint(0, 3, self.case.x_shape()).expect("0 < 3");
            levels.mapv(|v| v as f64 * scale)
        } else {
            randn4(rng, &self.case.x_shape()) * scale
        }
    }

    /// `(batch, channels, out_h, out_w)`.
    fn out_shape(&self) -> [usize; 4] {
        let c = self.case;
        let (oh, ow) = c.out_hw();
        [c.batch, c.channels, oh, ow]
    }
}

impl fmt::Display for PoolCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.case;
        write!(f, "X {}, window {}×{}, stride ", shape_str(&c.x_shape()), c.fh, c.fw)?;
        match self.stride_given {
            Some(s) => write!(f, "{s}")?,
            None => write!(f, "None (so {})", c.stride)?,
        }
        write!(f, "{}", if self.ties { ", values with ties" } else { "" })
    }
}

/// Pooling by its definition: the max (the first maximum in row-major order
/// of the window, found with `>`) or the mean of each window; and the
/// backward pass, every `dY` sent to that first maximum or shared as
/// `dY / (fh·fw)` by the whole window. Returns the output, the input
/// gradient and how many windows sent gradient to each pixel.
fn brute_force_pool(
    x: &Array4<f64>,
    dy: &Array4<f64>,
    c: &Case,
    mode: PoolMode,
) -> (Array4<f64>, Array4<f64>, Array4<usize>) {
    let (oh, ow) = c.out_hw();
    let n = (c.fh * c.fw) as f64;
    let mut out = Array4::zeros((c.batch, c.channels, oh, ow));
    let mut grad = Array4::zeros(c.x_shape());
    let mut count = Array4::zeros(c.x_shape());
    for ((b, ch, y, xo), v) in out.indexed_iter_mut() {
        let cells: Vec<(usize, usize)> = (0..c.fh)
            .flat_map(|di| (0..c.fw).map(move |dj| (y * c.stride + di, xo * c.stride + dj)))
            .collect();
        let g = dy[[b, ch, y, xo]];
        match mode {
            PoolMode::Max => {
                let mut best = cells[0];
                for &(i, j) in &cells[1..] {
                    if x[[b, ch, i, j]] > x[[b, ch, best.0, best.1]] {
                        best = (i, j);
                    }
                }
                *v = x[[b, ch, best.0, best.1]];
                grad[[b, ch, best.0, best.1]] += g;
                count[[b, ch, best.0, best.1]] += 1;
            }
            PoolMode::Average => {
                *v = cells.iter().map(|&(i, j)| x[[b, ch, i, j]]).sum::<f64>() / n;
                for &(i, j) in &cells {
                    grad[[b, ch, i, j]] += g / n;
                    count[[b, ch, i, j]] += 1;
                }
            }
        }
    }
    (out, grad, count)
}

/// Tolerances: max pooling copies values, so its forward pass is exact; a
/// mean of `n = fh·fw` values computed in two orders differs by at most
/// `sum_rounding(n, max|X|) / n`. The backward passes add, per pixel, at most
/// `n` identical terms (`dY`, or `dY / n` computed the same way) in different
/// orders: `sum_rounding(n, largest term)`; pixels that receive nothing must
/// be exactly 0.
fn check_pool_case(desc: &str, pc: &PoolCase, rng: &mut RandomState) {
    let c = &pc.case;
    let x = pc.images(rng);
    let dy = randn4(rng, &pc.out_shape()) * magnitude(rng);
    let n = c.fh * c.fw;
    let (mx, mdy) = (max_abs(&x.view()), max_abs(&dy.view()));
    for mode in MODES {
        let desc = &format!("{desc}, mode {}", mode.name());
        let layer = pc.layer(mode);
        assert_eq!(layer.stride, c.stride, "{desc}\n  Pooling2D's stride");
        let (out, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
        assert_eq!(out.shape(), pc.out_shape(), "{desc}\n  shape of forward");
        let grad = layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
        assert_eq!(grad.shape(), c.x_shape(), "{desc}\n  shape of backward");

        let (want, want_grad, count) = brute_force_pool(&x, &dy, c, mode);
        let (tol_fwd, tol_bwd) = match mode {
            PoolMode::Max => (0.0, sum_rounding(n, mdy)),
            PoolMode::Average => (sum_rounding(n, mx) / n as f64, sum_rounding(n, mdy / n as f64)),
        };
        assert_close(desc, "forward vs brute force", &out.view(), &want.view(), tol_fwd);
        assert_close(desc, "backward vs brute force", &grad.view(), &want_grad.view(), tol_bwd);
        for ((b, ch, i, j), &k) in count.indexed_iter() {
            assert!(
                k > 0 || grad[[b, ch, i, j]] == 0.0,
                "{desc}\n  pixel [{b}, {ch}, {i}, {j}] receives no gradient by definition, but backward gives {:e}",
                grad[[b, ch, i, j]]
            );
        }

        if c.fh == c.fw {
            // The notebook's loops take NHWC: transposed views in, transposed views out.
            let hp = PoolHparameters { f: c.fh, stride: c.stride };
            let x_nhwc = x.view().permuted_axes([0, 2, 3, 1]);
            let (a, loop_cache) =
                pool_forward(&x_nhwc, hp, mode).unwrap_or_else(|e| panic!("{desc}\n  pool_forward: {e}"));
            let a_nchw = a.view().permuted_axes([0, 3, 1, 2]);
            assert_close(desc, "forward vs pool_forward", &out.view(), &a_nchw, tol_fwd);
            let da_prev = pool_backward(&dy.view().permuted_axes([0, 2, 3, 1]), &loop_cache, mode)
                .unwrap_or_else(|e| panic!("{desc}\n  pool_backward: {e}"));
            let da_nchw = da_prev.view().permuted_axes([0, 3, 1, 2]);
            assert_close(desc, "backward vs pool_backward", &grad.view(), &da_nchw, tol_bwd);
        }
    }
}

#[test]
fn pooling2d_equals_loop_pooling_and_brute_force() {
    const NAME: &str = "5 (Pooling2D == loops == brute force)";
    let count = || Cell::new(0usize);
    let (square, non_square, too_large) = (count(), count(), count());
    let (ties, default_stride, uneven, beyond, overlapping) = (count(), count(), count(), count(), count());
    let add = |counter: &Cell<usize>, yes: bool| counter.set(counter.get() + usize::from(yes));
    for is_square in [true, false] {
        check(NAME, (pool2d_cases(is_square), seeds()), |(pc, seed)| {
            let c = pc.case;
            let desc = describe_case(NAME, seed, pc);
            add(&square, c.fh == c.fw);
            add(&non_square, c.fh != c.fw);
            add(&ties, pc.ties);
            add(&default_stride, pc.stride_given.is_none());
            add(&uneven, c.uneven());
            add(&beyond, c.stride > c.fh || c.stride > c.fw);
            add(&overlapping, c.stride < c.fh || c.stride < c.fw);
            guard(&desc, || check_pool_case(&desc, &pc, &mut RandomState::new(seed)));
        });
        check(NAME, (too_large_pool2d_cases(is_square), seeds()), |(pc, seed)| {
            let desc = describe_case(NAME, seed, pc);
            add(&too_large, !pc.case.fits());
            guard(&desc, || {
                let x = pc.images(&mut RandomState::new(seed));
                for mode in MODES {
                    expect_err(
                        &desc,
                        "Pooling2D::forward",
                        pc.layer(mode).forward(&x.view()),
                        &["filter_shape"],
                    );
                }
            });
        });
    }
    let [square, non_square, too_large, ties, default_stride, uneven, beyond, overlapping] =
        [square, non_square, too_large, ties, default_stride, uneven, beyond, overlapping]
            .map(Cell::into_inner);
    eprintln!(
        "property 5: {square} square, {non_square} non-square, {too_large} too large, {ties} with ties, \
         {default_stride} default stride, {uneven} uneven, {beyond} stride beyond window, {overlapping} overlapping"
    );
    assert!(square > 0 && non_square > 0, "property 5: the generator missed a kind of case");
    assert!(
        too_large > 0 && ties > 0 && default_stride > 0 && uneven > 0 && beyond > 0 && overlapping > 0,
        "property 5: the generator missed a kind of case"
    );
    report_worst_ratio("5");
}

// ---------------------------------------------------------------------------
// 6. Invalid inputs are errors, not panics
// ---------------------------------------------------------------------------

/// One thing wrong with an otherwise valid case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Stride 0, for every im2col function, `Conv2D` and `Pooling2D`.
    StrideZero,
    /// A window larger than the padded image (than the image, for pooling).
    WindowTooLarge,
    /// One axis of the images of size 0.
    ZeroSizeImages,
    /// A window with no rows or no columns (`W` with an axis of size 0).
    EmptyWindow,
    /// `images_shape` with 3 or 5 axes.
    ImagesShapeRank,
    /// `cols` of the wrong shape for `column_to_image`.
    WrongCols,
    /// `X` with other channels than `W`.
    ChannelMismatch,
    /// `accum_grad` of the wrong shape for `Conv2D` and `Pooling2D` backward.
    WrongAccumGrad,
    /// `w0` not `(filters, 1)`.
    WrongW0,
}

const FAULTS: [Fault; 9] = [
    Fault::StrideZero,
    Fault::WindowTooLarge,
    Fault::ZeroSizeImages,
    Fault::EmptyWindow,
    Fault::ImagesShapeRank,
    Fault::WrongCols,
    Fault::ChannelMismatch,
    Fault::WrongAccumGrad,
    Fault::WrongW0,
];

fn arr4(s: &[usize]) -> Array4<f64> {
    Array4::zeros((s[0], s[1], s[2], s[3]))
}

/// Every im2col function on images of `shape` must fail, naming one of `expected`.
fn im2col_errors(
    desc: &str,
    shape: &[usize],
    window: (usize, usize),
    s: usize,
    p: Padding2D,
    expected: &[&str],
) {
    expect_err(desc, "Im2colParams::new", Im2colParams::new(shape, window, p, s), expected);
    expect_err(desc, "get_im2col_indices", get_im2col_indices(shape, window, p, s), expected);
    if shape.len() == 4 {
        let x = arr4(shape);
        expect_err(desc, "image_to_column", image_to_column(&x.view(), window, s, p), expected);
        expect_err(
            desc,
            "image_to_column_by_indices",
            image_to_column_by_indices(&x.view(), window, s, p),
            expected,
        );
    }
    let cols = Array2::<f64>::zeros((1, 1));
    expect_err(desc, "column_to_image", column_to_image(&cols.view(), shape, window, s, p), expected);
}

fn pooling_errors(
    desc: &str,
    x: &ArrayView4<f64>,
    window: (usize, usize),
    s: Option<usize>,
    expected: &[&str],
) {
    for mode in MODES {
        let layer = Pooling2D::new(window, s, mode);
        expect_err(desc, &format!("Pooling2D::forward ({})", mode.name()), layer.forward(x), expected);
    }
}

fn check_fault(desc: &str, fault: Fault, c: &Case, rng: &mut RandomState) {
    let (window, p) = (c.window(), c.padding);
    let x = c.images(rng);
    let w = randn4(rng, &c.w_shape());
    let w0 = rng.randn((c.filters, 1));
    match fault {
        Fault::StrideZero => {
            im2col_errors(desc, &c.x_shape(), window, 0, p, &["stride"]);
            expect_err(desc, "Conv2D::new", Conv2D::new(w.clone(), w0.clone(), p, 0), &["stride"]);
            // The fields are public: a layer built without `new`.
            let layer = Conv2D { w, w0, padding: p, stride: 0 };
            expect_err(desc, "Conv2D::forward", layer.forward(&x.view()), &["stride"]);
            expect_err(desc, "Conv2D::forward_by_loops", layer.forward_by_loops(&x.view()), &["stride"]);
            pooling_errors(desc, &x.view(), window, Some(0), &["stride"]);
        }
        Fault::WindowTooLarge => {
            let (ph, pw) = c.padded();
            let (fh, fw) = match int(rng, 0, 2) {
                0 => (ph + int(rng, 1, 3), c.fw),
                1 => (c.fh, pw + int(rng, 1, 3)),
                _ => (ph + int(rng, 1, 3), pw + int(rng, 1, 3)),
            };
            im2col_errors(desc, &c.x_shape(), (fh, fw), c.stride, p, &["filter_shape"]);
            let big = randn4(rng, &[c.filters, c.channels, fh, fw]);
            let layer =
                Conv2D::new(big, w0, p, c.stride).unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"));
            expect_err(desc, "Conv2D::forward", layer.forward(&x.view()), &["filter_shape"]);
            expect_err(
                desc,
                "Conv2D::forward_by_loops",
                layer.forward_by_loops(&x.view()),
                &["filter_shape"],
            );
            // Pooling does not pad: a window larger than the image itself.
            let (ph, pw) = match int(rng, 0, 2) {
                0 => (c.height + int(rng, 1, 3), c.fw.min(c.width)),
                1 => (c.fh.min(c.height), c.width + int(rng, 1, 3)),
                _ => (c.height + int(rng, 1, 3), c.width + int(rng, 1, 3)),
            };
            pooling_errors(desc, &x.view(), (ph, pw), Some(c.stride), &["filter_shape"]);
            pooling_errors(desc, &x.view(), (ph, pw), None, &["filter_shape"]);
        }
        Fault::ZeroSizeImages => {
            let mut shape = c.x_shape();
            shape[int(rng, 0, 3)] = 0;
            im2col_errors(desc, &shape, window, c.stride, p, &["images"]);
            let layer =
                Conv2D::new(w, w0, p, c.stride).unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"));
            let empty = arr4(&shape);
            // Zero channels is also a channel mismatch with W.
            expect_err(desc, "Conv2D::forward", layer.forward(&empty.view()), &["images", "X"]);
            expect_err(
                desc,
                "Conv2D::forward_by_loops",
                layer.forward_by_loops(&empty.view()),
                &["images", "X"],
            );
            pooling_errors(desc, &empty.view(), window, Some(c.stride), &["images"]);
        }
        Fault::EmptyWindow => {
            let (fh, fw) = match int(rng, 0, 2) {
                0 => (0, c.fw),
                1 => (c.fh, 0),
                _ => (0, 0),
            };
            im2col_errors(desc, &c.x_shape(), (fh, fw), c.stride, p, &["filter_shape"]);
            pooling_errors(desc, &x.view(), (fh, fw), Some(c.stride), &["filter_shape"]);
            pooling_errors(desc, &x.view(), (fh, fw), None, &["filter_shape"]);
            // W with any axis of size 0.
            let mut shape = c.w_shape();
            let axis = int(rng, 0, 3);
            shape[axis] = 0;
            let empty = arr4(&shape);
            let w0 = Array2::zeros((shape[0], 1));
            expect_err(desc, "Conv2D::new (empty W)", Conv2D::new(empty, w0, p, c.stride), &["W"]);
        }
        Fault::ImagesShapeRank => {
            let shape = change_rank(rng, &c.x_shape(), 3);
            im2col_errors(desc, &shape, window, c.stride, p, &["images"]);
        }
        Fault::WrongCols => {
            let (rows, ncols) = c.cols_shape();
            let shape = if int(rng, 0, 4) == 0 && rows != ncols {
                vec![ncols, rows] // transposed
            } else {
                change_one_axis(rng, &[rows, ncols])
            };
            let cols = Array2::<f64>::zeros((shape[0], shape[1]));
            let desc =
                &format!("{desc}, cols {} (expected {})", shape_str(&shape), shape_str(&[rows, ncols]));
            let r = column_to_image(&cols.view(), &c.x_shape(), window, c.stride, p);
            expect_err(desc, "column_to_image", r, &["cols"]);
        }
        Fault::ChannelMismatch => {
            let mut k = int(rng, 1, c.channels + 2);
            if k >= c.channels {
                k += 1; // skip the valid count
            }
            let other = randn4(rng, &[c.batch, k, c.height, c.width]);
            let desc = &format!("{desc}, W {}, X with {k} channels", shape_str(&c.w_shape()));
            let layer =
                Conv2D::new(w, w0, p, c.stride).unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"));
            expect_err(desc, "Conv2D::forward", layer.forward(&other.view()), &["X"]);
            expect_err(desc, "Conv2D::forward_by_loops", layer.forward_by_loops(&other.view()), &["X"]);
        }
        Fault::WrongAccumGrad => {
            let layer =
                Conv2D::new(w, w0, p, c.stride).unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"));
            let shape = change_one_axis(rng, &c.y_shape());
            let bad = arr4(&shape);
            let desc = &format!("{desc}, accum_grad {} (Y {})", shape_str(&shape), shape_str(&c.y_shape()));
            let (_, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
            expect_err(desc, "Conv2D::backward", layer.backward(&bad.view(), &cache), &["accum_grad"]);
            if c.fh == c.fw {
                let (_, cache) = layer
                    .forward_by_loops(&x.view())
                    .unwrap_or_else(|e| panic!("{desc}\n  forward_by_loops: {e}"));
                // The loops check the gradient in their own layout, as dZ.
                let r = layer.backward_by_loops(&bad.view(), &cache);
                expect_err(desc, "Conv2D::backward_by_loops", r, &["accum_grad", "dZ"]);
            }
            // Pooling (no padding) over the same images, when its window fits.
            if c.fh <= c.height && c.fw <= c.width {
                let pc = PoolCase {
                    case: Case { padding: Padding2D::uniform(0), ..*c },
                    stride_given: Some(c.stride),
                    ties: false,
                };
                let shape = change_one_axis(rng, &pc.out_shape());
                let bad = arr4(&shape);
                let desc = &format!(
                    "{desc}; pooling accum_grad {} (Y {})",
                    shape_str(&shape),
                    shape_str(&pc.out_shape())
                );
                for mode in MODES {
                    let pool = pc.layer(mode);
                    let (_, cache) = pool
                        .forward(&x.view())
                        .unwrap_or_else(|e| panic!("{desc}\n  Pooling2D::forward: {e}"));
                    let who = format!("Pooling2D::backward ({})", mode.name());
                    expect_err(desc, &who, pool.backward(&bad.view(), &cache), &["accum_grad"]);
                }
            }
        }
        Fault::WrongW0 => {
            let shape = change_one_axis(rng, &[c.filters, 1]);
            let w0 = Array2::zeros((shape[0], shape[1]));
            let desc = &format!("{desc}, W {}, w0 {}", shape_str(&c.w_shape()), shape_str(&shape));
            expect_err(desc, "Conv2D::new", Conv2D::new(w, w0, p, c.stride), &["w0"]);
        }
    }
}

#[test]
fn invalid_inputs_are_errors_not_panics() {
    const NAME: &str = "6 (invalid inputs are errors)";
    for fault in FAULTS {
        // Half the cases square, so that the loops are reached too.
        let cases = prop_oneof![im2col_cases(WIDE, true), im2col_cases(WIDE, false)];
        check(NAME, (cases, seeds()), |(c, seed)| {
            let desc = describe_case(NAME, seed, format_args!("{fault:?}: {}", Layer(&c)));
            guard(&desc, || check_fault(&desc, fault, &c, &mut RandomState::new(seed)));
        });
    }
}

// ---------------------------------------------------------------------------
// 7. image_to_column_by_image / column_to_image_by_image (the layout Conv2D
//    uses): image_to_column's columns reordered, and adjoint
// ---------------------------------------------------------------------------

/// Column `(b·out_h + y)·out_w + x` of the by-image layout (image, output
/// row, output column) is column `(y·out_w + x)·batch + b` of
/// `image_to_column`'s (output row, output column, image).
fn standard_column(c: &Case, by_image_col: usize) -> usize {
    let (oh, ow) = c.out_hw();
    let (b, yx) = (by_image_col / (oh * ow), by_image_col % (oh * ow));
    yx * c.batch + b
}

/// Property 7, the by-image layout:
///
/// - `image_to_column_by_image` holds exactly `image_to_column`'s columns,
///   reordered (copies only), also from images stored channel-last (a view
///   not in standard layout); `image_to_column_by_image_into` writes the same
///   values into a buffer that held other values (of another length) and
///   returns the sizes `Im2colParams::new` checks; `f32` images give the same
///   columns in `f32`;
/// - `column_to_image_by_image` is its adjoint,
///   `⟨image_to_column_by_image(x), y⟩ = ⟨x, column_to_image_by_image(y)⟩`,
///   with the tolerance of property 2 (the same products: `N = rows·cols` on
///   the left; at most `K = fh·fw` entries of `y` per pixel, then `M` products,
///   on the right): `(N + K + M)·EPSILON·S`;
/// - `column_to_image_by_image(y)` equals `column_to_image` of the same
///   columns in `image_to_column`'s order: at most `K` entries per pixel added
///   in two orders, `sum_rounding(K, max|y|)`; it is exactly 0 on the pixels
///   no window reads;
/// - `column_to_image_by_image_add` onto images `base` equals
///   `base + column_to_image_by_image(y)`: the same `K + 1` terms in two
///   orders, `sum_rounding(K + 1, max(max|base|, max|y|))`;
/// - `cols` of another shape is an error naming `cols`, and a window larger
///   than the padded image one naming `filter_shape`.
#[test]
fn image_to_column_by_image_is_image_to_column_reordered_and_its_adjoint() {
    let coverage = for_cases(
        "7 (by image == image_to_column reordered; ⟨by_image(x), y⟩ == ⟨x, column_to_image_by_image(y)⟩)",
        WIDE,
        (false, false),
        |desc, c, rng| {
            let x = c.images(rng);
            let (w, s, p) = (c.window(), c.stride, c.padding);
            let cols = image_to_column(&x.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column: {e}"));
            let by_image = image_to_column_by_image(&x.view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column_by_image: {e}"));
            let (rows, ncols) = c.cols_shape();
            assert_eq!(by_image.dim(), (rows, ncols), "{desc}\n  shape of image_to_column_by_image");
            let reordered =
                Array2::from_shape_fn((rows, ncols), |(r, col)| cols[[r, standard_column(c, col)]]);
            assert_exact(
                desc,
                "image_to_column_by_image vs image_to_column reordered",
                &by_image.view(),
                &reordered.view(),
            );
            // The same images stored channel-last (a view not in standard layout).
            let from_strided = image_to_column_by_image(&strided_copy(&x).view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column_by_image of a strided view: {e}"));
            assert_exact(
                desc,
                "image_to_column_by_image of the images stored channel-last",
                &from_strided.view(),
                &by_image.view(),
            );

            let junk = int(rng, 0, 2 * rows * ncols);
            let mut buffer = rng.randn(junk).to_vec();
            let params = image_to_column_by_image_into(&x.view(), w, s, p, &mut buffer)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column_by_image_into: {e}"));
            let want =
                Im2colParams::new(x.shape(), w, p, s).unwrap_or_else(|e| panic!("{desc}\n  params: {e}"));
            assert_eq!(params, want, "{desc}\n  image_to_column_by_image_into's sizes");
            let written = ArrayView2::from_shape((rows, ncols), &buffer).unwrap_or_else(|e| {
                panic!("{desc}\n  image_to_column_by_image_into wrote {} values: {e}", buffer.len())
            });
            assert_exact(desc, "image_to_column_by_image_into (a used buffer)", &written, &by_image.view());
            let by_image_f32 = image_to_column_by_image(&x.mapv(|v| v as f32).view(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  image_to_column_by_image (f32): {e}"));
            assert!(
                by_image_f32 == by_image.mapv(|v| v as f32),
                "{desc}\n  image_to_column_by_image in f32 differs"
            );

            let y = rng.randn((rows, ncols)) * magnitude(rng);
            let back = column_to_image_by_image(&y.view(), &c.x_shape(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image_by_image: {e}"));
            assert_eq!(back.shape(), c.x_shape(), "{desc}\n  shape of column_to_image_by_image");
            let names = ("image_to_column_by_image", "column_to_image_by_image");
            assert_adjoint(desc, names, (&by_image, &y), (&x, &back), c);

            let mut y_standard = Array2::zeros((rows, ncols));
            for ((r, col), &v) in y.indexed_iter() {
                y_standard[[r, standard_column(c, col)]] = v;
            }
            let back_standard = column_to_image(&y_standard.view(), &c.x_shape(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image: {e}"));
            let k = c.fh * c.fw;
            let tol = sum_rounding(k, max_abs(&y.view()));
            assert_close(
                desc,
                "column_to_image_by_image vs column_to_image",
                &back.view(),
                &back_standard.view(),
                tol,
            );
            let (row_reads, col_reads) = c.reads();
            for ((b, ch, i, j), &v) in back.indexed_iter() {
                assert!(
                    (row_reads[i] > 0 && col_reads[j] > 0) || v == 0.0,
                    "{desc}\n  pixel [{b}, {ch}, {i}, {j}] is read by no window but column_to_image_by_image gives {v:e}"
                );
            }

            let base = c.images(rng);
            let mut sum = base.clone();
            column_to_image_by_image_add(&y.view(), &mut sum.view_mut(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image_by_image_add: {e}"));
            let tol = sum_rounding(k + 1, max_abs(&base.view()).max(max_abs(&y.view())));
            assert_close(
                desc,
                "column_to_image_by_image_add vs base + column_to_image_by_image",
                &sum.view(),
                &(&base + &back).view(),
                tol,
            );

            // The same onto images that are not in standard layout, from columns whose rows
            // are not contiguous (both go through standard copies).
            let mut sum_f = Array4::zeros(base.raw_dim().f());
            sum_f.assign(&base);
            let y_f = y.t().as_standard_layout().into_owned();
            column_to_image_by_image_add(&y_f.t(), &mut sum_f.view_mut(), w, s, p)
                .unwrap_or_else(|e| panic!("{desc}\n  column_to_image_by_image_add (column-major): {e}"));
            assert_close(
                desc,
                "column_to_image_by_image_add, column-major images and columns",
                &sum_f.view(),
                &sum.view(),
                tol,
            );

            let shape = change_one_axis(rng, &[rows, ncols]);
            let bad = Array2::<f64>::zeros((shape[0], shape[1]));
            let desc =
                &format!("{desc}, cols {} (expected {})", shape_str(&shape), shape_str(&[rows, ncols]));
            let r = column_to_image_by_image(&bad.view(), &c.x_shape(), w, s, p);
            expect_err(desc, "column_to_image_by_image", r, &["cols"]);
            let r = column_to_image_by_image_add(&bad.view(), &mut sum.view_mut(), w, s, p);
            expect_err(desc, "column_to_image_by_image_add", r, &["cols"]);
        },
        |desc, c, rng| {
            let x = c.images(rng);
            let (w, s, p) = (c.window(), c.stride, c.padding);
            let expected = ["filter_shape"];
            expect_err(
                desc,
                "image_to_column_by_image",
                image_to_column_by_image(&x.view(), w, s, p),
                &expected,
            );
            let mut buffer = vec![];
            let r = image_to_column_by_image_into(&x.view(), w, s, p, &mut buffer);
            expect_err(desc, "image_to_column_by_image_into", r, &expected);
            let cols = Array2::<f64>::zeros((c.channels * c.fh * c.fw, 1));
            let r = column_to_image_by_image(&cols.view(), &c.x_shape(), w, s, p);
            expect_err(desc, "column_to_image_by_image", r, &expected);
            let mut images = x.clone();
            let r = column_to_image_by_image_add(&cols.view(), &mut images.view_mut(), w, s, p);
            expect_err(desc, "column_to_image_by_image_add", r, &expected);
            assert_exact(
                desc,
                "images after a failed column_to_image_by_image_add",
                &images.view(),
                &x.view(),
            );
        },
    );
    coverage.assert_reached("7", true);
    report_worst_ratio("7");
}

// ---------------------------------------------------------------------------
// 8. Three convolutions: Conv2D (im2col) == the notebook's loops == the
//    sensitivity maps, forward and every gradient
// ---------------------------------------------------------------------------

/// Property 8: batches of up to 10 images (`Conv2D` works 8 images at a
/// time, so about one case in five crosses a chunk boundary), square windows
/// (the loops and the sensitivity maps take `f × f`).
const THREE_WAY: Ranges = Ranges {
    batch: (1, 10),
    channels: (1, 3),
    size: (1, 6),
    window: (1, 4),
    pad: 3,
    stride: (1, 3),
    filters: (1, 3),
};

/// NCHW → NHWC, in standard layout.
fn nhwc(x: &ArrayView4<f64>) -> Array4<f64> {
    x.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned()
}

/// NHWC → NCHW, in standard layout.
fn nchw(x: &ArrayView4<f64>) -> Array4<f64> {
    x.view().permuted_axes([0, 3, 1, 2]).as_standard_layout().into_owned()
}

/// The notebook's gradients (NHWC `dA_prev`, `dW (f, f, channels, filters)`,
/// `db (1, 1, 1, filters)`) in `Conv2D`'s layouts, `dA_prev` cropped by
/// `crop` (the padding that was added before the notebook's function).
fn as_conv2d_grads(g: &ConvGrads, crop: Padding2D, (h, w): (usize, usize)) -> Conv2DGrads {
    let d_a = g.d_a_prev.slice(s![.., crop.top..crop.top + h, crop.left..crop.left + w, ..]);
    let filters = g.d_b.len();
    Conv2DGrads {
        grad_w: g.d_w.view().permuted_axes([3, 2, 0, 1]).as_standard_layout().into_owned(),
        grad_w0: g
            .d_b
            .iter()
            .copied()
            .collect::<Array1<f64>>()
            .into_shape_with_order((filters, 1))
            .expect("one per filter"),
        grad_input: nchw(&d_a),
    }
}

/// The tolerances of property 8 (module docs: `sum_rounding(n, largest)`
/// bounds two orders of a sum of `n` terms, none larger than `largest`):
///
/// - output: `channels·f²` products `W·X` and the bias, in every version;
/// - `grad_W`, `grad_w0`: `batch·out_h·out_w` products `dY·X` (values of
///   `dY`) in `Conv2D` and the loops; the sensitivity maps sum over the
///   expanded map, `batch·E_h·E_w` terms with `E = padded − f + 1` (the
///   entries it adds are exact zeros, which add exactly), image by image, so
///   `batch·E_h·E_w + batch` terms bound both;
/// - `grad_input`: at most `filters·f²` products `W·dY` per pixel, and the
///   sensitivity maps add `filters` maps: `filters·f² + filters` terms.
///
/// Pixels no window reads get exactly zero gradient from all three.
fn compare_three_way(
    desc: &str,
    who: &str,
    c: &Case,
    (x, layer, dy): (&Array4<f64>, &Conv2D, &Array4<f64>),
    want: &Conv2DGrads,
    got: &Conv2DGrads,
) {
    let (mx, mw, mdy) = (max_abs(&x.view()), max_abs(&layer.w.view()), max_abs(&dy.view()));
    let (ph, pw) = c.padded();
    let sums = c.batch * (ph - c.fh + 1) * (pw - c.fw + 1) + c.batch;
    assert_close(
        desc,
        &format!("grad_W ({who})"),
        &got.grad_w.view(),
        &want.grad_w.view(),
        sum_rounding(sums, mdy * mx),
    );
    assert_close(
        desc,
        &format!("grad_w0 ({who})"),
        &got.grad_w0.view(),
        &want.grad_w0.view(),
        sum_rounding(sums, mdy),
    );
    let tol = sum_rounding(c.filters * c.fh * c.fw + c.filters, mw * mdy);
    assert_close(desc, &format!("grad_input ({who})"), &got.grad_input.view(), &want.grad_input.view(), tol);
    let (row_reads, col_reads) = c.reads();
    for ((b, ch, i, j), &v) in got.grad_input.indexed_iter() {
        assert!(
            (row_reads[i] > 0 && col_reads[j] > 0) || v == 0.0,
            "{desc}\n  pixel [{b}, {ch}, {i}, {j}] is read by no window but grad_input ({who}) is {v:e}"
        );
    }
}

fn check_three_way(desc: &str, c: &Case, rng: &mut RandomState) {
    let x = c.images(rng);
    let layer = random_layer(desc, c, rng);
    let dy = randn4(rng, &c.y_shape()) * magnitude(rng);
    let tensors = (&x, &layer, &dy);
    let (y, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
    assert_eq!(y.shape(), c.y_shape(), "{desc}\n  shape of forward");
    let g = layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
    // (The fast twin's backward_params is checked in properties_fast.rs.)

    let (mx, mw, mb) = (max_abs(&x.view()), max_abs(&layer.w.view()), max_abs(&layer.w0.view()));
    let tol_fwd = sum_rounding(c.channels * c.fh * c.fw + 1, (mw * mx).max(mb));

    // The loops, on the padded input (the padding may be asymmetric).
    let (y_loops, cache_loops) =
        layer.forward_by_loops(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward_by_loops: {e}"));
    assert_close(desc, "forward vs forward_by_loops", &y.view(), &y_loops.view(), tol_fwd);
    let g_loops = layer
        .backward_by_loops(&dy.view(), &cache_loops)
        .unwrap_or_else(|e| panic!("{desc}\n  backward_by_loops: {e}"));
    compare_three_way(desc, "by loops", c, tensors, &g, &g_loops);

    // The sensitivity maps, on the same padded input with pad 0.
    let w_nb = layer.w_notebook();
    let b_nb = layer.w0.clone().into_shape_with_order((1, 1, 1, c.filters)).expect("one bias per filter");
    let padded = nhwc(&ConstantPadding2D::zeros(c.padding).forward(&x.view()).view());
    let hp = Hparameters { pad: 0, stride: c.stride };
    let z_maps = conv_forward_by_layer(&padded.view(), &w_nb.view(), &b_nb.view(), hp)
        .unwrap_or_else(|e| panic!("{desc}\n  conv_forward_by_layer (padded input, pad 0): {e}"));
    assert_close(desc, "forward vs conv_forward_by_layer", &y.view(), &nchw(&z_maps.view()).view(), tol_fwd);
    let dz = nhwc(&dy.view());
    let maps = conv_backward_by_sensitivity_maps(&dz.view(), &cache_loops)
        .unwrap_or_else(|e| panic!("{desc}\n  conv_backward_by_sensitivity_maps: {e}"));
    compare_three_way(
        desc,
        "by sensitivity maps",
        c,
        tensors,
        &g,
        &as_conv2d_grads(&maps, c.padding, (c.height, c.width)),
    );

    // Symmetric padding: the notebook's functions pad by themselves.
    let p = c.padding;
    if p == Padding2D::uniform(p.top) {
        let hp = Hparameters { pad: p.top, stride: c.stride };
        let from_notebook = Conv2D::from_notebook(&w_nb.view(), &b_nb.view(), hp)
            .unwrap_or_else(|e| panic!("{desc}\n  Conv2D::from_notebook: {e}"));
        assert!(from_notebook == layer, "{desc}\n  Conv2D::from_notebook(w_notebook, b) is another layer");
        let a_prev = nhwc(&x.view());
        let z_maps = conv_forward_by_layer(&a_prev.view(), &w_nb.view(), &b_nb.view(), hp)
            .unwrap_or_else(|e| panic!("{desc}\n  conv_forward_by_layer (pad {}): {e}", p.top));
        assert_close(
            desc,
            "forward vs conv_forward_by_layer (pad)",
            &y.view(),
            &nchw(&z_maps.view()).view(),
            tol_fwd,
        );
        let (_, cache) = conv_forward(&a_prev.view(), &w_nb.view(), &b_nb.view(), hp)
            .unwrap_or_else(|e| panic!("{desc}\n  conv_forward (pad {}): {e}", p.top));
        let none = Padding2D::uniform(0);
        let loops =
            conv_backward(&dz.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  conv_backward: {e}"));
        compare_three_way(
            desc,
            "conv_backward, pad",
            c,
            tensors,
            &g,
            &as_conv2d_grads(&loops, none, (c.height, c.width)),
        );
        let maps = conv_backward_by_sensitivity_maps(&dz.view(), &cache)
            .unwrap_or_else(|e| panic!("{desc}\n  conv_backward_by_sensitivity_maps (pad {}): {e}", p.top));
        compare_three_way(
            desc,
            "sensitivity maps, pad",
            c,
            tensors,
            &g,
            &as_conv2d_grads(&maps, none, (c.height, c.width)),
        );
    }
}

/// Property 8: `Conv2D` (im2col, a few images at a time), the notebook's loops
/// (`forward_by_loops` / `backward_by_loops`, which pad first) and the
/// sensitivity maps (`conv_forward_by_layer` / `conv_backward_by_sensitivity_maps`
/// on the padded input with pad 0, their `dA_prev` cropped back) agree on
/// the output and on every gradient, with asymmetric padding and strides
/// up to 3; in a third of the cases the padding is the same on every side,
/// and the notebook's functions are also given it as their `pad` (and
/// `Conv2D::from_notebook` rebuilds the same layer). `backward_params` gives
/// `backward`'s `grad_W` and `grad_w0` exactly and leaves `grad_input` at 0.
/// A window larger than the padded image is an error of each.
#[test]
fn conv2d_equals_loops_equals_sensitivity_maps() {
    let name = "8 (Conv2D == loops == sensitivity maps)";
    let (symmetric, two_chunks) = (Cell::new(0), Cell::new(0));
    // One case in three with the same padding on every side (the largest
    // side drawn, so that the window still fits).
    let cases = (im2col_cases(THREE_WAY, true), prop::bool::weighted(1.0 / 3.0)).prop_map(|(mut c, same)| {
        if same {
            let p = c.padding;
            c.padding = Padding2D::uniform(p.top.max(p.bottom).max(p.left).max(p.right));
        }
        c
    });
    let coverage = for_case_strategy(
        name,
        cases,
        (true, true),
        |desc, c, rng| {
            symmetric.set(symmetric.get() + usize::from(c.padding == Padding2D::uniform(c.padding.top)));
            two_chunks.set(two_chunks.get() + usize::from(c.batch > 8));
            check_three_way(desc, c, rng);
        },
        |desc, c, rng| {
            let x = c.images(rng);
            let layer = random_layer(desc, c, rng);
            expect_err(desc, "Conv2D::forward", layer.forward(&x.view()), &["filter_shape"]);
            let padded = nhwc(&ConstantPadding2D::zeros(c.padding).forward(&x.view()).view());
            let b =
                layer.w0.clone().into_shape_with_order((1, 1, 1, c.filters)).expect("one bias per filter");
            let hp = Hparameters { pad: 0, stride: c.stride };
            let r = conv_forward_by_layer(&padded.view(), &layer.w_notebook().view(), &b.view(), hp);
            expect_err(desc, "conv_forward_by_layer", r, &["f"]);
        },
    );
    let (symmetric, two_chunks) = (symmetric.get(), two_chunks.get());
    coverage.assert_reached("8", false);
    eprintln!(
        "property 8: {symmetric} with the same padding on every side, {two_chunks} with more than 8 images"
    );
    assert!(symmetric > 0 && two_chunks > 0, "property 8: the generator missed a kind of case");
    report_worst_ratio("8");
}

// ---------------------------------------------------------------------------
// 9. Finite differences == Pooling2D::backward
// ---------------------------------------------------------------------------

/// How many elements of `X` property 9 differentiates per case and mode (all
/// of them when there are fewer): each costs two forward passes.
const PROBES: usize = 24;

/// Property 9: `E = Σ Pooling2D::forward(x) ⊙ dY`; its central differences agree with
/// `Pooling2D::backward`, for any window (square or not) and stride (given
/// or the default), as property 7d of `tests/properties.rs` checks the loops.
///
/// Average: `E` is linear in `x`, so the central difference equals `∂E/∂x`
/// exactly in real arithmetic, whatever `ε`. Max: `E` is linear in `x_k` as
/// long as no window changes its maximum; the inputs are `distinct_values`
/// (any two differ by more than `mag/2`) and `ε = mag/8`, so `x_k ± ε` stays
/// below (above) the maximum (the second largest) of every window. For
/// average, `ε = mag/8` too, with `randn · mag` inputs.
///
/// Rounding: each evaluation of `E` is off by at most `terms · u · S`, where
/// `S = Σ forward(|x| + ε) ⊙ |dY|` bounds the magnitudes of every product in
/// `E` (perturbed value included). Max selects without rounding, so
/// `terms = K + 2` (`K` products, their additions, and one more for the
/// rounding of `x ± ε`); average first rounds each mean of `n = fh·fw` terms,
/// `terms = n + K + 2`. `fd_tolerance(S, terms, ε)` is twice that bound over `ε`.
#[test]
fn finite_differences_agree_with_pooling2d_backward() {
    let name = "9 (finite differences == Pooling2D::backward)";
    let (square, non_square) = (Cell::new(0), Cell::new(0));
    // Half the cases square; only windows that fit (the errors are property 5's).
    let cases = prop_oneof![pool2d_cases(true), pool2d_cases(false)];
    check(name, (cases, seeds()), |(pc, seed)| {
        let rng = &mut RandomState::new(seed);
        let c = pc.case;
        square.set(square.get() + usize::from(c.fh == c.fw));
        non_square.set(non_square.get() + usize::from(c.fh != c.fw));
        let desc = describe_case(name, seed, pc);
        guard(&desc, || {
            for mode in MODES {
                let (x, mag) = match mode {
                    PoolMode::Max => distinct_values(rng, c.x_shape()),
                    PoolMode::Average => {
                        let mag = magnitude(rng);
                        (randn4(rng, &c.x_shape()) * mag, mag)
                    }
                };
                let eps = mag / 8.0;
                let desc = format!("{desc}, mode {}, eps {eps:e}", mode.name());
                let layer = pc.layer(mode);
                let dy = randn4(rng, &pc.out_shape()) * magnitude(rng);
                let (_, cache) =
                    layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
                let grad =
                    layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
                let energy = |x: &Array4<f64>| -> f64 {
                    let (y, _) =
                        layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward in E: {e}"));
                    (&y * &dy).sum()
                };
                let (y_abs, _) = layer
                    .forward(&x.mapv(|v| v.abs() + eps).view())
                    .unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
                let s = (&y_abs * &dy.mapv(f64::abs)).sum();
                let terms = match mode {
                    PoolMode::Max => dy.len() + 2,
                    PoolMode::Average => c.fh * c.fw + dy.len() + 2,
                };
                let tol = fd_tolerance(s, terms, eps);
                let probes = probe_positions(rng, &grad, PROBES);
                let numeric = numerical_gradient_at(&x, eps, &probes, energy);
                let want = with_values_at(&grad, &probes, &numeric);
                let desc = format!(
                    "{desc}\n  (E's scale S = {s:e}, terms {terms}, {} of {} elements probed)",
                    probes.len(),
                    x.len()
                );
                assert_close(&desc, "grad_input", &grad.view(), &want.view(), tol);
            }
        });
    });
    let (square, non_square) = (square.get(), non_square.get());
    eprintln!("property 9: {square} square windows, {non_square} non-square");
    assert!(square > 0 && non_square > 0, "property 9: the generator missed a kind of case");
    report_worst_ratio("9");
}

// ---------------------------------------------------------------------------
// Regressions: the smallest cases of what the properties found
// ---------------------------------------------------------------------------

/// Found by properties 3 and 4: with a single window in the whole batch
/// (`batch·out_h·out_w = 1`), at least 2 filters and `channels·fh·fw ≥ 2`,
/// `Conv2D::backward` panics ("W's size: ShapeError/IncompatibleLayout").
/// `δ` is then `(n_filters, 1)`, and ndarray's `dot` returns `δ · X_colᵀ` in
/// column-major order when both operands have a unit first stride, which
/// `into_shape_with_order` (row-major) cannot reshape to `W`'s shape.
/// Here `X (1, 1, 3, 3)`, `W (2, 1, 3, 3)`, no padding, stride 1: `Y (1, 2, 1, 1)`.
#[test]
fn conv2d_backward_with_a_single_window() {
    let x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| (3 * i + j) as f64);
    let w = Array4::from_shape_fn((2, 1, 3, 3), |(f, _, i, j)| (f + 2 * i + j) as f64);
    let desc = "X (1, 1, 3, 3), W (2, 1, 3, 3), w0 (2, 1), padding ((0, 0), (0, 0)), stride 1, dY [1, -2]";
    guard(desc, || {
        let layer = Conv2D::new(w.clone(), Array2::zeros((2, 1)), Padding2D::uniform(0), 1)
            .unwrap_or_else(|e| panic!("{desc}\n  Conv2D::new: {e}"));
        let (y, cache) = layer.forward(&x.view()).unwrap_or_else(|e| panic!("{desc}\n  forward: {e}"));
        assert_eq!(y.shape(), [1, 2, 1, 1], "{desc}\n  shape of forward");
        let dy = Array4::from_shape_vec((1, 2, 1, 1), vec![1.0, -2.0]).expect("2 values");
        let g = layer.backward(&dy.view(), &cache).unwrap_or_else(|e| panic!("{desc}\n  backward: {e}"));
        // Small integers: every gradient is exact.
        let want_w = Array4::from_shape_fn((2, 1, 3, 3), |(f, _, i, j)| dy[[0, f, 0, 0]] * x[[0, 0, i, j]]);
        assert_exact(desc, "grad_W", &g.grad_w.view(), &want_w.view());
        assert_exact(desc, "grad_w0", &g.grad_w0.view(), &ndarray::arr2(&[[1.0], [-2.0]]).view());
        let want_x =
            Array4::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| w[[0, 0, i, j]] - 2.0 * w[[1, 0, i, j]]);
        assert_exact(desc, "grad_input", &g.grad_input.view(), &want_x.view());
    });
}

/// Padding so large that the padded size does not fit in `usize` must be an
/// error, as the notebook's `check_window` makes it for `conv_forward`
/// ("pad = … is too large"); found while writing property 6. Today
/// `Padding2D::rows()` overflows inside `Im2colParams::new` when
/// `top + bottom` does, and when only `height + top + bottom` does,
/// `Im2colParams::new` returns `Ok` (it saturates) and `image_to_column` and
/// the rest then overflow in `pad_axes` or `out_h`.
#[test]
fn overflowing_padding_is_an_error() {
    let half = usize::MAX / 2 + 1;
    let paddings = [
        Padding2D { top: usize::MAX, bottom: 0, left: 0, right: 0 },
        Padding2D { top: 0, bottom: 0, left: 1, right: usize::MAX },
        Padding2D { top: half, bottom: half, left: 0, right: 0 },
        Padding2D { top: 0, bottom: 0, left: half, right: half },
    ];
    let x = Array4::<f64>::zeros((1, 1, 2, 2));
    let cols = Array2::<f64>::zeros((1, 1));
    for p in paddings {
        let desc = &format!("X (1, 1, 2, 2), window 1×1, padding {p}, stride 1");
        let any_err = |who: &str, failed: Result<bool, String>| match failed {
            Ok(true) => {}
            Ok(false) => panic!("{desc}\n  {who} returned Ok"),
            Err(msg) => panic!("{desc}\n  {who} panicked: {msg}"),
        };
        let run = |f: &dyn Fn() -> bool| -> Result<bool, String> {
            catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
        };
        any_err("Im2colParams::new", run(&|| Im2colParams::new(&[1, 1, 2, 2], (1, 1), p, 1).is_err()));
        any_err("get_im2col_indices", run(&|| get_im2col_indices(&[1, 1, 2, 2], (1, 1), p, 1).is_err()));
        any_err("image_to_column", run(&|| image_to_column(&x.view(), (1, 1), 1, p).is_err()));
        any_err(
            "image_to_column_by_indices",
            run(&|| image_to_column_by_indices(&x.view(), (1, 1), 1, p).is_err()),
        );
        any_err(
            "column_to_image",
            run(&|| column_to_image(&cols.view(), &[1, 1, 2, 2], (1, 1), 1, p).is_err()),
        );
        let layer =
            Conv2D { w: Array4::ones((1, 1, 1, 1)), w0: Array2::zeros((1, 1)), padding: p, stride: 1 };
        any_err("Conv2D::forward", run(&|| layer.forward(&x.view()).is_err()));
        any_err("Conv2D::forward_by_loops", run(&|| layer.forward_by_loops(&x.view()).is_err()));
    }
}

/// The brute-force helpers on hand-worked cases, so the properties above
/// rest on checked ground.
#[test]
fn helpers_work_on_known_cases() {
    // 5 rows, 2-row window, stride 2, no padding: rows 0-1, 2-3; row 4 unread.
    assert_eq!(reads(5, 2, 0, 0, 2), (vec![1, 1, 1, 1, 0], false));
    // 1 row padded (2, 1), 1-row window, stride 1: windows on rows 0, 1 (padding), 2 (image), 3.
    assert_eq!(reads(1, 1, 2, 1, 1), (vec![1], true));
    // Overlap: 4 rows, 3-row window, stride 1.
    assert_eq!(reads(4, 3, 0, 0, 1), (vec![1, 2, 2, 1], false));
    let c = Case {
        batch: 1,
        channels: 1,
        height: 3,
        width: 3,
        fh: 2,
        fw: 2,
        padding: Padding2D::uniform(0),
        stride: 1,
        filters: 1,
    };
    let x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| (3 * i + j) as f64);
    let cols = brute_force_columns(&x, &c);
    assert_eq!(cols.column(0).to_vec(), vec![0.0, 1.0, 3.0, 4.0]); // image_to_column's doc example
    let (_, count) = brute_force_scatter(&Array2::ones((4, 4)), &c);
    assert_eq!(count[[0, 0, 1, 1]], 4); // column_to_image's doc example
    assert!(names("cols has shape (1, 2)", "cols") && names("filter_shape = 6×2: too big", "filter_shape"));
    assert!(!names("colsx has shape", "cols"));
    let ties = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 2.0, 0.0]).expect("4 values");
    let pc = Case { fh: 2, fw: 2, stride: 2, ..c };
    let (out, grad, _) = brute_force_pool(
        &ties,
        &Array4::ones((1, 1, 1, 1)),
        &Case { height: 2, width: 2, ..pc },
        PoolMode::Max,
    );
    assert_eq!(out[[0, 0, 0, 0]], 2.0);
    assert_eq!(grad.into_raw_vec_and_offset().0, vec![0.0, 1.0, 0.0, 0.0]); // the first maximum
}
