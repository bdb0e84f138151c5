//! Heat maps for the terminal: a small 2-D array (a digit, a filter, a
//! feature map) drawn with the shade characters of [`SHADES`], and the
//! confusion matrix of a classifier as a table.
//!
//! How to read a heat map: the more ink, the higher the value ([`LEGEND`]).
//! "Ink" is the terminal's text colour: dark on a light background, bright
//! on a dark one, so "light = low, dark = high" would be true on paper and
//! false on most terminals, while "more ink = higher" is true on both. There
//! is no colour, so a map reads the same with `NO_COLOR`, on a projector or
//! in a file.

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};

/// The five shades of a heat map, from the lowest value to the highest.
pub const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];

/// What a heat map's shades mean, in words true on a light and on a dark
/// background (see the module doc).
///
/// ```
/// use cnn_walkthrough::course::heatmap::{LEGEND, SHADES};
/// assert!(SHADES.iter().all(|&c| LEGEND.contains(c)));
/// ```
pub const LEGEND: &str = "more ink = higher: ' ' lowest, then '░', '▒', '▓', and '█' highest";

/// Drawn for a NaN.
const NAN_MARK: char = '?';

/// The shade of `v` on the scale `lo..=hi`: index
/// `round((v − lo)/(hi − lo)·4)`, clamped to `0..=4`.
fn shade(v: f64, lo: f64, hi: f64) -> char {
    if v.is_nan() {
        return NAN_MARK;
    }
    // Halved first, so that `hi − lo` cannot overflow.
    let span = hi / 2.0 - lo / 2.0;
    if span.is_nan() || span <= 0.0 {
        // A flat (or NaN) scale: nothing stands out.
        return SHADES[0];
    }
    let top = (SHADES.len() - 1) as f64;
    let level = ((v / 2.0 - lo / 2.0) / span * top).round();
    // A NaN level (from an infinite `lo` or `hi`) casts to 0.
    SHADES[level.clamp(0.0, top) as usize]
}

/// `a` as lines of shades, one line per row, on the scale `lo..=hi`: values
/// at or below `lo` are blank, values at or above `hi` are `'█'`.
///
/// Each value is drawn as two characters, so that pixels look square; every
/// line is `2·cols` characters wide. If `hi <= lo` (a flat scale) every
/// pixel is blank; a NaN is drawn as `??`.
///
/// Give several maps the same `lo` and `hi` to compare them with each other.
///
/// ```
/// use cnn_walkthrough::course::heatmap::heat_map;
/// let a = ndarray::arr2(&[[0.0, 0.25, 0.5], [0.75, 1.0, f64::NAN]]);
/// assert_eq!(heat_map(&a.view(), 0.0, 1.0), ["  ░░▒▒", "▓▓██??"]);
/// ```
pub fn heat_map(a: &ArrayView2<f64>, lo: f64, hi: f64) -> Vec<String> {
    a.outer_iter().map(|row| row.iter().flat_map(|&v| [shade(v, lo, hi); 2]).collect()).collect()
}

/// [`heat_map`] on the array's own scale: `lo` and `hi` are its smallest and
/// largest finite values (NaN and ±∞ are left out of the scale; ±∞ draw as
/// the extreme shades).
///
/// The scale is per map: the inkiest pixel of a filter is its own largest
/// weight, so two filters drawn this way show each one's pattern, not which
/// one has the larger weights.
///
/// ```
/// use cnn_walkthrough::course::heatmap::heat_map_auto;
/// let a = ndarray::arr2(&[[-2.0, 0.0], [1.0, 2.0]]);
/// assert_eq!(heat_map_auto(&a.view()), ["  ▒▒", "▓▓██"]);
/// ```
pub fn heat_map_auto(a: &ArrayView2<f64>) -> Vec<String> {
    let finite = a.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    heat_map(a, lo, hi)
}

/// Blocks of lines (heat maps) placed side by side, each under its caption,
/// separated by `gap` spaces, as many on a row as fit in `width` columns,
/// with a blank line between rows; the text ends with a newline (it is
/// empty if there are no blocks).
///
/// Each column is as wide as the widest of its caption and its lines,
/// counted in characters. Blocks may have different heights: the shorter
/// ones are padded with blank lines. Spaces at the end of a line are trimmed
/// (blank pixels included: they look the same).
///
/// ```
/// use cnn_walkthrough::course::heatmap::side_by_side;
/// let maps = [
///     ("a".to_string(), vec!["██".to_string(), "░░".to_string()]),
///     ("b".to_string(), vec!["▒▒".to_string()]),
/// ];
/// assert_eq!(side_by_side(&maps, 1, 80), "a  b\n██ ▒▒\n░░\n");
/// assert_eq!(side_by_side(&maps, 1, 4), "a\n██\n░░\n\nb\n▒▒\n");
/// ```
pub fn side_by_side(maps: &[(String, Vec<String>)], gap: usize, width: usize) -> String {
    let columns: Vec<Vec<&str>> = maps
        .iter()
        .map(|(caption, lines)| {
            std::iter::once(caption.as_str()).chain(lines.iter().map(String::as_str)).collect()
        })
        .collect();
    crate::course::show::lay_out(&columns, gap, width)
        .iter()
        .map(|row| format!("{row}\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

// Confusion matrix

/// The confusion matrix of a classifier: `m[[t, p]]` counts the samples of
/// true class `t` that were predicted as class `p`. The diagonal holds the
/// correct predictions; a large count off the diagonal is a pair of classes
/// the network mixes up.
///
/// # Errors
///
/// If `truth` and `predicted` differ in length, or a label is not below
/// `classes`.
///
/// ```
/// use cnn_walkthrough::course::heatmap::confusion_matrix;
/// let m = confusion_matrix(&[0, 0, 1, 1], &[0, 1, 1, 1], 2).unwrap();
/// assert_eq!(m, ndarray::arr2(&[[1, 1], [0, 2]]));
/// ```
pub fn confusion_matrix(truth: &[usize], predicted: &[usize], classes: usize) -> Result<Array2<usize>> {
    if predicted.len() != truth.len() {
        let expected = format!("({},), one prediction per label of truth", truth.len());
        return Err(Error::shape("predicted", expected, &[predicted.len()]));
    }
    for (name, labels) in [("truth", truth), ("predicted", predicted)] {
        if let Some((i, &label)) = labels.iter().enumerate().find(|&(_, &label)| label >= classes) {
            let problem = format!("is {label}; expected a class in 0..{classes}");
            return Err(Error::parameter(format!("{name}[{i}]"), problem));
        }
    }
    let mut m = Array2::zeros((classes, classes));
    for (&t, &p) in truth.iter().zip(predicted) {
        m[[t, p]] += 1;
    }
    Ok(m)
}

/// A confusion matrix as a table: one row per true class, one column per
/// predicted class, then the row's total and the percentage it got right; a
/// last row with the column totals and the overall accuracy. Zero counts are
/// written `·`, so that the diagonal and the mistakes stand out. A class
/// without samples has `-` for its percentage. Laid out for `width`
/// columns: a box table, with shorter headers if need be (`true\pred`,
/// `all`), or, narrower still, the same grid without the box.
///
/// # Panics
///
/// If `m` is not square.
///
/// ```
/// use cnn_walkthrough::course::heatmap::confusion_table;
/// let t = confusion_table(&ndarray::arr2(&[[1, 1], [0, 2]]).view(), 80);
/// assert_eq!(
///     t,
///     "\
/// ┌──────────────────┬───┬───┬───────┬─────────┐
/// │ true \\ predicted │ 0 │ 1 │ total │ correct │
/// ├──────────────────┼───┼───┼───────┼─────────┤
/// │ 0                │ 1 │ 1 │     2 │   50.0% │
/// │ 1                │ · │ 2 │     2 │  100.0% │
/// │ total            │ 1 │ 3 │     4 │   75.0% │
/// └──────────────────┴───┴───┴───────┴─────────┘
/// "
/// );
/// ```
pub fn confusion_table(m: &ArrayView2<usize>, width: usize) -> String {
    let classes = m.nrows();
    assert_eq!(m.ncols(), classes, "confusion_table: the matrix must be square");
    let percent = |right: usize, all: usize| match all {
        0 => "-".to_string(),
        _ => format!("{:.1}%", 100.0 * right as f64 / all as f64),
    };
    let mut rows: Vec<Vec<String>> = vec![];
    for (t, counts) in m.outer_iter().enumerate() {
        let mut row = vec![t.to_string()];
        row.extend(counts.iter().map(|&n| if n == 0 { "·".to_string() } else { n.to_string() }));
        let total = counts.sum();
        row.extend([total.to_string(), percent(counts[t], total)]);
        rows.push(row);
    }
    let mut last = vec!["total".to_string()];
    last.extend(m.columns().into_iter().map(|c| c.sum().to_string()));
    let (right, all) = (m.diag().sum(), m.sum());
    last.extend([all.to_string(), percent(right, all)]);
    rows.push(last);

    // The widest layout that fits: the box with its full headers, with
    // shorter ones (for 80 columns), else a plain grid without the box.
    let layouts =
        [(r"true \ predicted", "total", true), (r"true\pred", "all", true), (r"true\pred", "all", false)];
    let mut shown = String::new();
    for (corner, all, boxed) in layouts {
        let mut headers = vec![corner.to_string()];
        headers.extend((0..classes).map(|p| p.to_string()));
        headers.extend([all.to_string(), "correct".to_string()]);
        let mut rows = rows.clone();
        // Numbers right-aligned: every cell of a column but the first padded to the column's width.
        for col in 1..headers.len() {
            let width = rows.iter().chain([&headers]).map(|r| r[col].chars().count()).max().unwrap_or(0);
            for row in rows.iter_mut().chain([&mut headers]) {
                row[col] = format!("{:>width$}", row[col]);
            }
        }
        shown = if boxed {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            crate::course::show::table(&headers, &rows)
        } else {
            let first = rows.iter().chain([&headers]).map(|r| r[0].chars().count()).max().unwrap_or(0);
            let line = |r: &Vec<String>| format!("{:<first$} {}\n", r[0], r[1..].join(" "));
            std::iter::once(&headers).chain(&rows).map(line).collect()
        };
        if shown.lines().all(|l| l.chars().count() <= width) {
            break;
        }
    }
    shown
}
