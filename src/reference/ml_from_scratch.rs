//! ML-From-Scratch (github.com/eriklindernoren/ML-From-Scratch), as the
//! articles of seeds 000 (padding layers), 001 (`Conv2D` by im2col) and 003
//! (pooling layers) walk through it; layout NCHW: `X (batch, channels, H,
//! W)`, `W (n_filters, channels, fh, fw)`.

/// `determine_padding(filter_shape, output_shape="same")` (seed 001):
///
/// ```python
/// pad_h1 = int(math.floor((filter_height - 1) / 2))
/// pad_h2 = int(math.ceil((filter_height - 1) / 2))
/// # likewise for the width
/// return (pad_h1, pad_h2), (pad_w1, pad_w2)
/// ```
///
/// An even filter cannot pad evenly: for a 2×2 filter, `((0, 1), (0, 1))`.
pub const SAME_PADDING_2X2: ((usize, usize), (usize, usize)) = ((0, 1), (0, 1));

/// `get_im2col_indices` for the article's case (seed 001): an image batch
/// `(1, 3, 32, 32)`, a 3×3 filter, padding `((1,1),(1,1))`, stride 1.
///
/// ```text
/// i0: np.tile([0,0,0,1,1,1,2,2,2], 3), size (27,)
/// i1: 1*np.repeat(np.arange(32), 32): [0,0,0,...,31,31,31], size (1024,)
/// j0: np.tile(np.arange(3), 3*3): [0,1,2,0,1,2,...], size (27,)
/// j1: 1*np.tile(np.arange(32), 32), size (1024,)
/// i: i0.reshape(-1,1) + i1.reshape(1,-1), size (27,1024); j likewise
/// k: np.repeat(np.arange(3), 3*3).reshape(-1,1), size (27,1)
/// self.X_col (27,1024), self.W_col (16,27), output (16,1024)
/// ```
pub mod im2col {
    /// `i0`: the kernel row each row of the column matrix reads.
    pub const I0: [usize; 27] =
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    /// The size of `i0` (and of `j0`).
    pub const I0_SHAPE: [usize; 1] = [27];
    /// The size of `i1` (and of `j1`).
    pub const I1_SHAPE: [usize; 1] = [1024];
    /// The size of `i` and of `j`, and of the column matrix `X_col`.
    pub const I_SHAPE: [usize; 2] = [27, 1024];
    /// The size of `k`.
    pub const K_SHAPE: [usize; 2] = [27, 1];
}

/// `Conv2D`'s output shapes and parameter count (seed 001):
///
/// ```python
/// image = np.random.randint(0, 255, size=(1, 3, 32, 32)).astype(np.uint8)
/// input_shape = image.squeeze().shape
/// conv2d = Conv2D(16, (3,3), input_shape=input_shape, padding='same', stride=1)
/// conv2d.initialize(None)
/// output = conv2d.forward_pass(image, training=True)
/// print(output.shape)          # then padding='valid' with stride 1 and 2
/// print(conv2d.parameters())
/// ```
pub mod conv2d {
    /// `output.shape` for `padding='same', stride=1`.
    pub const OUTPUT_SHAPE_SAME_STRIDE_1: (usize, usize, usize, usize) = (1, 16, 32, 32);
    /// `output.shape` for `padding='valid', stride=1`.
    pub const OUTPUT_SHAPE_VALID_STRIDE_1: (usize, usize, usize, usize) = (1, 16, 30, 30);
    /// `output.shape` for `padding='valid', stride=2`.
    pub const OUTPUT_SHAPE_VALID_STRIDE_2: (usize, usize, usize, usize) = (1, 16, 15, 15);
    /// `conv2d.parameters()`: `np.prod(self.W.shape) + np.prod(self.w0.shape)`
    /// = 16·3·3·3 + 16.
    pub const PARAMETERS: usize = 448;
}

/// The library's CNN example (`mlfromscratch/examples/
/// convolutional_neural_network.py`, its output shown in the README) on
/// sklearn's digits, pixels 0..16 unscaled, `test_size=0.4` (1,079 train,
/// 718 test):
///
/// ```text
/// Conv2D(16, (3,3), padding='same') ReLU Dropout(0.25) BatchNormalization
/// Conv2D(32, (3,3), padding='same') ReLU Dropout(0.25) BatchNormalization
/// Flatten Dense(256) ReLU Dropout(0.4) BatchNormalization Dense(10) Softmax
/// Adam(), CrossEntropy, n_epochs=50, batch_size=256
/// ```
pub mod cnn {
    /// The summary's parameters of Conv2D, BatchNormalization, Conv2D,
    /// BatchNormalization, Flatten, Dense, BatchNormalization and Dense (the
    /// activation and dropout rows, all 0, left out). Its batch normalization
    /// keeps γ and β for every `(C, H, W)` element: 2·16·8·8 = 2048.
    pub const PARAMETER_TABLE: [usize; 8] = [160, 2048, 4640, 4096, 0, 524_544, 512, 2570];

    /// "Total Parameters".
    pub const TOTAL_PARAMETERS: usize = 538_570;

    /// Not printed by the source: the same network with batch normalization
    /// per channel (as lesson 09 builds it and PyTorch does; layers of 32, 64
    /// and 512 parameters) has this many.
    pub const TOTAL_PARAMETERS_PER_CHANNEL_BATCH_NORM: usize = 532_522;

    /// The held-out accuracy it reports: 709 of 718, 0.9875 to 4 decimals.
    pub const TEST_CORRECT: usize = 709;

    /// The size of the held-out set.
    pub const TEST_SIZE: usize = 718;
}
