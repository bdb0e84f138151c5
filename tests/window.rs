//! The one check of windows, strides and paddings
//! (`cnn_walkthrough::textbook::window`): every refusal names what was
//! wrong, in the names of the article that uses the window, and a window too
//! large names both the window and the (padded) input; the output size it
//! returns is the one rule `⌊(n + 2·pad − f) / stride⌋ + 1`.

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::textbook::window::{output_size, Window};

/// The message of `w.check(shape, hw)`, which must fail.
fn refusal(w: Window, shape: &[usize], hw: (usize, usize)) -> String {
    match w.check(shape, hw) {
        Ok(out) => panic!("{w:?} accepted {hw:?} with output {out:?}"),
        Err(e) => e.to_string(),
    }
}

fn assert_says(message: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(message.contains(f), "{message:?} lacks {f:?}");
    }
}

#[test]
fn a_window_too_large_names_the_window_and_the_input() {
    let conv = refusal(Window::conv(8, 1, 1), &[2, 3, 3, 4], (3, 3));
    assert_says(
        &conv,
        &["f = 8: the 8×8 window", "padded input 5×5", "3×3 input (2, 3, 3, 4)", "pad 1", "f ≤ 5"],
    );
    let pool = refusal(Window::pool(4, 2), &[2, 3, 5], (3, 5));
    assert_says(&pool, &["f = 4: the 4×4 window is larger than the 3×5 input (2, 3, 5)", "f ≤ 3"]);
    assert!(!pool.contains("pad"), "{pool}");
    let padding = Padding2D { top: 0, bottom: 1, left: 1, right: 0 };
    let image = refusal(Window::filter((3, 2), padding, 1), &[1, 2, 1, 4], (1, 4));
    assert_says(
        &image,
        &[
            "filter_shape = (3, 2): the 3×2 window",
            "padded image 2×5",
            "1×4 image (1, 2, 1, 4)",
            "((0, 1), (1, 0))",
            "at most 2×5",
        ],
    );
}

#[test]
fn empty_windows_zero_strides_and_overflowing_paddings_are_refused() {
    let fit = (4, 4);
    assert_says(&refusal(Window::conv(0, 0, 1), &[4, 4], fit), &["f is 0", "at least 1×1"]);
    assert_says(
        &refusal(Window::filter((2, 0), Padding2D::uniform(0), 1), &[4, 4], fit),
        &["filter_shape is (2, 0)", "at least 1×1"],
    );
    for w in [Window::conv(2, 0, 0), Window::pool(2, 0), Window::filter((2, 2), Padding2D::uniform(0), 0)] {
        assert_says(&refusal(w, &[4, 4], fit), &["stride is 0", "at least 1"]);
        assert!(w.check_sizes().is_err());
    }
    assert_says(
        &refusal(Window::conv(1, usize::MAX / 2 + 1, 1), &[4, 4], fit),
        &["pad = 9223372036854775808 is too large", "n + 2·pad overflows"],
    );
    let padding = Padding2D { top: 0, bottom: 0, left: 1, right: usize::MAX };
    assert_says(
        &refusal(Window::filter((1, 1), padding, 1), &[4, 4], fit),
        &["padding = ((0, 0), (1, 18446744073709551615)) is too large", "overflows"],
    );
    assert!(Window::conv(1, 0, 1).check_sizes().is_ok());
}

#[test]
fn the_output_size_is_one_rule() {
    for n in 1..7 {
        for f in 1..5 {
            for pad in 0..3 {
                for stride in 1..4 {
                    let w = Window::conv(f, pad, stride);
                    let fits = f <= n + 2 * pad;
                    let got = w.check(&[n, n], (n, n)).ok();
                    let want = fits.then(|| output_size(n, f, pad, stride));
                    assert_eq!(got.map(|o| o.0), want, "n {n}, f {f}, pad {pad}, stride {stride}");
                    // The same count, by placing the windows one after another.
                    let placed = (0..).take_while(|k| k * stride + f <= n + 2 * pad).count();
                    assert_eq!(want.unwrap_or(0), placed, "n {n}, f {f}, pad {pad}, stride {stride}");
                }
            }
        }
    }
    // Asymmetric padding: each axis adds its own two sides.
    let w = Window::filter((3, 2), Padding2D { top: 2, bottom: 0, left: 0, right: 1 }, 2);
    assert_eq!(w.check(&[1, 1, 5, 4], (5, 4)).unwrap(), ((5 + 2 - 3) / 2 + 1, (4 + 1 - 2) / 2 + 1));
    assert_eq!((w.out_h(5), w.out_w(4)), (3, 2));
}
