//! Lesson 10: optimizers.
//!
//! Six ways down a valley: ML-From-Scratch's SGD, Nesterov, Adagrad,
//! Adadelta, RMSprop and Adam with its default hyperparameters, all started
//! from the same point of the same narrow valley; their first steps, how close
//! each gets, and their paths drawn in the terminal. Then Adam's bias
//! correction done right (1 − βᵗ) beside the source's (1 − β).

use cnn_walkthrough::course::plot::plot_paths;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::textbook::optimizers::{
    all_with_defaults, narrow_quadratic, race, Adam, BiasCorrection, Optimizer,
};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_10_OPTIMIZERS, run)
}

const START: (f64, f64) = (-4.0, 2.0);
const STEPS: usize = 300;

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("The race");
    let start = arr1(&[START.0, START.1]);
    let (f0, _) = narrow_quadratic(&start.view());
    l.say(&format!(
        "The valley: {}, minimum at (0,\u{a0}0). Every optimizer starts at ({},\u{a0}{}), \
         f\u{a0}=\u{a0}{f0}, with the source's default hyperparameters, and takes {STEPS} steps.\n",
        cnn_walkthrough::textbook::optimizers::NARROW_QUADRATIC,
        START.0,
        START.1
    ));
    let mut paths = vec![];
    let mut rows = vec![];
    for optimizer in all_with_defaults() {
        let path = race(optimizer.fresh(), START, STEPS, narrow_quadratic);
        let show = |k: usize| path.get(k).map_or("-".to_string(), |(x, y)| format!("{x:>7.4}\n{y:>7.4}"));
        let (x, y) = path.last().copied().unwrap_or(START);
        let distance = (x * x + y * y).sqrt();
        rows.push(vec![optimizer.name(), "x\ny".into(), show(1), show(2), show(3), format!("{distance:.3}")]);
        let start_distance = (START.0 * START.0 + START.1 * START.1).sqrt();
        let (name, nearer) = (optimizer.name(), distance < start_distance);
        let evidence = format!("{distance:.3} {} {start_distance:.3}", if nearer { "<" } else { "≥" });
        l.check_that(&format!("{name} ends nearer (0, 0) than it starts"), nearer, &evidence);
        paths.push((optimizer.name(), path));
    }
    l.table(&["optimizer", "", "step 1", "step 2", "step 3", &format!("distance after {STEPS}")], &rows);
    let drawn: Vec<cnn_walkthrough::course::plot::NamedPath> =
        paths.iter().map(|(name, path)| (name.as_str(), path.as_slice())).collect();
    l.block(&plot_paths(&drawn, Some((0.0, 0.0)), (-4.5, 4.5), (-2.5, 2.5), l.width(), 7));

    l.stage("Adam's bias correction");
    l.say(
        "Adam averages the gradient (m) and its square (v), both starting at 0, so early averages \
         are too small. It divides them by 1\u{a0}−\u{a0}βᵗ, which is 0.1 at step 1 for \
         β₁\u{a0}=\u{a0}0.9 and tends to 1. The source divides by 1\u{a0}−\u{a0}β instead, at every \
         step: right at step 1, and ever more wrong after.",
    );
    let mut rows = vec![];
    let mut correct = Adam { bias_correction: BiasCorrection::Correct, ..Adam::default() };
    let mut source = Adam { bias_correction: BiasCorrection::AsInSource, ..Adam::default() };
    let (mut wc, mut ws) = (start.clone().into_dyn(), start.clone().into_dyn());
    let gradient = |w: &ndarray::ArrayViewD<f64>| {
        narrow_quadratic(&w.view().into_dimensionality().expect("two values")).1.into_dyn()
    };
    let mut history = vec![];
    for step in 1..=5 {
        correct.update(&mut wc, &mut |w| gradient(w));
        source.update(&mut ws, &mut |w| gradient(w));
        rows.push(vec![
            step.to_string(),
            format!("({:.6}, {:.6})", wc[0], wc[1]),
            format!("({:.6}, {:.6})", ws[0], ws[1]),
        ]);
        history.push((wc.clone(), ws.clone()));
    }
    l.table(&["step", "1 − βᵗ (correct)", "1 − β (source)"], &rows);
    l.say(
        "At step 1 both give\n  m̂/(√v̂ + eps) = g/(|g| + eps)\nso every coordinate moves by the \
         learning rate, whatever the size of its gradient. After that the source's estimates drift (m̂ towards 10× the gradient).",
    );
    let (adam, g) = (Adam::default(), narrow_quadratic(&start.view()).1);
    let first_step = &start - &g.mapv(|g| adam.learning_rate * g / (g.abs() + adam.eps));
    l.check_arrays("step 1: w − lr·g/(|g| + eps)", &first_step.view(), &history[0].0.view(), 1e-12);
    l.check_arrays("step 1: the source's Adam agrees", &history[0].0.view(), &history[0].1.view(), 0.0);
    let gap = (&history[1].0 - &history[1].1).mapv(f64::abs).sum();
    l.check_that("step 2: the source's Adam differs", gap > 1e-6, &format!("by {gap:.2e} in all"));
    Ok(())
}
