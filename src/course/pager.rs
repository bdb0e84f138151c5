//! `--step`: the lesson's output as pages an instructor turns, on a
//! projector, one key at a time.
//!
//! Everything the lesson prints goes through the [`Pager`]: it is drawn as
//! it comes on a cleared screen, at most `height − 1` rows of it (a line
//! wider than the screen counts the rows it wraps onto), and the last row
//! is a status line, the lesson, its stage and the keys:
//!
//! ```text
//! lesson 03 · stage 2 of 4, page 2 · Enter next · b back · c continue · q quit
//! ```
//!
//! A page ends where the lesson says ([`Pager::new_page`]: a stage, a
//! pause, a block of a walk, the check table), or when the next line would
//! not fit. Then the page is cut at its last blank line, if it has one in
//! its lower two thirds, so that a drawing, a matrix or a paragraph is not
//! split between two pages: the page is drawn again up to there, and what
//! was under the cut starts the next page (whose status line says `page 2`
//! of the stage). Blank lines never start a page, so none is only blank.
//! The terminal's size is read again for each page: an instructor may
//! switch to the projector during the lesson, and though what is laid out
//! stays as it was, no page is taller than the screen and the status line
//! does not wrap.
//!
//! Then the pager waits for a key:
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
//! pages nobody has seen; but a `q` or Esc among them quits, as it would at
//! any time. While the pager runs, the terminal does not echo
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
    /// The screen at the start, for when the terminal does not tell its size.
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

/// Lines on one screen, the stage they belong to, and which of the stage's
/// pages it is (from 1).
#[derive(Debug, Default)]
struct Page {
    lines: Vec<String>,
    stage: usize,
    part: usize,
}

impl Page {
    /// The rows its lines take on a screen `width` columns wide.
    fn rows(&self, width: usize) -> usize {
        self.lines.iter().map(|line| rows(line, width)).sum()
    }
}

/// The rows `line` takes on a screen `width` columns wide (a wider line wraps).
fn rows(line: &str, width: usize) -> usize {
    textwrap::core::display_width(line).div_ceil(width.max(1)).max(1)
}

/// Whether `line` shows nothing.
fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// How many of `lines`, from the first, fit in `capacity` rows `width` columns wide.
fn fitting(lines: &[String], width: usize, capacity: usize) -> usize {
    let mut used = 0;
    lines
        .iter()
        .take_while(|line| {
            used += rows(line, width);
            used <= capacity
        })
        .count()
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

    /// The terminal's size now, as a [`Screen`] (the one at the start if it
    /// does not tell).
    fn size(&self) -> Screen {
        match self.term.size_checked() {
            Some((rows, cols)) if rows > 0 && cols > 0 => {
                Screen { width: usize::from(cols), height: usize::from(rows) }
            }
            _ => self.screen,
        }
    }

    /// The rows of a page above the status line, on `screen`.
    fn capacity(screen: Screen) -> usize {
        screen.height.saturating_sub(1).max(1)
    }

    /// Prints `text` (lines no wider than the screen, or counted as the rows
    /// they wrap onto), turning the page first whenever it is full.
    pub fn print(&mut self, text: &str) {
        for line in text.split('\n') {
            self.place(line);
        }
    }

    /// Prints one line on the page, after turning the page if it is full;
    /// straight on, if the key that turned a page was `c`.
    fn place(&mut self, line: &str) {
        if !self.paging {
            output::print(self.info.name, &format!("{line}\n"));
            return;
        }
        if self.page.lines.is_empty() && blank(line) {
            return;
        }
        let size = self.size();
        let full = self.page.rows(size.width) + rows(line, size.width) > Self::capacity(size);
        if full && !self.page.lines.is_empty() {
            // The line that does not fit is weighed by the cut too (is it a
            // block's start? a table's bottom border?), then carried over.
            self.page.lines.push(line.to_string());
            let rest = self.cut(size);
            self.turn();
            for carried in &rest {
                self.place(carried);
            }
            return;
        }
        if self.page.lines.is_empty() {
            let _ = self.term.clear_screen();
            self.page.stage = self.stage;
            self.page.part = match self.seen.last() {
                Some(before) if before.stage == self.stage => before.part + 1,
                _ => 1,
            };
        }
        output::print(self.info.name, &format!("{line}\n"));
        self.page.lines.push(line.to_string());
    }

    /// Cuts the full page at its last blank line in its lower two thirds
    /// (else where the screen is full) and draws it again up to there, if
    /// anything was under the cut: the lines under it, for the next page.
    /// A blank line before a line that starts at the margin (a new array, a
    /// paragraph) is a better cut than one between the blocks of an array
    /// (whose lines are indented), and is taken if there is one; else the
    /// page is cut before its last line that begins a block at the margin
    /// (an array's label, a table's top, a sentence), so that an array or a
    /// table is not split when it need not be; else at any blank line.
    fn cut(&mut self, size: Screen) -> Vec<String> {
        let capacity = Self::capacity(size);
        let lines = &self.page.lines;
        let fit = fitting(lines, size.width, capacity).max(1);
        let (mut any, mut best, mut block) = (None, None, None);
        let mut above = 0;
        for (k, line) in lines[..fit].iter().enumerate() {
            if above >= capacity / 3 {
                if blank(line) {
                    any = Some(k);
                    if lines.get(k + 1).is_none_or(|next| !next.starts_with(char::is_whitespace)) {
                        best = Some(k);
                    }
                } else if line.starts_with(|c: char| c.is_alphanumeric() || c == '┌') {
                    block = Some(k);
                }
            }
            above += rows(line, size.width);
        }
        // The line that no longer fits may itself begin a block.
        let next_begins =
            lines.get(fit).is_some_and(|l| l.starts_with(|c: char| c.is_alphanumeric() || c == '┌'));
        let block = if next_begins { Some(fit) } else { block };
        // A blank line before a block, else a block's start, else any blank
        // line (between the blocks of a 3-D array), else where it is full:
        // but not just above a table's bottom border, which would stand alone.
        let full =
            if fit > 1 && lines.get(fit).is_some_and(|l| l.starts_with('└')) { fit - 1 } else { fit };
        let at = best.or(block).or(any).unwrap_or(full);
        let rest = self.page.lines.split_off(at);
        // Only blank lines under the cut: the screen stays as it is, and
        // so does the page (its rows are those drawn).
        if rest.iter().all(|line| blank(line)) {
            self.page.lines.extend(rest);
            return Vec::new();
        }
        // Only blank lines drawn under the cut (the last line, the one that
        // did not fit, was never drawn): nothing to take off the screen.
        if let Some((undrawn, drawn)) = rest.split_last()
            && drawn.iter().all(|line| blank(line))
        {
            let undrawn = undrawn.clone();
            self.page.lines.extend_from_slice(drawn);
            return vec![undrawn];
        }
        let _ = self.term.clear_screen();
        self.draw(&self.page);
        rest
    }

    /// While the lesson computes (lesson 11's training): quits at once,
    /// exit status 0, if a `q` (or Esc) was typed; throws away any other key.
    pub fn quit_if_asked(&self) {
        if self.paging && terminal::discard_typed_ahead() {
            let _ = self.term.clear_line();
            terminal::restore();
            std::process::exit(0);
        }
    }

    /// Ends the page here (waiting for a key, if it shows anything); what
    /// follows is in stage `stage`.
    pub fn new_page(&mut self, stage: usize) {
        let size = self.size();
        // The screen may have shrunk since the page was drawn.
        if self.paging && self.page.rows(size.width) > Self::capacity(size) {
            let rest = self.cut(size);
            self.turn();
            for line in &rest {
                self.place(line);
            }
        }
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
        // Keys typed before the page showed were not meant for it, but a
        // `q` among them still quits.
        terminal::ctrl_c_as_key(true);
        if terminal::discard_typed_ahead() {
            terminal::restore();
            std::process::exit(0);
        }
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
        terminal::ctrl_c_as_key(false);
    }

    /// Draws the lines of `page` that fit on the screen (all of them, unless
    /// it was made smaller since), from the cursor on.
    fn draw(&self, page: &Page) {
        let size = self.size();
        let shown = fitting(&page.lines, size.width, Self::capacity(size));
        let text: String = page.lines[..shown].iter().map(|l| format!("{l}\n")).collect();
        output::print(self.info.name, &text);
    }

    /// Draws seen page `k` again on a cleared screen, with its status line.
    fn redraw(&self, k: usize) {
        let _ = self.term.clear_screen();
        self.draw(&self.seen[k]);
        self.finish(k);
    }

    /// Fills seen page `k` to the bottom of the screen and writes its status line there.
    fn finish(&self, k: usize) {
        let page = &self.seen[k];
        let size = self.size();
        let blank = "\n".repeat(Self::capacity(size).saturating_sub(page.rows(size.width)));
        let status = status_line(self.info.name, (page.stage, self.stages), page.part, size.width);
        output::print(self.info.name, &format!("{blank}{status}"));
    }

    /// Removes the status line of seen page `k` and puts the cursor just
    /// under its last line, for the rest of the output to follow it.
    fn leave_status(&self, k: usize) {
        let size = self.size();
        let _ = self.term.clear_line();
        let _ = self.term.move_cursor_up(Self::capacity(size).saturating_sub(self.seen[k].rows(size.width)));
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
}

/// The keys, in words: in full when the line has room, else shorter; each
/// key is named with the same word in every form but the last, the
/// narrowest screen's (60 columns).
const KEYS: [&str; 3] = [
    "Enter/Space next · b back · c continue · q quit",
    "Enter next · b back · c continue · q quit",
    "Enter · b back · c continue · q quit",
];

/// Where a page is: `stage 2 of 4, page 2`, or shorter (`2/4 p.2`).
fn place_words((k, n): (usize, Option<usize>), part: usize, short: bool) -> String {
    let stage = match n {
        _ if k == 0 => String::new(),
        Some(n) if k <= n && short => format!("{k}/{n}"),
        Some(n) if k <= n => format!("stage {k} of {n}"),
        _ if short => format!("{k}"),
        _ => format!("stage {k}"),
    };
    let page = match part {
        0 | 1 => String::new(),
        _ if short => format!("p.{part}"),
        _ => format!("page {part}"),
    };
    let comma = if short { " " } else { ", " };
    [stage, page].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(comma)
}

/// The status line of page `part` (from 1) of stage `k` of `n` (`n` when
/// known) of lesson `name`, no wider than `width`. Its form (the name in
/// full or as `lesson 03`, the keys in full or not) is the widest that
/// fits whatever page of the run it is on, so that it keeps its words from
/// page to page and from lesson to lesson: at 80 columns every lesson says
/// `lesson NN · stage k of n · Enter next · b back · c continue · q quit`.
/// A run of unknown length, or longer than expected, says only `stage k`.
///
/// ```
/// use cnn_walkthrough::course::pager::status_line;
/// let name = "lesson_03_conv_backward";
/// let line = status_line(name, (2, Some(4)), 1, 100);
/// assert_eq!(line, "lesson_03_conv_backward · stage 2 of 4 · Enter/Space next · b back · c continue · q quit");
/// let line = status_line(name, (2, Some(4)), 2, 80);
/// assert_eq!(line, "lesson 03 · stage 2 of 4, page 2 · Enter next · b back · c continue · q quit");
/// assert_eq!(status_line("lesson_01_zero_pad", (1, Some(3)), 1, 80),
///     "lesson 01 · stage 1 of 3 · Enter next · b back · c continue · q quit");
/// assert_eq!(status_line(name, (2, Some(4)), 2, 60), "lesson 03 · 2/4 p.2 · Enter · b back · c continue · q quit");
/// assert!(status_line(name, (5, Some(4)), 1, 80).starts_with("lesson 03 · stage 5 · "));
/// assert!(status_line(&"x".repeat(70), (1, None), 1, 60).chars().count() <= 60);
/// ```
pub fn status_line(name: &str, (k, n): (usize, Option<usize>), part: usize, width: usize) -> String {
    // `lesson_03_conv_backward` → `lesson 03`.
    let short_name = name.splitn(3, '_').take(2).collect::<Vec<_>>().join(" ");
    let forms = [
        (name, KEYS[0], false),
        (name, KEYS[1], false),
        (short_name.as_str(), KEYS[1], false),
        (short_name.as_str(), KEYS[2], true),
    ];
    let line = |(name, keys, short): (&str, &str, bool), at: (usize, Option<usize>), part: usize| {
        let place = place_words(at, part, short);
        let place = if place.is_empty() { place } else { format!(" · {place}") };
        format!("{name}{place} · {keys}")
    };
    // The widest line of the run: its last stage, on a page of two digits.
    let last = n.map_or(k, |n| n.max(k));
    let form = forms
        .into_iter()
        .find(|&form| line(form, (last, n), 99).chars().count() <= width)
        .unwrap_or(forms[3]);
    line(form, (k, n), part).chars().take(width).collect()
}

/// Whether keys typed as `typed` (the terminal's bytes) hold a `q` or an
/// Esc on its own: not the Esc that starts the code of an arrow or Page
/// key (`Esc [ 5 ~`, `Esc O A`), which is skipped whole.
#[cfg_attr(not(unix), allow(dead_code))]
fn asks_to_quit(typed: &[u8]) -> bool {
    let mut bytes = typed.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        match (byte, bytes.peek()) {
            (b'q', _) => return true,
            (0x1b, Some(b'O')) => {
                bytes.nth(1);
            }
            // A code's parameters are digits and `;`, its last byte a letter or `~`.
            (0x1b, Some(b'[')) => {
                bytes.next();
                while bytes.next().is_some_and(|b| (0x20..0x40).contains(&b)) {}
            }
            (0x1b, _) => return true,
            _ => {}
        }
    }
    false
}

/// The terminal's settings while the pager runs: no echo, restored at the
/// end (as `console` restores them after each key it reads).
#[cfg(unix)]
mod terminal {
    use std::sync::OnceLock;

    /// The settings before the pager changed them.
    static SAVED: OnceLock<libc::termios> = OnceLock::new();

    /// The terminal's settings now, if it tells them.
    fn settings() -> Option<libc::termios> {
        let mut settings = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: `tcgetattr` fills the struct when it returns 0, the only
        // case in which it is read.
        unsafe {
            if libc::tcgetattr(libc::STDIN_FILENO, settings.as_mut_ptr()) != 0 {
                return None;
            }
            Some(settings.assume_init())
        }
    }

    /// Gives the terminal `settings` (read from it, then changed), at once.
    fn set(settings: &libc::termios) {
        // SAFETY: settings for stdin's terminal, from `tcgetattr`.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, settings) };
    }

    /// Stops the terminal on stdin echoing what is typed, and sets the
    /// signals that end the program to restore it first.
    pub fn stop_echo() {
        let Some(saved) = settings() else { return };
        if SAVED.set(saved).is_err() {
            return;
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        set(&quiet);
        let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: `signal` with valid signal numbers and a handler that only
        // makes async-signal-safe calls.
        unsafe {
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

    /// While a page waits (`true`), Ctrl-C is a key the pager reads, which
    /// quits with status 0, even when pressed before `console` reads keys;
    /// while the lesson computes (`false`), it is the signal that stops it.
    pub fn ctrl_c_as_key(waiting: bool) {
        let Some(mut now) = settings() else { return };
        if waiting {
            now.c_lflag &= !libc::ISIG;
        } else {
            now.c_lflag |= libc::ISIG;
        }
        set(&now);
    }

    /// Throws away what was typed and not yet read: true if it asked to quit.
    pub fn discard_typed_ahead() -> bool {
        let typed = pending();
        // SAFETY: `tcflush` on stdin, a terminal, touches only its input queue.
        unsafe { libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH) };
        super::asks_to_quit(&typed)
    }

    /// What was typed and not yet read, without waiting: read with the
    /// terminal, for that moment, giving each byte as it comes (not a line
    /// at a time, so a `q` without Enter is there) and returning at once
    /// when nothing is (`VMIN` = `VTIME` = 0).
    fn pending() -> Vec<u8> {
        let Some(now) = settings() else { return Vec::new() };
        let mut at_once = now;
        at_once.c_lflag &= !libc::ICANON;
        at_once.c_cc[libc::VMIN] = 0;
        at_once.c_cc[libc::VTIME] = 0;
        set(&at_once);
        let mut typed = Vec::new();
        let mut buffer = [0u8; 256];
        loop {
            // SAFETY: `read` into a buffer of the length given.
            let n = unsafe { libc::read(libc::STDIN_FILENO, buffer.as_mut_ptr().cast(), buffer.len()) };
            let Ok(n @ 1..) = usize::try_from(n) else { break };
            typed.extend_from_slice(&buffer[..n]);
        }
        set(&now);
        typed
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
    pub fn ctrl_c_as_key(_: bool) {}
    pub fn discard_typed_ahead() -> bool {
        false
    }
}

/// The lesson is over: the terminal echoes again.
impl Drop for Pager {
    fn drop(&mut self) {
        terminal::restore();
    }
}
