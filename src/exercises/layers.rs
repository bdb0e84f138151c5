//! Graders of exercises 15–18: batch normalization, softmax with cross entropy, Adam: each checks
//! the student's function against the published numbers first, then
//! against the textbook on hidden random cases.
