//! A small cache of JSON object keys as the frozen, deduplicated Strings
//! `Hash#[]=` stores, so the same key names (`"user_id"`, `"_rails"`...)
//! read from message after message skip Ruby's interned-string table lookup.
//! The JSON gem keeps a similar key cache for the same reason.
//!
//! Each slot is a GC root (`rb_gc_register_address`, which also pins the
//! string so its address stays valid under compaction); a slot overwritten
//! by another key releases its old string. Cached strings are only ever
//! interned UTF-8 Strings, and a hit is confirmed by comparing the bytes, so
//! a lookup returns exactly what interning would.
//!
//! Slots are published with Release and read with Acquire: under Ractors a
//! thread that finds a slot filled by another must also see the String
//! that slot points to fully written (Relaxed would allow a stale view on
//! weakly ordered CPUs such as ARM).

use std::sync::atomic::{AtomicUsize, Ordering};

use magnus::{
    rb_sys::{AsRawValue, FromRawValue},
    value::ReprValue,
    RString, Ruby, Value,
};
use rb_sys::VALUE;

const SLOTS: usize = 64;
/// Longer keys are interned without the cache.
const MAX_KEY_LEN: usize = 32;

static CACHE: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

pub fn define() {
    for slot in &CACHE {
        // SAFETY: AtomicUsize has the layout of VALUE; the static lives forever.
        unsafe { rb_sys::rb_gc_register_address(slot.as_ptr() as *mut VALUE) };
    }
}

fn slot_of(key: &[u8]) -> usize {
    // FNV-1a: short keys, no need for more.
    let mut hash: u32 = 0x811c_9dc5;
    for &b in key {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    hash as usize % SLOTS
}

/// The interned UTF-8 String for `key` (the GVL must be held).
pub fn hash_key(ruby: &Ruby, key: &[u8]) -> Value {
    if key.len() > MAX_KEY_LEN {
        return intern(ruby, key);
    }
    let slot = &CACHE[slot_of(key)];
    let cached = slot.load(Ordering::Acquire);
    if cached != 0 {
        // SAFETY: a live String held by the GC root in `slot`; its bytes are
        // compared before any Ruby code runs.
        let value = unsafe { Value::from_raw(cached as VALUE) };
        if let Some(s) = RString::from_value(value) {
            if unsafe { s.as_slice() } == key {
                return value;
            }
        }
    }
    let interned = intern(ruby, key);
    slot.store(interned.as_raw() as usize, Ordering::Release);
    interned
}

/// `rb_enc_interned_str`: the deduplicated frozen UTF-8 String, allocated
/// only when the text is new.
fn intern(ruby: &Ruby, key: &[u8]) -> Value {
    let Ok(len) = std::os::raw::c_long::try_from(key.len()) else {
        return ruby.enc_str_new(key, ruby.utf8_encoding()).as_value();
    };
    // An empty slice's pointer is dangling, and Ruby 3.1 reads through it
    // (a segfault): give it a real, empty C string instead.
    let ptr = if key.is_empty() {
        c"".as_ptr()
    } else {
        key.as_ptr().cast()
    };
    // SAFETY: `ptr` and `len` describe `key` (or an empty C string); the
    // encoding is static.
    unsafe {
        Value::from_raw(rb_sys::rb_enc_interned_str(
            ptr,
            len,
            rb_sys::rb_utf8_encoding(),
        ))
    }
}
