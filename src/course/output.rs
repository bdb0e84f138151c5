//! Writing what a lesson prints, without panicking when the output goes
//! away. `print!` panics when stdout cannot be written (a full disk, a closed
//! pipe); these functions do what command-line tools do instead:
//!
//! - a reader that stops reading (`lesson_01_zero_pad | head -1`) ends the
//!   program quietly, killed by `SIGPIPE` as `ls | head` is
//!   ([`restore_sigpipe`]; Rust programs ignore that signal unless told);
//! - any other write error (a full disk, `> /dev/full`) ends it with one
//!   line on stderr and exit status [`OUTPUT_FAILED`] ([`print()`](print()));
//! - errors writing to stderr are ignored ([`eprint()`](eprint())): there is nowhere
//!   left to report them.
//!
//! Our own code, not a crate's: it is these three functions and one call
//! to the C library.

use std::io::Write;

/// The exit status when stdout cannot be written: 74, `EX_IOERR` of the
/// BSD `sysexits.h`.
pub const OUTPUT_FAILED: u8 = 74;

/// Lets a write to a closed pipe end the program quietly, as it ends `ls`:
/// Rust ignores `SIGPIPE`, so that such a write returns an error (which
/// `print!` turns into a panic); this restores the signal's default action.
/// Call it first thing in `main`. Does nothing off Unix.
pub fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: `signal` with a valid signal number and `SIG_DFL` only changes
    // this process's action for SIGPIPE; it is called before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Writes `text` to stdout and flushes it, its no-break spaces (which kept
/// commands and formulas whole while it was wrapped) as plain spaces. When
/// that fails, says so on stderr in one line (`{program}: could not write
/// the output: {error}`) and exits with status [`OUTPUT_FAILED`].
pub fn print(program: &str, text: &str) {
    let text = text.replace('\u{a0}', " ");
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // One line: the system's words without their " (os error 28)".
        let e = e.to_string();
        let reason = e.split(" (os error").next().unwrap_or(&e);
        eprint_message(&format!("{program}: could not write the output: {reason}\n"));
        std::process::exit(i32::from(OUTPUT_FAILED));
    }
}

/// Writes `text` to stderr, ignoring errors; no-break spaces as plain spaces.
pub fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.replace('\u{a0}', " ").as_bytes());
}

/// The width messages are wrapped to: 80 columns, a terminal's narrowest
/// usual width (and what is assumed when the output is not a terminal).
pub const MESSAGE_WIDTH: usize = 80;

/// `text` with every line longer than `width` wrapped at spaces onto
/// lines indented two spaces more than it (a word longer than a line, such
/// as a long path, is split). A numbered or bulleted item (`1. `, `- `,
/// `• `) continues under its text instead, so that the numbers stand out.
///
/// Only ASCII spaces break a line: a no-break space (U+00A0) keeps a short
/// formula such as `1\u{a0}−\u{a0}p` in one piece. [`print()`] writes it as a
/// plain space once the text is wrapped.
///
/// [`Lesson`]: crate::course::lesson::Lesson
///
/// ```
/// use cnn_walkthrough::course::output::wrap;
///
/// assert_eq!(wrap("a bb ccc dddd", 8), "a bb ccc\n  dddd");
/// assert_eq!(wrap("short\n  kept", 8), "short\n  kept");
/// assert_eq!(wrap("1. bb ccc dd", 8), "1. bb\n   ccc\n   dd");
/// assert_eq!(wrap("aa b\u{a0}c", 5), "aa\n  b\u{a0}c");
/// ```
pub fn wrap(text: &str, width: usize) -> String {
    wrap_hanging(text, width, 2)
}

/// Paragraphs wrapped flush left: `text` as [`wrap`] wraps it, except that
/// a line that starts in the first column (neither indented nor an item)
/// continues there too. Prose reads as paragraphs, and the lines of code
/// set in it, indented, stand apart.
///
/// ```
/// use cnn_walkthrough::course::output::fill;
///
/// assert_eq!(fill("a bb ccc dddd\n  code", 8), "a bb ccc\ndddd\n  code");
/// ```
pub fn fill(text: &str, width: usize) -> String {
    wrap_hanging(text, width, 0)
}

/// [`wrap`] with a line that starts in the first column continued `hang`
/// columns in.
fn wrap_hanging(text: &str, width: usize, hang: usize) -> String {
    let lines = text.split('\n').map(|line| {
        // Columns, not chars: a colour's escape codes take none.
        if textwrap::core::display_width(line) <= width {
            return line.to_string();
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let hang = if indent.is_empty() { hang } else { 2 };
        let more = format!("{indent}{}", " ".repeat(item_marker(line.trim_start()).unwrap_or(hang)));
        let options = textwrap::Options::new(width)
            .initial_indent(indent)
            .subsequent_indent(&more)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        textwrap::fill(line.trim_start(), options)
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// The width of the marker `line` starts with when it is a numbered or
/// bulleted item: 3 for `1. `, 4 for `12. `, 2 for `- ` and `• `.
fn item_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("• ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

/// Writes a message (an error, a usage hint) to stderr, wrapped to
/// [`MESSAGE_WIDTH`], ignoring errors. Control characters other than line
/// breaks (which a file name may hold, an escape sequence among them) are
/// shown escaped, `\u{1b}`, never sent to the terminal.
pub fn eprint_message(text: &str) {
    let shown: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\n' { c.escape_default().to_string() } else { c.to_string() })
        .collect();
    eprint(&wrap(&shown, MESSAGE_WIDTH));
}
