//! Lesson 03: convolution backward, by loops and by sensitivity maps.
//!
//! Every output cell sends its gradient back along the window it came from.
//! The notebook's loop `conv_backward` (seed 002); the worked example's
//! gradients and one step of gradient descent, then the same gradients the
//! way seed 004 teaches (expand, pad, cross-correlate with rotated filters);
//! and the article's finite-difference gradient check. With
//! `--input/--weights/--bias [--dz]` it does the same for your tensors.

use cnn_walkthrough::course::bugs::{conv_backward, sensitivity_backward};
use cnn_walkthrough::course::tensor::{filter_chw as chw, image_chw};
use cnn_walkthrough::course::walkthrough::{
    check_updated_filters, check_worked_example_by_finite_differences, derive_rotated_filter,
    say_why_scientific, show_crop, your_conv_backward,
};
use cnn_walkthrough::course::your_tensors::YourConv;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::notebook;
use cnn_walkthrough::reference::worked_example::{published, WorkedExample};
use cnn_walkthrough::textbook::conv::{conv_forward, Hparameters};
use cnn_walkthrough::textbook::sensitivity::ConvLayer;

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_03_CONV_BACKWARD, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    if let Some(yours) = YourConv::from_flags(l)? {
        return your_conv_backward(l, yours);
    }

    l.stage("conv_backward on the notebook's cell (deeplearning.ai)");
    l.layout(Layout::Nhwc, None);
    l.say(
        "For every image i, output cell (h, w) and filter c, with the window a_slice it read:\n\
         \x20 dA_prev_pad[i, window] += W[:,:,:,c] · dZ[i,h,w,c]\n\
         \x20 dW[:,:,:,c]            += a_slice · dZ[i,h,w,c]\n\
         \x20 db[:,:,:,c]            += dZ[i,h,w,c]\n\n\
         \x20 np.random.seed(1)\n  A_prev = randn(10,4,4,3)\n  W = randn(2,2,3,8)\n\
         \x20 b = randn(1,1,1,8)\n  hparameters = {\"pad\": 2, \"stride\": 2}\n\
         \x20 Z, cache_conv = conv_forward(A_prev, W, b, hparameters)\n\
         \x20 dZ = Z  # as the notebook does\n  dA, dW, db = conv_backward(dZ, cache_conv)\n",
    );
    let mut rng = RandomState::new(1);
    let (a_prev, w, b) = (rng.randn((10, 4, 4, 3)), rng.randn((2, 2, 3, 8)), rng.randn((1, 1, 1, 8)));
    let hparameters = Hparameters { pad: 2, stride: 2 };
    let (z, cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), hparameters)?;
    let grads = conv_backward(l.bug(), &z.view(), &cache)?;
    let mean = |a: &Array4<f64>| a.mean().unwrap_or(f64::NAN);
    l.value("dA_mean =", mean(&grads.d_a_prev));
    l.value("dW_mean =", mean(&grads.d_w));
    l.value("db_mean =", mean(&grads.d_b));
    l.save("dA_prev", &grads.d_a_prev.view())?;
    l.save("dW", &grads.d_w.view())?;
    l.save("db", &grads.d_b.view())?;
    use notebook::conv_backward::{DA_MEAN, DB_MEAN, DW_MEAN};
    l.check_close("dA_mean", DA_MEAN, mean(&grads.d_a_prev), published(11));
    l.check_close("dW_mean", DW_MEAN, mean(&grads.d_w), published(11));
    l.check_close("db_mean", DB_MEAN, mean(&grads.d_b), published(11));

    l.stage("The worked example: gradients and one update (hanbt's CNN)");
    l.layout(Layout::Chw, Some(Layout::Nhwc));
    let ex = WorkedExample::new();
    l.say("The 5×5×3 input and two filters of lesson 02, and the article's sensitivity map b = ∂E/∂Z:\n");
    for c in 0..2 {
        l.show(&format!("b[{c}] ="), &ex.dz.slice(s![0, .., .., c]));
    }
    let (_, cache) = conv_forward(&ex.a_prev.view(), &ex.w.view(), &ex.b.view(), ex.hparameters)?;
    let grads = conv_backward(l.bug(), &ex.dz.view(), &cache)?;
    let d_w = [chw(&grads.d_w, 0), chw(&grads.d_w, 1)];
    let (d_b, d_a_prev) = (grads.d_b.slice(s![0, 0, 0, ..]), image_chw(&grads.d_a_prev.view(), 0));
    l.say("\nBy the loops of conv_backward, filters shown channels first as the article stores them:");
    for (c, reference) in published::WEIGHTS_GRAD.iter().enumerate() {
        l.show(&format!("dW of filter {c} ="), &d_w[c].view());
        l.check_exact(&format!("worked example dW, filter {c}"), &arr3(reference).view(), &d_w[c].view());
    }
    l.show("db =", &d_b);
    show_crop(l, &d_a_prev.view(), (&ex.dz.view(), &cache))?;
    l.check_exact("worked example db", &arr1(&published::BIAS_GRAD).view(), &d_b);
    l.check_exact("worked example dA_prev", &arr3(&published::DELTA).view(), &d_a_prev.view());

    let eta = ex.learning_rate;
    l.say(&format!("\nOne step of gradient descent, learning rate {eta}: W ← W − η·dW, b ← b − η·db\n"));
    let (w_new, b_new) = (&ex.w - &(eta * &grads.d_w), &ex.b - &(eta * &grads.d_b));
    check_updated_filters(l, "updated", |c| chw(&w_new, c), |c| b_new[[0, 0, 0, c]]);
    say_why_scientific(l, &chw(&w_new, 1).view());

    l.stage("The same gradients by sensitivity maps (hanbt's CNN)");
    let mut layer = ConvLayer::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters)?;
    let (input, dz) = (image_chw(&ex.a_prev.view(), 0), image_chw(&ex.dz.view(), 0));
    let steps = sensitivity_backward(l.bug(), &layer, &input.view(), &dz.view())?;
    l.say(&format!(
        "1. Expand each 3×3 sensitivity map for stride 2 to the size a stride-1 output would have, \
         5\u{a0}+\u{a0}2·1\u{a0}−\u{a0}3\u{a0}+\u{a0}1\u{a0}=\u{a0}{}: δ[i,\u{a0}j] goes to \
         (2i,\u{a0}2j), zeros between.\n",
        steps.expanded.dim().2
    ));
    l.show_side_by_side(&[
        ("expanded[0]", steps.expanded.slice(s![0, .., ..])),
        ("expanded[1]", steps.expanded.slice(s![1, .., ..])),
    ]);
    l.say(&format!(
        "\n2. Zero-pad by zp\u{a0}=\u{a0}f\u{a0}−\u{a0}1\u{a0}−\u{a0}pad\u{a0}=\u{a0}{}\u{a0}−\u{a0}1\u{a0}−\u{a0}{}\u{a0}=\u{a0}{}, \
         so that a valid cross-correlation with a {0}×{0} filter gives back the 5×5 input: a \
         \"full\" convolution, less the input's padding, whose cells also get gradients that go \
         nowhere.\n",
        layer.f(),
        layer.zero_padding,
        steps.zp
    ));
    l.show("padded[0] =", &steps.padded.slice(s![0, .., ..]));
    errata::show_python_2(l, input.dim().2, layer.f(), steps.expanded.dim().2);
    l.say("\n3. Turn each filter channel by 180° and cross-correlate the padded map with it; sum over filters.\n");
    l.show_side_by_side(&[
        ("filter 0, channel 0", layer.weights.slice(s![0, 0, .., ..])),
        ("turned 180°", steps.flipped.slice(s![0, 0, .., ..])),
        ("padded[0] ⋆ turned", steps.delta_per_filter.slice(s![0, 0, .., ..])),
    ]);
    l.say("");
    l.show("delta_array = Σ over filters =", &steps.delta_array.view());
    derive_rotated_filter(l, (&cache, &ex.dz.view()), &input.view(), &steps);
    l.say("\n4. Weight gradient: the padded input cross-correlated with the expanded map. Bias gradient: its sum.\n");
    l.show("weights_grad[0] =", &steps.weights_grad.slice(s![0, .., .., ..]));
    l.show("bias_grad =", &steps.bias_grad.view());
    l.check_exact("sensitivity maps dA_prev = loops", &d_a_prev.view(), &steps.delta_array.view());
    for (c, by_loops) in d_w.iter().enumerate() {
        let by_maps = steps.weights_grad.slice(s![c, .., .., ..]);
        l.check_exact(&format!("sensitivity maps dW, filter {c} = loops"), &by_loops.view(), &by_maps);
    }
    l.check_exact("sensitivity maps db = loops", &d_b, &steps.bias_grad.view());
    layer.update(ex.learning_rate, &steps.weights_grad, &steps.bias_grad);
    l.say("\nAfter cl.update(), the article prints:");
    let (weights, biases) = (&layer.weights, &layer.biases);
    check_updated_filters(
        l,
        "ConvLayer.update",
        |c| weights.slice(s![c, .., .., ..]).to_owned(),
        |c| biases[c],
    );

    l.stage("Gradient check by finite differences (hanbt's CNN)");
    check_worked_example_by_finite_differences(l, &ex, 1e-3)?;
    Ok(())
}
