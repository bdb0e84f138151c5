//! The walkthrough steps the lessons call in one line: each passes on the
//! lesson's own numbers and fails when the numbers it checks are wrong.

use cnn_walkthrough::course::check::Checks;
use cnn_walkthrough::course::lesson::{Lesson, LessonFn};
use cnn_walkthrough::course::random::RandomState;
use cnn_walkthrough::course::registry;
use cnn_walkthrough::course::walkthrough::{
    check_batch_normalized, check_conv2d_worked_example, check_loss_gradients,
    check_worked_example_by_finite_differences, pool_backward_notebook_cell,
};
use cnn_walkthrough::reference::worked_example::WorkedExample;
use cnn_walkthrough::textbook::conv2d::Conv2D;
use cnn_walkthrough::textbook::layers::{BatchNormalization, Layer};
use cnn_walkthrough::textbook::pool::{pool_forward, PoolHparameters, PoolMode};
use ndarray::{arr1, s};

fn results(run: LessonFn) -> Vec<bool> {
    let checks: Checks = Lesson::run_silently(&registry::LESSON_09_LAYERS, run).unwrap();
    checks.list.iter().map(|c| c.passed).collect()
}

#[test]
fn batch_normalization_check_catches_a_tiny_shift() {
    let passed = results(|l| {
        let batch = RandomState::new(5).randn((6, 3, 4, 4)).mapv(|v| 3.0 * v + 2.0).into_dyn();
        let mut bn = BatchNormalization::new(3);
        let y = bn.forward(&batch, true)?;
        check_batch_normalized(l, &batch, &y, bn.eps);
        // A shift of 1e-9 in one channel's mean, a stretch of 1e-9 in another's spread.
        let mut wrong = y.clone();
        wrong.slice_mut(s![.., 0, .., ..]).mapv_inplace(|v| v + 1e-9);
        wrong.slice_mut(s![.., 1, .., ..]).mapv_inplace(|v| v * (1.0 + 1e-9));
        check_batch_normalized(l, &batch, &wrong, bn.eps);
        Ok(())
    });
    assert_eq!(passed, [true, true, false, false]);
}

#[test]
fn loss_gradients_pass_and_the_worked_examples_pass() {
    let passed = results(|l| {
        check_loss_gradients(l, &arr1(&[0.0, 1.0, 0.0]), &arr1(&[0.2, 0.7, 0.1]))?;
        check_worked_example_by_finite_differences(l, &WorkedExample::new(), 1e-3)?;
        let mut rng = RandomState::new(1);
        let a_prev = rng.randn((5, 5, 3, 2));
        let (_, cache) = pool_forward(&a_prev.view(), PoolHparameters { f: 2, stride: 1 }, PoolMode::Max)?;
        pool_backward_notebook_cell(l, &rng.randn((5, 4, 2, 2)), &cache)
    });
    assert_eq!(passed, [true; 2 + 2 + 6]);
}

#[test]
fn pool_backward_cell_fails_on_another_gradient() {
    let passed = results(|l| {
        let mut rng = RandomState::new(1);
        let a_prev = rng.randn((5, 5, 3, 2));
        let (_, cache) = pool_forward(&a_prev.view(), PoolHparameters { f: 2, stride: 1 }, PoolMode::Max)?;
        pool_backward_notebook_cell(l, &RandomState::new(2).randn((5, 4, 2, 2)), &cache)
    });
    // dA_prev[1,1] is not the notebook's in either mode; the totals and the second ways still agree.
    assert_eq!(passed, [false, true, true, false, true, true]);
}

#[test]
fn conv2d_worked_example_check_catches_a_wrong_update() {
    let passed = results(|l| {
        let ex = WorkedExample::new();
        let layer = Conv2D::from_notebook(&ex.w.view(), &ex.b.view(), ex.hparameters)?;
        let x = ex.a_prev.view().permuted_axes([0, 3, 1, 2]).to_owned();
        let (out, cache) = layer.forward(&x.view())?;
        let grads = layer.backward(&ex.dz.view().permuted_axes([0, 3, 1, 2]), &cache)?;
        let w_new = &layer.w - &(ex.learning_rate * &grads.grad_w);
        let w0_new = &layer.w0 - &(ex.learning_rate * &grads.grad_w0);
        check_conv2d_worked_example(l, &out, &grads, &w_new, &w0_new);
        // The update with the gradient added instead of subtracted.
        let w_wrong = &layer.w + &(ex.learning_rate * &grads.grad_w);
        check_conv2d_worked_example(l, &out, &grads, &w_wrong, &w0_new);
        Ok(())
    });
    let right = [true; 8];
    let wrong = [true, true, true, true, true, false, false, true];
    assert_eq!(passed, [right, wrong].concat());
}
