//! The element type of the layers. The lessons compute in `f64`, so that
//! they reproduce the published numbers; lesson 11 trains in `f32`, which
//! the matrix products run about twice as fast.

use std::fmt::{Debug, Display};

/// `f64` or `f32`: what a layer needs of its numbers.
///
/// ```
/// use cnn_walkthrough::fast::float::Float;
/// fn half<F: Float>(x: F) -> F {
///     x * F::of(0.5)
/// }
/// assert_eq!(half(3.0f32), 1.5);
/// assert_eq!(half(3.0f64).f64(), 1.5);
/// ```
pub trait Float:
    num_traits::Float
    + num_traits::FromPrimitive
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + std::iter::Sum
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + std::ops::DivAssign
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// `x` rounded to this type.
    fn of(x: f64) -> Self;
    /// The value as `f64` (exact).
    fn f64(self) -> f64;
}

impl Float for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn f64(self) -> f64 {
        self
    }
}

impl Float for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn f64(self) -> f64 {
        f64::from(self)
    }
}

/// `a · b`, the columns of `b` (and of the result) split between two
/// threads when the product is large enough to pay for a thread (about a
/// million multiply-adds). Each thread then packs half of `b`: at the dense
/// layer's three shapes this was as fast as splitting the rows of `a`, or
/// up to a quarter faster (`cargo run --release -p cnn-walkthrough-benches
/// --bin products`); as any split of the rows or columns, it changes no number.
///
/// ```
/// use cnn_walkthrough::fast::float::dot;
/// let a = ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
/// assert_eq!(dot(&a.view(), &a.t()), ndarray::arr2(&[[5.0, 11.0], [11.0, 25.0]]));
/// ```
pub fn dot<F: Float>(a: &ndarray::ArrayView2<F>, b: &ndarray::ArrayView2<F>) -> ndarray::Array2<F> {
    let ((m, k), n) = (a.dim(), b.dim().1);
    let mut c = ndarray::Array2::zeros((m, n));
    if crate::fast::parallel::threads() < 2 || n < 2 || m * k * n < 1 << 20 {
        ndarray::linalg::general_mat_mul(F::one(), a, b, F::zero(), &mut c);
        return c;
    }
    let (b1, b2) = b.view().split_at(ndarray::Axis(1), n / 2);
    let (mut c1, mut c2) = c.view_mut().split_at(ndarray::Axis(1), n / 2);
    crate::fast::parallel::join(
        move || ndarray::linalg::general_mat_mul(F::one(), a, &b1, F::zero(), &mut c1),
        || ndarray::linalg::general_mat_mul(F::one(), a, &b2, F::zero(), &mut c2),
    );
    c
}
