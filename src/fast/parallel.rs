//! Two cores: work split in two halves, one on a second thread, when it is
//! large enough to pay for handing it over. Splitting elementwise work or
//! the rows of a product changes no number; a caller that adds up the
//! halves' partial sums (Conv2D's gradients) rounds differently on one core
//! than on two.
//!
//! Why a thread of our own rather than `std::thread::scope` or rayon: an
//! epoch of lesson 11 makes about 80 splits of 0.1–5 ms each, and on the
//! 2-vCPU machine the course is developed on, starting a scoped thread for
//! each took 110–240 µs, and `rayon::join` 30–300 µs once its worker had
//! gone to sleep between splits. One worker thread, started once, that
//! keeps polling for a while after each job takes the next in 1–5 µs. After
//! its first few thousand polls it yields the core to any other thread at
//! each poll, and it parks after [`POLL`] without work, so an idle course
//! does not hold the second core.
//! One split at a time uses the worker; a split made while it is busy (or
//! from the worker itself) runs its halves one after the other, with the
//! same numbers.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How many threads the splits here use: 2, or 1 on a single core.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(2))
}

/// Elementwise work below this many values stays on one thread.
pub const MIN_VALUES: usize = 1 << 17;

/// `a()` and `b()`, side by side on two threads when there are two cores
/// (`a` on the worker), else one after the other. A panic in either is
/// resumed here, after both have finished.
///
/// ```
/// let (a, b) = cnn_walkthrough::fast::parallel::join(|| 1 + 1, || 2 * 2);
/// assert_eq!((a, b), (2, 4));
/// ```
pub fn join<RA: Send, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    let Some(worker) = worker() else { return (a(), b()) };
    if worker.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        return (a(), b());
    }
    let mut a = Some(a);
    let mut result = None;
    let mut call = || result = Some(catch_unwind(AssertUnwindSafe(a.take().expect("called once"))));
    let call: &mut (dyn FnMut() + Send + '_) = &mut call;
    // SAFETY: only the lifetime is erased. The worker calls `call` once and
    // then sets `DONE`; `finished` below waits for `DONE` before this
    // function returns or unwinds, so `call`, `a` and `result` outlive the call.
    let call: *mut (dyn FnMut() + Send + 'static) = unsafe { std::mem::transmute(call) };
    *worker.job.lock().unwrap_or_else(PoisonError::into_inner) = Some(Job(call));
    worker.state.store(POSTED, Ordering::SeqCst);
    if worker.parked.load(Ordering::SeqCst) {
        worker.thread.unpark();
    }
    let finished = Finished(worker);
    let rb = b();
    drop(finished);
    match result.expect("the worker ran `a`") {
        Ok(ra) => (ra, rb),
        // Raised again here with its message: the worker's own report of it may have gone
        // where this thread's output does not (a test's captured output, say).
        Err(panic) => match message(panic.as_ref()) {
            Some(message) => panic!("{message} (in the half run by the worker thread)"),
            None => resume_unwind(panic),
        },
    }
}

/// A panic's message, when it has one.
fn message(panic: &(dyn std::any::Any + Send)) -> Option<String> {
    panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned())
}

/// How long the worker keeps polling for a new job after its last one.
pub const POLL: Duration = Duration::from_millis(5);

/// The worker's states.
const IDLE: u8 = 0;
const POSTED: u8 = 1;
const DONE: u8 = 2;

/// A job for the worker: a caller's closure, its lifetime erased (see [`join`]).
struct Job(*mut (dyn FnMut() + Send + 'static));

// SAFETY: the closure is `Send`; the pointer is only followed by the worker,
// while the caller waits for it.
unsafe impl Send for Job {}

/// The one worker thread and its hand-over.
struct Worker {
    /// Held by a caller of [`join`] from posting a job until it is done.
    busy: AtomicBool,
    /// `IDLE`, `POSTED` (a job is in `job`) or `DONE`.
    state: AtomicU8,
    job: Mutex<Option<Job>>,
    /// Set while the worker is parked (or about to park).
    parked: AtomicBool,
    thread: Thread,
}

/// Waits (on drop, so also when `b` panics) for the worker to finish the
/// posted job, then frees the worker for the next [`join`].
struct Finished(&'static Worker);

impl Drop for Finished {
    fn drop(&mut self) {
        let mut polls = 0u32;
        while self.0.state.load(Ordering::Acquire) != DONE {
            // Polls, then lets other threads (the worker, on a busy machine) have the core.
            polls = polls.saturating_add(1);
            if polls < 1 << 12 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        self.0.state.store(IDLE, Ordering::Relaxed);
        self.0.busy.store(false, Ordering::Release);
    }
}

/// The worker, started at the first call; `None` on one core, or when no
/// thread can be started.
fn worker() -> Option<&'static Worker> {
    static WORKER: OnceLock<Option<&'static Worker>> = OnceLock::new();
    *WORKER.get_or_init(|| {
        if threads() < 2 {
            return None;
        }
        let (ready, wait) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("cnn-walkthrough worker".into())
            .spawn(move || {
                let worker: &'static Worker = Box::leak(Box::new(Worker {
                    busy: AtomicBool::new(false),
                    state: AtomicU8::new(IDLE),
                    job: Mutex::new(None),
                    parked: AtomicBool::new(false),
                    thread: std::thread::current(),
                }));
                if ready.send(worker).is_ok() {
                    work(worker);
                }
            })
            .ok()?;
        wait.recv().ok()
    })
}

/// The worker's loop: waits for a job (polling for [`POLL`], then parked),
/// runs it, marks it done.
fn work(worker: &Worker) {
    loop {
        let mut since = Instant::now();
        let mut polls = 0u32;
        while worker.state.load(Ordering::Acquire) != POSTED {
            polls = polls.wrapping_add(1);
            if polls < 1 << 12 {
                std::hint::spin_loop();
                continue;
            }
            std::thread::yield_now();
            if polls.is_multiple_of(64) && since.elapsed() > POLL {
                worker.parked.store(true, Ordering::SeqCst);
                if worker.state.load(Ordering::SeqCst) != POSTED {
                    std::thread::park();
                }
                worker.parked.store(false, Ordering::SeqCst);
                (since, polls) = (Instant::now(), 0);
            }
        }
        let job = worker.job.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(Job(call)) = job {
            // SAFETY: see `join`: the caller waits for `DONE`, so the closure is alive;
            // it catches its own panics, so none unwinds here.
            unsafe { (*call)() };
        }
        worker.state.store(DONE, Ordering::Release);
    }
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
