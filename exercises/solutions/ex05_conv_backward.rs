//! Exercise 5: `conv_backward`, solved.

use cnn_walkthrough::textbook::conv::{ConvCache, ConvGrads};
use cnn_walkthrough::Result;
use ndarray::{s, Array4, ArrayView4};

/// A convolution layer's backward pass, by loops.
pub fn conv_backward(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    let (a_prev, w) = (&cache.a_prev, &cache.w);
    let (m, n_h_prev, n_w_prev, n_c_prev) = a_prev.dim();
    let (f, _, _, n_c) = w.dim();
    let (pad, stride) = (cache.hparameters.pad, cache.hparameters.stride);
    let (_, n_h, n_w, _) = dz.dim();

    let mut a_prev_pad = Array4::zeros((m, n_h_prev + 2 * pad, n_w_prev + 2 * pad, n_c_prev));
    a_prev_pad.slice_mut(s![.., pad..pad + n_h_prev, pad..pad + n_w_prev, ..]).assign(a_prev);
    let mut da_prev_pad = Array4::<f64>::zeros(a_prev_pad.raw_dim());
    let mut d_w = Array4::<f64>::zeros(w.raw_dim());
    let mut d_b = Array4::<f64>::zeros((1, 1, 1, n_c));

    for i in 0..m {
        for h in 0..n_h {
            for wi in 0..n_w {
                for c in 0..n_c {
                    let (vert_start, horiz_start) = (h * stride, wi * stride);
                    let window = s![i, vert_start..vert_start + f, horiz_start..horiz_start + f, ..];
                    let g = dz[[i, h, wi, c]];
                    let w_c = w.slice(s![.., .., .., c]);
                    let mut da_slice = da_prev_pad.slice_mut(window);
                    da_slice += &(&w_c * g);
                    let a_slice = a_prev_pad.slice(window);
                    let mut dw_c = d_w.slice_mut(s![.., .., .., c]);
                    dw_c += &(&a_slice * g);
                    d_b[[0, 0, 0, c]] += g;
                }
            }
        }
    }
    let d_a_prev = da_prev_pad.slice(s![.., pad..pad + n_h_prev, pad..pad + n_w_prev, ..]).to_owned();
    Ok(ConvGrads { d_a_prev, d_w, d_b })
}
