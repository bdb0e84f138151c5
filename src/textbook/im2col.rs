//! im2col, as ML-From-Scratch writes it (seed 001): every window of a batch
//! of NCHW images becomes one column of a matrix, so that a whole
//! convolution is one matrix product.
//!
//! Rows of the column matrix are ordered (channel, kernel row, kernel
//! column); columns (output row, output column, image).
//! [`get_im2col_indices`] computes the article's fancy-index arrays `k, i, j`
//! (for teaching); [`image_to_column`] and [`column_to_image`] do the same
//! work with plain copies, fast enough for training.

use ndarray::{s, Array1, Array2, Array4, ArrayView2, ArrayView4, ArrayViewMut4, Axis};

use crate::course::budget::check_tensor;
use crate::course::tensor::transpose_2d;
use crate::error::{tuple, Error, Result};
use crate::fast::float::Float;
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

/// The images padded, with the batch moved last: `(channels, H + pad_h, W + pad_w, batch)`,
/// so that the same pixel of every image lies in one contiguous run.
fn padded_batch_last(images: &ArrayView4<f64>, padding: Padding2D) -> Array4<f64> {
    let padded = pad_axes(images, 2, 3, padding, 0.0);
    let (b, c, h, w) = padded.dim();
    let moved = transpose_2d(padded.as_slice().expect("standard layout"), b, c * h * w);
    Array4::from_shape_vec((c, h, w, b), moved).expect("same size")
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
    let padded = padded_batch_last(images, padding);
    let src = padded.as_slice().expect("standard layout");
    let (fh, fw) = filter_shape;
    let (hp, wp, b) = (padded.dim().1, padded.dim().2, p.batch);
    let (oh, ow) = (p.out_h(), p.out_w());
    // Filled in order, row by row, so no zeroing first.
    let mut cols = Vec::with_capacity(p.rows() * p.cols());
    for r in 0..p.rows() {
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        for y in 0..oh {
            for x in 0..ow {
                let start = ((c * hp + y * stride + di) * wp + x * stride + dj) * b;
                cols.extend_from_slice(&src[start..start + b]);
            }
        }
    }
    Ok(Array2::from_shape_vec((p.rows(), p.cols()), cols).expect("rows · cols values"))
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
    let (fh, fw) = filter_shape;
    let (hp, wp, b) = (p.height + padding.rows(), p.width + padding.cols(), p.batch);
    let (oh, ow) = (p.out_h(), p.out_w());
    let mut padded = vec![0.0; p.channels * hp * wp * b];
    let cols = cols.as_standard_layout();
    for (r, row) in cols.axis_iter(Axis(0)).enumerate() {
        let row = row.to_slice().expect("standard layout");
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        for y in 0..oh {
            for x in 0..ow {
                let start = ((c * hp + y * stride + di) * wp + x * stride + dj) * b;
                let from = (y * ow + x) * b;
                for (t, v) in padded[start..start + b].iter_mut().zip(&row[from..from + b]) {
                    *t += v;
                }
            }
        }
    }
    let batch_first = transpose_2d(&padded, p.channels * hp * wp, b);
    let padded = Array4::from_shape_vec((b, p.channels, hp, wp), batch_first).expect("sizes agree");
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

/// [`image_to_column`] with the columns ordered (image, output row, output
/// column): each image's windows side by side. This is the layout a layer
/// multiplies a few images at a time: the product for image `b` is then
/// columns `b·P .. (b+1)·P` and lands in the output `(n_filters, out_h, out_w)`
/// of that image without a transpose.
///
/// # Errors
/// As [`Im2colParams::new`].
pub fn image_to_column_by_image<F: Float>(
    images: &ArrayView4<F>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array2<F>> {
    let mut cols = vec![];
    let p = image_to_column_by_image_into(images, filter_shape, stride, padding, &mut cols)?;
    Ok(Array2::from_shape_vec((p.rows(), p.cols()), cols).expect("rows · cols values"))
}

/// [`image_to_column_by_image`] written into `cols` (resized, its
/// allocation reused), row after row: a layer keeps one buffer per thread.
/// Returns the sizes; `cols` then holds `p.rows() · p.cols()` values.
///
/// # Errors
/// As [`Im2colParams::new`].
pub fn image_to_column_by_image_into<F: Float>(
    images: &ArrayView4<F>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
    cols: &mut Vec<F>,
) -> Result<Im2colParams> {
    let p = Im2colParams::new(images.shape(), filter_shape, padding, stride)?;
    let padded = pad_axes(images, 2, 3, padding, F::zero());
    let source = padded.as_slice().expect("a new array is in standard layout");
    let (ph, pw) = (p.height + padding.rows(), p.width + padding.cols());
    let (fh, fw) = filter_shape;
    let (oh, ow) = (p.out_h(), p.out_w());
    // Every value is written below: the buffer is only resized, not cleared.
    cols.resize(p.rows() * p.cols(), F::zero());
    for (r, row) in cols.chunks_exact_mut(p.cols()).enumerate() {
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        // Window (y, x) of image b reads padded pixel (y·stride + di, x·stride + dj) of channel c.
        for (by, target) in row.chunks_exact_mut(ow).enumerate() {
            let (b, y) = (by / oh, by % oh);
            let start = ((b * p.channels + c) * ph + y * stride + di) * pw + dj;
            if stride == 1 {
                copy_run(target, &source[start..start + ow]);
            } else {
                target.iter_mut().enumerate().for_each(|(x, t)| *t = source[start + x * stride]);
            }
        }
    }
    Ok(p)
}

/// The adjoint of [`image_to_column_by_image`]: columns ordered (image,
/// output row, output column) added back onto their windows.
///
/// # Errors
/// As [`column_to_image`].
pub fn column_to_image_by_image<F: Float>(
    cols: &ArrayView2<F>,
    images_shape: &[usize],
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<Array4<F>> {
    let p = Im2colParams::new(images_shape, filter_shape, padding, stride)?;
    let mut images = Array4::zeros(p.images_shape());
    column_to_image_by_image_add(cols, &mut images.view_mut(), filter_shape, stride, padding)?;
    Ok(images)
}

/// The body of [`column_to_image_by_image_add`], for rows of `cols` that are
/// contiguous and images in standard layout (`target`).
fn add_columns<F: Float>(p: &Im2colParams, cols: ArrayView2<F>, target: &mut [F]) {
    let ((fh, fw), stride, padding) = (p.filter_shape, p.stride, p.padding);
    let (oh, ow) = (p.out_h(), p.out_w());
    // Window offset d of output position y reads padded row y·stride + d, image row y·stride + d − top.
    let inside = |n: usize, d: usize, before: usize, size: usize| -> Vec<(usize, usize)> {
        (0..n)
            .filter_map(|y| (y * stride + d).checked_sub(before).filter(|&i| i < size).map(|i| (y, i)))
            .collect()
    };
    for (r, row) in cols.outer_iter().enumerate() {
        let row = row.to_slice().expect("rows are contiguous");
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        let (ys, xs) = (inside(oh, di, padding.top, p.height), inside(ow, dj, padding.left, p.width));
        let Some(&(x0, j0)) = xs.first() else { continue };
        for b in 0..p.batch {
            for &(y, i) in &ys {
                let (from, to) = ((b * oh + y) * ow, ((b * p.channels + c) * p.height + i) * p.width);
                if stride == 1 {
                    // The pixels a row of windows reaches are side by side: add a run.
                    let n = xs.len();
                    add_run(&mut target[to + j0..to + j0 + n], &row[from + x0..from + x0 + n]);
                } else {
                    xs.iter().for_each(|&(x, j)| target[to + j] += row[from + x]);
                }
            }
        }
    }
}

/// `target = source`, eight values at a time (the runs of a small image are a
/// few values long: fixed-size copies the compiler writes inline).
fn copy_run<F: Copy>(target: &mut [F], source: &[F]) {
    let source = &source[..target.len()];
    let (t8, t) = target.as_chunks_mut::<8>();
    let (s8, s) = source.as_chunks::<8>();
    t8.iter_mut().zip(s8).for_each(|(t, s)| *t = *s);
    t.copy_from_slice(s);
}

/// `target += source`, eight values at a time.
fn add_run<F: Float>(target: &mut [F], source: &[F]) {
    let source = &source[..target.len()];
    let (t8, t) = target.as_chunks_mut::<8>();
    let (s8, s) = source.as_chunks::<8>();
    for (t, s) in t8.iter_mut().zip(s8) {
        t.iter_mut().zip(s).for_each(|(t, &s)| *t += s);
    }
    t.iter_mut().zip(s).for_each(|(t, &s)| *t += s);
}

/// [`column_to_image_by_image`] added onto `images`: each column's values go
/// back to the pixels of its window; values that fall on the padding are dropped.
///
/// # Errors
/// As [`column_to_image`].
pub fn column_to_image_by_image_add<F: Float>(
    cols: &ArrayView2<F>,
    images: &mut ArrayViewMut4<F>,
    filter_shape: (usize, usize),
    stride: usize,
    padding: Padding2D,
) -> Result<()> {
    let p = Im2colParams::new(images.shape(), filter_shape, padding, stride)?;
    p.check_cols(cols)?;
    // Both sides as plain slices: each row of `cols`, and the images in standard layout
    // (added through a standard copy when they are not).
    let standard_cols;
    let cols = if cols.ncols() <= 1 || cols.strides()[1] == 1 {
        cols.view()
    } else {
        standard_cols = cols.as_standard_layout().into_owned();
        standard_cols.view()
    };
    match images.as_slice_mut() {
        Some(target) => add_columns(&p, cols, target),
        None => {
            let mut sum = Array4::zeros(images.raw_dim());
            add_columns(&p, cols, sum.as_slice_mut().expect("a new array is in standard layout"));
            *images += &sum;
        }
    }
    Ok(())
}
