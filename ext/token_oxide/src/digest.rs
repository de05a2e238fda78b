//! TokenOxide::Native digests and HMACs.

use std::sync::atomic::{AtomicUsize, Ordering};

use magnus::{function, prelude::*, Error, RModule, RString, Ruby, Symbol, Value};
use token_oxide_core::digest::{Algorithm, Hasher, Output};
use token_oxide_core::{base64, hex};
use zeroize::Zeroizing;

use crate::errors::to_ruby;
use crate::nogvl::without_gvl_interruptible;

/// Inputs at least this long are hashed with the GVL released, so other Ruby
/// threads run meanwhile. Releasing costs a copy of the input (another thread
/// may change the String) and a GVL hand-off, which only pays off for large
/// inputs: `rake bench:gvl` measures the crossover on this machine.
static GVL_RELEASE_MIN_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_GVL_RELEASE_MIN_BYTES);
const DEFAULT_GVL_RELEASE_MIN_BYTES: usize = 64 * 1024;

fn releases_gvl(len: usize) -> bool {
    len >= GVL_RELEASE_MIN_BYTES.load(Ordering::Relaxed)
}

/// The digest of a Ruby String's bytes.
fn digest_of(ruby: &Ruby, algorithm: Algorithm, data: RString) -> Result<Output, Error> {
    if !releases_gvl(data.len()) {
        // SAFETY: read-only borrow; no Ruby code runs while it is alive.
        return Ok(algorithm.digest(unsafe { data.as_slice() }));
    }
    // SAFETY: copied out before the GVL is released.
    let owned = unsafe { data.as_slice() }.to_vec();
    hash_interruptible(ruby, Hasher::digest(algorithm), &owned)
}

/// Hashes a large input without the GVL, a chunk at a time, so Timeout and
/// signals interrupt it (their exception is raised from here).
fn hash_interruptible(ruby: &Ruby, hasher: Hasher, data: &[u8]) -> Result<Output, Error> {
    let mut hasher = Some(hasher);
    let mut done = 0;
    without_gvl_interruptible(ruby, |cancel| {
        let finished = hasher.as_mut()?.update_cancellable(data, &mut done, cancel);
        finished.then(|| hasher.take()).flatten().map(Hasher::finalize)
    })
}

/// The HMAC of a Ruby String's bytes under `key`.
fn hmac_of(ruby: &Ruby, algorithm: Algorithm, key: RString, data: RString) -> Result<Output, Error> {
    if !releases_gvl(data.len()) {
        // SAFETY: read-only borrows; no Ruby code runs while they are alive.
        return Ok(unsafe { algorithm.hmac(key.as_slice(), data.as_slice()) });
    }
    // SAFETY: both copied out before the GVL is released; the key copy is wiped.
    let key = Zeroizing::new(unsafe { key.as_slice() }.to_vec());
    let owned = unsafe { data.as_slice() }.to_vec();
    hash_interruptible(ruby, Hasher::hmac(algorithm, &key), &owned)
}

/// `TokenOxide::Native.gvl_release_threshold`: for tuning and `rake bench:gvl`.
fn gvl_release_threshold() -> usize {
    GVL_RELEASE_MIN_BYTES.load(Ordering::Relaxed)
}

fn set_gvl_release_threshold(bytes: usize) -> usize {
    GVL_RELEASE_MIN_BYTES.store(bytes, Ordering::Relaxed);
    bytes
}

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
    let out = digest_of(ruby, algorithm, data)?;
    Ok(hex_string(ruby, out.as_bytes()))
}

fn base64digest(ruby: &Ruby, algorithm: Value, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    let out = digest_of(ruby, algorithm, data)?;
    let mut text = Vec::with_capacity(base64::encoded_len(out.as_bytes().len()));
    base64::strict_encode_into(out.as_bytes(), &mut text);
    Ok(ascii(ruby, &text))
}

fn hmac_hexdigest(ruby: &Ruby, algorithm: Value, key: RString, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    let out = hmac_of(ruby, algorithm, key, data)?;
    Ok(hex_string(ruby, out.as_bytes()))
}

fn hmac_digest(ruby: &Ruby, algorithm: Value, key: RString, data: RString) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, algorithm)?;
    let out = hmac_of(ruby, algorithm, key, data)?;
    Ok(ruby.str_from_slice(out.as_bytes()))
}

fn sha256_hexdigest(ruby: &Ruby, data: RString) -> Result<RString, Error> {
    let out = digest_of(ruby, Algorithm::Sha256, data)?;
    Ok(hex_string(ruby, out.as_bytes()))
}

fn sha256_base64digest(ruby: &Ruby, data: RString) -> Result<RString, Error> {
    let out = digest_of(ruby, Algorithm::Sha256, data)?;
    let mut text = Vec::with_capacity(44);
    base64::strict_encode_into(out.as_bytes(), &mut text);
    Ok(ascii(ruby, &text))
}

fn hmac_sha256_hexdigest(ruby: &Ruby, key: RString, data: RString) -> Result<RString, Error> {
    let out = hmac_of(ruby, Algorithm::Sha256, key, data)?;
    Ok(hex_string(ruby, out.as_bytes()))
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
    let native: RModule = module.const_get("Native")?;
    native.define_singleton_method("gvl_release_threshold", function!(gvl_release_threshold, 0))?;
    native.define_singleton_method("gvl_release_threshold=", function!(set_gvl_release_threshold, 1))?;
    Ok(())
}
