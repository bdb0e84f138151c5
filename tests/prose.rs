//! Prose as an instructor reads it on a projector: each paragraph wrapped
//! once, commands and code on lines of their own that are never broken,
//! short formulas kept whole, and a note wherever cells are left out.

use crate::common::{self, Output};

/// `lesson`'s default output at `width` columns.
fn at(lesson: &str, width: usize) -> Output {
    let out = common::run_lesson(lesson, &["--width", &width.to_string()]);
    assert_eq!(out.code, Some(0), "{lesson} at {width}: {}", out.stderr);
    out
}

#[test]
fn commands_and_code_are_whole_lines_at_every_width() {
    let whole = [
        ("lesson_07_conv2d_im2col", "  cargo run --release --bin lesson_07_conv2d_im2col \\"),
        ("lesson_03_conv_backward", "  A_prev = randn(10,4,4,3)"),
        ("lesson_01_zero_pad", "  accum_grad[:, :, 1:33, 1:33]"),
        ("lesson_09_layers", "  accum_grad[:, :, 1:33, 1:33]"),
        ("lesson_06_im2col", "  ⟨image_to_column(x), y⟩ = ⟨x, column_to_image(y)⟩"),
    ];
    for width in [60, 80, 100] {
        for (lesson, line) in whole {
            let out = at(lesson, width);
            assert!(out.stdout.lines().any(|l| l == line), "{lesson} at {width}: no line {line:?}");
        }
    }
}

#[test]
fn short_formulas_stay_on_one_line() {
    for width in [60, 80, 100] {
        let out = at("lesson_09_layers", width);
        for formula in ["1/(1 − p)", "→ output (4, 3, 5, 5), 6 parameters"] {
            assert!(out.stdout.lines().any(|l| l.contains(formula)), "{formula:?} broken at {width}");
        }
        let out = at("lesson_04_pool_forward", width);
        assert!(out.stdout.lines().any(|l| l.contains("channels: 3 → 3")), "channels broken at {width}");
    }
}

#[test]
fn a_paragraph_wraps_flush_left_and_an_item_under_its_text() {
    let out = at("lesson_03_conv_backward", 80);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let item = lines.iter().position(|l| l.starts_with("1. Expand")).expect("step 1");
    assert!(
        lines[item + 1].starts_with("   ") && !lines[item + 1].starts_with("    "),
        "{}",
        lines[item + 1]
    );
    let paragraph = lines.iter().position(|l| l.starts_with("The article's check")).expect("the check");
    assert!(!lines[paragraph + 1].starts_with(' '), "{}", lines[paragraph + 1]);
}

#[test]
fn cells_left_out_are_announced() {
    for lesson in ["lesson_02_conv_forward", "lesson_04_pool_forward", "lesson_05_pool_backward"] {
        let out = common::run_lesson(lesson, &[]);
        assert!(out.text.contains("go the same way: run with --verbose or --step"), "{lesson}");
        let out = common::run_lesson(lesson, &["--verbose"]);
        assert!(!out.text.contains("go the same way"), "{lesson} --verbose");
    }
}

#[test]
fn lesson_01_draws_its_padding_as_dots() {
    let out = at("lesson_01_zero_pad", 80);
    assert!(out.text.contains("· padding (a zero)"), "{}", out.stdout);
    assert!(!out.text.contains("shown as 0"));
}
