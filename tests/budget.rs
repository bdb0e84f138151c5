//! The memory budget (issue 14): every run checks what it would hold
//! against one budget, from the shapes, before allocating or reading;
//! `--max-memory` and `CNN_WALKTHROUGH_MAX_MEMORY` change the decision.
//! Through the built binaries, so that each case is one process with its
//! own budget.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cnn_walkthrough::course::budget::{human, parse_size};

use crate::common::{self, binary, npy_header_f8, run_lesson, temp_dir, Output};

/// Refused with exit 2 and a message holding `parts`, without any sign of
/// a crash; every line without a path (`/`) within 80 columns.
fn assert_refused(out: &Output, parts: &[&str]) {
    out.assert_error(parts);
    for bad in ["panicked", "backtrace", "memory allocation"] {
        assert!(!out.stderr.contains(bad), "{bad}:\n{}", out.stderr);
    }
    for line in out.stderr.lines().filter(|l| !l.contains('/')) {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line:?}");
    }
}

/// Runs `lesson` with `args` and the environment variable set to `env`.
fn run_with_env(lesson: &str, args: &[&str], env: &str) -> Output {
    let out = Command::new(binary(lesson))
        .args(args)
        .env("NO_COLOR", "1")
        .env("CNN_WALKTHROUGH_MAX_MEMORY", env)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    common::output_of(&out)
}

/// `A.npy`, `W.npy`, `b.npy` of shape (1, 1, 1, 1) in `dir`.
fn one_by_one(dir: &Path) -> [String; 3] {
    ["A", "W", "b"].map(|name| {
        let path = dir.join(format!("{name}.npy"));
        let mut bytes = npy_header_f8("(1, 1, 1, 1)");
        bytes.extend(1.5f64.to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    })
}

fn conv_args<'a>(files: &'a [String; 3], pad: &'a str) -> Vec<&'a str> {
    vec!["--input", &files[0], "--weights", &files[1], "--bias", &files[2], "--pad", pad, "--quiet"]
}

#[test]
fn sizes_parse_with_or_without_a_unit_and_print_in_words() {
    assert_eq!(parse_size("1GiB"), Some(1 << 30));
    assert_eq!(parse_size("1.5g"), Some(3 << 29));
    assert_eq!(parse_size("512 MiB"), Some(512 << 20));
    assert_eq!(parse_size("64k"), Some(64 << 10));
    assert_eq!(parse_size("2T"), Some(2 << 40));
    assert_eq!(parse_size("4096"), Some(4096));
    for bad in ["", "0", "GiB", "1.5", "-1G", "4GB", "1e3", "1..5G", "99999999999T", "nan"] {
        assert_eq!(parse_size(bad), None, "{bad:?}");
    }
    assert_eq!(human(1000), "1000 bytes");
    assert_eq!(human(1_932_735_283), "1.8 GiB");
    assert_eq!(human(24 << 30), "24 GiB");
}

#[test]
fn a_huge_padding_is_refused_at_once_and_a_moderate_one_runs() {
    let dir = temp_dir("budget-pad");
    let files = one_by_one(&dir);
    for lesson in ["lesson_02_conv_forward", "lesson_03_conv_backward"] {
        let out = run_lesson(lesson, &conv_args(&files, "8191"));
        assert_refused(
            &out,
            &["your convolution would need ", "A_prev_pad (1, 16383, 16383, 1): 2.0 GiB", "--max-memory"],
        );
        assert!(out.stderr.contains("memory budget of 1.0 GiB"), "{}", out.stderr);
    }
    let fits = run_lesson("lesson_02_conv_forward", &conv_args(&files, "100"));
    fits.assert_exit(0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_flag_and_the_variable_change_the_decision_and_the_flag_wins() {
    let dir = temp_dir("budget-flag");
    let files = one_by_one(&dir);
    let lesson = "lesson_02_conv_forward";
    // pad 100: (1, 201, 201, 1) tensors of 316 KiB each, about 2 MiB in all.
    let mut small = conv_args(&files, "100");
    small.extend(["--max-memory", "1MiB"]);
    let out = run_lesson(lesson, &small);
    assert_refused(&out, &["over the memory budget of 1.0 MiB", "Allow it with --max-memory 1.3MiB"]);
    let out = run_with_env(lesson, &conv_args(&files, "100"), "1m");
    assert_refused(&out, &["over the memory budget of 1.0 MiB", "CNN_WALKTHROUGH_MAX_MEMORY="]);
    let mut big = conv_args(&files, "100");
    big.extend(["--max-memory", "1GiB"]);
    run_with_env(lesson, &big, "1m").assert_exit(0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_size_names_the_flag_or_the_variable() {
    let out = run_lesson("lesson_04_pool_forward", &["--max-memory", "4GB"]);
    assert_refused(&out, &["--max-memory is '4GB'", "M/MiB, G/GiB or T/TiB"]);
    let out = run_with_env("lesson_01_zero_pad", &["--quiet"], "lots");
    assert_refused(&out, &["CNN_WALKTHROUGH_MAX_MEMORY is 'lots'", "512MiB"]);
    // The lessons that take no file or size do not take the flag.
    // (Its message, from src/cli.rs, lists the lesson's flags on one line.)
    run_lesson("lesson_01_zero_pad", &["--max-memory", "1G"]).assert_error(&["unknown flag '--max-memory'"]);
    let help = run_lesson("lesson_11_train_cnn", &["--help"]);
    help.assert_exit(0);
    assert!(help.stdout.contains("--max-memory SIZE"), "{}", help.stdout);
}

#[test]
fn a_sparse_10_gb_npy_and_a_huge_header_are_refused_without_reading() {
    let dir = temp_dir("budget-npy");
    let big = dir.join("big.npy");
    let header = npy_header_f8("(1, 1250000000, 1, 1)");
    let mut file = File::create(&big).unwrap();
    file.write_all(&header).unwrap();
    file.set_len(header.len() as u64 + 10_000_000_000).unwrap();
    drop(file);
    let out = run_lesson("lesson_04_pool_forward", &["--input", big.to_str().unwrap(), "--f", "1"]);
    assert_refused(&out, &["holds (1, 1250000000, 1, 1) float64 values, 9.3 GiB", "--max-memory 9.4GiB"]);

    // Format 2.0: a 4-byte header length, here about 2 GiB, in a file that long.
    let long = dir.join("long_header.npy");
    let mut file = File::create(&long).unwrap();
    file.write_all(b"\x93NUMPY\x02\x00").unwrap();
    file.write_all(&0x7fff_fff0u32.to_le_bytes()).unwrap();
    file.set_len(0x8000_0000).unwrap();
    drop(file);
    let out = run_lesson("lesson_04_pool_forward", &["--input", long.to_str().unwrap(), "--f", "1"]);
    assert_refused(&out, &["the header claims 2147483632 bytes; expected at most 1048576"]);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------- MNIST

/// An MNIST directory: `train` and `test` images `(n, rows, cols)` of zeros
/// with labels of zeros, written whole.
fn mnist_dir(tag: &str, train: [u32; 3], test: [u32; 3]) -> PathBuf {
    let dir = temp_dir(&format!("budget-{tag}"));
    for (k, dims) in [(0, train), (2, test)] {
        let mut images = common::idx(&dims, &[]);
        images.resize(images.len() + (dims[0] * dims[1] * dims[2]) as usize, 0);
        std::fs::write(dir.join(cnn_walkthrough::course::data::MNIST_FILES[k]), images).unwrap();
        let mut labels = common::idx(&[dims[0]], &[]);
        labels.resize(labels.len() + dims[0] as usize, 0);
        std::fs::write(dir.join(cnn_walkthrough::course::data::MNIST_FILES[k + 1]), labels).unwrap();
    }
    dir
}

fn train_on(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--mnist", dir.to_str().unwrap(), "--net", "small", "--epochs", "1", "--quiet"];
    args.extend(extra);
    run_lesson("lesson_11_train_cnn", &args)
}

/// Replaces the training images of `dir` by `bytes`.
fn train_images(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join(cnn_walkthrough::course::data::MNIST_FILES[0]);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn mnist_images_of_600_by_600_are_refused_from_the_header_plain_or_gzipped() {
    let dir = mnist_dir("mnist600", [2, 4, 4], [1, 4, 4]);
    let labels = dir.join(cnn_walkthrough::course::data::MNIST_FILES[1]);
    let mut l = common::idx(&[60000], &[]);
    l.resize(l.len() + 60000, 0);
    std::fs::write(&labels, l).unwrap();
    let test = dir.join(cnn_walkthrough::course::data::MNIST_FILES[2]);
    let mut t = common::idx(&[1, 600, 600], &[]);
    t.resize(t.len() + 360_000, 0);
    std::fs::write(&test, t).unwrap();
    // Plain: a sparse file exactly as long as the header promises (21.6 GB).
    let header = common::idx(&[60000, 600, 600], &[]);
    let path = train_images(&dir, &header);
    File::options().write(true).open(&path).unwrap().set_len(16 + 60000 * 360_000).unwrap();
    let out = train_on(&dir, &[]);
    let parts =
        ["the MNIST data would need", "train images (f64) (60000, 1, 600, 600): 161 GiB", "--max-memory"];
    assert_refused(&out, &parts);
    // Gzipped: the header and a few zeros; nothing past the header is expanded.
    std::fs::remove_file(&path).unwrap();
    train_images(&dir, &common::gzip(&[&header[..], &[0; 1000]].concat()));
    assert_refused(&train_on(&dir, &[]), &parts);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_gzip_bomb_is_refused_before_it_is_expanded() {
    let dir = mnist_dir("bomb", [100, 100, 100], [1, 100, 100]);
    // 1 MB of zeros in about 1 KB: accepted at the default budget ...
    let honest = common::gzip(&[&common::idx(&[100, 100, 100], &[])[..], &vec![0; 1_000_000]].concat());
    assert!(honest.len() < 5000);
    train_images(&dir, &honest);
    let out = train_on(&dir, &["--max-memory", "1MiB"]);
    assert_refused(&out, &["the MNIST data would need", "over the memory budget of 1.0 MiB"]);
    // ... and the same stream behind a header claiming 60000 images of 600×600.
    let mut bomb = common::gzip(&common::idx(&[60000, 600, 600], &[]));
    bomb.extend(common::gzip(&vec![0; 1_000_000]));
    train_images(&dir, &bomb);
    let mut labels = common::idx(&[60000], &[]);
    labels.resize(labels.len() + 60000, 0);
    std::fs::write(dir.join(cnn_walkthrough::course::data::MNIST_FILES[1]), labels).unwrap();
    let mut test = common::idx(&[1, 600, 600], &[]);
    test.resize(test.len() + 360_000, 0);
    std::fs::write(dir.join(cnn_walkthrough::course::data::MNIST_FILES[2]), test).unwrap();
    let out = train_on(&dir, &[]);
    assert_refused(&out, &["the MNIST data would need", "(60000, 600, 600)"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn lesson_11_estimates_the_run_before_building_the_network() {
    // Two 600×600 images load (a few MB), but the reference network's dense
    // layer would have 32·600·600·256 weights: refused before it is built.
    let dir = mnist_dir("net600", [2, 600, 600], [1, 600, 600]);
    let out = run_lesson("lesson_11_train_cnn", &["--mnist", dir.to_str().unwrap(), "--quiet"]);
    assert_refused(&out, &["training on 600×600 images in batches of 2 would need", "parameters ×4"]);
    std::fs::remove_dir_all(&dir).ok();
    // A batch size past the set's size counts as the set's size.
    let out = run_lesson(
        "lesson_11_train_cnn",
        &["--net", "small", "--epochs", "1", "--batch-size", "100000", "--quiet"],
    );
    out.assert_exit(0);
}

#[test]
fn train_and_test_images_of_different_sizes_name_both_files() {
    let dir = mnist_dir("sizes", [2, 28, 28], [1, 20, 20]);
    let out = train_on(&dir, &[]);
    let train = dir.join("train-images-idx3-ubyte").display().to_string();
    let test = dir.join("t10k-images-idx3-ubyte").display().to_string();
    assert_refused(&out, &[&test, &train, "holds images of 20×20 pixels", "holds 28×28"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn a_fifo_as_an_mnist_file_is_not_a_regular_file() {
    let dir = mnist_dir("fifo", [2, 4, 4], [1, 4, 4]);
    let path = dir.join(cnn_walkthrough::course::data::MNIST_FILES[3]);
    std::fs::remove_file(&path).unwrap();
    let status = Command::new("mkfifo").arg(&path).status().expect("mkfifo");
    assert!(status.success());
    let out = train_on(&dir, &[]);
    assert_refused(&out, &[&path.display().to_string(), "not a regular file"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_digits_run_fits_easily() {
    run_lesson("lesson_11_train_cnn", common::quick_flags("lesson_11_train_cnn")).assert_exit(0);
}
