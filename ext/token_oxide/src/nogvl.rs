//! Running slow, pure-Rust work (PBKDF2, large digests) without holding
//! Ruby's GVL, so other Ruby threads keep running meanwhile, and (with
//! [`without_gvl_interruptible`]) so Timeout, signals and `Thread#raise`
//! still reach the thread doing it.
//!
//! The closure must not touch any Ruby object: copy inputs into owned Rust
//! buffers first. A panic inside it is caught here and turned into a Ruby
//! exception; it never unwinds through Ruby's C frames.
//!
//! `rb_thread_call_without_gvl2` is used (not the plain form) because it does
//! not run interrupts after the call: a pending exception must not longjmp
//! across these Rust frames, so interrupts run under `rb_protect` instead.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};

use magnus::{Error, Ruby};

struct Call<F, R> {
    func: Option<F>,
    result: Option<std::thread::Result<R>>,
}

unsafe extern "C" fn trampoline<F, R>(data: *mut c_void) -> *mut c_void
where
    F: FnOnce() -> R,
{
    // SAFETY: `data` is the `&mut Call` passed by `without_gvl_interruptible` and
    // outlives this call.
    let call = unsafe { &mut *(data as *mut Call<F, R>) };
    if let Some(func) = call.func.take() {
        call.result = Some(catch_unwind(AssertUnwindSafe(func)));
    }
    null_mut()
}

/// The trampoline for `call`'s closure type (which cannot be named).
fn trampoline_for<F, R>(_: &Call<F, R>) -> unsafe extern "C" fn(*mut c_void) -> *mut c_void
where
    F: FnOnce() -> R,
{
    trampoline::<F, R>
}

/// Called by Ruby from another thread when this one must stop blocking
/// (`Thread#raise`/`kill`, `Timeout`, a signal for the main thread,
/// `Thread#wakeup`, VM shutdown): raises the work's cancellation flag.
unsafe extern "C" fn set_flag(data: *mut c_void) {
    // SAFETY: `data` is the flag of `without_gvl_interruptible`, which Ruby
    // only hands to us while the blocking call that owns it is running.
    let flag = unsafe { &*(data as *const AtomicBool) };
    flag.store(true, Ordering::Release);
}

/// Runs long work without the GVL so that Ruby can interrupt it.
///
/// `step` is given a flag and must return `None` soon after the flag is set
/// (checking it between chunks of work), keeping its progress, or
/// `Some(result)` when done. When it stopped, the pending interrupts run with
/// the GVL held (`rb_thread_check_ints`, under `rb_protect` so no exception
/// jumps over Rust frames): an exception they raise (Timeout::Error,
/// Interrupt, a trap handler's `exit`...) is returned as the error; if they
/// return (a trap handler that only logs, `Thread#wakeup`), `step` continues.
pub fn without_gvl_interruptible<R>(
    ruby: &Ruby,
    mut step: impl FnMut(&AtomicBool) -> Option<R>,
) -> Result<R, Error> {
    let mut skipped = 0;
    loop {
        let flag = AtomicBool::new(false);
        let mut call = Call {
            func: Some(|| step(&flag)),
            result: None,
        };
        // SAFETY: the trampoline only touches `call` and the unblocking
        // function only `flag`; both live across the call.
        unsafe {
            rb_sys::rb_thread_call_without_gvl2(
                Some(trampoline_for(&call)),
                &mut call as *mut _ as *mut c_void,
                Some(set_flag),
                &flag as *const AtomicBool as *mut c_void,
            );
        }
        let ran = call.result.take();
        drop(call);
        let outcome = match ran {
            Some(Ok(outcome)) => {
                skipped = 0;
                outcome
            }
            Some(Err(_)) => return Err(panic_error(ruby)),
            // An interrupt was already pending: Ruby did not start `step`.
            None => {
                skipped += 1;
                if skipped > 2 {
                    // Interrupts that stay pending but never run (deferred by
                    // Thread.handle_interrupt): finish with the GVL held.
                    let never = AtomicBool::new(false);
                    return catch_unwind(AssertUnwindSafe(|| loop {
                        if let Some(result) = step(&never) {
                            break result;
                        }
                    }))
                    .map_err(|_| panic_error(ruby));
                }
                None
            }
        };
        if let Some(result) = outcome {
            return Ok(result);
        }
        check_interrupts()?;
    }
}

/// `rb_thread_check_ints` under `rb_protect`: the raised exception, if any,
/// comes back as an `Err` that magnus re-raises once the Rust frames are gone.
fn check_interrupts() -> Result<(), Error> {
    magnus::rb_sys::protect(|| {
        // SAFETY: called with the GVL held, from a Ruby thread.
        unsafe { rb_sys::rb_thread_check_ints() };
        rb_sys::Qnil as rb_sys::VALUE
    })
    .map(|_| ())
}

fn panic_error(ruby: &Ruby) -> Error {
    Error::new(
        ruby.exception_runtime_error(),
        "token_oxide: internal error in native code (panic caught)",
    )
}
