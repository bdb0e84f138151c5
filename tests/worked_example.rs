//! Seed 004: the hand-written CNN after hanbt's "零基础入门深度学习(4)" and its
//! worked 5×5×3 example (the CS231n convolution demo): input `a`, two 3×3×3
//! filters with biases 1 and 0, zero padding 1, stride 2, identity
//! activation, sensitivity map `b`, learning rate 0.001. Published: the
//! forward output and the filters after one update. The gradients are not
//! printed in the article; they are exact and were confirmed by finite
//! differences. All values are exact in binary floating point
//! (sums of small integers), so the tolerance is 1e-12.

use cnn_walkthrough::course::gradcheck::numerical_gradient;
use cnn_walkthrough::course::tensor::image_chw;
use cnn_walkthrough::reference::pooling_example;
use cnn_walkthrough::reference::worked_example::{published, WorkedExample};
use cnn_walkthrough::textbook::conv::{conv_backward, conv_forward};
use cnn_walkthrough::textbook::pool_layer::MaxPoolingLayer;
use cnn_walkthrough::textbook::sensitivity::ConvLayer;
use ndarray::{arr1, arr3, s, Array3, Array4};

use crate::common;
use common::{assert_all_close, run_lesson};

const EXACT: f64 = 1e-12;

/// `print "前向傳播結果:", cl.output_array` — one 3×3 map per filter.
fn published_output() -> Array3<f64> {
    arr3(&published::OUTPUT)
}

/// `print cl.filters[f]` after `cl.backward(a, b, IdentityActivator()); cl.update()`.
fn published_updated() -> [(Array3<f64>, f64); 2] {
    [0, 1].map(|f| (arr3(&published::UPDATED_WEIGHTS[f]), published::UPDATED_BIASES[f]))
}

/// The weight gradients (filter, channel, row, column): exact, not printed.
fn reference_weights_grad() -> Array4<f64> {
    Array4::from_shape_fn((2, 3, 3, 3), |(f, c, i, j)| published::WEIGHTS_GRAD[f][c][i][j])
}

/// The gradient passed back to the input (channels first): exact, not printed.
fn reference_delta() -> Array3<f64> {
    arr3(&published::DELTA)
}

fn layer() -> (WorkedExample, ConvLayer) {
    let ex = WorkedExample::new();
    let layer = ConvLayer::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters).unwrap();
    (ex, layer)
}

#[test]
fn forward_matches_the_article_both_ways() {
    let (ex, layer) = layer();
    let out = layer.forward(&image_chw(&ex.a_prev.view(), 0).view()).unwrap();
    assert_all_close(&published_output().view(), &out.view(), EXACT);
    let (z, _) = conv_forward(&ex.a_prev.view(), &ex.w.view(), &ex.b.view(), ex.hparameters).unwrap();
    assert_all_close(&published_output().view(), &image_chw(&z.view(), 0).view(), EXACT);
}

#[test]
fn sensitivity_maps_give_the_reference_gradients_and_the_published_update() {
    let (ex, mut layer) = layer();
    let steps =
        layer.backward(&image_chw(&ex.a_prev.view(), 0).view(), &image_chw(&ex.dz.view(), 0).view()).unwrap();
    assert_eq!(steps.expanded.dim(), (2, 5, 5));
    assert_eq!(steps.zp, 1);
    assert_all_close(&reference_weights_grad().view(), &steps.weights_grad.view(), EXACT);
    assert_all_close(&arr1(&published::BIAS_GRAD).view(), &steps.bias_grad.view(), EXACT);
    assert_all_close(&reference_delta().view(), &steps.delta_array.view(), EXACT);
    layer.update(ex.learning_rate, &steps.weights_grad, &steps.bias_grad);
    for (f, (weights, bias)) in published_updated().iter().enumerate() {
        assert_all_close(&weights.view(), &layer.weights.slice(s![f, .., .., ..]), EXACT);
        assert!((layer.biases[f] - bias).abs() <= EXACT);
    }
}

#[test]
fn loops_give_the_same_gradients() {
    let ex = WorkedExample::new();
    let (_, cache) = conv_forward(&ex.a_prev.view(), &ex.w.view(), &ex.b.view(), ex.hparameters).unwrap();
    let g = conv_backward(&ex.dz.view(), &cache).unwrap();
    let weights_grad = g.d_w.view().permuted_axes([3, 2, 0, 1]);
    assert_all_close(&reference_weights_grad().view(), &weights_grad, EXACT);
    assert_all_close(&reference_delta().view(), &image_chw(&g.d_a_prev.view(), 0).view(), EXACT);
    assert_all_close(&arr1(&published::BIAS_GRAD).view(), &g.d_b.slice(s![0, 0, 0, ..]), EXACT);
}

#[test]
fn the_articles_gradient_check() {
    // Loss: the sum of all outputs (all-ones sensitivity), epsilon 1e-3.
    let published_filter0 = arr3(&published::ALL_ONES_GRAD_FILTER_0);
    let ex = WorkedExample::new();
    let (_, cache) = conv_forward(&ex.a_prev.view(), &ex.w.view(), &ex.b.view(), ex.hparameters).unwrap();
    let g = conv_backward(&Array4::ones((1, 3, 3, 2)).view(), &cache).unwrap();
    let numeric = numerical_gradient(&ex.w, 1e-3, |w| {
        conv_forward(&ex.a_prev.view(), &w.view(), &ex.b.view(), ex.hparameters).unwrap().0.sum()
    });
    let computed0 = g.d_w.slice(s![.., .., .., 0]).permuted_axes([2, 0, 1]);
    let numeric0 = numeric.slice(s![.., .., .., 0]).permuted_axes([2, 0, 1]);
    assert_all_close(&published_filter0.view(), &computed0, EXACT);
    // Linear in the weights: the central difference is exact up to rounding (~1e-12 here).
    assert_all_close(&published_filter0.view(), &numeric0, 1e-9);
}

#[test]
fn lessons_print_the_published_numbers() {
    let out = run_lesson("lesson_02_conv_forward", &[]);
    out.assert_exit(0);
    out.assert_line("Z[0,:,:,0] = [[ 6.  7.  5.]");
    out.assert_line("Z[0,:,:,1] = [[ 2. -5. -8.]");
    let out = run_lesson("lesson_03_conv_backward", &[]);
    out.assert_exit(0);
    out.assert_line("filter 0 weights = [[[-1.008  0.99  -0.009]");
    out.assert_line("bias = 0.991");
    out.assert_line("bias = -0.007");
    out.assert_line("db = [9. 7.]");
}

/// hanbt's pooling test ([`pooling_example`]): channel 0 is the CS231n
/// max-pool figure; 2×2 windows, stride 2; ties go to the first maximum in
/// row-major order.
#[test]
fn max_pooling_example_forward_and_backward() {
    let input = arr3(&pooling_example::INPUT);
    let layer = MaxPoolingLayer { f: 2, stride: 2 };
    let out = layer.forward(&input.view()).unwrap();
    assert_all_close(&arr3(&pooling_example::published::OUTPUT).view(), &out.view(), EXACT);
    let sensitivity = arr3(&pooling_example::SENSITIVITY);
    let delta = layer.backward(&input.view(), &sensitivity.view()).unwrap();
    let published_delta = arr3(&pooling_example::published::DELTA);
    assert_all_close(&published_delta.view(), &delta.view(), EXACT);
    let out = run_lesson("lesson_05_pool_backward", &[]);
    out.assert_line("dA_prev[0,:,:,1] = [[0. 0. 0. 0.]");
    out.assert_line("                    [0. 8. 0. 0.]");
}

#[test]
fn conv2d_by_im2col_gives_the_published_output_gradients_and_update() {
    use cnn_walkthrough::textbook::conv2d::Conv2D;
    let ex = WorkedExample::new();
    let layer = Conv2D::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters).unwrap();
    let x = ex.a_prev.view().permuted_axes([0, 3, 1, 2]).to_owned();
    let (out, cache) = layer.forward(&x.view()).unwrap();
    assert_all_close(&published_output().view(), &out.slice(s![0, .., .., ..]), EXACT);
    let dz = ex.dz.view().permuted_axes([0, 3, 1, 2]).to_owned();
    let g = layer.backward(&dz.view(), &cache).unwrap();
    assert_all_close(&reference_weights_grad().view(), &g.grad_w.view(), EXACT);
    assert_all_close(&arr1(&published::BIAS_GRAD).view(), &g.grad_w0.column(0), EXACT);
    assert_all_close(&reference_delta().view(), &g.grad_input.slice(s![0, .., .., ..]), EXACT);
    let updated = &layer.w - &(ex.learning_rate * &g.grad_w);
    for (f, (weights, bias)) in published_updated().iter().enumerate() {
        assert_all_close(&weights.view(), &updated.slice(s![f, .., .., ..]), EXACT);
        assert!((layer.w0[[f, 0]] - ex.learning_rate * g.grad_w0[[f, 0]] - bias).abs() <= EXACT);
    }
}

/// The layer's errors speak of its `(C, H, W)` input, not the notebook's `A_prev`.
#[test]
fn max_pooling_layer_errors_name_its_input() {
    let layer = MaxPoolingLayer { f: 4, stride: 2 };
    let small = Array3::<f64>::zeros((2, 3, 3));
    let e = layer.forward(&small.view()).unwrap_err().to_string();
    assert!(
        e.contains("larger than the 3×3 input (2, 3, 3)") && e.contains("f ≤ 3") && !e.contains("A_prev"),
        "{e}"
    );
    let empty = Array3::<f64>::zeros((2, 0, 3));
    let e = layer.forward(&empty.view()).unwrap_err().to_string();
    assert!(e.contains("input has shape (2, 0, 3)") && e.contains("(channels, height, width)"), "{e}");
}

/// The derivation of lesson 03: every cell of `dA_prev` is the sum of
/// `W[i,j,d,c] · dZ[h,w,c]` over the windows `windows_reaching` lists, at
/// every cell and channel of the worked example and of a random stride-1
/// case, as the loops compute it.
#[test]
fn the_windows_reaching_a_cell_sum_to_its_gradient() {
    use cnn_walkthrough::course::random::RandomState;
    use cnn_walkthrough::course::walkthrough::windows_reaching;
    use cnn_walkthrough::textbook::conv::Hparameters;
    let ex = WorkedExample::new();
    let mut rng = RandomState::new(3);
    let random = (rng.randn((1, 4, 5, 2)), rng.randn((3, 3, 2, 2)), rng.randn((1, 1, 1, 2)));
    let cases = [
        (ex.a_prev.clone(), ex.w.clone(), ex.b.clone(), ex.hparameters, ex.dz.clone()),
        (random.0, random.1, random.2, Hparameters { pad: 2, stride: 1 }, rng.randn((1, 6, 7, 2))),
    ];
    for (a_prev, w, b, hp, dz) in cases {
        let (_, cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), hp).unwrap();
        let d_a_prev = conv_backward(&dz.view(), &cache).unwrap().d_a_prev;
        for ((_, y, x, d), &expected) in d_a_prev.indexed_iter() {
            let sum: f64 = windows_reaching(&cache.params, (y, x))
                .into_iter()
                .map(|[h, wi, c, i, j]| w[[i, j, d, c]] * dz[[0, h, wi, c]])
                .sum();
            assert!((sum - expected).abs() < 1e-12, "({y}, {x}, {d}): {sum} against {expected}");
        }
    }
}

/// Lesson 03 derives the rotated filter on screen and checks one cell of it;
/// `--bug unrotated-filter` makes that cell's check fail.
#[test]
fn lesson_03_derives_the_rotated_filter() {
    let out = run_lesson("lesson_03_conv_backward", &[]);
    out.assert_exit(0);
    for phrase in [
        "Why turn the filter?",
        "Same sum, different order",
        "dA_prev[i] = dA_prev_pad[pad:-pad, pad:-pad, :]",
        "(1, 7, 7, 3) → (1, 5, 5, 3)",
        "delta_array *= activator.backward(input_array)",
        "pass dA_prev[0,3,1,0]: windows' sum = rotated filters",
        "pass delta_array × f'(input_array) = delta_array",
    ] {
        assert!(out.text.contains(phrase), "missing {phrase:?}:\n{}", out.stdout);
    }
    let out = run_lesson("lesson_03_conv_backward", &["--bug", "unrotated-filter"]);
    assert!(out.text.contains("FAIL dA_prev[0,3,1,0]: windows' sum"), "{}", out.stdout);
}
