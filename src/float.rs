//! The element type of the layers. The lessons compute in `f64`, so that
//! they reproduce the published numbers; lesson 11 trains in `f32`, which
//! the matrix products run about twice as fast.

use std::fmt::{Debug, Display};

/// `f64` or `f32`: what a layer needs of its numbers.
///
/// ```
/// use cnn_walkthrough::float::Float;
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
