//! Exercises 1–8, the notebook's functions: their solutions, graded, and
//! plausible wrong answers, each of which must fail with a message that
//! points at its mistake (`tests/exercises.rs` runs the solutions).

use cnn_walkthrough::exercises::{notebook, Grade};

use crate::exercises::assert_fails_saying;

#[path = "../exercises/solutions/ex01_zero_pad.rs"]
mod ex01;
#[path = "../exercises/solutions/ex02_conv_single_step.rs"]
mod ex02;

/// The grades of this part's solutions, by the exercise's file name.
pub fn solutions() -> Vec<(&'static str, Grade)> {
    vec![
        ("ex01_zero_pad", notebook::zero_pad(ex01::zero_pad)),
        ("ex02_conv_single_step", notebook::conv_single_step(ex02::conv_single_step)),
    ]
}

mod wrong {
    //! Plausible wrong answers, each as a student might write it.
    use ndarray::{s, Array4, ArrayView3, ArrayView4};

    /// Pads the width on the left only.
    pub fn zero_pad_left_only(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c));
        out.slice_mut(s![.., pad..pad + h, 2 * pad..2 * pad + w, ..]).assign(x);
        out
    }

    /// Pads the channels too.
    pub fn zero_pad_every_axis(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c + 2 * pad));
        out.slice_mut(s![.., pad..pad + h, pad..pad + w, pad..pad + c]).assign(x);
        out
    }

    /// Indexes past the end.
    pub fn zero_pad_panics(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c));
        out[[m, 0, 0, 0]] = 1.0;
        out
    }

    /// The notebook's first edition: b added to every product.
    pub fn conv_single_step_bias_inside(a: &ArrayView3<f64>, w: &ArrayView3<f64>, b: f64) -> f64 {
        (a * w).mapv(|v| v + b).sum()
    }

    /// The bias forgotten.
    pub fn conv_single_step_no_bias(a: &ArrayView3<f64>, w: &ArrayView3<f64>, _b: f64) -> f64 {
        (a * w).sum()
    }
}

#[test]
fn wrong_answers_to_the_notebook_exercises_fail_and_say_where() {
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_left_only),
        &["first difference at x_pad[0, 1, 1, 0] (image 0, row 1, column 1, channel 0: x[0, 0, 0, 0])"],
    );
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_every_axis),
        &["x_pad.shape: expected (4, 7, 7, 2) as the notebook prints, got (4, 7, 7, 6)"],
    );
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_panics),
        &["your code panicked at", "out of bounds"],
    );
    assert_fails_saying(
        &notebook::conv_single_step(wrong::conv_single_step_bias_inside),
        &["Z: expected -6.99908945, got -23.1602122", "b added to each of the 48 products"],
    );
    assert_fails_saying(&notebook::conv_single_step(wrong::conv_single_step_no_bias), &["the sum without b"]);
}
