//! Stable-Rust fuzzing of the core (see harness.rs for the budget knobs).
//!
//! One test binary, one `#[test]` per target, so `cargo test` runs a quick
//! pass in CI and `rake fuzz` runs every target against the clock. To add a
//! target: write `tests/fuzz/<area>.rs` with `#[test] fn fuzz_<name>()`
//! calling `harness::fuzz`, and add `mod <area>;` below.
//!
//! messages.rs and ruby_oracle_messages.rs fuzz `token_oxide_core::messages`
//! (JSON reader, signed tokens, `exp` times, Float#to_s).

mod harness;
mod ruby_base64_model;

mod alphabet;
mod base64;
mod cipher;
mod compare;
mod digest;
mod hex;
mod kdf;
mod messages;
mod ruby_oracle;
mod ruby_oracle_messages;
mod token_storage;
