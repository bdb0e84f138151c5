//! Lesson 01: zero padding.
//!
//! Padding keeps a convolution's output as tall and wide as its input and
//! lets the windows use the pixels at the edge. The notebook's `zero_pad`
//! (seed 002), ML-From-Scratch's `ConstantPadding2D` with its backward pass
//! (seed 000) and its `determine_padding` (seed 001).

use cnn_walkthrough::course::gradcheck::numerical_gradient;
use cnn_walkthrough::course::windows::before_and_after_padding;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::{ml_from_scratch, notebook};
use cnn_walkthrough::textbook::conv::output_size;
use cnn_walkthrough::textbook::padding::{determine_padding, zero_pad, ConstantPadding2D, PaddingMode};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_01_ZERO_PAD, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("zero_pad, as in the notebook (deeplearning.ai)");
    l.layout(Layout::Nhwc, None);
    l.say("  np.random.seed(1)\n  x = np.random.randn(4, 3, 3, 2)\n  x_pad = zero_pad(x, 2)\n");
    let x = RandomState::new(1).randn((4, 3, 3, 2));
    let x_pad = zero_pad(&x.view(), 2);
    l.shape("x.shape =", x.shape());
    l.shape("x_pad.shape =", x_pad.shape());
    l.show("x[1,1] =", &x.slice(s![1, 1, .., ..]));
    l.show("x_pad[1,1] =", &x_pad.slice(s![1, 1, .., ..]));
    l.save("x_pad", &x_pad.view())?;

    let published_shape = format!("{:?}", notebook::zero_pad::X_PAD_SHAPE);
    l.check_equal("x_pad.shape", &published_shape, &format!("{:?}", x_pad.dim()));
    let published_x_1_1 = arr2(&notebook::zero_pad::X_1_1);
    l.check_arrays("x[1,1]", &published_x_1_1.view(), &x.slice(s![1, 1, .., ..]), published(8));
    l.check_arrays(
        "x_pad[1,1] (all padding)",
        &Array2::zeros((7, 2)).view(),
        &x_pad.slice(s![1, 1, .., ..]),
        0.0,
    );
    l.check_arrays("x_pad[:, 2:5, 2:5, :] = x", &x.view(), &x_pad.slice(s![.., 2..5, 2..5, ..]), 0.0);

    l.stage("One channel of one image, before and after padding");
    l.say("x[1, :, :, 0] is a 3×3 image; zero_pad surrounds it with 2 rows and columns of zeros:\n");
    let (before, after) =
        (("x[1, :, :, 0]", x.slice(s![1, .., .., 0])), ("x_pad[1, :, :, 0]", x_pad.slice(s![1, .., .., 0])));
    l.block(&before_and_after_padding(before, after, 2, l.width()));

    l.stage("Constant padding, any amount on each side (ML-From-Scratch)");
    l.say(
        "ConstantPadding2D pads the height and width of NCHW images (batch, channels, height, \
         width), with ((top, bottom), (left, right)) rows and columns of a constant: here \
         ((1,\u{a0}0), (2,\u{a0}1)) of 9.\n",
    );
    let img = Array::from_shape_fn((1, 1, 2, 3), |(_, _, i, j)| (3 * i + j + 1) as f64);
    let layer = ConstantPadding2D::new(((1, 0), (2, 1)), 9.0);
    let padded = layer.forward(&img.view());
    l.show("X[0,0] =", &img.slice(s![0, 0, .., ..]));
    l.show("ConstantPadding2D(((1, 0), (2, 1)), 9).forward(X)[0,0] =", &padded.slice(s![0, 0, .., ..]));
    l.check_equal("padded shape (1, 1, 2+1+0, 3+2+1)", "(1, 1, 3, 6)", &format!("{:?}", padded.dim()));

    l.say(
        "\nBackward: the padded cells are constants, so they get no gradient. The gradient of the \
         input is the output's gradient cropped back:\n\
         \x20 accum_grad[:, :, top:top+h, left:left+w]\n",
    );
    let accum_grad = Array::from_shape_fn(padded.raw_dim(), |(_, _, i, j)| (10 * i + j) as f64);
    let grad = layer.backward(&accum_grad.view())?;
    l.show("accum_grad[0,0] =", &accum_grad.slice(s![0, 0, .., ..]));
    l.show("backward(accum_grad)[0,0] =", &grad.slice(s![0, 0, .., ..]));
    // L(X) = Σ accum_grad ⊙ pad(X): its gradient, by finite differences.
    let numeric = numerical_gradient(&img, 1e-3, |x| (&layer.forward(&x.view()) * &accum_grad).sum());
    l.check_arrays("backward = finite differences", &numeric.view(), &grad.view(), 1e-9);

    l.say("\nThe article's case: an input (1, 3, 32, 32) padded ((1, 1), (1, 1)) gets back\n  accum_grad[:, :, 1:33, 1:33]");
    let zero_padding = ConstantPadding2D::zeros(((1, 1), (1, 1)));
    let accum_grad = RandomState::new(0).randn((1, 3, 34, 34));
    let grad = zero_padding.backward(&accum_grad.view())?;
    l.check_equal("gradient shape of a (1, 3, 32, 32) input", "(1, 3, 32, 32)", &format!("{:?}", grad.dim()));
    l.check_arrays(
        "gradient = accum_grad[:, :, 1:33, 1:33]",
        &accum_grad.slice(s![.., .., 1..33, 1..33]),
        &grad.view(),
        0.0,
    );

    l.stage("'same' and 'valid' padding (ML-From-Scratch)");
    l.say(
        "determine_padding pads so that a stride-1 convolution keeps the size ('same'): \
         pad_h\u{a0}=\u{a0}f_h\u{a0}−\u{a0}1 in all, ⌊(f_h−1)/2⌋ above and ⌈(f_h−1)/2⌉ below; \
         'valid' pads nothing. Output size on an 8×8 input, stride 1:\n\
         \x20 ⌊(8 + pad_h − f)/1⌋ + 1\n",
    );
    let mut rows = vec![];
    for f in [2, 3, 4, 5] {
        let same = determine_padding((f, f), PaddingMode::Same);
        let valid = determine_padding((f, f), PaddingMode::Valid);
        let out_same = (8 + same.rows() - f) + 1;
        let out_valid = output_size(8, f, 0, 1);
        let (sizes, same_out, valid_out) =
            (format!("{f}×{f}"), format!("{out_same}×{out_same}"), format!("{out_valid}×{out_valid}"));
        rows.push(format!("{sizes:<6}  {same:<16}  {same_out:<6}  {valid:<16}  {valid_out}"));
        l.check_equal(&format!("'same' output of a {f}×{f} filter on 8×8"), 8, out_same);
    }
    l.block(&format!("filter  'same'            output  'valid'           output\n{}", rows.join("\n")));
    l.say("\nEven filters cannot pad evenly: the extra row goes below and the extra column to the right.");
    l.check_equal(
        "determine_padding((2, 2), 'same')",
        &format!("{:?}", ml_from_scratch::SAME_PADDING_2X2),
        &determine_padding((2, 2), PaddingMode::Same).to_string(),
    );
    Ok(())
}
