//! ML-From-Scratch's `Conv2D` (seed 001): a convolution layer in NCHW,
//! `X (batch, channels, H, W)`, `W (n_filters, channels, fh, fw)`,
//! `w0 (n_filters, 1)`, computed as one matrix product over im2col columns:
//!
//! - forward: `output = W_col · X_col + w0`, reshaped to
//!   `(n_filters, out_h, out_w, batch)` and transposed to `(batch, n_filters, out_h, out_w)`;
//! - backward, with `δ` the output gradient in column shape `(n_filters, out_h·out_w·batch)`:
//!   `grad_W = δ · X_colᵀ`, `grad_w0 = Σ_columns δ`, `grad_X = column_to_image(W_colᵀ · δ)`.
//!
//! The layer does exactly these products, once each, on the whole batch.
//! Training uses its twin [`crate::fast::conv2d::Conv2D`], the same products
//! a few images at a time on two cores.

use ndarray::{Array2, Array4, ArrayView2, ArrayView4, Axis};

use crate::course::random::RandomState;
use crate::error::{tuple, Error, Result};
use crate::textbook::conv::{conv_backward, conv_forward, ConvCache, Hparameters};
use crate::textbook::im2col::{column_to_image, image_to_column, Im2colParams};
use crate::textbook::padding::{determine_padding, ConstantPadding2D, Padding2D, PaddingMode};
use crate::textbook::window::Window;

/// A convolution layer's filters, biases, padding and stride.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2D {
    /// `W (n_filters, channels, fh, fw)`.
    pub w: Array4<f64>,
    /// `w0 (n_filters, 1)`.
    pub w0: Array2<f64>,
    /// `((top, bottom), (left, right))`.
    pub padding: Padding2D,
    /// Step between windows.
    pub stride: usize,
}

/// What the forward pass keeps for the backward pass, as the source keeps
/// `self.layer_input` and `self.X_col`: the input's shape and its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2DCache {
    /// `X_col = image_to_column(X, …)`: `(channels·fh·fw, out_h·out_w·batch)`.
    pub x_col: Array2<f64>,
    /// The checked sizes of the im2col (the input's shape among them).
    pub params: Im2colParams,
}

/// The gradients of a `Conv2D` layer (`F` is `f64` here; the fast twin
/// [`crate::fast::conv2d::Conv2D`] returns them in its own float type).
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2DGrads<F = f64> {
    /// `grad_W`, shaped like `W`.
    pub grad_w: Array4<F>,
    /// `grad_w0`, shaped like `w0`.
    pub grad_w0: Array2<F>,
    /// The gradient passed back to the input, shaped like `X`.
    pub grad_input: Array4<F>,
}

/// The im2col sizes for an input of shape `x_shape` to filters of shape
/// `w_shape`: the channels must agree and the window fit.
pub(crate) fn check_input(
    w_shape: &[usize],
    padding: Padding2D,
    stride: usize,
    x_shape: &[usize],
) -> Result<Im2colParams> {
    let channels = w_shape[1];
    if x_shape.len() == 4 && x_shape[1] != channels {
        return Err(Error::shape(
            "X",
            format!("(batch, {channels}, height, width): W {} has {channels} channels", tuple(w_shape)),
            x_shape,
        ));
    }
    Im2colParams::new(x_shape, (w_shape[2], w_shape[3]), padding, stride)
}

impl Conv2D {
    /// A layer from its filters and biases.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w0` is not `(n_filters, 1)` or `W` has an axis of
    /// size 0; [`Error::Parameter`] for stride 0.
    pub fn new(w: Array4<f64>, w0: Array2<f64>, padding: Padding2D, stride: usize) -> Result<Self> {
        if w.shape().contains(&0) {
            return Err(Error::shape("W", "(n_filters, channels, fh, fw) with no axis of size 0", w.shape()));
        }
        let n_filters = w.dim().0;
        if w0.dim() != (n_filters, 1) {
            return Err(Error::shape(
                "w0",
                format!("({n_filters}, 1): one bias per filter of W {}", tuple(w.shape())),
                w0.shape(),
            ));
        }
        Window::filter((w.dim().2, w.dim().3), padding, stride).check_sizes()?;
        let w = if w.is_standard_layout() { w } else { w.as_standard_layout().into_owned() };
        Ok(Conv2D { w, w0, padding, stride })
    }

    /// `n_filters`.
    pub fn n_filters(&self) -> usize {
        self.w.dim().0
    }

    /// `(fh, fw)`.
    pub fn filter_shape(&self) -> (usize, usize) {
        (self.w.dim().2, self.w.dim().3)
    }

    /// The article's `parameters()`: `n_filters·channels·fh·fw + n_filters`.
    pub fn parameters(&self) -> usize {
        self.w.len() + self.w0.len()
    }

    /// The im2col sizes for an input of `shape`, checked against the filters.
    ///
    /// # Errors
    /// When the input is not 4-D, its channels differ from the filters', or
    /// the window does not fit.
    pub fn params(&self, shape: &[usize]) -> Result<Im2colParams> {
        check_input(self.w.shape(), self.padding, self.stride, shape)
    }

    /// `W_col = W.reshape(n_filters, −1)`.
    pub fn w_col(&self) -> ArrayView2<'_, f64> {
        let n = self.n_filters();
        self.w.view().into_shape_with_order((n, self.w.len() / n)).expect("W is contiguous")
    }

    /// The source's `forward_pass`:
    /// `X_col = image_to_column(X, filter_shape, stride, padding)`,
    /// `output = W_col · X_col + w0`, reshaped to
    /// `(n_filters, out_h, out_w, batch)` and transposed to
    /// `(batch, n_filters, out_h, out_w)`.
    ///
    /// # Errors
    /// As [`Conv2D::params`].
    pub fn forward(&self, x: &ArrayView4<f64>) -> Result<(Array4<f64>, Conv2DCache)> {
        let p = self.params(x.shape())?;
        let x_col = image_to_column(x, self.filter_shape(), self.stride, self.padding)?;
        let output = self.w_col().dot(&x_col) + &self.w0;
        let output = output
            .to_shape((self.n_filters(), p.out_h(), p.out_w(), p.batch))
            .expect("n_filters · out_h · out_w · batch values")
            .permuted_axes([3, 0, 1, 2]);
        Ok((output.as_standard_layout().into_owned(), Conv2DCache { x_col, params: p }))
    }

    /// The source's `backward_pass`: `δ = accum_grad.transpose(1, 2, 3, 0)
    /// .reshape(n_filters, −1)`, `grad_W = δ · X_colᵀ` (reshaped like `W`),
    /// `grad_w0 = Σ_columns δ`, `grad_X = column_to_image(W_colᵀ · δ)`.
    ///
    /// # Errors
    /// [`Error::Shape`] when `accum_grad` does not have the output's shape.
    pub fn backward(&self, accum_grad: &ArrayView4<f64>, cache: &Conv2DCache) -> Result<Conv2DGrads> {
        let p = cache.params;
        let out = [p.batch, self.n_filters(), p.out_h(), p.out_w()];
        if accum_grad.shape() != out {
            return Err(Error::shape(
                "accum_grad",
                format!("{}, the shape of the output", tuple(&out)),
                accum_grad.shape(),
            ));
        }
        let delta = accum_grad.view().permuted_axes([1, 2, 3, 0]);
        let delta = delta
            .as_standard_layout()
            .into_shape_with_order((self.n_filters(), p.cols()))
            .expect("one column per window")
            .into_owned();
        let grad_w = delta.dot(&cache.x_col.t()).to_shape(self.w.raw_dim()).expect("W's size").into_owned();
        let grad_w0 = delta.sum_axis(Axis(1)).insert_axis(Axis(1));
        let grad_cols = self.w_col().t().dot(&delta);
        let grad_input = column_to_image(
            &grad_cols.view(),
            &p.images_shape(),
            self.filter_shape(),
            self.stride,
            self.padding,
        )?;
        Ok(Conv2DGrads { grad_w, grad_w0, grad_input })
    }
    /// The article's `Conv2D(n_filters, filter_shape, padding, stride)` with
    /// `initialize`: `W ~ uniform(−1/√(fh·fw), 1/√(fh·fw))`, `w0 = 0`.
    pub fn initialize(
        n_filters: usize,
        channels: usize,
        filter_shape: (usize, usize),
        mode: PaddingMode,
        stride: usize,
        rng: &mut RandomState,
    ) -> Result<Self> {
        let limit = 1.0 / ((filter_shape.0 * filter_shape.1) as f64).sqrt();
        let w = rng.uniform(-limit, limit, (n_filters, channels, filter_shape.0, filter_shape.1));
        Self::new(w, Array2::zeros((n_filters, 1)), determine_padding(filter_shape, mode), stride)
    }

    /// The same layer from the notebook's `W (f, f, n_C_prev, n_C)`, `b (1, 1, 1, n_C)`.
    ///
    /// # Errors
    /// As [`Conv2D::new`].
    pub fn from_notebook(w: &ArrayView4<f64>, b: &ArrayView4<f64>, hp: Hparameters) -> Result<Self> {
        let n_c = w.dim().3;
        let w_nchw = w.view().permuted_axes([3, 2, 0, 1]).as_standard_layout().into_owned();
        let w0 = Array2::from_shape_vec((n_c, 1), b.iter().copied().collect())
            .map_err(|_| Error::shape("b", format!("(1, 1, 1, {n_c})"), b.shape()))?;
        Self::new(w_nchw, w0, Padding2D::uniform(hp.pad), hp.stride)
    }

    /// `W` back in the notebook's layout `(fh, fw, channels, n_filters)`.
    pub fn w_notebook(&self) -> Array4<f64> {
        self.w.view().permuted_axes([2, 3, 1, 0]).as_standard_layout().into_owned()
    }

    /// The same layer computed by the notebook's loops (lessons 02 and 03):
    /// the input is padded first (the padding may be asymmetric), moved to
    /// NHWC, convolved by [`conv_forward`] with pad 0, and moved back.
    ///
    /// # Errors
    /// As [`Conv2D::params`], and [`Error::Shape`] for a window that is not
    /// square (the loops take `f × f`).
    pub fn forward_by_loops(&self, x: &ArrayView4<f64>) -> Result<(Array4<f64>, ConvCache)> {
        self.params(x.shape())?;
        let (fh, fw) = self.filter_shape();
        if fh != fw {
            return Err(Error::shape(
                "W",
                "(n_filters, channels, f, f): the loops take a square window",
                self.w.shape(),
            ));
        }
        let padded = ConstantPadding2D::zeros(self.padding).forward(x);
        let a_prev = padded.permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned();
        let b =
            self.w0.view().into_shape_with_order((1, 1, 1, self.n_filters())).expect("one bias per filter");
        let hp = Hparameters { pad: 0, stride: self.stride };
        let (z, cache) = conv_forward(&a_prev.view(), &self.w_notebook().view(), &b, hp)?;
        Ok((z.permuted_axes([0, 3, 1, 2]).as_standard_layout().into_owned(), cache))
    }

    /// The backward pass by the notebook's loops, for a cache of
    /// [`Conv2D::forward_by_loops`].
    ///
    /// # Errors
    /// When `accum_grad` does not have the output's shape.
    pub fn backward_by_loops(&self, accum_grad: &ArrayView4<f64>, cache: &ConvCache) -> Result<Conv2DGrads> {
        let [m, n_h, n_w, n_c] = cache.params.out_shape();
        if accum_grad.shape() != [m, n_c, n_h, n_w] {
            return Err(Error::shape(
                "accum_grad",
                format!("{}, the shape of the output", tuple(&[m, n_c, n_h, n_w])),
                accum_grad.shape(),
            ));
        }
        let dz = accum_grad.view().permuted_axes([0, 2, 3, 1]).as_standard_layout().into_owned();
        let g = conv_backward(&dz.view(), cache)?;
        let pad = self.padding;
        let (h, w) = (cache.params.n_h_prev - pad.rows(), cache.params.n_w_prev - pad.cols());
        let grad_input = g
            .d_a_prev
            .slice(ndarray::s![.., pad.top..pad.top + h, pad.left..pad.left + w, ..])
            .permuted_axes([0, 3, 1, 2])
            .as_standard_layout()
            .into_owned();
        Ok(Conv2DGrads {
            grad_w: g.d_w.permuted_axes([3, 2, 0, 1]).as_standard_layout().into_owned(),
            grad_w0: g.d_b.into_shape_with_order((self.n_filters(), 1)).expect("one bias per filter"),
            grad_input,
        })
    }
}
