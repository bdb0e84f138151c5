//! Lesson 11: train a CNN on handwritten digits.
//!
//! The reference network of ML-From-Scratch's CNN example, built from the
//! layers of lessons 07–10 and trained end to end on the 1,797 8×8 digits
//! (40% held out): its summary, the training epoch by epoch, the curves, the
//! confusion matrix of the held-out digits, and what the network learned.
//! The lessons before it compute in f64 to reproduce published numbers; this
//! one trains in f32, which the matrix products run about twice as fast.

use cnn_walkthrough::course::data::{digits, mnist, one_hot, train_test_split};
use cnn_walkthrough::course::heatmap::{confusion_matrix, confusion_table, LEGEND};
use cnn_walkthrough::course::plot::plot_lines_from;
use cnn_walkthrough::course::progress::Progress;
use cnn_walkthrough::course::show::count;
use cnn_walkthrough::course::walkthrough;
use cnn_walkthrough::network::training::{self, Run};
use cnn_walkthrough::network::{self, Sequential};
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::textbook::losses::argmax;
use cnn_walkthrough::Error;

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_11_TRAIN_CNN, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    let run = Run::from_args(&l.args)?;
    if l.is_bench() {
        l.block(&training::bench(&run, 3, l.width())?);
        return Ok(());
    }

    l.stage("The data");
    l.layout(Layout::Nchw, None);
    let (train, test) = match l.args.path("--mnist") {
        Some(dir) => mnist(&dir).map(|(a, b)| (a.scaled(16.0 / 255.0), b.scaled(16.0 / 255.0)))?,
        None => train_test_split(&digits()?, 0.4, 1)?,
    };
    l.say(&format!("train: {}\ntest:  {}", train.source, test.source));
    l.shape("X_train", train.images.shape());
    l.shape("X_test", test.images.shape());
    let first_ten: Vec<usize> = (0..train.labels.len().min(10)).collect();
    l.say(&format!("Each digit as a heat map ({LEGEND}):"));
    l.block(&training::draw_digits(&train, &first_ten, |i| format!("y = {}", train.labels[i]), l.width()));

    l.stage("The network");
    run.check_memory(&train, &test)?;
    let mut net: Sequential<f32> = run.network(&train)?;
    let summary = net.summary()?;
    l.block(&network::summary_table(&net.input_shape, &summary, l.width()));
    l.say(&format!("Total parameters {}", net.parameters()));
    if run.is_reference() && train.images.shape()[1..] == [1, 8, 8] {
        walkthrough::check_parameter_counts(l, &summary, net.parameters());
    }

    l.stage("Training");
    let (x_train, y_train) = (network::to_input::<f32>(&train.images), one_hot(&train.labels, 10)?);
    let (x_test, y_test) = (network::to_input::<f32>(&test.images), one_hot(&test.labels, 10)?);
    l.say(&run.describe(train.labels.len()));
    l.block(network::EpochMetrics::header(l.width()));
    let mut progress =
        if l.quiet() { Progress::hidden(0) } else { Progress::new(train.labels.len(), "epoch") };
    let trained = net.fit(
        (&x_train, &y_train.view()),
        (&x_test, &y_test.view()),
        run.epochs,
        run.batch_size,
        &mut RandomState::new(run.seed),
        |b| {
            l.quit_if_asked(); // with --step, q quits even while training
            progress.set_label(format!("epoch {}", b.epoch));
            progress.set(b.done, &format!("loss {:.3}", b.loss));
            if b.done >= b.total {
                progress.finish(); // the epoch's row replaces the bar
            }
        },
        |m| l.block(&m.row(l.width())),
    );
    progress.finish();
    let history = match trained {
        Err(e @ Error::Diverged { .. }) => {
            // A diverged network is not worth showing or saving: say so, and fail.
            l.say(&format!("\n{e}. Nothing is saved."));
            l.check_that(
                "every loss stayed finite (training did not diverge)",
                false,
                "a loss is not finite",
            );
            return Ok(());
        }
        other => other?,
    };
    let seconds: f64 = history.iter().map(|m| m.seconds).sum();
    l.value("Training time (s)", (seconds * 10.0).round() / 10.0);
    l.save_text("metrics.csv", &network::metrics_csv(&history))?;
    for (name, w) in net.named_parameters() {
        l.save(&name, &w.mapv(f64::from).view())?;
    }

    l.stage("Curves");
    let pick = |f: fn(&network::EpochMetrics) -> f64| history.iter().map(f).collect::<Vec<f64>>();
    let (train_loss, val_loss) = (pick(|m| m.train_loss), pick(|m| m.val_loss));
    let (train_acc, val_acc) = (pick(|m| m.train_acc), pick(|m| m.val_acc));
    let by_epoch = |series: &[(&str, &[f64])]| plot_lines_from(series, (1, "epoch"), l.width(), 8);
    l.block(&by_epoch(&[("train loss", &train_loss), ("held-out loss", &val_loss)]));
    l.block(&by_epoch(&[("train accuracy", &train_acc), ("held-out accuracy", &val_acc)]));

    l.stage("The held-out digits");
    let p = net.predict(&x_test, 256)?;
    let predicted: Vec<usize> = p.outer_iter().map(|row| argmax(&row)).collect();
    let truth: Vec<usize> = test.labels.iter().map(|&y| usize::from(y)).collect();
    let m = confusion_matrix(&truth, &predicted, 10)?;
    l.block(&confusion_table(&m.view(), l.width()));
    let correct = (0..10).map(|k| m[[k, k]]).sum::<usize>();
    let accuracy = correct as f64 / truth.len() as f64;
    l.say(&format!("{correct} of {} right: accuracy {accuracy:.4}.", count(truth.len(), "held-out digit")));
    let last = history.last().map_or(f64::NAN, |m| m.val_acc);
    l.check_close("held-out accuracy: confusion matrix = last epoch", last, accuracy, 1e-12);
    if let (Some(first), Some(last)) = (history.first(), history.last())
        && history.len() >= 2
    {
        let (before, after) = (first.train_loss, last.train_loss);
        l.check_that("the training loss went down", after < before, &format!("{before:.4} → {after:.4}"));
    }
    if run.is_default() && l.args.path("--mnist").is_none() {
        // The target for the reference network, 50 epochs of batches of 256: 98% or more
        // (the source reports reference::ml_from_scratch::cnn::TEST_CORRECT of TEST_SIZE).
        l.check_that(
            "held-out accuracy ≥ 0.98 (the reference network's target)",
            accuracy >= 0.98,
            &format!("{accuracy:.4}"),
        );
    }
    walkthrough::show_wrong_digits(l, &test, &truth, &predicted);

    l.stage("What the first layer learned");
    l.say("Its filters, 3×3 each (more ink = higher, each on its own scale):");
    l.block(&training::draw_first_filters(&mut net, l.width()));
    l.say(&format!("What they make of the first held-out digit (y = {}), after ReLU:", test.labels[0]));
    l.block(&training::draw_digits(&test, &[0], |_| "input".into(), l.width()));
    l.block(&training::draw_features(
        &mut net,
        &x_test.slice_axis(Axis(0), (0..1).into()).to_owned(),
        2,
        l.width(),
    )?);
    Ok(())
}
