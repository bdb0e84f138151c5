//! Lesson 07: convolution as one matrix product.
//!
//! ML-From-Scratch's `Conv2D` (seed 001): im2col turns every window into a
//! column, so the forward pass is `W_col · X_col + w0` and the backward pass
//! is two more matrix products and `column_to_image`. The same numbers as the
//! loops of lessons 02 and 03, and (`--bench`) how much faster.

use cnn_walkthrough::course::check::largest;
use cnn_walkthrough::course::walkthrough::{
    bench_command, bench_loops_against_im2col, check_conv2d_worked_example, your_conv2d,
};
use cnn_walkthrough::course::windows::say_unread;
use cnn_walkthrough::course::your_tensors::YourConv2D;
use cnn_walkthrough::fast::conv2d::Conv2D as FastConv2D;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::ml_from_scratch::conv2d as article;
use cnn_walkthrough::reference::worked_example::WorkedExample;
use cnn_walkthrough::textbook::conv2d::Conv2D;
use cnn_walkthrough::textbook::im2col::{column_to_image, image_to_column};
use cnn_walkthrough::textbook::padding::PaddingMode;

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_07_CONV2D_IM2COL, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    if l.is_bench() {
        return bench_loops_against_im2col(l);
    }
    if let Some(yours) = YourConv2D::from_flags(l)? {
        return your_conv2d(l, yours);
    }

    l.stage("Forward, step by step (ML-From-Scratch)");
    l.layout(Layout::Nchw, None);
    l.say(
        "  image = np.random.randint(0, 255, size=(1, 3, 32, 32))\n\
         \x20 conv2d = Conv2D(16, (3, 3), input_shape=(3, 32, 32),\n                  padding='same', stride=1)\n",
    );
    let mut rng = RandomState::new(0);
    let image = rng.randint(0, 255, (1, 3, 32, 32))?.mapv(|v| v as f64);
    let layer = Conv2D::initialize(16, 3, (3, 3), PaddingMode::Same, 1, &mut rng)?;
    let x_col = image_to_column(&image.view(), (3, 3), 1, layer.padding)?;
    let product = layer.w_col().dot(&x_col) + &layer.w0;
    let (output, cache) = layer.forward(&image.view())?;
    l.shape("X.shape =", image.shape());
    l.shape("X_col = image_to_column(X, (3, 3), stride=1, 'same'):", x_col.shape());
    l.shape("W.shape =", layer.w.shape());
    l.shape("W_col = W.reshape((n_filters, -1)):", layer.w_col().shape());
    l.shape("output = W_col.dot(X_col) + w0:", product.shape());
    let (_, n_f, out_h, out_w) = output.dim();
    let reshaped = product.into_shape_with_order((n_f, out_h, out_w, 1)).expect("n_f·out_h·out_w");
    l.shape("output.reshape(self.output_shape() + (batch_size,)):", reshaped.shape());
    let by_steps = reshaped.permuted_axes([3, 0, 1, 2]);
    l.shape("output.transpose(3, 0, 1, 2):", by_steps.shape());
    let (big_x, big_w) = (largest(&image.view()), largest(&layer.w.view()));
    // Training's Conv2D (fast::conv2d) computes the same products a few images at a time.
    let (fast, _) = FastConv2D::<f64>::of(&layer).forward(&image.view())?;
    l.check_same_sums("the steps = training's Conv2D", &by_steps.view(), &fast.view(), (28, big_x * big_w));
    let same = format!("{:?}", article::OUTPUT_SHAPE_SAME_STRIDE_1);
    l.check_equal("'same', stride 1: output shape", &same, &format!("{:?}", output.dim()));
    for (stride, expected) in
        [(1, article::OUTPUT_SHAPE_VALID_STRIDE_1), (2, article::OUTPUT_SHAPE_VALID_STRIDE_2)]
    {
        let other = Conv2D::initialize(16, 3, (3, 3), PaddingMode::Valid, stride, &mut rng)?;
        let (out, _) = other.forward(&image.view())?;
        l.shape(&format!("'valid', stride {stride}: output shape"), out.shape());
        say_unread(l, (32, 32), (3, 3), other.padding, stride);
        l.check_equal(
            &format!("'valid', stride {stride}: output shape"),
            &format!("{expected:?}"),
            &format!("{:?}", out.dim()),
        );
    }
    l.say(&format!(
        "parameters = fh·fw·channels·n_filters + n_filters = 3·3·3·16 + 16 = {}",
        layer.parameters()
    ));
    l.check_equal("conv2d.parameters()", article::PARAMETERS, layer.parameters());
    let (by_loops, _) = layer.forward_by_loops(&image.view())?;
    let for_output = (x_col.dim().0 + 1, big_x * big_w);
    l.check_same_sums("Conv2D = the loops of lesson 02", &by_loops.view(), &output.view(), for_output);

    l.stage("Backward as matrix products");
    l.say(
        "With accum_grad the gradient of the output, in column shape\n\
         \x20 δ = accum_grad.transpose(1, 2, 3, 0)\n        .reshape(n_filters, -1)\n\
         \x20 grad_W  = δ · X_colᵀ, reshaped like W\n\
         \x20 grad_w0 = the row sums of δ\n\
         \x20 grad_X  = column_to_image(W_colᵀ · δ)\n",
    );
    let accum_grad = rng.randn(output.raw_dim());
    let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]).as_standard_layout().into_owned();
    let delta = delta.into_shape_with_order((16, x_col.dim().1)).expect("one column per window");
    let grad_w = delta.dot(&x_col.t());
    let grad_cols = layer.w_col().t().dot(&delta);
    let grad_x = column_to_image(&grad_cols.view(), image.shape(), (3, 3), 1, layer.padding)?;
    l.shape("δ:", delta.shape());
    l.shape("grad_W = δ · X_colᵀ:", grad_w.shape());
    let grad_w0 = delta.sum_axis(Axis(1)).insert_axis(Axis(1));
    l.shape("grad_w0 = np.sum(δ, axis=1, keepdims=True):", grad_w0.shape());
    l.shape("W_colᵀ · δ:", grad_cols.shape());
    l.shape("column_to_image(W_colᵀ · δ):", grad_x.shape());
    let grads = layer.backward(&accum_grad.view(), &cache)?;
    let grad_w = grad_w.into_shape_with_order(layer.w.raw_dim()).expect("W's size");
    // grad_W and grad_w0 sum over every window; grad_X over 16 filters of 3×3 weights.
    let (n, big_d) = (delta.dim().1, largest(&accum_grad.view()));
    let (for_w, for_w0, for_x) = ((n, big_x * big_d), (n, big_d), (16 * 9, big_w * big_d));
    l.check_same_sums("the steps = Conv2D.backward: grad_W", &grad_w.view(), &grads.grad_w.view(), for_w);
    l.check_same_sums("the steps = Conv2D.backward: grad_w0", &grad_w0.view(), &grads.grad_w0.view(), for_w0);
    l.check_same_sums("the steps = Conv2D.backward: grad_X", &grad_x.view(), &grads.grad_input.view(), for_x);
    l.say(
        "\nTraining's Conv2D (fast::conv2d) makes the same products a few images at a time, each \
         image's columns side by side (image_to_column_by_image), so that each product lands in its \
         images' output without the transposes, stays in cache, and the two halves of a batch run \
         on two cores.",
    );
    let (_, loop_cache) = layer.forward_by_loops(&image.view())?;
    let by_loops = layer.backward_by_loops(&accum_grad.view(), &loop_cache)?;
    l.check_same_sums(
        "grad_W = the loops of lesson 03",
        &by_loops.grad_w.view(),
        &grads.grad_w.view(),
        for_w,
    );
    l.check_same_sums("grad_w0 = the loops", &by_loops.grad_w0.view(), &grads.grad_w0.view(), for_w0);
    l.check_same_sums("grad_X = the loops", &by_loops.grad_input.view(), &grads.grad_input.view(), for_x);
    l.save("output", &output.view())?;
    l.save("grad_input", &grads.grad_input.view())?;
    l.save("grad_W", &grads.grad_w.view())?;
    l.save("grad_w0", &grads.grad_w0.view())?;

    l.stage("The worked 5×5×3 example through Conv2D (hanbt's CNN)");
    let ex = WorkedExample::new();
    let layer = Conv2D::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters)?;
    let x = ex.a_prev.view().permuted_axes([0, 3, 1, 2]).to_owned();
    let (out, cache) = layer.forward(&x.view())?;
    let grads = layer.backward(&ex.dz.view().permuted_axes([0, 3, 1, 2]), &cache)?;
    let w_new = &layer.w - &(ex.learning_rate * &grads.grad_w);
    let w0_new = &layer.w0 - &(ex.learning_rate * &grads.grad_w0);
    for c in 0..2 {
        l.show(&format!("output[0,{c}] ="), &out.slice(s![0, c, .., ..]));
    }
    l.show("W after one update, filter 0 =", &w_new.slice(s![0, .., .., ..]));
    l.show("w0 after one update =", &w0_new.column(0));
    check_conv2d_worked_example(l, &out, &grads, &w_new, &w0_new);
    l.say(&format!("\nFor the speed of all this against the loops:\n{}", bench_command(l.info.name)));
    Ok(())
}
