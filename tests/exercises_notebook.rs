//! Exercises 1–8, the notebook's functions: their solutions, graded, and
//! plausible wrong answers, each of which must fail with a message that
//! points at its mistake (`tests/exercises.rs` runs the solutions).

use cnn_walkthrough::exercises::{notebook, Grade};

use crate::exercises::assert_fails_saying;

#[path = "../exercises/solutions/ex01_zero_pad.rs"]
mod ex01;
#[path = "../exercises/solutions/ex02_conv_single_step.rs"]
mod ex02;
#[path = "../exercises/solutions/ex03_conv_forward.rs"]
mod ex03;
#[path = "../exercises/solutions/ex04_pool_forward.rs"]
mod ex04;
#[path = "../exercises/solutions/ex05_conv_backward.rs"]
mod ex05;
#[path = "../exercises/solutions/ex06_create_mask_from_window.rs"]
mod ex06;
#[path = "../exercises/solutions/ex07_distribute_value.rs"]
mod ex07;
#[path = "../exercises/solutions/ex08_pool_backward.rs"]
mod ex08;

/// The grades of this part's solutions, by the exercise's file name.
pub fn solutions() -> Vec<(&'static str, Grade)> {
    vec![
        ("ex01_zero_pad", notebook::zero_pad(ex01::zero_pad)),
        ("ex02_conv_single_step", notebook::conv_single_step(ex02::conv_single_step)),
        ("ex03_conv_forward", notebook::conv_forward(ex03::conv_forward)),
        ("ex04_pool_forward", notebook::pool_forward(ex04::pool_forward)),
        ("ex05_conv_backward", notebook::conv_backward(ex05::conv_backward)),
        ("ex06_create_mask_from_window", notebook::create_mask_from_window(ex06::create_mask_from_window)),
        ("ex07_distribute_value", notebook::distribute_value(ex07::distribute_value)),
        ("ex08_pool_backward", notebook::pool_backward(ex08::pool_backward)),
    ]
}

mod wrong {
    //! Plausible wrong answers, each as a student might write it.
    use ndarray::{s, Array4, ArrayView3, ArrayView4};

    /// Pads the width on the left only.
    pub fn zero_pad_left_only(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c));
        out.slice_mut(s![.., pad..pad + h, 2 * pad..2 * pad + w, ..]).assign(x);
        out
    }

    /// Pads the channels too.
    pub fn zero_pad_every_axis(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c + 2 * pad));
        out.slice_mut(s![.., pad..pad + h, pad..pad + w, pad..pad + c]).assign(x);
        out
    }

    /// Indexes past the end.
    pub fn zero_pad_panics(x: &ArrayView4<f64>, pad: usize) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let mut out = Array4::zeros((m, h + 2 * pad, w + 2 * pad, c));
        out[[m, 0, 0, 0]] = 1.0;
        out
    }

    /// The notebook's first edition: b added to every product.
    pub fn conv_single_step_bias_inside(a: &ArrayView3<f64>, w: &ArrayView3<f64>, b: f64) -> f64 {
        (a * w).mapv(|v| v + b).sum()
    }

    /// The bias forgotten.
    pub fn conv_single_step_no_bias(a: &ArrayView3<f64>, w: &ArrayView3<f64>, _b: f64) -> f64 {
        (a * w).sum()
    }
}

#[test]
fn wrong_answers_to_the_notebook_exercises_fail_and_say_where() {
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_left_only),
        &["first difference at x_pad[0, 1, 1, 0] (image 0, row 1, column 1, channel 0: x[0, 0, 0, 0])"],
    );
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_every_axis),
        &["x_pad.shape: expected (4, 7, 7, 2) as the notebook prints, got (4, 7, 7, 6)"],
    );
    assert_fails_saying(
        &notebook::zero_pad(wrong::zero_pad_panics),
        &["your code panicked at", "out of bounds"],
    );
    assert_fails_saying(
        &notebook::conv_single_step(wrong::conv_single_step_bias_inside),
        &["Z: expected -6.99908945, got -23.1602122", "b added to each of the 48 products"],
    );
    assert_fails_saying(&notebook::conv_single_step(wrong::conv_single_step_no_bias), &["the sum without b"]);
}

mod wrong_3_to_8 {
    //! Plausible wrong answers to exercises 3–8, each as a student might
    //! write it: one loop written once, with the mistake switched on.
    use cnn_walkthrough::textbook::conv::{ConvCache, ConvGrads, ConvParams, Hparameters};
    use cnn_walkthrough::textbook::padding::zero_pad;
    use cnn_walkthrough::textbook::pool::{
        create_mask_from_window, PoolCache, PoolHparameters, PoolMode, PoolParams,
    };
    use cnn_walkthrough::Result;
    use ndarray::{s, Array2, Array4, ArrayView2, ArrayView4};

    /// conv_forward by loops; `stride_in_window: false` reads window h at
    /// rows h.., `bias_inside` adds b to every product.
    fn conv_forward_with(
        a_prev: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        b: &ArrayView4<f64>,
        hp: Hparameters,
        stride_in_window: bool,
        bias_inside: bool,
    ) -> Result<(Array4<f64>, ConvCache)> {
        let p = ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hp)?;
        let a_pad = zero_pad(a_prev, p.pad);
        let step = if stride_in_window { p.stride } else { 1 };
        let mut z = Array4::zeros(p.out_shape());
        for i in 0..p.m {
            for h in 0..p.out_h() {
                for wi in 0..p.out_w() {
                    let a = a_pad.slice(s![i, h * step..h * step + p.f, wi * step..wi * step + p.f, ..]);
                    for c in 0..p.n_c {
                        let bias = b[[0, 0, 0, c]];
                        let prod = &a * &w.slice(s![.., .., .., c]);
                        z[[i, h, wi, c]] =
                            if bias_inside { prod.mapv(|v| v + bias).sum() } else { prod.sum() + bias };
                    }
                }
            }
        }
        let cache = ConvCache {
            a_prev: a_prev.to_owned(),
            w: w.to_owned(),
            b: b.to_owned(),
            hparameters: hp,
            params: p,
        };
        Ok((z, cache))
    }

    /// Window h at rows h to h + f − 1, whatever the stride.
    pub fn conv_forward_no_stride(
        a: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        b: &ArrayView4<f64>,
        hp: Hparameters,
    ) -> Result<(Array4<f64>, ConvCache)> {
        conv_forward_with(a, w, b, hp, false, false)
    }

    /// The bias added to every product.
    pub fn conv_forward_bias_inside(
        a: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        b: &ArrayView4<f64>,
        hp: Hparameters,
    ) -> Result<(Array4<f64>, ConvCache)> {
        conv_forward_with(a, w, b, hp, true, true)
    }

    /// Caches A_prev_pad instead of A_prev.
    pub fn conv_forward_caches_padded(
        a: &ArrayView4<f64>,
        w: &ArrayView4<f64>,
        b: &ArrayView4<f64>,
        hp: Hparameters,
    ) -> Result<(Array4<f64>, ConvCache)> {
        let (z, mut cache) = conv_forward_with(a, w, b, hp, true, false)?;
        cache.a_prev = zero_pad(a, hp.pad);
        Ok((z, cache))
    }

    /// pool_forward by loops; `max_always` takes the maximum in both modes,
    /// `stride_in_window: false` ignores the stride.
    fn pool_forward_with(
        a_prev: &ArrayView4<f64>,
        hp: PoolHparameters,
        mode: PoolMode,
        max_always: bool,
        stride_in_window: bool,
    ) -> Result<(Array4<f64>, PoolCache)> {
        let p = PoolParams::new(a_prev.shape(), hp)?;
        let step = if stride_in_window { p.stride } else { 1 };
        let mut a = Array4::zeros(p.out_shape());
        for i in 0..p.m {
            for h in 0..p.out_h() {
                for w in 0..p.out_w() {
                    for c in 0..p.n_c {
                        let x = a_prev.slice(s![i, h * step..h * step + p.f, w * step..w * step + p.f, c]);
                        a[[i, h, w, c]] = if mode == PoolMode::Max || max_always {
                            x.fold(f64::NEG_INFINITY, |m, &v| m.max(v))
                        } else {
                            x.mean().unwrap()
                        };
                    }
                }
            }
        }
        Ok((a, PoolCache { a_prev: a_prev.to_owned(), hparameters: hp, params: p }))
    }

    /// Mode average computed as max.
    pub fn pool_forward_average_as_max(
        a: &ArrayView4<f64>,
        hp: PoolHparameters,
        mode: PoolMode,
    ) -> Result<(Array4<f64>, PoolCache)> {
        pool_forward_with(a, hp, mode, true, true)
    }

    /// The stride ignored inside the loops.
    pub fn pool_forward_no_stride(
        a: &ArrayView4<f64>,
        hp: PoolHparameters,
        mode: PoolMode,
    ) -> Result<(Array4<f64>, PoolCache)> {
        pool_forward_with(a, hp, mode, false, false)
    }

    /// conv_backward by loops; `crop: false` returns dA_prev_pad,
    /// `reset_per_image` starts dW and db anew for every image.
    fn conv_backward_with(
        dz: &ArrayView4<f64>,
        cache: &ConvCache,
        crop: bool,
        reset_per_image: bool,
    ) -> Result<ConvGrads> {
        let p = cache.params;
        let a_pad = zero_pad(&cache.a_prev.view(), p.pad);
        let mut da_pad = Array4::<f64>::zeros(a_pad.raw_dim());
        let mut d_w = Array4::<f64>::zeros(cache.w.raw_dim());
        let mut d_b = Array4::<f64>::zeros(cache.b.raw_dim());
        for i in 0..p.m {
            if reset_per_image {
                d_w.fill(0.0);
                d_b.fill(0.0);
            }
            for h in 0..p.out_h() {
                for wi in 0..p.out_w() {
                    let (v, hz) = (h * p.stride, wi * p.stride);
                    let window = s![i, v..v + p.f, hz..hz + p.f, ..];
                    for c in 0..p.n_c {
                        let g = dz[[i, h, wi, c]];
                        da_pad.slice_mut(window).scaled_add(g, &cache.w.slice(s![.., .., .., c]));
                        d_w.slice_mut(s![.., .., .., c]).scaled_add(g, &a_pad.slice(window));
                        d_b[[0, 0, 0, c]] += g;
                    }
                }
            }
        }
        let d_a_prev = if crop {
            da_pad.slice(s![.., p.pad..p.pad + p.n_h_prev, p.pad..p.pad + p.n_w_prev, ..]).to_owned()
        } else {
            da_pad
        };
        Ok(ConvGrads { d_a_prev, d_w, d_b })
    }

    /// dA_prev_pad returned without cropping the padding.
    pub fn conv_backward_no_crop(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
        conv_backward_with(dz, cache, false, false)
    }

    /// dW and db set to zero for each image: only the last image counts.
    pub fn conv_backward_dw_per_image(dz: &ArrayView4<f64>, cache: &ConvCache) -> Result<ConvGrads> {
        conv_backward_with(dz, cache, true, true)
    }

    /// `max <= x` where `x >= max` was meant: true everywhere.
    pub fn mask_wrong_way(x: &ArrayView2<f64>) -> Array2<bool> {
        let max = x.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        x.mapv(|v| max >= v)
    }

    /// The first maximum only (np.argmax), where the notebook marks every tie.
    pub fn mask_first_only(x: &ArrayView2<f64>) -> Array2<bool> {
        cnn_walkthrough::textbook::pool::first_max_mask(x)
    }

    /// The maximum searched from 0.0.
    pub fn mask_max_from_zero(x: &ArrayView2<f64>) -> Array2<bool> {
        let max = x.fold(0.0, |m: f64, &v| m.max(v));
        x.mapv(|v| v == max)
    }

    /// dz copied into every cell.
    pub fn distribute_copies(dz: f64, shape: (usize, usize)) -> Array2<f64> {
        Array2::from_elem(shape, dz)
    }

    /// Divided by n_H + n_W (right for 2×2 only).
    pub fn distribute_by_sum(dz: f64, shape: (usize, usize)) -> Array2<f64> {
        Array2::from_elem(shape, dz / (shape.0 + shape.1) as f64)
    }

    /// The notebook's step: exercise 6's mask (every tied maximum) times dA.
    pub fn pool_backward_every_tie(
        da: &ArrayView4<f64>,
        cache: &PoolCache,
        mode: PoolMode,
    ) -> Result<Array4<f64>> {
        let f = cache.params.f;
        cnn_walkthrough::textbook::pool::pool_backward_by(da, cache, |x, dz| match mode {
            PoolMode::Max => create_mask_from_window(x).mapv(|m| if m { dz } else { 0.0 }),
            PoolMode::Average => Array2::from_elem((f, f), dz / (f * f) as f64),
        })
    }

    /// Average pooling's gradient copied, not divided.
    pub fn pool_backward_undivided(
        da: &ArrayView4<f64>,
        cache: &PoolCache,
        mode: PoolMode,
    ) -> Result<Array4<f64>> {
        let f = cache.params.f;
        cnn_walkthrough::textbook::pool::pool_backward_by(da, cache, |x, dz| match mode {
            PoolMode::Max => {
                cnn_walkthrough::textbook::pool::first_max_mask(x).mapv(|m| if m { dz } else { 0.0 })
            }
            PoolMode::Average => Array2::from_elem((f, f), dz),
        })
    }
}

#[test]
fn wrong_answers_to_exercises_3_to_8_fail_and_say_where() {
    use wrong_3_to_8 as w;
    assert_fails_saying(
        &notebook::conv_forward(w::conv_forward_no_stride),
        &["FAIL the notebook's example", "first difference at Z[3,2,1][0]", "that is stride 1"],
    );
    assert_fails_saying(
        &notebook::conv_forward(w::conv_forward_bias_inside),
        &["f·f·n_C_prev = 12 products", "add the bias once"],
    );
    assert_fails_saying(
        &notebook::conv_forward(w::conv_forward_caches_padded),
        &["cache.a_prev has the wrong shape: expected (10, 4, 4, 3), got (10, 8, 8, 3)"],
    );
    assert_fails_saying(
        &notebook::pool_forward(w::pool_forward_average_as_max),
        &["mode \"average\"", "first difference at A[0, 0, 0, 0]", "Your A is the maximum of each window"],
    );
    assert_fails_saying(
        &notebook::pool_forward(w::pool_forward_no_stride),
        &["FAIL hidden case 1", "that is stride 1"],
    );
    assert_fails_saying(
        &notebook::conv_backward(w::conv_backward_no_crop),
        &[
            "dA_prev has the wrong shape: expected (10, 4, 4, 3), got (10, 8, 8, 3)",
            "the shape of A_prev_pad: crop the padding",
        ],
    );
    assert_fails_saying(
        &notebook::conv_backward(w::conv_backward_dw_per_image),
        &["dW_mean: expected 1.72699146", "Your dW is the last image's alone"],
    );
    assert_fails_saying(
        &notebook::create_mask_from_window(w::mask_wrong_way),
        &["first difference at mask[0, 1]", "expected false, got true", "the wrong way round"],
    );
    assert_fails_saying(
        &notebook::create_mask_from_window(w::mask_first_only),
        &["pass the notebook's example", "FAIL hidden case 1", "mask[1, 1]", "one of the 2 tied maxima"],
    );
    assert_fails_saying(
        &notebook::create_mask_from_window(w::mask_max_from_zero),
        &["FAIL hidden case 2", "start at 0.0"],
    );
    assert_fails_saying(
        &notebook::distribute_value(w::distribute_copies),
        &[
            "first difference at a[0, 0]",
            "expected 0.5, got 2.0",
            "holds 2.0 (= dz); expected dz / (n_H·n_W)",
        ],
    );
    assert_fails_saying(
        &notebook::distribute_value(w::distribute_by_sum),
        &["FAIL hidden case 1", "n_H·n_W = 9 cells, not 6"],
    );
    assert_fails_saying(
        &notebook::pool_backward(w::pool_backward_every_tie),
        &[
            "pass the notebook's example, mode \"max\"",
            "FAIL hidden case 1",
            "every cell equal to its maximum",
            "the total gradient grows",
        ],
    );
    assert_fails_saying(
        &notebook::pool_backward(w::pool_backward_undivided),
        &["mode \"average\"", "dA_prev[1,1]", "copies dA into every cell", "f·f = 4"],
    );
}
