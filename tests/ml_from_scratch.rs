//! Seeds 000 and 001: ML-From-Scratch's `ConstantPadding2D` / `ZeroPadding2D`
//! and `determine_padding`, im2col and `Conv2D` against the numbers of
//! [`cnn_walkthrough::reference::ml_from_scratch`].

use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::reference::ml_from_scratch as published;
use cnn_walkthrough::textbook::padding::{determine_padding, ConstantPadding2D, PaddingMode};
use ndarray::s;

use crate::common;
use common::run_lesson;

#[test]
fn determine_padding_same_and_valid() {
    // 'same' for an even filter is asymmetric: the extra row and column go below and to the right.
    let same_2x2 = format!("{:?}", published::SAME_PADDING_2X2);
    let cases =
        [(2, same_2x2.as_str()), (3, "((1, 1), (1, 1))"), (4, "((1, 2), (1, 2))"), (5, "((2, 2), (2, 2))")];
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
    assert!(out.stdout.contains("2×2     ((0, 1), (0, 1))"), "{}", out.stdout);
}

#[test]
fn im2col_indices_of_the_article() {
    // Seed 001: (1, 3, 32, 32), 3×3, padding ((1,1),(1,1)), stride 1.
    use cnn_walkthrough::textbook::im2col::{get_im2col_indices, image_to_column};
    use cnn_walkthrough::textbook::padding::Padding2D;
    use published::im2col::{I0, I0_SHAPE, I1_SHAPE, I_SHAPE, K_SHAPE};
    let ix = get_im2col_indices(&[1, 3, 32, 32], (3, 3), Padding2D::uniform(1), 1).unwrap();
    assert_eq!(ix.i0.to_vec(), I0);
    assert_eq!((ix.i0.shape(), ix.j0.shape()), (&I0_SHAPE[..], &I0_SHAPE[..]));
    assert_eq!((ix.i1.shape(), ix.j1.shape()), (&I1_SHAPE[..], &I1_SHAPE[..]));
    assert_eq!(ix.i1.to_vec(), (0..32).flat_map(|v| std::iter::repeat_n(v, 32)).collect::<Vec<_>>());
    assert_eq!(ix.j0.to_vec(), [0, 1, 2].repeat(9));
    assert_eq!(ix.j1.to_vec(), (0..32).collect::<Vec<_>>().repeat(32));
    assert_eq!((ix.i.shape(), ix.j.shape(), ix.k.shape()), (&I_SHAPE[..], &I_SHAPE[..], &K_SHAPE[..]));
    let x = RandomState::new(1).randn((1, 3, 32, 32));
    let x_col = image_to_column(&x.view(), (3, 3), 1, Padding2D::uniform(1)).unwrap();
    assert_eq!(x_col.shape(), I_SHAPE);
}

#[test]
fn conv2d_output_shapes_and_parameters_of_the_article() {
    // Seed 001: 16 filters of 3×3 on (1, 3, 32, 32), 'same' or 'valid', stride 1 or 2.
    use cnn_walkthrough::textbook::conv2d::Conv2D;
    use published::conv2d::*;
    let mut rng = RandomState::new(2);
    let image = rng.randint(0, 255, (1, 3, 32, 32)).unwrap().mapv(|v| v as f64);
    for (mode, stride, shape) in [
        (PaddingMode::Same, 1, OUTPUT_SHAPE_SAME_STRIDE_1),
        (PaddingMode::Valid, 1, OUTPUT_SHAPE_VALID_STRIDE_1),
        (PaddingMode::Valid, 2, OUTPUT_SHAPE_VALID_STRIDE_2),
    ] {
        let layer = Conv2D::initialize(16, 3, (3, 3), mode, stride, &mut rng).unwrap();
        assert_eq!(layer.forward(&image.view()).unwrap().0.dim(), shape);
        assert_eq!(layer.parameters(), PARAMETERS);
    }
}

#[test]
fn pooling_by_im2col_matches_the_loops_on_the_notebook_cells() {
    // Seed 003's layers, made to work (no padding, stride given), against the notebook's loops.
    use cnn_walkthrough::textbook::pool::{pool_backward, pool_forward, PoolHparameters, PoolMode};
    use cnn_walkthrough::textbook::pool2d::Pooling2D;
    let nchw = |a: &ndarray::Array4<f64>| a.view().permuted_axes([0, 3, 1, 2]).to_owned();
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((5, 5, 3, 2));
    let da = rng.randn((5, 4, 2, 2));
    for mode in [PoolMode::Max, PoolMode::Average] {
        let (a, cache) = pool_forward(&a_prev.view(), PoolHparameters { f: 2, stride: 1 }, mode).unwrap();
        let pool = Pooling2D::new((2, 2), Some(1), mode);
        let (out, pcache) = pool.forward(&nchw(&a_prev).view()).unwrap();
        // The mean of four numbers may round differently in the last bit depending on the order of the sum.
        for (o, e) in out.iter().zip(nchw(&a).iter()) {
            assert!((o - e).abs() <= 1e-15 * 8.0, "{o} vs {e}");
        }
        let grad = pool.backward(&nchw(&da).view(), &pcache).unwrap();
        let expected = nchw(&pool_backward(&da.view(), &cache, mode).unwrap());
        for (g, e) in grad.iter().zip(expected.iter()) {
            assert!((g - e).abs() <= 1e-12, "{g} vs {e}");
        }
    }
}

/// A NaN in a window makes its maximum NaN and takes its gradient, as
/// `np.max` and `np.argmax` do, in the loops and in pooling by im2col alike.
#[test]
fn max_pooling_treats_nan_as_numpy_does() {
    use cnn_walkthrough::textbook::pool::{pool_backward, pool_forward, PoolHparameters, PoolMode};
    use cnn_walkthrough::textbook::pool2d::Pooling2D;
    let mut a = ndarray::Array4::from_shape_fn((1, 4, 4, 1), |(_, i, j, _)| (4 * i + j) as f64);
    a[[0, 1, 0, 0]] = f64::NAN; // in the first 2×2 window, before its maximum 5
    let (out, cache) = pool_forward(&a.view(), PoolHparameters { f: 2, stride: 2 }, PoolMode::Max).unwrap();
    assert!(out[[0, 0, 0, 0]].is_nan());
    assert_eq!([out[[0, 0, 1, 0]], out[[0, 1, 0, 0]], out[[0, 1, 1, 0]]], [7.0, 13.0, 15.0]);
    let grad = pool_backward(&ndarray::Array4::ones((1, 2, 2, 1)).view(), &cache, PoolMode::Max).unwrap();
    assert_eq!(grad[[0, 1, 0, 0]], 1.0, "the gradient goes to the NaN");
    assert_eq!(grad[[0, 1, 1, 0]], 0.0);

    let nchw = a.view().permuted_axes([0, 3, 1, 2]).to_owned();
    let layer = Pooling2D::new((2, 2), None, PoolMode::Max);
    let (out2, cache2) = layer.forward(&nchw.view()).unwrap();
    assert!(out2[[0, 0, 0, 0]].is_nan());
    assert_eq!([out2[[0, 0, 0, 1]], out2[[0, 0, 1, 0]], out2[[0, 0, 1, 1]]], [7.0, 13.0, 15.0]);
    let grad2 = layer.backward(&ndarray::Array4::ones((1, 1, 2, 2)).view(), &cache2).unwrap();
    assert_eq!(grad2.permuted_axes([0, 2, 3, 1]), grad);
}
