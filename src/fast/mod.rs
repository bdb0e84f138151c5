//! What lesson 11 trains with: the same computations as [`crate::textbook`],
//! generic over f32 and f64 ([`float::Float`]) and split over two cores
//! ([`parallel`]). Every item says which textbook item it equals; property
//! tests (`tests/properties_fast.rs`) check that it does, and say where
//! rounding may differ.
//!
//! | textbook item | fast twin |
//! | --- | --- |
//! | [`crate::textbook::conv2d::Conv2D`] | [`conv2d::Conv2D`] (through [`direct`] where it applies) |
//! | [`crate::textbook::im2col::image_to_column`], [`crate::textbook::im2col::column_to_image`] | [`im2col::image_to_column_by_image`], [`im2col::column_to_image_by_image`] |
//! | [`crate::textbook::layers::Dense`] | [`layers::Dense`] |
//! | [`crate::textbook::layers::Dropout`] | [`layers::Dropout`] |
//! | [`crate::textbook::layers::BatchNormalization`] | [`layers::BatchNormalization`] |
//!
//! The textbook items with no twin, and why:
//! - the notebook's loops ([`crate::textbook::conv`], [`crate::textbook::pool`],
//!   [`crate::textbook::padding`]) and hanbt's layers
//!   ([`crate::textbook::sensitivity`], [`crate::textbook::pool_layer`]):
//!   training convolves with `Conv2D`; they are what `Conv2D` and pooling
//!   are checked against;
//! - [`crate::textbook::window`]: the one check of windows, strides and
//!   paddings, which the fast items call too;
//! - [`crate::textbook::pool2d`]: pooling only compares and copies, already
//!   one pass over the values; the network runs it as it is (in `f64`);
//! - [`crate::textbook::activations`], [`crate::textbook::losses`],
//!   [`crate::textbook::optimizers`], `Flatten`, `ActivationLayer`: one
//!   elementwise pass each, already generic over [`float::Float`], which
//!   training uses directly;
//! - [`crate::textbook::im2col::get_im2col_indices`] and
//!   `image_to_column_by_indices`: the article's index arrays, for teaching;
//!   `PaddingLayer`: the network has none.

pub mod conv2d;
pub mod direct;
pub mod float;
pub mod im2col;
pub mod layers;
pub mod parallel;
