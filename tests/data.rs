//! The data module: the embedded digits, the reference split, one-hot labels,
//! and the IDX/MNIST reader on small files written here, including every kind
//! of malformed file.

use crate::common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use cnn_walkthrough::course::data::{
    digits, mnist, one_hot, parse_digits_csv, parse_idx_images, parse_idx_labels, train_test_split,
    DataError, Dataset, MNIST_FILES,
};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::Error;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use ndarray::{arr2, Array4, Axis};

/// `np.random.seed(1); idx = np.arange(1797); np.random.shuffle(idx)` in
/// numpy 2.4.6: `idx[:10]`, `idx[1079:1082]` and `idx[-1]`.
const NUMPY_FIRST_TEN: [usize; 10] = [1227, 1576, 202, 1184, 428, 941, 598, 267, 102, 1456];
const NUMPY_TEST_FIRST: [usize; 3] = [1719, 578, 855];
const NUMPY_LAST: usize = 1061;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The message of an error, after checking it is not a panic in disguise.
fn message<T: std::fmt::Debug>(result: cnn_walkthrough::Result<T>) -> (String, Option<DataError>) {
    let err = result.expect_err("expected an error");
    (err.to_string(), DataError::of(&err).cloned())
}

fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
}

// ---------------------------------------------------------------- digits

#[test]
fn digits_load_with_the_expected_shape_range_and_labels() {
    let data = digits().unwrap();
    assert_eq!(data.images.shape(), &[1797, 1, 8, 8]);
    assert_eq!(data.labels.len(), 1797);
    assert_eq!(data.source, "data/digits.csv.gz");
    let min = data.images.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = data.images.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!((min, max), (0.0, 16.0));
    assert!(data.images.iter().all(|x| x.fract() == 0.0));
    // np.bincount(y) of scikit-learn's load_digits.
    let mut counts = [0usize; 10];
    data.labels.iter().for_each(|&l| counts[usize::from(l)] += 1);
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert_eq!(counts.iter().sum::<usize>(), 1797);
}

#[test]
fn the_first_digit_is_the_first_line_of_the_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv.gz");
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(&path).unwrap()).read_to_string(&mut text).unwrap();
    let first: Vec<f64> = text.lines().next().unwrap().split(',').map(|f| f.parse().unwrap()).collect();
    let data = digits().unwrap();
    let image: Vec<f64> = data.images.index_axis(Axis(0), 0).iter().cloned().collect();
    assert_eq!(image, first[..64]);
    assert_eq!(f64::from(data.labels[0]), first[64]);
    // A 0, as load_digits().images[0] shows it.
    assert_eq!(data.images.slice(ndarray::s![0, 0, 0, ..]).to_vec(), [0., 0., 5., 13., 9., 1., 0., 0.]);

    // The same text, plain rather than gzipped, gives the same set.
    let plain = parse_digits_csv(text.as_bytes(), "digits.csv").unwrap();
    assert_eq!((plain.images, plain.labels, plain.source), (data.images, data.labels, "digits.csv".into()));
}

#[test]
fn csv_accepts_crlf_and_integral_floats() {
    let line = |label: &str| format!("{}{label}", "1.0,2e0,".repeat(32));
    let text = format!("{}\r\n{}\r\n", line("3"), line("3.000000000000000000e+00"));
    let data = parse_digits_csv(text.as_bytes(), "crlf.csv").unwrap();
    assert_eq!(data.images.shape(), &[2, 1, 8, 8]);
    assert_eq!((data.images[[1, 0, 0, 0]], data.images[[1, 0, 7, 7]], data.labels[1]), (1.0, 2.0, 3));
}

#[test]
fn malformed_csv_names_the_line_and_the_field() {
    let good = format!("{}5", "0,".repeat(64));
    let with_field = |i: usize, value: &str| {
        let mut fields: Vec<&str> = good.split(',').collect();
        fields[i] = value;
        format!("{good}\n{}\n", fields.join(","))
    };
    let cases = [
        (
            format!("{good}\n1,2,3\n"),
            vec!["bad.csv: line 2 has 3 fields; expected 65 (64 pixels, then the label)"],
        ),
        (format!("{good},0\n"), vec!["line 1 has 66 fields"]),
        (format!("{good}\n\n{good}\n"), vec!["line 2 has 1 fields"]),
        (with_field(10, "17"), vec!["line 2, field 11 is \"17\"; expected a pixel, an integer 0..16"]),
        (with_field(0, "-1"), vec!["line 2, field 1 is \"-1\""]),
        (with_field(3, "2.5"), vec!["field 4 is \"2.5\""]),
        (with_field(3, ""), vec!["field 4 is \"\""]),
        (with_field(3, "nan"), vec!["field 4 is \"nan\""]),
        (with_field(64, "10"), vec!["line 2, field 65 is \"10\"; expected the label, an integer 0..9"]),
        (String::new(), vec!["bad.csv: holds no images; expected one line per image"]),
        ("\n".into(), vec!["holds no images"]),
    ];
    for (text, parts) in cases {
        let (msg, kind) = message(parse_digits_csv(text.as_bytes(), "bad.csv"));
        assert_mentions(&msg, &parts);
        assert!(msg.starts_with("bad.csv: "), "{msg}");
        assert!(kind.is_some(), "{msg}");
    }
    // Gzipped too: the line number counts in the decompressed text.
    let (msg, kind) = message(parse_digits_csv(&gzip(with_field(64, "x").as_bytes()), "bad.csv.gz"));
    assert_eq!(msg, "bad.csv.gz: line 2, field 65 is \"x\"; expected the label, an integer 0..9");
    let expected = "the label, an integer 0..9";
    assert_eq!(kind, Some(DataError::BadField { line: 2, field: 65, found: "x".into(), expected }));
}

#[test]
fn a_corrupted_or_truncated_gzip_stream_is_an_error() {
    let gz = gzip(format!("{}5\n", "0,".repeat(64)).as_bytes());
    let mut flipped = gz.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0xff;
    let cut = &gz[..gz.len() - 3];
    for bytes in [&flipped[..], cut, &gz[..2], &gz[..12]] {
        let (msg, kind) = message(parse_digits_csv(bytes, "digits.csv.gz"));
        assert!(msg.starts_with("digits.csv.gz: corrupted or truncated gzip stream ("), "{msg}");
        assert!(matches!(kind, Some(DataError::Gzip(_))), "{msg}");
    }
    let (msg, _) = message(parse_idx_labels(cut, "labels.gz"));
    assert!(msg.starts_with("labels.gz: corrupted or truncated gzip stream"), "{msg}");
}

// ---------------------------------------------------------------- split

#[test]
fn the_reference_split_matches_numpy() {
    // The indices the split uses are numpy's (see NUMPY_FIRST_TEN).
    let order = RandomState::new(1).permutation(1797);
    assert_eq!(order[..10], NUMPY_FIRST_TEN);
    assert_eq!(order[1079..1082], NUMPY_TEST_FIRST);
    assert_eq!(order[1796], NUMPY_LAST);

    let data = digits().unwrap();
    let (train, test) = train_test_split(&data, 0.4, 1).unwrap();
    assert_eq!((train.labels.len(), test.labels.len()), (1079, 718));
    assert_eq!((train.images.shape(), test.images.shape()), (&[1079, 1, 8, 8][..], &[718, 1, 8, 8][..]));
    for (k, &i) in NUMPY_FIRST_TEN.iter().enumerate() {
        assert_eq!(train.images.index_axis(Axis(0), k), data.images.index_axis(Axis(0), i));
        assert_eq!(train.labels[k], data.labels[i]);
    }
    for (k, &i) in NUMPY_TEST_FIRST.iter().enumerate() {
        assert_eq!(test.images.index_axis(Axis(0), k), data.images.index_axis(Axis(0), i));
    }
    assert_eq!(test.labels[717], data.labels[NUMPY_LAST]);
    assert_eq!(train.source, "data/digits.csv.gz (1079 of 1797 images, test_size 0.4, seed 1)");
    assert_eq!(test.source, "data/digits.csv.gz (718 of 1797 images, test_size 0.4, seed 1)");

    // Every image lands in exactly one half.
    let mut seen = vec![0; 1797];
    order.iter().for_each(|&i| seen[i] += 1);
    assert!(seen.iter().all(|&c| c == 1));
    let total: f64 = train.images.sum() + test.images.sum();
    assert_eq!(total, data.images.sum());
}

/// `n` one-pixel images holding 0, 1, ..., n-1 (labels i % 10).
fn counting(n: usize) -> Dataset {
    Dataset {
        images: Array4::from_shape_fn((n, 1, 1, 1), |(i, ..)| i as f64),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
        source: "counting".into(),
    }
}

#[test]
fn split_sizes_follow_pythons_float_floor_division() {
    // n - int(n // (1 / test_size)) as Python 3 computes it.
    for (n, test_size, train_n) in [
        (10, 0.3, 8),
        (100, 0.3, 71),
        (100, 0.01, 99),
        (50, 0.9, 6),
        (10, 0.9, 2),
        (7, 0.33, 5),
        (100, 0.7, 31),
    ] {
        let (train, test) = train_test_split(&counting(n), test_size, 3).unwrap();
        assert_eq!((train.labels.len(), test.labels.len()), (train_n, n - train_n), "n {n}, {test_size}");
        assert_eq!(train.images.shape(), &[train_n, 1, 1, 1]);
    }
    // Seed 0 seeds like any other (ML-From-Scratch would not seed at all).
    let (a, _) = train_test_split(&counting(20), 0.5, 0).unwrap();
    let order = RandomState::new(0).permutation(20);
    assert_eq!(a.images.iter().map(|&x| x as usize).collect::<Vec<_>>(), order[..10]);
}

#[test]
fn bad_split_arguments_are_errors() {
    for test_size in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        let err = train_test_split(&counting(10), test_size, 1).unwrap_err();
        assert!(matches!(err, Error::Parameter { .. }), "{err}");
        assert_mentions(&err.to_string(), &["test_size is", "expected a fraction strictly between 0 and 1"]);
    }
    let err = train_test_split(&counting(7), 0.1, 1).unwrap_err().to_string();
    assert_eq!(err, "test_size 0.1 leaves 7 train and 0 test of 7 images; expected at least one of each");

    let mut data = counting(5);
    data.labels.pop();
    let err = train_test_split(&data, 0.4, 1).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }));
    assert_eq!(err.to_string(), "labels has shape (4,); expected (5,), one per image of images (5, 1, 1, 1)");
}

// ---------------------------------------------------------------- one_hot

#[test]
fn one_hot_puts_a_single_one_in_each_row() {
    assert_eq!(one_hot(&[0, 2, 1], 3).unwrap(), arr2(&[[1., 0., 0.], [0., 0., 1.], [0., 1., 0.]]));
    assert_eq!(one_hot(&[], 10).unwrap().shape(), &[0, 10]);
    let y = one_hot(&digits().unwrap().labels, 10).unwrap();
    assert_eq!(y.shape(), &[1797, 10]);
    assert!(y.rows().into_iter().all(|row| row.sum() == 1.0));
    assert_eq!(y.row(0).to_vec(), [1., 0., 0., 0., 0., 0., 0., 0., 0., 0.]);
}

#[test]
fn one_hot_rejects_a_label_past_the_classes() {
    let e = one_hot(&[0, 3], 3).unwrap_err().to_string();
    assert!(e.contains("label 3 at index 1; expected labels 0..3"), "{e}");
}

// ---------------------------------------------------------------- IDX / MNIST

fn idx_images(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    [n, rows, cols].iter().for_each(|d| out.extend(d.to_be_bytes()));
    out.extend_from_slice(pixels);
    out
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend((labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// Pixels 0, 1, 2, ... (mod 256) for `n` images of 3×2.
fn pixels(n: usize, offset: usize) -> Vec<u8> {
    (0..n * 6).map(|i| ((i + offset) % 256) as u8).collect()
}

/// A directory with train (3 images, plain) and test (2 images, gzipped) files.
fn mnist_dir(tag: &str) -> PathBuf {
    let dir = common::temp_dir(&format!("data-{tag}"));
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
    write(MNIST_FILES[0], idx_images(3, 3, 2, &pixels(3, 0)));
    write(MNIST_FILES[1], idx_labels(&[5, 0, 4]));
    write(&format!("{}.gz", MNIST_FILES[2]), gzip(&idx_images(2, 3, 2, &pixels(2, 100))));
    write(&format!("{}.gz", MNIST_FILES[3]), gzip(&idx_labels(&[7, 9])));
    dir
}

#[test]
fn mnist_reads_plain_and_gzipped_idx_files() {
    let dir = mnist_dir("ok");
    let (train, test) = mnist(&dir).unwrap();
    assert_eq!(train.images.shape(), &[3, 1, 3, 2]);
    assert_eq!(test.images.shape(), &[2, 1, 3, 2]);
    assert_eq!((train.labels, test.labels), (vec![5, 0, 4], vec![7, 9]));
    let expected: Vec<f64> = pixels(3, 0).iter().map(|&p| f64::from(p)).collect();
    assert_eq!(train.images.iter().cloned().collect::<Vec<_>>(), expected);
    assert_eq!(test.images[[1, 0, 2, 1]], 111.0);
    assert_eq!(train.source, dir.join(MNIST_FILES[0]).display().to_string());
    assert_eq!(test.source, dir.join("t10k-images-idx3-ubyte.gz").display().to_string());

    // A plain file wins over a gzipped one of the same name.
    std::fs::write(dir.join(MNIST_FILES[3]), idx_labels(&[1, 2])).unwrap();
    assert_eq!(mnist(&dir).unwrap().1.labels, vec![1, 2]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn idx_parsers_accept_gzip_whatever_the_name() {
    let images = parse_idx_images(&gzip(&idx_images(1, 2, 2, &[1, 2, 3, 4])), "plain-name").unwrap();
    assert_eq!(images, ndarray::arr3(&[[[1, 2], [3, 4]]]));
    assert_eq!(parse_idx_labels(&gzip(&idx_labels(&[0, 9])), "x").unwrap(), vec![0, 9]);
}

#[test]
fn a_missing_directory_or_file_lists_the_four_names() {
    let dir = mnist_dir("missing");
    let names = MNIST_FILES;

    let gone = dir.join("no-such-dir");
    let (msg, kind) = message(mnist(&gone));
    assert!(msg.starts_with(&format!("{}: no such directory;", gone.display())), "{msg}");
    assert_mentions(&msg, &names);
    assert_eq!(kind, Some(DataError::NoDirectory));

    let file = dir.join(MNIST_FILES[0]);
    let (msg, kind) = message(mnist(&file));
    assert_mentions(&msg, &[&file.display().to_string(), "is not a directory"]);
    assert_eq!(kind, Some(DataError::NotADirectory));

    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let (msg, kind) = message(mnist(&dir));
    let missing = dir.join("t10k-labels-idx1-ubyte");
    assert!(msg.starts_with(&format!("{}: no such file (nor t10k-labels-idx1-ubyte.gz);", missing.display())));
    assert_mentions(&msg, &names);
    assert_eq!(kind, Some(DataError::MissingFile { name: "t10k-labels-idx1-ubyte".into() }));
    std::fs::remove_dir_all(&dir).ok();
}

/// Replace one file of a good MNIST directory; the error from `mnist`.
fn mnist_with(tag: &str, name: &str, bytes: Vec<u8>) -> (String, Option<DataError>, PathBuf) {
    let dir = mnist_dir(tag);
    for old in [name.to_string(), format!("{name}.gz")] {
        std::fs::remove_file(dir.join(old)).ok();
    }
    std::fs::write(dir.join(name), bytes).unwrap();
    let (msg, kind) = message(mnist(&dir));
    std::fs::remove_dir_all(&dir).ok();
    (msg, kind, dir.join(name))
}

#[test]
fn malformed_idx_files_name_the_file_and_the_problem() {
    let [train_images, train_labels, test_images, test_labels] = MNIST_FILES;
    let good = idx_images(3, 3, 2, &pixels(3, 0));
    let cases: Vec<(&str, &str, Vec<u8>, Vec<&str>)> = vec![
        (
            "truncated",
            train_images,
            good[..good.len() - 1].to_vec(),
            vec!["truncated: the header says 3 images of 3×2 pixels (34 bytes with the header) but the file has 33 bytes"],
        ),
        (
            "trailing",
            train_images,
            [&good[..], &[0]].concat(),
            vec!["too long: the header says 3 images of 3×2 pixels (34 bytes with the header) but the file has 35"],
        ),
        ("header", train_images, good[..10].to_vec(), vec!["truncated header: it needs 16 bytes but the file has 10"]),
        ("tiny", test_labels, vec![0, 0], vec!["truncated header: it needs 8 bytes but the file has 2"]),
        ("empty", test_labels, vec![], vec!["truncated header: it needs 8 bytes but the file has 0"]),
        (
            "swapped",
            train_images,
            idx_labels(&[1, 2, 3]),
            vec!["magic number is 0x00000801 (labels: unsigned bytes, 1 dimension); expected 0x00000803 (images: unsigned bytes, 3 dimensions)"],
        ),
        (
            "png",
            test_images,
            b"\x89PNG\r\n\x1a\n....".to_vec(),
            vec!["magic number is 0x89504e47 (not an IDX file: IDX files start with two zero bytes)"],
        ),
        (
            "floats",
            train_labels,
            vec![0, 0, 0x0d, 1, 0, 0, 0, 0],
            vec!["magic number is 0x00000d01 (32-bit floats, 1 dimension); expected 0x00000801"],
        ),
        (
            "zero",
            train_images,
            idx_images(3, 0, 2, &[]),
            vec!["holds nothing: its dimensions are (3, 0, 2); expected every one at least 1"],
        ),
        ("label", train_labels, idx_labels(&[5, 10, 4]), vec!["label 10 at index 1; expected labels 0..9"]),
        (
            "count",
            test_labels,
            idx_labels(&[7, 9, 1]),
            vec!["holds 3 labels but", "t10k-images-idx3-ubyte.gz holds 2 images; expected one label per image"],
        ),
        (
            "gzip",
            test_images,
            gzip(&idx_images(2, 3, 2, &pixels(2, 100)))[..30].to_vec(),
            vec!["corrupted or truncated gzip stream"],
        ),
    ];
    for (tag, name, bytes, parts) in cases {
        let (msg, kind, path) = mnist_with(tag, name, bytes);
        assert!(msg.starts_with(&format!("{}: ", path.display())), "{tag}: {msg}");
        assert_mentions(&msg, &parts);
        assert!(kind.is_some(), "{tag}: {msg}");
    }
}

#[test]
fn a_huge_header_is_checked_against_the_bytes_before_any_allocation() {
    let huge = idx_images(u32::MAX, u32::MAX, u32::MAX, &[1, 2, 3]);
    let (msg, kind) = message(parse_idx_images(&huge, "huge"));
    let expected_bytes = 16 + u128::from(u32::MAX).pow(3);
    assert_eq!(
        kind,
        Some(DataError::Truncated { dims: vec![u32::MAX as usize; 3], expected_bytes, found_bytes: 19 })
    );
    assert_mentions(&msg, &["huge: truncated", &format!("({expected_bytes} bytes with the header)")]);

    let mut labels = vec![0, 0, 8, 1];
    labels.extend(u32::MAX.to_be_bytes());
    let (msg, _) = message(parse_idx_labels(&labels, "labels"));
    assert_eq!(
        msg,
        "labels: truncated: the header says 4294967295 labels (4294967303 bytes with the header) but the file has 8 bytes"
    );
}

#[test]
fn errors_carry_a_fitting_io_kind() {
    let kind = |e: Error| match e {
        Error::Io { source, .. } => source.kind(),
        other => panic!("expected Error::Io, got {other}"),
    };
    assert_eq!(kind(parse_idx_labels(&[0, 0, 8], "x").unwrap_err()), std::io::ErrorKind::UnexpectedEof);
    assert_eq!(kind(parse_idx_labels(&idx_labels(&[11]), "x").unwrap_err()), std::io::ErrorKind::InvalidData);
    assert_eq!(kind(mnist(Path::new("/no/such/dir/anywhere")).unwrap_err()), std::io::ErrorKind::NotFound);
}
