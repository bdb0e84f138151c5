//! The course's plumbing: the lesson runner ([`lesson`]), the one list of
//! lessons ([`registry`]), flags ([`cli`]), checks and their tolerances
//! ([`check`], [`gradcheck`]), printing as numpy prints ([`numpy_fmt`],
//! [`show`], [`heatmap`], [`plot`], [`progress`]), files ([`npy`],
//! [`data`], [`files`]), second computations of the optimizers ([`optimizer_checks`]), the memory budget ([`budget`]), output that
//! cannot fail ([`output`]) and fits the screen ([`screen`]; `--step` pages it, [`pager`]), numpy's random numbers ([`random`]), timing
//! ([`bench`](mod@bench)), mistakes made on purpose ([`bugs`]), the sources' layouts and names ([`names`]), your own tensors ([`your_tensors`]) and the
//! walkthroughs a lesson runs besides its article ([`walkthrough`]).

pub mod bench;
pub mod budget;
pub mod bugs;
pub mod check;
pub mod cli;
pub mod data;
pub mod errata;
pub mod files;
pub mod gradcheck;
pub mod heatmap;
pub mod lesson;
pub mod names;
pub mod npy;
pub mod numpy_fmt;
pub mod optimizer_checks;
pub mod output;
pub mod pager;
pub mod plot;
pub mod progress;
pub mod random;
pub mod registry;
pub mod screen;
pub mod second_way;
pub mod show;
pub mod tensor;
pub mod walkthrough;
pub mod windows;
pub mod your_tensors;
