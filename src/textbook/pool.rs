//! Pooling by loops, as the deeplearning.ai notebook builds it, in its layout
//! `A_prev (m, n_H_prev, n_W_prev, n_C)`. (Seed 004's `MaxPoolingLayer` is
//! in [`crate::textbook::pool_layer`]; the second ways the lessons check
//! these loops against, in [`crate::course::second_way`].)
//!
//! Pooling slides an `f × f` window over each channel on its own and keeps
//! one number per window: the largest (max) or the mean (average). It has no
//! parameters and keeps the channel count; its backward pass sends each
//! output's gradient back into its window: all of it to the maximum, or
//! shared equally by every cell (`dZ / f²`), so that the total is preserved.

use ndarray::{s, Array2, Array4, ArrayView2, ArrayView4};

use crate::error::{tuple, Error, Result};
use crate::textbook::window::{output_size, Window};

/// Which number a window keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// The largest value.
    Max,
    /// The mean value.
    Average,
}

impl PoolMode {
    /// Both modes, max first, as the lessons run them.
    pub const BOTH: [PoolMode; 2] = [PoolMode::Max, PoolMode::Average];

    /// `"max"` or `"average"`, as the notebook spells the mode.
    pub fn name(self) -> &'static str {
        match self {
            PoolMode::Max => "max",
            PoolMode::Average => "average",
        }
    }
}

impl std::str::FromStr for PoolMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "max" => Ok(PoolMode::Max),
            "average" => Ok(PoolMode::Average),
            other => {
                Err(Error::parameter("mode", format!("'{other}' is unknown; expected 'max' or 'average'")))
            }
        }
    }
}

/// The notebook's pooling `hparameters`: `{"f": .., "stride": ..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolHparameters {
    /// The window is `f × f`.
    pub f: usize,
    /// Step between windows.
    pub stride: usize,
}

/// The checked sizes of one pooling layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolParams {
    /// Images in the batch.
    pub m: usize,
    /// Input height.
    pub n_h_prev: usize,
    /// Input width.
    pub n_w_prev: usize,
    /// Channels, in and out.
    pub n_c: usize,
    /// Window size.
    pub f: usize,
    /// Step between windows.
    pub stride: usize,
}

impl PoolParams {
    /// Checks `A_prev`'s shape against the window and stride.
    ///
    /// # Errors
    /// [`Error::Shape`] for a shape without 4 axes or with an axis of size 0;
    /// [`Error::Parameter`] for stride 0, f 0 or a window larger than the input.
    pub fn new(a_prev: &[usize], hp: PoolHparameters) -> Result<Self> {
        let layout = "(m, n_H_prev, n_W_prev, n_C)";
        if a_prev.len() != 4 || a_prev.contains(&0) {
            return Err(Error::shape("A_prev", format!("{layout}: 4 axes, none of size 0"), a_prev));
        }
        let (f, stride, n_h_prev, n_w_prev) = (hp.f, hp.stride, a_prev[1], a_prev[2]);
        Window::pool(f, stride).check(a_prev, (n_h_prev, n_w_prev))?;
        Ok(PoolParams { m: a_prev[0], n_h_prev, n_w_prev, n_c: a_prev[3], f, stride })
    }

    /// `n_H = ⌊(n_H_prev − f) / stride⌋ + 1`.
    pub fn out_h(&self) -> usize {
        output_size(self.n_h_prev, self.f, 0, self.stride)
    }

    /// `n_W = ⌊(n_W_prev − f) / stride⌋ + 1`.
    pub fn out_w(&self) -> usize {
        output_size(self.n_w_prev, self.f, 0, self.stride)
    }

    /// Shape of the output `A`: `(m, n_H, n_W, n_C)`.
    pub fn out_shape(&self) -> [usize; 4] {
        [self.m, self.out_h(), self.out_w(), self.n_c]
    }

    /// The window of output cell `(h, w)`: rows `h·s .. h·s + f`, columns `w·s .. w·s + f`.
    pub fn window(&self, h: usize, w: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (v, hz) = (h * self.stride, w * self.stride);
        (v..v + self.f, hz..hz + self.f)
    }
}

/// What `pool_forward` keeps for the backward pass: the notebook's
/// `cache = (A_prev, hparameters)`.
#[derive(Debug, Clone)]
pub struct PoolCache {
    /// The input.
    pub a_prev: Array4<f64>,
    /// Window and stride.
    pub hparameters: PoolHparameters,
    /// The checked sizes.
    pub params: PoolParams,
}

/// One window's value: its maximum or its mean.
pub fn pool_window(window: &ArrayView2<f64>, mode: PoolMode) -> f64 {
    match mode {
        // As np.max: a NaN in the window makes the maximum NaN.
        PoolMode::Max => window.fold(f64::NEG_INFINITY, |m, &v| if v.is_nan() || v > m { v } else { m }),
        PoolMode::Average => window.mean().unwrap_or(f64::NAN),
    }
}

/// The notebook's `pool_forward`: `A[i, h, w, c]` is the max (or mean) of
/// `A_prev[i, h·s : h·s+f, w·s : w·s+f, c]`.
///
/// ```
/// use cnn_walkthrough::textbook::pool::{pool_forward, PoolHparameters, PoolMode};
/// let a = ndarray::Array::from_shape_fn((1, 4, 4, 1), |(_, i, j, _)| (4 * i + j) as f64);
/// let (out, _) = pool_forward(&a.view(), PoolHparameters { f: 2, stride: 2 }, PoolMode::Max)?;
/// assert_eq!(out.into_raw_vec_and_offset().0, vec![5.0, 7.0, 13.0, 15.0]);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// As [`PoolParams::new`].
pub fn pool_forward(
    a_prev: &ArrayView4<f64>,
    hparameters: PoolHparameters,
    mode: PoolMode,
) -> Result<(Array4<f64>, PoolCache)> {
    let p = PoolParams::new(a_prev.shape(), hparameters)?;
    let mut a = Array4::zeros(p.out_shape());
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for w in 0..p.out_w() {
                let (rows, cols) = p.window(h, w);
                for c in 0..p.n_c {
                    a[[i, h, w, c]] = pool_window(&a_prev.slice(s![i, rows.clone(), cols.clone(), c]), mode);
                }
            }
        }
    }
    Ok((a, PoolCache { a_prev: a_prev.to_owned(), hparameters, params: p }))
}

/// The notebook's `create_mask_from_window`: `x == np.max(x)`, true at
/// *every* position that equals the maximum (two on a tie).
pub fn create_mask_from_window(x: &ArrayView2<f64>) -> Array2<bool> {
    let max = pool_window(x, PoolMode::Max);
    x.mapv(|v| v == max)
}

/// Seed 004's `get_max_index` as a mask: true at the *first* maximum in
/// row-major order only, as numpy's `argmax` and PyTorch choose (a NaN
/// counts as the maximum, as in `argmax`).
pub fn first_max_mask(x: &ArrayView2<f64>) -> Array2<bool> {
    let mut best: Option<((usize, usize), f64)> = None;
    for (idx, &v) in x.indexed_iter() {
        if best.is_none_or(|(_, b)| beats(v, b)) {
            best = Some((idx, v));
        }
    }
    Array2::from_shape_fn(x.raw_dim(), |idx| best.is_some_and(|(at, _)| at == idx))
}

/// Whether `v` replaces `best` as the first maximum so far: it is larger, or
/// the first NaN (numpy's `argmax` and `max` treat NaN as the largest).
pub fn beats(v: f64, best: f64) -> bool {
    !best.is_nan() && (v.is_nan() || v > best)
}

/// The notebook's `distribute_value`: `dz` shared equally over a window of
/// `shape`, each cell `dz / (n_H · n_W)`.
///
/// ```
/// let share = cnn_walkthrough::textbook::pool::distribute_value(2.0, (2, 2));
/// assert_eq!(share, ndarray::arr2(&[[0.5, 0.5], [0.5, 0.5]]));
/// ```
pub fn distribute_value(dz: f64, shape: (usize, usize)) -> Array2<f64> {
    let average = dz / (shape.0 * shape.1) as f64;
    Array2::from_elem(shape, average)
}

/// The notebook's `pool_backward`: each output gradient `dA[i, h, w, c]` goes
/// back into its window, to the maximum (max; ties go to the first maximum,
/// see [`first_max_mask`]) or shared equally ([`distribute_value`]).
///
/// # Errors
/// [`Error::Shape`] when `dA` does not have the shape of the pooled output.
pub fn pool_backward(da: &ArrayView4<f64>, cache: &PoolCache, mode: PoolMode) -> Result<Array4<f64>> {
    let f = cache.params.f;
    pool_backward_by(da, cache, |window, dz| match mode {
        PoolMode::Max => first_max_mask(window).mapv(|m| if m { dz } else { 0.0 }),
        PoolMode::Average => distribute_value(dz, (f, f)),
    })
}

/// The loops of [`pool_backward`], with what each window gets back given
/// by `share(window of A_prev, dA[i, h, w, c])`; windows that overlap add up.
///
/// # Errors
/// [`Error::Shape`] when `dA` does not have the shape of the pooled output.
pub fn pool_backward_by(
    da: &ArrayView4<f64>,
    cache: &PoolCache,
    share: impl Fn(&ArrayView2<f64>, f64) -> Array2<f64>,
) -> Result<Array4<f64>> {
    let p = cache.params;
    if da.shape() != p.out_shape() {
        return Err(Error::shape(
            "dA",
            format!("{}, the shape of the pooled output A", tuple(&p.out_shape())),
            da.shape(),
        ));
    }
    let mut da_prev = Array4::zeros(cache.a_prev.raw_dim());
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for w in 0..p.out_w() {
                let (rows, cols) = p.window(h, w);
                for c in 0..p.n_c {
                    let window = s![i, rows.clone(), cols.clone(), c];
                    let back = share(&cache.a_prev.slice(window), da[[i, h, w, c]]);
                    let mut target = da_prev.slice_mut(window);
                    target += &back;
                }
            }
        }
    }
    Ok(da_prev)
}
