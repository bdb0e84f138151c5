//! The worked 5×5×3 example of seed 004 (the CS231n convolution demo): the
//! inputs only, in the notebook's NHWC layout. Its published outputs live
//! beside the checks that use them, in the lessons and in `tests/`.

use ndarray::{arr3, Array3, Array4};

use crate::conv::Hparameters;

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
