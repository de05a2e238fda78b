//! "Now" for expiry, as `Time.now` answers it, without a Ruby call while
//! `Time.now` is Ruby's own method.
//!
//! Expiry must follow `Time.now` so `travel_to`, Timecop and stubs apply.
//! Ruby's own `Time.now` (`<internal:timev>`) returns exactly
//! `clock_gettime(CLOCK_REALTIME)`, so while it is the method a call would
//! run, that clock is read here instead (no Ruby call, no Time object).
//!
//! Which method that is, is tracked from Ruby by
//! `lib/token_oxide/time_now_watch.rb`: its hooks call
//! `Native.time_now_changed` whenever a method named `now` is defined,
//! aliased, removed or undefined on `Time`'s singleton class, and around
//! every module prepended to it. Each change starts a new generation; the
//! first expiry read of a generation asks Ruby once
//! (`TokenOxide::TimeNowWatch.genuine?`: `Time.method(:now)` is the original
//! and no other module is prepended) and the answer holds until the next
//! change. Until the watch is installed, and whenever it says no, `Time.now`
//! is called through Ruby. Only public Ruby API is involved, the same on
//! every Ruby version.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use magnus::{prelude::*, value::LazyId, Error, RModule, Ruby, Time, Value};
use token_oxide_core::messages::time::Instant;

/// `:now`, interned once (not per expiry read).
static NOW: LazyId = LazyId::new("now");
/// Whether the Ruby hooks are in place (set once by `watch_time_now`).
static WATCHED: AtomicBool = AtomicBool::new(false);
/// Bumped by every change the hooks report.
static GENERATION: AtomicUsize = AtomicUsize::new(1);
/// The last verdict, for the generation it was reached in: `2g + 1` when
/// `Time.now` was the original in generation `g`, `2g` when it was not
/// (0 before the first).
static VERDICT: AtomicUsize = AtomicUsize::new(0);

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

/// Whether `Time.now` would run Ruby's own method right now (also
/// `TokenOxide::Native.builtin_time_now?`, for specs).
fn runs_builtin_now(ruby: &Ruby) -> Result<bool, Error> {
    if !WATCHED.load(Ordering::Acquire) {
        return Ok(false);
    }
    let generation = GENERATION.load(Ordering::Acquire);
    let verdict = VERDICT.load(Ordering::Acquire);
    let judged = generation.wrapping_mul(2);
    if verdict == judged | 1 {
        return Ok(true);
    }
    if verdict == judged {
        return Ok(false);
    }
    let watch: RModule = ruby
        .class_object()
        .const_get::<_, RModule>("TokenOxide")?
        .const_get("TimeNowWatch")?;
    let genuine: bool = watch.funcall("genuine?", ())?;
    // Kept for this generation only: a change meanwhile (the call above
    // ran Ruby) has moved the generation on, so the next read asks again.
    VERDICT.store(judged | usize::from(genuine), Ordering::Release);
    Ok(genuine && GENERATION.load(Ordering::Acquire) == generation)
}

/// `TokenOxide::Native.time_now_changed`: the hooks saw `Time.now` change.
fn time_now_changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// `TokenOxide::Native.watch_time_now`: the hooks are installed.
fn watch_time_now() {
    time_now_changed();
    WATCHED.store(true, Ordering::Release);
}

pub fn define(native: RModule) -> Result<(), Error> {
    native.define_singleton_method("time_now_changed", magnus::function!(time_now_changed, 0))?;
    native.define_singleton_method("watch_time_now", magnus::function!(watch_time_now, 0))?;
    native.define_singleton_method("builtin_time_now?", magnus::function!(runs_builtin_now, 0))?;
    Ok(())
}
