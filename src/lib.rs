//! # cnn-walkthrough
//!
//! How a convolutional neural network works inside, one small program at a
//! time. The library holds every piece the lessons build (padding,
//! convolution forward and backward, ...) and the plumbing they share
//! (numpy's random numbers and printing, `.npy` files, checks, flags).
//!
//! Layouts follow the source articles: the deeplearning.ai notebook uses NHWC
//! (`A_prev (m, n_H, n_W, n_C)`, `W (f, f, n_C_prev, n_C)`), seed 004 uses CHW
//! for one image, ML-From-Scratch uses NCHW.

pub mod activations;
pub mod bench;
pub mod budget;
pub mod check;
pub mod cli;
pub mod conv;
pub mod conv2d;
pub mod data;
pub mod error;
pub mod files;
pub mod float;
pub mod gradcheck;
pub mod heatmap;
pub mod im2col;
pub mod layers;
pub mod lesson;
pub mod losses;
pub mod network;
pub mod npy;
pub mod numpy_fmt;
pub mod optimizers;
pub mod output;
pub mod padding;
pub mod parallel;
pub mod plot;
pub mod pool;
pub mod pool2d;
pub mod progress;
pub mod random;
pub mod registry;
pub mod sensitivity;
pub mod show;
pub mod tensor;
pub mod training;
pub mod worked_example;
pub mod your_tensors;

pub use error::{Error, Result};

/// What a lesson file needs besides the pieces it teaches.
pub mod prelude {
    pub use crate::check::published;
    pub use crate::error::Result;
    pub use crate::lesson::Lesson;
    pub use crate::random::RandomState;
    pub use crate::registry;
    pub use ndarray::{arr1, arr2, arr3, s, Array, Array1, Array2, Array3, Array4, ArrayD, Axis, IxDyn};
}
