//! Where training spends its time: each layer's forward, backward and
//! update, the matrix products' rate in GFLOP/s, and the time outside the
//! layers (the loss, cutting the batches, the held-out evaluation, and what
//! is left: allocation, copies, handing work to the second thread). `--bench --profile` on
//! lesson 11 prints it for one training run.
//!
//! Our own code: a few `Instant`s around the calls [`Sequential`](crate::network::Sequential)
//! already makes; a sampling profiler would not know the layers' names.

use std::time::Duration;

/// The times of one layer, summed over a training run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayerTimes {
    /// The layer's name, as the summary prints it.
    pub name: String,
    /// Forward passes in training mode.
    pub forward: Duration,
    /// Backward passes.
    pub backward: Duration,
    /// Adam's updates of its parameters.
    pub update: Duration,
    /// Floating-point operations of its matrix products in the forward
    /// passes (2 per multiply-add); 0 for a layer without one.
    pub forward_flops: f64,
    /// The same for the backward passes (the weights' gradient, and the
    /// input's unless it is the first layer).
    pub backward_flops: f64,
}

/// A training run's times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// One per layer, first to last.
    pub layers: Vec<LayerTimes>,
    /// Softmax, the loss, the accuracy and the loss's gradient.
    pub loss: Duration,
    /// Cutting each batch out of the training set (`select`).
    pub batching: Duration,
    /// The held-out evaluation at each epoch's end.
    pub evaluation: Duration,
    /// The whole run.
    pub total: Duration,
    /// Epochs run.
    pub epochs: usize,
}

impl Profile {
    /// The layer `k`'s times, made when first needed.
    pub fn layer(&mut self, k: usize, name: impl FnOnce() -> String) -> &mut LayerTimes {
        while self.layers.len() <= k {
            self.layers.push(LayerTimes::default());
        }
        if self.layers[k].name.is_empty() {
            self.layers[k].name = name();
        }
        &mut self.layers[k]
    }

    /// Time in the layers.
    pub fn in_layers(&self) -> Duration {
        self.layers.iter().map(|l| l.forward + l.backward + l.update).sum()
    }

    /// The table `--bench --profile` prints: milliseconds per epoch of each
    /// layer's forward passes, backward passes and updates, and the matrix
    /// products' rate (GF/s: 10⁹ floating-point operations a second),
    /// fitted to `width` columns.
    pub fn table(&self, width: usize) -> String {
        let per_epoch = |d: Duration| format!("{:.1}", 1e3 * d.as_secs_f64() / self.epochs.max(1) as f64);
        let rate = |flops: f64, d: Duration| {
            if flops == 0.0 || d.is_zero() {
                String::new()
            } else {
                format!("{:.1}", flops / d.as_secs_f64() / 1e9)
            }
        };
        let mut rows: Vec<Vec<String>> = self
            .layers
            .iter()
            .map(|l| {
                vec![
                    l.name.clone(),
                    per_epoch(l.forward),
                    per_epoch(l.backward),
                    per_epoch(l.update),
                    rate(l.forward_flops, l.forward),
                    rate(l.backward_flops, l.backward),
                ]
            })
            .collect();
        let outside =
            self.total.saturating_sub(self.in_layers() + self.loss + self.batching + self.evaluation);
        for (what, d) in [
            ("loss and softmax", self.loss),
            ("cutting batches", self.batching),
            ("held-out evaluation", self.evaluation),
            ("the rest: copies, threads", outside),
        ] {
            rows.push(vec![
                what.to_string(),
                per_epoch(d),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        rows.push(vec![
            "total".into(),
            per_epoch(self.total),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        crate::course::show::fit_table(
            &["layer", "fwd ms", "bwd ms", "update", "GF/s fwd", "GF/s bwd"],
            &rows,
            width,
        )
    }
}

/// The floating-point operations of a layer's matrix product in one forward
/// pass, from its weights' shape and its output's: a dense layer
/// `W (in, out)` on a batch makes `2·batch·in·out`; a convolution
/// `W (n_filters, channels, fh, fw)` with output `(batch, n_filters, out_h,
/// out_w)` makes `2·batch·n_filters·out_h·out_w·channels·fh·fw`.
pub fn forward_flops(weights: &[usize], output: &[usize]) -> f64 {
    match (weights, output) {
        ([n_in, n_out], [batch, _]) => 2.0 * (batch * n_in * n_out) as f64,
        ([n_f, c, fh, fw], [batch, _, out_h, out_w]) => {
            2.0 * (batch * n_f * out_h * out_w * c * fh * fw) as f64
        }
        _ => 0.0,
    }
}
