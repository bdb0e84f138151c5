//! What lesson 11 trains with: the same computations as [`crate::textbook`],
//! generic over f32 and f64 ([`float::Float`]) and split over two cores
//! ([`parallel`]). Every item says which textbook item it equals; property
//! tests check that it does, and say where rounding may differ.

pub mod float;
pub mod parallel;
