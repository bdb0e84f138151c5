//! Exercises 9–14, im2col and the layers by matrix products: their solutions, graded, and
//! plausible wrong answers, each of which must fail with a message that
//! points at its mistake (`tests/exercises.rs` runs the solutions).

use cnn_walkthrough::exercises::{im2col, Grade};

use crate::exercises::assert_fails_saying;

#[path = "../exercises/solutions/ex09_get_im2col_indices.rs"]
mod ex09;
#[path = "../exercises/solutions/ex10_image_to_column.rs"]
mod ex10;
#[path = "../exercises/solutions/ex11_column_to_image.rs"]
mod ex11;
#[path = "../exercises/solutions/ex12_conv2d_forward.rs"]
mod ex12;
#[path = "../exercises/solutions/ex13_conv2d_backward.rs"]
mod ex13;
#[path = "../exercises/solutions/ex14_max_pool_by_im2col.rs"]
mod ex14;

/// The grades of this part's solutions, by the exercise's file name.
pub fn solutions() -> Vec<(&'static str, Grade)> {
    vec![
        ("ex09_get_im2col_indices", im2col::get_im2col_indices(ex09::get_im2col_indices)),
        ("ex10_image_to_column", im2col::image_to_column(ex10::image_to_column)),
        ("ex11_column_to_image", im2col::column_to_image(ex11::column_to_image)),
        ("ex12_conv2d_forward", im2col::conv2d_forward(ex12::conv2d_forward)),
        ("ex13_conv2d_backward", im2col::conv2d_backward(ex13::conv2d_backward)),
        ("ex14_max_pool_by_im2col", im2col::max_pool_by_im2col(ex14::max_pool_by_im2col)),
    ]
}

mod wrong {
    //! Plausible wrong answers, each as a student might write it: the
    //! solution with one thing changed.
    use cnn_walkthrough::textbook::conv2d::Conv2DGrads;
    use cnn_walkthrough::textbook::im2col::{image_to_column, Im2colIndices};
    use cnn_walkthrough::textbook::padding::Padding2D;
    use cnn_walkthrough::Result;
    use ndarray::{s, Array2, Array4, ArrayView2, ArrayView4};

    /// Exercise 9 with `k` tiled: rows ordered (kernel row, kernel column, channel).
    pub fn indices_k_tiled(
        shape: &[usize],
        filter: (usize, usize),
        padding: Padding2D,
        stride: usize,
    ) -> Result<Im2colIndices> {
        let mut ix = super::ex09::get_im2col_indices(shape, filter, padding, stride)?;
        let c = shape[1];
        ix.k = Array2::from_shape_fn(ix.k.dim(), |(r, _)| r % c);
        Ok(ix)
    }

    /// Exercise 9 with `i1` and `j1` lacking the stride.
    pub fn indices_no_stride(
        shape: &[usize],
        filter: (usize, usize),
        padding: Padding2D,
        stride: usize,
    ) -> Result<Im2colIndices> {
        let mut ix = super::ex09::get_im2col_indices(shape, filter, padding, stride)?;
        ix.i1.mapv_inplace(|v| v / stride);
        ix.j1.mapv_inplace(|v| v / stride);
        ix.i = Array2::from_shape_fn(ix.i.dim(), |(r, q)| ix.i0[r] + ix.i1[q]);
        ix.j = Array2::from_shape_fn(ix.j.dim(), |(r, q)| ix.j0[r] + ix.j1[q]);
        Ok(ix)
    }

    /// The padded images, as the solutions pad them.
    fn pad(images: &ArrayView4<f64>, p: Padding2D) -> Array4<f64> {
        let (b, c, h, w) = images.dim();
        let mut padded = Array4::zeros((b, c, h + p.top + p.bottom, w + p.left + p.right));
        padded.slice_mut(s![.., .., p.top..p.top + h, p.left..p.left + w]).assign(images);
        padded
    }

    /// Exercise 10 with its columns in the order (image, output row, output
    /// column): the image loop outside the window loops.
    pub fn image_to_column_image_first(
        images: &ArrayView4<f64>,
        (fh, fw): (usize, usize),
        stride: usize,
        padding: Padding2D,
    ) -> Result<Array2<f64>> {
        let (batch, channels, _, _) = images.dim();
        let padded = pad(images, padding);
        let (out_h, out_w) = ((padded.dim().2 - fh) / stride + 1, (padded.dim().3 - fw) / stride + 1);
        let mut cols = Array2::zeros((channels * fh * fw, out_h * out_w * batch));
        for b in 0..batch {
            for y in 0..out_h {
                for x in 0..out_w {
                    let q = (b * out_h + y) * out_w + x;
                    for c in 0..channels {
                        for i in 0..fh {
                            for j in 0..fw {
                                cols[[(c * fh + i) * fw + j, q]] =
                                    padded[[b, c, y * stride + i, x * stride + j]];
                            }
                        }
                    }
                }
            }
        }
        Ok(cols)
    }

    /// Exercise 10 with its rows in the order (kernel row, kernel column, channel).
    pub fn image_to_column_channel_last(
        images: &ArrayView4<f64>,
        (fh, fw): (usize, usize),
        stride: usize,
        padding: Padding2D,
    ) -> Result<Array2<f64>> {
        let (batch, channels, _, _) = images.dim();
        let padded = pad(images, padding);
        let (out_h, out_w) = ((padded.dim().2 - fh) / stride + 1, (padded.dim().3 - fw) / stride + 1);
        let mut cols = Array2::zeros((channels * fh * fw, out_h * out_w * batch));
        for y in 0..out_h {
            for x in 0..out_w {
                for b in 0..batch {
                    let q = (y * out_w + x) * batch + b;
                    for c in 0..channels {
                        for i in 0..fh {
                            for j in 0..fw {
                                cols[[(i * fw + j) * channels + c, q]] =
                                    padded[[b, c, y * stride + i, x * stride + j]];
                            }
                        }
                    }
                }
            }
        }
        Ok(cols)
    }

    /// Exercise 11 assigning instead of adding: overlaps lost.
    pub fn column_to_image_assigns(
        cols: &ArrayView2<f64>,
        shape: &[usize],
        (fh, fw): (usize, usize),
        stride: usize,
        p: Padding2D,
    ) -> Result<Array4<f64>> {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3]);
        let (hp, wp) = (height + p.top + p.bottom, width + p.left + p.right);
        let (out_h, out_w) = ((hp - fh) / stride + 1, (wp - fw) / stride + 1);
        let mut padded = Array4::zeros((batch, channels, hp, wp));
        for y in 0..out_h {
            for x in 0..out_w {
                for b in 0..batch {
                    for c in 0..channels {
                        for i in 0..fh {
                            for j in 0..fw {
                                let (r, q) = ((c * fh + i) * fw + j, (y * out_w + x) * batch + b);
                                padded[[b, c, y * stride + i, x * stride + j]] = cols[[r, q]];
                            }
                        }
                    }
                }
            }
        }
        Ok(padded.slice(s![.., .., p.top..p.top + height, p.left..p.left + width]).to_owned())
    }

    /// Exercise 11 returning the padded images.
    pub fn column_to_image_uncropped(
        cols: &ArrayView2<f64>,
        shape: &[usize],
        filter: (usize, usize),
        stride: usize,
        p: Padding2D,
    ) -> Result<Array4<f64>> {
        let image = super::ex11::column_to_image(cols, shape, filter, stride, p)?;
        let (b, c, h, w) = image.dim();
        let mut padded = Array4::zeros((b, c, h + p.top + p.bottom, w + p.left + p.right));
        padded.slice_mut(s![.., .., p.top..p.top + h, p.left..p.left + w]).assign(&image);
        Ok(padded)
    }

    /// Exercise 12 with W_col read in the order (kernel row, kernel column,
    /// channel), the notebook's NHWC habit.
    pub fn conv2d_forward_w_channel_last(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        w0: &ArrayView2<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Array4<f64>> {
        let (n, c, fh, fw) = w.dim();
        let w_col = Array2::from_shape_fn((n, c * fh * fw), |(f, r)| {
            let (i, j, ch) = (r / (fw * c), (r / c) % fw, r % c);
            w[[f, ch, i, j]]
        });
        let w_back = Array4::from_shape_fn(w.raw_dim(), |(f, ch, i, j)| w_col[[f, (ch * fh + i) * fw + j]]);
        super::ex12::conv2d_forward(x, &w_back.view(), w0, stride, padding)
    }

    /// Exercise 12 without the bias.
    pub fn conv2d_forward_no_bias(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        w0: &ArrayView2<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Array4<f64>> {
        let zeros = Array2::zeros(w0.raw_dim());
        super::ex12::conv2d_forward(x, w, &zeros.view(), stride, padding)
    }

    /// Exercise 12 reshaping the product straight to (batch, n_filters, out_h, out_w).
    pub fn conv2d_forward_no_transpose(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        w0: &ArrayView2<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Array4<f64>> {
        let (batch, _, height, width) = x.dim();
        let (n, c, fh, fw) = w.dim();
        let out_h = (height + padding.top + padding.bottom - fh) / stride + 1;
        let out_w = (width + padding.left + padding.right - fw) / stride + 1;
        let x_col = image_to_column(x, (fh, fw), stride, padding)?;
        let output = w.to_shape((n, c * fh * fw)).unwrap().dot(&x_col) + w0;
        Ok(output.into_shape_with_order((batch, n, out_h, out_w)).unwrap())
    }

    /// Exercise 13 with grad_W = X_col · δᵀ, reshaped like W.
    pub fn conv2d_backward_not_transposed(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Conv2DGrads> {
        let mut grads = super::ex13::conv2d_backward(x, w, accum_grad, stride, padding)?;
        let (fh, fw) = (w.dim().2, w.dim().3);
        let x_col = image_to_column(x, (fh, fw), stride, padding)?;
        let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]).as_standard_layout().into_owned();
        let delta = delta.into_shape_with_order((w.dim().0, x_col.ncols())).unwrap();
        grads.grad_w = x_col.dot(&delta.t()).into_shape_with_order(w.raw_dim()).unwrap();
        Ok(grads)
    }

    /// Exercise 13 without column_to_image: W_colᵀ · δ reshaped like X.
    pub fn conv2d_backward_no_column_to_image(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Conv2DGrads> {
        let mut grads = super::ex13::conv2d_backward(x, w, accum_grad, stride, padding)?;
        let (n, c, fh, fw) = w.dim();
        let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]).as_standard_layout().into_owned();
        let cols = delta.len() / n;
        let delta = delta.into_shape_with_order((n, cols)).unwrap();
        let grad_cols = w.to_shape((n, c * fh * fw)).unwrap().t().dot(&delta);
        grads.grad_input = grad_cols.into_shape_with_order(x.raw_dim()).unwrap();
        Ok(grads)
    }

    /// Exercise 13 with column_to_image that assigns: overlaps lost.
    pub fn conv2d_backward_overlaps_lost(
        x: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        stride: usize,
        padding: Padding2D,
    ) -> Result<Conv2DGrads> {
        let mut grads = super::ex13::conv2d_backward(x, w, accum_grad, stride, padding)?;
        let (n, c, fh, fw) = w.dim();
        let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]).as_standard_layout().into_owned();
        let cols = delta.len() / n;
        let delta = delta.into_shape_with_order((n, cols)).unwrap();
        let grad_cols = w.to_shape((n, c * fh * fw)).unwrap().t().dot(&delta);
        grads.grad_input = column_to_image_assigns(&grad_cols.view(), x.shape(), (fh, fw), stride, padding)?;
        Ok(grads)
    }

    /// Exercise 14 by the definition, the gradient sent to every cell equal
    /// to the window's maximum (or with >=, to the last).
    fn pool_by_loops(
        x: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        (fh, fw): (usize, usize),
        stride: usize,
        every: bool,
    ) -> (Array4<f64>, Array4<f64>) {
        let (b, c, h, w) = x.dim();
        let (oh, ow) = ((h - fh) / stride + 1, (w - fw) / stride + 1);
        let mut out = Array4::zeros((b, c, oh, ow));
        let mut grad = Array4::zeros(x.raw_dim());
        for ((n, ch, y, z), o) in out.indexed_iter_mut() {
            let window = x.slice(s![n, ch, y * stride..y * stride + fh, z * stride..z * stride + fw]);
            let max = window.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            *o = max;
            let mut last = (0, 0);
            for ((i, j), &v) in window.indexed_iter() {
                if v == max {
                    last = (i, j);
                    if every {
                        grad[[n, ch, y * stride + i, z * stride + j]] += accum_grad[[n, ch, y, z]];
                    }
                }
            }
            if !every {
                grad[[n, ch, y * stride + last.0, z * stride + last.1]] += accum_grad[[n, ch, y, z]];
            }
        }
        (out, grad)
    }

    /// Exercise 14 with the gradient sent to every tied maximum.
    pub fn max_pool_every_tie(
        x: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        pool: (usize, usize),
        stride: usize,
    ) -> Result<(Array4<f64>, Array4<f64>)> {
        Ok(pool_by_loops(x, accum_grad, pool, stride, true))
    }

    /// Exercise 14 with the gradient sent to the last tied maximum (>=).
    pub fn max_pool_last_tie(
        x: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        pool: (usize, usize),
        stride: usize,
    ) -> Result<(Array4<f64>, Array4<f64>)> {
        Ok(pool_by_loops(x, accum_grad, pool, stride, false))
    }

    /// Exercise 14 whose backward pass assigns where windows overlap.
    pub fn max_pool_overlaps_lost(
        x: &ArrayView4<f64>,
        accum_grad: &ArrayView4<f64>,
        (fh, fw): (usize, usize),
        stride: usize,
    ) -> Result<(Array4<f64>, Array4<f64>)> {
        let (out, _) = super::ex14::max_pool_by_im2col(x, accum_grad, (fh, fw), stride)?;
        let mut grad = Array4::zeros(x.raw_dim());
        for ((n, ch, y, z), &g) in accum_grad.indexed_iter() {
            let window = x.slice(s![n, ch, y * stride..y * stride + fh, z * stride..z * stride + fw]);
            let mut best = (0, 0);
            for ((i, j), &v) in window.indexed_iter() {
                if v > window[best] {
                    best = (i, j);
                }
            }
            grad[[n, ch, y * stride + best.0, z * stride + best.1]] = g;
        }
        Ok((out, grad))
    }
}

#[test]
fn wrong_answers_to_get_im2col_indices_fail_and_say_where() {
    assert_fails_saying(
        &im2col::get_im2col_indices(wrong::indices_k_tiled),
        &[
            "FAIL the article's case",
            "first difference at k[1, 0] (row 1: channel 0, kernel row 0, kernel column 1): expected 0.0, got 1.0",
            "Your k is tile(arange(3), fh·fw)",
        ],
    );
    assert_fails_saying(
        &im2col::get_im2col_indices(wrong::indices_no_stride),
        &[
            "FAIL hidden case 1: images_shape (2, 3, 5, 5), a 3×3 window, 'valid' padding, stride 2",
            "first difference at i1[2] (window 2: output row 1, output column 0): expected 2.0, got 1.0",
            "Your i1 lacks the stride",
        ],
    );
}

#[test]
fn wrong_answers_to_image_to_column_fail_and_say_where() {
    assert_fails_saying(
        &im2col::image_to_column(wrong::image_to_column_image_first),
        &[
            "FAIL lesson 06's case",
            "first difference at cols[0, 1] (row 0: channel 0, kernel row 0, kernel column 0; column 1: \
             output row 0, output column 0, image 1; the pixel x[1, 0, 0, 0]): expected 18.0, got 1.0",
            "Your columns are in the order (image, output row, output column)",
        ],
    );
    assert_fails_saying(
        &im2col::image_to_column(wrong::image_to_column_channel_last),
        &[
            "FAIL the article's case",
            "first difference at cols[1, 32] (row 1: channel 0, kernel row 0, kernel column 1; column 32: \
             output row 1, output column 0, image 0; the pixel x[0, 0, 0, 0])",
            "Your rows are in the order (kernel row, kernel column, channel)",
        ],
    );
}

#[test]
fn wrong_answers_to_column_to_image_fail_and_say_where() {
    assert_fails_saying(
        &im2col::column_to_image(wrong::column_to_image_assigns),
        &[
            "FAIL lesson 06's count",
            "first difference at images[0, 0, 0, 0] (image 0, channel 0, row 0, column 0, in 4 windows): \
             expected 4.0, got 1.0",
            "added (+=), not assigned (=)",
        ],
    );
    assert_fails_saying(
        &im2col::column_to_image(wrong::column_to_image_uncropped),
        &[
            "images has the wrong shape: expected (1, 2, 4, 4), got (1, 2, 6, 6)",
            "the padded shape: cut the padding ((1, 1), (1, 1)) off",
        ],
    );
}

#[test]
fn wrong_answers_to_conv2d_forward_fail_and_say_where() {
    assert_fails_saying(
        &im2col::conv2d_forward(wrong::conv2d_forward_w_channel_last),
        &[
            "FAIL hanbt's worked example",
            "first difference at output[0, 0, 0, 0] (image 0, filter 0, output row 0, output column 0): \
             expected 6.0, got -4.0",
            "Your W_col reads W in the order (kernel row, kernel column, channel)",
        ],
    );
    assert_fails_saying(
        &im2col::conv2d_forward(wrong::conv2d_forward_no_bias),
        &["expected 6.0, got 5.0", "without the bias"],
    );
    assert_fails_saying(
        &im2col::conv2d_forward(wrong::conv2d_forward_no_transpose),
        &[
            "FAIL hidden case 1: X (2, 3, 5, 5), a 3×3 window, 'valid' padding, stride 2, 2 filters",
            "output[0, 0, 0, 1] (image 0, filter 0, output row 0, output column 1)",
            "reshape it to (n_filters, out_h, out_w, batch) and then transpose(3, 0, 1, 2)",
        ],
    );
}

#[test]
fn wrong_answers_to_conv2d_backward_fail_and_say_where() {
    assert_fails_saying(
        &im2col::conv2d_backward(wrong::conv2d_backward_not_transposed),
        &[
            "FAIL hanbt's worked example",
            "first difference at grad_W[0, 0, 0, 1] (filter 0, channel 0, kernel row 0, kernel column 1): \
             expected 10.0, got 2.0",
            "Your grad_W is X_col · δᵀ reshaped like W",
        ],
    );
    assert_fails_saying(
        &im2col::conv2d_backward(wrong::conv2d_backward_no_column_to_image),
        &[
            "your code panicked at",
            "incompatible shapes",
            "column_to_image adds its columns back onto the image",
        ],
    );
    assert_fails_saying(
        &im2col::conv2d_backward(wrong::conv2d_backward_overlaps_lost),
        &[
            "first difference at grad_X[0, 0, 0, 1] (image 0, channel 0, row 0, column 1): expected 1.0, got 0.0",
            "added (+=), not assigned (=)",
        ],
    );
}

#[test]
fn wrong_answers_to_max_pool_by_im2col_fail_and_say_where() {
    assert_fails_saying(
        &im2col::max_pool_by_im2col(wrong::max_pool_every_tie),
        &[
            "pass hanbt's pooling test",
            "FAIL hidden case 1: x (2, 3, 4, 4), a 2×2 window, stride 2, whole numbers 0 to 2 (ties)",
            "first difference at grad_input[0, 1, 1, 1] (image 0, channel 1, row 1, column 1, in 1 window)",
            "every cell that ties for the window's maximum",
        ],
    );
    assert_fails_saying(
        &im2col::max_pool_by_im2col(wrong::max_pool_last_tie),
        &["FAIL hidden case 1", "the last of the tied maxima"],
    );
    assert_fails_saying(
        &im2col::max_pool_by_im2col(wrong::max_pool_overlaps_lost),
        &[
            "FAIL hidden case 2: x (1, 2, 5, 5), a 3×3 window, stride 1",
            "grad_input[0, 0, 0, 1] (image 0, channel 0, row 0, column 1, in 2 windows)",
            "added (+=), not assigned (=)",
        ],
    );
}
