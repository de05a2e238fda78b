//! Mapping core errors onto Ruby exceptions.

use magnus::{Error, Ruby};
use token_oxide_core::Error as CoreError;

/// `ArgumentError` for bad argument values, `RuntimeError` for a failing OS RNG.
pub fn to_ruby(ruby: &Ruby, err: CoreError) -> Error {
    match err {
        CoreError::Argument(msg) => Error::new(ruby.exception_arg_error(), msg),
        CoreError::Random(_) => Error::new(ruby.exception_runtime_error(), err.to_string()),
    }
}

pub fn argument(ruby: &Ruby, msg: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ruby.exception_arg_error(), msg)
}
