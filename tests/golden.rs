//! What students see, pinned: the output of every lesson (with `NO_COLOR=1`)
//! at 80 and at 100 columns (`--width`), against a golden file in
//! `tests/golden/80/` and `tests/golden/100/`, so that any change to it is
//! deliberate and reviewed in the diff of that file.
//!
//! Numbers are rounded to 4 significant digits before comparing, so that the
//! last-bit differences between processors (fused multiply-add or not) do not
//! show; timings are masked. After a deliberate change, rewrite the files
//! with `UPDATE_GOLDEN=1 cargo test --test all golden::` and review `git diff`.

use crate::common;

use common::{quick_flags, run_lesson};
use std::path::PathBuf;

use cnn_walkthrough::course::registry::LESSONS;

/// `x` with 4 significant digits, as plain decimals; below 1e-6 in size,
/// `0`, as an exact zero prints (there the numbers are rounding errors:
/// differences in check tables, which depend on the processor).
fn round4(x: f64) -> String {
    if x.abs() < 1e-6 {
        return "0".into();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 30) as usize;
    let s = format!("{x:.decimals$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        format!("{:.3}", 0.0)
    } else {
        s
    }
}

/// Every decimal number (digits, a point, digits, maybe an exponent) rounded
/// by [`round4`]; integers, words and everything else kept.
fn round_numbers(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let decimal = j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit();
        if !decimal {
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        j += 1;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
            let mut k = j + 1;
            if k < chars.len() && (chars[k] == '-' || chars[k] == '+') {
                k += 1;
            }
            if k < chars.len() && chars[k].is_ascii_digit() {
                while k < chars.len() && chars[k].is_ascii_digit() {
                    k += 1;
                }
                j = k;
            }
        }
        let text: String = chars[i..j].iter().collect();
        out += &text.parse::<f64>().map_or(text.clone(), round4);
        i = j;
    }
    out
}

/// The output as compared: timings masked, numbers rounded, trailing spaces dropped.
fn normalize(lesson: &str, text: &str) -> String {
    let mut lines = vec![];
    for line in text.lines() {
        let line = if line.starts_with("Training time (s)") {
            "Training time (s) <time>".to_string()
        } else if lesson == "lesson_11_train_cnn" && is_epoch_row(line) {
            // The last column of an epoch's row is its time.
            let cut = line.trim_end().rfind(' ').unwrap_or(line.len());
            format!("{} <time>", &line[..cut])
        } else {
            line.to_string()
        };
        lines.push(squeeze(&round_numbers(&line)));
    }
    lines.join("\n") + "\n"
}

/// Runs of spaces, and of a table's horizontal rules, as one: a table's
/// column widths follow the widest number, whose length rounding changes.
fn squeeze(line: &str) -> String {
    let mut out = String::new();
    for c in line.trim_end().chars() {
        if (c == ' ' || c == '─') && out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// `   12      0.0173     0.9972 …`: an epoch's row of lesson 11.
fn is_epoch_row(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.len() == 6 && fields.iter().all(|f| f.parse::<f64>().is_ok())
}

/// The widths the goldens are taken at: a projector's usual 80 and 100 columns.
pub const WIDTHS: [usize; 2] = [80, 100];

fn golden_path(width: usize, lesson: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{width}/{lesson}.txt"))
}

#[test]
fn every_lesson_prints_what_its_golden_file_says() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty());
    let mut stale = vec![];
    for (width, info) in WIDTHS.iter().flat_map(|w| LESSONS.iter().map(move |l| (*w, l))) {
        let columns = width.to_string();
        let out = run_lesson(info.name, &[quick_flags(info.name), &["--width", &columns]].concat());
        out.assert_exit(0);
        let got = normalize(info.name, &out.stdout);
        let path = golden_path(width, info.name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if got != expected {
            let first = got.lines().zip(expected.lines()).position(|(a, b)| a != b);
            let line = first.unwrap_or(got.lines().count().min(expected.lines().count()));
            let show = |t: &str| t.lines().nth(line).unwrap_or("<end>").to_string();
            stale.push(format!(
                "{} at {width} columns: first difference at line {}\n  golden: {}\n  now:    {}",
                info.name,
                line + 1,
                show(&expected),
                show(&got)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the output changed:\n{}\nIf the change is deliberate, run `UPDATE_GOLDEN=1 cargo test --test all golden::` \
         and review the diff of tests/golden/.",
        stale.join("\n")
    );
}

#[test]
fn numbers_are_rounded_and_timings_masked() {
    assert_eq!(round_numbers("x = [0.90085595 -0.68372786] 12 f3 1e-5"), "x = [0.9009 -0.6837] 12 f3 1e-5");
    assert_eq!(round_numbers("1.2345678e-05, 123456.7, 0.0, 2.2e-16"), "0.00001235, 123457, 0, 0");
    assert_eq!(round_numbers("v2.5 (3, 4)"), "v2.5 (3, 4)");
    let row = "    3      0.0173     0.9972         0.0561        0.9847      0.33";
    assert!(is_epoch_row(row));
    assert_eq!(normalize("lesson_11_train_cnn", row), " 3 0.01730 0.9972 0.05610 0.9847 <time>\n");
    assert_eq!(normalize("lesson_01_zero_pad", "Training time (s) 9.3  \n"), "Training time (s) <time>\n");
    assert_eq!(squeeze("│ max 0   (tol 0)  │\n├────┼──┤"), "│ max 0 (tol 0) │\n├─┼─┤");
}
