//! Lesson 02: convolution forward, by loops.
//!
//! One window at a time: the notebook's `conv_single_step` and `conv_forward`
//! (seed 002), the worked 5×5×3 example of seed 004 cell by cell, and the
//! output size ⌊(n + 2p − f)/s⌋ + 1. With `--input/--weights/--bias` it walks
//! through your tensors instead and checks the loops against seed 004's
//! per-image `ConvLayer.forward`.

use cnn_walkthrough::course::bugs::{conv_single_step, Bug};
use cnn_walkthrough::course::show::{cells, conv_cell, output_size_table};
use cnn_walkthrough::course::walkthrough::your_conv_forward;
use cnn_walkthrough::course::windows::padded_channels;
use cnn_walkthrough::course::your_tensors::YourConv;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::notebook;
use cnn_walkthrough::reference::worked_example::{published, WorkedExample};
use cnn_walkthrough::textbook::conv::{conv_forward, Hparameters};
use cnn_walkthrough::textbook::padding::zero_pad;
use cnn_walkthrough::textbook::sensitivity::conv_forward_by_layer;

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_02_CONV_FORWARD, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    if let Some(yours) = YourConv::from_flags(l)? {
        return your_conv_forward(l, yours);
    }

    l.stage("conv_single_step: one window, one number (deeplearning.ai)");
    l.layout(Layout::Nhwc, None);
    l.say(
        "  np.random.seed(1)\n  a_slice_prev = np.random.randn(4, 4, 3)\n  W = np.random.randn(4, 4, 3)\n\
         \x20 b = np.random.randn(1, 1, 1)\n  Z = np.sum(a_slice_prev * W) + b\n",
    );
    let mut rng = RandomState::new(1);
    let a_slice_prev = rng.randn((4, 4, 3));
    let w = rng.randn((4, 4, 3));
    let b = rng.randn((1, 1, 1))[[0, 0, 0]];
    let z = conv_single_step(l.bug(), &a_slice_prev.view(), &w.view(), b);
    l.value("Z =", z);
    l.check_close("conv_single_step Z", notebook::conv_single_step::Z, z, published(11));

    let n = a_slice_prev.len();
    l.erratum(&errata::BIAS_INSIDE_SUM);
    l.say(&format!(
        "In the listing's own terms, the wrong line is the first:\n\
         \x20 c = np.multiply(a_slice_prev, W) + b   # b added {n} times\n  Z = np.sum(c)"
    ));
    let z_2017 = conv_single_step(Some(Bug::BiasInsideSum), &a_slice_prev.view(), &w.view(), b);
    l.value("np.sum(a_slice_prev * W + b) =", z_2017);
    l.say(&format!("which is Z\u{a0}+\u{a0}{}·b = {z:.8} + {}·({b:.8}).", n - 1, n - 1));
    let erratum = notebook::conv_single_step::Z_2017_ERRATUM;
    l.check_close("2017 erratum, np.sum(a*W + b)", erratum, z_2017, published(10));

    l.stage("The output size");
    let example = WorkedExample::new();
    let cell = Hparameters { pad: 2, stride: 2 };
    l.block(&output_size_table(
        &[("worked example", 5, 3, example.hparameters), ("notebook conv_forward cell", 4, 2, cell)],
        l.width(),
    ));
    errata::show_output_size_formula(l, 5, 3, example.hparameters.pad, example.hparameters.stride);

    l.stage("The worked 5×5×3 example, cell by cell (hanbt's CNN)");
    l.say("Input a (3 channels of 5×5), two 3×3×3 filters with biases 1 and 0, zero padding 1, stride 2.");
    l.say("The article stores one image as CHW; the notebook's layout (NHWC) holds the same numbers.\n");
    for d in 0..3 {
        l.show(&format!("a[{d}] ="), &example.a_prev.slice(s![0, .., .., d]));
    }
    let (z, _) =
        conv_forward(&example.a_prev.view(), &example.w.view(), &example.b.view(), example.hparameters)?;
    let a_prev_pad = zero_pad(&example.a_prev.view(), example.hparameters.pad);
    l.block(&format!(
        "\nPadded by 1, each channel is 7×7:\n{}",
        padded_channels(&a_prev_pad.slice(s![0, .., .., ..]), 1, "a_pad", l.width())
    ));
    let width = l.width();
    let all = cells(3, 3, 2).map(|(c, h, wi)| {
        conv_cell(
            &a_prev_pad.view(),
            &example.w.view(),
            &example.b.view(),
            (0, h, wi, c),
            example.hparameters,
            width,
        )
    });
    l.walk_some(all, 2);
    l.say("");
    // Published: hanbt's run of the worked example, one 3×3 map per filter.
    for (c, expected) in published::OUTPUT.iter().enumerate() {
        l.show(&format!("Z[0,:,:,{c}] ="), &z.slice(s![0, .., .., c]));
        l.check_exact(
            &format!("worked example, filter {c} output"),
            &arr2(expected).view(),
            &z.slice(s![0, .., .., c]),
        );
    }
    errata::show_hanbt_forward_faults(
        l,
        &example.a_prev.view(),
        &example.w.view(),
        &example.b.view(),
        example.hparameters,
    )?;

    l.stage("conv_forward on the notebook's cell (deeplearning.ai)");
    l.say(
        "  np.random.seed(1)\n  A_prev = np.random.randn(10, 4, 4, 3)\n  W = np.random.randn(2, 2, 3, 8)\n\
         \x20 b = np.random.randn(1, 1, 1, 8)\n  hparameters = {\"pad\" : 2, \"stride\": 2}\n",
    );
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((10, 4, 4, 3));
    let w = rng.randn((2, 2, 3, 8));
    let b = rng.randn((1, 1, 1, 8));
    let (z, cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), cell)?;
    l.shape("Z.shape =", z.shape());
    l.value("Z's mean =", z.mean().unwrap_or(f64::NAN));
    l.show("Z[3,2,1] =", &z.slice(s![3, 2, 1, ..]));
    l.show("cache_conv[0][1][2][3] =", &cache.a_prev.slice(s![1, 2, 3, ..]));
    l.save("Z", &z.view())?;
    let published_z_3_2_1 = notebook::conv_forward::Z_3_2_1;
    let published_a_prev_1_2_3 = notebook::conv_forward::A_PREV_1_2_3;
    l.check_equal("Z.shape", &format!("{:?}", notebook::conv_forward::Z_SHAPE), &format!("{:?}", z.dim()));
    l.check_close("Z's mean", notebook::conv_forward::Z_MEAN, z.mean().unwrap_or(f64::NAN), published(13));
    l.check_arrays("Z[3,2,1]", &arr1(&published_z_3_2_1).view(), &z.slice(s![3, 2, 1, ..]), published(8));
    l.check_arrays(
        "A_prev[1][2][3]",
        &arr1(&published_a_prev_1_2_3).view(),
        &cache.a_prev.slice(s![1, 2, 3, ..]),
        published(8),
    );
    let by_layer = conv_forward_by_layer(&a_prev.view(), &w.view(), &b.view(), cell)?;
    l.check_exact("loops = hanbt's ConvLayer.forward", &by_layer.view(), &z.view());
    Ok(())
}
