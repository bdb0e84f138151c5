//! Lesson 06: im2col.
//!
//! Real libraries do not convolve window by window: they copy every window
//! into one column of a matrix, so that the whole convolution becomes one
//! matrix product. ML-From-Scratch's `get_im2col_indices`, `image_to_column`
//! and `column_to_image` (seed 001), on cases small enough to read.

use cnn_walkthrough::course::bugs;
use cnn_walkthrough::course::numpy_fmt::{array2string, shape_str};
use cnn_walkthrough::course::show::grid;
use cnn_walkthrough::course::walkthrough::check_adjoint_identity;
use cnn_walkthrough::prelude::*;
use cnn_walkthrough::reference::ml_from_scratch::im2col as published_im2col;
use cnn_walkthrough::textbook::conv::windows_per_row;
use cnn_walkthrough::textbook::im2col::{
    column_to_image, get_im2col_indices, image_to_column_by_indices, Im2colParams,
};
use cnn_walkthrough::textbook::padding::{determine_padding, PaddingMode};

fn main() -> std::process::ExitCode {
    Lesson::main(&registry::LESSON_06_IM2COL, run)
}

/// The lesson's stages, in order (also run by the course runner, `cargo run -- --check`).
pub fn run(l: &mut Lesson) -> Result<()> {
    l.stage("The indices of every window (ML-From-Scratch)");
    l.layout(Layout::Nchw, Some(Layout::Nhwc));
    let padding = determine_padding((3, 3), PaddingMode::Same);
    l.say(&format!(
        "One image of 2 channels, 4×4, a 3×3 filter, 'same' padding {padding}, stride 1:\n\
         \x20 k, i, j = get_im2col_indices(\n      (1, 2, 4, 4), (3, 3), {padding}, stride=1)\n\
         \x20 cols = images_padded[:, k, i, j]\n\
         Each row of cols is one (channel, kernel row, kernel column), each column one window \
         (output row, output column).\n"
    ));
    let ix = get_im2col_indices(&[1, 2, 4, 4], (3, 3), padding, 1)?;
    l.say("i0 = tile(repeat(arange(3), 3), 2): the kernel row each row of the matrix reads");
    l.show("i0 =", &ix.i0.view());
    l.say("i1 = 1 * repeat(arange(4), 4): the top row of each window (stride 1)");
    l.show("i1 =", &ix.i1.view());
    l.say("j0 = tile(arange(3), 3 * 2): the kernel column each row reads");
    l.show("j0 =", &ix.j0.view());
    l.say("j1 = 1 * tile(arange(4), 4): the left column of each window");
    l.show("j1 =", &ix.j1.view());
    l.say("k = repeat(arange(2), 9).reshape(-1, 1): the channel each row reads (shown as a row)");
    l.show("k.T =", &ix.k.t());
    l.say("i = i0.reshape(-1, 1) + i1.reshape(1, -1): the padded-image row of every (row, window)");
    l.show("i =", &ix.i.view());
    l.say("j = j0.reshape(-1, 1) + j1.reshape(1, -1): the padded-image column");
    l.show("j =", &ix.j.view());
    l.say(&format!(
        "shapes: i0 {}, i1 {}, k {}, i {}, j {}",
        shape_str(ix.i0.shape()),
        shape_str(ix.i1.shape()),
        shape_str(ix.k.shape()),
        shape_str(ix.i.shape()),
        shape_str(ix.j.shape())
    ));

    l.stage("The article's case: (1, 3, 32, 32), 3×3, padding ((1,1),(1,1)), stride 1");
    let big = get_im2col_indices(&[1, 3, 32, 32], (3, 3), padding, 1)?;
    let first = |v: &mut dyn Iterator<Item = &usize>| {
        v.take(12).map(|x| x.to_string()).collect::<Vec<_>>().join(", ") + ", …"
    };
    let rows = vec![
        vec!["i0".into(), shape_str(big.i0.shape()), first(&mut big.i0.iter())],
        vec!["i1".into(), shape_str(big.i1.shape()), first(&mut big.i1.iter())],
        vec!["j0".into(), shape_str(big.j0.shape()), first(&mut big.j0.iter())],
        vec!["j1".into(), shape_str(big.j1.shape()), first(&mut big.j1.iter())],
        vec!["k".into(), shape_str(big.k.shape()), first(&mut big.k.iter())],
        vec!["i".into(), shape_str(big.i.shape()), first(&mut big.i.iter())],
        vec!["j".into(), shape_str(big.j.shape()), first(&mut big.j.iter())],
    ];
    l.table(&["array", "shape", "first values"], &rows);
    use published_im2col::{I0, I0_SHAPE, I1_SHAPE, I_SHAPE, K_SHAPE};
    l.check_equal("i0.shape", &shape_str(&I0_SHAPE), &shape_str(big.i0.shape()));
    l.check_equal("i1.shape", &shape_str(&I1_SHAPE), &shape_str(big.i1.shape()));
    l.check_equal("i.shape", &shape_str(&I_SHAPE), &shape_str(big.i.shape()));
    l.check_equal("j.shape", &shape_str(&I_SHAPE), &shape_str(big.j.shape()));
    l.check_equal("k.shape", &shape_str(&K_SHAPE), &shape_str(big.k.shape()));
    let published_i0 = Array1::from(I0.to_vec());
    l.check_equal("i0", array2string(&published_i0.view(), 0), array2string(&big.i0.view(), 0));

    l.stage("image_to_column on consecutive numbers");
    l.say("Two images of 2 channels, 3×3, numbered 0 to 35; 2×2 windows, no padding, stride 1.\n");
    let x = Array::from_shape_fn((2, 2, 3, 3), |(b, c, i, j)| (((b * 2 + c) * 3 + i) * 3 + j) as f64);
    for b in 0..2 {
        for c in 0..2 {
            l.show(&format!("x[{b},{c}] ="), &x.slice(s![b, c, .., ..]));
        }
    }
    let none = determine_padding((2, 2), PaddingMode::Valid);
    let cols = bugs::image_to_column(l.bug(), &x.view(), (2, 2), 1, none)?;
    l.say(
        "\nRows: (channel, kernel row, kernel column). Columns: (output row, output column, image), \
         so columns 0 and 1 are the top-left window of image 0 and of image 1.\n",
    );
    l.show("cols =", &cols.view());
    l.save("cols", &cols.view())?;
    let p = Im2colParams::new(x.shape(), (2, 2), none, 1)?;
    let by_windows = Array2::from_shape_fn((p.rows(), p.cols()), |(r, q)| {
        let (window, b) = (q / p.batch, q % p.batch);
        let (oh, ow) = (window / p.out_w(), window % p.out_w());
        x[[b, r / 4, oh + (r / 2) % 2, ow + r % 2]]
    });
    l.check_arrays("every column is its window", &by_windows.view(), &cols.view(), 0.0);
    let literal = image_to_column_by_indices(&x.view(), (2, 2), 1, none)?;
    l.check_arrays("image_to_column = images_padded[:, k, i, j]", &literal.view(), &cols.view(), 0.0);

    l.stage("column_to_image: back onto the image");
    l.say(
        "column_to_image adds every column back onto the window it came from; where windows \
         overlap the values add up. On columns of ones it counts how many windows cover each pixel:\n",
    );
    let shape = [1, 2, 4, 4];
    let p = Im2colParams::new(&shape, (3, 3), padding, 1)?;
    let ones = Array2::ones((p.rows(), p.cols()));
    let count = column_to_image(&ones.view(), &shape, (3, 3), 1, padding)?;
    l.block(&grid(&count.slice(s![0, 0, .., ..]), 0, |_, _| true));
    l.say(&format!(
        "\n(4×4 image, 3×3 windows, 'same' padding: a corner is in {} windows, the middle in {}.)",
        count[[0, 0, 0, 0]],
        count[[0, 0, 1, 1]]
    ));
    let per_row = windows_per_row(4, 3, 1, 1);
    let expected = Array2::from_shape_fn((4, 4), |(i, j)| (per_row[i] * per_row[j]) as f64);
    l.check_arrays(
        "count = windows per row × windows per column",
        &expected.view(),
        &count.slice(s![0, 0, .., ..]),
        0.0,
    );

    l.say(
        "\ncolumn_to_image is the adjoint (transpose) of image_to_column: for any x and y,\n\
         \x20 ⟨image_to_column(x), y⟩ = ⟨x, column_to_image(y)⟩\n\
         That is why it is the backward pass.",
    );
    check_adjoint_identity(l)?;
    Ok(())
}
