//! `TokenOxide::MessageVerifier`'s native half: the object holds the keyed
//! HMAC state and options; `generate`, `verified`, `verify` (through one-line
//! Ruby methods that declare the keywords, so no Hash is allocated for them)
//! and `valid_message?` run here. Serializers other than `:json`,
//! `:json_allow_marshal` and the cookie jars' NullSerializer (metadata::Payload),
//! rotations and unusual payloads
//! call back into the Ruby half (`lib/token_oxide/message_verifier.rb`).

use std::cell::{Cell, RefCell};

use magnus::{
    method, prelude::*, typed_data::Obj, value::ReprValue, Error, RArray, RClass, RModule, RString,
    Ruby, Symbol, Value,
};
use token_oxide_core::digest::{Algorithm, HmacKey};
use token_oxide_core::messages::{codec, signed};

use super::metadata::{self, Outcome, Payload, Read};
use crate::digest::algorithm_arg;

/// How values are serialized.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A serializer the native code writes and reads.
    Native(Payload),
    /// Anything else: the Ruby serializer object does the work.
    Ruby,
}

/// Who computes the HMAC: the core for SHA1/256/384/512, else OpenSSL through
/// the Ruby half's `__openssl_hmac` (e.g. MD5, SHA224, SHA3-256), so old
/// tokens signed with those digests stay readable. Everything else about the
/// token (hex, splitting, comparing) is the core's either way.
#[derive(Clone)]
enum Signer {
    Native(HmacKey),
    OpenSsl { hex_len: usize },
}

#[derive(Clone)]
struct Config {
    key: Signer,
    url_safe: bool,
    kind: Kind,
    force_legacy: bool,
}

#[magnus::wrap(class = "TokenOxide::MessageVerifier", free_immediately, size)]
#[derive(Default)]
pub struct Verifier {
    config: RefCell<Option<Config>>,
    /// Decoded-payload buffer reused across reads (taken while in use, so a
    /// nested read from Ruby code gets a fresh one).
    scratch: Cell<Vec<u8>>,
    /// Serialized-payload and token buffers reused across `generate` calls
    /// (taken the same way, so re-entrant calls stay independent).
    payload_buf: Cell<Vec<u8>>,
    token_buf: Cell<Vec<u8>>,
}

/// Larger buffers are dropped rather than kept for the next read.
const SCRATCH_KEEP: usize = 64 * 1024;

impl Verifier {
    fn with<T>(&self, ruby: &Ruby, f: impl FnOnce(&Config) -> T) -> Result<T, Error> {
        let config = self.config.try_borrow().map_err(|_| {
            Error::new(
                ruby.exception_runtime_error(),
                "MessageVerifier is being initialized",
            )
        })?;
        let config = config.as_ref().ok_or_else(|| {
            Error::new(
                ruby.exception_runtime_error(),
                "MessageVerifier is not initialized",
            )
        })?;
        Ok(f(config))
    }
}

fn setup(
    ruby: &Ruby,
    rb_self: &Verifier,
    secret: RString,
    digest: Value,
    url_safe: bool,
    kind: Option<Symbol>,
    force_legacy: bool,
    openssl_hex_len: Option<usize>,
) -> Result<(), Error> {
    let kind = match kind {
        Some(kind) => Kind::Native(Payload::from_symbol(ruby, kind)?),
        None => Kind::Ruby,
    };
    let key = match openssl_hex_len {
        Some(hex_len) => Signer::OpenSsl { hex_len },
        None => {
            let algorithm: Algorithm = algorithm_arg(ruby, digest)?;
            // SAFETY: the key bytes are absorbed into the HMAC state before Ruby runs.
            Signer::Native(HmacKey::new(algorithm, unsafe { secret.as_slice() }))
        }
    };
    let mut slot = rb_self
        .config
        .try_borrow_mut()
        .map_err(|_| Error::new(ruby.exception_runtime_error(), "MessageVerifier is in use"))?;
    *slot = Some(Config {
        key,
        url_safe,
        kind,
        force_legacy,
    });
    Ok(())
}

/// `initialize_copy`'s native half (`dup`/`clone`): Ruby copies the
/// instance variables but allocates an empty native part, so the copy gets
/// its own clone of the keyed HMAC state and options here.
fn copy_from(ruby: &Ruby, rb_self: &Verifier, other: &Verifier) -> Result<(), Error> {
    let config = other.with(ruby, Config::clone)?;
    let mut slot = rb_self
        .config
        .try_borrow_mut()
        .map_err(|_| Error::new(ruby.exception_runtime_error(), "MessageVerifier is in use"))?;
    *slot = Some(config);
    Ok(())
}

/// `sign_encoded(encode(payload))` into `token` (cleared first): the base64
/// is written in place and signed where it lies, no intermediate buffer.
fn sign_payload_into(
    ruby: &Ruby,
    receiver: Value,
    config: &Config,
    payload: &[u8],
    token: &mut Vec<u8>,
) -> Result<(), Error> {
    token.clear();
    codec::encode_into(payload, config.url_safe, token);
    match &config.key {
        Signer::Native(key) => signed::sign_in_place(key, token),
        Signer::OpenSsl { .. } => {
            let mac = openssl_hmac(ruby, receiver, token)?;
            // SAFETY: copied before Ruby runs again.
            signed::append_signature(token, unsafe { mac.as_slice() });
        }
    }
    Ok(())
}

/// The raw HMAC of `data` from the Ruby half (OpenSSL::HMAC.digest).
fn openssl_hmac(ruby: &Ruby, receiver: Value, data: &[u8]) -> Result<RString, Error> {
    receiver.funcall("__openssl_hmac", (ruby.str_from_slice(data),))
}

/// Puts a buffer back for the next call unless it grew too large to keep.
fn keep(cell: &Cell<Vec<u8>>, buffer: Vec<u8>) {
    if buffer.capacity() <= SCRATCH_KEEP {
        cell.set(buffer);
    }
}

/// The signed token of `payload` as a US-ASCII String, built in the reused
/// token buffer.
fn signed_string(ruby: &Ruby, rb_self: Obj<Verifier>, payload: &[u8]) -> Result<RString, Error> {
    let mut token = rb_self.token_buf.take();
    rb_self.with(ruby, |c| sign_payload_into(ruby, rb_self.as_value(), c, payload, &mut token))??;
    let string = ascii_string(ruby, &token);
    keep(&rb_self.token_buf, token);
    Ok(string)
}

fn ascii_string(ruby: &Ruby, bytes: &[u8]) -> RString {
    super::json::usascii_string(ruby, bytes)
}

/// `generate(value, purpose:, expires_at:, expires_in:)`. The keywords are
/// declared in Ruby (no Hash is allocated for them) and passed positionally.
fn generate(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    value: Value,
    purpose: Option<Value>,
    expires_at: Option<Value>,
    expires_in: Option<Value>,
) -> Result<RString, Error> {
    let (kind, force_legacy) = rb_self.with(ruby, |c| (c.kind, c.force_legacy))?;
    let payload_kind = match kind {
        // The passthrough serializer writes Strings; others are the Ruby path's.
        Kind::Native(Payload::Passthrough) if RString::from_value(value).is_none() => None,
        Kind::Native(payload) => Some(payload),
        Kind::Ruby => None,
    };
    let Some(payload_kind) = payload_kind else {
        let dumped: RString = rb_self.funcall(
            "serialize_with_metadata",
            (value, purpose, expires_at, expires_in),
        )?;
        // SAFETY: copied immediately.
        let payload = unsafe { dumped.as_slice() }.to_vec();
        return signed_string(ruby, rb_self, &payload);
    };
    // Taken, not borrowed: `as_json` may call back into this verifier.
    let mut payload = rb_self.payload_buf.take();
    payload.clear();
    metadata::serialize_with_metadata(
        ruby,
        value,
        payload_kind,
        purpose,
        expires_at,
        expires_in,
        force_legacy,
        &mut payload,
    )?;
    let token = signed_string(ruby, rb_self, &payload);
    keep(&rb_self.payload_buf, payload);
    token
}

/// The error for a message that is not a String. ActiveSupport calls
/// `valid_encoding?` on it, so an object without that method raises
/// NoMethodError, as there; ours names the class instead of inspecting the
/// value, which for a hostile 10k-deep Array is a recursion deep enough to
/// meet a GC at the stack's end ("[BUG] system stack overflow during GC").
fn not_a_string(ruby: &Ruby, message: Value) -> Error {
    let class = unsafe { message.classname() }.into_owned();
    if message.respond_to("valid_encoding?", false).unwrap_or(false) {
        if let Err(error) = message.funcall::<_, _, Value>("valid_encoding?", ()) {
            return error;
        }
        return Error::new(ruby.exception_type_error(), format!("message must be a String, not {class}"));
    }
    Error::new(
        ruby.exception_no_method_error(),
        format!("undefined method `valid_encoding?' for an instance of {class} (a message must be a String)"),
    )
}

/// Decodes the signed token's payload into `out`, or says why it is rejected.
fn extract(
    ruby: &Ruby,
    receiver: Value,
    config: &Config,
    message: Value,
    out: &mut Vec<u8>,
) -> Result<Result<(), &'static str>, Error> {
    if message.is_nil() {
        return Ok(Err("invalid message string"));
    }
    let Some(text) = RString::from_value(message) else {
        return Err(not_a_string(ruby, message));
    };
    if text.enc_coderange_scan() == magnus::encoding::Coderange::Broken {
        return Ok(Err("invalid message string"));
    }
    if !text.enc_get().eq(&ruby.utf8_encindex())
        && !text.is_utf8_compatible_encoding()
        && !text.enc_get().eq(&ruby.ascii8bit_encindex())
    {
        // e.g. UTF-16: "--" never matches as a character; ActiveSupport rejects it.
        let ascii_compatible: bool = text
            .funcall::<_, _, Value>("encoding", ())?
            .funcall("ascii_compatible?", ())?;
        if !ascii_compatible {
            return Ok(Err("mismatched digest"));
        }
    }
    // SAFETY: on the native path read before any Ruby code runs; the OpenSSL
    // path calls Ruby while it reads, so it works on a copy.
    let copy;
    let token: &[u8] = match config.key {
        Signer::Native(_) => unsafe { text.as_slice() },
        Signer::OpenSsl { .. } => {
            copy = unsafe { text.as_slice() }.to_vec();
            &copy
        }
    };
    let encoded = match &config.key {
        Signer::Native(key) => signed::verify(key, token),
        Signer::OpenSsl { hex_len } => signed::verify_with(token, *hex_len, |encoded| {
            // Copied out: the Ruby call may move or free the String.
            let mac = openssl_hmac(ruby, receiver, encoded)?;
            // SAFETY: copied before Ruby runs again.
            Ok::<_, Error>(unsafe { mac.as_slice() }.to_vec())
        })?,
    };
    let Some(encoded) = encoded else {
        return Ok(Err("mismatched digest"));
    };
    if codec::decode_with_fallback_into(encoded, config.url_safe, out) {
        Ok(Ok(()))
    } else {
        Ok(Err("invalid base64"))
    }
}

/// `read_message` of one verifier (no rotations).
fn read_own(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
) -> Result<Outcome, Error> {
    let mut bytes = rb_self.scratch.take();
    let outcome = read_own_into(ruby, rb_self, message, purpose, &mut bytes);
    keep(&rb_self.scratch, bytes);
    outcome
}

fn read_own_into(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
    bytes: &mut Vec<u8>,
) -> Result<Outcome, Error> {
    let (extracted, kind) = rb_self.with(ruby, |c| (extract(ruby, rb_self.as_value(), c, message, bytes), c.kind))?;
    if let Err(reason) = extracted? {
        return Ok(Outcome::Format(reason));
    }
    if let Kind::Native(payload) = kind {
        match metadata::deserialize_with_metadata(ruby, bytes, purpose, payload, true)? {
            Read::Done(outcome) => return Ok(outcome),
            Read::Slow => {}
        }
    }
    slow_deserialize(ruby, rb_self.as_value(), bytes, purpose)
}

/// Ruby's `deserialize_with_metadata`, returning `[tag, payload]`.
pub fn slow_deserialize(
    ruby: &Ruby,
    receiver: Value,
    bytes: &[u8],
    purpose: Option<Value>,
) -> Result<Outcome, Error> {
    tagged_outcome(
        ruby,
        receiver.funcall("__read_payload", (ruby.str_from_slice(bytes), purpose))?,
    )
}

/// Turns a Ruby `[tag, payload]` pair into an [`Outcome`].
pub fn tagged_outcome(ruby: &Ruby, result: RArray) -> Result<Outcome, Error> {
    let tag: String = result.entry::<magnus::Symbol>(0)?.name()?.into_owned();
    let payload: Value = result.entry(1)?;
    Ok(match tag.as_str() {
        "value" => Outcome::Value(payload),
        "format" => Outcome::Format(static_reason(payload)),
        "content" => Outcome::Content(static_reason(payload)),
        _ => Outcome::Serialization(Error::from(
            magnus::Exception::from_value(payload).ok_or_else(|| {
                Error::new(ruby.exception_runtime_error(), "bad serialization error")
            })?,
        )),
    })
}

fn static_reason(reason: Value) -> &'static str {
    let text = reason.to_string();
    [
        "expired",
        "mismatched purpose",
        "missing metadata",
        "invalid base64",
        "mismatched digest",
        "invalid message string",
    ]
    .into_iter()
    .find(|r| *r == text)
    .unwrap_or("invalid message")
}

/// `read_message` with rotations (Messages::Rotator): format and
/// serialization failures fall through to each rotation in turn.
pub fn read_message(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
    on_rotation: Option<Value>,
) -> Result<Outcome, Error> {
    let first = read_own(ruby, rb_self, message, purpose)?;
    if !matches!(first, Outcome::Format(_) | Outcome::Serialization(_)) {
        return Ok(first);
    }
    let rotations: Value = rb_self
        .ivar_get("@rotations")
        .unwrap_or_else(|_| ruby.qnil().as_value());
    let Some(rotations) = RArray::from_value(rotations) else {
        return Ok(first);
    };
    for i in 0..rotations.len() {
        let rotation: Value = rotations.entry(i as isize)?;
        let outcome = match Obj::<Verifier>::try_convert(rotation) {
            Ok(verifier) => read_message(ruby, verifier, message, purpose, None)?,
            Err(_) => tagged_outcome(
                ruby,
                rotation.funcall("read_message_tagged", (message, purpose))?,
            )?,
        };
        match outcome {
            Outcome::Format(_) | Outcome::Serialization(_) => continue,
            Outcome::Value(v) => {
                let callback = on_rotation
                    .or_else(|| rb_self.ivar_get::<_, Value>("@on_rotation").ok())
                    .filter(|c| !c.is_nil());
                if let Some(callback) = callback {
                    let _: Value = callback.funcall("call", ())?;
                }
                return Ok(Outcome::Value(v));
            }
            content @ Outcome::Content(_) => return Ok(content),
        }
    }
    Ok(first)
}

fn invalid_signature(ruby: &Ruby, reason: &str) -> Result<Error, Error> {
    let class: RClass = ruby
        .class_object()
        .const_get::<_, RModule>("TokenOxide")?
        .const_get::<_, RClass>("MessageVerifier")?
        .const_get("InvalidSignature")?;
    let class = magnus::ExceptionClass::from_value(class.as_value())
        .ok_or_else(|| Error::new(ruby.exception_runtime_error(), "InvalidSignature"))?;
    Ok(Error::new(class, reason.to_owned()))
}

fn verified(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
    on_rotation: Option<Value>,
) -> Result<Value, Error> {
    match read_message(ruby, rb_self, message, purpose, on_rotation)? {
        Outcome::Value(v) => Ok(v),
        Outcome::Format(_) | Outcome::Content(_) => Ok(ruby.qnil().as_value()),
        Outcome::Serialization(e) => Err(e),
    }
}

fn verify(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
    on_rotation: Option<Value>,
) -> Result<Value, Error> {
    match read_message(ruby, rb_self, message, purpose, on_rotation)? {
        Outcome::Value(v) => Ok(v),
        Outcome::Format(reason) | Outcome::Content(reason) => Err(invalid_signature(ruby, reason)?),
        Outcome::Serialization(e) => Err(e),
    }
}

fn valid_message(ruby: &Ruby, rb_self: Obj<Verifier>, message: Value) -> Result<bool, Error> {
    rb_self.with(ruby, |c| -> Result<bool, Error> {
        if message.is_nil() {
            return Ok(false);
        }
        Ok(match extract(ruby, rb_self.as_value(), c, message, &mut Vec::new())? {
            Ok(_) => true,
            // A correctly signed token with bad base64 is still "valid" here.
            Err(reason) => reason == "invalid base64",
        })
    })?
}

/// `[tag, payload]` reading for the Ruby side (rotations built in Ruby, encryptor).
fn read_message_tagged(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    message: Value,
    purpose: Option<Value>,
) -> Result<RArray, Error> {
    read_message(ruby, rb_self, message, purpose, None)?.into_tagged(ruby)
}

/// Sign an already-serialized payload (for the Ruby serializer path).
fn sign_serialized(
    ruby: &Ruby,
    rb_self: Obj<Verifier>,
    payload: RString,
) -> Result<RString, Error> {
    // SAFETY: copied before Ruby runs.
    let payload = unsafe { payload.as_slice() }.to_vec();
    signed_string(ruby, rb_self, &payload)
}

pub fn define(ruby: &Ruby, module: RModule) -> Result<(), Error> {
    let class = module.define_class("MessageVerifier", ruby.class_object())?;
    class.define_alloc_func::<Verifier>();
    class.define_private_method("__setup", method!(setup, 6))?;
    class.define_private_method("__copy_from", method!(copy_from, 1))?;
    class.define_private_method("__generate", method!(generate, 4))?;
    class.define_private_method("__verified", method!(verified, 3))?;
    class.define_private_method("__verify", method!(verify, 3))?;
    class.define_method("valid_message?", method!(valid_message, 1))?;
    class.define_method("read_message_tagged", method!(read_message_tagged, 2))?;
    class.define_private_method("__sign_serialized", method!(sign_serialized, 1))?;
    Ok(())
}
