//! Mapping core errors onto Ruby exceptions.

use magnus::{error::ErrorType, value::ReprValue, Class, Error, Ruby, Value};
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

/// The exception object `err` stands for, as raising it would make it: an
/// error built in Rust (a class and a message) is instantiated, a Ruby
/// exception is itself. For `[:serialization, exception]` pairs, whose
/// readers call `to_s` on it or raise it. A `throw`/`break` is not an
/// exception and goes on unwinding (`Err`).
pub fn exception_object(ruby: &Ruby, err: Error) -> Result<Value, Error> {
    match err.error_type() {
        ErrorType::Error(class, message) => Ok(class.new_instance((ruby.str_new(message),))?.as_value()),
        ErrorType::Exception(exception) => Ok(exception.as_value()),
        ErrorType::Jump(_) => Err(err),
    }
}
