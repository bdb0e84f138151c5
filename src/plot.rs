//! Plots for the terminal, in plain characters: paths in a plane (an
//! optimizer's steps down a valley) and series against their index (a loss
//! per epoch). Points are not joined; where two fall on one cell, the later
//! one shows. Values that are not finite, or fall outside the ranges, are
//! left out.

/// A `width × height` grid of characters over `[x0, x1] × [y0, y1]`.
struct Canvas {
    cells: Vec<Vec<char>>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    /// Finite points that fell outside the ranges.
    outside: usize,
}

impl Canvas {
    fn new(width: usize, height: usize, x_range: (f64, f64), y_range: (f64, f64)) -> Self {
        Canvas { cells: vec![vec![' '; width]; height], x_range, y_range, outside: 0 }
    }

    /// Puts `mark` in the cell nearest to `(x, y)`: column
    /// `round((x − x0)/(x1 − x0)·(width − 1))`, and rows counted from the top.
    fn put(&mut self, (x, y): (f64, f64), mark: char) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let (width, height) = (self.cells.first().map_or(0, Vec::len), self.cells.len());
        // Where `v` is between `lo` (0) and `hi` (1); halved first, so that `hi − lo` cannot overflow.
        let fraction = |v: f64, (lo, hi): (f64, f64)| (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
        let col = (fraction(x, self.x_range) * (width as f64 - 1.0)).round();
        let row = ((1.0 - fraction(y, self.y_range)) * (height as f64 - 1.0)).round();
        if (0.0..width as f64).contains(&col) && (0.0..height as f64).contains(&row) {
            self.cells[row as usize][col as usize] = mark;
        } else {
            self.outside += 1;
        }
    }

    /// The grid with the y range on the left axis, the x range under the
    /// bottom axis, and the legend.
    fn render(&self, x_labels: (String, String), legend: &str) -> String {
        let width = self.cells.first().map_or(0, Vec::len);
        let (top, bottom) = (label(self.y_range.1), label(self.y_range.0));
        let margin = top.chars().count().max(bottom.chars().count());
        let mut lines = Vec::with_capacity(self.cells.len() + 4);
        for (r, row) in self.cells.iter().enumerate() {
            let y = match r {
                0 => top.as_str(),
                _ if r + 1 == self.cells.len() => bottom.as_str(),
                _ => "",
            };
            lines.push(format!("{y:>margin$} |{}", row.iter().collect::<String>()));
        }
        lines.push(format!("{:margin$} +{}", "", "-".repeat(width)));
        let (left, right) = x_labels;
        let gap = width.saturating_sub(left.chars().count() + right.chars().count()).max(1);
        lines.push(format!("{:margin$}  {left}{}{right}", "", " ".repeat(gap)));
        lines.push(legend.to_string());
        if self.outside > 0 {
            lines.push(format!("(points outside the ranges, not drawn: {})", self.outside));
        }
        lines.join("\n")
    }
}

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

/// A path to draw: its name for the legend, its character, its points `(x, y)`.
pub type NamedPath<'a> = (&'a str, char, &'a [(f64, f64)]);

/// A series to draw: its name for the legend, its character, its values.
pub type Series<'a> = (&'a str, char, &'a [f64]);

/// Points of several paths on a `width × height` grid over `[x0, x1] × [y0, y1]`,
/// each path drawn with its own character, `target` (e.g. the minimum) as `*`
/// on top, the ranges on the axes and a legend line. A one-line message
/// instead when there is nothing to draw: no finite point, an empty grid, or
/// a range that is empty or not finite.
///
/// ```
/// use cnn_walkthrough::plot::plot_paths;
/// let path = [(-1.0, 1.0), (0.0, 0.5)];
/// let p = plot_paths(&[("a", 'a', &path)], Some((1.0, -1.0)), (-1.0, 1.0), (-1.0, 1.0), 3, 3);
/// assert_eq!(p, " 1 |a  \n   | a \n-1 |  *\n   +---\n    -1 1\na a   * target (1, -1)");
/// ```
pub fn plot_paths(
    paths: &[NamedPath],
    target: Option<(f64, f64)>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    width: usize,
    height: usize,
) -> String {
    if width == 0 || height == 0 {
        return "(nothing to plot: the grid is empty)".into();
    }
    if !usable(x_range) || !usable(y_range) {
        return "(nothing to plot: a range is empty or not finite)".into();
    }
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    if !paths.iter().any(|(_, _, p)| p.iter().any(finite)) {
        return "(nothing to plot: no finite points)".into();
    }
    let mut canvas = Canvas::new(width, height, x_range, y_range);
    for &(_, mark, path) in paths {
        for &point in path {
            canvas.put(point, mark);
        }
    }
    let mut legend: Vec<String> = paths.iter().map(|(name, mark, _)| format!("{mark} {name}")).collect();
    if let Some((x, y)) = target {
        canvas.put((x, y), '*');
        legend.push(format!("* target ({}, {})", label(x), label(y)));
    }
    canvas.render((label(x_range.0), label(x_range.1)), &legend.join("   "))
}

/// One or more series of `y` values against their index (e.g. the loss per
/// epoch) on a `width × height` grid: index 0 at the left, the last at the
/// right; the y range, that of all finite values, on the axis; and a legend.
/// A one-line message instead when there is no finite value or the grid is
/// empty.
///
/// ```
/// use cnn_walkthrough::plot::plot_lines;
/// let p = plot_lines(&[("loss", 'o', &[4.0, 2.0, 1.0])], 3, 4);
/// assert_eq!(p, "4 |o  \n  |   \n  | o \n1 |  o\n  +---\n   0 2\no loss");
/// ```
pub fn plot_lines(series: &[Series], width: usize, height: usize) -> String {
    if width == 0 || height == 0 {
        return "(nothing to plot: the grid is empty)".into();
    }
    let finite = || series.iter().flat_map(|(_, _, ys)| ys.iter().copied()).filter(|y| y.is_finite());
    let (Some(lo), Some(hi)) = (finite().reduce(f64::min), finite().reduce(f64::max)) else {
        return "(nothing to plot: no finite values)".into();
    };
    // A flat series gets a band around it.
    let half = if hi > lo { 0.0 } else { 0.5 * lo.abs().max(1.0) };
    let y_range = ((lo - half).max(f64::MIN), (hi + half).min(f64::MAX));
    let last = series.iter().map(|(_, _, ys)| ys.len()).max().unwrap_or(0).saturating_sub(1);
    let mut canvas = Canvas::new(width, height, (0.0, last.max(1) as f64), y_range);
    for &(_, mark, ys) in series {
        for (i, &y) in ys.iter().enumerate() {
            canvas.put((i as f64, y), mark);
        }
    }
    let legend: Vec<String> = series.iter().map(|(name, mark, _)| format!("{mark} {name}")).collect();
    canvas.render(("0".into(), last.to_string()), &legend.join("   "))
}
