//! A student's own tensors for the convolution lessons:
//! `--input A.npy --weights W.npy --bias b.npy [--pad P] [--stride S] [--dz dZ.npy]`
//! in the notebook's layout, loaded and checked before any arithmetic.

use ndarray::{Array4, Axis};

use crate::course::check::{largest, sum_rounding};

use crate::textbook::pool::{PoolHparameters, PoolMode, PoolParams};

use crate::course::budget::{self, Tensor};
use crate::course::gradcheck::{probes_within_budget, sampled_output_gradient};
use crate::course::lesson::Lesson;
use crate::course::show::{count, output_size_table};
use crate::course::tensor::into_rank4;
use crate::course::windows::say_unread;
use crate::error::{tuple, Error, Result};
use crate::textbook::conv::{conv_forward, ConvGrads, ConvParams, Hparameters};
use crate::textbook::padding::Padding2D;
use crate::textbook::sensitivity::conv_backward_by_sensitivity_maps;
use crate::textbook::window::Window;

/// The largest magnitude a run on your tensors may reach. float64 ends at
/// about 1.8e308, and the checks multiply further (rounding bounds, finite
/// differences), so the limit leaves them eight orders of magnitude.
pub const MAX_MAGNITUDE: f64 = 1e300;

/// `log10` of an upper bound on a value the run computes: the product of
/// `factors` (counts and largest magnitudes), plus `addend` when given
/// (bounded by twice the larger of the two). Computed in logarithms, so a
/// bound beyond float64 is still a number.
fn log_bound(factors: &[f64], addend: f64) -> f64 {
    let product: f64 = factors.iter().map(|x| x.abs().log10()).sum();
    let addend = addend.abs().log10();
    if addend > f64::NEG_INFINITY {
        product.max(addend) + 2f64.log10()
    } else {
        product
    }
}

/// Refuses your tensors when a value the run computes could overflow
/// float64: each `(quantity, formula, log10 bound)` bounds one of them.
///
/// # Errors
/// [`Error::Parameter`] naming the first quantity beyond [`MAX_MAGNITUDE`],
/// its formula and its bound.
fn refuse_overflow(bounds: &[(&str, &str, f64)]) -> Result<()> {
    let limit = MAX_MAGNITUDE.log10();
    let Some((quantity, formula, log)) = bounds.iter().find(|(.., log)| *log > limit) else {
        return Ok(());
    };
    let (exponent, mantissa) = (log.floor(), 10f64.powf(log - log.floor()));
    Err(Error::parameter(
        "your tensors",
        format!(
            "are too large for float64:\n  {quantity} can reach {formula}\n  ≈ {mantissa:.1}e{exponent}, \
             beyond the limit of {MAX_MAGNITUDE:.0e} (float64 ends near 1.8e308,\n  and the checks need room \
             above the values). Scale the tensors down."
        ),
    ))
}

/// `e` with the command-line flag added to the tensor or hyperparameter it
/// names (`W` → `W (--weights)`, `stride` → `stride (--stride)`), so that
/// the message says which file or flag to fix.
fn naming_flags(e: Error, flags: &[(&str, &str)]) -> Error {
    let with_flag = |name: String| match flags.iter().find(|(n, _)| *n == name) {
        Some((_, flag)) => format!("{name} ({flag})"),
        None => name,
    };
    match e {
        Error::Shape { what, expected, found } => Error::Shape { what: with_flag(what), expected, found },
        Error::Parameter { name, problem } => Error::Parameter { name: with_flag(name), problem },
        other => other,
    }
}

/// The flags of the convolution lessons' own tensors, by the names the
/// library's errors use.
const CONV_FLAGS: [(&str, &str); 6] = [
    ("A_prev", "--input"),
    ("W", "--weights"),
    ("f", "--weights"),
    ("b", "--bias"),
    ("stride", "--stride"),
    ("pad", "--pad"),
];

/// The largest magnitude in `a` (0 for no values).
fn max_abs(a: &Array4<f64>) -> f64 {
    largest(&a.view())
}

/// Your convolution: `A_prev`, `W`, `b`, the hyperparameters and, for the
/// backward lesson, `dZ`.
#[derive(Debug, Clone)]
pub struct YourConv {
    /// `A_prev (m, n_H_prev, n_W_prev, n_C_prev)`.
    pub a_prev: Array4<f64>,
    /// `W (f, f, n_C_prev, n_C)`.
    pub w: Array4<f64>,
    /// `b (1, 1, 1, n_C)`.
    pub b: Array4<f64>,
    /// `dZ (m, n_H, n_W, n_C)`, when `--dz` was given.
    pub dz: Option<Array4<f64>>,
    /// `--pad` and `--stride`.
    pub hparameters: Hparameters,
    /// The checked sizes.
    pub params: ConvParams,
}

const TENSOR_FLAGS: [&str; 3] = ["--input", "--weights", "--bias"];

/// Whether your own tensors were given: `false` when none of `--input`,
/// `--weights`, `--bias` was; an error when only some were, or when flags of
/// `extra` (that only apply to your tensors) come without them.
fn tensors_given(args: &crate::course::cli::Args, extra: &[&str], usage: &str) -> Result<bool> {
    let given = args.given_of(&TENSOR_FLAGS);
    if given.is_empty() {
        let stray = args.given_of(extra);
        if !stray.is_empty() {
            return Err(Error::Usage(format!(
                "{} applies to your own tensors: give {usage} too",
                stray.join(" and ")
            )));
        }
        return Ok(false);
    }
    if given.len() < 3 {
        let missing: Vec<&str> = TENSOR_FLAGS.iter().copied().filter(|f| !given.contains(f)).collect();
        return Err(Error::Usage(format!(
            "your own tensors need all of --input, --weights and --bias; missing {}",
            missing.join(" and ")
        )));
    }
    Ok(true)
}

impl YourConv {
    /// Your tensors, when any of `--input`, `--weights`, `--bias` was given;
    /// `None` to run the lesson on the articles' examples.
    ///
    /// # Errors
    /// [`Error::Usage`] when only some of the three are given, or `--pad`,
    /// `--stride` or `--dz` come without them; otherwise any error of reading
    /// the files or of [`ConvParams::new`].
    pub fn from_flags(l: &Lesson) -> Result<Option<Self>> {
        let args = &l.args;
        if !tensors_given(args, &["--pad", "--stride", "--dz"], "--input A.npy --weights W.npy --bias b.npy")?
        {
            return Ok(None);
        }
        let load = |flag: &str, what: &str, layout: &str| -> Result<Array4<f64>> {
            let a = l.npy(flag)?.expect("flag was given");
            into_rank4(a, &format!("{what} ({flag})"), layout)
        };
        let a_prev = load("--input", "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")?;
        let w = load("--weights", "W", "(f, f, n_C_prev, n_C)")?;
        let b = load("--bias", "b", "(1, 1, 1, n_C)")?;
        let hparameters =
            Hparameters { pad: args.usize_or("--pad", 0)?, stride: args.usize_or("--stride", 1)? };
        // The window against the padded input first (a padding whose size
        // overflows is refused here, not shown as a capped shape).
        let window = Window::conv(w.shape()[0], hparameters.pad, hparameters.stride);
        window
            .check(a_prev.shape(), (a_prev.shape()[1], a_prev.shape()[2]))
            .map_err(|e| naming_flags(e, &CONV_FLAGS))?;
        let backward = l.info.name == crate::course::registry::LESSON_03_CONV_BACKWARD.name;
        let memory = conv_memory(a_prev.shape(), w.shape(), hparameters, backward);
        budget::check("your convolution", &memory)?;
        let params = ConvParams::new(a_prev.shape(), w.shape(), b.shape(), hparameters)
            .map_err(|e| naming_flags(e, &CONV_FLAGS))?;
        let dz = match l.npy("--dz")? {
            None => None,
            Some(d) => {
                let d = into_rank4(d, "dZ (--dz)", "(m, n_H, n_W, n_C)")?;
                if d.shape() != params.out_shape() {
                    return Err(Error::shape(
                        "dZ (--dz)",
                        format!("{}, the shape of Z", tuple(&params.out_shape())),
                        d.shape(),
                    ));
                }
                Some(d)
            }
        };
        // Bounds on what the run computes: Z, and for the backward lesson
        // (the one with --dz) the gradients and E = Σ Z ⊙ dZ (dZ = Z by default).
        let p = params;
        let window = (p.f * p.f * p.n_c_prev) as f64;
        let z = log_bound(&[window, max_abs(&a_prev), max_abs(&w)], max_abs(&b));
        let mut bounds = vec![("Z", "f·f·n_C_prev·max|A_prev|·max|W| + max|b|", z)];
        if l.info.flags.iter().any(|flag| flag.name == "--dz") {
            let dz_log = dz.as_ref().map_or(z, |d| max_abs(d).log10());
            let positions = (p.m * p.out_h() * p.out_w()) as f64;
            bounds.extend([
                (
                    "dA_prev",
                    "f·f·n_C·max|W|·max|dZ|",
                    log_bound(&[(p.f * p.f * p.n_c) as f64, max_abs(&w)], 0.0) + dz_log,
                ),
                (
                    "dW",
                    "m·n_H·n_W·max|A_prev|·max|dZ|",
                    log_bound(&[positions, max_abs(&a_prev)], 0.0) + dz_log,
                ),
                (
                    "E = Σ Z ⊙ dZ",
                    "m·n_H·n_W·n_C·max|Z|·max|dZ|",
                    log_bound(&[positions * p.n_c as f64], 0.0) + z + dz_log,
                ),
            ]);
        }
        refuse_overflow(&bounds)?;
        Ok(Some(YourConv { a_prev, w, b, dz, hparameters, params }))
    }

    /// Prints the shapes, the output size worked out, and any input rows or
    /// columns the stride leaves out.
    pub fn describe(&self, l: &Lesson) {
        let p = self.params;
        l.shape("A_prev.shape =", self.a_prev.shape());
        l.shape("W.shape =", self.w.shape());
        l.shape("b.shape =", self.b.shape());
        l.say(&format!("hparameters = {{\"pad\": {}, \"stride\": {}}}\n", p.pad, p.stride));
        l.block(&output_size_table(
            &[("height", p.n_h_prev, p.f, self.hparameters), ("width", p.n_w_prev, p.f, self.hparameters)],
            l.width(),
        ));
        say_unread(l, (p.n_h_prev, p.n_w_prev), (p.f, p.f), Padding2D::uniform(p.pad), p.stride);
    }

    /// The tolerance for two computations that differ only in the order of
    /// their sums: a bound `2·N²·ε·M` on the rounding of a sum of at most `N`
    /// terms no larger than `M`, where `N` is the longest sum any output or
    /// gradient takes and `M` the largest term: `|A_prev|·|W|` (Z),
    /// `|W|·|dZ|` (dA_prev), `|A_prev|·|dZ|` (dW), `|b|` or `|dZ|` (db), at
    /// least 1.
    pub fn tolerance(&self, dz: Option<&Array4<f64>>) -> f64 {
        let p = self.params;
        let (a, w, b) = (max_abs(&self.a_prev), max_abs(&self.w), max_abs(&self.b));
        let d = dz.map_or(0.0, max_abs);
        let m = [a * w, w * d, a * d, b, d, 1.0].into_iter().fold(0.0, f64::max);
        let n = (p.f * p.f * p.n_c_prev + 1).max(p.m * p.out_h() * p.out_w()).max(p.n_c * p.f * p.f) as f64;
        2.0 * n * n * f64::EPSILON * m
    }

    /// Checks the loop gradients `grads` for `dZ = dz` two other ways:
    /// against sensitivity maps (seed 004) everywhere, and against finite
    /// differences of `E = Σ Z ⊙ dZ` at up to 40 entries of each tensor,
    /// spread evenly.
    ///
    /// # Errors
    /// As [`conv_backward_by_sensitivity_maps`].
    pub fn check_backward(&self, l: &mut Lesson, dz: &Array4<f64>, grads: &ConvGrads) -> Result<()> {
        let cache_free = |a: &Array4<f64>, w: &Array4<f64>, b: &Array4<f64>| {
            conv_forward(&a.view(), &w.view(), &b.view(), self.hparameters)
        };
        let (_, cache) = cache_free(&self.a_prev, &self.w, &self.b)?;
        let by_maps = conv_backward_by_sensitivity_maps(&dz.view(), &cache)?;
        let tol = self.tolerance(Some(dz));
        l.check_arrays(
            "dA_prev: loops = sensitivity maps",
            &by_maps.d_a_prev.view(),
            &grads.d_a_prev.view(),
            tol,
        );
        l.check_arrays("dW: loops = sensitivity maps", &by_maps.d_w.view(), &grads.d_w.view(), tol);
        l.check_arrays("db: loops = sensitivity maps", &by_maps.d_b.view(), &grads.d_b.view(), tol);

        // One evaluation is a forward pass; each probe takes two, for each of 3 tensors.
        let p = self.params;
        let cost = (p.m * p.out_h() * p.out_w() * p.n_c * (p.f * p.f * p.n_c_prev + 1)) as f64;
        let (eps, probes) = (1e-3, probes_within_budget(cost, 6));
        l.say(&format!(
            "Finite differences of E = Σ Z ⊙ dZ with ε = {eps}, at up to {} of each tensor, spread evenly{}.",
            count(probes, "entry"),
            if probes < 40 {
                "\n(fewer than 40 on tensors this large, to keep the check to seconds)"
            } else {
                ""
            }
        ));
        let z_of = |a: &Array4<f64>, w: &Array4<f64>, b: &Array4<f64>| {
            cache_free(a, w, b).map_or_else(|_| Array4::from_elem(dz.raw_dim(), f64::NAN), |(z, _)| z)
        };
        // Rounding: the same sums over absolute values bound each output's size.
        let abs = |x: &Array4<f64>| x.mapv(f64::abs);
        let (z_abs, _) = cache_free(&abs(&self.a_prev), &abs(&self.w), &abs(&self.b))?;
        let upstream = (dz, &z_abs, p.f * p.f * p.n_c_prev + 1);
        let (a, w, b) = (&self.a_prev, &self.w, &self.b);
        let cases: [(&str, &Array4<f64>, &Array4<f64>); 3] =
            [("dA_prev", a, &grads.d_a_prev), ("dW", w, &grads.d_w), ("db", b, &grads.d_b)];
        for (k, (name, x, g)) in cases.into_iter().enumerate() {
            let (numeric, computed, tol) =
                sampled_output_gradient(x, g, probes, eps, upstream, |x| match k {
                    0 => z_of(x, w, b),
                    1 => z_of(a, x, b),
                    _ => z_of(a, w, x),
                });
            l.check_arrays(
                &format!("{name} = finite differences ({})", count(numeric.len(), "entry")),
                &numeric.view(),
                &computed.view(),
                tol,
            );
        }
        Ok(())
    }
}

/// Your pooling input: `--input A.npy --f F [--stride S] [--mode max|average]`,
/// and for the backward lesson `[--da dA.npy]`.
#[derive(Debug, Clone)]
pub struct YourPool {
    /// `A_prev (m, n_H_prev, n_W_prev, n_C)`.
    pub a_prev: Array4<f64>,
    /// `dA (m, n_H, n_W, n_C)`, when `--da` was given.
    pub da: Option<Array4<f64>>,
    /// `--f` and `--stride`.
    pub hparameters: PoolHparameters,
    /// The checked sizes.
    pub params: PoolParams,
    /// `--mode`, or both modes.
    pub modes: Vec<PoolMode>,
}

impl YourPool {
    /// Your tensors, when `--input` was given; `None` to run the lesson on the
    /// articles' examples.
    ///
    /// # Errors
    /// [`Error::Usage`] when `--f`, `--stride`, `--mode` or `--da` come without
    /// `--input`, or `--input` without `--f`; a bad `--mode`; any error of
    /// reading the files or of [`PoolParams::new`]; a `dA` not shaped like the
    /// pooled output.
    pub fn from_flags(l: &Lesson) -> Result<Option<Self>> {
        let args = &l.args;
        let Some(a_prev) = l.npy("--input")? else {
            let stray = args.given_of(&["--f", "--stride", "--mode", "--da"]);
            if !stray.is_empty() {
                return Err(Error::Usage(format!(
                    "{} applies to your own tensor: give --input A.npy too",
                    stray.join(" and ")
                )));
            }
            return Ok(None);
        };
        if !args.has("--f") {
            return Err(Error::Usage("--input needs --f F, the window size".into()));
        }
        let a_prev = into_rank4(a_prev, "A_prev (--input)", "(m, n_H_prev, n_W_prev, n_C)")?;
        let f = args.usize_or("--f", 0)?;
        let hparameters = PoolHparameters { f, stride: args.usize_or("--stride", f)? };
        let backward = l.info.name == crate::course::registry::LESSON_05_POOL_BACKWARD.name;
        budget::check("your pooling", &pool_memory(a_prev.shape(), hparameters, backward))?;
        let modes = match args.value("--mode") {
            Some(m) => vec![m.parse::<PoolMode>().map_err(|e| naming_flags(e, &[("mode", "--mode")]))?],
            None => vec![PoolMode::Max, PoolMode::Average],
        };
        let params = PoolParams::new(a_prev.shape(), hparameters)
            .map_err(|e| naming_flags(e, &[("A_prev", "--input"), ("f", "--f"), ("stride", "--stride")]))?;
        let da = match l.npy("--da")? {
            None => None,
            Some(d) => {
                let d = into_rank4(d, "dA (--da)", "(m, n_H, n_W, n_C)")?;
                if d.shape() != params.out_shape() {
                    return Err(Error::shape(
                        "dA (--da)",
                        format!("{}, the shape of the pooled output A", tuple(&params.out_shape())),
                        d.shape(),
                    ));
                }
                Some(d)
            }
        };
        // Bounds: the average's sum of f·f values, and E = Σ A ⊙ dA of the
        // finite-difference check (dA = 1 by default).
        let (a_max, da_max) = (max_abs(&a_prev), da.as_ref().map_or(1.0, max_abs));
        let sum = log_bound(&[(f * f) as f64, a_max], 0.0);
        let e = log_bound(
            &[(params.m * params.out_h() * params.out_w() * params.n_c) as f64, a_max, da_max],
            0.0,
        );
        refuse_overflow(&[
            ("the sum of a window", "f·f·max|A_prev|", sum),
            ("E = Σ A ⊙ dA", "m·n_H·n_W·n_C·max|A_prev|·max|dA|", e),
        ])?;
        Ok(Some(YourPool { a_prev, da, hparameters, params, modes }))
    }

    /// Prints the shape, the output size worked out, and any rows or columns
    /// no window reads.
    pub fn describe(&self, l: &Lesson) {
        let p = self.params;
        l.shape("A_prev.shape =", self.a_prev.shape());
        l.say(&format!("hparameters = {{\"f\": {}, \"stride\": {}}}\n", p.f, p.stride));
        let hp = Hparameters { pad: 0, stride: p.stride };
        l.block(&output_size_table(
            &[("height", p.n_h_prev, p.f, hp), ("width", p.n_w_prev, p.f, hp)],
            l.width(),
        ));
        say_unread(l, (p.n_h_prev, p.n_w_prev), (p.f, p.f), Padding2D::uniform(0), p.stride);
    }

    /// The file name `--save` uses for `base` in `mode`: `A` when one mode was
    /// asked for, `A_max` / `A_average` when both.
    pub fn save_name(&self, base: &str, mode: PoolMode) -> String {
        if self.modes.len() == 1 {
            base.to_string()
        } else {
            format!("{base}_{}", mode.name())
        }
    }

    /// Checks `da_prev` from [`pool_backward`](crate::textbook::pool::pool_backward)
    /// three ways: the total is preserved, a second computation agrees, and
    /// finite differences of `E = Σ A ⊙ dA` agree at up to 40 entries (for
    /// max pooling only where no window is near a tie).
    ///
    /// # Errors
    /// As [`pool_backward_second_way`](crate::course::second_way::pool_backward_second_way).
    pub fn check_backward(
        &self,
        l: &mut Lesson,
        da: &Array4<f64>,
        da_prev: &Array4<f64>,
        mode: PoolMode,
    ) -> Result<()> {
        use crate::course::second_way::{pool_backward_second_way, second_way, smallest_gap};
        use crate::textbook::pool::pool_forward;
        let (hp, name) = (self.hparameters, mode.name());
        let (_, cache) = pool_forward(&self.a_prev.view(), hp, mode)?;
        let scale = da.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let tol = 4.0 * da.len() as f64 * f64::EPSILON * scale;
        l.check_close(&format!("Σ dA_prev = Σ dA ({name})"), da.sum(), da_prev.sum(), tol);
        let other = pool_backward_second_way(&da.view(), &cache, mode)?;
        l.check_arrays(
            &format!("dA_prev ({name}) = {}", second_way(mode)),
            &other.view(),
            &da_prev.view(),
            tol,
        );

        let eps = 1e-6;
        // One evaluation pools the input once; each probe takes two.
        let probes = probes_within_budget(self.a_prev.len() as f64, 2);
        let gap = smallest_gap(&self.a_prev.view(), &self.params);
        if mode == PoolMode::Max && gap <= 100.0 * eps {
            l.say(&format!(
                "No finite-difference check for max pooling: a window holds two values {gap:.1e} apart or \
                 less (a tie), where max has no derivative."
            ));
            return Ok(());
        }
        let pooled = |x: &Array4<f64>| {
            pool_forward(&x.view(), hp, mode)
                .map_or_else(|_| Array4::from_elem(da.raw_dim(), f64::NAN), |(a, _)| a)
        };
        // Rounding: pooling |A_prev| bounds each output's size.
        let (a_abs, _) = pool_forward(&self.a_prev.mapv(f64::abs).view(), hp, mode)?;
        let upstream = (da, &a_abs, self.params.f * self.params.f);
        let (numeric, computed, tol) =
            sampled_output_gradient(&self.a_prev, da_prev, probes, eps, upstream, pooled);
        l.check_arrays(
            &format!("dA_prev ({name}) = finite differences ({})", count(numeric.len(), "entry")),
            &numeric.view(),
            &computed.view(),
            tol,
        );
        Ok(())
    }
}

/// Your `Conv2D`: `--input X.npy --weights W.npy --bias w0.npy
/// [--padding same|valid|N] [--stride S] [--dout dY.npy]`, in NCHW.
#[derive(Debug, Clone)]
pub struct YourConv2D {
    /// `X (batch, channels, height, width)`.
    pub x: Array4<f64>,
    /// The layer built from `W`, `w0`, the padding and the stride.
    pub layer: crate::textbook::conv2d::Conv2D,
    /// `dY`, the gradient of the output, when `--dout` was given.
    pub dout: Option<Array4<f64>>,
}

impl YourConv2D {
    /// Your tensors, when any of `--input`, `--weights`, `--bias` was given.
    ///
    /// # Errors
    /// As [`YourConv::from_flags`], a bad `--padding`, and the checks of
    /// [`crate::textbook::conv2d::Conv2D`].
    pub fn from_flags(l: &Lesson) -> Result<Option<Self>> {
        use crate::textbook::padding::{determine_padding, Padding2D, PaddingMode};
        let args = &l.args;
        if !tensors_given(
            args,
            &["--padding", "--stride", "--dout"],
            "--input X.npy --weights W.npy --bias w0.npy",
        )? {
            return Ok(None);
        }
        let x =
            into_rank4(l.npy("--input")?.expect("given"), "X (--input)", "(batch, channels, height, width)")?;
        let w = into_rank4(
            l.npy("--weights")?.expect("given"),
            "W (--weights)",
            "(n_filters, channels, fh, fw)",
        )?;
        let w0 = l.npy("--bias")?.expect("given");
        let shape = w0.shape().to_vec();
        let w0 = w0
            .into_dimensionality::<ndarray::Ix2>()
            .map_err(|_| Error::shape("w0 (--bias)", "(n_filters, 1): 2 axes", &shape))?;
        let filter_shape = (w.dim().2, w.dim().3);
        let padding = match args.value("--padding").unwrap_or("same") {
            "same" => determine_padding(filter_shape, PaddingMode::Same),
            "valid" => determine_padding(filter_shape, PaddingMode::Valid),
            n => Padding2D::uniform(n.parse().map_err(|_| {
                Error::Usage(format!("--padding is '{n}'; expected same, valid or a whole number ≥ 0"))
            })?),
        };
        let stride = args.usize_or("--stride", 1)?;
        let flags = [("X", "--input"), ("W", "--weights"), ("w0", "--bias"), ("stride", "--stride")];
        let flags = [flags.as_slice(), &[("padding", "--padding"), ("filter_shape", "--weights")]].concat();
        // A padding whose size overflows is refused here, before the memory
        // it would take is counted.
        let window = Window::filter(filter_shape, padding, stride);
        window.check(x.shape(), (x.shape()[2], x.shape()[3])).map_err(|e| naming_flags(e, &flags))?;
        let memory = conv2d_memory(x.shape(), w.shape(), padding, stride, args.has("--dout"));
        budget::check("your Conv2D", &memory)?;
        let layer = crate::textbook::conv2d::Conv2D::new(w, w0, padding, stride)
            .map_err(|e| naming_flags(e, &flags))?;
        let p = layer.params(x.shape()).map_err(|e| naming_flags(e, &flags))?;
        let dout = match l.npy("--dout")? {
            None => None,
            Some(d) => {
                let d = into_rank4(d, "dY (--dout)", "(batch, n_filters, out_h, out_w)")?;
                let out = [p.batch, layer.n_filters(), p.out_h(), p.out_w()];
                if d.shape() != out {
                    return Err(Error::shape(
                        "dY (--dout)",
                        format!("{}, the shape of the output", tuple(&out)),
                        d.shape(),
                    ));
                }
                Some(d)
            }
        };
        // Bounds: the output's sums, and E = Σ output ⊙ dY of the
        // finite-difference check when --dout is given.
        let window = p.rows() as f64;
        let (x_max, w_max) = (max_abs(&x), max_abs(&layer.w));
        let out = log_bound(&[window, x_max, w_max], largest(&layer.w0.view()));
        let mut bounds = vec![("the output", "channels·fh·fw·max|X|·max|W| + max|w0|", out)];
        if let Some(d) = &dout {
            let count = (p.batch * layer.n_filters() * p.out_h() * p.out_w()) as f64;
            let e = log_bound(&[count, max_abs(d)], 0.0) + out;
            bounds.push(("E = Σ output ⊙ dY", "batch·n_filters·out_h·out_w·max|output|·max|dY|", e));
        }
        refuse_overflow(&bounds)?;
        Ok(Some(YourConv2D { x, layer, dout }))
    }

    /// Checks the layer's `output` against the loops of lesson 02 (square
    /// windows only; otherwise says why not).
    pub fn check_forward(&self, l: &mut Lesson, output: &Array4<f64>) -> Result<()> {
        let layer = &self.layer;
        let p = layer.params(self.x.shape())?;
        let big = largest(&self.x.view()).max(1.0) * largest(&layer.w.view()).max(1.0);
        match layer.forward_by_loops(&self.x.view()) {
            Ok((by_loops, _)) => {
                let tol = sum_rounding(p.rows() + 1, big);
                l.check_arrays("Conv2D = the loops of lesson 02", &by_loops.view(), &output.view(), tol);
            }
            Err(e) => l.say(&format!("(No comparison with the loops: {e}.)")),
        }
        Ok(())
    }

    /// Checks the gradients of `Conv2D::backward` for `dY = dout`: finite
    /// differences of `E = Σ output ⊙ dY` at up to 40 entries of the input
    /// and of `W`, and `grad_w0` against the sums of `dY`.
    pub fn check_backward(
        &self,
        l: &mut Lesson,
        output: &Array4<f64>,
        dout: &Array4<f64>,
        grads: &crate::textbook::conv2d::Conv2DGrads,
    ) -> Result<()> {
        let layer = &self.layer;
        let p = layer.params(self.x.shape())?;
        let eps = 1e-3;
        let forward = |x: &Array4<f64>, w: &Array4<f64>, w0: &ndarray::Array2<f64>| {
            crate::textbook::conv2d::Conv2D::new(w.clone(), w0.clone(), layer.padding, layer.stride)
                .and_then(|c| c.forward(&x.view()))
                .map_or_else(|_| Array4::from_elem(output.raw_dim(), f64::NAN), |(o, _)| o)
        };
        // Rounding: the layer on absolute values bounds each output's size.
        let abs = |a: &Array4<f64>| a.mapv(f64::abs);
        let out_abs = forward(&abs(&self.x), &abs(&layer.w), &layer.w0.mapv(f64::abs));
        let upstream = (dout, &out_abs, p.rows() + 1);
        // One evaluation is the layer's forward pass; each probe takes two, for 2 tensors.
        let probes = probes_within_budget((output.len() * (p.rows() + 1)) as f64, 4);
        let by_input = sampled_output_gradient(&self.x, &grads.grad_input, probes, eps, upstream, |x| {
            forward(x, &layer.w, &layer.w0)
        });
        let by_w = sampled_output_gradient(&layer.w, &grads.grad_w, probes, eps, upstream, |w| {
            forward(&self.x, w, &layer.w0)
        });
        for (name, (numeric, computed, tol)) in [("grad_input", by_input), ("grad_W", by_w)] {
            let what = format!("{name} = finite differences ({})", count(numeric.len(), "entry"));
            l.check_arrays(&what, &numeric.view(), &computed.view(), tol);
        }
        let by_sums = dout.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
        let tol = sum_rounding(p.cols(), largest(&dout.view()));
        l.check_arrays(
            "grad_w0 = Σ dY over images and positions",
            &by_sums.view(),
            &grads.grad_w0.column(0),
            tol,
        );
        Ok(())
    }
}

// ------------------------------------------------------------------ memory
//
// What each run on your tensors holds at once, estimated from the shapes
// before anything is computed and checked against the memory budget
// ([`crate::course::budget`]). Each list is a little over, never under, what the
// run holds at its fullest: temporaries that live one after another are
// all counted, as if they lived together. The arithmetic saturates, so an
// absurd padding gives an absurd (refused) total, not an overflow; the
// shapes themselves are checked afterwards, as before.

/// `n` padded by `pad` on both sides.
fn padded(n: usize, pad: usize) -> usize {
    n.saturating_add(pad.saturating_mul(2))
}

/// Windows of `f` with `stride` along `n` already padded (0 when none fits).
fn windows(n_padded: usize, f: usize, stride: usize) -> usize {
    n_padded.checked_sub(f).map_or(0, |span| span / stride.max(1) + 1)
}

/// Lessons 02 and 03 on `A_prev (m, H, W, C)` and `W (f, f, C, n_C)`, all f64.
///
/// Lesson 02 (`backward: false`) holds your `A_prev`, `W`, `b`; the padded
/// input `A_prev_pad`; `Z`; the copy of `A_prev` in `conv_forward`'s cache;
/// and for the check, `Z` again by hanbt's per-image `ConvLayer`, with one
/// image padded in its layout.
///
/// Lesson 03 (`backward: true`) adds `dZ` (yours, or a copy of `Z`); the
/// backward's `A_prev_pad` and `dA_prev_pad`, `dA_prev`, `dW`, `db`; for the
/// check by sensitivity maps, a second cache (`A_prev`), its `dA_prev`, and
/// one image's maps (expanded and padded `(n_C, H+2p+f, W+2p+f)` twice, one
/// per filter and channel `(n_C, C, H, W)`, the padded image); and for the
/// finite differences, `|A_prev|`, `|Z|`, `|dZ|`, `Z ⊙ dZ`, a perturbed copy
/// of `A_prev` and the padded input of each forward pass they run.
pub fn conv_memory(a_prev: &[usize], w: &[usize], hp: Hparameters, backward: bool) -> Vec<Tensor> {
    let dim = |s: &[usize], k: usize| s.get(k).copied().unwrap_or(1);
    let (m, h, wd, c) = (dim(a_prev, 0), dim(a_prev, 1), dim(a_prev, 2), dim(a_prev, 3));
    let (f, n_c) = (dim(w, 0), dim(w, 3));
    let (hp_, wp) = (padded(h, hp.pad), padded(wd, hp.pad));
    let z = [m, windows(hp_, f, hp.stride), windows(wp, f, hp.stride), n_c];
    let pad = [m, hp_, wp, c];
    let mut list = vec![
        Tensor::f64("A_prev", a_prev),
        Tensor::f64("W", w),
        Tensor::f64("b", &[n_c]),
        Tensor::f64("A_prev_pad", &pad),
        Tensor::f64("Z", &z),
        Tensor::f64("A_prev (conv_forward's cache)", a_prev),
        Tensor::f64("Z by ConvLayer (the check)", &z),
        Tensor::f64("one padded image (ConvLayer)", &[c, hp_, wp]),
    ];
    if backward {
        let maps = [n_c, hp_.saturating_add(f), wp.saturating_add(f)];
        list.extend([
            Tensor::f64("dZ", &z),
            Tensor::f64("A_prev_pad (conv_backward)", &pad),
            Tensor::f64("dA_prev_pad", &pad),
            Tensor::f64("dA_prev", a_prev),
            Tensor::f64("dW", w),
            Tensor::f64("db", &[n_c]),
            Tensor::f64("A_prev (the check's cache)", a_prev),
            Tensor::f64("dA_prev by sensitivity maps", a_prev),
            Tensor::f64("one image's expanded map", &maps),
            Tensor::f64("one image's padded map", &maps),
            Tensor::f64("one image's map per filter", &[n_c, c, h, wd]),
            Tensor::f64("|A_prev| (finite differences)", a_prev),
            Tensor::f64("a perturbed A_prev", a_prev),
            Tensor::f64("A_prev_pad (a perturbed forward)", &pad),
            Tensor::f64("|Z|", &z),
            Tensor::f64("|dZ|", &z),
            Tensor::f64("Z ⊙ dZ", &z),
        ]);
    }
    list
}

/// Lessons 04 and 05 on `A_prev (m, H, W, C)` with an `f×f` window, f64.
///
/// Lesson 04 holds `A_prev`, its copy in the cache, and the pooled `A`
/// twice (the loops, and the second way that checks them).
///
/// Lesson 05 (`backward: true`) adds `dA` (yours or all ones), `dA_prev`,
/// `dA_prev` the second way, and for the finite differences `|A_prev|`, a
/// perturbed copy, `|A|`, `|dA|` and `A ⊙ dA`.
pub fn pool_memory(a_prev: &[usize], hp: PoolHparameters, backward: bool) -> Vec<Tensor> {
    let dim = |k: usize| a_prev.get(k).copied().unwrap_or(1);
    let out = [dim(0), windows(dim(1), hp.f, hp.stride), windows(dim(2), hp.f, hp.stride), dim(3)];
    let mut list = vec![
        Tensor::f64("A_prev", a_prev),
        Tensor::f64("A_prev (the cache)", a_prev),
        Tensor::f64("A", &out),
        Tensor::f64("A the second way", &out),
    ];
    if backward {
        list.extend([
            Tensor::f64("dA", &out),
            Tensor::f64("dA_prev", a_prev),
            Tensor::f64("dA_prev the second way", a_prev),
            Tensor::f64("|A_prev| (finite differences)", a_prev),
            Tensor::f64("a perturbed A_prev", a_prev),
            Tensor::f64("|A|", &out),
            Tensor::f64("|dA|", &out),
            Tensor::f64("A ⊙ dA", &out),
        ]);
    }
    list
}

/// Lesson 07: `Conv2D` by im2col on `X (batch, C, H, W)` with
/// `W (n_f, C, fh, fw)`, f64.
///
/// Forward: `X`, `W`; the padded `X` and its transposed copy, and the
/// whole column matrix `X_col (C·fh·fw, out_h·out_w·batch)` the lesson
/// shows; the output and the cache's copy of `X`; the columns of 8 images
/// on each of two threads; and the check by loops of lesson 02: the padded
/// `X` in NCHW and in NHWC, that again inside `conv_forward`, its `Z` and
/// cache, and the output in NCHW.
///
/// Backward (`--dout`): `dY`, `grad_input`, `grad_W`, on each of two threads
/// `δ` and the columns' gradient for 8 images; for the finite differences,
/// `|output|`, `|dY|`, their product, and the output and cache of each
/// perturbed forward pass.
pub fn conv2d_memory(
    x: &[usize],
    w: &[usize],
    pad: crate::textbook::padding::Padding2D,
    stride: usize,
    backward: bool,
) -> Vec<Tensor> {
    let dim = |s: &[usize], k: usize| s.get(k).copied().unwrap_or(1);
    let (b, c, h, wd) = (dim(x, 0), dim(x, 1), dim(x, 2), dim(x, 3));
    let (n_f, fh, fw) = (dim(w, 0), dim(w, 2), dim(w, 3));
    let ph = h.saturating_add(pad.top).saturating_add(pad.bottom);
    let pw = wd.saturating_add(pad.left).saturating_add(pad.right);
    let (oh, ow) = (windows(ph, fh, stride), windows(pw, fw, stride));
    let rows = c.saturating_mul(fh).saturating_mul(fw);
    let padded_x = [b, c, ph, pw];
    let out = [b, n_f, oh, ow];
    let chunk = [2, rows, 8usize.min(b), oh, ow];
    let mut list = vec![
        Tensor::f64("X", x),
        Tensor::f64("W", w),
        Tensor::f64("padded X", &padded_x),
        Tensor::f64("padded X, transposed", &padded_x),
        Tensor::f64("X_col", &[rows, oh, ow, b]),
        Tensor::f64("output", &out),
        Tensor::f64("X (the cache)", x),
        Tensor::f64("columns of 8 images, 2 threads", &chunk),
        Tensor::f64("padded X (the loops)", &padded_x),
        Tensor::f64("padded X in NHWC (the loops)", &padded_x),
        Tensor::f64("A_prev_pad (the loops)", &padded_x),
        Tensor::f64("A_prev (the loops' cache)", &padded_x),
        Tensor::f64("Z (the loops)", &out),
        Tensor::f64("output in NCHW (the loops)", &out),
    ];
    if backward {
        list.extend([
            Tensor::f64("dY", &out),
            Tensor::f64("grad_input", x),
            Tensor::f64("grad_W", w),
            Tensor::f64("δ of 8 images, 2 threads", &[2, n_f, 8usize.min(b), oh, ow]),
            Tensor::f64("grad of the columns, 2 threads", &chunk),
            Tensor::f64("|output|", &out),
            Tensor::f64("|dY|", &out),
            Tensor::f64("|output| ⊙ |dY|", &out),
            Tensor::f64("a perturbed forward's output", &out),
            Tensor::f64("a perturbed forward's cache", x),
        ]);
    }
    list
}
