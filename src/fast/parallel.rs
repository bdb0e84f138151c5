//! Two cores: work split in two halves, one on a second thread, when it is
//! large enough to pay for starting that thread (some tens of microseconds).
//! Splitting elementwise work or the rows of a product changes no number;
//! a caller that adds up the halves' partial sums (Conv2D's gradients)
//! rounds differently on one core than on two.

use std::sync::OnceLock;

/// How many threads the splits here use: 2, or 1 on a single core.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(2))
}

/// Elementwise work below this many values stays on one thread.
pub const MIN_VALUES: usize = 1 << 17;

/// `a()` and `b()`, side by side on two threads when there are two cores,
/// else one after the other.
///
/// ```
/// let (a, b) = cnn_walkthrough::fast::parallel::join(|| 1 + 1, || 2 * 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub fn join<RA: Send, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    if threads() < 2 {
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
/// cnn_walkthrough::fast::parallel::split_mut(&mut squares, |start, part| {
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
    join(|| work(0, first), || work(mid, second));
}
