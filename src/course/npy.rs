//! Read and write NumPy `.npy` files holding `float64` arrays.
//!
//! Only what `np.save` writes for a C-ordered little-endian `float64` array
//! is accepted. Every other file gives an [`NpyError`] that says what was
//! found and what was expected; no input makes this module panic.
//!
//! Why this is our own code and not the `ndarray-npy` crate: the crate reads
//! `.npy` files well, but a wrapper around it must still check the magic,
//! the version and the header's length itself (the crate allocates the
//! header length a file claims before reading it), and the course only
//! reads one dtype. Its header parser (`py_literal`, built on `pest` and
//! `syn`, with a C compiler for a stack guard) adds 17 crates and about 75 s
//! of compiling on a 2-core machine, which would take a fresh clone's
//! `cargo run` from under a minute to about 100 s. The header this module
//! reads is one small Python dict; parsing it here is about 150 lines.
//!
//! ```
//! use cnn_walkthrough::course::npy::{read_npy, write_npy};
//! use ndarray::array;
//!
//! let path = std::env::temp_dir().join("helper_npy_doc_example.npy");
//! let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn();
//! write_npy(&path, &a.view())?;
//! assert_eq!(read_npy(&path)?, a);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), cnn_walkthrough::course::npy::NpyError>(())
//! ```

use ndarray::{ArrayD, ArrayView, Dimension, IxDyn};
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"\x93NUMPY";
const EXPECTED: &str = "expected '<f8' (float64, little-endian)";

/// What was wrong with a `.npy` file (without the path).
///
/// `Display` says what was found and what was expected, in one sentence.
/// Note that `NonFinite { value: NaN, .. }` never compares equal to itself,
/// because NaN is not equal to NaN; match on it with `matches!` instead.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyErrorKind {
    /// The file does not start with the `\x93NUMPY` magic string.
    NotNpy,
    /// A format version other than 1.0, 2.0 or 3.0.
    UnsupportedVersion {
        /// The major version byte.
        major: u8,
        /// The minor version byte.
        minor: u8,
    },
    /// The file ends before the header does (`expected` bytes, `found` bytes).
    TruncatedHeader {
        /// Bytes the header needs.
        expected: usize,
        /// Bytes in the file.
        found: usize,
    },
    /// The header is not text, not a dict literal, or has bad keys or values.
    BadHeader(String),
    /// A plain dtype other than `'<f8'`.
    WrongDtype {
        /// The header's `descr`, e.g. `<f4`.
        descr: String,
    },
    /// A structured (record) dtype; `descr` is the header text of its fields.
    StructuredDtype {
        /// The header text of the fields.
        descr: String,
    },
    /// `fortran_order` is `True`.
    FortranOrder,
    /// The shape has a zero in it, so the array holds no values.
    Empty {
        /// The header's shape.
        shape: Vec<usize>,
    },
    /// Fewer data bytes follow the header than the shape needs.
    Truncated {
        /// Values the shape holds.
        values: usize,
        /// Data bytes they need.
        expected_bytes: usize,
        /// Data bytes in the file.
        found_bytes: usize,
    },
    /// More data bytes follow the header than the shape needs.
    TrailingBytes {
        /// Values the shape holds.
        values: usize,
        /// Data bytes they need.
        expected_bytes: usize,
        /// Data bytes in the file.
        found_bytes: usize,
    },
    /// A NaN or infinity, at the first such index in C order.
    NonFinite {
        /// Its index, in C order.
        index: Vec<usize>,
        /// NaN, +∞ or −∞.
        value: f64,
    },
    /// The header claims more than [`MAX_HEADER_LEN`] bytes.
    HeaderTooLong {
        /// The header length the file claims.
        length: usize,
    },
    /// The array would not fit in the memory budget ([`crate::course::budget`]).
    OverBudget {
        /// The header's shape.
        shape: Vec<usize>,
        /// The bytes its values need.
        bytes: u128,
        /// The budget, in bytes.
        limit: u64,
    },
    /// Reading the file failed (not found, a directory, permission denied, ...).
    ReadFailed {
        /// The operating system's kind of error.
        kind: ErrorKind,
        /// Its message.
        message: String,
    },
    /// Writing the file failed.
    WriteFailed {
        /// The operating system's kind of error.
        kind: ErrorKind,
        /// Its message.
        message: String,
    },
}

/// A `.npy` problem together with the file it came from.
///
/// `Display` is `"<path>: <kind>"`.
#[derive(Debug)]
pub struct NpyError {
    /// The file that was being read or written.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: NpyErrorKind,
}

impl fmt::Display for NpyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use NpyErrorKind::*;
        let says = |values: &usize, bytes: &usize, found: &usize| {
            let values = crate::course::show::count(*values, "value");
            format!("header says {values} ({bytes} bytes) but {found} bytes follow the header")
        };
        let message = match self {
            NotNpy => "not a .npy file (no \\x93NUMPY magic)".to_string(),
            UnsupportedVersion { major, minor } => {
                format!("format version is {major}.{minor}; expected 1.0, 2.0 or 3.0")
            }
            TruncatedHeader { expected, found } => {
                format!("truncated header: it needs {expected} bytes but the file has {found}")
            }
            HeaderTooLong { length } => format!(
                "the header claims {length} bytes; expected at most {MAX_HEADER_LEN}\n  \
                 (a float64 array's header takes under 200)"
            ),
            OverBudget { shape, bytes, limit } => format!(
                "holds {} float64 values, {}:\n  over the memory budget of {}.\n  {}",
                python_shape(shape),
                crate::course::budget::human(*bytes),
                crate::course::budget::human(u128::from(*limit)),
                crate::course::budget::how_to_raise(*bytes)
            ),
            BadHeader(message) => format!("bad header: {message}"),
            WrongDtype { descr } => {
                format!("dtype is '{descr}' ({}); {EXPECTED}", describe_dtype(descr))
            }
            StructuredDtype { descr } => format!("dtype is structured ({descr}); {EXPECTED}"),
            FortranOrder => {
                "data is in Fortran order; expected C order (save with np.ascontiguousarray)".into()
            }
            Empty { shape } => {
                let shape = python_shape(shape);
                format!("is empty (shape {shape}); expected at least one value")
            }
            Truncated { values, expected_bytes, found_bytes } => {
                format!("truncated: {}", says(values, expected_bytes, found_bytes))
            }
            TrailingBytes { values, expected_bytes, found_bytes } => {
                format!("too long: {}", says(values, expected_bytes, found_bytes))
            }
            NonFinite { index, value } => {
                format!("holds {value} at index {index:?}; expected finite numbers")
            }
            ReadFailed { kind, message } => match kind {
                ErrorKind::NotFound => "no such file".into(),
                ErrorKind::IsADirectory => "is a directory; expected a .npy file".into(),
                ErrorKind::InvalidInput => format!("{message}; expected a .npy file"),
                ErrorKind::PermissionDenied => "permission denied (cannot read the file)".into(),
                _ => format!("could not read the file: {message}"),
            },
            WriteFailed { kind, message } => match kind {
                ErrorKind::NotFound => "could not write: the directory does not exist".into(),
                _ => format!("could not write: {message}; nothing was replaced"),
            },
        };
        f.write_str(&message)
    }
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.kind)
    }
}

impl std::error::Error for NpyError {}

/// Parse the bytes of a `.npy` file holding float64 (`'<f8'`, C order),
/// finite and non-empty.
///
/// # Errors
/// The [`NpyErrorKind`] of the first problem found, checking in this order:
/// magic and version, header, dtype, order, shape, data length, values.
pub fn parse_npy(bytes: &[u8]) -> Result<ArrayD<f64>, NpyErrorKind> {
    let (major, prefix, header_len) = preamble(bytes, bytes.len() as u64)?;
    let data_start = prefix.saturating_add(header_len);
    let truncated = NpyErrorKind::TruncatedHeader { expected: data_start, found: bytes.len() };
    let header = bytes.get(prefix..data_start).ok_or(truncated)?;
    let (shape, values) = parse_header(header, major)?;
    // Compare the data length with the header before allocating anything.
    let data = &bytes[data_start..];
    check_data_length(values, data.len() as u64)?;
    decode(data, &shape)
}

/// The start of a `.npy` file (its first 8 to 12 bytes, of a file of
/// `file_len` bytes): the format's major version, the length of this
/// prefix, and the header length it claims.
fn preamble(start: &[u8], file_len: u64) -> Result<(u8, usize, usize), NpyErrorKind> {
    let found = usize::try_from(file_len).unwrap_or(usize::MAX);
    let magic_len = start.len().min(MAGIC.len());
    if start.is_empty() || start[..magic_len] != MAGIC[..magic_len] {
        return Err(NpyErrorKind::NotNpy);
    }
    let truncated = |expected| NpyErrorKind::TruncatedHeader { expected, found };
    if start.len() < 8 {
        return Err(truncated(10));
    }
    // Format 1.0 stores the header length in 2 bytes, 2.0 and 3.0 in 4 bytes.
    let (major, minor) = (start[6], start[7]);
    let prefix = match (major, minor) {
        (1, 0) => 10,
        (2, 0) | (3, 0) => 12,
        _ => return Err(NpyErrorKind::UnsupportedVersion { major, minor }),
    };
    let len_bytes = start.get(8..prefix).ok_or_else(|| truncated(prefix))?;
    // Little-endian: the last byte is the most significant.
    let header_len = len_bytes.iter().rev().fold(0, |n, &b| (n << 8) | usize::from(b));
    let data_start = prefix.saturating_add(header_len);
    if data_start as u64 > file_len {
        return Err(truncated(data_start));
    }
    Ok((major, prefix, header_len))
}

/// The shape and the number of values a header's text gives.
fn parse_header(header: &[u8], major: u8) -> Result<(Vec<usize>, usize), NpyErrorKind> {
    if major < 3 && !header.is_ascii() {
        return Err(bad(format!("it is not ASCII text; expected ASCII in format {major}.0")));
    }
    let header =
        std::str::from_utf8(header).map_err(|_| bad("it is not UTF-8 text; expected UTF-8 in format 3.0"))?;
    check_header(header)
}

/// Checks that `found_bytes` of data are what `values` float64 values need.
fn check_data_length(values: usize, found_bytes: u64) -> Result<(), NpyErrorKind> {
    let expected_bytes = values * 8; // cannot overflow: checked by `check_header`
    let found_bytes = usize::try_from(found_bytes).unwrap_or(usize::MAX);
    match found_bytes.cmp(&expected_bytes) {
        std::cmp::Ordering::Less => Err(NpyErrorKind::Truncated { values, expected_bytes, found_bytes }),
        std::cmp::Ordering::Greater => {
            Err(NpyErrorKind::TrailingBytes { values, expected_bytes, found_bytes })
        }
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// The values of `data` (exactly 8 bytes per value of `shape`), refusing
/// NaN and infinities.
fn decode(data: &[u8], shape: &[usize]) -> Result<ArrayD<f64>, NpyErrorKind> {
    let to_f64 = |c: &[u8]| f64::from_le_bytes(c.try_into().expect("chunks of 8 bytes"));
    let numbers: Vec<f64> = data.chunks_exact(8).map(to_f64).collect();
    if let Some(i) = numbers.iter().position(|x| !x.is_finite()) {
        let (index, value) = (unravel(i, shape), numbers[i]);
        return Err(NpyErrorKind::NonFinite { index, value });
    }
    ArrayD::from_shape_vec(IxDyn(shape), numbers).map_err(|e| bad(e.to_string()))
}

/// The longest header [`read_npy`] reads: 1 MiB. A float64 array's header
/// is under 200 bytes (numpy itself refuses headers over 10,000 bytes
/// unless told otherwise).
pub const MAX_HEADER_LEN: usize = 1 << 20;

/// Read a `.npy` file from disk (same rules as [`parse_npy`]), a piece at a
/// time so that nothing is allocated before it is known to be needed: the
/// prefix; the header, once its length is checked against the file's and
/// [`MAX_HEADER_LEN`]; and the data, once its length is checked against
/// what the header's shape needs and against the memory budget
/// ([`crate::course::budget`]).
///
/// # Errors
/// [`NpyErrorKind::ReadFailed`] if the file cannot be read (missing, a
/// directory, not a regular file, no permission),
/// [`NpyErrorKind::HeaderTooLong`], [`NpyErrorKind::OverBudget`], otherwise
/// the errors of [`parse_npy`].
pub fn read_npy(path: &Path) -> Result<ArrayD<f64>, NpyError> {
    use std::io::Read;
    let error = |kind| NpyError { path: path.to_path_buf(), kind };
    let read_failed =
        |e: std::io::Error| error(NpyErrorKind::ReadFailed { kind: e.kind(), message: e.to_string() });
    // Checked before opening: opening a directory succeeds on some systems,
    // and opening a FIFO waits for a writer, for ever.
    let meta = std::fs::metadata(path).map_err(read_failed)?;
    if meta.is_dir() {
        return Err(read_failed(std::io::Error::new(ErrorKind::IsADirectory, "is a directory")));
    }
    if !meta.is_file() {
        let message = "not a regular file (a FIFO, a device or a socket)";
        return Err(read_failed(std::io::Error::new(ErrorKind::InvalidInput, message)));
    }
    let file_len = meta.len();
    let mut file = std::fs::File::open(path).map_err(read_failed)?;
    let mut read_exactly = |n: usize| -> Result<Vec<u8>, NpyError> {
        let mut bytes = Vec::with_capacity(n);
        file.by_ref().take(n as u64).read_to_end(&mut bytes).map_err(read_failed)?;
        Ok(bytes)
    };
    // 1. The magic, the version and the header's length: at most 12 bytes.
    let start = read_exactly(12)?;
    let (major, prefix, header_len) = preamble(&start, file_len).map_err(error)?;
    if header_len > MAX_HEADER_LEN {
        return Err(error(NpyErrorKind::HeaderTooLong { length: header_len }));
    }
    // 2. The header (the prefix read may already hold its first bytes).
    let mut header = start[prefix.min(start.len())..].to_vec();
    header.truncate(header_len);
    header.extend(read_exactly(header_len - header.len())?);
    let (shape, values) = parse_header(&header, major).map_err(error)?;
    // 3. The data's length, from the file's length, then the budget.
    let data_start = (prefix + header_len) as u64;
    check_data_length(values, file_len - data_start).map_err(error)?;
    let limit = crate::course::budget::limit();
    let bytes = values as u128 * 8;
    if bytes > u128::from(limit) {
        return Err(error(NpyErrorKind::OverBudget { shape, bytes, limit }));
    }
    // 4. Exactly the data (some of it may have come with the prefix).
    let mut data = start.get(data_start as usize..).unwrap_or(&[]).to_vec();
    data.extend(read_exactly(values * 8 - data.len())?);
    if data.len() != values * 8 {
        // The file shrank while being read.
        let found_bytes = data.len();
        return Err(error(NpyErrorKind::Truncated { values, expected_bytes: values * 8, found_bytes }));
    }
    decode(&data, &shape).map_err(error)
}

/// The bytes `np.save` writes for `a`: format 1.0 (2.0 for enormous headers),
/// `'<f8'`, C order, header padded with spaces and a final `'\n'` to a
/// multiple of 64 bytes. Views of any layout are written in logical C order.
/// Empty or non-finite arrays are written too, though [`parse_npy`] rejects them.
pub fn npy_bytes<D: Dimension>(a: &ArrayView<f64, D>) -> Vec<u8> {
    let shape = python_shape(a.shape());
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    // Like numpy, leave room to grow the first dimension to 21 digits in place.
    if let Some(first) = a.shape().first() {
        header += &" ".repeat(21usize.saturating_sub(first.to_string().len()));
    }
    // Pad so the data starts at a multiple of 64 (numpy adds 64 if already aligned).
    let padded_len = |prefix: usize| {
        let unpadded = prefix + header.len() + 1;
        unpadded + 64 - unpadded % 64 - prefix
    };
    let (version, prefix) = if padded_len(10) <= 0xFFFF { (1, 10) } else { (2, 12) };
    let header_len = padded_len(prefix);
    header += &" ".repeat(header_len - header.len() - 1);
    header.push('\n');

    let mut out = Vec::with_capacity(prefix + header_len + 8 * a.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    out.extend_from_slice(&header_len.to_le_bytes()[..prefix - 8]);
    out.extend_from_slice(header.as_bytes());
    for x in a.iter() {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Write `a` as a `.npy` file (see [`npy_bytes`]), creating or replacing the
/// file in one step ([`crate::course::files::write_atomically`]): if writing fails,
/// an old file is left as it was. The directory must already exist.
///
/// # Errors
/// [`NpyErrorKind::WriteFailed`] if the file cannot be written.
pub fn write_npy<D: Dimension>(path: &Path, a: &ArrayView<f64, D>) -> Result<(), NpyError> {
    crate::course::files::write_atomically(path, &npy_bytes(a)).map_err(|e| NpyError {
        path: path.to_path_buf(),
        kind: NpyErrorKind::WriteFailed { kind: e.kind(), message: e.to_string() },
    })
}

fn bad(message: impl Into<String>) -> NpyErrorKind {
    NpyErrorKind::BadHeader(message.into())
}

/// The shape as Python writes a tuple: `()`, `(5,)`, `(4, 3)`.
fn python_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    match shape {
        [_] => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    }
}

/// The index of position `i` in C order, e.g. position 5 in shape (2, 3) is [1, 2].
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &d) in index.iter_mut().zip(shape).rev() {
        *slot = i % d;
        i /= d;
    }
    index
}

/// Plain words for a numpy dtype string such as `'<f4'` or `'|b1'`.
fn describe_dtype(descr: &str) -> String {
    let (code, order) = match descr.strip_prefix('>') {
        Some(code) => (code, ", big-endian"),
        None => (descr.trim_start_matches(['<', '|', '=']), ""),
    };
    let name = match code {
        "f8" => "float64",
        "f4" => "float32",
        "f2" => "float16",
        "f12" | "f16" => "long double",
        "i8" => "int64",
        "i4" => "int32",
        "i2" => "int16",
        "i1" => "int8",
        "u8" => "uint64",
        "u4" => "uint32",
        "u2" => "uint16",
        "u1" => "uint8",
        "b1" => "bool",
        "c8" => "complex64",
        "c16" => "complex128",
        "c32" => "complex256",
        "O" => "Python objects; pickled objects are not supported",
        _ if code.starts_with('U') => "unicode strings",
        _ if code.starts_with('S') => "byte strings",
        _ if code.starts_with('V') => "raw bytes",
        _ if code.starts_with("M8") => "datetime64",
        _ if code.starts_with("m8") => "timedelta64",
        _ => "an unknown dtype",
    };
    format!("{name}{order}")
}

/// Check the header's dict (keys, dtype, order, shape); return the shape and
/// its number of values, which is known to fit in memory as float64.
fn check_header(header: &str) -> Result<(Vec<usize>, usize), NpyErrorKind> {
    const KEYS: &str = "expected 'descr', 'fortran_order' and 'shape'";
    let entries = Parser { s: header, pos: 0 }.dict()?;
    for (i, (key, ..)) in entries.iter().enumerate() {
        if !["descr", "fortran_order", "shape"].contains(&key.as_str()) {
            return Err(bad(format!("it has the key '{key}'; {KEYS}")));
        }
        if entries[..i].iter().any(|(k, ..)| k == key) {
            return Err(bad(format!("it has the key '{key}' twice; {KEYS}")));
        }
    }
    let get = |key: &str| match entries.iter().find(|(k, ..)| k == key) {
        Some((_, value, text)) => Ok((value, *text)),
        None => Err(bad(format!("it has no '{key}' key; {KEYS}"))),
    };
    let (descr, fortran, shape) = (get("descr")?, get("fortran_order")?, get("shape")?);
    let wrong =
        |key: &str, text: &str, expected: &str| bad(format!("'{key}' is {text}; expected {expected}"));

    match descr {
        (Lit::Str(s), _) if s == "<f8" => {}
        (Lit::Str(s), _) => return Err(NpyErrorKind::WrongDtype { descr: s.clone() }),
        (Lit::List, text) => return Err(NpyErrorKind::StructuredDtype { descr: text.into() }),
        (_, text) => return Err(wrong("descr", text, "a string like '<f8'")),
    }
    match fortran {
        (Lit::Word(w), _) if w == "False" => {}
        (Lit::Word(w), _) if w == "True" => return Err(NpyErrorKind::FortranOrder),
        (_, text) => return Err(wrong("fortran_order", text, "True or False")),
    }
    let (Lit::Tuple(items), text) = shape else {
        return Err(wrong("shape", shape.1, "a tuple like (4, 3)"));
    };
    let too_big = || wrong("shape", text, "a size that fits in memory");
    let dims = items.iter().map(|item| match item {
        Lit::Word(w) if w.bytes().all(|b| b.is_ascii_digit()) => w.parse().map_err(|_| too_big()),
        _ => Err(wrong("shape", text, "non-negative integers")),
    });
    let dims = dims.collect::<Result<Vec<usize>, _>>()?;
    if dims.contains(&0) {
        return Err(NpyErrorKind::Empty { shape: dims });
    }
    // Multiply with overflow checks: the header may claim an absurd size.
    let values = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match values.filter(|n| n.checked_mul(8).is_some()) {
        Some(values) => Ok((dims, values)),
        None => Err(too_big()),
    }
}

/// A Python literal in the header: a quoted string, a bare word such as
/// `True` or `12`, a tuple, or a list (only used by structured dtypes).
enum Lit {
    Str(String),
    Word(String),
    Tuple(Vec<Lit>),
    List,
}

/// A small parser for the Python dict literal in a `.npy` header.
struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    /// Skip spaces, then look at the next byte.
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.as_bytes().get(self.pos) {
            self.pos += 1;
        }
        self.s.as_bytes().get(self.pos).copied()
    }

    /// Skip spaces, then step over `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.pos += usize::from(found);
        found
    }

    fn error(&self, expected: &str) -> NpyErrorKind {
        let found = match self.s.get(self.pos..).and_then(|rest| rest.chars().next()) {
            Some(c) => format!("{c:?}"),
            None => "the end".into(),
        };
        bad(format!("found {found} at character {}; expected {expected}", self.pos))
    }

    /// `{'key': value, ...}`, maybe with a trailing comma, then only spaces.
    fn dict(&mut self) -> Result<Vec<(String, Lit, &'a str)>, NpyErrorKind> {
        if !self.eat(b'{') {
            return Err(self.error("'{' (a Python dict)"));
        }
        let mut entries = Vec::new();
        while !self.eat(b'}') {
            let Lit::Str(key) = self.value(0)? else {
                return Err(bad("a key is not a quoted string"));
            };
            if !self.eat(b':') {
                return Err(self.error("':'"));
            }
            let start = self.pos;
            let value = self.value(0)?;
            entries.push((key, value, self.s[start..self.pos].trim()));
            if !self.eat(b',') && self.peek() != Some(b'}') {
                return Err(self.error("',' or '}'"));
            }
        }
        match self.peek() {
            None => Ok(entries),
            Some(_) => Err(self.error("nothing after the dict")),
        }
    }

    /// A string, word, tuple or list, inside `depth` brackets.
    fn value(&mut self, depth: usize) -> Result<Lit, NpyErrorKind> {
        match self.peek() {
            Some(quote @ (b'\'' | b'"')) => {
                let start = self.pos + 1;
                let len = self.s.as_bytes()[start..].iter().position(|&b| b == quote);
                let len = len.ok_or_else(|| self.error("a closing quote"))?;
                self.pos = start + len + 1;
                Ok(Lit::Str(self.s[start..start + len].to_string()))
            }
            Some(open @ (b'(' | b'[')) => {
                if depth == 16 {
                    return Err(bad("brackets are nested more than 16 deep"));
                }
                self.pos += 1;
                let close = if open == b'(' { b')' } else { b']' };
                let (mut items, mut comma) = (Vec::new(), false);
                while !self.eat(close) {
                    items.push(self.value(depth + 1)?);
                    comma = self.eat(b',');
                    if !comma && self.peek() != Some(close) {
                        return Err(self.error(&format!("',' or '{}'", char::from(close))));
                    }
                }
                Ok(match (open, items.len(), comma) {
                    (b'[', ..) => Lit::List,
                    (_, 1, false) => items.remove(0), // `(5)` is just 5 in Python
                    _ => Lit::Tuple(items),
                })
            }
            _ => {
                let is_word = |b: &u8| b.is_ascii_alphanumeric() || b"_.+-".contains(b);
                let len = self.s.as_bytes()[self.pos..].iter().take_while(|b| is_word(b)).count();
                if len == 0 {
                    return Err(self.error("a value"));
                }
                self.pos += len;
                Ok(Lit::Word(self.s[self.pos - len..self.pos].to_string()))
            }
        }
    }
}
