//! Exercise 4: `pool_forward`, solved.

use cnn_walkthrough::textbook::pool::{PoolCache, PoolHparameters, PoolMode, PoolParams};
use cnn_walkthrough::Result;
use ndarray::{s, Array4, ArrayView4};

/// Max or average pooling, by loops.
pub fn pool_forward(
    a_prev: &ArrayView4<f64>,
    hparameters: PoolHparameters,
    mode: PoolMode,
) -> Result<(Array4<f64>, PoolCache)> {
    let p = PoolParams::new(a_prev.shape(), hparameters)?;
    let (f, stride) = (hparameters.f, hparameters.stride);
    let n_h = (p.n_h_prev - f) / stride + 1;
    let n_w = (p.n_w_prev - f) / stride + 1;
    let mut a = Array4::zeros((p.m, n_h, n_w, p.n_c));
    for i in 0..p.m {
        for h in 0..n_h {
            for w in 0..n_w {
                for c in 0..p.n_c {
                    let (vert_start, horiz_start) = (h * stride, w * stride);
                    let window =
                        a_prev.slice(s![i, vert_start..vert_start + f, horiz_start..horiz_start + f, c]);
                    a[[i, h, w, c]] = match mode {
                        PoolMode::Max => window.fold(f64::NEG_INFINITY, |m, &v| m.max(v)),
                        PoolMode::Average => window.sum() / (f * f) as f64,
                    };
                }
            }
        }
    }
    Ok((a, PoolCache { a_prev: a_prev.to_owned(), hparameters, params: p }))
}
