//! Checks for lesson 10 that could fail: each optimizer of
//! [`crate::textbook::optimizers`] on the narrow valley
//! `f(x, y) = (x² + 25·y²) / 2`, against computations that do not call it.
//!
//! - [`card`]: what the lesson prints before running an optimizer, its rule
//!   and hyperparameters (from the optimizer itself, so they cannot drift
//!   from the code).
//! - [`first_step_by_hand`]: step 1 from the formula with every number
//!   written out, as a student would work it on paper: with all the state at
//!   zero each rule shrinks to one line.
//! - [`path_second_way`]: the whole path again, written plainly with one
//!   `f64` per coordinate, and the valley's gradient `(x, 25·y)` written here
//!   rather than taken from the textbook.
//! - [`RUNS`]: how many steps each optimizer needs to come and stay within
//!   [`NEAR`] of the minimum (Adagrad never does).
//!
//! Only the hyperparameters are read from the optimizer under test, through
//! [`Optimizer::hyperparameters`]; the arithmetic is all here.

use crate::course::show::wrap;
use crate::textbook::optimizers::Optimizer;

/// The gradient of the valley `(x² + 25·y²) / 2`, written out.
fn valley_gradient((x, y): (f64, f64)) -> (f64, f64) {
    (x, 25.0 * y)
}

/// An optimizer's hyperparameter by its name, `None` if it has none of it.
fn value(optimizer: &dyn Optimizer, name: &str) -> Option<f64> {
    optimizer.hyperparameters().iter().find(|h| h.name == name).map(|h| h.value)
}

/// A number as a formula writes it: `1e-8` rather than `0.00000001`.
fn num(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A number after an operator: in parentheses when negative.
fn term(v: f64) -> String {
    if v < 0.0 {
        format!("({})", num(v))
    } else {
        num(v)
    }
}

/// A formula within `width`, `indent` spaces in: on one line if it fits,
/// else broken before each ` = ` (its continuations two spaces further in),
/// and a piece still too long wrapped at its spaces.
fn formula(text: &str, width: usize, indent: usize) -> String {
    if indent + text.chars().count() <= width {
        return format!("{:indent$}{text}", "");
    }
    let mut pieces = text.split(" = ");
    let first = pieces.next().unwrap_or_default();
    let mut lines = vec![wrap(first, width, indent)];
    lines.extend(pieces.map(|p| wrap(&format!("= {p}"), width, indent + 2)));
    lines.join("\n")
}

/// The card printed before an optimizer runs: its name and the source's
/// class, its hyperparameters (with the source's default where the value
/// differs), and its update rule, each line wrapped within `width`.
pub fn card(optimizer: &dyn Optimizer, width: usize) -> String {
    let values: Vec<String> = optimizer
        .hyperparameters()
        .iter()
        .map(|h| {
            let differs =
                if h.value == h.default { String::new() } else { format!(" (default {})", num(h.default)) };
            format!("{} = {}{differs}", h.name, num(h.value))
        })
        .collect();
    let mut lines = vec![
        wrap(&format!("{}: the source's {}", optimizer.name(), optimizer.class()), width, 0),
        wrap(&values.join(", "), width, 2),
    ];
    lines.extend(optimizer.rule().iter().map(|r| formula(r, width, 4)));
    lines.join("\n")
}

/// Step 1 worked by hand: the rule with all the state at zero, and for each
/// coordinate the numbers put in and the result.
pub struct FirstStep {
    /// The rule at step 1, in the names of the code.
    pub rule: &'static str,
    /// Per coordinate: the rule with its numbers, and the new value.
    pub coordinates: Vec<(String, f64)>,
}

impl FirstStep {
    /// The new values, `[x, y]`.
    pub fn values(&self) -> Vec<f64> {
        self.coordinates.iter().map(|&(_, v)| v).collect()
    }

    /// The working, within `width`: the rule, then one line a coordinate.
    pub fn render(&self, width: usize) -> String {
        let mut lines = vec![
            "  step 1 by hand, the state still 0:".to_string(),
            formula(&format!("w = {}", self.rule), width, 4),
        ];
        lines.extend(self.coordinates.iter().map(|(numbers, _)| formula(numbers, width, 4)));
        lines.join("\n")
    }
}

/// Step 1 of `optimizer` from `w` on the valley, worked by hand. `None` for
/// an optimizer this module does not know, or that lacks a hyperparameter
/// its rule needs.
pub fn first_step_by_hand(optimizer: &dyn Optimizer, w: (f64, f64)) -> Option<FirstStep> {
    let get = |name| value(optimizer, name);
    let (gx, gy) = valley_gradient(w);
    let mut coordinates = vec![];
    let mut rule = "";
    for (name, w, g) in [("x", w.0, gx), ("y", w.1, gy)] {
        let (numbers, next) = match optimizer.class() {
            "StochasticGradientDescent" => {
                let (lr, m) = (get("learning_rate")?, get("momentum")?);
                rule = "w − learning_rate·(1 − momentum)·grad";
                (format!("{} − {}·(1 − {})·{}", num(w), num(lr), num(m), term(g)), w - lr * (1.0 - m) * g)
            }
            "NesterovAcceleratedGradient" => {
                let lr = get("learning_rate")?;
                rule = "w − learning_rate·clip(grad, −1, 1)";
                (format!("{} − {}·clip({}, −1, 1)", num(w), num(lr), num(g)), w - lr * g.clamp(-1.0, 1.0))
            }
            "Adagrad" => {
                let (lr, eps) = (get("learning_rate")?, get("eps")?);
                rule = "w − learning_rate·grad / √(grad² + eps)";
                (
                    format!("{} − {}·{} / √({}² + {})", num(w), num(lr), term(g), term(g), num(eps)),
                    w - lr * g / (g * g + eps).sqrt(),
                )
            }
            "Adadelta" => {
                let (rho, eps) = (get("rho")?, get("eps")?);
                rule = "w − √eps / √((1 − rho)·grad² + eps)·grad";
                let numbers = format!(
                    "{} − √{} / √((1 − {})·{}² + {})·{}",
                    num(w),
                    num(eps),
                    num(rho),
                    term(g),
                    num(eps),
                    term(g)
                );
                (numbers, w - eps.sqrt() / ((1.0 - rho) * g * g + eps).sqrt() * g)
            }
            "RMSprop" => {
                let (lr, rho, eps) = (get("learning_rate")?, get("rho")?, get("eps")?);
                rule = "w − learning_rate·grad / √((1 − rho)·grad² + eps)";
                let numbers = format!(
                    "{} − {}·{} / √((1 − {})·{}² + {})",
                    num(w),
                    num(lr),
                    term(g),
                    num(rho),
                    term(g),
                    num(eps)
                );
                (numbers, w - lr * g / ((1.0 - rho) * g * g + eps).sqrt())
            }
            "Adam" => {
                let (lr, eps) = (get("learning_rate")?, get("eps")?);
                rule = "w − learning_rate·grad / (|grad| + eps)";
                (
                    format!("{} − {}·{} / ({} + {})", num(w), num(lr), term(g), num(g.abs()), num(eps)),
                    w - lr * g / (g.abs() + eps),
                )
            }
            _ => return None,
        };
        coordinates.push((format!("{name}: {numbers} = {next:.6}"), next));
    }
    Some(FirstStep { rule, coordinates })
}

/// The path of `optimizer` from `start` on the valley, `steps` steps (and
/// the start: `steps + 1` points), computed plainly here, one coordinate at
/// a time, from the rules of its [`card`]. Adam is the paper's (`1 − b1ᵗ`).
/// `None` for an optimizer this module does not know, or that lacks a
/// hyperparameter its rule needs.
pub fn path_second_way(
    optimizer: &dyn Optimizer,
    start: (f64, f64),
    steps: usize,
) -> Option<Vec<(f64, f64)>> {
    let get = |name| value(optimizer, name);
    let class = optimizer.class();
    let (lr, momentum, rho, eps) = (get("learning_rate"), get("momentum"), get("rho"), get("eps"));
    let (b1, b2) = (get("b1"), get("b2"));
    // Each optimizer's state, per coordinate: at most two numbers.
    let (mut w, mut a, mut b) = ([start.0, start.1], [0.0; 2], [0.0; 2]);
    let mut path = vec![start];
    for t in 1..=steps {
        let ahead = match class {
            "NesterovAcceleratedGradient" => [w[0] - momentum? * a[0], w[1] - momentum? * a[1]],
            _ => w,
        };
        let (gx, gy) = valley_gradient((ahead[0], ahead[1]));
        for (i, g) in [gx, gy].into_iter().enumerate() {
            match class {
                "StochasticGradientDescent" => {
                    a[i] = momentum? * a[i] + (1.0 - momentum?) * g;
                    w[i] -= lr? * a[i];
                }
                "NesterovAcceleratedGradient" => {
                    a[i] = momentum? * a[i] + lr? * g.clamp(-1.0, 1.0);
                    w[i] -= a[i];
                }
                "Adagrad" => {
                    a[i] += g * g;
                    w[i] -= lr? * g / (a[i] + eps?).sqrt();
                }
                "Adadelta" => {
                    a[i] = rho? * a[i] + (1.0 - rho?) * g * g;
                    let update = (b[i] + eps?).sqrt() / (a[i] + eps?).sqrt() * g;
                    b[i] = rho? * b[i] + (1.0 - rho?) * update * update;
                    w[i] -= update;
                }
                "RMSprop" => {
                    a[i] = rho? * a[i] + (1.0 - rho?) * g * g;
                    w[i] -= lr? * g / (a[i] + eps?).sqrt();
                }
                "Adam" => {
                    a[i] = b1? * a[i] + (1.0 - b1?) * g;
                    b[i] = b2? * b[i] + (1.0 - b2?) * g * g;
                    let t = i32::try_from(t).ok()?;
                    let (m_hat, v_hat) = (a[i] / (1.0 - b1?.powi(t)), b[i] / (1.0 - b2?.powi(t)));
                    w[i] -= lr? * m_hat / (v_hat.sqrt() + eps?);
                }
                _ => return None,
            }
        }
        path.push((w[0], w[1]));
    }
    Some(path)
}

/// How near the minimum counts as arrived, in distance from `(0, 0)`.
pub const NEAR: f64 = 0.5;

/// How far each optimizer (by [`Optimizer::name`]) is run from `(-4, 2)`
/// with the source's defaults, and whether by then it is within [`NEAR`] of
/// the minimum. Measured: each comes and stays within it from step 207
/// (SGD), 197 (momentum 0.9), 2217 (Nesterov), 880 (Adadelta), 359
/// (RMSprop), 4759 (Adam); each budget leaves a margin of a tenth or more.
/// Adagrad's steps shrink like `1/√t`: after 20000 it is still 1.6 away.
pub const RUNS: &[(&str, usize, bool)] = &[
    ("SGD", 250, true),
    ("SGD + momentum 0.9", 250, true),
    ("Nesterov", 2500, true),
    ("Adagrad", 20000, false),
    ("Adadelta", 1000, true),
    ("RMSprop", 400, true),
    ("Adam", 5500, true),
];
