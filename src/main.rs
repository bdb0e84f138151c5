//! The course runner: `cargo run` lists the lessons, `cargo run -- --check`
//! runs every one of them quietly and shows one table of results.

use std::process::ExitCode;

use cnn_walkthrough::course::lesson::{paint, use_colour, Lesson, LessonFn};
use cnn_walkthrough::course::output;
use cnn_walkthrough::course::registry::{LessonInfo, LESSONS};
use cnn_walkthrough::course::screen::Screen;
use cnn_walkthrough::course::show::{fit_table, table, wrap};

/// Declares each lesson's module and its entry in [`RUNS`], and checks, when
/// this file compiles, that the list is the registry's, in its order.
macro_rules! lessons {
    ($($name:ident => $path:literal,)*) => {
        $(
            #[allow(dead_code)]
            #[path = $path]
            mod $name;
        )*

        /// The body of each lesson in the registry, by name, in its order.
        const RUNS: &[(&str, LessonFn)] = &[$((stringify!($name), $name::run)),*];

        const _: () = {
            let mut k = 0;
            $(
                assert!(
                    same($path, concat!("../lessons/", stringify!($name), ".rs")),
                    concat!("src/main.rs: the path of ", stringify!($name), " is not its file, ",
                            "../lessons/", stringify!($name), ".rs")
                );
                if k >= LESSONS.len() || !same(LESSONS[k].name, stringify!($name)) {
                    let theirs = if k < LESSONS.len() { LESSONS[k].name } else { "no lesson" };
                    panic!("{}", joined(&mut [0; 200], &[
                        "src/main.rs: lessons! lists ", stringify!($name), " where the registry ",
                        "(LESSONS in src/course/registry.rs) has ", theirs,
                    ]));
                }
                k += 1;
            )*
            if k < LESSONS.len() {
                panic!("{}", joined(&mut [0; 200], &[
                    "src/main.rs: lessons! lacks the registry's ", LESSONS[k].name,
                ]));
            }
        };
    };
}

// The lessons, once each, in the registry's order: each file is also
// compiled here as a module (its own `main` is only for its binary), so that
// `--check` can run it in this process. `#[path]` takes only a literal, so
// the file is written out; the macro, as this file compiles, refuses a
// path that is not the lesson's file, and a list that is not the registry's
// (tests/lesson_list.rs compares this list with the registry, Cargo.toml,
// lessons/ and tests/golden/).
lessons! {
    lesson_01_zero_pad => "../lessons/lesson_01_zero_pad.rs",
    lesson_02_conv_forward => "../lessons/lesson_02_conv_forward.rs",
    lesson_03_conv_backward => "../lessons/lesson_03_conv_backward.rs",
    lesson_04_pool_forward => "../lessons/lesson_04_pool_forward.rs",
    lesson_05_pool_backward => "../lessons/lesson_05_pool_backward.rs",
    lesson_06_im2col => "../lessons/lesson_06_im2col.rs",
    lesson_07_conv2d_im2col => "../lessons/lesson_07_conv2d_im2col.rs",
    lesson_08_pool_im2col => "../lessons/lesson_08_pool_im2col.rs",
    lesson_09_layers => "../lessons/lesson_09_layers.rs",
    lesson_10_optimizers => "../lessons/lesson_10_optimizers.rs",
    lesson_11_train_cnn => "../lessons/lesson_11_train_cnn.rs",
}

const HELP: &str =
    "cnn-walkthrough: how a convolutional neural network works inside, one small program at a time.

Usage:
  cargo run                      list the lessons
  cargo run -- --check           run every lesson quietly; show which checks pass
  cargo run -- --check NAME...   the same for the lessons named (lesson_03_conv_backward, or 03)
  cargo run -- names             the sources' tensor layouts and their names for the same things
  cargo run -- errata [NAME]     the sources' known faults; one in full, with the lesson that shows it
  cargo run -- exercises         do it yourself: the exercises, each with its status
  cargo run -- exercise N        grade exercise N (add --hint for a hint, --watch to regrade on save)
  cargo run --bin LESSON         run one lesson (add -- --help for its flags)
";

fn main() -> ExitCode {
    output::restore_sigpipe();
    // `args_os`, not `args`, which panics on an argument that is not UTF-8;
    // such an argument (shown with � in place of the bad bytes) matches
    // nothing below and gets the usage message.
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => {
            print_course();
            ExitCode::SUCCESS
        }
        ["--check", names @ ..] => match chosen(names) {
            // The memory budget from CNN_WALKTHROUGH_MAX_MEMORY, for every lesson run.
            Ok(lessons) => match cnn_walkthrough::course::budget::from_env() {
                Ok(bytes) => {
                    cnn_walkthrough::course::budget::set_limit(bytes);
                    check(&lessons)
                }
                Err(e) => {
                    output::eprint(&format!("cnn-walkthrough: error: {e}\n"));
                    ExitCode::from(2)
                }
            },
            Err(message) => {
                output::eprint_message(&format!("cnn-walkthrough: {message}\n"));
                ExitCode::from(2)
            }
        },
        ["names"] => {
            output::print("cnn-walkthrough", &cnn_walkthrough::course::names::card(width()));
            ExitCode::SUCCESS
        }
        ["exercises"] => cnn_walkthrough::exercises::runner::list(),
        ["exercises", ..] | ["names", ..] => {
            let more = if args[0] == "exercises" {
                " (to grade one: cargo\u{a0}run\u{a0}--\u{a0}exercise\u{a0}N)"
            } else {
                ""
            };
            output::eprint_message(&format!("cnn-walkthrough: {} takes no arguments{more}\n", args[0]));
            ExitCode::from(2)
        }
        ["exercise", rest @ ..] => cnn_walkthrough::exercises::runner::exercise(rest),
        ["errata"] => {
            output::print("cnn-walkthrough", &cnn_walkthrough::course::errata::card(width()));
            ExitCode::SUCCESS
        }
        ["errata", flag] if flag.starts_with('-') => {
            output::eprint_message(&format!(
                "cnn-walkthrough: errata takes no flags (got {flag:?}): cargo\u{a0}run\u{a0}--\u{a0}errata \
                 lists the faults, cargo\u{a0}run\u{a0}--\u{a0}errata\u{a0}NAME shows one\n"
            ));
            ExitCode::from(2)
        }
        ["errata", name] => match cnn_walkthrough::course::errata::details(name, width()) {
            Some(text) => {
                output::print("cnn-walkthrough", &text);
                ExitCode::SUCCESS
            }
            None => {
                output::eprint_message(&format!(
                    "cnn-walkthrough: there is no fault named {name:?} in the errata; the names are: {}\n",
                    cnn_walkthrough::course::errata::names()
                ));
                ExitCode::from(2)
            }
        },
        ["errata", ..] => {
            output::eprint_message(
                "cnn-walkthrough: errata takes at most one name and no flags \
                 (cargo\u{a0}run\u{a0}--\u{a0}errata\u{a0}NAME); cargo\u{a0}run\u{a0}--\u{a0}errata lists them\n",
            );
            ExitCode::from(2)
        }
        ["--help"] | ["-h"] => {
            output::print("cnn-walkthrough", &output::wrap(HELP, width()));
            ExitCode::SUCCESS
        }
        other => {
            output::eprint_message(&format!(
                "cnn-walkthrough: unexpected arguments {other:?}; expected nothing, --check, names, errata, exercises, exercise N or --help.\n"
            ));
            ExitCode::from(2)
        }
    }
}

/// The columns the runner prints for: `COLUMNS`, the terminal's width, or 80.
fn width() -> usize {
    Screen::width_without_flags()
}

fn print_course() {
    let colour = use_colour();
    let mut text = format!(
        "{}\n\n{}\n",
        paint(
            &output::fill("cnn-walkthrough: a convolutional neural network from the inside", width()),
            "1",
            colour
        ),
        output::fill(
            "Each lesson builds one piece from its source article, prints the tensors you would \
             draw on a whiteboard, and checks them against the published numbers.",
            width()
        )
    );
    for (k, l) in LESSONS.iter().enumerate() {
        text += &format!(
            "\n{:>2}. {}\n{}\n{}\n    run:    cargo run --bin {}\n",
            k + 1,
            paint(l.title, "1", colour),
            wrap(l.teaches, width(), 4),
            output::wrap(&format!("    source: {}", l.source), width()),
            l.name
        );
    }
    text += &output::wrap(
        "\nA lesson's flags:\n  cargo run --bin lesson_01_zero_pad -- --help\n\
         Check every lesson:\n  cargo run -- --check\n\
         Write the functions yourself, graded:\n  cargo run -- exercises\n\
         The sources' own mistakes:\n  cargo run -- errata\n\
         The sources' layouts and names:\n  cargo run -- names\n",
        width(),
    );
    output::print("cnn-walkthrough", &text);
}

/// `parts` one after another in `buf` (cut at its end), in a constant: a
/// compile-time message that names a lesson.
const fn joined<'a>(buf: &'a mut [u8; 200], parts: &[&str]) -> &'a str {
    let (mut n, mut p) = (0, 0);
    while p < parts.len() {
        let part = parts[p].as_bytes();
        let mut i = 0;
        while i < part.len() && n < buf.len() {
            buf[n] = part[i];
            (n, i) = (n + 1, i + 1);
        }
        p += 1;
    }
    match std::str::from_utf8(buf.split_at(n).0) {
        Ok(text) => text,
        Err(_) => "src/main.rs: lessons! is not the registry's list",
    }
}

/// `a == b`, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

fn run_of(info: &LessonInfo) -> Option<LessonFn> {
    RUNS.iter().find(|(name, _)| *name == info.name).map(|&(_, run)| run)
}

/// The lessons `names` asks for (each a lesson's name or its number, `03` or
/// `3`), in the registry's order; every lesson when `names` is empty.
fn chosen(names: &[&str]) -> Result<Vec<&'static LessonInfo>, String> {
    // Lesson k (from 0) is asked for by its name, or by its number k + 1 written with one or two digits.
    let asks_for = |name: &str, k: usize| {
        name == LESSONS[k].name || name.len() <= 2 && name.parse::<usize>() == Ok(k + 1)
    };
    if let Some(name) = names.iter().find(|n| !(0..LESSONS.len()).any(|k| asks_for(n, k))) {
        return Err(format!(
            "--check: there is no lesson '{name}';\nexpected a lesson's name (lesson_01_zero_pad) \
             or its number (1 to {})",
            LESSONS.len()
        ));
    }
    Ok((0..LESSONS.len())
        .filter(|&k| names.is_empty() || names.iter().any(|n| asks_for(n, k)))
        .map(|k| &LESSONS[k])
        .collect())
}

fn check(lessons: &[&'static LessonInfo]) -> ExitCode {
    let mut rows = vec![];
    let mut why = vec![];
    for &info in lessons {
        let (result, count) = match run_of(info).map(|run| Lesson::run_silently(info, run)) {
            None => ("FAIL".to_string(), "no code registered".to_string()),
            Some(Err(e)) => {
                why.push(format!("{}: error: {e}", info.name));
                ("FAIL".to_string(), "stopped with an error".to_string())
            }
            Some(Ok(checks)) => {
                let n = checks.list.len();
                if !checks.all_passed() {
                    let mut failed = checks.clone();
                    failed.list.retain(|c| !c.passed);
                    why.push(format!("{} failed:\n{}", info.name, failed.table(width())));
                }
                let ok = checks.all_passed() && n > 0;
                (if ok { "pass" } else { "FAIL" }.to_string(), format!("{}/{n}", checks.passed()))
            }
        };
        rows.push(vec![info.name.to_string(), info.title.to_string(), count, result]);
    }
    let all_ok = why.is_empty() && rows.iter().all(|r| r[3] == "pass");
    // Without the titles when the table is too wide for the screen with them.
    let with_titles = table(&["lesson", "title", "checks passed", "result"], &rows);
    let mut text = if with_titles.lines().all(|l| l.chars().count() <= width()) {
        format!("{with_titles}\n")
    } else {
        rows.iter_mut().for_each(|r| _ = r.remove(1));
        format!("{}\n", fit_table(&["lesson", "checks passed", "result"], &rows, width()))
    };
    for w in &why {
        text += &format!("{w}\n");
    }
    let verdict = if all_ok {
        let all = match lessons.len() {
            1 => "The lesson passes.".to_string(),
            n if n == LESSONS.len() => format!("All {n} lessons pass."),
            n => format!("All {n} lessons checked pass."),
        };
        paint(&all, "1;32", use_colour())
    } else {
        paint("Some lessons FAIL (see above).", "1;31", use_colour())
    };
    output::print("cnn-walkthrough", &format!("{text}{verdict}\n"));
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
