//! Lesson 09: the rest of a network.
//!
//! The pieces ML-From-Scratch builds around the convolution: activation
//! functions and their derivatives, softmax's Jacobian, the losses (and why
//! softmax and cross entropy must be computed together), and the layers:
//! Dense, Flatten, Dropout, BatchNormalization, the padding layers and the
//! activation layer, each with its parameter count, a card of its forward
//! and backward formulas, and a finite-difference check of its backward pass.

use cnn_walkthrough::course::bugs::batch_norm_forward;
use cnn_walkthrough::course::tensor::channel_mean_std;
use cnn_walkthrough::course::walkthrough::{
    activation_table, check_activation_gradients, check_batch_norm_inference, check_batch_normalized,
    check_layer, check_loss_gradients, check_padding_crop, formula_card, recheck_layer,
    show_batch_norm_terms, show_inverted_dropout,
};
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::textbook::activations::{softmax_jacobian, Activation};
use cnn_walkthrough::textbook::layers::{
    ActivationLayer, BatchNormalization, Dense, Dropout, Flatten, Layer, PaddingLayer,
};
use cnn_walkthrough::textbook::losses::{
    cross_entropy, cross_entropy_gradient, naive_softmax_cross_entropy, softmax_cross_entropy,
    softmax_cross_entropy_gradient, square_loss, square_loss_gradient, SOFTMAX_CROSS_ENTROPY,
};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_09_LAYERS, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("Activation functions (ML-From-Scratch)");
    l.layout(Layout::Rows, None);
    let x = arr1(&[-2.0, -0.5, 0.0, 0.5, 2.0]);
    l.show("x =", &x.view());
    l.block(&activation_table(&x.view(), l.width()));
    let relu_at_0 = Activation::ReLU.gradient(&arr1(&[0.0]).view())[0];
    l.say(&format!(
        "relu has no slope at 0; any in [0,\u{a0}1] is a subgradient. Its f'(0) here is {relu_at_0}, the \
         source's np.where(x\u{a0}>=\u{a0}0,\u{a0}1,\u{a0}0); PyTorch's is 0 (it passes the gradient only \
         where x\u{a0}>\u{a0}0). It matters only where an input is exactly 0."
    ));
    l.check_close("relu f'(0) = 1, as the source's x >= 0", 1.0, relu_at_0, 0.0);
    check_activation_gradients(l)?;

    l.stage("Softmax's Jacobian");
    let z = arr1(&[1.0, 2.0, 3.0]);
    let p = Activation::Softmax.forward(&z.view());
    let jacobian = softmax_jacobian(&z.view());
    l.show("z =", &z.view());
    l.show("p = softmax(z) =", &p.view());
    l.say("The Jacobian ∂p_i/∂z_j = diag(p) − p pᵀ:");
    l.show("J =", &jacobian.view());
    l.erratum(&errata::SOFTMAX_DIAGONAL);
    l.show("the source's gradient, p(1 − p) =", &Activation::Softmax.gradient(&z.view()).view());
    let y = arr1(&[0.0, 0.0, 1.0]);
    l.show("\nFor the one-hot target y =", &y.view());
    l.say(
        "the source chains the diagonal with its cross-entropy gradient \
         −y/p\u{a0}+\u{a0}(1−y)/(1−p), element-wise, and the two errors cancel:\n\
         \x20 (−y/p + (1−y)/(1−p))·p(1−p) = −y(1−p) + (1−y)p\n\
         \x20                             = p − y\n\
         The full Jacobian with the categorical cross-entropy gradient −y/p gives p\u{a0}−\u{a0}y \
         too: Jᵀ(−y/p)\u{a0}=\u{a0}p\u{a0}−\u{a0}y, because Σ\u{a0}y\u{a0}=\u{a0}1.",
    );
    let source_chain =
        &cross_entropy_gradient(&y.view(), &p.view())? * &Activation::Softmax.gradient(&z.view());
    let true_chain = jacobian.t().dot(&(-(&y / &p)));
    l.show("source's chain =", &source_chain.view());
    l.show("Jᵀ · (−y/p) =", &true_chain.view());
    // Each element adds up to 3 products, none larger than 1: y(1 − p), (1 − y)p, p_i(δ_ij − p_j)·y_j/p_j.
    let chain = (3, 1.0);
    l.check_same_sums("source's chain = p − y", &(&p - &y).view(), &source_chain.view(), chain);
    l.check_same_sums("full Jacobian chain = p − y", &(&p - &y).view(), &true_chain.view(), chain);

    l.stage("Losses");
    let (target, pred) = (arr1(&[0.0, 1.0, 0.0]), arr1(&[0.2, 0.7, 0.1]));
    l.show("y =", &target.view());
    l.show("p =", &pred.view());
    l.show("square loss 0.5 (y − p)² =", &square_loss(&target.view(), &pred.view())?.view());
    l.show("its gradient −(y − p) =", &square_loss_gradient(&target.view(), &pred.view())?.view());
    l.say("cross entropy −y log p − (1−y) log(1−p):");
    l.show("CE =", &cross_entropy(&target.view(), &pred.view())?.view());
    l.show(
        "its gradient −y/p + (1−y)/(1−p) =",
        &cross_entropy_gradient(&target.view(), &pred.view())?.view(),
    );
    check_loss_gradients(l, &target, &pred)?;

    let card = formula_card(&SOFTMAX_CROSS_ENTROPY);
    l.say(&format!("\nSoftmax then cross entropy, as one layer from logits z:\n{card}\nAt extreme values:"));
    let one_hot = arr2(&[[0.0, 1.0, 0.0]]);
    let logits = arr2(&[[1000.0, -1000.0, 0.0]]);
    let naive = naive_softmax_cross_entropy(&one_hot.view(), &logits.view())?;
    let stable = softmax_cross_entropy(&one_hot.view(), &logits.view())?;
    let gradient = softmax_cross_entropy_gradient(&one_hot.view(), &logits.view())?;
    l.show("z =", &logits.view());
    l.show("naive −Σ y log(e^z / Σ e^z) =", &naive.view());
    l.show("stable logsumexp(z) − Σ y z =", &stable.view());
    l.show("gradient softmax(z) − y =", &gradient.view());
    l.say("e^1000 overflows to inf, and inf/inf is NaN; subtracting the largest logit first keeps every exponent ≤\u{a0}0. The loss is large (the network is confidently wrong) but finite, and so is its gradient.");
    l.check_that("naive loss is not finite", !naive.iter().all(|v| v.is_finite()), &format!("{}", naive[0]));
    l.check_close("stable loss", 2000.0, stable[0], 1e-9);
    // e^(−1000) and e^(−2000) underflow to 0, so softmax(z) is exactly (1, 0, 0).
    l.check_exact("stable gradient = p − y", &arr2(&[[1.0, -1.0, 0.0]]).view(), &gradient.view());

    l.stage("Layers, each checked by finite differences");
    let mut rng = RandomState::new(10);
    let dense = Dense::new(5, 3, &mut rng);
    check_layer(l, "Dense(5 → 3)", dense, rng.randn((4, 5)))?;
    check_layer(l, "Flatten", Flatten::default(), rng.randn((2, 3, 4, 4)))?;
    check_layer(l, "Dropout(p = 0.25), training", Dropout::new(0.25, 7)?, rng.randn((4, 6)))?;
    check_layer(l, "BatchNormalization, per channel", BatchNormalization::new(3), rng.randn((4, 3, 5, 5)))?;
    recheck_layer(l, "BatchNormalization, per feature", BatchNormalization::new(5), rng.randn((8, 5)))?;
    let zeros = PaddingLayer::zeros(((1, 2), (0, 1)));
    check_layer(l, "ZeroPadding2D(((1, 2), (0, 1)))", zeros, rng.randn((2, 2, 3, 3)))?;
    check_padding_crop(l, &mut rng)?;
    let fives = PaddingLayer::constant((1, 1), 5.0);
    recheck_layer(l, "ConstantPadding2D((1, 1), 5)", fives, rng.randn((1, 2, 3, 3)))?;
    check_layer(l, "Activation(tanh)", ActivationLayer::new(Activation::TanH), rng.randn((3, 4)))?;

    show_inverted_dropout(l)?;

    let (c, h, w, mut bn) = (16, 8, 8, BatchNormalization::new(3));
    l.erratum(&errata::BATCH_NORM_PER_ELEMENT);
    l.say(&format!(
        "BatchNormalization here has one γ and one β per channel: for a ({c},\u{a0}{h},\u{a0}{w}) \
         input, {} parameters, where the source's has 2·{c}·{h}·{w}\u{a0}=\u{a0}{}. Its eps and \
         momentum are kept as the source's, eps\u{a0}=\u{a0}{} and momentum\u{a0}=\u{a0}{}, so \
         that its numbers compare with the source's.\n\nBatchNormalization at work, per channel:",
        BatchNormalization::new(c).parameters(),
        2 * c * h * w,
        bn.eps,
        bn.momentum
    ));
    let batch = rng.randn((6, 3, 4, 4)).mapv(|v| 3.0 * v + 2.0).into_dyn();
    let y = bn.forward(&batch, true)?;
    let (mean, std) = channel_mean_std(&y);
    l.say("a batch (6, 3, 4, 4) with mean 2 and standard deviation 3, in training mode:");
    l.show("channel means =", &mean.view());
    l.show("channel standard deviations =", &std.view());
    l.show(&format!("running mean (momentum {}) =", bn.momentum), &bn.running_mean.view());
    check_batch_normalized(l, &batch, &y, bn.eps);
    show_batch_norm_terms(l, &mut bn, &batch, &rng.randn((6, 3, 4, 4)).into_dyn())?;
    let test = rng.randn((2, 3, 4, 4)).mapv(|v| 3.0 * v + 5.0).into_dyn();
    let y = batch_norm_forward(l.bug(), &mut bn, &test, false)?;
    check_batch_norm_inference(l, &bn, &test, &y);
    Ok(())
}
