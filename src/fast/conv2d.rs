//! The `Conv2D` layer that training uses. It equals
//! [`crate::textbook::conv2d::Conv2D`]: the same products
//! `W_col · X_col + w0`, `δ · X_colᵀ` and `W_colᵀ · δ`, made a few images at
//! a time (columns grouped image by image, see
//! [`crate::fast::im2col::image_to_column_by_image`]) so that each product
//! lands in its images' output with no transpose, the column matrix stays in
//! cache, and the two halves of a batch run on two cores. Generic over
//! [`Float`] (`f32` for training).
//!
//! At stride 1 in `f32` on a processor with AVX2 and FMA (lesson 11's two
//! convolutions), the same sums are made by the direct kernels of
//! [`crate::fast::direct`] instead, with no column matrix: the forward pass,
//! `grad_X` (where the padding is narrower than the filter) and `grad_W`
//! (where the output's width is a multiple of 8). At lesson 11's second
//! convolution they were about twice as fast as the products on one thread
//! (`cargo run --release -p cnn-walkthrough-benches --bin direct`).
//!
//! Where rounding may differ from the textbook: the forward pass adds each
//! output's `channels·fh·fw` products and its bias in another order;
//! `grad_W` and `grad_w0` add up per chunk of images and then per half of the
//! batch; `grad_X` adds the same terms in another order.

use ndarray::{Array2, Array4, ArrayView2, ArrayView4, Axis};

use crate::error::{tuple, Error, Result};
use crate::fast::direct::{filter_gradient, Direct};
use crate::fast::float::Float;
use crate::fast::im2col::{column_to_image_by_image_add, image_to_column_by_image_into, padded_planes};
use crate::textbook::conv2d::{check_input, Conv2DGrads};
use crate::textbook::im2col::Im2colParams;
use crate::textbook::padding::Padding2D;

/// A convolution layer's filters, biases, padding and stride, in `F`:
/// equals [`crate::textbook::conv2d::Conv2D`] (made from one by
/// [`Conv2D::of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2D<F> {
    /// `W (n_filters, channels, fh, fw)`, in standard layout.
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
pub struct Conv2DCache<F> {
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
fn in_halves<T: Send, A: Send, D: ndarray::Dimension>(
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

impl<F: Float> Conv2D<F> {
    /// The textbook layer `layer` in `F` (each value rounded to `F`).
    pub fn of(layer: &crate::textbook::conv2d::Conv2D) -> Self {
        Conv2D {
            w: layer.w.mapv(F::of).as_standard_layout().into_owned(),
            w0: layer.w0.mapv(F::of),
            padding: layer.padding,
            stride: layer.stride,
        }
    }

    /// `n_filters`.
    pub fn n_filters(&self) -> usize {
        self.w.dim().0
    }

    /// `(fh, fw)`.
    pub fn filter_shape(&self) -> (usize, usize) {
        (self.w.dim().2, self.w.dim().3)
    }

    /// `n_filters·channels·fh·fw + n_filters`: equals
    /// [`crate::textbook::conv2d::Conv2D::parameters`].
    pub fn parameters(&self) -> usize {
        self.w.len() + self.w0.len()
    }

    /// `W_col = W.reshape(n_filters, −1)`.
    fn w_col(&self) -> ArrayView2<'_, F> {
        let n = self.n_filters();
        self.w.view().into_shape_with_order((n, self.w.len() / n)).expect("W is contiguous")
    }

    /// The direct kernel for the forward pass, where it applies: stride 1,
    /// and as [`Direct::new`].
    fn direct(&self, p: &Im2colParams) -> Option<Direct<F>> {
        let (n_f, c, fh, fw) = self.w.dim();
        let padded = (p.height + self.padding.rows(), p.width + self.padding.cols());
        (self.stride == 1).then(|| Direct::new(self.w.as_slice()?, (n_f, c, fh, fw), padded))?
    }

    /// The direct kernel for `grad_X`, and how to pad `δ` for it: the
    /// filters turned by 180° with their first two axes swapped
    /// (`W'[c, f, i, j] = W[f, c, fh−1−i, fw−1−j]`), over `δ` padded by
    /// `fh−1−top` rows above, `fh−1−bottom` below, and so on (see
    /// [`crate::fast::direct`]). `None` where it does not apply: a stride
    /// other than 1, a padding as wide as the filter, and as [`Direct::new`].
    fn direct_for_grad_input(&self, p: &Im2colParams) -> Option<(Direct<F>, Padding2D)> {
        let (n_f, c, fh, fw) = self.w.dim();
        let pad = self.padding;
        if self.stride != 1 || pad.top >= fh || pad.bottom >= fh || pad.left >= fw || pad.right >= fw {
            return None;
        }
        let turned = Padding2D {
            top: fh - 1 - pad.top,
            bottom: fh - 1 - pad.bottom,
            left: fw - 1 - pad.left,
            right: fw - 1 - pad.right,
        };
        let w_turned =
            Array4::from_shape_fn((c, n_f, fh, fw), |(c, f, i, j)| self.w[[f, c, fh - 1 - i, fw - 1 - j]]);
        let padded = (p.out_h() + turned.rows(), p.out_w() + turned.cols());
        Some((Direct::new(w_turned.as_slice()?, (c, n_f, fh, fw), padded)?, turned))
    }

    /// `grad_W` and `grad_w0` of the images `x` from their `δ` by
    /// [`filter_gradient`] (with no column matrix), where it applies:
    /// stride 1, and as [`filter_gradient`].
    fn filter_gradient(&self, x: &ArrayView4<F>, delta: &ArrayView4<F>) -> Option<(Array2<F>, Array2<F>)> {
        let (n_f, c, fh, fw) = self.w.dim();
        let (_, _, h, w) = x.dim();
        if self.stride != 1 {
            return None;
        }
        let delta = delta.as_standard_layout();
        let padded = padded_planes(x, self.padding);
        let grad_w = filter_gradient(
            &padded,
            delta.as_slice().expect("standard layout"),
            (n_f, c, fh, fw),
            (h + self.padding.rows(), w + self.padding.cols()),
        )?;
        let grad_w = Array2::from_shape_vec((n_f, c * fh * fw), grad_w).expect("W's size");
        let grad_w0 = delta.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
        Some((grad_w, grad_w0.insert_axis(Axis(1))))
    }

    /// The im2col columns of `images` of the batch `x`, written into `buffer`
    /// (for inputs already checked by [`check_input`]).
    fn columns<'b>(
        &self,
        x: &ArrayView4<F>,
        images: std::ops::Range<usize>,
        buffer: &'b mut Vec<F>,
    ) -> ArrayView2<'b, F> {
        let chunk = x.slice(ndarray::s![images, .., .., ..]);
        let p = image_to_column_by_image_into(&chunk, self.filter_shape(), self.stride, self.padding, buffer)
            .expect("checked by check_input");
        ArrayView2::from_shape((p.rows(), p.cols()), buffer).expect("rows · columns values")
    }

    /// Forward: equals [`crate::textbook::conv2d::Conv2D::forward`],
    /// `W_col · X_col + w0` as `(batch, n_filters, out_h, out_w)`.
    ///
    /// # Errors
    /// As [`crate::textbook::conv2d::Conv2D::params`].
    pub fn forward(&self, x: &ArrayView4<F>) -> Result<(Array4<F>, Conv2DCache<F>)> {
        let p = check_input(self.w.shape(), self.padding, self.stride, x.shape())?;
        Ok((self.output(x, &p), Conv2DCache { x: x.to_owned(), params: p }))
    }

    /// [`Conv2D::forward`], keeping `x` itself for the backward pass (no copy).
    ///
    /// # Errors
    /// As [`Conv2D::forward`].
    pub fn forward_owned(&self, x: Array4<F>) -> Result<(Array4<F>, Conv2DCache<F>)> {
        let p = check_input(self.w.shape(), self.padding, self.stride, x.shape())?;
        Ok((self.output(&x.view(), &p), Conv2DCache { x, params: p }))
    }

    /// The output of the forward pass, for inputs checked by [`check_input`]:
    /// by the direct kernel where it applies, else by the im2col products.
    fn output(&self, x: &ArrayView4<F>, p: &Im2colParams) -> Array4<F> {
        let p = *p;
        let (n_f, positions) = (self.n_filters(), p.out_h() * p.out_w());
        let flops = 2.0 * (n_f * p.rows() * p.cols()) as f64;
        if let Some(direct) = self.direct(&p) {
            let mut output = Array4::zeros((p.batch, n_f, p.out_h(), p.out_w()));
            let bias: Vec<F> = self.w0.iter().copied().collect();
            in_halves(output.view_mut(), flops, |images, mut out| {
                let padded = padded_planes(&x.slice(ndarray::s![images, .., .., ..]), self.padding);
                direct.correlate(&padded, &bias, out.as_slice_mut().expect("part of a new array"));
            });
            return output;
        }
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
        output
    }

    /// Backward: equals [`crate::textbook::conv2d::Conv2D::backward`].
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
        let direct = if input_grad { self.direct_for_grad_input(&p) } else { None };
        let no_bias = vec![F::zero(); p.channels];
        let partials = in_halves(grad_input.view_mut(), flops, |images, mut grad_x| {
            let delta = accum_grad.slice(ndarray::s![images.clone(), .., .., ..]);
            if let Some((direct, padding)) = &direct {
                let padded = padded_planes(&delta, *padding);
                direct.correlate(&padded, &no_bias, grad_x.as_slice_mut().expect("part of a new array"));
            }
            let by_direct =
                self.filter_gradient(&cache.x.slice(ndarray::s![images.clone(), .., .., ..]), &delta);
            let (cols_for_w, cols_for_x) = (by_direct.is_none(), input_grad && direct.is_none());
            if let (Some(grads), false) = (&by_direct, cols_for_x) {
                return grads.clone();
            }
            // The im2col products, a few images at a time: grad_W and grad_X, each unless the
            // direct kernel made it.
            let zeros = || (Array2::zeros((n_f, p.rows())), Array2::zeros((n_f, 1)));
            let (mut grad_w, mut grad_w0) = by_direct.unwrap_or_else(zeros);
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
                if cols_for_w {
                    grad_w0 += &delta.sum_axis(Axis(1)).insert_axis(Axis(1));
                    // δ · colsᵀ and W_colᵀ · δ, each computed as the transpose of the transposed
                    // product (as in the forward pass).
                    ndarray::linalg::general_mat_mul(
                        F::one(),
                        &cols,
                        &delta.t(),
                        F::one(),
                        &mut grad_w.view_mut().reversed_axes(),
                    );
                }
                if !cols_for_x {
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
                .expect("checked by check_input");
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
