//! Graders of the notebook's eight functions (exercises 1–8): each checks
//! the student's function against the notebook's "Expected output" first,
//! then against the textbook function on hidden random cases whose shapes
//! the notebook's example does not cover.

use ndarray::{arr2, s, Array, Array2, Array4, ArrayView2, ArrayView3, ArrayView4, Dimension};

use crate::course::check::{largest, published, sum_rounding};
use crate::course::random::RandomState;
use crate::exercises::grading::{agrees, close, nhwc, number, tuple, Grade, Grader};
use crate::reference::notebook;
use crate::textbook;
use crate::textbook::conv::{ConvCache, ConvGrads, Hparameters};
use crate::textbook::pool::{PoolCache, PoolHparameters, PoolMode};
use crate::Result;

/// Exercise 1: `zero_pad(x, pad)`.
pub fn zero_pad(student: impl Fn(&ArrayView4<f64>, usize) -> Array4<f64>) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); x = np.random.randn(4, 3, 3, 2); x_pad = zero_pad(x, 2).
    let case = "the notebook's example: x = randn(4, 3, 3, 2), zero_pad(x, 2)";
    let x = RandomState::new(1).randn((4, 3, 3, 2));
    if let Some(x_pad) = g.call(case, || student(&x.view(), 2)) {
        let (m, h, w, c) = notebook::zero_pad::X_PAD_SHAPE;
        if x_pad.dim() != (m, h, w, c) {
            g.fail(
                case,
                &format!(
                    "x_pad.shape: expected {} as the notebook prints, got {}",
                    tuple(&[m, h, w, c]),
                    tuple(x_pad.shape())
                ),
            );
        } else {
            let zeros = ndarray::Array2::<f64>::zeros((w, c));
            let row = x_pad.slice(s![1, 1, .., ..]);
            let meaning =
                |i: &[usize]| format!("image 1, row 1 (padding), column {}, channel {}", i[0], i[1]);
            if g.arrays(case, "x_pad[1,1]", &zeros.view(), &row, 0.0, &meaning) {
                g.pass(&format!("{case}: x_pad.shape and x_pad[1,1] as the notebook prints them"));
            }
        }
    }
    // Hidden cases: no padding, a non-square image with one channel, a wide padding.
    for (k, (shape, pad)) in [((2, 3, 3, 2), 0), ((1, 2, 5, 1), 1), ((3, 2, 2, 3), 3)].into_iter().enumerate()
    {
        let case = format!(
            "hidden case {}: x of shape {}, pad {pad}",
            k + 1,
            tuple(&[shape.0, shape.1, shape.2, shape.3])
        );
        let x = RandomState::new(10 + k as u32).randn(shape);
        let expected = textbook::padding::zero_pad(&x.view(), pad);
        let Some(got) = g.call(&case, || student(&x.view(), pad)) else { break };
        let meaning = |i: &[usize]| {
            let inside = (pad..pad + shape.1).contains(&i[1]) && (pad..pad + shape.2).contains(&i[2]);
            let cell = if inside {
                format!("x[{}, {}, {}, {}]", i[0], i[1] - pad, i[2] - pad, i[3])
            } else {
                "a padding cell, which must be 0".to_string()
            };
            format!("{}: {cell}", nhwc(i))
        };
        if g.arrays(&case, "x_pad", &expected.view(), &got.view(), 0.0, &meaning) {
            g.pass(&case);
        }
    }
    g.finish()
}

/// Exercise 2: `conv_single_step(a_slice_prev, W, b)`.
pub fn conv_single_step(student: impl Fn(&ArrayView3<f64>, &ArrayView3<f64>, f64) -> f64) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); a_slice_prev = randn(4, 4, 3); W = randn(4, 4, 3); b = randn(1, 1, 1).
    let mut rng = RandomState::new(1);
    let (a, w) = (rng.randn((4, 4, 3)), rng.randn((4, 4, 3)));
    let b = rng.randn((1, 1, 1))[[0, 0, 0]];
    let cases = [(a, w, b, "the notebook's example: a_slice_prev and W of shape (4, 4, 3)".to_string())]
        .into_iter()
        .chain([(1, 1, 1), (2, 3, 1), (3, 3, 4)].into_iter().enumerate().map(|(k, shape)| {
            let mut rng = RandomState::new(20 + k as u32);
            let (a, w, b) = (rng.randn(shape), rng.randn(shape), rng.standard_normal());
            (
                a,
                w,
                b,
                format!(
                    "hidden case {}: a window and filter of shape {}",
                    k + 1,
                    tuple(&[shape.0, shape.1, shape.2])
                ),
            )
        }));
    for (k, (a, w, b, case)) in cases.enumerate() {
        let Some(z) = g.call(&case, || student(&a.view(), &w.view(), b)) else { break };
        // The first case is checked against the notebook's printed Z, to the
        // digits it prints; the hidden ones against the textbook.
        let (expected, tol) = if k == 0 {
            (notebook::conv_single_step::Z, crate::course::check::published(11))
        } else {
            (textbook::conv::conv_single_step(&a.view(), &w.view(), b), 1e-12)
        };
        if g.value(&case, "Z", expected, z, tol) {
            g.pass(&case);
        } else {
            let n = a.len() as f64;
            let inside = expected + (n - 1.0) * b;
            if (z - inside).abs() <= 1e-9 * (1.0 + inside.abs()) {
                g.explain(&format!(
                    "Your Z is the sum with b added to each of the {n} products: add b once, after the sum."
                ));
            } else if (z - (expected - b)).abs() <= 1e-9 * (1.0 + expected.abs()) {
                g.explain("Your Z is the sum without b: add the bias once, after the sum.");
            }
            break;
        }
    }
    g.finish()
}

/// Rows (or columns) `start` to `start + f − 1`, as a report names them:
/// `rows 4–5`, `row 4`.
fn span(what: &str, start: usize, f: usize) -> String {
    if f == 1 {
        format!("{what} {start}")
    } else {
        format!("{what}s {start}–{}", start + f - 1)
    }
}

/// Fails `case` if `got` is not `expected`, naming both shapes.
fn same_shape(g: &mut Grader, case: &str, what: &str, expected: &[usize], got: &[usize]) -> bool {
    if g.stopped() {
        return false;
    }
    if expected != got {
        g.fail(
            case,
            &format!("{what} has the wrong shape: expected {}, got {}", tuple(expected), tuple(got)),
        );
        return false;
    }
    true
}

/// The mean of an array, as `np.mean`.
fn mean<D: Dimension>(a: &Array<f64, D>) -> f64 {
    a.mean().unwrap_or(f64::NAN)
}

/// What an index of `Z` means: the image, the output cell, the filter, and
/// the window of `A_prev_pad` it reads.
fn z_meaning(f: usize, stride: usize) -> impl Fn(&[usize]) -> String {
    move |i: &[usize]| {
        format!(
            "image {}, output row {}, column {}, filter {}; it reads {}, {} of A_prev_pad[{}], every channel",
            i[0],
            i[1],
            i[2],
            i[3],
            span("row", i[1] * stride, f),
            span("column", i[2] * stride, f),
            i[0]
        )
    }
}

/// What an index of the pooled `A` means: the image, the output cell, the
/// channel, and the window of `A_prev` it reads.
fn pooled_meaning(f: usize, stride: usize) -> impl Fn(&[usize]) -> String {
    move |i: &[usize]| {
        format!(
            "image {}, output row {}, column {}, channel {}; it reads {}, {} of A_prev[{}, :, :, {}]",
            i[0],
            i[1],
            i[2],
            i[3],
            span("row", i[1] * stride, f),
            span("column", i[2] * stride, f),
            i[0],
            i[3]
        )
    }
}

/// What an index of `W` or `dW` means.
fn filter_meaning(i: &[usize]) -> String {
    format!("filter row {}, column {}, input channel {}, filter {}", i[0], i[1], i[2], i[3])
}

/// What an index of `b` or `db` means.
fn bias_meaning(i: &[usize]) -> String {
    format!("the bias of filter {}", i[3])
}

/// What an index of `A_prev` or `dA_prev` means.
fn input_meaning(i: &[usize]) -> String {
    format!("{} of A_prev", nhwc(i))
}

/// Checks the cache a student's `conv_forward` returns against the textbook's.
fn conv_cache_agrees(g: &mut Grader, case: &str, expected: &ConvCache, got: &ConvCache) -> bool {
    let arrays =
        g.arrays(case, "cache.a_prev", &expected.a_prev.view(), &got.a_prev.view(), 0.0, &input_meaning)
            && g.arrays(case, "cache.w", &expected.w.view(), &got.w.view(), 0.0, &filter_meaning)
            && g.arrays(case, "cache.b", &expected.b.view(), &got.b.view(), 0.0, &bias_meaning);
    if !arrays {
        g.explain("The cache keeps the inputs as they came in: A_prev (not padded), W and b.");
        return false;
    }
    if got.hparameters != expected.hparameters || got.params != expected.params {
        g.fail(
            case,
            &format!(
                "cache.hparameters or cache.params differ:\nexpected {:?}, {:?}\ngot {:?}, {:?}",
                expected.hparameters, expected.params, got.hparameters, got.params
            ),
        );
        g.explain(
            "Keep the hparameters you were given, and params from \
             ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hparameters)?.",
        );
        return false;
    }
    true
}

/// A classic wrong `Z` of `conv_forward`, recognised: what the student did.
fn conv_forward_mistake(
    a_prev: &Array4<f64>,
    w: &Array4<f64>,
    b: &Array4<f64>,
    hp: Hparameters,
    z: &Array4<f64>,
) -> Option<String> {
    let forward = |pad, stride| {
        textbook::conv::conv_forward(&a_prev.view(), &w.view(), &b.view(), Hparameters { pad, stride }).ok()
    };
    let (expected, cache) = forward(hp.pad, hp.stride)?;
    let p = cache.params;
    let (f, k) = (p.f, p.f * p.f * p.n_c_prev);
    if z.shape() != expected.shape() {
        let formula = format!(
            "n_H = ⌊(n_H_prev + 2·pad − f) / stride⌋ + 1 = ⌊({} + 2·{} − {f}) / {}⌋ + 1 = {}",
            p.n_h_prev,
            p.pad,
            p.stride,
            p.out_h()
        );
        if hp.pad > 0 && forward(0, hp.stride).is_some_and(|(z0, _)| z0.shape() == z.shape()) {
            return Some(format!(
                "{} is the shape without padding: pad A_prev first (zero_pad(A_prev, pad)); {formula}.",
                tuple(z.shape())
            ));
        }
        if hp.stride > 1 && forward(hp.pad, 1).is_some_and(|(z1, _)| z1.shape() == z.shape()) {
            return Some(format!("{} is the shape of stride 1: {formula}.", tuple(z.shape())));
        }
        return None;
    }
    let (n_h, n_w) = (p.out_h(), p.out_w());
    if hp.stride > 1
        && forward(hp.pad, 1)
            .is_some_and(|(z1, _)| agrees(&z1.slice(s![.., ..n_h, ..n_w, ..]), &z.view(), 1e-9))
    {
        return Some(format!(
            "Your Z[i, h, w, c] reads rows h to h + f − 1: that is stride 1. With stride {} the \
             window of output row h starts at row h·stride (vert_start = h·stride, horiz_start = \
             w·stride).",
            hp.stride
        ));
    }
    let inside = &expected + &(b * (k as f64 - 1.0));
    if agrees(&inside.view(), &z.view(), 1e-9) {
        return Some(format!(
            "Your Z has b[c] added to each of the f·f·n_C_prev = {k} products of the window: \
             add the bias once, after the sum."
        ));
    }
    if agrees(&(&expected - b).view(), &z.view(), 1e-9) {
        return Some("Your Z has no bias: add b[0, 0, 0, c], once, to filter c's sum.".into());
    }
    None
}

/// A 4-D shape: `(m, n_H, n_W, n_C)`.
type Shape4 = (usize, usize, usize, usize);

/// The hidden shapes of exercises 3 and 5: `A_prev`'s shape, `f`, `n_C`, pad, stride.
const CONV_CASES: [(Shape4, usize, usize, usize, usize); 3] =
    [((2, 5, 7, 3), 3, 2, 0, 1), ((3, 6, 5, 2), 2, 4, 1, 2), ((2, 7, 7, 1), 3, 3, 2, 3)];

/// A hidden convolution: its name, `A_prev`, `W`, `b` and hyperparameters.
fn conv_case(k: usize) -> (String, Array4<f64>, Array4<f64>, Array4<f64>, Hparameters) {
    let ((m, h, w, c_prev), f, n_c, pad, stride) = CONV_CASES[k];
    let mut rng = RandomState::new(30 + k as u32);
    let (a_prev, w_, b) =
        (rng.randn((m, h, w, c_prev)), rng.randn((f, f, c_prev, n_c)), rng.randn((1, 1, 1, n_c)));
    let name = format!(
        "hidden case {}: A_prev of shape {}, {n_c} filters {f}×{f}, pad {pad}, stride {stride}",
        k + 1,
        tuple(&[m, h, w, c_prev])
    );
    (name, a_prev, w_, b, Hparameters { pad, stride })
}

/// The student's `conv_forward`, as the grader calls it.
pub trait ConvForward:
    Fn(&ArrayView4<f64>, &ArrayView4<f64>, &ArrayView4<f64>, Hparameters) -> Result<(Array4<f64>, ConvCache)>
{
}
impl<F> ConvForward for F where
    F: Fn(
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        &ArrayView4<f64>,
        Hparameters,
    ) -> Result<(Array4<f64>, ConvCache)>
{
}

/// Exercise 3: `conv_forward(A_prev, W, b, hparameters)`.
pub fn conv_forward(student: impl ConvForward) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); A_prev = randn(10, 4, 4, 3);
    // W = randn(2, 2, 3, 8); b = randn(1, 1, 1, 8); pad 2, stride 2.
    let case = "the notebook's example: A_prev = randn(10, 4, 4, 3), W = randn(2, 2, 3, 8), pad 2, stride 2";
    let mut rng = RandomState::new(1);
    let (a_prev, w, b) = (rng.randn((10, 4, 4, 3)), rng.randn((2, 2, 3, 8)), rng.randn((1, 1, 1, 8)));
    let hp = Hparameters { pad: 2, stride: 2 };
    if let Some((z, cache)) = g.call_result(case, || student(&a_prev.view(), &w.view(), &b.view(), hp)) {
        let (m, n_h, n_w, n_c) = notebook::conv_forward::Z_SHAPE;
        let z_3_2_1 = ndarray::arr1(&notebook::conv_forward::Z_3_2_1);
        let a_1_2_3 = ndarray::arr1(&notebook::conv_forward::A_PREV_1_2_3);
        let meaning = |i: &[usize]| z_meaning(2, 2)(&[3, 2, 1, i[0]]);
        let expected_cache = textbook::conv::conv_forward(&a_prev.view(), &w.view(), &b.view(), hp)
            .expect("the notebook's cell")
            .1;
        let a_meaning = |i: &[usize]| format!("image 1, row 2, column 3, channel {}", i[0]);
        if same_shape(&mut g, case, "Z", &[m, n_h, n_w, n_c], z.shape())
            && g.arrays(case, "Z[3,2,1]", &z_3_2_1.view(), &z.slice(s![3, 2, 1, ..]), published(8), &meaning)
            && g.value(case, "Z's mean", notebook::conv_forward::Z_MEAN, mean(&z), published(13))
            && conv_cache_agrees(&mut g, case, &expected_cache, &cache)
            && g.arrays(
                case,
                "cache_conv[0][1][2][3]",
                &a_1_2_3.view(),
                &cache.a_prev.slice(s![1, 2, 3, ..]),
                published(8),
                &a_meaning,
            )
        {
            g.pass(&format!("{case}: Z.shape, Z's mean, Z[3,2,1] and the cache as the notebook prints them"));
        } else if let Some(why) = conv_forward_mistake(&a_prev, &w, &b, hp, &z) {
            g.explain(&why);
        }
    }
    for k in 0..CONV_CASES.len() {
        let (case, a_prev, w, b, hp) = conv_case(k);
        let (expected, expected_cache) =
            textbook::conv::conv_forward(&a_prev.view(), &w.view(), &b.view(), hp)
                .expect("a valid hidden case");
        let Some((z, cache)) = g.call_result(&case, || student(&a_prev.view(), &w.view(), &b.view(), hp))
        else {
            break;
        };
        let p = expected_cache.params;
        // Z adds f·f·n_C_prev products and the bias, in an order of the student's choosing.
        let tol = sum_rounding(
            p.f * p.f * p.n_c_prev + 1,
            largest(&a_prev.view()) * largest(&w.view()) + largest(&b.view()),
        );
        if g.arrays(&case, "Z", &expected.view(), &z.view(), tol, &z_meaning(p.f, p.stride))
            && conv_cache_agrees(&mut g, &case, &expected_cache, &cache)
        {
            g.pass(&case);
        } else {
            if let Some(why) = conv_forward_mistake(&a_prev, &w, &b, hp, &z) {
                g.explain(&why);
            }
            break;
        }
    }
    g.finish()
}

/// Checks the cache a student's `pool_forward` returns against the textbook's.
fn pool_cache_agrees(g: &mut Grader, case: &str, expected: &PoolCache, got: &PoolCache) -> bool {
    if !g.arrays(case, "cache.a_prev", &expected.a_prev.view(), &got.a_prev.view(), 0.0, &input_meaning) {
        g.explain("The cache keeps A_prev as it came in.");
        return false;
    }
    if got.hparameters != expected.hparameters || got.params != expected.params {
        g.fail(
            case,
            &format!(
                "cache.hparameters or cache.params differ:\nexpected {:?}, {:?}\ngot {:?}, {:?}",
                expected.hparameters, expected.params, got.hparameters, got.params
            ),
        );
        g.explain(
            "Keep the hparameters you were given, and params from \
             PoolParams::new(a_prev.shape(), hparameters)?.",
        );
        return false;
    }
    true
}

/// A classic wrong `A` of `pool_forward`, recognised: what the student did.
fn pool_forward_mistake(
    a_prev: &Array4<f64>,
    hp: PoolHparameters,
    mode: PoolMode,
    a: &Array4<f64>,
) -> Option<String> {
    let forward = |stride, mode| {
        textbook::pool::pool_forward(&a_prev.view(), PoolHparameters { f: hp.f, stride }, mode)
            .ok()
            .map(|r| r.0)
    };
    let expected = forward(hp.stride, mode)?;
    let (n_h, n_w) = (expected.shape()[1], expected.shape()[2]);
    if a.shape() != expected.shape() {
        if hp.stride > 1 && forward(1, mode).is_some_and(|a1| a1.shape() == a.shape()) {
            return Some(format!(
                "{} is the shape of stride 1: n_H = ⌊(n_H_prev − f) / stride⌋ + 1 = {n_h}.",
                tuple(a.shape())
            ));
        }
        return None;
    }
    let other = match mode {
        PoolMode::Max => PoolMode::Average,
        PoolMode::Average => PoolMode::Max,
    };
    if forward(hp.stride, other).is_some_and(|o| agrees(&o.view(), &a.view(), 1e-9)) {
        let (took, wanted) = match mode {
            PoolMode::Max => ("mean", "the largest value"),
            PoolMode::Average => ("maximum", "the mean (the sum divided by f·f)"),
        };
        return Some(format!(
            "Your A is the {took} of each window: mode \"{}\" takes {wanted}.",
            mode.name()
        ));
    }
    if hp.stride > 1
        && forward(1, mode).is_some_and(|a1| agrees(&a1.slice(s![.., ..n_h, ..n_w, ..]), &a.view(), 1e-9))
    {
        return Some(format!(
            "Your A[i, h, w, c] reads rows h to h + f − 1: that is stride 1. With stride {} the \
             window of output row h starts at row h·stride (vert_start = h·stride).",
            hp.stride
        ));
    }
    let f2 = (hp.f * hp.f) as f64;
    if mode == PoolMode::Average && agrees(&(&expected * f2).view(), &a.view(), 1e-9) {
        return Some(format!("Your A is the sum of each window: the average divides it by f·f = {f2}."));
    }
    None
}

/// The hidden cases of exercises 4 and 8: `A_prev`'s shape, `f`, stride,
/// mode. Exercise 8 fills `A_prev` with whole numbers, so that some windows'
/// maximum is tied.
const POOL_CASES: [(Shape4, usize, usize, PoolMode); 4] = [
    ((2, 5, 7, 3), 2, 2, PoolMode::Max),
    ((2, 5, 7, 3), 2, 2, PoolMode::Average),
    ((1, 6, 6, 2), 3, 1, PoolMode::Max),
    ((1, 6, 6, 2), 3, 1, PoolMode::Average),
];

/// Exercise 4: `pool_forward(A_prev, hparameters, mode)`.
pub fn pool_forward(
    student: impl Fn(&ArrayView4<f64>, PoolHparameters, PoolMode) -> Result<(Array4<f64>, PoolCache)>,
) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); A_prev = randn(2, 4, 4, 3); f 3, stride 2; both modes.
    let a_prev = RandomState::new(1).randn((2, 4, 4, 3));
    let hp = PoolHparameters { f: 3, stride: 2 };
    for (mode, values) in
        PoolMode::BOTH.into_iter().zip([notebook::pool_forward::MAX, notebook::pool_forward::AVERAGE])
    {
        let case = format!(
            "the notebook's example, mode \"{}\": A_prev = randn(2, 4, 4, 3), f 3, stride 2",
            mode.name()
        );
        let Some((a, cache)) = g.call_result(&case, || student(&a_prev.view(), hp, mode)) else { break };
        let expected = Array4::from_shape_fn((2, 1, 1, 3), |(i, _, _, c)| values[i][c]);
        let expected_cache =
            textbook::pool::pool_forward(&a_prev.view(), hp, mode).expect("the notebook's cell").1;
        if g.arrays(&case, "A", &expected.view(), &a.view(), published(8), &pooled_meaning(3, 2))
            && pool_cache_agrees(&mut g, &case, &expected_cache, &cache)
        {
            g.pass(&format!("{case}: A as the notebook prints it"));
        } else {
            if let Some(why) = pool_forward_mistake(&a_prev, hp, mode, &a) {
                g.explain(&why);
            }
            break;
        }
    }
    for (k, (shape, f, stride, mode)) in POOL_CASES.into_iter().enumerate() {
        let case = format!(
            "hidden case {}: A_prev of shape {}, f {f}, stride {stride}, mode \"{}\"",
            k + 1,
            tuple(&[shape.0, shape.1, shape.2, shape.3]),
            mode.name()
        );
        let a_prev = RandomState::new(40 + k as u32).randn(shape);
        let hp = PoolHparameters { f, stride };
        let (expected, expected_cache) =
            textbook::pool::pool_forward(&a_prev.view(), hp, mode).expect("a valid hidden case");
        let Some((a, cache)) = g.call_result(&case, || student(&a_prev.view(), hp, mode)) else { break };
        // A mean adds f·f values, in an order of the student's choosing.
        let tol = sum_rounding(f * f, largest(&a_prev.view()));
        if g.arrays(&case, "A", &expected.view(), &a.view(), tol, &pooled_meaning(f, stride))
            && pool_cache_agrees(&mut g, &case, &expected_cache, &cache)
        {
            g.pass(&case);
        } else {
            if let Some(why) = pool_forward_mistake(&a_prev, hp, mode, &a) {
                g.explain(&why);
            }
            break;
        }
    }
    g.finish()
}

/// A classic wrong answer of `conv_backward`, recognised: what the student did.
fn conv_backward_mistake(dz: &Array4<f64>, cache: &ConvCache, got: &ConvGrads) -> Option<String> {
    let p = cache.params;
    let expected = textbook::conv::conv_backward(&dz.view(), cache).ok()?;
    let padded = [p.m, p.n_h_prev + 2 * p.pad, p.n_w_prev + 2 * p.pad, p.n_c_prev];
    if p.pad > 0 && got.d_a_prev.shape() == padded {
        return Some(format!(
            "{} is the shape of A_prev_pad: crop the padding off at the end, \
             dA_prev = dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :] with pad = {}.",
            tuple(&padded),
            p.pad
        ));
    }
    if p.m > 1 {
        let last = s![p.m - 1..p.m, .., .., ..];
        let one = textbook::conv::conv_forward(
            &cache.a_prev.slice(last),
            &cache.w.view(),
            &cache.b.view(),
            cache.hparameters,
        )
        .ok()?
        .1;
        let alone = textbook::conv::conv_backward(&dz.slice(last), &one).ok()?;
        for (what, mine, yours) in [("dW", &alone.d_w, &got.d_w), ("db", &alone.d_b, &got.d_b)] {
            if agrees(&mine.view(), &yours.view(), 1e-9) {
                return Some(format!(
                    "Your {what} is the last image's alone: {what} adds up the contributions of \
                     every image of the batch (+= for each i); do not start it anew for each image."
                ));
            }
        }
        let m = p.m as f64;
        for (what, mine, yours) in [("dW", &expected.d_w, &got.d_w), ("db", &expected.d_b, &got.d_b)] {
            if agrees(&(mine / m).view(), &yours.view(), 1e-9) {
                return Some(format!(
                    "Your {what} is divided by m = {m}: it is the sum over the batch, with no division."
                ));
            }
        }
    }
    None
}

/// Exercise 5: `conv_backward(dZ, cache)`.
pub fn conv_backward(student: impl Fn(&ArrayView4<f64>, &ConvCache) -> Result<ConvGrads>) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: after its conv_forward cell, dA, dW, db = conv_backward(Z, cache_conv).
    let case = "the notebook's example: conv_backward(Z, cache_conv) after its conv_forward cell";
    let mut rng = RandomState::new(1);
    let (a_prev, w, b) = (rng.randn((10, 4, 4, 3)), rng.randn((2, 2, 3, 8)), rng.randn((1, 1, 1, 8)));
    let hp = Hparameters { pad: 2, stride: 2 };
    let (z, cache) =
        textbook::conv::conv_forward(&a_prev.view(), &w.view(), &b.view(), hp).expect("the notebook's cell");
    if let Some(grads) = g.call_result(case, || student(&z.view(), &cache)) {
        use notebook::conv_backward::{DA_MEAN, DB_MEAN, DW_MEAN};
        if same_shape(&mut g, case, "dA_prev", a_prev.shape(), grads.d_a_prev.shape())
            && same_shape(&mut g, case, "dW", w.shape(), grads.d_w.shape())
            && same_shape(&mut g, case, "db", b.shape(), grads.d_b.shape())
            && g.value(case, "dA_mean", DA_MEAN, mean(&grads.d_a_prev), published(11))
            && g.value(case, "dW_mean", DW_MEAN, mean(&grads.d_w), published(11))
            && g.value(case, "db_mean", DB_MEAN, mean(&grads.d_b), published(11))
        {
            g.pass(&format!("{case}: dA_mean, dW_mean and db_mean as the notebook prints them"));
        } else if let Some(why) = conv_backward_mistake(&z, &cache, &grads) {
            g.explain(&why);
        }
    }
    for k in 0..CONV_CASES.len() {
        let (case, a_prev, w, b, hp) = conv_case(k);
        let (z, cache) = textbook::conv::conv_forward(&a_prev.view(), &w.view(), &b.view(), hp)
            .expect("a valid hidden case");
        let dz = RandomState::new(50 + k as u32).randn(z.raw_dim());
        let case = format!("{case}, a random dZ");
        let expected = textbook::conv::conv_backward(&dz.view(), &cache).expect("a valid hidden case");
        let Some(grads) = g.call_result(&case, || student(&dz.view(), &cache)) else { break };
        // Each gradient adds at most m·n_H·n_W·n_C products, in an order of the student's choosing.
        let terms = z.len();
        let tol =
            sum_rounding(terms, largest(&dz.view()) * (largest(&a_prev.view()) + largest(&w.view()) + 1.0));
        if g.arrays(&case, "dA_prev", &expected.d_a_prev.view(), &grads.d_a_prev.view(), tol, &input_meaning)
            && g.arrays(&case, "dW", &expected.d_w.view(), &grads.d_w.view(), tol, &filter_meaning)
            && g.arrays(&case, "db", &expected.d_b.view(), &grads.d_b.view(), tol, &bias_meaning)
        {
            g.pass(&case);
        } else {
            if let Some(why) = conv_backward_mistake(&dz, &cache, &grads) {
                g.explain(&why);
            }
            break;
        }
    }
    g.finish()
}

/// The mask with `true` at the first maximum only, row by row, and the one
/// with `true` at the last: two answers a student may give for a tie.
fn one_max_masks(x: &ArrayView2<f64>) -> (Array2<bool>, Array2<bool>) {
    let last = {
        let mut best: Option<((usize, usize), f64)> = None;
        for (idx, &v) in x.indexed_iter() {
            if best.is_none_or(|(_, b)| v >= b) {
                best = Some((idx, v));
            }
        }
        Array2::from_shape_fn(x.raw_dim(), |idx| best.is_some_and(|(at, _)| at == idx))
    };
    (textbook::pool::first_max_mask(x), last)
}

/// Exercise 6: `create_mask_from_window(x)`.
pub fn create_mask_from_window(student: impl Fn(&ArrayView2<f64>) -> Array2<bool>) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); x = np.random.randn(2, 3); mask = x == np.max(x).
    let mut cases = vec![(
        "the notebook's example: x = randn(2, 3)".to_string(),
        RandomState::new(1).randn((2, 3)),
        Some(arr2(&notebook::create_mask_from_window::MASK)),
    )];
    let negative = RandomState::new(61).randn((3, 3)).mapv(|v| -v.abs() - 0.5);
    cases.extend([
        (
            "hidden case 1: a 2×2 window whose maximum 3 is tied".to_string(),
            arr2(&[[3., 1.], [2., 3.]]),
            None,
        ),
        ("hidden case 2: a 3×3 window of negative values".to_string(), negative, None),
        ("hidden case 3: a 3×4 window".to_string(), RandomState::new(62).randn((3, 4)), None),
        ("hidden case 4: a 2×2 window of equal values".to_string(), Array2::from_elem((2, 2), 0.5), None),
    ]);
    for (case, x, published) in cases {
        let expected = published.unwrap_or_else(|| textbook::pool::create_mask_from_window(&x.view()));
        let Some(mask) = g.call(&case, || student(&x.view())) else { break };
        if !same_shape(&mut g, &case, "mask", expected.shape(), mask.shape()) {
            break;
        }
        let max = x.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let Some(((r, c), e)) = expected.indexed_iter().find(|(idx, e)| mask[*idx] != **e) else {
            g.pass(&case);
            continue;
        };
        g.fail(
            &case,
            &format!(
                "first difference at mask[{r}, {c}] (row {r}, column {c}, where x = {}; the window's \
                 maximum is {}):\nexpected {e}, got {}",
                number(x[[r, c]]),
                number(max),
                !e
            ),
        );
        let (first, last) = one_max_masks(&x.view());
        let ties = expected.iter().filter(|&&m| m).count();
        if mask.iter().all(|&m| m) {
            g.explain(
                "Your mask is true at every cell, below the maximum too: the comparison is the wrong \
                 way round (x <= max holds everywhere). Mark the cells where x == max.",
            );
        } else if ties > 1 && (mask == first || mask == last) {
            g.explain(&format!(
                "Your mask marks one of the {ties} tied maxima. The notebook's mask is \
                 x == np.max(x): every cell equal to the maximum is true. (Exercise 8, \
                 pool_backward, sends the gradient to one maximum; this mask marks them all.)"
            ));
        } else if mask.iter().all(|&m| !m) && max < 0.0 {
            g.explain(
                "Your mask is false everywhere, and every value here is negative: does your maximum \
                 start at 0.0? Start it at f64::NEG_INFINITY (or at the first value).",
            );
        }
        break;
    }
    g.finish()
}

/// Exercise 7: `distribute_value(dz, shape)`.
pub fn distribute_value(student: impl Fn(f64, (usize, usize)) -> Array2<f64>) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: a = distribute_value(2, (2, 2)).
    let published = arr2(&notebook::distribute_value::A);
    let cases = [(2.0, (2, 2)), (3.0, (3, 3)), (-1.5, (2, 3)), (0.7, (1, 1)), (5.0, (4, 1))];
    for (k, (dz, shape)) in cases.into_iter().enumerate() {
        let case = if k == 0 {
            "the notebook's example: distribute_value(2, (2, 2))".to_string()
        } else {
            format!("hidden case {k}: distribute_value({}, {})", number(dz), tuple(&[shape.0, shape.1]))
        };
        let expected = if k == 0 { published.clone() } else { textbook::pool::distribute_value(dz, shape) };
        let Some(a) = g.call(&case, || student(dz, shape)) else { break };
        let meaning = |i: &[usize]| format!("row {}, column {} of the window", i[0], i[1]);
        if g.arrays(&case, "a", &expected.view(), &a.view(), 1e-15, &meaning) {
            g.pass(&case);
            continue;
        }
        let (n_h, n_w) = shape;
        if n_h != n_w && a.dim() == (n_w, n_h) {
            g.explain(&format!(
                "Your a is {}: the shape is (n_H, n_W) = {}.",
                tuple(a.shape()),
                tuple(&[n_h, n_w])
            ));
        } else if a.iter().all(|&v| v == dz) {
            g.explain(&format!(
                "Each cell of your a holds {} (= dz); expected dz / (n_H·n_W) = {} / {} = {} in each \
                 cell, so that the cells add up to dz.",
                number(dz),
                number(dz),
                n_h * n_w,
                number(dz / (n_h * n_w) as f64)
            ));
        } else if a.iter().all(|&v| close(dz / (n_h + n_w) as f64, v, 1e-12)) {
            g.explain(&format!(
                "Your a is dz / (n_H + n_W): the window has n_H·n_W = {} cells, not {}.",
                n_h * n_w,
                n_h + n_w
            ));
        }
        break;
    }
    g.finish()
}

/// `pool_backward` with each window's share given by `share(window, dz)`,
/// assigned (`=`) rather than added where windows overlap: a classic
/// mistake when `stride < f`.
fn pool_backward_assigning(
    da: &ArrayView4<f64>,
    cache: &PoolCache,
    share: impl Fn(&ArrayView2<f64>, f64) -> Array2<f64>,
) -> Array4<f64> {
    let p = cache.params;
    let mut da_prev = Array4::zeros(cache.a_prev.raw_dim());
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for w in 0..p.out_w() {
                let (rows, cols) = p.window(h, w);
                for c in 0..p.n_c {
                    let window = s![i, rows.clone(), cols.clone(), c];
                    let back = share(&cache.a_prev.slice(window), da[[i, h, w, c]]);
                    da_prev.slice_mut(window).assign(&back);
                }
            }
        }
    }
    da_prev
}

/// A classic wrong `dA_prev` of `pool_backward`, recognised: what the student did.
fn pool_backward_mistake(
    da: &Array4<f64>,
    cache: &PoolCache,
    mode: PoolMode,
    got: &Array4<f64>,
) -> Option<String> {
    let expected = textbook::pool::pool_backward(&da.view(), cache, mode).ok()?;
    if got.shape() != expected.shape() {
        return None;
    }
    let by = |share: &dyn Fn(&ArrayView2<f64>, f64) -> Array2<f64>| {
        textbook::pool::pool_backward_by(&da.view(), cache, share)
            .ok()
            .is_some_and(|d| agrees(&d.view(), &got.view(), 1e-9))
    };
    let on = |mask: Array2<bool>, dz: f64| mask.mapv(|m| if m { dz } else { 0.0 });
    let f = cache.params.f;
    let (total, yours) = (da.sum(), got.sum());
    match mode {
        PoolMode::Max => {
            if by(&|w, dz| on(textbook::pool::create_mask_from_window(w), dz)) {
                let p = cache.params;
                let tie = (0..p.m)
                    .flat_map(|i| (0..p.out_h()).flat_map(move |h| (0..p.out_w()).map(move |w| (i, h, w))))
                    .flat_map(|(i, h, w)| (0..p.n_c).map(move |c| (i, h, w, c)))
                    .find_map(|(i, h, w, c)| {
                        let (rows, cols) = p.window(h, w);
                        let window = cache.a_prev.slice(s![i, rows, cols, c]);
                        let n =
                            textbook::pool::create_mask_from_window(&window).iter().filter(|&&m| m).count();
                        (n > 1).then(|| {
                            format!(
                                " (the window of image {i}, output row {h}, column {w}, channel {c} \
                                 has {n} cells equal to its maximum)"
                            )
                        })
                    })
                    .unwrap_or_default();
                return Some(format!(
                    "Your dA_prev gives a window's gradient to every cell equal to its maximum: at a \
                     tie{tie} it is counted once per tied cell, so the total gradient grows: \
                     Σ dA = {}, your Σ dA_prev = {}. Send it to one maximum, the first row by row \
                     (as np.argmax): exercise 6's mask marks every tie, so it cannot be used here \
                     as it is.",
                    number(total),
                    number(yours)
                ));
            }
            if by(&|w, dz| on(one_max_masks(w).1, dz)) {
                return Some(
                    "Your dA_prev gives a tie's gradient to the last tied maximum; the textbook gives \
                     it to the first, row by row (as np.argmax): replace the best cell only when a \
                     value is strictly larger (>)."
                        .into(),
                );
            }
        }
        PoolMode::Average => {
            if by(&|_, dz| Array2::from_elem((f, f), dz)) {
                return Some(format!(
                    "Your dA_prev copies dA into every cell of the window: share it, dA / (f·f) with \
                     f·f = {} (distribute_value), so that the total is kept: Σ dA = {}, your \
                     Σ dA_prev = {}.",
                    f * f,
                    number(total),
                    number(yours)
                ));
            }
        }
    }
    let other = match mode {
        PoolMode::Max => PoolMode::Average,
        PoolMode::Average => PoolMode::Max,
    };
    if textbook::pool::pool_backward(&da.view(), cache, other)
        .is_ok_and(|d| agrees(&d.view(), &got.view(), 1e-9))
    {
        return Some(format!("Your dA_prev is mode \"{}\"'s, not \"{}\"'s.", other.name(), mode.name()));
    }
    let share = |w: &ArrayView2<f64>, dz: f64| match mode {
        PoolMode::Max => on(textbook::pool::first_max_mask(w), dz),
        PoolMode::Average => textbook::pool::distribute_value(dz, (f, f)),
    };
    if agrees(&pool_backward_assigning(&da.view(), cache, share).view(), &got.view(), 1e-9) {
        return Some(
            "Your dA_prev keeps only the last window's share where windows overlap: add each \
             window's share (+=), do not assign it (=)."
                .into(),
        );
    }
    None
}

/// Exercise 8: `pool_backward(dA, cache, mode)`.
pub fn pool_backward(
    student: impl Fn(&ArrayView4<f64>, &PoolCache, PoolMode) -> Result<Array4<f64>>,
) -> Grade {
    let mut g = Grader::new();
    // The notebook's cell: np.random.seed(1); A_prev = randn(5, 5, 3, 2); f 2, stride 1;
    // A, cache = pool_forward(A_prev, hparameters); dA = randn(5, 4, 2, 2).
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((5, 5, 3, 2));
    let hp = PoolHparameters { f: 2, stride: 1 };
    let (_, cache) =
        textbook::pool::pool_forward(&a_prev.view(), hp, PoolMode::Max).expect("the notebook's cell");
    let da = rng.randn((5, 4, 2, 2));
    use notebook::pool_backward::{AVERAGE_1_1, MAX_1_1};
    for (mode, values) in PoolMode::BOTH.into_iter().zip([MAX_1_1, AVERAGE_1_1]) {
        let case = format!(
            "the notebook's example, mode \"{}\": A_prev = randn(5, 5, 3, 2), f 2, stride 1, dA = randn(5, 4, 2, 2)",
            mode.name()
        );
        let Some(da_prev) = g.call_result(&case, || student(&da.view(), &cache, mode)) else { break };
        let expected = arr2(&values);
        let meaning = |i: &[usize]| format!("image 1, row 1, column {}, channel {} of A_prev", i[0], i[1]);
        if same_shape(&mut g, &case, "dA_prev", a_prev.shape(), da_prev.shape())
            && g.arrays(
                &case,
                "dA_prev[1,1]",
                &expected.view(),
                &da_prev.slice(s![1, 1, .., ..]),
                published(8),
                &meaning,
            )
        {
            g.pass(&format!("{case}: dA_prev[1,1] as the notebook prints it"));
        } else {
            if let Some(why) = pool_backward_mistake(&da, &cache, mode, &da_prev) {
                g.explain(&why);
            }
            break;
        }
    }
    for (k, (shape, f, stride, mode)) in POOL_CASES.into_iter().enumerate() {
        let case = format!(
            "hidden case {}: A_prev of shape {} in whole numbers (ties), f {f}, stride {stride}, mode \"{}\"",
            k + 1,
            tuple(&[shape.0, shape.1, shape.2, shape.3]),
            mode.name()
        );
        let mut rng = RandomState::new(70 + k as u32);
        let a_prev = rng.randn(shape).mapv(|v| (1.5 * v).round());
        let hp = PoolHparameters { f, stride };
        let (a, cache) = textbook::pool::pool_forward(&a_prev.view(), hp, mode).expect("a valid hidden case");
        let da = rng.randn(a.raw_dim());
        let expected = textbook::pool::pool_backward(&da.view(), &cache, mode).expect("a valid hidden case");
        let Some(da_prev) = g.call_result(&case, || student(&da.view(), &cache, mode)) else { break };
        // A cell adds the shares of at most f·f windows, in an order of the student's choosing.
        let tol = sum_rounding(f * f, largest(&da.view()));
        if g.arrays(&case, "dA_prev", &expected.view(), &da_prev.view(), tol, &input_meaning) {
            g.pass(&case);
        } else {
            if let Some(why) = pool_backward_mistake(&da, &cache, mode, &da_prev) {
                g.explain(&why);
            }
            break;
        }
    }
    g.finish()
}
