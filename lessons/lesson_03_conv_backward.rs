//! Lesson 03: convolution backward, by loops and by sensitivity maps.
//!
//! Every output cell sends its gradient back along the window it came from.
//! The notebook's loop `conv_backward` (seed 002); the worked example's
//! gradients and one step of gradient descent, then the same gradients the
//! way seed 004 teaches (expand, pad, cross-correlate with rotated filters);
//! and the article's finite-difference gradient check. With
//! `--input/--weights/--bias [--dz]` it does the same for your tensors.

use cnn_walkthrough::check::EXACT;
use cnn_walkthrough::conv::{conv_backward, conv_forward, Hparameters};
use cnn_walkthrough::gradcheck::{fd_tolerance, numerical_gradient_at, spread_indices};
use cnn_walkthrough::numpy_fmt::array2string;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::sensitivity::{conv_backward_by_sensitivity_maps, ConvLayer};
use cnn_walkthrough::show::{side_by_side, table};
use cnn_walkthrough::tensor::image_chw;
use cnn_walkthrough::worked_example::WorkedExample;
use cnn_walkthrough::your_tensors::YourConv;

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_03_CONV_BACKWARD, run)
}

pub fn run(l: &mut Lesson) -> Result<()> {
    if let Some(yours) = YourConv::from_flags(l)? {
        return your_tensors(l, yours);
    }

    l.stage("conv_backward on the notebook's cell (seed 002)");
    l.say(
        "For every image i, output cell (h, w) and filter c, with the window a_slice it read:\n\
         \x20 dA_prev_pad[i, window] += W[:,:,:,c] · dZ[i,h,w,c]\n\
         \x20 dW[:,:,:,c]            += a_slice · dZ[i,h,w,c]\n\
         \x20 db[:,:,:,c]            += dZ[i,h,w,c]\n\n\
         np.random.seed(1); A_prev = randn(10,4,4,3); W = randn(2,2,3,8); b = randn(1,1,1,8)\n\
         Z, cache_conv = conv_forward(A_prev, W, b, {\"pad\": 2, \"stride\": 2})\n\
         dA, dW, db = conv_backward(Z, cache_conv)     # dZ = Z, as the notebook does\n",
    );
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((10, 4, 4, 3));
    let w = rng.randn((2, 2, 3, 8));
    let b = rng.randn((1, 1, 1, 8));
    let (z, cache) = conv_forward(
        &a_prev.view(),
        &w.view(),
        &b.view(),
        Hparameters { pad: 2, stride: 2 },
    )?;
    let grads = conv_backward(&z.view(), &cache)?;
    let mean = |a: &Array4<f64>| a.mean().unwrap_or(f64::NAN);
    l.value("dA_mean =", mean(&grads.d_a_prev));
    l.value("dW_mean =", mean(&grads.d_w));
    l.value("db_mean =", mean(&grads.d_b));
    l.save("dA_prev", &grads.d_a_prev.view())?;
    l.save("dW", &grads.d_w.view())?;
    l.save("db", &grads.d_b.view())?;
    // Published: the notebook (2018 edition), conv_backward cell, np.random.seed(1).
    l.check_close(
        "dA_mean",
        1.45243777754,
        mean(&grads.d_a_prev),
        published(11),
    );
    l.check_close("dW_mean", 1.72699145831, mean(&grads.d_w), published(11));
    l.check_close("db_mean", 7.83923256462, mean(&grads.d_b), published(11));

    l.stage("The worked example: gradients and one update (seed 004)");
    let ex = WorkedExample::new();
    l.say("The 5×5×3 input and two filters of lesson 02, and the article's sensitivity map b = ∂E/∂Z:\n");
    for c in 0..2 {
        l.show(&format!("b[{c}] ="), &ex.dz.slice(s![0, .., .., c]));
    }
    let (_, cache) = conv_forward(
        &ex.a_prev.view(),
        &ex.w.view(),
        &ex.b.view(),
        ex.hparameters,
    )?;
    let grads = conv_backward(&ex.dz.view(), &cache)?;
    l.say("");
    for c in 0..2 {
        l.show(
            &format!("dW of filter {c} (channels first) ="),
            &chw(&grads.d_w, c).view(),
        );
    }
    l.show("db =", &grads.d_b.slice(s![0, 0, 0, ..]));
    l.show(
        "dA_prev (channels first) =",
        &image_chw(&grads.d_a_prev.view(), 0).view(),
    );
    // From REFERENCE §2 (seed 004's example): exact gradients, not printed in
    // the article but confirmed there by finite differences.
    let published_dw = [
        arr3(&[
            [[8., 10., 9.], [5., 6., 6.], [6., 5., 4.]],
            [[4., 1., 4.], [10., 9., 12.], [2., 2., 2.]],
            [[2., 2., 3.], [5., 8., 5.], [7., 8., 7.]],
        ]),
        arr3(&[
            [[2., 2., 1.], [4., 7., 3.], [4., 4., 2.]],
            [[0., 1., 0.], [9., 5., 4.], [4., 0., 0.]],
            [[4., 6., 5.], [2., 5., 2.], [2., 1., 0.]],
        ]),
    ];
    let published_da_prev = arr3(&[
        [
            [-1., 1., 1., -2., -1.],
            [1., -1., 3., -1., 1.],
            [2., 0., 2., 0., 2.],
            [4., 3., 4., 1., 3.],
            [0., -1., -2., 1., -1.],
        ],
        [
            [0., -1., 0., -2., 0.],
            [-1., -2., -3., -4., -1.],
            [0., 0., 0., 0., 0.],
            [-2., 0., 0., 0., -1.],
            [0., -3., 0., -3., 0.],
        ],
        [
            [0., 1., 1., -2., 1.],
            [0., -1., -1., -4., -1.],
            [2., 0., 2., 0., 2.],
            [-2., -3., -2., -1., -2.],
            [1., -1., 0., 1., 0.],
        ],
    ]);
    for (c, expected) in published_dw.iter().enumerate() {
        l.check_arrays(
            &format!("worked example dW, filter {c}"),
            &expected.view(),
            &chw(&grads.d_w, c).view(),
            EXACT,
        );
    }
    l.check_arrays(
        "worked example db",
        &arr1(&[9., 7.]).view(),
        &grads.d_b.slice(s![0, 0, 0, ..]),
        EXACT,
    );
    l.check_arrays(
        "worked example dA_prev",
        &published_da_prev.view(),
        &image_chw(&grads.d_a_prev.view(), 0).view(),
        EXACT,
    );

    l.say(&format!(
        "\nOne step of gradient descent, learning rate {}: W ← W − 0.001·dW, b ← b − 0.001·db\n",
        ex.learning_rate
    ));
    let w_new = &ex.w - &(ex.learning_rate * &grads.d_w);
    let b_new = &ex.b - &(ex.learning_rate * &grads.d_b);
    // Published: seed 004's run, the filters after one update (3 decimals, exact).
    let published_filters = [
        (
            arr3(&[
                [
                    [-1.008, 0.99, -0.009],
                    [-0.005, 0.994, -0.006],
                    [-0.006, 0.995, 0.996],
                ],
                [
                    [-1.004, -1.001, -0.004],
                    [-0.01, -0.009, -0.012],
                    [-0.002, -1.002, -0.002],
                ],
                [
                    [-0.002, -0.002, -1.003],
                    [-0.005, 0.992, -0.005],
                    [0.993, -1.008, -1.007],
                ],
            ]),
            0.991,
        ),
        (
            arr3(&[
                [
                    [0.998, 0.998, -1.001],
                    [-1.004, -1.007, 0.997],
                    [-0.004, -1.004, 0.998],
                ],
                [[0., 0.999, 0.], [-1.009, -0.005, -1.004], [-1.004, 1., 0.]],
                [
                    [-1.004, -0.006, -0.005],
                    [-1.002, -0.005, 0.998],
                    [-1.002, -0.001, 0.],
                ],
            ]),
            -0.007,
        ),
    ];
    for (c, (weights, bias)) in published_filters.iter().enumerate() {
        l.show(&format!("filter {c} weights ="), &chw(&w_new, c).view());
        l.value("bias =", b_new[[0, 0, 0, c]]);
        l.check_arrays(
            &format!("updated filter {c} weights"),
            &weights.view(),
            &chw(&w_new, c).view(),
            EXACT,
        );
        l.check_close(
            &format!("updated filter {c} bias"),
            *bias,
            b_new[[0, 0, 0, c]],
            EXACT,
        );
    }

    l.stage("The same gradients by sensitivity maps (seed 004)");
    let mut layer = ConvLayer::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters)?;
    let input = image_chw(&ex.a_prev.view(), 0);
    let steps = layer.backward(&input.view(), &image_chw(&ex.dz.view(), 0).view())?;
    let f = layer.f();
    l.say(&format!(
        "1. Expand each 3×3 sensitivity map for stride 2: a stride-1 output would be\n\
         \x20  5 + 2·1 − 3 + 1 = {} wide; δ[i, j] goes to (2i, 2j), zeros between.\n",
        steps.expanded.dim().2
    ));
    l.say(&side_by_side(
        &[
            (
                "expanded[0]",
                array2string(&steps.expanded.slice(s![0, .., ..]), 0),
            ),
            (
                "expanded[1]",
                array2string(&steps.expanded.slice(s![1, .., ..]), 0),
            ),
        ],
        4,
    ));
    l.say(&format!(
        "\n2. Zero-pad by zp = f − 1 − pad = {f} − 1 − {} = {}, so that a valid cross-correlation\n\
         \x20  with a {f}×{f} filter gives back the 5×5 input (a \"full\" convolution, cropped by the padding).\n",
        layer.zero_padding, steps.zp
    ));
    l.show("padded[0] =", &steps.padded.slice(s![0, .., ..]));
    l.say("\n3. Turn each filter channel by 180° and cross-correlate it with the padded map; sum over filters.\n");
    l.say(&side_by_side(
        &[
            (
                "filter 0, channel 0",
                array2string(&layer.weights.slice(s![0, 0, .., ..]), 0),
            ),
            (
                "turned 180°",
                array2string(&steps.flipped.slice(s![0, 0, .., ..]), 0),
            ),
            (
                "padded[0] ⋆ turned",
                array2string(&steps.delta_per_filter.slice(s![0, 0, .., ..]), 0),
            ),
        ],
        4,
    ));
    l.show(
        "\ndelta_array = Σ over filters =",
        &steps.delta_array.view(),
    );
    l.say("\n4. Weight gradient: the padded input cross-correlated with the expanded map; bias gradient: its sum.\n");
    l.show(
        "weights_grad[0] =",
        &steps.weights_grad.slice(s![0, .., .., ..]),
    );
    l.show("bias_grad =", &steps.bias_grad.view());
    l.check_arrays(
        "sensitivity maps dA_prev = loops",
        &image_chw(&grads.d_a_prev.view(), 0).view(),
        &steps.delta_array.view(),
        EXACT,
    );
    for c in 0..2 {
        l.check_arrays(
            &format!("sensitivity maps dW, filter {c} = loops"),
            &chw(&grads.d_w, c).view(),
            &steps.weights_grad.slice(s![c, .., .., ..]),
            EXACT,
        );
    }
    l.check_arrays(
        "sensitivity maps db = loops",
        &grads.d_b.slice(s![0, 0, 0, ..]),
        &steps.bias_grad.view(),
        EXACT,
    );
    layer.update(ex.learning_rate, &steps.weights_grad, &steps.bias_grad);
    l.say("\nAfter cl.update(), as the article prints the filters:");
    for (c, (weights, bias)) in published_filters.iter().enumerate() {
        l.show(
            &format!("filter {c} weights ="),
            &layer.weights.slice(s![c, .., .., ..]),
        );
        l.value("bias =", layer.biases[c]);
        l.check_arrays(
            &format!("ConvLayer.update filter {c}"),
            &weights.view(),
            &layer.weights.slice(s![c, .., .., ..]),
            EXACT,
        );
        l.check_close(
            &format!("ConvLayer.update bias {c}"),
            *bias,
            layer.biases[c],
            EXACT,
        );
    }

    l.stage("Gradient check by finite differences (seed 004)");
    let eps = 1e-3;
    l.say(&format!(
        "The article's check: loss E = the sum of all outputs, so ∂E/∂Z is all ones. For each weight w\n\
         of filter 0, the expected gradient is (E(w + ε) − E(w − ε)) / 2ε with ε = {eps}; the computed one\n\
         comes from conv_backward. A convolution is linear in its weights, so the two agree up to rounding.\n"
    ));
    let ones = Array4::ones((1, 3, 3, 2));
    let analytic = conv_backward(&ones.view(), &cache)?.d_w;
    let filter0: Vec<usize> = (0..ex.w.len()).filter(|k| k % 2 == 0).collect(); // W[.., .., .., 0] in C order
    let loss = |w: &Array4<f64>| {
        conv_forward(&ex.a_prev.view(), &w.view(), &ex.b.view(), ex.hparameters)
            .map_or(f64::NAN, |(z, _)| z.sum())
    };
    let numeric = numerical_gradient_at(&ex.w, eps, &filter0, loss);
    let computed = chw(&analytic, 0);
    let mut rows = vec![];
    let expected = Array3::from_shape_fn((3, 3, 3), |(d, i, j)| numeric[(i * 3 + j) * 3 + d]);
    for ((d, i, j), e) in expected.indexed_iter() {
        rows.push(vec![
            format!("weights({d},{i},{j})"),
            format!("{e:.6}"),
            format!("{:.6}", computed[[d, i, j]]),
        ]);
    }
    l.say(&table(
        &[
            "weight",
            "expected (finite difference)",
            "computed (backward)",
        ],
        &rows,
    ));
    let tol = fd_tolerance(loss(&ex.w).abs() + ex.w.len() as f64, 18 * 28, eps);
    l.check_arrays(
        "filter 0 gradient = finite differences",
        &expected.view(),
        &computed.view(),
        tol,
    );
    // From REFERENCE §2: filter 0's gradient under the article's all-ones check.
    let published_grad0 = arr3(&[
        [[5., 6., 5.], [5., 7., 5.], [5., 6., 5.]],
        [[2., 1., 2.], [9., 9., 9.], [2., 1., 2.]],
        [[4., 5., 4.], [4., 9., 4.], [4., 5., 4.]],
    ]);
    l.check_arrays(
        "filter 0 gradient (all-ones check)",
        &published_grad0.view(),
        &computed.view(),
        EXACT,
    );
    Ok(())
}

/// Filter `c` of `W (f, f, n_C_prev, n_C)` channels first, `(n_C_prev, f, f)`,
/// as seed 004 stores and prints it.
fn chw(w: &Array4<f64>, c: usize) -> Array3<f64> {
    w.slice(s![.., .., .., c])
        .permuted_axes([2, 0, 1])
        .to_owned()
}

fn your_tensors(l: &mut Lesson, y: YourConv) -> Result<()> {
    l.stage("Your tensors");
    y.describe(l);
    let (z, cache) = conv_forward(&y.a_prev.view(), &y.w.view(), &y.b.view(), y.hparameters)?;
    let dz = y.dz.clone().unwrap_or_else(|| z.clone());
    l.say(if y.dz.is_some() {
        "dZ from --dz."
    } else {
        "No --dz: dZ = Z, as the notebook does."
    });

    l.stage("conv_backward by loops");
    let grads = conv_backward(&dz.view(), &cache)?;
    l.show("dA_prev =", &grads.d_a_prev.view());
    l.show("dW =", &grads.d_w.view());
    l.show("db =", &grads.d_b.view());
    l.save("dA_prev", &grads.d_a_prev.view())?;
    l.save("dW", &grads.d_w.view())?;
    l.save("db", &grads.d_b.view())?;

    l.stage("Checked two other ways");
    let by_maps = conv_backward_by_sensitivity_maps(&dz.view(), &cache)?;
    let tol = y.tolerance(Some(&dz));
    l.check_arrays(
        "dA_prev: loops = sensitivity maps",
        &by_maps.d_a_prev.view(),
        &grads.d_a_prev.view(),
        tol,
    );
    l.check_arrays(
        "dW: loops = sensitivity maps",
        &by_maps.d_w.view(),
        &grads.d_w.view(),
        tol,
    );
    l.check_arrays(
        "db: loops = sensitivity maps",
        &by_maps.d_b.view(),
        &grads.d_b.view(),
        tol,
    );

    let eps = 1e-3;
    let probes = 40;
    l.say(&format!(
        "Finite differences of E = Σ Z ⊙ dZ with ε = {eps}, at up to {probes} entries of each tensor, spread evenly."
    ));
    let (a, w, b, hp) = (&y.a_prev, &y.w, &y.b, y.hparameters);
    let e = |z: Array4<f64>| (&z * &dz).sum();
    // The size of the sums E is made of: the same convolution of absolute values.
    let (z_abs, _) = conv_forward(
        &a.mapv(f64::abs).view(),
        &w.mapv(f64::abs).view(),
        &b.mapv(f64::abs).view(),
        hp,
    )?;
    let tol = fd_tolerance(
        (&z_abs * &dz.mapv(f64::abs)).sum(),
        z.len() * (y.params.f * y.params.f * y.params.n_c_prev + 1),
        eps,
    );
    for (name, x, g) in [
        ("dA_prev", a, &grads.d_a_prev),
        ("dW", w, &grads.d_w),
        ("db", b, &grads.d_b),
    ] {
        let at = spread_indices(x.len(), probes);
        let numeric = numerical_gradient_at(x, eps, &at, |x| {
            let (a, w, b) = match name {
                "dA_prev" => (x, w, b),
                "dW" => (a, x, b),
                _ => (a, w, x),
            };
            conv_forward(&a.view(), &w.view(), &b.view(), hp).map_or(f64::NAN, |(z, _)| e(z))
        });
        let flat: Vec<f64> = g.iter().copied().collect();
        let computed: Vec<f64> = at.iter().map(|&k| flat[k]).collect();
        l.check_arrays(
            &format!("{name} = finite differences ({} entries)", at.len()),
            &Array1::from(numeric).view(),
            &Array1::from(computed).view(),
            tol,
        );
    }
    Ok(())
}
