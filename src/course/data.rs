//! Image sets to train on: the 8×8 digits shipped with the crate, MNIST from
//! its four IDX files, the reference example's train/test split, one-hot labels.
//!
//! Files may be gzipped or not: a file starting with the gzip magic bytes
//! `1f 8b` is decompressed first, whatever its name. A malformed file gives
//! an [`Error::Io`] whose message names the file, what was found and what was
//! expected; [`DataError::of`] gets the typed [`DataError`] back. No input
//! makes this module panic, and no allocation is sized from a header before
//! the bytes it describes have been counted.
//!
//! ```
//! use cnn_walkthrough::course::data::{digits, one_hot, train_test_split};
//!
//! let data = digits()?;
//! assert_eq!(data.images.shape(), &[1797, 1, 8, 8]);
//! let (train, test) = train_test_split(&data, 0.4, 1)?; // as ML-From-Scratch
//! assert_eq!((train.labels.len(), test.labels.len()), (1079, 718));
//! assert_eq!(one_hot(&train.labels, 10)?.shape(), &[1079, 10]);
//! # Ok::<(), cnn_walkthrough::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use ndarray::{Array2, Array3, Array4, Axis};

use crate::course::random::RandomState;
use crate::course::show::count;
use crate::error::{tuple, Error, Result};

/// The digits file, embedded so that lessons run from any directory.
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Decompressing stops with [`DataError::TooLarge`] past this many bytes (1 GiB).
pub const MAX_DECOMPRESSED: u64 = 1 << 30;
/// IDX magic numbers: `00 00`, type `08` (unsigned byte), number of dimensions.
const IDX_IMAGES: u32 = 0x0000_0803;
const IDX_LABELS: u32 = 0x0000_0801;
/// The four files of an MNIST directory, in the order they are looked for.
pub const MNIST_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// A labelled image set: `images (n, 1, height, width)` as f64 (pixel values
/// as stored, unscaled) and `labels (n,)` in 0..10.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `(n, 1, height, width)`, NCHW with one channel, as ML-From-Scratch reshapes `X`.
    pub images: Array4<f64>,
    /// One label 0..9 per image.
    pub labels: Vec<u8>,
    /// Where the images came from: a file, and which part of a split.
    pub source: String,
}

impl Dataset {
    /// The same images with every pixel multiplied by `factor` (MNIST's
    /// 0..255 brought to the digits' 0..16 by `16/255`).
    pub fn scaled(self, factor: f64) -> Self {
        Dataset { images: self.images * factor, ..self }
    }
}

/// What was wrong with a data file (without the file's name, which the
/// [`Error::Io`] around it carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataError {
    /// The gzip stream is corrupted or cut short (the decoder's words).
    Gzip(String),
    /// The file decompresses to more than [`MAX_DECOMPRESSED`] bytes.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The CSV file has no lines.
    NoImages,
    /// A CSV line has `found` comma-separated fields instead of 65.
    FieldCount {
        /// The line, from 1.
        line: usize,
        /// Fields on it.
        found: usize,
    },
    /// A CSV field is not an integer in range (`line` and `field` count from 1).
    BadField {
        /// The line, from 1.
        line: usize,
        /// The field, from 1.
        field: usize,
        /// What it holds.
        found: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// The IDX file ends before its header does.
    TruncatedHeader {
        /// Bytes the header needs.
        expected: usize,
        /// Bytes in the file.
        found: usize,
    },
    /// The IDX magic number is not the one expected.
    WrongMagic {
        /// The file's magic number.
        found: u32,
        /// The one expected (2049 for labels, 2051 for images).
        expected: u32,
    },
    /// An IDX dimension is zero, so the file holds nothing.
    EmptyDims {
        /// The header's dimensions.
        dims: Vec<usize>,
    },
    /// Fewer bytes than the IDX header's dimensions need (`expected_bytes`
    /// counts the header too).
    Truncated {
        /// The header's dimensions.
        dims: Vec<usize>,
        /// Bytes the file needs, header included.
        expected_bytes: u128,
        /// Bytes in the file.
        found_bytes: usize,
    },
    /// More bytes than the IDX header's dimensions need.
    TrailingBytes {
        /// The header's dimensions.
        dims: Vec<usize>,
        /// Bytes the file needs, header included.
        expected_bytes: u128,
        /// Bytes in the file.
        found_bytes: usize,
    },
    /// An IDX label above 9.
    LabelOutOfRange {
        /// Its position, from 0.
        index: usize,
        /// The label.
        label: u8,
    },
    /// The labels file holds `labels` labels but `images_file` holds `images` images.
    CountMismatch {
        /// Labels in the labels file.
        labels: usize,
        /// Images in the images file.
        images: usize,
        /// The images file.
        images_file: String,
    },
    /// An MNIST file is missing, gzipped or not.
    MissingFile {
        /// The file's standard name.
        name: String,
    },
    /// An MNIST file is a FIFO, a device or a socket, not a regular file.
    NotRegularFile,
    /// The test images are not the size of the training images.
    SizeMismatch {
        /// The training images file.
        train_file: String,
        /// Its images' `(rows, cols)`.
        train: (usize, usize),
        /// The test images' `(rows, cols)`.
        test: (usize, usize),
    },
    /// The MNIST directory does not exist.
    NoDirectory,
    /// The MNIST path exists but is not a directory.
    NotADirectory,
}

impl DataError {
    /// The `DataError` inside an error returned by this module, if there is one.
    pub fn of(error: &Error) -> Option<&DataError> {
        match error {
            Error::Io { source, .. } => source.get_ref()?.downcast_ref(),
            _ => None,
        }
    }

    /// This problem in `file`, as the crate's error.
    fn at(self, file: impl Into<PathBuf>) -> Error {
        use DataError::*;
        let kind = match self {
            Truncated { .. } | TruncatedHeader { .. } => io::ErrorKind::UnexpectedEof,
            MissingFile { .. } | NoDirectory => io::ErrorKind::NotFound,
            NotADirectory => io::ErrorKind::NotADirectory,
            _ => io::ErrorKind::InvalidData,
        };
        Error::Io { path: file.into(), source: io::Error::new(kind, self) }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataError::*;
        let mnist = "expected a directory holding the four MNIST files";
        let files = "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and \
                     t10k-labels-idx1-ubyte, each optionally gzipped (ending .gz)";
        match self {
            Gzip(message) => write!(f, "corrupted or truncated gzip stream ({message})"),
            TooLarge { limit } => write!(f, "decompresses to more than {limit} bytes; expected at most that"),
            NoImages => write!(f, "holds no images; expected one line per image"),
            FieldCount { line, found } => {
                write!(f, "line {line} has {found} fields; expected 65 (64 pixels, then the label)")
            }
            BadField { line, field, found, expected } => {
                write!(f, "line {line}, field {field} is {found:?}; expected {expected}")
            }
            TruncatedHeader { expected, found } => {
                write!(f, "truncated header: it needs {expected} bytes but the file has {found}")
            }
            WrongMagic { found, expected } => write!(
                f,
                "magic number is 0x{found:08x} ({}); expected 0x{expected:08x} ({})",
                describe_magic(*found),
                describe_magic(*expected)
            ),
            EmptyDims { dims } => {
                write!(f, "holds nothing: its dimensions are {}; expected every one at least 1", tuple(dims))
            }
            Truncated { dims, expected_bytes, found_bytes } => write!(
                f,
                "truncated: the header says {} ({expected_bytes} bytes with the header) \
                 but the file has {found_bytes} bytes",
                describe_dims(dims)
            ),
            TrailingBytes { dims, expected_bytes, found_bytes } => write!(
                f,
                "too long: the header says {} ({expected_bytes} bytes with the header) \
                 but the file has {found_bytes} bytes",
                describe_dims(dims)
            ),
            LabelOutOfRange { index, label } => {
                write!(f, "label {label} at index {index}; expected labels 0..9")
            }
            CountMismatch { labels, images, images_file } => write!(
                f,
                "holds {labels} labels but {images_file} holds {images} images; expected one label per image"
            ),
            MissingFile { name } => write!(f, "no such file (nor {name}.gz); {mnist} {files}"),
            NotRegularFile => {
                write!(f, "not a regular file (a FIFO, a device or a socket); expected an IDX file")
            }
            SizeMismatch { train_file, train, test } => write!(
                f,
                "holds images of {}×{} pixels, but\n  {train_file} holds {}×{};\n  \
                 expected training and test images of one size",
                test.0, test.1, train.0, train.1
            ),
            NoDirectory => write!(f, "no such directory; {mnist} {files}"),
            NotADirectory => write!(f, "is not a directory; {mnist} {files}"),
        }
    }
}

impl std::error::Error for DataError {}

/// The digits set shipped with the crate: the 1,797 8×8 images of UCI's
/// Optical Recognition of Handwritten Digits as scikit-learn's
/// `load_digits` gives them (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0),
/// pixels 0..16. It is the data set of ML-From-Scratch's CNN example.
///
/// # Errors
/// None in practice: the embedded file is checked by the tests. Any error
/// would be one of [`parse_digits_csv`]'s.
pub fn digits() -> Result<Dataset> {
    parse_digits_csv(DIGITS_GZ, "data/digits.csv.gz")
}

/// Parse the digits CSV, gzipped or plain: one image per line, 64 pixels
/// (8×8, row-major, integers 0..16) then the label 0..9, comma separated.
/// A field such as `5.0` or `5e0` is read as 5, as `np.loadtxt` would; a
/// final newline and `\r\n` line ends are accepted. `name` names the file
/// in errors and becomes the [`Dataset::source`].
///
/// # Errors
/// An [`Error::Io`] for `name` holding a [`DataError`]: `Gzip`, `TooLarge`,
/// `NoImages`, or the first line with a `FieldCount` or `BadField` problem.
///
/// ```
/// use cnn_walkthrough::course::data::parse_digits_csv;
///
/// let line = format!("{}9\n", "16,".repeat(64));
/// let data = parse_digits_csv(line.as_bytes(), "one.csv")?;
/// assert_eq!((data.images[[0, 0, 7, 7]], data.labels[0]), (16.0, 9));
///
/// let err = parse_digits_csv(b"1,2,3\n", "bad.csv").unwrap_err();
/// assert!(err.to_string().starts_with("bad.csv: line 1 has 3 fields; expected 65"));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
pub fn parse_digits_csv(bytes: &[u8], name: &str) -> Result<Dataset> {
    let text = gunzip(bytes).map_err(|e| e.at(name))?;
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    if body.is_empty() {
        return Err(DataError::NoImages.at(name));
    }
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let found = line.split(|&b| b == b',').count();
        if found != 65 {
            return Err(DataError::FieldCount { line: i + 1, found }.at(name));
        }
        for (j, field) in line.split(|&b| b == b',').enumerate() {
            let (max, expected) = match j {
                64 => (9, "the label, an integer 0..9"),
                _ => (16, "a pixel, an integer 0..16"),
            };
            let value = small_int(field, max).ok_or_else(|| {
                let found = String::from_utf8_lossy(field).chars().take(24).collect();
                DataError::BadField { line: i + 1, field: j + 1, found, expected }.at(name)
            })?;
            match j {
                64 => labels.push(value),
                _ => pixels.push(f64::from(value)),
            }
        }
    }
    let images = Array4::from_shape_vec((labels.len(), 1, 8, 8), pixels)
        .map_err(|e| Error::Usage(format!("{name}: {e}")))?;
    Ok(Dataset { images, labels, source: name.to_string() })
}

/// MNIST from a directory holding its four IDX files ([`MNIST_FILES`]), each
/// gzipped or not (`name` is looked for first, then `name.gz`); returns
/// `(train, test)`, usually 60,000 and 10,000 images of 28×28, pixels 0..255.
/// Each [`Dataset::source`] is the path of its images file.
///
/// # Errors
/// A [`DataError`] inside an [`Error::Io`] that names the path:
/// `NoDirectory`, `NotADirectory` or `MissingFile` (which lists the four
/// names) before any file is read; then an error of [`parse_idx_images`] or
/// [`parse_idx_labels`]; `CountMismatch` on the labels file if it holds
/// fewer or more labels than there are images. A file that cannot be read
/// gives the operating system's error.
pub fn mnist(dir: &Path) -> Result<(Dataset, Dataset)> {
    if !dir.is_dir() {
        let problem = if dir.exists() { DataError::NotADirectory } else { DataError::NoDirectory };
        return Err(problem.at(dir));
    }
    let mut paths = Vec::with_capacity(4);
    for name in MNIST_FILES {
        // `exists`, not `is_file`: a FIFO by that name is there, and is refused
        // by `IdxFile::open` as not a regular file rather than called missing.
        let (plain, gz) = (dir.join(name), dir.join(format!("{name}.gz")));
        match (plain.exists(), gz.exists()) {
            (true, _) => paths.push(plain),
            (false, true) => paths.push(gz),
            (false, false) => return Err(DataError::MissingFile { name: name.into() }.at(plain)),
        }
    }
    // The four headers first: the counts and sizes they promise are checked
    // against each other and against the memory budget before any pixel is read.
    let train = (IdxFile::open(&paths[0], IDX_IMAGES)?, IdxFile::open(&paths[1], IDX_LABELS)?);
    let test = (IdxFile::open(&paths[2], IDX_IMAGES)?, IdxFile::open(&paths[3], IDX_LABELS)?);
    for (images, labels) in [&train, &test] {
        if labels.dims[0] != images.dims[0] {
            let images_file = images.path.display().to_string();
            let problem =
                DataError::CountMismatch { labels: labels.dims[0], images: images.dims[0], images_file };
            return Err(problem.at(&labels.path));
        }
    }
    let size = |f: &IdxFile| (f.dims[1], f.dims[2]);
    if size(&train.0) != size(&test.0) {
        let train_file = train.0.path.display().to_string();
        let problem = DataError::SizeMismatch { train_file, train: size(&train.0), test: size(&test.0) };
        return Err(problem.at(&test.0.path));
    }
    let mut memory = vec![];
    for (part, (images, _)) in [("train", &train), ("test", &test)] {
        memory.extend(mnist_memory(part, images.dims[0], size(images)));
    }
    crate::course::budget::check("the MNIST data", &memory)?;
    Ok((mnist_pair(train)?, mnist_pair(test)?))
}

/// What loading `n` MNIST images of `rows × cols` holds, for one part
/// (`train` or `test`) of the set: the pixels as read (u8), the labels, the
/// images of the [`Dataset`] (f64), and the f32 copy lesson 11 trains on.
pub fn mnist_memory(
    part: &str,
    n: usize,
    (rows, cols): (usize, usize),
) -> Vec<crate::course::budget::Tensor> {
    use crate::course::budget::Tensor;
    vec![
        Tensor::new(format!("{part} pixels (u8)"), &[n, rows, cols], 1),
        Tensor::new(format!("{part} labels (u8)"), &[n], 1),
        Tensor::f64(format!("{part} images (f64)"), &[n, 1, rows, cols]),
        Tensor::f32(format!("{part} images (f32)"), &[n, 1, rows, cols]),
    ]
}

/// One half of MNIST: its images file and labels file, headers read.
fn mnist_pair((images_file, labels_file): (IdxFile, IdxFile)) -> Result<Dataset> {
    let source = images_file.path.display().to_string();
    let (n, rows, cols) = (images_file.dims[0], images_file.dims[1], images_file.dims[2]);
    let pixels = images_file.read_data()?;
    let labels_path = labels_file.path.clone();
    let labels = labels_file.read_data()?;
    if let Some(index) = labels.iter().position(|&label| label > 9) {
        return Err(DataError::LabelOutOfRange { index, label: labels[index] }.at(labels_path));
    }
    let images = Array3::from_shape_vec((n, rows, cols), pixels)
        .map_err(|e| Error::Usage(format!("{source}: {e}")))?
        .mapv(f64::from)
        .insert_axis(Axis(1));
    Ok(Dataset { images, labels, source })
}

/// An IDX file of unsigned bytes, opened and its header read; its data not yet.
struct IdxFile {
    path: PathBuf,
    /// The header's dimensions, none of them 0.
    dims: Vec<usize>,
    /// The bytes after the header: the file's, or their decompression.
    data: Box<dyn Read>,
    /// Whether the file is gzipped (then its decompressed length is unknown).
    gzipped: bool,
}

impl IdxFile {
    /// Opens `path` (a regular file, checked before opening: opening a FIFO
    /// waits for a writer) and reads its header, decompressing only the
    /// header's bytes when it is gzipped. For a plain file, the byte count the
    /// header promises is compared with the file's length.
    fn open(path: &Path, magic: u32) -> Result<Self> {
        let io = |source| Error::Io { path: path.into(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(DataError::NotRegularFile.at(path));
        }
        let mut file = io::BufReader::new(std::fs::File::open(path).map_err(io)?);
        let gzipped = io::BufRead::fill_buf(&mut file).map_err(io)?.starts_with(&GZIP_MAGIC);
        let mut data: Box<dyn Read> =
            if gzipped { Box::new(MultiGzDecoder::new(file)) } else { Box::new(file) };
        let header_len = 4 + 4 * (magic & 0xff) as usize;
        let mut header = Vec::with_capacity(header_len);
        let read = data.by_ref().take(header_len as u64).read_to_end(&mut header);
        read.map_err(|e| read_error(e, gzipped, path))?;
        let dims = idx_header(&header, magic).map_err(|e| e.at(path))?;
        let idx = IdxFile { path: path.into(), dims, data, gzipped };
        if !gzipped {
            idx.compare_length(meta.len())?;
        }
        Ok(idx)
    }

    /// Bytes the header promises, itself included.
    fn expected_bytes(&self) -> u128 {
        self.header_len() as u128 + self.dims.iter().fold(1, |n, &d| n * d as u128)
    }

    fn header_len(&self) -> usize {
        4 + 4 * self.dims.len()
    }

    /// `Truncated` or `TrailingBytes` unless the file has `found` bytes, as its header promises.
    fn compare_length(&self, found: u64) -> Result<()> {
        let (dims, expected_bytes) = (self.dims.clone(), self.expected_bytes());
        let found_bytes = usize::try_from(found).unwrap_or(usize::MAX);
        let problem = match expected_bytes.cmp(&u128::from(found)) {
            std::cmp::Ordering::Greater => DataError::Truncated { dims, expected_bytes, found_bytes },
            std::cmp::Ordering::Less => DataError::TrailingBytes { dims, expected_bytes, found_bytes },
            std::cmp::Ordering::Equal => return Ok(()),
        };
        Err(problem.at(&self.path))
    }

    /// The data: exactly the bytes the header promises (its size already
    /// checked against the budget). A gzipped file is decompressed only that
    /// far, plus one byte to find trailing data, which is then counted
    /// (up to [`MAX_DECOMPRESSED`]) for the message.
    fn read_data(mut self) -> Result<Vec<u8>> {
        let n = (self.expected_bytes() - self.header_len() as u128) as usize;
        let mut bytes = vec![0u8; n];
        let mut filled = 0;
        while filled < n {
            match self.data.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(k) => filled += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(read_error(e, self.gzipped, &self.path)),
            }
        }
        let header = self.header_len() as u64;
        if filled < n {
            return self.compare_length(header + filled as u64).map(|()| bytes);
        }
        if self.gzipped {
            let mut rest = self.data.by_ref().take(MAX_DECOMPRESSED);
            let extra = io::copy(&mut rest, &mut io::sink()).map_err(|e| read_error(e, true, &self.path))?;
            if extra >= MAX_DECOMPRESSED {
                return Err(DataError::TooLarge { limit: MAX_DECOMPRESSED }.at(&self.path));
            }
            self.compare_length(header + n as u64 + extra)?;
        }
        Ok(bytes)
    }
}

/// A read error of `path`: the decoder's words for a gzipped file, the
/// operating system's otherwise.
fn read_error(e: io::Error, gzipped: bool, path: &Path) -> Error {
    match gzipped {
        true => DataError::Gzip(e.to_string()).at(path),
        false => Error::Io { path: path.into(), source: e },
    }
}

/// Parse an IDX images file, gzipped or not: magic `0x00000803` (unsigned
/// bytes, 3 dimensions), then `n`, `rows`, `cols` as big-endian u32, then
/// `n·rows·cols` pixels. Returns `(n, rows, cols)`.
///
/// # Errors
/// An [`Error::Io`] for `name` holding a [`DataError`]: `Gzip`, `TooLarge`,
/// `TruncatedHeader`, `WrongMagic`, `EmptyDims`, `Truncated` or
/// `TrailingBytes`, checked in that order.
///
/// ```
/// use cnn_walkthrough::course::data::parse_idx_images;
///
/// let mut file = vec![0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2];
/// file.extend([0, 64, 128, 255]); // one 2×2 image
/// assert_eq!(parse_idx_images(&file, "tiny")?[[0, 1, 1]], 255);
///
/// file.pop();
/// let err = parse_idx_images(&file, "tiny").unwrap_err().to_string();
/// assert!(err.starts_with("tiny: truncated: the header says 1 image of 2×2 pixels (20 bytes"));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
pub fn parse_idx_images(bytes: &[u8], name: &str) -> Result<Array3<u8>> {
    let (dims, values) = parse_idx(bytes, IDX_IMAGES).map_err(|e| e.at(name))?;
    Array3::from_shape_vec((dims[0], dims[1], dims[2]), values)
        .map_err(|e| Error::Usage(format!("{name}: {e}")))
}

/// Parse an IDX labels file, gzipped or not: magic `0x00000801` (unsigned
/// bytes, 1 dimension), then `n` as a big-endian u32, then `n` labels 0..9.
///
/// # Errors
/// An [`Error::Io`] for `name` holding a [`DataError`]: as for
/// [`parse_idx_images`], then `LabelOutOfRange` for the first label above 9.
///
/// ```
/// use cnn_walkthrough::course::data::parse_idx_labels;
///
/// assert_eq!(parse_idx_labels(&[0, 0, 8, 1, 0, 0, 0, 2, 7, 3], "two")?, vec![7, 3]);
/// let err = parse_idx_labels(&[0, 0, 8, 1, 0, 0, 0, 1, 12], "one").unwrap_err();
/// assert_eq!(err.to_string(), "one: label 12 at index 0; expected labels 0..9");
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
pub fn parse_idx_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let (_, labels) = parse_idx(bytes, IDX_LABELS).map_err(|e| e.at(name))?;
    match labels.iter().position(|&label| label > 9) {
        Some(index) => Err(DataError::LabelOutOfRange { index, label: labels[index] }.at(name)),
        None => Ok(labels),
    }
}

/// The reference example's split, `train_test_split(X, y, test_size, seed=seed)`
/// of ML-From-Scratch: `np.random.seed(seed)`, shuffle `np.arange(n)`, then
/// `split_i = n - int(n // (1 / test_size))` (Python's float floor division),
/// train = the first `split_i` shuffled images, test = the rest. For the
/// digits, `test_size = 0.4` and `seed = 1` give 1,079 and 718 images.
///
/// Two differences: ML-From-Scratch skips `np.random.seed` when `seed` is 0
/// (`if seed:`) and so shuffles unpredictably; here 0 seeds like any other
/// value. And the stream it leaves behind goes on in the network's
/// initialisation: to continue it, draw `RandomState::new(seed).permutation(n)`
/// and keep that generator.
///
/// # Errors
/// [`Error::Parameter`] if `test_size` is not strictly between 0 and 1, or
/// leaves the train or the test set empty; [`Error::Shape`] if `data` does
/// not hold one label per image.
pub fn train_test_split(data: &Dataset, test_size: f64, seed: u32) -> Result<(Dataset, Dataset)> {
    let n = data.images.len_of(Axis(0));
    if data.labels.len() != n {
        let expected = format!("({n},), one per image of images {}", tuple(data.images.shape()));
        return Err(Error::shape("labels", expected, &[data.labels.len()]));
    }
    if !(test_size > 0.0 && test_size < 1.0) {
        let problem = format!("is {test_size}; expected a fraction strictly between 0 and 1");
        return Err(Error::parameter("test_size", problem));
    }
    // `int(len(y) // (1 / test_size))`: 0 <= quotient < n because 1 / test_size > 1.
    let test_n = python_floor_div(n as f64, 1.0 / test_size) as usize;
    let split = n.saturating_sub(test_n);
    if split == 0 || split == n {
        let problem = format!(
            "{test_size} leaves {split} train and {} test of {}; expected at least one of each",
            n - split,
            count(n, "image")
        );
        return Err(Error::parameter("test_size", problem));
    }
    let order = RandomState::new(seed).permutation(n);
    // No "train"/"test" in the source: whoever shows it labels it.
    let part = |indices: &[usize]| Dataset {
        images: data.images.select(Axis(0), indices),
        labels: indices.iter().map(|&i| data.labels[i]).collect(),
        source: format!(
            "{} ({} of {}, test_size {test_size}, seed {seed})",
            data.source,
            indices.len(),
            count(n, "image")
        ),
    };
    Ok((part(&order[..split]), part(&order[split..])))
}

/// One-hot labels `(n, classes)`: row `i` is 1.0 in column `labels[i]`,
/// 0.0 elsewhere (ML-From-Scratch's `to_categorical`).
///
/// # Errors
/// [`Error::Parameter`] when a label is `classes` or more.
///
/// ```
/// use cnn_walkthrough::course::data::one_hot;
/// use ndarray::array;
///
/// assert_eq!(one_hot(&[2, 0], 3)?, array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
pub fn one_hot(labels: &[u8], classes: usize) -> Result<Array2<f64>> {
    let mut out = Array2::zeros((labels.len(), classes));
    for (i, &label) in labels.iter().enumerate() {
        let label = usize::from(label);
        if label >= classes {
            return Err(Error::parameter(
                "labels",
                format!("label {label} at index {i}; expected labels 0..{classes}"),
            ));
        }
        out[[i, label]] = 1.0;
    }
    Ok(out)
}

/// The bytes themselves, or their decompression if they start with the
/// gzip magic; concatenated gzip members are read one after the other.
fn gunzip(bytes: &[u8]) -> std::result::Result<Cow<'_, [u8]>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let mut decoder = MultiGzDecoder::new(bytes).take(MAX_DECOMPRESSED + 1);
    decoder.read_to_end(&mut out).map_err(|e| DataError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(DataError::TooLarge { limit: MAX_DECOMPRESSED });
    }
    Ok(Cow::Owned(out))
}

/// The dimensions and values of an IDX file of unsigned bytes with `magic`,
/// after checking the byte count against the header.
fn parse_idx(bytes: &[u8], magic: u32) -> std::result::Result<(Vec<usize>, Vec<u8>), DataError> {
    let data = gunzip(bytes)?;
    let dims = idx_header(&data, magic)?;
    let header_len = 4 + 4 * dims.len();
    // At most three u32 factors: the product fits in a u128.
    let expected_bytes = header_len as u128 + dims.iter().fold(1, |n, &d| n * d as u128);
    let found_bytes = data.len();
    match expected_bytes.cmp(&(found_bytes as u128)) {
        std::cmp::Ordering::Greater => Err(DataError::Truncated { dims, expected_bytes, found_bytes }),
        std::cmp::Ordering::Less => Err(DataError::TrailingBytes { dims, expected_bytes, found_bytes }),
        std::cmp::Ordering::Equal => Ok((dims, data[header_len..].to_vec())),
    }
}

/// The dimensions in the header at the start of `data` (all of the file,
/// or at least its header), after checking the magic number and that no
/// dimension is 0.
fn idx_header(data: &[u8], magic: u32) -> std::result::Result<Vec<usize>, DataError> {
    let header_len = 4 + 4 * (magic & 0xff) as usize;
    let truncated = || DataError::TruncatedHeader { expected: header_len, found: data.len() };
    let word = |i: usize| data.get(4 * i..4 * i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let found = word(0).ok_or_else(truncated)?;
    if found != magic {
        return Err(DataError::WrongMagic { found, expected: magic });
    }
    let dims = (1..header_len / 4).map(|i| word(i).map(|d| d as usize).ok_or_else(truncated));
    let dims = dims.collect::<std::result::Result<Vec<usize>, _>>()?;
    if dims.contains(&0) {
        return Err(DataError::EmptyDims { dims });
    }
    Ok(dims)
}

/// A field of the digits CSV as an integer `0..=max`, or `None`.
fn small_int(field: &[u8], max: u8) -> Option<u8> {
    let value: f64 = std::str::from_utf8(field).ok()?.trim().parse().ok()?;
    let in_range = value.fract() == 0.0 && (0.0..=f64::from(max)).contains(&value);
    in_range.then_some(value as u8)
}

/// Python's `a // b` for floats with `a >= 0`, `b > 0` (CPython's
/// `float_floor_div`: `(a - fmod(a, b)) / b`, snapped to the nearest integer).
fn python_floor_div(a: f64, b: f64) -> f64 {
    let div = (a - a % b) / b;
    let floor = div.floor();
    if div - floor > 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// `60000 images of 28×28 pixels`, `1 label`, or the tuple for other ranks.
fn describe_dims(dims: &[usize]) -> String {
    match dims {
        [n] => count(*n, "label"),
        [n, rows, cols] => format!("{} of {rows}×{cols} pixels", count(*n, "image")),
        _ => format!("dimensions {}", tuple(dims)),
    }
}

/// Plain words for an IDX magic number: `00 00`, a type code, a rank.
fn describe_magic(magic: u32) -> String {
    let [zero1, zero2, code, rank] = magic.to_be_bytes();
    if (zero1, zero2) != (0, 0) {
        return "not an IDX file: IDX files start with two zero bytes".into();
    }
    let kind = match code {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0b => "16-bit integers",
        0x0c => "32-bit integers",
        0x0d => "32-bit floats",
        0x0e => "64-bit floats",
        _ => "an unknown type",
    };
    let what = match (code, rank) {
        (0x08, 3) => "images: ",
        (0x08, 1) => "labels: ",
        _ => "",
    };
    format!("{what}{kind}, {}", count(rank.into(), "dimension"))
}
