//! Second ways to pool: independent computations of what the notebook's
//! loops ([`crate::textbook::pool`]) compute, for the lessons and tests to
//! check the loops against: max pooling by seed 004's `MaxPoolingLayer`,
//! average pooling as a convolution with filters `1/f²`; and how far an
//! input is from a tie, where max pooling has no derivative.

use ndarray::{s, Array4, ArrayView4};

use crate::course::tensor::image_chw;
use crate::error::{tuple, Error, Result};
use crate::textbook::conv::{conv_backward, conv_forward, Hparameters};
use crate::textbook::pool::{PoolCache, PoolHparameters, PoolMode, PoolParams};
use crate::textbook::pool_layer::MaxPoolingLayer;

/// Average pooling as a convolution: `n_C` filters of `f × f`, filter `c`
/// holding `1/f²` on input channel `c` and 0 on the others, no bias, no
/// padding. Returns `(W, b)` in the notebook's layout.
pub fn average_pool_filters(n_c: usize, f: usize) -> (Array4<f64>, Array4<f64>) {
    let w = Array4::from_shape_fn(
        (f, f, n_c, n_c),
        |(_, _, c_in, c)| {
            if c_in == c {
                1.0 / (f * f) as f64
            } else {
                0.0
            }
        },
    );
    (w, Array4::zeros((1, 1, 1, n_c)))
}

/// How [`pool_forward_second_way`] computes a mode.
pub fn second_way(mode: PoolMode) -> &'static str {
    match mode {
        PoolMode::Max => "hanbt's MaxPoolingLayer",
        PoolMode::Average => "a convolution with filters 1/f²",
    }
}

/// `pool_forward` computed a second, independent way: seed 004's
/// [`MaxPoolingLayer`] image by image (max), or [`conv_forward`] with
/// [`average_pool_filters`] (average).
///
/// # Errors
/// As [`PoolParams::new`].
pub fn pool_forward_second_way(
    a_prev: &ArrayView4<f64>,
    hp: PoolHparameters,
    mode: PoolMode,
) -> Result<Array4<f64>> {
    let p = PoolParams::new(a_prev.shape(), hp)?;
    match mode {
        PoolMode::Max => {
            let layer = MaxPoolingLayer { f: hp.f, stride: hp.stride };
            let mut out = Array4::zeros(p.out_shape());
            for i in 0..p.m {
                let a = layer.forward(&image_chw(a_prev, i).view())?;
                out.index_axis_mut(ndarray::Axis(0), i).assign(&a.view().permuted_axes([1, 2, 0]));
            }
            Ok(out)
        }
        PoolMode::Average => {
            let (w, b) = average_pool_filters(p.n_c, hp.f);
            Ok(conv_forward(a_prev, &w.view(), &b.view(), Hparameters { pad: 0, stride: hp.stride })?.0)
        }
    }
}

/// `pool_backward` computed the second way of [`pool_forward_second_way`].
///
/// # Errors
/// When `dA` does not have the shape of the pooled output.
pub fn pool_backward_second_way(
    da: &ArrayView4<f64>,
    cache: &PoolCache,
    mode: PoolMode,
) -> Result<Array4<f64>> {
    let (p, hp) = (cache.params, cache.hparameters);
    if da.shape() != p.out_shape() {
        return Err(Error::shape(
            "dA",
            format!("{}, the shape of the pooled output A", tuple(&p.out_shape())),
            da.shape(),
        ));
    }
    match mode {
        PoolMode::Max => {
            let layer = MaxPoolingLayer { f: hp.f, stride: hp.stride };
            let mut out = Array4::zeros(cache.a_prev.raw_dim());
            for i in 0..p.m {
                let delta =
                    layer.backward(&image_chw(&cache.a_prev.view(), i).view(), &image_chw(da, i).view())?;
                out.index_axis_mut(ndarray::Axis(0), i).assign(&delta.view().permuted_axes([1, 2, 0]));
            }
            Ok(out)
        }
        PoolMode::Average => {
            let (w, b) = average_pool_filters(p.n_c, hp.f);
            let (_, conv_cache) = conv_forward(
                &cache.a_prev.view(),
                &w.view(),
                &b.view(),
                Hparameters { pad: 0, stride: hp.stride },
            )?;
            Ok(conv_backward(da, &conv_cache)?.d_a_prev)
        }
    }
}

/// The smallest difference between the two largest values of any window of
/// `x`: how far the input is from a tie, where max pooling has no derivative.
/// Infinite for 1×1 windows.
pub fn smallest_gap(x: &ArrayView4<f64>, p: &PoolParams) -> f64 {
    let mut gap = f64::INFINITY;
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for w in 0..p.out_w() {
                let (rows, cols) = p.window(h, w);
                for c in 0..p.n_c {
                    let mut v: Vec<f64> =
                        x.slice(s![i, rows.clone(), cols.clone(), c]).iter().copied().collect();
                    v.sort_by(|a, b| b.total_cmp(a));
                    if v.len() > 1 {
                        gap = gap.min(v[0] - v[1]);
                    }
                }
            }
        }
    }
    gap
}
