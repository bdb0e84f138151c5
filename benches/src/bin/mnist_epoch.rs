//! One epoch of lesson 11's reference network at MNIST's size: 60,000
//! training images of 28×28 (random pixels: only the time matters), batches
//! of 256, then the held-out evaluation of 10,000, as `--mnist` would run
//! it. Prints the seconds; `bench/pytorch_reference.py --mnist-size` is its
//! PyTorch twin.
//!
//! `cargo run --release -p cnn-walkthrough-benches --bin mnist_epoch`

use std::time::Instant;

use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::network;
use ndarray::{Array2, ArrayD, IxDyn};

fn main() -> cnn_walkthrough::Result<()> {
    let (train, test, classes) = (60_000, 10_000, 10);
    let mut rng = RandomState::new(1);
    let images = |n: usize, rng: &mut RandomState| -> ArrayD<f32> {
        ArrayD::from_shape_fn(IxDyn(&[n, 1, 28, 28]), |_| (16.0 * rng.random_sample()) as f32)
    };
    let labels =
        |n: usize| Array2::from_shape_fn((n, classes), |(i, c)| f64::from(u8::from(i % classes == c)));
    let (x, y, xv, yv) = (images(train, &mut rng), labels(train), images(test, &mut rng), labels(test));
    let mut net = network::reference::<f32>([1, 28, 28], classes, 0.001, 1, true)?;
    println!(
        "{} parameters; one epoch of {train} images of 28×28, batch 256, then {test} held out:",
        net.parameters()
    );
    let start = Instant::now();
    net.fit((&x, &y.view()), (&xv, &yv.view()), 1, 256, &mut RandomState::new(1), |_| {}, |_| {})?;
    let threads = cnn_walkthrough::fast::parallel::threads();
    println!(
        "{:.1} s ({threads} thread{} used, release profile)",
        start.elapsed().as_secs_f64(),
        if threads == 1 { "" } else { "s" }
    );
    Ok(())
}
