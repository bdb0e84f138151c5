//! Errata: the known faults of the sources the course follows, each shown
//! in the lesson where a student meets it.
//!
//! [`ERRATA`] is the one list. A lesson prints a fault's heading with
//! [`Lesson::erratum`] and then shows it computed (the source's number
//! beside the right one, the shape its slice really has, the value its
//! formula meant); a fault that only stops the code (a name that is never
//! defined, a syntax error) is quoted in the listing's own terms, with the
//! line that was meant. `cargo run -- errata` lists the faults, `cargo run
//! -- errata NAME` shows one with the command that shows it, and
//! `tests/errata.rs` runs every one of those commands and looks for the
//! fault's heading in its output.
//!
//! A new fault is an entry here and one `l.erratum(&errata::NAME)` where
//! its lesson shows it: in the lesson file, or in the function it calls
//! for the demonstration (the `show_…` functions below).
//!
//! The sources: seed 002 is the deeplearning.ai notebook, seed 004 hanbt's
//! hand-written CNN (a copy of huxiaoman's listing), seeds 000, 001 and 003
//! ML-From-Scratch's layers; that series' activations, optimizers and
//! normalization layers are ML-From-Scratch's too.

use ndarray::{s, Array3, ArrayView4};

use crate::course::lesson::Lesson;
use crate::course::numpy_fmt::shape_str;
use crate::course::registry::{self, LessonInfo};

/// What a fault does to a student who runs the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The code stops with an error.
    DoesNotRun,
    /// The code runs and gives a wrong number.
    WrongNumber,
    /// Right in the source's own setting, but not what PyTorch (or the
    /// other sources) do, so numbers or parameter counts differ.
    Differs,
}

impl Kind {
    /// A few words for the table.
    pub fn words(self) -> &'static str {
        match self {
            Kind::DoesNotRun => "does not run",
            Kind::WrongNumber => "wrong number",
            Kind::Differs => "differs",
        }
    }
}

/// One known fault of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erratum {
    /// Its short name, as the lessons' headings and `cargo run -- errata` give it.
    pub name: &'static str,
    /// The source: `seed 004 (hanbt)`.
    pub source: &'static str,
    /// Where in it: the function or class, as the listing names it.
    pub place: &'static str,
    /// What it does to a student who runs it.
    pub kind: Kind,
    /// What goes wrong, in a sentence or two.
    pub what: &'static str,
    /// The lesson that shows it.
    pub lesson: &'static LessonInfo,
    /// The flags that show it, after `--` (none: the default run does).
    pub args: &'static [&'static str],
}

impl Erratum {
    /// The command that shows it: `cargo run --bin lesson_02_conv_forward`.
    pub fn command(&self) -> String {
        let mut command = format!("cargo run --bin {}", self.lesson.name);
        if !self.args.is_empty() {
            command += " --";
            for a in self.args {
                command += " ";
                command += a;
            }
        }
        command
    }

    /// The heading a lesson prints where it shows the fault.
    pub fn heading(&self) -> String {
        format!("Fault in the source [errata: {}]", self.name)
    }
}

const NOTEBOOK: &str = "seed 002 (notebook)";
const HANBT: &str = "seed 004 (hanbt)";
/// Its layers beyond the convolution and pooling are linked from the seeds, not quoted in them.
const MLFS: &str = "ML-From-Scratch (linked from the seeds)";

/// seed 002's `conv_single_step` adds `b` before the sum.
pub const BIAS_INSIDE_SUM: Erratum = Erratum {
    name: "bias-inside-sum",
    source: NOTEBOOK,
    place: "conv_single_step",
    kind: Kind::WrongNumber,
    what: "In the listing, np.multiply(a_slice_prev, W) + b, then np.sum: b is added once per product, \
           f·f·n_C_prev times instead of once (the notebook's 2017 answer key has the same \
           mistake).",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 002's mask keeps every tied maximum; seeds 003 and 004 keep the first.
pub const TIED_MAXIMA: Erratum = Erratum {
    name: "tied-maxima",
    source: NOTEBOOK,
    place: "create_mask_from_window",
    kind: Kind::Differs,
    what: "Its mask = (x == np.max(x)) marks every tied maximum, so pool_backward gives the whole \
           gradient to each and the total grows; seed 003's np.argmax and seed 004's \
           get_max_index give it to the first maximum only.",
    lesson: &registry::LESSON_05_POOL_BACKWARD,
    args: &[],
};

/// seed 004's `calculate_output_size` is garbled.
pub const OUTPUT_SIZE_FORMULA: Erratum = Erratum {
    name: "output-size-formula",
    source: HANBT,
    place: "ConvLayer.calculate_output_size (both listings)",
    kind: Kind::DoesNotRun,
    what: "Its return line (input_size - filter_size +5 2 * zero_padding) / stride + 1 is a \
           syntax error; it means (input_size\u{a0}−\u{a0}filter_size + 2·zero_padding) / stride + 1.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004's constructor takes `input_weight` and reads `input_height`.
pub const INPUT_WEIGHT: Erratum = Erratum {
    name: "input-weight",
    source: HANBT,
    place: "ConvLayer.__init__",
    kind: Kind::DoesNotRun,
    what: "The full listing's parameter is input_weight, and the body reads input_height: \
           NameError.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004's full `forward` loops over `i` and indexes `filters[f]`.
pub const FILTERS_F: Erratum = Erratum {
    name: "filters-f",
    source: HANBT,
    place: "ConvLayer.forward (full listing)",
    kind: Kind::DoesNotRun,
    what: "The full listing loops for i in range(self.filter_number): filter = self.filters[f], and f is never set \
           in the loop: NameError; with an f left in scope from elsewhere, output_array[f] is \
           written every time and the other maps stay zero.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004 defines `get_batch` and calls `get_patch`.
pub const GET_BATCH: Erratum = Erratum {
    name: "get-batch",
    source: HANBT,
    place: "get_batch (full listing)",
    kind: Kind::DoesNotRun,
    what: "The full listing defines get_batch, but conv calls get_patch: NameError.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004's 3-D patch leaves out the channel axis.
pub const PATCH_CHANNELS: Erratum = Erratum {
    name: "patch-channels",
    source: HANBT,
    place: "get_batch, 3-D branch (full listing)",
    kind: Kind::DoesNotRun,
    what: "Its input_array[start_i : start_i + filter_height, start_j : start_j + filter_width] \
           on a (channel, row, column) array slices channels and rows, not rows and columns \
           (the first listing has input_array[:, …]); the patch no longer matches the filter.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004's misspelled and missing names.
pub const MISSPELLED_NAMES: Erratum = Erratum {
    name: "misspelled-names",
    source: HANBT,
    place: "conv and SigmoidActivator (full listing)",
    kind: Kind::DoesNotRun,
    what: "conv's parameter is kernal_array and its body reads kernel_array; SigmoidActivator \
           calls math.exp without import math. Both are NameErrors.",
    lesson: &registry::LESSON_02_CONV_FORWARD,
    args: &[],
};

/// seed 004 is Python 2.
pub const PYTHON_2: Erratum = Erratum {
    name: "python-2",
    source: HANBT,
    place: "the whole listing",
    kind: Kind::DoesNotRun,
    what: "It is Python 2: print \"…\" statements; / on integers gives floats in Python 3, so sizes \
           and zp become 3.0 and 1.0, which np.zeros refuses (use //); np.array(map(…)) wraps a \
           map object instead of the rotated filters.",
    lesson: &registry::LESSON_03_CONV_BACKWARD,
    args: &[],
};

/// seed 003's pooling layers pass the padding where `output_shape` goes.
pub const POOL_PADDING: Erratum = Erratum {
    name: "pool-padding",
    source: "seed 003 (ML-From-Scratch)",
    place: "PoolingLayer.forward_pass and backward_pass",
    kind: Kind::DoesNotRun,
    what: "Its image_to_column(X, self.pool_shape, self.stride, self.padding) passes the padding \
           0 as output_shape; determine_padding knows only 'same' and 'valid', returns None, \
           and unpacking it fails.",
    lesson: &registry::LESSON_08_POOL_IM2COL,
    args: &[],
};

/// ML-From-Scratch's softmax gradient is the Jacobian's diagonal.
pub const SOFTMAX_DIAGONAL: Erratum = Erratum {
    name: "softmax-diagonal",
    source: MLFS,
    place: "Softmax.gradient",
    kind: Kind::WrongNumber,
    what: "Its p = self.function(x); return p * (1 - p) is only the diagonal of softmax's Jacobian; chained with its own \
           cross-entropy gradient it still gives p\u{a0}−\u{a0}y, so training is right, but the \
           gradient alone is not.",
    lesson: &registry::LESSON_09_LAYERS,
    args: &[],
};

/// ML-From-Scratch's dropout scales at inference, not in training.
pub const DROPOUT_NOT_INVERTED: Erratum = Erratum {
    name: "dropout-not-inverted",
    source: MLFS,
    place: "Dropout.forward_pass",
    kind: Kind::Differs,
    what: "It keeps values unscaled in training and multiplies by 1\u{a0}−\u{a0}p at inference; PyTorch \
           scales by 1/(1\u{a0}−\u{a0}p) in training and passes inputs through at inference. The same \
           in expectation, but a network trained with one and run with the other gets outputs off by 1/(1\u{a0}−\u{a0}p).",
    lesson: &registry::LESSON_09_LAYERS,
    args: &[],
};

/// ML-From-Scratch's batch normalization is per element.
pub const BATCH_NORM_PER_ELEMENT: Erratum = Erratum {
    name: "batch-norm-per-element",
    source: MLFS,
    place: "BatchNormalization",
    kind: Kind::Differs,
    what: "It keeps γ, β and its statistics for every (C, H, W) element, not per channel as \
           PyTorch does, with eps 0.01 (PyTorch's is 1e-5): many more parameters, so the \
           reference network's count is not PyTorch's.",
    lesson: &registry::LESSON_09_LAYERS,
    args: &[],
};

/// ML-From-Scratch's Adam divides by `1 − b` instead of `1 − bᵗ`.
pub const ADAM_BIAS_CORRECTION: Erratum = Erratum {
    name: "adam-bias-correction",
    source: MLFS,
    place: "Adam.update",
    kind: Kind::WrongNumber,
    what: "Its m_hat = self.m / (1 - self.b1) and v_hat = self.v / (1 - self.b2) divide by \
           1\u{a0}−\u{a0}b at every step instead of 1\u{a0}−\u{a0}bᵗ: right at step 1 only; after that the steps \
           have the wrong length, too long at first, too short later.",
    lesson: &registry::LESSON_10_OPTIMIZERS,
    args: &[],
};

/// Every known fault, in lesson order.
pub const ERRATA: &[&Erratum] = &[
    &BIAS_INSIDE_SUM,
    &OUTPUT_SIZE_FORMULA,
    &INPUT_WEIGHT,
    &FILTERS_F,
    &GET_BATCH,
    &PATCH_CHANNELS,
    &MISSPELLED_NAMES,
    &PYTHON_2,
    &TIED_MAXIMA,
    &POOL_PADDING,
    &SOFTMAX_DIAGONAL,
    &DROPOUT_NOT_INVERTED,
    &BATCH_NORM_PER_ELEMENT,
    &ADAM_BIAS_CORRECTION,
];

impl Lesson {
    /// The heading of a source's fault, where the lesson shows it: its name
    /// (as `cargo run -- errata` lists it), the source and the place, then
    /// what goes wrong. The lesson shows it computed right after.
    pub fn erratum(&self, e: &Erratum) {
        let heading = crate::course::lesson::paint(&e.heading(), "1;33", crate::course::lesson::use_colour());
        self.say(&format!("\n{heading}\nWhere: {}, {}.\n{}", e.source, e.place, e.what));
    }
}

/// Seed 004's `calculate_output_size`, shown where lesson 02 works out
/// output sizes: the garbled line, and the formula it means worked for the
/// worked example (`n` input, `f` filter, `pad`, `stride`).
pub fn show_output_size_formula(l: &Lesson, n: usize, f: usize, pad: usize, stride: usize) {
    l.erratum(&OUTPUT_SIZE_FORMULA);
    let meant = crate::textbook::window::output_size(n, f, pad, stride);
    let python3 = (n + 2 * pad - f) as f64 / stride as f64 + 1.0;
    l.say(&format!(
        "  return (input_size - filter_size +5\n          2 * zero_padding) / stride + 1\n\
         For the worked example it means ({n}\u{a0}−\u{a0}{f}\u{a0}+\u{a0}2·{pad})\u{a0}/\u{a0}{stride}\u{a0}+\u{a0}1\u{a0}=\u{a0}{meant}; \
         Python 3 computes it as {python3:?} (see python-2 in lesson 03)."
    ));
}

/// The faults of seed 004's full listing in the forward pass, shown on the
/// worked example (`a_prev (1, n_H, n_W, n_C)`, `w (f, f, n_C_prev, n_C)`,
/// `b (1, 1, 1, n_C)`, padded by `pad` with stride `stride`): the names that
/// do not match, the maps `filters[f]` would leave, and the shapes of the
/// patches its `get_batch` cuts.
///
/// # Errors
/// When the example's shapes do not fit together.
pub fn show_hanbt_forward_faults(
    l: &Lesson,
    a_prev: &ArrayView4<f64>,
    w: &ArrayView4<f64>,
    b: &ArrayView4<f64>,
    hparameters: crate::textbook::conv::Hparameters,
) -> crate::error::Result<()> {
    use crate::textbook::conv::conv_forward;
    l.say(
        "\nNeither of the article's listings runs in Python 3: the first has the size formula \
         above and Python 2's print statements; the full listing (cnn.py), copied below it, has \
         these faults too.",
    );
    l.erratum(&INPUT_WEIGHT);
    l.say("  def __init__(self,input_width,input_weight, ...\n      self.input_height = input_height");

    l.erratum(&FILTERS_F);
    let n_c = w.dim().3;
    let f_left = n_c - 1;
    let (z, _) = conv_forward(
        a_prev,
        &w.slice(s![.., .., .., f_left..]),
        &b.slice(s![.., .., .., f_left..]),
        hparameters,
    )?;
    let (_, n_h, n_w, _) = z.dim();
    let mut left = Array3::<f64>::zeros((n_c, n_h, n_w));
    left.slice_mut(s![f_left, .., ..]).assign(&z.slice(s![0, .., .., 0]));
    l.say(&format!("With f = {f_left} left in scope, the loop's output_array:"));
    let maps: Vec<(String, ndarray::ArrayView2<f64>)> =
        (0..n_c).map(|c| (format!("output_array[{c}]"), left.slice(s![c, .., ..]))).collect();
    let named: Vec<(&str, ndarray::ArrayView2<f64>)> =
        maps.iter().map(|(n, a)| (n.as_str(), a.view())).collect();
    l.show_side_by_side(&named);

    l.erratum(&GET_BATCH);
    l.say("  def get_batch(input_array, i, j, filter_width, ...\n  get_patch(input_array, i, j, kernel_width, ...");

    l.erratum(&PATCH_CHANNELS);
    let (_, h, wd, c) = a_prev.dim();
    let (f, stride) = (w.dim().0, hparameters.stride);
    let dims = [c, h + 2 * hparameters.pad, wd + 2 * hparameters.pad];
    // numpy clips a slice to the axis: a[start : start + f] has min(start + f, n) − min(start, n) items.
    let cut = |n: usize, start: usize| (start + f).min(n) - start.min(n);
    let kernel = [c, f, f];
    let numpy_shape =
        |s: &[usize]| format!("({})", s.iter().map(usize::to_string).collect::<Vec<_>>().join(","));
    let first_patch = [cut(dims[0], 0), cut(dims[1], 0), dims[2]];
    let rows: Vec<Vec<String>> = (0..z.dim().1)
        .map(|i| {
            let (start_i, start_j) = (i * stride, 0);
            let patch = [cut(dims[0], start_i), cut(dims[1], start_j), dims[2]];
            let fits = patch.iter().zip(kernel).all(|(&p, k)| p == k || p == 1 || k == 1);
            vec![format!("({i}, 0)"), shape_str(&patch), if fits { "yes" } else { "no" }.to_string()]
        })
        .collect();
    l.say(&format!(
        "On the padded input, shape {}, with filters of shape {} and stride {stride}, numpy cannot \
         multiply a patch by a filter (broadcast) unless each axis is equal or 1:",
        shape_str(&dims),
        shape_str(&kernel)
    ));
    l.table(&["window (i, j)", "patch shape", "multiplies by the filter?"], &rows);
    l.say(&format!(
        "At the first window numpy stops with\n  ValueError: operands could not be broadcast\n  together with shapes {} {}",
        numpy_shape(&first_patch),
        numpy_shape(&kernel)
    ));

    l.erratum(&MISSPELLED_NAMES);
    l.say("  def conv(input_array,kernal_array, ...\n      kernel_width = kernel_array.shape[-1]");
    Ok(())
}

/// Seed 004 is Python 2, shown in lesson 03 where `bp_sensitivity_map`
/// works out `zp`: the listing's formula on the worked example
/// (`input_width`, `filter_width`, `expanded_width`) and what Python 3 makes
/// of it.
pub fn show_python_2(l: &Lesson, input_width: usize, filter_width: usize, expanded_width: usize) {
    l.erratum(&PYTHON_2);
    let zp = (input_width + filter_width - 1 - expanded_width) as f64 / 2.0;
    l.say(&format!(
        "  zp = (self.input_width +\n        self.filter_width - 1 - expanded_width) / 2\n\
         Here ({input_width}\u{a0}+\u{a0}{filter_width}\u{a0}−\u{a0}1\u{a0}−\u{a0}{expanded_width})\u{a0}/\u{a0}2 \
         is {zp:?} in Python 3, and padding(expanded_array, {zp:?}) fails in np.zeros: 'float' \
         object cannot be interpreted as an integer. And np.array(map(…)) is a 0-dimensional \
         array holding the map, so flipped_weights[d] raises IndexError: too many indices."
    ));
}

/// The list `cargo run -- errata` prints, fitted to `width` columns: one
/// row per fault, short enough for a projector; [`details`] says the rest.
pub fn card(width: usize) -> String {
    let rows: Vec<Vec<String>> = ERRATA
        .iter()
        .map(|e| {
            let lesson = e.lesson.name.split('_').nth(1).unwrap_or_default();
            let source = e.source.split(" (").next().unwrap_or(e.source);
            vec![e.name.to_string(), source.to_string(), e.kind.words().to_string(), lesson.to_string()]
        })
        .collect();
    let fill = |text: &str| crate::course::output::fill(text, width);
    [
        fill(&format!(
            "{} known faults of the sources, in the order the lessons meet them. Each lesson \
             shows its faults computed, under the heading \"Fault\u{a0}in\u{a0}the\u{a0}source\u{a0}[errata:\u{a0}NAME]\".",
            ERRATA.len()
        )),
        crate::course::show::fit_table(&["name", "source", "effect", "lesson"], &rows, width),
        fill("Where, what goes wrong, and the command that shows it:\n  cargo run -- errata NAME"),
    ]
    .map(|part| part.trim_end().to_string())
    .join("\n\n")
        + "\n"
}

/// `cargo run -- errata NAME`: one fault in full, fitted to `width`
/// columns; `None` if no fault has that name.
pub fn details(name: &str, width: usize) -> Option<String> {
    let e = ERRATA.iter().find(|e| e.name == name)?;
    let text = format!(
        "{}\nWhere: {}, {}.\nEffect: {}.\n{}\n\nShown by lesson {}:\n  {}\n",
        e.heading(),
        e.source,
        e.place,
        e.kind.words(),
        e.what,
        e.lesson.name.split('_').nth(1).unwrap_or_default(),
        e.command()
    );
    Some(crate::course::output::fill(&text, width))
}

/// The names of every fault, for a message: `bias-inside-sum, tied-maxima, …`.
pub fn names() -> String {
    ERRATA.iter().map(|e| e.name).collect::<Vec<_>>().join(", ")
}
