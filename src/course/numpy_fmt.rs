//! Print arrays and scalars exactly as numpy does with its default print
//! options (`precision=8`, `floatmode='maxprec'`, `suppress=False`,
//! `threshold=1000`, `edgeitems=3`, `linewidth=75`, `sign='-'`).
//!
//! The logic mirrors `numpy/_core/arrayprint.py` (`FloatingFormat`,
//! `IntegerFormat`, `BoolFormat`, `_formatArray`, `_leading_trailing`).

use ndarray::{ArrayView, ArrayViewD, Axis, Dimension};

const LINE_WIDTH: i64 = 75;

/// The `linewidth` arrays are printed to: numpy's default, 75, unless the
/// screen is narrower ([`set_linewidth`]).
static LINEWIDTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(LINE_WIDTH as usize);

/// numpy's `np.set_printoptions(linewidth=n)`: the width at which arrays
/// printed from now on wrap (numpy's default is 75). A lesson sets it once,
/// to `min(75, screen width)`, so that on a narrow screen arrays wrap as
/// numpy would wrap them in a terminal that narrow.
pub fn set_linewidth(n: usize) {
    LINEWIDTH.store(n.max(10), std::sync::atomic::Ordering::Relaxed);
}

fn linewidth() -> i64 {
    i64::try_from(LINEWIDTH.load(std::sync::atomic::Ordering::Relaxed)).unwrap_or(LINE_WIDTH)
}
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
/// numpy's `precision` print option (maximum fractional digits).
const PRECISION: usize = 8;

/// A scalar value in one of the kinds numpy formats differently.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumpyScalar {
    /// A `float64` value.
    Float(f64),
    /// Any integer value (`int64` or `uint64`).
    Int(i128),
    /// A `bool` value.
    Bool(bool),
}

/// Element types numpy-formatted: f64, bool, i64, usize.
pub trait NumpyElement: Copy {
    /// The value as the numpy scalar kind that decides its formatting.
    fn to_numpy_scalar(self) -> NumpyScalar;
}

impl NumpyElement for f64 {
    fn to_numpy_scalar(self) -> NumpyScalar {
        NumpyScalar::Float(self)
    }
}

impl NumpyElement for bool {
    fn to_numpy_scalar(self) -> NumpyScalar {
        NumpyScalar::Bool(self)
    }
}

impl NumpyElement for i64 {
    fn to_numpy_scalar(self) -> NumpyScalar {
        NumpyScalar::Int(i128::from(self))
    }
}

impl NumpyElement for usize {
    fn to_numpy_scalar(self) -> NumpyScalar {
        // usize is at most 64 bits on every supported target.
        NumpyScalar::Int(i128::try_from(self).unwrap_or(i128::MAX))
    }
}

/// Splits Rust's `{:e}` output (`"1.25e-3"`) into integer digits,
/// fractional digits and the decimal exponent.
fn split_sci(s: &str) -> (String, String, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    (int.to_string(), frac.to_string(), exp.parse().unwrap_or(0))
}

/// `-` for negative values (including `-0.0`), otherwise empty.
fn sign_of(x: f64) -> &'static str {
    if x.is_sign_negative() {
        "-"
    } else {
        ""
    }
}

/// numpy's `dragon4_positional(x, precision=8, unique=True, trim='.')`
/// for finite `x`, as (signed integer part, fractional digits).
fn positional_parts(x: f64) -> (String, String) {
    let a = x.abs();
    // Display gives the shortest round-trip digits, never an exponent.
    let mut s = format!("{a}");
    if s.split_once('.').map_or(0, |(_, f)| f.len()) > PRECISION {
        // Too many digits: round the exact binary value (ties to even).
        s = format!("{a:.PRECISION$}");
    }
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    (format!("{}{int}", sign_of(x)), frac.to_string())
}

/// numpy's `dragon4_scientific(x, precision=8, unique=True, trim='.')`
/// for finite `x`, as (signed mantissa integer, fractional digits, exponent).
fn scientific_parts(x: f64) -> (String, String, i32) {
    let a = x.abs();
    let (mut int, mut frac, mut exp) = split_sci(&format!("{a:e}"));
    if frac.len() > PRECISION {
        // Round the exact value; a carry may change the exponent.
        (int, frac, exp) = split_sci(&format!("{a:.PRECISION$e}"));
        frac = frac.trim_end_matches('0').to_string();
    }
    (format!("{}{int}", sign_of(x)), frac, exp)
}

/// An exponent as numpy writes it: sign plus at least `digits` digits.
fn exp_str(exp: i32, digits: usize) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{:0digits$}", exp.unsigned_abs())
}

/// Digits numpy needs for an exponent (at least two).
fn exp_digits(exp: i32) -> usize {
    exp.unsigned_abs().to_string().len().max(2)
}

/// numpy's `FloatingFormat` state for one array.
#[derive(Debug)]
struct FloatFormat {
    exp_format: bool,
    precision: usize,
    pad_left: usize,
    pad_right: usize,
    exp_size: usize,
}

impl FloatFormat {
    /// `FloatingFormat.fillFormat` for the (possibly summarized) data.
    fn new(data: &[f64]) -> Self {
        let finite: Vec<f64> = data.iter().copied().filter(|x| x.is_finite()).collect();
        let nonzero = finite.iter().map(|x| x.abs()).filter(|&x| x != 0.0);
        let (min, max) = nonzero.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let exp_format = max > 0.0 && (max >= 1e8 || min < 1e-4 || max / min > 1e3);
        let mut f = FloatFormat { exp_format, precision: 0, pad_left: 0, pad_right: 0, exp_size: 0 };
        if finite.is_empty() {
            // Nothing to measure: only nan/inf below decide the width.
        } else if exp_format {
            for &x in &finite {
                let (int, frac, exp) = scientific_parts(x);
                f.exp_size = f.exp_size.max(exp_digits(exp));
                f.precision = f.precision.max(frac.len());
                f.pad_left = f.pad_left.max(int.len());
            }
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            for &x in &finite {
                let (int, frac) = positional_parts(x);
                f.pad_left = f.pad_left.max(int.len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        if finite.len() != data.len() {
            let neg_inf = data.contains(&f64::NEG_INFINITY);
            let offset = f.pad_right + 1;
            let need = (3 + usize::from(neg_inf)).saturating_sub(offset);
            f.pad_left = f.pad_left.max(need);
        }
        f
    }

    /// `FloatingFormat.__call__`: one padded element.
    fn format(&self, x: f64) -> String {
        let width = self.pad_left + self.pad_right + 1;
        if x.is_nan() {
            return format!("{:>width$}", "nan");
        }
        if x.is_infinite() {
            return format!("{:>width$}", if x < 0.0 { "-inf" } else { "inf" });
        }
        let (int, frac, tail) = if self.exp_format {
            let (int, frac, exp) = split_sci(&format!("{:.*e}", self.precision, x.abs()));
            let tail = format!("e{}", exp_str(exp, self.exp_size));
            (format!("{}{int}", sign_of(x)), frac, tail)
        } else {
            let (int, frac) = positional_parts(x);
            let pad = self.pad_right;
            (int, format!("{frac:<pad$}"), String::new())
        };
        format!("{int:>w$}.{frac}{tail}", w = self.pad_left)
    }
}

/// The format function numpy picks for an array's dtype.
#[derive(Debug)]
enum Formatter {
    Float(FloatFormat),
    Int(usize),
    Bool { zero_dim: bool },
}

impl Formatter {
    /// Builds the formatter from the values that will be shown.
    fn new(data: &[NumpyScalar], zero_dim: bool) -> Self {
        match data.first() {
            Some(NumpyScalar::Float(_)) => {
                let floats: Vec<f64> = data
                    .iter()
                    .filter_map(|s| match s {
                        NumpyScalar::Float(x) => Some(*x),
                        _ => None,
                    })
                    .collect();
                Formatter::Float(FloatFormat::new(&floats))
            }
            Some(NumpyScalar::Bool(_)) => Formatter::Bool { zero_dim },
            _ => {
                let ints = data.iter().filter_map(|s| match s {
                    NumpyScalar::Int(i) => Some(*i),
                    _ => None,
                });
                let width = ints.map(|i| i.to_string().len()).max().unwrap_or(0);
                Formatter::Int(width)
            }
        }
    }

    /// Formats one element.
    fn format(&self, s: NumpyScalar) -> String {
        match (self, s) {
            (Formatter::Float(f), NumpyScalar::Float(x)) => f.format(x),
            (Formatter::Int(w), NumpyScalar::Int(i)) => format!("{i:>w$}"),
            (Formatter::Bool { zero_dim }, NumpyScalar::Bool(b)) => match (b, zero_dim) {
                (true, true) => "True".to_string(),
                (true, false) => " True".to_string(),
                (false, _) => "False".to_string(),
            },
            (_, NumpyScalar::Float(x)) => format_scalar(x),
            (_, NumpyScalar::Int(i)) => i.to_string(),
            (_, NumpyScalar::Bool(b)) => if b { "True" } else { "False" }.to_string(),
        }
    }
}

/// `_leading_trailing`: collects the elements numpy shows (edge items of
/// every axis longer than `2 * EDGE_ITEMS` when summarizing).
fn collect_shown<T: NumpyElement>(a: &ArrayViewD<T>, summary: bool, out: &mut Vec<NumpyScalar>) {
    if a.ndim() == 0 {
        out.extend(a.iter().map(|x| x.to_numpy_scalar()));
        return;
    }
    for i in shown_indices(a.len_of(Axis(0)), summary).into_iter().flatten() {
        collect_shown(&a.index_axis(Axis(0), i), summary, out);
    }
}

/// Indices shown along an axis of length `n`: everything, or the leading
/// and the trailing edge items (`None` marks the `...`).
fn shown_indices(n: usize, summary: bool) -> Vec<Option<usize>> {
    if summary && n > 2 * EDGE_ITEMS {
        let lead = (0..EDGE_ITEMS).map(Some);
        let trail = (n - EDGE_ITEMS..n).map(Some);
        lead.chain(std::iter::once(None)).chain(trail).collect()
    } else {
        (0..n).map(Some).collect()
    }
}

/// numpy's `_extendLine` (legacy=False): append `word`, wrapping first if
/// the line would exceed `width` and wrapping helps.
fn extend_line(s: &mut String, line: &mut String, word: &str, width: i64, indent: &str) {
    let too_long = (line.len() + word.len()) as i64 > width;
    if too_long && line.len() > indent.len() {
        s.push_str(line.trim_end());
        s.push('\n');
        line.clear();
        line.push_str(indent);
    }
    line.push_str(word);
}

/// numpy's `_formatArray.recurser` (separator `' '`).
fn recurse<T: NumpyElement>(
    a: &ArrayViewD<T>,
    f: &Formatter,
    hanging: &str,
    width: i64,
    summary: bool,
) -> String {
    if a.ndim() == 0 {
        return a.iter().next().map_or_else(String::new, |x| f.format(x.to_numpy_scalar()));
    }
    let next_hanging = format!("{hanging} ");
    let next_width = width - 1;
    let indices = shown_indices(a.len_of(Axis(0)), summary);
    let word = |i: Option<usize>| match i {
        Some(i) => recurse(&a.index_axis(Axis(0), i), f, &next_hanging, next_width, summary),
        None => "...".to_string(),
    };
    let mut s = String::new();
    if a.ndim() == 1 {
        // Elements leave room for the separator or the closing bracket.
        let elem_width = width - 1;
        let mut line = hanging.to_string();
        for (k, &i) in indices.iter().enumerate() {
            if k > 0 {
                line.push(' ');
            }
            extend_line(&mut s, &mut line, &word(i), elem_width, hanging);
        }
        s.push_str(&line);
    } else {
        let line_sep = "\n".repeat(a.ndim() - 1);
        for (k, &i) in indices.iter().enumerate() {
            if k > 0 {
                s.push_str(&line_sep);
            }
            s.push_str(hanging);
            s.push_str(&word(i));
        }
    }
    format!("[{}]", s.get(hanging.len()..).unwrap_or(""))
}

/// numpy's `array2string(a, prefix=PREFIX)` for an n-d array, where
/// `prefix_width` is the number of characters already printed on the
/// first line (continuation lines get that many spaces).
///
/// ```
/// use cnn_walkthrough::course::numpy_fmt::array2string;
/// let a = ndarray::array![[1.0, -2.5], [0.125, 3.0]];
/// assert_eq!(array2string(&a.view(), 0), "[[ 1.    -2.5  ]\n [ 0.125  3.   ]]");
/// ```
pub fn array2string<T: NumpyElement, D: Dimension>(a: &ArrayView<T, D>, prefix_width: usize) -> String {
    let a = a.view().into_dyn();
    if a.is_empty() {
        return "[]".to_string();
    }
    let summary = a.len() > THRESHOLD;
    let mut shown = Vec::new();
    collect_shown(&a, summary, &mut shown);
    let formatter = Formatter::new(&shown, a.ndim() == 0);
    let hanging = " ".repeat(prefix_width.saturating_add(1));
    recurse(&a, &formatter, &hanging, linewidth(), summary)
}

/// `label` + `" "` + `array2string(a, label.chars().count() + 1)`, as
/// `print(label, a)` shows it: e.g. `labelled("x[1,1] =", &x.view())`.
pub fn labelled<T: NumpyElement, D: Dimension>(label: &str, a: &ArrayView<T, D>) -> String {
    format!("{label} {}", array2string(a, label.chars().count() + 1))
}

/// How numpy prints a float64 scalar with `print()` (e.g.
/// `-6.999089450680221`, `0.0`, `1e-05`, `1e+16`, `nan`, `inf`):
/// `str(np.float64(x))` in numpy >= 1.14.
pub fn format_scalar(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return format!("{}inf", sign_of(x));
    }
    let a = x.abs();
    if a == 0.0 || (1e-4..1e16).contains(&a) {
        let s = format!("{a}");
        let dot = if s.contains('.') { "" } else { ".0" };
        format!("{}{s}{dot}", sign_of(x))
    } else {
        let (int, frac, exp) = split_sci(&format!("{a:e}"));
        let dot = if frac.is_empty() { "" } else { "." };
        format!("{}{int}{dot}{frac}e{}", sign_of(x), exp_str(exp, 2))
    }
}

/// A shape as Python prints a tuple: `(4, 3, 3, 2)`, `(5,)`, `()`.
pub fn shape_str(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}
