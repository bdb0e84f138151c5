//! im2col for training: [`image_to_column_by_image`] equals
//! [`crate::textbook::im2col::image_to_column`] with its columns reordered
//! (image, output row, output column), and [`column_to_image_by_image`]
//! equals [`crate::textbook::im2col::column_to_image`] of the same columns.
//! Generic over [`Float`], written into reused buffers with fixed-size runs.
//! The forward copies are exact; the backward adds the same terms in another
//! order, so its sums may differ from the textbook's in the last bits (each
//! pixel adds at most `fh·fw` values per channel).

use ndarray::{Array2, Array4, ArrayView2, ArrayView4, ArrayViewMut4};

use crate::error::Result;
use crate::fast::float::Float;
use crate::textbook::im2col::Im2colParams;
use crate::textbook::padding::{pad_axes, Padding2D};

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
