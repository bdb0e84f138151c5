//! Lesson 08: pooling by im2col.
//!
//! ML-From-Scratch's `MaxPooling2D` and `AveragePooling2D` (seed 003): fold
//! batch and channels together, one column per window, keep each column's
//! argmax or mean; backward, put the gradient back into the columns and add
//! them onto the image with `column_to_image`. The same numbers as the loops
//! of lessons 04 and 05.

use cnn_walkthrough::course::numpy_fmt::shape_str;
use cnn_walkthrough::course::tensor::{nchw, nhwc};
use cnn_walkthrough::course::windows::say_unread;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::pooling_example;
use cnn_walkthrough::textbook::padding::{determine_padding, Padding2D, PaddingMode};
use cnn_walkthrough::textbook::pool::{pool_backward, pool_forward, PoolHparameters, PoolMode};
use cnn_walkthrough::textbook::pool2d::{pool_by_definition, Pooling2D};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_08_POOL_IM2COL, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("The source's layer, and what was wrong with it");
    l.layout(Layout::Nchw, None);
    l.erratum(&errata::POOL_PADDING);
    l.say("What determine_padding((2, 2), output_shape) gives for each value it can be handed:");
    let rows: Vec<Vec<String>> = ["'same'", "'valid'", "0"]
        .iter()
        .map(|given| match given.trim_matches('\'').parse::<PaddingMode>() {
            Ok(mode) => vec![given.to_string(), determine_padding((2, 2), mode).to_string()],
            Err(_) => vec![given.to_string(), "None: pad_h, pad_w = None fails".into()],
        })
        .collect();
    l.table(&["output_shape", "returns"], &rows);
    l.say(
        "Here the padding is a choice of 'same' or 'valid' (an enum, PaddingMode), so a number \
         cannot be passed by mistake, and pooling never pads. Not a fault, but note: the source's \
         default stride is 1, so its 2×2 windows overlap; here the stride defaults to the window.",
    );

    l.stage("Max pooling by im2col: hanbt's two-channel example");
    let x = Array::from_shape_fn((1, 2, 4, 4), |(_, c, i, j)| pooling_example::INPUT[c][i][j]);
    let pool = Pooling2D::new((2, 2), None, PoolMode::Max);
    let (out, cache) = pool.forward(&x.view())?;
    l.show("X[0,0] =", &x.slice(s![0, 0, .., ..]));
    l.show("X[0,1] =", &x.slice(s![0, 1, .., ..]));
    l.say(&format!(
        "\n  X.reshape(batch·channels, 1, H, W)  # {}\n\
         image_to_column with 2×2 windows, stride {}: one column per window, ordered (output row, \
         output column, image·channel):",
        shape_str(&cache.params.images_shape()),
        pool.stride
    ));
    l.show("X_col =", &cache.x_col.view());
    l.show("arg_max = np.argmax(X_col, axis=0) =", &Array1::from(cache.arg_max.clone()).view());
    l.say("output = X_col[arg_max, range(8)], reshaped (out_h, out_w, batch, channels), transposed (2, 3, 0, 1):");
    for (c, published) in pooling_example::published::OUTPUT.iter().enumerate() {
        let channel = out.slice(s![0, c, .., ..]);
        l.show(&format!("output[0,{c}] ="), &channel);
        l.check_exact(&format!("max pool by im2col, channel {c}"), &arr2(published).view(), &channel);
    }
    let (by_loops, _) = pool_forward(&nhwc(&x).view(), PoolHparameters { f: 2, stride: 2 }, PoolMode::Max)?;
    l.check_arrays("max pool by im2col = the loops of lesson 04", &nchw(&by_loops).view(), &out.view(), 0.0);

    l.stage("Backward through column_to_image");
    let accum_grad = Array::from_shape_fn((1, 2, 2, 2), |(_, c, i, j)| pooling_example::SENSITIVITY[c][i][j]);
    l.say(
        "  accum_grad.transpose(2, 3, 0, 1).ravel()\n\
         puts the gradients in column order; each goes into row arg_max of its column (average: 1/4 \
         of it into every row), then column_to_image:",
    );
    let grad = pool.backward(&accum_grad.view(), &cache)?;
    for c in 0..2 {
        l.show(&format!("accum_grad[0,{c}] ="), &accum_grad.slice(s![0, c, .., ..]));
    }
    for (c, published) in pooling_example::published::DELTA.iter().enumerate() {
        let channel = grad.slice(s![0, c, .., ..]);
        l.show(&format!("grad[0,{c}] ="), &channel);
        l.check_exact(
            &format!("max pool backward by im2col, channel {c}"),
            &arr2(published).view(),
            &channel,
        );
    }

    l.stage("The notebook's cells, by im2col (deeplearning.ai)");
    let a_prev = RandomState::new(1).randn((2, 4, 4, 3));
    let hp = PoolHparameters { f: 3, stride: 2 };
    say_unread(l, (4, 4), (3, 3), Padding2D::uniform(0), 2);
    for (mode, name) in PoolMode::BOTH.map(|m| (m, m.name())) {
        let (a, _) = Pooling2D::new((3, 3), Some(2), mode).forward(&nchw(&a_prev).view())?;
        let a = nhwc(&a);
        l.say(&format!("pool_forward cell (A_prev = randn(2, 4, 4, 3), f 3, stride 2), mode {name}:"));
        l.show("A[:, 0, 0, :] =", &a.slice(s![.., 0, 0, ..]));
        l.save(&format!("A_{name}"), &a.view())?;
        let (by_loops, _) = pool_forward(&a_prev.view(), hp, mode)?;
        l.check_exact(&format!("pool_forward cell ({name}) = the loops"), &by_loops.view(), &a.view());
    }
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((5, 5, 3, 2));
    let da = rng.randn((5, 4, 2, 2));
    let hp = PoolHparameters { f: 2, stride: 1 };
    for (mode, name) in PoolMode::BOTH.map(|m| (m, m.name())) {
        let pool = Pooling2D::new((2, 2), Some(1), mode);
        let (_, cache) = pool.forward(&nchw(&a_prev).view())?;
        let da_prev = nhwc(&pool.backward(&nchw(&da).view(), &cache)?);
        l.say(&format!("pool_backward cell (A_prev = randn(5, 5, 3, 2), f 2, stride 1), mode {name}:"));
        l.show("dA_prev[1,1] =", &da_prev.slice(s![1, 1, .., ..]));
        l.save(&format!("dA_prev_{name}"), &da_prev.view())?;
        let (_, loop_cache) = pool_forward(&a_prev.view(), hp, mode)?;
        let by_loops = pool_backward(&da.view(), &loop_cache, mode)?;
        l.check_exact(&format!("pool_backward cell ({name}) = the loops"), &by_loops.view(), &da_prev.view());
    }

    l.stage("Random tensors");
    let mut rng = RandomState::new(8);
    let cases = [
        ((3, 4, 7, 6), (2, 2), 2),
        ((2, 3, 9, 9), (3, 3), 2),
        ((4, 2, 6, 8), (2, 3), 1),
        ((1, 5, 5, 5), (5, 5), 1),
    ];
    for (shape, window, stride) in cases {
        let x = rng.randn(shape);
        for mode in PoolMode::BOTH {
            let pool = Pooling2D::new(window, Some(stride), mode);
            let (out, cache) = pool.forward(&x.view())?;
            let dout = rng.randn(out.raw_dim());
            let grad = pool.backward(&dout.view(), &cache)?;
            let (loops, loop_grad) = if window.0 == window.1 {
                let hp = PoolHparameters { f: window.0, stride };
                let (a, c) = pool_forward(&nhwc(&x).view(), hp, mode)?;
                (nchw(&a), nchw(&pool_backward(&nhwc(&dout).view(), &c, mode)?))
            } else {
                // The loops take square windows: compare with the definition directly.
                pool_by_definition(&x, &dout, window, stride, mode)
            };
            let what = format!("{shape:?} {}×{} stride {stride} {}", window.0, window.1, mode.name());
            l.say(&format!("- {what}: output {:?}", out.dim()));
            l.check_exact(&format!("{what} forward"), &loops.view(), &out.view());
            l.check_exact(&format!("{what} backward"), &loop_grad.view(), &grad.view());
        }
        say_unread(l, (shape.2, shape.3), window, Padding2D::uniform(0), stride);
    }
    Ok(())
}
