//! Shared by the integration tests: run a lesson binary and look at what it
//! printed; and the case generation and reporting of the property tests.
#![allow(dead_code)]

use std::cell::Cell;
use std::ffi::OsStr;
use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Error;
use ndarray::{Array, Array4, ArrayView, Dimension};
use proptest::prelude::{any, Strategy};
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence, TestRunner};

/// What a lesson run printed, and how it exited.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// stderr with its lines joined and runs of spaces collapsed: messages
    /// are wrapped to 80 columns, so a phrase may span two lines of stderr.
    pub message: String,
    /// stdout the same way: prose is wrapped to the screen's width.
    pub text: String,
}

impl Output {
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.code,
            Some(code),
            "exit status\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
    }

    /// A whole line of stdout equals `line`.
    pub fn assert_line(&self, line: &str) {
        assert!(self.stdout.lines().any(|l| l == line), "no line {line:?} in:\n{}", self.stdout);
    }

    /// stderr mentions every one of `parts`.
    pub fn assert_error(&self, parts: &[&str]) {
        self.assert_exit(2);
        for p in parts {
            assert!(self.message.contains(p), "stderr lacks {p:?}:\n{}", self.stderr);
        }
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
    }
}

/// The built binary `name` (cargo builds every binary before the integration tests).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs the course runner `cnn-walkthrough` with `args`, at 80 columns,
/// no colour, no stdin.
pub fn runner(args: &[&str]) -> Output {
    output_of(
        &Command::new(binary("cnn-walkthrough"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "80")
            .stdin(Stdio::null())
            .output()
            .expect("running cnn-walkthrough"),
    )
}

/// Runs lesson `name` with `args`, no colour, no stdin.
pub fn run_lesson(name: &str, args: &[&str]) -> Output {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_lesson_os(name, &args)
}

/// [`run_lesson`] with arguments that need not be UTF-8.
pub fn run_lesson_os(name: &str, args: &[&OsStr]) -> Output {
    let out = Command::new(binary(name))
        .args(args)
        .env("NO_COLOR", "1")
        // The width is 80 (not a terminal) unless a test says otherwise.
        .env_remove("COLUMNS")
        .env_remove("LINES")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"));
    output_of(&out)
}

/// What a finished process printed, and how it exited.
pub fn output_of(out: &std::process::Output) -> Output {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Output {
        text: stdout.split_whitespace().collect::<Vec<_>>().join(" "),
        code: out.status.code(),
        stdout,
        message: stderr.split_whitespace().collect::<Vec<_>>().join(" "),
        stderr,
    }
}

/// Whether the tests run at full strength: `CNN_WALKTHROUGH_FULL=1` (CI sets
/// it, with `PROPTEST_CASES=256`). Then the course runner's test also checks
/// lesson 11 at its defaults (the reference network trained for 50 epochs,
/// 98% held-out accuracy: about 20 s in the test profile), which a student's
/// `cargo test` leaves to CI.
pub fn full_strength() -> bool {
    std::env::var_os("CNN_WALKTHROUGH_FULL").is_some_and(|v| v == "1")
}

/// The flags a lesson runs with in the tests that run every lesson: the
/// defaults, except lesson 11, which trains the small network for two
/// epochs. Its default run (the reference network, 50 epochs, and f32 sums
/// that differ by processor) is tested by the course runner's `--check` at
/// full strength (`lessons::the_course_runner_lists_and_checks_every_lesson`).
pub fn quick_flags(lesson: &str) -> &'static [&'static str] {
    match lesson {
        "lesson_11_train_cnn" => &["--net", "small", "--epochs", "2", "--batch-size", "64"],
        _ => &[],
    }
}

/// Same shape and every element within `tol`.
pub fn assert_all_close<D1: Dimension, D2: Dimension>(
    expected: &ArrayView<f64, D1>,
    computed: &ArrayView<f64, D2>,
    tol: f64,
) {
    assert_eq!(expected.shape(), computed.shape(), "shapes differ");
    for (e, c) in expected.iter().zip(computed.iter()) {
        assert!(
            (e - c).abs() <= tol,
            "expected {e}, computed {c} (tol {tol})\nexpected {expected}\ncomputed {computed}"
        );
    }
}

/// A fresh empty directory under the system's temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cnn-walkthrough-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

// ---------------------------------------------------------------------------
// Property tests (tests/properties.rs, tests/properties_im2col.rs)
// ---------------------------------------------------------------------------
//
// The cases come from `proptest`: the sizes of a case (batch, image, window,
// padding, stride, …) are integer strategies, so that a failing case shrinks
// to the smallest shape that still fails; the tensor values come from the
// crate's own numpy-compatible generator, `RandomState::new(seed)`, with the
// `seed` itself a proptest value. Every failure message starts with
// `describe_case(…)`: the property, the seed and the sizes; proptest then
// adds the minimal failing input (sizes and seed) and keeps its seed in
// `<test file>.proptest-regressions` next to the test file, to replay it
// first next time. (Panics while proptest shrinks are not printed: its
// `handle-panics` feature; the final report carries the failing message.)
//
// How many cases: `PROPTEST_CASES` when it is set (CI sets 256), else
// [`DEFAULT_CASES`]. `PROPTEST_RNG_SEED` fixes proptest's own generator.

/// How many cases each property runs when `PROPTEST_CASES` is not set.
pub const DEFAULT_CASES: u32 = 64;

/// Proptest's configuration for the properties of `source_file`: its
/// defaults (and its environment variables), with [`DEFAULT_CASES`] cases
/// unless `PROPTEST_CASES` is set.
pub fn proptest_config(source_file: &'static str) -> ProptestConfig {
    let mut config = ProptestConfig {
        source_file: Some(source_file),
        // `tests/properties.proptest-regressions` for `tests/properties.rs`
        // (proptest's default looks for a `lib.rs` beside the test file).
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = DEFAULT_CASES;
    }
    config
}

/// Runs `body` on cases drawn from `strategy` (a panic fails the case), and on
/// a failure shrinks it and panics with proptest's report: the failing
/// assertion's message and the minimal failing input. Failures are persisted
/// next to the calling file. Returns how many cases passed.
#[track_caller]
pub fn check<S>(property: &str, strategy: S, body: impl Fn(S::Value)) -> usize
where
    S: Strategy,
    S::Value: fmt::Debug,
{
    check_with(proptest_config(std::panic::Location::caller().file()), property, strategy, body)
}

/// [`check`] with a configuration of its own (more cases, say).
pub fn check_with<S>(config: ProptestConfig, property: &str, strategy: S, body: impl Fn(S::Value)) -> usize
where
    S: Strategy,
    S::Value: fmt::Debug,
{
    let cases = config.cases as usize;
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, |value| {
        body(value);
        Ok(())
    }) {
        panic!("property {property}: {e}");
    }
    cases
}

/// A padding with each side (independently) in `0..=max`.
pub fn paddings(max: usize) -> impl Strategy<Value = Padding2D> + Clone {
    (0..=max, 0..=max, 0..=max, 0..=max).prop_map(|(top, bottom, left, right)| Padding2D {
        top,
        bottom,
        left,
        right,
    })
}

/// The seed of a case's tensor values (`RandomState::new(seed)`).
pub fn seeds() -> impl Strategy<Value = u32> {
    any::<u32>()
}

/// How a failing case introduces itself: the property, the generator of its
/// values and `what` (its sizes).
pub fn describe_case(property: &str, seed: u32, what: impl fmt::Display) -> String {
    format!("property {property} (values from RandomState::new({seed})): {what}")
}

/// A uniform integer in `lo..=hi`, drawn as `np.random.randint(lo, hi + 1)`.
pub fn int(rng: &mut RandomState, lo: usize, hi: usize) -> usize {
    // A 0-d shape (one value), spelled as a slice, which `randint` takes both
    // as `&[usize]` and as any `IntoDimension`.
    let scalar: &[usize] = &[];
    let v = rng.randint(lo as i64, hi as i64 + 1, scalar).expect("lo <= hi");
    *v.first().expect("one value") as usize
}

/// A random order of magnitude, `10^k` for `k` in `-2..=2`, so that the
/// tolerances are exercised on small and large numbers, not only on `randn`'s.
pub fn magnitude(rng: &mut RandomState) -> f64 {
    10f64.powi(int(rng, 0, 4) as i32 - 2)
}

/// `randn` of shape `s` (4 axes).
pub fn randn4(rng: &mut RandomState, s: &[usize]) -> Array4<f64> {
    rng.randn((s[0], s[1], s[2], s[3]))
}

/// The largest magnitude in `a` (0 for an empty array).
pub fn max_abs<D: Dimension>(a: &ArrayView<f64, D>) -> f64 {
    cnn_walkthrough::course::check::largest(a)
}

/// A shape as Python writes a tuple: `(2, 3)`.
pub fn shape_str(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("({})", parts.join(", "))
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs one case; a panic inside the crate (which would otherwise lose the
/// case) is reported together with the case description `case`.
pub fn guard(case: &str, body: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(body)) {
        let msg = panic_message(payload.as_ref());
        if msg.contains(case) {
            // The assertion already names the case (and the hook printed it).
            resume_unwind(payload);
        }
        panic!("{case}\n  panicked inside the crate: {msg}");
    }
}

thread_local! {
    /// The largest `|got − want| / tol` seen by [`assert_close`] in this test
    /// (each test runs on its own thread); printed with `--nocapture` to show
    /// how much room the tolerances leave.
    static WORST_RATIO: Cell<f64> = const { Cell::new(0.0) };
}

/// Records a difference `d` against its tolerance `tol` (see [`report_worst_ratio`]).
pub fn note_ratio(d: f64, tol: f64) {
    if tol > 0.0 {
        WORST_RATIO.with(|r| r.set(r.get().max(d / tol)));
    }
}

/// Prints the largest `|difference| / tolerance` of this test.
pub fn report_worst_ratio(property: &str) {
    let worst = WORST_RATIO.with(Cell::get);
    eprintln!("property {property}: worst |difference| / tolerance = {worst:.3e}");
}

/// Element-wise `|got − want| ≤ tol`, reporting the worst element.
pub fn assert_close<D: Dimension>(
    case: &str,
    what: &str,
    got: &ArrayView<f64, D>,
    want: &ArrayView<f64, D>,
    tol: f64,
) {
    assert_eq!(got.shape(), want.shape(), "{case}\n  {what}: shapes differ");
    let mut worst: Option<(D::Pattern, f64, f64, f64)> = None;
    for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
        let d = (g - w).abs();
        note_ratio(d, tol);
        if (d.is_nan() || d > tol) && worst.as_ref().is_none_or(|x| d.is_nan() || d > x.3) {
            worst = Some((idx, g, w, d));
        }
    }
    if let Some((idx, g, w, d)) = worst {
        panic!("{case}\n  {what}{idx:?}: got {g:e}, expected {w:e}, |difference| {d:e} > tolerance {tol:e}");
    }
}

/// Element-wise `|got − want| ≤ tol` with a tolerance per element,
/// reporting the element furthest beyond its tolerance.
pub fn assert_close_each<D: Dimension>(
    case: &str,
    what: &str,
    got: &ArrayView<f64, D>,
    want: &ArrayView<f64, D>,
    tol: &ArrayView<f64, D>,
) {
    assert_eq!(got.shape(), want.shape(), "{case}\n  {what}: shapes differ");
    assert_eq!(got.shape(), tol.shape(), "{case}\n  {what}: tolerance shape");
    let mut worst: Option<(D::Pattern, f64, f64, f64, f64)> = None;
    for (((idx, &g), &w), &t) in got.indexed_iter().zip(want.iter()).zip(tol.iter()) {
        let d = (g - w).abs();
        note_ratio(d, t);
        let over = d / t;
        if (d.is_nan() || d > t) && worst.as_ref().is_none_or(|x| d.is_nan() || over > x.3 / x.4) {
            worst = Some((idx, g, w, d, t));
        }
    }
    if let Some((idx, g, w, d, t)) = worst {
        panic!("{case}\n  {what}{idx:?}: got {g:e}, expected {w:e}, |difference| {d:e} > tolerance {t:e}");
    }
}

/// Element-wise exact equality (`0.0 == -0.0`), reporting the first difference.
pub fn assert_exact<D: Dimension>(case: &str, what: &str, got: &ArrayView<f64, D>, want: &ArrayView<f64, D>) {
    assert_eq!(got.shape(), want.shape(), "{case}\n  {what}: shapes differ");
    if let Some(((idx, g), w)) = got.indexed_iter().zip(want.iter()).find(|((_, g), w)| *g != *w) {
        panic!("{case}\n  {what}{idx:?}: got {g:e}, expected exactly {w:e}");
    }
}

/// The message names `name` (a tensor or a parameter) first, as the crate's
/// errors do: `"W has shape …"`, `"stride is 0; …"`, `"f = 6: …"`.
pub fn names(msg: &str, name: &str) -> bool {
    msg.strip_prefix(name).is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric() && c != '_'))
}

/// `e` is a shape or parameter error about one of `expected`, and its
/// message names it first.
pub fn assert_names(case: &str, who: &str, e: &Error, expected: &[&str]) {
    let name = match e {
        Error::Shape { what, .. } => what.as_str(),
        Error::Parameter { name, .. } => name.as_str(),
        _ => "",
    };
    let msg = e.to_string();
    assert!(
        expected.contains(&name) && names(&msg, name),
        "{case}\n  {who}: expected an error about {expected:?}, got {e:?}, message {msg:?}"
    );
}

/// `r` is an `Err` about one of `expected` (see [`assert_names`]).
pub fn expect_err<T>(case: &str, who: &str, r: Result<T, Error>, expected: &[&str]) {
    match r {
        Ok(_) => panic!("{case}\n  {who} returned Ok; expected an error about {expected:?}"),
        Err(e) => assert_names(case, who, &e, expected),
    }
}

/// `v` with one random axis changed to another size in `0..=v[axis] + 3`.
pub fn change_one_axis(rng: &mut RandomState, v: &[usize]) -> Vec<usize> {
    let mut out = v.to_vec();
    let axis = int(rng, 0, v.len() - 1);
    let mut new = int(rng, 0, v[axis] + 2);
    if new >= v[axis] {
        new += 1; // skip the valid size
    }
    out[axis] = new;
    out
}

/// `v` (4 axes) with one axis removed, or one of size `1..=new_max` added,
/// at a random place: rank 3 or 5.
pub fn change_rank(rng: &mut RandomState, v: &[usize], new_max: usize) -> Vec<usize> {
    let mut out = v.to_vec();
    if int(rng, 0, 1) == 0 {
        out.remove(int(rng, 0, 3));
    } else {
        out.insert(int(rng, 0, 4), int(rng, 1, new_max));
    }
    out
}

/// Along one axis of length `n` padded by `before` and `after`, with a
/// window of `f` moving by `stride`: how many windows read each input index,
/// and whether some window lies entirely in the padding. Brute force.
pub fn reads(n: usize, f: usize, before: usize, after: usize, stride: usize) -> (Vec<usize>, bool) {
    let mut count = vec![0; n];
    let mut off_image = false;
    let padded = n + before + after;
    if f > padded {
        return (count, false);
    }
    for k in 0..(padded - f) / stride + 1 {
        let mut hit = false;
        for pos in k * stride..k * stride + f {
            if pos >= before && pos - before < n {
                count[pos - before] += 1;
                hit = true;
            }
        }
        off_image |= !hit;
    }
    (count, off_image)
}

/// The input rows (or columns) of an axis of length `n`, padded by `pad` on
/// both sides, that no window reads. Brute force.
pub fn unreached(n: usize, f: usize, pad: usize, stride: usize) -> Vec<usize> {
    let (count, _) = reads(n, f, pad, pad, stride);
    (0..n).filter(|&r| count[r] == 0).collect()
}

/// `bytes` in hex, 32 to a line, to paste into a regression test.
pub fn hex(bytes: &[u8]) -> String {
    let lines: Vec<String> = bytes
        .chunks(32)
        .map(|line| line.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "))
        .collect();
    format!("{} bytes:\n{}", bytes.len(), lines.join("\n"))
}

/// Inputs with no near-ties, by construction: a random permutation of
/// `0..N` (`N` elements) centred on 0, each plus a uniform jitter in
/// `[0, 0.5)` (so that the values are not all integers), times a random
/// magnitude `mag`. Any two values differ by more than `mag/2`. Returns the
/// input and `mag`.
pub fn distinct_values(rng: &mut RandomState, shape: [usize; 4]) -> (Array4<f64>, f64) {
    let n: usize = shape.iter().product();
    let perm = rng.permutation(n);
    let mag = magnitude(rng);
    let mut k = 0;
    let x = Array4::from_shape_fn(shape, |_| {
        let v = (perm[k] as f64 - (n / 2) as f64 + 0.5 * rng.random_sample()) * mag;
        k += 1;
        v
    });
    (x, mag)
}

/// Up to `n` random flat positions of `grad`: as many as possible (up to half)
/// where it is non-zero (for max, the windows' maxima, which are few), the
/// rest where it is zero (cells that no window takes, or reads), so both
/// kinds are checked.
pub fn probe_positions(rng: &mut RandomState, grad: &Array4<f64>, n: usize) -> Vec<usize> {
    if grad.len() <= n {
        return (0..grad.len()).collect();
    }
    let order = rng.permutation(grad.len());
    let values: Vec<f64> = grad.iter().copied().collect();
    let (non_zero, zero): (Vec<usize>, Vec<usize>) = order.into_iter().partition(|&k| values[k] != 0.0);
    let from_non_zero = non_zero.len().min((n / 2).max(n - zero.len().min(n)));
    let mut probes: Vec<usize> =
        non_zero[..from_non_zero].iter().chain(&zero[..n - from_non_zero]).copied().collect();
    probes.sort_unstable();
    probes
}

/// `a` (any layout) with the values at the flat C-order positions `at`
/// replaced by `values`: the computed gradient with the probed entries
/// replaced by their finite differences, ready to compare with it.
pub fn with_values_at<D: Dimension>(a: &Array<f64, D>, at: &[usize], values: &[f64]) -> Array<f64, D> {
    let mut out = a.as_standard_layout().into_owned();
    let flat = out.as_slice_mut().expect("standard layout");
    for (&k, &v) in at.iter().zip(values) {
        flat[k] = v;
    }
    out
}

// ---------------------------------------------------------------------------
// Files a test writes: `.npy` and IDX bytes, gzip
// ---------------------------------------------------------------------------

/// A version-1.0 `.npy` file with any header values and data bytes (what
/// `np.save` writes when they are right; anything at all when they are not).
pub fn raw_npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let fortran = if fortran { "True" } else { "False" };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

/// The header alone of a float64 `.npy` file of `shape` (the data to follow).
pub fn npy_header_f8(shape: &str) -> Vec<u8> {
    raw_npy("<f8", false, shape, &[])
}

/// An IDX file as MNIST ships it: magic `00 00 08 <rank>`, the big-endian
/// dimensions, then the bytes (`bytes` may be shorter or longer than they say).
pub fn idx(dims: &[u32], bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    dims.iter().for_each(|d| out.extend(d.to_be_bytes()));
    out.extend_from_slice(bytes);
    out
}

/// `bytes` gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
