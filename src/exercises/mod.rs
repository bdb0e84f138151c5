//! Do it yourself: exercises in which a student writes the articles'
//! functions and the course grades them.
//!
//! The student's files are in `exercises/` (a package of its own,
//! `cnn-exercises`): one file per exercise, each with the function's
//! signature (the textbook function's own), a doc comment with the task,
//! the shapes and the formula, and a body of `todo!()`. Each file is built
//! into a small grading program of its own (`exercises/grade/`), so that
//! grading one exercise after an edit compiles that file only, and one
//! exercise that does not compile yet does not stop the others.
//!
//! This module holds what does not change when the student edits: the list
//! of exercises ([`EXERCISES`], with the hints), the graders (one per
//! exercise, by topic: [`notebook`], [`im2col`], [`layers`]), the grading
//! itself ([`grading`]: catching a panic, comparing arrays, saying what an
//! index means) and the runner behind `cargo run -- exercises` and
//! `cargo run -- exercise N` ([`runner`]). The solutions are in
//! `exercises/solutions/`, one per exercise under its stub's file name.

pub mod grading;
pub mod im2col;
pub mod layers;
pub mod notebook;
pub mod runner;

use crate::course::registry::{self, LessonInfo};

pub use grading::{Grade, Grader, Outcome};

/// One exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExerciseInfo {
    /// Its number, from 1, in the order to do them.
    pub number: usize,
    /// The function the student writes, as the articles name it: `zero_pad`.
    pub function: &'static str,
    /// Its file's name without `.rs` (in `exercises/` and
    /// `exercises/solutions/`), also the name of its grading program:
    /// `ex01_zero_pad`.
    pub file: &'static str,
    /// What it asks, in a few words.
    pub title: &'static str,
    /// The lesson that shows the function at work.
    pub lesson: &'static LessonInfo,
    /// Hints, shown one at a time by `cargo run -- exercise N --hint`.
    pub hints: &'static [&'static str],
}

impl ExerciseInfo {
    /// Its file, from the repository's root: `exercises/ex01_zero_pad.rs`.
    pub fn path(&self) -> String {
        format!("exercises/{}.rs", self.file)
    }

    /// Its solution, from the repository's root.
    pub fn solution_path(&self) -> String {
        format!("exercises/solutions/{}.rs", self.file)
    }

    /// `exercise 1 (zero_pad)`.
    pub fn label(&self) -> String {
        format!("exercise {} ({})", self.number, self.function)
    }
}

/// The exercises, in the order to do them: the notebook's eight functions,
/// then im2col and the layers.
pub const EXERCISES: &[ExerciseInfo] = &[
    ExerciseInfo {
        number: 1,
        function: "zero_pad",
        file: "ex01_zero_pad",
        title: "pad a batch of images with zeros",
        lesson: &registry::LESSON_01_ZERO_PAD,
        hints: &[
            "Make an array of zeros of the padded shape (m, n_H + 2·pad, n_W + 2·pad, n_C) with \
             Array4::zeros, then copy x into its middle.",
            "x_pad.slice_mut(s![.., pad..pad + n_H, pad..pad + n_W, ..]).assign(x) copies x into \
             the middle: rows pad to pad + n_H − 1, columns likewise, every image and channel.",
        ],
    },
    ExerciseInfo {
        number: 2,
        function: "conv_single_step",
        file: "ex02_conv_single_step",
        title: "one window times one filter, plus the bias",
        lesson: &registry::LESSON_02_CONV_FORWARD,
        hints: &[
            "Multiply the window and the filter element by element (&a * &b on two views gives a \
             new array), then add up every element (.sum()).",
            "Add b once, after the sum: adding it to every product before summing counts it \
             f·f·n_C_prev times (the mistake of the notebook's first edition).",
        ],
    },
    ExerciseInfo {
        number: 3,
        function: "conv_forward",
        file: "ex03_conv_forward",
        title: "a convolution layer's forward pass, by loops",
        lesson: &registry::LESSON_02_CONV_FORWARD,
        hints: &[
            "Pad first (A_prev_pad = zero_pad(A_prev, pad), exercise 1), then four loops: image i, \
             output row h (0..n_H), output column w (0..n_W), filter c (0..n_C).",
            "Output cell (h, w) reads the window A_prev_pad.slice(s![i, h·stride..h·stride + f, \
             w·stride..w·stride + f, ..]): the start is h·stride, not h. Slice it once per cell, \
             before the loop over filters.",
            "Z[[i, h, w, c]] = conv_single_step(&window, &W.slice(s![.., .., .., c]), b[[0, 0, 0, c]]), \
             exercise 2; then build the cache as the doc shows and return Ok((Z, cache)).",
        ],
    },
    ExerciseInfo {
        number: 4,
        function: "pool_forward",
        file: "ex04_pool_forward",
        title: "max and average pooling, by loops",
        lesson: &registry::LESSON_04_POOL_FORWARD,
        hints: &[
            "The loops of conv_forward without padding and without filters: image, output row, \
             output column, channel; each channel is pooled on its own.",
            "The window of output cell (h, w) in channel c is the 2-D view \
             A_prev.slice(s![i, h·stride..h·stride + f, w·stride..w·stride + f, c]).",
            "Max: window.fold(f64::NEG_INFINITY, |m, &v| m.max(v)). Average: window.sum() divided \
             by (f·f) as f64, or window.mean().unwrap().",
        ],
    },
    ExerciseInfo {
        number: 5,
        function: "conv_backward",
        file: "ex05_conv_backward",
        title: "a convolution layer's backward pass, by loops",
        lesson: &registry::LESSON_03_CONV_BACKWARD,
        hints: &[
            "Start from zeros: dA_prev_pad of the padded input's shape, dW of W's shape, db of b's. \
             Loop over image, output row, column and filter as in conv_forward, with the same window.",
            "For each (i, h, w, c), with g = dZ[[i, h, w, c]]: dA_prev_pad's window += W's filter c · g; \
             dW's filter c += a_slice · g; db[[0, 0, 0, c]] += g. view.scaled_add(g, &other) does \
             view += g · other. Every image adds to the same dW and db.",
            "At the end cut the padding off: dA_prev = dA_prev_pad.slice(s![.., pad..pad + n_H_prev, \
             pad..pad + n_W_prev, ..]).to_owned().",
        ],
    },
    ExerciseInfo {
        number: 6,
        function: "create_mask_from_window",
        file: "ex06_create_mask_from_window",
        title: "where a window's maximum is",
        lesson: &registry::LESSON_05_POOL_BACKWARD,
        hints: &[
            "First the window's maximum: x.fold(f64::NEG_INFINITY, |m, &v| m.max(v)). Not from 0.0: \
             every value of a window may be negative.",
            "Then x.mapv(|v| v == max): true at every cell equal to the maximum, ties included, as \
             the notebook's x == np.max(x).",
        ],
    },
    ExerciseInfo {
        number: 7,
        function: "distribute_value",
        file: "ex07_distribute_value",
        title: "share a gradient evenly over a window",
        lesson: &registry::LESSON_05_POOL_BACKWARD,
        hints: &[
            "A window of shape (n_H, n_W) has n_H·n_W cells; each gets the same share, and the \
             shares add up to dz.",
            "Array2::from_elem(shape, value) makes an array of shape filled with value; the value is \
             dz / (n_H·n_W) (turn the product into an f64 with as f64).",
        ],
    },
    ExerciseInfo {
        number: 8,
        function: "pool_backward",
        file: "ex08_pool_backward",
        title: "max and average pooling's backward pass",
        lesson: &registry::LESSON_05_POOL_BACKWARD,
        hints: &[
            "Start from zeros of A_prev's shape (cache.a_prev.raw_dim()); loop over image, output \
             row, column and channel as in pool_forward, with the same window, and add (+=) what \
             each window gets back: windows overlap when stride < f.",
            "Average: the window gets distribute_value(dA[[i, h, w, c]], (f, f)), exercise 7. Max: \
             all of dA[[i, h, w, c]] goes to one cell, the window's maximum; the others get 0.",
            "For max, find the first maximum row by row: keep the (row, column) of the best so far \
             and replace it only when a value is strictly larger (>). Exercise 6's mask marks every \
             tie, and would count the gradient once per tied cell.",
        ],
    },
    ExerciseInfo {
        number: 9,
        function: "get_im2col_indices",
        file: "ex09_get_im2col_indices",
        title: "which input cell goes to which place of the column matrix",
        lesson: &registry::LESSON_06_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 10,
        function: "image_to_column",
        file: "ex10_image_to_column",
        title: "every window of a batch as one column",
        lesson: &registry::LESSON_06_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 11,
        function: "column_to_image",
        file: "ex11_column_to_image",
        title: "columns back onto the image, overlaps added",
        lesson: &registry::LESSON_06_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 12,
        function: "conv2d_forward",
        file: "ex12_conv2d_forward",
        title: "Conv2D's forward pass as one matrix product",
        lesson: &registry::LESSON_07_CONV2D_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 13,
        function: "conv2d_backward",
        file: "ex13_conv2d_backward",
        title: "Conv2D's backward pass as matrix products",
        lesson: &registry::LESSON_07_CONV2D_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 14,
        function: "max_pool_by_im2col",
        file: "ex14_max_pool_by_im2col",
        title: "max pooling by im2col, forward and backward",
        lesson: &registry::LESSON_08_POOL_IM2COL,
        hints: &[],
    },
    ExerciseInfo {
        number: 15,
        function: "batch_norm_forward",
        file: "ex15_batch_norm_forward",
        title: "batch normalization's forward pass",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[],
    },
    ExerciseInfo {
        number: 16,
        function: "batch_norm_backward",
        file: "ex16_batch_norm_backward",
        title: "batch normalization's backward pass, three terms",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[],
    },
    ExerciseInfo {
        number: 17,
        function: "softmax_cross_entropy_gradient",
        file: "ex17_softmax_cross_entropy_gradient",
        title: "softmax and cross entropy together: the gradient p − y",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[],
    },
    ExerciseInfo {
        number: 18,
        function: "adam_step",
        file: "ex18_adam_step",
        title: "one step of Adam",
        lesson: &registry::LESSON_10_OPTIMIZERS,
        hints: &[],
    },
];

/// The exercise `name` asks for: its number (`1`, `01`), its function
/// (`zero_pad`) or its file (`ex01_zero_pad`).
pub fn find(name: &str) -> Option<&'static ExerciseInfo> {
    let name = name.trim_end_matches(".rs");
    EXERCISES
        .iter()
        .find(|e| name.parse::<usize>().is_ok_and(|n| n == e.number) || name == e.function || name == e.file)
}
