//! Two cores: work split in two halves, one on a second thread, when it is
//! large enough to pay for starting that thread (some tens of microseconds).
//! Every split gives the same numbers as doing the work in one piece.

use std::sync::OnceLock;

/// How many threads the splits here use: 2, or 1 on a single core.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(2))
}

/// Elementwise work below this many values stays on one thread.
pub const MIN_VALUES: usize = 1 << 17;

/// `a()` and `b()`, side by side on two threads when `worth_it` (and there
/// are two cores), else one after the other.
///
/// ```
/// let (a, b) = cnn_walkthrough::parallel::join(true, || 1 + 1, || 2 * 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub fn join<RA: Send, RB>(worth_it: bool, a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    if !worth_it || threads() < 2 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let first = scope.spawn(a);
        let second = b();
        (first.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), second)
    })
}

/// `work(start, part)` over `out` in two halves when `out` holds at least
/// [`MIN_VALUES`], else in one; `start` is the index in `out` of the part's
/// first value.
///
/// ```
/// let mut squares = vec![0; 100_000];
/// cnn_walkthrough::parallel::split_mut(&mut squares, |start, part| {
///     for (i, v) in part.iter_mut().enumerate() {
///         *v = (start + i) as u64 * (start + i) as u64;
///     }
/// });
/// assert_eq!(squares[99_999], 99_999 * 99_999);
/// ```
pub fn split_mut<T: Send>(out: &mut [T], work: impl Fn(usize, &mut [T]) + Sync) {
    let mid = out.len() / 2;
    if out.len() < MIN_VALUES || threads() < 2 {
        return work(0, out);
    }
    let (first, second) = out.split_at_mut(mid);
    join(true, || work(0, first), || work(mid, second));
}
