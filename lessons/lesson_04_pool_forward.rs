//! Lesson 04: pooling forward, max and average.
//!
//! A pooling layer slides an f×f window over each channel and keeps one
//! number per window: the largest, or the mean. The notebook's `pool_forward`
//! (deeplearning.ai), the CS231n max-pool figure and hanbt's two-channel
//! example window by window, and the output size ⌊(n − f)/s⌋ + 1. With
//! `--input A.npy --f F` it pools your tensor and checks the loops against a
//! second way of computing the same thing.

use cnn_walkthrough::course::second_way::{pool_forward_second_way, second_way};
use cnn_walkthrough::course::show::{output_size_table, pool_cells};
use cnn_walkthrough::course::walkthrough::your_pool_forward;
use cnn_walkthrough::course::windows::say_unread;
use cnn_walkthrough::course::your_tensors::YourPool;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::{notebook, pooling_example};
use cnn_walkthrough::textbook::conv::{row_list, windows_per_row, Hparameters};
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::textbook::pool::{pool_forward, PoolHparameters, PoolMode, PoolParams};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_04_POOL_FORWARD, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    if let Some(yours) = YourPool::from_flags(l)? {
        return your_pool_forward(l, yours);
    }

    l.stage("pool_forward on the notebook's cell (deeplearning.ai)");
    l.layout(Layout::Nhwc, None);
    l.say(
        "  np.random.seed(1)\n  A_prev = np.random.randn(2, 4, 4, 3)\n  hparameters = {\"stride\" : 2, \"f\": 3}\n",
    );
    let a_prev = RandomState::new(1).randn((2, 4, 4, 3));
    let hparameters = PoolHparameters { f: 3, stride: 2 };
    say_unread(l, (4, 4), (3, 3), Padding2D::uniform(0), 2);
    for (mode, values) in
        PoolMode::BOTH.iter().zip([notebook::pool_forward::MAX, notebook::pool_forward::AVERAGE])
    {
        let (a, _) = pool_forward(&a_prev.view(), hparameters, *mode)?;
        l.say(&format!("mode = {}", mode.name()));
        l.show("A =", &a.view());
        l.save(&format!("A_{}", mode.name()), &a.view())?;
        let expected = Array::from_shape_vec((2, 1, 1, 3), values.concat()).expect("2·3 values");
        l.check_arrays(&format!("A ({})", mode.name()), &expected.view(), &a.view(), published(8));
        let other = pool_forward_second_way(&a_prev.view(), hparameters, *mode)?;
        l.check_exact(&format!("A ({}) = {}", mode.name(), second_way(*mode)), &other.view(), &a.view());
        l.say("");
    }

    l.stage("Max pooling window by window (the CS231n figure, hanbt's CNN)");
    l.say("hanbt's two-channel example, 2×2 windows, stride 2. Channel 0 is the CS231n figure.\n");
    let example = Array::from_shape_fn((1, 4, 4, 2), |(_, i, j, c)| pooling_example::INPUT[c][i][j]);
    let hp = PoolHparameters { f: 2, stride: 2 };
    let p = PoolParams::new(example.shape(), hp)?;
    for c in 0..2 {
        l.show(&format!("A_prev[0,:,:,{c}] ="), &example.slice(s![0, .., .., c]));
    }
    let (a, _) = pool_forward(&example.view(), hp, PoolMode::Max)?;
    l.walk_some(pool_cells(&example.view(), &p, PoolMode::Max, l.width()), 4);
    l.say("");
    for (c, published) in pooling_example::published::OUTPUT.iter().enumerate() {
        l.show(&format!("A[0,:,:,{c}] ="), &a.slice(s![0, .., .., c]));
        l.check_exact(&format!("max pool, channel {c}"), &arr2(published).view(), &a.slice(s![0, .., .., c]));
    }
    let other = pool_forward_second_way(&example.view(), hp, PoolMode::Max)?;
    l.check_exact(&format!("max pool = {}", second_way(PoolMode::Max)), &other.view(), &a.view());

    l.stage("Average pooling of the same input");
    let (a, _) = pool_forward(&example.view(), hp, PoolMode::Average)?;
    l.walk_some(pool_cells(&example.view(), &p, PoolMode::Average, l.width()), 2);
    l.say("");
    for c in 0..2 {
        l.show(&format!("A[0,:,:,{c}] ="), &a.slice(s![0, .., .., c]));
    }
    l.say(
        "\nAverage pooling is a convolution whose weights are fixed: filter c holds \
         1/f²\u{a0}=\u{a0}1/4 on input channel c and 0 on the others. Computed that way:",
    );
    let other = pool_forward_second_way(&example.view(), hp, PoolMode::Average)?;
    l.show("conv_forward(A_prev, W = 1/f², b = 0)[0,:,:,0] =", &other.slice(s![0, .., .., 0]));
    l.check_exact(&format!("average pool = {}", second_way(PoolMode::Average)), &other.view(), &a.view());

    l.stage("Overlapping windows, and what pooling keeps");
    let no_pad = |stride| Hparameters { pad: 0, stride };
    l.block(&output_size_table(
        &[
            ("notebook cell, f 3, stride 2 (overlapping)", 4, 3, no_pad(2)),
            ("notebook cell, f 2, stride 2 (side by side)", 4, 2, no_pad(2)),
            ("8×8 input, f 3, stride 2 (overlapping)", 8, 3, no_pad(2)),
            ("8×8 input, f 2, stride 2 (side by side)", 8, 2, no_pad(2)),
        ],
        l.width(),
    ));
    let count = windows_per_row(8, 3, 0, 2);
    let rows_with = |k: usize| (0..8).filter(|&r| count[r] == k).collect::<Vec<_>>();
    l.say(&format!(
        "With f 3 and stride 2 on 8×8 the windows overlap: rows and columns {} are read by two windows.",
        row_list(&rows_with(2))
    ));
    say_unread(l, (8, 8), (3, 3), Padding2D::uniform(0), 2);
    l.say("Pooling has no weights to learn and works on each channel alone, so the channel count stays:");
    for f in [3, 2] {
        let (a, _) = pool_forward(&a_prev.view(), PoolHparameters { f, stride: 2 }, PoolMode::Max)?;
        l.say(&format!(
            "- f {f}, stride 2: A_prev {:?} → A {:?}; parameters: 0; channels:\u{a0}{}\u{a0}→\u{a0}{}",
            a_prev.dim(),
            a.dim(),
            a_prev.dim().3,
            a.dim().3
        ));
        l.check_equal(&format!("channels kept (f {f}, stride 2)"), a_prev.dim().3, a.dim().3);
    }
    Ok(())
}
