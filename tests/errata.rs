//! Errata (`src/course/errata.rs`): `cargo run -- errata` lists every known
//! fault of the sources, `cargo run -- errata NAME` gives the command that
//! shows one, and each of those
//! commands does show it: the lesson runs, passes its checks, and prints the
//! fault's heading.

use std::collections::BTreeMap;

use cnn_walkthrough::course::errata::ERRATA;

use crate::common;
use crate::common::runner;

#[test]
fn the_runner_lists_every_fault_and_shows_each_with_its_command() {
    let out = runner(&["errata"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.lines().count() <= 39, "the list does not fit a 40-row screen:\n{}", out.stdout);
    for e in ERRATA {
        assert!(out.text.contains(e.name), "cnn-walkthrough errata lacks {}:\n{}", e.name, out.stdout);
        let one = runner(&["errata", e.name]);
        assert_eq!(one.code, Some(0), "{}", one.stderr);
        for phrase in [e.place, &e.command(), &e.heading()] {
            assert!(one.text.contains(phrase), "errata {} lacks {phrase}:\n{}", e.name, one.stdout);
        }
    }
    let unknown = runner(&["errata", "no-such-fault"]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.message.contains("no fault named \"no-such-fault\"")
            && unknown.message.contains("bias-inside-sum")
    );
}

#[test]
fn every_fault_has_its_own_name() {
    let mut seen = std::collections::BTreeSet::new();
    for e in ERRATA {
        assert!(seen.insert(e.name), "two errata are named {}", e.name);
    }
}

#[test]
fn each_command_shows_its_fault() {
    // One run per distinct command; every fault it should show is looked for in it.
    let mut by_command: BTreeMap<(&str, &[&str]), Vec<&str>> = BTreeMap::new();
    for e in ERRATA {
        by_command.entry((e.lesson.name, e.args)).or_default().push(e.name);
    }
    for ((lesson, args), names) in by_command {
        let out = common::run_lesson(lesson, args);
        assert_eq!(out.code, Some(0), "{lesson} {args:?} exited {:?}: {}", out.code, out.stderr);
        for name in names {
            let heading = format!("Fault in the source [errata: {name}]");
            assert!(
                out.text.contains(&heading),
                "{lesson} {args:?} does not show {heading}:\n{}",
                out.stdout
            );
        }
    }
}

#[test]
fn the_readme_lists_every_fault_with_its_command() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    for e in ERRATA {
        let row = format!("| `{}` |", e.name);
        let line = readme.lines().find(|l| l.starts_with(&row)).map(|l| l.replace('`', ""));
        assert!(
            line.is_some_and(|l| l.contains(&e.command()) && l.contains(e.place) && l.contains(e.source)),
            "README.md's errata table lacks {row} {}, {} ... `{}`",
            e.source,
            e.place,
            e.command()
        );
    }
}
