//! TokenOxide::Native::TokenCipher: the encrypted and digested storage
//! formats of GitLab-style token columns (see the core's token_storage.rs).
//! Keys live in Rust memory only, wiped on collection, never inspected.

use magnus::{function, method, prelude::*, Error, RArray, RModule, RString, Ruby};
use token_oxide_core::token_storage::{self, TokenCipher as CoreCipher};

use crate::errors::to_ruby;

#[magnus::wrap(class = "TokenOxide::Native::TokenCipher", free_immediately, size)]
struct TokenCipher(CoreCipher);

/// A Ruby String holding `bytes`: UTF-8 when valid (tokens are text), binary otherwise.
fn text_or_binary(ruby: &Ruby, bytes: &[u8]) -> RString {
    match std::str::from_utf8(bytes) {
        Ok(text) => ruby.str_new(text),
        Err(_) => ruby.str_from_slice(bytes),
    }
}

impl TokenCipher {
    fn new(
        ruby: &Ruby,
        encryption_key: RString,
        nonce_key: RString,
        gitlab_key_base: RString,
        utf8: bool,
    ) -> Result<Self, Error> {
        // SAFETY: read-only borrows; the core copies the keys and no Ruby code
        // runs while they are borrowed.
        let inner = unsafe {
            CoreCipher::new(
                encryption_key.as_slice(),
                nonce_key.as_slice(),
                gitlab_key_base.as_slice(),
                utf8,
            )
        }
        .map_err(|e| to_ruby(ruby, e))?;
        Ok(TokenCipher(inner))
    }

    fn encrypt(ruby: &Ruby, rb_self: &Self, token: RString) -> Result<RString, Error> {
        // SAFETY: as above.
        let value = unsafe { rb_self.0.encrypt(token.as_slice()) }.map_err(|e| to_ruby(ruby, e))?;
        Ok(ruby.str_new(&value))
    }

    fn encrypt_gitlab(ruby: &Ruby, rb_self: &Self, token: RString) -> Result<RString, Error> {
        // SAFETY: as above.
        let value =
            unsafe { rb_self.0.encrypt_gitlab(token.as_slice()) }.map_err(|e| to_ruby(ruby, e))?;
        Ok(ruby.str_new(&value))
    }

    fn encrypt_gitlab_static(
        ruby: &Ruby,
        rb_self: &Self,
        token: RString,
    ) -> Result<RString, Error> {
        // SAFETY: as above.
        let value = unsafe { rb_self.0.encrypt_gitlab_static(token.as_slice()) }
            .map_err(|e| to_ruby(ruby, e))?;
        Ok(ruby.str_new(&value))
    }

    /// `lookup_values(token, legacy_static_iv)`: see the core for why the
    /// static-IV form is opt-in.
    fn lookup_values(
        ruby: &Ruby,
        rb_self: &Self,
        token: RString,
        legacy_static_iv: bool,
    ) -> Result<RArray, Error> {
        // SAFETY: as above.
        let values = unsafe { rb_self.0.lookup_values(token.as_slice(), legacy_static_iv) }
            .map_err(|e| to_ruby(ruby, e))?;
        Ok(ruby.ary_from_iter(values.iter().map(|v| ruby.str_new(v))))
    }

    fn decrypt(ruby: &Ruby, rb_self: &Self, stored: RString) -> Result<Option<RString>, Error> {
        // SAFETY: as above.
        let token =
            unsafe { rb_self.0.decrypt(stored.as_slice()) }.map_err(|e| to_ruby(ruby, e))?;
        Ok(token.map(|t| text_or_binary(ruby, &t)))
    }

    fn format_of(ruby: &Ruby, stored: RString) -> magnus::Symbol {
        // SAFETY: as above.
        let format = token_storage::StoredFormat::of(unsafe { stored.as_slice() });
        ruby.to_symbol(match format {
            token_storage::StoredFormat::Tox1 => "tox1",
            token_storage::StoredFormat::GitlabDynamicNonce => "gitlab_dynamic_nonce",
            token_storage::StoredFormat::GitlabStaticIv => "gitlab_static_iv",
        })
    }

    fn inspect(&self) -> &'static str {
        "#<TokenOxide::Native::TokenCipher [FILTERED]>"
    }
}

/// GitLab's token digest: `Digest::SHA256.base64digest("#{token}#{salt}")`.
fn salted_sha256_base64(ruby: &Ruby, token: RString, salt: RString) -> RString {
    // SAFETY: read-only borrows, no Ruby code runs meanwhile.
    let digest = unsafe { token_storage::salted_sha256_base64(token.as_slice(), salt.as_slice()) };
    ruby.str_new(&digest)
}

/// GitLab's `ensure_utf8_size(str, bytes:)` (utf8: false treats bytes as characters).
fn fit_key(ruby: &Ruby, source: RString, size: usize, utf8: bool) -> Result<RString, Error> {
    // Key and IV sizes are tiny; refuse rather than allocate absurd buffers.
    if size > 4096 {
        return Err(crate::errors::argument(
            ruby,
            "size must be at most 4096 bytes",
        ));
    }
    // SAFETY: as above.
    let fitted = unsafe { token_storage::fit_key(source.as_slice(), size, utf8) }
        .map_err(|e| to_ruby(ruby, e))?;
    Ok(ruby.str_from_slice(&fitted))
}

pub fn define(ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let class = native.define_class("TokenCipher", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_singleton_method("new", function!(TokenCipher::new, 4))?;
    class.define_singleton_method("format_of", function!(TokenCipher::format_of, 1))?;
    class.define_method("encrypt", method!(TokenCipher::encrypt, 1))?;
    class.define_method("encrypt_gitlab", method!(TokenCipher::encrypt_gitlab, 1))?;
    class.define_method(
        "encrypt_gitlab_static",
        method!(TokenCipher::encrypt_gitlab_static, 1),
    )?;
    class.define_method("lookup_values", method!(TokenCipher::lookup_values, 2))?;
    class.define_method("decrypt", method!(TokenCipher::decrypt, 1))?;
    class.define_method("inspect", method!(TokenCipher::inspect, 0))?;
    class.define_method("to_s", method!(TokenCipher::inspect, 0))?;
    native.define_singleton_method("salted_sha256_base64", function!(salted_sha256_base64, 2))?;
    native.define_singleton_method("gitlab_fit_key", function!(fit_key, 3))?;
    Ok(())
}
