//! Every lesson laid out for the screen: at 60, 80 and 100 columns, no line
//! of what a lesson prints is wider than the screen, and no line of a table,
//! grid or drawing had to be wrapped to get there (the test hook
//! `CNN_WALKTHROUGH_LAYOUT_CHECK=1` reports each such line on stderr as
//! `layout: …`; prose is wrapped on purpose and never reported), and no
//! line holds a no-break space.
//!
//! The runs: each lesson's default run (lesson 11 with
//! [`common::quick_flags`]), `--verbose` where the lesson takes it,
//! `--quiet` and `--help`; the README's runs on your own tensors; and the
//! course runner, its `--check` (of every lesson but 11, except at full
//! strength), `names` and `--help`, with `COLUMNS` set. They run in parallel
//! threads, a few seconds in all.

use std::path::Path;
use std::process::{Command, Stdio};

use cnn_walkthrough::course::lesson::LAYOUT_CHECK;
use cnn_walkthrough::course::npy::npy_bytes;
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::course::registry::LESSONS;
use cnn_walkthrough::course::screen::NARROWEST;

use crate::common;

const WIDTHS: [usize; 3] = [NARROWEST, 80, 100];

/// One run: the binary, its arguments, and the width it gets as `--width`
/// (a lesson) or as `COLUMNS` (the runner, which takes no `--width`).
struct Run {
    binary: &'static str,
    args: Vec<String>,
    width: usize,
}

/// What is wrong with `run`'s output, if anything: lines wider than the
/// screen, `layout:` lines on stderr, or a failed run.
fn problems(run: &Run) -> Vec<String> {
    let mut command = Command::new(common::binary(run.binary));
    command
        .args(&run.args)
        .env("NO_COLOR", "1")
        .env(LAYOUT_CHECK, "1")
        .env_remove("LINES")
        .stdin(Stdio::null());
    if run.binary == "cnn-walkthrough" {
        command.env("COLUMNS", run.width.to_string());
    } else {
        command.env_remove("COLUMNS").args(["--width", &run.width.to_string()]);
    }
    let out = common::output_of(&command.output().expect("running a binary"));
    let what = format!("{} {} at width {}", run.binary, run.args.join(" "), run.width);
    let mut found = vec![];
    if out.code != Some(0) {
        found.push(format!("{what}: exit status {:?}\n{}", out.code, out.stderr));
    }
    for line in out.stdout.lines() {
        let columns = textwrap::core::display_width(line);
        if columns > run.width {
            found.push(format!("{what}: a line of {columns} columns: {line}"));
        }
        // Formulas are kept whole with no-break spaces, printed as spaces.
        if line.contains('\u{a0}') {
            found.push(format!("{what}: a no-break space in: {line}"));
        }
    }
    for line in out.stderr.lines().filter(|l| l.starts_with("layout:")) {
        found.push(format!("{what}: {line}"));
    }
    found
}

/// Writes `name.npy` in `dir`: standard normal numbers of `shape`.
fn write_randn(dir: &Path, name: &str, shape: &[usize], seed: u32) {
    let a = RandomState::new(seed).randn(shape.to_vec());
    std::fs::write(dir.join(format!("{name}.npy")), npy_bytes(&a.view())).expect("writing a .npy file");
}

/// The README's runs on your own tensors ("Your own tensors"), on inputs of
/// the shapes it gives, written to `dir`.
fn your_tensor_runs(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    write_randn(dir, "A", &[2, 5, 5, 3], 1);
    write_randn(dir, "W", &[3, 3, 3, 4], 2);
    write_randn(dir, "b", &[1, 1, 1, 4], 3);
    write_randn(dir, "dZ", &[2, 3, 3, 4], 4);
    write_randn(dir, "dA", &[2, 4, 4, 3], 5);
    // Lesson 07's NCHW tensors: 'valid', stride 2 makes (2, 4, 2, 2).
    write_randn(dir, "X", &[2, 3, 5, 5], 6);
    write_randn(dir, "W7", &[4, 3, 3, 3], 7);
    write_randn(dir, "w0", &[4, 1], 8);
    write_randn(dir, "dY", &[2, 4, 2, 2], 9);
    let file = |name: &str| dir.join(format!("{name}.npy")).display().to_string();
    let conv =
        ["--input", &file("A"), "--weights", &file("W"), "--bias", &file("b"), "--pad", "1", "--stride", "2"];
    let args = |parts: &[&str]| parts.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("lesson_02_conv_forward", args(&conv)),
        ("lesson_03_conv_backward", args(&[&conv[..], &["--dz", &file("dZ")]].concat())),
        (
            "lesson_04_pool_forward",
            args(&["--input", &file("A"), "--f", "2", "--stride", "2", "--mode", "max"]),
        ),
        (
            "lesson_05_pool_backward",
            args(&["--input", &file("A"), "--da", &file("dA"), "--f", "2", "--stride", "1"]),
        ),
        (
            "lesson_07_conv2d_im2col",
            args(&[
                "--input",
                &file("X"),
                "--weights",
                &file("W7"),
                "--bias",
                &file("w0"),
                "--padding",
                "valid",
                "--stride",
                "2",
                "--dout",
                &file("dY"),
            ]),
        ),
    ]
}

#[test]
fn every_lesson_fits_60_80_and_100_columns_without_wrapping_a_table() {
    let dir = common::temp_dir("width");
    let mut runs: Vec<(&'static str, Vec<String>)> = vec![];
    for lesson in LESSONS {
        let quick: Vec<String> = common::quick_flags(lesson.name).iter().map(|s| s.to_string()).collect();
        let takes = |flag: &str| lesson.flags.iter().any(|f| f.name == flag);
        runs.push((lesson.name, quick.clone()));
        if takes("--verbose") {
            runs.push((lesson.name, [&quick[..], &["--verbose".to_string()]].concat()));
        }
        runs.push((lesson.name, [&quick[..], &["--quiet".to_string()]].concat()));
        runs.push((lesson.name, vec!["--help".to_string()]));
    }
    runs.extend(your_tensor_runs(&dir));
    // The runner's `--check` trains lesson 11's reference network for 50
    // epochs (half a minute): only at full strength; else the other lessons.
    let mut check = vec!["--check".to_string()];
    if !common::full_strength() {
        check.extend(
            LESSONS.iter().filter(|l| common::quick_flags(l.name).is_empty()).map(|l| l.name.to_string()),
        );
    }
    runs.extend([
        ("cnn-walkthrough", vec![]),
        ("cnn-walkthrough", check),
        ("cnn-walkthrough", vec!["--help".into()]),
        ("cnn-walkthrough", vec!["names".into()]),
        ("cnn-walkthrough", vec!["errata".into()]),
    ]);
    let runs: Vec<Run> = WIDTHS
        .iter()
        .flat_map(|&width| runs.iter().map(move |(binary, args)| Run { binary, args: args.clone(), width }))
        .collect();

    // A few threads, each taking every n-th run.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    let found: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let runs = &runs;
                s.spawn(move || runs.iter().skip(t).step_by(threads).flat_map(problems).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a run's thread")).collect()
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(found.is_empty(), "{} problems:\n{}", found.len(), found.join("\n"));
}
