//! Grading a student's function: run it on a case, catch what it does
//! wrong, and say where.
//!
//! A [`Grader`] runs the cases of one exercise in order, the notebook's or
//! article's published example first, then hidden random cases, and stops
//! at the first that fails: the student fixes one thing at a time. Each
//! call of the student's code goes through [`Grader::call`], which catches a
//! panic: `todo!()` means the exercise is not started yet, any other panic
//! is a failure reported with its message and line, never a crash of the
//! grader. Arrays are compared by [`Grader::arrays`]: first the shapes
//! (both named), then the first element that differs, with its index,
//! expected, got, and what that index means (which image, window, channel).
//!
//! Our own code, not a test framework's: the report is for a student, in
//! the articles' words, and must tell "not started" from "wrong".

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use ndarray::{ArrayView, Dimension};

/// How an exercise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every case agrees.
    Passed,
    /// A case differs, panics or returns an error.
    Failed,
    /// The body is still `todo!()`.
    NotStarted,
}

impl Outcome {
    /// How `cargo run -- exercises` lists it.
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Passed => "passing",
            Outcome::Failed => "failing",
            Outcome::NotStarted => "not started",
        }
    }
}

/// The result of grading one exercise: its outcome, and the report's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// Passed, failed, or not started.
    pub outcome: Outcome,
    /// What was checked, case by case, and what went wrong.
    pub lines: Vec<String>,
}

impl Grade {
    /// The report as one text.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

thread_local! {
    /// Set while the student's code runs: its panics are recorded, not printed.
    static GRADING: Cell<bool> = const { Cell::new(false) };
    /// The last panic of the student's code: its message and where.
    static PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that records the student's panics (on a
/// thread that is grading) instead of printing them, and leaves every other
/// panic to the hook that was there before.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GRADING.with(Cell::get) {
                let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_string()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "a panic without a message".to_string()
                };
                let place = info.location().map_or(String::new(), |l| format!("{}:{}", l.file(), l.line()));
                let place = if place.contains("exercises/") { place } else { student_line(&place) };
                let place = place.replace("grade/../", "");
                PANIC.with(|p| *p.borrow_mut() = Some((message, place)));
            } else {
                previous(info);
            }
        }));
    });
}

/// Where a panic raised inside a library (ndarray's "could not broadcast")
/// was called from in the student's file: the first frame of the backtrace
/// in `exercises/` (the grading programs are built with line tables for
/// this), as `exercises/ex01_zero_pad.rs:23 (the panic is raised inside ndarray,
/// called from there)`; else `place`.
fn student_line(place: &str) -> String {
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let mine = trace.lines().map(str::trim).filter_map(|l| l.strip_prefix("at ")).find(|l| {
        l.contains("exercises/") && !l.contains("src/exercises/") && !l.contains("exercises/grade/ex")
    });
    match mine {
        Some(at) => {
            // `…/exercises/grade/../ex01_zero_pad.rs:23:5` → `exercises/ex01_zero_pad.rs:23`
            let at = &at[at.find("exercises/").unwrap_or(0)..];
            let at = at.rsplit_once(':').map_or(at, |(file_line, _column)| file_line);
            // `…/ndarray-0.17.2/src/lib.rs:1801` → `ndarray`
            let library = place.rsplit_once("/src/").map_or(place, |(crate_dir, _)| crate_dir);
            let library = library.rsplit('/').next().unwrap_or(library);
            let library = library.rsplit_once('-').map_or(library, |(name, _version)| name);
            format!("{at} (the panic is raised inside {library}, called from there)")
        }
        None => place.to_string(),
    }
}

/// Runs the cases of one exercise, stopping at the first that fails.
#[derive(Debug)]
pub struct Grader {
    lines: Vec<String>,
    outcome: Option<Outcome>,
}

impl Default for Grader {
    fn default() -> Self {
        Self::new()
    }
}

impl Grader {
    /// A grader with no case run yet.
    pub fn new() -> Self {
        install_hook();
        Grader { lines: vec![], outcome: None }
    }

    /// Whether a case has failed (or the exercise is not started): the
    /// grader then skips the cases that follow.
    pub fn stopped(&self) -> bool {
        self.outcome.is_some()
    }

    /// Runs the student's code for `case`, catching a panic. `None` if it
    /// panicked (the report says how) or a case before failed.
    pub fn call<T>(&mut self, case: &str, student: impl FnOnce() -> T) -> Option<T> {
        if self.stopped() {
            return None;
        }
        GRADING.with(|g| g.set(true));
        PANIC.with(|p| p.borrow_mut().take());
        let result = panic::catch_unwind(AssertUnwindSafe(student));
        GRADING.with(|g| g.set(false));
        match result {
            Ok(value) => Some(value),
            Err(_) => {
                let (message, place) = PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| ("a panic".into(), String::new()));
                if message.starts_with("not yet implemented") || message.starts_with("not implemented") {
                    self.lines.push("not started yet: the function's body is still todo!()".into());
                    self.outcome = Some(Outcome::NotStarted);
                } else {
                    let at = if place.is_empty() { String::new() } else { format!(" at {place}") };
                    self.fail(case, &format!("your code panicked{at}: {message}"));
                    if message.contains("could not broadcast array from shape") {
                        self.explain(
                            "(assign and the arithmetic operators need arrays of the same shape: \
                             the first shape is the array you gave, the second the place it goes)",
                        );
                    }
                }
                None
            }
        }
    }

    /// [`call`](Self::call) for a function that returns a `Result`: an
    /// error is a failure, with its message.
    pub fn call_result<T, E: std::fmt::Display>(
        &mut self,
        case: &str,
        student: impl FnOnce() -> Result<T, E>,
    ) -> Option<T> {
        match self.call(case, student)? {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(case, &format!("your code returned an error: {e}"));
                None
            }
        }
    }

    /// Records a failure of `case`, and stops.
    pub fn fail(&mut self, case: &str, why: &str) {
        if self.stopped() {
            return;
        }
        self.lines.push(format!("FAIL  {case}"));
        self.lines.extend(why.lines().map(|l| format!("      {l}")));
        self.outcome = Some(Outcome::Failed);
    }

    /// Adds a line under the failure just recorded: what the wrong answer
    /// looks like (a grader that recognises a classic mistake says so).
    pub fn explain(&mut self, why: &str) {
        if self.outcome == Some(Outcome::Failed) {
            self.lines.extend(why.lines().map(|l| format!("      {l}")));
        }
    }

    /// Records that `case` passed.
    pub fn pass(&mut self, case: &str) {
        if !self.stopped() {
            self.lines.push(format!("pass  {case}"));
        }
    }

    /// Compares the student's array `got` with `expected` for `case`:
    /// shapes first, then each element within `tol` (absolute, plus `tol`
    /// relative to the expected value). `what` names the array (`x_pad`);
    /// `meaning` says what an index is (`image 1, row 3, column 0,
    /// channel 1`). Returns whether they agree; a case that agrees in every
    /// array is then [`pass`](Self::pass)ed by the caller.
    pub fn arrays<D: Dimension>(
        &mut self,
        case: &str,
        what: &str,
        expected: &ArrayView<f64, D>,
        got: &ArrayView<f64, D>,
        tol: f64,
        meaning: &dyn Fn(&[usize]) -> String,
    ) -> bool {
        if self.stopped() {
            return false;
        }
        if expected.shape() != got.shape() {
            self.fail(
                case,
                &format!(
                    "{what} has the wrong shape: expected {}, got {}",
                    tuple(expected.shape()),
                    tuple(got.shape())
                ),
            );
            return false;
        }
        let first = expected.indexed_iter().zip(got.iter()).find(|((_, e), g)| !close(**e, **g, tol));
        if let Some(((index, &e), &g)) = first {
            let index: Vec<usize> = ndarray::IntoDimension::into_dimension(index).slice().to_vec();
            let means = meaning(&index);
            let means = if means.is_empty() { String::new() } else { format!(" ({means})") };
            self.fail(
                case,
                &format!(
                    "first difference at {what}{}{means}:\nexpected {}, got {}{}",
                    bracket(&index),
                    number(e),
                    number(g),
                    beyond_digits(e, g)
                ),
            );
            return false;
        }
        true
    }

    /// Compares one number.
    pub fn value(&mut self, case: &str, what: &str, expected: f64, got: f64, tol: f64) -> bool {
        if self.stopped() {
            return false;
        }
        if !close(expected, got, tol) {
            self.fail(
                case,
                &format!(
                    "{what}: expected {}, got {}{}",
                    number(expected),
                    number(got),
                    beyond_digits(expected, got)
                ),
            );
            return false;
        }
        true
    }

    /// The grade: passed if no case failed.
    pub fn finish(self) -> Grade {
        Grade { outcome: self.outcome.unwrap_or(Outcome::Passed), lines: self.lines }
    }
}

/// Whether `got` is within `tol` of `expected` (absolute, and relative to
/// `expected`); two NaNs agree, a NaN and a number do not.
pub fn close(expected: f64, got: f64, tol: f64) -> bool {
    if expected.is_nan() || got.is_nan() {
        return expected.is_nan() && got.is_nan();
    }
    expected == got || (expected - got).abs() <= tol * (1.0 + expected.abs())
}

/// Whether `got` has `candidate`'s shape and agrees with it everywhere to
/// `tol` ([`close`]: two NaNs agree): how a grader recognises a classic wrong
/// answer (the textbook's result, changed as the mistake changes it) in the
/// student's result.
pub fn agrees<D: ndarray::Dimension>(
    candidate: &ndarray::ArrayView<f64, D>,
    got: &ndarray::ArrayView<f64, D>,
    tol: f64,
) -> bool {
    candidate.shape() == got.shape() && candidate.iter().zip(got).all(|(&c, &g)| close(c, g, tol))
}

/// A shape as Python writes it: `(4, 7, 7, 2)`.
pub fn tuple(shape: &[usize]) -> String {
    crate::course::numpy_fmt::shape_str(shape)
}

/// An index as numpy takes it: `[1, 3, 0, 1]`.
pub fn bracket(index: &[usize]) -> String {
    format!("[{}]", index.iter().map(usize::to_string).collect::<Vec<_>>().join(", "))
}

/// A number for a report: a whole number as Python prints a float (`2.0`),
/// else to 8 decimal places, without trailing zeros.
pub fn number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{:.8}", x).trim_end_matches('0').to_string()
    }
}

/// When `e` and `g` differ but print alike, a line that says by how much.
fn beyond_digits(e: f64, g: f64) -> String {
    if number(e) == number(g) {
        format!("\n(they differ by {:.1e}, beyond the 8 decimals shown)", g - e)
    } else {
        String::new()
    }
}

/// What an NHWC index means: `image 1, row 3, column 0, channel 1`.
pub fn nhwc(index: &[usize]) -> String {
    match index {
        [i, h, w, c] => format!("image {i}, row {h}, column {w}, channel {c}"),
        _ => String::new(),
    }
}

/// What an NCHW index means: `image 1, channel 2, row 0, column 3`.
pub fn nchw(index: &[usize]) -> String {
    match index {
        [i, c, h, w] => format!("image {i}, channel {c}, row {h}, column {w}"),
        _ => String::new(),
    }
}
