//! Convolution by loops, as the deeplearning.ai notebook builds it
//! ("Convolutional Neural Networks: Step by Step"), in its layout:
//! `A_prev (m, n_H_prev, n_W_prev, n_C_prev)`, `W (f, f, n_C_prev, n_C)`,
//! `b (1, 1, 1, n_C)`, output `Z (m, n_H, n_W, n_C)`.

use ndarray::{s, Array4, ArrayView3, ArrayView4, Zip};

use crate::course::budget::check_tensor;
use crate::course::show::count;
use crate::error::{tuple, Error, Result};
use crate::textbook::padding::zero_pad;
use crate::textbook::window::Window;

/// The notebook's `hparameters` dictionary: `{"pad": .., "stride": ..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparameters {
    /// Zeros added on every side of the height and width.
    pub pad: usize,
    /// How far the window moves between output cells.
    pub stride: usize,
}

pub use crate::textbook::window::output_size;

/// The input rows (or columns, 0-based) that no window reads: after the
/// last window when the stride does not divide `n + 2·pad − f` evenly (the
/// floor in [`output_size`] drops a window that would not fit), and between
/// windows when the stride is larger than the window. Window `h` reads padded
/// rows `h·stride .. h·stride + f`, that is input rows `h·stride − pad ..`.
/// Empty when every row is read, or when the window does not fit at all.
///
/// ```
/// use cnn_walkthrough::textbook::conv::rows_not_reached;
/// assert_eq!(rows_not_reached(5, 2, 0, 2), vec![4]); // the last row is left out
/// assert_eq!(rows_not_reached(5, 1, 0, 2), vec![1, 3]); // stride 2 skips every other row
/// assert!(rows_not_reached(5, 3, 1, 2).is_empty());
/// ```
pub fn rows_not_reached(n: usize, f: usize, pad: usize, stride: usize) -> Vec<usize> {
    rows_not_reached_padded(n, f, (pad, pad), stride)
}

/// [`rows_not_reached`] with `before` rows of padding above (or columns on
/// the left) and `after` below (or on the right): ML-From-Scratch pads an
/// even filter's 'same' padding unevenly.
///
/// ```
/// use cnn_walkthrough::textbook::conv::rows_not_reached_padded;
/// assert_eq!(rows_not_reached_padded(5, 2, (0, 0), 2), vec![4]);
/// // One row of padding below lets a last window in, over row 4.
/// assert!(rows_not_reached_padded(5, 2, (0, 1), 2).is_empty());
/// ```
pub fn rows_not_reached_padded(n: usize, f: usize, pads: (usize, usize), stride: usize) -> Vec<usize> {
    let count = windows_per_row_padded(n, f, pads, stride);
    (0..n).filter(|&r| count.get(r) == Some(&0)).collect()
}

/// How many windows read each input row (or column): 2 where windows
/// overlap, 0 where none reaches. Empty when [`Window::check`] refuses the
/// window (it does not fit, or a size is 0).
///
/// ```
/// use cnn_walkthrough::textbook::conv::windows_per_row;
/// assert_eq!(windows_per_row(8, 3, 0, 2), vec![1, 1, 2, 1, 2, 1, 1, 0]);
/// ```
pub fn windows_per_row(n: usize, f: usize, pad: usize, stride: usize) -> Vec<usize> {
    windows_per_row_padded(n, f, (pad, pad), stride)
}

/// [`windows_per_row`] with `before` and `after` rows of padding (see
/// [`rows_not_reached_padded`]).
pub fn windows_per_row_padded(
    n: usize,
    f: usize,
    (before, after): (usize, usize),
    stride: usize,
) -> Vec<usize> {
    let padding =
        crate::textbook::padding::Padding2D { top: before, bottom: after, left: before, right: after };
    let Ok((windows, _)) = Window::filter((f, f), padding, stride).check(&[n], (n, n)) else {
        return vec![];
    };
    let mut count = vec![0; n];
    for h in 0..windows {
        let start = h * stride;
        for r in start.max(before)..(start + f).min(before + n) {
            count[r - before] += 1;
        }
    }
    count
}

/// Row numbers written short, as a sentence lists them: `[1, 3, 4, 5]` →
/// `1 and 3–5`, `[0, 2, 4]` → `0, 2 and 4`.
///
/// ```
/// use cnn_walkthrough::textbook::conv::row_list;
/// assert_eq!(row_list(&[1, 3, 4, 5]), "1 and 3–5");
/// assert_eq!(row_list(&[0, 2, 4]), "0, 2 and 4");
/// assert_eq!(row_list(&[7]), "7");
/// ```
pub fn row_list(rows: &[usize]) -> String {
    let mut parts: Vec<String> = vec![];
    let mut k = 0;
    while k < rows.len() {
        let mut end = k;
        while end + 1 < rows.len() && rows[end + 1] == rows[end] + 1 {
            end += 1;
        }
        parts.push(if end == k { rows[k].to_string() } else { format!("{}–{}", rows[k], rows[end]) });
        k = end + 1;
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.concat(),
    }
}

/// The sizes of one convolution, checked: every loop bound of
/// [`conv_forward`] and [`conv_backward`] comes from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvParams {
    /// Images in the batch.
    pub m: usize,
    /// Input height.
    pub n_h_prev: usize,
    /// Input width.
    pub n_w_prev: usize,
    /// Input channels.
    pub n_c_prev: usize,
    /// Window (filter) size, `f × f`.
    pub f: usize,
    /// Output channels: the number of filters.
    pub n_c: usize,
    /// Zero padding on every side.
    pub pad: usize,
    /// Step between windows.
    pub stride: usize,
}

impl ConvParams {
    /// Checks the shapes of `A_prev`, `W` and `b` against each other and the
    /// hyperparameters.
    ///
    /// # Errors
    /// - [`Error::Parameter`] for stride 0, or a window larger than the padded input;
    /// - [`Error::Shape`] for a shape without 4 axes or with an axis of size 0, a non-square or empty window, a channel count of `W`
    ///   that differs from `A_prev`'s, or `b` not `(1, 1, 1, n_C)`.
    pub fn new(a_prev: &[usize], w: &[usize], b: &[usize], hp: Hparameters) -> Result<Self> {
        for (what, shape, layout) in [
            ("A_prev", a_prev, "(m, n_H_prev, n_W_prev, n_C_prev)"),
            ("W", w, "(f, f, n_C_prev, n_C)"),
            ("b", b, "(1, 1, 1, n_C)"),
        ] {
            if shape.len() != 4 {
                return Err(Error::shape(what, format!("{layout}: 4 axes"), shape));
            }
            if shape.contains(&0) {
                return Err(Error::shape(what, format!("{layout} with no axis of size 0"), shape));
            }
        }
        let (m, n_h_prev, n_w_prev, n_c_prev) = (a_prev[0], a_prev[1], a_prev[2], a_prev[3]);
        let (f, n_c) = (w[0], w[3]);
        if w[0] != w[1] || f == 0 {
            return Err(Error::shape("W", "(f, f, n_C_prev, n_C) with a square window of at least 1×1", w));
        }
        if w[2] != n_c_prev {
            return Err(Error::shape(
                "W",
                format!(
                    "({f}, {f}, {n_c_prev}, n_C): its n_C_prev must match the {} of A_prev {}",
                    count(n_c_prev, "channel"),
                    tuple(a_prev)
                ),
                w,
            ));
        }
        if b != [1, 1, 1, n_c] {
            return Err(Error::shape(
                "b",
                format!("(1, 1, 1, {n_c}): one bias per filter of W {}", tuple(w)),
                b,
            ));
        }
        let (n_h, n_w) = Window::conv(f, hp.pad, hp.stride).check(a_prev, (n_h_prev, n_w_prev))?;
        let (h, w) = (n_h_prev + 2 * hp.pad, n_w_prev + 2 * hp.pad);
        check_tensor("the padded input A_prev_pad", &[m, h, w, n_c_prev])?;
        check_tensor("the output Z", &[m, n_h, n_w, n_c])?;
        Ok(ConvParams { m, n_h_prev, n_w_prev, n_c_prev, f, n_c, pad: hp.pad, stride: hp.stride })
    }

    /// Output height `n_H = ⌊(n_H_prev + 2·pad − f) / stride⌋ + 1`.
    pub fn out_h(&self) -> usize {
        output_size(self.n_h_prev, self.f, self.pad, self.stride)
    }

    /// Output width `n_W = ⌊(n_W_prev + 2·pad − f) / stride⌋ + 1`.
    pub fn out_w(&self) -> usize {
        output_size(self.n_w_prev, self.f, self.pad, self.stride)
    }

    /// Shape of `Z`: `(m, n_H, n_W, n_C)`.
    pub fn out_shape(&self) -> [usize; 4] {
        [self.m, self.out_h(), self.out_w(), self.n_c]
    }
}

/// The notebook's `conv_single_step`: one output value from one window,
/// `Z = Σ (a_slice_prev ⊙ W) + b`.
///
/// ```
/// use cnn_walkthrough::textbook::conv::conv_single_step;
/// let a = ndarray::Array3::<f64>::ones((2, 2, 1));
/// let w = ndarray::Array3::<f64>::from_elem((2, 2, 1), 0.5);
/// assert_eq!(conv_single_step(&a.view(), &w.view(), 1.0), 3.0);
/// ```
///
/// # Panics
/// If the two slices differ in shape.
pub fn conv_single_step(a_slice_prev: &ArrayView3<f64>, w: &ArrayView3<f64>, b: f64) -> f64 {
    assert_eq!(a_slice_prev.shape(), w.shape(), "window and filter differ");
    Zip::from(a_slice_prev).and(w).fold(0.0, |acc, a, w| acc + a * w) + b
}

/// What `conv_forward` keeps for the backward pass, as the notebook's
/// `cache = (A_prev, W, b, hparameters)`.
#[derive(Debug, Clone)]
pub struct ConvCache {
    /// The input.
    pub a_prev: Array4<f64>,
    /// The filters.
    pub w: Array4<f64>,
    /// The biases.
    pub b: Array4<f64>,
    /// Pad and stride.
    pub hparameters: Hparameters,
    /// The checked sizes.
    pub params: ConvParams,
}

/// The notebook's `conv_forward`: for every image `i`, output cell `(h, w)` and
/// filter `c`, `Z[i,h,w,c] = conv_single_step(A_prev_pad[i, h·s : h·s+f, w·s : w·s+f, :], W[..,c], b[c])`.
///
/// ```
/// use cnn_walkthrough::textbook::conv::{conv_forward, Hparameters};
/// use ndarray::Array4;
/// let a_prev = Array4::<f64>::ones((1, 3, 3, 1));
/// let w = Array4::<f64>::ones((2, 2, 1, 1));
/// let b = Array4::<f64>::zeros((1, 1, 1, 1));
/// let (z, _cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), Hparameters { pad: 0, stride: 1 })?;
/// assert_eq!(z.shape(), &[1, 2, 2, 1]);
/// assert_eq!(z[[0, 0, 0, 0]], 4.0);
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// As [`ConvParams::new`].
pub fn conv_forward(
    a_prev: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    b: &ArrayView4<f64>,
    hparameters: Hparameters,
) -> Result<(Array4<f64>, ConvCache)> {
    let p = ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hparameters)?;
    let (f, s) = (p.f, p.stride);
    let a_prev_pad = zero_pad(a_prev, p.pad);
    let mut z = Array4::zeros(p.out_shape());
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for wi in 0..p.out_w() {
                let (vert_start, horiz_start) = (h * s, wi * s);
                let a_slice_prev =
                    a_prev_pad.slice(s![i, vert_start..vert_start + f, horiz_start..horiz_start + f, ..]);
                for c in 0..p.n_c {
                    z[[i, h, wi, c]] =
                        conv_single_step(&a_slice_prev, &w.slice(s![.., .., .., c]), b[[0, 0, 0, c]]);
                }
            }
        }
    }
    let cache =
        ConvCache { a_prev: a_prev.to_owned(), w: w.to_owned(), b: b.to_owned(), hparameters, params: p };
    Ok((z, cache))
}

/// Gradients of the loss with respect to a convolution's input and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvGrads {
    /// `dA_prev (m, n_H_prev, n_W_prev, n_C_prev)`.
    pub d_a_prev: Array4<f64>,
    /// `dW (f, f, n_C_prev, n_C)`.
    pub d_w: Array4<f64>,
    /// `db (1, 1, 1, n_C)`.
    pub d_b: Array4<f64>,
}

/// The notebook's `conv_backward`: every output cell sends its gradient
/// `dZ[i,h,w,c]` back along the window it was computed from:
///
/// - `dA_prev_pad[i, window] += W[..,c] · dZ[i,h,w,c]`
/// - `dW[..,c] += a_slice · dZ[i,h,w,c]`
/// - `db[c] += dZ[i,h,w,c]`
///
/// and `dA_prev` is `dA_prev_pad` without its padding.
///
/// # Errors
/// [`Error::Shape`] when `dZ` does not have the shape of `Z`.
pub fn conv_backward(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    let grads = conv_backward_padded(dz, cache)?;
    let (p, pad) = (cache.params, cache.params.pad);
    let (h, w) = (p.n_h_prev, p.n_w_prev);
    let d_a_prev = grads.d_a_prev.slice(s![.., pad..pad + h, pad..pad + w, ..]).to_owned();
    Ok(ConvGrads { d_a_prev, ..grads })
}

/// The loops of [`conv_backward`], before its last step: the `d_a_prev` it
/// returns is still `dA_prev_pad`, padded as the input was for the forward
/// pass (the gradients that reached the padding are in its border).
///
/// # Errors
/// As [`conv_backward`].
pub fn conv_backward_padded(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
    let p = cache.params;
    if dz.shape() != p.out_shape() {
        return Err(Error::shape("dZ", format!("{}, the shape of Z", tuple(&p.out_shape())), dz.shape()));
    }
    let (f, s, pad) = (p.f, p.stride, p.pad);
    let a_prev_pad = zero_pad(&cache.a_prev.view(), pad);
    let mut da_prev_pad = Array4::zeros(a_prev_pad.raw_dim());
    let mut d_w = Array4::zeros(cache.w.raw_dim());
    let mut d_b = Array4::zeros(cache.b.raw_dim());
    for i in 0..p.m {
        for h in 0..p.out_h() {
            for wi in 0..p.out_w() {
                let (vert_start, horiz_start) = (h * s, wi * s);
                let window = s![i, vert_start..vert_start + f, horiz_start..horiz_start + f, ..];
                let a_slice = a_prev_pad.slice(window);
                for c in 0..p.n_c {
                    let g = dz[[i, h, wi, c]];
                    da_prev_pad.slice_mut(window).scaled_add(g, &cache.w.slice(s![.., .., .., c]));
                    d_w.slice_mut(s![.., .., .., c]).scaled_add(g, &a_slice);
                    d_b[[0, 0, 0, c]] += g;
                }
            }
        }
    }
    Ok(ConvGrads { d_a_prev: da_prev_pad, d_w, d_b })
}
