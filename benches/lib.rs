//! The benchmarks of cnn-walkthrough live in `benches/` of this package, a
//! workspace member of its own: criterion and its ~40 crates are then built
//! only by `cargo bench -p cnn-walkthrough-benches`, never by the course's
//! `cargo run` or `cargo test`.
