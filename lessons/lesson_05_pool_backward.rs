//! Lesson 05: pooling backward, masks and distributed gradients.
//!
//! Pooling has nothing to learn, but its gradient must still reach the layer
//! before it. Max pooling sends each gradient to the one cell that won
//! (a mask); average pooling shares it equally. The notebook's
//! `create_mask_from_window`, `distribute_value` and `pool_backward`
//! (deeplearning.ai), hanbt's max-pooling backward, why the total gradient
//! must be preserved (seed 003), what ties do, and a finite-difference check.

use cnn_walkthrough::course::bugs::pool_backward;
use cnn_walkthrough::course::check::EXACT;
use cnn_walkthrough::course::gradcheck::numerical_gradient;
use cnn_walkthrough::course::second_way::{pool_backward_second_way, second_way, smallest_gap};
use cnn_walkthrough::course::show::pool_backward_cells;
use cnn_walkthrough::course::walkthrough::{pool_backward_notebook_cell, your_pool_backward};
use cnn_walkthrough::course::your_tensors::YourPool;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::{notebook, pooling_example};
use cnn_walkthrough::textbook::pool::{
    create_mask_from_window, distribute_value, pool_backward_by, pool_forward, PoolHparameters, PoolMode,
    PoolParams,
};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_05_POOL_BACKWARD, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    if let Some(yours) = YourPool::from_flags(l)? {
        return your_pool_backward(l, yours);
    }

    l.stage("create_mask_from_window and distribute_value (deeplearning.ai)");
    l.layout(Layout::Nhwc, None);
    l.say("  np.random.seed(1)\n  x = np.random.randn(2, 3)\n  mask = create_mask_from_window(x)  # x == np.max(x)\n");
    let x = RandomState::new(1).randn((2, 3));
    let mask = create_mask_from_window(&x.view());
    l.show("x =", &x.view());
    l.show("mask =", &mask.view());
    use notebook::create_mask_from_window::{MASK, X};
    l.check_arrays("x", &arr2(&X).view(), &x.view(), published(8));
    l.check_masks("mask", &arr2(&MASK).view(), &mask.view());
    l.say("\n  a = distribute_value(2, (2, 2))\n  # dz / (n_H · n_W) in every cell");
    let a = distribute_value(2.0, (2, 2));
    l.show("distributed value =", &a.view());
    l.check_exact("distribute_value(2, (2, 2))", &arr2(&notebook::distribute_value::A).view(), &a.view());

    l.stage("pool_backward on the notebook's cell (deeplearning.ai)");
    l.say(
        "  np.random.seed(1)\n  A_prev = np.random.randn(5, 5, 3, 2)\n  hparameters = {\"stride\" : 1, \"f\": 2}\n\
         \x20 A, cache = pool_forward(A_prev, hparameters)\n  dA = np.random.randn(5, 4, 2, 2)\n",
    );
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((5, 5, 3, 2));
    let (_, cache) = pool_forward(&a_prev.view(), PoolHparameters { f: 2, stride: 1 }, PoolMode::Max)?;
    let da = rng.randn((5, 4, 2, 2));
    l.value("mean of dA =", da.mean().unwrap_or(f64::NAN));
    use notebook::pool_backward::DA_MEAN;
    l.check_close("mean of dA", DA_MEAN, da.mean().unwrap_or(f64::NAN), published(12));
    pool_backward_notebook_cell(l, &da, &cache)?;

    l.stage("Window by window: hanbt's max-pooling example");
    l.say("The two channels of lesson 04, 2×2 windows, stride 2, with the article's upstream gradients:");
    let example = Array::from_shape_fn((1, 4, 4, 2), |(_, i, j, c)| pooling_example::INPUT[c][i][j]);
    let da = Array::from_shape_fn((1, 2, 2, 2), |(_, i, j, c)| pooling_example::SENSITIVITY[c][i][j]);
    let hp = PoolHparameters { f: 2, stride: 2 };
    let p = PoolParams::new(example.shape(), hp)?;
    let (_, cache) = pool_forward(&example.view(), hp, PoolMode::Max)?;
    l.walk_some(pool_backward_cells(&example.view(), &da.view(), &p, PoolMode::Max, l.width()), 2);
    let da_prev = pool_backward(l.bug(), &da.view(), &cache, PoolMode::Max)?;
    l.say("");
    for (c, published) in pooling_example::published::DELTA.iter().enumerate() {
        let channel = da_prev.slice(s![0, .., .., c]);
        l.show(&format!("dA_prev[0,:,:,{c}] ="), &channel);
        l.check_exact(&format!("max pool backward, channel {c}"), &arr2(published).view(), &channel);
    }
    let other = pool_backward_second_way(&da.view(), &cache, PoolMode::Max)?;
    let what = format!("max pool backward = {}", second_way(PoolMode::Max));
    l.check_exact(&what, &other.view(), &da_prev.view());

    l.say(&format!(
        "\nAverage pooling shares each gradient among the f²\u{a0}=\u{a0}{} cells of its window:",
        p.f * p.f
    ));
    l.walk_some(pool_backward_cells(&example.view(), &da.view(), &p, PoolMode::Average, l.width()), 1);
    let da_prev_avg = pool_backward(l.bug(), &da.view(), &cache, PoolMode::Average)?;
    l.say("");
    l.show("dA_prev[0,:,:,0] =", &da_prev_avg.slice(s![0, .., .., 0]));
    let copied = (hp.f * hp.f) as f64 * da.sum();
    l.say(&format!(
        "\nThe total is kept: Σ\u{a0}dA\u{a0}=\u{a0}{}, Σ\u{a0}dA_prev\u{a0}=\u{a0}{} for max and {} for average. \
         Copying dA into every cell instead of dividing it (the mistake seed 003 warns about) would \
         give {}: {}× too much, at every pooling layer the gradient passes.",
        da.sum(),
        da_prev.sum(),
        da_prev_avg.sum(),
        copied,
        hp.f * hp.f
    ));
    l.check_close("Σ dA_prev = Σ dA (max, example)", da.sum(), da_prev.sum(), EXACT);
    l.check_close("Σ dA_prev = Σ dA (average, example)", da.sum(), da_prev_avg.sum(), EXACT);

    l.stage("Ties");
    let tie = arr2(&[[3., 1.], [2., 3.]]);
    l.show("window =", &tie.view());
    l.erratum(&errata::TIED_MAXIMA);
    l.show("create_mask_from_window(window) =", &create_mask_from_window(&tie.view()).view());
    let tied = tie.clone().into_shape_with_order((1, 2, 2, 1)).expect("4 values");
    let (_, cache) = pool_forward(&tied.view(), hp, PoolMode::Max)?;
    let one = Array4::ones((1, 1, 1, 1));
    let notebooks = pool_backward_by(&one.view(), &cache, |window, da| {
        create_mask_from_window(window).mapv(|m| if m { da } else { 0.0 })
    })?;
    let back = pool_backward(l.bug(), &one.view(), &cache, PoolMode::Max)?;
    l.show("the notebook's pool_backward(dA = 1)[0,:,:,0] =", &notebooks.slice(s![0, .., .., 0]));
    l.show("first maximum only (np.argmax), as here =", &back.slice(s![0, .., .., 0]));
    l.say(&format!(
        "\nA gradient of 1 comes back as {} from the notebook's, as {} with the first maximum only. Max has no derivative \
         at a tie; any one of the tied cells is a valid choice (a subgradient). The library sends the gradient to \
         the first maximum in row-major order, as seeds 003 and 004, numpy's argmax and PyTorch do, so the total \
         is kept. Ties are rare with real-valued inputs.",
        notebooks.sum(),
        back.sum()
    ));
    l.check_close("a tie gets the gradient once", 1.0, back.sum(), EXACT);

    l.stage("Finite differences");
    let x = RandomState::new(3).randn((2, 4, 4, 2));
    let hp = PoolHparameters { f: 2, stride: 1 };
    let (a, cache) = pool_forward(&x.view(), hp, PoolMode::Max)?;
    let da = RandomState::new(4).randn(a.raw_dim());
    let eps = 1e-6;
    let gap = smallest_gap(&x.view(), &cache.params);
    l.say(&format!(
        "A random (2, 4, 4, 2) input, 2×2 windows, stride 1 (windows overlap), random dA; the loss \
         is E\u{a0}=\u{a0}Σ\u{a0}A\u{a0}⊙\u{a0}dA. Max pooling is linear near a point where no \
         window is close to a tie: here the two largest values of every window are at least \
         {gap:.2e} apart, far more than ε\u{a0}=\u{a0}{eps}."
    ));
    for mode in PoolMode::BOTH {
        let computed = pool_backward(l.bug(), &da.view(), &cache, mode)?;
        let loss =
            |x: &Array4<f64>| pool_forward(&x.view(), hp, mode).map_or(f64::NAN, |(a, _)| (&a * &da).sum());
        let expected = numerical_gradient(&x, eps, loss);
        // E sums a.len() products, each from a window of 4, of total size Σ|A ⊙ dA| + Σ|x|.
        let scale = (&a.mapv(f64::abs) * &da.mapv(f64::abs)).sum() + x.mapv(f64::abs).sum();
        let what = format!("{} pool backward = finite differences", mode.name());
        l.check_finite_differences(&what, &expected.view(), &computed.view(), (scale, a.len() * 4, eps));
    }
    l.check_that("no window near a tie (gap > 100·ε)", gap > 100.0 * eps, &format!("gap {gap:.2e}"));
    Ok(())
}
