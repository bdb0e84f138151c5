//! The plumbing every lesson shares: flags, printing, pausing, checks,
//! saving and loading `.npy`, and the exit status. A lesson file only tells
//! its story through these calls.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::process::ExitCode;

use ndarray::{ArrayD, ArrayView, ArrayView2, Dimension};

use crate::course::check::Checks;
use crate::course::cli::{help, Args};
use crate::course::files::{SaveDir, Written};
use crate::course::npy::{npy_bytes, read_npy};
use crate::course::numpy_fmt::{array2string, format_scalar, labelled, shape_str, NumpyElement};
use crate::course::output;
use crate::course::pager::Pager;
use crate::course::registry::LessonInfo;
use crate::course::screen::Screen;
use crate::course::show::side_by_side;
use crate::error::Result;

/// The test hook for layout: with this environment variable set to `1`,
/// every line of laid-out text (anything but prose: tables, grids, arrays,
/// blocks side by side, and the lines of code in prose) that is wider than the screen, and so has to be
/// wrapped, is reported on stderr as
/// `layout: wrapped a line of N columns at width W: <its first 40 characters>`.
/// `tests/width.rs` runs every lesson with it and expects no such line.
pub const LAYOUT_CHECK: &str = "CNN_WALKTHROUGH_LAYOUT_CHECK";

/// A lesson's body: set up, compute, show, check.
pub type LessonFn = fn(&mut Lesson) -> Result<()>;

/// One run of a lesson.
#[derive(Debug)]
pub struct Lesson {
    /// Which lesson this is.
    pub info: &'static LessonInfo,
    /// The flags it was given.
    pub args: Args,
    /// The checks made so far.
    pub checks: Checks,
    /// Print nothing at all (the course runner's `--check`).
    silent: bool,
    /// Print only the check table.
    quiet: bool,
    /// With `--step` on a terminal, the pages the output is cut into (in a
    /// cell: printing is `&self`, and turning a page changes the pager).
    pager: RefCell<Option<Pager>>,
    /// Colour headings (a terminal, and no `NO_COLOR`).
    colour: bool,
    stages: usize,
    /// Where `--save` writes, checked before the lesson ran.
    save_dir: Option<SaveDir>,
    /// The columns and rows it prints for.
    screen: Screen,
}

/// Whether to colour output: stdout is a terminal and `NO_COLOR` is not set.
pub fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` in an ANSI colour when `on` (never used inside table cells).
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

impl Lesson {
    fn new(info: &'static LessonInfo, args: Args, silent: bool) -> Self {
        let quiet = silent || args.has("--quiet");
        Lesson {
            info,
            pager: RefCell::new(None),
            colour: !silent && use_colour(),
            quiet,
            args,
            silent,
            checks: Checks::default(),
            stages: 0,
            save_dir: None,
            screen: Screen::default(),
        }
    }

    /// The entry point of a lesson binary: parse the flags, run the lesson,
    /// print the check table; exit 0 when every check passes, 1 when one
    /// fails or none ran, 2 for bad usage or bad input (with a message, never
    /// a panic).
    pub fn main(info: &'static LessonInfo, run: LessonFn) -> ExitCode {
        output::restore_sigpipe();
        // `args_os`, not `args`: `args` panics on an argument that is not
        // UTF-8, where `Args::parse` answers with a usage message.
        let args = match Args::parse(info, std::env::args_os().skip(1)) {
            Ok(a) => a,
            Err(e) => {
                output::eprint_message(&format!(
                    "{}: {e}\nRun with --help to see what it takes.\n",
                    info.name
                ));
                return ExitCode::from(2);
            }
        };
        let screen = match Screen::detect(&args) {
            Ok(screen) => screen,
            Err(e) => {
                output::eprint_message(&format!(
                    "{}: {e}\nRun with --help to see what it takes.\n",
                    info.name
                ));
                return ExitCode::from(2);
            }
        };
        if args.has("--help") {
            output::print(info.name, &help(info, screen.width));
            return ExitCode::SUCCESS;
        }
        if args.value("--bug") == Some("list") {
            let list = crate::course::bugs::list(info.bugs);
            output::print(
                info.name,
                &output::wrap(
                    &format!("The mistakes this lesson can run with, --bug NAME:\n{list}"),
                    screen.width,
                ),
            );
            return ExitCode::SUCCESS;
        }
        crate::course::numpy_fmt::set_linewidth(screen.width.min(75));
        let mut lesson = Lesson::new(info, args, false);
        lesson.screen = screen;
        if !lesson.quiet && lesson.args.has("--step") {
            // A run on your own tensors has stages of its own.
            let stages = Some(info.stages).filter(|_| !lesson.args.has("--input"));
            lesson.pager = RefCell::new(Pager::new(info, stages, screen));
        }
        // Before the lesson runs (and perhaps trains for minutes): the memory
        // budget, which every check of a size reads; and --save's directory
        // can be written in, and no file there is replaced by surprise.
        let prepared = crate::course::budget::configure(info, &lesson.args)
            .and_then(|()| SaveDir::prepare(info, &lesson.args))
            .map(|dir| lesson.save_dir = dir);
        lesson.say_bug("This run makes a mistake on purpose");
        if let Err(e) = prepared.and_then(|()| run(&mut lesson)) {
            output::print(info.name, "");
            output::eprint_message(&format!("{}: error: {e}\n", info.name));
            return ExitCode::from(2);
        }
        lesson.print_checks();
        lesson.say_bug("The failing checks above show the mistake");
        // A run that checked nothing verified nothing: it does not pass
        // (unless it only timed, `--bench`).
        if lesson.checks.all_passed() && (!lesson.checks.list.is_empty() || lesson.is_bench()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    /// Runs a lesson with default flags and prints nothing: for the course
    /// runner's `--check`.
    ///
    /// # Errors
    /// Whatever the lesson returns.
    pub fn run_silently(info: &'static LessonInfo, run: LessonFn) -> Result<Checks> {
        let mut lesson = Lesson::new(info, Args::default(), true);
        run(&mut lesson)?;
        Ok(lesson.checks)
    }

    /// Prints `text` (laid out already: a table, a grid, blocks side by
    /// side) and a line break, unless quiet. A line wider than the screen is
    /// wrapped, as a last resort: what a lesson lays out is laid out for the
    /// screen's width before it gets here, so this should never happen. The
    /// test hook [`LAYOUT_CHECK`] reports each time it does.
    fn out(&self, text: &str) {
        if self.quiet {
            return;
        }
        self.check_layout(text);
        self.print_wrapped(text);
    }

    /// With the test hook [`LAYOUT_CHECK`], reports each line of `text`
    /// wider than the screen: laid out, it should not need wrapping.
    fn check_layout(&self, text: &str) {
        let width = self.width();
        if !self.quiet && std::env::var_os(LAYOUT_CHECK).is_some_and(|v| v == "1") {
            for line in text.lines().filter(|l| textwrap::core::display_width(l) > width) {
                let start: String = line.chars().take(40).collect();
                let columns = textwrap::core::display_width(line);
                output::eprint(&format!(
                    "layout: wrapped a line of {columns} columns at width {width}: {start}\n"
                ));
            }
        }
    }

    /// Prints `text` and a line break, unless quiet, its lines wrapped to the
    /// screen's width: for prose, which is meant to be wrapped.
    fn print_wrapped(&self, text: &str) {
        if !self.quiet {
            self.emit(&output::wrap(text, self.width()));
        }
    }

    /// With `--step`, while the lesson computes for long (lesson 11's
    /// training, once per batch): quits at once if `q` was typed, and throws
    /// away other keys (see [`Pager::quit_if_asked`]). Otherwise does nothing.
    pub fn quit_if_asked(&self) {
        if let Some(pager) = self.pager.borrow().as_ref() {
            pager.quit_if_asked();
        }
    }

    /// Prints `text` and a line break: through the pager, if there is one
    /// (no-break spaces print as plain spaces: [`output::print`]).
    fn emit(&self, text: &str) {
        match self.pager.borrow_mut().as_mut() {
            Some(pager) => pager.print(text),
            None => output::print(self.info.name, &format!("{text}\n")),
        }
    }

    /// With `--step` on a terminal, ends the page: what follows starts a new one.
    fn new_page(&mut self) {
        if let Some(pager) = self.pager.get_mut() {
            pager.new_page(self.stages);
        }
    }

    /// Whether this run only times the lesson's code (`--bench`) and checks nothing.
    pub fn is_bench(&self) -> bool {
        self.args.has("--bench")
    }

    /// Whether only the check table is printed (`--quiet`, or the course's `--check`).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether to show every step (`--verbose` or `--step`), not just the first.
    pub fn detail(&self) -> bool {
        self.args.has("--verbose") || self.args.has("--step")
    }

    /// Walks the first `brief` of `blocks` ([`walk`](Self::walk)), or all of
    /// them with `--verbose` or `--step`; when some are left out, says so and
    /// how to see them, so that a student never wonders where they went.
    pub fn walk_some(&mut self, blocks: impl IntoIterator<Item = String>, brief: usize) {
        let blocks: Vec<String> = blocks.into_iter().collect();
        let shown = if self.detail() { blocks.len() } else { brief.min(blocks.len()) };
        let left = blocks.len() - shown;
        self.walk(blocks.into_iter().take(shown));
        if left > 0 {
            self.say(&format!(
                "\n(The other {left} cells go the same way: run with --verbose or --step to see them all.)"
            ));
        }
    }

    /// Starts a stage of the lesson: a heading; with `--step`, on a new page.
    pub fn stage(&mut self, title: &str) {
        self.stages += 1;
        self.new_page();
        // The heading is prose (wrapped); its rule is as long as its widest line.
        let heading = output::wrap(&format!("{}. {title}", self.stages), self.width());
        let longest = heading.lines().map(textwrap::core::display_width).max().unwrap_or(0);
        let bar = "─".repeat(longest.min(self.width()));
        self.out(&format!("\n{}\n{}", paint(&heading, "1;36", self.colour), paint(&bar, "36", self.colour)));
    }

    /// With `--step` on a terminal, ends the page (the next key shows what
    /// follows); otherwise does nothing.
    pub fn pause(&mut self) {
        self.new_page();
    }

    /// The columns this run prints for ([`Screen`]): nothing it prints is wider.
    pub fn width(&self) -> usize {
        self.screen.width
    }

    /// The screen this run prints for.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Paragraphs of explanation, wrapped to the screen's width
    /// ([`output::fill`]). Each line of `text` is a paragraph, an item of a
    /// list or a line of code: a `\n` is a hard break, so a paragraph is
    /// written as one logical line (`\` at the ends of the source's lines).
    /// A wrapped paragraph continues flush left, an item (`1. `, `- `) under
    /// its text. A line that starts with spaces is
    /// code, a command or a formula, to be copied as it is: kept whole, it
    /// must fit the narrowest screen (58 columns), and the test hook
    /// [`LAYOUT_CHECK`] reports it if it does not. A no-break space (U+00A0)
    /// keeps a short formula in a sentence on one line.
    /// Tables, grids and drawings go to [`block`](Self::block) or
    /// [`table`](Self::table) instead, which lay them out rather than wrap them.
    pub fn say(&self, text: &str) {
        let code: Vec<&str> = text.lines().filter(|l| l.starts_with(' ')).collect();
        self.check_layout(&code.join("\n"));
        if !self.quiet {
            self.emit(&output::fill(text, self.width()));
        }
    }

    /// The layout of the tensors shown next, in one line, printed once where
    /// a lesson first shows a tensor ([`Layout::line`](crate::course::names::Layout::line));
    /// `before` names the layout it replaces, where a lesson changes it.
    pub fn layout(&self, now: crate::course::names::Layout, before: Option<crate::course::names::Layout>) {
        self.say(&now.line(before));
    }

    /// A table with a header row, fitted to the screen's width
    /// ([`fit_table`](crate::course::show::fit_table)).
    pub fn table(&self, headers: &[&str], rows: &[Vec<String>]) {
        self.out(&crate::course::show::fit_table(headers, rows, self.width()));
    }

    /// Text already laid out (a grid, a drawing, blocks side by side),
    /// printed as it is: not wrapped as [`say`](Self::say) wraps prose. A
    /// line wider than the screen is still cut into lines no wider.
    pub fn block(&self, text: &str) {
        self.out(text);
    }

    /// A tensor, labelled and printed as numpy prints it (`x[1,1] = [[ 0.9 ...`).
    /// When a long label would push the array's rows past the screen's
    /// width, or make numpy wrap them where it would not without the label,
    /// the label gets a line of its own and the array starts under it.
    pub fn show<T: NumpyElement, D: Dimension>(&self, label: &str, a: &ArrayView<T, D>) {
        let beside = labelled(label, a);
        let under = array2string(a, 0);
        let fits = beside.lines().all(|l| textwrap::core::display_width(l) <= self.width());
        if fits && beside.lines().count() == under.lines().count() {
            self.out(&beside);
        } else {
            self.print_wrapped(label);
            self.out(&under);
        }
    }

    /// 2-D arrays next to each other, each under its caption, as numpy prints them.
    pub fn show_side_by_side(&self, arrays: &[(&str, ArrayView2<f64>)]) {
        let blocks: Vec<(&str, String)> =
            arrays.iter().map(|(caption, a)| (*caption, array2string(a, 0))).collect();
        self.out(&side_by_side(&blocks, 4, self.width()));
    }

    /// Blocks of text one after another; with `--step`, each on a new page
    /// (e.g. the cells of a convolution, one at a time). A block's first
    /// line is its heading and its last line may be its result, both
    /// sentences (`Z[0,0,0,0]: vert_start = …`, `Z[0,0,0,0] = 4.0 + 0.0 +
    /// 1.0 + b (1.0) = 6.0`), wrapped as prose; the lines between are laid
    /// out already.
    pub fn walk(&mut self, blocks: impl IntoIterator<Item = String>) {
        for (k, block) in blocks.into_iter().enumerate() {
            if k > 0 {
                self.pause();
            }
            let (heading, body) = block.split_once('\n').unwrap_or((&block, ""));
            self.print_wrapped(&format!("\n{heading}"));
            if let Some((middle, last)) = body.rsplit_once('\n') {
                self.out(middle);
                self.print_wrapped(last);
            } else if !body.is_empty() {
                self.print_wrapped(body);
            }
        }
    }

    /// A number, printed as numpy prints a float64.
    pub fn value(&self, label: &str, x: f64) {
        self.print_wrapped(&format!("{label} {}", format_scalar(x)));
    }

    /// A shape, printed as Python prints a tuple.
    pub fn shape(&self, label: &str, shape: &[usize]) {
        self.print_wrapped(&format!("{label} {}", shape_str(shape)));
    }

    /// Checks one number; `tol` as in [`crate::course::check`].
    pub fn check_close(&mut self, quantity: &str, expected: f64, computed: f64, tol: f64) -> bool {
        self.checks.close(quantity, expected, computed, tol)
    }

    /// Checks a whole array, element by element.
    pub fn check_arrays<D1: Dimension, D2: Dimension>(
        &mut self,
        quantity: &str,
        expected: &ArrayView<f64, D1>,
        computed: &ArrayView<f64, D2>,
        tol: f64,
    ) -> bool {
        self.checks.arrays(quantity, expected, computed, tol)
    }

    /// Checks a whole array that must come out exact: sums of products of
    /// small integers, or values copied rather than computed; to
    /// [`EXACT`](crate::course::check::EXACT).
    ///
    /// ```
    /// use cnn_walkthrough::course::{lesson::Lesson, registry};
    /// use ndarray::arr1;
    /// let checks = Lesson::run_silently(&registry::LESSON_05_POOL_BACKWARD, |l| {
    ///     let (a, b) = (arr1(&[0.5, 0.25]), arr1(&[0.5, 0.25 + 1e-9]));
    ///     l.check_exact("same", &a.view(), &a.view());
    ///     l.check_exact("not quite", &a.view(), &b.view());
    ///     Ok(())
    /// })
    /// .unwrap();
    /// assert_eq!(checks.list.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, false]);
    /// ```
    pub fn check_exact<D1: Dimension, D2: Dimension>(
        &mut self,
        quantity: &str,
        expected: &ArrayView<f64, D1>,
        computed: &ArrayView<f64, D2>,
    ) -> bool {
        self.checks.arrays(quantity, expected, computed, crate::course::check::EXACT)
    }

    /// Checks two computations of the same sums of products, made in
    /// different orders: each sum adds `terms` products, none larger than
    /// `largest`, so they may differ by
    /// [`sum_rounding(terms, largest)`](crate::course::check::sum_rounding).
    ///
    /// ```
    /// use cnn_walkthrough::course::{lesson::Lesson, registry};
    /// use ndarray::arr1;
    /// let checks = Lesson::run_silently(&registry::LESSON_07_CONV2D_IM2COL, |l| {
    ///     // 28 products of at most 100: rounding may reach about 3.5e-11.
    ///     let (a, b, c) = (arr1(&[50.0]), arr1(&[50.0 + 1e-11]), arr1(&[50.0 + 1e-9]));
    ///     l.check_same_sums("rounding", &a.view(), &b.view(), (28, 100.0));
    ///     l.check_same_sums("a real difference", &a.view(), &c.view(), (28, 100.0));
    ///     Ok(())
    /// })
    /// .unwrap();
    /// assert_eq!(checks.list.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, false]);
    /// ```
    pub fn check_same_sums<D1: Dimension, D2: Dimension>(
        &mut self,
        quantity: &str,
        expected: &ArrayView<f64, D1>,
        computed: &ArrayView<f64, D2>,
        (terms, largest): (usize, f64),
    ) -> bool {
        let tol = crate::course::check::sum_rounding(terms, largest);
        self.checks.arrays(quantity, expected, computed, tol)
    }

    /// Checks a numerical gradient (central differences with step `eps`)
    /// against the one backward computed, for a loss that sums `terms`
    /// products of total size `scale`: to
    /// [`fd_tolerance(scale, terms, eps)`](crate::course::gradcheck::fd_tolerance),
    /// what rounding alone may cost a function that is linear near the point.
    ///
    /// ```
    /// use cnn_walkthrough::course::{lesson::Lesson, registry};
    /// use ndarray::arr1;
    /// let checks = Lesson::run_silently(&registry::LESSON_03_CONV_BACKWARD, |l| {
    ///     // 100 terms of total size 10, ε = 1e-3: rounding may reach about 2.2e-10.
    ///     let (a, b, c) = (arr1(&[1.0]), arr1(&[1.0 + 1e-10]), arr1(&[1.0 + 1e-8]));
    ///     l.check_finite_differences("rounding", &a.view(), &b.view(), (10.0, 100, 1e-3));
    ///     l.check_finite_differences("a wrong gradient", &a.view(), &c.view(), (10.0, 100, 1e-3));
    ///     Ok(())
    /// })
    /// .unwrap();
    /// assert_eq!(checks.list.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, false]);
    /// ```
    pub fn check_finite_differences<D1: Dimension, D2: Dimension>(
        &mut self,
        quantity: &str,
        expected: &ArrayView<f64, D1>,
        computed: &ArrayView<f64, D2>,
        (scale, terms, eps): (f64, usize, f64),
    ) -> bool {
        let tol = crate::course::gradcheck::fd_tolerance(scale, terms, eps);
        self.checks.arrays(quantity, expected, computed, tol)
    }

    /// Checks that two totals of the same terms, added in different orders
    /// (or two sides of an identity), agree to
    /// [`EXACT`](crate::course::check::EXACT) · `size`, where `size` is the
    /// sum of the terms' magnitudes (for terms of size about 1, their count).
    ///
    /// ```
    /// use cnn_walkthrough::course::{lesson::Lesson, registry};
    /// let checks = Lesson::run_silently(&registry::LESSON_05_POOL_BACKWARD, |l| {
    ///     l.check_same_total("100 terms", 3.0, 3.0 + 5e-11, 100.0);
    ///     l.check_same_total("1 term", 3.0, 3.0 + 5e-11, 1.0);
    ///     Ok(())
    /// })
    /// .unwrap();
    /// assert_eq!(checks.list.iter().map(|c| c.passed).collect::<Vec<_>>(), [true, false]);
    /// ```
    pub fn check_same_total(&mut self, quantity: &str, expected: f64, computed: f64, size: f64) -> bool {
        self.checks.close(quantity, expected, computed, crate::course::check::EXACT * size)
    }

    /// Checks that two boolean masks are equal.
    pub fn check_masks(
        &mut self,
        quantity: &str,
        expected: &ArrayView2<bool>,
        computed: &ArrayView2<bool>,
    ) -> bool {
        self.checks.masks(quantity, expected, computed)
    }

    /// Checks that two things (shapes, paddings, counts) are equal.
    pub fn check_equal<T: PartialEq + std::fmt::Display>(
        &mut self,
        quantity: &str,
        expected: T,
        computed: T,
    ) -> bool {
        self.checks.equal(quantity, expected, computed)
    }

    /// Checks a statement that must hold, shown with the numbers that
    /// decide it ([`Checks::holds`]): `the training loss went down: yes:
    /// 2.7353 → 1.7623`.
    pub fn check_that(&mut self, quantity: &str, holds: bool, evidence: &str) -> bool {
        self.checks.holds(quantity, holds, evidence)
    }

    /// With `--save DIR`, writes `text` to `DIR/name` (for example a CSV
    /// file), as [`crate::course::files`] writes every file: in one step, and
    /// replacing an old file only with `--force`.
    ///
    /// # Errors
    /// [`crate::Error::Save`] when the file cannot be written or may not be replaced.
    pub fn save_text(&self, name: &str, text: &str) -> Result<()> {
        self.write_file(name, text.as_bytes(), "")
    }

    /// With `--save DIR`, writes `a` to `DIR/name.npy` (as [`save_text`](Self::save_text)).
    ///
    /// # Errors
    /// [`crate::Error::Save`] when the file cannot be written or may not be replaced.
    pub fn save<D: Dimension>(&self, name: &str, a: &ArrayView<f64, D>) -> Result<()> {
        if self.save_dir.is_none() {
            return Ok(());
        }
        self.write_file(&format!("{name}.npy"), &npy_bytes(a), &format!(" {}", shape_str(a.shape())))
    }

    /// Writes `bytes` to `name` in `--save`'s directory, if given, and says
    /// so: `saved DIR/Z.npy (10, 4, 4, 8)`, or `replaced …` with `--force`.
    fn write_file(&self, name: &str, bytes: &[u8], shape: &str) -> Result<()> {
        let Some(dir) = &self.save_dir else { return Ok(()) };
        let verb = match dir.write(name, bytes)? {
            Written::New => "saved",
            Written::Replaced => "replaced",
        };
        self.print_wrapped(&format!("{verb} {}{shape}", dir.path(name).display()));
        Ok(())
    }

    /// The `.npy` file named by `flag` (e.g. `--input`), if given.
    ///
    /// # Errors
    /// When the file is missing or is not a finite, non-empty float64 `.npy`.
    pub fn npy(&self, flag: &str) -> Result<Option<ArrayD<f64>>> {
        match self.args.path(flag) {
            None => Ok(None),
            Some(path) => Ok(Some(read_npy(&path)?)),
        }
    }

    /// With `--bug NAME`, prints `intro`, the bug's name and its symptom
    /// (even with `--quiet`: it explains the check table).
    fn say_bug(&self, intro: &str) {
        let name = self.args.value("--bug").unwrap_or_default();
        if let Some(bug) = self.info.bugs.iter().find(|b| b.name == name).filter(|_| !self.silent) {
            let text = format!("\n{intro} (--bug {name}): {}.", bug.symptom);
            self.emit(&output::wrap(&paint(&text, "1;33", self.colour), self.width()));
        }
    }

    /// Prints the check table, then a verdict line (coloured on a terminal).
    /// A run that made no check says so, except a `--bench` run, which
    /// only times (and prints nothing here).
    pub fn print_checks(&mut self) {
        if self.silent || self.is_bench() {
            return;
        }
        let c = &self.checks;
        if c.list.is_empty() {
            let none = "No check ran in this run, so nothing was verified (the lines above say why).";
            self.new_page();
            self.emit(&format!("\nChecks\n{}", paint(none, "1;31", self.colour)));
            return;
        }
        let code = if c.all_passed() { "1;32" } else { "1;31" };
        let verdict = paint(&c.verdict(), code, self.colour);
        let text = format!("\nChecks\n{}{verdict}", c.table(self.width()));
        self.new_page();
        self.emit(&text);
    }
}
