//! `--save` never loses a file: an existing file is replaced only with
//! `--force`, an input of the run never, a symlink is not written through,
//! a failed write leaves the old file, and a directory that cannot be used
//! is refused before the lesson runs (src/files.rs).

use std::fs;
use std::path::Path;

use crate::common::{binary, run_lesson, temp_dir, Output};
use cnn_walkthrough::course::npy::{read_npy, write_npy};
use cnn_walkthrough::course::random::RandomState;

/// Exit status 2, one message naming every one of `parts`, no panic.
fn refused(out: &Output, parts: &[&str]) {
    out.assert_error(parts);
    assert!(!out.stderr.to_lowercase().contains("backtrace"), "{}", out.stderr);
}

/// The directory's entries whose names start with `.`: temporary files left behind.
fn hidden_files(dir: &Path) -> Vec<String> {
    let names = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
    names.filter(|n| n.starts_with('.')).collect()
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn a_second_save_is_refused_and_force_replaces() {
    let dir = temp_dir("files-again");
    let d = text(&dir);
    run_lesson("lesson_03_conv_backward", &["--quiet", "--save", &d]).assert_exit(0);
    let old = b"an old file, not a .npy at all";
    fs::write(dir.join("dW.npy"), old).unwrap();
    let db = fs::read(dir.join("db.npy")).unwrap();

    let out = run_lesson("lesson_03_conv_backward", &["--quiet", "--save", &d]);
    refused(&out, &["these files are already there", "dA_prev.npy, dW.npy and db.npy", "--force"]);
    assert_eq!(fs::read(dir.join("dW.npy")).unwrap(), old, "refused, yet dW.npy changed");
    assert_eq!(fs::read(dir.join("db.npy")).unwrap(), db);

    let out = run_lesson("lesson_03_conv_backward", &["--save", &d, "--force"]);
    out.assert_exit(0);
    out.assert_line(&format!("replaced {} (2, 2, 3, 8)", text(&dir.join("dW.npy"))));
    assert_eq!(read_npy(&dir.join("dW.npy")).unwrap().shape(), &[2, 2, 3, 8]);
    assert!(hidden_files(&dir).is_empty(), "{:?}", hidden_files(&dir));

    // One file: named in the sentence; a lesson's other files are not in the way.
    let out = run_lesson("lesson_02_conv_forward", &["--save", &d]);
    out.assert_exit(0);
    out.assert_line(&format!("saved {} (10, 4, 4, 8)", text(&dir.join("Z.npy"))));
    let out = run_lesson("lesson_02_conv_forward", &["--save", &d]);
    refused(&out, &["Z.npy is already there;", "add --force to replace it"]);
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_input_of_the_run_is_never_replaced_even_with_force() {
    let dir = temp_dir("files-input");
    let mut rng = RandomState::new(3);
    let (a, w, b) = (dir.join("Z.npy"), dir.join("W.npy"), dir.join("b.npy"));
    write_npy(&a, &rng.randn((2, 5, 5, 3)).view()).unwrap();
    write_npy(&w, &rng.randn((3, 3, 3, 4)).view()).unwrap();
    write_npy(&b, &rng.randn((1, 1, 1, 4)).view()).unwrap();
    let before = fs::read(&a).unwrap();
    let (a, w, b, d) = (text(&a), text(&w), text(&b), text(&dir));
    let flags = ["--input", &a, "--weights", &w, "--bias", &b];

    let out = run_lesson("lesson_02_conv_forward", &[&flags[..], &["--save", &d, "--force"]].concat());
    refused(&out, &["would replace the --input of this run", &a, "never replaces an input"]);
    assert_eq!(fs::read(&a).unwrap(), before);

    // Another name of the same file (a hard link) is the same input.
    let out_dir = dir.join("out");
    fs::create_dir(&out_dir).unwrap();
    fs::hard_link(&w, out_dir.join("Z.npy")).unwrap();
    let o = text(&out_dir);
    let args = [&flags[..], &["--save", &o, "--force"]].concat();
    refused(&run_lesson("lesson_02_conv_forward", &args), &["the --weights of this run"]);
    fs::remove_dir_all(&dir).ok();
}

#[test]
#[cfg(unix)]
fn a_symlink_is_not_written_through() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("files-symlink");
    let victim = dir.join("victim.txt");
    fs::write(&victim, "keep me").unwrap();
    let out_dir = dir.join("out");
    fs::create_dir(&out_dir).unwrap();
    symlink(&victim, out_dir.join("x_pad.npy")).unwrap();
    let d = text(&out_dir);

    refused(&run_lesson("lesson_01_zero_pad", &["--save", &d]), &["x_pad.npy is already there"]);
    let out = run_lesson("lesson_01_zero_pad", &["--save", &d, "--force"]);
    out.assert_exit(0);
    assert!(out.stdout.contains("replaced"), "{}", out.stdout);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
    let link = fs::symlink_metadata(out_dir.join("x_pad.npy")).unwrap();
    assert!(link.file_type().is_file(), "the link itself is replaced by the file");

    // A link that leads nowhere counts too, and is not followed to create its target.
    let nowhere = dir.join("nowhere.npy");
    symlink(&nowhere, out_dir.join("Z.npy")).unwrap();
    refused(&run_lesson("lesson_02_conv_forward", &["--save", &d]), &["Z.npy is already there"]);
    run_lesson("lesson_02_conv_forward", &["--quiet", "--save", &d, "--force"]).assert_exit(0);
    assert!(!nowhere.exists(), "written through a dangling symlink");
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn save_takes_a_directory() {
    let dir = temp_dir("files-not-dir");
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    for target in ["/dev/null".to_string(), text(&file)] {
        let out = run_lesson("lesson_01_zero_pad", &["--save", &target]);
        refused(
            &out,
            &[&format!("--save {target}: not a directory"), "takes a directory (created if missing)"],
        );
    }
    let out = run_lesson("lesson_01_zero_pad", &["--save", "/dev/null"]);
    assert!(out.stderr.lines().all(|l| l.chars().count() <= 80), "{}", out.stderr);
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    // Created if missing, parents too.
    let deep = dir.join("a/b/c");
    run_lesson("lesson_01_zero_pad", &["--quiet", "--save", &text(&deep)]).assert_exit(0);
    assert!(deep.join("x_pad.npy").is_file());
    fs::remove_dir_all(&dir).ok();
}

#[test]
#[cfg(unix)]
fn an_unwritable_directory_is_refused_before_training() {
    use std::os::unix::fs::PermissionsExt;
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: running as root, where directory permissions do not apply");
        return;
    }
    let dir = temp_dir("files-read-only");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    let out = run_lesson("lesson_11_train_cnn", &["--net", "small", "--epochs", "1", "--save", &text(&dir)]);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    refused(&out, &["no permission to write there"]);
    assert!(!out.stdout.contains("epoch"), "trained before refusing:\n{}", out.stdout);
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn lesson_11_refuses_its_save_directory_before_training() {
    let dir = temp_dir("files-train");
    let file = dir.join("a-file");
    fs::write(&file, "x").unwrap();
    let quick = ["--net", "small", "--epochs", "1"];
    let out = run_lesson("lesson_11_train_cnn", &[&quick[..], &["--save", &text(&file)]].concat());
    refused(&out, &["not a directory"]);
    assert!(!out.stdout.contains("epoch"), "trained before refusing:\n{}", out.stdout);

    for name in [
        "metrics.csv",
        "layer00_Conv2D_W.npy",
        "layer00_Conv2D_w0.npy",
        "layer04_Dense_W.npy",
        "layer04_Dense_w0.npy",
    ] {
        fs::write(dir.join(name), "old").unwrap();
    }
    let out = run_lesson("lesson_11_train_cnn", &[&quick[..], &["--save", &text(&dir)]].concat());
    refused(&out, &["metrics.csv, layer00_Conv2D_W.npy, layer00_Conv2D_w0.npy and 2 more", "--force"]);
    assert!(!out.stdout.contains("epoch"), "trained before refusing:\n{}", out.stdout);
    assert_eq!(fs::read_to_string(dir.join("metrics.csv")).unwrap(), "old");
    fs::remove_dir_all(&dir).ok();
}

/// A file-size limit of one block (`ulimit -f 1`, with SIGXFSZ ignored)
/// makes every larger write fail with EFBIG, as a full disk would.
#[test]
#[cfg(unix)]
fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
    let dir = temp_dir("files-full");
    let d = text(&dir);
    run_lesson("lesson_02_conv_forward", &["--quiet", "--save", &d]).assert_exit(0);
    let z = dir.join("Z.npy");
    let before = fs::read(&z).unwrap();
    assert!(before.len() > 4096, "Z.npy must be larger than the limit");
    let bin = binary("lesson_02_conv_forward");
    let out = std::process::Command::new("sh")
        .args(["-c", r#"ulimit -f 1; trap "" XFSZ; exec "$0" "$@""#])
        .arg(&bin)
        .args(["--quiet", "--save", &d, "--force"])
        .output()
        .unwrap();
    // Messages are wrapped to 80 columns: compare with the lines joined.
    let stderr = String::from_utf8_lossy(&out.stderr).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("could not write {}", text(&z))), "{stderr}");
    assert!(stderr.contains("nothing was replaced") && !stderr.contains("panicked"), "{stderr}");
    assert_eq!(fs::read(&z).unwrap(), before, "the old Z.npy changed");
    assert!(hidden_files(&dir).is_empty(), "left behind: {:?}", hidden_files(&dir));
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn lessons_that_save_nothing_take_no_save_or_force() {
    let dir = temp_dir("files-nothing");
    let missing = dir.join("never-made");
    for lesson in ["lesson_09_layers", "lesson_10_optimizers"] {
        let out = run_lesson(lesson, &["--save", &text(&missing)]);
        refused(&out, &["this lesson saves nothing, so it takes no --save"]);
        refused(&run_lesson(lesson, &["--force"]), &["takes no --force"]);
    }
    assert!(!missing.exists());
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn force_without_save_is_refused() {
    refused(&run_lesson("lesson_01_zero_pad", &["--force"]), &["--force", "it needs --save DIR"]);
}

#[test]
fn lesson_07_saves_its_default_run() {
    let dir = temp_dir("files-07");
    run_lesson("lesson_07_conv2d_im2col", &["--quiet", "--save", &text(&dir)]).assert_exit(0);
    let shape = |name: &str| read_npy(&dir.join(name)).unwrap().shape().to_vec();
    assert_eq!(shape("output.npy"), [1, 16, 32, 32]);
    assert_eq!(shape("grad_input.npy"), [1, 3, 32, 32]);
    assert_eq!(shape("grad_W.npy"), [16, 3, 3, 3]);
    assert_eq!(shape("grad_w0.npy"), [16, 1]);
    fs::remove_dir_all(&dir).ok();
}
