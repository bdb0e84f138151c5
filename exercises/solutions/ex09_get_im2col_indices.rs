//! Exercise 9: `get_im2col_indices`, solved.

use ndarray::{Array1, Array2};

use cnn_walkthrough::textbook::im2col::Im2colIndices;
use cnn_walkthrough::textbook::padding::Padding2D;
use cnn_walkthrough::Result;

/// The article's index arrays `i0, i1, j0, j1, k, i, j`.
pub fn get_im2col_indices(
    images_shape: &[usize],
    filter_shape: (usize, usize),
    padding: Padding2D,
    stride: usize,
) -> Result<Im2colIndices> {
    let (channels, height, width) = (images_shape[1], images_shape[2], images_shape[3]);
    let (fh, fw) = filter_shape;
    let out_h = (height + padding.top + padding.bottom - fh) / stride + 1;
    let out_w = (width + padding.left + padding.right - fw) / stride + 1;
    // One row per (channel, kernel row, kernel column), in that order.
    let (mut i0, mut j0, mut k) = (vec![], vec![], vec![]);
    for c in 0..channels {
        for i in 0..fh {
            for j in 0..fw {
                i0.push(i);
                j0.push(j);
                k.push(c);
            }
        }
    }
    // One column per window (output row, output column).
    let (mut i1, mut j1) = (vec![], vec![]);
    for y in 0..out_h {
        for x in 0..out_w {
            i1.push(stride * y);
            j1.push(stride * x);
        }
    }
    let i = Array2::from_shape_fn((i0.len(), i1.len()), |(r, q)| i0[r] + i1[q]);
    let j = Array2::from_shape_fn((j0.len(), j1.len()), |(r, q)| j0[r] + j1[q]);
    let k = Array2::from_shape_vec((k.len(), 1), k).unwrap();
    Ok(Im2colIndices {
        i0: Array1::from(i0),
        i1: Array1::from(i1),
        j0: Array1::from(j0),
        j1: Array1::from(j1),
        k,
        i,
        j,
    })
}
