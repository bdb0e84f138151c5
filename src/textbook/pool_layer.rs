//! Max pooling the way seed 004 (after hanbt's "零基础入门深度学习(4)")
//! writes it: a `MaxPoolingLayer` for one image in CHW layout, whose
//! backward pass sends each gradient to the first maximum of its window
//! (`get_max_index`). The lessons use it as a second, independent max
//! pooling beside the notebook's loops ([`crate::textbook::pool`]).

use ndarray::{s, Array3, ArrayView3};

use crate::error::{tuple, Error, Result};
use crate::textbook::pool::{first_max_mask, pool_window, PoolHparameters, PoolMode, PoolParams};
use crate::textbook::window::Window;

/// Seed 004's `MaxPoolingLayer` for one image `(channels, H, W)`: a second,
/// independent max pooling (its backward sends each gradient to the first
/// maximum of the window, found by `get_max_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPoolingLayer {
    /// Window width and height.
    pub f: usize,
    /// Step between windows.
    pub stride: usize,
}

impl MaxPoolingLayer {
    /// The layer's sizes, with errors that speak of its `(C, H, W)` input.
    fn check(&self, input: &ArrayView3<f64>) -> Result<PoolParams> {
        let (c, h, w) = input.dim();
        if input.is_empty() {
            return Err(Error::shape(
                "input",
                "(channels, height, width) with no axis of size 0",
                input.shape(),
            ));
        }
        Window::pool(self.f, self.stride).check(input.shape(), (h, w))?;
        PoolParams::new(&[1, h, w, c], PoolHparameters { f: self.f, stride: self.stride })
    }

    /// `forward`: `output[d, i, j] = max(get_patch(input[d], i, j))`.
    ///
    /// # Errors
    /// As [`PoolParams::new`].
    pub fn forward(&self, input: &ArrayView3<f64>) -> Result<Array3<f64>> {
        let p = self.check(input)?;
        Ok(Array3::from_shape_fn((p.n_c, p.out_h(), p.out_w()), |(d, i, j)| {
            let (rows, cols) = p.window(i, j);
            pool_window(&input.slice(s![d, rows, cols]), PoolMode::Max)
        }))
    }

    /// `backward`: `delta[d, i·s + k, j·s + l] += sensitivity[d, i, j]` where
    /// `(k, l)` is the first maximum of the window. (The article assigns with
    /// `=`, the same when windows do not overlap; `+=` is right when they do.)
    ///
    /// # Errors
    /// As [`PoolParams::new`], or a sensitivity map not shaped like the output.
    pub fn backward(&self, input: &ArrayView3<f64>, sensitivity: &ArrayView3<f64>) -> Result<Array3<f64>> {
        let p = self.check(input)?;
        let out = [p.n_c, p.out_h(), p.out_w()];
        if sensitivity.shape() != out {
            return Err(Error::shape(
                "sensitivity map",
                format!("{}, the shape of the output", tuple(&out)),
                sensitivity.shape(),
            ));
        }
        let mut delta = Array3::zeros(input.raw_dim());
        for d in 0..p.n_c {
            for i in 0..p.out_h() {
                for j in 0..p.out_w() {
                    let (rows, cols) = p.window(i, j);
                    let mask = first_max_mask(&input.slice(s![d, rows.clone(), cols.clone()]));
                    let mut target = delta.slice_mut(s![d, rows, cols]);
                    target.zip_mut_with(&mask, |t, &m| {
                        if m {
                            *t += sensitivity[[d, i, j]];
                        }
                    });
                }
            }
        }
        Ok(delta)
    }
}
