//! Convolution the way seed 004 (after hanbt's "零基础入门深度学习(4)") writes
//! it: one image in CHW layout, a `ConvLayer` whose filters are
//! `(depth, height, width)` blocks, and a backward pass by *sensitivity maps*:
//!
//! 1. expand the output's sensitivity map `δ` for the stride (put each value
//!    at `(i·stride, j·stride)` of a stride-1-sized map, zeros between);
//! 2. zero-pad it by `zp = f − 1 − pad` (a "full" convolution);
//! 3. cross-correlate it with each filter rotated by 180°, and sum over filters:
//!    that is `δ` of the layer's input;
//! 4. the weight gradient is the padded input cross-correlated with the
//!    expanded map; the bias gradient is the sum of the expanded map.

use ndarray::{s, Array1, Array2, Array3, Array4, ArrayView2, ArrayView3, ArrayView4, Axis};

use crate::course::tensor::image_chw;
use crate::error::{tuple, Error, Result};
use crate::textbook::conv::{ConvCache, ConvGrads, Hparameters};
use crate::textbook::padding::{pad_axes, Padding2D};
use crate::textbook::window::{output_size, Window};

/// Seed 004's `get_patch`: the window of `input (depth, H, W)` that output
/// cell `(i, j)` reads, `input[:, i·s : i·s+f_h, j·s : j·s+f_w]`.
pub fn get_patch<'a>(
    input: &ArrayView3<'a, f64>,
    i: usize,
    j: usize,
    filter_width: usize,
    filter_height: usize,
    stride: usize,
) -> ArrayView3<'a, f64> {
    let (start_i, start_j) = (i * stride, j * stride);
    (*input).slice_move(s![.., start_i..start_i + filter_height, start_j..start_j + filter_width])
}

/// Seed 004's `conv`: cross-correlation of `input (depth, H, W)` with
/// `kernel (depth, f_h, f_w)` at `stride`, plus `bias`:
/// `out[i, j] = Σ get_patch(input, i, j) ⊙ kernel + bias`.
///
/// ```
/// use cnn_walkthrough::textbook::sensitivity::conv;
/// let x = ndarray::Array3::<f64>::ones((1, 3, 3));
/// let k = ndarray::Array3::<f64>::ones((1, 2, 2));
/// assert_eq!(conv(&x.view(), &k.view(), 1, 0.5), ndarray::arr2(&[[4.5, 4.5], [4.5, 4.5]]));
/// ```
///
/// # Panics
/// If the depths differ, the kernel is larger than the input, or `stride` is 0.
pub fn conv(input: &ArrayView3<f64>, kernel: &ArrayView3<f64>, stride: usize, bias: f64) -> Array2<f64> {
    let (_, k_h, k_w) = kernel.dim();
    let (_, h, w) = input.dim();
    let (out_h, out_w) = (output_size(h, k_h, 0, stride), output_size(w, k_w, 0, stride));
    Array2::from_shape_fn((out_h, out_w), |(i, j)| {
        (&get_patch(input, i, j, k_w, k_h, stride) * kernel).sum() + bias
    })
}

/// Seed 004's `padding`: `zp` zeros around the height and width of a CHW array.
pub fn padding(input: &ArrayView3<f64>, zp: usize) -> Array3<f64> {
    pad_axes(input, 1, 2, Padding2D::uniform(zp), 0.0)
}

/// A filter turned by 180°: `rot90(w, 2)`, i.e. `w[f−1−i, f−1−j]`.
pub fn rot180(w: &ArrayView2<f64>) -> Array2<f64> {
    w.slice(s![..;-1, ..;-1]).to_owned()
}

/// Seed 004's `expand_sensitivity_map`: the sensitivity map of a stride-`s`
/// convolution, placed into the map a stride-1 convolution would have
/// (`size = input + 2·pad − f + 1` per axis): `expanded[:, i·s, j·s] = δ[:, i, j]`,
/// zeros elsewhere.
pub fn expand_sensitivity_map(
    sensitivity: &ArrayView3<f64>,
    expanded_hw: (usize, usize),
    stride: usize,
) -> Array3<f64> {
    let (depth, n_h, n_w) = sensitivity.dim();
    let mut expanded = Array3::zeros((depth, expanded_hw.0, expanded_hw.1));
    for i in 0..n_h {
        for j in 0..n_w {
            expanded.slice_mut(s![.., i * stride, j * stride]).assign(&sensitivity.slice(s![.., i, j]));
        }
    }
    expanded
}

/// Step 3 of the backward pass, before the sum over filters: each filter
/// map `padded[fi]` cross-correlated with each channel `filters[fi, d]` (the
/// filters already turned by 180°), `(filter_number, channel_number, H, W)`.
pub fn cross_correlate_each(padded: &ArrayView3<f64>, filters: &ArrayView4<f64>) -> Array4<f64> {
    let (n_f, depth, f, _) = filters.dim();
    let (_, p_h, p_w) = padded.dim();
    let (h, w) = (output_size(p_h, f, 0, 1), output_size(p_w, f, 0, 1));
    let mut each = Array4::zeros((n_f, depth, h, w));
    for fi in 0..n_f {
        for d in 0..depth {
            let filter = filters.slice(s![fi, d..d + 1, .., ..]);
            each.slice_mut(s![fi, d, .., ..]).assign(&conv(
                &padded.slice(s![fi..fi + 1, .., ..]),
                &filter,
                1,
                0.0,
            ));
        }
    }
    each
}

/// Seed 004's `ConvLayer` with the identity activation (the worked example's
/// `IdentityActivator`): `filter_number` filters of `channel_number × f × f`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvLayer {
    /// `(filter_number, channel_number, filter_height, filter_width)`.
    pub weights: Array4<f64>,
    /// One bias per filter.
    pub biases: Array1<f64>,
    /// Zeros added around the input.
    pub zero_padding: usize,
    /// Step between windows.
    pub stride: usize,
}

/// Every intermediate of [`ConvLayer::backward`], so a lesson can show each step.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivitySteps {
    /// Step 1: `δ` expanded for the stride, `(filter_number, E_h, E_w)`.
    pub expanded: Array3<f64>,
    /// `zp = f − 1 − pad`: how much step 2 pads (negative: crops).
    pub zp: isize,
    /// Step 2: the expanded map zero-padded by `zp`.
    pub padded: Array3<f64>,
    /// Step 3's filters, each channel turned by 180°.
    pub flipped: Array4<f64>,
    /// Step 3 per filter: `(filter_number, channel_number, H, W)`.
    pub delta_per_filter: Array4<f64>,
    /// The input's sensitivity map (`dA_prev` of one image): the sum over filters.
    pub delta_array: Array3<f64>,
    /// Step 4: the weight gradient, shaped like `weights`.
    pub weights_grad: Array4<f64>,
    /// Step 4: the bias gradient, one per filter.
    pub bias_grad: Array1<f64>,
}

impl ConvLayer {
    /// A layer from its filters and biases.
    ///
    /// # Errors
    /// [`Error::Shape`] when `biases` does not have one value per filter or
    /// the filters are not square; [`Error::Parameter`] for stride 0.
    pub fn new(
        weights: Array4<f64>,
        biases: Array1<f64>,
        zero_padding: usize,
        stride: usize,
    ) -> Result<Self> {
        let (n_f, _, f_h, f_w) = weights.dim();
        if f_h != f_w || f_h == 0 || n_f == 0 {
            return Err(Error::shape(
                "filters",
                "(filter_number, channel_number, f, f): at least one filter, with a square window",
                weights.shape(),
            ));
        }
        if biases.len() != n_f {
            return Err(Error::shape("biases", format!("({n_f},): one per filter"), biases.shape()));
        }
        Window::conv(f_h, zero_padding, stride).check_sizes()?;
        Ok(ConvLayer { weights, biases, zero_padding, stride })
    }

    /// The same layer from the notebook's `W (f, f, n_C_prev, n_C)` and
    /// `b (1, 1, 1, n_C)`: filter `c`, channel `d` is `W[:, :, d, c]`.
    ///
    /// # Errors
    /// As [`ConvLayer::new`].
    pub fn from_notebook(w: &ArrayView4<f64>, b: &ArrayView4<f64>, hp: Hparameters) -> Result<Self> {
        let weights = w.view().permuted_axes([3, 2, 0, 1]).as_standard_layout().into_owned();
        let biases = b.iter().copied().collect();
        Self::new(weights, biases, hp.pad, hp.stride)
    }

    /// The filter size `f`.
    pub fn f(&self) -> usize {
        self.weights.dim().2
    }

    fn check_input(&self, input: &ArrayView3<f64>) -> Result<()> {
        let (n_f, depth, f, _) = self.weights.dim();
        let (d, h, w) = input.dim();
        if h == 0 || w == 0 {
            return Err(Error::shape("input", "(depth, H, W) with H and W at least 1", input.shape()));
        }
        if d != depth {
            return Err(Error::shape(
                "input",
                format!(
                    "({depth}, H, W): the filters {} have {}",
                    tuple(&[n_f, depth, f, f]),
                    crate::course::show::count(depth, "channel")
                ),
                input.shape(),
            ));
        }
        Window::conv(f, self.zero_padding, self.stride).check(input.shape(), (h, w)).map(|_| ())
    }

    /// `forward`: pad the input, then [`conv`] with each filter:
    /// output `(filter_number, n_H, n_W)`.
    ///
    /// # Errors
    /// When the input's depth differs from the filters' or the window does not fit.
    pub fn forward(&self, input: &ArrayView3<f64>) -> Result<Array3<f64>> {
        self.check_input(input)?;
        let padded = padding(input, self.zero_padding);
        let (n_f, _, f, _) = self.weights.dim();
        let (_, h, w) = input.dim();
        let (pad, stride) = (self.zero_padding, self.stride);
        let mut output = Array3::zeros((n_f, output_size(h, f, pad, stride), output_size(w, f, pad, stride)));
        for (fi, filter) in self.weights.outer_iter().enumerate() {
            let map = conv(&padded.view(), &filter, stride, self.biases[fi]);
            output.index_axis_mut(Axis(0), fi).assign(&map);
        }
        Ok(output)
    }

    /// `bp_sensitivity_map` and `bp_gradient` together: from the output's
    /// sensitivity map `δ (filter_number, n_H, n_W)` to the input's, and the
    /// gradients of the weights and biases, keeping every step.
    ///
    /// # Errors
    /// When the input does not fit the layer or `δ` is not shaped like the output.
    pub fn backward(
        &self,
        input: &ArrayView3<f64>,
        sensitivity: &ArrayView3<f64>,
    ) -> Result<SensitivitySteps> {
        self.check_input(input)?;
        let (n_f, depth, f, _) = self.weights.dim();
        let (_, h, w) = input.dim();
        let (pad, stride) = (self.zero_padding, self.stride);
        let out = (n_f, output_size(h, f, pad, stride), output_size(w, f, pad, stride));
        if sensitivity.dim() != out {
            return Err(Error::shape(
                "sensitivity map",
                format!("{}, the shape of the layer's output", tuple(&[out.0, out.1, out.2])),
                sensitivity.shape(),
            ));
        }
        // 1. Expand for the stride, to the size of a stride-1 output.
        let expanded = expand_sensitivity_map(
            sensitivity,
            (output_size(h, f, pad, 1), output_size(w, f, pad, 1)),
            stride,
        );
        // 2. Pad by zp = f − 1 − pad, so that a valid cross-correlation with an
        //    f×f filter gives back H×W. (When pad > f − 1 the map is cropped
        //    instead: those cells only ever reached the input's padding.)
        let zp = f as isize - 1 - pad as isize;
        let padded = if zp >= 0 {
            padding(&expanded.view(), zp as usize)
        } else {
            let c = zp.unsigned_abs();
            let (_, e_h, e_w) = expanded.dim();
            expanded.slice(s![.., c..e_h - c, c..e_w - c]).to_owned()
        };
        // 3. Cross-correlate with the filters turned by 180°, sum over filters.
        let mut flipped = Array4::zeros(self.weights.raw_dim());
        for fi in 0..n_f {
            for d in 0..depth {
                flipped.slice_mut(s![fi, d, .., ..]).assign(&rot180(&self.weights.slice(s![fi, d, .., ..])));
            }
        }
        let delta_per_filter = cross_correlate_each(&padded.view(), &flipped.view());
        let delta_array = delta_per_filter.sum_axis(Axis(0));
        // 4. Gradients: padded input ⋆ expanded map, and the map's sum.
        let padded_input = padding(input, pad);
        let mut weights_grad = Array4::zeros(self.weights.raw_dim());
        for fi in 0..n_f {
            for d in 0..depth {
                let g = conv(
                    &padded_input.slice(s![d..d + 1, .., ..]),
                    &expanded.slice(s![fi..fi + 1, .., ..]),
                    1,
                    0.0,
                );
                weights_grad.slice_mut(s![fi, d, .., ..]).assign(&g);
            }
        }
        let bias_grad = expanded.sum_axis(Axis(2)).sum_axis(Axis(1));
        Ok(SensitivitySteps {
            expanded,
            zp,
            padded,
            flipped,
            delta_per_filter,
            delta_array,
            weights_grad,
            bias_grad,
        })
    }

    /// `update`: one step of gradient descent, `w ← w − η·∂E/∂w`, `b ← b − η·∂E/∂b`.
    pub fn update(&mut self, learning_rate: f64, weights_grad: &Array4<f64>, bias_grad: &Array1<f64>) {
        self.weights.scaled_add(-learning_rate, weights_grad);
        self.biases.scaled_add(-learning_rate, bias_grad);
    }
}

/// The notebook's convolution computed image by image with [`ConvLayer::forward`]:
/// a second, independent implementation of `conv_forward`, in NHWC.
///
/// # Errors
/// As [`crate::textbook::conv::ConvParams::new`].
pub fn conv_forward_by_layer(
    a_prev: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    b: &ArrayView4<f64>,
    hp: Hparameters,
) -> Result<Array4<f64>> {
    let p = crate::textbook::conv::ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hp)?;
    let layer = ConvLayer::from_notebook(w, b, hp)?;
    let mut z = Array4::zeros(p.out_shape());
    for i in 0..p.m {
        let out = layer.forward(&image_chw(a_prev, i).view())?;
        z.index_axis_mut(Axis(0), i).assign(&out.view().permuted_axes([1, 2, 0]));
    }
    Ok(z)
}

/// The notebook's `conv_backward` computed by sensitivity maps, image by
/// image, with the weight and bias gradients summed over the batch.
///
/// # Errors
/// [`Error::Shape`] when `dZ` does not have the shape of `Z`.
pub fn conv_backward_by_sensitivity_maps(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    let p = cache.params;
    if dz.shape() != p.out_shape() {
        return Err(Error::shape("dZ", format!("{}, the shape of Z", tuple(&p.out_shape())), dz.shape()));
    }
    let layer = ConvLayer::from_notebook(&cache.w.view(), &cache.b.view(), cache.hparameters)?;
    let mut d_a_prev = Array4::zeros(cache.a_prev.raw_dim());
    let mut weights_grad = Array4::zeros(layer.weights.raw_dim());
    let mut bias_grad = Array1::zeros(layer.biases.raw_dim());
    for i in 0..p.m {
        let steps = layer.backward(&image_chw(&cache.a_prev.view(), i).view(), &image_chw(dz, i).view())?;
        d_a_prev.index_axis_mut(Axis(0), i).assign(&steps.delta_array.view().permuted_axes([1, 2, 0]));
        weights_grad += &steps.weights_grad;
        bias_grad += &steps.bias_grad;
    }
    Ok(ConvGrads {
        d_a_prev,
        d_w: weights_grad.permuted_axes([2, 3, 1, 0]).as_standard_layout().into_owned(),
        d_b: bias_grad.into_shape_with_order((1, 1, 1, p.n_c)).expect("one bias per filter"),
    })
}

/// Seed 004's `IdentityActivator.backward(output)`: the identity's
/// derivative, 1 everywhere. `bp_sensitivity_map` ends with
/// `delta_array *= f'(input_array)`, this applied to the layer's input (the
/// previous layer's output): the article's `×f'(net)` step.
pub fn identity_backward(_output: f64) -> f64 {
    1.0
}
