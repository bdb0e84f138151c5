//! A progress bar for an epoch, drawn on stderr on one line that is redrawn
//! in place:
//!
//! ```text
//! epoch 3 [█████████████·················] 640/1437 loss 0.412
//! ```
//!
//! It draws only when stderr is a terminal: output piped to a file or
//! captured by tests holds no bar, only what the lesson prints on stdout.

use std::io::{IsTerminal, Write};

/// Cells of the bar drawn by [`Progress::set`].
const BAR_WIDTH: usize = 30;

/// A bar of `width` cells, `done/total` of them filled with `'█'`, the rest
/// `'·'`: `done·width/total` filled, rounded down, so the bar is full only
/// when everything is done. `done` beyond `total` counts as `total`; a
/// `total` of 0 (nothing to do) is a full bar.
///
/// ```
/// use cnn_walkthrough::progress::bar;
/// assert_eq!(bar(1, 2, 4), "██··");
/// assert_eq!(bar(2, 3, 4), "██··");
/// ```
pub fn bar(done: usize, total: usize, width: usize) -> String {
    // Nothing to do (`total` 0) is all done.
    let filled = (done.min(total) * width).checked_div(total).unwrap_or(width);
    "█".repeat(filled) + &"·".repeat(width - filled)
}

/// The progress of an epoch, as a bar on stderr:
/// `{label} [█████·····] done/total note`.
///
/// Call [`set`](Progress::set) after each batch and [`finish`](Progress::finish)
/// at the end of the epoch, before printing its results on stdout. When
/// stderr is not a terminal, or the bar was made with
/// [`hidden`](Progress::hidden), every method does nothing. Errors writing
/// the bar are ignored: a missing bar should not stop the training.
///
/// ```
/// use cnn_walkthrough::progress::Progress;
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
    /// Characters of the line on screen, to clear.
    shown: usize,
}

impl Progress {
    /// A bar for `total` steps, named `label` (`"epoch 3"`), drawn only when
    /// stderr is a terminal.
    pub fn new(total: usize, label: impl Into<String>) -> Self {
        Progress { total, label: label.into(), drawing: std::io::stderr().is_terminal(), shown: 0 }
    }

    /// A bar that never draws (for tests and `--quiet`).
    pub fn hidden(total: usize) -> Self {
        Progress { total, label: String::new(), drawing: false, shown: 0 }
    }

    /// Whether this bar draws on stderr.
    pub fn is_drawing(&self) -> bool {
        self.drawing
    }

    /// Redraws the line: `done` steps of `total` are done; `note` follows the
    /// count (the running loss, say). Spaces cover what is left of a longer
    /// previous line.
    pub fn set(&mut self, done: usize, note: &str) {
        if !self.drawing {
            return;
        }
        let (label, total) = (&self.label, self.total);
        let line = format!("{label} [{}] {done}/{total} {note}", bar(done, total, BAR_WIDTH));
        let line = line.trim_end();
        let width = line.chars().count();
        let leftover = " ".repeat(self.shown.saturating_sub(width));
        self.write(&format!("\r{line}{leftover}"));
        self.shown = width;
    }

    /// Clears the line, so that what is printed next starts on a clean line.
    /// Dropping the bar does the same.
    pub fn finish(&mut self) {
        if self.drawing && self.shown > 0 {
            self.write(&format!("\r{}\r", " ".repeat(self.shown)));
            self.shown = 0;
        }
    }

    /// Writes `text` to stderr now, ignoring errors.
    fn write(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }
}

/// An epoch left early (an error returned with `?`) leaves no half-drawn bar.
impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
