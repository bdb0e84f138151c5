//! deeplearning.ai's notebook "Convolutional Neural Networks: Step by Step"
//! (seed 002): the "Expected output" of its cells, 2018 edition. Every cell
//! starts from `np.random.seed(1)` and draws its inputs in the order shown;
//! [`RandomState`](crate::course::random::RandomState) reproduces that
//! stream. Layout NHWC: `A_prev (m, n_H, n_W, n_C)`, `W (f, f, n_C_prev,
//! n_C)`, `b (1, 1, 1, n_C)`. The notebook prints 8 decimals for arrays and
//! the digits given for scalars; a check allows half a unit of the last
//! printed digit.

/// The `zero_pad` cell.
///
/// ```python
/// np.random.seed(1)
/// x = np.random.randn(4, 3, 3, 2)
/// x_pad = zero_pad(x, 2)
/// print("x.shape =", x.shape)          # (4, 3, 3, 2)
/// print("x_pad.shape =", x_pad.shape)  # (4, 7, 7, 2)
/// print("x[1,1] =", x[1,1])
/// print("x_pad[1,1] =", x_pad[1,1])    # all zeros, 7×2
/// ```
pub mod zero_pad {
    /// `x_pad.shape`.
    pub const X_PAD_SHAPE: (usize, usize, usize, usize) = (4, 7, 7, 2);

    /// `x[1,1]`, 8 decimals.
    pub const X_1_1: [[f64; 2]; 3] =
        [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]];
}

/// The `conv_single_step` cell.
///
/// ```python
/// np.random.seed(1)
/// a_slice_prev = np.random.randn(4, 4, 3)
/// W = np.random.randn(4, 4, 3)
/// b = np.random.randn(1, 1, 1)
/// Z = conv_single_step(a_slice_prev, W, b)   # np.sum(a_slice_prev * W) + b
/// print("Z =", Z)
/// ```
pub mod conv_single_step {
    /// `Z`, 11 decimals (2018 edition).
    pub const Z: f64 = -6.99908945068;

    /// `Z` as the first (2017) edition published it, 10 decimals: its answer
    /// key added the bias to every element before summing,
    /// `np.sum(a_slice_prev * W + b)`, so `b` counted 4·4·3 = 48 times.
    pub const Z_2017_ERRATUM: f64 = -23.1602122025;
}

/// The `conv_forward` cell.
///
/// ```python
/// np.random.seed(1)
/// A_prev = np.random.randn(10, 4, 4, 3)
/// W = np.random.randn(2, 2, 3, 8)
/// b = np.random.randn(1, 1, 1, 8)
/// hparameters = {"pad": 2, "stride": 2}
/// Z, cache_conv = conv_forward(A_prev, W, b, hparameters)
/// print("Z's mean =", np.mean(Z))              # Z.shape (10, 4, 4, 8)
/// print("Z[3,2,1] =", Z[3,2,1])
/// print("cache_conv[0][1][2][3] =", cache_conv[0][1][2][3])
/// ```
pub mod conv_forward {
    /// `Z.shape`, as `conv_forward` asserts it: `(m, n_H, n_W, n_C)`.
    pub const Z_SHAPE: (usize, usize, usize, usize) = (10, 4, 4, 8);

    /// `np.mean(Z)`, 13 decimals.
    pub const Z_MEAN: f64 = 0.0489952035289;

    /// `Z[3,2,1]`, 8 decimals.
    pub const Z_3_2_1: [f64; 8] =
        [-0.61490741, -6.7439236, -2.55153897, 1.75698377, 3.56208902, 0.53036437, 5.18531798, 8.75898442];

    /// `cache_conv[0][1][2][3]`, that is `A_prev[1,2,3]`, 8 decimals.
    pub const A_PREV_1_2_3: [f64; 3] = [-0.20075807, 0.18656139, 0.41005165];
}

/// The `conv_backward` cell, after the `conv_forward` cell (its `Z` is the
/// upstream gradient).
///
/// ```python
/// np.random.seed(1)
/// dA, dW, db = conv_backward(Z, cache_conv)
/// print("dA_mean =", np.mean(dA))
/// print("dW_mean =", np.mean(dW))
/// print("db_mean =", np.mean(db))
/// ```
pub mod conv_backward {
    /// `np.mean(dA)`, 11 decimals.
    pub const DA_MEAN: f64 = 1.45243777754;
    /// `np.mean(dW)`, 11 decimals.
    pub const DW_MEAN: f64 = 1.72699145831;
    /// `np.mean(db)`, 11 decimals.
    pub const DB_MEAN: f64 = 7.83923256462;
}

/// The `pool_forward` cell: `A` has shape `(2, 1, 1, 3)`; below, `A[:,0,0]`.
///
/// ```python
/// np.random.seed(1)
/// A_prev = np.random.randn(2, 4, 4, 3)
/// hparameters = {"stride": 2, "f": 3}
/// A, cache = pool_forward(A_prev, hparameters)                  # max
/// A, cache = pool_forward(A_prev, hparameters, mode="average")
/// ```
pub mod pool_forward {
    /// `A[:,0,0]`, mode max, 8 decimals.
    pub const MAX: [[f64; 3]; 2] =
        [[1.74481176, 0.86540763, 1.13376944], [1.13162939, 1.51981682, 2.18557541]];

    /// `A[:,0,0]`, mode average, 8 decimals.
    pub const AVERAGE: [[f64; 3]; 2] =
        [[0.02105773, -0.20328806, -0.40389855], [-0.22154621, 0.51716526, 0.48155844]];
}

/// The `create_mask_from_window` cell.
///
/// ```python
/// np.random.seed(1)
/// x = np.random.randn(2, 3)
/// mask = create_mask_from_window(x)   # x == np.max(x)
/// print('x = ', x)
/// print("mask = ", mask)
/// ```
pub mod create_mask_from_window {
    /// `x`, 8 decimals.
    pub const X: [[f64; 3]; 2] =
        [[1.62434536, -0.61175641, -0.52817175], [-1.07296862, 0.86540763, -2.3015387]];

    /// `mask`.
    pub const MASK: [[bool; 3]; 2] = [[true, false, false], [false, false, false]];
}

/// The `distribute_value` cell.
///
/// ```python
/// a = distribute_value(2, (2, 2))
/// print('distributed value =', a)
/// ```
pub mod distribute_value {
    /// `a`: the value 2 shared by the four cells of a 2×2 window.
    pub const A: [[f64; 2]; 2] = [[0.5, 0.5], [0.5, 0.5]];
}

/// The `pool_backward` cell: `dA_prev[1,1]` for mode max and mode average.
///
/// ```python
/// np.random.seed(1)
/// A_prev = np.random.randn(5, 5, 3, 2)
/// hparameters = {"stride": 1, "f": 2}
/// A, cache = pool_forward(A_prev, hparameters)
/// dA = np.random.randn(5, 4, 2, 2)
/// dA_prev = pool_backward(dA, cache, mode="max")      # then "average"
/// print('mean of dA = ', np.mean(dA))
/// print('dA_prev[1,1] = ', dA_prev[1,1])
/// ```
pub mod pool_backward {
    /// `np.mean(dA)`, 12 decimals.
    pub const DA_MEAN: f64 = 0.145713902729;

    /// `dA_prev[1,1]`, mode max, 8 decimals.
    pub const MAX_1_1: [[f64; 2]; 3] = [[0., 0.], [5.05844394, -1.68282702], [0., 0.]];

    /// `dA_prev[1,1]`, mode average, 8 decimals.
    pub const AVERAGE_1_1: [[f64; 2]; 3] =
        [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]];
}
