//! The progress bar of an epoch: [`indicatif`]'s, drawn on stderr on one
//! line that is redrawn in place:
//!
//! ```text
//! epoch 3 [█████████████·················] 640/1078 loss 0.412
//! ```
//!
//! [`Progress`] is a thin wrapper that keeps the lesson's code short and the
//! course's rules in one place: the bar is drawn only when stderr is a
//! terminal (indicatif's [`ProgressDrawTarget::stderr`] hides itself
//! otherwise, so output piped to a file or captured by tests holds no bar,
//! only what the lesson prints on stdout); it has no colour, so it reads the
//! same with `NO_COLOR`; it is at most about 70 columns wide (a 30-cell bar),
//! and indicatif cuts it to the terminal's width. Each epoch gets a fresh
//! bar, cleared by [`finish`](Progress::finish) before the epoch's row is
//! printed.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::sync::{Arc, Mutex};

/// `{label} [{bar}] {done}/{total} {note}`, the bar 30 cells of
/// `█` (done) and `·` (to do).
const TEMPLATE: &str = "{prefix} [{bar:30}] {pos}/{len} {msg}";

/// The progress of an epoch, as an indicatif bar on stderr:
/// `{label} [█████·····] done/total note`.
///
/// Call [`set`](Progress::set) after each batch and [`finish`](Progress::finish)
/// at the end of the epoch, before printing its results on stdout; the next
/// [`set`](Progress::set) starts a new bar. When stderr is not a terminal, or
/// the bar was made with [`hidden`](Progress::hidden), every method does
/// nothing. Errors writing the bar are ignored by indicatif: a missing bar
/// should not stop the training.
///
/// ```
/// use cnn_walkthrough::course::progress::Progress;
/// let batches = 45;
/// let mut progress = Progress::new(batches, "epoch 1");
/// for b in 1..=batches {
///     // ... train on batch b ...
///     progress.set(b, &format!("loss {:.3}", 1.0 / b as f64));
/// }
/// progress.finish();
/// println!("epoch 1 done");
/// ```
#[derive(Debug)]
pub struct Progress {
    total: usize,
    label: String,
    drawing: bool,
    /// The bar on screen, from the first [`set`](Progress::set) to [`finish`](Progress::finish).
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for `total` steps, named `label` (`"epoch 3"`), drawn only when
    /// stderr is a terminal.
    pub fn new(total: usize, label: impl Into<String>) -> Self {
        let drawing = !ProgressDrawTarget::stderr().is_hidden();
        Progress { total, label: label.into(), drawing, bar: None }
    }

    /// A bar that never draws (for tests and `--quiet`).
    pub fn hidden(total: usize) -> Self {
        Progress { total, label: String::new(), drawing: false, bar: None }
    }

    /// Whether this bar draws on stderr.
    pub fn is_drawing(&self) -> bool {
        self.drawing
    }

    /// Names the bar (`"epoch 4"`), from now on.
    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
        if let Some(bar) = &self.bar {
            bar.set_prefix(self.label.clone());
        }
    }

    /// Redraws the line: `done` steps of `total` are done; `note` follows the
    /// count (the running loss, say). indicatif redraws at most 20 times a
    /// second.
    pub fn set(&mut self, done: usize, note: &str) {
        if !self.drawing {
            return;
        }
        let (total, label) = (self.total, &self.label);
        let bar = self.bar.get_or_insert_with(|| new_bar(total, label, ProgressDrawTarget::stderr()));
        bar.set_message(note.to_string());
        bar.set_position(done.min(total) as u64);
    }

    /// Clears the line, so that what is printed next starts on a clean line.
    /// Dropping the bar does the same.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// An indicatif bar for `total` steps named `label`, drawn on `target`.
fn new_bar(total: usize, label: &str, target: ProgressDrawTarget) -> ProgressBar {
    let style = ProgressStyle::with_template(TEMPLATE).expect("the template is valid").progress_chars("█·");
    ProgressBar::with_draw_target(Some(total as u64), target).with_style(style).with_prefix(label.to_string())
}

/// An epoch left early (an error returned with `?`) leaves no half-drawn bar.
impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The line the bar draws after `done` of `total` steps, with `label` and
/// `note`, as text: indicatif's own rendering, on an 80-column screen that
/// keeps what is written to it. For the documentation and the tests.
///
/// ```
/// use cnn_walkthrough::course::progress::line;
/// let bar = format!("{}{}", "█".repeat(15), "·".repeat(15));
/// assert_eq!(line(10, 5, "epoch 1", "loss 0.5"), format!("epoch 1 [{bar}] 5/10 loss 0.5"));
/// ```
pub fn line(total: usize, done: usize, label: &str, note: &str) -> String {
    let screen = Screen::default();
    let bar = new_bar(total, label, ProgressDrawTarget::term_like(Box::new(screen.clone())));
    bar.set_message(note.to_string());
    bar.set_position(done as u64);
    bar.tick();
    let lines = screen.0.lock().map(|l| l.clone()).unwrap_or_default();
    // The line, then spaces that cover what is left of a longer one.
    lines.iter().rev().find(|l| !l.trim().is_empty()).cloned().unwrap_or_default()
}

/// An 80-column terminal that keeps what is written to it (for [`line`]).
#[derive(Debug, Clone, Default)]
struct Screen(Arc<Mutex<Vec<String>>>);

impl TermLike for Screen {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        if let (false, Ok(mut lines)) = (s.is_empty(), self.0.lock()) {
            lines.push(s.to_string());
        }
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}
