//! The `_rails` metadata envelope for the native serializers ([`Payload`]):
//! writing it (modern or legacy) and reading it back into an [`Outcome`].
//! Anything unusual returns [`Read::Slow`] and the Ruby implementation in
//! `lib/token_oxide/messages/metadata.rb` (a line-by-line mirror of
//! ActiveSupport) decides, so the result is always ActiveSupport's.

use std::cell::Cell;

use magnus::{
    prelude::*, value::ReprValue, Error, Float, Integer, RArray, RHash, RModule, RString, Ruby, Symbol,
    Time, Value,
};
use token_oxide_core::base64;
use token_oxide_core::messages::codec::{self, Format, LEGACY_ENVELOPE_PREFIX};
use token_oxide_core::messages::json_parse::{self, Tree};
use token_oxide_core::messages::json_write;
use token_oxide_core::messages::time;

use super::json::{encode_value, hash_key, parse_fast, RubyBuilder};
use super::settings;
use crate::errors::exception_object;

/// What reading a message came to, as ActiveSupport's throw tags.
pub enum Outcome {
    Value(Value),
    /// `:invalid_message_format` (bad signature, base64, envelope JSON).
    Format(&'static str),
    /// `:invalid_message_serialization`: the serializer raised this.
    Serialization(Error),
    /// `:invalid_message_content` (expired, mismatched purpose, missing metadata).
    Content(&'static str),
}

impl Outcome {
    /// The `[tag, payload]` pair the Ruby half reads (`read_message_tagged`):
    /// `:value` with the value, `:format`/`:content` with the reason,
    /// `:serialization` with the exception object.
    pub fn into_tagged(self, ruby: &Ruby) -> Result<RArray, Error> {
        Ok(match self {
            Outcome::Value(v) => tagged(ruby, "value", v),
            Outcome::Format(r) => tagged(ruby, "format", ruby.str_new(r).as_value()),
            Outcome::Content(r) => tagged(ruby, "content", ruby.str_new(r).as_value()),
            Outcome::Serialization(e) => tagged(ruby, "serialization", exception_object(ruby, e)?),
        })
    }
}

/// `[tag, payload]` with `tag` as a Symbol.
pub fn tagged(ruby: &Ruby, tag: &str, payload: Value) -> RArray {
    ruby.ary_new_from_values(&[ruby.to_symbol(tag).as_value(), payload])
}

/// Native reading either decided, or defers to Ruby.
pub enum Read {
    Done(Outcome),
    Slow,
}

/// The serializers whose payloads are written and read natively.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Payload {
    /// `:json`: ActiveSupport::JSON, never reads Marshal.
    Json,
    /// `:json_allow_marshal`: ActiveSupport::JSON, reads Marshal too.
    JsonAllowMarshal,
    /// `MessageEncryptor::NullSerializer`, the one Action Dispatch's cookie
    /// jars give their codecs (they serialize the cookie themselves): a
    /// String is the payload as is and reads back as a binary String; not
    /// an envelope serializer, so metadata takes the pre-7.1 envelope.
    Passthrough,
}

impl Payload {
    /// A kind of `Messages::Serializers.resolve` (`:json`, ...).
    pub fn from_symbol(ruby: &Ruby, kind: Symbol) -> Result<Self, Error> {
        let name = kind.name()?;
        match &*name {
            "json" => Ok(Self::Json),
            "json_allow_marshal" => Ok(Self::JsonAllowMarshal),
            "passthrough" => Ok(Self::Passthrough),
            _ => Err(Error::new(
                ruby.exception_arg_error(),
                format!("no native serializer kind {name:?}"),
            )),
        }
    }

    fn allows_marshal(self) -> bool {
        self == Self::JsonAllowMarshal
    }
}

pub fn truthy(v: Option<Value>) -> Option<Value> {
    v.filter(|v| v.to_bool())
}

fn messages_module(ruby: &Ruby) -> Result<RModule, Error> {
    ruby.class_object()
        .const_get::<_, RModule>("TokenOxide")?
        .const_get("Messages")
}

pub use super::clock::{instant_of, now};

/// Whole seconds of an `ActiveSupport::Duration` whose parts are all exact
/// in UTC (seconds, minutes, hours, days, weeks: no months or years), else `None`.
fn duration_seconds(ruby: &Ruby, value: Value) -> Result<Option<i64>, Error> {
    let Ok(active_support) = ruby.class_object().const_get::<_, RModule>("ActiveSupport") else {
        return Ok(None);
    };
    let Ok(duration) = active_support.const_get::<_, magnus::RClass>("Duration") else {
        return Ok(None);
    };
    if !value.is_kind_of(duration) {
        return Ok(None);
    }
    let parts: RHash = value.funcall("parts", ())?;
    let mut exact = true;
    parts.foreach(|key: Value, _: Value| {
        let name = Symbol::from_value(key).and_then(|s| s.name().ok().map(|n| n.into_owned()));
        exact = matches!(
            name.as_deref(),
            Some("seconds" | "minutes" | "hours" | "days" | "weeks")
        );
        Ok(if exact {
            magnus::r_hash::ForEach::Continue
        } else {
            magnus::r_hash::ForEach::Stop
        })
    })?;
    if !exact {
        return Ok(None);
    }
    let total: Value = value.funcall("value", ())?;
    Ok(if let Some(i) = Integer::from_value(total) {
        i.to_i64().ok()
    } else if let Some(f) = Float::from_value(total) {
        let v = f.to_f64();
        (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64)
    } else {
        None
    })
}

/// An `exp` text: formatted here (ISO 8601 digits, written as they are) or
/// by Active Support for the values only it can compute (escaped as any
/// JSON string). Neither needs a heap allocation in the usual case.
enum ExpiryText {
    Formatted([u8; time::EXP_LEN]),
    FromRuby(Vec<u8>),
}

/// The `exp` text for `expires_at` / `expires_in`, or `None` without expiry.
fn expiry_text(
    ruby: &Ruby,
    expires_at: Option<Value>,
    expires_in: Option<Value>,
) -> Result<Option<ExpiryText>, Error> {
    let native = if let Some(at) = expires_at {
        match Time::from_value(at) {
            Some(t) => instant_of(t)?,
            None => None,
        }
    } else if let Some(seconds) = expires_in {
        let offset = if let Some(i) = Integer::from_value(seconds) {
            i.to_i64().ok()
        } else if let Some(f) = Float::from_value(seconds) {
            let v = f.to_f64();
            (v.fract() == 0.0 && v.abs() < 1e15).then_some(v as i64)
        } else {
            duration_seconds(ruby, seconds)?
        };
        match offset {
            Some(offset) => now(ruby)?.and_then(|n| n.plus_seconds(offset)),
            None => None,
        }
    } else {
        return Ok(None);
    };
    if let Some(text) = native.and_then(time::format_exp) {
        return Ok(Some(ExpiryText::Formatted(text)));
    }
    // Durations, Rationals, TimeWithZone, DateTime...: ActiveSupport's own arithmetic.
    let text: RString = messages_module(ruby)?.funcall("expiry_text", (expires_at, expires_in))?;
    // SAFETY: copied immediately.
    Ok(Some(ExpiryText::FromRuby(unsafe { text.as_slice() }.to_vec())))
}

/// `purpose.to_s` appended as a JSON string.
fn write_purpose_string(ruby: &Ruby, purpose: Value, out: &mut Vec<u8>) -> Result<(), Error> {
    let text: Value =
        if RString::from_value(purpose).is_some() || Symbol::from_value(purpose).is_some() {
            purpose // a Symbol is written as its name, like `to_s`
        } else {
            purpose.funcall("to_s", ())?
        };
    encode_value(ruby, text, settings::escaping(), out, 0)
}

thread_local! {
    /// The legacy envelope's inner JSON, reused across calls (taken while in
    /// use: an `as_json` that signs another message gets a fresh buffer).
    static LEGACY_INNER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}
/// Larger buffers are dropped rather than kept for the next call.
const LEGACY_INNER_KEEP: usize = 64 * 1024;

/// `serialize_with_metadata` for the native serializers: the payload bytes.
/// A passthrough value must be a String (callers send others to Ruby).
#[allow(clippy::too_many_arguments)]
pub fn serialize_with_metadata(
    ruby: &Ruby,
    value: Value,
    payload: Payload,
    purpose: Option<Value>,
    expires_at: Option<Value>,
    expires_in: Option<Value>,
    force_legacy: bool,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let escaping = settings::escaping();
    // The legacy envelope writes `purpose` as given (`false` stays false).
    let given_purpose = purpose;
    let (purpose, expires_at, expires_in) =
        (truthy(purpose), truthy(expires_at), truthy(expires_in));
    let passthrough = match payload {
        Payload::Passthrough => Some(RString::from_value(value).ok_or_else(|| {
            Error::new(ruby.exception_type_error(), "a passthrough payload must be a String")
        })?),
        Payload::Json | Payload::JsonAllowMarshal => None,
    };
    if purpose.is_none() && expires_at.is_none() && expires_in.is_none() {
        return match passthrough {
            // SAFETY: copied at once, no Ruby code runs meanwhile.
            Some(text) => Ok(out.extend_from_slice(unsafe { text.as_slice() })),
            None => encode_value(ruby, value, escaping, out, 0),
        };
    }
    let exp = expiry_text(ruby, expires_at, expires_in)?;
    if let Some(text) = passthrough {
        out.extend_from_slice(br#"{"_rails":{"message":""#);
        // SAFETY: encoded at once, no Ruby code runs meanwhile.
        base64::strict_encode_into(unsafe { text.as_slice() }, out);
        write_legacy_metadata(ruby, exp, given_purpose, out)?;
    } else if !force_legacy {
        out.extend_from_slice(br#"{"_rails":{"data":"#);
        encode_value(ruby, value, escaping, out, 1)?;
        if let Some(exp) = exp {
            out.extend_from_slice(br#","exp":"#);
            write_exp(ruby, &exp, out)?;
        }
        if let Some(purpose) = purpose {
            out.extend_from_slice(br#","pur":"#);
            write_purpose_string(ruby, purpose, out)?;
        }
    } else {
        // Pre-7.1 envelope: the value serialized on its own and strict-base64'd.
        let mut inner = LEGACY_INNER.take();
        inner.clear();
        let encoded = encode_value(ruby, value, escaping, &mut inner, 0);
        if encoded.is_ok() {
            out.extend_from_slice(br#"{"_rails":{"message":""#);
            base64::strict_encode_into(&inner, out);
        }
        if inner.capacity() <= LEGACY_INNER_KEEP {
            LEGACY_INNER.set(inner);
        }
        encoded?;
        write_legacy_metadata(ruby, exp, given_purpose, out)?;
    }
    out.extend_from_slice(b"}}");
    Ok(())
}

/// The pre-7.1 envelope after its message: `","exp":...,"pur":...`.
fn write_legacy_metadata(
    ruby: &Ruby,
    exp: Option<ExpiryText>,
    purpose: Option<Value>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    out.extend_from_slice(br#"","exp":"#);
    match exp {
        Some(exp) => write_exp(ruby, &exp, out)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","pur":"#);
    // Written as given (not `to_s`): a Symbol becomes its name, nil null.
    encode_value(
        ruby,
        purpose.unwrap_or_else(|| ruby.qnil().as_value()),
        settings::escaping(),
        out,
        1,
    )
}

fn write_exp(ruby: &Ruby, exp: &ExpiryText, out: &mut Vec<u8>) -> Result<(), Error> {
    match exp {
        ExpiryText::Formatted(text) => {
            out.push(b'"');
            out.extend_from_slice(text);
            out.push(b'"');
            Ok(())
        }
        ExpiryText::FromRuby(text) => json_write::write_string(text, settings::escaping(), out)
            .map_err(|_| Error::new(ruby.exception_arg_error(), "invalid expiry text")),
    }
}

/// Whether the stored purpose equals `purpose.to_s`, or `None` when Ruby
/// must compare (other purpose types, non-ASCII text in a non-UTF-8
/// encoding). Borrows the purpose's bytes: no Ruby code runs meanwhile.
fn purpose_matches(purpose: Option<Value>, stored: &[u8]) -> Result<Option<bool>, Error> {
    let Some(purpose) = purpose.filter(|p| !p.is_nil()) else {
        return Ok(Some(stored.is_empty()));
    };
    if !purpose.to_bool() {
        // `false.to_s`: Rails 7.2 compares against "false", not "no purpose".
        return Ok(Some(stored == b"false"));
    }
    if let Some(sym) = Symbol::from_value(purpose) {
        return Ok(Some(sym.name()?.as_bytes() == stored));
    }
    let Some(s) = RString::from_value(purpose) else {
        return Ok(None);
    };
    // SAFETY: compared at once, before any Ruby code runs.
    let bytes = unsafe { s.as_slice() };
    // Ruby compares strings of different encodings as unequal when non-ASCII.
    if bytes.is_ascii() || s.is_utf8_compatible_encoding() {
        Ok(Some(bytes == stored))
    } else {
        Ok(None)
    }
}

/// A parsed JSON value as the Ruby object `JSON.parse` returns.
fn tree_to_ruby(ruby: &Ruby, tree: &Tree) -> Result<Value, Error> {
    Ok(match tree {
        Tree::Null => ruby.qnil().as_value(),
        Tree::Bool(true) => ruby.qtrue().as_value(),
        Tree::Bool(false) => ruby.qfalse().as_value(),
        Tree::Integer(text) => match text.parse::<i64>() {
            Ok(n) => ruby.integer_from_i64(n).as_value(),
            Err(_) => ruby.str_new(text).funcall("to_i", ())?,
        },
        Tree::Float(f) => ruby.float_from_f64(*f).as_value(),
        Tree::Str(bytes) => super::json::utf8_string(ruby, bytes),
        Tree::Array(items) => {
            let array = ruby.ary_new_capa(items.len());
            for item in items {
                array.push(tree_to_ruby(ruby, item)?)?;
            }
            array.as_value()
        }
        Tree::Object(pairs) => {
            let hash = ruby.hash_new();
            for (key, value) in pairs {
                hash.aset(hash_key(ruby, key), tree_to_ruby(ruby, value)?)?;
            }
            hash.as_value()
        }
    })
}

/// `extract_from_metadata_envelope` on the parsed envelope: `Ok(None)` when
/// it passes, `Ok(Some(reason))` when it fails, `Err(())` when Ruby must decide.
fn check_envelope(
    ruby: &Ruby,
    rails: &Tree,
    purpose: Option<Value>,
) -> Result<Result<Option<&'static str>, ()>, Error> {
    let exp = match rails.get(b"exp") {
        None | Some(Tree::Null | Tree::Bool(false)) => None,
        Some(Tree::Str(text)) => Some(text.as_slice()),
        Some(_) => return Ok(Err(())),
    };
    let stored: &[u8] = match rails.get(b"pur") {
        None | Some(Tree::Null) => b"",
        Some(Tree::Str(text)) => text,
        Some(_) => return Ok(Err(())),
    };
    check_fields(ruby, exp, stored, purpose)
}

/// The expiry, then the purpose, of an envelope whose `exp` is a string or
/// absent and whose `pur` is `stored` (`""` when absent): `Ok(None)` when
/// both pass, `Ok(Some(reason))` when one fails, `Err(())` when Ruby must decide.
fn check_fields(
    ruby: &Ruby,
    exp: Option<&[u8]>,
    stored: &[u8],
    purpose: Option<Value>,
) -> Result<Result<Option<&'static str>, ()>, Error> {
    if let Some(text) = exp {
        let Some(at) = time::parse_exp(text) else {
            return Ok(Err(()));
        };
        let Some(now) = now(ruby)? else {
            return Ok(Err(()));
        };
        if now >= at {
            return Ok(Ok(Some("expired")));
        }
    }
    let Some(same) = purpose_matches(purpose, stored)? else {
        return Ok(Err(()));
    };
    Ok(Ok((!same).then_some("mismatched purpose")))
}

fn unsupported_format(ruby: &Ruby) -> Outcome {
    Outcome::Serialization(Error::new(
        ruby.exception_runtime_error(),
        "Unsupported serialization format",
    ))
}

/// `serializer.load` of a native serializer.
fn load_payload(ruby: &Ruby, bytes: &[u8], payload: Payload) -> Result<Read, Error> {
    if payload == Payload::Passthrough {
        return Ok(Read::Done(Outcome::Value(ruby.str_from_slice(bytes).as_value())));
    }
    let allow_marshal = payload.allows_marshal();
    match codec::detect_format(bytes) {
        // The Ruby serializer decides (and sends the fallback notification).
        Format::MessagePack => Ok(Read::Slow),
        Format::Marshal if allow_marshal => Ok(Read::Slow),
        Format::Marshal => Ok(Read::Done(unsupported_format(ruby))),
        Format::Json | Format::Unknown => Ok(match parse_fast(ruby, bytes)? {
            Some(v) => Read::Done(Outcome::Value(v)),
            None => Read::Slow,
        }),
    }
}

/// A plain string literal at the start of `bytes` (no escapes, no control
/// characters): its contents and the position after the closing quote.
fn simple_string(bytes: &[u8], start: usize) -> Option<(&[u8], usize)> {
    let rest = bytes.get(start..)?;
    let end = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (rest[end] == b'"').then(|| (&rest[..end], start + end + 1))
}

/// The envelope exactly as Rails and this library write it:
/// `{"_rails":{"data":V[,"exp":"..."][,"pur":"..."]}}` with plain strings.
/// Only V becomes Ruby objects; `None` for any other shape (the general
/// path then decides).
fn read_standard_envelope(
    ruby: &Ruby,
    bytes: &[u8],
    purpose: Option<Value>,
) -> Result<Option<Outcome>, Error> {
    const PREFIX: &[u8] = br#"{"_rails":{"data":"#;
    if !bytes.starts_with(PREFIX) {
        return Ok(None);
    }
    let (value, mut pos) =
        // The value sits inside two objects of the envelope.
        match json_parse::parse_value_at(bytes, PREFIX.len(), 2, &mut RubyBuilder { ruby }) {
            Ok(parsed) => parsed,
            Err(json_parse::ParseError::Bail) => return Ok(None),
            Err(json_parse::ParseError::Build(e)) => return Err(e),
        };
    let mut field = |name: &[u8]| -> Option<&[u8]> {
        let rest = &bytes[pos..];
        if rest.len() > name.len() + 4
            && rest[0] == b','
            && rest[1] == b'"'
            && rest[2..].starts_with(name)
            && rest[2 + name.len()..].starts_with(b"\":\"")
        {
            let (text, next) = simple_string(bytes, pos + name.len() + 5)?;
            pos = next;
            Some(text)
        } else {
            None
        }
    };
    let exp = field(b"exp");
    let pur = field(b"pur");
    if &bytes[pos..] != b"}}" {
        return Ok(None);
    }
    Ok(match check_fields(ruby, exp, pur.unwrap_or(b""), purpose)? {
        Err(()) => None,
        Ok(Some(reason)) => Some(Outcome::Content(reason)),
        Ok(None) => Some(Outcome::Value(value)),
    })
}

/// The pre-7.1 envelope exactly as ActiveSupport and this library write it,
/// `{"_rails":{"message":"B64","exp":"..."|null,"pur":"..."|null}}` with
/// plain strings, read without a parse tree: the checks and base64 of the
/// tree path, in its order. `None` for any other shape (the tree path decides).
fn read_legacy_envelope(
    ruby: &Ruby,
    bytes: &[u8],
    purpose: Option<Value>,
    payload: Payload,
    decode_fallback: bool,
) -> Result<Option<Read>, Error> {
    // ASCII only: text the tree path's parser would reject (invalid UTF-8)
    // must stay a format error there, not become a purpose mismatch here.
    if !bytes.is_ascii() {
        return Ok(None);
    }
    let Some((message, mut pos)) = simple_string(bytes, LEGACY_ENVELOPE_PREFIX.len() + 1)
        .filter(|_| bytes.get(LEGACY_ENVELOPE_PREFIX.len()) == Some(&b'"'))
    else {
        return Ok(None);
    };
    // `,"NAME":` then a plain string or null; Some(None) for null.
    let mut field = |name: &[u8]| -> Option<Option<&[u8]>> {
        let rest = bytes.get(pos..)?;
        let after = rest
            .strip_prefix(b",\"")?
            .strip_prefix(name)?
            .strip_prefix(b"\":")?;
        let at = bytes.len() - after.len();
        if let Some(tail) = after.strip_prefix(b"null") {
            pos = bytes.len() - tail.len();
            return Some(None);
        }
        if after.first() != Some(&b'"') {
            return None;
        }
        let (text, next) = simple_string(bytes, at + 1)?;
        pos = next;
        Some(Some(text))
    };
    let Some(exp) = field(b"exp") else {
        return Ok(None);
    };
    let Some(pur) = field(b"pur") else {
        return Ok(None);
    };
    if bytes.get(pos..) != Some(b"}}".as_slice()) {
        return Ok(None);
    }
    match check_fields(ruby, exp, pur.unwrap_or(b""), purpose)? {
        Err(()) => return Ok(None),
        Ok(Some(reason)) => return Ok(Some(Read::Done(Outcome::Content(reason)))),
        Ok(None) => {}
    }
    let inner = if decode_fallback {
        codec::decode_with_fallback(message, false)
    } else {
        codec::decode(message, false)
    };
    let Some(inner) = inner else {
        return Ok(Some(Read::Done(Outcome::Format("invalid base64"))));
    };
    load_payload(ruby, &inner, payload).map(Some)
}

/// Whether a `"_rails"` key could be in this JSON: the name itself, or any
/// escape (`\u005f...` could spell it).
fn mentions_rails_key(bytes: &[u8]) -> bool {
    // One pass: most bytes are neither `\\` nor `_`.
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'\\' || (b == b'_' && bytes[i..].starts_with(b"_rails"))
    })
}

/// `deserialize_with_metadata` for the JSON serializers. The envelope is
/// read on the parsed tree, so only the value itself becomes Ruby objects.
/// `decode_fallback`: whether the legacy envelope's inner base64 may use the
/// other alphabet (MessageVerifier 7.2.3+ does, MessageEncryptor does not).
pub fn deserialize_with_metadata(
    ruby: &Ruby,
    bytes: &[u8],
    purpose: Option<Value>,
    payload: Payload,
    decode_fallback: bool,
) -> Result<Read, Error> {
    // Only a truthy purpose demands an envelope ("missing metadata"), but
    // an envelope's purpose is compared with `purpose.to_s`, so `false`
    // must match "false" there (Rails 7.2's extract_from_metadata_envelope).
    let expects_metadata = truthy(purpose).is_some();
    let purpose = purpose.filter(|p| !p.is_nil());
    let legacy = bytes.starts_with(LEGACY_ENVELOPE_PREFIX);
    if payload == Payload::Passthrough {
        return read_passthrough(ruby, bytes, purpose, expects_metadata, legacy, decode_fallback);
    }
    let allow_marshal = payload.allows_marshal();
    if !legacy {
        match codec::detect_format(bytes) {
            Format::MessagePack => return Ok(Read::Slow),
            Format::Marshal if allow_marshal => return Ok(Read::Slow),
            Format::Marshal => return Ok(Read::Done(unsupported_format(ruby))),
            Format::Json | Format::Unknown => {}
        }
        if let Some(outcome) = read_standard_envelope(ruby, bytes, purpose)? {
            return Ok(Read::Done(outcome));
        }
        // No envelope can hide in these bytes (not even an escaped key), so
        // the value is built straight from the text without a parse tree.
        if !expects_metadata && !mentions_rails_key(bytes) {
            if let Some(value) = parse_fast(ruby, bytes)? {
                return Ok(Read::Done(Outcome::Value(value)));
            }
        }
    }
    if legacy {
        if let Some(read) =
            read_legacy_envelope(ruby, bytes, purpose, payload, decode_fallback)?
        {
            return Ok(read);
        }
    }
    let Some(tree) = json_parse::parse_tree(bytes) else {
        return Ok(Read::Slow);
    };
    let Some(rails) = tree.get(b"_rails") else {
        if legacy {
            return Ok(Read::Slow);
        }
        return Ok(Read::Done(if !expects_metadata {
            Outcome::Value(tree_to_ruby(ruby, &tree)?)
        } else {
            Outcome::Content("missing metadata")
        }));
    };
    if !matches!(rails, Tree::Object(_)) {
        return Ok(Read::Slow);
    }
    match check_envelope(ruby, rails, purpose)? {
        Err(()) => return Ok(Read::Slow),
        Ok(Some(reason)) => return Ok(Read::Done(Outcome::Content(reason))),
        Ok(None) => {}
    }
    if !legacy {
        let data = match rails.get(b"data") {
            Some(data) => tree_to_ruby(ruby, data)?,
            None => ruby.qnil().as_value(),
        };
        return Ok(Read::Done(Outcome::Value(data)));
    }
    let Some(Tree::Str(encoded)) = rails.get(b"message") else {
        return Ok(Read::Slow);
    };
    let inner = if decode_fallback {
        codec::decode_with_fallback(encoded, false)
    } else {
        codec::decode(encoded, false)
    };
    let Some(inner) = inner else {
        return Ok(Read::Done(Outcome::Format("invalid base64")));
    };
    load_payload(ruby, &inner, payload)
}

/// `deserialize_with_metadata` for the passthrough serializer: the loaded
/// value is a String, never a Hash, so only the pre-7.1 envelope can carry
/// metadata; an envelope of another shape goes to the Ruby path.
fn read_passthrough(
    ruby: &Ruby,
    bytes: &[u8],
    purpose: Option<Value>,
    expects_metadata: bool,
    legacy: bool,
    decode_fallback: bool,
) -> Result<Read, Error> {
    if legacy {
        let read = read_legacy_envelope(ruby, bytes, purpose, Payload::Passthrough, decode_fallback)?;
        return Ok(read.unwrap_or(Read::Slow));
    }
    Ok(Read::Done(if expects_metadata {
        Outcome::Content("missing metadata")
    } else {
        Outcome::Value(ruby.str_from_slice(bytes).as_value())
    }))
}

/// `Native::Messages.serialize(value, kind, purpose, expires_at, expires_in, force_legacy)`:
/// the payload an encryptor with a native serializer encrypts (binary String).
fn native_serialize(
    ruby: &Ruby,
    value: Value,
    kind: Symbol,
    purpose: Option<Value>,
    expires_at: Option<Value>,
    expires_in: Option<Value>,
    force_legacy: bool,
) -> Result<RString, Error> {
    let mut out = Vec::with_capacity(128);
    serialize_with_metadata(
        ruby,
        value,
        Payload::from_symbol(ruby, kind)?,
        purpose,
        expires_at,
        expires_in,
        force_legacy,
        &mut out,
    )?;
    Ok(ruby.str_from_slice(&out))
}

/// `Native::Messages.deserialize(bytes, purpose, kind)`: a `[tag, payload]`
/// pair, or nil when the Ruby path must decide. The legacy envelope's inner
/// base64 is strict here (MessageEncryptor's decode).
fn native_deserialize(
    ruby: &Ruby,
    bytes: RString,
    purpose: Option<Value>,
    kind: Symbol,
) -> Result<Option<magnus::RArray>, Error> {
    let payload = Payload::from_symbol(ruby, kind)?;
    // SAFETY: copied before Ruby runs.
    let bytes = unsafe { bytes.as_slice() }.to_vec();
    match deserialize_with_metadata(ruby, &bytes, purpose, payload, false)? {
        Read::Slow => Ok(None),
        Read::Done(outcome) => outcome.into_tagged(ruby).map(Some),
    }
}

pub fn define(_ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let messages = native.define_module("Messages")?;
    messages.define_singleton_method("serialize", magnus::function!(native_serialize, 6))?;
    messages.define_singleton_method("deserialize", magnus::function!(native_deserialize, 3))?;
    Ok(())
}
