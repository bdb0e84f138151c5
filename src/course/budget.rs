//! The run's memory budget: how many bytes of tensors one run may hold at
//! once, and the check, made from the shapes before anything is allocated,
//! that a run's tensors fit in it.
//!
//! Why: a shape is a promise of memory. A padding of 8191 on a 1×1 image
//! asks for a 16383×16383 padded input; a 600×600 MNIST image sizes a dense
//! layer of 2.9 billion weights; a `.npy` header may claim more values than
//! any file holds. Without a check, such a run aborts ("memory allocation
//! failed") or swaps for minutes; with it, the run stops at once and says
//! what it would need, and how to allow it.
//!
//! The budget is 1 GiB of tensors ([`DEFAULT`]), changed by the flag
//! `--max-memory SIZE` of the lessons that take your files or sizes, or by
//! the environment variable `CNN_WALKTHROUGH_MAX_MEMORY` for every binary
//! (the flag wins). What is counted is the tensors (their values), not the
//! program around them.
//!
//! Why one value for the whole process rather than a parameter: the checks
//! sit deep in the library (the sizes of a convolution, reading a `.npy`
//! file, loading MNIST), under functions whose signatures the lessons
//! teach; threading a budget through all of them would add a parameter that
//! has nothing to do with convolutions. A run is one process with one
//! budget, set once by [`configure`] (called by
//! [`Lesson::main`](crate::course::lesson::Lesson::main)) before the lesson starts;
//! code that never sets it (the doc examples, tests calling the library)
//! gets the default.
//!
//! ```
//! use cnn_walkthrough::course::budget::{check, human, parse_size, Tensor};
//!
//! assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
//! assert_eq!(human(3 << 29), "1.5 GiB");
//! // 2¹⁸ float64 values are 2 MiB: well within the default 1 GiB.
//! assert!(check("a small run", &[Tensor::f64("Z", &[1, 512, 512, 1])]).is_ok());
//! // 2¹⁶ × 2¹⁶ × 8 bytes = 32 GiB: refused, with a message.
//! let err = check("a big run", &[Tensor::f64("Z", &[1, 65536, 65536, 1])]).unwrap_err();
//! assert!(err.to_string().starts_with("a big run\n  would need 32 GiB at once"));
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::course::cli::{flags_of, Args};
use crate::course::registry::LessonInfo;
use crate::error::{tuple, Error, Result};

/// The budget when nothing sets it: 1 GiB.
pub const DEFAULT: u64 = 1 << 30;
/// The flag that sets the budget, on the lessons that take files or sizes.
pub const FLAG: &str = "--max-memory";
/// The environment variable that sets the budget for every binary.
pub const ENV: &str = "CNN_WALKTHROUGH_MAX_MEMORY";

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT);
/// Whether this run's lesson takes [`FLAG`] (so that messages offer it).
static FLAG_TAKEN: AtomicBool = AtomicBool::new(false);

/// The budget, in bytes.
pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// Sets the budget for the rest of the process.
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// Sets the budget from `--max-memory` if `lesson` takes it and it was
/// given, else from [`ENV`], else [`DEFAULT`].
///
/// # Errors
/// [`Error::Usage`] naming the flag or the variable when its value is not a
/// size (see [`parse_size`]).
pub fn configure(lesson: &LessonInfo, args: &Args) -> Result<()> {
    FLAG_TAKEN.store(flags_of(lesson).any(|f| f.name == FLAG), Ordering::Relaxed);
    let bytes = match args.value(FLAG) {
        Some(v) => parse_size(v).ok_or_else(|| not_a_size(FLAG, v))?,
        None => from_env()?,
    };
    set_limit(bytes);
    Ok(())
}

/// The budget [`ENV`] asks for ([`DEFAULT`] when it is unset or empty).
///
/// # Errors
/// [`Error::Usage`] when its value is not a size.
pub fn from_env() -> Result<u64> {
    match std::env::var_os(ENV) {
        None => Ok(DEFAULT),
        Some(v) if v.is_empty() => Ok(DEFAULT),
        Some(v) => {
            let text = v.to_string_lossy();
            v.to_str().and_then(parse_size).ok_or_else(|| not_a_size(ENV, &text))
        }
    }
}

fn not_a_size(name: &str, value: &str) -> Error {
    Error::Usage(format!(
        "{name} is '{value}';\n  \
         expected a whole number of bytes, or a number with a unit K/KiB,\n  \
         M/MiB, G/GiB or T/TiB (powers of 1024, any case): 512MiB, 1.5G, 4GiB"
    ))
}

/// A size in bytes: a whole number (`1000000`), or a number, perhaps with
/// decimals, and a unit: `K`/`KiB`, `M`/`MiB`, `G`/`GiB`, `T`/`TiB`, powers
/// of 1024, in any case (`1.5gib`). `None` for anything else, and for 0.
///
/// ```
/// use cnn_walkthrough::course::budget::parse_size;
/// assert_eq!(parse_size("512MiB"), Some(512 << 20));
/// assert_eq!(parse_size("2k"), Some(2048));
/// assert_eq!(parse_size("100"), Some(100));
/// assert_eq!(parse_size("1.5"), None); // bytes are whole
/// assert_eq!(parse_size("4GB"), None); // GB could mean 10⁹: say GiB or G
/// ```
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(end);
    let power = match unit.trim().to_ascii_lowercase().as_str() {
        "" => 0,
        "k" | "kib" => 1,
        "m" | "mib" => 2,
        "g" | "gib" => 3,
        "t" | "tib" => 4,
        _ => return None,
    };
    if !number.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = if power == 0 {
        number.parse::<u64>().ok()?
    } else {
        let x = number.parse::<f64>().ok()? * 1024f64.powi(power);
        // 2⁶⁴ as f64; anything at or past it (or NaN) does not fit.
        if x.is_nan() || x >= 18_446_744_073_709_551_616.0 {
            return None;
        }
        x.floor() as u64
    };
    (bytes > 0).then_some(bytes)
}

/// The units [`human`] writes, powers of 1024.
const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];

/// Bytes in words: `512 bytes`, `1.5 GiB`, `24 GiB`, `3.2e6 TiB`.
pub fn human(bytes: u128) -> String {
    if bytes < 1024 {
        return format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" });
    }
    let (mut x, mut unit) = (bytes as f64, 0);
    while x >= 1024.0 && unit < UNITS.len() - 1 {
        x /= 1024.0;
        unit += 1;
    }
    match x {
        x if x < 9.95 => format!("{x:.1} {}", UNITS[unit]),
        x if x < 1e6 => format!("{x:.0} {}", UNITS[unit]),
        x => format!("{x:.1e} {}", UNITS[unit]),
    }
}

/// A size to suggest for `--max-memory`: `bytes` rounded up to a tenth of
/// its unit, written as the flag takes it (`6.1GiB`).
fn suggestion(bytes: u128) -> String {
    let human = human(bytes);
    let Some((number, unit)) = human.split_once(' ') else { return human };
    let power = UNITS.iter().position(|u| *u == unit).unwrap_or(0);
    let tenths = (bytes as f64 / 1024f64.powi(power as i32) * 10.0).ceil() / 10.0;
    match power {
        0 => number.to_string(),
        _ => format!("{tenths}{unit}"),
    }
}

/// One tensor a run would hold: a name, its shape and the bytes of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    /// What it is, as the lesson names it (`A_prev_pad`, `X_col`, ...).
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Bytes per value: 8 for f64, 4 for f32, 1 for u8.
    pub bytes_per_value: usize,
}

impl Tensor {
    /// A tensor of `bytes_per_value`-byte values.
    pub fn new(name: impl Into<String>, shape: &[usize], bytes_per_value: usize) -> Self {
        Tensor { name: name.into(), shape: shape.to_vec(), bytes_per_value }
    }

    /// A tensor of f64 values.
    pub fn f64(name: impl Into<String>, shape: &[usize]) -> Self {
        Tensor::new(name, shape, 8)
    }

    /// A tensor of f32 values.
    pub fn f32(name: impl Into<String>, shape: &[usize]) -> Self {
        Tensor::new(name, shape, 4)
    }

    /// Its bytes; saturates at `u128::MAX` for absurd shapes, never overflows.
    pub fn bytes(&self) -> u128 {
        self.shape
            .iter()
            .try_fold(self.bytes_per_value as u128, |n, &d| n.checked_mul(d as u128))
            .unwrap_or(u128::MAX)
    }
}

/// The bytes of all `tensors` together (saturating).
pub fn total(tensors: &[Tensor]) -> u128 {
    tensors.iter().fold(0u128, |sum, t| sum.saturating_add(t.bytes()))
}

/// A run that would not fit in the budget: what it was, what it would need,
/// and its biggest tensors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// The run or the step (`your convolution`, `the training run`).
    pub what: String,
    /// Bytes it would need at once.
    pub needed: u128,
    /// The budget, in bytes.
    pub limit: u64,
    /// Its biggest tensors, biggest first (at most three).
    pub biggest: Vec<Tensor>,
}

/// How to allow `needed` bytes: the flag (when this lesson takes it) or
/// the variable, with a size that would do.
pub fn how_to_raise(needed: u128) -> String {
    if needed > u128::from(u64::MAX) {
        return "No budget allows that: it is more than 2^64 bytes.".into();
    }
    let size = suggestion(needed);
    if FLAG_TAKEN.load(Ordering::Relaxed) {
        format!("Allow it with {FLAG} {size} or {ENV}={size}.")
    } else {
        format!("Allow it with {ENV}={size}.")
    }
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (needed, limit) = (human(self.needed), human(u128::from(self.limit)));
        write!(f, "{}\n  would need {needed} at once, over the memory budget of {limit}:", self.what)?;
        for t in &self.biggest {
            write!(f, "\n    {} {}: {}", t.name, tuple(&t.shape), human(t.bytes()))?;
        }
        write!(f, "\n  {}", how_to_raise(self.needed))
    }
}

impl std::error::Error for OverBudget {}

/// Checks that `tensors`, held at once, fit in the budget.
///
/// # Errors
/// [`Error::OverBudget`] naming `what`, the total, the budget, the three
/// biggest tensors and how to allow more.
pub fn check(what: &str, tensors: &[Tensor]) -> Result<()> {
    let (needed, limit) = (total(tensors), limit());
    if needed <= u128::from(limit) {
        return Ok(());
    }
    let mut biggest = tensors.to_vec();
    biggest.sort_by_key(|t| std::cmp::Reverse(t.bytes()));
    biggest.truncate(3);
    Err(Error::OverBudget(OverBudget { what: what.to_string(), needed, limit, biggest }))
}

/// The backstop for one tensor about to be allocated: `what`, of `shape`,
/// f64, must fit in the budget by itself (the per-run estimates come first;
/// this catches what they do not cover).
///
/// # Errors
/// As [`check`].
pub fn check_tensor(what: &str, shape: &[usize]) -> Result<()> {
    check(what, &[Tensor::f64(what, shape)])
}
