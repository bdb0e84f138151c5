//! Seeds 000 and 001: ML-From-Scratch's `ConstantPadding2D` / `ZeroPadding2D`
//! and `determine_padding` (REFERENCE §5).

use cnn_walkthrough::padding::{determine_padding, ConstantPadding2D, PaddingMode};
use cnn_walkthrough::random::RandomState;
use ndarray::s;

mod common;
use common::run_lesson;

#[test]
fn determine_padding_same_and_valid() {
    // REFERENCE §5: 'same' for an even filter is asymmetric, a 2×2 filter pads ((0,1),(0,1)).
    let cases =
        [(2, "((0, 1), (0, 1))"), (3, "((1, 1), (1, 1))"), (4, "((1, 2), (1, 2))"), (5, "((2, 2), (2, 2))")];
    for (f, same) in cases {
        assert_eq!(determine_padding((f, f), PaddingMode::Same).to_string(), same);
        assert_eq!(determine_padding((f, f), PaddingMode::Valid).to_string(), "((0, 0), (0, 0))");
    }
    assert_eq!(determine_padding((2, 3), PaddingMode::Same).to_string(), "((0, 1), (1, 1))");
}

#[test]
fn padding_backward_is_the_slice_of_the_article() {
    // Seed 000: input (1,3,32,32), padding ((1,1),(1,1)): accum_grad = accum_grad[:, :, 1:33, 1:33].
    let layer = ConstantPadding2D::zeros(((1, 1), (1, 1)));
    let x = RandomState::new(3).randn((1, 3, 32, 32));
    assert_eq!(layer.forward(&x.view()).shape(), &[1, 3, 34, 34]);
    let g = RandomState::new(4).randn((1, 3, 34, 34));
    assert_eq!(layer.backward(&g.view()).unwrap(), g.slice(s![.., .., 1..33, 1..33]));
}

#[test]
fn symmetric_and_asymmetric_forms_agree() {
    // (pad_h, pad_w) is ((pad_h, pad_h), (pad_w, pad_w)).
    let x = RandomState::new(5).randn((2, 1, 3, 4));
    let a = ConstantPadding2D::new((1, 2), 7.0).forward(&x.view());
    let b = ConstantPadding2D::new(((1, 1), (2, 2)), 7.0).forward(&x.view());
    assert_eq!(a, b);
    assert_eq!(a.shape(), &[2, 1, 5, 8]);
    assert_eq!(a[[0, 0, 0, 0]], 7.0);
}

#[test]
fn backward_of_a_too_small_gradient_is_an_error() {
    let layer = ConstantPadding2D::zeros(((2, 2), (1, 1)));
    let g = ndarray::Array4::<f64>::zeros((1, 1, 4, 5));
    let e = layer.backward(&g.view()).unwrap_err().to_string();
    assert!(e.contains("accum_grad") && e.contains("(1, 1, 4, 5)"), "{e}");
}

#[test]
fn lesson_01_shows_the_padding_table() {
    let out = run_lesson("lesson_01_zero_pad", &[]);
    out.assert_exit(0);
    assert!(out.stdout.contains("2×2      ((0, 1), (0, 1))"), "{}", out.stdout);
}
