//! Exercise 12: Conv2D's forward pass by im2col, solved.

use ndarray::{Array4, ArrayView2, ArrayView4};

use cnn_walkthrough::textbook::im2col::image_to_column;
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// `output = W_col · X_col + w0`, reshaped and transposed to NCHW.
pub fn conv2d_forward(
    x: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    w0: &ArrayView2<f64>,
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<f64>> {
    let (batch, _, height, width) = x.dim();
    let (n_filters, channels, fh, fw) = w.dim();
    let out_h = (height + padding.top + padding.bottom - fh) / stride + 1;
    let out_w = (width + padding.left + padding.right - fw) / stride + 1;
    let x_col = image_to_column(x, (fh, fw), stride, padding)?;
    let w_col = w.to_shape((n_filters, channels * fh * fw)).unwrap();
    let mut output = w_col.dot(&x_col);
    for f in 0..n_filters {
        output.row_mut(f).mapv_inplace(|v| v + w0[[f, 0]]);
    }
    let output = output.into_shape_with_order((n_filters, out_h, out_w, batch)).unwrap();
    Ok(output.permuted_axes([3, 0, 1, 2]).as_standard_layout().into_owned())
}
