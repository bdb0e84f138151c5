//! Exercise 11: `column_to_image`, solved.

use ndarray::{s, Array4, ArrayView2};

use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// The columns added back onto their windows, the padding cut off.
pub fn column_to_image(
    cols: &ArrayView2<f64>,
    images_shape: &[usize],
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<f64>> {
    let (batch, channels, height, width) =
        (images_shape[0], images_shape[1], images_shape[2], images_shape[3]);
    let (fh, fw) = filter_shape;
    let (hp, wp) = (height + padding.top + padding.bottom, width + padding.left + padding.right);
    let (out_h, out_w) = ((hp - fh) / stride + 1, (wp - fw) / stride + 1);
    let mut padded = Array4::zeros((batch, channels, hp, wp));
    for y in 0..out_h {
        for x in 0..out_w {
            for b in 0..batch {
                let q = (y * out_w + x) * batch + b;
                for c in 0..channels {
                    for i in 0..fh {
                        for j in 0..fw {
                            let r = (c * fh + i) * fw + j;
                            padded[[b, c, y * stride + i, x * stride + j]] += cols[[r, q]];
                        }
                    }
                }
            }
        }
    }
    let top_left =
        padded.slice(s![.., .., padding.top..padding.top + height, padding.left..padding.left + width]);
    Ok(top_left.to_owned())
}
