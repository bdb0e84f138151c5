//! Pooling by im2col, as ML-From-Scratch writes it (seed 003): fold batch and
//! channels together so that every channel of every image is a one-channel
//! image, turn each window into a column, and keep the column's argmax (max)
//! or mean (average). The backward pass puts the gradient back into the
//! columns (at the argmax, or `1/(fh·fw)` of it everywhere) and adds the
//! columns back onto the image with [`column_to_image`].
//!
//! The source's layer fails as published: it passes its `padding` (0) on to
//! `image_to_column` as `output_shape`, where `determine_padding` knows only
//! `'same'` and `'valid'` and returns nothing; and its default stride is 1,
//! so a 2×2 pooling overlaps unless told otherwise. Here pooling never pads,
//! and the stride defaults to the window's height.

use ndarray::{Array2, Array4, ArrayView4};

use crate::error::{tuple, Error, Result};
use crate::textbook::im2col::{column_to_image, image_to_column, Im2colParams};
use crate::textbook::padding::Padding2D;
use crate::textbook::pool::{beats, PoolMode};

/// `MaxPooling2D` or `AveragePooling2D`: a window, a stride and a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pooling2D {
    /// `(fh, fw)`.
    pub pool_shape: (usize, usize),
    /// Step between windows.
    pub stride: usize,
    /// Max or average.
    pub mode: PoolMode,
}

/// What the forward pass keeps: the input's shape, the column matrix (for
/// showing), and for max pooling the argmax of each column.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooling2DCache {
    /// The input's shape `(batch, channels, H, W)`.
    pub input_shape: [usize; 4],
    /// `X_col (fh·fw, out_h·out_w·batch·channels)`.
    pub x_col: Array2<f64>,
    /// The row of each column's first maximum (max pooling only).
    pub arg_max: Vec<usize>,
    /// The checked sizes of the im2col over the folded input.
    pub params: Im2colParams,
}

impl Pooling2D {
    /// A pooling layer; `stride` `None` means the window's height, so that
    /// windows sit side by side.
    pub fn new(pool_shape: (usize, usize), stride: Option<usize>, mode: PoolMode) -> Self {
        Pooling2D { pool_shape, stride: stride.unwrap_or(pool_shape.0), mode }
    }

    /// Forward: fold, im2col, argmax or mean, unfold to `(batch, channels, out_h, out_w)`.
    ///
    /// # Errors
    /// As [`Im2colParams::new`] for the folded input `(batch·channels, 1, H, W)`.
    pub fn forward(&self, x: &ArrayView4<f64>) -> Result<(Array4<f64>, Pooling2DCache)> {
        let (b, c, h, w) = x.dim();
        let folded = x.as_standard_layout();
        let folded = folded.view().into_shape_with_order((b * c, 1, h, w)).expect("contiguous");
        let p = Im2colParams::new(folded.shape(), self.pool_shape, Padding2D::uniform(0), self.stride)?;
        let x_col = image_to_column(&folded, self.pool_shape, self.stride, Padding2D::uniform(0))?;
        let mut arg_max = vec![];
        let values: Vec<f64> = match self.mode {
            PoolMode::Max => x_col
                .columns()
                .into_iter()
                .map(|col| {
                    let (at, v) = col.iter().enumerate().fold((0, f64::NEG_INFINITY), |best, (r, &v)| {
                        if beats(v, best.1) {
                            (r, v)
                        } else {
                            best
                        }
                    });
                    arg_max.push(at);
                    v
                })
                .collect(),
            PoolMode::Average => {
                x_col.columns().into_iter().map(|col| col.mean().unwrap_or(f64::NAN)).collect()
            }
        };
        let output = Array4::from_shape_vec((p.out_h(), p.out_w(), b, c), values)
            .expect("one value per window")
            .permuted_axes([2, 3, 0, 1])
            .as_standard_layout()
            .into_owned();
        Ok((output, Pooling2DCache { input_shape: [b, c, h, w], x_col, arg_max, params: p }))
    }

    /// Backward: the gradient into the columns, then [`column_to_image`].
    ///
    /// # Errors
    /// [`Error::Shape`] when `accum_grad` does not have the output's shape.
    pub fn backward(&self, accum_grad: &ArrayView4<f64>, cache: &Pooling2DCache) -> Result<Array4<f64>> {
        let [b, c, h, w] = cache.input_shape;
        let p = cache.params;
        let out = [b, c, p.out_h(), p.out_w()];
        if accum_grad.shape() != out {
            return Err(Error::shape(
                "accum_grad",
                format!("{}, the shape of the output", tuple(&out)),
                accum_grad.shape(),
            ));
        }
        // Columns are ordered (out_h, out_w, batch, channel): the same order as accum_grad.transpose(2, 3, 0, 1).
        let flat: Vec<f64> = accum_grad.view().permuted_axes([2, 3, 0, 1]).iter().copied().collect();
        let rows = self.pool_shape.0 * self.pool_shape.1;
        let mut grad_col = Array2::zeros((rows, flat.len()));
        for (n, &g) in flat.iter().enumerate() {
            match self.mode {
                PoolMode::Max => grad_col[[cache.arg_max[n], n]] = g,
                PoolMode::Average => grad_col.column_mut(n).fill(g / rows as f64),
            }
        }
        let folded = column_to_image(
            &grad_col.view(),
            &[b * c, 1, h, w],
            self.pool_shape,
            self.stride,
            Padding2D::uniform(0),
        )?;
        Ok(folded.into_shape_with_order((b, c, h, w)).expect("same size"))
    }
}

/// Pooling with an `fh × fw` window and stride `s`, NCHW, straight from the
/// definition: each window's max (the first maximum in row-major order) or
/// mean, `out[i,k,y,z] = max / mean of x[i, k, y·s..y·s+fh, z·s..z·s+fw]`;
/// and the gradient `dout` sent back (all of it to the first maximum, or
/// `1/(fh·fw)` of it to every cell). What [`Pooling2D`] must equal, for
/// windows that are not square too (seed 003's definition).
///
/// ```
/// use cnn_walkthrough::textbook::{pool::PoolMode, pool2d::pool_by_definition};
/// use ndarray::{arr2, Array4};
/// // One 2×3 image, a 2×2 window, stride 1: two windows.
/// let x = arr2(&[[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]]).into_shape_with_order((1, 1, 2, 3)).unwrap();
/// let dout = Array4::from_elem((1, 1, 1, 2), 1.0);
/// let (out, grad) = pool_by_definition(&x, &dout, (2, 2), 1, PoolMode::Max);
/// assert_eq!(out.iter().copied().collect::<Vec<_>>(), [5.0, 6.0]);
/// assert_eq!(grad.iter().copied().collect::<Vec<_>>(), [0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
/// let (out, grad) = pool_by_definition(&x, &dout, (2, 2), 1, PoolMode::Average);
/// assert_eq!(out.iter().copied().collect::<Vec<_>>(), [3.25, 4.0]);
/// assert_eq!(grad.iter().copied().collect::<Vec<_>>(), [0.25, 0.5, 0.25, 0.25, 0.5, 0.25]);
/// ```
pub fn pool_by_definition(
    x: &Array4<f64>,
    dout: &Array4<f64>,
    (fh, fw): (usize, usize),
    s: usize,
    mode: PoolMode,
) -> (Array4<f64>, Array4<f64>) {
    let (b, c, h, w) = x.dim();
    let (oh, ow) = ((h - fh) / s + 1, (w - fw) / s + 1);
    let mut out = Array4::zeros((b, c, oh, ow));
    let mut grad = Array4::zeros(x.raw_dim());
    for ((i, k, y, z), o) in out.indexed_iter_mut() {
        let window = x.slice(ndarray::s![i, k, y * s..y * s + fh, z * s..z * s + fw]);
        let mut target = grad.slice_mut(ndarray::s![i, k, y * s..y * s + fh, z * s..z * s + fw]);
        let g = dout[[i, k, y, z]];
        match mode {
            PoolMode::Max => {
                let mut best = ((0, 0), f64::NEG_INFINITY);
                for (idx, &v) in window.indexed_iter() {
                    if v > best.1 {
                        best = (idx, v);
                    }
                }
                *o = best.1;
                target[best.0] += g;
            }
            PoolMode::Average => {
                *o = window.mean().unwrap_or(f64::NAN);
                target += g / (fh * fw) as f64;
            }
        }
    }
    (out, grad)
}
