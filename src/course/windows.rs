//! Where the windows go: which input rows and columns no window reads (the
//! note every lesson prints when a stride does not divide evenly), and the
//! input a window moves over, drawn with the current window marked.

use crate::course::lesson::Lesson;
use crate::course::show::noun;
use crate::textbook::conv::{row_list, rows_not_reached_padded};
use crate::textbook::padding::Padding2D;

/// Why no window reads some rows of an axis of `n` (window `f`, `pads`
/// before and after, `stride`), or `None` when every row is read.
fn why_unread(n: usize, f: usize, (before, after): (usize, usize), stride: usize) -> Option<String> {
    // Sizes a lesson passes have been checked, but a wrap-around here would
    // only garble a note: the sum saturates instead.
    let span = n.saturating_add(before).saturating_add(after).checked_sub(f)?;
    let sum = match (before, after) {
        (0, 0) => format!("{n} − {f}"),
        (b, a) if b == a => format!("{n} + 2·{b} − {f}"),
        (b, a) => format!("{n} + {b} + {a} − {f}"),
    };
    let mut why = vec![];
    if stride > 0 && !span.is_multiple_of(stride) {
        why.push(format!(
            "stride {stride} does not divide {sum} = {span} evenly, so the output size is floored \
             (as numpy's int() and PyTorch do)"
        ));
    }
    if stride > f {
        why.push(format!("stride {stride} is larger than the window ({f})"));
    }
    (!why.is_empty()).then(|| why.join(", and "))
}

/// The notes on an `n_h × n_w` input read by `fh × fw` windows with
/// `padding` and `stride`: which input rows and columns (0-based) no window
/// reads, and why. One note when rows and columns are left out for the same
/// reason, one per axis otherwise, none when every row and column is read.
///
/// ```
/// use cnn_walkthrough::course::windows::unread_notes;
/// use cnn_walkthrough::textbook::padding::Padding2D;
/// let notes = unread_notes((6, 6), (3, 3), Padding2D::uniform(0), 2);
/// assert_eq!(notes.len(), 1);
/// assert!(notes[0].contains("stride 2 does not divide 6 − 3 = 3 evenly"));
/// assert!(notes[0].ends_with("input row 5 and column 5 (0-based) are read by no window: \
///     they do not affect the output and get zero gradient."));
/// let notes = unread_notes((7, 6), (2, 2), Padding2D::uniform(0), 2);
/// assert_eq!(notes.len(), 1);
/// assert!(notes[0].ends_with("input row 6 (0-based) is read by no window: it does not affect \
///     the output and gets zero gradient."));
/// assert!(unread_notes((5, 5), (3, 3), Padding2D::uniform(1), 2).is_empty());
/// ```
pub fn unread_notes(
    (n_h, n_w): (usize, usize),
    (f_h, f_w): (usize, usize),
    padding: Padding2D,
    stride: usize,
) -> Vec<String> {
    let axis = |n, f, pads, singular| {
        let unread = rows_not_reached_padded(n, f, pads, stride);
        let why = why_unread(n, f, pads, stride)?;
        let what = format!("{} {}", noun(unread.len(), singular), row_list(&unread));
        (!unread.is_empty()).then_some((why, what, unread.len()))
    };
    let rows = axis(n_h, f_h, (padding.top, padding.bottom), "row");
    let columns = axis(n_w, f_w, (padding.left, padding.right), "column");
    let note = |why: &str, what: &str, many: bool| {
        let (verb, they) = if many {
            ("are", "they do not affect the output and get")
        } else {
            ("is", "it does not affect the output and gets")
        };
        format!("Note: {why}; input {what} (0-based) {verb} read by no window: {they} zero gradient.")
    };
    match (rows, columns) {
        (Some((why, r, _)), Some((why_c, c, _))) if why == why_c => {
            vec![note(&why, &format!("{r} and {c}"), true)]
        }
        (rows, columns) => {
            rows.into_iter().chain(columns).map(|(why, what, k)| note(&why, &what, k > 1)).collect()
        }
    }
}

/// Says [`unread_notes`], if any.
pub fn say_unread(
    l: &Lesson,
    input: (usize, usize),
    window: (usize, usize),
    padding: Padding2D,
    stride: usize,
) {
    for note in unread_notes(input, window, padding, stride) {
        l.say(&note);
    }
}
