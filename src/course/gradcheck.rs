//! Finite differences: the gradient a backward pass must agree with.
//!
//! For a loss `L(x)`, the central difference
//! `∂L/∂x_k ≈ (L(x + ε·e_k) − L(x − ε·e_k)) / 2ε`
//! has an error of order `ε²` (none at all when `L` is linear in `x_k`, as a
//! convolution is in its weights and its input).

use ndarray::{Array, Dimension};

/// The central-difference gradient of `loss` at `x`, at the flat (C-order)
/// positions `indices`.
///
/// ```
/// use cnn_walkthrough::course::gradcheck::numerical_gradient_at;
/// let x = ndarray::arr1(&[1.0, 2.0, 3.0]);
/// let g = numerical_gradient_at(&x, 1e-3, &[0, 2], |x| x.mapv(|v| v * v).sum());
/// assert!((g[0] - 2.0).abs() < 1e-9 && (g[1] - 6.0).abs() < 1e-9);
/// ```
///
/// # Panics
/// If an index is out of range.
pub fn numerical_gradient_at<D: Dimension>(
    x: &Array<f64, D>,
    eps: f64,
    indices: &[usize],
    mut loss: impl FnMut(&Array<f64, D>) -> f64,
) -> Vec<f64> {
    let mut probe = x.as_standard_layout().into_owned();
    let set = |p: &mut Array<f64, D>, k: usize, v: f64| -> f64 {
        let slot = &mut p.as_slice_mut().expect("standard layout")[k];
        std::mem::replace(slot, v)
    };
    indices
        .iter()
        .map(|&k| {
            let original = set(&mut probe, k, 0.0);
            set(&mut probe, k, original + eps);
            let plus = loss(&probe);
            set(&mut probe, k, original - eps);
            let minus = loss(&probe);
            set(&mut probe, k, original);
            (plus - minus) / (2.0 * eps)
        })
        .collect()
}

/// The central-difference gradient of `loss` at every element of `x`.
pub fn numerical_gradient<D: Dimension>(
    x: &Array<f64, D>,
    eps: f64,
    loss: impl FnMut(&Array<f64, D>) -> f64,
) -> Array<f64, D> {
    let indices: Vec<usize> = (0..x.len()).collect();
    let values = numerical_gradient_at(x, eps, &indices, loss);
    Array::from_shape_vec(x.raw_dim(), values).expect("one value per element")
}

/// Up to `n` flat positions spread evenly over `len` elements (all of them
/// when `len ≤ n`): where to probe a large tensor.
pub fn spread_indices(len: usize, n: usize) -> Vec<usize> {
    if len <= n {
        return (0..len).collect();
    }
    (0..n).map(|k| k * (len - 1) / (n - 1).max(1)).collect()
}

/// Finite differences at up to `probes` entries of `x`, spread evenly,
/// beside the same entries of `computed` (what the backward pass gave for
/// `x`): `(numerical, computed)`, ready to compare.
///
/// # Panics
/// If `computed` has fewer elements than `x`.
pub fn sampled_gradient<D: Dimension>(
    x: &Array<f64, D>,
    computed: &Array<f64, D>,
    probes: usize,
    eps: f64,
    loss: impl FnMut(&Array<f64, D>) -> f64,
) -> (ndarray::Array1<f64>, ndarray::Array1<f64>) {
    let at = spread_indices(x.len(), probes);
    let numeric = numerical_gradient_at(x, eps, &at, loss);
    let flat: Vec<f64> = computed.iter().copied().collect();
    (numeric.into(), at.iter().map(|&i| flat[i]).collect())
}

/// Finite differences of `E = Σ f(x) ⊙ g` at up to `probes` entries of
/// `x`, spread evenly, beside the same entries of `computed` (the backward
/// pass's gradient for `x`), and the tolerance they are to be compared with:
/// `(numerical, computed, tol)`.
///
/// Each entry is `Σ (f(x + ε·e_k) − f(x − ε·e_k)) ⊙ g / 2ε`: the outputs are
/// subtracted before they are summed, so every output that `x_k` does not
/// reach comes out bitwise the same both times and cancels exactly. Rounding
/// then comes only from the outputs `x_k` reaches, however large the rest of
/// the output is, and the tolerance is bounded from those alone:
/// [`fd_tolerance`] of `Σ 2·f_abs ⊙ |g|` over them, where `f_abs` bounds each
/// output's sum of absolute products (the forward pass on absolute values)
/// and `terms` the longest such sum, plus the number of outputs reached.
/// (Summing `E` first would carry the
/// rounding of every output into every entry.)
///
/// ```
/// use cnn_walkthrough::course::gradcheck::sampled_output_gradient;
/// use ndarray::{arr1, Array1};
///
/// // f(x) = (3·x₀, 10¹², 5·x₁): a huge output that x does not reach.
/// let f = |x: &Array1<f64>| arr1(&[3.0 * x[0], 1e12, 5.0 * x[1]]);
/// let (g, f_abs) = (arr1(&[1.0, 1.0, 1.0]), arr1(&[3.0, 1e12, 10.0]));
/// let wrong = arr1(&[3.0, 5.1]); // ∂E/∂x₁ is 5
/// let (numeric, computed, tol) =
///     sampled_output_gradient(&arr1(&[1.0, 2.0]), &wrong, 40, 1e-3, (&g, &f_abs, 1), f);
/// assert!((numeric[0] - computed[0]).abs() <= tol);
/// assert!((numeric[1] - computed[1]).abs() > tol); // caught, though E is 10¹²
/// ```
///
/// # Panics
/// If `computed` has fewer elements than `x`, or `f`'s outputs, `f_abs` and
/// `g` differ in shape.
pub fn sampled_output_gradient<D: Dimension, E: Dimension>(
    x: &Array<f64, D>,
    computed: &Array<f64, D>,
    probes: usize,
    eps: f64,
    (g, f_abs, terms): (&Array<f64, E>, &Array<f64, E>, usize),
    mut f: impl FnMut(&Array<f64, D>) -> Array<f64, E>,
) -> (ndarray::Array1<f64>, ndarray::Array1<f64>, f64) {
    let at = spread_indices(x.len(), probes);
    let mut probe = x.as_standard_layout().into_owned();
    let (mut numeric, mut tol) = (Vec::with_capacity(at.len()), 0.0f64);
    for &k in &at {
        let original = probe.as_slice().expect("standard layout")[k];
        probe.as_slice_mut().expect("standard layout")[k] = original + eps;
        let plus = f(&probe);
        probe.as_slice_mut().expect("standard layout")[k] = original - eps;
        let minus = f(&probe);
        probe.as_slice_mut().expect("standard layout")[k] = original;
        let (mut sum, mut reach, mut reached) = (0.0, 0.0, 0);
        for (((p, m), g), a) in plus.iter().zip(&minus).zip(g.iter()).zip(f_abs.iter()) {
            if p != m {
                sum += (p - m) * g;
                reach += 2.0 * a * g.abs();
                reached += 1;
            }
        }
        numeric.push(sum / (2.0 * eps));
        // Each reached output rounds within its own `terms`; adding them up
        // rounds within `reached` more.
        tol = tol.max(fd_tolerance(reach, terms + reached, eps));
    }
    let flat: Vec<f64> = computed.iter().copied().collect();
    (numeric.into(), at.iter().map(|&i| flat[i]).collect(), tol)
}

/// The multiply-adds a finite-difference check may spend: about five
/// seconds of the textbook loops in the dev profile.
pub const FD_WORK: f64 = 4e8;

/// How many entries of each tensor to probe: up to 40, fewer when one
/// evaluation costs `cost` multiply-adds and a probe takes `evaluations`
/// of them, so that the whole check stays within [`FD_WORK`]; at least 1.
///
/// ```
/// use cnn_walkthrough::course::gradcheck::probes_within_budget;
/// assert_eq!(probes_within_budget(1000.0, 6), 40);
/// assert_eq!(probes_within_budget(1e7, 6), 6);
/// assert_eq!(probes_within_budget(1e12, 6), 1);
/// ```
pub fn probes_within_budget(cost: f64, evaluations: usize) -> usize {
    let affordable = FD_WORK / (cost.max(1.0) * evaluations.max(1) as f64);
    (affordable as usize).clamp(1, 40)
}

/// How far a central difference may stray from the true gradient by
/// rounding alone, for a loss that sums `terms` products of total size
/// `scale`: each evaluation carries up to `terms · ε_machine · scale`, and
/// the difference is divided by `2·eps`.
///
/// ```
/// let tol = cnn_walkthrough::course::gradcheck::fd_tolerance(100.0, 1000, 1e-3);
/// assert!(tol > 1e-9 && tol < 1e-6);
/// ```
pub fn fd_tolerance(scale: f64, terms: usize, eps: f64) -> f64 {
    terms as f64 * f64::EPSILON * scale.max(1.0) / eps
}

/// The tolerance of central differences with ε = 1e-6 on smooth functions
/// of numbers near 1: the truncation error (ε²·f‴/6 ≈ 1e-12·f‴) and the
/// rounding (≈ 1e-16·|E|/ε) stay far below it.
pub const SMOOTH_FD_TOL: f64 = 1e-6;

/// `(name, numerical gradient, gradient from backward)`.
pub type GradientPair = (String, ndarray::ArrayD<f64>, ndarray::ArrayD<f64>);

/// Finite differences against a layer's backward pass, on input `x`: with a
/// random output gradient `g` (seeded), the loss `E = Σ forward(x) ⊙ g` is
/// differentiated numerically with respect to the input and every parameter,
/// and paired with what `backward(g)` gives. Each evaluation runs on a fresh
/// clone of the layer, so dropout draws the same mask every time.
///
/// Returns `(name, numerical, computed)` for the input and each parameter.
///
/// # Errors
/// As the layer's forward and backward passes.
pub fn layer_gradients<L: crate::textbook::layers::Layer + Clone>(
    layer: &L,
    x: &ndarray::ArrayD<f64>,
    training: bool,
    eps: f64,
    seed: u32,
) -> crate::Result<Vec<GradientPair>> {
    let mut probe = layer.clone();
    let y = probe.forward(x, training)?;
    let g = crate::course::random::RandomState::new(seed).randn(y.raw_dim());
    let grad_x = probe.backward(&g)?;
    let loss =
        |l: &mut L, x: &ndarray::ArrayD<f64>| l.forward(x, training).map_or(f64::NAN, |y| (&y * &g).sum());
    let mut out =
        vec![("input".to_string(), numerical_gradient(x, eps, |x| loss(&mut layer.clone(), x)), grad_x)];
    let names: Vec<(&str, ndarray::ArrayD<f64>)> =
        probe.params_and_grads().into_iter().map(|(n, _, g)| (n, g.clone())).collect();
    for (k, (name, computed)) in names.into_iter().enumerate() {
        let mut base = layer.clone();
        let param = base.params_and_grads()[k].1.clone();
        let numeric = numerical_gradient(&param, eps, |p| {
            let mut l = layer.clone();
            l.params_and_grads()[k].1.assign(p);
            loss(&mut l, x)
        });
        out.push((name.to_string(), numeric, computed));
    }
    Ok(out)
}
