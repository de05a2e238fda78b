//! The one error type of the core. Messages never contain secret material:
//! they name the problem, not the data.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A caller-supplied argument is out of range or malformed (Ruby: ArgumentError).
    Argument(String),
    /// The operating system's random generator failed.
    Random(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Argument(msg) => f.write_str(msg),
            Error::Random(msg) => write!(f, "random generator failure: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

pub(crate) fn argument(msg: impl Into<String>) -> Error {
    Error::Argument(msg.into())
}
