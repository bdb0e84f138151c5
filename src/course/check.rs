//! Checks: a computed number next to the number it must equal, and the table
//! a lesson ends with (quantity, expected, computed, difference, result).
//!
//! Tolerances follow one rule: a published number printed with `k` decimals
//! is matched to half a unit of its last digit (`0.5·10⁻ᵏ`); two computations
//! of the same exact quantity are matched to a few ulps of its size.

use ndarray::{ArrayView, ArrayView2, Dimension, IxDyn};
use prettytable::{format, Cell, Row, Table};

use crate::course::numpy_fmt::{array2string, format_scalar, shape_str};

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What is compared, e.g. `Z[3,2,1]`.
    pub quantity: String,
    /// The expected side, as text.
    pub expected: String,
    /// The computed side, as text.
    pub computed: String,
    /// How far apart they are, and the tolerance.
    pub difference: String,
    /// Whether it passed.
    pub passed: bool,
}

/// Half a unit in the last of `decimals` decimal places: the tolerance for a
/// number published with that many decimals.
///
/// ```
/// assert_eq!(cnn_walkthrough::course::check::published(8), 5e-9);
/// ```
pub fn published(decimals: i32) -> f64 {
    0.5 * 10f64.powi(-decimals)
}

/// The tolerance for results that are exact in binary floating point (sums
/// of products of small integers, as in the worked 5×5×3 example), and for
/// two computations of a value that differ only in rounding at the size of 1.
pub const EXACT: f64 = 1e-12;

/// How far two computations of the same sum may differ by rounding alone,
/// when they add `terms` products, none larger than `largest`, in different
/// orders: each can be off by `terms · ε · (terms · largest)`, so twice that.
///
/// ```
/// let tol = cnn_walkthrough::course::check::sum_rounding(28, 100.0);
/// assert!(tol > 1e-11 && tol < 1e-10);
/// ```
pub fn sum_rounding(terms: usize, largest: f64) -> f64 {
    let n = terms as f64;
    2.0 * n * n * f64::EPSILON * largest.max(f64::MIN_POSITIVE)
}

/// The largest magnitude in an array (0 for an empty one).
pub fn largest<D: Dimension>(a: &ArrayView<f64, D>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// The checks of one lesson run, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    /// Every check made so far.
    pub list: Vec<Check>,
}

/// A difference or a tolerance in three significant digits: `4.48e-9`,
/// `1e-12` (not `1.00e-12`), `0`.
fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}").replace(".00e", "e")
    }
}

/// Why two numbers cannot be compared, if they cannot: a side that is NaN or
/// infinite (an overflow), or a tolerance that is not a finite number.
fn not_comparable<const N: usize>(sides: [(&str, f64); N], tol: f64) -> Option<String> {
    if let Some((side, v)) = sides.iter().find(|(_, v)| !v.is_finite()) {
        return Some(format!("{side} is {}: overflow, not comparable", format_scalar(*v)));
    }
    (!tol.is_finite()).then(|| "the tolerance overflowed: values too large to compare".to_string())
}

/// The first values of an array (as numpy prints them) and its shape,
/// short enough for a table cell.
fn preview<D: Dimension>(a: &ArrayView<f64, D>) -> String {
    let n = 3;
    if a.len() == 1 {
        return a.iter().map(|&v| format_scalar(v)).collect();
    }
    let first: ndarray::Array1<f64> = a.iter().take(n).copied().collect();
    let mut s = array2string(&first.view(), 0);
    if a.len() > n {
        s.insert_str(s.len() - 1, " …");
    }
    format!("{s} {}", shape_str(a.shape()))
}

/// The box-drawn table format of every table the course prints: a line under
/// the titles, none between rows.
pub fn table_format() -> format::TableFormat {
    use format::{LinePosition, LineSeparator};
    format::FormatBuilder::new()
        .column_separator('│')
        .borders('│')
        .separators(&[LinePosition::Top], LineSeparator::new('─', '┬', '┌', '┐'))
        .separators(&[LinePosition::Title], LineSeparator::new('─', '┼', '├', '┤'))
        .separators(&[LinePosition::Bottom], LineSeparator::new('─', '┴', '└', '┘'))
        .padding(1, 1)
        .build()
}

impl Checks {
    /// Records a check and returns whether it passed.
    pub fn push(&mut self, check: Check) -> bool {
        let passed = check.passed;
        self.list.push(check);
        passed
    }

    /// `|computed − expected| ≤ tol` for one number.
    ///
    /// A side that is NaN or infinite, or a tolerance that is, fails the
    /// check with the reason in words (never a NaN difference or tolerance).
    pub fn close(&mut self, quantity: &str, expected: f64, computed: f64, tol: f64) -> bool {
        let diff = (computed - expected).abs();
        let (difference, passed) = match not_comparable([("expected", expected), ("computed", computed)], tol)
        {
            Some(why) => (why, false),
            None => (format!("{} (tol {})", short(diff), short(tol)), diff <= tol),
        };
        self.push(Check {
            quantity: quantity.into(),
            expected: format_scalar(expected),
            computed: format_scalar(computed),
            difference,
            passed,
        })
    }

    /// Same shape, and `max |computed − expected| ≤ tol` element by element.
    pub fn arrays<D1: Dimension, D2: Dimension>(
        &mut self,
        quantity: &str,
        expected: &ArrayView<f64, D1>,
        computed: &ArrayView<f64, D2>,
        tol: f64,
    ) -> bool {
        let (e, c) = (expected.view().into_dyn(), computed.view().into_dyn());
        let first_bad = |a: &ndarray::ArrayViewD<f64>| {
            a.indexed_iter().find(|(_, v)| !v.is_finite()).map(|(i, &v)| (i.slice().to_vec(), v))
        };
        let bad = [("expected", &e), ("computed", &c)]
            .into_iter()
            .find_map(|(side, a)| first_bad(a).map(|(i, v)| (side, i, v)));
        let (difference, passed) = if e.shape() != c.shape() {
            (format!("shape {} ≠ {}", shape_str(c.shape()), shape_str(e.shape())), false)
        } else if let Some((side, index, value)) = bad {
            (format!("{side} is {} at {index:?}: overflow, not comparable", format_scalar(value)), false)
        } else if let Some(why) = not_comparable([], tol) {
            (why, false)
        } else {
            let mut worst: Option<(f64, IxDyn)> = None;
            for ((idx, &x), &y) in e.indexed_iter().zip(c.iter()) {
                let d = (y - x).abs();
                let replace = match &worst {
                    None => true,
                    Some((w, _)) => (d.is_nan() && !w.is_nan()) || d > *w,
                };
                if replace {
                    worst = Some((d, idx));
                }
            }
            match worst {
                None => ("empty".into(), true),
                Some((d, idx)) => {
                    let at =
                        if d > tol || d.is_nan() { format!(" at {:?}", idx.slice()) } else { String::new() };
                    (format!("max {}{at} (tol {})", short(d), short(tol)), d <= tol)
                }
            }
        };
        self.push(Check {
            quantity: quantity.into(),
            expected: preview(&e),
            computed: preview(&c),
            difference,
            passed,
        })
    }

    /// Two boolean masks equal, element by element.
    pub fn masks(
        &mut self,
        quantity: &str,
        expected: &ArrayView2<bool>,
        computed: &ArrayView2<bool>,
    ) -> bool {
        let as_f64 = |m: &ArrayView2<bool>| m.mapv(|b| if b { 1.0 } else { 0.0 });
        let passed = expected == computed;
        self.push(Check {
            quantity: quantity.into(),
            expected: crate::course::numpy_fmt::array2string(&expected.row(0), 0) + " …",
            computed: crate::course::numpy_fmt::array2string(&computed.row(0), 0) + " …",
            difference: if passed {
                "equal".into()
            } else {
                let differ = (&as_f64(expected) - &as_f64(computed)).mapv(f64::abs).sum() as usize;
                let verb = if differ == 1 { "differs" } else { "differ" };
                format!("{} {verb}", crate::course::show::count(differ, "cell"))
            },
            passed,
        })
    }

    /// Exact equality of two things shown as text (shapes, counts, paddings).
    pub fn equal<T: PartialEq + std::fmt::Display>(
        &mut self,
        quantity: &str,
        expected: T,
        computed: T,
    ) -> bool {
        let passed = expected == computed;
        let (expected, computed) = (expected.to_string(), computed.to_string());
        // The value itself when short, so that the compact table shows it.
        let difference = match passed {
            true if computed.chars().count() <= 24 => format!("equal: {computed}"),
            true => "equal".into(),
            false => "differ".into(),
        };
        self.push(Check { quantity: quantity.into(), expected, computed, difference, passed })
    }

    /// A statement that must hold (the loss went down, a gap is wide
    /// enough), with the numbers that show whether it does: the difference
    /// column reads `yes: EVIDENCE` or `no: EVIDENCE`.
    ///
    /// ```
    /// use cnn_walkthrough::course::check::Checks;
    /// let mut c = Checks::default();
    /// assert!(c.holds("the loss went down", true, "2.7353 → 1.7623"));
    /// assert_eq!(c.list[0].difference, "yes: 2.7353 → 1.7623");
    /// assert!(!c.holds("accuracy ≥ 0.98", false, "0.9652"));
    /// ```
    pub fn holds(&mut self, quantity: &str, holds: bool, evidence: &str) -> bool {
        self.push(Check {
            quantity: quantity.into(),
            expected: "true".into(),
            computed: holds.to_string(),
            difference: format!("{}: {evidence}", if holds { "yes" } else { "no" }),
            passed: holds,
        })
    }

    /// Whether every check so far passed.
    pub fn all_passed(&self) -> bool {
        self.list.iter().all(|c| c.passed)
    }

    /// The sentence under the table: `All 3 checks pass.`, `The 1 check
    /// passes.`, `1 of 3 checks FAILS.`, `2 of 3 checks FAIL.`
    ///
    /// ```
    /// use cnn_walkthrough::course::check::Checks;
    /// let mut c = Checks::default();
    /// c.equal("n", 1, 1);
    /// assert_eq!(c.verdict(), "The 1 check passes.");
    /// c.equal("m", 1, 2);
    /// assert_eq!(c.verdict(), "1 of 2 checks FAILS.");
    /// c.equal("k", 1, 2);
    /// assert_eq!(c.verdict(), "2 of 3 checks FAIL.");
    /// ```
    pub fn verdict(&self) -> String {
        let (n, failed) = (self.list.len(), self.list.len() - self.passed());
        match (failed, n) {
            (0, 1) => "The 1 check passes.".into(),
            (0, _) => format!("All {n} checks pass."),
            (1, 1) => "The 1 check FAILS.".into(),
            (1, _) => format!("1 of {n} checks FAILS."),
            _ => format!("{failed} of {n} checks FAIL."),
        }
    }

    /// How many passed.
    pub fn passed(&self) -> usize {
        self.list.iter().filter(|c| c.passed).count()
    }

    /// The table of every check, without colour, no wider than `width`:
    /// the full table (quantity, expected, computed, difference, result)
    /// when it fits, else [`compact`](Self::compact).
    pub fn table(&self, width: usize) -> String {
        let full = self.full_table();
        if full.lines().all(|l| l.chars().count() <= width) {
            full
        } else {
            self.compact(width)
        }
    }

    /// The checks as a list for a narrow screen: one line per check, its
    /// result first (`pass` or `FAIL`), then the quantity and the difference;
    /// a failing check adds its expected and computed values on lines of
    /// their own, so that what went wrong shows without the wide columns.
    ///
    /// ```
    /// use cnn_walkthrough::course::check::Checks;
    /// let mut c = Checks::default();
    /// c.close("Z mean", 0.048995, 0.0489952, 5e-7);
    /// c.close("Z[3,2,1]", -0.6118, -0.7, 5e-5);
    /// let t = c.compact(40);
    /// assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
    /// assert!(t.contains("FAIL  Z[3,2,1]"));
    /// assert!(t.contains("expected -0.6118"));
    /// ```
    pub fn compact(&self, width: usize) -> String {
        let mut s =
            format!("{}\n", fit("result  quantity: how far apart (tolerance), or the value", width, 8));
        for c in &self.list {
            let result = if c.passed { "pass" } else { "FAIL" };
            let one_line = format!("  {result}  {}: {}", c.quantity, c.difference);
            if textwrap::core::display_width(&one_line) <= width {
                s += &one_line;
            } else {
                // The difference on a line of its own rather than broken.
                s += &fit(&format!("  {result}  {}:", c.quantity), width, 8);
                s.push('\n');
                s += &fit(&format!("        {}", c.difference), width, 10);
            }
            s.push('\n');
            if !c.passed {
                s += &fit(&format!("        expected {}", c.expected), width, 10);
                s.push('\n');
                s += &fit(&format!("        computed {}", c.computed), width, 10);
                s.push('\n');
            }
        }
        s
    }

    /// The full table of every check, as wide as its contents need.
    fn full_table(&self) -> String {
        let mut t = Table::new();
        t.set_format(table_format());
        t.set_titles(Row::new(
            ["quantity", "expected", "computed", "difference", "result"]
                .iter()
                .map(|h| Cell::new(h))
                .collect(),
        ));
        for c in &self.list {
            t.add_row(Row::new(vec![
                Cell::new(&c.quantity),
                Cell::new(&c.expected),
                Cell::new(&c.computed),
                Cell::new(&c.difference),
                Cell::new(if c.passed { "pass" } else { "FAIL" }),
            ]));
        }
        t.to_string()
    }
}

/// `line` wrapped to `width` columns at spaces, continued `indent` columns in
/// (a word too long for a line is split).
fn fit(line: &str, width: usize, indent: usize) -> String {
    let hanging = " ".repeat(indent);
    let options = textwrap::Options::new(width)
        .subsequent_indent(&hanging)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(line, options)
}
