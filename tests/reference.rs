//! The published numbers of `src/reference/`: they agree with one another
//! where two sources share them, and no file cites the notes they were
//! first collected in (a file outside the repository) instead of them.

use std::path::Path;

use cnn_walkthrough::reference::{cs231n, ml_from_scratch, pooling_example, worked_example};

/// A citation of the outside notes, by section (spelled in two pieces so
/// that this file does not cite them itself).
const OUTSIDE_CITATION: &str = concat!("REFERENCE", " §");

fn files_citing(dir: &Path, needle: &str, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_citing(&path, needle, found);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "md" || e == "txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains(needle) {
                    found.push(format!("{}:{}: {line}", path.display(), n + 1));
                }
            }
        }
    }
}

#[test]
fn nothing_cites_the_outside_notes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in ["src", "lessons", "tests"] {
        files_citing(&root.join(dir), OUTSIDE_CITATION, &mut found);
    }
    assert!(found.is_empty(), "cite src/reference/ instead:\n{}", found.join("\n"));
}

#[test]
fn the_citation_scan_finds_a_citation() {
    let dir = std::env::temp_dir().join(format!("cnn-walkthrough-reference-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("inner")).unwrap();
    std::fs::write(dir.join("inner").join("a.rs"), format!("// see {OUTSIDE_CITATION}2\n")).unwrap();
    let mut found = Vec::new();
    files_citing(&dir, OUTSIDE_CITATION, &mut found);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
}

/// The article prints the filters after `w -= 0.001 * grad`; the gradients it
/// does not print must give exactly that update.
#[test]
fn the_worked_examples_gradients_give_its_published_update() {
    use worked_example::published::*;
    let ex = worked_example::WorkedExample::new();
    for f in 0..2 {
        for c in 0..3 {
            for i in 0..3 {
                for j in 0..3 {
                    let w = ex.w[[i, j, c, f]];
                    let updated = w - ex.learning_rate * WEIGHTS_GRAD[f][c][i][j];
                    assert!((updated - UPDATED_WEIGHTS[f][c][i][j]).abs() <= 1e-12, "{f} {c} {i} {j}");
                }
            }
        }
        let bias = ex.b[[0, 0, 0, f]] - ex.learning_rate * BIAS_GRAD[f];
        assert!((bias - UPDATED_BIASES[f]).abs() <= 1e-12);
    }
}

#[test]
fn the_pooling_example_extends_the_cs231n_figure() {
    assert_eq!(pooling_example::INPUT[0], cs231n::MAX_POOL_INPUT);
    assert_eq!(pooling_example::published::OUTPUT[0], cs231n::MAX_POOL_OUTPUT);
    // Max pooling moves each upstream gradient to one cell of its window.
    for c in 0..2 {
        let upstream: f64 = pooling_example::SENSITIVITY[c].iter().flatten().sum();
        let delta: f64 = pooling_example::published::DELTA[c].iter().flatten().sum();
        assert_eq!(upstream, delta);
    }
}

#[test]
fn the_ml_from_scratch_numbers_agree_with_one_another() {
    use ml_from_scratch::cnn::*;
    assert_eq!(PARAMETER_TABLE.iter().sum::<usize>(), TOTAL_PARAMETERS);
    let accuracy = TEST_CORRECT as f64 / TEST_SIZE as f64;
    assert_eq!(format!("{accuracy:.4}"), "0.9875");
    assert_eq!(ml_from_scratch::im2col::I0.to_vec(), [0, 0, 0, 1, 1, 1, 2, 2, 2].repeat(3));
    assert_eq!(ml_from_scratch::im2col::I0_SHAPE, [ml_from_scratch::im2col::I0.len()]);
    assert_eq!(ml_from_scratch::conv2d::PARAMETERS, 16 * 3 * 3 * 3 + 16);
}
