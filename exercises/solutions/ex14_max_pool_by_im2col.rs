//! Exercise 14: max pooling by im2col, forward and backward, solved.

use ndarray::{Array2, Array4, ArrayView4};

use cnn_walkthrough::textbook::im2col::{column_to_image, image_to_column};
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// `(output, grad_input)` of max pooling, by im2col.
pub fn max_pool_by_im2col(
    x: &ArrayView4<f64>,
    accum_grad: &ArrayView4<f64>,
    pool_shape: (usize, usize),
    stride: usize,
) -> Result<(Array4<f64>, Array4<f64>)> {
    let (batch, channels, height, width) = x.dim();
    let (fh, fw) = pool_shape;
    let (out_h, out_w) = ((height - fh) / stride + 1, (width - fw) / stride + 1);
    let none = Padding2D::uniform(0);
    // Every channel of every image as a one-channel image.
    let folded = x.as_standard_layout();
    let folded = folded.to_shape((batch * channels, 1, height, width)).unwrap();
    let x_col = image_to_column(&folded.view(), pool_shape, stride, none)?;
    // The first maximum of each column.
    let mut arg_max = vec![0; x_col.ncols()];
    let mut maxima = vec![0.0; x_col.ncols()];
    for (q, column) in x_col.columns().into_iter().enumerate() {
        for (r, &v) in column.iter().enumerate() {
            if r == 0 || v > maxima[q] {
                arg_max[q] = r;
                maxima[q] = v;
            }
        }
    }
    let output = Array4::from_shape_vec((out_h, out_w, batch, channels), maxima).unwrap();
    let output = output.permuted_axes([2, 3, 0, 1]).as_standard_layout().into_owned();
    // Each column's gradient at its argmax.
    let grads = accum_grad.view().permuted_axes([2, 3, 0, 1]);
    let mut grad_col = Array2::zeros((fh * fw, x_col.ncols()));
    for (q, &g) in grads.iter().enumerate() {
        grad_col[[arg_max[q], q]] = g;
    }
    let grad =
        column_to_image(&grad_col.view(), &[batch * channels, 1, height, width], pool_shape, stride, none)?;
    let grad = grad.into_shape_with_order((batch, channels, height, width)).unwrap();
    Ok((output, grad))
}
