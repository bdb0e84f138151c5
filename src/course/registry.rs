//! The one list of lessons: names (the `[[bin]]` names), titles, sources and
//! flags. The course runner, `--help` and the tests all read it from here.
//! What must be written out elsewhere (Cargo.toml's `[[bin]]` entries, the
//! `lessons!` list of `src/main.rs`, the files in `lessons/` and
//! `tests/golden/`, the README's table) is compared with [`LESSONS`] by
//! `tests/lesson_list.rs`, which names any lesson missing, extra or out of
//! order; `src/main.rs` also checks its list as it compiles.

use crate::course::bugs::{Bug, BugInfo};

/// A command-line flag of a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// `--input`.
    pub name: &'static str,
    /// The value it takes, e.g. `A.npy`; `None` for a switch.
    pub value: Option<&'static str>,
    /// Whether the value is a file or directory: kept as the operating system
    /// gave it (on Unix any bytes, not only UTF-8); other values must be text.
    pub path: bool,
    /// One line of help.
    pub help: &'static str,
    /// Flags a run with this one would ignore, so giving both is refused.
    pub excludes: &'static [&'static str],
}

impl Flag {
    /// This flag, refusing to be combined with `flags` (which it would make
    /// the run ignore).
    const fn excluding(self, flags: &'static [&'static str]) -> Flag {
        Flag { excludes: flags, ..self }
    }
}

/// One lesson of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonInfo {
    /// The binary's name: `lesson_NN_topic`.
    pub name: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The source article(s) it follows.
    pub source: &'static str,
    /// What it teaches, in a sentence or two.
    pub teaches: &'static str,
    /// The `.npy` files `--save DIR` writes, in words (for `--help`).
    pub saves: &'static str,
    /// The files `--save DIR` may write: checked before the run, so that
    /// none is replaced by surprise. A lesson that writes nothing has none,
    /// and takes no `--save`.
    pub writes: &'static [Saved],
    /// Its own flags, beyond [`COMMON_FLAGS`].
    pub flags: &'static [Flag],
    /// The mistakes `--bug NAME` can make it run with ([`crate::course::bugs`]).
    pub bugs: &'static [BugInfo],
    /// How many stages a run with the default flags has (`--step`'s status
    /// line says `stage k of n`; `tests/lessons.rs` counts them).
    pub stages: usize,
}

/// A file `--save DIR` may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// Its name; one `*` stands for any text (`layer*.npy`).
    pub name: &'static str,
    /// A flag that decides whether it is written: `(flag, true)` only with
    /// the flag, `(flag, false)` only without it.
    pub when: Option<(&'static str, bool)>,
}

const fn always(name: &'static str) -> Saved {
    Saved { name, when: None }
}

const fn with(flag: &'static str, name: &'static str) -> Saved {
    Saved { name, when: Some((flag, true)) }
}

const fn without(flag: &'static str, name: &'static str) -> Saved {
    Saved { name, when: Some((flag, false)) }
}

const fn switch(name: &'static str, help: &'static str) -> Flag {
    Flag { name, value: None, path: false, help, excludes: &[] }
}

const fn valued(name: &'static str, value: &'static str, help: &'static str) -> Flag {
    Flag { name, value: Some(value), path: false, help, excludes: &[] }
}

const fn path(name: &'static str, value: &'static str, help: &'static str) -> Flag {
    Flag { name, value: Some(value), path: true, help, excludes: &[] }
}

/// Flags every lesson takes.
pub const COMMON_FLAGS: &[Flag] = &[
    switch("--help", "what the lesson teaches, its source and its flags"),
    switch("--quiet", "print only the check table").excluding(&["--step", "--verbose"]),
    switch(
        "--step",
        "page the output for a class (on a terminal): Enter/Space next, b back, c continue, q quit; \
         shows every step",
    )
    .excluding(&["--verbose"]),
    valued("--width", "N", "print for N columns (default: COLUMNS, the terminal's width, or 80)"),
];

/// Flags every lesson that writes files takes ([`LessonInfo::writes`]).
pub const SAVE_FLAGS: &[Flag] = &[
    path("--save", "DIR", "write each computed tensor to DIR as .npy (f64)"),
    switch("--force", "let --save replace files in DIR (never an input)"),
];

/// The lessons that have [`LessonInfo::bugs`] take `--bug`: not with the
/// flags that run something else (your own tensors, `--bench`), which would
/// ignore it.
pub const BUG_FLAG: Flag = valued(
    "--bug",
    "NAME",
    "run with a classic mistake made on purpose, to see which checks catch it (--bug list: the mistakes)",
)
.excluding(&[
    "--input",
    "--weights",
    "--bias",
    "--pad",
    "--stride",
    "--dz",
    "--da",
    "--f",
    "--mode",
    "--bench",
]);

const fn bug(name: &'static str, bug: Bug, symptom: &'static str) -> BugInfo {
    BugInfo { name, bug, symptom }
}

/// Only for the lessons that walk through windows one at a time (and show
/// the first few unless asked).
const VERBOSE: Flag = switch("--verbose", "show every step, without pausing");
/// The memory budget ([`crate::course::budget`]), on the lessons that take files or sizes.
const MAX_MEMORY: Flag =
    valued("--max-memory", "SIZE", "tensors' memory budget (default 1GiB; e.g. 512MiB, 4G)");

const CONV_INPUT_FLAGS: &[Flag] = &[
    VERBOSE,
    path("--input", "A.npy", "your own A_prev (m, n_H_prev, n_W_prev, n_C_prev)"),
    path("--weights", "W.npy", "your own W (f, f, n_C_prev, n_C)"),
    path("--bias", "b.npy", "your own b (1, 1, 1, n_C)"),
    valued("--pad", "P", "zero padding for your tensors (default 0)"),
    valued("--stride", "S", "stride for your tensors (default 1)"),
    MAX_MEMORY,
];

const CONV_BACKWARD_FLAGS: &[Flag] = &[
    path("--input", "A.npy", "your own A_prev (m, n_H_prev, n_W_prev, n_C_prev)"),
    path("--weights", "W.npy", "your own W (f, f, n_C_prev, n_C)"),
    path("--bias", "b.npy", "your own b (1, 1, 1, n_C)"),
    valued("--pad", "P", "zero padding for your tensors (default 0)"),
    valued("--stride", "S", "stride for your tensors (default 1)"),
    path("--dz", "dZ.npy", "gradient of the loss with respect to Z (default dZ = Z, as the notebook does)"),
    MAX_MEMORY,
];

const POOL_FORWARD_FLAGS: &[Flag] = &[
    VERBOSE,
    path("--input", "A.npy", "your own A_prev (m, n_H_prev, n_W_prev, n_C)"),
    valued("--f", "F", "window size for your tensor (required with --input)"),
    valued("--stride", "S", "stride for your tensor (default: f, windows side by side)"),
    valued("--mode", "max|average", "pool one way only (default: both)"),
    MAX_MEMORY,
];

const POOL_BACKWARD_FLAGS: &[Flag] = &[
    VERBOSE,
    path("--input", "A.npy", "your own A_prev (m, n_H_prev, n_W_prev, n_C)"),
    path("--da", "dA.npy", "gradient of the loss with respect to the pooled output (default: all ones)"),
    valued("--f", "F", "window size for your tensors (required with --input)"),
    valued("--stride", "S", "stride for your tensors (default: f, windows side by side)"),
    valued("--mode", "max|average", "pool one way only (default: both)"),
    MAX_MEMORY,
];

/// Lesson 01.
pub const LESSON_01_ZERO_PAD: LessonInfo = LessonInfo {
    name: "lesson_01_zero_pad",
    title: "Zero padding",
    source: "deeplearning.ai notebook (zero_pad); ML-From-Scratch (ConstantPadding2D, determine_padding)",
    teaches: "Why and how a convolution pads its input: the notebook's zero_pad, \
              asymmetric constant padding and its backward pass (crop the gradient), \
              and the 'same' / 'valid' padding of ML-From-Scratch.",
    saves: "x_pad.npy",
    writes: &[always("x_pad.npy")],
    flags: &[],
    bugs: &[],
    stages: 4,
};

/// Lesson 02.
pub const LESSON_02_CONV_FORWARD: LessonInfo = LessonInfo {
    name: "lesson_02_conv_forward",
    title: "Convolution forward, by loops",
    source:
        "deeplearning.ai notebook (conv_single_step, conv_forward); hanbt's CNN (the worked 5×5×3 example)",
    teaches: "One window at a time: conv_single_step, the worked 5×5×3 example cell by cell, \
              the notebook's conv_forward, and the output size ⌊(n + 2p − f)/s⌋ + 1.",
    saves: "Z.npy",
    writes: &[always("Z.npy")],
    flags: CONV_INPUT_FLAGS,
    bugs: &[bug(
        "bias-inside-sum",
        Bug::BiasInsideSum,
        "np.sum(a_slice_prev * W + b): b is added once per element of the window (f·f·n_C_prev times), \
         not once",
    )],
    stages: 4,
};

/// Lesson 03.
pub const LESSON_03_CONV_BACKWARD: LessonInfo = LessonInfo {
    name: "lesson_03_conv_backward",
    title: "Convolution backward: loops and sensitivity maps",
    source: "deeplearning.ai notebook (conv_backward); hanbt's CNN (sensitivity maps, the worked example, its gradient check)",
    teaches: "Where each gradient goes: the notebook's loop conv_backward, the worked example's \
              gradients and one update, the same gradients by expanded, padded sensitivity maps \
              and 180°-rotated filters, and a finite-difference check.",
    saves: "dA_prev.npy, dW.npy, db.npy",
    writes: &[always("dA_prev.npy"), always("dW.npy"), always("db.npy")],
    flags: CONV_BACKWARD_FLAGS,
    bugs: &[
        bug(
            "unrotated-filter",
            Bug::UnrotatedFilter,
            "the sensitivity maps are cross-correlated with the filters as they are, not turned by 180°: \
             dA_prev gets each weight at the mirrored position",
        ),
        bug(
            "uncropped-padding",
            Bug::UncroppedPadding,
            "conv_backward returns dA_prev_pad without cropping the padding: dA_prev has the padded \
             shape, and gradients that belong to no input cell",
        ),
    ],
    stages: 4,
};

/// Lesson 04.
pub const LESSON_04_POOL_FORWARD: LessonInfo = LessonInfo {
    name: "lesson_04_pool_forward",
    title: "Pooling forward: max and average",
    source:
        "deeplearning.ai notebook (pool_forward); hanbt's CNN (MaxPoolingLayer); the CS231n max-pool figure",
    teaches: "One number per window: the notebook's pool_forward in max and average mode, the CS231n \
              figure window by window, overlapping and side-by-side windows, and why pooling has no \
              parameters and keeps the channel count.",
    saves: "A.npy for --mode, otherwise A_max.npy and A_average.npy",
    writes: &[with("--mode", "A.npy"), without("--mode", "A_max.npy"), without("--mode", "A_average.npy")],
    flags: POOL_FORWARD_FLAGS,
    bugs: &[],
    stages: 4,
};

/// Lesson 05.
pub const LESSON_05_POOL_BACKWARD: LessonInfo = LessonInfo {
    name: "lesson_05_pool_backward",
    title: "Pooling backward: masks and distributed gradients",
    source: "deeplearning.ai notebook (create_mask_from_window, distribute_value, pool_backward); \
             hanbt's CNN (MaxPoolingLayer.backward); the pooling-gradient article (seed 003)",
    teaches: "Where a pooled gradient goes: to the maximum through a mask, or shared equally by the \
              window; the total preserved; what ties do; and a finite-difference check.",
    saves: "dA_prev.npy for --mode, otherwise dA_prev_max.npy and dA_prev_average.npy",
    writes: &[
        with("--mode", "dA_prev.npy"),
        without("--mode", "dA_prev_max.npy"),
        without("--mode", "dA_prev_average.npy"),
    ],
    flags: POOL_BACKWARD_FLAGS,
    bugs: &[
        bug(
            "every-tied-max",
            Bug::EveryTiedMax,
            "max pool backward sends the gradient to every cell equal to the maximum: on a tie the \
             gradient is counted twice, and the total is no longer kept",
        ),
        bug(
            "undivided-average",
            Bug::UndividedAverage,
            "average pool backward copies dA into every cell instead of dA / f²: the gradient is f² \
             times too large",
        ),
    ],
    stages: 5,
};

const CONV2D_FLAGS: &[Flag] = &[
    path("--input", "X.npy", "your own X (batch, channels, height, width)"),
    path("--weights", "W.npy", "your own W (n_filters, channels, fh, fw)"),
    path("--bias", "w0.npy", "your own w0 (n_filters, 1)"),
    valued("--padding", "same|valid|N", "padding for your tensors (default: same)"),
    valued("--stride", "S", "stride for your tensors (default 1)"),
    path("--dout", "dY.npy", "gradient of the loss with respect to the output, for the backward pass"),
    switch("--bench", "time loops against im2col, forward and backward (use --release for real figures)")
        .excluding(&[
            "--input",
            "--weights",
            "--bias",
            "--padding",
            "--stride",
            "--dout",
            "--save",
            "--quiet",
            "--step",
        ]),
    MAX_MEMORY,
];

/// Lesson 06.
pub const LESSON_06_IM2COL: LessonInfo = LessonInfo {
    name: "lesson_06_im2col",
    title: "im2col: every window a column",
    source: "ML-From-Scratch (get_im2col_indices, image_to_column, column_to_image)",
    teaches: "How real libraries line up the windows of a batch of images as the columns of one matrix: \
              the index arrays, the column matrix of consecutive numbers, and column_to_image, its \
              adjoint, which counts how many windows cover each pixel.",
    saves: "cols.npy",
    writes: &[always("cols.npy")],
    flags: &[],
    bugs: &[bug(
        "im2col-order",
        Bug::Im2colOrder,
        "image_to_column orders its columns (image, window) instead of (window, image) \
         (transpose(1, 0, 2) for transpose(1, 2, 0)): the right numbers in the wrong columns",
    )],
    stages: 4,
};

/// Lesson 07.
pub const LESSON_07_CONV2D_IM2COL: LessonInfo = LessonInfo {
    name: "lesson_07_conv2d_im2col",
    title: "Convolution as one matrix product",
    source: "ML-From-Scratch (Conv2D); hanbt's CNN (the worked 5×5×3 example)",
    teaches: "The Conv2D layer: forward as W_col · X_col + w0, backward as two matrix products and \
              column_to_image; the same numbers as the loops of lessons 02 and 03, and how much faster.",
    saves: "output.npy, grad_input.npy, grad_W.npy, grad_w0.npy\n  \
            (with your own tensors, the gradients only with --dout)",
    writes: &[always("output.npy"), always("grad_input.npy"), always("grad_W.npy"), always("grad_w0.npy")],
    flags: CONV2D_FLAGS,
    bugs: &[],
    stages: 3,
};

/// Lesson 08.
pub const LESSON_08_POOL_IM2COL: LessonInfo = LessonInfo {
    name: "lesson_08_pool_im2col",
    title: "Pooling by im2col",
    source: "ML-From-Scratch (MaxPooling2D, AveragePooling2D; seed 003)",
    teaches: "Max and average pooling the library way: fold batch and channels together, one column \
              per window, argmax or mean, and back through column_to_image; what was wrong with the \
              source's layer; the same numbers as lessons 04 and 05.",
    saves: "A_max.npy, A_average.npy, dA_prev_max.npy, dA_prev_average.npy",
    writes: &[
        always("A_max.npy"),
        always("A_average.npy"),
        always("dA_prev_max.npy"),
        always("dA_prev_average.npy"),
    ],
    flags: &[],
    bugs: &[],
    stages: 5,
};

/// Lesson 09.
pub const LESSON_09_LAYERS: LessonInfo = LessonInfo {
    name: "lesson_09_layers",
    title: "The rest of a network: activations, losses, layers",
    source: "ML-From-Scratch (activation functions, losses, Dense, Flatten, Dropout, BatchNormalization, padding layers)",
    teaches: "Eight activations and their derivatives, softmax's Jacobian, squared error and cross entropy \
              (and why softmax + cross entropy must be computed together), and the layers around the \
              convolution, each checked by finite differences.",
    saves: "nothing",
    writes: &[],
    flags: &[],
    bugs: &[bug(
        "no-running-averages",
        Bug::NoRunningAverages,
        "at test time BatchNormalization normalizes the batch by its own mean and variance, not \
         running_mean and running_var: every test channel comes out with mean 0 whatever its input",
    )],
    stages: 4,
};

/// Lesson 10.
pub const LESSON_10_OPTIMIZERS: LessonInfo = LessonInfo {
    name: "lesson_10_optimizers",
    title: "Optimizers: six ways down a valley",
    source: "ML-From-Scratch (SGD, Nesterov, Adagrad, Adadelta, RMSprop, Adam)",
    teaches: "The six optimizers of the source with its defaults, raced from one start down a narrow \
              valley: each one's update rule and hyperparameters, its first step by hand, its path \
              against a second implementation, the steps it needs to arrive, their paths drawn; and \
              Adam's bias correction done right beside the source's.",
    saves: "nothing",
    writes: &[],
    flags: &[],
    bugs: &[bug(
        "no-bias-correction",
        Bug::NoBiasCorrection,
        "Adam takes m_hat = m and v_hat = v, without dividing by 1 − b1ᵗ and 1 − b2ᵗ: both \
         averages start at 0, and step 1 moves each coordinate by (1 − b1)/√(1 − b2) ≈ 3.16 \
         learning rates instead of 1",
    )],
    stages: 3,
};

const TRAIN_FLAGS: &[Flag] = &[
    valued("--net", "reference|small", "the reference network (default), or conv → ReLU → max pool → dense"),
    valued("--epochs", "N", "passes over the training set (default 50)"),
    valued("--batch-size", "N", "images per mini-batch (default 256)"),
    valued("--lr", "X", "Adam's learning rate (default 0.001)"),
    valued("--seed", "N", "seed of the weights, the dropout masks and the batch order (default 1)"),
    path("--mnist", "DIR", "train on MNIST from its four IDX files in DIR (gzipped or not)"),
    switch("--bench", "time three training runs with these flags (use --release for real figures)")
        .excluding(&["--mnist", "--save", "--quiet", "--step"]),
    switch("--profile", "with --bench: one more run, timed layer by layer (forward, backward, update)"),
    MAX_MEMORY,
];

/// Lesson 11.
pub const LESSON_11_TRAIN_CNN: LessonInfo = LessonInfo {
    name: "lesson_11_train_cnn",
    title: "Train a CNN on handwritten digits",
    source: "ML-From-Scratch (NeuralNetwork, the CNN example on the digits data set)",
    teaches: "The layers of lessons 07–10 put together and trained end to end on real handwritten digits: \
              the network's summary, mini-batches and Adam, the loss and accuracy epoch by epoch, the \
              confusion matrix of the held-out digits, and what the first layer learned.",
    saves: "metrics.csv and each trained parameter as layerNN_NAME.npy",
    writes: &[always("metrics.csv"), always("layer*.npy")],
    flags: TRAIN_FLAGS,
    bugs: &[],
    stages: 6,
};

/// Every lesson, in course order: lesson `k` (from 1) is named `lesson_kk_…` (`k` in two digits).
pub const LESSONS: &[LessonInfo] = &[
    LESSON_01_ZERO_PAD,
    LESSON_02_CONV_FORWARD,
    LESSON_03_CONV_BACKWARD,
    LESSON_04_POOL_FORWARD,
    LESSON_05_POOL_BACKWARD,
    LESSON_06_IM2COL,
    LESSON_07_CONV2D_IM2COL,
    LESSON_08_POOL_IM2COL,
    LESSON_09_LAYERS,
    LESSON_10_OPTIMIZERS,
    LESSON_11_TRAIN_CNN,
];
