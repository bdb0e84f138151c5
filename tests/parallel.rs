//! The two-core splits (`cnn_walkthrough::fast::parallel`): `join` gives
//! both results, `dot` split by columns gives the unsplit product's numbers, resumes a panic of either half after both have finished,
//! keeps working after a panic, and gives the same results when splits are
//! nested or made from many threads at once (the worker then takes one and
//! the others run their halves one after the other).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::fast::float::dot;
use cnn_walkthrough::fast::parallel::{join, split_mut};

/// The message of a caught panic.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn join_gives_both_results_with_borrowed_data() {
    let data: Vec<u64> = (1..=1000).collect();
    let (first, second) = data.split_at(500);
    for _ in 0..200 {
        let (a, b) = join(|| first.iter().sum::<u64>(), || second.iter().sum::<u64>());
        assert_eq!((a, b), (125_250, 375_250));
    }
}

#[test]
fn a_panic_in_either_half_reaches_the_caller_after_both_finish() {
    let a_finished = AtomicBool::new(false);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        join(
            || {
                std::thread::sleep(Duration::from_millis(50));
                a_finished.store(true, Ordering::SeqCst);
            },
            || panic!("b failed"),
        )
    }))
    .expect_err("b's panic is resumed");
    assert_eq!(message(panic), "b failed");
    assert!(a_finished.load(Ordering::SeqCst), "join unwound before a had finished");

    let panic =
        catch_unwind(|| join(|| -> u8 { panic!("a failed") }, || 2)).expect_err("a's panic is resumed");
    // Raised again with its message (and, when the worker ran it, a note saying so).
    assert!(message(panic).starts_with("a failed"), "a's panic lost its message");
    // The worker is still there for the next split.
    assert_eq!(join(|| 1, || 2), (1, 2));
}

#[test]
fn nested_and_concurrent_splits_give_the_same_results() {
    let expected: Vec<u64> = (0..300_000u64).map(|i| i * i % 7919).collect();
    let fill = || {
        let mut values = vec![0u64; 300_000];
        split_mut(&mut values, |start, part| {
            // A split inside a split: runs one half after the other.
            let mid = part.len() / 2;
            let (x, y) = part.split_at_mut(mid);
            let square = |offset: usize, part: &mut [u64]| {
                for (i, v) in part.iter_mut().enumerate() {
                    let i = (start + offset + i) as u64;
                    *v = i * i % 7919;
                }
            };
            join(|| square(0, x), || square(mid, y));
        });
        values
    };
    assert_eq!(fill(), expected);
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..8).map(|_| s.spawn(fill)).collect();
        for run in runs {
            assert_eq!(run.join().expect("no panic"), expected);
        }
    });
}

#[test]
fn dot_split_by_columns_gives_the_unsplit_products_numbers() {
    // Large enough to be split (at least 2^20 multiply-adds), an odd number of columns.
    let mut rng = RandomState::new(19);
    for (m, k, n) in [(64, 256, 97), (256, 2048, 33), (3, 1024, 1001)] {
        let a = rng.randn((m, k)).mapv(|v| v as f32);
        let b = rng.randn((k, n)).mapv(|v| v as f32);
        let mut whole = ndarray::Array2::<f32>::zeros((m, n));
        ndarray::linalg::general_mat_mul(1.0, &a, &b, 0.0, &mut whole);
        assert_eq!(dot(&a.view(), &b.view()), whole, "({m}, {k}) · ({k}, {n})");
        assert_eq!(dot(&b.t(), &a.t()), whole.t(), "the transposed product, ({n}, {k}) · ({k}, {m})");
    }
}
