//! Exercise 7: `distribute_value` (the deeplearning.ai notebook, lesson 05).
//!
//! Grade it with `cargo run -- exercise 7`; a hint: `cargo run -- exercise 7 --hint`.

use ndarray::Array2;

/// Shares one gradient evenly over a window: average pooling's backward
/// pass gives every cell of a window the same part of the window's
/// gradient, since every cell counted equally in the mean.
///
/// Shapes: `dz` is one number; `shape` is the window's `(n_H, n_W)`; the
/// result is an array of that shape.
///
/// Formula: every cell holds `dz / (n_H · n_W)`, so that the cells add up
/// to `dz`.
///
/// The notebook's example: `distribute_value(2, (2, 2))` is
/// `[[0.5 0.5] [0.5 0.5]]`.
pub fn distribute_value(dz: f64, shape: (usize, usize)) -> Array2<f64> {
    todo!()
}
