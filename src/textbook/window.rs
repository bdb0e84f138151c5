//! A sliding window: its size, its step (the stride) and the padding around
//! the input it slides over. Every convolution and pooling of the course,
//! whichever article it follows, checks its window here ([`Window::check`])
//! and sizes its output by one rule ([`output_size`]).

use crate::error::{tuple, Error, Result};
use crate::textbook::padding::Padding2D;

/// Output size of a convolution or pooling window along one axis:
/// `⌊(n + 2·pad − f) / stride⌋ + 1`. The floor drops a last window that would
/// not fit (see [`crate::textbook::conv::rows_not_reached`]).
///
/// ```
/// use cnn_walkthrough::textbook::window::output_size;
/// assert_eq!(output_size(5, 3, 1, 2), 3); // the worked 5×5 example
/// assert_eq!(output_size(4, 2, 2, 2), 4); // the notebook's conv_forward cell
/// ```
///
/// # Panics
/// If `stride` is 0 or `f > n + 2·pad`; [`Window::check`] refuses both.
pub fn output_size(n: usize, f: usize, pad: usize, stride: usize) -> usize {
    (n + 2 * pad - f) / stride + 1
}

/// How an article names a window's parameters: the errors use its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// The notebook's convolution (and hanbt's): a square window `f`, `pad`
    /// zeros on every side of the `input`.
    Conv,
    /// The notebook's pooling (and hanbt's): a square window `f` over the
    /// `input`, no padding.
    Pool,
    /// ML-From-Scratch: a window `filter_shape (fh, fw)`, `padding ((top,
    /// bottom), (left, right))` around the `image`.
    FilterShape,
}

/// A window of `f_h × f_w` that moves by `stride` over an input padded by
/// `pad`, as candle's `ParamsConv2D` holds one (without the input's size).
///
/// ```
/// use cnn_walkthrough::textbook::window::Window;
/// let w = Window::conv(3, 1, 2); // the worked 5×5×3 example
/// assert_eq!(w.check(&[1, 5, 5, 3], (5, 5)).unwrap(), (3, 3));
/// let e = Window::conv(8, 1, 1).check(&[1, 3, 3, 1], (3, 3)).unwrap_err();
/// assert!(e.to_string().contains("8×8 window is larger than the padded input 5×5"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Window height.
    pub f_h: usize,
    /// Window width.
    pub f_w: usize,
    /// Step between windows.
    pub stride: usize,
    /// Zeros around the input (none for pooling).
    pub pad: Padding2D,
    /// The names the errors use.
    pub names: Names,
}

impl Window {
    /// The notebook's convolution window: `f × f`, `pad` on every side.
    pub fn conv(f: usize, pad: usize, stride: usize) -> Self {
        Window { f_h: f, f_w: f, stride, pad: Padding2D::uniform(pad), names: Names::Conv }
    }

    /// The notebook's pooling window: `f × f`, no padding.
    pub fn pool(f: usize, stride: usize) -> Self {
        Window { f_h: f, f_w: f, stride, pad: Padding2D::uniform(0), names: Names::Pool }
    }

    /// ML-From-Scratch's window: `filter_shape = (fh, fw)` and `padding`.
    pub fn filter(filter_shape: (usize, usize), padding: Padding2D, stride: usize) -> Self {
        let (f_h, f_w) = filter_shape;
        Window { f_h, f_w, stride, pad: padding, names: Names::FilterShape }
    }

    /// The padded input `(n_h + top + bottom, n_w + left + right)`; `None`
    /// when a size overflows.
    pub fn padded(&self, (n_h, n_w): (usize, usize)) -> Option<(usize, usize)> {
        let grown = |n: usize, a: usize, b: usize| n.checked_add(a)?.checked_add(b);
        Some((grown(n_h, self.pad.top, self.pad.bottom)?, grown(n_w, self.pad.left, self.pad.right)?))
    }

    /// Output height: [`output_size`] of the padded height,
    /// `⌊(n_h + top + bottom − f_h) / stride⌋ + 1`.
    ///
    /// # Panics
    /// As [`output_size`], for a window [`Window::check`] refuses.
    pub fn out_h(&self, n_h: usize) -> usize {
        output_size(n_h + self.pad.top + self.pad.bottom, self.f_h, 0, self.stride)
    }

    /// Output width: `⌊(n_w + left + right − f_w) / stride⌋ + 1`.
    ///
    /// # Panics
    /// As [`Window::out_h`].
    pub fn out_w(&self, n_w: usize) -> usize {
        output_size(n_w + self.pad.left + self.pad.right, self.f_w, 0, self.stride)
    }

    /// Checks what does not depend on the input: a window of at least 1×1
    /// and a stride of at least 1.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the window's size (`f` or
    /// `filter_shape`) or `stride`.
    pub fn check_sizes(&self) -> Result<()> {
        if self.f_h == 0 || self.f_w == 0 {
            return Err(Error::parameter(
                self.size_name(),
                format!("is {}; expected a window of at least 1×1", self.size()),
            ));
        }
        if self.stride == 0 {
            return Err(Error::parameter("stride", "is 0; expected a step of at least 1 between windows"));
        }
        Ok(())
    }

    /// Checks the window against an `n_h × n_w` input (held in a tensor of
    /// `shape`, which the errors show) and returns the output's
    /// `(out_h, out_w)`.
    ///
    /// # Errors
    /// [`Error::Parameter`] as [`Window::check_sizes`]; for a padding whose
    /// padded size overflows; and for a window larger than the padded input,
    /// naming both.
    pub fn check(&self, shape: &[usize], (n_h, n_w): (usize, usize)) -> Result<(usize, usize)> {
        self.check_sizes()?;
        let (pad_name, pad, formula) = match self.names {
            Names::FilterShape => ("padding", self.pad.to_string(), ""),
            Names::Conv | Names::Pool => ("pad", self.pad.top.to_string(), " n + 2·pad"),
        };
        let Some((h, w)) = self.padded((n_h, n_w)) else {
            return Err(Error::parameter(
                pad_name,
                format!("= {pad} is too large: the padded size{formula} overflows"),
            ));
        };
        if self.f_h <= h && self.f_w <= w {
            return Ok((self.out_h(n_h), self.out_w(n_w)));
        }
        let noun = if self.names == Names::FilterShape { "image" } else { "input" };
        let input = match self.names {
            Names::Pool => format!("{h}×{w} {noun} {}", tuple(shape)),
            Names::Conv => {
                format!("padded {noun} {h}×{w} (the {n_h}×{n_w} {noun} {}, with pad {pad})", tuple(shape))
            }
            Names::FilterShape => {
                format!("padded {noun} {h}×{w} (the {n_h}×{n_w} {noun} {}, padded {pad})", tuple(shape))
            }
        };
        let expected = match self.names {
            Names::FilterShape => format!("at most {h}×{w}"),
            Names::Conv | Names::Pool => format!("f ≤ {}", h.min(w)),
        };
        Err(Error::parameter(
            self.size_name(),
            format!(
                "= {}: the {}×{} window is larger than the {input}; expected {expected}",
                self.size(),
                self.f_h,
                self.f_w
            ),
        ))
    }

    /// `f` or `filter_shape`, as the article calls the window's size.
    fn size_name(&self) -> &'static str {
        match self.names {
            Names::Conv | Names::Pool => "f",
            Names::FilterShape => "filter_shape",
        }
    }

    /// The window's size as the article writes it: `3`, or `(3, 2)`.
    fn size(&self) -> String {
        match self.names {
            Names::Conv | Names::Pool => self.f_h.to_string(),
            Names::FilterShape => format!("({}, {})", self.f_h, self.f_w),
        }
    }
}
