//! The published numbers the lessons and tests check against, one module
//! per source, each number next to the snippet and set-up that produced it.
//! They appear only on the expected side of a check.

pub mod worked_example;
