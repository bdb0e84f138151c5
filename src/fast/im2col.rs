//! im2col for training: [`image_to_column_by_image`] equals
//! [`crate::textbook::im2col::image_to_column`] with its columns reordered
//! (image, output row, output column), and [`column_to_image_by_image`]
//! equals [`crate::textbook::im2col::column_to_image`] of the same columns.
//! Generic over [`Float`]: the images are padded once into a plain vector,
//! and each row of the column matrix is copied from it (or, backward, added
//! onto it) one run of `out_w` pixels at a time.
//! The forward copies are exact; the backward adds the same terms in another
//! order, so its sums may differ from the textbook's in the last bits (each
//! pixel adds at most `fh·fw` values per channel).

use ndarray::{Array2, Array4, ArrayView2, ArrayView4, ArrayViewMut4};

use crate::error::Result;
use crate::fast::float::Float;
use crate::textbook::im2col::Im2colParams;
use crate::textbook::padding::Padding2D;

/// [`crate::textbook::im2col::image_to_column`] with the columns ordered (image, output row, output
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
    let padded = padded_planes(images, padding);
    let (ph, pw) = (p.height + padding.rows(), p.width + padding.cols());
    let (fh, fw) = filter_shape;
    let (oh, ow) = (p.out_h(), p.out_w());
    // Every value is written below: the buffer is only resized, not cleared.
    cols.resize(p.rows() * p.cols(), F::zero());
    for (r, row) in cols.chunks_exact_mut(p.cols()).enumerate() {
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        // Window (y, x) of image b reads padded pixel (y·stride + di, x·stride + dj) of channel c.
        for (b, image_row) in row.chunks_exact_mut(oh * ow).enumerate() {
            let first = ((b * p.channels + c) * ph + di) * pw + dj;
            for (y, target) in image_row.chunks_exact_mut(ow).enumerate() {
                let start = first + y * stride * pw;
                if stride == 1 {
                    target.copy_from_slice(&padded[start..start + ow]);
                } else {
                    target.iter_mut().enumerate().for_each(|(x, t)| *t = padded[start + x * stride]);
                }
            }
        }
    }
    Ok(p)
}

/// The adjoint of [`image_to_column_by_image`]: columns ordered (image,
/// output row, output column) added back onto their windows.
///
/// # Errors
/// As [`crate::textbook::im2col::column_to_image`].
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

/// The images with `padding` zeros around each channel, as one plain
/// vector of `(batch, channels, H + top + bottom, W + left + right)`
/// values, made row by row.
pub(crate) fn padded_planes<F: Float>(images: &ArrayView4<F>, padding: Padding2D) -> Vec<F> {
    let (_, _, h, w) = images.dim();
    let (ph, pw) = (h + padding.rows(), w + padding.cols());
    let images = images.as_standard_layout();
    let source = images.as_slice().expect("standard layout");
    // `Im2colParams::new` has refused images with an axis of size 0.
    let mut padded = vec![F::zero(); source.len() / (h * w) * ph * pw];
    for (plane, image) in padded.chunks_exact_mut(ph * pw).zip(source.chunks_exact(h * w)) {
        for (i, row) in image.chunks_exact(w).enumerate() {
            let start = (i + padding.top) * pw + padding.left;
            plane[start..start + w].copy_from_slice(row);
        }
    }
    padded
}

/// The body of [`column_to_image_by_image_add`], for rows of `cols` that are
/// contiguous and images in standard layout (`target`): each row of columns
/// is added onto a padded copy of the images, a run of pixels at a time, and
/// the inside of that copy onto `target`.
fn add_columns<F: Float>(p: &Im2colParams, cols: ArrayView2<F>, target: &mut [F]) {
    let ((fh, fw), stride, padding) = (p.filter_shape, p.stride, p.padding);
    let (oh, ow) = (p.out_h(), p.out_w());
    let (h, w) = (p.height, p.width);
    let (ph, pw) = (h + padding.rows(), w + padding.cols());
    let mut padded = vec![F::zero(); p.batch * p.channels * ph * pw];
    for (r, row) in cols.outer_iter().enumerate() {
        let row = row.to_slice().expect("rows are contiguous");
        let (c, di, dj) = (r / (fh * fw), (r / fw) % fh, r % fw);
        // Window (y, x) of image b adds onto padded pixel (y·stride + di, x·stride + dj) of channel c.
        for (b, image_row) in row.chunks_exact(oh * ow).enumerate() {
            let first = ((b * p.channels + c) * ph + di) * pw + dj;
            for (y, source) in image_row.chunks_exact(ow).enumerate() {
                let start = first + y * stride * pw;
                if stride == 1 {
                    add_run(&mut padded[start..start + ow], source);
                } else {
                    source.iter().enumerate().for_each(|(x, &v)| padded[start + x * stride] += v);
                }
            }
        }
    }
    for (plane, image) in padded.chunks_exact(ph * pw).zip(target.chunks_exact_mut(h * w)) {
        for (i, row) in image.chunks_exact_mut(w).enumerate() {
            let start = (i + padding.top) * pw + padding.left;
            add_run(row, &plane[start..start + w]);
        }
    }
}

/// `target += source`, value by value.
fn add_run<F: Float>(target: &mut [F], source: &[F]) {
    target.iter_mut().zip(source).for_each(|(t, &s)| *t += s);
}

/// [`column_to_image_by_image`] added onto `images`: each column's values go
/// back to the pixels of its window; values that fall on the padding are dropped.
///
/// # Errors
/// As [`crate::textbook::im2col::column_to_image`].
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
