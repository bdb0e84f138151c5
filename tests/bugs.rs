//! `--bug NAME`: every mistake a lesson can be run with is caught by at least
//! one of the lesson's own checks (so each check set is strong enough), says
//! its symptom, and exits 1; `--bug list` lists them; a wrong name or a flag
//! that would make the run ignore the bug is a usage error.

use cnn_walkthrough::course::registry::LESSONS;

use crate::common::run_lesson;

#[test]
fn every_bug_fails_a_check_of_its_lesson() {
    let mut ran = 0;
    for lesson in LESSONS {
        for bug in lesson.bugs {
            let out = run_lesson(lesson.name, &["--quiet", "--width", "60", "--bug", bug.name]);
            let context = format!("{} --bug {}:\n{}", lesson.name, bug.name, out.stdout);
            assert_eq!(out.code, Some(1), "exit status of {context}");
            assert!(out.stdout.contains("FAIL"), "no failing check in {context}");
            assert!(out.text.contains(&format!("(--bug {}): ", bug.name)), "no symptom line in {context}");
            let symptom: String = bug.symptom.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(out.text.contains(&symptom), "symptom not said in {context}");
            assert!(!out.stderr.contains("panicked"), "panic in {context}:\n{}", out.stderr);
            let widest = out.stdout.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            assert!(widest <= 60, "a line of {widest} columns at --width 60 in {context}");
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} bugs in the registry");
}

/// A bug is caught by the check written for it, not by chance elsewhere.
#[test]
fn each_bug_fails_the_check_meant_for_it() {
    let cases = [
        ("lesson_09_layers", "no-running-averages", "FAIL inference y from running_mean and running_var"),
        ("lesson_10_optimizers", "no-bias-correction", "FAIL Adam: step 1 = by hand"),
        ("lesson_10_optimizers", "no-bias-correction", "FAIL Adam: 300 steps = a second way"),
    ];
    for (lesson, bug, failing) in cases {
        let out = run_lesson(lesson, &["--quiet", "--bug", bug]);
        assert!(out.text.contains(failing), "{lesson} --bug {bug}: no {failing:?} in\n{}", out.stdout);
    }
}

#[test]
fn bug_list_names_each_bug_and_its_symptom() {
    for lesson in LESSONS.iter().filter(|l| !l.bugs.is_empty()) {
        let out = run_lesson(lesson.name, &["--bug", "list"]);
        out.assert_exit(0);
        for bug in lesson.bugs {
            out.assert_line(bug.name);
            let start: String = bug.symptom.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
            assert!(out.text.contains(&start), "{}: {start:?} not in\n{}", lesson.name, out.stdout);
        }
        let help = run_lesson(lesson.name, &["--help"]);
        help.assert_exit(0);
        assert!(help.text.contains("--bug NAME"), "{}'s --help does not mention --bug", lesson.name);
    }
}

#[test]
fn an_unknown_bug_is_a_usage_error_naming_the_accepted_ones() {
    for lesson in LESSONS.iter().filter(|l| !l.bugs.is_empty()) {
        let out = run_lesson(lesson.name, &["--bug", "no-such-bug"]);
        let mut parts = vec!["unknown bug 'no-such-bug'", "list"];
        parts.extend(lesson.bugs.iter().map(|b| b.name));
        out.assert_error(&parts);
    }
    // A lesson with no bugs takes no --bug at all.
    run_lesson("lesson_01_zero_pad", &["--bug", "list"]).assert_error(&["unknown flag '--bug'"]);
}

#[test]
fn a_bug_the_run_would_ignore_is_refused() {
    let out = run_lesson("lesson_02_conv_forward", &["--bug", "bias-inside-sum", "--input", "A.npy"]);
    out.assert_error(&["--input would be ignored with --bug"]);
    let out = run_lesson("lesson_05_pool_backward", &["--bug=every-tied-max", "--da", "dA.npy"]);
    out.assert_error(&["--da would be ignored with --bug"]);
}
