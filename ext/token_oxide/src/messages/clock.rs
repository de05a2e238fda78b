//! "Now" for expiry, as `Time.now` answers it, without a Ruby call when
//! `Time.now` is Ruby's own method.
//!
//! Expiry must follow `Time.now` so `travel_to`, Timecop and stubs apply. When
//! the method a `Time.now` call would run is Ruby's own (`<internal:timev>`
//! on 3.1+, a C function before), calling it yields exactly
//! `clock_gettime(CLOCK_REALTIME)`, so that clock is read here instead (no
//! Ruby call, no allocation). Any other method (a `travel_to` stub, Timecop,
//! an alias, a module prepended to `Time.singleton_class`) is called through
//! Ruby as before.
//!
//! Which method a call would run is `rb_callable_method_entry(Time's
//! singleton class, :now)`: Ruby's own method-cache lookup, which every
//! `def`, `define_method`, `alias_method`, `remove_method` and `prepend`
//! invalidates. `rb_method_basic_definition_p` cannot be used: on Ruby 3.1+
//! `Time.now` is defined in Ruby (timev.rb) and never counts as "basic". The
//! lookup function is not declared in Ruby's headers; libruby 3.1 exports
//! it, 3.3 does not (its symbols are hidden), so it is resolved with `dlsym`
//! at load. Without it no public function tells which method `Time.now`
//! would run (a prepended module included) short of a Ruby call, so every
//! expiry read then calls `Time.now` through Ruby.
//!
//! Entries are compared by address. An entry seen for the first time is
//! judged once by `Method#==` against `Time.method(:now)` captured at load
//! (which sees through aliases, so the fast path returns after
//! `travel_back` restores the original by alias). Entries taken as genuine
//! are held as GC roots while they are compared against, so a stub can
//! never reuse their address; a reused address of a non-genuine entry only
//! costs a Ruby call.

use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use magnus::{
    prelude::*,
    rb_sys::{AsRawValue, FromRawValue},
    value::ReprValue,
    value::LazyId,
    Error, RArray, Ruby, Time, Value,
};
use rb_sys::{ID, VALUE};
use token_oxide_core::messages::time::Instant;

type LookupFn = unsafe extern "C" fn(VALUE, ID) -> *const c_void;

struct Probe {
    lookup: LookupFn,
    id_now: ID,
}

// SAFETY: a function address and an interned (static, never freed) ID.
unsafe impl Send for Probe {}
unsafe impl Sync for Probe {}

static PROBE: OnceLock<Option<Probe>> = OnceLock::new();
/// `:now`, interned once (not per expiry read).
static NOW: LazyId = LazyId::new("now");
// GC roots (registered with rb_gc_register_address, which also pins them,
// so compaction never moves what these hold): `Time`'s singleton class (the
// class the lookup runs on: a raw VALUE kept across calls must be pinned),
// `Time.method(:now)` at load, its method entry, and the latest entry found
// to be that method restored (replaced, and so released, by the next one).
static SINGLETON: AtomicUsize = AtomicUsize::new(0);
static ORIGINAL_METHOD: AtomicUsize = AtomicUsize::new(0);
static ORIGINAL_ENTRY: AtomicUsize = AtomicUsize::new(0);
static RESTORED_ENTRY: AtomicUsize = AtomicUsize::new(0);
/// The last entry found not to be the original (not kept alive: a reused
/// address only costs a Ruby call).
static LAST_FOREIGN: AtomicUsize = AtomicUsize::new(0);

fn register_root(slot: &'static AtomicUsize) {
    // SAFETY: AtomicUsize has the layout of VALUE; the static lives forever.
    unsafe { rb_sys::rb_gc_register_address(slot.as_ptr() as *mut VALUE) };
}

/// `Time.now` as an [`Instant`] (`None` for a non-Time answer).
pub fn now(ruby: &Ruby) -> Result<Option<Instant>, Error> {
    if runs_builtin_now(ruby)? {
        if let Some(instant) = realtime() {
            return Ok(Some(instant));
        }
    }
    let now: Value = ruby.class_time().funcall(*NOW, ())?;
    match Time::from_value(now) {
        Some(t) => instant_of(t),
        None => Ok(None),
    }
}

pub fn instant_of(time: Time) -> Result<Option<Instant>, Error> {
    let ts = time.timespec()?;
    Ok(u32::try_from(ts.tv_nsec)
        .ok()
        .and_then(|n| Instant::new(ts.tv_sec, n)))
}

/// CLOCK_REALTIME, what Ruby's own `Time.now` reads.
fn realtime() -> Option<Instant> {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    Instant::new(i64::try_from(since.as_secs()).ok()?, since.subsec_nanos())
}

/// Whether `Time.now` would run Ruby's own method right now.
fn runs_builtin_now(ruby: &Ruby) -> Result<bool, Error> {
    let Some(Some(probe)) = PROBE.get() else {
        return Ok(false);
    };
    let singleton = SINGLETON.load(Ordering::Acquire) as VALUE;
    // SAFETY: called with the GVL held, on a pinned live class and interned ID.
    let entry = unsafe { (probe.lookup)(singleton, probe.id_now) } as usize;
    if entry == 0 {
        return Ok(false);
    }
    if entry == ORIGINAL_ENTRY.load(Ordering::Relaxed)
        || entry == RESTORED_ENTRY.load(Ordering::Relaxed)
    {
        return Ok(true);
    }
    if LAST_FOREIGN.load(Ordering::Relaxed) == entry {
        return Ok(false);
    }
    // First sight of this entry: is it the original method (maybe aliased back)?
    let current: Value = ruby
        .class_time()
        .funcall("method", (ruby.to_symbol("now"),))?;
    // SAFETY: a registered GC root.
    let original = unsafe { Value::from_raw(ORIGINAL_METHOD.load(Ordering::Relaxed) as VALUE) };
    let same: bool = current.funcall("==", (original,))?;
    // The calls above must not have changed the method meanwhile.
    // SAFETY: as above.
    let still = unsafe { (probe.lookup)(singleton, probe.id_now) } as usize;
    if same && still == entry {
        // Storing it in the root keeps it alive while it is compared against.
        RESTORED_ENTRY.store(entry, Ordering::Relaxed);
        return Ok(true);
    }
    LAST_FOREIGN.store(entry, Ordering::Relaxed);
    Ok(false)
}

#[cfg(unix)]
fn lookup_function() -> Option<LookupFn> {
    let name = CStr::from_bytes_with_nul(b"rb_callable_method_entry\0").ok()?;
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
    let symbol = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    // SAFETY: when present, the symbol is Ruby's function of this signature.
    (!symbol.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, LookupFn>(symbol) })
}

/// Elsewhere `Time.now` is always called through Ruby.
#[cfg(not(unix))]
fn lookup_function() -> Option<LookupFn> {
    None
}

/// Whether `Time.now` at load is Ruby's own: a C function Ruby marks as
/// basic (before 3.1), or the method from Ruby's `<internal:timev>`.
fn loaded_now_is_builtin(
    ruby: &Ruby,
    singleton: VALUE,
    id_now: ID,
    method: Value,
) -> Result<bool, Error> {
    // SAFETY: public C API, GVL held.
    if unsafe { rb_sys::rb_method_basic_definition_p(singleton, id_now) } != 0 {
        return Ok(true);
    }
    let location: Option<RArray> = method.funcall("source_location", ())?;
    let Some(location) = location else {
        return Ok(false);
    };
    let path: Value = location.entry(0)?;
    let owner: Value = method.funcall("owner", ())?;
    Ok(path.to_string() == "<internal:timev>"
        && owner.as_raw() == ruby.class_time().singleton_class()?.as_raw())
}

pub fn define(ruby: &Ruby) -> Result<(), Error> {
    let singleton = ruby.class_time().singleton_class()?.as_raw();
    // SAFETY: interning a static NUL-terminated name.
    let id_now = unsafe { rb_sys::rb_intern(c"now".as_ptr()) };
    let method: Value = ruby
        .class_time()
        .funcall("method", (ruby.to_symbol("now"),))?;
    let probe = match lookup_function() {
        Some(lookup) if loaded_now_is_builtin(ruby, singleton, id_now, method)? => {
            for slot in [&SINGLETON, &ORIGINAL_METHOD, &ORIGINAL_ENTRY, &RESTORED_ENTRY] {
                register_root(slot);
            }
            SINGLETON.store(singleton as usize, Ordering::Release);
            ORIGINAL_METHOD.store(method.as_raw() as usize, Ordering::Relaxed);
            // SAFETY: GVL held, live class and interned ID.
            let entry = unsafe { lookup(singleton, id_now) } as usize;
            ORIGINAL_ENTRY.store(entry, Ordering::Relaxed);
            Some(Probe { lookup, id_now })
        }
        _ => None,
    };
    let _ = PROBE.set(probe);
    Ok(())
}

/// `TokenOxide::Native.builtin_time_now?`: whether expiry reads the clock
/// directly right now (for specs).
pub fn builtin_time_now(ruby: &Ruby) -> Result<bool, Error> {
    runs_builtin_now(ruby)
}
