//! Exercise 3: `conv_forward`, solved.

use cnn_walkthrough::textbook::conv::{ConvCache, ConvParams, Hparameters};
use cnn_walkthrough::Result;
use ndarray::{s, Array4, ArrayView4};

/// A convolution layer's forward pass, by loops.
pub fn conv_forward(
    a_prev: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    b: &ArrayView4<f64>,
    hparameters: Hparameters,
) -> Result<(Array4<f64>, ConvCache)> {
    let p = ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hparameters)?;
    let (f, stride, pad) = (p.f, p.stride, p.pad);
    let n_h = (p.n_h_prev + 2 * pad - f) / stride + 1;
    let n_w = (p.n_w_prev + 2 * pad - f) / stride + 1;

    // A_prev_pad: the input with `pad` zeros around each image.
    let mut a_prev_pad = Array4::zeros((p.m, p.n_h_prev + 2 * pad, p.n_w_prev + 2 * pad, p.n_c_prev));
    a_prev_pad.slice_mut(s![.., pad..pad + p.n_h_prev, pad..pad + p.n_w_prev, ..]).assign(a_prev);

    let mut z = Array4::zeros((p.m, n_h, n_w, p.n_c));
    for i in 0..p.m {
        for h in 0..n_h {
            for wi in 0..n_w {
                let vert_start = h * stride;
                let horiz_start = wi * stride;
                let a_slice =
                    a_prev_pad.slice(s![i, vert_start..vert_start + f, horiz_start..horiz_start + f, ..]);
                for c in 0..p.n_c {
                    let product = &a_slice * &w.slice(s![.., .., .., c]);
                    z[[i, h, wi, c]] = product.sum() + b[[0, 0, 0, c]];
                }
            }
        }
    }
    let cache =
        ConvCache { a_prev: a_prev.to_owned(), w: w.to_owned(), b: b.to_owned(), hparameters, params: p };
    Ok((z, cache))
}
