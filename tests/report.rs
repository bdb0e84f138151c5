//! What lesson 11 draws in the terminal: heat maps (shades at the ends and
//! midpoints of the scale, flat input, NaN, alignment of blocks side by
//! side), the confusion matrix and its table, and the progress bar (its
//! cells, and that it stays silent when stderr is not a terminal).

use cnn_walkthrough::course::heatmap::{
    confusion_matrix, confusion_table, heat_map, heat_map_auto, side_by_side, SHADES,
};
use cnn_walkthrough::course::progress::{line, Progress};
use cnn_walkthrough::Error;
use ndarray::{arr2, Array2};

/// The shade characters of one line, one per pixel (every pixel is two equal characters).
fn pixels(line: &str) -> Vec<char> {
    let chars: Vec<char> = line.chars().collect();
    assert_eq!(chars.len() % 2, 0, "odd width: {line:?}");
    chars
        .chunks(2)
        .map(|p| {
            assert_eq!(p[0], p[1], "pixel not doubled in {line:?}");
            p[0]
        })
        .collect()
}

fn block(caption: &str, lines: &[&str]) -> (String, Vec<String>) {
    (caption.to_string(), lines.iter().map(|l| l.to_string()).collect())
}

#[test]
fn shades_at_the_ends_and_midpoints_of_the_scale() {
    // lo = 2, hi = 6: steps of 1 are exactly the five shades; 2.4 rounds down, 2.6 up, below and above clamp.
    let a = arr2(&[[2.0, 3.0, 4.0, 5.0, 6.0], [2.4, 2.6, 5.4, -100.0, 100.0]]);
    let map = heat_map(&a.view(), 2.0, 6.0);
    assert_eq!(pixels(&map[0]), SHADES);
    assert_eq!(pixels(&map[1]), [' ', '░', '▓', ' ', '█']);
    assert_eq!(map[0], "  ░░▒▒▓▓██");
    // Infinities clamp to the ends.
    let inf = arr2(&[[f64::NEG_INFINITY, f64::INFINITY]]);
    assert_eq!(heat_map(&inf.view(), 0.0, 1.0), ["  ██"]);
}

#[test]
fn flat_scale_and_nan() {
    let a = arr2(&[[3.0, 3.0], [3.0, f64::NAN]]);
    assert_eq!(heat_map_auto(&a.view()), ["    ", "  ??"]);
    // hi below lo, and hi equal to lo: every pixel is the lowest shade.
    let b = arr2(&[[0.0, 1.0, 2.0]]);
    assert_eq!(heat_map(&b.view(), 2.0, 0.0), ["      "]);
    assert_eq!(heat_map(&b.view(), 1.0, 1.0), ["      "]);
    assert_eq!(heat_map(&b.view(), 0.0, f64::NAN), ["      "]);
    // All NaN: no scale at all.
    let c = arr2(&[[f64::NAN]]);
    assert_eq!(heat_map_auto(&c.view()), ["??"]);
    // No overflow on the widest scale.
    let d = arr2(&[[-f64::MAX, 0.0, f64::MAX]]);
    assert_eq!(heat_map(&d.view(), -f64::MAX, f64::MAX), ["  ▒▒██"]);
}

#[test]
fn auto_scale_ignores_nan_and_infinities() {
    let a = arr2(&[[f64::NAN, 10.0, 12.5], [15.0, 20.0, f64::INFINITY]]);
    // lo = 10, hi = 20.
    assert_eq!(heat_map_auto(&a.view()), ["??  ░░", "▒▒████"]);
}

#[test]
fn lines_have_equal_widths() {
    let a = Array2::from_shape_fn((8, 5), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 4.0);
    let map = heat_map_auto(&a.view());
    assert_eq!(map.len(), 8);
    for line in &map {
        assert_eq!(line.chars().count(), 10, "{line:?}");
    }
    // The extremes of the array are the extremes of the shades.
    let all: String = map.concat();
    assert!(all.contains('█') && all.contains(' '));
}

#[test]
fn side_by_side_aligns_by_characters_with_different_heights() {
    let maps =
        [block("a", &["██░░", "▒▒▒▒", "▓▓  "]), block("filter 10", &["░░"]), block("c", &["██", "██"])];
    let s = side_by_side(&maps, 2, 80);
    // Columns 4 ("██░░"), 9 ("filter 10") and 2 characters wide, 2 spaces apart; trailing spaces trimmed.
    let expected = "\
a     filter 10  c
██░░  ░░         ██
▒▒▒▒             ██
▓▓
";
    assert_eq!(s, expected);
    // Every line but the trimmed ones starts column 2 at the same character.
    for line in s.lines().take(2) {
        assert_eq!(line.chars().nth(6), Some(if line.starts_with('a') { 'f' } else { '░' }));
    }
    assert_eq!(side_by_side(&[], 3, 80), "");
}

#[test]
fn side_by_side_puts_as_many_as_fit_on_a_row_and_a_blank_line_between_rows() {
    let maps: Vec<_> = (0..5).map(|k| block(&format!("f{k}"), &["▒▒"])).collect();
    // Two blocks of 2 columns and a gap of 1 take 5 columns; three would take 8.
    for width in [5, 6, 7] {
        assert_eq!(side_by_side(&maps, 1, width), "f0 f1\n▒▒ ▒▒\n\nf2 f3\n▒▒ ▒▒\n\nf4\n▒▒\n");
    }
    assert!(side_by_side(&maps, 1, 8).starts_with("f0 f1 f2\n"));
}

#[test]
fn side_by_side_narrower_than_a_block_puts_each_on_its_own_row() {
    let maps = [block("a", &["██"]), block("b", &["░░"])];
    assert_eq!(side_by_side(&maps, 1, 0), "a\n██\n\nb\n░░\n");
}

#[test]
fn confusion_matrix_counts_by_hand() {
    let truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
    let predicted = [0, 0, 2, 1, 0, 2, 2, 2, 1];
    let m = confusion_matrix(&truth, &predicted, 3).unwrap();
    assert_eq!(m, arr2(&[[2, 0, 1], [1, 1, 0], [0, 1, 3]]));
    assert_eq!(m.sum(), truth.len());
    assert_eq!(confusion_matrix(&[], &[], 10).unwrap(), Array2::zeros((10, 10)));
}

#[test]
fn confusion_matrix_errors() {
    let e = confusion_matrix(&[0, 1, 2], &[0, 1], 3).unwrap_err();
    assert!(matches!(&e, Error::Shape { what, found, .. } if what == "predicted" && found == &[2]), "{e:?}");
    assert_eq!(e.to_string(), "predicted has shape (2,); expected (3,), one prediction per label of truth");

    let e = confusion_matrix(&[0, 1, 2], &[0, 1, 2], 2).unwrap_err();
    assert!(matches!(&e, Error::Parameter { name, .. } if name == "truth[2]"), "{e:?}");
    assert_eq!(e.to_string(), "truth[2] is 2; expected a class in 0..2");

    let e = confusion_matrix(&[0, 1, 1], &[0, 9, 1], 2).unwrap_err();
    assert_eq!(e.to_string(), "predicted[1] is 9; expected a class in 0..2");
}

#[test]
fn confusion_table_totals_and_percentages() {
    // 10 classes, as in lesson 11: class 3 has 37 samples, 36 right and one taken for an 8; class 5 has none.
    let mut m = Array2::<usize>::zeros((10, 10));
    for c in 0..10 {
        m[[c, c]] = 10;
    }
    m[[3, 3]] = 36;
    m[[3, 8]] = 1;
    m[[5, 5]] = 0;
    m[[7, 1]] = 2;
    let t = confusion_table(&m.view(), 100);
    let lines: Vec<&str> = t.lines().collect();
    let row = |label: &str| {
        let cells: Vec<String> = lines
            .iter()
            .find(|l| l.trim_start_matches('│').trim_start().starts_with(&format!("{label} ")))
            .unwrap_or_else(|| panic!("no row {label} in\n{t}"))
            .split('│')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        cells
    };
    let header = row(r"true \ predicted");
    assert_eq!(header[1..11], ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(header[11..], ["total", "correct"]);
    assert_eq!(row("3")[1..], ["·", "·", "·", "36", "·", "·", "·", "·", "1", "·", "37", "97.3%"]);
    assert_eq!(row("5")[11..], ["0", "-"]);
    assert_eq!(row("7")[11..], ["12", "83.3%"]);
    // Column sums; 36 + 8·10 = 116 right of 119.
    let total = row("total");
    assert_eq!(total[1..], ["10", "12", "10", "36", "10", "0", "10", "10", "11", "10", "119", "97.5%"]);
    // Every line of the box is as wide as the others.
    let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{t}");
    assert!(!t.contains('\x1b'));
}

// The bar's cells are indicatif's: see the tests in src/progress.rs, which
// draw it on an 80-column terminal of their own.

#[test]
fn hidden_progress_does_nothing() {
    let mut p = Progress::hidden(100);
    assert!(!p.is_drawing());
    p.set(50, "loss 0.5");
    p.finish();
    assert!(!p.is_drawing());
}

/// Set in the environment of the copy of this test binary that
/// `no_bar_when_stderr_is_piped` runs with stderr piped.
const CHILD: &str = "REPORT_TEST_PIPED_CHILD";

#[test]
fn no_bar_when_stderr_is_piped() {
    if std::env::var_os(CHILD).is_some() {
        // The child: stderr is a pipe, whatever the terminal `cargo test` runs in.
        let mut p = Progress::new(10, "epoch 1");
        for k in 0..=10 {
            p.set(k, "loss 1.0");
        }
        p.finish();
        println!("drawing: {}", p.is_drawing());
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "report::no_bar_when_stderr_is_piped", "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("drawing: false"), "{stdout}");
    assert!(stderr.is_empty(), "the bar was drawn on a pipe: {stderr:?}");
}

#[test]
fn new_draws_only_on_a_terminal() {
    use std::io::IsTerminal;
    let p = Progress::new(10, "epoch 1");
    assert_eq!(p.is_drawing(), std::io::stderr().is_terminal());
}

/// Cells of the bar, as in the progress module's template.
const BAR_WIDTH: usize = 30;

/// What the bar draws after `done` of `total` with `note`.
fn drawn(total: usize, done: usize, note: &str) -> String {
    line(total, done, "epoch 3", note)
}

#[test]
fn the_bar_line_has_the_label_bar_count_and_note() {
    // Rounded down: 640/1078 of 30 cells is 17.8.
    let line = drawn(1078, 640, "loss 0.412");
    let bar = format!("{}{}", "█".repeat(17), "·".repeat(13));
    assert_eq!(line, format!("epoch 3 [{bar}] 640/1078 loss 0.412"));
    assert!(!line.contains('\x1b'), "no colour: {line:?}");
    assert_eq!(drawn(10, 10, "").trim_end(), format!("epoch 3 [{}] 10/10", "█".repeat(BAR_WIDTH)));
    assert_eq!(drawn(10, 0, "x"), format!("epoch 3 [{}] 0/10 x", "·".repeat(BAR_WIDTH)));
    // Rounded down: 9/10 of 30 cells is 27; nothing to do is all done.
    assert!(drawn(10, 9, "").contains(&format!("[{}···]", "█".repeat(27))));
    assert!(drawn(0, 0, "").contains(&format!("[{}]", "█".repeat(BAR_WIDTH))));
}

#[test]
fn the_longest_bar_line_fits_80_columns() {
    let line = drawn(60_000, 59_999, "loss 123456.789");
    assert!(line.chars().count() <= 80, "{line}");
}
