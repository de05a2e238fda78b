//! Running slow, pure-Rust work (PBKDF2) without holding Ruby's GVL, so other
//! Ruby threads keep running meanwhile.
//!
//! The closure must not touch any Ruby object: copy inputs into owned Rust
//! buffers first. A panic inside it is caught here and turned into a Ruby
//! exception by the caller; it never unwinds through Ruby's C frames.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

use magnus::{Error, Ruby};

struct Call<F, R> {
    func: Option<F>,
    result: Option<std::thread::Result<R>>,
}

unsafe extern "C" fn trampoline<F, R>(data: *mut c_void) -> *mut c_void
where
    F: FnOnce() -> R,
{
    // SAFETY: `data` is the `&mut Call` passed by `without_gvl` below and
    // outlives this call.
    let call = unsafe { &mut *(data as *mut Call<F, R>) };
    if let Some(func) = call.func.take() {
        call.result = Some(catch_unwind(AssertUnwindSafe(func)));
    }
    null_mut()
}

/// Runs `func` with the GVL released and returns its result; a panic becomes
/// a Ruby `RuntimeError`.
///
/// Uses `rb_thread_call_without_gvl2`, which does not check interrupts after
/// the call, so a pending `Thread#raise`/`kill` cannot longjmp across these
/// Rust frames; Ruby delivers it at its next safe point instead. If an
/// interrupt was already pending, Ruby skips `func`; we then run it with the
/// GVL held rather than failing.
pub fn without_gvl<F, R>(ruby: &Ruby, func: F) -> Result<R, Error>
where
    F: FnOnce() -> R,
{
    let mut call = Call {
        func: Some(func),
        result: None,
    };
    // SAFETY: the trampoline only touches `call`, which lives across the call;
    // no unblocking function is needed because the work is bounded.
    unsafe {
        rb_sys::rb_thread_call_without_gvl2(
            Some(trampoline::<F, R>),
            &mut call as *mut Call<F, R> as *mut c_void,
            None,
            null_mut(),
        );
    }
    if let Some(func) = call.func.take() {
        call.result = Some(catch_unwind(AssertUnwindSafe(func)));
    }
    match call.result {
        Some(Ok(value)) => Ok(value),
        _ => Err(Error::new(
            ruby.exception_runtime_error(),
            "token_oxide: internal error in native code (panic caught)",
        )),
    }
}
