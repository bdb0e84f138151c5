//! Drawings for the whiteboard: small grids and blocks side by side, and
//! tables, laid out for the screen's width.
//!
//! Blocks side by side flow onto as many rows as the width needs
//! ([`lay_out`]): our own few lines, as no crate in the tree places blocks
//! of text next to each other; tables are prettytable's.

use ndarray::ArrayView2;

/// Multi-line blocks printed next to each other, each under its caption,
/// separated by `gap` spaces; as many on a row as fit in `width` columns, the
/// rest continued below (a block wider than `width` gets a row of its own).
///
/// ```
/// use cnn_walkthrough::course::show::side_by_side;
/// let blocks = [("a", "1\n2".to_string()), ("b", "3".to_string())];
/// assert_eq!(side_by_side(&blocks, 2, 80), "a  b\n1  3\n2");
/// assert_eq!(side_by_side(&blocks, 2, 3), "a\n1\n2\nb\n3");
/// ```
pub fn side_by_side(blocks: &[(&str, String)], gap: usize, width: usize) -> String {
    let columns: Vec<Vec<&str>> = blocks
        .iter()
        .map(|(caption, body)| std::iter::once(*caption).chain(body.lines()).collect())
        .collect();
    lay_out(&columns, gap, width).join("\n")
}

/// Columns of lines (a caption, then a block) laid out side by side, `gap`
/// spaces apart, as many on a row as fit in `width` columns: one string per
/// row of blocks, its lines joined by line breaks, spaces at their ends
/// trimmed. The layout of [`side_by_side`] and of the heat maps'
/// [`side_by_side`](crate::course::heatmap::side_by_side).
pub fn lay_out(columns: &[Vec<&str>], gap: usize, width: usize) -> Vec<String> {
    let columns_of = |c: &[&str]| c.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = columns.iter().map(|c| columns_of(c)).collect();
    let mut rows = vec![];
    let mut first = 0;
    while first < columns.len() {
        // Blocks from `first` on, while they and the gaps between them fit.
        let mut used = widths[first];
        let mut end = first + 1;
        while end < columns.len() && used + gap + widths[end] <= width {
            used += gap + widths[end];
            end += 1;
        }
        rows.push(row_of_blocks(&columns[first..end], &widths[first..end], gap));
        first = end;
    }
    rows
}

/// The blocks of one row next to each other, each padded to its width.
fn row_of_blocks(columns: &[Vec<&str>], widths: &[usize], gap: usize) -> String {
    let height = columns.iter().map(Vec::len).max().unwrap_or(0);
    let mut lines = Vec::with_capacity(height);
    for row in 0..height {
        let mut line = String::new();
        for (col, w) in columns.iter().zip(widths) {
            let cell = col.get(row).copied().unwrap_or("");
            line += cell;
            line += &" ".repeat(w - cell.chars().count() + gap);
        }
        lines.push(line.trim_end_matches(' ').to_string());
    }
    lines.join("\n")
}

/// `n` and the noun, singular when `n` is 1: for every printed count that
/// can be 1 ("1 check", "3 checks", "1 batch", "2 batches"). Give the noun's
/// singular; see [`noun`] for the plural.
///
/// ```
/// use cnn_walkthrough::course::show::count;
/// assert_eq!(count(1, "check"), "1 check");
/// assert_eq!(count(3, "check"), "3 checks");
/// assert_eq!(count(0, "window"), "0 windows");
/// assert_eq!(count(2, "batch"), "2 batches");
/// assert_eq!(count(1, "held-out digit"), "1 held-out digit");
/// ```
pub fn count(n: usize, singular: &str) -> String {
    format!("{n} {}", noun(n, singular))
}

/// The noun for `n` things: `singular` when `n` is 1, else its plural
/// (`es` after s, x, ch and sh, except the hard ch of `epoch` and
/// `stomach`; `ies` for a `y` after a consonant; else `s`).
///
/// ```
/// use cnn_walkthrough::course::show::noun;
/// assert_eq!(noun(2, "row"), "rows");
/// assert_eq!(noun(2, "epoch"), "epochs");
/// assert_eq!(noun(2, "batch"), "batches");
/// assert_eq!(noun(0, "entry"), "entries");
/// assert_eq!(noun(3, "day"), "days");
/// ```
pub fn noun(n: usize, singular: &str) -> String {
    if n == 1 {
        return singular.to_string();
    }
    if let Some(stem) = singular.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    let hard_ch = ["epoch", "stomach"].iter().any(|w| singular.ends_with(w));
    let sibilant = ["s", "x", "ch", "sh"].iter().any(|e| singular.ends_with(e));
    let ending = if sibilant && !hard_ch { "es" } else { "s" };
    format!("{singular}{ending}")
}

/// A 2-D array as a grid of numbers with `decimals` decimals; cells where
/// `plain(i, j)` is true (e.g. padding) print as a bare `0`-style integer so
/// that they stand apart.
///
/// ```
/// let a = ndarray::arr2(&[[0.0, 0.0], [0.0, 1.25]]);
/// let g = cnn_walkthrough::course::show::grid(&a.view(), 2, |i, j| i == 0 || j == 0);
/// assert_eq!(g, "   0     0\n   0  1.25");
/// ```
pub fn grid(a: &ArrayView2<f64>, decimals: usize, plain: impl Fn(usize, usize) -> bool) -> String {
    let cells: Vec<Vec<String>> = a
        .outer_iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, &v)| if plain(i, j) { format!("{v}") } else { format!("{v:.decimals$}") })
                .collect()
        })
        .collect();
    let width = cells.iter().flatten().map(|c| c.chars().count()).max().unwrap_or(0);
    cells
        .iter()
        .map(|row| row.iter().map(|c| format!("{c:>width$}")).collect::<Vec<_>>().join("  "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A plain table (prettytable, box characters, no colour) with a header row.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    use prettytable::{Cell, Row, Table};
    let mut t = Table::new();
    t.set_format(crate::course::check::table_format());
    t.set_titles(Row::new(headers.iter().map(|h| Cell::new(h)).collect()));
    for r in rows {
        t.add_row(Row::new(r.iter().map(|c| Cell::new(c)).collect()));
    }
    t.to_string()
}

/// [`table`] when it fits in `width` columns; else the same rows as a list
/// for a narrow screen: each row's first cell on a line of its own, then
/// each other cell under it as `header: value`, or, when that is too wide,
/// `header:` with the value on the lines under it (wrapped to `width`), so
/// no line is wider than `width`. A column without a header lists its
/// values bare.
///
/// ```
/// use cnn_walkthrough::course::show::fit_table;
/// let rows = vec![vec!["SGD".to_string(), "(-3.9600, 1.5000)".to_string()]];
/// assert_eq!(fit_table(&["optimizer", "step 1"], &rows, 28), "SGD\n  step 1: (-3.9600, 1.5000)");
/// assert_eq!(fit_table(&["optimizer", "step 1"], &rows, 22), "SGD\n  step 1:\n    (-3.9600, 1.5000)");
/// assert!(fit_table(&["optimizer", "step 1"], &rows, 80).starts_with('┌'));
/// ```
pub fn fit_table(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let full = table(headers, rows);
    if full.lines().all(|l| l.chars().count() <= width) {
        return full;
    }
    let mut lines = vec![];
    for row in rows {
        let mut cells = row.iter().zip(headers);
        if let Some((first, _)) = cells.next()
            && !first.is_empty()
        {
            lines.push(crate::course::output::wrap(first, width));
        }
        for (cell, header) in cells.filter(|(c, _)| !c.trim().is_empty()) {
            // A header on two lines in the table is one line here.
            let label =
                if header.is_empty() { String::new() } else { format!("{}: ", header.replace('\n', " ")) };
            let hanging = " ".repeat(label.chars().count());
            let beside: Vec<String> = cell
                .lines()
                .enumerate()
                .map(|(k, part)| format!("  {}{part}", if k == 0 { &label } else { &hanging }))
                .collect();
            if beside.iter().all(|l| textwrap::core::display_width(l) <= width) {
                lines.extend(beside);
            } else {
                if !label.is_empty() {
                    lines.push(format!("  {}", label.trim_end()));
                }
                lines.extend(
                    cell.lines().map(|part| crate::course::output::wrap(&format!("    {part}"), width)),
                );
            }
        }
    }
    lines.join("\n")
}

/// One output cell of the notebook's `conv_forward`, worked on the
/// whiteboard: where the window is (channel 0 of the padded image, the
/// window in brackets, the padding as `·`: see
/// [`crate::course::windows::marked_grid`]); then for each input channel `d`
/// the window `a_slice_prev[:, :, d]`, the filter `W[:, :, d, c]`, their
/// element-wise product and its sum; then the total, the bias and
/// `Z[i, h, w, c]`.
pub fn conv_cell(
    a_prev_pad: &ndarray::ArrayView4<f64>,
    w: &ndarray::ArrayView4<f64>,
    b: &ndarray::ArrayView4<f64>,
    (i, h, wi, c): (usize, usize, usize, usize),
    hparameters: crate::textbook::conv::Hparameters,
    width: usize,
) -> String {
    use crate::course::numpy_fmt::{array2string, format_scalar};
    use crate::course::windows::{marked_grid, Marks};
    use ndarray::s;
    let f = w.shape()[0];
    let stride = hparameters.stride;
    let (vs, hs) = (h * stride, wi * stride);
    let marks = Marks { window: (vs..vs + f, hs..hs + f), pad: hparameters.pad, stars: vec![] };
    let mut out = format!(
        "Z[{i},{h},{wi},{c}]: vert_start = {h}·{stride} = {vs}, horiz_start = {wi}·{stride} = {hs}\n\
         a_slice_prev = A_prev_pad[{i}, {vs}:{}, {hs}:{}, :]\n\
         The window in A_prev_pad[{i},:,:,0]:\n{}\n",
        vs + f,
        hs + f,
        marked_grid(&a_prev_pad.slice(s![i, .., .., 0]), &marks)
    );
    let mut total = 0.0;
    let mut sums = vec![];
    for d in 0..w.shape()[2] {
        let window = a_prev_pad.slice(s![i, vs..vs + f, hs..hs + f, d]);
        let filter = w.slice(s![.., .., d, c]);
        let product = &window * &filter;
        let sum = product.sum();
        total += sum;
        // A negative term in parentheses: `4.0 + (-1.0)`, not `4.0 + -1.0`.
        sums.push(if sum < 0.0 { format!("({})", format_scalar(sum)) } else { format_scalar(sum) });
        out += &side_by_side(
            &[
                (&format!("a_slice_prev[:,:,{d}]"), array2string(&window, 0)),
                (&format!("W[:,:,{d},{c}]"), array2string(&filter, 0)),
                ("product", array2string(&product.view(), 0)),
                ("sum", format_scalar(sum)),
            ],
            3,
            width,
        );
        out += "\n";
    }
    let bias = b[[0, 0, 0, c]];
    out += &format!(
        "Z[{i},{h},{wi},{c}] = {} + b ({}) = {}",
        sums.join(" + "),
        format_scalar(bias),
        format_scalar(total + bias)
    );
    out
}

/// The output size formula `⌊(n + 2p − f)/s⌋ + 1` worked out for each case
/// `(name, n, f, hparameters)`, fitted to `width` columns: one line a case
/// when that fits; else with the headers, the formula and the case's name
/// on two lines each (about 75 columns); else a list ([`fit_table`]).
pub fn output_size_table(
    cases: &[(&str, usize, usize, crate::textbook::conv::Hparameters)],
    width: usize,
) -> String {
    use crate::textbook::conv::output_size;
    // A case's name, its numbers, the formula with them and what it comes to.
    let rows: Vec<[String; 4]> = cases
        .iter()
        .map(|&(name, n, f, hp)| {
            let (p, s) = (hp.pad, hp.stride);
            [
                name.to_string(),
                format!("{n}, {f}, {p}, {s}"),
                format!("⌊({n} + 2·{p} − {f})/{s}⌋ + 1"),
                format!("⌊{}/{s}⌋ + 1 = {}", n + 2 * p - f, output_size(n, f, p, s)),
            ]
        })
        .collect();
    let wide: Vec<Vec<String>> = rows
        .iter()
        .map(|[name, nums, f, value]| vec![name.clone(), nums.clone(), format!("{f} = {value}")])
        .collect();
    let full = table(&["case", "n, f, pad, stride", "output size ⌊(n + 2·pad − f)/stride⌋ + 1"], &wide);
    if full.lines().all(|l| l.chars().count() <= width) {
        return full;
    }
    let narrow: Vec<Vec<String>> = rows
        .iter()
        .map(|[name, nums, f, value]| vec![textwrap::fill(name, 24), nums.clone(), format!("{f}\n= {value}")])
        .collect();
    fit_table(&["case", "n, f,\npad, stride", "output size\n⌊(n + 2·pad − f)/stride⌋ + 1"], &narrow, width)
}

/// `text` wrapped at `width` columns, every line starting with `indent` spaces.
///
/// ```
/// assert_eq!(cnn_walkthrough::course::show::wrap("a bb ccc", 6, 1), " a bb\n ccc");
/// ```
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines: Vec<String> = vec![];
    let mut line = pad.clone();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > indent && len + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, pad.clone()));
        }
        if line.chars().count() > indent {
            line.push(' ');
        }
        line += word;
    }
    lines.push(line);
    lines.join("\n")
}

/// The channel `c` of image `i` of a pooling input with the window of output
/// cell `(h, w)` in brackets and, in max mode, its maximum starred (the
/// first one, as the backward pass routes the gradient to it).
fn pool_window_in_channel(
    a_prev: &ndarray::ArrayView4<f64>,
    (i, h, w, c): (usize, usize, usize, usize),
    p: &crate::textbook::pool::PoolParams,
    mode: crate::textbook::pool::PoolMode,
) -> String {
    use crate::course::windows::{marked_grid, Marks};
    use crate::textbook::pool::{first_max_mask, PoolMode};
    use ndarray::s;
    let (rows, cols) = p.window(h, w);
    let window = a_prev.slice(s![i, rows.clone(), cols.clone(), c]);
    let stars = match mode {
        PoolMode::Max => first_max_mask(&window)
            .indexed_iter()
            .filter(|&(_, &m)| m)
            .map(|((r, q), _)| (rows.start + r, cols.start + q))
            .collect(),
        PoolMode::Average => vec![],
    };
    let marks = Marks { window: (rows, cols), pad: 0, stars };
    format!("The window in A_prev[{i},:,:,{c}]:\n{}", marked_grid(&a_prev.slice(s![i, .., .., c]), &marks))
}

/// One output cell of `pool_forward`, worked: where the window is in its
/// channel ([`crate::course::windows::marked_grid`]), the window and the value it
/// keeps (its maximum and where it is, or the mean written out).
pub fn pool_cell(
    a_prev: &ndarray::ArrayView4<f64>,
    (i, h, w, c): (usize, usize, usize, usize),
    p: &crate::textbook::pool::PoolParams,
    mode: crate::textbook::pool::PoolMode,
    width: usize,
) -> String {
    use crate::course::numpy_fmt::{array2string, format_scalar};
    use crate::textbook::pool::{first_max_mask, pool_window, PoolMode};
    use ndarray::s;
    let (rows, cols) = p.window(h, w);
    let window = a_prev.slice(s![i, rows.clone(), cols.clone(), c]);
    let value = pool_window(&window, mode);
    let how = match mode {
        PoolMode::Max => {
            let at = first_max_mask(&window).indexed_iter().find(|&(_, &m)| m).map(|(idx, _)| idx);
            let at = at.map_or(String::new(), |(r, q)| format!(", at row {r}, column {q} of the window"));
            format!("max = {}{at}", format_scalar(value))
        }
        PoolMode::Average => {
            let terms: Vec<String> = window.iter().map(|&v| format_scalar(v)).collect();
            format!("mean = ({}) / {} = {}", terms.join(" + "), window.len(), format_scalar(value))
        }
    };
    let caption = format!(
        "A[{i},{h},{w},{c}] ← A_prev[{i}, {}:{}, {}:{}, {c}]",
        rows.start, rows.end, cols.start, cols.end
    );
    let beside = side_by_side(&[("window", array2string(&window, 0)), ("", how)], 3, width);
    format!("{caption}\n{}\n{beside}", pool_window_in_channel(a_prev, (i, h, w, c), p, mode))
}

/// One output cell of `pool_backward`, worked: where the window is in its
/// channel, the window of the input, the mask (max: 1 at the maximum, which
/// is starred) or the equal shares (average), and what lands in `dA_prev`.
pub fn pool_backward_cell(
    a_prev: &ndarray::ArrayView4<f64>,
    da: &ndarray::ArrayView4<f64>,
    (i, h, w, c): (usize, usize, usize, usize),
    p: &crate::textbook::pool::PoolParams,
    mode: crate::textbook::pool::PoolMode,
    width: usize,
) -> String {
    use crate::course::numpy_fmt::{array2string, format_scalar};
    use crate::textbook::pool::{distribute_value, first_max_mask, PoolMode};
    use ndarray::s;
    let (rows, cols) = p.window(h, w);
    let window = a_prev.slice(s![i, rows.clone(), cols.clone(), c]);
    let g = da[[i, h, w, c]];
    let (middle, share) = match mode {
        PoolMode::Max => {
            let mask = first_max_mask(&window);
            let share = mask.mapv(|m| if m { g } else { 0.0 });
            let stars = mask.indexed_iter().filter(|&(_, &m)| m).map(|(at, _)| at).collect();
            let marks = crate::course::windows::Marks { window: (0..0, 0..0), pad: 0, stars };
            let ones = mask.mapv(|m| if m { 1.0 } else { 0.0 });
            let grid = crate::course::windows::marked_grid(&ones.view(), &marks);
            let grid = grid.rsplit_once('\n').map_or(grid.clone(), |(body, _)| body.to_string());
            (("mask", grid), share)
        }
        PoolMode::Average => {
            let share = distribute_value(g, (p.f, p.f));
            ((" ", format!("dA / {} each", p.f * p.f)), share)
        }
    };
    let head = format!(
        "dA[{i},{h},{w},{c}] = {} goes back to dA_prev[{i}, {}:{}, {}:{}, {c}]",
        format_scalar(g),
        rows.start,
        rows.end,
        cols.start,
        cols.end
    );
    let body = side_by_side(
        &[
            ("window of A_prev", array2string(&window, 0)),
            middle,
            ("adds to dA_prev", array2string(&share.view(), 0)),
        ],
        3,
        width,
    );
    format!("{head}\n{}\n{body}", pool_window_in_channel(a_prev, (i, h, w, c), p, mode))
}

/// Output cells `(channel, row, column)` in the order the articles walk
/// them: channel by channel (filter by filter), row by row.
///
/// ```
/// let order: Vec<_> = cnn_walkthrough::course::show::cells(1, 2, 2).collect();
/// assert_eq!(order, vec![(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 0, 1)]);
/// ```
pub fn cells(n_h: usize, n_w: usize, n_c: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (0..n_c).flat_map(move |c| (0..n_h).flat_map(move |h| (0..n_w).map(move |w| (c, h, w))))
}

/// Every output cell of `pool_forward` on image 0, worked ([`pool_cell`]),
/// in the order of [`cells`]: for a lesson to walk the first few.
pub fn pool_cells<'a>(
    a_prev: &'a ndarray::ArrayView4<'a, f64>,
    p: &'a crate::textbook::pool::PoolParams,
    mode: crate::textbook::pool::PoolMode,
    width: usize,
) -> impl Iterator<Item = String> + 'a {
    cells(p.out_h(), p.out_w(), p.n_c).map(move |(c, h, w)| pool_cell(a_prev, (0, h, w, c), p, mode, width))
}

/// Every output cell of `pool_backward` on image 0, worked
/// ([`pool_backward_cell`]), in the order of [`cells`].
pub fn pool_backward_cells<'a>(
    a_prev: &'a ndarray::ArrayView4<'a, f64>,
    da: &'a ndarray::ArrayView4<'a, f64>,
    p: &'a crate::textbook::pool::PoolParams,
    mode: crate::textbook::pool::PoolMode,
    width: usize,
) -> impl Iterator<Item = String> + 'a {
    cells(p.out_h(), p.out_w(), p.n_c)
        .map(move |(c, h, w)| pool_backward_cell(a_prev, da, (0, h, w, c), p, mode, width))
}
