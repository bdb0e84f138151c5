//! Padding: the notebook's `zero_pad` (NHWC), ML-From-Scratch's
//! `ConstantPadding2D` / `ZeroPadding2D` (NCHW, possibly asymmetric) and
//! `determine_padding` ('same' / 'valid').
//!
//! All of them are one operation: surround the height and width axes of a
//! tensor with a constant. Its backward pass crops the gradient back to the
//! input's size, because the padding values are constants and get no gradient.

use ndarray::{s, Array, Array4, ArrayView, ArrayView4, Axis, Dimension, Slice};

use crate::error::{Error, Result};

/// Rows added above and below, columns added left and right:
/// numpy's `((top, bottom), (left, right))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding2D {
    /// Rows added above.
    pub top: usize,
    /// Rows added below.
    pub bottom: usize,
    /// Columns added on the left.
    pub left: usize,
    /// Columns added on the right.
    pub right: usize,
}

impl Padding2D {
    /// The same `pad` on all four sides.
    pub fn uniform(pad: usize) -> Self {
        Padding2D { top: pad, bottom: pad, left: pad, right: pad }
    }

    /// `top + bottom`: how many rows padding adds (saturating at `usize::MAX`).
    pub fn rows(&self) -> usize {
        self.top.saturating_add(self.bottom)
    }

    /// `left + right`: how many columns padding adds (saturating at `usize::MAX`).
    pub fn cols(&self) -> usize {
        self.left.saturating_add(self.right)
    }
}

/// `(pad_h, pad_w)`: symmetric padding, as the source's layers accept it.
impl From<(usize, usize)> for Padding2D {
    fn from((pad_h, pad_w): (usize, usize)) -> Self {
        Padding2D { top: pad_h, bottom: pad_h, left: pad_w, right: pad_w }
    }
}

/// `((top, bottom), (left, right))`, numpy's `pad_width` for the two axes.
impl From<((usize, usize), (usize, usize))> for Padding2D {
    fn from(((top, bottom), (left, right)): ((usize, usize), (usize, usize))) -> Self {
        Padding2D { top, bottom, left, right }
    }
}

impl std::fmt::Display for Padding2D {
    /// Written as numpy's pad width: `((0, 1), (0, 1))`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(({}, {}), ({}, {}))", self.top, self.bottom, self.left, self.right)
    }
}

/// Pads axes `h_axis` and `w_axis` of `x` with `value`: numpy's
/// `np.pad(x, ..., 'constant', constant_values=value)` on those two axes.
///
/// # Panics
/// If `h_axis` or `w_axis` is not an axis of `x`.
pub fn pad_axes<A: Clone, D: Dimension>(
    x: &ArrayView<A, D>,
    h_axis: usize,
    w_axis: usize,
    padding: Padding2D,
    value: A,
) -> Array<A, D> {
    let mut shape = x.raw_dim();
    shape[h_axis] += padding.rows();
    shape[w_axis] += padding.cols();
    let mut out = Array::from_elem(shape, value);
    let mut inner = out.view_mut();
    let (n_h, n_w) = (x.len_of(Axis(h_axis)), x.len_of(Axis(w_axis)));
    inner.slice_axis_inplace(Axis(h_axis), Slice::from(padding.top..padding.top + n_h));
    inner.slice_axis_inplace(Axis(w_axis), Slice::from(padding.left..padding.left + n_w));
    inner.assign(x);
    out
}

/// The notebook's `zero_pad`: pads the height and width of a batch of images
/// `X (m, n_H, n_W, n_C)` with `pad` zeros on every side, giving
/// `(m, n_H + 2·pad, n_W + 2·pad, n_C)`.
///
/// ```
/// use cnn_walkthrough::textbook::padding::zero_pad;
/// let x = ndarray::Array4::<f64>::ones((1, 2, 2, 1));
/// let x_pad = zero_pad(&x.view(), 1);
/// assert_eq!(x_pad.shape(), &[1, 4, 4, 1]);
/// assert_eq!(x_pad.sum(), 4.0);
/// ```
pub fn zero_pad(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
    pad_axes(x, 1, 2, Padding2D::uniform(pad), 0.0)
}

/// ML-From-Scratch's `ConstantPadding2D`: adds rows and columns of a constant
/// to images `X (batch, channels, height, width)`. `ZeroPadding2D` is the
/// same layer with `padding_value` 0 ([`ConstantPadding2D::zeros`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantPadding2D {
    /// `((top, bottom), (left, right))`.
    pub padding: Padding2D,
    /// The value written into the new rows and columns.
    pub padding_value: f64,
}

impl ConstantPadding2D {
    /// A padding layer; `padding` is `(pad_h, pad_w)` or `((top, bottom), (left, right))`.
    pub fn new(padding: impl Into<Padding2D>, padding_value: f64) -> Self {
        ConstantPadding2D { padding: padding.into(), padding_value }
    }

    /// `ZeroPadding2D`: constant padding with zeros.
    pub fn zeros(padding: impl Into<Padding2D>) -> Self {
        Self::new(padding, 0.0)
    }

    /// Forward: `(b, c, h, w) → (b, c, top + h + bottom, left + w + right)`.
    pub fn forward(&self, x: &ArrayView4<f64>) -> Array4<f64> {
        pad_axes(x, 2, 3, self.padding, self.padding_value)
    }

    /// Backward: the padded cells are constants, so the gradient with respect
    /// to the input is the gradient of the output cropped back to the input:
    /// `accum_grad[:, :, top:top+h, left:left+w]`.
    ///
    /// # Errors
    /// [`Error::Shape`] when `accum_grad` is too small to have been padded
    /// this way.
    pub fn backward(&self, accum_grad: &ArrayView4<f64>) -> Result<Array4<f64>> {
        let p = self.padding;
        let (_, _, h, w) = accum_grad.dim();
        if h <= p.rows() || w <= p.cols() {
            return Err(Error::shape(
                "accum_grad",
                format!(
                    "(batch, channels, height, width) with height > {} and width > {}, the padding {p}",
                    p.rows(),
                    p.cols()
                ),
                accum_grad.shape(),
            ));
        }
        Ok(accum_grad.slice(s![.., .., p.top..h - p.bottom, p.left..w - p.right]).to_owned())
    }
}

/// How much a convolution pads, from ML-From-Scratch: `'same'` keeps the
/// output size equal to the input size at stride 1, `'valid'` pads nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaddingMode {
    /// Pad `⌊(f−1)/2⌋` before and `⌈(f−1)/2⌉` after each axis.
    Same,
    /// No padding.
    Valid,
}

impl std::str::FromStr for PaddingMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "same" => Ok(PaddingMode::Same),
            "valid" => Ok(PaddingMode::Valid),
            other => {
                Err(Error::parameter("padding", format!("'{other}' is unknown; expected 'same' or 'valid'")))
            }
        }
    }
}

/// ML-From-Scratch's `determine_padding(filter_shape, output_shape)`.
///
/// For `'same'` the output height `(h + pad_h − f_h)/1 + 1` must equal `h`,
/// so `pad_h = f_h − 1`, split as `⌊(f_h−1)/2⌋` above and `⌈(f_h−1)/2⌉` below:
/// even filters pad one more row at the bottom (and column at the right).
///
/// ```
/// use cnn_walkthrough::textbook::padding::{determine_padding, PaddingMode};
/// let p = determine_padding((2, 2), PaddingMode::Same);
/// assert_eq!(p.to_string(), "((0, 1), (0, 1))");
/// ```
pub fn determine_padding(filter_shape: (usize, usize), mode: PaddingMode) -> Padding2D {
    let (f_h, f_w) = filter_shape;
    match mode {
        PaddingMode::Valid => Padding2D::uniform(0),
        PaddingMode::Same => Padding2D {
            top: f_h.saturating_sub(1) / 2,
            bottom: f_h.saturating_sub(1).div_ceil(2),
            left: f_w.saturating_sub(1) / 2,
            right: f_w.saturating_sub(1).div_ceil(2),
        },
    }
}
