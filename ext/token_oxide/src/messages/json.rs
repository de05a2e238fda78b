//! `ActiveSupport::JSON.encode` written from Ruby objects straight into a
//! byte buffer, and `JSON.parse` building Ruby objects from the core reader.

use magnus::rb_sys::AsRawValue;
use magnus::{
    prelude::*, r_hash::ForEach, value::ReprValue, Error, Float, Integer, RArray, RClass, RHash,
    RModule, RString, Ruby, Symbol, Value,
};
use token_oxide_core::messages::json_parse::{self, Builder, ParseError};
use token_oxide_core::messages::json_write::{self, Escaping};

use super::settings;

/// `SystemStackError` when this thread's (or fiber's) machine stack is
/// nearly used up, checked before each nested level. ActiveSupport's
/// encoder is recursive Ruby and raises the same for deep input, at a depth
/// that depends on the stack (about 3,000 Hash levels on the main thread, 780
/// in a thread, 380 in a fiber); a fixed depth limit here would either
/// overflow a 1 MiB thread or a fiber, or refuse what the main thread can do.
/// `ruby_stack_check` compares against the bounds Ruby keeps for the running
/// thread or fiber, leaving the margin Ruby itself keeps for C calls.
fn check_stack(ruby: &Ruby) -> Result<(), Error> {
    // SAFETY: reads the current execution context's stack bounds; the GVL is held.
    if unsafe { rb_sys::ruby_stack_check() } != 0 {
        return Err(Error::new(
            ruby.exception_sys_stack_error(),
            "stack level too deep",
        ));
    }
    Ok(())
}

fn json_error(ruby: &Ruby, class: &str, msg: String) -> Error {
    let class = ruby
        .class_object()
        .const_get::<_, RModule>("JSON")
        .and_then(|json| json.const_get::<_, RClass>(class))
        .unwrap_or_else(|_| ruby.exception_runtime_error().as_r_class());
    Error::new(
        magnus::ExceptionClass::from_value(class.as_value())
            .unwrap_or_else(|| ruby.exception_runtime_error()),
        msg,
    )
}

/// Append a Ruby String's JSON form (the JSON gem reads its bytes as UTF-8
/// when the encoding is UTF-8, US-ASCII or binary; other encodings are
/// transcoded first).
fn write_rstring(
    ruby: &Ruby,
    s: RString,
    escaping: Escaping,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let index = s.enc_get();
    let s = if index == ruby.utf8_encindex()
        || index == ruby.usascii_encindex()
        || index == ruby.ascii8bit_encindex()
    {
        s
    } else {
        s.funcall::<_, _, RString>("encode", ("UTF-8",))?
    };
    // SAFETY: the bytes are copied into `out` before any Ruby code runs.
    let result = unsafe { json_write::write_string(s.as_slice(), escaping, out) };
    result.map_err(|_| {
        json_error(
            ruby,
            "GeneratorError",
            "source sequence is illegal/malformed utf-8".into(),
        )
    })
}

fn write_symbol(
    ruby: &Ruby,
    sym: Symbol,
    escaping: Escaping,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let name = sym.name()?;
    json_write::write_string(name.as_bytes(), escaping, out).map_err(|_| {
        json_error(
            ruby,
            "GeneratorError",
            "source sequence is illegal/malformed utf-8".into(),
        )
    })
}

/// Append `value` as `ActiveSupport::JSON.encode(value)` would write it.
pub fn encode_value(
    ruby: &Ruby,
    value: Value,
    escaping: Escaping,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), Error> {
    if value.is_nil() {
        out.extend_from_slice(b"null");
    } else if magnus::value::Qtrue::from_value(value).is_some() {
        out.extend_from_slice(b"true");
    } else if magnus::value::Qfalse::from_value(value).is_some() {
        out.extend_from_slice(b"false");
    } else if let Some(s) = RString::from_value(value) {
        write_rstring(ruby, s, escaping, out)?;
    } else if let Some(i) = Integer::from_value(value) {
        match i.to_i64() {
            Ok(n) => json_write::write_i64(n, out),
            Err(_) => {
                let text: RString = i.funcall("to_s", ())?;
                // SAFETY: copied immediately.
                out.extend_from_slice(unsafe { text.as_slice() });
            }
        }
    } else if let Some(f) = Float::from_value(value) {
        // Float#as_json turns NaN and Infinity into nil.
        let v = f.to_f64();
        if v.is_finite() {
            json_write::write_f64(v, out);
        } else {
            out.extend_from_slice(b"null");
        }
    } else if let Some(sym) = Symbol::from_value(value) {
        write_symbol(ruby, sym, escaping, out)?;
    } else if let Some(hash) = RHash::from_value(value) {
        check_stack(ruby)?;
        encode_hash(ruby, hash, escaping, out, depth)?;
    } else if let Some(array) = RArray::from_value(value) {
        check_stack(ruby)?;
        out.push(b'[');
        let mut i = 0;
        // Index each time: `as_json` of an element may change the array.
        while i < array.len() {
            if i > 0 {
                out.push(b',');
            }
            let item: Value = array.entry(i as isize)?;
            encode_value(ruby, item, escaping, out, depth + 1)?;
            i += 1;
        }
        out.push(b']');
    } else if value.is_kind_of(ruby.class_numeric()) {
        check_stack(ruby)?;
        // ActiveSupport's jsonify takes a Numeric's `as_json` as final (BigDecimal
        // gives a String); what is left the JSON gem writes with `to_s`.
        let json_ready: Value = if value.respond_to("as_json", false)? {
            value.funcall("as_json", ())?
        } else {
            value
        };
        let core = json_ready.is_nil()
            || RString::from_value(json_ready).is_some()
            || Integer::from_value(json_ready).is_some()
            || Float::from_value(json_ready).is_some();
        if core {
            encode_value(ruby, json_ready, escaping, out, depth + 1)?;
        } else {
            let text: RString = json_ready.funcall("to_s", ())?;
            write_rstring(ruby, text, escaping, out)?;
        }
    } else if value.respond_to("as_json", false)? {
        check_stack(ruby)?;
        let json_ready: Value = value.funcall("as_json", ())?;
        encode_value(ruby, json_ready, escaping, out, depth + 1)?;
    } else {
        // What the JSON gem does with an object it does not know.
        let text: RString = value.funcall("to_s", ())?;
        write_rstring(ruby, text, escaping, out)?;
    }
    Ok(())
}

fn encode_hash(
    ruby: &Ruby,
    hash: RHash,
    escaping: Escaping,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), Error> {
    // ActiveSupport stringifies other keys with `to_s` into a new Hash, so
    // keys that collide after `to_s` collapse; let Ruby build that Hash.
    let mut plain_keys = true;
    hash.foreach(|key: Value, _: Value| {
        if RString::from_value(key).is_none() && Symbol::from_value(key).is_none() {
            plain_keys = false;
            return Ok(ForEach::Stop);
        }
        Ok(ForEach::Continue)
    })?;
    if !plain_keys {
        let messages: RModule = ruby
            .class_object()
            .const_get::<_, RModule>("TokenOxide")?
            .const_get("Messages")?;
        let stringified: RHash = messages.funcall("stringify_json_keys", (hash,))?;
        return encode_hash(ruby, stringified, escaping, out, depth);
    }
    out.push(b'{');
    let mut first = true;
    hash.foreach(|key: Value, item: Value| {
        if !first {
            out.push(b',');
        }
        first = false;
        if let Some(s) = RString::from_value(key) {
            write_rstring(ruby, s, escaping, out)?;
        } else if let Some(sym) = Symbol::from_value(key) {
            write_symbol(ruby, sym, escaping, out)?;
        }
        out.push(b':');
        encode_value(ruby, item, escaping, out, depth + 1)?;
        Ok(ForEach::Continue)
    })?;
    out.push(b'}');
    Ok(())
}

/// A new UTF-8 String of `bytes` through `rb_utf8_str_new` (tags the string
/// directly, skipping `rb_enc_str_new`'s encoding look-up and association).
pub fn utf8_string(ruby: &Ruby, bytes: &[u8]) -> Value {
    new_string(ruby, bytes, rb_sys::rb_utf8_str_new)
}

/// A new US-ASCII String of `bytes` (tokens: base64 and hex).
pub fn usascii_string(ruby: &Ruby, bytes: &[u8]) -> RString {
    let value = new_string(ruby, bytes, rb_sys::rb_usascii_str_new);
    // Always a String: made just above.
    RString::from_value(value).unwrap_or_else(|| ruby.enc_str_new(bytes, ruby.usascii_encoding()))
}

fn new_string(
    ruby: &Ruby,
    bytes: &[u8],
    make: unsafe extern "C" fn(*const std::os::raw::c_char, std::os::raw::c_long) -> rb_sys::VALUE,
) -> Value {
    let Ok(len) = std::os::raw::c_long::try_from(bytes.len()) else {
        return ruby.enc_str_new(bytes, ruby.utf8_encoding()).as_value();
    };
    // An empty slice's pointer may dangle: give Ruby a real empty C string.
    let ptr = if bytes.is_empty() {
        c"".as_ptr()
    } else {
        bytes.as_ptr().cast()
    };
    // SAFETY: `ptr` and `len` describe `bytes`, which Ruby copies.
    unsafe { magnus::rb_sys::FromRawValue::from_raw(make(ptr, len)) }
}

/// Builds Ruby objects as `JSON.parse` would: UTF-8 strings, string keys.
pub struct RubyBuilder<'r> {
    pub ruby: &'r Ruby,
}

impl Builder for RubyBuilder<'_> {
    type Value = Value;
    type Array = RArray;
    type Object = RHash;
    type Error = Error;

    fn null(&mut self) -> Result<Value, Error> {
        Ok(self.ruby.qnil().as_value())
    }
    fn boolean(&mut self, value: bool) -> Result<Value, Error> {
        Ok(if value {
            self.ruby.qtrue().as_value()
        } else {
            self.ruby.qfalse().as_value()
        })
    }
    fn integer(&mut self, text: &[u8]) -> Result<Value, Error> {
        match small_integer(text) {
            Some(n) => Ok(self.ruby.integer_from_i64(n).as_value()),
            None => self.ruby.str_from_slice(text).funcall("to_i", ()),
        }
    }
    fn float(&mut self, value: f64) -> Result<Value, Error> {
        Ok(self.ruby.float_from_f64(value).as_value())
    }
    fn string(&mut self, bytes: &[u8]) -> Result<Value, Error> {
        Ok(utf8_string(self.ruby, bytes))
    }
    fn begin_array(&mut self) -> Result<RArray, Error> {
        Ok(self.ruby.ary_new())
    }
    // `push` and `insert` fill containers made by `begin_*` that no Ruby code
    // has seen (unfrozen, not being iterated, String keys): only running out
    // of memory can raise there, as in any allocation, so the rb_protect
    // magnus puts around `RArray::push` / `RHash::aset` is skipped.
    fn push(&mut self, array: &mut RArray, value: Value) -> Result<(), Error> {
        // SAFETY: see above; both are live objects on this thread's stack.
        unsafe { rb_sys::rb_ary_push(array.as_raw(), value.as_raw()) };
        Ok(())
    }
    fn end_array(&mut self, array: RArray) -> Result<Value, Error> {
        Ok(array.as_value())
    }
    fn begin_object(&mut self) -> Result<RHash, Error> {
        Ok(self.ruby.hash_new())
    }
    fn insert(&mut self, object: &mut RHash, key: &[u8], value: Value) -> Result<(), Error> {
        // SAFETY: see `push`.
        unsafe {
            rb_sys::rb_hash_aset(
                object.as_raw(),
                hash_key(self.ruby, key).as_raw(),
                value.as_raw(),
            )
        };
        Ok(())
    }
    fn end_object(&mut self, object: RHash) -> Result<Value, Error> {
        Ok(object.as_value())
    }
}

/// An integer literal of at most 18 digits (always fits in i64), read
/// without UTF-8 validation or `str::parse`; `None` for anything longer.
fn small_integer(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(text).ok()?.parse().ok();
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some(if negative { -n } else { n })
}

pub use super::key_cache::hash_key;

/// `Ok(Some(value))`, or `Ok(None)` when the JSON gem must parse `bytes`
/// (unusual syntax, or an error it will report itself).
pub fn parse_fast(ruby: &Ruby, bytes: &[u8]) -> Result<Option<Value>, Error> {
    match json_parse::parse(bytes, &mut RubyBuilder { ruby }) {
        Ok(v) => Ok(Some(v)),
        Err(ParseError::Bail) => Ok(None),
        Err(ParseError::Build(e)) => Err(e),
    }
}

/// `JSON.parse(bytes)`: the fast reader, else the JSON gem.
pub fn parse(ruby: &Ruby, bytes: &[u8]) -> Result<Value, Error> {
    if let Some(v) = parse_fast(ruby, bytes)? {
        return Ok(v);
    }
    let json: RModule = ruby.class_object().const_get("JSON")?;
    json.funcall("parse", (ruby.enc_str_new(bytes, ruby.utf8_encoding()),))
}

fn native_encode(ruby: &Ruby, value: Value) -> Result<RString, Error> {
    let mut out = Vec::new();
    encode_value(ruby, value, settings::escaping(), &mut out, 0)?;
    Ok(ruby.enc_str_new(&out, ruby.utf8_encoding()))
}

fn native_parse(ruby: &Ruby, text: RString) -> Result<Value, Error> {
    // Copy out first: building the result runs Ruby code.
    let bytes = unsafe { text.as_slice() }.to_vec();
    parse(ruby, &bytes)
}

pub fn define(ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let json = native.define_module("JSON")?;
    let _ = ruby;
    json.define_singleton_method("encode", magnus::function!(native_encode, 1))?;
    json.define_singleton_method("parse", magnus::function!(native_parse, 1))?;
    Ok(())
}
