//! Command-line flags: `--flag value`, `--flag=value` and switches, checked
//! against the lesson's list so that every mistake gets a clear message.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::registry::{Flag, LessonInfo, COMMON_FLAGS};

/// The flags given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    given: BTreeMap<&'static str, Option<String>>,
}

/// Every flag `lesson` takes: the common ones, then its own.
pub fn flags_of(lesson: &LessonInfo) -> impl Iterator<Item = &'static Flag> + use<> {
    COMMON_FLAGS.iter().chain(lesson.flags.iter())
}

impl Args {
    /// Parses `args` (without the program name) against the flags of `lesson`.
    ///
    /// # Errors
    /// [`Error::Usage`] for an unknown flag, a flag given twice, a missing
    /// value, a value given to a switch, or a stray argument.
    pub fn parse(lesson: &LessonInfo, args: &[String]) -> Result<Self> {
        let mut given = BTreeMap::new();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
                _ => (arg.as_str(), None),
            };
            let name = if name == "-h" { "--help" } else { name };
            let Some(flag) = flags_of(lesson).find(|f| f.name == name) else {
                let known: Vec<&str> = flags_of(lesson).map(|f| f.name).collect();
                let what = if name.starts_with('-') {
                    format!("unknown flag '{name}'")
                } else {
                    format!("unexpected argument '{name}'")
                };
                return Err(Error::Usage(format!("{what}; {} takes {}", lesson.name, known.join(", "))));
            };
            let value = match (flag.value, inline) {
                (None, None) => None,
                (None, Some(_)) => {
                    return Err(Error::Usage(format!("{name} is a switch and takes no value")))
                }
                (Some(_), Some(v)) => Some(v),
                (Some(kind), None) => match rest.next() {
                    Some(v) if !v.starts_with("--") => Some(v.clone()),
                    _ => {
                        return Err(Error::Usage(format!(
                            "{name} needs a value: {name} {kind} ({})",
                            flag.help
                        )))
                    }
                },
            };
            if value.as_deref() == Some("") {
                return Err(Error::Usage(format!("{name} has an empty value")));
            }
            if given.insert(flag.name, value).is_some() {
                return Err(Error::Usage(format!("{name} is given twice")));
            }
        }
        Ok(Args { given })
    }

    /// Whether the flag was given.
    pub fn has(&self, name: &str) -> bool {
        self.given.contains_key(name)
    }

    /// The value of a flag, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.given.get(name).and_then(|v| v.as_deref())
    }

    /// The value of a flag as a path.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.value(name).map(PathBuf::from)
    }

    /// The value of a flag as a whole number ≥ 0, or `default` when not given.
    ///
    /// # Errors
    /// [`Error::Usage`] when the value is not a whole number ≥ 0.
    pub fn usize_or(&self, name: &str, default: usize) -> Result<usize> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => {
                v.parse().map_err(|_| Error::Usage(format!("{name} is '{v}'; expected a whole number ≥ 0")))
            }
        }
    }

    /// The value of a flag as a finite number greater than 0, or `default` when not given.
    ///
    /// # Errors
    /// [`Error::Usage`] when the value is not a number greater than 0.
    pub fn positive_or(&self, name: &str, default: f64) -> Result<f64> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
                _ => Err(Error::Usage(format!("{name} is '{v}'; expected a number greater than 0"))),
            },
        }
    }

    /// Which of `names` were given.
    pub fn given_of<'a>(&self, names: &[&'a str]) -> Vec<&'a str> {
        names.iter().copied().filter(|n| self.has(n)).collect()
    }
}

/// The `--help` text of a lesson.
pub fn help(lesson: &LessonInfo) -> String {
    let mut s = format!(
        "{} — {}\n\n{}\n\nSource: {}\n\nUsage: cargo run --bin {} -- [FLAGS]\n\nFlags:\n",
        lesson.name, lesson.title, lesson.teaches, lesson.source, lesson.name
    );
    let left = |f: &Flag| match f.value {
        Some(v) => format!("{} {v}", f.name),
        None => f.name.to_string(),
    };
    let width = flags_of(lesson).map(|f| left(f).chars().count()).max().unwrap_or(0).max(18);
    for f in flags_of(lesson) {
        s += &format!("  {:<width$} {}\n", left(f), f.help);
    }
    s += &format!(
        "\n--save DIR writes: {}\n\nExit status: 0 when every check passes, 1 when one fails, 2 for bad usage or bad input.\n",
        lesson.saves
    );
    s
}
