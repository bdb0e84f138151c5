//! The integration tests, as one test binary: each file of `tests/` is a
//! module here (so the crate is linked once, not sixteen times), and
//! `tests/common` holds what they share. Run one file's tests with
//! `cargo test --test all golden::` (its module name and `::`).

mod common;

mod activations_losses;
mod budget;
mod bugs;
mod data;
mod deeplearning_ai;
mod errata;
mod exercises;
mod exercises_im2col;
mod exercises_layers;
mod exercises_notebook;
mod files;
mod golden;
mod hostile;
mod layers;
mod lesson_list;
mod lessons;
mod ml_from_scratch;
mod names;
mod npy;
mod numpy_fmt;
mod numpy_random;
mod optimizers;
mod parallel;
mod properties;
mod properties_fast;
mod properties_im2col;
mod prose;
mod reference;
mod report;
#[cfg(unix)]
mod step;
mod training;
mod walkthrough_steps;
mod width;
mod window;
mod worked_example;
