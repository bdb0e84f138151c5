//! One error type for everything a user can get wrong: shapes, hyperparameters,
//! `.npy` files and command-line flags.

use std::fmt;

use crate::course::npy::NpyError;

/// What went wrong, in words a student can act on: every message says what was
/// found and what was expected.
#[derive(Debug)]
pub enum Error {
    /// A tensor has the wrong rank or shape, e.g. `A_prev` is `(4, 4, 3)`
    /// where `(m, n_H_prev, n_W_prev, n_C_prev)` was expected.
    Shape {
        /// The tensor, named as in the article (`A_prev`, `W`, `b`, `dZ`).
        what: String,
        /// What its shape should look like.
        expected: String,
        /// The shape it has.
        found: Vec<usize>,
    },
    /// A hyperparameter is out of range (stride 0, a window larger than the
    /// padded input, ...).
    Parameter {
        /// The hyperparameter (`stride`, `f`, `pad`).
        name: String,
        /// What was wrong with it.
        problem: String,
    },
    /// A `.npy` file could not be read or written.
    Npy(NpyError),
    /// A command-line flag is unknown, missing its value, or has a bad value.
    Usage(String),
    /// Training diverged: a loss became NaN or infinite.
    Diverged {
        /// The epoch (from 1).
        epoch: usize,
        /// The batch of that epoch (from 1); `None` for the held-out loss
        /// at the epoch's end.
        batch: Option<usize>,
        /// The loss that was not finite.
        loss: f64,
    },
    /// `--save` refused to write, or a write failed (see [`crate::course::files`]).
    Save(crate::course::files::SaveError),
    /// A run would hold more tensors than the memory budget allows
    /// (see [`crate::course::budget`]).
    OverBudget(crate::course::budget::OverBudget),
    /// Writing output (a directory for `--save`) failed.
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A shape error: `what` should have shape `expected`, but has `found`.
    pub fn shape(what: impl Into<String>, expected: impl Into<String>, found: &[usize]) -> Self {
        Error::Shape { what: what.into(), expected: expected.into(), found: found.to_vec() }
    }

    /// A hyperparameter error.
    pub fn parameter(name: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Parameter { name: name.into(), problem: problem.into() }
    }
}

/// `(4, 3, 3, 2)`, as Python prints a shape.
pub(crate) fn tuple(shape: &[usize]) -> String {
    crate::course::numpy_fmt::shape_str(shape)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape { what, expected, found } => {
                write!(f, "{what} has shape {}; expected {expected}", tuple(found))
            }
            Error::Parameter { name, problem } => write!(f, "{name} {problem}"),
            Error::Npy(e) => write!(f, "{e}"),
            Error::Usage(msg) => write!(f, "{msg}"),
            Error::Save(e) => write!(f, "{e}"),
            Error::OverBudget(e) => write!(f, "{e}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Diverged { epoch, batch: Some(batch), loss } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the loss is {loss}; try a smaller learning rate"
            ),
            Error::Diverged { epoch, batch: None, loss } => write!(
                f,
                "training diverged in epoch {epoch}: the held-out loss is {loss}; try a smaller learning rate"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Npy(e) => Some(e),
            Error::Save(e) => Some(e),
            Error::OverBudget(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<NpyError> for Error {
    fn from(e: NpyError) -> Self {
        Error::Npy(e)
    }
}

impl From<crate::course::random::RandomError> for Error {
    fn from(e: crate::course::random::RandomError) -> Self {
        Error::parameter("randint", e.to_string())
    }
}
