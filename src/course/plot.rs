//! Plots for the terminal, as small multiples of Braille line charts drawn
//! by [`textplots`]: one small chart (a panel) per path or series, titled
//! with its name, side by side as the width allows, all on the same ranges
//! so that they compare at a glance: paths in a plane (an optimizer's steps
//! down a valley) and series against their index (a loss per epoch). Two of
//! lesson 10's seven panels, the dotted axes crossing at the minimum:
//!
//! ```text
//!      SGD                       SGD + momentum 0.9
//!  2.5 ⠀⡀⠀⠀⠀⠀⠀⠀⠀⠀⠀⡁⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⣀⠀⠀⠀⠀⠀⠀⠀⠀⠀⡁⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//!      ⠀⢱⠀⠀⠀⠀⠀⠀⠀⠀⠀⠄⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⢸⠀⠀⠀⠀⠀⠀⠀⠀⠀⠄⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//!      ⠀⢸⠀⠀⠀⠀⠀⠀⠀⠀⠀⠂⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⢸⠀⠀⠀⠀⠀⠀⠀⠀⠀⠂⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//!      ⠄⠠⠓⠖⠲⠒⠖⠲⠒⠖⠲⡃⠄⠠⠀⠄⠠⠀⠄⠠⠀⠄⠠   ⠄⠸⡄⡴⠹⠦⠴⠲⠖⠴⠶⡇⠄⠠⠀⠄⠠⠀⠄⠠⠀⠄⠠
//!      ⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠄⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⠀⠓⠃⠀⠀⠀⠀⠀⠀⠀⠄⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//!      ⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠂⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠂⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//! -2.5 ⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⡁⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀   ⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⡁⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//!      -4.5                4.5   -4.5                4.5
//! ```
//!
//! One panel per path, rather than all of them on one chart: Braille dots
//! have no shape to tell paths apart, and colour alone must not carry the
//! meaning (it is lost with `NO_COLOR`, in a file, and to some eyes). No
//! colour is used at all, so nothing here prints an escape code.
//!
//! What is textplots' and what is ours:
//! - textplots scales the points to the panel, joins them with lines on its
//!   Braille canvas, and draws the dotted axes (for a path, through the
//!   target; for a series, along the left and bottom edges).
//! - Ours: checking the input (textplots computes in `f32` and draws a `NaN`
//!   or a point outside its ranges on the edge of the chart, so values that
//!   are not finite are left out, points outside the ranges are left out and
//!   counted, and a path is broken where they were); the axis labels (its
//!   own print each tick with one decimal, `2.5e-3` as `0.0`, put the y
//!   labels right of the chart, and underflow, a panic in a debug build,
//!   when the x axis's last label is wider than half the chart); and the
//!   layout of the panels within the width asked for (textplots draws one
//!   chart at a time, and panics below 32 dots, 16 columns, of width).
//!
//! Every line is at most the width asked for; a one-line message is
//! printed instead of a plot when there is nothing to draw or no room.

use textplots::{Chart, Plot, Shape};

/// Columns between two panels.
const GAP: usize = 3;

/// The narrowest panel: textplots draws at least 32 dots across, and a panel
/// of `c` columns is `2c − 1` dots.
const MIN_PANEL: usize = 17;

/// A panel is made this wide or wider when the width allows (more panels on
/// a line would be too small to read).
const GOOD_PANEL: usize = 22;

/// A number for an axis: up to 3 decimals, or in scientific notation when
/// very large or small.
fn label(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e5).contains(&v.abs()) {
        return format!("{v:.2e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Whether a range `(lo, hi)` is finite and not empty.
fn usable((lo, hi): (f64, f64)) -> bool {
    lo.is_finite() && hi.is_finite() && hi > lo
}

/// Where `v` is between `lo` (0) and `hi` (1); halved first, so that
/// `hi − lo` cannot overflow.
fn fraction(v: f64, (lo, hi): (f64, f64)) -> f64 {
    (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0)
}

/// A path to draw: its name, the title of its panel, and its points `(x, y)`.
pub type NamedPath<'a> = (&'a str, &'a [(f64, f64)]);

/// A series to draw: its name, the title of its panel, and its values.
pub type Series<'a> = (&'a str, &'a [f64]);

/// A path in a panel's coordinates: the runs of its points that are inside
/// the ranges, and how many finite points were outside.
struct Placed {
    runs: Vec<Vec<(f32, f32)>>,
    outside: usize,
}

/// `points` as fractions of the ranges, less `origin`: each run of finite
/// points inside the ranges is one run (a path is broken where a point is
/// left out).
fn place(
    points: impl Iterator<Item = (f64, f64)>,
    (x_range, y_range): ((f64, f64), (f64, f64)),
    origin: (f64, f64),
) -> Placed {
    let mut placed = Placed { runs: vec![vec![]], outside: 0 };
    for (x, y) in points {
        let (u, v) = (fraction(x, x_range), fraction(y, y_range));
        let inside = (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v);
        if inside {
            if let Some(run) = placed.runs.last_mut() {
                run.push(((u - origin.0) as f32, (v - origin.1) as f32));
            }
        } else {
            placed.outside += usize::from(x.is_finite() && y.is_finite());
            if placed.runs.last().is_some_and(|r| !r.is_empty()) {
                placed.runs.push(vec![]);
            }
        }
    }
    placed.runs.retain(|r| !r.is_empty());
    placed
}

/// The Braille rows of one panel, `cols × rows` characters: textplots'
/// chart over `[−ox, 1 − ox] × [−oy, 1 − oy]`, with its dotted axes
/// (through 0, when in the ranges) and the runs joined by lines (a run of
/// one point is a dot).
fn panel(runs: &[Vec<(f32, f32)>], (ox, oy): (f32, f32), cols: usize, rows: usize) -> Vec<String> {
    // Columns 0..=width/2 and rows 0..=height/4 of textplots' canvas: every dot of `cols × rows`.
    let (width, height) = (2 * cols as u32 - 1, 4 * rows as u32 - 1);
    let shapes: Vec<Shape> =
        runs.iter().map(|r| if r.len() == 1 { Shape::Points(r) } else { Shape::Lines(r) }).collect();
    let mut owned = Chart::new_with_y_range(width, height, -ox, 1.0 - ox, -oy, 1.0 - oy);
    let mut chart = &mut owned;
    for shape in &shapes {
        chart = chart.lineplot(shape);
    }
    chart.axis();
    chart.figures();
    // textplots' blank is U+2800, the empty Braille cell, as wide as the others in every font.
    let blank = |row: &str| row.replace(' ', "\u{2800}");
    let mut lines: Vec<String> = chart.frame().lines().take(rows).map(blank).collect();
    lines.resize(rows, "\u{2800}".repeat(cols));
    lines.iter().map(|l| fit(l, cols)).collect()
}

/// `text` cut or padded with spaces to exactly `width` characters.
fn fit(text: &str, width: usize) -> String {
    let cut: String = text.chars().take(width).collect();
    format!("{cut:<width$}")
}

/// Panels side by side, as many on a line as `width` allows: each with its
/// title above, the y range left of each line of panels, the x range under
/// each panel; then the notes, wrapped at `width`.
struct Layout {
    width: usize,
    /// Characters of each panel.
    cols: usize,
    rows: usize,
    /// Panels on a line.
    across: usize,
    /// Width of the y labels' margin (with its space).
    margin: usize,
}

impl Layout {
    /// The layout of `n` panels `rows` high within `width`, the y labels
    /// `y_labels` in the margin; `None` when not even one panel fits.
    fn new(n: usize, width: usize, rows: usize, y_labels: &(String, String)) -> Option<Self> {
        let margin = y_labels.0.chars().count().max(y_labels.1.chars().count()) + 1;
        let room = width.checked_sub(margin)?;
        let fits = |cols: usize| (room + GAP) / (cols + GAP);
        if rows == 0 || n == 0 || fits(MIN_PANEL) == 0 {
            return None;
        }
        let across = n.min(fits(GOOD_PANEL).max(1));
        let cols = (room - GAP * (across - 1)) / across;
        Some(Layout { width, cols, rows, across, margin })
    }

    /// The plot: `panels` (title, Braille rows), the axes' labels, `notes`.
    fn render(
        &self,
        panels: &[(&str, Vec<String>)],
        (top, bottom): &(String, String),
        (left, right): &(String, String),
        notes: &[String],
    ) -> String {
        let m = self.margin;
        let gap = " ".repeat(GAP);
        let mut lines = vec![];
        for line in panels.chunks(self.across) {
            let titles: Vec<String> = line.iter().map(|(t, _)| fit(t, self.cols)).collect();
            lines.push(format!("{:m$}{}", "", titles.join(&gap)));
            for r in 0..self.rows {
                let y = match r {
                    0 => top.as_str(),
                    _ if r + 1 == self.rows => bottom.as_str(),
                    _ => "",
                };
                let cells: Vec<&str> = line.iter().map(|(_, rows)| rows[r].as_str()).collect();
                lines.push(format!("{y:>w$} {}", cells.join(&gap), w = m - 1));
            }
            let room = self.cols.saturating_sub(left.chars().count() + right.chars().count()).max(1);
            let x = fit(&format!("{left}{}{right}", " ".repeat(room)), self.cols);
            lines.push(format!("{:m$}{}", "", vec![x; line.len()].join(&gap)));
        }
        for note in notes {
            lines.push(crate::course::show::wrap(note, self.width, 0));
        }
        lines.iter().map(|l| l.trim_end().to_string()).collect::<Vec<_>>().join("\n")
    }
}

/// The message when not even one panel fits in `width`.
fn too_narrow(width: usize, rows: usize) -> String {
    if rows == 0 {
        return "(nothing to plot: the panels have no rows)".into();
    }
    format!("(nothing to plot: {width} columns are too few; a panel needs {MIN_PANEL} and its axis labels)")
}

/// Several paths over `[x0, x1] × [y0, y1]`, one panel each, `height` rows
/// high, side by side within `width` columns; `target` (e.g. the minimum)
/// where the panels' dotted axes cross; the ranges on the axes; a note on
/// what is drawn. Points that are not finite, or outside the ranges, are
/// left out (the path is broken there) and the second are counted. A
/// one-line message instead when there is nothing to draw: no finite point,
/// no room, or a range that is empty or not finite.
///
/// ```
/// use cnn_walkthrough::course::plot::plot_paths;
/// let path = [(-1.0, -1.0), (1.0, 1.0)];
/// let p = plot_paths(&[("a", &path)], Some((1.0, 1.0)), (-1.0, 1.0), (-1.0, 1.0), 22, 3);
/// assert_eq!(p.lines().next(), Some("   a"));
/// assert!(p.lines().all(|l| l.chars().count() <= 22));
/// assert!(p.contains("target (1, 1)"));
/// ```
pub fn plot_paths(
    paths: &[NamedPath],
    target: Option<(f64, f64)>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    width: usize,
    height: usize,
) -> String {
    if !usable(x_range) || !usable(y_range) {
        return "(nothing to plot: a range is empty or not finite)".into();
    }
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    if !paths.iter().any(|(_, p)| p.iter().any(finite)) {
        return "(nothing to plot: no finite points)".into();
    }
    let y_labels = (label(y_range.1), label(y_range.0));
    let Some(layout) = Layout::new(paths.len(), width, height, &y_labels) else {
        return too_narrow(width, height);
    };
    // The axes cross at the target: it is the origin of the panels' coordinates.
    let ranges = (x_range, y_range);
    let at = target.filter(|t| finite(t)).map(|(x, y)| (fraction(x, x_range), fraction(y, y_range)));
    let inside = at.filter(|&(u, v)| (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v));
    // Without a target inside, the origin is outside the panels, and so are the axes.
    let origin = inside.unwrap_or((-1.0, -1.0));
    let mut outside = 0;
    let panels: Vec<(&str, Vec<String>)> = paths
        .iter()
        .map(|&(name, path)| {
            let placed = place(path.iter().copied(), ranges, origin);
            outside += placed.outside;
            (name, panel(&placed.runs, (origin.0 as f32, origin.1 as f32), layout.cols, layout.rows))
        })
        .collect();
    let mut note = "Each panel: one path, its points joined by lines.".to_string();
    match target {
        Some((x, y)) if inside.is_some() => {
            note += &format!(" The dotted lines cross at the target ({}, {}).", label(x), label(y));
        }
        Some((x, y)) => note += &format!(" The target ({}, {}) is outside the ranges.", label(x), label(y)),
        None => {}
    }
    let mut notes = vec![note];
    if outside > 0 {
        notes.push(format!("(points outside the ranges, not drawn: {outside})"));
    }
    layout.render(&panels, &y_labels, &(label(x_range.0), label(x_range.1)), &notes)
}

/// One or more series of `y` values against their index (e.g. the loss per
/// epoch), one panel each, `height` rows high, side by side within `width`
/// columns: index 0 at the left, the last at the right, the y range that of
/// all finite values (the same in every panel) with the dotted axes along
/// the bottom and left edges. Values that are not finite are left out (the
/// line is broken there). A one-line message instead when there is no finite
/// value or no room.
///
/// ```
/// use cnn_walkthrough::course::plot::plot_lines;
/// let p = plot_lines(&[("loss", &[4.0, 2.0, 1.0])], 22, 3);
/// assert!(p.lines().nth(1).is_some_and(|l| l.starts_with("4 ⡉⠑⠒⠤⢄⣀")));
/// assert!(p.lines().all(|l| l.chars().count() <= 22));
/// ```
pub fn plot_lines(series: &[Series], width: usize, height: usize) -> String {
    plot_lines_from(series, (0, "its index"), width, height)
}

/// [`plot_lines`] with the first value of each series at `x = first` and
/// the x axis called `name` (e.g. `(1, "epoch")`: the loss of epoch 1 at the
/// left, epoch N at the right, labelled 1 and N).
///
/// ```
/// use cnn_walkthrough::course::plot::plot_lines_from;
/// let p = plot_lines_from(&[("loss", &[4.0, 2.0, 1.0])], (1, "epoch"), 60, 3);
/// assert!(p.contains("against epoch, 1 to 3"), "{p}");
/// ```
pub fn plot_lines_from(
    series: &[Series],
    (first, name): (usize, &str),
    width: usize,
    height: usize,
) -> String {
    let finite = || series.iter().flat_map(|(_, ys)| ys.iter().copied()).filter(|y| y.is_finite());
    let (Some(lo), Some(hi)) = (finite().reduce(f64::min), finite().reduce(f64::max)) else {
        return "(nothing to plot: no finite values)".into();
    };
    // A flat series gets a band around it.
    let half = if hi > lo { 0.0 } else { 0.5 * lo.abs().max(1.0) };
    let y_range = ((lo - half).max(f64::MIN), (hi + half).min(f64::MAX));
    let y_labels = (label(y_range.1), label(y_range.0));
    let Some(layout) = Layout::new(series.len(), width, height, &y_labels) else {
        return too_narrow(width, height);
    };
    let last = series.iter().map(|(_, ys)| ys.len()).max().unwrap_or(0).saturating_sub(1);
    let ranges = ((0.0, last.max(1) as f64), y_range);
    let panels: Vec<(&str, Vec<String>)> = series
        .iter()
        .map(|&(name, ys)| {
            let placed = place(ys.iter().enumerate().map(|(i, &y)| (i as f64, y)), ranges, (0.0, 0.0));
            (name, panel(&placed.runs, (0.0, 0.0), layout.cols, layout.rows))
        })
        .collect();
    let (from, to) = (first, first + last);
    let note = format!("Each panel: one series against {name}, {from} to {to}, on the same y range.");
    layout.render(&panels, &y_labels, &(from.to_string(), to.to_string()), &[note])
}
