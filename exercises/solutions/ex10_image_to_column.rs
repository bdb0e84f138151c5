//! Exercise 10: `image_to_column`, solved.

use ndarray::{s, Array2, Array4, ArrayView4};

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// Every window of the batch as one column.
pub fn image_to_column(
    images: &ArrayView4<f64>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<f64>> {
    let (batch, channels, height, width) = images.dim();
    let (fh, fw) = filter_shape;
    let (hp, wp) = (height + padding.top + padding.bottom, width + padding.left + padding.right);
    let mut padded = Array4::zeros((batch, channels, hp, wp));
    padded
        .slice_mut(s![.., .., padding.top..padding.top + height, padding.left..padding.left + width])
        .assign(images);
    let (out_h, out_w) = ((hp - fh) / stride + 1, (wp - fw) / stride + 1);
    let mut cols = Array2::zeros((channels * fh * fw, out_h * out_w * batch));
    for y in 0..out_h {
        for x in 0..out_w {
            for b in 0..batch {
                let q = (y * out_w + x) * batch + b;
                for c in 0..channels {
                    for i in 0..fh {
                        for j in 0..fw {
                            let r = (c * fh + i) * fw + j;
                            cols[[r, q]] = padded[[b, c, y * stride + i, x * stride + j]];
                        }
                    }
                }
            }
        }
    }
    Ok(cols)
}
