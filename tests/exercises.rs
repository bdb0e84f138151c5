//! Do it yourself (`src/exercises/`, `exercises/`): every solution passes its
//! grader; every stub that is still `todo!()` is reported "not started" by
//! the runner, as a student who has done nothing yet would see it; and
//! plausible wrong answers fail, with a message that points at the mistake.
//!
//! The solutions are compiled into this test (they are ours). The stubs are
//! the student's files, so they are graded the way the student grades them,
//! by `cnn-walkthrough exercise N` (which builds the exercise's own grading
//! program): a half-written exercise never stops `cargo test` from
//! compiling, and an exercise the student has started is left out.

use cnn_walkthrough::exercises::{Grade, Outcome, EXERCISES};

use crate::common;
use crate::common::runner;

/// Every exercise's grade of its solution, by the exercise's file name.
fn solutions() -> Vec<(&'static str, Grade)> {
    let mut all = crate::exercises_notebook::solutions();
    all.extend(crate::exercises_im2col::solutions());
    all.extend(crate::exercises_layers::solutions());
    all
}

#[test]
fn every_solution_passes_its_grader() {
    let graded = solutions();
    for e in EXERCISES {
        let Some((_, grade)) = graded.iter().find(|(file, _)| *file == e.file) else {
            panic!("{} has no solution graded here", e.file);
        };
        assert_eq!(grade.outcome, Outcome::Passed, "{}'s solution:\n{}", e.file, grade.text());
    }
}

#[test]
fn every_exercise_has_its_files_and_hints() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cargo_toml =
        std::fs::read_to_string(format!("{root}/exercises/Cargo.toml")).expect("exercises/Cargo.toml");
    for (k, e) in EXERCISES.iter().enumerate() {
        assert_eq!(e.number, k + 1, "{} is numbered out of order", e.file);
        assert!(
            e.file.starts_with(&format!("ex{:02}_", e.number)),
            "{}: file name and number differ",
            e.file
        );
        for path in [e.path(), e.solution_path(), format!("exercises/grade/{}.rs", e.file)] {
            assert!(std::path::Path::new(root).join(&path).is_file(), "{path} is missing");
        }
        assert!(
            cargo_toml.contains(&format!("name = \"{}\"", e.file)),
            "exercises/Cargo.toml lacks the bin {}",
            e.file
        );
        assert!(!e.hints.is_empty(), "{} has no hints", e.file);
        let stub = std::fs::read_to_string(std::path::Path::new(root).join(e.path())).expect("the stub");
        assert!(
            stub.contains(&format!("pub fn {}(", e.function)),
            "{} does not define {}",
            e.path(),
            e.function
        );
    }
}

/// Runs `cnn-walkthrough exercise N`, as a student does.
fn grade_as_a_student(number: usize) -> common::Output {
    runner(&["exercise", &number.to_string()])
}

#[test]
fn every_untouched_stub_is_not_started() {
    let root = env!("CARGO_MANIFEST_DIR");
    for e in EXERCISES {
        let stub = std::fs::read_to_string(std::path::Path::new(root).join(e.path())).expect("the stub");
        if !stub.contains("todo!()") {
            eprintln!("{} has been started: left out", e.path());
            continue;
        }
        let out = grade_as_a_student(e.number);
        assert_eq!(out.code, Some(1), "{}: {}\n{}", e.file, out.stdout, out.stderr);
        assert!(out.text.contains("not started yet"), "{}:\n{}\n{}", e.file, out.stdout, out.stderr);
        assert!(out.text.contains(&e.path()), "{} does not name its file:\n{}", e.file, out.stdout);
    }
}

/// Asserts that `grade` failed and that its report says each of `phrases`
/// (compared with runs of white space as one space).
pub fn assert_fails_saying(grade: &Grade, phrases: &[&str]) {
    assert_eq!(grade.outcome, Outcome::Failed, "{}", grade.text());
    let text = grade.text().split_whitespace().collect::<Vec<_>>().join(" ");
    for phrase in phrases {
        assert!(text.contains(phrase), "the report lacks {phrase:?}:\n{}", grade.text());
    }
}

#[test]
fn hints_come_one_at_a_time_and_bad_requests_say_what_is_accepted() {
    let first = runner(&["exercise", "1", "--hint"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first.text.contains("Hint 1 of"), "{}", first.stdout);
    assert!(first.text.contains("Another hint: cargo run -- exercise 1 --hint 2"), "{}", first.stdout);
    assert!(
        !first.text.contains(EXERCISES[0].hints[1]),
        "the second hint came with the first:\n{}",
        first.stdout
    );
    let by_name = runner(&["exercise", "zero_pad", "--hint", "2"]);
    assert!(by_name.text.contains("Hint 2 of"), "{}", by_name.stdout);
    for (args, phrase) in [
        (&["exercise"][..], "which exercise?"),
        (&["exercise", "99"][..], "there is no exercise \"99\""),
        (&["exercise", "1", "--hint", "9"][..], "--hint takes a hint's number, 1 to"),
        (&["exercise", "1", "--fast"][..], "unexpected \"--fast\" after the exercise"),
        (&["exercise", "1", ""][..], "unexpected \"\" after the exercise"),
        (&["exercise", "1", "--hint", "1", "2"][..], "unexpected \"2\" after the exercise"),
        (&["exercise", "1", "--watch", "--hint"][..], "unexpected \"--hint\" after the exercise"),
    ] {
        let out = runner(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.message.contains(phrase), "{args:?}: {}", out.stderr);
        assert!(
            out.message.contains("cargo run -- exercises lists them") || phrase.starts_with("--hint"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn the_course_list_points_to_the_exercises() {
    let out = runner(&[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.lines().any(|l| l == "  cargo run -- exercises"), "{}", out.stdout);
}

#[test]
fn commands_that_take_no_arguments_say_so() {
    for (args, phrase) in [
        (
            &["exercises", "--watch"][..],
            "exercises takes no arguments (to grade one: cargo run -- exercise N)",
        ),
        (&["names", "x"][..], "names takes no arguments"),
        (&["errata", "a", "b"][..], "errata takes at most one name"),
        (&["errata", "--quiet"][..], "errata takes no flags"),
        (&["errata", "--width", "60"][..], "errata takes at most one name and no flags"),
    ] {
        let out = runner(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.message.contains(phrase), "{args:?}: {}", out.stderr);
    }
}
