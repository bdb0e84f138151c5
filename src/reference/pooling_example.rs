//! hanbt's max-pooling test (the code after "零基础入门深度学习(4)"; seed
//! 004 copies its `MaxPoolingLayer` but not the test): two 4×4 channels,
//! 2×2 windows, stride 2, channels first `(channel, row, column)`.
//!
//! ```python
//! def init_pool_test():
//!     a = np.array([[[1,1,2,4], [5,6,7,8], [3,2,1,0], [1,2,3,4]],
//!                   [[0,1,2,3], [4,5,6,7], [8,9,0,1], [3,4,5,6]]],
//!                  dtype=np.float64)
//!     b = np.array([[[1,2], [2,4]], [[3,5], [8,2]]], dtype=np.float64)
//!     mpl = MaxPoolingLayer(4, 4, 2, 2, 2, 2)
//!     return a, b, mpl
//! # mpl.forward(a); print mpl.output_array
//! # mpl.backward(a, b); print mpl.delta_array
//! ```
//!
//! Channel 0 is the CS231n max-pool figure ([`super::cs231n`]). The results
//! were reproduced with numpy; `get_max_index` gives ties to the first
//! maximum in row-major order.

use super::cs231n;

/// The input `a`: channel 0 is the CS231n figure, channel 1 the article's
/// second channel.
pub const INPUT: [[[f64; 4]; 4]; 2] =
    [cs231n::MAX_POOL_INPUT, [[0., 1., 2., 3.], [4., 5., 6., 7.], [8., 9., 0., 1.], [3., 4., 5., 6.]]];

/// The sensitivity map `b` (the upstream gradients), one 2×2 per channel.
pub const SENSITIVITY: [[[f64; 2]; 2]; 2] = [[[1., 2.], [2., 4.]], [[3., 5.], [8., 2.]]];

/// The results of the test, used only on the expected side of a check.
pub mod published {
    use super::cs231n;

    /// `mpl.forward(a); mpl.output_array`: the maximum of each 2×2 window.
    pub const OUTPUT: [[[f64; 2]; 2]; 2] = [cs231n::MAX_POOL_OUTPUT, [[5., 7.], [9., 6.]]];

    /// `mpl.backward(a, b); mpl.delta_array`: each upstream gradient goes to
    /// its window's (first) maximum.
    pub const DELTA: [[[f64; 4]; 4]; 2] = [
        [[0., 0., 0., 0.], [0., 1., 0., 2.], [2., 0., 0., 0.], [0., 0., 0., 4.]],
        [[0., 0., 0., 0.], [0., 3., 0., 5.], [0., 8., 0., 0.], [0., 0., 0., 2.]],
    ];
}
