//! Direct convolution at stride 1, without im2col: each output value is
//! `w0[f] + Σ_{c,i,j} W[f,c,i,j] · P[c, y+i, x+j]`, `P` the padded image,
//! the formula of [`crate::textbook::conv::conv_single_step`] slid over
//! the image. [`crate::fast::conv2d::Conv2D`] uses it for its forward pass
//! (equal to `W_col · X_col + w0`) and for `grad_X`, which is the same sum
//! over the gradient `δ`, padded by `fh − 1 − top` (and so on) and
//! correlated with the filters turned by 180° and with their two first axes
//! swapped:
//! `grad_X[c, y, x] = Σ_{f,i,j} W[f, c, fh−1−i, fw−1−j] · δ'[f, y+i, x+j]`.
//!
//! Why a kernel of the course's own: at lesson 11's shapes (3×3 filters,
//! 8×8 images, 16 or 32 channels) the im2col products are small (32 × 144
//! by 144 × 64 per image), and matrixmultiply reached 21–29 GFLOP/s per
//! thread on them. These loops, compiled for AVX2 and FMA, reached 52
//! (forward), 50 (`grad_X`) and 39 (`grad_W`) on one thread, against
//! 21–25 for the products they replace, and need no column matrix
//! (`cargo run --release -p cnn-walkthrough-benches --bin direct`).
//!
//! They are plain Rust over small arrays: a block of `FB` = 4 filters ×
//! `RB` = 3 output rows × `LANES` = 8 output columns for [`Direct`], which
//! the compiler keeps in twelve vector registers. The only `unsafe` besides
//! the call into the AVX2 code is reading eight values at a time without a
//! bounds check; each read says why it stays inside the image. They run
//! only where the processor has AVX2 and FMA (checked at run time) and in
//! `f32`; elsewhere [`Direct::new`] and [`filter_gradient`] say `None`, and
//! `Conv2D` keeps its im2col products.
//!
//! Where rounding may differ from the textbook: the sum runs over the
//! channels and taps in order, each product fused with its addition.

use crate::fast::float::Float;

/// Filters per block.
const FB: usize = 4;
/// Output rows per block.
const RB: usize = 3;
/// Output columns per block: one 256-bit register of `f32`.
const LANES: usize = 8;

/// A stack of filters `(c_out, c_in, fh, fw)` laid out for the kernel, with
/// the size of the padded images they slide over.
#[derive(Debug, Clone)]
pub struct Direct<F> {
    /// Filters in blocks of `FB`, each block tap by tap: `wt[block][tap][f]`.
    /// The last block starts at `c_out − FB`, overlapping the one before.
    wt: Vec<F>,
    /// For each tap `(c, i, j)`, its offset `c·ph·pw + i·pw + j` in a padded image.
    offsets: Vec<usize>,
    c_out: usize,
    /// `(c_in, ph, pw)`: one padded image.
    padded: (usize, usize, usize),
    /// `(out_h, out_w)`.
    out: (usize, usize),
}

/// Whether this processor runs the kernel (x86-64 with AVX2 and FMA).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl<F: Float> Direct<F> {
    /// The kernel for filters `w (c_out, c_in, fh, fw)` (standard layout)
    /// over padded images of `ph × pw`, or `None` when it does not apply:
    /// numbers other than `f32` (in `f64` the block needs twice the
    /// registers, and the loop ran at half `Conv2D`'s speed), fewer than
    /// `FB` filters, an output smaller than `RB` rows by `LANES`
    /// columns, or a processor without AVX2 and FMA.
    pub fn new(
        w: &[F],
        (c_out, c_in, fh, fw): (usize, usize, usize, usize),
        (ph, pw): (usize, usize),
    ) -> Option<Self> {
        let fits =
            c_out >= FB && ph >= fh + RB - 1 && pw >= fw + LANES - 1 && w.len() == c_out * c_in * fh * fw;
        if size_of::<F>() != size_of::<f32>() || !fits || !available() {
            return None;
        }
        let taps = c_in * fh * fw;
        let blocks = c_out.div_ceil(FB);
        let mut wt = Vec::with_capacity(blocks * taps * FB);
        for block in 0..blocks {
            let f0 = (block * FB).min(c_out - FB);
            for tap in 0..taps {
                wt.extend((f0..f0 + FB).map(|f| w[f * taps + tap]));
            }
        }
        let offsets = tap_offsets((c_in, fh, fw), (ph, pw));
        Some(Direct { wt, offsets, c_out, padded: (c_in, ph, pw), out: (ph - fh + 1, pw - fw + 1) })
    }

    /// Values in one padded image.
    pub fn padded_len(&self) -> usize {
        self.padded.0 * self.padded.1 * self.padded.2
    }

    /// Values in one output image `(c_out, out_h, out_w)`.
    pub fn out_len(&self) -> usize {
        self.c_out * self.out.0 * self.out.1
    }

    /// Writes `out[f, y, x] = bias[f] + Σ W[f,c,i,j] · padded[c, y+i, x+j]`
    /// for each image: `padded` holds whole padded images, `out` as many
    /// output images.
    ///
    /// # Panics
    /// When `padded` and `out` do not hold the same number of whole images,
    /// or `bias` is not `c_out` long.
    pub fn correlate(&self, padded: &[F], bias: &[F], out: &mut [F]) {
        assert_eq!(padded.len() / self.padded_len(), out.len() / self.out_len(), "as many images in as out");
        assert!(
            padded.len().is_multiple_of(self.padded_len()) && out.len().is_multiple_of(self.out_len()),
            "whole images"
        );
        assert_eq!(bias.len(), self.c_out, "one bias per filter");
        for (image, out) in padded.chunks_exact(self.padded_len()).zip(out.chunks_exact_mut(self.out_len())) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Direct::new` returned `Some`, so this processor has AVX2 and FMA.
            unsafe {
                image_avx2(self, image, bias, out)
            }
            #[cfg(not(target_arch = "x86_64"))]
            image_plain(self, image, bias, out)
        }
    }
}

/// [`image_plain`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn image_avx2<F: Float>(k: &Direct<F>, image: &[F], bias: &[F], out: &mut [F]) {
    image_plain(k, image, bias, out)
}

/// One image: every block of `FB` filters × `RB` rows × `LANES`
/// columns (the last ones in each direction moved back to fit, recomputing
/// a few values the block before wrote, with the same result).
#[inline(always)]
fn image_plain<F: Float>(k: &Direct<F>, image: &[F], bias: &[F], out: &mut [F]) {
    let ((oh, ow), pw, taps) = (k.out, k.padded.2, k.offsets.len());
    for (block, w) in k.wt.chunks_exact(taps * FB).enumerate() {
        let f0 = (block * FB).min(k.c_out - FB);
        for y0 in (0..oh).step_by(RB).map(|y| y.min(oh - RB)) {
            for x0 in (0..ow).step_by(LANES).map(|x| x.min(ow - LANES)) {
                let window = &image[y0 * pw + x0..];
                let mut acc = [[[F::zero(); LANES]; RB]; FB];
                for (ws, &offset) in w.chunks_exact(FB).zip(&k.offsets) {
                    let mut rows = [[F::zero(); LANES]; RB];
                    for (r, row) in rows.iter_mut().enumerate() {
                        // SAFETY: the last value read, of the last tap in the last block, is
                        // `(oh − 1 + fh − 1)·pw + ow − 1 + fw − 1 + (c_in − 1)·ph·pw`, which is
                        // `c_in·ph·pw − 1`: inside the image (`correlate` checked its length).
                        *row = unsafe {
                            window.as_ptr().add(offset + r * pw).cast::<[F; LANES]>().read_unaligned()
                        };
                    }
                    for (acc, &w) in acc.iter_mut().zip(ws) {
                        for (acc, row) in acc.iter_mut().zip(&rows) {
                            for (a, &p) in acc.iter_mut().zip(row) {
                                *a = w.mul_add(p, *a);
                            }
                        }
                    }
                }
                for (f, acc) in acc.iter().enumerate() {
                    for (r, acc) in acc.iter().enumerate() {
                        let start = ((f0 + f) * oh + y0 + r) * ow + x0;
                        for (o, &a) in out[start..start + LANES].iter_mut().zip(acc) {
                            *o = a + bias[f0 + f];
                        }
                    }
                }
            }
        }
    }
}

/// For each tap `(c, i, j)` of a filter, in `W`'s order, its offset
/// `c·ph·pw + i·pw + j` in a padded image.
fn tap_offsets((c_in, fh, fw): (usize, usize, usize), (ph, pw): (usize, usize)) -> Vec<usize> {
    (0..c_in * fh * fw).map(|t| (t / (fh * fw)) * ph * pw + (t / fw % fh) * pw + t % fw).collect()
}

/// Filters per block of [`filter_gradient`].
const GF: usize = 2;
/// Taps per block of [`filter_gradient`].
const GT: usize = 5;
/// Images whose gradients one block adds up before moving on (they stay in cache).
const GB: usize = 8;

/// `grad_W[f, c, i, j] = Σ_b Σ_{y,x} δ[b, f, y, x] · P[b, c, y+i, x+j]`,
/// the gradient of the filters `(c_out, c_in, fh, fw)` at stride 1, from
/// whole padded images `P (batch, c_in, ph, pw)` and the gradient of the
/// output `δ (batch, c_out, out_h, out_w)`, both as plain slices in
/// standard layout; the result in the order of `W`. It equals `δ · X_colᵀ`
/// of [`crate::textbook::conv2d::Conv2D::backward`], without the column
/// matrix: each block of `GF` filters × `GT` taps keeps one register of
/// `LANES` partial sums per pair, runs over every position of `GB`
/// images at a time, and then adds its lanes into the result.
///
/// `None` where it does not apply: numbers other than `f32`, fewer than
/// `GF` filters or `GT` taps, an output width that is not a multiple of
/// `LANES`, or a processor without AVX2 and FMA.
///
/// # Panics
/// When `padded` and `delta` do not hold the same number of whole images.
pub fn filter_gradient<F: Float>(
    padded: &[F],
    delta: &[F],
    (c_out, c_in, fh, fw): (usize, usize, usize, usize),
    (ph, pw): (usize, usize),
) -> Option<Vec<F>> {
    let (oh, ow, taps) = ((ph + 1).checked_sub(fh)?, (pw + 1).checked_sub(fw)?, c_in * fh * fw);
    let fits = c_out >= GF && taps >= GT && oh > 0 && ow > 0 && ow.is_multiple_of(LANES);
    if size_of::<F>() != size_of::<f32>() || !fits || !available() {
        return None;
    }
    let (image_len, delta_len) = (c_in * ph * pw, c_out * oh * ow);
    assert!(padded.len().is_multiple_of(image_len) && delta.len().is_multiple_of(delta_len), "whole images");
    assert_eq!(padded.len() / image_len, delta.len() / delta_len, "as many images of P as of δ");
    let offsets = tap_offsets((c_in, fh, fw), (ph, pw));
    let mut grad = vec![F::zero(); c_out * taps];
    let g = Gradient { offsets: &offsets, c_out, taps, image_len, delta_len, out: (oh, ow), pw };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `available()` said this processor has AVX2 and FMA.
    unsafe {
        gradient_avx2(&g, padded, delta, &mut grad)
    };
    #[cfg(not(target_arch = "x86_64"))]
    gradient_plain(&g, padded, delta, &mut grad);
    Some(grad)
}

/// The sizes [`gradient_plain`] works with.
struct Gradient<'a> {
    offsets: &'a [usize],
    c_out: usize,
    taps: usize,
    image_len: usize,
    delta_len: usize,
    out: (usize, usize),
    pw: usize,
}

/// [`gradient_plain`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gradient_avx2<F: Float>(g: &Gradient, padded: &[F], delta: &[F], grad: &mut [F]) {
    gradient_plain(g, padded, delta, grad)
}

/// The blocks of [`filter_gradient`]: the last block in each direction is
/// moved back to fit and adds only the sums the block before did not.
#[inline(always)]
fn gradient_plain<F: Float>(g: &Gradient, padded: &[F], delta: &[F], grad: &mut [F]) {
    let ((oh, ow), pw) = (g.out, g.pw);
    let images = delta.len() / g.delta_len;
    let plane = oh * ow;
    for first in (0..images).step_by(GB) {
        // Where each run of LANES outputs of these images starts, in δ (of filter 0) and in P
        // (of tap (0, 0, 0)): one flat list, so that the loop below is long even on small images.
        let runs: Vec<(usize, usize)> = (first..(first + GB).min(images))
            .flat_map(|b| (0..plane / LANES).map(move |r| (b, r * LANES)))
            .map(|(b, q)| (b * g.delta_len + q, b * g.image_len + q / ow * pw + q % ow))
            .collect();
        for fb in (0..g.c_out).step_by(GF) {
            let f0 = fb.min(g.c_out - GF);
            for tb in (0..g.taps).step_by(GT) {
                let t0 = tb.min(g.taps - GT);
                let offsets: &[usize; GT] = g.offsets[t0..t0 + GT].try_into().expect("GT taps");
                let mut acc = [[[F::zero(); LANES]; GT]; GF];
                for &(d, p) in &runs {
                    let mut ds = [[F::zero(); LANES]; GF];
                    for (f, ds) in ds.iter_mut().enumerate() {
                        // SAFETY: `d` starts a run of LANES values of filter 0's output in an
                        // image of δ (`ow` is a multiple of LANES); filter `f0 + f < c_out`.
                        *ds = unsafe {
                            delta.as_ptr().add(d + (f0 + f) * plane).cast::<[F; LANES]>().read_unaligned()
                        };
                    }
                    let mut ps = [[F::zero(); LANES]; GT];
                    for (ps, &offset) in ps.iter_mut().zip(offsets) {
                        // SAFETY: the last value read, of the last tap of an image, is
                        // `(c_in − 1)·ph·pw + (fh − 1 + oh − 1)·pw + fw − 1 + ow − 1`,
                        // which is `c_in·ph·pw − 1`: inside that image.
                        *ps =
                            unsafe { padded.as_ptr().add(p + offset).cast::<[F; LANES]>().read_unaligned() };
                    }
                    for (acc, ds) in acc.iter_mut().zip(&ds) {
                        for (acc, ps) in acc.iter_mut().zip(&ps) {
                            for ((a, &d), &p) in acc.iter_mut().zip(ds).zip(ps) {
                                *a = d.mul_add(p, *a);
                            }
                        }
                    }
                }
                // The lanes added up first (every index fixed, so that the partial sums above stay
                // in registers), then added into the result.
                let mut sums = [[F::zero(); GT]; GF];
                for (sums, acc) in sums.iter_mut().zip(&acc) {
                    for (sum, lanes) in sums.iter_mut().zip(acc) {
                        *sum = lanes.iter().fold(F::zero(), |s, &v| s + v);
                    }
                }
                for (f, sums) in sums.iter().enumerate().filter(|(f, _)| f0 + f >= fb) {
                    for (t, &sum) in sums.iter().enumerate().filter(|(t, _)| t0 + t >= tb) {
                        grad[(f0 + f) * g.taps + t0 + t] += sum;
                    }
                }
            }
        }
    }
}
