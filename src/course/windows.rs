//! Where the windows go: which input rows and columns no window reads (the
//! note every lesson prints when a stride does not divide evenly), and the
//! input a window moves over, drawn with the current window marked.
//!
//! The marked grid is drawn by hand rather than with `prettytable`: a
//! table's borders would stand where the brackets must go (between two
//! cells, around the window), and marks are plain characters so that they
//! read the same with `NO_COLOR`, in a file and on a projector.

use std::ops::Range;

use ndarray::{ArrayView2, ArrayView3, Axis};

use crate::course::lesson::Lesson;
use crate::course::show::{noun, side_by_side};
use crate::textbook::conv::{row_list, rows_not_reached_padded};
use crate::textbook::padding::Padding2D;

/// Why no window reads some rows of an axis of `n` (window `f`, `pads`
/// before and after, `stride`), or `None` when every row is read.
fn why_unread(n: usize, f: usize, (before, after): (usize, usize), stride: usize) -> Option<String> {
    // Sizes a lesson passes have been checked, but a wrap-around here would
    // only garble a note: the sum saturates instead.
    let span = n.saturating_add(before).saturating_add(after).checked_sub(f)?;
    let sum = match (before, after) {
        (0, 0) => format!("{n} − {f}"),
        (b, a) if b == a => format!("{n} + 2·{b} − {f}"),
        (b, a) => format!("{n} + {b} + {a} − {f}"),
    };
    let mut why = vec![];
    if stride > 0 && !span.is_multiple_of(stride) {
        why.push(format!(
            "stride {stride} does not divide {sum} = {span} evenly, so the output size is floored \
             (as numpy's int() and PyTorch do)"
        ));
    }
    if stride > f {
        why.push(format!("stride {stride} is larger than the window ({f})"));
    }
    (!why.is_empty()).then(|| why.join(", and "))
}

/// The notes on an `n_h × n_w` input read by `fh × fw` windows with
/// `padding` and `stride`: which input rows and columns (0-based) no window
/// reads, and why. One note when rows and columns are left out for the same
/// reason, one per axis otherwise, none when every row and column is read.
///
/// ```
/// use cnn_walkthrough::course::windows::unread_notes;
/// use cnn_walkthrough::textbook::padding::Padding2D;
/// let notes = unread_notes((6, 6), (3, 3), Padding2D::uniform(0), 2);
/// assert_eq!(notes.len(), 1);
/// assert!(notes[0].contains("stride 2 does not divide 6 − 3 = 3 evenly"));
/// assert!(notes[0].ends_with("input row 5 and column 5 (0-based) are read by no window: \
///     they do not affect the output and get zero gradient."));
/// let notes = unread_notes((7, 6), (2, 2), Padding2D::uniform(0), 2);
/// assert_eq!(notes.len(), 1);
/// assert!(notes[0].ends_with("input row 6 (0-based) is read by no window: it does not affect \
///     the output and gets zero gradient."));
/// assert!(unread_notes((5, 5), (3, 3), Padding2D::uniform(1), 2).is_empty());
/// ```
pub fn unread_notes(
    (n_h, n_w): (usize, usize),
    (f_h, f_w): (usize, usize),
    padding: Padding2D,
    stride: usize,
) -> Vec<String> {
    let axis = |n, f, pads, singular| {
        let unread = rows_not_reached_padded(n, f, pads, stride);
        let why = why_unread(n, f, pads, stride)?;
        let what = format!("{} {}", noun(unread.len(), singular), row_list(&unread));
        (!unread.is_empty()).then_some((why, what, unread.len()))
    };
    let rows = axis(n_h, f_h, (padding.top, padding.bottom), "row");
    let columns = axis(n_w, f_w, (padding.left, padding.right), "column");
    let note = |why: &str, what: &str, many: bool| {
        let (verb, they) = if many {
            ("are", "they do not affect the output and get")
        } else {
            ("is", "it does not affect the output and gets")
        };
        format!("Note: {why}; input {what} (0-based) {verb} read by no window: {they} zero gradient.")
    };
    match (rows, columns) {
        (Some((why, r, _)), Some((why_c, c, _))) if why == why_c => {
            vec![note(&why, &format!("{r} and {c}"), true)]
        }
        (rows, columns) => {
            rows.into_iter().chain(columns).map(|(why, what, k)| note(&why, &what, k > 1)).collect()
        }
    }
}

/// Says [`unread_notes`], if any.
pub fn say_unread(
    l: &Lesson,
    input: (usize, usize),
    window: (usize, usize),
    padding: Padding2D,
    stride: usize,
) {
    for note in unread_notes(input, window, padding, stride) {
        l.say(&note);
    }
}

/// How wide a [`marked_grid`] may be: the narrowest screen the course lays
/// out for, so that a cell's drawing fits any screen (a larger input is
/// cropped around the window).
pub const GRID_WIDTH: usize = crate::course::screen::NARROWEST;

/// How many rows a [`marked_grid`] shows at most, so that a walked cell fits
/// a `--step` page on a projector.
pub const GRID_ROWS: usize = 9;

/// What a [`marked_grid`] shows: the window, the padding, the starred cells.
#[derive(Debug, Clone)]
pub struct Marks {
    /// The window's rows and columns in the grid (brackets); empty for none.
    pub window: (Range<usize>, Range<usize>),
    /// Rows and columns of padding at each border (drawn `·`).
    pub pad: usize,
    /// Cells marked `*` (the maximum of a max-pooling window).
    pub stars: Vec<(usize, usize)>,
}

impl Marks {
    /// The line under a grid: what each mark it uses means (no colour: it
    /// reads the same with `NO_COLOR` and on a projector).
    ///
    /// ```
    /// use cnn_walkthrough::course::windows::Marks;
    /// let m = Marks { window: (0..2, 0..2), pad: 1, stars: vec![(1, 1)] };
    /// assert_eq!(m.legend(), "[ ] the window, · padding (a zero), * the maximum");
    /// ```
    pub fn legend(&self) -> String {
        let mut parts = vec![];
        if !self.window.0.is_empty() && !self.window.1.is_empty() {
            parts.push("[ ] the window");
        }
        if self.pad > 0 {
            parts.push("· padding (a zero)");
        }
        if !self.stars.is_empty() {
            parts.push("* the maximum");
        }
        parts.join(", ")
    }
}

/// The part `start..start + shown` of `0..n` that holds `keep` (the window),
/// centred on it where the borders allow: all of `0..n` when it has at most
/// `shown` entries, the window alone when it has more.
fn crop(n: usize, keep: &Range<usize>, shown: usize) -> Range<usize> {
    if n <= shown {
        return 0..n;
    }
    if keep.len() >= shown {
        return keep.clone();
    }
    let centre = (keep.start + keep.end) / 2;
    let start = centre.saturating_sub(shown / 2).min(n - shown).min(keep.start);
    start..start + shown
}

/// `a` (one channel, padded if `marks.pad` > 0) as a grid of numbers with the
/// window's cells in brackets (`[` before its first column, `]` after its
/// last), padding cells as `·` and starred cells followed by `*`, then the
/// legend ([`Marks::legend`]). Numbers are whole when every shown value is,
/// else have 2 decimals (or an exponent when large). No wider than
/// [`GRID_WIDTH`] nor taller than [`GRID_ROWS`] rows: a larger `a` is cropped
/// around the window, and the first line then says which part is shown.
///
/// ```
/// use cnn_walkthrough::course::windows::{marked_grid, Marks};
/// let a = ndarray::arr2(&[[0.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 0.0]]);
/// let marks = Marks { window: (0..2, 1..3), pad: 1, stars: vec![(1, 1)] };
/// assert_eq!(
///     marked_grid(&a.view(), &marks),
///     "  ·  [·   · ]\n  ·  [5*  · ]\n  ·   ·   ·\n\
///      [ ] the window, · padding (a zero), * the maximum"
/// );
/// ```
pub fn marked_grid(a: &ArrayView2<f64>, marks: &Marks) -> String {
    let (n_h, n_w) = a.dim();
    let is_pad = |i: usize, j: usize| {
        let pad = marks.pad;
        i < pad || j < pad || i + pad >= n_h || j + pad >= n_w
    };
    let real = a.indexed_iter().filter(|&((i, j), _)| !is_pad(i, j)).map(|(_, &v)| v);
    let whole = real.clone().all(|v| v.fract() == 0.0 && v.abs() < 1e6);
    let large = real.clone().any(|v| v.abs() >= 1e5);
    let number = |v: f64| match (whole, large) {
        (true, _) => format!("{}", v + 0.0),
        (false, true) => format!("{v:.2e}"),
        (false, false) => format!("{:.2}", v + 0.0),
    };
    let text = |i, j| if is_pad(i, j) { "·".to_string() } else { number(a[[i, j]]) };
    let cell_width = a.indexed_iter().map(|((i, j), _)| text(i, j).chars().count()).max().unwrap_or(1);
    let star_width = usize::from(!marks.stars.is_empty());
    let shown_cols = (GRID_WIDTH - 2) / (cell_width + star_width + 2);
    let (rows, cols) = (crop(n_h, &marks.window.0, GRID_ROWS), crop(n_w, &marks.window.1, shown_cols));
    let mut lines = vec![];
    if rows.len() < n_h || cols.len() < n_w {
        lines.push(format!(
            "(rows {}–{} and columns {}–{} of {n_h}×{n_w})",
            rows.start,
            rows.end - 1,
            cols.start,
            cols.end - 1
        ));
    }
    for i in rows {
        let in_window = marks.window.0.contains(&i);
        let gutter = |j: usize| match (in_window, j) {
            (true, j) if j == marks.window.1.start => " [",
            (true, j) if j == marks.window.1.end => "] ",
            _ => "  ",
        };
        let mut line = String::new();
        for j in cols.clone() {
            let star = if marks.stars.contains(&(i, j)) { "*" } else { " " };
            line += gutter(j);
            line += &format!("{:>cell_width$}{}", text(i, j), &star[..star_width]);
        }
        line += gutter(cols.end);
        lines.push(line.trim_end().to_string());
    }
    lines.push(marks.legend());
    lines.join("\n")
}

/// The channels of one padded image `(height, width, channels)` as grids
/// with their padding visible ([`marked_grid`]), captioned `{name}[:,:,d]`:
/// side by side when they fit in `width` columns, else one under another.
pub fn padded_channels(a_pad: &ArrayView3<f64>, pad: usize, name: &str, width: usize) -> String {
    let marks = Marks { window: (0..0, 0..0), pad, stars: vec![] };
    let grids: Vec<(String, String)> = a_pad
        .axis_iter(Axis(2))
        .enumerate()
        .map(|(d, channel)| {
            let grid = marked_grid(&channel, &marks);
            let body = grid.rsplit_once('\n').map_or(grid.clone(), |(body, _)| body.to_string());
            (format!("{name}[:,:,{d}]"), body)
        })
        .collect();
    let blocks: Vec<(&str, String)> = grids.iter().map(|(c, g)| (c.as_str(), g.clone())).collect();
    format!("{}\n{}", side_by_side(&blocks, 3, width), marks.legend())
}

/// One channel before and after padding, side by side under their
/// captions, the padding drawn `·` as every lesson draws it
/// ([`marked_grid`]), and the legend under them.
pub fn before_and_after_padding(
    (caption, a): (&str, ArrayView2<f64>),
    (padded_caption, a_pad): (&str, ArrayView2<f64>),
    pad: usize,
    width: usize,
) -> String {
    let marks = Marks { window: (0..0, 0..0), pad, stars: vec![] };
    let before = marked_grid(&a, &Marks { pad: 0, ..marks.clone() });
    let after = marked_grid(&a_pad, &marks);
    let body = |grid: &str| grid.rsplit_once('\n').map_or(grid.to_string(), |(body, _)| body.to_string());
    let blocks = [(caption, body(&before)), (padded_caption, body(&after))];
    format!("{}\n{}", side_by_side(&blocks, 6, width), marks.legend())
}
