//! MessageEncryptor's AES-256-GCM messages for the native serializers, done in
//! one native call each way: `b64(ciphertext)--b64(iv)--b64(tag)` with a
//! fresh random 12-byte IV and empty associated data, as Rails writes them.
//! Anything unusual (non-ASCII text, odd lengths Ruby's string slicing would
//! treat specially, a wrong-size IV) is left to the Ruby implementation.

use std::cell::Cell;

use magnus::{
    function, prelude::*, value::ReprValue, Error, RArray, RModule, RString, Ruby, Symbol, Value,
};
use token_oxide_core::cipher::{self, AES256_KEY_LEN, GCM_IV_LEN, GCM_TAG_LEN};
use token_oxide_core::messages::codec;
use token_oxide_core::random;
use zeroize::{Zeroize, Zeroizing};

use super::metadata::{self, Outcome, Payload, Read};
use crate::errors::{exception_object, to_ruby};

const SEPARATOR: &[u8] = b"--";

/// The encryptor's own error for a key of the wrong size (the Ruby path's
/// `check_key!` says the same).
fn check_key_len(ruby: &Ruby, len: usize) -> Result<(), Error> {
    if len == AES256_KEY_LEN {
        Ok(())
    } else {
        Err(Error::new(ruby.exception_arg_error(), "key must be 32 bytes"))
    }
}

/// `encrypt_and_sign` for a GCM encryptor with a native serializer (`kind`;
/// a passthrough value must be a String).
#[allow(clippy::too_many_arguments)]
fn encrypt_gcm(
    ruby: &Ruby,
    key: RString,
    value: Value,
    kind: Symbol,
    purpose: Option<Value>,
    expires_at: Option<Value>,
    expires_in: Option<Value>,
    force_legacy: bool,
    url_safe: bool,
) -> Result<RString, Error> {
    let kind = Payload::from_symbol(ruby, kind)?;
    check_key_len(ruby, key.len())?;
    // Taken, not borrowed: `as_json` may encrypt another message meanwhile.
    let mut payload = PLAINTEXT.take();
    payload.clear();
    let sealed = (|| {
        metadata::serialize_with_metadata(
            ruby, value, kind, purpose, expires_at, expires_in, force_legacy, &mut payload,
        )?;
        let mut iv = [0u8; GCM_IV_LEN];
        random::fill(&mut iv).map_err(|e| to_ruby(ruby, e))?;
        // SAFETY: the key's bytes are read here, after the serializer's Ruby
        // calls and before any other (the core checks the length again).
        let tag = cipher::aes256_gcm_encrypt_in_place(unsafe { key.as_slice() }, &iv, b"", &mut payload)
            .map_err(|e| to_ruby(ruby, e))?;
        let mut out = Vec::with_capacity(encoded_len(payload.len(), url_safe) + 50);
        codec::encode_into(&payload, url_safe, &mut out);
        out.extend_from_slice(SEPARATOR);
        codec::encode_into(&iv, url_safe, &mut out);
        out.extend_from_slice(SEPARATOR);
        codec::encode_into(&tag, url_safe, &mut out);
        Ok(ruby.enc_str_new(&out, ruby.usascii_encoding()))
    })();
    // The plaintext never stays behind (an error may leave it unencrypted).
    payload.zeroize();
    if payload.capacity() <= SCRATCH_KEEP {
        PLAINTEXT.set(payload);
    }
    sealed
}

/// Length of the base64 of `n` bytes (unpadded when URL-safe).
fn encoded_len(n: usize, url_safe: bool) -> usize {
    if url_safe {
        (4 * n).div_ceil(3)
    } else {
        n.div_ceil(3) * 4
    }
}

/// What reading a GCM message natively came to.
enum Decrypted {
    /// The Ruby implementation must handle this message.
    Unhandled,
    /// Decrypted, but the Ruby serializer path must read the plaintext.
    Plaintext(Zeroizing<Vec<u8>>),
    Done(Outcome),
}

thread_local! {
    /// Ciphertext buffer decrypted in place and reused across messages
    /// (taken while in use, so a nested read from Ruby code gets its own;
    /// zeroized before it is put back).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// The serialized payload encrypted in place, reused the same way.
    static PLAINTEXT: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Larger buffers are dropped rather than kept for the next message.
const SCRATCH_KEEP: usize = 64 * 1024;

/// Decodes `encoded` into `out` when it is exactly `N` bytes of base64:
/// `None` for invalid base64, `Some(false)` for another length.
fn decode_fixed<const N: usize>(
    encoded: &[u8],
    url_safe: bool,
    scratch: &mut Vec<u8>,
    out: &mut [u8; N],
) -> Option<bool> {
    if !codec::decode_into(encoded, url_safe, scratch) {
        return None;
    }
    let fits = scratch.len() == N;
    if fits {
        out.copy_from_slice(scratch);
    }
    Some(fits)
}

fn read_gcm(
    ruby: &Ruby,
    key: RString,
    message: Value,
    url_safe: bool,
    purpose: Option<Value>,
    kind: Payload,
) -> Result<Decrypted, Error> {
    let mut buffer = SCRATCH.take();
    let read = read_gcm_with(ruby, key, message, url_safe, purpose, kind, &mut buffer);
    buffer.zeroize();
    if buffer.capacity() <= SCRATCH_KEEP {
        SCRATCH.set(buffer);
    }
    read
}

fn read_gcm_with(
    ruby: &Ruby,
    key: RString,
    message: Value,
    url_safe: bool,
    purpose: Option<Value>,
    kind: Payload,
    buffer: &mut Vec<u8>,
) -> Result<Decrypted, Error> {
    let Some(text) = RString::from_value(message) else {
        return Ok(Decrypted::Unhandled);
    };
    // SAFETY: read here, before any Ruby code runs (the plaintext is in
    // `buffer`, ours, by the time Ruby objects are built from it).
    let bytes = unsafe { text.as_slice() };
    let (tag_len, iv_len) = (
        encoded_len(GCM_TAG_LEN, url_safe),
        encoded_len(GCM_IV_LEN, url_safe),
    );
    if !bytes.is_ascii() || bytes.len() < tag_len + iv_len + 2 * SEPARATOR.len() {
        return Ok(Decrypted::Unhandled);
    }
    let format = |reason: &'static str| Ok(Decrypted::Done(Outcome::Format(reason)));
    let tag_start = bytes.len() - tag_len;
    let iv_start = tag_start - SEPARATOR.len() - iv_len;
    if &bytes[tag_start - 2..tag_start] != SEPARATOR || &bytes[iv_start - 2..iv_start] != SEPARATOR
    {
        return format("missing separator");
    }
    let mut iv = [0u8; GCM_IV_LEN];
    let mut auth_tag = [0u8; GCM_TAG_LEN];
    let iv_fits = decode_fixed(&bytes[iv_start..tag_start - 2], url_safe, buffer, &mut iv);
    let tag_fits = decode_fixed(&bytes[tag_start..], url_safe, buffer, &mut auth_tag);
    // The ciphertext last: it stays in `buffer` to be decrypted in place.
    let ciphertext_ok = codec::decode_into(&bytes[..iv_start - 2], url_safe, buffer);
    let (true, Some(iv_fits), Some(tag_fits)) = (ciphertext_ok, iv_fits, tag_fits) else {
        return format("invalid base64");
    };
    if !tag_fits {
        return format("truncated auth_tag");
    }
    // SAFETY: used before any Ruby code runs.
    let key = unsafe { key.as_slice() };
    check_key_len(ruby, key.len())?;
    if !iv_fits {
        return Ok(Decrypted::Unhandled);
    }
    let opened = cipher::aes256_gcm_decrypt_in_place(key, &iv, b"", buffer, &auth_tag)
        .map_err(|e| to_ruby(ruby, e))?;
    if !opened {
        // OpenSSL's CipherError for a tag that does not authenticate has no
        // message, and Rails passes that on.
        return format("");
    }
    Ok(
        match metadata::deserialize_with_metadata(ruby, buffer, purpose, kind, false)? {
            Read::Slow => Decrypted::Plaintext(Zeroizing::new(buffer.clone())),
            Read::Done(outcome) => Decrypted::Done(outcome),
        },
    )
}

/// `decrypt_and_verify`'s reading for a GCM encryptor with a native
/// serializer (`kind`): `[tag, payload]` (tags as in `read_message_tagged`,
/// plus `:slow` with the plaintext for the Ruby serializer path), or nil
/// when the Ruby implementation must handle the message.
fn decrypt_gcm(
    ruby: &Ruby,
    key: RString,
    message: Value,
    url_safe: bool,
    purpose: Option<Value>,
    kind: Symbol,
) -> Result<Option<RArray>, Error> {
    let kind = Payload::from_symbol(ruby, kind)?;
    Ok(match read_gcm(ruby, key, message, url_safe, purpose, kind)? {
        Decrypted::Unhandled => None,
        Decrypted::Plaintext(plaintext) => Some(metadata::tagged(
            ruby,
            "slow",
            ruby.str_from_slice(&plaintext).as_value(),
        )),
        Decrypted::Done(outcome) => Some(outcome.into_tagged(ruby)?),
    })
}

/// `decrypt_and_verify` itself for an encryptor without rotations: the
/// value, nil (purpose mismatch, expired), `InvalidMessage` raised, or
/// `defer` returned when the Ruby implementation must take over.
#[allow(clippy::too_many_arguments)]
fn decrypt_gcm_value(
    ruby: &Ruby,
    key: RString,
    message: Value,
    url_safe: bool,
    purpose: Option<Value>,
    kind: Symbol,
    invalid_message: magnus::ExceptionClass,
    defer: Value,
) -> Result<Value, Error> {
    let kind = Payload::from_symbol(ruby, kind)?;
    match read_gcm(ruby, key, message, url_safe, purpose, kind)? {
        Decrypted::Done(Outcome::Value(v)) => Ok(v),
        Decrypted::Done(Outcome::Content(_)) => Ok(ruby.qnil().as_value()),
        Decrypted::Done(Outcome::Format(reason)) => Err(Error::new(invalid_message, reason)),
        Decrypted::Done(Outcome::Serialization(e)) => {
            let text: String = exception_object(ruby, e)?.funcall("to_s", ())?;
            Err(Error::new(invalid_message, text))
        }
        Decrypted::Unhandled | Decrypted::Plaintext(_) => Ok(defer),
    }
}

pub fn define(_ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let messages = native.define_module("Messages")?;
    messages.define_singleton_method("encrypt_gcm", function!(encrypt_gcm, 8))?;
    messages.define_singleton_method("decrypt_gcm", function!(decrypt_gcm, 5))?;
    messages.define_singleton_method("decrypt_gcm_value", function!(decrypt_gcm_value, 7))?;
    Ok(())
}
