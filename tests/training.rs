//! Lesson 11's network: its parameter count, a gradient check of the whole
//! network, training that lowers the loss, and seeded runs that repeat.

use cnn_walkthrough::course::data::{digits, one_hot, train_test_split};
use cnn_walkthrough::course::gradcheck::{numerical_gradient_at, spread_indices};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::network::{self, source_parameter_count, Sequential};
use cnn_walkthrough::reference::ml_from_scratch::cnn;
use ndarray::{Array2, ArrayD, Axis};

const DIGITS: [usize; 3] = [1, 8, 8];

/// The source's summary totals 538,570 parameters
/// ([`cnn_walkthrough::reference::ml_from_scratch::cnn`]); with batch norm
/// per channel the same network has 532,522 (batch-norm layers of 32, 64 and
/// 512).
#[test]
fn the_reference_network_counts_its_parameters() {
    let mut net: Sequential<f32> = network::reference(DIGITS, 10, 0.001, 1, true).unwrap();
    assert_eq!(net.parameters(), cnn::TOTAL_PARAMETERS_PER_CHANNEL_BATCH_NORM);
    assert_eq!(source_parameter_count(DIGITS, 10), cnn::TOTAL_PARAMETERS);
    let rows = net.summary().unwrap();
    let params: Vec<usize> = rows.iter().map(|r| r.parameters).filter(|&p| p > 0).collect();
    assert_eq!(params, [160, 32, 4640, 64, 524_544, 512, 2570]);
    let shapes: Vec<Vec<usize>> = rows.iter().map(|r| r.output_shape.clone()).collect();
    assert_eq!(shapes[0], [16, 8, 8]);
    assert_eq!(shapes[8], [2048]);
    assert_eq!(shapes.last().unwrap(), &[10]);
    assert_eq!(rows.len(), 15, "the reference's 15 layers");
    let small: Sequential<f32> = network::small(DIGITS, 10, 0.001, 1).unwrap();
    assert_eq!(small.parameters(), 8 * 9 + 8 + 8 * 4 * 4 * 10 + 10);
}

fn tiny_batch(n: usize, seed: u32) -> (ArrayD<f64>, Array2<f64>) {
    let mut rng = RandomState::new(seed);
    let x = rng.uniform(0.0, 16.0, (n, 1, 8, 8)).into_dyn();
    let labels: Vec<u8> = (0..n).map(|i| (i * 7 % 10) as u8).collect();
    (x, one_hot(&labels, 10).unwrap())
}

/// Every parameter of the whole reference network (without dropout, whose
/// masks change at every call) against central differences of the training
/// loss, at a spread of entries of each parameter tensor.
#[test]
fn the_whole_network_agrees_with_finite_differences() {
    let mut net: Sequential<f64> = network::reference(DIGITS, 10, 0.001, 3, false).unwrap();
    let (x, y) = tiny_batch(4, 5);
    let (_, grads) = net.loss_and_parameter_gradients(&x, &y.view()).unwrap();
    let mut k = 0;
    let eps = 1e-5;
    for layer in 0..net.layers.len() {
        let tensors = net.layers[layer].params_and_grads().len();
        for t in 0..tensors {
            let (name, analytic) = &grads[k];
            k += 1;
            let w0 = net.layers[layer].params_and_grads()[t].1.clone();
            let at = spread_indices(w0.len(), 6);
            let numeric = numerical_gradient_at(&w0, eps, &at, |w| {
                *net.layers[layer].params_and_grads()[t].1 = w.clone();
                net.training_loss(&x, &y.view()).unwrap()
            });
            *net.layers[layer].params_and_grads()[t].1 = w0;
            let flat = analytic.as_standard_layout();
            let flat = flat.as_slice().unwrap();
            for (&i, n) in at.iter().zip(numeric) {
                let a = flat[i];
                // Central differences: error ~ eps²·|L'''| plus rounding ~ 1e-16·|L|/eps.
                let tol = 1e-7 + 1e-5 * a.abs();
                assert!((a - n).abs() <= tol, "{name}[{i}]: backward {a:e}, finite differences {n:e}");
            }
        }
    }
    assert_eq!(k, grads.len());
}

/// The f32 network computes the f64 network's loss to f32 precision.
#[test]
fn f32_and_f64_networks_agree() {
    let mut a: Sequential<f64> = network::reference(DIGITS, 10, 0.001, 3, false).unwrap();
    let mut b: Sequential<f32> = network::reference(DIGITS, 10, 0.001, 3, false).unwrap();
    let (x, y) = tiny_batch(8, 6);
    let la = a.training_loss(&x, &y.view()).unwrap();
    let lb = b.training_loss(&x.mapv(|v| v as f32), &y.view()).unwrap();
    assert!((la - lb).abs() < 1e-4 * la, "f64 {la}, f32 {lb}");
}

type Part = (ArrayD<f32>, Array2<f64>);

fn digits_subset(n: usize) -> (Part, Part) {
    let (train, test) = train_test_split(&digits().unwrap(), 0.4, 1).unwrap();
    let take = |d: &cnn_walkthrough::course::data::Dataset, n: usize| {
        let idx: Vec<usize> = (0..n.min(d.labels.len())).collect();
        let x = network::to_input::<f32>(&d.images.select(Axis(0), &idx));
        (x, one_hot(&d.labels[..idx.len()], 10).unwrap())
    };
    (take(&train, n), take(&test, n / 2))
}

fn train(net: &mut Sequential<f32>, epochs: usize, seed: u32) -> Vec<network::EpochMetrics> {
    let ((x, y), (xv, yv)) = digits_subset(300);
    net.fit((&x, &y.view()), (&xv, &yv.view()), epochs, 64, &mut RandomState::new(seed), |_| {}, |_| {})
        .unwrap()
}

#[test]
fn a_few_epochs_lower_the_loss() {
    // The small network learns more slowly at the same learning rate: more epochs.
    for (mut net, epochs) in [
        (network::reference::<f32>(DIGITS, 10, 0.001, 1, true).unwrap(), 4),
        (network::small::<f32>(DIGITS, 10, 0.001, 1).unwrap(), 15),
    ] {
        let history = train(&mut net, epochs, 1);
        let (first, last) = (history[0], history[epochs - 1]);
        assert!(last.train_loss < 0.8 * first.train_loss, "{first:?} → {last:?}");
        assert!(last.val_loss < first.val_loss, "{first:?} → {last:?}");
        assert!(last.val_acc > 0.5, "{last:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_metrics() {
    let run = |seed: u32| {
        let mut net = network::reference::<f32>(DIGITS, 10, 0.001, seed, true).unwrap();
        train(&mut net, 2, seed)
            .iter()
            .map(|m| (m.train_loss, m.train_acc, m.val_loss, m.val_acc))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn bad_batches_are_refused() {
    let mut net = network::small::<f32>(DIGITS, 10, 0.001, 1).unwrap();
    let y = Array2::zeros((2, 10));
    assert!(net.train_on_batch(&ArrayD::zeros(ndarray::IxDyn(&[2, 1, 7, 8])), &y.view()).is_err());
    assert!(net.train_on_batch(&ArrayD::zeros(ndarray::IxDyn(&[3, 1, 8, 8])), &y.view()).is_err());
    let ((x, y), (xv, yv)) = digits_subset(10);
    let fit = net.fit((&x, &y.view()), (&xv, &yv.view()), 1, 0, &mut RandomState::new(1), |_| {}, |_| {});
    assert!(fit.is_err(), "batch size 0");
}

/// The progress callback counts images done, ending at the training set's
/// size, with the epoch and the running loss (which ends at the epoch's
/// training loss).
#[test]
fn progress_counts_images_up_to_the_training_set() {
    let mut net = network::small::<f32>(DIGITS, 10, 0.001, 1).unwrap();
    let ((x, y), (xv, yv)) = digits_subset(150);
    let mut seen = vec![];
    let history = net
        .fit((&x, &y.view()), (&xv, &yv.view()), 2, 64, &mut RandomState::new(1), |b| seen.push(*b), |_| {})
        .unwrap();
    let counts: Vec<(usize, usize, usize)> = seen.iter().map(|b| (b.epoch, b.done, b.total)).collect();
    assert_eq!(
        counts,
        [(1, 64, 150), (1, 128, 150), (1, 150, 150), (2, 64, 150), (2, 128, 150), (2, 150, 150)]
    );
    assert!(seen.iter().all(|b| b.loss.is_finite() && b.loss > 0.0), "{seen:?}");
    assert_eq!(seen[2].loss, history[0].train_loss);
    assert_eq!(seen[5].loss, history[1].train_loss);
}

/// `--bench --profile`: one more run timed layer by layer, every layer named
/// and the time outside the layers shown; `--profile` alone is refused.
#[test]
fn the_profile_times_every_layer_and_is_refused_without_bench() {
    let out = crate::common::run_lesson(
        "lesson_11_train_cnn",
        &["--bench", "--profile", "--net", "small", "--epochs", "1", "--batch-size", "256"],
    );
    out.assert_exit(0);
    for phrase in
        ["timed layer by layer", "Conv2D", "Dense", "held-out evaluation", "cutting batches", "total"]
    {
        assert!(out.text.contains(phrase), "the profile lacks {phrase:?}:\n{}", out.stdout);
    }
    let alone = crate::common::run_lesson("lesson_11_train_cnn", &["--profile"]);
    alone.assert_exit(2);
    assert!(alone.message.contains("--profile times the layers of a --bench run"), "{}", alone.stderr);
}

/// The operations the profile counts for a dense layer and a convolution.
#[test]
fn the_profile_counts_the_products_operations() {
    use cnn_walkthrough::network::profile::forward_flops;
    assert_eq!(forward_flops(&[2048, 256], &[256, 256]), 2.0 * 256.0 * 2048.0 * 256.0);
    assert_eq!(forward_flops(&[32, 16, 3, 3], &[256, 32, 8, 8]), 2.0 * 256.0 * 32.0 * 64.0 * 16.0 * 9.0);
    assert_eq!(forward_flops(&[16], &[256, 16]), 0.0);
}
