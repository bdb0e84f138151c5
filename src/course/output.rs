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

/// Writes `text` to stdout and flushes it. When that fails, says so on
/// stderr in one line (`{program}: could not write the output: {error}`)
/// and exits with status [`OUTPUT_FAILED`].
pub fn print(program: &str, text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // One line: the system's words without their " (os error 28)".
        let e = e.to_string();
        let reason = e.split(" (os error").next().unwrap_or(&e);
        eprint_message(&format!("{program}: could not write the output: {reason}\n"));
        std::process::exit(i32::from(OUTPUT_FAILED));
    }
}

/// Writes `text` to stderr, ignoring errors.
pub fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The width messages are wrapped to: 80 columns, a terminal's narrowest
/// usual width (and what is assumed when the output is not a terminal).
pub const MESSAGE_WIDTH: usize = 80;

/// `text` with every line longer than `width` wrapped at spaces onto
/// lines indented two spaces more than it (a word longer than a line, such
/// as a long path, is split).
///
/// ```
/// use cnn_walkthrough::course::output::wrap;
///
/// assert_eq!(wrap("a bb ccc dddd", 8), "a bb ccc\n  dddd");
/// assert_eq!(wrap("short\n  kept", 8), "short\n  kept");
/// ```
pub fn wrap(text: &str, width: usize) -> String {
    let lines = text.split('\n').map(|line| {
        // Columns, not chars: a colour's escape codes take none.
        if textwrap::core::display_width(line) <= width {
            return line.to_string();
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let more = format!("{indent}  ");
        let options = textwrap::Options::new(width)
            .initial_indent(indent)
            .subsequent_indent(&more)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        textwrap::fill(line.trim_start(), options)
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// `text`'s lines too wide for `width` joined with the line after them when
/// that line continues their sentence, so that [`wrap`] refills the
/// paragraph rather than leaving a word or two on a line of its own.
///
/// Lessons write their prose with line breaks near 100 columns; on a
/// narrower screen each of those lines would wrap on its own, leaving a
/// ragged edge. A line continues the sentence before it when it starts
/// with a lower-case letter, is neither an assignment (`dA, dW, db = …`, a
/// line of code) nor labelled (`test: …`), and the line before does not
/// end with `:`. Lines that fit, and indented lines, are kept as they are.
///
/// ```
/// use cnn_walkthrough::course::output::reflow;
///
/// assert_eq!(reflow("one two three\nfour five", 10), "one two three four five");
/// assert_eq!(reflow("one two\nthree", 10), "one two\nthree");
/// assert_eq!(reflow("one two three\nx, y = 1, 2", 10), "one two three\nx, y = 1, 2");
/// assert_eq!(reflow("one two three\nnext: 1", 10), "one two three\nnext: 1");
/// assert_eq!(reflow("one two three\nso that x = 1", 10), "one two three so that x = 1");
/// ```
pub fn reflow(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = vec![];
    for line in text.split('\n') {
        // An assignment's left side is names separated by commas: `x`, `dA, dW, db`.
        let assigns = line.split_once(" = ").is_some_and(|(names, _)| {
            names.split(',').all(|n| !n.trim().is_empty() && !n.trim().contains(' '))
        });
        let labelled = line.split_whitespace().next().is_some_and(|w| w.ends_with(':'));
        let continues = line.starts_with(|c: char| c.is_lowercase()) && !assigns && !labelled;
        match lines.last_mut() {
            Some(last)
                if continues
                    && textwrap::core::display_width(last) > width
                    && !last.starts_with(' ')
                    && !last.trim_end().ends_with(':') =>
            {
                last.push(' ');
                last.push_str(line);
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines.join("\n")
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
