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
             f·f·n_C_prev times (the mistake in seed 002's listing and the notebook's 2017 answer key).",
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
        hints: &[
            "First compute out_h and out_w: (height + padding.top + padding.bottom − fh) / stride + 1, \
             and likewise with the width. Every array has one entry per row (channels·fh·fw) or per \
             window (out_h·out_w).",
            "Three nested loops, channel outside, then kernel row, then kernel column, push i0, j0 and k \
             in the rows' order; two loops, output row outside, push stride·row to i1 and stride·column \
             to j1.",
            "i and j are Array2::from_shape_fn((rows, windows), |(r, q)| i0[r] + i1[q]) (and j0, j1); k \
             is Array2::from_shape_vec((rows, 1), k_vec).",
        ],
    },
    ExerciseInfo {
        number: 10,
        function: "image_to_column",
        file: "ex10_image_to_column",
        title: "every window of a batch as one column",
        lesson: &registry::LESSON_06_IM2COL,
        hints: &[
            "Pad first: an Array4::zeros of the padded shape, with images copied into its middle by \
             slice_mut(s![.., .., top..top + height, left..left + width]).assign(images).",
            "Loop over the output row y, output column x and image b (in that order, b innermost) for the \
             column q = (y·out_w + x)·batch + b; inside, over channel c, kernel row i and kernel column j \
             for the row r = (c·fh + i)·fw + j.",
            "cols[[r, q]] = padded[[b, c, y·stride + i, x·stride + j]]: the same loops, read the other \
             way, are exercise 11.",
        ],
    },
    ExerciseInfo {
        number: 11,
        function: "column_to_image",
        file: "ex11_column_to_image",
        title: "columns back onto the image, overlaps added",
        lesson: &registry::LESSON_06_IM2COL,
        hints: &[
            "Start from Array4::zeros of the padded shape (batch, channels, height + top + bottom, width \
             + left + right); cut the padding off at the end with slice(s![.., .., top..top + height, \
             left..left + width]).to_owned().",
            "Exercise 10's loops, read the other way: padded[[b, c, y·stride + i, x·stride + j]] += \
             cols[[r, q]] with r = (c·fh + i)·fw + j and q = (y·out_w + x)·batch + b.",
            "+=, not =: a pixel in several windows gets the sum of all their values (on columns of ones, \
             the number of windows).",
        ],
    },
    ExerciseInfo {
        number: 12,
        function: "conv2d_forward",
        file: "ex12_conv2d_forward",
        title: "Conv2D's forward pass as one matrix product",
        lesson: &registry::LESSON_07_CONV2D_IM2COL,
        hints: &[
            "X_col = cnn_walkthrough::textbook::im2col::image_to_column(x, (fh, fw), stride, padding)?; \
             W_col is w.to_shape((n_filters, channels·fh·fw)).unwrap(), W as it is stored, so its columns \
             follow X_col's rows.",
            "W_col.dot(&X_col) is (n_filters, out_h·out_w·batch); add w0[[f, 0]] to every value of row f \
             (or + w0, which broadcasts its one column).",
            "Its columns are (output row, output column, image): into_shape_with_order((n_filters, out_h, \
             out_w, batch)), then permuted_axes([3, 0, 1, 2]) and as_standard_layout().into_owned().",
        ],
    },
    ExerciseInfo {
        number: 13,
        function: "conv2d_backward",
        file: "ex13_conv2d_backward",
        title: "Conv2D's backward pass as matrix products",
        lesson: &registry::LESSON_07_CONV2D_IM2COL,
        hints: &[
            "δ: accum_grad.permuted_axes([1, 2, 3, 0]), then as_standard_layout() and \
             to_shape((n_filters, X_col.ncols())): its columns are then in X_col's order.",
            "grad_W = δ.dot(&X_col.t()), (n_filters, channels·fh·fw), reshaped to w.raw_dim(); grad_w0 = \
             δ.sum_axis(Axis(1)).insert_axis(Axis(1)).",
            "grad_X: W_col.t().dot(&δ) has X_col's shape; column_to_image(&it.view(), x.shape(), (fh, \
             fw), stride, padding)? adds it back onto the image.",
        ],
    },
    ExerciseInfo {
        number: 14,
        function: "max_pool_by_im2col",
        file: "ex14_max_pool_by_im2col",
        title: "max pooling by im2col, forward and backward",
        lesson: &registry::LESSON_08_POOL_IM2COL,
        hints: &[
            "Fold: x.as_standard_layout() then to_shape((batch·channels, 1, height, width)); \
             image_to_column of that with Padding2D::uniform(0) gives one column per window of each \
             channel of each image.",
            "For each column keep the row of its first maximum (replace the best only when v > best, so a \
             tie keeps the earlier row) and the maximum; the maxima in order fill (out_h, out_w, batch, \
             channels), then permuted_axes([2, 3, 0, 1]).",
            "Backward: accum_grad.permuted_axes([2, 3, 0, 1]).iter() gives the gradients in the columns' \
             order; put each at its argmax row of a zero (fh·fw, columns) matrix, column_to_image it onto \
             (batch·channels, 1, height, width), and reshape like x.",
        ],
    },
    ExerciseInfo {
        number: 15,
        function: "batch_norm_forward",
        file: "ex15_batch_norm_forward",
        title: "batch normalization's forward pass",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[
            "Work one channel at a time: for c in 0..C, x.slice(s![.., c, .., ..]) is every value of \
             channel c over the batch, the rows and the columns, n = batch·H·W of them.",
            "For one channel: mean = sum / n, var = Σ (x − mean)² / n (divide by n, not n − 1), and \
             stddev_inv = 1.0 / (var + eps).sqrt(): eps inside the root.",
            "Fill y and x_centered channel by channel with slice_mut(s![.., c, .., ..]).assign(…): \
             x_centered = x − mean, y = gamma[c] · x_centered · stddev_inv + beta[c]; stddev_inv[c] is the \
             channel's number.",
        ],
    },
    ExerciseInfo {
        number: 16,
        function: "batch_norm_backward",
        file: "ex16_batch_norm_backward",
        title: "batch normalization's backward pass, three terms",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[
            "Work one channel at a time, as in exercise 15: g = grad.slice(s![.., c, .., ..]) and the same \
             slice of x_centered; n = g.len(), s = stddev_inv[c].",
            "Two sums per channel: sum_g = Σ g and sum_g_centered = Σ g · x_centered, (&g * &xc).sum(). \
             Then grad_beta[c] = sum_g and grad_gamma[c] = sum_g_centered · s.",
            "bracket = &g * n - sum_g - &xc * (s * s * sum_g_centered): directly, through the mean, through \
             the variance. The channel's grad_x is bracket * (gamma[c] * s / n).",
        ],
    },
    ExerciseInfo {
        number: 17,
        function: "softmax_cross_entropy_gradient",
        file: "ex17_softmax_cross_entropy_gradient",
        title: "softmax and cross entropy together: the gradient p − y",
        lesson: &registry::LESSON_09_LAYERS,
        hints: &[
            "Row by row (z.row(i) is sample i): softmax, then subtract the targets y.row(i). No 1/p and no \
             Jacobian: the two fold into p − y.",
            "For one row: max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v)), e = row.mapv(|v| (v - \
             max).exp()), p = &e / e.sum(). Without the max subtracted, e^1000 is inf, and inf/inf is NaN.",
        ],
    },
    ExerciseInfo {
        number: 18,
        function: "adam_step",
        file: "ex18_adam_step",
        title: "one step of Adam",
        lesson: &registry::LESSON_10_OPTIMIZERS,
        hints: &[
            "Whole arrays work: *m = &*m * b1 + grad * (1.0 - b1) updates m in place; v likewise, with \
             grad.mapv(|g| g * g) for grad².",
            "The bias correction uses the step's number: m_hat = m / (1 − b1ᵗ), v_hat = v / (1 − b2ᵗ), \
             b1.powi(t) in Rust; not 1 − b1, which is right only at t = 1.",
            "w = w − learning_rate · m_hat / (√v_hat + eps): eps outside the root, the denominator \
             v_hat.mapv(|v| v.sqrt() + eps).",
        ],
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
