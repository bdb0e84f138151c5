//! The course runner: `cargo run` lists the lessons, `cargo run -- --check`
//! runs every one of them quietly and shows one table of results.

use std::process::ExitCode;

use cnn_walkthrough::course::lesson::{paint, use_colour, Lesson, LessonFn};
use cnn_walkthrough::course::output;
use cnn_walkthrough::course::registry::{LessonInfo, LESSONS};
use cnn_walkthrough::course::show::{table, wrap};

// Each lesson file is also compiled here, so that `--check` can run it in
// this process; its own `main` is only for its binary.
#[allow(dead_code)]
#[path = "../lessons/lesson_01_zero_pad.rs"]
mod lesson_01_zero_pad;
#[allow(dead_code)]
#[path = "../lessons/lesson_02_conv_forward.rs"]
mod lesson_02_conv_forward;
#[allow(dead_code)]
#[path = "../lessons/lesson_03_conv_backward.rs"]
mod lesson_03_conv_backward;
#[allow(dead_code)]
#[path = "../lessons/lesson_04_pool_forward.rs"]
mod lesson_04_pool_forward;
#[allow(dead_code)]
#[path = "../lessons/lesson_05_pool_backward.rs"]
mod lesson_05_pool_backward;
#[allow(dead_code)]
#[path = "../lessons/lesson_06_im2col.rs"]
mod lesson_06_im2col;
#[allow(dead_code)]
#[path = "../lessons/lesson_07_conv2d_im2col.rs"]
mod lesson_07_conv2d_im2col;
#[allow(dead_code)]
#[path = "../lessons/lesson_08_pool_im2col.rs"]
mod lesson_08_pool_im2col;
#[allow(dead_code)]
#[path = "../lessons/lesson_09_layers.rs"]
mod lesson_09_layers;
#[allow(dead_code)]
#[path = "../lessons/lesson_10_optimizers.rs"]
mod lesson_10_optimizers;
#[allow(dead_code)]
#[path = "../lessons/lesson_11_train_cnn.rs"]
mod lesson_11_train_cnn;

/// The body of each lesson in the registry, by name.
const RUNS: &[(&str, LessonFn)] = &[
    ("lesson_01_zero_pad", lesson_01_zero_pad::run),
    ("lesson_02_conv_forward", lesson_02_conv_forward::run),
    ("lesson_03_conv_backward", lesson_03_conv_backward::run),
    ("lesson_04_pool_forward", lesson_04_pool_forward::run),
    ("lesson_05_pool_backward", lesson_05_pool_backward::run),
    ("lesson_06_im2col", lesson_06_im2col::run),
    ("lesson_07_conv2d_im2col", lesson_07_conv2d_im2col::run),
    ("lesson_08_pool_im2col", lesson_08_pool_im2col::run),
    ("lesson_09_layers", lesson_09_layers::run),
    ("lesson_10_optimizers", lesson_10_optimizers::run),
    ("lesson_11_train_cnn", lesson_11_train_cnn::run),
];

const HELP: &str =
    "cnn-walkthrough: how a convolutional neural network works inside, one small program at a time.

Usage:
  cargo run                      list the lessons
  cargo run -- --check           run every lesson quietly and show which checks pass
  cargo run -- --check NAME...   the same for the lessons named (lesson_03_conv_backward, or 03)
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
        ["--help"] | ["-h"] => {
            output::print("cnn-walkthrough", HELP);
            ExitCode::SUCCESS
        }
        other => {
            output::eprint_message(&format!(
                "cnn-walkthrough: unexpected arguments {other:?}; expected nothing, --check or --help.\n"
            ));
            ExitCode::from(2)
        }
    }
}

fn print_course() {
    let colour = use_colour();
    let mut text = format!(
        "{}\n\nEach lesson builds one piece from its source article, prints the tensors you would\n\
         draw on a whiteboard, and checks them against the published numbers.\n",
        paint("cnn-walkthrough: a convolutional neural network from the inside", "1", colour)
    );
    for (k, l) in LESSONS.iter().enumerate() {
        text += &format!(
            "\n{:>2}. {}\n{}\n    source: {}\n    run:    cargo run --bin {}\n",
            k + 1,
            paint(l.title, "1", colour),
            wrap(l.teaches, 88, 4),
            l.source,
            l.name
        );
    }
    text += "\nA lesson's flags: cargo run --bin lesson_01_zero_pad -- --help\n\
             Check every lesson: cargo run -- --check\n";
    output::print("cnn-walkthrough", &text);
}

// Every lesson of the registry has its code in RUNS, in the registry's order,
// and RUNS has no other: checked when this file compiles (no test to run).
const _: () = {
    assert!(RUNS.len() == LESSONS.len(), "RUNS and the registry list different lessons");
    let mut k = 0;
    while k < RUNS.len() {
        assert!(same(RUNS[k].0, LESSONS[k].name), "RUNS is not the registry's list, in its order");
        k += 1;
    }
};

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
                    why.push(format!("{} failed:\n{}", info.name, failed.table()));
                }
                let ok = checks.all_passed() && n > 0;
                (if ok { "pass" } else { "FAIL" }.to_string(), format!("{}/{n}", checks.passed()))
            }
        };
        rows.push(vec![info.name.to_string(), info.title.to_string(), count, result]);
    }
    let mut text = format!("{}\n", table(&["lesson", "title", "checks passed", "result"], &rows));
    let all_ok = why.is_empty() && rows.iter().all(|r| r[3] == "pass");
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
