//! # cnn-walkthrough
//!
//! How a convolutional neural network works inside, one small program at a
//! time. The library is in five parts, and its folders say which is which:
//!
//! - [`textbook`]: the articles' algorithms as the articles write them, in
//!   f64, with loops or one plain matrix product and the articles' names
//!   (`zero_pad`, `conv_single_step`, `image_to_column`, ...). This is what
//!   the lessons call and show, and what a student reads.
//! - [`fast`]: what lesson 11 trains with, generic over f32 and f64 and
//!   parallel; each item says which textbook item it equals, and property
//!   tests check that it does.
//! - [`network`]: layers as trainable objects, `Sequential`, the training
//!   loop and its metrics, on top of `fast`.
//! - [`reference`](mod@reference): the published numbers, one module per source, each next
//!   to the snippet that produced it. Lessons and tests take them from here.
//! - [`course`]: the plumbing: the lesson runner, flags, checks, printing as
//!   numpy prints, `.npy` files and data sets, your own tensors, the
//!   registry of lessons, plots and progress.
//! - [`exercises`]: do it yourself: the list of exercises, their hints and
//!   graders, and the runner behind `cargo run -- exercise N` (the
//!   student's files are in `exercises/`).
//!
//! Layouts follow the source articles: the deeplearning.ai notebook uses NHWC
//! (`A_prev (m, n_H, n_W, n_C)`, `W (f, f, n_C_prev, n_C)`), seed 004 uses CHW
//! for one image, ML-From-Scratch uses NCHW.

pub mod course;
pub mod error;
pub mod exercises;
pub mod fast;
pub mod network;
pub mod reference;
pub mod textbook;

pub use error::{Error, Result};

/// What a lesson file needs besides the pieces it teaches.
pub mod prelude {
    pub use crate::course::check::published;
    pub use crate::course::errata;
    pub use crate::course::lesson::Lesson;
    pub use crate::course::names::Layout;
    pub use crate::course::random::RandomState;
    pub use crate::course::registry;
    pub use crate::error::Result;
    pub use ndarray::{arr1, arr2, arr3, s, Array, Array1, Array2, Array3, Array4, ArrayD, Axis, IxDyn};
}
