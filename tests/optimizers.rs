//! ML-From-Scratch's optimizers: the first two steps of each worked by hand,
//! Adam's bias correction against the source's, Nesterov's look-ahead, the
//! race down the narrow valley, fresh copies; and the terminal plots.
//!
//! Hand-worked steps start at `w = [1, −2]`. SGD and Nesterov take the
//! gradient of `f(w) = Σ w²/2`, which is `w` itself; the adaptive optimizers
//! get the fixed gradients `[3, −5]`, then `[4, 12]` (square roots of sums of
//! squares come out whole: `√(3² + 4²) = 5`, `√(5² + 12²) = 13`). Where `eps`
//! only keeps a division finite it is set to 0, so that the roots are exact.

use cnn_walkthrough::optimizers::{
    all_with_defaults, narrow_quadratic, race, Adadelta, Adagrad, Adam, BiasCorrection,
    NesterovAcceleratedGradient, Optimizer, RMSprop, StochasticGradientDescent,
};
use cnn_walkthrough::plot::{plot_lines, plot_paths};
use ndarray::{arr1, ArrayD};

/// `|a − b|` within `ulps` units in the last place of the larger.
fn assert_ulps(computed: f64, expected: f64, ulps: f64, what: &str) {
    let tol = ulps * f64::EPSILON * computed.abs().max(expected.abs());
    assert!((computed - expected).abs() <= tol, "{what}: {computed:e} ≠ {expected:e} (tol {tol:e})");
}

const W0: [f64; 2] = [1.0, -2.0];
const FIXED_GRADS: [[f64; 2]; 2] = [[3.0, -5.0], [4.0, 12.0]];

/// `w` after each of two steps from [`W0`], with gradient `grad = w`.
fn two_steps_grad_is_w(opt: &mut dyn Optimizer) -> [[f64; 2]; 2] {
    let mut w = arr1(&W0).into_dyn();
    let mut after = [[0.0; 2]; 2];
    for a in &mut after {
        opt.update(&mut w, &mut |p| p.to_owned());
        *a = [w[0], w[1]];
    }
    after
}

/// `w` after each of two steps from [`W0`], with the gradients [`FIXED_GRADS`].
fn two_steps_fixed(opt: &mut dyn Optimizer) -> [[f64; 2]; 2] {
    let mut w = arr1(&W0).into_dyn();
    let mut after = [[0.0; 2]; 2];
    for (a, g) in after.iter_mut().zip(FIXED_GRADS) {
        opt.update(&mut w, &mut |_| arr1(&g).into_dyn());
        *a = [w[0], w[1]];
    }
    after
}

fn assert_steps(computed: [[f64; 2]; 2], expected: [[f64; 2]; 2], what: &str) {
    for (step, (c, e)) in computed.iter().zip(expected).enumerate() {
        for k in 0..2 {
            assert_ulps(c[k], e[k], 4.0, &format!("{what}, step {}, w[{k}]", step + 1));
        }
    }
}

#[test]
fn sgd_first_two_steps() {
    // lr = 0.01, momentum 0: w ← w − 0.01·w = 0.99·w.
    let expected = [
        [0.99, -1.98],     // 1 − 0.01·1,  −2 − 0.01·(−2)
        [0.9801, -1.9602], // 0.99·0.99,   0.99·(−1.98)
    ];
    assert_steps(two_steps_grad_is_w(&mut StochasticGradientDescent::default()), expected, "SGD");
}

#[test]
fn sgd_with_momentum_first_two_steps() {
    // lr = 0.01, momentum 0.9: w_updt = 0.9·w_updt + 0.1·grad, w ← w − 0.01·w_updt.
    // Step 1: w_updt = 0.1·[1, −2] = [0.1, −0.2].
    // Step 2: grad = [0.999, −1.998], w_updt = 0.9·[0.1, −0.2] + 0.1·grad = [0.1899, −0.3798].
    let expected = [
        [0.999, -1.998],       // 1 − 0.01·0.1,        −2 + 0.01·0.2
        [0.997101, -1.994202], // 0.999 − 0.01·0.1899,  −1.998 + 0.01·0.3798
    ];
    let mut opt = StochasticGradientDescent::new(0.01, 0.9);
    assert_steps(two_steps_grad_is_w(&mut opt), expected, "SGD + momentum");
}

#[test]
fn nesterov_first_two_steps_and_its_look_ahead() {
    // lr = 0.001, momentum 0.4; the gradient is clipped to [−1, 1].
    // Step 1: look ahead at w − 0.4·0 = [1, −2], grad [1, −2] → clipped [1, −1];
    //         w_updt = 0.001·[1, −1] = [0.001, −0.001].
    // Step 2: look ahead at [0.999, −1.999] − 0.4·[0.001, −0.001] = [0.9986, −1.9986],
    //         clipped [0.9986, −1]; w_updt = 0.4·[0.001, −0.001] + 0.001·[0.9986, −1] = [0.0013986, −0.0014].
    let expected = [
        [0.999, -1.999],      // 1 − 0.001,        −2 + 0.001
        [0.9976014, -1.9976], // 0.999 − 0.0013986, −1.999 + 0.0014
    ];
    let mut opt = NesterovAcceleratedGradient::default();
    let mut asked_at: Vec<ArrayD<f64>> = vec![];
    let mut w = arr1(&W0).into_dyn();
    let mut after = [[0.0; 2]; 2];
    for a in &mut after {
        opt.update(&mut w, &mut |p| {
            asked_at.push(p.to_owned());
            p.to_owned()
        });
        *a = [w[0], w[1]];
    }
    assert_steps(after, expected, "Nesterov");
    // One gradient per step, the second at the look-ahead point, not at w = [0.999, −1.999].
    assert_eq!(asked_at.len(), 2);
    assert_eq!(asked_at[0], arr1(&W0).into_dyn());
    assert_ulps(asked_at[1][0], 0.9986, 4.0, "look-ahead x"); // 0.999 − 0.4·0.001
    assert_ulps(asked_at[1][1], -1.9986, 4.0, "look-ahead y"); // −1.999 + 0.4·0.001
}

#[test]
fn adagrad_first_two_steps() {
    // lr = 0.01: G += grad², w ← w − 0.01·grad/√G.
    // Step 1: G = [9, 25];       steps 0.01·3/3 = 0.01, 0.01·(−5)/5 = −0.01.
    // Step 2: G = [25, 169];     steps 0.01·4/5 = 0.008, 0.01·12/13 = 0.12/13.
    let expected = [
        [0.99, -1.99],                // 1 − 0.01,    −2 + 0.01
        [0.982, -1.9992307692307691], // 0.99 − 0.008, −1.99 − 0.12/13 (0.12/13 = 0.00923076923…)
    ];
    let mut opt = Adagrad { eps: 0.0, ..Adagrad::default() };
    assert_steps(two_steps_fixed(&mut opt), expected, "Adagrad");
}

#[test]
fn rmsprop_first_two_steps() {
    // lr = 0.01, rho = 0.9: Eg = 0.9·Eg + 0.1·grad², w ← w − 0.01·grad/√Eg.
    // Step 1: Eg = 0.1·[9, 25] = [0.9, 2.5]; steps 0.01·3/√0.9 = 0.01·√10 = 0.0316227766016838…, and −0.01·√10.
    // Step 2: Eg = 0.9·[0.9, 2.5] + 0.1·[16, 144] = [2.41, 16.65];
    //         steps 0.01·4/√2.41 = 0.0257662650560332…, 0.01·12/√16.65 = 0.0294085848837523…
    let expected = [
        [0.9683772233983162, -1.9683772233983162], // 1 − 0.01·√10,  −2 + 0.01·√10
        [0.9426109583422829, -1.9977858082820685], // 0.96837… − 0.02576…, −1.96837… − 0.02940…
    ];
    let mut opt = RMSprop { eps: 0.0, ..RMSprop::default() };
    assert_steps(two_steps_fixed(&mut opt), expected, "RMSprop");
}

#[test]
fn adadelta_first_two_steps() {
    // rho = 0.95, eps = 1e-6 (the default: here eps sets the size of the first steps).
    // E_grad = 0.95·E_grad + 0.05·grad², adaptive_lr = √(E_w_updt + eps)/√(E_grad + eps),
    // w_updt = adaptive_lr·grad, E_w_updt = 0.95·E_w_updt + 0.05·w_updt², w ← w − w_updt.
    // Step 1, x: E_grad = 0.45, w_updt = 3·√1e-6/√0.450001 = 0.0044721309859679…,
    //            E_w_updt = 0.05·w_updt² = 9.9999777778272e-7.
    //         y: E_grad = 1.25, w_updt = −5·√1e-6/√1.250001 = −0.0044721341661463…,
    //            E_w_updt = 9.9999920000064e-7.
    // Step 2, x: E_grad = 0.95·0.45 + 0.05·16 = 1.2275, w_updt = 4·√(9.9999778…e-7 + 1e-6)/√1.227501 = 0.0051058002538726…
    //         y: E_grad = 0.95·1.25 + 0.05·144 = 8.3875, w_updt = 12·√(9.99999200…e-7 + 1e-6)/√8.387501 = 0.0058597604816012…
    let expected = [
        [0.9955278690140321, -1.9955278658338538], // 1 − 0.00447213…,  −2 + 0.00447213…
        [0.9904220687601595, -2.001387626315455],  // 0.995527… − 0.005105…, −1.995527… − 0.005859…
    ];
    assert_steps(two_steps_fixed(&mut Adadelta::default()), expected, "Adadelta");
}

#[test]
fn adam_first_two_steps() {
    // lr = 0.001, b1 = 0.9, b2 = 0.999: m = 0.9·m + 0.1·grad, v = 0.999·v + 0.001·grad²,
    // m̂ = m/(1 − 0.9ᵗ), v̂ = v/(1 − 0.999ᵗ), w ← w − 0.001·m̂/√v̂.
    // Step 1: m̂ = grad, v̂ = grad², so the step is 0.001·sign(grad).
    // Step 2, x: m = 0.27 + 0.4 = 0.67, m̂ = 0.67/0.19 = 3.5263157894736842…;
    //            v = 0.008991 + 0.016 = 0.024991, v̂ = 0.024991/0.001999 = 12.501750875437718…;
    //            step 0.001·3.52631…/√12.50175… = 0.00099732287785731…
    //         y: m = −0.45 + 1.2 = 0.75, m̂ = 0.75/0.19 = 3.9473684210526315…;
    //            v = 0.024975 + 0.144 = 0.168975, v̂ = 84.529764882441220…;
    //            step 0.001·3.94736…/√84.52976… = 0.00042934146310390…
    let expected = [
        [0.999, -1.999],                          // 1 − 0.001, −2 + 0.001
        [0.9980026771221426, -1.999429341463104], // 0.999 − 0.000997322…, −1.999 − 0.000429341…
    ];
    let mut opt = Adam { eps: 0.0, ..Adam::default() };
    assert_steps(two_steps_fixed(&mut opt), expected, "Adam");
    assert_eq!(opt.t, 2);
}

#[test]
fn adam_bias_correction_as_in_the_source_is_right_at_step_1_only() {
    // A constant gradient [1, −2]; eps = 0. After step t, m = (1 − 0.9ᵗ)·grad and v = (1 − 0.999ᵗ)·grad².
    let grad = arr1(&[1.0, -2.0]).into_dyn();
    let mut correct = Adam { eps: 0.0, ..Adam::default() };
    let mut source = Adam { eps: 0.0, bias_correction: BiasCorrection::AsInSource, ..Adam::default() };
    let (mut wc, mut ws) = (arr1(&W0).into_dyn(), arr1(&W0).into_dyn());

    // Step 1: m = 0.1·grad. Correct m̂ = m/(1 − 0.9¹), the source's m/(1 − 0.9): the same, grad.
    correct.update(&mut wc, &mut |_| grad.clone());
    source.update(&mut ws, &mut |_| grad.clone());
    assert_eq!(wc, ws, "step 1 is the same");
    assert_eq!(wc, arr1(&[0.999, -1.999]).into_dyn()); // w − 0.001·sign(grad)

    // Step 2: m = 0.9·0.1·grad + 0.1·grad = 0.19·grad in both.
    correct.update(&mut wc, &mut |_| grad.clone());
    source.update(&mut ws, &mut |_| grad.clone());
    let m = correct.m.clone().expect("m is set");
    assert_eq!(source.m, Some(m.clone()));
    assert_ulps(m[0], 0.19, 4.0, "m after step 2");
    // Correct: m̂ = 0.19·grad/(1 − 0.81) = grad. The source's: m̂ = 0.19·grad/0.1 = 1.9·grad.
    assert_ulps(m[0] / (1.0 - 0.9f64.powi(2)), 1.0, 4.0, "correct m̂");
    assert_ulps(m[0] / (1.0 - 0.9), 1.9, 4.0, "source's m̂");
    // Correct: v̂ = grad², so again a step of 0.001: w = [0.998, −1.998].
    assert_ulps(wc[0], 0.998, 4.0, "correct x");
    assert_ulps(wc[1], -1.998, 4.0, "correct y");
    // The source's: v = 0.001999·grad², v̂ = 1.999·grad², step 0.001·1.9/√1.999 = 0.0013438388859814…
    assert_ulps(ws[0], 0.9976561611140186, 4.0, "source's x"); // 0.999 − 0.0013438388…
    assert_ulps(ws[1], -1.9976561611140187, 4.0, "source's y"); // −1.999 + 0.0013438388…
}

#[test]
fn fresh_has_the_hyperparameters_and_no_state() {
    let mut optimizers = all_with_defaults();
    optimizers.push(Box::new(Adam { bias_correction: BiasCorrection::AsInSource, ..Adam::default() }));
    optimizers.push(Box::new(StochasticGradientDescent::new(0.05, 0.5)));
    for opt in optimizers {
        // Three steps on the valley give it state, then a fresh copy's first step
        // must be that of a new optimizer.
        let mut used = opt.fresh();
        let mut w = arr1(&[-4.0, 2.0]).into_dyn();
        for _ in 0..3 {
            used.update(&mut w, &mut |p| p.to_owned());
        }
        let mut again = used.fresh();
        let mut new = opt.fresh();
        assert_eq!(again.name(), opt.name());
        let (mut w1, mut w2) = (arr1(&W0).into_dyn(), arr1(&W0).into_dyn());
        again.update(&mut w1, &mut |p| p.to_owned());
        new.update(&mut w2, &mut |p| p.to_owned());
        assert_eq!(w1, w2, "{}", opt.name());
    }
}

#[test]
fn state_starts_as_zeros_of_the_parameter_shape() {
    let mut adam = Adam::default();
    assert!(adam.m.is_none() && adam.v.is_none() && adam.t == 0);
    let mut w = ArrayD::<f64>::ones(vec![2, 3]);
    adam.update(&mut w, &mut |_| ArrayD::zeros(vec![2, 3]));
    // Zero gradients leave the zeros (and w) as they were.
    assert_eq!(adam.m, Some(ArrayD::zeros(vec![2, 3])));
    assert_eq!(w, ArrayD::ones(vec![2, 3]));
    // A tensor of another shape starts again from zeros (eps = 0 for a whole step of 0.001).
    adam.eps = 0.0;
    let mut w = arr1(&W0).into_dyn();
    adam.update(&mut w, &mut |p| p.to_owned());
    assert_eq!(adam.t, 1);
    assert_eq!(w, arr1(&[0.999, -1.999]).into_dyn());
}

#[test]
#[should_panic(expected = "shape of the parameters")]
fn a_gradient_of_another_shape_panics() {
    let mut w = arr1(&W0).into_dyn();
    Adagrad::default().update(&mut w, &mut |_| arr1(&[1.0]).into_dyn());
}

#[test]
fn every_optimizer_goes_down_the_valley() {
    // From (−4, 2), f = (16 + 25·4)/2 = 58, 200 steps with the defaults. SGD (with and
    // without momentum) and RMSprop get close (f < 3); Nesterov (lr 0.001, gradient clipped
    // to 1), Adagrad (steps shrinking as 0.01/√t), Adadelta (first steps about √eps = 0.001)
    // and Adam (steps of about lr = 0.001) only start: at most 0.3 along each axis in 200
    // steps for Adam, so for them we ask that the loss fall, never rise, and stay finite.
    let f = |(x, y): (f64, f64)| narrow_quadratic(&arr1(&[x, y]).view()).0;
    let f0 = f((-4.0, 2.0));
    assert_eq!(f0, 58.0);
    for opt in all_with_defaults() {
        let name = opt.name();
        let path = race(opt, (-4.0, 2.0), 200, narrow_quadratic);
        assert_eq!(path.len(), 201);
        let losses: Vec<f64> = path.iter().map(|&p| f(p)).collect();
        let last = losses[200];
        assert!(last.is_finite() && last < 0.9 * f0, "{name}: f = {last}");
        assert!(losses.iter().all(|&l| l <= f0), "{name} went above the start");
        if ["SGD", "SGD + momentum 0.9", "RMSprop"].contains(&name.as_str()) {
            assert!(last < 3.0, "{name}: f = {last}");
        }
    }
}

#[test]
fn race_records_the_start_and_every_step() {
    let path = race(Box::new(StochasticGradientDescent::default()), (-4.0, 2.0), 2, narrow_quadratic);
    // grad = (x, 25·y): x ← 0.99·x, y ← (1 − 0.25)·y.
    assert_eq!(path, vec![(-4.0, 2.0), (-3.96, 1.5), (-3.9204, 1.125)]);
}

/// The rows of a plot's grid: the lines with the `|` axis, what follows it.
fn grid_rows(plot: &str) -> Vec<&str> {
    plot.lines().filter_map(|l| l.split_once(" |").map(|(_, row)| row)).collect()
}

#[test]
fn plot_paths_has_the_size_legend_and_target() {
    let a = [(-1.0, -1.0), (0.0, 0.0), (1.0, 1.0)];
    let b = [(1.0, -1.0), (f64::NAN, 0.0), (f64::INFINITY, 1.0), (0.5, f64::NEG_INFINITY)];
    let p = plot_paths(
        &[("first", 'a', &a), ("second", 'b', &b)],
        Some((0.5, 0.5)),
        (-1.0, 1.0),
        (-1.0, 1.0),
        30,
        10,
    );
    let rows = grid_rows(&p);
    assert_eq!(rows.len(), 10, "{p}");
    assert!(rows.iter().all(|r| r.chars().count() == 30), "{p}");
    assert!(p.contains(&format!("+{}", "-".repeat(30))), "{p}");
    assert!(p.contains("a first") && p.contains("b second") && p.contains("* target (0.5, 0.5)"), "{p}");
    assert_eq!(p.matches('*').count(), 2, "the marker and its legend: {p}");
    assert!(rows[0].ends_with('a') && rows[9].starts_with('a') && rows[9].ends_with('b'), "{p}");
    assert!(p.contains(" 1 |") && p.contains("-1 |"), "y range on the axis: {p}");
    assert!(!p.contains('\x1b'), "no colour codes");
}

#[test]
fn plot_paths_without_anything_to_draw_says_so() {
    let nan = [(f64::NAN, f64::NAN)];
    let one = [(0.0, 0.0)];
    for p in [
        plot_paths(&[], Some((0.0, 0.0)), (-1.0, 1.0), (-1.0, 1.0), 10, 5),
        plot_paths(&[("nan", 'n', &nan)], None, (-1.0, 1.0), (-1.0, 1.0), 10, 5),
        plot_paths(&[("one", 'o', &one)], None, (-1.0, 1.0), (-1.0, 1.0), 0, 5),
        plot_paths(&[("one", 'o', &one)], None, (1.0, 1.0), (-1.0, 1.0), 10, 5),
        plot_paths(&[("one", 'o', &one)], None, (-1.0, 1.0), (f64::NAN, 1.0), 10, 5),
    ] {
        assert!(p.starts_with("(nothing to plot") && p.lines().count() == 1, "{p}");
    }
    // A point outside the ranges is left out, and counted.
    let far = [(0.0, 0.0), (5.0, 0.0)];
    let p = plot_paths(&[("far", 'f', &far)], None, (-1.0, 1.0), (-1.0, 1.0), 5, 3);
    assert!(p.ends_with("(points outside the ranges, not drawn: 1)"), "{p}");
}

#[test]
fn plot_lines_has_the_size_range_and_legend() {
    let loss = [4.0, f64::NAN, 2.0, f64::INFINITY, 1.0];
    let acc = [1.5, 2.5];
    let p = plot_lines(&[("loss", 'l', &loss), ("accuracy", 'a', &acc)], 20, 6);
    let rows = grid_rows(&p);
    assert_eq!(rows.len(), 6, "{p}");
    assert!(rows.iter().all(|r| r.chars().count() == 20), "{p}");
    assert!(p.contains("l loss") && p.contains("a accuracy"), "{p}");
    assert!(p.contains("4 |l") && p.contains("1 |"), "y range 1 to 4 on the axis: {p}");
    assert!(rows[5].ends_with('l'), "the last loss at the bottom right: {p}");
    assert!(p.contains("0") && p.contains(" 4\n"), "indices 0 to 4: {p}");
}

#[test]
fn plot_lines_on_odd_input_does_not_panic() {
    let empty: [f64; 0] = [];
    assert!(plot_lines(&[], 10, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("e", 'e', &empty)], 10, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("nan", 'n', &[f64::NAN, f64::INFINITY])], 10, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("x", 'x', &[1.0])], 0, 5).starts_with("(nothing to plot"));
    // One value, a flat series, and the largest numbers there are.
    for ys in [vec![3.0], vec![2.0; 7], vec![f64::MAX, -f64::MAX, 0.0], vec![f64::MAX; 3]] {
        let p = plot_lines(&[("series", 'y', &ys)], 8, 4);
        assert_eq!(grid_rows(&p).len(), 4, "{p}");
        assert_eq!(p.matches('y').count() - 1, ys.len().min(8), "every value drawn: {p}");
    }
}
