//! The runner behind `cargo run -- exercises` and `cargo run -- exercise N`
//! (with `--hint [K]` or `--watch`),
//! and the `main` of each exercise's grading program.
//!
//! The course runner cannot link the student's code (that would rebuild the
//! course at every edit), so it asks cargo to build the exercise's own
//! grading program (`exercises/grade/exNN_name.rs`, in the `cnn-exercises`
//! package), shows the compiler's messages if it does not compile, and runs
//! it with a time limit, so that a loop that never ends is reported rather
//! than waited for. Our own code: it is a few calls of `std::process`; the
//! module says what each exit status means.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::course::output;
use crate::exercises::{find, ExerciseInfo, Grade, Outcome, EXERCISES};

/// The grading program's exit status when the exercise passes.
pub const PASSED: u8 = 0;
/// … when a case fails.
pub const FAILED: u8 = 1;
/// … when the body is still `todo!()`.
pub const NOT_STARTED: u8 = 3;

/// How long one exercise's grading may run before it is stopped.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// The same for each exercise of the list, which grades all of them.
pub const LIST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// After this long, a grading that is still running says so.
const STILL_RUNNING: Duration = Duration::from_secs(3);

/// Commands in a sentence, kept whole when it is wrapped (a no-break space
/// between their words, printed as a space).
fn whole(command: &str) -> String {
    command.replace(' ', "\u{a0}")
}

/// The repository's root: where `Cargo.toml` and `exercises/` are. As
/// `cargo run` names it at run time first: a checkout moved or copied after
/// it was built is where the student edits, while the path compiled in
/// still names the old place.
fn root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.join("exercises").join("Cargo.toml").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// `cargo`, as cargo names itself to the programs it runs, else from `PATH`.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// The `main` of an exercise's grading program: prints the report of
/// `grade` (nothing with `--status`) and exits [`PASSED`], [`FAILED`] or
/// [`NOT_STARTED`].
pub fn grade_main(file: &str, grade: impl FnOnce() -> Grade) -> ExitCode {
    output::restore_sigpipe();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let status_only = match args.as_slice() {
        [] => false,
        [flag] if flag == "--status" => true,
        _ => {
            output::eprint_message(&format!(
                "{file}: unexpected arguments {args:?}; this program takes nothing, or --status (grade \
                 it with {})\n",
                whole("cargo run -- exercise N")
            ));
            return ExitCode::from(2);
        }
    };
    let Some(info) = EXERCISES.iter().find(|e| e.file == file) else {
        output::eprint(&format!("{file}: not an exercise of the course\n"));
        return ExitCode::from(2);
    };
    let grade = grade();
    if !status_only {
        output::print(info.file, &report(info, &grade, width()));
    }
    ExitCode::from(match grade.outcome {
        Outcome::Passed => PASSED,
        Outcome::Failed => FAILED,
        Outcome::NotStarted => NOT_STARTED,
    })
}

/// The report of one grading, fitted to `width` columns.
pub fn report(info: &ExerciseInfo, grade: &Grade, width: usize) -> String {
    let n = info.number;
    let mut text = vec![
        format!("Exercise {n} of {}: {}, {}", EXERCISES.len(), info.function, info.title),
        format!("File: {}", info.path()),
        String::new(),
    ];
    text.extend(grade.lines.iter().cloned());
    text.push(String::new());
    text.push(match grade.outcome {
        Outcome::Passed => {
            let next = EXERCISES.get(n).map_or("That was the last one: well done.".to_string(), |next| {
                format!(
                    "Next: {}: {}",
                    next.label(),
                    whole(&format!("cargo run -- exercise {}", next.number))
                )
            });
            format!("Passed: {} agrees with every case. {next}", info.function)
        }
        Outcome::Failed => format!(
            "Not yet: fix the first failing case above in {}, then run {} again. Stuck? {}",
            info.path(),
            whole(&format!("cargo run -- exercise {n}")),
            whole(&format!("cargo run -- exercise {n} --hint"))
        ),
        Outcome::NotStarted => format!(
            "Open {}, replace todo!() with your code, and run {} again. Stuck? {}",
            info.path(),
            whole(&format!("cargo run -- exercise {n}")),
            whole(&format!("cargo run -- exercise {n} --hint"))
        ),
    });
    let last = text.len() - 1;
    text.iter()
        .enumerate()
        .map(|(k, line)| if k == last { output::fill(line, width) } else { output::wrap(line, width) })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The columns to print for: `COLUMNS`, the terminal's width, or 80.
fn width() -> usize {
    crate::course::screen::Screen::width_without_flags()
}

/// How grading one exercise went, as the runner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The grading program ran: passed, failed or not started.
    Graded(Outcome),
    /// The exercise's file does not compile; the compiler's messages.
    DoesNotCompile(String),
    /// The grading ran past its time limit ([`TIME_LIMIT`], or
    /// [`LIST_TIME_LIMIT`] in the list) and was stopped.
    TooSlow,
    /// cargo or the grading program could not be run, or ended oddly.
    Broken(String),
}

impl Status {
    /// How `cargo run -- exercises` lists it.
    pub fn words(&self) -> &'static str {
        match self {
            Status::Graded(outcome) => outcome.words(),
            Status::DoesNotCompile(_) => "does not compile",
            Status::TooSlow => "too slow (stopped)",
            Status::Broken(_) => "could not be graded",
        }
    }
}

/// Builds the grading program of `info`: `Err` with the compiler's
/// messages (shown as they come when `show` is set) if it does not compile.
fn build(info: &ExerciseInfo, show: bool) -> Result<(), Status> {
    let mut command = cargo();
    command.args(["build", "--quiet", "--package", "cnn-exercises", "--bin", info.file]).args(profile_args());
    command.stdout(Stdio::null()).stdin(Stdio::null());
    let result = if show {
        command.stderr(Stdio::inherit()).status().map(|status| (status, String::new()))
    } else {
        command.output().map(|out| (out.status, String::from_utf8_lossy(&out.stderr).into_owned()))
    };
    match result {
        Ok((status, _)) if status.success() => Ok(()),
        Ok((_, messages)) => Err(Status::DoesNotCompile(messages)),
        Err(e) => Err(Status::Broken(format!("could not run cargo: {e}"))),
    }
}

/// The profile directory this runner was built into, when it is one of
/// a cargo target directory (which holds a `CACHEDIR.TAG`): `debug`,
/// `release`, or a custom profile's name. `None` for a runner copied or
/// installed elsewhere, which builds and runs the grading programs of the
/// dev profile in the repository's `target/`.
fn profile_dir() -> Option<PathBuf> {
    let dir = std::env::current_exe().ok()?.parent()?.to_path_buf();
    dir.parent()?.join("CACHEDIR.TAG").is_file().then_some(dir)
}

/// The grading program of `info`, as [`build`] leaves it: beside this
/// runner, in the same profile's directory of the same target directory.
fn program(info: &ExerciseInfo) -> PathBuf {
    profile_dir().unwrap_or_else(|| root().join("target").join("debug")).join(format!(
        "{}{}",
        info.file,
        std::env::consts::EXE_SUFFIX
    ))
}

/// The profile this runner was built with (`debug` → the dev profile), for
/// building the grading programs the same way.
fn profile_args() -> Vec<String> {
    let name = profile_dir().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    match name.as_deref() {
        None | Some("debug") => vec![],
        Some("release") => vec!["--release".into()],
        Some(other) => vec!["--profile".into(), other.into()],
    }
}

/// Runs the grading program of `info` (built already), its report shown
/// when `show` is set; stops it after `limit`, saying so after a few
/// seconds when its report is awaited.
fn run(info: &ExerciseInfo, show: bool, limit: Duration) -> Status {
    let mut command = Command::new(program(info));
    command.current_dir(root()).stdin(Stdio::null());
    if !show {
        command.arg("--status").stdout(Stdio::null()).stderr(Stdio::null());
    }
    #[cfg(unix)]
    {
        // Its own process group, so that stopping it stops all of it.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return Status::Broken(format!("could not run {}: {e}", program(info).display())),
    };
    let start = Instant::now();
    let mut said = false;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return match status.code().and_then(|c| u8::try_from(c).ok()) {
                    Some(PASSED) => Status::Graded(Outcome::Passed),
                    Some(FAILED) => Status::Graded(Outcome::Failed),
                    Some(NOT_STARTED) => Status::Graded(Outcome::NotStarted),
                    // It could not write its report, and said so in one line: end as it did.
                    Some(output::OUTPUT_FAILED) if show => {
                        std::process::exit(i32::from(output::OUTPUT_FAILED))
                    }
                    _ if status.code().is_none() => Status::Broken(format!(
                        "the grading program was stopped ({status}): your code crashed it, for \
                         example by a recursion that never ends (a stack overflow) or an abort"
                    )),
                    _ => Status::Broken(format!("the grading program ended with {status}")),
                };
            }
            Ok(None) if start.elapsed() > limit => {
                stop(&mut child);
                return Status::TooSlow;
            }
            Ok(None) => {
                if show && !said && start.elapsed() > STILL_RUNNING {
                    said = true;
                    output::eprint(&output::fill(
                        &format!(
                            "Still grading {} after {} s; it is stopped at {} s.\n",
                            info.label(),
                            STILL_RUNNING.as_secs(),
                            limit.as_secs()
                        ),
                        width(),
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Status::Broken(format!("lost the grading program: {e}")),
        }
    }
}

/// Stops a grading program and everything it started.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the process group this runner created for the child.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The status of one exercise, quietly.
pub fn status(info: &ExerciseInfo) -> Status {
    match build(info, false) {
        Ok(()) => run(info, false, LIST_TIME_LIMIT),
        Err(status) => status,
    }
}

/// `cargo run -- exercises`: every exercise with its status, and the next to do.
pub fn list() -> ExitCode {
    let width = width();
    output::print(
        "cnn-walkthrough",
        &output::fill(
            &format!(
                "Do it yourself: write each function in its file, exercises/exNN_name.rs, then grade \
                 it with {}. Each exercise's status (the first time, the grading programs are built \
                 first, which takes a little while):\n",
                whole("cargo run -- exercise N")
            ),
            width,
        ),
    );
    // All the grading programs at once, on every core; one that does not
    // compile does not stop the others (its messages are shown by `exercise N`).
    let _ = cargo()
        .args(["build", "--quiet", "--keep-going", "--package", "cnn-exercises", "--bins"])
        .args(profile_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let mut next = None;
    let (mut passed, mut broken) = (0, None);
    for info in EXERCISES {
        // The exercise's name first, its status when it is known.
        output::print("cnn-walkthrough", &format!("{:>3}  {:<31} ", info.number, info.function));
        let status = status(info);
        if status == Status::Graded(Outcome::Passed) {
            passed += 1;
        } else if next.is_none() {
            next = Some(info);
        }
        // One line per exercise as it is graded, so that the list shows progress.
        output::print("cnn-walkthrough", &format!("{}\n", status.words()));
        if let Status::Broken(why) = status {
            broken.get_or_insert(why);
        }
    }
    if let Some(why) = broken {
        output::eprint_message(&format!("cnn-walkthrough: some exercises could not be graded: {why}\n"));
    }
    let end = match next {
        Some(info) => format!(
            "{passed} of {} passing. Next: {}: open {} and run {}",
            EXERCISES.len(),
            info.label(),
            info.path(),
            whole(&format!("cargo run -- exercise {}", info.number))
        ),
        None => format!("All {} exercises pass.", EXERCISES.len()),
    };
    output::print("cnn-walkthrough", &format!("\n{}\n", output::fill(&end, width)));
    ExitCode::SUCCESS
}

/// `cargo run -- exercise N [--hint [K] | --watch]`.
pub fn exercise(args: &[&str]) -> ExitCode {
    let usage = format!(
        "usage: {}, where N is an exercise's number (1 to {}) or its function's name (zero_pad); {} \
         lists them.",
        whole("cargo run -- exercise N [--hint [K] | --watch]"),
        EXERCISES.len(),
        whole("cargo run -- exercises")
    );
    let (name, rest) = match args {
        [name, rest @ ..] => (*name, rest),
        [] => {
            output::eprint_message(&format!("cnn-walkthrough: which exercise? {usage}\n"));
            return ExitCode::from(2);
        }
    };
    let Some(info) = find(name) else {
        output::eprint_message(&format!("cnn-walkthrough: there is no exercise {name:?}; {usage}\n"));
        return ExitCode::from(2);
    };
    match rest {
        [] => grade(info),
        ["--watch"] => watch(info),
        ["--hint"] => hint(info, 1),
        ["--hint", k] => match k.parse::<usize>() {
            Ok(k) if (1..=info.hints.len()).contains(&k) => hint(info, k),
            _ => {
                output::eprint_message(&format!(
                    "cnn-walkthrough: --hint takes a hint's number, 1 to {}; got {k:?}\n",
                    info.hints.len()
                ));
                ExitCode::from(2)
            }
        },
        other => {
            // The first argument that does not fit: a flag that is not ours, or one too many.
            let known = match other {
                ["--hint", _, ..] => 2,
                ["--watch" | "--hint", ..] => 1,
                _ => 0,
            };
            output::eprint_message(&format!(
                "cnn-walkthrough: unexpected {:?} after the exercise; {usage}\n",
                other[known]
            ));
            ExitCode::from(2)
        }
    }
}

/// Builds and grades one exercise, showing the compiler's messages or the report.
fn grade(info: &ExerciseInfo) -> ExitCode {
    let width = width();
    if let Err(status) = build(info, true) {
        let why = match status {
            Status::DoesNotCompile(_) => format!(
                "{} does not compile yet: the compiler's messages are above (the first one is \
                 usually the one to fix; the compiler calls your file exercises/grade/../{}.rs). \
                 Then run {} again.",
                info.path(),
                info.file,
                whole(&format!("cargo run -- exercise {}", info.number))
            ),
            Status::Broken(why) => format!("{} could not be graded: {why}", info.label()),
            other => format!("{} could not be graded: {}", info.label(), other.words()),
        };
        output::eprint_message(&format!("{}\n", output::fill(&why, width)));
        return ExitCode::FAILURE;
    }
    match run(info, true, TIME_LIMIT) {
        Status::Graded(Outcome::Passed) => ExitCode::SUCCESS,
        Status::Graded(_) => ExitCode::FAILURE,
        Status::TooSlow => {
            output::eprint_message(&output::fill(
                &format!(
                    "{} was stopped after {} s: is there a loop that never ends?\n",
                    info.label(),
                    TIME_LIMIT.as_secs()
                ),
                width,
            ));
            ExitCode::FAILURE
        }
        other => {
            output::eprint_message(&format!(
                "{}: {}\n",
                info.label(),
                match other {
                    Status::Broken(why) => why,
                    _ => other.words().to_string(),
                }
            ));
            ExitCode::FAILURE
        }
    }
}

/// Grades `info`, then again each time its file is saved, until Ctrl-C.
fn watch(info: &ExerciseInfo) -> ExitCode {
    let path = root().join(info.path());
    let modified = || std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    loop {
        let seen = modified();
        let _ = grade(info);
        let watching = format!("Watching {}: save it to grade it again; Ctrl-C to stop.", info.path());
        output::print("cnn-walkthrough", &format!("\n{}\n", output::fill(&watching, width())));
        while modified() == seen {
            std::thread::sleep(Duration::from_millis(300));
        }
        // Let the editor finish writing.
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Shows hint `k` (from 1) of `info`, and how to see the next.
fn hint(info: &ExerciseInfo, k: usize) -> ExitCode {
    let width = width();
    let Some(text) = info.hints.get(k - 1) else {
        output::print("cnn-walkthrough", &format!("{} has no hints yet.\n", info.label()));
        return ExitCode::SUCCESS;
    };
    let more = if k < info.hints.len() {
        format!("Another hint: {}", whole(&format!("cargo run -- exercise {} --hint {}", info.number, k + 1)))
    } else {
        format!(
            "That was the last hint. The lesson shows the function at work: {}",
            whole(&format!("cargo run --bin {}", info.lesson.name))
        )
    };
    output::print(
        "cnn-walkthrough",
        &output::fill(
            &format!("Hint {k} of {} for {}:\n{text}\n\n{more}\n", info.hints.len(), info.label()),
            width,
        ),
    );
    ExitCode::SUCCESS
}
