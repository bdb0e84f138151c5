//! The list of lessons exists once: the registry (`LESSONS` in
//! `src/course/registry.rs`). What cannot be generated from it is compared
//! with it here, and every difference is named: Cargo.toml's `[[bin]]`
//! entries, the `lessons!` list of `src/main.rs` (also checked as it
//! compiles), the files in `lessons/` and `tests/golden/`, the README's
//! table, and the registry entry each lesson file's `main` passes.

use std::path::Path;

use cnn_walkthrough::course::registry::LESSONS;

/// A file of the package, as text.
fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The names (without `extension`) of the files of directory `dir`.
fn stems(dir: &str, extension: &str) -> Vec<String> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let entries = std::fs::read_dir(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(extension).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// How `place`'s list of lessons differs from the registry's: each lesson
/// missing, extra or listed twice; and, when `ordered` and the lessons are
/// the same, the first one out of the registry's order.
fn differences(place: &str, listed: &[String], ordered: bool) -> Vec<String> {
    let registry: Vec<&str> = LESSONS.iter().map(|l| l.name).collect();
    let mut found = vec![];
    for name in &registry {
        if !listed.iter().any(|l| l == name) {
            found.push(format!("{place} lacks {name}"));
        }
    }
    for (k, name) in listed.iter().enumerate() {
        if !registry.contains(&name.as_str()) {
            found.push(format!("{place} has {name}, which is not in the registry"));
        } else if listed[..k].contains(name) {
            found.push(format!("{place} lists {name} twice"));
        }
    }
    if found.is_empty()
        && ordered
        && let Some(k) = (0..listed.len()).find(|&k| listed[k] != registry[k])
    {
        found.push(format!(
            "{place} lists {} at place {}, where the registry has {}",
            listed[k],
            k + 1,
            registry[k]
        ));
    }
    found
}

/// `(name, path)` of each `[[bin]]` entry of Cargo.toml, in order.
fn cargo_bins(manifest: &str) -> Vec<(String, String)> {
    let value = |block: &str, key: &str| {
        block.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    manifest
        .split("[[bin]]")
        .skip(1)
        .map(|block| block.split("\n[").next().unwrap_or(block))
        .map(|block| (value(block, "name").unwrap_or_default(), value(block, "path").unwrap_or_default()))
        .collect()
}

/// The name of each line `lesson_NN_x => "../lessons/…",` of the `lessons!`
/// list of src/main.rs, in order (the paths are checked as it compiles).
fn main_rs_lessons(main_rs: &str) -> Vec<String> {
    let list = main_rs.split("\nlessons! {").nth(1).expect("src/main.rs has a `lessons! {` list");
    let list = list.split("\n}").next().unwrap_or(list);
    list.lines().filter_map(|l| l.split_once("=>")).map(|(name, _)| name.trim().to_string()).collect()
}

#[test]
fn every_list_of_lessons_is_the_registrys() {
    let mut found = vec![];
    for (k, info) in LESSONS.iter().enumerate() {
        let number = format!("lesson_{:02}_", k + 1);
        if !info.name.starts_with(&number) {
            found.push(format!(
                "the registry's lesson {} is {}; expected a name {number}…",
                k + 1,
                info.name
            ));
        }
    }
    let bins = cargo_bins(&read("Cargo.toml"));
    let lesson_bins: Vec<_> = bins.iter().filter(|(name, _)| name != "cnn-walkthrough").collect();
    let names: Vec<String> = lesson_bins.iter().map(|(name, _)| name.clone()).collect();
    found.extend(differences("Cargo.toml's [[bin]] entries", &names, true));
    for (name, path) in &lesson_bins {
        if *path != format!("lessons/{name}.rs") {
            found.push(format!("Cargo.toml's [[bin]] {name} has path {path}; expected lessons/{name}.rs"));
        }
    }
    found.extend(differences("src/main.rs's lessons!", &main_rs_lessons(&read("src/main.rs")), true));
    found.extend(differences("lessons/", &stems("lessons", ".rs"), false));
    for width in crate::golden::WIDTHS {
        let dir = format!("tests/golden/{width}");
        found.extend(differences(&format!("{dir}/"), &stems(&dir, ".txt"), false));
    }
    let readme = read("README.md");
    let rows: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once("` |").map(|(name, _)| name.to_string()))
        .filter(|name| name.starts_with("lesson_"))
        .collect();
    found.extend(differences("README.md's table", &rows, true));
    for info in LESSONS {
        let constant = format!("registry::{}", info.name.to_uppercase());
        let path = format!("lessons/{}.rs", info.name);
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&path));
        if text.is_ok_and(|t| !t.contains(&format!("Lesson::main(&{constant}, run)"))) {
            found.push(format!("{path}'s main does not run Lesson::main(&{constant}, run)"));
        }
    }
    assert!(found.is_empty(), "the lists of lessons disagree with the registry:\n  {}", found.join("\n  "));
}

/// The differences are named: a lesson missing, one extra, one listed twice,
/// and the first one out of order.
#[test]
fn differences_name_the_lesson() {
    let registry: Vec<String> = LESSONS.iter().map(|l| l.name.to_string()).collect();
    assert!(differences("x", &registry, true).is_empty());
    let (first, second) = (&registry[0], &registry[1]);
    let mut swapped = registry.clone();
    swapped.swap(0, 1);
    assert_eq!(
        differences("x", &swapped, true),
        [format!("x lists {second} at place 1, where the registry has {first}")]
    );
    assert!(differences("x", &swapped, false).is_empty());
    let mut changed = registry[1..].to_vec();
    changed.push("lesson_99_extra".into());
    changed.push(second.clone());
    assert_eq!(
        differences("x", &changed, true),
        [
            format!("x lacks {first}"),
            "x has lesson_99_extra, which is not in the registry".to_string(),
            format!("x lists {second} twice"),
        ]
    );
}

/// The parsers read what Cargo.toml and src/main.rs write.
#[test]
fn cargo_bins_and_main_rs_lessons_are_parsed() {
    let manifest = "[[bin]]\nname = \"a\"\npath = \"lessons/a.rs\"\ntest = false\n\n[lints.rust]\nx = 1\n";
    assert_eq!(cargo_bins(manifest), [("a".to_string(), "lessons/a.rs".to_string())]);
    let main_rs = "macro_rules! lessons {}\n\nlessons! {\n    a => \"../lessons/a.rs\",\n}\n\nfn main() {}\n";
    assert_eq!(main_rs_lessons(main_rs), ["a"]);
}
