//! Errata (`src/course/errata.rs`): `cargo run -- errata` lists every known
//! fault of the sources with the command that shows it, and each of those
//! commands does show it: the lesson runs, passes its checks, and prints the
//! fault's heading.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use cnn_walkthrough::course::errata::ERRATA;

use crate::common;

#[test]
fn the_runner_lists_every_fault_with_its_command() {
    let out = common::output_of(
        &Command::new(common::binary("cnn-walkthrough"))
            .arg("errata")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "80")
            .stdin(Stdio::null())
            .output()
            .expect("running cnn-walkthrough errata"),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for e in ERRATA {
        for phrase in [e.name, e.place, &e.command()] {
            assert!(out.text.contains(phrase), "cnn-walkthrough errata lacks {phrase}:\n{}", out.stdout);
        }
    }
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
        let line = readme.lines().find(|l| l.starts_with(&row));
        assert!(
            line.is_some_and(|l| l.contains(&e.command())),
            "README.md's errata table lacks {row} ... `{}`",
            e.command()
        );
    }
}
