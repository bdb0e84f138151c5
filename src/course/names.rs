//! The bridge between the sources: how each one lays out a tensor's axes
//! (NHWC, CHW, NCHW) and the names each gives the same thing (`dZ`, `δ`,
//! `accum_grad`, …). `cargo run -- names` prints both as tables, and each
//! lesson names its layout once with [`Lesson::layout`](crate::course::lesson::Lesson::layout).
//!
//! It lives in `course`, not `reference`: it is not an algorithm or a
//! published number to check against, but a card the course prints. The
//! names are the ones in the source listings the course follows: seed 002 is
//! the deeplearning.ai notebook, 004 hanbt's CNN, 000, 001 and 003
//! ML-From-Scratch; PyTorch's are those of `torch.nn.Conv2d`.

use crate::course::show::fit_table;

/// How a source orders the axes of an image tensor (or, in lessons 09 and
/// 10, what stands in for one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// (image, row, column, channel): the deeplearning.ai notebook.
    Nhwc,
    /// (channel, row, column), one image: hanbt's CNN.
    Chw,
    /// (image, channel, row, column): ML-From-Scratch and PyTorch.
    Nchw,
    /// (sample, feature): a batch of vectors, as ML-From-Scratch's dense layers take it.
    Rows,
    /// No image: the parameters are one point of the plane.
    Point,
}

impl Layout {
    /// Its short name: `NHWC`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Nhwc => "NHWC",
            Layout::Chw => "CHW",
            Layout::Nchw => "NCHW",
            Layout::Rows => "NC",
            Layout::Point => "point",
        }
    }

    /// What each axis is, in order.
    pub fn axes(self) -> &'static str {
        match self {
            Layout::Nhwc => "(image, row, column, channel)",
            Layout::Chw => "(channel, row, column), one image",
            Layout::Nchw => "(image, channel, row, column)",
            Layout::Rows => "(sample, feature)",
            Layout::Point => "(x, y), the two parameters the optimizers move",
        }
    }

    /// Who stores tensors this way.
    pub fn used_by(self) -> &'static str {
        match self {
            Layout::Nhwc => "the deeplearning.ai notebook (seed 002)",
            Layout::Chw => "hanbt's CNN (seed 004)",
            Layout::Nchw => "ML-From-Scratch (seeds 000, 001, 003) and PyTorch",
            Layout::Rows => "ML-From-Scratch's Dense, Dropout and BatchNormalization",
            Layout::Point => "this lesson's valley, as the optimizers see it",
        }
    }

    /// Who stores it, as the end of a lesson's layout line.
    fn stored(self) -> &'static str {
        match self {
            Layout::Nhwc => "as the deeplearning.ai notebook stores it",
            Layout::Chw => "as hanbt's CNN stores it",
            Layout::Nchw => "as ML-From-Scratch and PyTorch store it",
            Layout::Rows => "as ML-From-Scratch's dense layers take a batch",
            Layout::Point => "no images here",
        }
    }

    /// The line a lesson prints where it first shows a tensor; `before`, the
    /// layout the tensors above used, where the lesson changes it.
    pub fn line(self, before: Option<Layout>) -> String {
        let change = before.map_or(String::new(), |b| format!(" Until here: {}.", b.name()));
        // No-break spaces keep the command whole; the printing turns them back into spaces.
        format!(
            "Layout: {} {}, {}.{change} All layouts and names: cargo\u{a0}run\u{a0}--\u{a0}names",
            self.name(),
            self.axes(),
            self.stored()
        )
    }
}

/// The three image layouts, and the shapes each source writes for a
/// convolution's input, filters and bias.
const SHAPES: [(Layout, [&str; 3]); 3] = [
    (
        Layout::Nhwc,
        ["A_prev (m, n_H_prev, n_W_prev, n_C_prev)", "W (f, f, n_C_prev, n_C)", "b (1, 1, 1, n_C)"],
    ),
    (
        Layout::Chw,
        [
            "input_array (channel_number, input_height, input_width)",
            "each Filter's weights (depth, height, width)",
            "each Filter's bias, one number",
        ],
    ),
    (
        Layout::Nchw,
        [
            "X (batch_size, channels, height, width); PyTorch: input (N, C_in, H, W)",
            "W (n_filters, channels, filter_height, filter_width); PyTorch: weight (C_out, C_in, kH, kW)",
            "w0 (n_filters, 1); PyTorch: bias (C_out,)",
        ],
    ),
];

/// The same thing under each source's name: what it is, then the notebook
/// (002), hanbt (004), ML-From-Scratch (000, 001, 003) and PyTorch. Short
/// cells, so that the table fits 80 columns; [`NOTES`] says the rest.
const NAMES: [[&str; 5]; 11] = [
    ["input", "A_prev", "input_array", "X", "input"],
    ["filters", "W", "filters", "W", "weight"],
    ["biases", "b", "bias", "w0", "bias"],
    ["output", "Z", "output_array", "output", "output"],
    ["∂E/∂output", "dZ", "sensitivity_array", "accum_grad", "grad_output"],
    ["∂E/∂input", "dA_prev", "delta_array", "accum_grad", "grad_input"],
    ["∂E/∂filters", "dW", "weights_grad", "grad_w", "weight.grad"],
    ["∂E/∂biases", "db", "bias_grad", "grad_w0", "bias.grad"],
    ["out channels", "n_C", "filter_number", "n_filters", "out_channels"],
    ["in channels", "n_C_prev", "channel_number", "channels", "in_channels"],
    ["padding", "pad", "zero_padding", "padding", "padding"],
];

/// Where the same name is not quite the same thing.
const NOTES: &str = "- hanbt's output_array is after the layer's activator; the notebook's Z and \
ML-From-Scratch's output come before any activation.\n\
- hanbt's sensitivity_array is the map δ of this layer; its delta_array is δ of the layer \
before: ∂E/∂input already multiplied by that layer's f'(net).\n\
- ML-From-Scratch's backward_pass takes ∂E/∂output as accum_grad and returns ∂E/∂input \
under the same name.\n\
- ML-From-Scratch's padding is \"same\" or \"valid\", not a number.";

/// The card `cargo run -- names` prints, fitted to `width` columns.
pub fn card(width: usize) -> String {
    let fill = |text: &str| crate::course::output::fill(text, width);
    let layouts: Vec<Vec<String>> =
        SHAPES.iter().map(|(l, _)| [l.name(), l.axes(), l.used_by()].map(String::from).to_vec()).collect();
    let shapes: Vec<Vec<String>> = ["input", "filters", "bias"]
        .iter()
        .enumerate()
        .map(|(k, what)| {
            [what.to_string()].into_iter().chain(SHAPES.iter().map(|(_, s)| s[k].to_string())).collect()
        })
        .collect();
    let names: Vec<Vec<String>> = NAMES.iter().map(|row| row.map(String::from).to_vec()).collect();
    [
        fill(
            "The same tensor in three layouts: the numbers are the same, only the order of the axes \
             differs (NHWC → NCHW is a transpose by (0, 3, 1, 2)).",
        ),
        fit_table(&["layout", "axes", "used by"], &layouts, width),
        fill("The shapes each source writes for a convolution:"),
        fit_table(&["tensor", "NHWC (notebook)", "CHW (hanbt)", "NCHW (ML-From-Scratch)"], &shapes, width),
        fill(
            "The same things under each source's names (notebook: seed 002; hanbt: seed 004; \
             ML-From-Scratch: seeds 000, 001, 003):",
        ),
        fit_table(&["what", "notebook", "hanbt", "ML-From-Scratch", "PyTorch"], &names, width),
        fill(NOTES),
    ]
    .map(|part| part.trim_end().to_string())
    .join("\n\n")
        + "\n"
}
