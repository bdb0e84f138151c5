//! ML-From-Scratch's `Conv2D` (seed 001): a convolution layer in NCHW,
//! `X (batch, channels, H, W)`, `W (n_filters, channels, fh, fw)`,
//! `w0 (n_filters, 1)`, computed as one matrix product over im2col columns:
//!
//! - forward: `output = W_col · X_col + w0`, reshaped to
//!   `(n_filters, out_h, out_w, batch)` and transposed to `(batch, n_filters, out_h, out_w)`;
//! - backward, with `δ` the output gradient in column shape `(n_filters, out_h·out_w·batch)`:
//!   `grad_W = δ · X_colᵀ`, `grad_w0 = Σ_columns δ`, `grad_X = column_to_image(W_colᵀ · δ)`.
//!
//! The layer does exactly these products, a few images at a time (columns
//! grouped image by image, see [`crate::textbook::im2col::image_to_column_by_image`]) so that each
//! product lands in its images' output with no transpose, the column matrix
//! stays in cache, and the two halves of a batch run on two cores.

use ndarray::{Array2, Array4, ArrayView2, ArrayView4, Axis};

use crate::fast::float::Float;

use crate::course::random::RandomState;
use crate::error::{tuple, Error, Result};
use crate::textbook::conv::{conv_backward, conv_forward, ConvCache, Hparameters};
use crate::textbook::im2col::{column_to_image_by_image_add, image_to_column_by_image_into, Im2colParams};
use crate::textbook::padding::{determine_padding, ConstantPadding2D, Padding2D, PaddingMode};
use crate::textbook::window::Window;

/// A convolution layer's filters, biases, padding and stride.
/// `F` is `f64` in the lessons, `f32` for training (see [`Conv2D::cast`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2D<F = f64> {
    /// `W (n_filters, channels, fh, fw)`.
    pub w: Array4<F>,
    /// `w0 (n_filters, 1)`.
    pub w0: Array2<F>,
    /// `((top, bottom), (left, right))`.
    pub padding: Padding2D,
    /// Step between windows.
    pub stride: usize,
}

/// What the forward pass keeps for the backward pass: the input (its
/// columns are made again, a few images at a time) and the sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2DCache<F = f64> {
    /// The input `X (batch, channels, H, W)`.
    pub x: Array4<F>,
    /// The checked sizes of the im2col.
    pub params: Im2colParams,
}

/// Images multiplied together: 8 windows' worth of columns per product keeps
/// the column matrix in cache.
const CHUNK: usize = 8;

/// Runs `work(images, out)` over the batch, each call with its images'
/// part of `out` (axis 0 is the batch): in two halves on two threads when the
/// work is large enough to pay for a thread, and returns the results in order.
pub(crate) fn in_halves<T: Send, A: Send, D: ndarray::Dimension>(
    out: ndarray::ArrayViewMut<A, D>,
    flops: f64,
    work: impl Fn(std::ops::Range<usize>, ndarray::ArrayViewMut<A, D>) -> T + Sync,
) -> Vec<T> {
    let batch = out.len_of(Axis(0));
    if batch < 2 || flops < 2e6 || crate::fast::parallel::threads() < 2 {
        return vec![work(0..batch, out)];
    }
    let mid = batch / 2;
    let (first_half, second_half) = out.split_at(Axis(0), mid);
    let (first, second) =
        crate::fast::parallel::join(|| work(0..mid, first_half), || work(mid..batch, second_half));
    vec![first, second]
}

/// The gradients of a `Conv2D` layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2DGrads<F = f64> {
    /// `grad_W`, shaped like `W`.
    pub grad_w: Array4<F>,
    /// `grad_w0`, shaped like `w0`.
    pub grad_w0: Array2<F>,
    /// The gradient passed back to the input, shaped like `X`.
    pub grad_input: Array4<F>,
}

impl<F: Float> Conv2D<F> {
    /// A layer from its filters and biases.
    ///
    /// # Errors
    /// [`Error::Shape`] when `w0` is not `(n_filters, 1)` or `W` has an axis of
    /// size 0; [`Error::Parameter`] for stride 0.
    pub fn new(w: Array4<F>, w0: Array2<F>, padding: Padding2D, stride: usize) -> Result<Self> {
        if w.shape().contains(&0) {
            return Err(Error::shape("W", "(n_filters, channels, fh, fw) with no axis of size 0", w.shape()));
        }
        let n_filters = w.dim().0;
        if w0.dim() != (n_filters, 1) {
            return Err(Error::shape(
                "w0",
                format!(
                    "({n_filters}, 1): one bias for each of the {n_filters} filters of W {}",
                    tuple(w.shape())
                ),
                w0.shape(),
            ));
        }
        Window::filter((w.dim().2, w.dim().3), padding, stride).check_sizes()?;
        let w = if w.is_standard_layout() { w } else { w.as_standard_layout().into_owned() };
        Ok(Conv2D { w, w0, padding, stride })
    }

    /// The same layer in another float type (`f32` for training).
    pub fn cast<G: Float>(&self) -> Conv2D<G> {
        let to = |x: &F| G::of(x.f64());
        Conv2D { w: self.w.map(to), w0: self.w0.map(to), padding: self.padding, stride: self.stride }
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
        let channels = self.w.dim().1;
        if shape.len() == 4 && shape[1] != channels {
            return Err(Error::shape(
                "X",
                format!(
                    "(batch, {channels}, height, width): W {} has {channels} channels",
                    tuple(self.w.shape())
                ),
                shape,
            ));
        }
        Im2colParams::new(shape, self.filter_shape(), self.padding, self.stride)
    }

    /// `W_col = W.reshape(n_filters, −1)`.
    pub fn w_col(&self) -> ArrayView2<'_, F> {
        let n = self.n_filters();
        self.w.view().into_shape_with_order((n, self.w.len() / n)).expect("W is contiguous")
    }

    /// The im2col columns of `images` of the batch `x`, written into `buffer`
    /// (for inputs already checked by [`Conv2D::params`]).
    fn columns<'b>(
        &self,
        x: &ArrayView4<F>,
        images: std::ops::Range<usize>,
        buffer: &'b mut Vec<F>,
    ) -> ArrayView2<'b, F> {
        let chunk = x.slice(ndarray::s![images, .., .., ..]);
        let p = image_to_column_by_image_into(&chunk, self.filter_shape(), self.stride, self.padding, buffer)
            .expect("checked by params");
        ArrayView2::from_shape((p.rows(), p.cols()), buffer).expect("rows · columns values")
    }

    /// Forward: `W_col · X_col + w0`, back to `(batch, n_filters, out_h, out_w)`.
    ///
    /// # Errors
    /// As [`Conv2D::params`].
    pub fn forward(&self, x: &ArrayView4<F>) -> Result<(Array4<F>, Conv2DCache<F>)> {
        let p = self.params(x.shape())?;
        let (n_f, positions) = (self.n_filters(), p.out_h() * p.out_w());
        let flops = 2.0 * (n_f * p.rows() * p.cols()) as f64;
        // Every output row starts at its filter's bias; the products are added onto it.
        let mut biases = Vec::with_capacity(p.batch * n_f * positions);
        for _ in 0..p.batch {
            for &b in &self.w0 {
                biases.resize(biases.len() + positions, b);
            }
        }
        let mut output = Array4::from_shape_vec((p.batch, n_f, p.out_h(), p.out_w()), biases)
            .expect("one bias per output value");
        in_halves(output.view_mut(), flops, |images, mut out| {
            let mut cols = vec![];
            for start in images.clone().step_by(CHUNK) {
                let end = (start + CHUNK).min(images.end);
                let cols = self.columns(x, start..end, &mut cols);
                // Each image's product lands straight in its output.
                for b in 0..end - start {
                    let image_cols = cols.slice(ndarray::s![.., b * positions..(b + 1) * positions]);
                    let mut target = out.index_axis_mut(Axis(0), start - images.start + b);
                    let target =
                        target.view_mut().into_shape_with_order((n_f, positions)).expect("contiguous");
                    // W_col · cols, computed as (colsᵀ · W_colᵀ)ᵀ: the same numbers, which
                    // matrixmultiply reaches about a quarter faster in this orientation.
                    let (w_col_t, cols_t) = (self.w_col().reversed_axes(), image_cols.reversed_axes());
                    let mut target_t = target.reversed_axes();
                    ndarray::linalg::general_mat_mul(F::one(), &cols_t, &w_col_t, F::one(), &mut target_t);
                }
            }
        });
        Ok((output, Conv2DCache { x: x.to_owned(), params: p }))
    }

    /// Backward, as matrix products (see the module docs).
    ///
    /// # Errors
    /// [`Error::Shape`] when `accum_grad` does not have the output's shape.
    pub fn backward(&self, accum_grad: &ArrayView4<F>, cache: &Conv2DCache<F>) -> Result<Conv2DGrads<F>> {
        self.backward_with(accum_grad, cache, true)
    }

    /// Backward for the first layer of a network: `grad_W` and `grad_w0` only;
    /// `grad_input` is left at zero (no one needs the gradient of the images).
    ///
    /// # Errors
    /// As [`Conv2D::backward`].
    pub fn backward_params(
        &self,
        accum_grad: &ArrayView4<F>,
        cache: &Conv2DCache<F>,
    ) -> Result<Conv2DGrads<F>> {
        self.backward_with(accum_grad, cache, false)
    }

    fn backward_with(
        &self,
        accum_grad: &ArrayView4<F>,
        cache: &Conv2DCache<F>,
        input_grad: bool,
    ) -> Result<Conv2DGrads<F>> {
        let p = cache.params;
        let (n_f, positions) = (self.n_filters(), p.out_h() * p.out_w());
        let out = [p.batch, n_f, p.out_h(), p.out_w()];
        if accum_grad.shape() != out {
            return Err(Error::shape(
                "accum_grad",
                format!("{}, the shape of the output", tuple(&out)),
                accum_grad.shape(),
            ));
        }
        let flops = 4.0 * (n_f * p.rows() * p.cols()) as f64;
        let mut grad_input = Array4::zeros(cache.x.raw_dim());
        let partials = in_halves(grad_input.view_mut(), flops, |images, mut grad_x| {
            let mut grad_w = Array2::zeros((n_f, p.rows()));
            let mut grad_w0 = Array2::zeros((n_f, 1));
            let mut cols = vec![];
            let mut delta = Array2::zeros((n_f, CHUNK * positions));
            let mut grad_cols = Array2::zeros((p.rows(), CHUNK * positions));
            for start in images.clone().step_by(CHUNK) {
                let (end, first) = ((start + CHUNK).min(images.end), start - images.start);
                let n = (end - start) * positions;
                let cols = self.columns(&cache.x.view(), start..end, &mut cols);
                // δ for these images, columns grouped image by image: (n_filters, images·positions).
                let mut delta = delta.slice_mut(ndarray::s![.., ..n]);
                for b in 0..end - start {
                    let image = accum_grad.index_axis(Axis(0), start + b);
                    let image = image.to_shape((n_f, positions)).expect("n_filters · positions values");
                    delta.slice_mut(ndarray::s![.., b * positions..(b + 1) * positions]).assign(&image);
                }
                grad_w0 += &delta.sum_axis(Axis(1)).insert_axis(Axis(1));
                // δ · colsᵀ and W_colᵀ · δ, each computed as the transpose of the transposed product
                // (as in the forward pass).
                ndarray::linalg::general_mat_mul(
                    F::one(),
                    &cols,
                    &delta.t(),
                    F::one(),
                    &mut grad_w.view_mut().reversed_axes(),
                );
                if !input_grad {
                    continue;
                }
                let mut grad_cols_t = grad_cols.slice_mut(ndarray::s![.., ..n]).reversed_axes();
                ndarray::linalg::general_mat_mul(
                    F::one(),
                    &delta.t(),
                    &self.w_col(),
                    F::zero(),
                    &mut grad_cols_t,
                );
                let mut target = grad_x.slice_mut(ndarray::s![first..first + end - start, .., .., ..]);
                column_to_image_by_image_add(
                    &grad_cols.slice(ndarray::s![.., ..n]),
                    &mut target,
                    self.filter_shape(),
                    self.stride,
                    self.padding,
                )
                .expect("checked by params");
            }
            (grad_w, grad_w0)
        });
        let (mut grad_w, mut grad_w0) = (Array2::zeros((n_f, p.rows())), Array2::zeros((n_f, 1)));
        for (g, g0) in &partials {
            grad_w += g;
            grad_w0 += g0;
        }
        Ok(Conv2DGrads {
            grad_w: grad_w.into_shape_with_order(self.w.raw_dim()).expect("W's size"),
            grad_w0,
            grad_input,
        })
    }
}

impl Conv2D<f64> {
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
