//! TokenOxide::Native random token functions.

use magnus::{function, prelude::*, Error, RModule, RString, Ruby, Value};
use token_oxide_core::alphabet::{self, Alphabet, ByteAlphabet};

use crate::errors::{argument, to_ruby};

fn length_arg(ruby: &Ruby, length: i64) -> Result<usize, Error> {
    usize::try_from(length).map_err(|_| argument(ruby, "length must not be negative"))
}

/// The optional length argument of `base58(length = 24)`-style methods.
fn optional_length(ruby: &Ruby, args: &[Value], default: usize) -> Result<usize, Error> {
    match args {
        [] => Ok(default),
        [length] => length_arg(ruby, i64::try_convert(*length)?),
        _ => Err(argument(ruby, format!("wrong number of arguments (given {}, expected 0..1)", args.len()))),
    }
}

/// Tokens up to this many symbols are built on the stack (no Rust heap
/// allocation); the Ruby String is then created once from the bytes.
const STACK_TOKEN: usize = 128;

/// A UTF-8 Ruby String of `length` symbols from a prepared ASCII alphabet.
fn symbol_string(ruby: &Ruby, symbols: &ByteAlphabet, length: usize) -> Result<RString, Error> {
    alphabet::check_length(length).map_err(|e| to_ruby(ruby, e))?;
    let mut stack = [0u8; STACK_TOKEN];
    let mut heap = Vec::new();
    let out = if length <= STACK_TOKEN {
        &mut stack[..length]
    } else {
        heap.resize(length, 0);
        &mut heap[..]
    };
    symbols.fill(out).map_err(|e| to_ruby(ruby, e))?;
    // The symbols are ASCII, so this is valid UTF-8 (SecureRandom.base58's
    // result is a UTF-8 String too); the check is a few nanoseconds.
    let text = std::str::from_utf8(out).map_err(|_| argument(ruby, "alphabet is not ASCII"))?;
    Ok(ruby.str_new(text))
}

fn base58(ruby: &Ruby, args: &[Value]) -> Result<RString, Error> {
    symbol_string(ruby, &alphabet::BASE58_SYMBOLS, optional_length(ruby, args, 24)?)
}

fn friendly_token(ruby: &Ruby, args: &[Value]) -> Result<RString, Error> {
    let requested = optional_length(ruby, args, 20)?;
    alphabet::check_length(requested).map_err(|e| to_ruby(ruby, e))?;
    symbol_string(ruby, &alphabet::FRIENDLY_SYMBOLS, alphabet::friendly_token_length(requested))
}

fn random_token(ruby: &Ruby, length: i64, chars: RString) -> Result<RString, Error> {
    let length = length_arg(ruby, length)?;
    // Copy out: `to_string` validates UTF-8 and ends the borrow of Ruby memory.
    let chars = chars.to_string()?;
    let alphabet = Alphabet::new(&chars).map_err(|e| to_ruby(ruby, e))?;
    let token = alphabet.random_string(length).map_err(|e| to_ruby(ruby, e))?;
    Ok(ruby.str_new(&token))
}

fn random_bytes(ruby: &Ruby, length: i64) -> Result<RString, Error> {
    let length = length_arg(ruby, length)?;
    if length > alphabet::MAX_LENGTH {
        return Err(argument(ruby, "length is too large"));
    }
    let mut buf = vec![0u8; length];
    token_oxide_core::random::fill(&mut buf).map_err(|e| to_ruby(ruby, e))?;
    Ok(ruby.str_from_slice(&buf))
}

pub fn define(_ruby: &Ruby, module: RModule, native: RModule) -> Result<(), Error> {
    module.define_singleton_method("base58", function!(base58, -1))?;
    module.define_singleton_method("friendly_token", function!(friendly_token, -1))?;
    native.define_singleton_method("random_token", function!(random_token, 2))?;
    module.define_singleton_method("random_bytes", function!(random_bytes, 1))?;
    Ok(())
}
