//! The bridge between the sources (`src/course/names.rs`): `cnn-walkthrough
//! names` prints the layouts and the names each source uses (its width is
//! tested with every other run in `tests/width.rs`), and every lesson's
//! default run says the layout of its tensors, once, before the first one.

use cnn_walkthrough::course::registry::LESSONS;

use crate::common;

#[test]
fn the_runner_prints_every_layout_and_the_sources_names() {
    let out = common::runner(&["names"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for phrase in ["NHWC", "CHW", "NCHW", "A_prev", "input_array", "accum_grad", "delta_array", "dZ", "w0"] {
        assert!(out.text.contains(phrase), "cnn-walkthrough names lacks {phrase}:\n{}", out.stdout);
    }
}

#[test]
fn every_lesson_names_its_layout_before_its_first_tensor() {
    for lesson in LESSONS {
        let out = common::run_lesson(lesson.name, common::quick_flags(lesson.name));
        assert_eq!(out.code, Some(0), "{}: {}", lesson.name, out.stderr);
        let at = out.stdout.find("Layout: ");
        assert!(at.is_some(), "{} does not name its layout:\n{}", lesson.name, out.stdout);
        // Before the first array numpy prints (`[` opening a line's value), if any.
        let first_array = out.stdout.lines().position(|l| l.contains(" = [") || l.starts_with('['));
        let layout_line = out.stdout.lines().position(|l| l.starts_with("Layout: "));
        if let (Some(array), Some(layout)) = (first_array, layout_line) {
            assert!(layout < array, "{} shows a tensor before naming its layout", lesson.name);
        }
    }
}
