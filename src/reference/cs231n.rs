//! The CS231n notes ("Convolutional Neural Networks", section "Pooling
//! layer"): the figure of max pooling with 2×2 windows and stride 2 on one
//! 4×4 depth slice. It is channel 0 of hanbt's pooling test
//! ([`pooling_example`](super::pooling_example)).

/// The figure's input, one 4×4 depth slice.
pub const MAX_POOL_INPUT: [[f64; 4]; 4] =
    [[1., 1., 2., 4.], [5., 6., 7., 8.], [3., 2., 1., 0.], [1., 2., 3., 4.]];

/// The figure's output: "max pool with 2x2 filters and stride 2".
pub const MAX_POOL_OUTPUT: [[f64; 2]; 2] = [[6., 8.], [3., 4.]];
