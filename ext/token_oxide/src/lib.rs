//! magnus binding of `token_oxide_core`: argument conversion, error mapping
//! and Ruby object construction only. All token logic lives in the core crate.

mod cipher;
mod compare;
mod digest;
mod errors;
mod messages;
mod key_generator;
mod nogvl;
mod random;
mod token_storage;

use magnus::{prelude::*, Error, Ruby};

#[magnus::init]
fn init(ruby: &Ruby) -> Result<(), Error> {
    let module = ruby.define_module("TokenOxide")?;
    let native = module.define_module("Native")?;
    random::define(ruby, module, native)?;
    compare::define(ruby, module)?;
    digest::define(ruby, module)?;
    messages::define(ruby, module, native)?;
    key_generator::define(ruby, native)?;
    cipher::define(ruby, native)?;
    token_storage::define(ruby, native)?;
    Ok(())
}
