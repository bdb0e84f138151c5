//! The published numbers the lessons and tests check against, one module
//! per source, each number next to the snippet and set-up that produced it.
//! They appear only on the expected side of a check.
//!
//! The sources (the seed files are the articles the course follows):
//!
//! - [`notebook`]: deeplearning.ai's "Convolutional Neural Networks: Step by
//!   Step" (seed 002), the "Expected output" of each cell, 2018 edition, and
//!   the 2017 edition's erratum.
//! - [`worked_example`]: hanbt's worked 5×5×3 convolution example (seed 004,
//!   after "零基础入门深度学习(4)"; the CS231n convolution demo): its input
//!   and its published output and update.
//! - [`pooling_example`]: the max-pooling test of the same code (seed 004's
//!   source): two 4×4 channels, 2×2 windows, stride 2.
//! - [`cs231n`]: the CS231n notes' max-pool figure (channel 0 of the
//!   pooling example).
//! - [`ml_from_scratch`]: ML-From-Scratch (seeds 000, 001, 003): 'same'
//!   padding, the im2col indices and shapes, `Conv2D`'s output shapes and
//!   parameter count, and the CNN example's parameter table and accuracy.
//!
//! Seed 003 (pooling by im2col; mean and max pooling gradients) explains its
//! gradients with figures and prints no numbers, so it has no module.
//!
//! Where a number is not printed by its source but follows exactly from the
//! source's set-up (the worked example's gradients, the per-channel
//! parameter count), its doc comment says so.

pub mod cs231n;
pub mod ml_from_scratch;
pub mod notebook;
pub mod pooling_example;
pub mod worked_example;
