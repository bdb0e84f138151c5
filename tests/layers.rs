//! The layers of lesson 09 on random shapes: every backward pass against
//! finite differences (input and parameters), parameter counts, and the
//! behaviour that differs between training and inference.

use cnn_walkthrough::course::gradcheck::layer_gradients;
use cnn_walkthrough::course::random::{RandomState, SplitMix64};
use cnn_walkthrough::textbook::activations::Activation;
use cnn_walkthrough::textbook::layers::{
    ActivationLayer, BatchNormalization, Dense, Dropout, Flatten, Layer, PaddingLayer,
};
use ndarray::{s, ArrayD, Axis, IxDyn};

/// Central differences, ε = 1e-6, on smooth functions of values of order 1:
/// truncation ≈ ε²·f‴ ≈ 1e-12·f‴ and rounding ≈ 1e-16·|E|/ε ≈ 1e-10·|E|, far
/// below 1e-6 of the gradient's size; an indexing or formula mistake is of order 1.
fn check<L: Layer + Clone>(what: &str, layer: &L, x: &ArrayD<f64>, seed: u32) {
    for (name, expected, computed) in layer_gradients(layer, x, true, 1e-6, seed).unwrap() {
        let size = computed.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (e, c) in expected.iter().zip(computed.iter()) {
            assert!(
                (e - c).abs() <= 1e-6 * size,
                "{what}: grad {name}: numerical {e}, backward {c} (seed {seed})"
            );
        }
    }
}

fn dims(rng: &mut RandomState, n: usize, low: i64, high: i64) -> Vec<usize> {
    rng.randint(low, high + 1, &[n][..]).unwrap().iter().map(|&v| v as usize).collect()
}

#[test]
fn every_layer_backward_equals_finite_differences_on_random_shapes() {
    for case in 0..24u32 {
        let mut rng = RandomState::new(1000 + case);
        let d = dims(&mut rng, 4, 1, 4);
        let (b, c, h, w) = (d[0] + 1, d[1], d[2] + 1, d[3] + 1);
        let image = rng.randn(IxDyn(&[b, c, h, w]));
        let flat = rng.randn(IxDyn(&[b, c * 2]));
        check("Dense", &Dense::new(c * 2, d[2], &mut rng), &flat, case);
        check("Flatten", &Flatten::default(), &image, case);
        check("Dropout", &Dropout::new(0.3, case).unwrap(), &flat, case);
        check("BatchNormalization 4-D", &BatchNormalization::new(c), &image, case);
        check("BatchNormalization 2-D", &BatchNormalization::new(c * 2), &flat, case);
        let pad = dims(&mut rng, 4, 0, 2);
        check("ZeroPadding2D", &PaddingLayer::zeros(((pad[0], pad[1]), (pad[2], pad[3]))), &image, case);
        check("ConstantPadding2D", &PaddingLayer::constant((pad[0], pad[1]), -1.5), &image, case);
        for f in Activation::ALL {
            check(f.name(), &ActivationLayer::new(f), &flat, case);
        }
    }
}

#[test]
fn parameter_counts() {
    let mut rng = RandomState::new(1);
    assert_eq!(Dense::new(2048, 256, &mut rng).parameters(), 2048 * 256 + 256); // the reference network's 524,544
    assert_eq!(Dense::new(256, 10, &mut rng).parameters(), 2570);
    assert_eq!(BatchNormalization::new(16).parameters(), 32);
    assert_eq!(
        Layer::<f64>::parameters(&Flatten::default())
            + Layer::<f64>::parameters(&Dropout::new(0.25, 0).unwrap()),
        0
    );
}

#[test]
fn dropout_is_inverted_and_seeded() {
    let x = ArrayD::<f64>::ones(IxDyn(&[100, 100]));
    let mut a = Dropout::new(0.25, 5).unwrap();
    let mut b = Dropout::new(0.25, 5).unwrap();
    let (ya, yb) = (a.forward(&x, true).unwrap(), b.forward(&x, true).unwrap());
    assert_eq!(ya, yb, "the same seed gives the same mask");
    let kept = ya.iter().filter(|&&v| v > 0.0).count() as f64 / 1e4;
    assert!((kept - 0.75).abs() < 0.02, "kept {kept}");
    assert!(ya.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-15));
    assert_eq!(a.forward(&x, false).unwrap(), x, "inference is the identity");
    assert!(Dropout::new(1.0, 0).is_err() && Dropout::new(-0.1, 0).is_err());
}

#[test]
fn dropout_masks_follow_the_splitmix64_stream_across_calls_and_threads() {
    // 3·2¹⁷ values: large enough to be filled in two parts on two threads.
    let x = ArrayD::<f32>::ones(IxDyn(&[3, 1 << 17]));
    let mut layer = cnn_walkthrough::fast::layers::Dropout::new(0.4, 9).unwrap();
    let mut stream = SplitMix64::new(9);
    let threshold = (0.4 * 18_446_744_073_709_551_616.0) as u64;
    for call in 0..2 {
        let y = layer.forward(&x, true).unwrap();
        for (k, &v) in y.iter().enumerate() {
            let kept = stream.next_u64() >= threshold;
            assert_eq!(v != 0.0, kept, "call {call}, value {k}");
        }
    }
}

#[test]
fn batch_normalization_per_channel_statistics_and_inference() {
    let mut rng = RandomState::new(2);
    let x = rng.randn(IxDyn(&[5, 3, 4, 4])).mapv(|v| 2.0 * v - 1.0);
    let mut bn = BatchNormalization::new(3);
    let y = bn.forward(&x, true).unwrap();
    for c in 0..3 {
        let channel = y.slice(s![.., c, .., ..]);
        assert!(channel.mean().unwrap().abs() < 1e-12);
        let var = x.slice(s![.., c, .., ..]).var(0.0);
        assert!((channel.var(0.0) - var / (var + bn.eps)).abs() < 1e-12);
        let expected_running = 0.99 * 0.0 + 0.01 * x.slice(s![.., c, .., ..]).mean().unwrap();
        assert!((bn.running_mean[c] - expected_running).abs() < 1e-15);
    }
    // Inference uses the running statistics: a batch of one image gives the same answer alone or in a batch.
    let one = x.slice(s![0..1, .., .., ..]).to_owned().into_dyn();
    let alone = bn.forward(&one, false).unwrap();
    let within = bn.forward(&x, false).unwrap();
    assert_eq!(alone.index_axis(Axis(0), 0), within.index_axis(Axis(0), 0));
    assert!(bn.forward(&ArrayD::zeros(IxDyn(&[2, 4])), true).is_err(), "wrong channel count");
}

#[test]
fn backward_before_forward_and_wrong_shapes_are_errors() {
    let mut rng = RandomState::new(3);
    let mut dense = Dense::new(4, 2, &mut rng);
    assert!(dense.backward(&ArrayD::zeros(IxDyn(&[1, 2]))).is_err());
    assert!(dense.forward(&ArrayD::zeros(IxDyn(&[1, 5])), true).is_err());
    dense.forward(&ArrayD::zeros(IxDyn(&[3, 4])), true).unwrap();
    assert!(dense.backward(&ArrayD::zeros(IxDyn(&[3, 3]))).is_err());
    let mut flatten = Flatten::default();
    assert!(flatten.backward(&ArrayD::<f64>::zeros(IxDyn(&[1, 2]))).is_err());
    let mut pad = PaddingLayer::zeros((1, 1));
    assert!(pad.forward(&ArrayD::zeros(IxDyn(&[2, 2])), true).is_err());
}
