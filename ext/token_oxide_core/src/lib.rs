//! Pure-Rust core of token_oxide.
//!
//! Nothing here knows about Ruby: every function takes and returns plain Rust
//! data, so the crate can be unit-tested, fuzzed and benchmarked on its own.
//! The `token_oxide` crate next to it is the thin magnus binding.

pub mod alphabet;
pub mod base64;
pub mod cipher;
pub mod compare;
pub mod digest;
pub mod error;
pub mod hex;
pub mod messages;
pub mod kdf;
pub mod random;
pub mod token_storage;

pub use error::{Error, Result};
