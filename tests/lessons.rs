//! Every lesson end to end: flags, saving, your own tensors, every bad input
//! answered with exit status 2 and a message; and the registry, the
//! `[[bin]]` entries and the README agreeing.

use crate::common;

#[cfg(unix)]
use std::ffi::{OsStr, OsString};
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use cnn_walkthrough::course::npy::{read_npy, write_npy};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::course::registry::LESSONS;
use cnn_walkthrough::textbook::conv::{conv_backward, conv_forward, Hparameters};
use cnn_walkthrough::textbook::padding::zero_pad;
use cnn_walkthrough::textbook::pool::{pool_backward, pool_forward, PoolHparameters, PoolMode};
use ndarray::{Array, ArrayD, Dimension};

use common::{
    assert_all_close, binary, full_strength, idx, quick_flags, raw_npy, run_lesson, run_lesson_os, temp_dir,
    Output,
};

fn save<D: Dimension>(dir: &Path, name: &str, a: &Array<f64, D>) -> String {
    let path = dir.join(name);
    write_npy(&path, &a.view()).unwrap();
    path.to_string_lossy().into_owned()
}

fn load(dir: &Path, name: &str) -> ArrayD<f64> {
    read_npy(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Your own tensors: A (2,5,5,3), W (3,3,3,4), b (1,1,1,4) in `dir`.
fn your_tensors(dir: &Path) -> [String; 3] {
    let mut rng = RandomState::new(7);
    [
        save(dir, "A.npy", &rng.randn((2, 5, 5, 3))),
        save(dir, "W.npy", &rng.randn((3, 3, 3, 4))),
        save(dir, "b.npy", &rng.randn((1, 1, 1, 4))),
    ]
}

#[test]
fn every_lesson_passes_its_checks() {
    for info in LESSONS {
        let out = run_lesson(info.name, quick_flags(info.name));
        out.assert_exit(0);
        assert!(out.stdout.contains("checks pass."), "{}", out.stdout);
        assert!(!out.stdout.contains('\x1b'), "colour with NO_COLOR set");
        assert_eq!(stages(&out.stdout), info.stages, "stages of {} (its registry entry)", info.name);
    }
}

/// How many stage headings `stdout` holds: a line `k. title` over a line of `─`.
fn stages(stdout: &str) -> usize {
    let lines: Vec<&str> = stdout.lines().collect();
    let numbered = |line: &str| line.split_once(". ").is_some_and(|(k, _)| k.parse::<usize>().is_ok());
    let rule = |line: &str| !line.is_empty() && line.chars().all(|c| c == '─');
    lines.windows(2).filter(|pair| numbered(pair[0]) && rule(pair[1])).count()
}

#[test]
fn quiet_prints_only_the_check_table() {
    for info in LESSONS {
        let out = run_lesson(info.name, &[quick_flags(info.name), &["--quiet"]].concat());
        out.assert_exit(0);
        let first = out.stdout.lines().find(|l| !l.is_empty()).unwrap_or("");
        assert_eq!(first, "Checks", "{}", out.stdout);
        assert!(
            out.stdout.contains("│ quantity") || out.stdout.contains("result  quantity"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn help_describes_the_lesson() {
    for info in LESSONS {
        let out = run_lesson(info.name, &["--help"]);
        out.assert_exit(0);
        for part in [info.name, info.source, "--quiet", "--step", "--width N", "Exit status"] {
            assert!(out.text.contains(part), "--help of {} lacks {part:?}", info.name);
        }
        // Only a lesson that writes files takes --save (and --force).
        let saves = !info.writes.is_empty();
        assert_eq!(out.stdout.contains("--save DIR"), saves, "--help of {}", info.name);
        assert_eq!(out.stdout.contains("--force"), saves, "--help of {}", info.name);
        for flag in info.flags {
            assert!(out.stdout.contains(flag.name));
        }
    }
}

#[test]
fn step_without_a_terminal_runs_through() {
    let out = run_lesson("lesson_02_conv_forward", &["--step"]);
    out.assert_exit(0);
    // --step shows every cell of the worked example, without waiting for input.
    assert!(out.stdout.contains("Z[0,2,2,1]:"), "{}", out.stdout);
}

#[test]
fn save_writes_what_the_lessons_compute() {
    let dir = temp_dir("save");
    let d = dir.to_string_lossy().into_owned();
    run_lesson("lesson_01_zero_pad", &["--quiet", "--save", &d]).assert_exit(0);
    run_lesson("lesson_02_conv_forward", &["--quiet", "--save", &d]).assert_exit(0);
    run_lesson("lesson_03_conv_backward", &["--quiet", "--save", &d]).assert_exit(0);
    run_lesson("lesson_04_pool_forward", &["--quiet", "--save", &d]).assert_exit(0);
    run_lesson("lesson_05_pool_backward", &["--quiet", "--save", &d]).assert_exit(0);
    for name in ["A_max", "A_average", "dA_prev_max", "dA_prev_average"] {
        assert!(dir.join(format!("{name}.npy")).exists(), "{name}.npy not written");
    }
    let a_prev = RandomState::new(1).randn((2, 4, 4, 3));
    let (a_max, _) =
        pool_forward(&a_prev.view(), PoolHparameters { f: 3, stride: 2 }, PoolMode::Max).unwrap();
    assert_eq!(load(&dir, "A_max.npy"), a_max.into_dyn());

    let x = RandomState::new(1).randn((4, 3, 3, 2));
    assert_eq!(load(&dir, "x_pad.npy"), zero_pad(&x.view(), 2).into_dyn());
    let mut rng = RandomState::new(1);
    let (a, w, b) = (rng.randn((10, 4, 4, 3)), rng.randn((2, 2, 3, 8)), rng.randn((1, 1, 1, 8)));
    let (z, cache) =
        conv_forward(&a.view(), &w.view(), &b.view(), Hparameters { pad: 2, stride: 2 }).unwrap();
    let g = conv_backward(&z.view(), &cache).unwrap();
    assert_eq!(load(&dir, "Z.npy"), z.into_dyn());
    assert_eq!(load(&dir, "dA_prev.npy"), g.d_a_prev.into_dyn());
    assert_eq!(load(&dir, "dW.npy"), g.d_w.into_dyn());
    assert_eq!(load(&dir, "db.npy"), g.d_b.into_dyn());
}

#[test]
fn your_own_tensors_forward_and_backward() {
    let dir = temp_dir("yours");
    let [a, w, b] = your_tensors(&dir);
    let out_dir = dir.join("out").to_string_lossy().into_owned();
    let flags = ["--input", &a, "--weights", &w, "--bias", &b, "--pad", "1", "--stride", "2"];

    let out = run_lesson("lesson_02_conv_forward", &[&flags[..], &["--save", &out_dir]].concat());
    out.assert_exit(0);
    out.assert_line("Z.shape = (2, 3, 3, 4)");
    assert!(out.stdout.contains("loops = hanbt's ConvLayer.forward"));

    let mut rng = RandomState::new(8);
    let dz = save(&dir, "dZ.npy", &rng.randn((2, 3, 3, 4)));
    let out =
        run_lesson("lesson_03_conv_backward", &[&flags[..], &["--dz", &dz, "--save", &out_dir]].concat());
    out.assert_exit(0);
    assert!(out.stdout.contains("dA_prev = finite differences"), "{}", out.stdout);

    // What was saved is the library's answer for those tensors.
    let (a, w, b) = (load(&dir, "A.npy"), load(&dir, "W.npy"), load(&dir, "b.npy"));
    let four = |x: ArrayD<f64>| x.into_dimensionality::<ndarray::Ix4>().unwrap();
    let (z, cache) =
        conv_forward(&four(a).view(), &four(w).view(), &four(b).view(), Hparameters { pad: 1, stride: 2 })
            .unwrap();
    let out_dir = Path::new(&out_dir);
    assert_all_close(&z.view(), &load(out_dir, "Z.npy").view(), 0.0);
    let g = conv_backward(&four(load(&dir, "dZ.npy")).view(), &cache).unwrap();
    assert_all_close(&g.d_w.view(), &load(out_dir, "dW.npy").view(), 0.0);
}

#[test]
fn an_uneven_stride_says_which_rows_no_window_reaches() {
    let dir = temp_dir("uneven");
    let [a, w, b] = your_tensors(&dir);
    // 5 + 0 − 3 = 2 is not a multiple of stride 3: one window per axis, rows 3..4 unread.
    let out = run_lesson(
        "lesson_03_conv_backward",
        &["--input", &a, "--weights", &w, "--bias", &b, "--stride", "3"],
    );
    out.assert_exit(0);
    assert!(
        out.text.contains("input rows 3–4 and columns 3–4 (0-based) are read by no window"),
        "{}",
        out.stdout
    );
    // Lesson 02 on the same tensors says the same.
    let out = run_lesson(
        "lesson_02_conv_forward",
        &["--input", &a, "--weights", &w, "--bias", &b, "--stride", "3"],
    );
    out.assert_exit(0);
    assert!(out.text.contains("3 = 2 evenly, so the output size is floored"), "{}", out.stdout);
    let both = "input rows 3–4 and columns 3–4 (0-based) are read by no window";
    assert!(out.text.contains(both), "{}", out.stdout);
}

/// Every lesson whose windows leave rows out says which, with the same
/// words: lessons 04 and 08 (the notebook's 4×4 cell, f 3, stride 2; and
/// lesson 08's 7×6 input, 2×2 windows, stride 2) and lesson 07 ('valid',
/// stride 2 on 32×32; and your own 6×6 image with a 3×3 filter).
#[test]
fn every_floored_stride_says_which_rows_no_window_reaches() {
    let unread = |rows: &str| format!("input {rows} (0-based)");
    for (lesson, phrase) in [
        ("lesson_04_pool_forward", unread("row 3 and column 3")),
        ("lesson_04_pool_forward", unread("row 7 and column 7")),
        ("lesson_07_conv2d_im2col", unread("row 31 and column 31")),
        ("lesson_08_pool_im2col", unread("row 3 and column 3")),
        ("lesson_08_pool_im2col", unread("row 6") + " is read by no window"),
    ] {
        let out = run_lesson(lesson, &[]);
        out.assert_exit(0);
        assert!(out.text.contains(&phrase), "{lesson}: no '{phrase}' in\n{}", out.stdout);
    }
    let dir = temp_dir("uneven07");
    let mut rng = RandomState::new(7);
    let x = save(&dir, "X.npy", &rng.randn((1, 1, 6, 6)));
    let w = save(&dir, "W.npy", &rng.randn((1, 1, 3, 3)));
    let w0 = save(&dir, "w0.npy", &rng.randn((1, 1)));
    let flags = ["--input", &x, "--weights", &w, "--bias", &w0, "--padding", "valid", "--stride", "2"];
    let out = run_lesson("lesson_07_conv2d_im2col", &flags);
    out.assert_exit(0);
    assert!(out.text.contains("stride 2 does not divide 6 − 3 = 3 evenly"), "{}", out.stdout);
    assert!(out.text.contains(&unread("row 5 and column 5")), "{}", out.stdout);
}

/// Runs `lesson` with `args` and expects exit 2 with every part in the message.
fn rejects(lesson: &str, args: &[&str], parts: &[&str]) -> Output {
    let out = run_lesson(lesson, args);
    out.assert_error(parts);
    out
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    rejects("lesson_01_zero_pad", &["--frobnicate"], &["unknown flag '--frobnicate'", "--quiet"]);
    rejects("lesson_01_zero_pad", &["extra"], &["unexpected argument 'extra'"]);
    rejects("lesson_01_zero_pad", &["--input", "A.npy"], &["unknown flag '--input'"]);
    rejects("lesson_01_zero_pad", &["--save"], &["--save needs a value"]);
    rejects("lesson_01_zero_pad", &["--quiet=yes"], &["--quiet is a switch"]);
    rejects("lesson_01_zero_pad", &["--quiet", "--quiet"], &["--quiet is given twice"]);
    rejects("lesson_02_conv_forward", &["--dz", "dZ.npy"], &["unknown flag '--dz'"]);
    rejects("lesson_02_conv_forward", &["--pad", "1"], &["--pad applies to your own tensors"]);
    rejects("lesson_02_conv_forward", &["--input", "A.npy"], &["missing --weights and --bias"]);
}

#[test]
fn bad_tensors_exit_2_with_a_message() {
    let dir = temp_dir("bad");
    let [a, w, b] = your_tensors(&dir);
    let mut rng = RandomState::new(9);
    let a3 = save(&dir, "A3.npy", &rng.randn((5, 5, 3)));
    let w_channels = save(&dir, "W2.npy", &rng.randn((3, 3, 2, 4)));
    let w_rect = save(&dir, "Wr.npy", &rng.randn((3, 2, 3, 4)));
    let b_wrong = save(&dir, "b3.npy", &rng.randn((1, 1, 1, 3)));
    let w_big = save(&dir, "Wbig.npy", &rng.randn((8, 8, 3, 4)));
    let dz_wrong = save(&dir, "dZ.npy", &rng.randn((2, 3, 3, 4)));
    let garbage = dir.join("garbage.npy");
    std::fs::write(&garbage, b"this is not a numpy file").unwrap();
    let garbage = garbage.to_string_lossy().into_owned();
    let missing = dir.join("missing.npy").to_string_lossy().into_owned();
    let with = |a: &str, w: &str, b: &str, more: &[&str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["--input", a, "--weights", w, "--bias", b].iter().map(|s| s.to_string()).collect();
        v.extend(more.iter().map(|s| s.to_string()));
        v
    };
    let run = |lesson: &str, args: Vec<String>, parts: &[&str]| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        rejects(lesson, &refs, parts);
    };
    for lesson in ["lesson_02_conv_forward", "lesson_03_conv_backward"] {
        run(lesson, with(&a3, &w, &b, &[]), &["A_prev (--input) has shape (5, 5, 3)", "4 axes"]);
        run(
            lesson,
            with(&a, &w_channels, &b, &[]),
            &["W (--weights) has shape (3, 3, 2, 4)", "3 channels of A_prev (2, 5, 5, 3)"],
        );
        run(lesson, with(&a, &w_rect, &b, &[]), &["W (--weights) has shape (3, 2, 3, 4)", "square"]);
        run(lesson, with(&a, &w, &b_wrong, &[]), &["b (--bias) has shape (1, 1, 1, 3)", "(1, 1, 1, 4)"]);
        run(lesson, with(&a, &w, &b, &["--stride", "0"]), &["stride", "is 0"]);
        run(lesson, with(&a, &w_big, &b, &[]), &["8×8 window is larger than the padded input 5×5"]);
        run(lesson, with(&a, &w, &b, &["--pad", "-1"]), &["--pad is -1, negative", "whole number"]);
        run(
            lesson,
            with(&a, &w, &b, &["--pad", "100000"]),
            &["your convolution would need", "Z (2, 200003, 200003, 4)", "--max-memory"],
        );
        run(lesson, with(&missing, &w, &b, &[]), &["missing.npy"]);
        run(lesson, with(&garbage, &w, &b, &[]), &["garbage.npy", "not a .npy file"]);
    }
    // dZ must have the shape of Z: (2, 5, 5, 4) at pad 1, stride 1.
    run(
        "lesson_03_conv_backward",
        with(&a, &w, &b, &["--pad", "1", "--dz", &dz_wrong]),
        &["dZ (--dz) has shape (2, 3, 3, 4)", "(2, 5, 5, 4), the shape of Z"],
    );
}

#[test]
fn the_course_runner_lists_and_checks_every_lesson() {
    let run = |args: &[&str]| {
        std::process::Command::new(binary("cnn-walkthrough"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let list = run(&[]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    // Every lesson at its defaults; lesson 11's default (the reference network
    // trained for 50 epochs) only at full strength (see `common::full_strength`).
    let checked: Vec<&str> =
        LESSONS.iter().map(|l| l.name).filter(|&n| full_strength() || n != "lesson_11_train_cnn").collect();
    let check = run(&[&["--check"], checked.as_slice()].concat());
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    for info in LESSONS {
        assert!(text.contains(info.name) && text.contains(info.title), "{text}");
        let row = report.lines().find(|l| l.contains(info.name));
        if checked.contains(&info.name) {
            assert!(row.is_some_and(|l| l.contains("pass")), "{report}");
        } else {
            assert!(row.is_none(), "{} was not asked for:\n{report}", info.name);
        }
    }
    assert_eq!(run(&["--bogus"]).status.code(), Some(2));
    let one = run(&["--check", "3"]);
    assert!(one.status.success());
    assert!(String::from_utf8_lossy(&one.stdout).contains("The lesson passes."));
    let unknown = run(&["--check", "lesson_01_zero_pad", "12"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no lesson '12'"));
}

#[test]
fn your_own_tensor_pooled_forward_and_backward() {
    let dir = temp_dir("pool");
    let mut rng = RandomState::new(11);
    let a = save(&dir, "A.npy", &rng.randn((2, 5, 5, 3)));
    let da = save(&dir, "dA.npy", &rng.randn((2, 4, 4, 3)));
    let out_dir = dir.join("out").to_string_lossy().into_owned();

    let out = run_lesson(
        "lesson_04_pool_forward",
        &["--input", &a, "--f", "2", "--stride", "2", "--save", &out_dir],
    );
    out.assert_exit(0);
    assert!(out.text.contains("input row 4 and column 4 (0-based) are read by no window"), "{}", out.stdout);
    let out = run_lesson(
        "lesson_04_pool_forward",
        &["--input", &a, "--f", "3", "--mode", "average", "--save", &out_dir],
    );
    out.assert_exit(0);
    let out = run_lesson(
        "lesson_05_pool_backward",
        &["--input", &a, "--da", &da, "--f", "2", "--stride", "1", "--save", &out_dir],
    );
    out.assert_exit(0);
    assert!(out.stdout.contains("dA_prev (max) = finite differences"), "{}", out.stdout);
    assert!(out.stdout.contains("dA_prev (average) = finite differences"), "{}", out.stdout);

    // Saved names: A.npy for one mode; A_max / dA_prev_max / dA_prev_average for both.
    let out_dir = Path::new(&out_dir);
    let a = load(&dir, "A.npy").into_dimensionality::<ndarray::Ix4>().unwrap();
    let (max, _) = pool_forward(&a.view(), PoolHparameters { f: 2, stride: 2 }, PoolMode::Max).unwrap();
    assert_eq!(load(out_dir, "A_max.npy"), max.into_dyn());
    let (avg, _) = pool_forward(&a.view(), PoolHparameters { f: 3, stride: 3 }, PoolMode::Average).unwrap();
    assert_eq!(load(out_dir, "A.npy"), avg.into_dyn());
    let (_, cache) = pool_forward(&a.view(), PoolHparameters { f: 2, stride: 1 }, PoolMode::Max).unwrap();
    let da = load(&dir, "dA.npy").into_dimensionality::<ndarray::Ix4>().unwrap();
    let expected = pool_backward(&da.view(), &cache, PoolMode::Average).unwrap();
    assert_eq!(load(out_dir, "dA_prev_average.npy"), expected.into_dyn());
}

#[test]
fn bad_pooling_input_exits_2_with_a_message() {
    let dir = temp_dir("badpool");
    let mut rng = RandomState::new(12);
    let a = save(&dir, "A.npy", &rng.randn((2, 5, 5, 3)));
    let da = save(&dir, "dA.npy", &rng.randn((2, 3, 3, 3)));
    for lesson in ["lesson_04_pool_forward", "lesson_05_pool_backward"] {
        rejects(lesson, &["--input", &a, "--f", "6"], &["f (--f) = 6", "larger than the 5×5 input"]);
        rejects(lesson, &["--input", &a, "--f", "2", "--stride", "0"], &["stride (--stride) is 0"]);
        rejects(lesson, &["--input", &a, "--f", "0"], &["f (--f) is 0"]);
        rejects(
            lesson,
            &["--input", &a, "--f", "2", "--mode", "median"],
            &["mode (--mode) 'median' is unknown", "'max' or 'average'"],
        );
        rejects(lesson, &["--input", &a], &["--input needs --f"]);
        rejects(lesson, &["--f", "2"], &["--f applies to your own tensor"]);
        rejects(lesson, &["--input", &a, "--f", "two"], &["--f is 'two'"]);
    }
    rejects("lesson_04_pool_forward", &["--input", &a, "--f", "2", "--da", &da], &["unknown flag '--da'"]);
    rejects(
        "lesson_05_pool_backward",
        &["--input", &a, "--f", "2", "--stride", "1", "--da", &da],
        &["dA (--da) has shape (2, 3, 3, 3)", "(2, 4, 4, 3), the shape of the pooled output A"],
    );
}

/// Lesson 07's own inputs, saved in `dir`: X (2, 3, 6, 5), a 2×3 filter W
/// (4, 3, 2, 3) and w0 (4, 1); their paths, and the generator, to draw more.
fn rectangular_conv2d_inputs(dir: &Path) -> (String, String, String, RandomState) {
    let mut rng = RandomState::new(13);
    let x = save(dir, "X.npy", &rng.randn((2, 3, 6, 5)));
    let w = save(dir, "W.npy", &rng.randn((4, 3, 2, 3)));
    let w0 = save(dir, "w0.npy", &rng.randn((4, 1)));
    (x, w, w0, rng)
}

#[test]
fn your_own_conv2d_tensors() {
    use cnn_walkthrough::textbook::conv2d::Conv2D;
    use cnn_walkthrough::textbook::padding::Padding2D;
    let dir = temp_dir("conv2d");
    let (x, w, w0, mut rng) = rectangular_conv2d_inputs(&dir);
    let dy = save(&dir, "dY.npy", &rng.randn((2, 4, 6, 5)));
    let out_dir = dir.join("out").to_string_lossy().into_owned();
    // A 2×3 window, 'same' padding (asymmetric for the even height): the loops cannot take it.
    let out = run_lesson(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0, "--dout", &dy, "--save", &out_dir],
    );
    out.assert_exit(0);
    assert!(out.stdout.contains("No comparison with the loops"), "{}", out.stdout);
    assert!(out.stdout.contains("grad_W = finite differences"), "{}", out.stdout);
    let out_dir = Path::new(&out_dir);
    let four = |a: ArrayD<f64>| a.into_dimensionality::<ndarray::Ix4>().unwrap();
    let layer = Conv2D::new(
        four(load(&dir, "W.npy")),
        load(&dir, "w0.npy").into_dimensionality().unwrap(),
        Padding2D::from(((0, 1), (1, 1))),
        1,
    )
    .unwrap();
    let (output, cache) = layer.forward(&four(load(&dir, "X.npy")).view()).unwrap();
    assert_eq!(load(out_dir, "output.npy"), output.into_dyn());
    let g = layer.backward(&four(load(&dir, "dY.npy")).view(), &cache).unwrap();
    assert_eq!(load(out_dir, "grad_W.npy"), g.grad_w.into_dyn());
    assert_eq!(load(out_dir, "grad_w0.npy"), g.grad_w0.into_dyn());
    assert_eq!(load(out_dir, "grad_input.npy"), g.grad_input.into_dyn());

    // A square window with numeric padding and stride 2 is compared with the loops.
    let w_sq = save(&dir, "Wsq.npy", &rng.randn((4, 3, 3, 3)));
    let out = run_lesson(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w_sq, "--bias", &w0, "--padding", "1", "--stride", "2"],
    );
    out.assert_exit(0);
    assert!(out.stdout.contains("Conv2D = the loops of lesson 02"), "{}", out.stdout);

    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0, "--padding", "full"],
        &["--padding is 'full'"],
    );
    let w0_flat = save(&dir, "w0flat.npy", &rng.randn(4));
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0_flat],
        &["w0 (--bias) has shape (4,)"],
    );
    let w0_wrong = save(&dir, "w0wrong.npy", &rng.randn((3, 1)));
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0_wrong],
        &["w0 (--bias) has shape (3, 1)", "(4, 1)"],
    );
    let w_ch = save(&dir, "Wch.npy", &rng.randn((4, 2, 3, 3)));
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w_ch, "--bias", &w0],
        &["X (--input) has shape (2, 3, 6, 5)", "2 channels"],
    );
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0, "--dout", &x],
        &["dY (--dout) has shape (2, 3, 6, 5)", "(2, 4, 6, 5)"],
    );
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0, "--stride", "0"],
        &["stride (--stride) is 0"],
    );
    let w_big = save(&dir, "Wbig.npy", &rng.randn((4, 3, 9, 9)));
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w_big, "--bias", &w0, "--padding", "valid"],
        &["9×9", "larger than the padded image"],
    );
    rejects("lesson_07_conv2d_im2col", &["--stride", "2"], &["--stride applies to your own tensors"]);
    rejects(
        "lesson_07_conv2d_im2col",
        &["--input", &x, "--weights", &w, "--bias", &w0, "--padding", "100000000"],
        &["your Conv2D would need", "X_col (18, 200000005, 200000003, 2)", "more than 2^64 bytes"],
    );
}

#[test]
fn training_flags_are_checked() {
    let l = "lesson_11_train_cnn";
    rejects(l, &["--net", "big"], &["--net is 'big'", "expected reference or small"]);
    rejects(l, &["--epochs", "0"], &["--epochs is 0", "at least 1"]);
    rejects(l, &["--epochs", "ten"], &["--epochs is 'ten'", "whole number"]);
    rejects(l, &["--batch-size", "0"], &["--batch-size is 0"]);
    rejects(l, &["--lr", "0"], &["--lr is '0'", "greater than 0"]);
    rejects(l, &["--lr=-0.1"], &["--lr is '-0.1'"]);
    rejects(l, &["--lr", "fast"], &["--lr is 'fast'"]);
    rejects(l, &["--lr", "inf"], &["--lr is 'inf'"]);
    rejects(l, &["--seed", "4294967296"], &["--seed is 4294967296", "below 2^32"]);
    let missing = temp_dir("no-mnist").join("nowhere");
    rejects(l, &["--mnist", &missing.to_string_lossy()], &["nowhere", "MNIST"]);
    let empty = temp_dir("empty-mnist");
    rejects(l, &["--mnist", &empty.to_string_lossy()], &["train-images-idx3-ubyte"]);
}

#[test]
fn a_short_training_run_shows_and_saves_everything() {
    let dir = temp_dir("train");
    let d = dir.to_string_lossy().into_owned();
    let out = run_lesson("lesson_11_train_cnn", &["--net", "small", "--epochs", "3", "--save", &d]);
    out.assert_exit(0);
    let text = &out.stdout;
    for part in ["Layer Type", "MaxPooling2D", "held-out acc", "true\\pred", "f7", "map 7", "░"] {
        assert!(text.contains(part), "no {part:?} in\n{text}");
    }
    assert!(!out.stderr.contains('█'), "no progress bar without a terminal");
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and one row per epoch:\n{csv}");
    assert!(csv.starts_with("epoch,train_loss,train_acc,val_loss,val_acc,seconds\n1,"));
    let w = load(&dir, "layer00_Conv2D_W.npy");
    assert_eq!(w.shape(), &[8, 1, 3, 3]);
    assert_eq!(load(&dir, "layer04_Dense_W.npy").shape(), &[8 * 4 * 4, 10]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn training_on_mnist_files_the_user_provides() {
    let dir = temp_dir("mnist");
    let mut rng = RandomState::new(4);
    let mut write = |name: &str, n: u32, images: bool| {
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        let bytes = if images {
            let pixels: Vec<u8> =
                rng.uniform(0.0, 255.0, (n as usize) * 144).iter().map(|&p| p as u8).collect();
            idx(&[n, 12, 12], &pixels)
        } else {
            idx(&[n], &labels)
        };
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    write("train-images-idx3-ubyte", 40, true);
    write("train-labels-idx1-ubyte", 40, false);
    write("t10k-images-idx3-ubyte", 20, true);
    write("t10k-labels-idx1-ubyte", 20, false);
    let d = dir.to_string_lossy().into_owned();
    let out = run_lesson("lesson_11_train_cnn", &["--mnist", &d, "--epochs", "2", "--batch-size", "16"]);
    out.assert_exit(0);
    let text = &out.stdout;
    assert!(text.contains("X_train (40, 1, 12, 12)"), "{text}");
    assert!(text.contains("(32, 12, 12)"), "the reference network sized for 12×12 images:\n{text}");
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), idx(&[20], &[12; 20])).unwrap();
    rejects("lesson_11_train_cnn", &["--mnist", &d], &["t10k-labels-idx1-ubyte", "12"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// Every flag that takes a value, of every lesson: given with no value, an
/// empty value, or a malformed one, the lesson exits 2 with a message that
/// names the flag (or the file it names), and never panics.
#[test]
fn every_valued_flag_refuses_a_missing_or_malformed_value() {
    for info in LESSONS {
        for flag in cnn_walkthrough::course::cli::flags_of(info).filter(|f| f.value.is_some()) {
            let name = flag.name;
            rejects(info.name, &[name], &[&format!("{name} needs a value")]);
            rejects(info.name, &[&format!("{name}=")], &[&format!("{name} has an empty value")]);
            if name == "--save" {
                continue; // any name is a directory it may create
            }
            let out = run_lesson(info.name, &[name, "-x%"]);
            assert_eq!(out.code, Some(2), "{} {name} -x%: {}{}", info.name, out.stdout, out.stderr);
            assert!(
                out.message.contains(name) || out.message.contains("-x%"),
                "{} {name}: {}",
                info.name,
                out.stderr
            );
            assert!(!out.stderr.contains("panicked"), "{} {name}: {}", info.name, out.stderr);
        }
    }
}

/// `text` with the byte 0xFF in place of each `#`: never valid UTF-8.
#[cfg(unix)]
fn not_utf8(text: &str) -> OsString {
    let bytes: Vec<u8> = text.bytes().map(|b| if b == b'#' { 0xFF } else { b }).collect();
    OsStr::from_bytes(&bytes).to_os_string()
}

/// An argument that is not UTF-8 (a flag, a stray argument, or the value of
/// a flag that is not a path) is refused with exit status 2 and a message
/// naming it, never a panic; the course runner refuses one too.
#[test]
#[cfg(unix)]
fn an_argument_that_is_not_utf8_exits_2_with_a_message() {
    let l = "lesson_01_zero_pad";
    run_lesson_os(l, &[&not_utf8("--qu#iet")]).assert_error(&["unknown flag '--qu\u{FFFD}iet'"]);
    run_lesson_os(l, &[&not_utf8("extra#")]).assert_error(&["unexpected argument 'extra\u{FFFD}'"]);
    run_lesson_os(l, &[&not_utf8("--quiet=#")]).assert_error(&["--quiet is a switch"]);
    for info in LESSONS {
        for flag in cnn_walkthrough::course::cli::flags_of(info).filter(|f| f.value.is_some() && !f.path) {
            let name = flag.name;
            let message = format!("{name}: the value is not valid UTF-8");
            run_lesson_os(info.name, &[OsStr::new(name), &not_utf8("1#")]).assert_error(&[&message]);
            run_lesson_os(info.name, &[&not_utf8(&format!("{name}=1#"))]).assert_error(&[&message]);
        }
    }
    let runner =
        std::process::Command::new(binary("cnn-walkthrough")).arg(not_utf8("--check#")).output().unwrap();
    let stderr = String::from_utf8_lossy(&runner.stderr);
    assert_eq!(runner.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unexpected arguments") && !stderr.contains("panicked"), "{stderr}");
}

/// A flag that names a file or directory takes any name the system allows,
/// UTF-8 or not.
#[test]
#[cfg(unix)]
fn a_path_that_is_not_utf8_works() {
    let dir = temp_dir("not-utf8");
    let mut save = dir.clone().into_os_string();
    save.push("/");
    save.push(not_utf8("caf#"));
    let out = run_lesson_os("lesson_01_zero_pad", &[OsStr::new("--save"), &save, OsStr::new("--quiet")]);
    out.assert_exit(0);
    assert_eq!(load(Path::new(&save), "x_pad.npy").shape(), &[4, 7, 7, 2]);
    let mut missing = dir.clone().into_os_string();
    missing.push("/");
    missing.push(not_utf8("A#.npy"));
    let [_, w, b] = your_tensors(&dir);
    let args = [
        OsStr::new("--input"),
        &missing,
        OsStr::new("--weights"),
        w.as_ref(),
        OsStr::new("--bias"),
        b.as_ref(),
    ];
    run_lesson_os("lesson_02_conv_forward", &args).assert_error(&["A\u{FFFD}.npy"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// Every kind of bad `.npy` file, given to every flag that reads one in
/// lessons 02, 04 and 05 (with good files for the other flags): exit 2, and
/// a message naming the file (or, for a wrong shape, the flag) and what was wrong.
#[test]
fn every_npy_flag_refuses_every_kind_of_bad_file() {
    let dir = temp_dir("bad-npy");
    let f8 = |values: &[f64]| values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    let good = f8(&vec![0.5; 150]);
    let bad: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not_npy", b"just some text\n".to_vec(), "not a .npy file"),
        ("truncated", raw_npy("<f8", false, "(2, 5, 5, 3)", &good[..40]), "bytes"),
        ("float32", raw_npy("<f4", false, "(2, 5, 5, 3)", &[0; 600]), "<f4"),
        ("int64", raw_npy("<i8", false, "(2, 5, 5, 3)", &[0; 1200]), "<i8"),
        ("bool", raw_npy("|b1", false, "(2, 5, 5, 3)", &[0; 150]), "|b1"),
        ("fortran", raw_npy("<f8", true, "(2, 5, 5, 3)", &good), "Fortran"),
        ("nan", raw_npy("<f8", false, "(2, 5, 5, 3)", &f8(&[f64::NAN; 150])), "NaN"),
        ("inf", raw_npy("<f8", false, "(2, 5, 5, 3)", &f8(&[f64::INFINITY; 150])), "inf"),
        ("empty", raw_npy("<f8", false, "(0, 5, 5, 3)", &[]), "is empty"),
        ("rank2", raw_npy("<f8", false, "(10, 15)", &good), "(10, 15)"),
    ];
    let [a, w, b] = your_tensors(&dir);
    let mut rng = RandomState::new(3);
    let da = save(&dir, "dA.npy", &rng.randn((2, 2, 2, 3)));
    let uses: Vec<(&str, Vec<&str>, usize)> = vec![
        ("lesson_02_conv_forward", vec!["--input", &a, "--weights", &w, "--bias", &b], 1),
        ("lesson_02_conv_forward", vec!["--input", &a, "--weights", &w, "--bias", &b], 3),
        ("lesson_02_conv_forward", vec!["--input", &a, "--weights", &w, "--bias", &b], 5),
        ("lesson_04_pool_forward", vec!["--input", &a, "--f", "2"], 1),
        ("lesson_05_pool_backward", vec!["--input", &a, "--da", &da, "--f", "2"], 1),
        ("lesson_05_pool_backward", vec!["--input", &a, "--da", &da, "--f", "2"], 3),
    ];
    for (kind, bytes, what) in &bad {
        let path = dir.join(format!("{kind}.npy"));
        std::fs::write(&path, bytes).unwrap();
        let path = path.to_string_lossy().into_owned();
        for (lesson, args, at) in &uses {
            let mut args = args.clone();
            args[*at] = &path;
            let out = run_lesson(lesson, &args);
            assert_eq!(out.code, Some(2), "{lesson} {} {kind}: {}{}", args[at - 1], out.stdout, out.stderr);
            let named = out.message.contains(&format!("{kind}.npy")) || out.message.contains(args[at - 1]);
            assert!(
                named && out.message.contains(what),
                "{lesson} {} {kind}: expected the file's or the flag's name and {what:?} in: {}",
                args[at - 1],
                out.stderr
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_device_or_fifo_as_an_npy_flag_is_refused_without_reading_it() {
    let out = run_lesson("lesson_04_pool_forward", &["--input", "/dev/zero"]);
    out.assert_error(&["/dev/zero", "not a regular file", "expected a .npy file"]);
}

#[test]
fn training_on_fewer_than_ten_images_works_or_is_refused() {
    for n in [1u32, 3, 9] {
        let dir = temp_dir(&format!("mnist-{n}"));
        let mut rng = RandomState::new(n);
        for (prefix, count) in [("train", n), ("t10k", n.min(2))] {
            let pixels: Vec<u8> =
                rng.uniform(0.0, 255.0, (count as usize) * 64).iter().map(|&p| p as u8).collect();
            let labels: Vec<u8> = (0..count).map(|i| (i % 10) as u8).collect();
            std::fs::write(dir.join(format!("{prefix}-images-idx3-ubyte")), idx(&[count, 8, 8], &pixels))
                .unwrap();
            std::fs::write(dir.join(format!("{prefix}-labels-idx1-ubyte")), idx(&[count], &labels)).unwrap();
        }
        let d = dir.display().to_string();
        let out = run_lesson("lesson_11_train_cnn", &["--mnist", &d, "--net", "small", "--epochs", "1"]);
        assert!(matches!(out.code, Some(0..=2)), "{n} images: exit {:?}\n{}", out.code, out.stderr);
        assert!(!out.stderr.contains("panicked"), "{n} images:\n{}", out.stderr);
        if out.code == Some(2) {
            assert!(!out.stderr.trim().is_empty(), "{n} images: refused without a message");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// Runs `program` with `args`, stdout sent to `stdout`, stderr captured.
#[cfg(unix)]
fn run_with_stdout(program: &str, args: &[&str], stdout: std::process::Stdio) -> std::process::Output {
    std::process::Command::new(binary(program))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn output_that_cannot_be_written_ends_the_program_cleanly() {
    use std::os::unix::process::ExitStatusExt;
    for (program, args) in [
        ("lesson_01_zero_pad", &["--help"][..]),
        ("lesson_01_zero_pad", &[][..]),
        ("lesson_04_pool_forward", &["--quiet"][..]),
        ("cnn-walkthrough", &[][..]),
        ("cnn-walkthrough", &["--help"][..]),
    ] {
        // A full disk: one line on stderr, exit status 74.
        match std::fs::OpenOptions::new().write(true).open("/dev/full") {
            Ok(full) => {
                let out = run_with_stdout(program, args, full.into());
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(74), "{program} {args:?} > /dev/full: {stderr}");
                assert_eq!(stderr.lines().count(), 1, "{program} {args:?} > /dev/full: {stderr}");
                assert!(stderr.contains("could not write the output"), "{stderr}");
            }
            Err(e) => eprintln!("skipped /dev/full: {e}"),
        }
        // A reader that has gone (`| head -1`): ended by SIGPIPE, as `ls` is, saying nothing.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = run_with_stdout(program, args, writer.into());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.signal(), Some(13), "{program} {args:?} | (closed): {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{program} {args:?} | (closed): {stderr}");
    }
}

#[test]
fn a_diverging_training_run_says_so_fails_and_saves_nothing() {
    let dir = temp_dir("diverged");
    let save = dir.join("out");
    let d = save.display().to_string();
    let out =
        run_lesson("lesson_11_train_cnn", &["--lr", "1e30", "--epochs", "1", "--net", "small", "--save", &d]);
    out.assert_exit(1);
    assert!(out.text.contains("training diverged at epoch 1"), "{}", out.stdout);
    assert!(out.text.contains("try a smaller learning rate"), "{}", out.stdout);
    assert!(out.stdout.contains("FAIL"), "{}", out.stdout);
    assert!(!out.stdout.contains("All 1 checks pass"), "{}", out.stdout);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    // The directory was made before training (to check it can be written in), but holds nothing.
    let saved: Vec<_> = std::fs::read_dir(&save).unwrap().collect();
    assert!(saved.is_empty(), "a diverged run saved {saved:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_that_checks_nothing_says_so_and_does_not_pass() {
    let dir = temp_dir("checks-nothing");
    let (x, w, w0, _) = rectangular_conv2d_inputs(&dir);
    // A 2×3 window: the loops cannot take it, and without --dout there is no backward pass to check.
    let out = run_lesson("lesson_07_conv2d_im2col", &["--input", &x, "--weights", &w, "--bias", &w0]);
    out.assert_exit(1);
    assert!(out.stdout.contains("No comparison with the loops"), "{}", out.stdout);
    assert!(out.stdout.contains("No check ran in this run, so nothing was verified"), "{}", out.stdout);
    assert!(!out.stdout.contains("checks pass"), "{}", out.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

/// The walked cells show where the window is: brackets around it in its
/// channel, the padding as `·`, the maximum of a max-pooling window starred
/// (in the input and in the mask), each with a legend; and lesson 02 shows
/// the worked example's three channels padded to 7×7.
#[test]
fn walked_cells_mark_the_window_the_padding_and_the_maximum() {
    let out = run_lesson("lesson_02_conv_forward", &["--width", "80"]);
    out.assert_exit(0);
    // Row 1 of the three padded channels, side by side at 80 columns.
    out.assert_line("  ·  0  1  1  0  2  ·     ·  1  0  2  2  0  ·     ·  2  1  2  0  0  ·");
    // Z[0,0,1,0]: the window at rows 0:3, columns 2:5 of the padded channel 0.
    out.assert_line("  ·  0 [1  1  0] 2  ·");
    out.assert_line("[ ] the window, · padding (a zero)");

    let out = run_lesson("lesson_04_pool_forward", &[]);
    out.assert_exit(0);
    out.assert_line(" [5   6*] 7   8");
    assert!(out.text.contains("[ ] the window, * the maximum"), "{}", out.stdout);

    let out = run_lesson("lesson_05_pool_backward", &[]);
    out.assert_exit(0);
    assert!(
        out.text.contains("mask adds to dA_prev [[1. 1.] 0 0 [[0. 0.] [5. 6.]] 0 1* [0. 1.]]"),
        "{}",
        out.stdout
    );
    // On a 60-column screen the grids are whole (not wrapped), two channels
    // side by side and the third under them.
    let out = run_lesson("lesson_02_conv_forward", &["--width", "60"]);
    out.assert_exit(0);
    out.assert_line("  ·  0 [1  1  0] 2  ·");
    out.assert_line("a_pad[:,:,2]");
}
