//! Seed 002: the deeplearning.ai notebook "Convolutional Neural Networks: Step
//! by Step" (2018 edition). Every cell starts from `np.random.seed(1)` and
//! draws its inputs in the order given; the published outputs
//! ([`cnn_walkthrough::reference::notebook`]) are checked to half a unit of
//! their last printed digit, and the lessons must print them.

use crate::common;

use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::reference::notebook;
use cnn_walkthrough::textbook::conv::{conv_backward, conv_forward, conv_single_step, Hparameters};
use cnn_walkthrough::textbook::padding::zero_pad;
use cnn_walkthrough::textbook::pool::{
    create_mask_from_window, distribute_value, pool_backward, pool_forward, PoolHparameters, PoolMode,
};
use ndarray::{arr1, arr2, s, Array4};

use common::{assert_all_close, run_lesson};

/// Half a unit in the last of `decimals` places.
fn half_unit(decimals: i32) -> f64 {
    0.5 * 10f64.powi(-decimals)
}

/// The conv_forward / conv_backward cell:
/// `A_prev = randn(10,4,4,3); W = randn(2,2,3,8); b = randn(1,1,1,8)`, pad 2, stride 2.
fn conv_cell() -> (Array4<f64>, Array4<f64>, Array4<f64>) {
    let mut rng = RandomState::new(1);
    (rng.randn((10, 4, 4, 3)), rng.randn((2, 2, 3, 8)), rng.randn((1, 1, 1, 8)))
}

const CELL: Hparameters = Hparameters { pad: 2, stride: 2 };

#[test]
fn zero_pad_cell() {
    // x = np.random.randn(4, 3, 3, 2); x_pad = zero_pad(x, 2)
    // published: x_pad.shape = (4, 7, 7, 2); x[1,1] below; x_pad[1,1] all zeros.
    let x = RandomState::new(1).randn((4, 3, 3, 2));
    let x_pad = zero_pad(&x.view(), 2);
    assert_eq!(x_pad.dim(), notebook::zero_pad::X_PAD_SHAPE);
    let published = arr2(&notebook::zero_pad::X_1_1);
    assert_all_close(&published.view(), &x.slice(s![1, 1, .., ..]), half_unit(8));
    assert!(x_pad.slice(s![1, 1, .., ..]).iter().all(|&v| v == 0.0));
}

#[test]
fn conv_single_step_cell() {
    // a_slice_prev = randn(4,4,3); W = randn(4,4,3); b = randn(1,1,1)
    // published: Z (2018 edition), and the 2017 edition's Z with the bias summed 48 times
    let mut rng = RandomState::new(1);
    let a = rng.randn((4, 4, 3));
    let w = rng.randn((4, 4, 3));
    let b = rng.randn((1, 1, 1))[[0, 0, 0]];
    let z = conv_single_step(&a.view(), &w.view(), b);
    assert!((z - notebook::conv_single_step::Z).abs() <= half_unit(11), "Z = {z}");
    let erratum = (&a * &w).mapv(|v| v + b).sum();
    let published_2017 = notebook::conv_single_step::Z_2017_ERRATUM;
    assert!((erratum - published_2017).abs() <= half_unit(10), "2017 Z = {erratum}");
}

#[test]
fn conv_forward_cell() {
    // published: Z's shape and mean, Z[3,2,1] and cache_conv[0][1][2][3].
    let (a_prev, w, b) = conv_cell();
    let (z, cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), CELL).unwrap();
    assert_eq!(z.dim(), notebook::conv_forward::Z_SHAPE);
    assert!((z.mean().unwrap() - notebook::conv_forward::Z_MEAN).abs() <= half_unit(13));
    let z_3_2_1 = arr1(&notebook::conv_forward::Z_3_2_1);
    assert_all_close(&z_3_2_1.view(), &z.slice(s![3, 2, 1, ..]), half_unit(8));
    let a_1_2_3 = arr1(&notebook::conv_forward::A_PREV_1_2_3);
    assert_all_close(&a_1_2_3.view(), &cache.a_prev.slice(s![1, 2, 3, ..]), half_unit(8));
}

#[test]
fn conv_backward_cell() {
    // dA, dW, db = conv_backward(Z, cache_conv)   (dZ = Z)
    // published: dA_mean, dW_mean and db_mean.
    let (a_prev, w, b) = conv_cell();
    let (z, cache) = conv_forward(&a_prev.view(), &w.view(), &b.view(), CELL).unwrap();
    let g = conv_backward(&z.view(), &cache).unwrap();
    use notebook::conv_backward::{DA_MEAN, DB_MEAN, DW_MEAN};
    assert!((g.d_a_prev.mean().unwrap() - DA_MEAN).abs() <= half_unit(11));
    assert!((g.d_w.mean().unwrap() - DW_MEAN).abs() <= half_unit(11));
    assert!((g.d_b.mean().unwrap() - DB_MEAN).abs() <= half_unit(11));
}

#[test]
fn lesson_01_prints_the_zero_pad_cell_as_numpy_does() {
    let out = run_lesson("lesson_01_zero_pad", &[]);
    out.assert_exit(0);
    for line in [
        "x.shape = (4, 3, 3, 2)",
        "x_pad.shape = (4, 7, 7, 2)",
        "x[1,1] = [[ 0.90085595 -0.68372786]",
        "          [-0.12289023 -0.93576943]",
        "          [-0.26788808  0.53035547]]",
        "x_pad[1,1] = [[0. 0.]",
    ] {
        out.assert_line(line);
    }
}

#[test]
fn lesson_02_prints_the_conv_cells() {
    let out = run_lesson("lesson_02_conv_forward", &[]);
    out.assert_exit(0);
    for line in [
        "Z = -6.999089450680221",
        "Z.shape = (10, 4, 4, 8)",
        "Z[3,2,1] = [-0.61490741 -6.7439236  -2.55153897  1.75698377  3.56208902",
        "             0.53036437  5.18531798  8.75898442]",
        "cache_conv[0][1][2][3] = [-0.20075807  0.18656139  0.41005165]",
    ] {
        out.assert_line(line);
    }
    assert!(out.stdout.contains("Z's mean = 0.04899520352885"), "{}", out.stdout);
}

#[test]
fn lesson_03_prints_the_backward_means() {
    let out = run_lesson("lesson_03_conv_backward", &[]);
    out.assert_exit(0);
    for prefix in ["dA_mean = 1.45243777753", "dW_mean = 1.72699145831", "db_mean = 7.83923256461"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(prefix)),
            "no line starting {prefix:?}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn pool_forward_cell() {
    // A_prev = randn(2, 4, 4, 3); hparameters = {"stride": 2, "f": 3}
    // published: A for mode max and mode average, shape (2, 1, 1, 3).
    let a_prev = RandomState::new(1).randn((2, 4, 4, 3));
    let hp = PoolHparameters { f: 3, stride: 2 };
    let max = arr2(&notebook::pool_forward::MAX);
    let average = arr2(&notebook::pool_forward::AVERAGE);
    for (mode, expected) in [(PoolMode::Max, max), (PoolMode::Average, average)] {
        let (a, _) = pool_forward(&a_prev.view(), hp, mode).unwrap();
        assert_eq!(a.shape(), &[2, 1, 1, 3]);
        assert_all_close(&expected.view(), &a.slice(s![.., 0, 0, ..]), half_unit(8));
    }
}

#[test]
fn create_mask_and_distribute_value_cells() {
    // x = randn(2, 3); mask = create_mask_from_window(x); distribute_value(2, (2, 2))
    let x = RandomState::new(1).randn((2, 3));
    let published_x = arr2(&notebook::create_mask_from_window::X);
    assert_all_close(&published_x.view(), &x.view(), half_unit(8));
    assert_eq!(create_mask_from_window(&x.view()), arr2(&notebook::create_mask_from_window::MASK));
    assert_eq!(distribute_value(2.0, (2, 2)), arr2(&notebook::distribute_value::A));
}

#[test]
fn pool_backward_cell() {
    // A_prev = randn(5, 5, 3, 2); hparameters = {"stride": 1, "f": 2}; A, cache = pool_forward(...)
    // dA = randn(5, 4, 2, 2). published: the mean of dA; dA_prev[1,1] per mode.
    let mut rng = RandomState::new(1);
    let a_prev = rng.randn((5, 5, 3, 2));
    let (_, cache) =
        pool_forward(&a_prev.view(), PoolHparameters { f: 2, stride: 1 }, PoolMode::Max).unwrap();
    let da = rng.randn((5, 4, 2, 2));
    assert!((da.mean().unwrap() - notebook::pool_backward::DA_MEAN).abs() <= half_unit(12));
    let max = arr2(&notebook::pool_backward::MAX_1_1);
    let average = arr2(&notebook::pool_backward::AVERAGE_1_1);
    for (mode, expected) in [(PoolMode::Max, max), (PoolMode::Average, average)] {
        let da_prev = pool_backward(&da.view(), &cache, mode).unwrap();
        assert_all_close(&expected.view(), &da_prev.slice(s![1, 1, .., ..]), half_unit(8));
    }
}

#[test]
fn lessons_04_and_05_print_the_pooling_cells() {
    let out = run_lesson("lesson_04_pool_forward", &[]);
    out.assert_exit(0);
    out.assert_line("A = [[[[1.74481176 0.86540763 1.13376944]]]");
    out.assert_line("     [[[1.13162939 1.51981682 2.18557541]]]]");
    out.assert_line("A = [[[[ 0.02105773 -0.20328806 -0.40389855]]]");
    let out = run_lesson("lesson_05_pool_backward", &[]);
    out.assert_exit(0);
    out.assert_line("mask = [[ True False False]");
    out.assert_line("mean of dA = 0.14571390272918056");
    out.assert_line("                [ 5.05844394 -1.68282702]");
    out.assert_line("dA_prev[1,1] = [[ 0.08485462  0.2787552 ]");
}
