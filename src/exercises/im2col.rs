//! Graders of exercises 9–14: im2col, Conv2D and max pooling by matrix
//! products (ML-From-Scratch, lessons 06–08): each checks the student's
//! function against the published numbers first where the sources print
//! some (the article's shapes and `i0`, hanbt's worked 5×5×3 example,
//! hanbt's two-channel pooling test; for `column_to_image`, which no source
//! prints, a count of windows the textbook computes),
//! then against the textbook on hidden random cases: stride 2, 'valid' and
//! 'same' padding (asymmetric for an even filter), non-square images and
//! windows, several channels and images, overlapping windows, ties.
//!
//! Indices, as ML-From-Scratch orders them: images NCHW `(image, channel,
//! row, column)`; a row `r` of the column matrix is `(channel, kernel row,
//! kernel column)`, `r = (channel·fh + kernel row)·fw + kernel column`; a
//! column `q` is `(output row, output column, image)`,
//! `q = (output row·out_w + output column)·batch + image`.

use ndarray::{arr1, arr3, s, Array1, Array2, Array4, ArrayView2, ArrayView4, Axis};

use crate::course::check::{largest, sum_rounding, EXACT};
use crate::course::random::RandomState;
use crate::exercises::grading::{agrees, close, nchw, tuple, Grade, Grader, Outcome};
use crate::reference::ml_from_scratch::{conv2d as article_conv2d, im2col as article_im2col};
use crate::reference::pooling_example;
use crate::reference::worked_example::{published as worked, WorkedExample};
use crate::textbook::conv2d::{Conv2D, Conv2DGrads};
use crate::textbook::im2col::{self, Im2colIndices, Im2colParams};
use crate::textbook::padding::{determine_padding, Padding2D, PaddingMode};
use crate::textbook::pool::PoolMode;
use crate::textbook::pool2d::Pooling2D;
use crate::Result;

/// The sizes of one case: images `(batch, channels, height, width)`, the
/// window, the padding and the stride.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    shape: [usize; 4],
    filter: (usize, usize),
    padding: Padding2D,
    stride: usize,
}

impl Sizes {
    fn new(shape: [usize; 4], filter: (usize, usize), padding: Padding2D, stride: usize) -> Self {
        Sizes { shape, filter, padding, stride }
    }

    /// The checked im2col sizes (the cases are ours: they fit).
    fn params(&self) -> Im2colParams {
        Im2colParams::new(&self.shape, self.filter, self.padding, self.stride).expect("a case that fits")
    }

    /// `images (2, 3, 5, 5), a 3×3 filter, 'valid' padding, stride 2`.
    fn describe(&self, images: &str) -> String {
        let (fh, fw) = self.filter;
        format!(
            "{images} {}, a {fh}×{fw} window, {}, stride {}",
            tuple(&self.shape),
            padding_words(self.filter, self.padding),
            self.stride
        )
    }

    /// What row `r` and column `q` of the column matrix mean, and which
    /// pixel of the images they hold.
    fn cell(&self, r: usize, q: usize) -> String {
        let p = self.params();
        let (fh, fw) = self.filter;
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        let (window, b) = (q / p.batch, q % p.batch);
        let (y, x) = (window / p.out_w(), window % p.out_w());
        let (pi, pj) = (y * self.stride + di, x * self.stride + dj);
        let pad = self.padding;
        let pixel = if pi < pad.top || pi >= pad.top + p.height || pj < pad.left || pj >= pad.left + p.width {
            "a padding cell, 0".to_string()
        } else {
            format!("the pixel x[{b}, {c}, {}, {}]", pi - pad.top, pj - pad.left)
        };
        format!(
            "{}; column {q}: output row {y}, output column {x}, image {b}; {pixel}",
            row_words(r, self.filter)
        )
    }
}

/// `'valid' padding`, `'same' padding ((0, 1), (0, 1))` or `padding ((1, 1), (1, 1))`.
fn padding_words(filter: (usize, usize), padding: Padding2D) -> String {
    if padding == Padding2D::uniform(0) {
        "'valid' padding".into()
    } else if padding == determine_padding(filter, PaddingMode::Same) {
        format!("'same' padding {padding}")
    } else {
        format!("padding {padding}")
    }
}

/// `row 5: channel 0, kernel row 1, kernel column 2`.
fn row_words(r: usize, (fh, fw): (usize, usize)) -> String {
    format!("row {r}: channel {}, kernel row {}, kernel column {}", r / (fh * fw), (r / fw) % fh, r % fw)
}

/// `window 3: output row 1, output column 0`.
fn window_words(q: usize, out_w: usize) -> String {
    format!("window {q}: output row {}, output column {}", q / out_w, q % out_w)
}

/// The hidden cases of exercises 9–11: stride 2 with no padding, 'same'
/// padding for an even filter on a non-square image, a non-square window
/// over overlapping windows, and 'same' with stride 2.
fn hidden_sizes() -> [Sizes; 4] {
    let same = |f| determine_padding(f, PaddingMode::Same);
    [
        Sizes::new([2, 3, 5, 5], (3, 3), Padding2D::uniform(0), 2),
        Sizes::new([1, 2, 4, 6], (2, 2), same((2, 2)), 1),
        Sizes::new([3, 2, 5, 4], (2, 3), Padding2D::uniform(1), 1),
        Sizes::new([2, 1, 6, 5], (3, 2), same((3, 2)), 2),
    ]
}

/// The article's case (seed 001): one image `(1, 3, 32, 32)`, a 3×3
/// filter, 'same' padding `((1, 1), (1, 1))`, stride 1.
fn article_sizes() -> Sizes {
    Sizes::new([1, 3, 32, 32], (3, 3), determine_padding((3, 3), PaddingMode::Same), 1)
}

/// The article's image: `np.random.randint(0, 255, size=(1, 3, 32, 32))`
/// (seed 0, as lesson 07 draws it).
fn article_image() -> Array4<f64> {
    RandomState::new(0).randint(0, 255, (1, 3, 32, 32)).expect("0 < 255").mapv(|v| v as f64)
}

/// Indices as numbers, for [`Grader::arrays`].
fn as_f64<D: ndarray::Dimension>(a: &ndarray::Array<usize, D>) -> ndarray::Array<f64, D> {
    a.mapv(|v| v as f64)
}

/// What an index means, for [`Grader::arrays`].
type Meaning<'a> = &'a dyn Fn(&[usize]) -> String;

/// A hidden pooling case: `x`'s shape, the window, the stride, and the
/// number of whole values to draw (0: random normal values).
type PoolCase = ([usize; 4], (usize, usize), usize, i64);

/// Whether every element where `got` and `expected` differ is covered by
/// more than one window (`count` > 1): the overlaps were lost.
fn differs_only_where_windows_overlap(
    expected: &ArrayView4<f64>,
    got: &ArrayView4<f64>,
    count: &Array4<f64>,
    tol: f64,
) -> bool {
    expected.shape() == got.shape()
        && count.shape() == got.shape()
        && expected.iter().zip(got.iter()).zip(count.iter()).all(|((e, g), n)| close(*e, *g, tol) || *n > 1.0)
}

const OVERLAPS_LOST: &str = "Your values differ only where windows overlap: there each window's \
value must be added (+=), not assigned (=), as np.add.at does.";

// ---------------------------------------------------------------- exercise 9

/// Exercise 9: `get_im2col_indices(images_shape, filter_shape, padding, stride)`.
pub fn get_im2col_indices(
    student: impl Fn(&[usize], (usize, usize), Padding2D, usize) -> Result<Im2colIndices>,
) -> Grade {
    let mut g = Grader::new();
    let article = article_sizes();
    let case = format!("the article's case: {}", article.describe("images_shape"));
    if let Some(ix) =
        g.call_result(&case, || student(&article.shape, article.filter, article.padding, article.stride))
    {
        use article_im2col::{I0, I0_SHAPE, I1_SHAPE, I_SHAPE, K_SHAPE};
        let shapes: [(&str, &[usize], &[usize]); 7] = [
            ("i0", &I0_SHAPE, ix.i0.shape()),
            ("j0", &I0_SHAPE, ix.j0.shape()),
            ("i1", &I1_SHAPE, ix.i1.shape()),
            ("j1", &I1_SHAPE, ix.j1.shape()),
            ("k", &K_SHAPE, ix.k.shape()),
            ("i", &I_SHAPE, ix.i.shape()),
            ("j", &I_SHAPE, ix.j.shape()),
        ];
        for (name, expected, got) in shapes {
            if expected != got {
                g.fail(
                    &case,
                    &format!(
                        "{name}.shape: expected {} as the article prints, got {}",
                        tuple(expected),
                        tuple(got)
                    ),
                );
                break;
            }
        }
        let published_i0 = Array1::from(I0.to_vec());
        let meaning = |i: &[usize]| row_words(i[0], article.filter);
        if g.arrays(&case, "i0", &as_f64(&published_i0).view(), &as_f64(&ix.i0).view(), 0.0, &meaning)
            && compare_indices(&mut g, &case, article, &ix)
        {
            g.pass(&format!("{case}: the shapes and i0 as the article prints them, and i, j, k"));
        }
    }
    for (n, sizes) in hidden_sizes().into_iter().enumerate() {
        let case = format!("hidden case {}: {}", n + 1, sizes.describe("images_shape"));
        let Some(ix) =
            g.call_result(&case, || student(&sizes.shape, sizes.filter, sizes.padding, sizes.stride))
        else {
            break;
        };
        if compare_indices(&mut g, &case, sizes, &ix) {
            g.pass(&case);
        }
    }
    g.finish()
}

/// Compares every index array with the textbook's; on a difference, says
/// which classic mistake it looks like.
fn compare_indices(g: &mut Grader, case: &str, sizes: Sizes, got: &Im2colIndices) -> bool {
    let e = im2col::get_im2col_indices(&sizes.shape, sizes.filter, sizes.padding, sizes.stride)
        .expect("a case that fits");
    let p = sizes.params();
    let (fh, fw) = sizes.filter;
    let (c, oh, ow, stride) = (p.channels, p.out_h(), p.out_w(), sizes.stride);
    let by_row = |i: &[usize]| row_words(i[0], sizes.filter);
    let by_window = |i: &[usize]| window_words(i[0], ow);
    let by_both = |i: &[usize]| format!("{}; {}", row_words(i[0], sizes.filter), window_words(i[1], ow));
    let ones: [(&str, &Array1<usize>, &Array1<usize>, Meaning); 4] = [
        ("i0", &e.i0, &got.i0, &by_row),
        ("j0", &e.j0, &got.j0, &by_row),
        ("i1", &e.i1, &got.i1, &by_window),
        ("j1", &e.j1, &got.j1, &by_window),
    ];
    for (name, expected, mine, meaning) in ones {
        if !g.arrays(case, name, &as_f64(expected).view(), &as_f64(mine).view(), 0.0, meaning) {
            let rows = c * fh * fw;
            let candidates: Vec<(Array1<usize>, String)> = match name {
                "i0" => vec![(
                    (0..rows).map(|r| r % fh).collect(),
                    format!(
                        "Your i0 is tile(arange(fh), fw·C): i0 = tile(repeat(arange({fh}), {fw}), {c}), \
                         the kernel row repeated for each kernel column."
                    ),
                )],
                "i1" => vec![
                    (
                        (0..oh * ow).map(|q| q / ow).collect(),
                        format!("Your i1 lacks the stride: i1 = {stride}·repeat(arange(out_h), out_w)."),
                    ),
                    (
                        (0..oh * ow).map(|q| stride * (q % oh)).collect(),
                        "Your i1 uses tile where the article repeats: i1 = stride·repeat(arange(out_h), \
                         out_w), the output row changes slowest."
                            .to_string(),
                    ),
                ],
                "j1" => vec![(
                    (0..oh * ow).map(|q| q % ow).collect(),
                    format!("Your j1 lacks the stride: j1 = {stride}·tile(arange(out_w), out_h)."),
                )],
                _ => vec![],
            };
            for (candidate, why) in candidates {
                if candidate == *mine {
                    g.explain(&why);
                }
            }
            return false;
        }
    }
    let by_k = |i: &[usize]| row_words(i[0], sizes.filter);
    if !g.arrays(case, "k", &as_f64(&e.k).view(), &as_f64(&got.k).view(), 0.0, &by_k) {
        let tiled = Array2::from_shape_fn((c * fh * fw, 1), |(r, _)| r % c);
        if tiled == got.k {
            g.explain(&format!(
                "Your k is tile(arange({c}), fh·fw): the rows are ordered (channel, kernel row, kernel \
                 column), so the channel changes slowest: k = repeat(arange({c}), {}).",
                fh * fw
            ));
        }
        return false;
    }
    g.arrays(case, "i", &as_f64(&e.i).view(), &as_f64(&got.i).view(), 0.0, &by_both)
        && g.arrays(case, "j", &as_f64(&e.j).view(), &as_f64(&got.j).view(), 0.0, &by_both)
}

// --------------------------------------------------------------- exercise 10

/// The column matrix with its columns in the order (image, window): the
/// `transpose(1, 2, 0)` written `transpose(1, 0, 2)` (`--bug im2col-order`).
fn columns_image_first(cols: &ArrayView2<f64>, batch: usize) -> Array2<f64> {
    let windows = cols.ncols() / batch;
    Array2::from_shape_fn(cols.dim(), |(r, q)| cols[[r, (q % windows) * batch + q / windows]])
}

/// The column matrix with its rows in the order (kernel row, kernel column,
/// channel): the notebook's NHWC habit.
fn rows_channel_last(cols: &ArrayView2<f64>, channels: usize, (fh, fw): (usize, usize)) -> Array2<f64> {
    Array2::from_shape_fn(cols.dim(), |(r, q)| {
        let (i, j, c) = (r / (fw * channels), (r / channels) % fw, r % channels);
        cols[[(c * fh + i) * fw + j, q]]
    })
}

/// Exercise 10: `image_to_column(images, filter_shape, stride, padding)`.
pub fn image_to_column(
    student: impl Fn(&ArrayView4<f64>, (usize, usize), usize, Padding2D) -> Result<Array2<f64>>,
) -> Grade {
    let mut g = Grader::new();
    let article = article_sizes();
    let consecutive = Sizes::new([2, 2, 3, 3], (2, 2), Padding2D::uniform(0), 1);
    let numbered = Array4::from_shape_fn((2, 2, 3, 3), |(b, c, i, j)| (((b * 2 + c) * 3 + i) * 3 + j) as f64);
    let mut cases = vec![
        (format!("the article's case: {}", article.describe("an image")), article, article_image()),
        (
            format!("lesson 06's case: {}, numbered 0 to 35", consecutive.describe("images")),
            consecutive,
            numbered,
        ),
    ];
    for (n, sizes) in hidden_sizes().into_iter().enumerate() {
        let x = RandomState::new(90 + n as u32).randn(sizes.shape);
        cases.push((format!("hidden case {}: {}", n + 1, sizes.describe("images")), sizes, x));
    }
    for (n, (case, sizes, x)) in cases.into_iter().enumerate() {
        let Some(cols) =
            g.call_result(&case, || student(&x.view(), sizes.filter, sizes.stride, sizes.padding))
        else {
            break;
        };
        if n == 0 && cols.shape() != article_im2col::I_SHAPE {
            let why = format!(
                "X_col.shape: expected {} as the article prints, got {}",
                tuple(&article_im2col::I_SHAPE),
                tuple(cols.shape())
            );
            g.fail(&case, &why);
            break;
        }
        let expected = im2col::image_to_column(&x.view(), sizes.filter, sizes.stride, sizes.padding)
            .expect("a case that fits");
        let meaning = |i: &[usize]| sizes.cell(i[0], i[1]);
        if g.arrays(&case, "cols", &expected.view(), &cols.view(), 0.0, &meaning) {
            g.pass(&case);
            continue;
        }
        let batch = sizes.shape[0];
        if agrees(&columns_image_first(&expected.view(), batch).view(), &cols.view(), 0.0) {
            g.explain(
                "Your columns are in the order (image, output row, output column): ML-From-Scratch \
                 orders them (output row, output column, image), so column (y·out_w + x)·batch + b \
                 holds window (y, x) of image b.",
            );
        } else if agrees(
            &rows_channel_last(&expected.view(), sizes.shape[1], sizes.filter).view(),
            &cols.view(),
            0.0,
        ) {
            g.explain(
                "Your rows are in the order (kernel row, kernel column, channel): ML-From-Scratch \
                 orders them (channel, kernel row, kernel column), row (c·fh + i)·fw + j.",
            );
        }
        break;
    }
    g.finish()
}

// --------------------------------------------------------------- exercise 11

/// Exercise 11: `column_to_image(cols, images_shape, filter_shape, stride, padding)`.
pub fn column_to_image(
    student: impl Fn(&ArrayView2<f64>, &[usize], (usize, usize), usize, Padding2D) -> Result<Array4<f64>>,
) -> Grade {
    let mut g = Grader::new();
    let count_case = Sizes::new([1, 2, 4, 4], (3, 3), determine_padding((3, 3), PaddingMode::Same), 1);
    let article = article_sizes();
    let ones = |s: Sizes| Array2::ones((s.params().rows(), s.params().cols()));
    let random = |s: Sizes, seed: u32| RandomState::new(seed).randn((s.params().rows(), s.params().cols()));
    let mut cases = vec![
        (
            format!("lesson 06's count: columns of ones back onto {}", count_case.describe("images_shape")),
            count_case,
            ones(count_case),
        ),
        (format!("the article's case: {}", article.describe("images_shape")), article, random(article, 110)),
    ];
    for (n, sizes) in hidden_sizes().into_iter().enumerate() {
        let case = format!("hidden case {}: {}", n + 1, sizes.describe("images_shape"));
        cases.push((case, sizes, random(sizes, 111 + n as u32)));
    }
    for (case, sizes, cols) in cases {
        let Some(got) = g.call_result(&case, || {
            student(&cols.view(), &sizes.shape, sizes.filter, sizes.stride, sizes.padding)
        }) else {
            break;
        };
        let p = sizes.params();
        let expected =
            im2col::column_to_image(&cols.view(), &sizes.shape, sizes.filter, sizes.stride, sizes.padding)
                .expect("a case that fits");
        let count = im2col::column_to_image(
            &ones(sizes).view(),
            &sizes.shape,
            sizes.filter,
            sizes.stride,
            sizes.padding,
        )
        .expect("a case that fits");
        let meaning = |i: &[usize]| {
            let n = count[[i[0], i[1], i[2], i[3]]];
            format!("{}, in {n} window{}", nchw(i), if n == 1.0 { "" } else { "s" })
        };
        if g.arrays(&case, "images", &expected.view(), &got.view(), EXACT, &meaning) {
            g.pass(&case);
            continue;
        }
        let padded = [p.batch, p.channels, p.height + sizes.padding.rows(), p.width + sizes.padding.cols()];
        if got.shape() == padded && sizes.padding != Padding2D::uniform(0) {
            g.explain(&format!(
                "{} is the padded shape: cut the padding {} off before returning.",
                tuple(&padded),
                sizes.padding
            ));
        } else if differs_only_where_windows_overlap(&expected.view(), &got.view(), &count, EXACT) {
            g.explain(OVERLAPS_LOST);
        } else {
            let reordered = columns_image_first(&cols.view(), p.batch);
            let image_first = im2col::column_to_image(
                &reordered.view(),
                &sizes.shape,
                sizes.filter,
                sizes.stride,
                sizes.padding,
            )
            .expect("a case that fits");
            if agrees(&image_first.view(), &got.view(), EXACT) {
                g.explain(
                    "You read the columns in the order (image, output row, output column): \
                     ML-From-Scratch orders them (output row, output column, image), so column \
                     (y·out_w + x)·batch + b is window (y, x) of image b.",
                );
            }
        }
        break;
    }
    g.finish()
}

// ---------------------------------------------------------- exercises 12, 13

/// Hanbt's worked 5×5×3 example in NCHW: `x (1, 3, 5, 5)`, `W (2, 3, 3, 3)`,
/// `w0 (2, 1)`, the output gradient `(1, 2, 3, 3)`, padding 1, stride 2.
fn worked_example() -> (Array4<f64>, Conv2D, Array4<f64>) {
    let ex = WorkedExample::new();
    let x = ex.a_prev.view().permuted_axes([0, 3, 1, 2]).as_standard_layout().into_owned();
    let layer =
        Conv2D::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters).expect("the example's shapes");
    let dz = ex.dz.view().permuted_axes([0, 3, 1, 2]).as_standard_layout().into_owned();
    (x, layer, dz)
}

/// The hidden layers of exercises 12 and 13: the hidden sizes with 2 or 3
/// filters, random `x`, `W`, `w0`.
fn hidden_layers() -> Vec<(String, Array4<f64>, Conv2D)> {
    hidden_sizes()
        .into_iter()
        .enumerate()
        .map(|(n, sizes)| {
            let mut rng = RandomState::new(120 + n as u32);
            let n_filters = 2 + n % 2;
            let (fh, fw) = sizes.filter;
            let x = rng.randn(sizes.shape);
            let w = rng.randn((n_filters, sizes.shape[1], fh, fw));
            let w0 = rng.randn((n_filters, 1));
            let layer = Conv2D::new(w, w0, sizes.padding, sizes.stride).expect("a layer that fits");
            let case = format!("hidden case {}: {}, {n_filters} filters", n + 1, sizes.describe("X"));
            (case, x, layer)
        })
        .collect()
}

/// How far the student's sums may be from the textbook's: rounding alone,
/// for sums of `terms` products of factors up to `a` and `b`.
fn conv_tol(terms: usize, a: f64, b: f64) -> f64 {
    sum_rounding(terms, a * b).max(EXACT)
}

/// `image 0, filter 1, output row 2, output column 0`.
fn output_words(i: &[usize]) -> String {
    format!("image {}, filter {}, output row {}, output column {}", i[0], i[1], i[2], i[3])
}

/// Exercise 12: `conv2d_forward(x, w, w0, stride, padding)`, mirroring
/// [`Conv2D::forward`].
pub fn conv2d_forward(
    student: impl Fn(
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        &ArrayView2<f64>,
        usize,
        Padding2D,
    ) -> Result<Array4<f64>>,
) -> Grade {
    let mut g = Grader::new();
    let run = |g: &mut Grader, case: &str, x: &Array4<f64>, layer: &Conv2D| {
        g.call_result(case, || {
            student(&x.view(), &layer.w.view(), &layer.w0.view(), layer.stride, layer.padding)
        })
    };
    // Hanbt's worked example: the output lesson 02 prints, exact.
    let (x, layer, _) = worked_example();
    let case = "hanbt's worked example: X (1, 3, 5, 5), W (2, 3, 3, 3), w0 = [[1], [0]], padding 1, stride 2";
    if let Some(out) = run(&mut g, case, &x, &layer) {
        let published = arr3(&worked::OUTPUT).insert_axis(Axis(0));
        if g.arrays(case, "output", &published.view(), &out.view(), EXACT, &output_words) {
            g.pass(&format!("{case}: the output as the article prints it"));
        } else {
            explain_forward(&mut g, &x, &layer, &out);
        }
    }
    // The article's shapes: Conv2D(16, (3, 3)) on a (1, 3, 32, 32) image.
    let image = article_image();
    let mut rng = RandomState::new(0);
    rng.randint(0, 255, (1, 3, 32, 32)).expect("0 < 255"); // the image, drawn first as in lesson 07
    let shapes = [
        (PaddingMode::Same, 1, "'same'", article_conv2d::OUTPUT_SHAPE_SAME_STRIDE_1),
        (PaddingMode::Valid, 1, "'valid'", article_conv2d::OUTPUT_SHAPE_VALID_STRIDE_1),
        (PaddingMode::Valid, 2, "'valid'", article_conv2d::OUTPUT_SHAPE_VALID_STRIDE_2),
    ];
    for (mode, stride, words, (b, f, h, w)) in shapes {
        let layer = Conv2D::initialize(16, 3, (3, 3), mode, stride, &mut rng).expect("the article's layer");
        let case =
            format!("the article's Conv2D(16, (3, 3)) on an image (1, 3, 32, 32), {words}, stride {stride}");
        let Some(out) = run(&mut g, &case, &image, &layer) else { break };
        if out.shape() != [b, f, h, w] {
            let why = format!(
                "output.shape: expected {} as the article prints, got {}",
                tuple(&[b, f, h, w]),
                tuple(out.shape())
            );
            g.fail(&case, &why);
            break;
        }
        let (expected, _) = layer.forward(&image.view()).expect("the article's layer");
        let tol = conv_tol(28, 255.0, largest(&layer.w.view()).max(largest(&layer.w0.view())));
        if !g.arrays(&case, "output", &expected.view(), &out.view(), tol, &output_words) {
            explain_forward(&mut g, &image, &layer, &out);
            break;
        }
        g.pass(&format!(
            "{case}: output.shape {} as the article prints, and every value",
            tuple(&[b, f, h, w])
        ));
    }
    for (case, x, layer) in hidden_layers() {
        let Some(out) = run(&mut g, &case, &x, &layer) else { break };
        let (expected, _) = layer.forward(&x.view()).expect("a layer that fits");
        let terms = layer.w.len() / layer.n_filters() + 1;
        let tol =
            conv_tol(terms, largest(&x.view()), largest(&layer.w.view()).max(largest(&layer.w0.view())));
        if !g.arrays(&case, "output", &expected.view(), &out.view(), tol, &output_words) {
            explain_forward(&mut g, &x, &layer, &out);
            break;
        }
        g.pass(&case);
    }
    g.finish()
}

/// Recognises the classic wrong forward passes: no bias, `W_col` read in
/// the order (kernel row, kernel column, channel), the output reshaped
/// without the transpose.
fn explain_forward(g: &mut Grader, x: &Array4<f64>, layer: &Conv2D, got: &Array4<f64>) {
    let (expected, cache) = layer.forward(&x.view()).expect("a layer that fits");
    let p = cache.params;
    let n = layer.n_filters();
    let tol = 1e-9;
    let no_bias = &expected - &layer.w0.view().into_shape_with_order((1, n, 1, 1)).expect("(n, 1)");
    let product = |w_col: &ArrayView2<f64>| w_col.dot(&cache.x_col) + &layer.w0;
    let unfold = |m: Array2<f64>| {
        m.into_shape_with_order((n, p.out_h(), p.out_w(), p.batch))
            .expect("n·out_h·out_w·batch")
            .permuted_axes([3, 0, 1, 2])
            .as_standard_layout()
            .into_owned()
    };
    let channel_last = layer.w.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned();
    let channel_last = channel_last.into_shape_with_order((n, layer.w.len() / n)).expect("W's size");
    let wrong_w = unfold(product(&channel_last.view()));
    let no_transpose = product(&layer.w_col())
        .into_shape_with_order((p.batch, n, p.out_h(), p.out_w()))
        .expect("the same size");
    if agrees(&no_bias.view(), &got.view(), tol) {
        g.explain("Your output is W_col · X_col without the bias: add w0 (one per filter, to every column).");
    } else if agrees(&wrong_w.view(), &got.view(), tol) {
        g.explain(
            "Your W_col reads W in the order (kernel row, kernel column, channel): X_col's rows are \
             (channel, kernel row, kernel column), so W_col = W.reshape(n_filters, -1) as W is \
             stored, (n_filters, channels, fh, fw).",
        );
    } else if agrees(&no_transpose.view(), &got.view(), tol) {
        g.explain(
            "You reshaped W_col · X_col straight to (batch, n_filters, out_h, out_w): its columns \
             are (output row, output column, image), so reshape it to (n_filters, out_h, out_w, \
             batch) and then transpose(3, 0, 1, 2).",
        );
    }
}

/// Exercise 13: `conv2d_backward(x, w, accum_grad, stride, padding)`,
/// mirroring [`Conv2D::backward`].
pub fn conv2d_backward(
    student: impl Fn(
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        usize,
        Padding2D,
    ) -> Result<Conv2DGrads>,
) -> Grade {
    let mut g = Grader::new();
    let run = |g: &mut Grader, case: &str, x: &Array4<f64>, layer: &Conv2D, dz: &Array4<f64>| {
        g.call_result(case, || student(&x.view(), &layer.w.view(), &dz.view(), layer.stride, layer.padding))
    };
    let (x, layer, dz) = worked_example();
    let case = "hanbt's worked example: X (1, 3, 5, 5), W (2, 3, 3, 3), accum_grad (1, 2, 3, 3) the \
                sensitivity map, padding 1, stride 2";
    if let Some(got) = run(&mut g, case, &x, &layer, &dz) {
        let published = Conv2DGrads {
            grad_w: Array4::from_shape_fn((2, 3, 3, 3), |(f, c, i, j)| worked::WEIGHTS_GRAD[f][c][i][j]),
            grad_w0: arr1(&worked::BIAS_GRAD).insert_axis(Axis(1)),
            grad_input: arr3(&worked::DELTA).insert_axis(Axis(0)),
        };
        if compare_grads(&mut g, case, &published, &got, EXACT) {
            g.pass(&format!("{case}: grad_W, grad_w0 and grad_X as lesson 03 finds them"));
        } else {
            explain_backward(&mut g, &x, &layer, &published, &got);
        }
    }
    for (case, x, layer) in hidden_layers() {
        let (out, cache) = layer.forward(&x.view()).expect("a layer that fits");
        let dz = RandomState::new(130).randn(out.raw_dim());
        let Some(got) = run(&mut g, &case, &x, &layer, &dz) else { break };
        let expected = layer.backward(&dz.view(), &cache).expect("accum_grad shaped like the output");
        let p = cache.params;
        let terms = (p.out_h() * p.out_w() * p.batch).max(layer.n_filters() * 4);
        let big = largest(&x.view()).max(largest(&layer.w.view())).max(1.0);
        let tol = conv_tol(terms, largest(&dz.view()), big);
        if !compare_grads(&mut g, &case, &expected, &got, tol) {
            explain_backward(&mut g, &x, &layer, &expected, &got);
            break;
        }
        g.pass(&case);
    }
    let mut grade = g.finish();
    if grade.outcome == Outcome::Failed
        && grade.lines.iter().any(|l| l.contains("panicked") && l.contains("incompatible shape"))
    {
        grade.lines.push(
            "      W_colᵀ · δ has X_col's shape (channels·fh·fw, out_h·out_w·batch), not X's: \
             column_to_image adds its columns back onto the image."
                .into(),
        );
    }
    grade
}

/// Compares grad_W, grad_w0 and grad_X, in that order.
fn compare_grads(g: &mut Grader, case: &str, expected: &Conv2DGrads, got: &Conv2DGrads, tol: f64) -> bool {
    let by_weight = |i: &[usize]| {
        format!("filter {}, channel {}, kernel row {}, kernel column {}", i[0], i[1], i[2], i[3])
    };
    let by_filter = |i: &[usize]| format!("filter {}", i[0]);
    g.arrays(case, "grad_W", &expected.grad_w.view(), &got.grad_w.view(), tol, &by_weight)
        && g.arrays(case, "grad_w0", &expected.grad_w0.view(), &got.grad_w0.view(), tol, &by_filter)
        && g.arrays(case, "grad_X", &expected.grad_input.view(), &got.grad_input.view(), tol, &nchw)
}

/// Recognises the classic wrong backward passes: grad_W as `X_col · δᵀ`
/// reshaped like W (not transposed), grad_X with the overlaps lost.
fn explain_backward(
    g: &mut Grader,
    x: &Array4<f64>,
    layer: &Conv2D,
    expected: &Conv2DGrads,
    got: &Conv2DGrads,
) {
    let n = layer.n_filters();
    let k = layer.w.len() / n;
    let grad_w_col = expected.grad_w.view().into_shape_with_order((n, k)).expect("W's size");
    let not_transposed = grad_w_col
        .t()
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order(layer.w.raw_dim())
        .expect("W's size");
    let tol = 1e-9;
    if !agrees(&expected.grad_w.view(), &got.grad_w.view(), tol) {
        if agrees(&not_transposed.view(), &got.grad_w.view(), tol) {
            g.explain(
                "Your grad_W is X_col · δᵀ reshaped like W: that is (channels·fh·fw, n_filters), the \
                 transpose of what W_col needs. grad_W = δ · X_colᵀ, (n_filters, channels·fh·fw), then \
                 reshape like W.",
            );
        }
        return;
    }
    if !agrees(&expected.grad_w0.view(), &got.grad_w0.view(), tol) {
        return;
    }
    let p = layer.params(x.shape()).expect("a layer that fits");
    let ones = Array2::ones((p.rows(), p.cols()));
    let count =
        im2col::column_to_image(&ones.view(), &p.images_shape(), layer.filter_shape(), p.stride, p.padding)
            .expect("a layer that fits");
    if differs_only_where_windows_overlap(&expected.grad_input.view(), &got.grad_input.view(), &count, tol) {
        g.explain(OVERLAPS_LOST);
    }
}

// --------------------------------------------------------------- exercise 14

/// Which cell of a tied window gets the gradient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ties {
    /// Every cell equal to the maximum.
    Every,
    /// The last maximum in (kernel row, kernel column) order.
    Last,
}

/// Max pooling's gradient by the definition, ties sent as `ties` says.
fn pool_grad_with(
    x: &Array4<f64>,
    dout: &Array4<f64>,
    (fh, fw): (usize, usize),
    stride: usize,
    ties: Ties,
) -> Array4<f64> {
    let mut grad = Array4::zeros(x.raw_dim());
    for ((i, c, y, z), &d) in dout.indexed_iter() {
        let window = x.slice(s![i, c, y * stride..y * stride + fh, z * stride..z * stride + fw]);
        let max = window.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let at: Vec<(usize, usize)> =
            window.indexed_iter().filter(|(_, v)| **v == max).map(|(ix, _)| ix).collect();
        let chosen = match ties {
            Ties::Every => at,
            Ties::Last => at.last().copied().into_iter().collect(),
        };
        for (a, b) in chosen {
            grad[[i, c, y * stride + a, z * stride + b]] += d;
        }
    }
    grad
}

/// Exercise 14: `max_pool_by_im2col(x, accum_grad, pool_shape, stride)`,
/// mirroring [`Pooling2D::forward`] and [`Pooling2D::backward`] for
/// `MaxPooling2D`: returns `(output, grad_input)`.
pub fn max_pool_by_im2col(
    student: impl Fn(
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        (usize, usize),
        usize,
    ) -> Result<(Array4<f64>, Array4<f64>)>,
) -> Grade {
    let mut g = Grader::new();
    let x = Array4::from_shape_fn((1, 2, 4, 4), |(_, c, i, j)| pooling_example::INPUT[c][i][j]);
    let dout = Array4::from_shape_fn((1, 2, 2, 2), |(_, c, i, j)| pooling_example::SENSITIVITY[c][i][j]);
    let published_out =
        Array4::from_shape_fn((1, 2, 2, 2), |(_, c, i, j)| pooling_example::published::OUTPUT[c][i][j]);
    let published_grad =
        Array4::from_shape_fn((1, 2, 4, 4), |(_, c, i, j)| pooling_example::published::DELTA[c][i][j]);
    let mut cases = vec![(
        "hanbt's pooling test: x (1, 2, 4, 4), accum_grad (1, 2, 2, 2), a 2×2 window, stride 2".to_string(),
        x,
        dout,
        (2, 2),
        2,
        Some((published_out, published_grad)),
    )];
    // Small integers, so that windows tie; overlapping and non-square windows.
    let hidden: [PoolCase; 4] = [
        ([2, 3, 4, 4], (2, 2), 2, 3),
        ([1, 2, 5, 5], (3, 3), 1, 2),
        ([2, 1, 4, 7], (2, 3), 2, 0),
        ([3, 2, 6, 4], (2, 2), 1, 4),
    ];
    for (n, (shape, pool, stride, values)) in hidden.into_iter().enumerate() {
        let mut rng = RandomState::new(140 + n as u32);
        let x = if values > 0 {
            rng.randint(0, values, shape).expect("0 < values").mapv(|v| v as f64)
        } else {
            rng.randn(shape)
        };
        let (oh, ow) = ((shape[2] - pool.0) / stride + 1, (shape[3] - pool.1) / stride + 1);
        let dout = rng.randn((shape[0], shape[1], oh, ow));
        let what =
            if values > 0 { format!(", whole numbers 0 to {} (ties)", values - 1) } else { String::new() };
        let case = format!(
            "hidden case {}: x {}, a {}×{} window, stride {stride}{what}",
            n + 1,
            tuple(&shape),
            pool.0,
            pool.1
        );
        cases.push((case, x, dout, pool, stride, None));
    }
    for (n, (case, x, dout, pool, stride, published)) in cases.into_iter().enumerate() {
        let Some((out, grad)) = g.call_result(&case, || student(&x.view(), &dout.view(), pool, stride))
        else {
            break;
        };
        let (expected_out, expected_grad) = published.unwrap_or_else(|| {
            let layer = Pooling2D::new(pool, Some(stride), PoolMode::Max);
            let (out, cache) = layer.forward(&x.view()).expect("a case that fits");
            (out, layer.backward(&dout.view(), &cache).expect("dout shaped like the output"))
        });
        let count = {
            let layer = Pooling2D::new(pool, Some(stride), PoolMode::Average);
            let (out, cache) = layer.forward(&x.view()).expect("a case that fits");
            let n = (pool.0 * pool.1) as f64;
            layer.backward(&out.mapv(|_| n).view(), &cache).expect("shaped like the output")
        };
        let by_output = |i: &[usize]| {
            format!("image {}, channel {}, output row {}, output column {}", i[0], i[1], i[2], i[3])
        };
        let by_pixel = |i: &[usize]| {
            let n = count[[i[0], i[1], i[2], i[3]]];
            format!("{}, in {n} window{}", nchw(i), if n == 1.0 { "" } else { "s" })
        };
        if !g.arrays(&case, "output", &expected_out.view(), &out.view(), 0.0, &by_output) {
            break;
        }
        if g.arrays(&case, "grad_input", &expected_grad.view(), &grad.view(), EXACT, &by_pixel) {
            let published = if n == 0 { ": the output and delta as the test prints them" } else { "" };
            g.pass(&format!("{case}{published}"));
            continue;
        }
        let every = pool_grad_with(&x, &dout, pool, stride, Ties::Every);
        let last = pool_grad_with(&x, &dout, pool, stride, Ties::Last);
        if agrees(&every.view(), &grad.view(), EXACT) {
            g.explain(
                "Your gradient goes to every cell that ties for the window's maximum: ML-From-Scratch \
                 sends it to one cell only, the argmax of the column (np.argmax: the first maximum, in \
                 (kernel row, kernel column) order).",
            );
        } else if agrees(&last.view(), &grad.view(), EXACT) {
            g.explain(
                "Your gradient goes to the last of the tied maxima: np.argmax gives the first, in \
                 (kernel row, kernel column) order (compare with >, not >=).",
            );
        } else if differs_only_where_windows_overlap(&expected_grad.view(), &grad.view(), &count, EXACT) {
            g.explain(OVERLAPS_LOST);
        }
        break;
    }
    g.finish()
}
