//! ML-From-Scratch's optimizers: the first two steps of each worked by hand,
//! Adam's bias correction against the source's, Nesterov's look-ahead, the
//! race down the narrow valley, fresh copies; and the terminal plots.
//!
//! Hand-worked steps start at `w = [1, −2]`. SGD and Nesterov take the
//! gradient of `f(w) = Σ w²/2`, which is `w` itself; the adaptive optimizers
//! get the fixed gradients `[3, −5]`, then `[4, 12]` (square roots of sums of
//! squares come out whole: `√(3² + 4²) = 5`, `√(5² + 12²) = 13`). Where `eps`
//! only keeps a division finite it is set to 0, so that the roots are exact.

use cnn_walkthrough::course::plot::{plot_lines, plot_paths};
use cnn_walkthrough::textbook::optimizers::{
    all_with_defaults, narrow_quadratic, race, Adadelta, Adagrad, Adam, BiasCorrection,
    NesterovAcceleratedGradient, Optimizer, RMSprop, StochasticGradientDescent,
};
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

/// The panels of a plot with one line of panels: for each, its rows of
/// Braille cells (the pieces of the grid's lines between the spaces).
fn panels(plot: &str) -> Vec<Vec<Vec<char>>> {
    let braille = |c: char| ('\u{2800}'..='\u{28ff}').contains(&c);
    let mut panels: Vec<Vec<Vec<char>>> = vec![];
    for line in plot.lines().filter(|l| l.chars().any(braille)) {
        let pieces = line.split(' ').filter(|p| p.chars().next().is_some_and(braille));
        for (k, piece) in pieces.enumerate() {
            if panels.len() <= k {
                panels.push(vec![]);
            }
            panels[k].push(piece.chars().collect());
        }
    }
    panels
}

/// Whether the dot `bit` of a Braille cell is set (0x01 top left, 0x80 bottom right).
fn dot(cell: char, bit: u32) -> bool {
    (cell as u32 - 0x2800) & bit != 0
}

/// The dots set in a panel.
fn dots(panel: &[Vec<char>]) -> usize {
    panel.iter().flatten().map(|&c| (c as u32 - 0x2800).count_ones() as usize).sum()
}

#[test]
fn plot_paths_has_the_size_titles_note_and_target() {
    let a = [(-1.0, -1.0), (0.0, 0.0), (1.0, 1.0)];
    let b = [(1.0, -1.0), (f64::NAN, 0.0), (f64::INFINITY, 1.0), (0.5, f64::NEG_INFINITY)];
    let p = plot_paths(&[("first", &a), ("second", &b)], Some((0.5, 0.5)), (-1.0, 1.0), (-1.0, 1.0), 50, 5);
    assert!(p.lines().all(|l| l.chars().count() <= 50), "{p}");
    assert!(p.lines().next().is_some_and(|l| l.contains("first") && l.contains("second")), "{p}");
    let panels = panels(&p);
    assert_eq!(panels.len(), 2, "{p}");
    for panel in &panels {
        assert_eq!(panel.len(), 5, "{p}");
        assert!(panel.iter().all(|r| r.len() == panel[0].len() && r.len() >= 17), "{p}");
    }
    assert!(p.contains("The dotted lines cross at the target (0.5, 0.5)."), "{p}");
    assert!(p.lines().any(|l| l.starts_with(" 1 ")) && p.lines().any(|l| l.starts_with("-1 ")), "{p}");
    assert!(p.contains("-1") && p.lines().any(|l| l.trim_end().ends_with(" 1")), "x range: {p}");
    // The first path from the bottom-left corner to the top-right one; the second is one point,
    // at the bottom right.
    let (first, second) = (&panels[0], &panels[1]);
    let cols = first[0].len();
    assert!(dot(first[4][0], 0x40) && dot(first[0][cols - 1], 0x08), "{p}");
    assert!(dot(second[4][cols - 1], 0x80), "{p}");
    assert!(!dot(second[0][0], 0xff) && !dot(second[4][0], 0xff), "nothing else of the second: {p}");
    // The dotted axes cross at (0.5, 0.5): three quarters across and one quarter down.
    let (col, row) = ((2 * cols - 1) * 3 / 4 / 2, 1);
    assert!(second.iter().filter(|r| r[col] != '\u{2800}').count() >= 3, "vertical axis: {p}");
    assert!(second[row].iter().filter(|&&c| c != '\u{2800}').count() >= cols / 2, "horizontal axis: {p}");
    assert!(!p.contains('\x1b'), "no colour codes");
}

#[test]
fn plot_paths_without_anything_to_draw_says_so() {
    let nan = [(f64::NAN, f64::NAN)];
    let one = [(0.0, 0.0)];
    for p in [
        plot_paths(&[], Some((0.0, 0.0)), (-1.0, 1.0), (-1.0, 1.0), 40, 5),
        plot_paths(&[("nan", &nan)], None, (-1.0, 1.0), (-1.0, 1.0), 40, 5),
        plot_paths(&[("one", &one)], None, (-1.0, 1.0), (-1.0, 1.0), 0, 5),
        plot_paths(&[("one", &one)], None, (-1.0, 1.0), (-1.0, 1.0), 19, 5),
        plot_paths(&[("one", &one)], None, (-1.0, 1.0), (-1.0, 1.0), 40, 0),
        plot_paths(&[("one", &one)], None, (1.0, 1.0), (-1.0, 1.0), 40, 5),
        plot_paths(&[("one", &one)], None, (-1.0, 1.0), (f64::NAN, 1.0), 40, 5),
    ] {
        assert!(p.starts_with("(nothing to plot") && p.lines().count() == 1, "{p}");
    }
    // The narrowest that fits: a panel of 17 columns and the margin of "-1".
    assert_eq!(panels(&plot_paths(&[("one", &one)], None, (-1.0, 1.0), (-1.0, 1.0), 20, 5))[0][0].len(), 17);
    // A point outside the ranges is left out, and counted.
    let far = [(0.0, 0.0), (5.0, 0.0)];
    let p = plot_paths(&[("far", &far)], None, (-1.0, 1.0), (-1.0, 1.0), 60, 3);
    assert!(p.ends_with("(points outside the ranges, not drawn: 1)"), "{p}");
}

#[test]
fn plot_paths_puts_as_many_panels_on_a_line_as_fit() {
    let path = [(0.0, 0.0), (0.5, 0.5)];
    let six: Vec<(&str, &[(f64, f64)])> = (0..6).map(|_| ("p", &path[..])).collect();
    for width in [20, 45, 80, 100, 200] {
        let p = plot_paths(&six, Some((0.0, 0.0)), (-1.0, 1.0), (-1.0, 1.0), width, 4);
        assert!(p.lines().all(|l| l.chars().count() <= width), "{width}: {p}");
        // Panels of 22 columns or more, 3 apart, right of the margin of "-1 ": as many as fit, at least one.
        let across = ((width - 3 + 3) / (22 + 3)).clamp(1, 6);
        let titles: Vec<&str> = p.lines().filter(|l| l.split_whitespace().all(|w| w == "p")).collect();
        assert_eq!(titles.len(), 6_usize.div_ceil(across), "{width}: {p}");
        assert_eq!(titles[0].matches('p').count(), across, "{width}: {p}");
    }
}

#[test]
fn plot_lines_has_the_size_range_and_titles() {
    let loss = [4.0, f64::NAN, 2.0, f64::INFINITY, 1.0];
    let acc = [1.5, 2.5];
    let p = plot_lines(&[("loss", &loss), ("accuracy", &acc)], 50, 6);
    assert!(p.lines().all(|l| l.chars().count() <= 50), "{p}");
    assert!(p.lines().next().is_some_and(|l| l.contains("loss") && l.contains("accuracy")), "{p}");
    let panels = panels(&p);
    assert_eq!(panels.len(), 2, "{p}");
    assert!(panels.iter().all(|panel| panel.len() == 6), "{p}");
    assert!(
        p.lines().any(|l| l.starts_with("4 ")) && p.lines().any(|l| l.starts_with("1 ")),
        "y range 1 to 4: {p}"
    );
    assert!(
        p.lines().any(|l| l.trim_start().starts_with("0 ") && l.trim_end().ends_with(" 4")),
        "indices 0 to 4: {p}"
    );
    // The last loss at the bottom right (a dot the dotted axis along the bottom does not set).
    let loss = &panels[0];
    let cols = loss[0].len();
    assert_ne!((2 * cols - 1) % 3, 0, "the axis's dots miss the last one: {p}");
    assert!(dot(loss[5][cols - 1], 0x80), "{p}");
    // The accuracy, 1.5 to 2.5 over indices 0 and 1 of 0 to 4: in the left quarter, in the middle.
    let acc = &panels[1];
    let drawn = |r: &Vec<char>, from: usize, to: usize| r[from..to].iter().any(|&c| c != '\u{2800}');
    assert!(acc[1..5].iter().any(|r| drawn(r, 1, cols / 4 + 1)), "{p}");
    assert!(!acc[..5].iter().any(|r| drawn(r, cols / 4 + 2, cols)), "nothing right of index 1: {p}");
}

#[test]
fn plot_lines_on_odd_input_does_not_panic() {
    let empty: [f64; 0] = [];
    assert!(plot_lines(&[], 40, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("e", &empty)], 40, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("nan", &[f64::NAN, f64::INFINITY])], 40, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("x", &[1.0])], 0, 5).starts_with("(nothing to plot"));
    assert!(plot_lines(&[("x", &[1.0])], 40, 0).starts_with("(nothing to plot"));
    // One value, a flat series, and the largest numbers there are.
    for ys in [vec![3.0], vec![2.0; 7], vec![f64::MAX, -f64::MAX, 0.0], vec![f64::MAX; 3]] {
        let p = plot_lines(&[("series", &ys)], 40, 4);
        assert!(p.lines().all(|l| l.chars().count() <= 40), "{p}");
        let panels = panels(&p);
        assert_eq!(panels.len(), 1, "{p}");
        assert_eq!(panels[0].len(), 4, "{p}");
        // More dots than the dotted axes alone: every third dot of the left and bottom edges.
        let (w, h) = (2 * panels[0][0].len() - 1, 4 * panels[0].len() - 1);
        let axes = h / 3 + 1 + w / 3 + 1 - usize::from(h % 3 == 0);
        assert!(dots(&panels[0]) > axes, "every series drawn: {p}");
    }
    // A flat series is a line across the middle of its band.
    let p = plot_lines(&[("flat", &[2.0; 7])], 40, 4);
    let rows = &panels(&p)[0];
    assert!(rows.iter().any(|r| r[1..].iter().all(|&c| c != '\u{2800}')), "{p}");
}

/// The optimizers of the race with their source's defaults: every
/// hyperparameter's value is its default, except the momentum 0.9 of the
/// second SGD; and each card fits 60 columns.
#[test]
fn cards_show_the_source_defaults_and_fit() {
    use cnn_walkthrough::course::optimizer_checks::card;
    for opt in all_with_defaults() {
        for h in opt.hyperparameters() {
            let changed = opt.name() == "SGD + momentum 0.9" && h.name == "momentum";
            assert_eq!(h.value == h.default, !changed, "{} {}", opt.name(), h.name);
        }
        let text = card(opt.as_ref(), 60);
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.contains(opt.rule()[0].split(" = ").next().unwrap_or_default()), "{text}");
    }
}

/// The lesson's second computations agree with the textbook on every
/// optimizer, and catch one that differs: the source's Adam (`1 − b1` for
/// `1 − b1ᵗ`) against the paper's, and SGD run with a learning rate that is
/// not the one its hyperparameters report.
#[test]
fn second_ways_agree_and_would_catch_a_difference() {
    use cnn_walkthrough::course::optimizer_checks::{first_step_by_hand, path_second_way};
    let start = (-4.0, 2.0);
    let gap = |a: &[(f64, f64)], b: &[(f64, f64)]| {
        a.iter().zip(b).map(|(p, q)| (p.0 - q.0).abs().max((p.1 - q.1).abs())).fold(0.0, f64::max)
    };
    for opt in all_with_defaults() {
        let path = race(opt.fresh(), start, 300, narrow_quadratic);
        let second = path_second_way(opt.as_ref(), start, 300).expect("a known optimizer");
        assert!(gap(&path, &second) < 1e-12, "{}", opt.name());
        let hand = first_step_by_hand(opt.as_ref(), start).expect("a known optimizer").values();
        assert!((hand[0] - path[1].0).abs() < 1e-12 && (hand[1] - path[1].1).abs() < 1e-12, "{}", opt.name());
    }
    let source = Adam { bias_correction: BiasCorrection::AsInSource, ..Adam::default() };
    let path = race(source.fresh(), start, 300, narrow_quadratic);
    assert!(gap(&path, &path_second_way(&source, start, 300).unwrap_or_default()) > 1e-3);
    let slow = race(Box::new(StochasticGradientDescent::new(0.009, 0.0)), start, 3, narrow_quadratic);
    let hand = first_step_by_hand(&StochasticGradientDescent::default(), start).map(|s| s.values());
    assert!(hand.is_some_and(|h| (h[0] - slow[1].0).abs() > 1e-6));
}
