use cnn_walkthrough::bench::median_seconds;
use ndarray::Array2;
fn main() {
    for (m, k, n) in [
        (16usize, 9usize, 16384usize),
        (32, 144, 16384),
        (16, 27, 8192),
        (512, 512, 512),
        (16384, 9, 16),
        (16384, 144, 32),
    ] {
        let a = Array2::<f64>::from_shape_fn((m, k), |(i, j)| (i + j) as f64 * 0.01);
        let b = Array2::<f64>::from_shape_fn((k, n), |(i, j)| (i * j % 7) as f64 * 0.1);
        let t = median_seconds(|| drop(a.dot(&b)), 0.5);
        println!("{m}x{k}x{n}: {:.3} ms, {:.2} GFLOP/s", t * 1e3, 2.0 * (m * k * n) as f64 / t / 1e9);
    }
}
