//! Exercise 13: Conv2D's backward pass by im2col, solved.

use ndarray::{ArrayView4, Axis};

use cnn_walkthrough::textbook::conv2d::Conv2DGrads;
use cnn_walkthrough::textbook::im2col::{column_to_image, image_to_column};
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// `grad_W = δ · X_colᵀ`, `grad_w0 = Σ δ`, `grad_X = column_to_image(W_colᵀ · δ)`.
pub fn conv2d_backward(
    x: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    accum_grad: &ArrayView4<f64>,
    stride: usize,
    padding: Padding2D,
) -> Result<Conv2DGrads> {
    let (n_filters, channels, fh, fw) = w.dim();
    let x_col = image_to_column(x, (fh, fw), stride, padding)?;
    // δ: (n_filters, out_h·out_w·batch), columns in X_col's order.
    let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]);
    let delta = delta.as_standard_layout();
    let delta = delta.to_shape((n_filters, x_col.ncols())).unwrap();
    let grad_w = delta.dot(&x_col.t()).into_shape_with_order(w.raw_dim()).unwrap();
    let grad_w0 = delta.sum_axis(Axis(1)).insert_axis(Axis(1));
    let w_col = w.to_shape((n_filters, channels * fh * fw)).unwrap();
    let grad_cols = w_col.t().dot(&delta);
    let grad_input = column_to_image(&grad_cols.view(), x.shape(), (fh, fw), stride, padding)?;
    Ok(Conv2DGrads { grad_w, grad_w0, grad_input })
}
