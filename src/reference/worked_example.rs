//! The worked 5×5×3 example of seed 004 (hanbt's "零基础入门深度学习(4)",
//! the CS231n convolution demo): its inputs, in the notebook's NHWC layout,
//! and (in [`published`]) the numbers the lessons check against, used only
//! on the expected side of a check.
//!
//! ```python
//! def init_test():
//!     a = np.array(...)   # 3 channels of 5×5, see WorkedExample::new
//!     b = np.array(...)   # the sensitivity map, 2 maps of 3×3
//!     cl = ConvLayer(5, 5, 3, 3, 3, 2, 1, 2, IdentityActivator(), 0.001)
//!     cl.filters[0].weights = np.array(...); cl.filters[0].bias = 1
//!     cl.filters[1].weights = np.array(...)          # bias 0
//!     return a, b, cl
//! def test():
//!     a, b, cl = init_test()
//!     cl.forward(a)
//!     print "前向傳播結果:", cl.output_array
//!     cl.backward(a, b, IdentityActivator())
//!     cl.update()
//!     print "反向傳播后更新得到的filter1:", cl.filters[0]
//!     print "反向傳播后更新得到的filter2:", cl.filters[1]
//! ```

use ndarray::{arr3, Array3, Array4};

use crate::textbook::conv::Hparameters;

/// The example's input, filters, biases, sensitivity map and learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkedExample {
    /// The input `a`, one 5×5×3 image: `(1, 5, 5, 3)`.
    pub a_prev: Array4<f64>,
    /// Two 3×3×3 filters: `(3, 3, 3, 2)`.
    pub w: Array4<f64>,
    /// Biases 1 and 0: `(1, 1, 1, 2)`.
    pub b: Array4<f64>,
    /// The sensitivity map `b` of the article (the gradient of the loss
    /// with respect to the output): `(1, 3, 3, 2)`.
    pub dz: Array4<f64>,
    /// Zero padding 1, stride 2.
    pub hparameters: Hparameters,
    /// 0.001.
    pub learning_rate: f64,
}

/// CHW `(c, h, w)` as written in the article → NHWC `(1, h, w, c)`.
fn nhwc(chw: Array3<f64>) -> Array4<f64> {
    chw.permuted_axes([1, 2, 0]).insert_axis(ndarray::Axis(0)).as_standard_layout().into_owned()
}

impl WorkedExample {
    /// The example as the article's `init_test` sets it up.
    pub fn new() -> Self {
        let a = arr3(&[
            [
                [0., 1., 1., 0., 2.],
                [2., 2., 2., 2., 1.],
                [1., 0., 0., 2., 0.],
                [0., 1., 1., 0., 0.],
                [1., 2., 0., 0., 2.],
            ],
            [
                [1., 0., 2., 2., 0.],
                [0., 0., 0., 2., 0.],
                [1., 2., 1., 2., 1.],
                [1., 0., 0., 0., 0.],
                [1., 2., 1., 1., 1.],
            ],
            [
                [2., 1., 2., 0., 0.],
                [1., 0., 0., 1., 0.],
                [0., 2., 1., 0., 1.],
                [0., 1., 2., 2., 2.],
                [2., 1., 0., 0., 1.],
            ],
        ]);
        let filter0 = arr3(&[
            [[-1., 1., 0.], [0., 1., 0.], [0., 1., 1.]],
            [[-1., -1., 0.], [0., 0., 0.], [0., -1., 0.]],
            [[0., 0., -1.], [0., 1., 0.], [1., -1., -1.]],
        ]);
        let filter1 = arr3(&[
            [[1., 1., -1.], [-1., -1., 1.], [0., -1., 1.]],
            [[0., 1., 0.], [-1., 0., -1.], [-1., 1., 0.]],
            [[-1., 0., 0.], [-1., 0., 1.], [-1., 0., 0.]],
        ]);
        let sensitivity =
            arr3(&[[[0., 1., 1.], [2., 2., 2.], [1., 0., 0.]], [[1., 0., 2.], [0., 0., 0.], [1., 2., 1.]]]);
        // Filters (depth, f, f) → W (f, f, depth, n_filters).
        let w = ndarray::stack(
            ndarray::Axis(3),
            &[filter0.view().permuted_axes([1, 2, 0]), filter1.view().permuted_axes([1, 2, 0])],
        )
        .expect("two filters of one shape");
        WorkedExample {
            a_prev: nhwc(a),
            w,
            b: Array4::from_shape_vec((1, 1, 1, 2), vec![1.0, 0.0]).expect("two biases"),
            dz: nhwc(sensitivity),
            hparameters: Hparameters { pad: 1, stride: 2 },
            learning_rate: 0.001,
        }
    }
}

impl Default for WorkedExample {
    fn default() -> Self {
        Self::new()
    }
}

/// The example's published numbers (what `test()` prints) and the
/// gradients that follow exactly from it, filters channels first
/// `(channel, row, column)` as the article prints them.
pub mod published {
    /// `print "前向傳播結果:", cl.output_array`: one 3×3 map per filter.
    pub const OUTPUT: [[[f64; 3]; 3]; 2] =
        [[[6., 7., 5.], [3., -1., -1.], [2., -1., 4.]], [[2., -5., -8.], [1., -4., -4.], [0., -5., -5.]]];

    /// The weight gradients for the sensitivity map `b`: not printed in the
    /// article; exact (sums of products of small integers) and confirmed by
    /// finite differences.
    #[rustfmt::skip]
    pub const WEIGHTS_GRAD: [[[[f64; 3]; 3]; 3]; 2] = [
        [[[8., 10., 9.], [5., 6., 6.], [6., 5., 4.]], [[4., 1., 4.], [10., 9., 12.], [2., 2., 2.]], [[2., 2., 3.], [5., 8., 5.], [7., 8., 7.]]],
        [[[2., 2., 1.], [4., 7., 3.], [4., 4., 2.]], [[0., 1., 0.], [9., 5., 4.], [4., 0., 0.]], [[4., 6., 5.], [2., 5., 2.], [2., 1., 0.]]],
    ];

    /// The bias gradients, the sums of the sensitivity maps (not printed in
    /// the article).
    pub const BIAS_GRAD: [f64; 2] = [9., 7.];

    /// The gradient passed back to the input, channels first (not printed
    /// in the article; exact, confirmed by finite differences).
    #[rustfmt::skip]
    pub const DELTA: [[[f64; 5]; 5]; 3] = [
        [[-1., 1., 1., -2., -1.], [1., -1., 3., -1., 1.], [2., 0., 2., 0., 2.], [4., 3., 4., 1., 3.], [0., -1., -2., 1., -1.]],
        [[0., -1., 0., -2., 0.], [-1., -2., -3., -4., -1.], [0., 0., 0., 0., 0.], [-2., 0., 0., 0., -1.], [0., -3., 0., -3., 0.]],
        [[0., 1., 1., -2., 1.], [0., -1., -1., -4., -1.], [2., 0., 2., 0., 2.], [-2., -3., -2., -1., -2.], [1., -1., 0., 1., 0.]],
    ];

    /// `print cl.filters[f]` after one update (learning rate 0.001): weights.
    #[rustfmt::skip]
    pub const UPDATED_WEIGHTS: [[[[f64; 3]; 3]; 3]; 2] = [
        [[[-1.008, 0.99, -0.009], [-0.005, 0.994, -0.006], [-0.006, 0.995, 0.996]],
         [[-1.004, -1.001, -0.004], [-0.01, -0.009, -0.012], [-0.002, -1.002, -0.002]],
         [[-0.002, -0.002, -1.003], [-0.005, 0.992, -0.005], [0.993, -1.008, -1.007]]],
        [[[0.998, 0.998, -1.001], [-1.004, -1.007, 0.997], [-0.004, -1.004, 0.998]],
         [[0., 0.999, 0.], [-1.009, -0.005, -1.004], [-1.004, 1., 0.]],
         [[-1.004, -0.006, -0.005], [-1.002, -0.005, 0.998], [-1.002, -0.001, 0.]]],
    ];

    /// `print cl.filters[f]` after one update: biases (printed as
    /// 0.99099999999999999 and -0.0070000000000000001).
    pub const UPDATED_BIASES: [f64; 2] = [0.991, -0.007];

    /// Filter 0's gradient in the original article's gradient check
    /// (`gradient_check()`: loss = the sum of all outputs, so an all-ones
    /// sensitivity map, and epsilon 1e-3).
    #[rustfmt::skip]
    pub const ALL_ONES_GRAD_FILTER_0: [[[f64; 3]; 3]; 3] = [
        [[5., 6., 5.], [5., 7., 5.], [5., 6., 5.]], [[2., 1., 2.], [9., 9., 9.], [2., 1., 2.]], [[4., 5., 4.], [4., 9., 4.], [4., 5., 4.]],
    ];
}
