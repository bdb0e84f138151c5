//! `--step` as an instructor drives it: lessons run on a pseudo-terminal of
//! 80 columns × 40 rows, keys pressed as on a keyboard, and the pages they
//! draw (the text between two clears of the screen) read back.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::common;

/// How long to wait for what should come: generous, for a slow machine
/// (never a measure of speed; the tests take a few seconds).
const PATIENCE: Duration = Duration::from_secs(60);
/// How `console` clears the screen: each page begins with it.
const CLEAR: &str = "\r\x1b[2J\r\x1b[H";
/// The end of every status line at 80 columns.
const STATUS: &str = " · q quit";

/// A lesson running on a pseudo-terminal, and all it has drawn so far.
struct Pty {
    master: File,
    drawn: Receiver<Vec<u8>>,
    child: Child,
    bytes: Vec<u8>,
}

/// `fd` closed in the programs this process starts, other than through
/// stdin, stdout and stderr (tests run in parallel, and a copy of the
/// terminal's end held by another test's program would keep it open).
fn close_on_exec(fd: i32) {
    // SAFETY: `fcntl` on a descriptor this process owns.
    unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
}

impl Pty {
    /// Starts lesson `name` with `args` on a new 80×40 terminal.
    fn start(name: &str, args: &[&str]) -> Pty {
        Pty::start_on(name, args, (80, 40))
    }

    /// Starts lesson `name` with `args` on a new terminal of `columns` ×
    /// `rows`, as its controlling terminal, without COLUMNS or LINES and
    /// with NO_COLOR.
    fn start_on(name: &str, args: &[&str], (columns, rows): (u16, u16)) -> Pty {
        let size = libc::winsize { ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
        let (mut master, mut slave) = (0, 0);
        // SAFETY: `openpty` writes two descriptors; the name and settings may be null.
        let opened =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
        assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
        close_on_exec(master);
        close_on_exec(slave);
        // SAFETY: both descriptors were just opened, and are owned here only.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        // SAFETY: TIOCSWINSZ with a valid `winsize`, on the terminal's master.
        unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&master), libc::TIOCSWINSZ, &size) };
        let end = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup"));
        let mut command = Command::new(common::binary(name));
        command
            .args(args)
            .env_remove("COLUMNS")
            .env_remove("LINES")
            .env("NO_COLOR", "1")
            .stdin(end(&slave))
            .stdout(end(&slave))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec: a new
        // session, whose controlling terminal is stdin's (so /dev/tty is it).
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("starting {name}: {e}"));
        drop(command); // its copies of the terminal's end, so that the end is seen
        let mut reader = master.try_clone().expect("dup");
        let (send, drawn) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0; 1 << 16];
            // Reading ends with an error (EIO) once the lesson has exited.
            while let Ok(n @ 1..) = reader.read(&mut buffer) {
                if send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty { master, drawn, child, bytes: Vec::new() }
    }

    /// All the lesson has drawn so far.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Takes what the lesson drew, waiting at most until `deadline`;
    /// false when it has exited and drawn everything.
    fn take(&mut self, deadline: Instant) -> bool {
        match self.drawn.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(bytes) => {
                self.bytes.extend(bytes);
                true
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => true,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Waits until what the lesson drew passes `test`.
    fn wait_until(&mut self, what: &str, test: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !test(&self.text()) {
            assert!(
                Instant::now() < deadline && self.take(deadline),
                "waited for {what}; drawn:\n{}",
                self.text()
            );
        }
    }

    /// Waits until the lesson has drawn `count` status lines.
    fn wait_for_status(&mut self, count: usize) {
        self.wait_until(&format!("status line {count}"), |text| text.matches(STATUS).count() >= count);
    }

    /// Takes what the lesson draws in the next `time`.
    fn settle(&mut self, time: Duration) {
        let deadline = Instant::now() + time;
        while Instant::now() < deadline && self.take(deadline) {}
    }

    /// Makes the terminal `columns` × `rows`, as a window resized.
    fn resize(&self, (columns, rows): (u16, u16)) {
        let size = libc::winsize { ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ with a valid `winsize`, on the terminal's master.
        unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&self.master), libc::TIOCSWINSZ, &size) };
    }

    /// Presses keys (`"\r"` is Enter).
    fn press(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("typing on the terminal");
    }

    /// Waits for the lesson to exit: its exit status and all it drew.
    fn exit(mut self) -> (Option<i32>, String) {
        self.settle(PATIENCE);
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            match self.child.try_wait().expect("waiting for the lesson") {
                Some(status) => break status,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                None => panic!("the lesson did not exit; drawn:\n{}", self.text()),
            }
        };
        (status.code(), self.text())
    }

    /// Page `k` (from 1): what was drawn between a clear of the screen and
    /// the next, ending with the `k`th status line (a page cut at a blank
    /// line is drawn twice: as it came, then up to the cut, with its status).
    fn page(&self, k: usize) -> String {
        pages(&self.text()).nth(k - 1).unwrap_or_default().to_string()
    }

    /// Presses Enter at each page until the lesson exits: its exit status
    /// and all it drew.
    fn enter_to_the_end(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = 0;
        loop {
            let count = self.text().matches(STATUS).count();
            if count > seen {
                seen = count;
                self.press("\r");
            }
            assert!(Instant::now() < deadline, "the lesson did not end; drawn:\n{}", self.text());
            if !self.take(Instant::now() + Duration::from_millis(200)) {
                break;
            }
        }
        self.exit()
    }
}

/// The pages drawn: the text between two clears of the screen that holds
/// a status line.
fn pages(text: &str) -> impl Iterator<Item = &str> {
    text.split(CLEAR).skip(1).filter(|page| page.contains(STATUS))
}

/// A page's rows as the terminal shows them, and its status line apart.
fn rows_of(page: &str) -> (Vec<String>, String) {
    let mut rows: Vec<String> = page.split("\r\n").map(shown).collect();
    let status = rows.pop().unwrap_or_default();
    (rows, status)
}

/// What a row of the terminal shows at the end: what was written after
/// its last carriage return (a progress bar redraws itself over one row),
/// without the escape code that clears the row.
fn shown(row: &str) -> String {
    row.rsplit('\r').next().unwrap_or_default().replace("\x1b[2K", "")
}

/// Every page drawn before the last screen clear fits 80×40 and ends with
/// a status line naming the lesson (`lesson 03`), no wider than 80 columns.
fn assert_pages_fit(text: &str, lesson: &str) {
    let short: String = lesson.splitn(3, '_').take(2).collect::<Vec<_>>().join(" ");
    let all: Vec<&str> = text.split(CLEAR).collect();
    assert!(all.len() > 2, "fewer than two pages:\n{text}");
    for page in all[1..all.len() - 1].iter().filter(|page| page.contains(STATUS)) {
        let rows: Vec<String> = page.split("\r\n").map(shown).collect();
        assert!(rows.len() <= 40, "a page of {} rows:\n{page:?}", rows.len());
        for row in &rows {
            assert!(row.chars().count() <= 80, "a row wider than 80 columns: {row:?}");
        }
        let status = rows.last().expect("a row");
        assert!(status.starts_with(&short) && status.ends_with(STATUS), "status line {status:?}");
    }
}

#[test]
fn pages_turn_forward_and_back_and_continue_to_the_end() {
    let name = "lesson_03_conv_backward";
    let mut pty = Pty::start(name, &["--step"]);
    pty.wait_for_status(1);
    assert!(pty.page(1).contains("lesson 03 · stage 1 of 4 ·"), "{}", pty.page(1));
    pty.press("\r");
    pty.wait_for_status(2);
    pty.press(" ");
    pty.wait_for_status(3);
    assert!(pty.page(3) != pty.page(2));
    pty.press("b");
    pty.wait_for_status(4);
    assert_eq!(pty.page(4), pty.page(2), "b redraws the page before");
    // A key that means nothing does nothing: the next `b` goes to page 1.
    pty.press("x");
    pty.press("b");
    pty.wait_for_status(5);
    assert_eq!(pty.page(5), pty.page(1), "x moved");
    // Forward again: the pages already seen, then the lesson goes on.
    pty.press("\r");
    pty.wait_for_status(6);
    assert_eq!(pty.page(6), pty.page(2));
    pty.press("\r");
    pty.wait_for_status(7);
    assert_eq!(pty.page(7), pty.page(3));
    pty.press("c");
    let (code, text) = pty.exit();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("checks pass."), "{text}");
    assert_eq!(text.matches(STATUS).count(), 7, "c paused again:\n{text}");
    assert_pages_fit(&text, name);
    let rest = text.rsplit(CLEAR).next().unwrap_or_default();
    assert!(rest.split("\r\n").all(|row| shown(row).chars().count() <= 80), "{rest}");
}

#[test]
fn q_esc_and_ctrl_c_quit_printing_nothing_more() {
    for key in ["q", "\x1b", "\x03"] {
        let mut pty = Pty::start("lesson_01_zero_pad", &["--step"]);
        pty.wait_for_status(1);
        let before = pty.text().len();
        pty.press(key);
        let (code, text) = pty.exit();
        assert_eq!(code, Some(0), "{key:?}: {text}");
        // Only the status line is cleared, leaving the cursor on an empty line.
        assert_eq!(&text[before..], "\r\x1b[2K", "{key:?}");
    }
}

#[test]
fn keys_typed_while_the_lesson_trains_are_dropped() {
    let name = "lesson_11_train_cnn";
    let args = ["--step", "--net", "small", "--epochs", "8", "--batch-size", "64"];
    let mut pty = Pty::start(name, &args);
    let pages = enter_to_training(&mut pty);
    // The bar of the second epoch: training goes on for six more.
    pty.wait_until("epoch 2", |text| text.contains("epoch 2 ["));
    pty.press("\r");
    pty.press(" ");
    pty.press("\r");
    pty.wait_for_status(pages + 1);
    let training = pty.page(pages + 1);
    assert!(training.contains("stage 3 of 6") && training.contains("Training time"), "{training}");
    // No more pages turn: the keys were dropped (give them a moment to act).
    pty.settle(Duration::from_millis(500));
    assert_eq!(pty.text().matches(STATUS).count(), pages + 1, "{}", pty.text());
    // The bar left no line behind: every epoch's row shows where its bar was.
    let rows: Vec<String> = training.split("\r\n").map(shown).collect();
    assert!(rows.iter().all(|row| !row.contains(" [")), "{rows:#?}");
    assert_eq!(rows.iter().filter(|row| row.starts_with("    ")).count(), 8, "{rows:#?}");
    pty.press("q");
    let (code, text) = pty.exit();
    assert_eq!(code, Some(0));
    assert_pages_fit(&text, name);
}

#[test]
fn no_page_is_only_blank_lines_and_pages_are_cut_between_blocks() {
    let name = "lesson_03_conv_backward";
    let (code, text) = Pty::start(name, &["--step"]).enter_to_the_end();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("checks pass."), "{text}");
    assert_pages_fit(&text, name);
    for page in pages(&text) {
        let (rows, _) = rows_of(page);
        assert!(rows.iter().any(|row| !row.trim().is_empty()), "a blank page:\n{page}");
        assert!(!rows[0].trim().is_empty(), "a page starting with a blank line:\n{page}");
    }
    // A page cut is drawn as it came, then again up to its cut: a blank
    // line, or the start of a block at the margin (an array's label, a
    // table's top), or the last row above a table's bottom border, under
    // which something was carried to the next page ("page 2").
    let drawn: Vec<&str> = text.split(CLEAR).collect();
    let mut cuts = 0;
    for pair in drawn.windows(2) {
        let (came, cut) = (pair[0], pair[1]);
        if came.contains(STATUS) || !cut.contains(STATUS) || came.is_empty() {
            continue;
        }
        let (mut kept, _) = rows_of(cut);
        while kept.last().is_some_and(|row| row.trim().is_empty()) {
            kept.pop();
        }
        let came: Vec<String> = came.split("\r\n").map(shown).collect();
        assert_eq!(came[..kept.len()], kept[..], "the cut page is not the top of what came");
        let at = &came[kept.len()];
        let good = at.trim().is_empty()
            || at.starts_with(|c: char| c.is_alphanumeric() || c == '┌')
            // (the border was the line that did not fit, so it was never drawn)
            || at.starts_with('│')
                && came[kept.len() + 1..].iter().all(|row| row.trim().is_empty() || row.starts_with('└'));
        assert!(good, "not cut at a blank line or a block's start: {at:?}");
        assert!(came[kept.len()..].iter().any(|row| !row.trim().is_empty()), "nothing carried");
        cuts += 1;
    }
    assert!(cuts > 0, "no page was cut:\n{text}");
    assert!(pages(&text).any(|page| page.contains(", page 2 · ")), "no page says it continues a stage");
}

/// Lesson 11 in `pty`: Enter, page after page, up to the training stage;
/// the number of pages turned to get there.
fn enter_to_training(pty: &mut Pty) -> usize {
    let mut pages = 1;
    pty.wait_for_status(1);
    loop {
        pty.press("\r");
        pty.wait_until("a page", |text| text.contains("3. Training") || text.matches(STATUS).count() > pages);
        if pty.text().contains("3. Training") {
            return pages;
        }
        pages += 1;
    }
}

#[test]
fn q_typed_while_the_lesson_trains_quits() {
    let args = ["--step", "--net", "small", "--epochs", "3", "--batch-size", "64"];
    let mut pty = Pty::start("lesson_11_train_cnn", &args);
    let pages = enter_to_training(&mut pty);
    pty.wait_until("epoch 1", |text| text.contains("epoch 1 ["));
    pty.press("\r");
    pty.press("q");
    let (code, text) = pty.exit();
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(text.matches(STATUS).count(), pages, "a page was shown after q:\n{text}");
}

/// Asserts that each of `pages` takes at most `rows` rows of a terminal
/// `columns` wide (a wider line wraps), its status line included, and that
/// the status line is at most `columns` wide.
fn assert_pages_within<'a>(pages: impl Iterator<Item = &'a str>, (columns, rows): (usize, usize)) {
    let mut count = 0;
    for page in pages {
        let (shown, status) = rows_of(page);
        let taken: usize = shown.iter().map(|row| row.chars().count().div_ceil(columns).max(1)).sum();
        assert!(taken < rows, "a page of {taken} rows and a status line:\n{page}");
        assert!(status.chars().count() <= columns, "a status line wider than {columns}: {status:?}");
        count += 1;
    }
    assert!(count > 0, "no page");
}

#[test]
fn on_a_small_screen_pages_and_status_lines_fit() {
    let (code, text) = Pty::start_on("lesson_01_zero_pad", &["--step"], (60, 20)).enter_to_the_end();
    assert_eq!(code, Some(0), "{text}");
    assert!(pages(&text).count() > 2, "{text}");
    assert_pages_within(pages(&text), (60, 20));
}

#[test]
fn a_resized_terminal_gets_pages_of_its_size() {
    let mut pty = Pty::start_on("lesson_03_conv_backward", &["--step"], (100, 40));
    pty.wait_for_status(1);
    assert!(
        pty.page(1).contains("lesson_03_conv_backward · stage 1 of 4 · Enter/Space next"),
        "{}",
        pty.page(1)
    );
    pty.resize((80, 30));
    pty.press("\r");
    pty.wait_for_status(2);
    pty.press("\r");
    pty.wait_for_status(3);
    pty.press("q");
    let (code, text) = pty.exit();
    assert_eq!(code, Some(0), "{text}");
    assert_pages_within(pages(&text).skip(1), (80, 30));
}
