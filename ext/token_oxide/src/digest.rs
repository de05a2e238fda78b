//! TokenOxide::Native digests and HMACs.

use magnus::{function, prelude::*, Error, RModule, RString, Ruby, Symbol, Value};
use token_oxide_core::digest::Algorithm;
use token_oxide_core::{base64, hex};

use crate::errors::to_ruby;

/// Accepts "SHA256", "sha256", :sha256, :SHA256, "SHA-256".
pub fn algorithm_arg(ruby: &Ruby, name: Value) -> Result<Algorithm, Error> {
    let text = if let Some(sym) = Symbol::from_value(name) {
        sym.name()?.into_owned()
    } else if let Some(s) = RString::from_value(name) {
        s.to_string()?
    } else {
        return Err(Error::new(
            ruby.exception_type_error(),
            format!("digest algorithm must be a String or Symbol, not {}", unsafe { name.classname() }),
        ));
    };
    Algorithm::from_name(&text).map_err(|e| to_ruby(ruby, e))
}

fn ascii(ruby: &Ruby, bytes: &[u8]) -> RString {
    ruby.str_from_slice(bytes)
}

/// The hex of a digest as a Ruby String, built from a stack buffer (the
/// largest digest, SHA-512, is 64 bytes = 128 hex digits).
fn hex_string(ruby: &Ruby, digest: &[u8]) -> RString {
    let mut buf = [0u8; 128];
    match hex::encode_to_slice(digest, &mut buf) {
        Some(text) => ascii(ruby, text),
        None => ascii(ruby, hex::encode(digest).as_bytes()),
    }
}

fn hexdigest(ruby: &Ruby, algorithm: Value, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    // SAFETY: read-only borrow; no Ruby code runs while it is alive.
    let out = algorithm.digest(unsafe { data.as_slice() });
    Ok(hex_string(ruby, out.as_bytes()))
}

fn base64digest(ruby: &Ruby, algorithm: Value, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    // SAFETY: as above.
    let out = algorithm.digest(unsafe { data.as_slice() });
    let mut text = Vec::with_capacity(base64::encoded_len(out.as_bytes().len()));
    base64::strict_encode_into(out.as_bytes(), &mut text);
    Ok(ascii(ruby, &text))
}

fn hmac_hexdigest(ruby: &Ruby, algorithm: Value, key: RString, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    // SAFETY: as above.
    let out = unsafe { algorithm.hmac(key.as_slice(), data.as_slice()) };
    Ok(hex_string(ruby, out.as_bytes()))
}

fn hmac_digest(ruby: &Ruby, algorithm: Value, key: RString, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    // SAFETY: as above.
    let out = unsafe { algorithm.hmac(key.as_slice(), data.as_slice()) };
    Ok(ruby.str_from_slice(out.as_bytes()))
}

fn sha256_hexdigest(ruby: &Ruby, data: RString) -> RString {
    // SAFETY: read-only borrow; no Ruby code runs while it is alive.
    let out = Algorithm::Sha256.digest(unsafe { data.as_slice() });
    hex_string(ruby, out.as_bytes())
}

fn sha256_base64digest(ruby: &Ruby, data: RString) -> RString {
    // SAFETY: as above.
    let out = Algorithm::Sha256.digest(unsafe { data.as_slice() });
    let mut text = Vec::with_capacity(44);
    base64::strict_encode_into(out.as_bytes(), &mut text);
    ascii(ruby, &text)
}

fn hmac_sha256_hexdigest(ruby: &Ruby, key: RString, data: RString) -> RString {
    // SAFETY: as above.
    let out = unsafe { Algorithm::Sha256.hmac(key.as_slice(), data.as_slice()) };
    hex_string(ruby, out.as_bytes())
}

pub fn define(ruby: &Ruby, module: RModule) -> Result<(), Error> {
    let digest = module.define_module("Digest")?;
    let _ = ruby;
    digest.define_singleton_method("hexdigest", function!(hexdigest, 2))?;
    digest.define_singleton_method("base64digest", function!(base64digest, 2))?;
    digest.define_singleton_method("hmac_hexdigest", function!(hmac_hexdigest, 3))?;
    digest.define_singleton_method("hmac_digest", function!(hmac_digest, 3))?;
    digest.define_singleton_method("sha256_hexdigest", function!(sha256_hexdigest, 1))?;
    digest.define_singleton_method("sha256_base64digest", function!(sha256_base64digest, 1))?;
    digest.define_singleton_method("hmac_sha256_hexdigest", function!(hmac_sha256_hexdigest, 2))?;
    Ok(())
}
