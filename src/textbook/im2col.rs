//! im2col, as ML-From-Scratch writes it (seed 001): every window of a batch
//! of NCHW images becomes one column of a matrix, so that a whole
//! convolution is one matrix product.
//!
//! Rows of the column matrix are ordered (channel, kernel row, kernel
//! column); columns (output row, output column, image).
//! [`get_im2col_indices`] computes the article's fancy-index arrays `k, i, j`
//! (for teaching); [`image_to_column`] and [`column_to_image`] do the same
//! work computing each index in place. The layout training uses (columns grouped image
//! by image) is in [`crate::fast::im2col`].

use ndarray::{s, Array1, Array2, Array4, ArrayView2, ArrayView4};

use crate::course::budget::check_tensor;
use crate::error::{tuple, Error, Result};
use crate::textbook::padding::{pad_axes, Padding2D};
use crate::textbook::window::Window;

/// The checked sizes of one im2col: images `(batch, channels, height, width)`,
/// an `fh × fw` window, padding and stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Im2colParams {
    /// Images.
    pub batch: usize,
    /// Channels of each image.
    pub channels: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Window height and width.
    pub filter_shape: (usize, usize),
    /// `((top, bottom), (left, right))`.
    pub padding: Padding2D,
    /// Step between windows.
    pub stride: usize,
}

impl Im2colParams {
    /// Checks the shapes.
    ///
    /// # Errors
    /// [`Error::Shape`] when `images_shape` does not have 4 axes or has an
    /// axis of size 0; [`Error::Parameter`] for stride 0, an empty window or a
    /// window larger than the padded image.
    pub fn new(
        images_shape: &[usize],
        filter_shape: (usize, usize),
        padding: Padding2D,
        stride: usize,
    ) -> Result<Self> {
        if images_shape.len() != 4 || images_shape.contains(&0) {
            return Err(Error::shape(
                "images",
                "(batch, channels, height, width): 4 axes, none of size 0",
                images_shape,
            ));
        }
        let (height, width) = (images_shape[2], images_shape[3]);
        let window = Window::filter(filter_shape, padding, stride);
        let (oh, ow) = window.check(images_shape, (height, width))?;
        let (ph, pw) = window.padded((height, width)).expect("checked");
        check_tensor("the padded images", &[images_shape[0], images_shape[1], ph, pw])?;
        let (fh, fw) = filter_shape;
        check_tensor("the column matrix", &[images_shape[1] * fh * fw, oh, ow, images_shape[0]])?;
        Ok(Im2colParams {
            batch: images_shape[0],
            channels: images_shape[1],
            height,
            width,
            filter_shape,
            padding,
            stride,
        })
    }

    /// The window, its padding and stride.
    pub fn window(&self) -> Window {
        Window::filter(self.filter_shape, self.padding, self.stride)
    }

    /// `out_height = (height + pad_h − fh) / stride + 1` ([`Window::out_h`]).
    pub fn out_h(&self) -> usize {
        self.window().out_h(self.height)
    }

    /// `out_width = (width + pad_w − fw) / stride + 1` ([`Window::out_w`]).
    pub fn out_w(&self) -> usize {
        self.window().out_w(self.width)
    }

    /// Rows of the column matrix: `channels · fh · fw`.
    pub fn rows(&self) -> usize {
        self.channels * self.filter_shape.0 * self.filter_shape.1
    }

    /// Columns of the column matrix: `out_h · out_w · batch`.
    pub fn cols(&self) -> usize {
        self.out_h() * self.out_w() * self.batch
    }

    /// Checks that `cols` is a column matrix of these sizes.
    ///
    /// # Errors
    /// [`Error::Shape`] unless `cols` is `(rows, cols)`.
    pub fn check_cols<A>(&self, cols: &ArrayView2<A>) -> Result<()> {
        if cols.dim() == (self.rows(), self.cols()) {
            return Ok(());
        }
        Err(Error::shape(
            "cols",
            format!(
                "{}, one row per (channel, kernel row, kernel column) and one column per window",
                tuple(&[self.rows(), self.cols()])
            ),
            cols.shape(),
        ))
    }

    /// The images' shape.
    pub fn images_shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.height, self.width]
    }
}

/// The article's index arrays: `cols = images_padded[:, k, i, j]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Im2colIndices {
    /// Kernel row of each column-matrix row: `tile(repeat(arange(fh), fw), channels)`.
    pub i0: Array1<usize>,
    /// Top row of each window: `stride · repeat(arange(out_h), out_w)`.
    pub i1: Array1<usize>,
    /// Kernel column of each row: `tile(arange(fw), fh · channels)`.
    pub j0: Array1<usize>,
    /// Left column of each window: `stride · tile(arange(out_w), out_h)`.
    pub j1: Array1<usize>,
    /// Channel of each row: `repeat(arange(channels), fh · fw)`, shape `(rows, 1)`.
    pub k: Array2<usize>,
    /// Padded-image row: `i0[:, None] + i1[None, :]`.
    pub i: Array2<usize>,
    /// Padded-image column: `j0[:, None] + j1[None, :]`.
    pub j: Array2<usize>,
}

/// The article's `get_im2col_indices(images_shape, filter_shape, padding, stride)`.
///
/// ```
/// use cnn_walkthrough::textbook::im2col::get_im2col_indices;
/// use cnn_walkthrough::textbook::padding::Padding2D;
/// let ix = get_im2col_indices(&[1, 3, 32, 32], (3, 3), Padding2D::uniform(1), 1)?;
/// assert_eq!((ix.i.dim(), ix.k.dim()), ((27, 1024), (27, 1)));
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// As [`Im2colParams::new`].
pub fn get_im2col_indices(
    images_shape: &[usize],
    filter_shape: (usize, usize),
    padding: Padding2D,
    stride: usize,
) -> Result<Im2colIndices> {
    let p = Im2colParams::new(images_shape, filter_shape, padding, stride)?;
    let (fh, fw) = filter_shape;
    let (c, oh, ow) = (p.channels, p.out_h(), p.out_w());
    let i0: Array1<usize> = (0..c * fh * fw).map(|r| (r / fw) % fh).collect();
    let i1: Array1<usize> = (0..oh * ow).map(|q| stride * (q / ow)).collect();
    let j0: Array1<usize> = (0..c * fh * fw).map(|r| r % fw).collect();
    let j1: Array1<usize> = (0..oh * ow).map(|q| stride * (q % ow)).collect();
    let k = Array2::from_shape_fn((c * fh * fw, 1), |(r, _)| r / (fh * fw));
    let i = Array2::from_shape_fn((i0.len(), i1.len()), |(r, q)| i0[r] + i1[q]);
    let j = Array2::from_shape_fn((j0.len(), j1.len()), |(r, q)| j0[r] + j1[q]);
    Ok(Im2colIndices { i0, i1, j0, j1, k, i, j })
}

/// The padded pixel `(image, channel, row, column)` that row `r` of column
/// `col` of the column matrix holds: the article's `k[r]`, `i[r, q]`,
/// `j[r, q]` for window `q = col / batch` of image `col % batch`.
fn window_pixel(p: &Im2colParams, r: usize, col: usize) -> (usize, usize, usize, usize) {
    let (fh, fw) = p.filter_shape;
    let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
    let (q, b) = (col / p.batch, col % p.batch);
    let (y, x) = (q / p.out_w(), q % p.out_w());
    (b, c, y * p.stride + di, x * p.stride + dj)
}

/// The article's `image_to_column(images, filter_shape, stride, output_shape)`:
/// column `(oh·out_w + ow)·batch + b` holds the window of image `b` at output
/// cell `(oh, ow)`, read in (channel, kernel row, kernel column) order.
///
/// ```
/// use cnn_walkthrough::textbook::im2col::image_to_column;
/// use cnn_walkthrough::textbook::padding::Padding2D;
/// let x = ndarray::Array::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| (3 * i + j) as f64);
/// let cols = image_to_column(&x.view(), (2, 2), 1, Padding2D::uniform(0))?;
/// assert_eq!(cols.column(0).to_vec(), vec![0.0, 1.0, 3.0, 4.0]); // the top-left window
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// As [`Im2colParams::new`].
pub fn image_to_column(
    images: &ArrayView4<f64>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<f64>> {
    let p = Im2colParams::new(images.shape(), filter_shape, padding, stride)?;
    let padded = pad_axes(images, 2, 3, padding, 0.0);
    Ok(Array2::from_shape_fn((p.rows(), p.cols()), |(r, col)| {
        let (b, c, i, j) = window_pixel(&p, r, col);
        padded[[b, c, i, j]]
    }))
}

/// The article's `column_to_image(cols, images_shape, filter_shape, stride, output_shape)`:
/// the adjoint of [`image_to_column`]. Each column is added back onto the
/// window it came from (windows that overlap add up), and the padding is
/// cut off.
///
/// ```
/// use cnn_walkthrough::textbook::im2col::{column_to_image, image_to_column};
/// use cnn_walkthrough::textbook::padding::Padding2D;
/// let ones = ndarray::Array2::<f64>::ones((4, 4)); // 2×2 windows of a 3×3 image
/// let count = column_to_image(&ones.view(), &[1, 1, 3, 3], (2, 2), 1, Padding2D::uniform(0))?;
/// assert_eq!(count[[0, 0, 1, 1]], 4.0); // the centre is in all four windows
/// # Ok::<(), cnn_walkthrough::Error>(())
/// ```
///
/// # Errors
/// As [`Im2colParams::new`], or `cols` not of shape `(channels·fh·fw, out_h·out_w·batch)`.
pub fn column_to_image(
    cols: &ArrayView2<f64>,
    images_shape: &[usize],
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<f64>> {
    let p = Im2colParams::new(images_shape, filter_shape, padding, stride)?;
    p.check_cols(cols)?;
    let (hp, wp) = (p.height + padding.rows(), p.width + padding.cols());
    let mut padded = Array4::zeros((p.batch, p.channels, hp, wp));
    // Row after row, as `np.add.at(images_padded, (slice(None), k, i, j), cols)`.
    for ((r, col), &v) in cols.indexed_iter() {
        padded[window_pixel(&p, r, col)] += v;
    }
    let pad = padding;
    Ok(padded.slice(s![.., .., pad.top..pad.top + p.height, pad.left..pad.left + p.width]).to_owned())
}

/// `image_to_column` done literally as the article does, `images_padded[:, k, i, j]`
/// then `transpose(1, 2, 0).reshape(rows, -1)`: slow, but a check on the fast one.
///
/// # Errors
/// As [`Im2colParams::new`].
pub fn image_to_column_by_indices(
    images: &ArrayView4<f64>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<f64>> {
    let p = Im2colParams::new(images.shape(), filter_shape, padding, stride)?;
    let ix = get_im2col_indices(images.shape(), filter_shape, padding, stride)?;
    let padded = pad_axes(images, 2, 3, padding, 0.0);
    let (rows, windows) = ix.i.dim();
    Ok(Array2::from_shape_fn((rows, windows * p.batch), |(r, col)| {
        let (q, b) = (col / p.batch, col % p.batch);
        padded[[b, ix.k[[r, 0]], ix.i[[r, q]], ix.j[[r, q]]]]
    }))
}
