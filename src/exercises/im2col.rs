//! Graders of exercises 9–14: im2col, Conv2D and max pooling by matrix products: each checks
//! the student's function against the published numbers first, then
//! against the textbook on hidden random cases.
