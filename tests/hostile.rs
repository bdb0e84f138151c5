//! The hostile-input matrix: every binary, given what a careless (or a
//! curious) user types, ends with one clear message and the right exit
//! status, never a panic, an abort, a hang or a backtrace, and never changes
//! a file it was not asked to write.
//!
//! One row per case, each run on the built binaries. Every row asserts:
//! - the exit status (2 bad usage or input, 1 a check failed or none ran,
//!   74 output that cannot be written; killed by SIGPIPE for a closed pipe);
//! - no panic, abort or backtrace text on stdout or stderr;
//! - the message names the problem (the row's `says`, looked for in stderr
//!   and stdout with their lines joined);
//! - every line of stderr fits in 80 columns, and holds no raw escape
//!   character (a file name's control characters are shown escaped);
//! - every file of the fixtures is unchanged afterwards;
//! - it ends: a run still going after [`HANG`] is killed and fails the row.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{binary, gzip, idx, raw_npy, temp_dir};

/// A run still going after this long is taken to hang (the longest row, a
/// one-epoch training run, takes a few seconds in the dev profile).
const HANG: Duration = Duration::from_secs(120);

/// What no run may print.
const NEVER: [&str; 6] =
    ["panicked", "backtrace", "RUST_BACKTRACE", "memory allocation", "Aborted", "core dumped"];

/// Where a row's stdout goes.
#[derive(Clone, Copy, PartialEq)]
enum Stdout {
    /// A pipe the test reads.
    Captured,
    /// `/dev/full`: every write fails with "No space left on device".
    Full,
    /// A pipe whose reader has gone, as in `lesson | head -1`.
    Closed,
}

/// One case of the matrix.
struct Row {
    /// The binary.
    program: &'static str,
    /// Its arguments; `{d}` stands for the fixtures' directory.
    args: Vec<OsString>,
    stdout: Stdout,
    /// The exit status (for [`Stdout::Closed`], the signal).
    exit: i32,
    /// Words the message must hold.
    says: &'static [&'static str],
    /// Run under `ulimit -f 1` (SIGXFSZ ignored): every file write past one
    /// block fails with EFBIG, as on a full disk.
    full_disk: bool,
    /// `CNN_WALKTHROUGH_MAX_MEMORY` for the run (unset when `None`).
    max_memory: Option<&'static str>,
}

fn row(program: &'static str, args: &[&str], exit: i32, says: &'static [&'static str]) -> Row {
    let args = args.iter().map(OsString::from).collect();
    Row { program, args, stdout: Stdout::Captured, exit, says, full_disk: false, max_memory: None }
}

/// `text` with the byte 0xFF in place of each `#`: never valid UTF-8.
#[cfg(unix)]
fn not_utf8(text: &str) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    let bytes: Vec<u8> = text.bytes().map(|b| if b == b'#' { 0xFF } else { b }).collect();
    OsStr::from_bytes(&bytes).to_os_string()
}

fn f8(values: impl IntoIterator<Item = f64>) -> Vec<u8> {
    values.into_iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// An MNIST directory `dir/name` with `train` and `test` images
/// `(n, rows, cols)` of zeros and their labels.
fn mnist(dir: &Path, name: &str, train: [u32; 3], test: [u32; 3]) -> PathBuf {
    let m = dir.join(name);
    std::fs::create_dir_all(&m).unwrap();
    for (prefix, [n, rows, cols]) in [("train", train), ("t10k", test)] {
        let pixels = vec![0; (n * rows * cols) as usize];
        std::fs::write(m.join(format!("{prefix}-images-idx3-ubyte")), idx(&[n, rows, cols], &pixels))
            .unwrap();
        std::fs::write(m.join(format!("{prefix}-labels-idx1-ubyte")), idx(&[n], &vec![0; n as usize]))
            .unwrap();
    }
    m
}

/// The fixtures every row may read, in `dir`.
fn fixtures(dir: &Path) {
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
    let values = |n: usize| f8((0..n).map(|i| (i as f64 * 0.37).sin()));
    // A convolution's tensors (lessons 02 and 03) and a pooling input (04, 05).
    write("A.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &values(32)));
    write("W.npy", raw_npy("<f8", false, "(3, 3, 2, 3)", &values(54)));
    write("b.npy", raw_npy("<f8", false, "(1, 1, 1, 3)", &values(3)));
    write("one.npy", raw_npy("<f8", false, "(1, 1, 1, 1)", &f8([1.0])));
    write("W1.npy", raw_npy("<f8", false, "(1, 1, 1, 1)", &f8([1.0])));
    write("b1.npy", raw_npy("<f8", false, "(1, 1, 1, 1)", &f8([0.0])));
    // Lesson 07's NCHW tensors, with a 2×3 filter the loops cannot take.
    write("X.npy", raw_npy("<f8", false, "(1, 2, 4, 5)", &values(40)));
    write("W_rect.npy", raw_npy("<f8", false, "(3, 2, 2, 3)", &values(36)));
    write("w0.npy", raw_npy("<f8", false, "(3, 1)", &values(3)));
    // Values at the edge of float64, and not numbers at all.
    write("huge.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &f8([1e308; 32])));
    write("nan.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &f8([f64::NAN; 32])));
    write("inf.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &f8([f64::NEG_INFINITY; 32])));
    // Broken files: data cut short, a header longer than the file, a shape
    // no memory holds, a dtype that is not float64, not a .npy at all.
    write("truncated.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &values(20)));
    let mut short_header = raw_npy("<f8", false, "(1, 4, 4, 2)", &[]);
    short_header[8..10].copy_from_slice(&60000u16.to_le_bytes());
    write("short_header.npy", short_header);
    write("absurd_shape.npy", raw_npy("<f8", false, "(1000000000, 1000000000, 1000000, 2)", &values(4)));
    write("int32.npy", raw_npy("<i4", false, "(1, 4, 4, 2)", &[0; 128]));
    write("text.npy", b"x = [1, 2, 3]\n".to_vec());
    // A handful of MNIST-style digits: one training image and one test image.
    std::fs::create_dir_all(dir.join("mnist1")).unwrap();
    for prefix in ["train", "t10k"] {
        let m = dir.join("mnist1");
        std::fs::write(m.join(format!("{prefix}-images-idx3-ubyte")), idx(&[1, 8, 8], &[7; 64])).unwrap();
        std::fs::write(m.join(format!("{prefix}-labels-idx1-ubyte")), idx(&[1], &[3])).unwrap();
    }
    // A .npy whose header promises 9.3 GiB, and a file that long (sparse:
    // nothing is written, and nothing may be read).
    write("sparse.npy", raw_npy("<f8", false, "(1, 1250000000, 1, 1)", &[]));
    let sparse = std::fs::File::options().write(true).open(dir.join("sparse.npy")).unwrap();
    sparse.set_len(128 + 8 * 1_250_000_000).unwrap();
    // MNIST sets: images of two sizes; a gzip bomb (1 MB of zeros in about
    // 1 KB, behind a header that claims 60000 images of 600×600); a FIFO.
    mnist(dir, "mnist_sizes", [2, 28, 28], [1, 20, 20]);
    let bomb = mnist(dir, "mnist_bomb", [1, 4, 4], [1, 600, 600]);
    let mut bytes = gzip(&idx(&[60000, 600, 600], &[]));
    bytes.extend(gzip(&vec![0; 1_000_000]));
    std::fs::write(bomb.join("train-images-idx3-ubyte"), bytes).unwrap();
    std::fs::write(bomb.join("train-labels-idx1-ubyte"), idx(&[60000], &vec![0; 60000])).unwrap();
    mnist(dir, "mnist_600", [2, 600, 600], [1, 600, 600]);
    // A directory that already holds what lessons 01 and 02 save, one of
    // them also an input.
    std::fs::create_dir_all(dir.join("saved")).unwrap();
    std::fs::create_dir_all(dir.join("in_the_way/x_pad.npy")).unwrap();
    write("saved/x_pad.npy", raw_npy("<f8", false, "(400,)", &values(400)));
    write("saved/Z.npy", raw_npy("<f8", false, "(1, 4, 4, 2)", &values(32)));
    #[cfg(unix)]
    {
        let fifo_mnist = mnist(dir, "mnist_fifo", [2, 4, 4], [1, 4, 4]).join("t10k-labels-idx1-ubyte");
        std::fs::remove_file(&fifo_mnist).unwrap();
        for path in [dir.join("fifo"), fifo_mnist] {
            let fifo = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
            // SAFETY: a valid C string and permission bits.
            assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
        }
    }
}

/// Every regular file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() && meta.len() > 1 << 20 {
                // A sparse giant: its length stands for it.
                files.push((path, meta.len().to_le_bytes().to_vec()));
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

/// Runs `row` and checks everything the module doc lists; returns a
/// description of what went wrong, if anything did.
fn run(row: &Row, dir: &Path) -> Result<(), String> {
    let d = dir.to_str().unwrap();
    let args: Vec<OsString> = row
        .args
        .iter()
        .map(|a| match a.to_str() {
            Some(s) => OsString::from(s.replace("{d}", d)),
            None => a.clone(),
        })
        .collect();
    let what =
        format!("{} {}", row.program, args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" "));
    let stdout = match row.stdout {
        Stdout::Captured => Stdio::piped(),
        Stdout::Full => match std::fs::OpenOptions::new().write(true).open("/dev/full") {
            Ok(full) => full.into(),
            Err(e) => {
                eprintln!("skipped ({what} > /dev/full): {e}");
                return Ok(());
            }
        },
        Stdout::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            writer.into()
        }
    };
    let mut command = if row.full_disk {
        let mut sh = Command::new("sh");
        sh.args(["-c", r#"ulimit -f 1; trap "" XFSZ; exec "$0" "$@""#]).arg(binary(row.program));
        sh
    } else {
        Command::new(binary(row.program))
    };
    let mut child = command
        .args(&args)
        .env("NO_COLOR", "1")
        .env_remove("CNN_WALKTHROUGH_MAX_MEMORY")
        .envs(row.max_memory.map(|m| ("CNN_WALKTHROUGH_MAX_MEMORY", m)))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: {e}"))?;
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > HANG {
            child.kill().ok();
            return Err(format!("{what}: still running after {HANG:?} (a hang)"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let shown = format!("{what}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    let status = if row.stdout == Stdout::Closed {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&out.status);
        #[cfg(not(unix))]
        let signal = None;
        signal
    } else {
        out.status.code()
    };
    if status != Some(row.exit) {
        return Err(format!("exit {status:?}, expected {}: {shown}", row.exit));
    }
    if let Some(bad) = NEVER.iter().find(|n| stdout.contains(**n) || stderr.contains(**n)) {
        return Err(format!("printed {bad:?}: {shown}"));
    }
    let message = format!("{stderr} {stdout}").split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(missing) = row.says.iter().find(|s| !message.contains(**s)) {
        return Err(format!("the message lacks {missing:?}: {shown}"));
    }
    if stderr.contains('\x1b') {
        return Err(format!("stderr holds a raw escape character: {shown}"));
    }
    if let Some(wide) = stderr.lines().find(|l| l.chars().count() > 80) {
        return Err(format!("a line of stderr is wider than 80 columns: {wide:?}\n{shown}"));
    }
    Ok(())
}

/// The rows: each problem of issue 14 that the command line can reach.
fn rows() -> Vec<Row> {
    let conv = |input: &str| -> Vec<String> {
        ["--input", input, "--weights", "{d}/W.npy", "--bias", "{d}/b.npy"].map(String::from).to_vec()
    };
    let conv_row = |program, input: &str, exit, says| {
        let args = conv(input);
        row(program, &args.iter().map(String::as_str).collect::<Vec<_>>(), exit, says)
    };
    let mut rows = vec![
        // Output that cannot be written.
        Row { stdout: Stdout::Full, ..row("lesson_01_zero_pad", &[], 74, &["could not write the output"]) },
        Row {
            stdout: Stdout::Full,
            ..row("cnn-walkthrough", &["--help"], 74, &["could not write the output"])
        },
        Row { stdout: Stdout::Closed, ..row("lesson_04_pool_forward", &[], 13, &[]) },
        Row { stdout: Stdout::Closed, ..row("lesson_11_train_cnn", &["--help"], 13, &[]) },
        // Flags and values.
        row("lesson_11_train_cnn", &["--epochs", "99999999999999999999999"], 2, &["--epochs", "too large"]),
        row("lesson_02_conv_forward", &["--stride"], 2, &["--stride needs a value"]),
        row("lesson_01_zero_pad", &["--pad", "2"], 2, &["unknown flag '--pad'"]),
        row("lesson_11_train_cnn", &["--lr", "inf"], 2, &["--lr", "greater than 0"]),
        // Flags that the run would ignore.
        row(
            "lesson_07_conv2d_im2col",
            &["--bench", "--save", "{d}/out"],
            2,
            &["--save would be ignored with --bench"],
        ),
        row(
            "lesson_07_conv2d_im2col",
            &["--bench", "--input", "{d}/X.npy"],
            2,
            &["--input would be ignored"],
        ),
        row("lesson_11_train_cnn", &["--bench", "--mnist", "/nonexistent"], 2, &["--mnist would be ignored"]),
        row("lesson_11_train_cnn", &["--bench", "--save", "{d}/out"], 2, &["--save would be ignored"]),
        row("lesson_04_pool_forward", &["--quiet", "--step"], 2, &["--step would be ignored with --quiet"]),
        row("lesson_03_conv_backward", &["--verbose"], 2, &["unknown flag '--verbose'"]),
        row("lesson_04_pool_forward", &["--mode", "max"], 2, &["--mode applies to your own tensor"]),
        // Files that are not .npy files of float64, or not files.
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/fifo", "--f", "2"],
            2,
            &["fifo", "not a regular file"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "/dev/zero", "--f", "2"],
            2,
            &["/dev/zero", "not a regular file"],
        ),
        row("lesson_04_pool_forward", &["--input", "{d}", "--f", "2"], 2, &["is a directory"]),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/missing.npy", "--f", "2"],
            2,
            &["missing.npy", "no such file"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/text.npy", "--f", "2"],
            2,
            &["text.npy", "not a .npy file"],
        ),
        row("lesson_04_pool_forward", &["--input", "{d}/int32.npy", "--f", "2"], 2, &["int32.npy", "<i4"]),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/truncated.npy", "--f", "2"],
            2,
            &["truncated.npy", "truncated"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/short_header.npy", "--f", "2"],
            2,
            &["truncated header"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/absurd_shape.npy", "--f", "2"],
            2,
            &["absurd_shape.npy"],
        ),
        conv_row("lesson_02_conv_forward", "{d}/nan.npy", 2, &["nan.npy", "NaN", "finite"]),
        conv_row("lesson_03_conv_backward", "{d}/inf.npy", 2, &["inf.npy", "-inf", "finite"]),
        // Values whose products overflow float64.
        conv_row("lesson_02_conv_forward", "{d}/huge.npy", 2, &["too large for float64", "Z can reach"]),
        conv_row("lesson_03_conv_backward", "{d}/huge.npy", 2, &["too large for float64"]),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/huge.npy", "--f", "2"],
            2,
            &["too large for float64"],
        ),
        row(
            "lesson_05_pool_backward",
            &["--input", "{d}/huge.npy", "--f", "2"],
            2,
            &["too large for float64"],
        ),
        // Shapes that do not fit together.
        conv_row(
            "lesson_02_conv_forward",
            "{d}/X.npy",
            2,
            &["f (--weights) = 3", "larger than the padded input 2×4"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/A.npy", "--f", "9"],
            2,
            &["(--f)", "larger than the 4×4 input"],
        ),
        // Sizes: one memory budget per run, checked from the shapes and
        // headers before anything is allocated or read.
        row(
            "lesson_02_conv_forward",
            &["--input", "{d}/one.npy", "--weights", "{d}/W1.npy", "--bias", "{d}/b1.npy", "--pad", "8191"],
            2,
            &["your convolution would need 8.0 GiB", "over the memory budget of 1.0 GiB", "--max-memory"],
        ),
        row(
            "lesson_03_conv_backward",
            &["--input", "{d}/one.npy", "--weights", "{d}/W1.npy", "--bias", "{d}/b1.npy", "--pad", "3000"],
            2,
            &["your convolution would need", "--max-memory"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/sparse.npy", "--f", "1"],
            2,
            &["sparse.npy", "9.3 GiB"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/A.npy", "--f", "2", "--max-memory", "4GB"],
            2,
            &["--max-memory is '4GB'", "4GiB"],
        ),
        Row {
            max_memory: Some("lots"),
            ..row("lesson_01_zero_pad", &[], 2, &["CNN_WALKTHROUGH_MAX_MEMORY is 'lots'"])
        },
        row(
            "lesson_11_train_cnn",
            &["--mnist", "{d}/mnist_bomb"],
            2,
            &["the MNIST data would need", "(60000, 600, 600)"],
        ),
        row(
            "lesson_11_train_cnn",
            &["--mnist", "{d}/mnist_600", "--quiet"],
            2,
            &["training on 600×600 images", "would need"],
        ),
        row(
            "lesson_11_train_cnn",
            &["--mnist", "{d}/mnist_sizes"],
            2,
            &["holds images of 20×20 pixels", "holds 28×28"],
        ),
        row(
            "lesson_11_train_cnn",
            &["--mnist", "{d}/mnist_fifo"],
            2,
            &["t10k-labels-idx1-ubyte", "not a regular file"],
        ),
        row(
            "lesson_02_conv_forward",
            &["--verbose", "--step"],
            2,
            &["--verbose would be ignored with --step"],
        ),
        row("lesson_11_train_cnn", &["--lr", "1e309"], 2, &["--lr", "finite number greater than 0"]),
        row(
            "lesson_02_conv_forward",
            &[
                "--input",
                "{d}/A.npy",
                "--weights",
                "{d}/W.npy",
                "--bias",
                "{d}/b.npy",
                "--pad",
                "18446744073709551615",
            ],
            2,
            &["pad (--pad) = 18446744073709551615 is too large", "overflows"],
        ),
        row(
            "lesson_04_pool_forward",
            &["--input", "{d}/\u{1b}[2J.npy", "--f", "2"],
            2,
            &["\\u{1b}[2J.npy", "no such file"],
        ),
        // Saving: never over an existing file without --force, never over an
        // input, never into something that is not a directory, and never
        // leaving a truncated file when the disk is full.
        row("lesson_01_zero_pad", &["--save", "{d}/saved"], 2, &["x_pad.npy is already there", "--force"]),
        row(
            "lesson_02_conv_forward",
            &[
                "--input",
                "{d}/saved/Z.npy",
                "--weights",
                "{d}/W.npy",
                "--bias",
                "{d}/b.npy",
                "--save",
                "{d}/saved",
                "--force",
            ],
            2,
            &["--save would replace the --input of this run"],
        ),
        row("lesson_01_zero_pad", &["--save", "/dev/null"], 2, &["--save /dev/null: not a directory"]),
        row("lesson_01_zero_pad", &["--save", "{d}/A.npy"], 2, &["not a directory"]),
        row("lesson_01_zero_pad", &["--force"], 2, &["--force", "needs --save DIR"]),
        row(
            "lesson_01_zero_pad",
            &["--save", "{d}/in_the_way", "--force"],
            2,
            &["a directory has that name"],
        ),
        row("lesson_09_layers", &["--save", "{d}/out"], 2, &["saves nothing", "--save"]),
        row("lesson_10_optimizers", &["--force"], 2, &["saves nothing", "--force"]),
        Row {
            full_disk: true,
            ..row(
                "lesson_01_zero_pad",
                &["--save", "{d}/saved", "--force", "--quiet"],
                2,
                &["nothing was replaced"],
            )
        },
        // Runs that check nothing, or whose training diverges.
        row(
            "lesson_07_conv2d_im2col",
            &["--input", "{d}/X.npy", "--weights", "{d}/W_rect.npy", "--bias", "{d}/w0.npy"],
            1,
            &["No check ran in this run, so nothing was verified"],
        ),
        row(
            "lesson_11_train_cnn",
            &["--lr", "1e30", "--epochs", "1", "--net", "small"],
            1,
            &["training diverged at epoch 1", "try a smaller learning rate", "FAIL"],
        ),
        // A training set of one image.
        row(
            "lesson_11_train_cnn",
            &["--mnist", "{d}/mnist1", "--epochs", "1", "--net", "small", "--quiet"],
            0,
            &[],
        ),
    ];
    #[cfg(unix)]
    {
        let odd = |program, args: Vec<OsString>, says| Row { args, ..row(program, &[], 2, says) };
        rows.push(odd("lesson_01_zero_pad", vec![not_utf8("--qu#iet")], &["unknown flag '--qu\u{FFFD}iet'"]));
        rows.push(odd(
            "lesson_11_train_cnn",
            vec!["--epochs".into(), not_utf8("1#")],
            &["--epochs: the value is not valid UTF-8"],
        ));
        rows.push(odd("cnn-walkthrough", vec![not_utf8("--check#")], &["unexpected arguments"]));
    }
    rows
}

#[test]
fn every_hostile_input_gets_a_clean_message_and_changes_no_file() {
    let dir = temp_dir("hostile");
    fixtures(&dir);
    let before = snapshot(&dir);
    let rows = rows();
    let mut failures = vec![];
    // Two rows at a time: most of them take milliseconds, the training runs seconds.
    for pair in rows.chunks(2) {
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let handles: Vec<_> = pair.iter().map(|r| s.spawn(|| run(r, &dir))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        failures.extend(results.into_iter().filter_map(Result::err));
    }
    eprintln!("hostile-input matrix: {} rows", rows.len());
    let after = snapshot(&dir);
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        if old != new {
            failures.push(format!("{} was changed", path.display()));
        }
    }
    if before.len() != after.len() {
        let names =
            |s: &[(PathBuf, Vec<u8>)]| s.iter().map(|(p, _)| p.display().to_string()).collect::<Vec<_>>();
        failures.push(format!("files before: {:?}\nafter: {:?}", names(&before), names(&after)));
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
    std::fs::remove_dir_all(&dir).ok();
}
