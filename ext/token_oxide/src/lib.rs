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
    // Methods defined below may run in any Ractor: they keep no Ruby objects
    // in Rust globals and their Rust state is thread-local or atomic
    // (spec/hardening/ractor_spec.rb calls each of them inside Ractors).
    // SAFETY: a flag read by rb_define_method while this extension loads.
    unsafe { rb_sys::rb_ext_ractor_safe(true) };
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
