//! Command-line flags: `--flag value`, `--flag=value` and switches, checked
//! against the lesson's list so that every mistake gets a clear message.
//!
//! Splitting the command line into flags and values is the crate [`lexopt`]'s
//! work: it reads the arguments as the operating system gives them
//! ([`OsString`]s, which on Unix may be any bytes, not only UTF-8), splits
//! `--flag=value`, reads `-h` as a short flag and takes `--` to end the flags.
//! What this module adds on top:
//!
//! - each flag is looked up in the lesson's list ([`COMMON_FLAGS`] and the
//!   lesson's own [`LessonInfo::flags`]), and `-h` is `--help`;
//! - the messages: an unknown flag lists the flags the lesson takes, and a
//!   flag given twice, a missing or empty value, a value given to a switch, a
//!   stray argument, or a value that is not text each get a sentence naming
//!   the flag;
//! - a value that starts with `--` is taken as a forgotten value
//!   (`--save --quiet`), not as the value, unless joined with `=`;
//! - a flag that names a file or directory ([`Flag::path`]) keeps its value
//!   as the operating system gave it, so any file name works; every other
//!   value must be valid UTF-8 text.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::Arg;

use crate::course::registry::{Flag, LessonInfo, BUG_FLAG, COMMON_FLAGS, SAVE_FLAGS};
use crate::error::{Error, Result};

/// The flags given on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    given: BTreeMap<&'static str, Option<OsString>>,
}

/// Every flag `lesson` takes: the common ones, `--save` and `--force` if
/// it writes files, `--bug` if it has bugs to show, then its own.
pub fn flags_of(lesson: &LessonInfo) -> impl Iterator<Item = &'static Flag> + use<> {
    let save: &[Flag] = if lesson.writes.is_empty() { &[] } else { SAVE_FLAGS };
    let bug: &[Flag] = if lesson.bugs.is_empty() { &[] } else { std::slice::from_ref(&BUG_FLAG) };
    COMMON_FLAGS.iter().chain(save).chain(bug).chain(lesson.flags.iter())
}

impl Args {
    /// Parses `args` (without the program name) against the flags of `lesson`.
    /// The lesson binaries pass `std::env::args_os().skip(1)`; tests can pass
    /// `&str`s.
    ///
    /// ```
    /// use cnn_walkthrough::course::cli::Args;
    /// use cnn_walkthrough::course::registry::LESSON_11_TRAIN_CNN;
    ///
    /// let args = Args::parse(&LESSON_11_TRAIN_CNN, ["--epochs", "3", "--net=small", "-h"]).unwrap();
    /// assert_eq!(args.value("--epochs"), Some("3"));
    /// assert_eq!(args.value("--net"), Some("small"));
    /// assert!(args.has("--help"));
    /// assert!(Args::parse(&LESSON_11_TRAIN_CNN, ["--epochs"]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::Usage`] for an unknown flag, a flag given twice, a missing or
    /// empty value, a value given to a switch, a stray argument, or a value
    /// that is not valid UTF-8 for a flag that does not name a file.
    pub fn parse<I>(lesson: &LessonInfo, args: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let mut given = BTreeMap::new();
        let mut parser = lexopt::Parser::from_args(args);
        // lexopt hands over one flag (or stray argument) at a time; we look
        // each up in the lesson's list and then ask lexopt for its value.
        while let Some(arg) = parser.next().map_err(|e| Error::Usage(e.to_string()))? {
            let name = match arg {
                Arg::Short('h') => "--help".to_string(),
                Arg::Short(c) => format!("-{c}"),
                Arg::Long(long) => format!("--{long}"),
                Arg::Value(stray) => {
                    let what = format!("unexpected argument '{}'", stray.to_string_lossy());
                    return Err(Error::Usage(format!("{what};{}", takes(lesson))));
                }
            };
            let Some(flag) = flags_of(lesson).find(|f| f.name == name) else {
                if SAVE_FLAGS.iter().any(|f| f.name == name) {
                    return Err(Error::Usage(format!("this lesson saves nothing, so it takes no {name}")));
                }
                return Err(Error::Usage(format!("unknown flag '{name}';{}", takes(lesson))));
            };
            let value = match flag.value {
                // A switch: `--quiet=yes` (or `-hq`) leaves a value joined to it.
                None => match parser.optional_value() {
                    None => None,
                    Some(v) => {
                        let v = v.to_string_lossy();
                        return Err(Error::Usage(format!(
                            "{name} is a switch and takes no value (given '{v}')"
                        )));
                    }
                },
                Some(kind) => Some(value_of(&mut parser, flag, kind)?),
            };
            if given.insert(flag.name, value).is_some() {
                return Err(Error::Usage(format!("{name} is given twice")));
            }
        }
        // A flag that another one makes the run ignore is refused.
        for flag in flags_of(lesson).filter(|f| given.contains_key(f.name)) {
            if let Some(ignored) = flag.excludes.iter().find(|name| given.contains_key(*name)) {
                return Err(Error::Usage(format!(
                    "{ignored} would be ignored with {};\n  {} does only this: {}",
                    flag.name,
                    flag.name,
                    flag.help.split(" (").next().unwrap_or(flag.help)
                )));
            }
        }
        let args = Args { given };
        if let Some(name) = args.value("--bug")
            && name != "list"
            && !lesson.bugs.iter().any(|b| b.name == name)
        {
            let names: Vec<&str> = lesson.bugs.iter().map(|b| b.name).collect();
            return Err(Error::Usage(format!(
                "unknown bug '{name}'; --bug takes list, {}",
                names.join(", ")
            )));
        }
        Ok(args)
    }

    /// Whether the flag was given.
    pub fn has(&self, name: &str) -> bool {
        self.given.contains_key(name)
    }

    /// The value of a flag, if given, as text. (Only a path flag can hold a
    /// value that is not UTF-8; read it with [`path`](Self::path).)
    pub fn value(&self, name: &str) -> Option<&str> {
        self.given.get(name)?.as_deref()?.to_str()
    }

    /// The value of a flag as a path, if given, exactly as the operating
    /// system gave it.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.given.get(name)?.as_ref().map(PathBuf::from)
    }

    /// The value of a flag as a whole number ≥ 0, or `default` when not given.
    ///
    /// # Errors
    /// [`Error::Usage`] when the value is not a whole number ≥ 0.
    pub fn usize_or(&self, name: &str, default: usize) -> Result<usize> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
                let why = if digits(v) {
                    format!("{name} is {v}, too large; expected at most {}", usize::MAX)
                } else if v.strip_prefix('-').is_some_and(digits) {
                    format!("{name} is {v}, negative; expected a whole number ≥ 0")
                } else {
                    format!("{name} is '{v}'; expected a whole number ≥ 0")
                };
                Error::Usage(why)
            }),
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
                _ => Err(Error::Usage(format!("{name} is '{v}'; expected a finite number greater than 0"))),
            },
        }
    }

    /// Which of `names` were given.
    pub fn given_of<'a>(&self, names: &[&'a str]) -> Vec<&'a str> {
        names.iter().copied().filter(|n| self.has(n)).collect()
    }
}

/// The value of `flag` (called `kind` in its help, e.g. `DIR`), just after
/// the flag: joined as `--flag=value`, or the next argument unless that one
/// starts with `--` (then the value was forgotten). It must not be empty,
/// and must be UTF-8 unless the flag names a file.
fn value_of(parser: &mut lexopt::Parser, flag: &Flag, kind: &str) -> Result<OsString> {
    let name = flag.name;
    let value = match parser.optional_value() {
        Some(joined) => joined,
        None => match parser.value() {
            Ok(next) if !next.to_string_lossy().starts_with("--") => next,
            _ => return Err(Error::Usage(format!("{name} needs a value: {name} {kind} ({})", flag.help))),
        },
    };
    if value.is_empty() {
        return Err(Error::Usage(format!("{name} has an empty value")));
    }
    if !flag.path && value.to_str().is_none() {
        return Err(Error::Usage(format!(
            "{name}: the value is not valid UTF-8 ('{}'); expected {kind}",
            value.to_string_lossy()
        )));
    }
    Ok(value)
}

/// The end of an unknown-flag message: `the lesson takes --help, --quiet, ...`,
/// wrapped onto indented lines so that it fits in 80 columns.
fn takes(lesson: &LessonInfo) -> String {
    let mut text = "\n  the lesson takes".to_string();
    let mut line = text.len() - 1;
    let names: Vec<&str> = flags_of(lesson).map(|f| f.name).collect();
    for (k, name) in names.iter().enumerate() {
        let word = if k + 1 < names.len() { format!("{name},") } else { name.to_string() };
        if line + 1 + word.len() > 76 {
            text += "\n ";
            line = 1;
        }
        text += &format!(" {word}");
        line += 1 + word.len();
    }
    text
}

/// What `--help` says of `--save`: the files, and what it never does (see
/// [`crate::course::files`]); nothing for a lesson that saves nothing.
fn save_help(lesson: &LessonInfo) -> String {
    if lesson.writes.is_empty() {
        return String::new();
    }
    format!(
        "\n--save DIR writes: {}\n\nDIR is created if missing. A file already there is replaced only \
         with --force (and the run says so); an input of the run, never.\n",
        lesson.saves
    )
}

/// What `--help` says of `--bug`: the lesson's bugs and their symptoms;
/// nothing for a lesson that has none.
fn bug_help(lesson: &LessonInfo) -> String {
    if lesson.bugs.is_empty() {
        return String::new();
    }
    format!("\n--bug NAME runs with one of these mistakes:\n{}", crate::course::bugs::list(lesson.bugs))
}

/// The `--help` text of a lesson, wrapped to `width` columns: each flag's
/// help continues under where it began.
pub fn help(lesson: &LessonInfo, width: usize) -> String {
    let mut s = format!(
        "{} — {}\n\n{}\n\nSource: {}\n\nUsage: cargo run --bin {} -- [FLAGS]\n\nFlags:\n",
        lesson.name, lesson.title, lesson.teaches, lesson.source, lesson.name
    );
    let left = |f: &Flag| match f.value {
        Some(v) => format!("{} {v}", f.name),
        None => f.name.to_string(),
    };
    let column = flags_of(lesson).map(|f| left(f).chars().count()).max().unwrap_or(0).max(18);
    let hanging = " ".repeat(column + 3);
    for f in flags_of(lesson) {
        let options = textwrap::Options::new(width.max(column + 23))
            .initial_indent("  ")
            .subsequent_indent(&hanging)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        s += &format!("{}\n", textwrap::fill(&format!("{:<column$} {}", left(f), f.help), options));
    }
    s += &format!(
        "{}{}\nExit status: 0 when every check passes, 1 when one fails or none ran, 2 for bad usage \
         or bad input, 74 when the output cannot be written.\n",
        save_help(lesson),
        bug_help(lesson)
    );
    crate::course::output::wrap(&s, width)
}
