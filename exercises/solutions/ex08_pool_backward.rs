//! Exercise 8: `pool_backward`, solved.

use cnn_walkthrough::textbook::pool::{PoolCache, PoolMode};
use cnn_walkthrough::Result;
use ndarray::{s, Array4, ArrayView4};

/// Max or average pooling's backward pass, by loops.
pub fn pool_backward(da: &ArrayView4<f64>, cache: &PoolCache, mode: PoolMode) -> Result<Array4<f64>> {
    let a_prev = &cache.a_prev;
    let (f, stride) = (cache.hparameters.f, cache.hparameters.stride);
    let (m, n_h, n_w, n_c) = da.dim();
    let mut da_prev = Array4::<f64>::zeros(a_prev.raw_dim());
    for i in 0..m {
        for h in 0..n_h {
            for w in 0..n_w {
                for c in 0..n_c {
                    let (vert_start, horiz_start) = (h * stride, w * stride);
                    let g = da[[i, h, w, c]];
                    match mode {
                        PoolMode::Max => {
                            // The first maximum, row by row: a tie's gradient goes to one cell.
                            let (mut best_r, mut best_c) = (vert_start, horiz_start);
                            for r in vert_start..vert_start + f {
                                for col in horiz_start..horiz_start + f {
                                    if a_prev[[i, r, col, c]] > a_prev[[i, best_r, best_c, c]] {
                                        (best_r, best_c) = (r, col);
                                    }
                                }
                            }
                            da_prev[[i, best_r, best_c, c]] += g;
                        }
                        PoolMode::Average => {
                            let share = g / (f * f) as f64;
                            let mut window = da_prev.slice_mut(s![
                                i,
                                vert_start..vert_start + f,
                                horiz_start..horiz_start + f,
                                c
                            ]);
                            window += share;
                        }
                    }
                }
            }
        }
    }
    Ok(da_prev)
}
