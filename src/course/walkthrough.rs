//! The walkthroughs a lesson runs besides its article: your own tensors
//! (`--input …`), the `--bench` timings, and the tables and per-layer checks
//! a lesson prints in one call. Each is a named step of a lesson's story, kept
//! here so that the lesson file reads like its article.

use ndarray::{Array, Array1, Array4, ArrayView1, ArrayView3, Dimension};

use crate::course::bench::{bench_case, bench_table, CASES};
use crate::course::gradcheck::{layer_gradients, SMOOTH_FD_TOL};
use crate::course::lesson::Lesson;
use crate::course::numpy_fmt::{format_scalar, shape_str};
use crate::course::second_way::{pool_forward_second_way, second_way};
use crate::course::show::{cells, conv_cell, fit_table, pool_backward_cell, pool_cell};
use crate::course::your_tensors::{YourConv, YourConv2D, YourPool};
use crate::error::Result;
use crate::textbook::activations::Activation;
use crate::textbook::conv::{conv_backward, conv_forward, ConvCache};
use crate::textbook::im2col::image_to_column;
use crate::textbook::layers::{BatchNormalization, Formulas, Layer};
use crate::textbook::padding::zero_pad;
use crate::textbook::pool::{pool_backward, pool_forward, PoolMode};
use crate::textbook::sensitivity::{conv_forward_by_layer, identity_backward, SensitivitySteps};

/// Walks the first cells of an `out_h × out_w × n_c` output, each shown by
/// `cell(c, h, w)`: two of them, or (`--verbose`, `--step`) all. Returns
/// how many were not shown.
fn walk_cells(
    l: &mut Lesson,
    (out_h, out_w, n_c): (usize, usize, usize),
    cell: impl Fn(usize, usize, usize) -> String,
) -> usize {
    let total = out_h * out_w * n_c;
    let shown = if l.detail() { total } else { total.min(2) };
    l.walk(cells(out_h, out_w, n_c).take(shown).map(|(c, h, w)| cell(c, h, w)));
    total - shown
}

/// Says how many cells [`walk_cells`] left out, if any, and how to see them.
fn say_more(l: &Lesson, more: usize) {
    if more > 0 {
        l.say(&format!("\n(and {more} more: run with --verbose or --step to see them all)"));
    }
}

/// Lesson 02 on your tensors: the first output cells of image 0 worked one
/// by one ([`conv_cell`]), then `Z`, checked against seed 004's per-image
/// `ConvLayer.forward` ([`conv_forward_by_layer`]) to [`YourConv::tolerance`].
///
/// # Errors
/// As [`conv_forward`], or saving a file.
pub fn your_conv_forward(l: &mut Lesson, y: YourConv) -> Result<()> {
    l.stage("Your tensors");
    y.describe(l);
    let (z, _) = conv_forward(&y.a_prev.view(), &y.w.view(), &y.b.view(), y.hparameters)?;
    let a_prev_pad = zero_pad(&y.a_prev.view(), y.hparameters.pad);
    l.stage("The first output cells of image 0");
    let (p, width) = (y.params, l.width());
    let more = walk_cells(l, (p.out_h(), p.out_w(), p.n_c), |c, h, wi| {
        conv_cell(&a_prev_pad.view(), &y.w.view(), &y.b.view(), (0, h, wi, c), y.hparameters, width)
    });
    say_more(l, more);
    l.stage("Z");
    l.shape("Z.shape =", z.shape());
    l.value("Z's mean =", z.mean().unwrap_or(f64::NAN));
    l.show("Z =", &z.view());
    l.save("Z", &z.view())?;
    let by_layer = conv_forward_by_layer(&y.a_prev.view(), &y.w.view(), &y.b.view(), y.hparameters)?;
    l.check_equal("Z.shape", format!("{:?}", p.out_shape()), format!("{:?}", z.shape()));
    l.check_arrays("loops = hanbt's ConvLayer.forward", &by_layer.view(), &z.view(), y.tolerance(None));
    Ok(())
}

/// Lesson 03 on your tensors: `conv_backward` by loops on `dZ` (`--dz`, or
/// `Z` itself as the notebook does), checked by sensitivity maps and by
/// finite differences ([`YourConv::check_backward`]).
///
/// # Errors
/// As [`conv_forward`] and [`conv_backward`], or saving a file.
pub fn your_conv_backward(l: &mut Lesson, y: YourConv) -> Result<()> {
    l.stage("Your tensors");
    y.describe(l);
    let (z, cache) = conv_forward(&y.a_prev.view(), &y.w.view(), &y.b.view(), y.hparameters)?;
    let dz = y.dz.clone().unwrap_or_else(|| z.clone());
    l.say(if y.dz.is_some() { "dZ from --dz." } else { "No --dz: dZ = Z, as the notebook does." });

    l.stage("conv_backward by loops");
    let grads = conv_backward(&dz.view(), &cache)?;
    l.show("dA_prev =", &grads.d_a_prev.view());
    l.show("dW =", &grads.d_w.view());
    l.show("db =", &grads.d_b.view());
    l.save("dA_prev", &grads.d_a_prev.view())?;
    l.save("dW", &grads.d_w.view())?;
    l.save("db", &grads.d_b.view())?;

    l.stage("Checked by sensitivity maps and by finite differences");
    y.check_backward(l, &dz, &grads)
}

/// Lesson 04 on your tensor: each mode's `pool_forward`, window by window,
/// checked against the second way of computing it
/// ([`pool_forward_second_way`]). Max picks values exactly; the mean of f²
/// numbers may round differently, by up to `4·f²·ε·max|A_prev|`.
///
/// # Errors
/// As [`pool_forward`], or saving a file.
pub fn your_pool_forward(l: &mut Lesson, y: YourPool) -> Result<()> {
    l.stage("Your tensor");
    y.describe(l);
    let (p, width) = (y.params, l.width());
    for &mode in &y.modes {
        l.stage(&format!("{} pooling", mode.name()));
        let more = walk_cells(l, (p.out_h(), p.out_w(), p.n_c), |c, h, w| {
            pool_cell(&y.a_prev.view(), (0, h, w, c), &p, mode, width)
        });
        say_more(l, more);
        let (a, _) = pool_forward(&y.a_prev.view(), y.hparameters, mode)?;
        l.say("");
        l.shape("A.shape =", a.shape());
        l.show("A =", &a.view());
        l.save(&y.save_name("A", mode), &a.view())?;
        let other = pool_forward_second_way(&y.a_prev.view(), y.hparameters, mode)?;
        let scale = y.a_prev.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let tol = 4.0 * (p.f * p.f) as f64 * f64::EPSILON * scale;
        l.check_arrays(&format!("A ({}) = {}", mode.name(), second_way(mode)), &other.view(), &a.view(), tol);
    }
    Ok(())
}

/// Lesson 05 on your tensors: each mode's `pool_backward` of `dA` (`--da`,
/// or all ones), window by window, checked by [`YourPool::check_backward`].
///
/// # Errors
/// As [`pool_forward`] and [`pool_backward`], or saving a file.
pub fn your_pool_backward(l: &mut Lesson, y: YourPool) -> Result<()> {
    l.stage("Your tensors");
    y.describe(l);
    let (a, cache) = pool_forward(&y.a_prev.view(), y.hparameters, PoolMode::Max)?;
    let da = y.da.clone().unwrap_or_else(|| Array4::ones(a.raw_dim()));
    l.say(if y.da.is_some() { "dA from --da." } else { "No --da: dA is all ones." });
    let (p, width) = (y.params, l.width());
    for &mode in &y.modes {
        l.stage(&format!("{} pooling backward", mode.name()));
        walk_cells(l, (p.out_h(), p.out_w(), p.n_c), |c, h, w| {
            pool_backward_cell(&y.a_prev.view(), &da.view(), (0, h, w, c), &p, mode, width)
        });
        let da_prev = pool_backward(&da.view(), &cache, mode)?;
        l.say("");
        l.show("dA_prev =", &da_prev.view());
        l.save(&y.save_name("dA_prev", mode), &da_prev.view())?;
        y.check_backward(l, &da, &da_prev, mode)?;
    }
    Ok(())
}

/// Lesson 07 on your tensors: `Conv2D`'s forward pass (and, with `--dout`,
/// its backward pass), its im2col shapes, checked by
/// [`YourConv2D::check_forward`] and [`YourConv2D::check_backward`].
///
/// # Errors
/// As `Conv2D`'s passes and [`image_to_column`], or saving a file.
pub fn your_conv2d(l: &mut Lesson, y: YourConv2D) -> Result<()> {
    l.stage("Your tensors");
    let layer = &y.layer;
    l.shape("X.shape =", y.x.shape());
    l.shape("W.shape =", layer.w.shape());
    l.say(&format!("padding {}, stride {}", layer.padding, layer.stride));
    let (_, _, n_h, n_w) = y.x.dim();
    crate::course::windows::say_unread(l, (n_h, n_w), layer.filter_shape(), layer.padding, layer.stride);
    let x_col = image_to_column(&y.x.view(), layer.filter_shape(), layer.stride, layer.padding)?;
    l.shape("X_col:", x_col.shape());
    l.shape("W_col:", layer.w_col().shape());
    let (output, cache) = layer.forward(&y.x.view())?;
    l.shape("output:", output.shape());
    l.show("output =", &output.view());
    l.save("output", &output.view())?;
    y.check_forward(l, &output)?;
    let Some(dout) = &y.dout else {
        l.say("\nGive --dout dY.npy to run the backward pass too.");
        return Ok(());
    };
    l.stage("Backward");
    let grads = layer.backward(&dout.view(), &cache)?;
    l.show("grad_W =", &grads.grad_w.view());
    l.show("grad_w0 =", &grads.grad_w0.view());
    l.show("grad_input =", &grads.grad_input.view());
    l.save("grad_input", &grads.grad_input.view())?;
    l.save("grad_W", &grads.grad_w.view())?;
    l.save("grad_w0", &grads.grad_w0.view())?;
    y.check_backward(l, &output, dout, &grads)
}

/// The command that times `lesson` (`cargo run --release --bin … -- --bench`),
/// as code lines for [`Lesson::say`]: cut before `--` with a shell's `\`,
/// so that it fits the narrowest screen and still pastes as one command.
pub fn bench_command(lesson: &str) -> String {
    format!("  cargo run --release --bin {lesson} \\\n    -- --bench")
}

/// `--bench`: the convolution by loops against im2col at the shapes of
/// [`CASES`], as a table of median times and GFLOP/s ([`bench_table`]).
///
/// # Errors
/// As [`bench_case`].
pub fn bench_loops_against_im2col(l: &mut Lesson) -> Result<()> {
    l.stage("Loops against im2col");
    if cfg!(debug_assertions) {
        l.say(&format!(
            "This is the dev profile (no optimisation of the lesson's own code): for real figures \
             run\n{}\n",
            bench_command(l.info.name)
        ));
    }
    l.say(
        "Median of repeated runs; GFLOP/s counts 2 per multiply-add; 'of matmul' is the bare matrix \
         products' time over im2col's, at the same sizes.\n",
    );
    let mut rows = vec![];
    for case in CASES {
        rows.extend(bench_case(&case, if cfg!(debug_assertions) { 0.2 } else { 1.0 })?);
    }
    l.block(&bench_table(&rows, l.width()));
    Ok(())
}

/// The table of a finite-difference check, one row a weight
/// `weights(d,i,j)`: the expected (finite-difference) and computed
/// (backward) gradients of one filter, stored `(channels, f, f)`.
pub fn finite_difference_table(
    expected: &ArrayView3<f64>,
    computed: &ArrayView3<f64>,
    width: usize,
) -> String {
    let rows: Vec<Vec<String>> = expected
        .indexed_iter()
        .map(|((d, i, j), e)| {
            vec![format!("weights({d},{i},{j})"), format!("{e:.6}"), format!("{:.6}", computed[[d, i, j]])]
        })
        .collect();
    // Headers on two lines, so that the table fits 60 columns.
    fit_table(&["weight", "expected\n(finite difference)", "computed\n(backward)"], &rows, width)
}

/// The tables of every [`Activation`]: first its name, formula and its
/// derivative's formula; then `f(x)` and `f'(x)` at each `x`, to 4
/// decimals. Two tables, not one, so that each fits 80 columns; each is
/// fitted to `width` ([`fit_table`]).
pub fn activation_table(x: &ArrayView1<f64>, width: usize) -> String {
    let cells = |a: &Array1<f64>| a.iter().map(|v| format!("{v:>7.4}")).collect::<Vec<_>>().join(" ");
    let (mut formulas, mut values) = (vec![], vec![]);
    for f in Activation::ALL {
        let name = f.name().to_string();
        formulas.push(vec![name.clone(), f.formula().to_string(), f.derivative_formula().to_string()]);
        values.push(vec![name, "f(x)".to_string(), cells(&f.forward(x))]);
        values.push(vec![String::new(), "f'(x)".to_string(), cells(&f.gradient(x))]);
    }
    let formulas = fit_table(&["activation", "f(x)", "f'(x)"], &formulas, width);
    // The values' header names each x above its column (in the box; a
    // list, on a narrow screen, says "at x").
    let xs = x.iter().map(|v| format!("{v:>7}")).collect::<Vec<_>>().join(" ");
    let mut table = fit_table(&["activation", "x =", &xs], &values, width);
    if !table.starts_with('┌') {
        table = fit_table(&["activation", "", "at x"], &values, width);
    }
    format!("{formulas}\n{table}")
}

/// A layer's [`Formulas`] as lines of code for [`Lesson::say`]: each pass
/// under its name, or beside it when it is one short line. Every line fits
/// the narrowest screen, 58 columns, as a formula in prose must.
pub fn formula_card(formulas: &Formulas) -> String {
    let mut lines = vec![];
    for (name, pass) in [("forward: ", formulas.forward), ("backward:", formulas.backward)] {
        match pass {
            [] => {}
            [one] if 2 + name.len() + 1 + textwrap::core::display_width(one) <= 58 => {
                lines.push(format!("  {name} {one}"));
            }
            _ => {
                lines.push(format!("  {}", name.trim_end()));
                lines.extend(pass.iter().map(|f| format!("    {f}")));
            }
        }
    }
    lines.join("\n")
}

/// One layer in training mode on input `x`: its shapes and parameter count,
/// its [`formula_card`], then finite-difference checks
/// ([`layer_gradients`], ε = 1e-6) of the input gradient and every
/// parameter gradient, to `SMOOTH_FD_TOL · (1 + max |computed|)`.
///
/// # Errors
/// As the layer's forward and backward passes.
pub fn check_layer<L: Layer + Clone, D: Dimension>(
    l: &mut Lesson,
    label: &str,
    layer: L,
    x: Array<f64, D>,
) -> Result<()> {
    let card = formula_card(&layer.formulas());
    check_layer_with(l, label, layer, x, &card)
}

/// [`check_layer`] for a layer whose formulas were shown already: the same
/// checks, without the card again.
///
/// # Errors
/// As the layer's forward and backward passes.
pub fn recheck_layer<L: Layer + Clone, D: Dimension>(
    l: &mut Lesson,
    label: &str,
    layer: L,
    x: Array<f64, D>,
) -> Result<()> {
    check_layer_with(l, label, layer, x, "")
}

/// [`check_layer`], its card given (empty for none).
fn check_layer_with<L: Layer + Clone, D: Dimension>(
    l: &mut Lesson,
    label: &str,
    layer: L,
    x: Array<f64, D>,
    card: &str,
) -> Result<()> {
    let (x, training) = (x.into_dyn(), true);
    let y = layer.clone().forward(&x, training)?;
    // One item per layer; its shapes and count kept whole (no-break spaces).
    let (input, output) = (shape_str(x.shape()), shape_str(y.shape()));
    let shapes = format!("input {input} → output {output}, {} parameters", layer.parameters());
    l.say(&format!("- {label}: {}", shapes.replace(' ', "\u{a0}")));
    if !card.is_empty() {
        l.say(card);
    }
    // The formulas' numbers at one element, the first: y, and each gradient
    // beside its finite-difference estimate.
    let first = |a: &ndarray::ArrayD<f64>| a.iter().next().copied().unwrap_or(f64::NAN);
    let at = |a: &ndarray::ArrayD<f64>| format!("[{}]", vec!["0"; a.ndim()].join(", "));
    let gradients = layer_gradients(&layer, &x, training, 1e-6, 11)?;
    let mut numbers = vec![
        "  at the first element (numeric: by finite differences):".to_string(),
        format!("    y{} = {:.6}", at(&y), first(&y)),
    ];
    for (name, expected, computed) in &gradients {
        // The cards call the input x.
        let name = if *name == "input" { "x" } else { name };
        numbers.push(format!(
            "    grad_{name}{} = {:.6} (numeric {:.6})",
            at(computed),
            first(computed),
            first(expected)
        ));
    }
    if !card.is_empty() {
        l.say(&numbers.join("\n"));
    }
    for (name, expected, computed) in gradients {
        let tol = SMOOTH_FD_TOL * (1.0 + computed.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        l.check_arrays(&format!("{label}: grad {name}"), &expected.view(), &computed.view(), tol);
    }
    Ok(())
}

/// Seed 000's `ZeroPadding2D(((1, 1), (1, 1)))` on a `(1, 3, 32, 32)`
/// input: its backward pass is exactly the slice
/// `accum_grad[:, :, 1:33, 1:33]` of a random gradient.
///
/// # Errors
/// As the layer's forward and backward passes.
pub fn check_padding_crop(l: &mut Lesson, rng: &mut crate::course::random::RandomState) -> Result<()> {
    use crate::textbook::layers::PaddingLayer;
    let mut zero_padding = PaddingLayer::zeros(((1, 1), (1, 1)));
    zero_padding.forward(&rng.randn((1, 3, 32, 32)).into_dyn(), true)?;
    let accum_grad = rng.randn((1, 3, 34, 34)).into_dyn();
    let back = zero_padding.backward(&accum_grad)?;
    l.say("ZeroPadding2D(((1, 1), (1, 1))) on (1, 3, 32, 32): backward is (seed 000)\n  accum_grad[:, :, 1:33, 1:33]");
    let inside = accum_grad.slice(ndarray::s![.., .., 1..33, 1..33]);
    l.check_arrays("ZeroPadding2D backward = the slice", &inside, &back.view(), 0.0);
    Ok(())
}

/// Why [`Dropout`](crate::textbook::layers::Dropout) here is inverted,
/// shown on twelve ones: scaled by `1/(1 − p)` while training, untouched
/// at inference.
///
/// # Errors
/// Never for these fixed inputs; as [`Layer::forward`] otherwise.
pub fn show_inverted_dropout(l: &mut Lesson) -> Result<()> {
    use crate::textbook::layers::Dropout;
    l.erratum(&crate::course::errata::DROPOUT_NOT_INVERTED);
    l.say(
        "Dropout here is inverted, as PyTorch's: kept values are scaled by 1/(1\u{a0}−\u{a0}p) while \
         training, so inference is the identity.",
    );
    let p = 0.25;
    let mut dropout = Dropout::new(p, 7)?;
    let ones = ndarray::ArrayD::<f64>::ones(ndarray::IxDyn(&[1, 12]));
    l.say(&format!("Dropout({p}) on twelve ones, here and (with the same mask) in the source:"));
    let training = dropout.forward(&ones, true)?;
    l.show("here, training:  y =", &training.view());
    l.show("here, inference: y =", &dropout.forward(&ones, false)?.view());
    l.show("source, training:  y = x·mask =", &training.mapv(|v| v * (1.0 - p)).view());
    l.show("source, inference: y = x·(1 − p) =", &ones.mapv(|v| v * (1.0 - p)).view());
    Ok(())
}

/// BatchNormalization's backward pass at one value, `[0, 0, 0, 0]`, after
/// its training-mode forward pass on `x`: the three terms of `bracket`
/// ([`BatchNormalization::bracket_terms`]) in the names of its formula
/// card, their sum, and `grad_x` from them, checked against central
/// differences (ε = 1e-6) of `Σ g · y` with respect to that one input.
///
/// # Errors
/// When `g` or `x` does not fit the layer.
pub fn show_batch_norm_terms(
    l: &mut Lesson,
    bn: &mut BatchNormalization,
    x: &ndarray::ArrayD<f64>,
    g: &ndarray::ArrayD<f64>,
) -> Result<()> {
    let first = |a: &ndarray::ArrayD<f64>| a.first().copied().unwrap_or(f64::NAN);
    let [direct, through_mean, through_var] = bn.bracket_terms(g)?.map(|t| first(&t));
    let n = g.len() / bn.gamma.len().max(1);
    let bracket = direct - through_mean - through_var;
    let grad_x = first(&bn.clone().backward(g)?);
    let rows = [
        ("g · n", direct),
        ("− sum_g", -through_mean),
        ("− x_centered·stddev_inv²·sum_g_centered", -through_var),
        ("bracket, their sum", bracket),
        ("grad_x = gamma·stddev_inv/n · bracket", grad_x),
    ];
    let lines: Vec<String> = rows.iter().map(|(what, v)| format!("  {what:<40} = {v:>11.6}")).collect();
    l.say(&format!("Backward with a random g, at [0, 0, 0, 0] (n = {n}):\n{}", lines.join("\n")));
    let loss = |x: &ndarray::ArrayD<f64>| bn.clone().forward(x, true).map_or(f64::NAN, |y| (&y * g).sum());
    let (eps, mut plus, mut minus) = (1e-6, x.clone(), x.clone());
    if let (Some(p), Some(m)) = (plus.first_mut(), minus.first_mut()) {
        (*p, *m) = (*p + eps, *m - eps);
    }
    let expected = (loss(&plus) - loss(&minus)) / (2.0 * eps);
    let tol = SMOOTH_FD_TOL * (1.0 + grad_x.abs());
    l.check_close("grad_x[0, 0, 0, 0] from the three terms", expected, grad_x, tol);
    Ok(())
}

/// Shows the worked example's two filters and biases after one step of
/// gradient descent (`W ← W − η·dW`, `b ← b − η·db`), filter `c` as
/// `weights(c)` (channels first, as the article stores it) and `biases(c)`,
/// and checks each against the article's printed update; `label` names the
/// way the update was made.
pub fn check_updated_filters(
    l: &mut Lesson,
    label: &str,
    weights: impl Fn(usize) -> ndarray::Array3<f64>,
    biases: impl Fn(usize) -> f64,
) {
    use crate::course::check::EXACT;
    use crate::reference::worked_example::published::{UPDATED_BIASES, UPDATED_WEIGHTS};
    for c in 0..2 {
        let (w_c, b_c) = (weights(c), biases(c));
        l.show(&format!("filter {c} weights ="), &w_c.view());
        l.value("bias =", b_c);
        let expected = ndarray::arr3(&UPDATED_WEIGHTS[c]);
        l.check_exact(&format!("{label} filter {c} weights"), &expected.view(), &w_c.view());
        l.check_close(&format!("{label} filter {c} bias"), UPDATED_BIASES[c], b_c, EXACT);
    }
}

/// A loss or its gradient, element by element: `f(y, p)` for targets `y`
/// and predictions `p` (as [`crate::textbook::losses`] computes them).
pub type LossFn = fn(&ArrayView1<f64>, &ArrayView1<f64>) -> Result<Array1<f64>>;

/// Checks each loss's gradient against finite differences (ε = 1e-6, to
/// [`SMOOTH_FD_TOL`]) at targets `y` and predictions `p`: the square loss
/// and cross entropy, each as `(name, loss, gradient)`.
///
/// # Errors
/// As the gradients (when `y` and `p` differ in shape).
pub fn check_loss_gradients(l: &mut Lesson, y: &Array1<f64>, p: &Array1<f64>) -> Result<()> {
    use crate::textbook::losses::{cross_entropy, cross_entropy_gradient, square_loss, square_loss_gradient};
    let losses: [(&str, LossFn, LossFn); 2] = [
        ("square loss", square_loss, square_loss_gradient),
        ("cross entropy", cross_entropy, cross_entropy_gradient),
    ];
    for (name, loss_fn, grad_fn) in losses {
        let expected = crate::course::gradcheck::numerical_gradient(p, 1e-6, |p| {
            loss_fn(&y.view(), &p.view()).map_or(f64::NAN, |v| v.sum())
        });
        let computed = grad_fn(&y.view(), &p.view())?;
        let what = format!("{name} gradient = finite differences");
        l.check_arrays(&what, &expected.view(), &computed.view(), SMOOTH_FD_TOL);
    }
    Ok(())
}

/// The notebook's `pool_backward` cell, in each mode: shows `dA_prev[1,1]`
/// and the totals `Σ dA` and `Σ dA_prev`, saves `dA_prev_max` and
/// `dA_prev_average` (with `--save`), and checks `dA_prev[1,1]` against the
/// notebook's printed values, that the total is kept, and that the
/// [`second_way`] gives the same `dA_prev`.
///
/// # Errors
/// When `da` does not fit `cache`'s output shape, or a file cannot be saved.
pub fn pool_backward_notebook_cell(
    l: &mut Lesson,
    da: &ndarray::Array4<f64>,
    cache: &crate::textbook::pool::PoolCache,
) -> Result<()> {
    use crate::course::check::published;
    use crate::course::second_way::pool_backward_second_way;
    use crate::reference::notebook::pool_backward::{AVERAGE_1_1, MAX_1_1};
    for (mode, expected) in PoolMode::BOTH.into_iter().zip([MAX_1_1, AVERAGE_1_1]) {
        let (da_prev, name) = (pool_backward(&da.view(), cache, mode)?, mode.name());
        let da_prev_1_1 = da_prev.slice(ndarray::s![1, 1, .., ..]);
        l.say(&format!("\nmode = {name}"));
        l.show("dA_prev[1,1] =", &da_prev_1_1);
        l.say(&format!("total: Σ dA = {:.10}, Σ dA_prev = {:.10}", da.sum(), da_prev.sum()));
        l.save(&format!("dA_prev_{name}"), &da_prev.view())?;
        let what = format!("dA_prev[1,1] ({name})");
        l.check_arrays(&what, &ndarray::arr2(&expected).view(), &da_prev_1_1, published(8));
        l.check_same_total(&format!("Σ dA_prev = Σ dA ({name})"), da.sum(), da_prev.sum(), da.len() as f64);
        let other = pool_backward_second_way(&da.view(), cache, mode)?;
        l.check_exact(&format!("dA_prev ({name}) = {}", second_way(mode)), &other.view(), &da_prev.view());
    }
    Ok(())
}

/// The article's gradient check on the worked example: with the loss
/// `E = Σ Z` (so `∂E/∂Z` is all ones), filter 0's gradient by
/// `conv_backward` against central differences with step `eps`, printed as
/// a [`finite_difference_table`] and checked to
/// [`fd_tolerance`](crate::course::gradcheck::fd_tolerance), then against
/// the article's published all-ones gradient.
///
/// # Errors
/// As `conv_forward` and `conv_backward` on the worked example.
pub fn check_worked_example_by_finite_differences(
    l: &mut Lesson,
    ex: &crate::reference::worked_example::WorkedExample,
    eps: f64,
) -> Result<()> {
    l.say(&format!(
        "The article's check: the loss E is the sum of all outputs, so ∂E/∂Z is all ones. For each \
         weight w of filter 0 the expected gradient is \
         (E(w\u{a0}+\u{a0}ε)\u{a0}−\u{a0}E(w\u{a0}−\u{a0}ε))\u{a0}/\u{a0}2ε with \
         ε\u{a0}=\u{a0}{eps}; the computed one comes from conv_backward. A convolution is linear in \
         its weights, so the two agree up to rounding.\n"
    ));
    use crate::course::gradcheck::numerical_gradient;
    use crate::course::tensor::filter_chw as chw;
    use crate::reference::worked_example::published::ALL_ONES_GRAD_FILTER_0;
    let (z, cache) = conv_forward(&ex.a_prev.view(), &ex.w.view(), &ex.b.view(), ex.hparameters)?;
    let computed = chw(&conv_backward(&Array4::ones(z.raw_dim()).view(), &cache)?.d_w, 0);
    let loss = |w: &Array4<f64>| {
        conv_forward(&ex.a_prev.view(), &w.view(), &ex.b.view(), ex.hparameters)
            .map_or(f64::NAN, |(z, _)| z.sum())
    };
    let expected = chw(&numerical_gradient(&ex.w, eps, loss), 0);
    let (expected, computed) = (expected.view(), computed.view());
    l.block(&finite_difference_table(&expected, &computed, l.width()));
    // E sums 18 outputs of 28 terms each, of total size at most Σ|Z| + Σ|W|.
    let size = (loss(&ex.w.mapv(f64::abs)), 18 * 28, eps);
    l.check_finite_differences("filter 0 gradient = finite differences", &expected, &computed, size);
    let all_ones = ndarray::arr3(&ALL_ONES_GRAD_FILTER_0);
    l.check_exact("filter 0 gradient (all-ones check)", &all_ones.view(), &computed);
    Ok(())
}

/// Checks the worked example through `Conv2D` (channels first) against
/// the numbers lessons 02 and 03 checked: image 0's output, each filter's
/// `grad_W`, `grad_w0` and `grad_X` (lesson 03's `dA_prev`), then the
/// filters `w_new` and biases `w0_new` after one update against the
/// article's published update. All exact.
pub fn check_conv2d_worked_example(
    l: &mut Lesson,
    out: &Array4<f64>,
    grads: &crate::textbook::conv2d::Conv2DGrads,
    w_new: &Array4<f64>,
    w0_new: &ndarray::Array2<f64>,
) {
    use crate::reference::worked_example::published;
    use ndarray::{arr1, arr3, s};
    let (out_0, grad_x_0) = (out.slice(s![0, .., .., ..]), grads.grad_input.slice(s![0, .., .., ..]));
    l.check_exact("output = lesson 02's published output", &arr3(&published::OUTPUT).view(), &out_0);
    for (c, expected) in published::WEIGHTS_GRAD.iter().enumerate() {
        let grad_w_c = grads.grad_w.slice(s![c, .., .., ..]);
        l.check_exact(&format!("grad_W, filter {c} = lesson 03's"), &arr3(expected).view(), &grad_w_c);
    }
    l.check_exact("grad_w0 = lesson 03's", &arr1(&published::BIAS_GRAD).view(), &grads.grad_w0.column(0));
    l.check_exact("grad_X = lesson 03's dA_prev", &arr3(&published::DELTA).view(), &grad_x_0);
    for (c, expected) in published::UPDATED_WEIGHTS.iter().enumerate() {
        let w_c = w_new.slice(s![c, .., .., ..]);
        l.check_exact(&format!("updated filter {c} = published"), &arr3(expected).view(), &w_c);
    }
    l.check_exact("updated biases = published", &arr1(&published::UPDATED_BIASES).view(), &w0_new.column(0));
}

/// Checks what training-mode batch normalization did to `batch`, given its
/// output `y` (both `(N, C, H, W)`) and its `eps`: each channel's mean is 0,
/// and its standard deviation `σ/√(σ² + eps)`, where `σ` is the input
/// channel's. A channel's mean adds `n = N·H·W` terms `y/n`, its variance
/// `n` terms `(y − mean)²/n`, so each may be off by the rounding of such a
/// sum ([`sum_rounding`](crate::course::check::sum_rounding)).
pub fn check_batch_normalized(
    l: &mut Lesson,
    batch: &ndarray::ArrayD<f64>,
    y: &ndarray::ArrayD<f64>,
    eps: f64,
) {
    use crate::course::tensor::channel_mean_std;
    let (mean, std) = channel_mean_std(y);
    let (big, n) = (crate::course::check::largest(&y.view()), y.len() / mean.len().max(1));
    let per_term = |v: f64| v / n as f64;
    let zeros = Array1::zeros(mean.len());
    l.check_same_sums("normalized channel means", &zeros.view(), &mean.view(), (n, per_term(big)));
    let expected_std = channel_mean_std(batch).1.mapv(|s| s / (s * s + eps).sqrt());
    let what = "normalized channel std = σ/√(σ² + eps)";
    l.check_same_sums(what, &expected_std.view(), &std.view(), (n, per_term(big * big)));
}

/// Lesson 09: BatchNormalization at test time. `y` is the layer's
/// inference-mode output for the test batch `x` (`(N, C, H, W)`); it must be
/// `gamma · (x − running_mean) / √(running_var + eps) + beta`, computed here
/// value by value: the running averages, not the test batch's own mean and
/// variance, so that an image's output does not depend on the images beside
/// it. Shows the running averages and the output's channel means, which a
/// layer that normalized by the batch's own statistics would make 0.
pub fn check_batch_norm_inference(
    l: &mut Lesson,
    bn: &BatchNormalization,
    x: &ndarray::ArrayD<f64>,
    y: &ndarray::ArrayD<f64>,
) {
    use crate::course::tensor::channel_mean_std;
    let (mean, var) = (&bn.running_mean, &bn.running_var);
    let expected = Array::from_shape_fn(x.raw_dim(), |i| {
        let c = i[1];
        bn.gamma[c] * (x[i.slice()] - mean[c]) / (var[c] + bn.eps).sqrt() + bn.beta[c]
    });
    l.say(&format!(
        "\nAt test time the layer normalizes by its running averages, not by the test batch's \
         own mean and variance: an image's output must not depend on the images beside it. After \
         one training batch, with momentum\u{a0}{}, they have barely left (0,\u{a0}1):",
        bn.momentum
    ));
    l.show("running_mean =", &mean.view());
    l.show("running_var =", &var.view());
    l.say(&format!(
        "A test batch {} with mean 5, through inference-mode BatchNormalization:",
        shape_str(x.shape())
    ));
    l.show("channel means =", &channel_mean_std(y).0.view());
    let what = "inference y from running_mean and running_var";
    l.check_arrays(what, &expected.view(), &y.view(), crate::course::check::EXACT);
}

/// Lesson 11: the reference network's parameters (`total`, from its
/// `summary`) against the source's count, whose batch normalization keeps
/// γ and β for every (C, H, W) element where this one keeps them per
/// channel; both checked against the published totals.
pub fn check_parameter_counts(l: &mut Lesson, summary: &[crate::network::SummaryRow], total: usize) {
    use crate::reference::ml_from_scratch::cnn as published;
    let source = crate::network::source_parameter_count([1, 8, 8], 10);
    let batch_norm: usize =
        summary.iter().filter(|r| r.name == "BatchNormalization").map(|r| r.parameters).sum();
    l.say(&format!(
        "The source's summary counts {source} parameters: its batch normalization keeps γ and β \
         for every (C,\u{a0}H,\u{a0}W) element ({} of them), where this one keeps them per \
         channel, as PyTorch does ({batch_norm}).",
        source - (total - batch_norm),
    ));
    l.check_equal("parameters, the source's per-element batch norm", published::TOTAL_PARAMETERS, source);
    l.check_equal(
        "parameters, per-channel batch norm",
        published::TOTAL_PARAMETERS_PER_CHANNEL_BATCH_NORM,
        total,
    );
}

/// Lesson 03, after the loops: their `dA_prev` (of image 0, as the lesson
/// computed it), then the notebook's last step of `conv_backward`,
/// `dA_prev = dA_prev_pad[pad:-pad, pad:-pad]`, with its shapes and what the
/// cropped border held (gradients that reached the zeros of the padding).
///
/// # Errors
/// As [`conv_backward_padded`](crate::textbook::conv::conv_backward_padded).
pub fn show_crop(
    l: &mut Lesson,
    d_a_prev: &ArrayView3<f64>,
    (dz, cache): (&ndarray::ArrayView4<f64>, &ConvCache),
) -> Result<()> {
    l.show("dA_prev =", d_a_prev);
    let padded = crate::textbook::conv::conv_backward_padded(dz, cache)?.d_a_prev;
    let cropped = conv_backward(dz, cache)?.d_a_prev;
    let border = padded.iter().map(|v| v.abs()).sum::<f64>() - cropped.iter().map(|v| v.abs()).sum::<f64>();
    l.say(&format!(
        "\nThe loops add into dA_prev_pad, padded like the input; their last line crops it back, \
         pad\u{a0}=\u{a0}{}:\n  dA_prev[i] = dA_prev_pad[pad:-pad, pad:-pad, :]\n  {} → {}\n\
         The border it drops holds the gradients of the padding's zeros, which are no input \
         (Σ|border|\u{a0}=\u{a0}{}).",
        cache.params.pad,
        shape_str(padded.shape()),
        shape_str(cropped.shape()),
        format_scalar(border),
    ));
    Ok(())
}

/// Lesson 03: why the sensitivity maps cross-correlate with the filters
/// turned by 180°, derived from the forward pass, then shown on one cell of
/// the worked example ([`show_one_cell`]) and followed by seed 004's last
/// step, `×f'(net)` ([`show_activation_step`]).
pub fn derive_rotated_filter(
    l: &mut Lesson,
    (cache, dz): (&ConvCache, &ndarray::ArrayView4<f64>),
    input: &ArrayView3<f64>,
    steps: &SensitivitySteps,
) {
    l.say(
        "\nWhy turn the filter? The forward pass is a cross-correlation (the filter is not \
         turned), for a window (h,\u{a0}w) at stride s:\n\
         \x20 Z[h,w,c] = Σ_{i,j,d} A_prev_pad[h·s+i, w·s+j, d]\n\
         \x20                      · W[i,j,d,c] + b[c]\n\
         So cell (y,\u{a0}x,\u{a0}d) of A_prev_pad is read by every window with \
         i\u{a0}=\u{a0}y\u{a0}−\u{a0}h·s and j\u{a0}=\u{a0}x\u{a0}−\u{a0}w·s in 0..f, and its \
         gradient is a sum over those windows:\n\
         \x20 dA_prev_pad[y,x,d] = Σ_c Σ_{h,w} W[y−h·s, x−w·s, d, c]\n\
         \x20                                · dZ[h,w,c]\n\
         Put dZ[h,w,c] at (h·s,\u{a0}w·s) of expanded[c] (step 1), pad by f\u{a0}−\u{a0}1 \
         (step 2) and write i′\u{a0}=\u{a0}f\u{a0}−\u{a0}1\u{a0}−\u{a0}i:\n\
         \x20 dA_prev_pad[y,x,d] = Σ_c Σ_{i′,j′} padded[c, y+i′, x+j′]\n\
         \x20                      · W[f−1−i′, f−1−j′, d, c]\n\
         a valid cross-correlation of padded with W[f−1−i′,\u{a0}f−1−j′], the filter turned by \
         180° (flipped): a \"full\" convolution. dA_prev is dA_prev_pad without its border of pad \
         cells, so step 2 pads by zp\u{a0}=\u{a0}f\u{a0}−\u{a0}1\u{a0}−\u{a0}pad instead.\n\
         Same sum, different order: the loops go window by window and scatter W·dZ into the cells \
         the window read; the sensitivity maps go cell by cell and gather from the windows that \
         read it.",
    );
    show_one_cell(l, (cache, dz), steps);
    show_activation_step(l, input, steps);
}

/// The terms of one `dA_prev` cell `(y, x, d)` of image 0, as `(h, w, c,
/// i, j)`: window `(h, w)` of filter `c` read the cell at filter position
/// `(i, j)`, so the cell's gradient gets `W[i,j,d,c] · dZ[0,h,w,c]`.
pub fn windows_reaching(p: &crate::textbook::conv::ConvParams, (y, x): (usize, usize)) -> Vec<[usize; 5]> {
    let (y, x) = (y + p.pad, x + p.pad);
    let at = |cell: usize, out: usize| cell.checked_sub(out * p.stride).filter(|&i| i < p.f);
    let mut terms = vec![];
    for c in 0..p.n_c {
        for h in 0..p.out_h() {
            for w in 0..p.out_w() {
                if let (Some(i), Some(j)) = (at(y, h), at(x, w)) {
                    terms.push([h, w, c, i, j]);
                }
            }
        }
    }
    terms
}

/// One cell of the worked example's `dA_prev`, channel 0, the first read by
/// the most windows: its terms ([`windows_reaching`]) in a table, their sum,
/// and the same cell of `delta_array` from the rotated filters, checked equal.
///
pub fn show_one_cell(
    l: &mut Lesson,
    (cache, dz): (&ConvCache, &ndarray::ArrayView4<f64>),
    steps: &SensitivitySteps,
) {
    let p = cache.params;
    let d = 0;
    let terms = |cell| -> Vec<([String; 3], [f64; 3])> {
        windows_reaching(&p, cell)
            .into_iter()
            .map(|[h, w, c, i, j]| {
                let (wt, g) = (cache.w[[i, j, d, c]], dz[[0, h, w, c]]);
                let at = [format!("({h}, {w})"), c.to_string(), format!("({i}, {j})")];
                (at, [wt, g, wt * g + 0.0])
            })
            .collect()
    };
    // The cell read by the most windows, and of those the most nonzero terms.
    let score = |cell| {
        let t = terms(cell);
        (t.len(), t.iter().filter(|(_, v)| v[2] != 0.0).count())
    };
    let cells = (0..p.n_h_prev).flat_map(|y| (0..p.n_w_prev).map(move |x| (y, x)));
    let (y, x) = cells.fold((0, 0), |best, cell| if score(cell) > score(best) { cell } else { best });
    let terms = terms((y, x));
    let sum: f64 = terms.iter().map(|(_, v)| v[2]).sum();
    let rows: Vec<Vec<String>> = terms
        .iter()
        .map(|(at, v)| {
            let mut row = at.to_vec();
            row.extend(v.iter().map(|&v| format_scalar(v)));
            row
        })
        .collect();
    l.say(&format!(
        "\nOne cell: dA_prev[0,\u{a0}{y},\u{a0}{x},\u{a0}{d}], A_prev_pad's \
         ({},\u{a0}{}), is read by {} windows (h,\u{a0}w) of each filter c, at filter position \
         (i,\u{a0}j):\n",
        y + p.pad,
        x + p.pad,
        terms.len() / p.n_c.max(1),
    ));
    l.table(&["window", "c", "i, j", &format!("W[i,j,{d},c]"), "dZ[0,h,w,c]", "W·dZ"], &rows);
    let by_maps = steps.delta_array.get([d, y, x]).copied().unwrap_or(f64::NAN);
    l.say(&format!(
        "Σ W·dZ\u{a0}=\u{a0}{}. The rotated filters meet the same terms as \
         padded[c,\u{a0}y+i′,\u{a0}x+j′]\u{a0}·\u{a0}flipped[c,\u{a0}{d},\u{a0}i′,\u{a0}j′] with \
         i′\u{a0}=\u{a0}f\u{a0}−\u{a0}1\u{a0}−\u{a0}i: delta_array[{d},\u{a0}{y},\u{a0}{x}]\u{a0}=\u{a0}{}.",
        format_scalar(sum),
        format_scalar(by_maps)
    ));
    let what = format!("dA_prev[0,{y},{x},{d}]: windows' sum = rotated filters");
    l.check_close(&what, sum, by_maps, crate::course::check::EXACT);
}

/// Seed 004's last step of `bp_sensitivity_map`, the article's `×f'(net)`:
/// `delta_array *= activator.backward(input_array)`, the derivative of the
/// previous layer's activation, taken at its output (this layer's input).
/// The worked example's `IdentityActivator` makes it all ones
/// ([`identity_backward`]), so `delta_array` is unchanged: checked.
pub fn show_activation_step(l: &mut Lesson, input: &ArrayView3<f64>, steps: &SensitivitySteps) {
    let derivative_array = input.mapv(identity_backward);
    let delta = &steps.delta_array * &derivative_array;
    let (min, max) = derivative_array
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    l.say(&format!(
        "\nLast, the article's ×f'(net): seed 004's bp_sensitivity_map ends with\n\
         \x20 delta_array *= activator.backward(input_array)\n\
         the derivative of the previous layer's activation at its output, this layer's input. The \
         worked example's IdentityActivator has backward(x)\u{a0}=\u{a0}1: its {} values of f' \
         {}, and delta_array is unchanged.",
        derivative_array.len(),
        if min == max { format!("are all {}", format_scalar(min)) } else { format!("lie in [{min}, {max}]") },
    ));
    let what = "delta_array × f'(input_array) = delta_array";
    l.check_exact(what, &steps.delta_array.view(), &delta.view());
}

/// Why numpy (and the article) print `filter` in scientific notation: its
/// largest and smallest nonzero magnitudes are more than 1000 apart, numpy's
/// rule for switching.
pub fn say_why_scientific(l: &Lesson, filter: &ArrayView3<f64>) {
    let magnitudes = filter.iter().map(|v| v.abs()).filter(|&v| v > 0.0);
    let (min, max) = magnitudes.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    l.say(&format!(
        "\n(numpy, and the article, print filter 1 in scientific notation: its largest and smallest \
         nonzero magnitudes, {max:.3} and {min:.3}, are {} 1000 apart.)",
        if max > 1000.0 * min { "more than" } else { "less than" }
    ));
}

/// Lesson 09: every [`Activation`]'s backward against central differences
/// of `Σ f(x) ⊙ g`, on a random (4, 6) input and upstream gradient `g`.
pub fn check_activation_gradients(l: &mut Lesson) -> Result<()> {
    use crate::course::gradcheck::numerical_gradient;
    let mut rng = crate::course::random::RandomState::new(9);
    let (xs, g) = (rng.randn((4, 6)), rng.randn((4, 6)));
    for f in Activation::ALL {
        let computed = f.backward(&xs.view(), &g.view())?;
        let expected = numerical_gradient(&xs, 1e-6, |x| (&f.forward(&x.view()) * &g).sum());
        let what = format!("{} backward = finite differences", f.name());
        l.check_arrays(&what, &expected.view(), &computed.view(), SMOOTH_FD_TOL);
    }
    Ok(())
}

/// Lesson 06: `column_to_image` is the adjoint of `image_to_column`,
/// `⟨image_to_column(x), y⟩ = ⟨x, column_to_image(y)⟩`, shown and checked on
/// three random cases (odd windows, uneven strides, 'same' padding).
pub fn check_adjoint_identity(l: &mut Lesson) -> Result<()> {
    use crate::textbook::im2col::{column_to_image, Im2colParams};
    use crate::textbook::padding::{determine_padding, PaddingMode};
    let mut rng = crate::course::random::RandomState::new(6);
    let cases = [([2, 3, 5, 5], (3, 3), 2), ([1, 2, 6, 4], (2, 3), 1), ([3, 1, 7, 7], (5, 5), 3)];
    for (k, (shape, f, stride)) in cases.into_iter().enumerate() {
        let pad = determine_padding(f, PaddingMode::Same);
        let x = rng.randn((shape[0], shape[1], shape[2], shape[3]));
        let p = Im2colParams::new(&shape, f, pad, stride)?;
        let y = rng.randn((p.rows(), p.cols()));
        let left = (&image_to_column(&x.view(), f, stride, pad)? * &y).sum();
        let right = (&x * &column_to_image(&y.view(), &shape, f, stride, pad)?).sum();
        let (im2col, col2im) = ("⟨im2col(x),\u{a0}y⟩\u{a0}=", "⟨x,\u{a0}col2im(y)⟩\u{a0}=");
        l.say(&format!(
            "- x {shape:?}, window {f:?}, stride {stride}: {im2col} {left:.12}, {col2im} {right:.12}"
        ));
        // Σ|im2col(x)| ⊙ |y|: the size of the terms either side adds.
        let size = (&image_to_column(&x.mapv(f64::abs).view(), f, stride, pad)? * &y.mapv(f64::abs)).sum();
        l.check_same_total(&format!("adjoint identity, case {}", k + 1), left, right, size);
    }
    Ok(())
}

/// Lesson 11: up to eight held-out digits the network got wrong, as heat
/// maps captioned `true → predicted` (nothing when it got all right).
pub fn show_wrong_digits(
    l: &Lesson,
    test: &crate::course::data::Dataset,
    truth: &[usize],
    predicted: &[usize],
) {
    let wrong: Vec<usize> = (0..truth.len()).filter(|&i| predicted[i] != truth[i]).take(8).collect();
    if !wrong.is_empty() {
        l.say("Some digits it got wrong (true → predicted):");
        let caption = |i: usize| format!("{} → {}", truth[i], predicted[i]);
        l.block(&crate::network::training::draw_digits(test, &wrong, caption, l.width()));
    }
}
