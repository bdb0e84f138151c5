//! Shared by the integration tests: run a lesson binary and look at what it printed.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use ndarray::{ArrayView, Dimension};

/// What a lesson run printed, and how it exited.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.code,
            Some(code),
            "exit status\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
    }

    /// A whole line of stdout equals `line`.
    pub fn assert_line(&self, line: &str) {
        assert!(self.stdout.lines().any(|l| l == line), "no line {line:?} in:\n{}", self.stdout);
    }

    /// stderr mentions every one of `parts`.
    pub fn assert_error(&self, parts: &[&str]) {
        self.assert_exit(2);
        for p in parts {
            assert!(self.stderr.contains(p), "stderr lacks {p:?}:\n{}", self.stderr);
        }
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
    }
}

/// The built binary `name` (cargo builds every binary before the integration tests).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// Runs lesson `name` with `args`, no colour, no stdin.
pub fn run_lesson(name: &str, args: &[&str]) -> Output {
    let out = Command::new(binary(name))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"));
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Same shape and every element within `tol`.
pub fn assert_all_close<D1: Dimension, D2: Dimension>(
    expected: &ArrayView<f64, D1>,
    computed: &ArrayView<f64, D2>,
    tol: f64,
) {
    assert_eq!(expected.shape(), computed.shape(), "shapes differ");
    for (e, c) in expected.iter().zip(computed.iter()) {
        assert!(
            (e - c).abs() <= tol,
            "expected {e}, computed {c} (tol {tol})\nexpected {expected}\ncomputed {computed}"
        );
    }
}

/// A fresh empty directory under the system's temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cnn-walkthrough-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
