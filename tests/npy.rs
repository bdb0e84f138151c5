//! The `.npy` reader and writer: round trips, agreement with what numpy
//! saves and reads, every kind of malformed file with its message, and
//! random or damaged inputs, which must give a typed error, never a panic.

use crate::common;

use std::io::ErrorKind;
use std::panic::catch_unwind;
use std::path::PathBuf;

use cnn_walkthrough::course::npy::{npy_bytes, parse_npy, read_npy, write_npy, NpyError, NpyErrorKind};
use cnn_walkthrough::course::random::RandomState;
use ndarray::{arr0, s, Array, ArrayD, Dimension, IxDyn};

use common::{check_with, describe_case, hex, int, panic_message, proptest_config, seeds, temp_dir};
use std::cell::RefCell;

const EXPECTED_F8: &str = "expected '<f8' (float64, little-endian)";

/// A fixture written by numpy's own `np.save` (see tests/data/npy).
fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A format 1.0 file with this header text (no padding) and these data bytes.
fn npy_with(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// A format 3.0 file (utf-8 header) with raw header bytes.
fn npy_v3_with(header: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x03\x00".to_vec();
    out.extend_from_slice(&u32::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(data);
    out
}

fn f64_bytes(xs: &[f64]) -> Vec<u8> {
    xs.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn header(descr: &str, shape: &str) -> String {
    format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}")
}

/// Parse, expect an error, and check its message contains every piece.
fn parse_err(bytes: &[u8], pieces: &[&str]) -> NpyErrorKind {
    let kind = parse_npy(bytes).expect_err("expected an error");
    let message = kind.to_string();
    for piece in pieces {
        assert!(message.contains(piece), "{message:?} does not contain {piece:?}");
    }
    kind
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("helper_npy_test_{}_{name}", std::process::id()))
}

fn arange(shape: &[usize]) -> ArrayD<f64> {
    let n = shape.iter().product::<usize>();
    Array::from_iter((0..n).map(|i| i as f64 * 0.25 - 3.0)).into_shape_with_order(IxDyn(shape)).unwrap()
}

// ---------------------------------------------------------------- round trips

#[test]
fn round_trip_0d_1d_4d() {
    for a in [arr0(2.5).into_dyn(), arange(&[7]), arange(&[4, 3, 3, 2])] {
        assert_eq!(parse_npy(&npy_bytes(&a.view())).unwrap(), a);
        let path = temp_path(&format!("round_trip_{}d.npy", a.ndim()));
        write_npy(&path, &a.view()).unwrap();
        assert_eq!(read_npy(&path).unwrap(), a);
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn round_trip_non_contiguous_views_in_logical_order() {
    let a = arange(&[2, 3, 4]);
    let transposed = a.view().reversed_axes();
    let parsed = parse_npy(&npy_bytes(&transposed)).unwrap();
    assert_eq!(parsed.shape(), &[4, 3, 2]);
    assert_eq!(parsed, transposed);
    assert_eq!(parsed[[3, 1, 0]], a[[0, 1, 3]]);

    let a2 = arange(&[5, 6]);
    let strided = a2.slice(s![1..;2, ..;-3]);
    assert_eq!(parse_npy(&npy_bytes(&strided)).unwrap(), strided.into_dyn());
    let standard = strided.as_standard_layout();
    assert_eq!(npy_bytes(&strided), npy_bytes(&standard.view()));
}

#[test]
fn enormous_header_uses_format_2() {
    // numpy switches to format 2.0 when the header does not fit in 65535 bytes.
    let a = ArrayD::from_elem(IxDyn(&vec![1; 30_000]), 1.5);
    let bytes = npy_bytes(&a.view());
    assert_eq!(&bytes[6..8], &[2, 0]);
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert_eq!((12 + header_len) % 64, 0);
    assert_eq!(parse_npy(&bytes).unwrap(), a);
}

// ------------------------------------------------------- agreement with numpy

#[test]
fn writes_exactly_what_numpy_saves() {
    let cases = [
        ("scalar.npy", arr0(3.5).into_dyn()),
        ("vector.npy", ndarray::arr1(&[1.0, -2.5, 1e300, 0.1, -0.0]).into_dyn()),
        ("tensor.npy", (arange(&[2, 3, 4]) + 3.0) * 4.0 / 7.0),
        // numpy's spare "growth" spaces push this header from 128 to 192 bytes.
        ("ones15d.npy", ArrayD::from_elem(IxDyn(&[1; 15]), 2.0)),
        // Here the header is already aligned, and numpy still adds 64 spaces.
        ("ones36d.npy", ArrayD::from_elem(IxDyn(&[1; 36]), -1.0)),
    ];
    for (name, a) in cases {
        let saved = fixture(name);
        assert_eq!(npy_bytes(&a.view()), saved, "{name}");
        let read = parse_npy(&saved).unwrap();
        assert_eq!(read, a, "{name}");
        let negative_zero = read.iter().filter(|x| x.is_sign_negative() && **x == 0.0).count();
        assert_eq!(negative_zero, usize::from(name == "vector.npy"), "{name}");
    }
}

#[test]
fn reads_numpy_format_2_and_3() {
    for name in ["v2.npy", "v3.npy"] {
        assert_eq!(parse_npy(&fixture(name)).unwrap(), arange(&[2, 3]) / 0.25 + 12.0);
    }
}

#[test]
fn accepts_any_key_order_and_spacing() {
    let data = f64_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let headers = [
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
        "{'fortran_order':False,'descr':'<f8','shape':(2,3)}",
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3,), }",
        "  {  'descr' : '<f8' ,\t'fortran_order' : False , 'shape' : ( 2 , 3 ) , }  \n",
    ];
    for h in headers {
        let a = parse_npy(&npy_with(h, &data)).unwrap_or_else(|e| panic!("{h}: {e}"));
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a[[1, 0]], 4.0);
    }
    let scalar = parse_npy(&npy_with(&header("'<f8'", "()"), &f64_bytes(&[7.0]))).unwrap();
    assert_eq!(scalar, arr0(7.0).into_dyn());
}

// ------------------------------------------------------------- error kinds

#[test]
fn not_npy() {
    for bytes in [&b"hello, this is a text file"[..], b"", b"\x93NUMPX\x01\x00"] {
        let kind = parse_err(bytes, &["not a .npy file (no \\x93NUMPY magic)"]);
        assert_eq!(kind, NpyErrorKind::NotNpy);
    }
}

#[test]
fn unsupported_version() {
    let mut bytes = fixture("scalar.npy");
    bytes[6] = 4;
    let kind = parse_err(&bytes, &["format version is 4.0; expected 1.0, 2.0 or 3.0"]);
    assert_eq!(kind, NpyErrorKind::UnsupportedVersion { major: 4, minor: 0 });
    bytes[6..8].copy_from_slice(&[1, 1]);
    let kind = parse_npy(&bytes).unwrap_err();
    assert_eq!(kind, NpyErrorKind::UnsupportedVersion { major: 1, minor: 1 });
}

#[test]
fn truncated_header() {
    let bytes = fixture("scalar.npy");
    let kind = parse_err(&bytes[..4], &["truncated header", "needs 10 bytes", "has 4"]);
    assert_eq!(kind, NpyErrorKind::TruncatedHeader { expected: 10, found: 4 });
    let kind = parse_npy(&bytes[..9]).unwrap_err();
    assert_eq!(kind, NpyErrorKind::TruncatedHeader { expected: 10, found: 9 });
    // The header length (118) points past the end of the file.
    let kind = parse_err(&bytes[..50], &["needs 128 bytes but the file has 50"]);
    assert_eq!(kind, NpyErrorKind::TruncatedHeader { expected: 128, found: 50 });
    let mut v3 = npy_v3_with(b"{}", &[]);
    v3[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let kind = parse_npy(&v3).unwrap_err();
    assert!(matches!(kind, NpyErrorKind::TruncatedHeader { found: 14, .. }), "{kind:?}");
}

#[test]
fn header_not_text() {
    let latin1 = header("'<f8'", "(1,)").replace("descr", "d\u{e9}scr");
    let bytes = npy_with(&latin1, &f64_bytes(&[1.0]));
    let kind = parse_err(&bytes, &["bad header", "not ASCII text; expected ASCII in format 1.0"]);
    assert!(matches!(kind, NpyErrorKind::BadHeader(_)));
    let bytes = npy_v3_with(b"{'descr': '<f8\xff', }", &[]);
    let kind = parse_err(&bytes, &["not UTF-8 text; expected UTF-8 in format 3.0"]);
    assert!(matches!(kind, NpyErrorKind::BadHeader(_)));
}

#[test]
fn bad_header() {
    let f8 = "'descr': '<f8', 'fortran_order': False";
    let cases = [
        ("[1, 2]".to_string(), "found '[' at character 0; expected '{' (a Python dict)"),
        (format!("{{{f8}}}"), "it has no 'shape' key; expected 'descr', 'fortran_order' and"),
        (format!("{{{f8}, 'shape': (2,), 'extra': 1}}"), "it has the key 'extra'; expected"),
        (format!("{{{f8}, 'shape': (2,), 'shape': (2,)}}"), "the key 'shape' twice"),
        (format!("{{{f8} 'shape': (2,)}}"), "found '\\'' at character 40; expected ',' or '}'"),
        (format!("{{{f8}, 'shape': (2,)"), "found the end at character 54; expected ',' or '}'"),
        (format!("{{{f8}, 'shape': (2,)}} x"), "expected nothing after the dict"),
        (format!("{{{f8}, 'shape': (2 3)}}"), "expected ',' or ')'"),
        (format!("{{{f8}, 'shape: (2,)}}"), "expected a closing quote"),
        (format!("{{{f8}, 'shape': }}"), "found '}' at character 50; expected a value"),
        (format!("{{{f8}, 5: (2,)}}"), "a key is not a quoted string"),
        (header("5", "(2,)"), "'descr' is 5; expected a string like '<f8'"),
        (header("'<f8'", "(2,)").replace("False", "'no'"), "'fortran_order' is 'no'; expected"),
        (header("'<f8'", "(2)"), "'shape' is (2); expected a tuple like (4, 3)"),
        (header("'<f8'", "[2]"), "'shape' is [2]; expected a tuple"),
        (header("'<f8'", "(2, 3.0)"), "'shape' is (2, 3.0); expected non-negative integers"),
        (header("'<f8'", "(2, -3)"), "'shape' is (2, -3); expected non-negative integers"),
        (header("'<f8'", "((2,),)"), "'shape' is ((2,),); expected non-negative integers"),
        (header("'<f8'", "(99999999999999999999999,)"), "expected a size that fits in memory"),
        (header("'<f8'", "(4294967296, 4294967296, 4)"), "expected a size that fits in memory"),
        (header("'<f8'", "(2305843009213693952,)"), "expected a size that fits in memory"),
        (header("'<f8'", &format!("{}2{}", "(".repeat(100), ")".repeat(100))), "16 deep"),
    ];
    for (h, piece) in cases {
        let kind = parse_err(&npy_with(&h, &f64_bytes(&[1.0, 2.0])), &["bad header: ", piece]);
        assert!(matches!(kind, NpyErrorKind::BadHeader(_)), "{h}: {kind:?}");
    }
}

#[test]
fn wrong_dtype_says_what_it_is() {
    let cases = [
        ("<f4", "float32"),
        ("<f2", "float16"),
        ("<i8", "int64"),
        ("<i4", "int32"),
        ("|u1", "uint8"),
        ("|b1", "bool"),
        (">f8", "float64, big-endian"),
        (">i2", "int16, big-endian"),
        ("<c16", "complex128"),
        ("|O", "Python objects; pickled objects are not supported"),
        ("<U5", "unicode strings"),
        ("|S3", "byte strings"),
        ("<M8[ns]", "datetime64"),
        ("<d", "an unknown dtype"),
    ];
    for (descr, words) in cases {
        let bytes = npy_with(&header(&format!("'{descr}'"), "(1,)"), &[0; 8]);
        let message = format!("dtype is '{descr}' ({words}); {EXPECTED_F8}");
        let kind = parse_err(&bytes, &[&message]);
        assert_eq!(kind, NpyErrorKind::WrongDtype { descr: descr.into() });
    }
    // The same from files numpy wrote.
    for (name, descr, words) in [
        ("float32.npy", "<f4", "float32"),
        ("int64.npy", "<i8", "int64"),
        ("bigendian.npy", ">f8", "float64, big-endian"),
        ("object.npy", "|O", "Python objects; pickled"),
    ] {
        let kind = parse_err(&fixture(name), &[&format!("'{descr}' ({words}"), EXPECTED_F8]);
        assert_eq!(kind, NpyErrorKind::WrongDtype { descr: descr.into() });
    }
}

#[test]
fn structured_dtype() {
    let fields = "[('x', '<f8'), ('y', '<i4')]";
    let message = format!("dtype is structured ({fields}); {EXPECTED_F8}");
    let kind = parse_err(&fixture("structured.npy"), &[&message]);
    assert_eq!(kind, NpyErrorKind::StructuredDtype { descr: fields.into() });
}

#[test]
fn fortran_order() {
    let message = "data is in Fortran order; expected C order (save with np.ascontiguousarray)";
    assert_eq!(parse_err(&fixture("fortran.npy"), &[message]), NpyErrorKind::FortranOrder);
}

#[test]
fn empty_array() {
    let bytes = npy_bytes(&ArrayD::<f64>::zeros(IxDyn(&[0, 3])).view());
    let kind = parse_err(&bytes, &["is empty (shape (0, 3)); expected at least one value"]);
    assert_eq!(kind, NpyErrorKind::Empty { shape: vec![0, 3] });
    let bytes = npy_with(&header("'<f8'", "(0,)"), &[]);
    let kind = parse_err(&bytes, &["is empty (shape (0,)); expected at least one value"]);
    assert_eq!(kind, NpyErrorKind::Empty { shape: vec![0] });
}

#[test]
fn truncated_data() {
    let bytes = fixture("tensor.npy");
    let cut = &bytes[..bytes.len() - 192 + 40];
    let message = "truncated: header says 24 values (192 bytes) but 40 bytes follow the header";
    let kind = parse_err(cut, &[message]);
    let expected = NpyErrorKind::Truncated { values: 24, expected_bytes: 192, found_bytes: 40 };
    assert_eq!(kind, expected);
    // A huge shape with little data is caught before anything is allocated.
    let bytes = npy_with(&header("'<f8'", "(1000000000000,)"), &[0; 16]);
    let kind = parse_err(&bytes, &["1000000000000 values", "(8000000000000 bytes) but 16 bytes"]);
    assert!(matches!(kind, NpyErrorKind::Truncated { values: 1_000_000_000_000, .. }));
    let bytes = npy_with(&header("'<f8'", "()"), &[0; 7]);
    let message = "header says 1 value (8 bytes) but 7 bytes follow";
    assert!(matches!(parse_err(&bytes, &[message]), NpyErrorKind::Truncated { .. }));
}

#[test]
fn trailing_bytes() {
    let mut bytes = fixture("tensor.npy");
    bytes.extend_from_slice(&[0; 8]);
    let message = "too long: header says 24 values (192 bytes) but 200 bytes follow the header";
    let kind = parse_err(&bytes, &[message]);
    let expected = NpyErrorKind::TrailingBytes { values: 24, expected_bytes: 192, found_bytes: 200 };
    assert_eq!(kind, expected);
}

#[test]
fn non_finite_values() {
    let mut a = arange(&[2, 3, 4]);
    a[[1, 2, 3]] = f64::INFINITY;
    a[[1, 0, 2]] = f64::NAN;
    let message = "holds NaN at index [1, 0, 2]; expected finite numbers";
    let kind = parse_err(&npy_bytes(&a.view()), &[message]);
    assert!(matches!(&kind, NpyErrorKind::NonFinite { index, value }
        if index == &[1, 0, 2] && value.is_nan()));

    a[[1, 0, 2]] = f64::NEG_INFINITY;
    let kind = parse_err(&npy_bytes(&a.view()), &["holds -inf at index [1, 0, 2]"]);
    let expected = NpyErrorKind::NonFinite { index: vec![1, 0, 2], value: f64::NEG_INFINITY };
    assert_eq!(kind, expected);

    let kind = parse_err(&npy_bytes(&arr0(f64::INFINITY).view()), &["holds inf at index []"]);
    let expected = NpyErrorKind::NonFinite { index: vec![], value: f64::INFINITY };
    assert_eq!(kind, expected);
}

// ---------------------------------------------------------------- files

#[test]
fn read_missing_file() {
    let path = temp_path("does_not_exist.npy");
    let err = read_npy(&path).unwrap_err();
    assert_eq!(err.path, path);
    assert!(matches!(err.kind, NpyErrorKind::ReadFailed { kind: ErrorKind::NotFound, .. }));
    assert_eq!(err.to_string(), format!("{}: no such file", path.display()));
}

#[test]
fn read_directory() {
    let dir = std::env::temp_dir();
    let err = read_npy(&dir).unwrap_err();
    assert!(matches!(err.kind, NpyErrorKind::ReadFailed { kind: ErrorKind::IsADirectory, .. }));
    let expected = format!("{}: is a directory; expected a .npy file", dir.display());
    assert_eq!(err.to_string(), expected);
}

/// `read_npy(path)` on another thread, failing the test after 10 s instead
/// of hanging (opening a FIFO waits for a writer).
fn read_within_10_s(path: &std::path::Path) -> Result<ArrayD<f64>, NpyError> {
    let (send, receive) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    std::thread::spawn(move || send.send(read_npy(&path)));
    receive.recv_timeout(std::time::Duration::from_secs(10)).expect("read_npy returned within 10 s")
}

#[test]
fn read_refuses_what_is_not_a_regular_file_without_opening_it() {
    // A character device that never ends.
    let err = read_within_10_s(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(matches!(err.kind, NpyErrorKind::ReadFailed { kind: ErrorKind::InvalidInput, .. }));
    assert_eq!(
        err.to_string(),
        "/dev/zero: not a regular file (a FIFO, a device or a socket); expected a .npy file"
    );
    // A FIFO that no one writes to: opening it would wait for ever.
    let fifo = temp_path("fifo.npy");
    let _ = std::fs::remove_file(&fifo);
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(status) if status.success() => {
            let err = read_within_10_s(&fifo).unwrap_err();
            assert_eq!(err.path, fifo);
            assert!(err
                .to_string()
                .ends_with("not a regular file (a FIFO, a device or a socket); expected a .npy file"));
            std::fs::remove_file(&fifo).ok();
        }
        other => eprintln!("skipped the FIFO case: mkfifo did not run ({other:?})"),
    }
}

#[test]
fn read_bad_file_names_the_path() {
    let path = temp_path("float32.npy");
    std::fs::write(&path, fixture("float32.npy")).unwrap();
    let err = read_npy(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let expected = format!("{}: dtype is '<f4' (float32); {EXPECTED_F8}", path.display());
    assert_eq!(err.to_string(), expected);
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(boxed.to_string().contains("float32"));
}

#[test]
fn write_into_missing_directory() {
    let path = temp_path("no_such_dir").join("a.npy");
    let err: NpyError = write_npy(&path, &arr0(1.0).view()).unwrap_err();
    assert!(matches!(err.kind, NpyErrorKind::WriteFailed { kind: ErrorKind::NotFound, .. }));
    let expected = format!("{}: could not write: the directory does not exist", path.display());
    assert_eq!(err.to_string(), expected);
}

// ---------------------------------------------------------- never panics

/// Deterministic xorshift64 random numbers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        // Mostly characters that matter in a header, sometimes any byte.
        const INTERESTING: &[u8] = b"{}()[],:'\" 0123456789-.<>|f8TrueFalse\n\x00\xff\x93";
        if self.below(2) == 0 {
            INTERESTING[self.below(INTERESTING.len())]
        } else {
            self.next() as u8
        }
    }
}

/// Parse must return, never panic, and Ok must mean a finite, non-empty array.
fn check_returns(bytes: &[u8]) -> bool {
    match parse_npy(bytes) {
        Ok(a) => {
            assert!(!a.is_empty() && a.iter().all(|x| x.is_finite()));
            true
        }
        Err(kind) => {
            assert!(!kind.to_string().is_empty());
            false
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for i in 0..5_000 {
        let len = rng.below(300);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // Give half of them a valid magic and version so the header gets parsed.
        if i % 2 == 0 && len >= 12 {
            bytes[..6].copy_from_slice(b"\x93NUMPY");
            bytes[6..8].copy_from_slice(&[1 + rng.below(3) as u8, 0]);
            bytes[8..10].copy_from_slice(&(rng.below(len) as u16).to_le_bytes());
        }
        check_returns(&bytes);
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let valid = fixture("tensor.npy");
    let mut oks = 0;
    for _ in 0..5_000 {
        let mut bytes = valid.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(5) {
                0 => bytes.truncate(at),
                1 => bytes.insert(at, rng.byte()),
                2 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
                3 if at < bytes.len() => bytes[at] = rng.byte(),
                _ if at < bytes.len() => drop(bytes.remove(at)),
                _ => {}
            }
        }
        oks += usize::from(check_returns(&bytes));
    }
    // Some mutations (e.g. in the padding or the data) keep the file valid.
    assert!(oks > 0);
}

// ------------------------------------------------ properties (RandomState)

/// `parse_npy(bytes)`, which must return: `Ok` only with a non-empty array
/// of finite numbers, `Err` only with a non-empty message. A panic is
/// reported (and the test fails) with the case and the input in hex.
fn parse_checked(desc: &str, bytes: &[u8]) -> Result<ArrayD<f64>, NpyErrorKind> {
    let result = catch_unwind(|| parse_npy(bytes)).unwrap_or_else(|payload| {
        panic!("{desc}\n  parse_npy panicked ({}) on {}", panic_message(payload.as_ref()), hex(bytes))
    });
    match &result {
        Ok(a) => assert!(
            !a.is_empty() && a.iter().all(|x| x.is_finite()),
            "{desc}\n  Ok with an empty or non-finite array {a:?} from {}",
            hex(bytes)
        ),
        Err(kind) => assert!(
            !kind.to_string().is_empty(),
            "{desc}\n  {kind:?} has an empty message, from {}",
            hex(bytes)
        ),
    }
    result
}

/// `n` random bytes (numpy's `randint(0, 256, n)`).
fn random_bytes(rng: &mut RandomState, n: usize) -> Vec<u8> {
    let v = rng.randint(0, 256, n).expect("0 < 256");
    v.iter().map(|&b| b as u8).collect()
}

/// Fully random byte strings of length `0..300`: in a quarter of them the
/// first bytes are the magic string, in another quarter the magic string,
/// a version byte `1..=3`, a zero and a random header length, so that the
/// version and header checks are reached too. Each gives `Ok` or a typed
/// `Err` with a message, never a panic.
#[test]
fn parse_npy_never_panics_on_random_bytes() {
    let errors = RefCell::new(std::collections::BTreeSet::new());
    // Eight times the other properties' cases: each is cheap.
    let eight_times = proptest::test_runner::Config {
        cases: 8 * proptest_config(file!()).cases,
        ..proptest_config(file!())
    };
    check_with(
        eight_times,
        "npy 1 (random bytes)",
        (0..300usize, 0..4usize, seeds()),
        |(len, kind, seed)| {
            let rng = &mut RandomState::new(seed);
            let mut bytes = random_bytes(rng, len);
            match kind {
                0 => {
                    let k = len.min(6);
                    bytes[..k].copy_from_slice(&b"\x93NUMPY"[..k]);
                }
                1 if len >= 12 => {
                    bytes[..6].copy_from_slice(b"\x93NUMPY");
                    bytes[6..8].copy_from_slice(&[int(rng, 1, 3) as u8, 0]);
                    let header_len = int(rng, 0, len) as u32;
                    bytes[8..12].copy_from_slice(&header_len.to_le_bytes());
                }
                _ => {}
            }
            let desc = describe_case("npy 1 (random bytes)", seed, format_args!("{len} bytes, kind {kind}"));
            if let Err(kind) = parse_checked(&desc, &bytes) {
                let name = format!("{kind:?}").split([' ', '(', '{']).next().unwrap_or_default().to_string();
                errors.borrow_mut().insert(name);
            }
        },
    );
    let errors = errors.into_inner();
    eprintln!("npy 1: errors seen: {errors:?}");
    assert!(errors.len() >= 4, "npy 1: too few kinds of error reached: {errors:?}");
}

/// A random finite float: `randn` times `10^k` (`k` in `-300..=300`), or any
/// finite bit pattern (zeros of both signs and subnormals included).
fn random_value(rng: &mut RandomState) -> f64 {
    match int(rng, 0, 2) {
        0 => rng.standard_normal() * 10f64.powi(int(rng, 0, 600) as i32 - 300),
        1 => {
            let bits = (u64::from(rng.next_u32()) << 32) | u64::from(rng.next_u32());
            let v = f64::from_bits(bits);
            if v.is_finite() {
                v
            } else {
                -0.0
            }
        }
        _ => [0.0, -0.0, f64::MIN_POSITIVE / 4.0, f64::MAX, f64::MIN][int(rng, 0, 4)],
    }
}

/// What was done to a valid file.
#[derive(Debug)]
enum Mutation {
    /// Bytes XORed with non-zero masks, at these positions.
    Flip(Vec<usize>),
    /// Cut to this length.
    Truncate(usize),
    /// This many random bytes appended.
    Append(usize),
    /// A random byte inserted (`true`) or removed (`false`) in the header, at this position.
    Splice(usize, bool),
}

/// Valid files written by `npy_bytes` (random shapes of rank `0..=4`, random
/// finite values) read back exactly, then changed:
///
/// - random bytes flipped: `Ok` or a typed `Err`; when only data bytes were
///   flipped, exactly the changed values, or `NonFinite` at the first value
///   that became NaN or infinite;
/// - truncated at a random point: `NotNpy` (nothing left), `TruncatedHeader`
///   (cut before the data) or `Truncated` (cut in the data), with the counts;
/// - random junk appended: `TrailingBytes`, with the counts;
/// - a byte inserted into or removed from the header: `Ok` or a typed `Err`.
///
/// One case in eight goes through a file: `write_npy` writes the bytes of
/// `npy_bytes`, and `read_npy` of the changed file agrees with `parse_npy`
/// and names the path.
#[test]
fn parse_npy_never_panics_on_damaged_files() {
    let dir = temp_dir("npy-properties");
    let counts = RefCell::new([0usize; 4]);
    let through_a_file = std::cell::Cell::new(0usize);
    // Four times the other properties' cases: each is cheap.
    let four_times = proptest::test_runner::Config {
        cases: 4 * proptest_config(file!()).cases,
        ..proptest_config(file!())
    };
    let shapes = proptest::collection::vec(1..=4usize, 0..=4);
    check_with(four_times, "npy 2 (damaged files)", (shapes, 0..4usize, seeds()), |(shape, kind, seed)| {
        let rng = &mut RandomState::new(seed);
        let values: Vec<f64> = (0..shape.iter().product::<usize>()).map(|_| random_value(rng)).collect();
        let a = ArrayD::from_shape_vec(IxDyn(&shape), values).expect("one value per element");
        let valid = npy_bytes(&a.view());
        let desc = describe_case("npy 2 (damaged files)", seed, format_args!("shape {shape:?}"));
        let back = parse_checked(&desc, &valid).unwrap_or_else(|e| panic!("{desc}\n  the valid file: {e}"));
        assert_eq!(back.shape(), a.shape(), "{desc}\n  shape read back");
        assert!(back.iter().zip(&a).all(|(x, y)| x.to_bits() == y.to_bits()), "{desc}\n  values read back");
        assert_eq!(&valid[6..8], &[1, 0], "{desc}\n  format 1.0");
        let data_start = 10 + usize::from(u16::from_le_bytes([valid[8], valid[9]]));
        let n_values = a.len();

        counts.borrow_mut()[kind] += 1;
        let (mutation, bytes) = match kind {
            0 => {
                let mut bytes = valid.clone();
                let at: Vec<usize> = (0..int(rng, 1, 4)).map(|_| int(rng, 0, bytes.len() - 1)).collect();
                for &k in &at {
                    bytes[k] ^= int(rng, 1, 255) as u8;
                }
                (Mutation::Flip(at), bytes)
            }
            1 => {
                let cut = int(rng, 0, valid.len() - 1);
                (Mutation::Truncate(cut), valid[..cut].to_vec())
            }
            2 => {
                let k = int(rng, 1, 64);
                let mut bytes = valid.clone();
                bytes.extend(random_bytes(rng, k));
                (Mutation::Append(k), bytes)
            }
            _ => {
                let mut bytes = valid.clone();
                let at = int(rng, 0, data_start - 1);
                let insert = int(rng, 0, 1) == 0;
                if insert {
                    bytes.insert(at, random_bytes(rng, 1)[0]);
                } else {
                    bytes.remove(at);
                }
                (Mutation::Splice(at, insert), bytes)
            }
        };
        let desc = format!("{desc}, {mutation:?}");
        let result = parse_checked(&desc, &bytes);
        let says = |found: usize| (n_values, 8 * n_values, found);
        match &mutation {
            Mutation::Flip(at) if at.iter().all(|&k| k >= data_start) => {
                let changed: Vec<f64> = bytes[data_start..]
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("8")))
                    .collect();
                match (changed.iter().position(|v| !v.is_finite()), &result) {
                    (None, Ok(got)) => assert!(
                        got.shape() == a.shape()
                            && got.iter().zip(&changed).all(|(x, y)| x.to_bits() == y.to_bits()),
                        "{desc}\n  read {got:?}, expected the changed values {changed:?}"
                    ),
                    (Some(i), Err(NpyErrorKind::NonFinite { index, value })) => {
                        let want = ArrayD::from_shape_vec(IxDyn(&shape), changed.clone()).expect("same size");
                        let at = want
                            .indexed_iter()
                            .nth(i)
                            .map(|(idx, _)| idx.slice().to_vec())
                            .expect("in range");
                        assert!(
                            *index == at && value.to_bits() == changed[i].to_bits(),
                            "{desc}\n  NonFinite at {index:?} ({value}), expected at {at:?} ({})",
                            changed[i]
                        );
                    }
                    (first, r) => panic!("{desc}\n  got {r:?}; first non-finite value at {first:?}"),
                }
            }
            Mutation::Truncate(cut) => {
                let cut = *cut;
                let ok = match &result {
                    Err(NpyErrorKind::NotNpy) => cut == 0,
                    Err(NpyErrorKind::TruncatedHeader { expected, found }) => {
                        cut > 0
                            && cut < data_start
                            && *found == cut
                            && *expected == if cut < 10 { 10 } else { data_start }
                    }
                    Err(NpyErrorKind::Truncated { values, expected_bytes, found_bytes }) => {
                        cut >= data_start
                            && (*values, *expected_bytes, *found_bytes) == says(cut - data_start)
                    }
                    _ => false,
                };
                assert!(ok, "{desc}\n  got {result:?} (data starts at byte {data_start} of {})", valid.len());
            }
            Mutation::Append(k) => {
                let ok = matches!(&result, Err(NpyErrorKind::TrailingBytes { values, expected_bytes, found_bytes })
                    if (*values, *expected_bytes, *found_bytes) == says(8 * n_values + k));
                assert!(ok, "{desc}\n  got {result:?}");
            }
            // The header length field is unchanged but the file is one byte
            // longer or shorter: its data can never be whole values.
            Mutation::Splice(at, insert) if *at >= 10 => {
                let what = if *insert { "inserted" } else { "removed" };
                assert!(
                    result.is_err(),
                    "{desc}
  a byte {what} in the header text, and still Ok: {result:?}"
                );
            }
            _ => {}
        }

        let case = through_a_file.get();
        through_a_file.set(case + 1);
        if case.is_multiple_of(8) {
            let path = dir.join(format!("case{case}.npy"));
            write_npy(&path, &a.view()).unwrap_or_else(|e| panic!("{desc}\n  write_npy: {e}"));
            let written =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{desc}\n  {}: {e}", path.display()));
            assert!(written == valid, "{desc}\n  write_npy wrote other bytes than npy_bytes");
            std::fs::write(&path, &bytes)
                .unwrap_or_else(|e| panic!("{desc}\n  writing {}: {e}", path.display()));
            let read = catch_unwind(|| read_npy(&path)).unwrap_or_else(|payload| {
                panic!("{desc}\n  read_npy panicked ({}) on {}", panic_message(payload.as_ref()), hex(&bytes))
            });
            match (&read, &result) {
                (Ok(x), Ok(y)) => {
                    assert!(x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()), "{desc}\n  read_npy")
                }
                (Err(e), Err(kind)) => {
                    assert_eq!(
                        e.to_string(),
                        format!("{}: {kind}", path.display()),
                        "{desc}\n  read_npy's error"
                    );
                }
                _ => panic!("{desc}\n  read_npy gave {read:?}, parse_npy {result:?}"),
            }
            std::fs::remove_file(&path).ok();
        }
    });
    std::fs::remove_dir_all(&dir).ok();
    let counts = counts.into_inner();
    eprintln!(
        "npy 2: flipped {}, truncated {}, appended {}, spliced {}",
        counts[0], counts[1], counts[2], counts[3]
    );
}
