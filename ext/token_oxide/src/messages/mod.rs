//! MessageVerifier / MessageEncryptor support: ActiveSupport-compatible JSON
//! straight from and to Ruby objects, the metadata envelope, and the native
//! `TokenOxide::MessageVerifier` methods on the hot path.

pub mod clock;
pub mod encryptor;
pub mod json;
pub mod key_cache;
pub mod metadata;
pub mod settings;
pub mod verifier;

use magnus::{prelude::*, Error, RModule, Ruby};

pub fn define(ruby: &Ruby, module: RModule, native: RModule) -> Result<(), Error> {
    clock::define(ruby)?;
    key_cache::define();
    native.define_singleton_method(
        "builtin_time_now?",
        magnus::function!(clock::builtin_time_now, 0),
    )?;
    json::define(ruby, native)?;
    settings::define(ruby, native)?;
    metadata::define(ruby, native)?;
    encryptor::define(ruby, native)?;
    verifier::define(ruby, module)?;
    Ok(())
}
