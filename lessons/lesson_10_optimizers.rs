//! Lesson 10: optimizers.
//!
//! Six ways down a valley: ML-From-Scratch's SGD (run twice, with momentum
//! 0 and 0.9), Nesterov, Adagrad, Adadelta, RMSprop and Adam with its
//! default hyperparameters, all started
//! from the same point of the same narrow valley. Each is shown with its
//! update rule and hyperparameters, its first step worked by hand, and its
//! path checked against a second, plain implementation
//! ([`cnn_walkthrough::course::optimizer_checks`]); then how many steps each
//! needs to arrive, with their paths drawn in the terminal; then Adam's bias
//! correction done right (1 − βᵗ) beside the source's (1 − β).

use cnn_walkthrough::course::bugs::all_with_defaults;
use cnn_walkthrough::course::optimizer_checks::{card, first_step_by_hand, path_second_way, NEAR, RUNS};
use cnn_walkthrough::course::plot::{plot_paths, NamedPath};
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::textbook::optimizers::{narrow_quadratic, race, Adam, BiasCorrection, Optimizer};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_10_OPTIMIZERS, run)
}

const START: (f64, f64) = (-4.0, 2.0);
const STEPS: usize = 300;

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("The race");
    l.layout(Layout::Point, None);
    let start = arr1(&[START.0, START.1]);
    let (f0, _) = narrow_quadratic(&start.view());
    l.say(&format!(
        "The valley: {}, minimum at (0,\u{a0}0). Every optimizer starts at ({},\u{a0}{}), \
         f\u{a0}=\u{a0}{f0}, with the source's default hyperparameters, and takes {STEPS} steps.\n",
        cnn_walkthrough::textbook::optimizers::NARROW_QUADRATIC,
        START.0,
        START.1
    ));
    let mut rows = vec![];
    for optimizer in all_with_defaults(l.bug()) {
        l.block(&card(optimizer.as_ref(), l.width()));
        let path = race(optimizer.fresh(), START, STEPS, narrow_quadratic);
        let name = optimizer.name();
        let by_hand = first_step_by_hand(optimizer.as_ref(), START);
        l.block(&format!("{}\n", by_hand.as_ref().map_or(String::new(), |s| s.render(l.width()))));
        let hand = by_hand.map_or(vec![], |s| s.values());
        let first = path.get(1).map_or(vec![], |&(x, y)| vec![x, y]);
        l.check_arrays(
            &format!("{name}: step 1 = by hand"),
            &arr1(&hand).view(),
            &arr1(&first).view(),
            1e-12,
        );
        let second = path_second_way(optimizer.as_ref(), START, STEPS).unwrap_or_default();
        let flat = |p: &[(f64, f64)]| arr1(&p.iter().flat_map(|&(x, y)| [x, y]).collect::<Vec<_>>());
        let quantity = format!("{name}: {STEPS} steps = a second way");
        l.check_arrays(&quantity, &flat(&second).view(), &flat(&path).view(), 1e-9);
        let show = |k: usize| path.get(k).map_or("-".to_string(), |(x, y)| format!("{x:>7.4}\n{y:>7.4}"));
        let (x, y) = path.last().copied().unwrap_or(START);
        rows.push(vec![name.clone(), "x\ny".into(), show(1), show(2), show(3), format!("{:.3}", x.hypot(y))]);
    }
    l.table(&["optimizer", "", "step 1", "step 2", "step 3", &format!("distance after {STEPS}")], &rows);

    l.stage("Who gets there, and when");
    let adagrad_steps = RUNS.iter().find(|r| r.0 == "Adagrad").map_or(0, |r| r.1);
    l.say(&format!(
        "Each runs on until it is within {NEAR} of the minimum, and stays: with the source's \
         defaults the slow ones need thousands of steps (Adam's learning rate is {}, as is Nesterov's), and \
         Adagrad, whose steps shrink like 1/√t, is not there after {adagrad_steps}. Above each panel: the optimizer, and the steps it took.\n",
        Adam::default().learning_rate
    ));
    let mut paths = vec![];
    for &(name, steps, arrives) in RUNS {
        let Some(optimizer) = all_with_defaults(l.bug()).into_iter().find(|o| o.name() == name) else {
            continue;
        };
        let path = race(optimizer, START, steps, narrow_quadratic);
        let (x, y) = path.last().copied().unwrap_or(START);
        let (distance, sign) = (x.hypot(y), if arrives { "<" } else { "≥" });
        let quantity =
            format!("{name} {} by step {steps}", if arrives { "is near (0, 0)" } else { "is still far" });
        l.check_that(&quantity, (distance < NEAR) == arrives, &format!("{distance:.3} {sign} {NEAR}"));
        paths.push((format!("{name}: {steps}"), path));
    }
    let drawn: Vec<NamedPath> = paths.iter().map(|(name, path)| (name.as_str(), path.as_slice())).collect();
    l.block(&plot_paths(&drawn, Some((0.0, 0.0)), (-4.5, 4.5), (-2.5, 2.5), l.width(), 7));

    l.stage("Adam's bias correction");
    let mut correct = Adam { bias_correction: BiasCorrection::Correct, ..Adam::default() };
    let mut source = Adam { bias_correction: BiasCorrection::AsInSource, ..Adam::default() };
    l.say(&format!(
        "Adam averages the gradient (m) and its square (v), both starting at 0, so early averages \
         are too small. It divides them by 1\u{a0}−\u{a0}b1ᵗ, which is {:.1} at step 1 for \
         b1\u{a0}=\u{a0}{:.1} and tends to 1 (and v by 1\u{a0}−\u{a0}b2ᵗ). The source divides by \
         1\u{a0}−\u{a0}b1 and 1\u{a0}−\u{a0}b2 instead.",
        1.0 - correct.b1,
        correct.b1
    ));
    l.erratum(&errata::ADAM_BIAS_CORRECTION);
    l.say("The two lines that differ:\n");
    let pairs = correct.rule().iter().zip(source.rule()).filter(|(c, s)| c != s);
    let lines: Vec<String> = pairs.map(|(c, s)| format!("  {c}    the source: {s}")).collect();
    l.block(&format!("{}\n", lines.join("\n")));
    let mut rows = vec![];
    let (mut wc, mut ws) = (start.clone().into_dyn(), start.clone().into_dyn());
    let gradient = |w: &ndarray::ArrayViewD<f64>| {
        narrow_quadratic(&w.view().into_dimensionality().expect("two values")).1.into_dyn()
    };
    let (mut history, mut ratios) = (vec![], vec![]);
    let length = |a: &ndarray::ArrayD<f64>, b: &ndarray::ArrayD<f64>| (a - b).mapv(|d| d * d).sum().sqrt();
    for step in 1..=1000 {
        let (before_c, before_s) = (wc.clone(), ws.clone());
        correct.update(&mut wc, &mut |w| gradient(w));
        source.update(&mut ws, &mut |w| gradient(w));
        let (lc, ls) = (length(&wc, &before_c), length(&ws, &before_s));
        ratios.push(ls / lc);
        if [1, 2, 3, 5, 10, 100, 1000].contains(&step) {
            let at = |w: &ndarray::ArrayD<f64>| format!("({:.5}, {:.5})", w[0], w[1]);
            rows.push(vec![step.to_string(), at(&wc), format!("{lc:.1e}"), at(&ws), format!("{ls:.1e}")]);
        }
        history.push((wc.clone(), ws.clone()));
    }
    l.table(&["step", "Adam (x, y)", "length", "source (x, y)", "length"], &rows);
    l.say(&format!(
        "At step 1 both give\n  m_hat / (√v_hat + eps) = grad / (|grad| + eps)\nso every coordinate \
         moves by the learning rate, whatever the size of its gradient. After that the source's \
         steps have the wrong length: {:.2}× Adam's at step 2, {:.2}× at step 10, {:.2}× at step \
         1000.",
        ratios[1], ratios[9], ratios[999]
    ));
    l.check_arrays("step 1: the source's Adam agrees", &history[0].0.view(), &history[0].1.view(), 0.0);
    let gap = (&history[1].0 - &history[1].1).mapv(f64::abs).sum();
    l.check_that("step 2: the source's Adam differs", gap > 1e-6, &format!("by {gap:.2e} in all"));
    Ok(())
}
