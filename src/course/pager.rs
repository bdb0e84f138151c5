//! `--step`: the lesson's output as pages an instructor turns, on a
//! projector, one key at a time.
//!
//! Everything the lesson prints goes through the [`Pager`]: it is drawn as
//! it comes on a cleared screen, at most `height − 1` rows of it (a line
//! wider than the screen counts the rows it wraps onto), and the last row
//! is a status line, the lesson, its stage and the keys:
//!
//! ```text
//! lesson_03_conv_backward · stage 2 of 4 · Enter next · b back · c go on · q quit
//! ```
//!
//! A page ends when the next line would not fit, or where the lesson says
//! ([`Pager::new_page`]: a stage, a pause, a block of a walk, the check
//! table). Then the pager waits for a key:
//!
//! - Enter, Space, Page Down, →, ↓, `n`: the next page (after going back,
//!   the pages already seen, up to the one where the lesson stopped; from
//!   there the lesson goes on);
//! - `b`, Page Up, ←, ↑, `p`: back one page, redrawn as it was;
//! - `c`: the rest printed straight, without pausing;
//! - `q`, Esc, Ctrl-C: quit, exit status 0, printing nothing more;
//! - any other key does nothing.
//!
//! Keys typed while the lesson computed (an impatient Enter during lesson
//! 11's training) are thrown away before each wait, so that they do not turn
//! pages nobody has seen. While the pager runs, the terminal does not echo
//! what is typed either: an echoed Enter would move the cursor under the
//! page and under the progress bar, which then leaves stale lines. The
//! terminal's settings are restored when the lesson ends, quits, or is
//! killed by a signal (Ctrl-C while it computes).
//!
//! Our own code: the keys and the screen are `console`'s, but no crate in
//! the tree pages output that is still being computed, nor lets a page be
//! turned back. The terminal's settings are set through the C library
//! (`libc`), as `console` sets them.

use std::io::IsTerminal;

use console::{Key, Term};

use crate::course::output;
use crate::course::registry::LessonInfo;
use crate::course::screen::Screen;

/// The pages of a `--step` run on a terminal (see the module's documentation).
#[derive(Debug)]
pub struct Pager {
    info: &'static LessonInfo,
    /// The run's number of stages, when known: the lesson's
    /// ([`LessonInfo::stages`]), except on your own tensors (`--input`).
    stages: Option<usize>,
    screen: Screen,
    term: Term,
    /// Pages already turned, for going back.
    seen: Vec<Page>,
    /// The page being printed.
    page: Page,
    /// The stage the lesson is in (from 1; 0 before the first).
    stage: usize,
    /// False after `c`: the rest is printed straight.
    paging: bool,
}

/// Lines on one screen, and the stage they belong to.
#[derive(Debug, Default)]
struct Page {
    lines: Vec<String>,
    rows: usize,
    stage: usize,
}

/// What a key asks for.
enum Turn {
    Next,
    Back,
    Continue,
    Quit,
}

impl Pager {
    /// A pager for `info`'s output on `screen`, in a run of `stages` stages
    /// if known, when both stdin and stdout are terminals; `None` otherwise
    /// (then `--step` does nothing).
    pub fn new(info: &'static LessonInfo, stages: Option<usize>, screen: Screen) -> Option<Pager> {
        let term = Term::stdout();
        if !term.is_term() || !std::io::stdin().is_terminal() {
            return None;
        }
        terminal::stop_echo();
        let page = Page::default();
        Some(Pager { info, stages, screen, term, seen: Vec::new(), page, stage: 0, paging: true })
    }

    /// The rows of a page above the status line.
    fn capacity(&self) -> usize {
        self.screen.height.saturating_sub(1).max(1)
    }

    /// Prints `text` (lines no wider than the screen, or counted as the rows
    /// they wrap onto), turning the page first whenever it is full.
    pub fn print(&mut self, text: &str) {
        let mut lines = text.split('\n');
        while self.paging {
            let Some(line) = lines.next() else { return };
            self.place(line);
        }
        let rest: Vec<&str> = lines.collect();
        if !rest.is_empty() {
            output::print(self.info.name, &format!("{}\n", rest.join("\n")));
        }
    }

    /// Prints one line on the page, after turning the page if it is full;
    /// straight on, if the key that turned it was `c`.
    fn place(&mut self, line: &str) {
        // A page does not start with blank lines.
        if self.page.lines.is_empty() && line.trim().is_empty() {
            return;
        }
        let rows = textwrap::core::display_width(line).div_ceil(self.screen.width).max(1);
        if self.page.rows + rows > self.capacity() && !self.page.lines.is_empty() {
            self.turn();
            if !self.paging {
                output::print(self.info.name, &format!("{line}\n"));
                return;
            }
        }
        if self.page.lines.is_empty() {
            let _ = self.term.clear_screen();
            self.page.stage = self.stage;
        }
        output::print(self.info.name, &format!("{line}\n"));
        self.page.rows += rows;
        self.page.lines.push(line.to_string());
    }

    /// Ends the page here (waiting for a key, if it shows anything); what
    /// follows is in stage `stage`.
    pub fn new_page(&mut self, stage: usize) {
        if self.paging && !self.page.lines.is_empty() {
            self.turn();
        }
        self.stage = stage;
    }

    /// The page is done: shows the status line and answers keys until one
    /// lets the lesson go on (or quits).
    fn turn(&mut self) {
        self.seen.push(std::mem::take(&mut self.page));
        let live = self.seen.len() - 1;
        let mut at = live;
        // Keys typed before the page showed were not meant for it.
        terminal::discard_typed_ahead();
        self.finish(at);
        loop {
            match self.key() {
                Turn::Next if at < live => {
                    at += 1;
                    self.redraw(at);
                }
                Turn::Next => break,
                Turn::Back if at > 0 => {
                    at -= 1;
                    self.redraw(at);
                }
                Turn::Back => {}
                Turn::Continue => {
                    if at < live {
                        self.redraw(live);
                    }
                    self.paging = false;
                    self.leave_status(live);
                    break;
                }
                Turn::Quit => {
                    let _ = self.term.clear_line();
                    terminal::restore();
                    std::process::exit(0);
                }
            }
        }
    }

    /// Draws seen page `k` again on a cleared screen, with its status line.
    fn redraw(&self, k: usize) {
        let _ = self.term.clear_screen();
        let text: String = self.seen[k].lines.iter().map(|l| format!("{l}\n")).collect();
        output::print(self.info.name, &text);
        self.finish(k);
    }

    /// Fills seen page `k` to the bottom of the screen and writes its status line there.
    fn finish(&self, k: usize) {
        let page = &self.seen[k];
        let blank = "\n".repeat(self.capacity().saturating_sub(page.rows));
        output::print(self.info.name, &format!("{blank}{}", self.status(page.stage)));
    }

    /// Removes the status line of seen page `k` and puts the cursor just
    /// under its last line, for the rest of the output to follow it.
    fn leave_status(&self, k: usize) {
        let _ = self.term.clear_line();
        let _ = self.term.move_cursor_up(self.capacity().saturating_sub(self.seen[k].rows));
    }

    /// The next key that means something. A terminal that cannot be read (it went away)
    /// stops the paging, as the end of input does.
    fn key(&self) -> Turn {
        loop {
            return match self.term.read_key_raw() {
                Err(_) => Turn::Continue,
                Ok(Key::Enter | Key::PageDown | Key::ArrowRight | Key::ArrowDown | Key::Char(' ' | 'n')) => {
                    Turn::Next
                }
                Ok(Key::PageUp | Key::ArrowLeft | Key::ArrowUp | Key::Char('b' | 'p')) => Turn::Back,
                Ok(Key::Char('c')) => Turn::Continue,
                Ok(Key::Char('q') | Key::Escape | Key::CtrlC) => Turn::Quit,
                Ok(_) => continue,
            };
        }
    }

    /// The status line for a page of `stage`, shortened to the screen's width.
    fn status(&self, stage: usize) -> String {
        status_line(self.info.name, (stage, self.stages), self.screen.width)
    }
}

/// The status line of a page of lesson `name` in stage `k` of `n` (`n`
/// when known), no wider than `width`: the longest of its forms that fits,
/// else the shortest cut to the width. A run of unknown length, or longer
/// than expected, says only `stage k`.
///
/// ```
/// use cnn_walkthrough::course::pager::status_line;
/// let name = "lesson_03_conv_backward";
/// let line = status_line(name, (2, Some(4)), 100);
/// assert_eq!(line, "lesson_03_conv_backward · stage 2 of 4 · Enter/Space next · b back · c continue · q quit");
/// let line = status_line(name, (2, Some(4)), 80);
/// assert_eq!(line, "lesson_03_conv_backward · stage 2 of 4 · Enter next · b back · c go on · q quit");
/// assert!(status_line(name, (5, Some(4)), 80).starts_with("lesson_03_conv_backward · stage 5 · "));
/// assert!(status_line(&"x".repeat(70), (1, None), 60).chars().count() <= 60);
/// ```
pub fn status_line(name: &str, (k, n): (usize, Option<usize>), width: usize) -> String {
    let stage = match n {
        _ if k == 0 => String::new(),
        Some(n) if k <= n => format!(" · stage {k} of {n}"),
        _ => format!(" · stage {k}"),
    };
    let keys = [
        "Enter/Space next · b back · c continue · q quit",
        "Enter next · b back · c continue · q quit",
        "Enter next · b back · c go on · q quit",
        "Enter · b · c · q",
    ];
    let forms = keys.iter().map(|keys| format!("{name}{stage} · {keys}"));
    let mut last = String::new();
    for form in forms {
        if form.chars().count() <= width {
            return form;
        }
        last = form;
    }
    last.chars().take(width).collect()
}

/// The terminal's settings while the pager runs: no echo, restored at the
/// end (as `console` restores them after each key it reads).
#[cfg(unix)]
mod terminal {
    use std::sync::OnceLock;

    /// The settings before the pager changed them.
    static SAVED: OnceLock<libc::termios> = OnceLock::new();

    /// Stops the terminal on stdin echoing what is typed, and sets the
    /// signals that end the program to restore it first.
    pub fn stop_echo() {
        let mut settings = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: `tcgetattr` fills the struct when it returns 0, the only
        // case in which it is read.
        let saved = unsafe {
            if libc::tcgetattr(libc::STDIN_FILENO, settings.as_mut_ptr()) != 0 {
                return;
            }
            settings.assume_init()
        };
        if SAVED.set(saved).is_err() {
            return;
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: valid settings for stdin's terminal; `signal` with valid
        // signal numbers and a handler that only makes async-signal-safe calls.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, &quiet);
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(signal, handler);
            }
        }
    }

    /// Puts the terminal's settings back as they were.
    pub fn restore() {
        if let Some(saved) = SAVED.get() {
            // SAFETY: settings read from this terminal by `tcgetattr`.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSADRAIN, saved) };
        }
    }

    /// Throws away what was typed and not yet read.
    pub fn discard_typed_ahead() {
        // SAFETY: `tcflush` on stdin, a terminal, touches only its input queue.
        unsafe { libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH) };
    }

    /// A signal's handler: restores the terminal, then lets the signal do
    /// what it does by default (end the program).
    extern "C" fn restore_and_die(signal: libc::c_int) {
        restore();
        // SAFETY: async-signal-safe calls, with a valid signal number.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// Elsewhere the terminal is left as it is.
#[cfg(not(unix))]
mod terminal {
    pub fn stop_echo() {}
    pub fn restore() {}
    pub fn discard_typed_ahead() {}
}

/// The lesson is over: the terminal echoes again.
impl Drop for Pager {
    fn drop(&mut self) {
        terminal::restore();
    }
}
