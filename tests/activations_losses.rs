//! Activations and losses (ML-From-Scratch): every derivative against central
//! finite differences on random shapes and values, softmax's identities, the
//! stable softmax cross entropy at extreme logits, shape errors, and values
//! worked out by hand (or with mpmath to 40 digits) so that the tests can fail
//! for real.
//!
//! Case `k` of a random test draws everything from `RandomState::new(seed)`,
//! `seed = 1000·test + k`, and a failing assertion prints the seed and the
//! shape, so the case can be rebuilt exactly.
//!
//! Finite differences use `ε = 1e-6` and a tolerance made of two parts:
//! - rounding, by [`fd_tolerance`]: each evaluation of a loss of `n` terms is
//!   off by about `n·ε_mach` times their total size, and the step `x ± ε` is
//!   itself rounded by up to `ε_mach·|x|`, which moves `f` by `|f'|·ε_mach·|x|`
//!   (every slope here is below 2: SELU's steepest is `λα ≈ 1.76`);
//! - truncation: a central difference is off by `ε²/6·|f‴|`, and every third
//!   derivative here is below 2 (tanh's, at 0), or below `Σ|g|` for softmax.

use cnn_walkthrough::course::check::{largest, sum_rounding, EXACT};
use cnn_walkthrough::course::gradcheck::{fd_tolerance, numerical_gradient};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::textbook::activations::{softmax_jacobian, Activation, SELU_ALPHA, SELU_SCALE};
use cnn_walkthrough::textbook::losses::{
    accuracy, cross_entropy, cross_entropy_gradient, naive_softmax_cross_entropy, softmax_cross_entropy,
    softmax_cross_entropy_gradient, square_loss, square_loss_gradient,
};
use cnn_walkthrough::Error;
use ndarray::{arr1, arr2, Array, Array2, ArrayD, ArrayView, Axis, Dimension, IxDyn, Zip};

/// Random cases per test (and per activation).
const CASES: u32 = 128;

/// The finite-difference step.
const EPS: f64 = 1e-6;

/// A uniform integer in `lo..=hi`.
fn int(rng: &mut RandomState, lo: usize, hi: usize) -> usize {
    lo + (rng.random_sample() * (hi - lo + 1) as f64) as usize
}

/// A random shape of rank `min_rank` to 3, each axis 1 to 4 long.
fn random_shape(rng: &mut RandomState, min_rank: usize) -> Vec<usize> {
    let rank = int(rng, min_rank, 3);
    (0..rank).map(|_| int(rng, 1, 4)).collect()
}

/// Normal inputs with σ = 3, moved at least 1e-3 away from 0, where ReLU,
/// leaky ReLU, ELU and SELU have a kink: a central difference across it
/// would average the two slopes.
fn inputs(rng: &mut RandomState, shape: &[usize]) -> ArrayD<f64> {
    (rng.randn(shape) * 3.0).mapv(|v| if v.abs() < 1e-3 { 1e-3f64.copysign(v) } else { v })
}

/// Random one-hot rows: `batch × classes`.
fn one_hot(rng: &mut RandomState, batch: usize, classes: usize) -> Array2<f64> {
    let mut y = Array2::zeros((batch, classes));
    for mut row in y.rows_mut() {
        row[int(rng, 0, classes - 1)] = 1.0;
    }
    y
}

/// `|computed − expected| ≤ tol` element by element (NaN fails).
fn assert_within<D: Dimension>(
    case: &str,
    expected: &ArrayView<f64, D>,
    computed: &ArrayView<f64, D>,
    tol: &ArrayView<f64, D>,
) {
    assert_eq!(expected.shape(), computed.shape(), "{case}: shapes differ");
    for (((idx, &e), &c), &t) in expected.indexed_iter().zip(computed).zip(tol) {
        let diff = (c - e).abs();
        assert!(diff <= t, "{case}: at {idx:?} expected {e}, computed {c}, |diff| {diff:.3e} > tol {t:.3e}");
    }
}

/// The same tolerance for every element.
fn everywhere<D: Dimension>(a: &Array<f64, D>, tol: f64) -> Array<f64, D> {
    Array::from_elem(a.raw_dim(), tol)
}

// ---------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------

#[test]
fn backward_equals_finite_differences() {
    for f in Activation::ALL {
        for k in 0..CASES {
            let seed = 1000 + k;
            let mut rng = RandomState::new(seed);
            let shape = random_shape(&mut rng, 0);
            let x = inputs(&mut rng, &shape);
            let g = rng.randn(&shape[..]);
            let case = format!("{} seed {seed} shape {shape:?}", f.name());

            // E = Σ f(x) ⊙ g, so ∂E/∂x is the backward pass of g.
            let computed = f.backward(&x.view(), &g.view()).unwrap();
            let expected = numerical_gradient(&x, EPS, |x| (&f.forward(&x.view()) * &g).sum());
            let fx = f.forward(&x.view());
            let size: f64 = Zip::from(&fx)
                .and(&x)
                .and(&g)
                .fold(0.0, |s, f, x, g| s + g.abs() * (f.abs() + 2.0 * x.abs()));
            let sum_g = g.mapv(f64::abs).sum();
            let tol = fd_tolerance(size, x.len() + 4, EPS) + EPS * EPS * sum_g;
            assert_within(&case, &expected.view(), &computed.view(), &everywhere(&x, tol).view());
        }
    }
}

#[test]
fn gradient_equals_finite_differences_for_elementwise_activations() {
    for f in Activation::ALL.into_iter().filter(|f| *f != Activation::Softmax) {
        for k in 0..CASES {
            let seed = 2000 + k;
            let mut rng = RandomState::new(seed);
            let shape = random_shape(&mut rng, 0);
            let x = inputs(&mut rng, &shape);
            let case = format!("{} seed {seed} shape {shape:?}", f.name());

            let expected = (f.forward(&(&x + EPS).view()) - f.forward(&(&x - EPS).view())) / (2.0 * EPS);
            let computed = f.gradient(&x.view());
            // One term per element: a few roundings inside f, plus the step's.
            let tol = Zip::from(&f.forward(&x.view()))
                .and(&x)
                .map_collect(|fx, x| fd_tolerance(fx.abs() + 2.0 * x.abs(), 4, EPS) + EPS * EPS);
            assert_within(&case, &expected.view(), &computed.view(), &tol.view());
        }
    }
}

#[test]
fn softmax_rows_are_probabilities_ignore_a_shift_and_any_layout() {
    for k in 0..CASES {
        let seed = 3000 + k;
        let mut rng = RandomState::new(seed);
        let shape = random_shape(&mut rng, 1);
        let x = inputs(&mut rng, &shape);
        let case = format!("seed {seed} shape {shape:?}");
        let last = Axis(shape.len() - 1);
        let classes = shape[shape.len() - 1];

        let p = Activation::Softmax.forward(&x.view());
        assert!(p.iter().all(|&v| v > 0.0 && v <= 1.0), "{case}: p outside (0, 1]: {p}");
        // Each p_j is e_j / S with S rounded by (k−1)·u, each quotient by u, and
        // their sum by another (k−1)·u: about 2k·u = k·ε_mach in all.
        let sums = p.sum_axis(last);
        let tol = 2.0 * classes as f64 * f64::EPSILON;
        assert_within(
            &case,
            &Array::ones(sums.raw_dim()).view(),
            &sums.view(),
            &everywhere(&sums, tol).view(),
        );

        // softmax(x + c) = softmax(x). Adding 1000 rounds each x by up to
        // ulp(1000)/2 ≈ 5.7e-14, which moves p by less than 2·5.7e-14.
        let shifted = Activation::Softmax.forward(&(&x + 1000.0).view());
        assert_within(&case, &p.view(), &shifted.view(), &everywhere(&p, EXACT).view());

        // A strided view (the transpose) gives what its standard-layout copy
        // gives: the same operations, up to the order of the sum in Σ g p.
        let (xt, g) = (x.t(), rng.randn(x.t().raw_dim()));
        let copy = xt.as_standard_layout();
        let softmax = Activation::Softmax;
        assert_eq!(softmax.forward(&xt), softmax.forward(&copy.view()), "{case}");
        let (strided, standard) =
            (softmax.backward(&xt, &g.view()).unwrap(), softmax.backward(&copy.view(), &g.view()).unwrap());
        assert_within(&case, &standard.view(), &strided.view(), &everywhere(&standard, EXACT).view());
    }
}

#[test]
fn softmax_jacobian_equals_finite_differences_and_gives_backward() {
    for k in 0..CASES {
        let seed = 4000 + k;
        let mut rng = RandomState::new(seed);
        let n = int(&mut rng, 1, 6);
        let x = inputs(&mut rng, &[n]).into_dimensionality::<ndarray::Ix1>().unwrap();
        let g = rng.randn(n);
        let case = format!("seed {seed} n {n}");
        let jacobian = softmax_jacobian(&x.view());

        // Column j is ∂p/∂x_j.
        let mut expected = Array2::zeros((n, n));
        for j in 0..n {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[j] += EPS;
            minus[j] -= EPS;
            let column = (Activation::Softmax.forward(&plus.view())
                - Activation::Softmax.forward(&minus.view()))
                / (2.0 * EPS);
            expected.column_mut(j).assign(&column);
        }
        // p ≤ 1 computed with about n + 3 roundings; the steps round by ε_mach·|x|.
        let tol = fd_tolerance(1.0 + 2.0 * largest(&x.view()), n + 4, EPS) + EPS * EPS;
        assert_within(&case, &expected.view(), &jacobian.view(), &everywhere(&expected, tol).view());

        // The backward pass is the vector-Jacobian product Jᵀ g: the same sums
        // of n products, each below |g|, in another order.
        let backward = Activation::Softmax.backward(&x.view(), &g.view()).unwrap();
        let tol = sum_rounding(n + 1, largest(&g.view()));
        assert_within(
            &case,
            &jacobian.t().dot(&g).view(),
            &backward.view(),
            &everywhere(&backward, tol).view(),
        );
    }
}

/// The source's softmax "gradient" is only the Jacobian's diagonal p(1 − p),
/// yet chained with its cross-entropy gradient it gives the right answer,
/// p − y, because element by element
///
///   (−y/p + (1 − y)/(1 − p)) · p(1 − p) = −y(1 − p) + (1 − y)p = p − y.
///
/// (The algebra holds for any y; p − y is the true gradient of
/// −Σ_j y_j ln softmax(z)_j when Σ_j y_j = 1, as for one-hot y. The full
/// Jacobian gets there through Jᵀ(−y/p) = p ⊙ (−y/p + Σ_j y_j) = p − y.)
#[test]
fn source_softmax_gradient_chained_with_cross_entropy_gives_p_minus_y() {
    for k in 0..CASES {
        let seed = 5000 + k;
        let mut rng = RandomState::new(seed);
        let (batch, classes) = (int(&mut rng, 1, 4), int(&mut rng, 2, 6));
        let z = rng.randn((batch, classes)) * 2.0;
        let y = one_hot(&mut rng, batch, classes);
        let case = format!("seed {seed} shape ({batch}, {classes})");

        let p = Activation::Softmax.forward(&z.view());
        let source_chain =
            cross_entropy_gradient(&y.view(), &p.view()).unwrap() * Activation::Softmax.gradient(&z.view());
        let expected = &p - &y;
        assert_within(&case, &expected.view(), &source_chain.view(), &everywhere(&p, EXACT).view());

        let full_chain = Activation::Softmax.backward(&z.view(), &(-(&y / &p)).view()).unwrap();
        assert_within(&case, &expected.view(), &full_chain.view(), &everywhere(&p, EXACT).view());
        let fused = softmax_cross_entropy_gradient(&y.view(), &z.view()).unwrap();
        assert_within(&case, &expected.view(), &fused.view(), &everywhere(&p, EXACT).view());
    }
}

#[test]
fn activations_stay_finite_at_extreme_inputs() {
    let x =
        arr1::<f64>(&[-1e300, -1000.0, -745.0, -710.0, -40.0, -0.0, 0.0, 40.0, 710.0, 745.0, 1000.0, 1e300]);
    let g = Array::ones(x.raw_dim());
    for f in Activation::ALL {
        let values = [f.forward(&x.view()), f.gradient(&x.view()), f.backward(&x.view(), &g.view()).unwrap()];
        for (what, v) in ["forward", "gradient", "backward"].iter().zip(&values) {
            assert!(v.iter().all(|v| v.is_finite()), "{} {what} at {x}: {v}", f.name());
        }
    }
    // Stable forms, not only finite ones.
    let (sigmoid, softplus) = (Activation::Sigmoid, Activation::SoftPlus);
    assert_eq!(sigmoid.forward(&arr1(&[-1000.0, 1000.0]).view()), arr1(&[0.0, 1.0]));
    assert_eq!(softplus.forward(&arr1(&[-1000.0, 1000.0]).view()), arr1(&[0.0, 1000.0]));
    let tiny = 4.248354255291589e-18; // e^−40 / (1 + e^−40), and ln(1 + e^−40), with mpmath
    assert!((sigmoid.forward(&arr1::<f64>(&[-40.0]).view())[0] - tiny).abs() <= 4.0 * f64::EPSILON * tiny);
    assert!((softplus.forward(&arr1::<f64>(&[-40.0]).view())[0] - tiny).abs() <= 4.0 * f64::EPSILON * tiny);
}

#[test]
fn activation_values_by_hand() {
    let at = |f: Activation, x: f64| f.forward(&arr1(&[x]).view())[0];
    let slope = |f: Activation, x: f64| f.gradient(&arr1(&[x]).view())[0];
    let close = |got: f64, want: f64| {
        assert!((got - want).abs() <= 2.0 * f64::EPSILON * want.abs(), "{got} ≠ {want}")
    };
    let [sigmoid, softmax, tanh, relu, leaky, elu, selu, softplus] = Activation::ALL;

    assert_eq!(at(sigmoid, 0.0), 0.5);
    assert_eq!(slope(sigmoid, 0.0), 0.25);
    close(at(sigmoid, 2.0), 0.8807970779778824);
    close(at(tanh, 1.0), 0.7615941559557649);
    assert_eq!(slope(tanh, 0.0), 1.0);
    assert_eq!((at(relu, -1.0), at(relu, 2.0)), (0.0, 2.0));
    // f'(0) = 1, as the source's np.where(x >= 0, 1, 0) (PyTorch's is 0).
    assert_eq!((slope(relu, -1.0), slope(relu, 0.0), slope(relu, 2.0)), (0.0, 1.0, 1.0));
    assert_eq!((at(leaky, -1.0), slope(leaky, -1.0), slope(leaky, 0.0)), (-0.2, 0.2, 1.0));
    close(at(elu, -1.0), -0.06321205588285576); // 0.1 (e^−1 − 1)
    close(slope(elu, -1.0), 0.036787944117144235); // f(−1) + 0.1 = 0.1 e^−1
    assert_eq!(at(selu, 1.0), 1.0507009873554805);
    close(at(selu, -1.0), -1.1113307378125628); // λα(e^−1 − 1)
    close(slope(selu, -1.0), 0.6467686030348141); // λα e^−1
    close(at(softplus, 0.0), 2f64.ln());
    close(at(softplus, 1.0), 1.3132616875182228);
    assert_eq!(slope(softplus, 0.0), 0.5);

    let z = arr1(&[1.0, 2.0, 3.0]);
    let p = softmax.forward(&z.view());
    let diagonal = softmax.gradient(&z.view());
    for (got, want) in p.iter().zip([0.09003057317038046, 0.24472847105479764, 0.6652409557748219]) {
        close(*got, want);
    }
    for (got, want) in diagonal.iter().zip([0.08192506906499322, 0.1848364465099787, 0.22269542653462335]) {
        assert!((got - want).abs() <= 4.0 * f64::EPSILON, "{got} ≠ {want}");
    }
    // A 0-d array is one number, whose softmax is 1 (and does not move).
    let scalar = ndarray::arr0(5.0);
    assert_eq!(softmax.forward(&scalar.view())[()], 1.0);
    assert_eq!(softmax.backward(&scalar.view(), &ndarray::arr0(3.0).view()).unwrap()[()], 0.0);

    // The source's constants, to the digits it prints.
    assert_eq!(SELU_ALPHA, "1.6732632423543772848170429916717".parse::<f64>().unwrap());
    assert_eq!(SELU_SCALE, "1.0507009873554804934193349852946".parse::<f64>().unwrap());
}

#[test]
fn all_has_the_source_defaults_and_distinct_names() {
    assert_eq!(Activation::ALL[4], Activation::LeakyReLU { alpha: 0.2 });
    assert_eq!(Activation::ALL[5], Activation::ELU { alpha: 0.1 });
    let names: Vec<&str> = Activation::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(names, ["sigmoid", "softmax", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus"]);
    for f in Activation::ALL {
        assert!(!f.formula().is_empty() && !f.derivative_formula().is_empty(), "{}", f.name());
    }
}

// ---------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------

/// A loss or its gradient, `(y, p) ↦ array`.
type LossFn = fn(&ArrayView<f64, IxDyn>, &ArrayView<f64, IxDyn>) -> cnn_walkthrough::Result<ArrayD<f64>>;

/// A bound on `|L‴|` at `(y, p)`.
type ThirdDerivative = fn(f64, f64) -> f64;

#[test]
fn square_and_cross_entropy_gradients_equal_finite_differences() {
    let losses: [(&str, LossFn, LossFn, ThirdDerivative); 2] = [
        ("square loss", square_loss, square_loss_gradient, |_, _| 0.0),
        ("cross entropy", cross_entropy, cross_entropy_gradient, |y, p| {
            2.0 * y / p.powi(3) + 2.0 * (1.0 - y) / (1.0 - p).powi(3)
        }),
    ];
    for (name, loss, gradient, third) in losses {
        for k in 0..CASES {
            let seed = 6000 + k;
            let mut rng = RandomState::new(seed);
            let shape = random_shape(&mut rng, 0);
            // Targets in [0, 1] and predictions in [0.05, 0.95], away from the clip.
            let y = rng.uniform(0.0, 1.0, &shape[..]);
            let p = rng.uniform(0.05, 0.95, &shape[..]);
            let case = format!("{name} seed {seed} shape {shape:?}");

            let at = |p: &ArrayD<f64>| loss(&y.view(), &p.view()).unwrap();
            let expected = (at(&(&p + EPS)) - at(&(&p - EPS))) / (2.0 * EPS);
            let computed = gradient(&y.view(), &p.view()).unwrap();
            let tol = Zip::from(&at(&p)).and(&computed).and(&y).and(&p).map_collect(|l, dl, &y, &p| {
                fd_tolerance(l.abs() + 2.0 * (p * dl).abs(), 4, EPS) + EPS * EPS * third(y, p) / 3.0
            });
            assert_within(&case, &expected.view(), &computed.view(), &tol.view());
        }
    }
}

#[test]
fn softmax_cross_entropy_agrees_with_the_naive_formula_and_finite_differences() {
    for k in 0..CASES {
        let seed = 7000 + k;
        let mut rng = RandomState::new(seed);
        let (batch, classes) = (int(&mut rng, 1, 4), int(&mut rng, 1, 6));
        let z = rng.randn((batch, classes)) * 3.0;
        // Probability targets: rows of positive numbers that sum to 1.
        let mut y = rng.uniform(0.0, 1.0, (batch, classes));
        let sums = y.sum_axis(Axis(1)).insert_axis(Axis(1));
        y /= &sums;
        let case = format!("seed {seed} shape ({batch}, {classes})");

        let loss = softmax_cross_entropy(&y.view(), &z.view()).unwrap();
        let naive = naive_softmax_cross_entropy(&y.view(), &z.view()).unwrap();
        // Both add `classes` terms no larger than |z| + ln(classes) + 1.
        let tol = sum_rounding(classes + 2, largest(&z.view()) + (classes as f64).ln() + 1.0);
        assert_within(&case, &naive.view(), &loss.view(), &everywhere(&loss, tol).view());

        let computed = softmax_cross_entropy_gradient(&y.view(), &z.view()).unwrap();
        let expected =
            numerical_gradient(&z, EPS, |z| softmax_cross_entropy(&y.view(), &z.view()).unwrap().sum());
        // Σ of `batch` losses, each of about classes + 3 roundings; L‴ ≤ 1 per sample.
        let size = loss.mapv(f64::abs).sum() + 2.0 * z.mapv(f64::abs).sum();
        let tol = fd_tolerance(size, batch * (classes + 3), EPS) + EPS * EPS;
        assert_within(&case, &expected.view(), &computed.view(), &everywhere(&z, tol).view());
    }
}

#[test]
fn softmax_cross_entropy_is_finite_at_logits_of_plus_minus_1000() {
    for k in 0..CASES {
        let seed = 8000 + k;
        let mut rng = RandomState::new(seed);
        let (batch, classes) = (int(&mut rng, 1, 4), int(&mut rng, 1, 6));
        let z = rng.uniform(0.0, 1.0, (batch, classes)).mapv(|u| if u < 0.5 { -1000.0 } else { 1000.0 });
        let y = one_hot(&mut rng, batch, classes);
        let case = format!("seed {seed} z {z} y {y}");

        // By hand: m logits share the largest value, M. Then softmax is 1/m on
        // them and e^−2000 = 0 elsewhere, and logsumexp(z) = M + ln m.
        let mut softmax = Array2::zeros((batch, classes));
        let mut expected_loss = Array::zeros(batch);
        for (i, row) in z.rows().into_iter().enumerate() {
            let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let m = row.iter().filter(|&&v| v == max).count() as f64;
            for (j, &v) in row.iter().enumerate() {
                softmax[[i, j]] = if v == max { 1.0 / m } else { 0.0 };
            }
            expected_loss[i] = max + m.ln() - row.dot(&y.row(i));
        }

        let loss = softmax_cross_entropy(&y.view(), &z.view()).unwrap();
        let gradient = softmax_cross_entropy_gradient(&y.view(), &z.view()).unwrap();
        assert!(
            loss.iter().chain(&gradient).all(|v| v.is_finite()),
            "{case}: loss {loss}, gradient {gradient}"
        );
        // Sums of a few numbers of size 2000: a few ulps of 2000.
        assert_within(&case, &expected_loss.view(), &loss.view(), &everywhere(&loss, 2000.0 * EXACT).view());
        assert_within(&case, &(&softmax - &y).view(), &gradient.view(), &everywhere(&gradient, EXACT).view());

        // e^1000 = ∞ and ∞/∞ = NaN; a row of −1000s gives 0/0 = NaN.
        let naive = naive_softmax_cross_entropy(&y.view(), &z.view()).unwrap();
        assert!(naive.iter().all(|v| !v.is_finite()), "{case}: naive loss {naive} is finite");
    }
}

#[test]
fn loss_values_by_hand() {
    let (y, p) = (arr1(&[1.0, 0.0, 1.0, 0.0]), arr1(&[0.5, 0.5, 0.0, 0.0]));
    assert_eq!(square_loss(&y.view(), &p.view()).unwrap(), arr1(&[0.125, 0.125, 0.5, 0.0]));
    assert_eq!(square_loss_gradient(&y.view(), &p.view()).unwrap(), arr1(&[-0.5, 0.5, -1.0, 0.0]));
    // p = 0 is clipped to 1e-15: −ln 1e-15 for a certain miss, and −ln(1 − 1e-15)
    // for a certain hit of 0, where 1 − 1e-15 rounds to 1 − 9.992e-16 as in
    // numpy (both with mpmath).
    let ce = cross_entropy(&y.view(), &p.view()).unwrap();
    let ln2 = 2f64.ln();
    let want = [ln2, ln2, 34.538776394910684, 9.992007221626415e-16];
    for (got, want) in ce.iter().zip(want) {
        assert!((got - want).abs() <= 4.0 * f64::EPSILON * want, "{ce} ≠ {want:?}");
    }
    let grad = cross_entropy_gradient(&y.view(), &p.view()).unwrap();
    assert_eq!(grad.slice(ndarray::s![..2]), arr1(&[-2.0, 2.0]));
    // −1/1e-15 and 1/(1 − 1e-15): steep, but finite.
    assert!((grad[2] + 1e15).abs() <= 2.0 * f64::EPSILON * 1e15, "{grad}");
    assert!((grad[3] - 1.0).abs() <= 2e-15, "{grad}");

    // Two equal logits: loss ln 2, gradient (½ − 1, ½).
    let (y, z) = (arr2(&[[1.0, 0.0]]), arr2(&[[0.0, 0.0]]));
    assert_eq!(softmax_cross_entropy(&y.view(), &z.view()).unwrap()[0], ln2);
    assert_eq!(softmax_cross_entropy_gradient(&y.view(), &z.view()).unwrap(), arr2(&[[-0.5, 0.5]]));
    let (y, z) = (arr2(&[[0.0, 1.0, 0.0]]), arr2(&[[1000.0, -1000.0, 0.0]]));
    assert_eq!(softmax_cross_entropy(&y.view(), &z.view()).unwrap()[0], 2000.0);

    // Rows 0 and 2 agree; row 1's tie goes to the first, as np.argmax.
    let y = arr2(&[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    let p = arr2(&[[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.1, 0.3, 0.6]]);
    assert_eq!(accuracy(&y.view(), &p.view()).unwrap(), 2.0 / 3.0);
    assert_eq!(accuracy(&y.view(), &y.view()).unwrap(), 1.0);
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// A shape error about `what`, with this message.
fn assert_shape_error<T: std::fmt::Debug>(result: cnn_walkthrough::Result<T>, what: &str, message: &str) {
    match result {
        Err(e @ Error::Shape { .. }) => {
            assert!(matches!(&e, Error::Shape { what: w, .. } if w == what), "{e:?}");
            assert_eq!(e.to_string(), message);
        }
        other => panic!("expected a shape error about {what}, got {other:?}"),
    }
}

#[test]
fn mismatched_shapes_are_errors_not_panics() {
    let (a, b) = (Array2::<f64>::zeros((2, 3)), Array2::<f64>::zeros((3, 2)));
    let (a, b) = (a.view(), b.view());
    for f in Activation::ALL {
        assert_shape_error(
            f.backward(&a, &b),
            "grad",
            "grad has shape (3, 2); expected (2, 3), the shape of x",
        );
    }
    let expected = "p has shape (3, 2); expected (2, 3), the shape of y";
    assert_shape_error(square_loss(&a, &b), "p", expected);
    assert_shape_error(square_loss_gradient(&a, &b), "p", expected);
    assert_shape_error(cross_entropy(&a, &b), "p", expected);
    assert_shape_error(cross_entropy_gradient(&a, &b), "p", expected);
    assert_shape_error(accuracy(&a, &b), "p", expected);
    let expected = "y has shape (2, 3); expected (3, 2), the shape of the logits z";
    assert_shape_error(softmax_cross_entropy(&a, &b), "y", expected);
    assert_shape_error(softmax_cross_entropy_gradient(&a, &b), "y", expected);
    assert_shape_error(naive_softmax_cross_entropy(&a, &b), "y", expected);

    let none = Array2::<f64>::zeros((2, 0));
    let no_class = "z has shape (2, 0); expected (batch, classes) with at least one class";
    assert_shape_error(softmax_cross_entropy(&none.view(), &none.view()), "z", no_class);
    let no_row = Array2::<f64>::zeros((0, 3));
    assert_shape_error(
        accuracy(&no_row.view(), &no_row.view()),
        "y",
        "y has shape (0, 3); expected (batch, classes) with at least one row and one class",
    );
}
