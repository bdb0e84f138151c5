//! Graders of the notebook's eight functions (exercises 1–8): each checks
//! the student's function against the notebook's "Expected output" first,
//! then against the textbook function on hidden random cases whose shapes
//! the notebook's example does not cover.

use ndarray::{s, Array4, ArrayView3, ArrayView4};

use crate::course::random::RandomState;
use crate::exercises::grading::{nhwc, tuple, Grade, Grader};
use crate::reference::notebook;
use crate::textbook;

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
