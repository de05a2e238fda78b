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

use magnus::{Error, RModule, Ruby};

pub fn define(ruby: &Ruby, module: RModule, native: RModule) -> Result<(), Error> {
    clock::define(native)?;
    key_cache::define();
    json::define(ruby, native)?;
    settings::define(ruby, native)?;
    metadata::define(ruby, native)?;
    encryptor::define(ruby, native)?;
    verifier::define(ruby, module)?;
    Ok(())
}
