//! The screen a lesson prints for: how many columns wide and how many rows
//! high, decided once when the lesson starts.
//!
//! Width, first that applies:
//! 1. `--width N` on the command line (at least [`NARROWEST`]);
//! 2. the `COLUMNS` environment variable, when it holds a whole number;
//! 3. the terminal's own width, when stdout is a terminal;
//! 4. [`DEFAULT_WIDTH`], 80 columns (the output goes to a file or a pipe).
//!
//! Height (only `--step` uses it, to cut the output into pages): `LINES`,
//! else the terminal's height, else [`DEFAULT_HEIGHT`], 40 rows.
//!
//! Nothing a lesson prints is wider than [`Screen::width`]: prose is wrapped
//! to it, arrays wrap as numpy wraps them (at 75 columns, numpy's default
//! `linewidth`, or narrower on a narrower screen), and tables too wide for
//! it switch to a compact layout. A width narrower than [`NARROWEST`] is
//! taken as [`NARROWEST`]: the 7×7 grids of the walkthroughs need that much.
//!
//! The terminal's size is read by the crate `console` (already in the tree
//! for the progress bar).

use crate::course::cli::Args;
use crate::error::{Error, Result};

/// Columns when the output is not a terminal and nothing says otherwise.
pub const DEFAULT_WIDTH: usize = 80;
/// Rows when the output is not a terminal and `LINES` is not set.
pub const DEFAULT_HEIGHT: usize = 40;
/// The narrowest width the course lays out for.
pub const NARROWEST: usize = 60;
/// The widest `--width` accepted.
pub const WIDEST: usize = 1000;
/// The fewest rows a `--step` page is cut to.
pub const LOWEST: usize = 12;

/// The size of the screen the lesson prints for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// Columns: no printed line is wider.
    pub width: usize,
    /// Rows: a `--step` page, its status line included, is no taller.
    pub height: usize,
}

impl Default for Screen {
    fn default() -> Self {
        Screen { width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT }
    }
}

/// A whole number from an environment variable, if it holds one.
fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.trim().parse().ok().filter(|&n| n > 0)
}

impl Screen {
    /// The columns a command without flags prints for (the course runner,
    /// `errata`, the exercises): `COLUMNS`, the terminal's width, or 80.
    pub fn width_without_flags() -> usize {
        Screen::detect(&Args::default()).map_or(80, |s| s.width)
    }

    /// The screen for a run with these flags: `--width`, `COLUMNS`, the
    /// terminal, or 80 columns (see the module's documentation).
    ///
    /// ```
    /// use cnn_walkthrough::course::{cli::Args, registry::LESSON_01_ZERO_PAD, screen::Screen};
    /// let args = Args::parse(&LESSON_01_ZERO_PAD, ["--width", "100"]).unwrap();
    /// assert_eq!(Screen::detect(&args).unwrap().width, 100);
    /// ```
    ///
    /// # Errors
    /// [`Error::Usage`] when `--width` is not a whole number from
    /// [`NARROWEST`] to [`WIDEST`].
    pub fn detect(args: &Args) -> Result<Screen> {
        let terminal = console::Term::stdout();
        let tty = if terminal.is_term() { terminal.size_checked() } else { None };
        let width = match args.value("--width") {
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (NARROWEST..=WIDEST).contains(&n) => n,
                _ => {
                    return Err(Error::Usage(format!(
                        "--width is '{v}'; expected a whole number of columns from {NARROWEST} to {WIDEST}"
                    )));
                }
            },
            None => env_number("COLUMNS")
                .or(tty.map(|(_, cols)| usize::from(cols)))
                .unwrap_or(DEFAULT_WIDTH)
                .max(NARROWEST),
        };
        let height = env_number("LINES")
            .or(tty.map(|(rows, _)| usize::from(rows)))
            .unwrap_or(DEFAULT_HEIGHT)
            .max(LOWEST);
        Ok(Screen { width, height })
    }
}
