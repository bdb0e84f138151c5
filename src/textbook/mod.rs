//! The articles' algorithms, as the articles write them: f64, loops or one
//! plain matrix product, no threads, and the articles' names and layouts
//! (the deeplearning.ai notebook in NHWC, hanbt's CNN in CHW,
//! ML-From-Scratch in NCHW). Each item's doc comment gives its formula and
//! its source. This is what the lessons call and show.

pub mod activations;
pub mod conv;
pub mod conv2d;
pub mod im2col;
pub mod layers;
pub mod losses;
pub mod optimizers;
pub mod padding;
pub mod pool;
pub mod pool2d;
pub mod pool_layer;
pub mod sensitivity;
pub mod window;
