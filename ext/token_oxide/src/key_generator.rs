//! TokenOxide::Native::KeyGenerator: PBKDF2 over a secret held in Rust memory
//! (wiped when the object is collected, never shown by `inspect`), computed
//! with the GVL released because 2**16 iterations take tens of milliseconds,
//! and interruptible (Timeout, signals, Thread#raise stop it within a chunk
//! of rounds).

use magnus::{function, method, prelude::*, Error, RClass, RModule, RString, Ruby, Value};
use token_oxide_core::kdf::{self, Pbkdf2Job, Pbkdf2Params};
use zeroize::Zeroizing;

use crate::digest::algorithm_arg;
use crate::errors::{argument, to_ruby};
use crate::nogvl::without_gvl_interruptible;

#[magnus::wrap(class = "TokenOxide::Native::KeyGenerator", free_immediately, size)]
struct KeyGenerator {
    secret: Zeroizing<Vec<u8>>,
    params: Pbkdf2Params,
}

fn key_size_arg(ruby: &Ruby, key_size: i64) -> Result<usize, Error> {
    let size =
        usize::try_from(key_size).map_err(|_| argument(ruby, "key_size must not be negative"))?;
    kdf::check_key_size(size).map_err(|e| to_ruby(ruby, e))?;
    Ok(size)
}

fn iterations_arg(ruby: &Ruby, iterations: i64) -> Result<u64, Error> {
    u64::try_from(iterations).map_err(|_| argument(ruby, "iterations must be at least 1"))
}

/// Runs a PBKDF2 job without the GVL; an interrupt (Timeout::Error, a
/// signal's exception) raised meanwhile is raised from here.
fn derive(
    ruby: &Ruby,
    params: Pbkdf2Params,
    secret: &[u8],
    salt: &[u8],
    key_size: usize,
) -> Result<RString, Error> {
    let mut job = Pbkdf2Job::new(params, secret, salt, key_size).map_err(|e| to_ruby(ruby, e))?;
    without_gvl_interruptible(ruby, |cancel| job.run(cancel).then_some(()))?;
    Ok(ruby.str_from_slice(&job.into_key()))
}

impl KeyGenerator {
    fn new(ruby: &Ruby, secret: RString, iterations: i64, digest: Value) -> Result<Self, Error> {
        let algorithm = algorithm_arg(ruby, digest)?;
        let params = Pbkdf2Params::new(algorithm, iterations_arg(ruby, iterations)?)
            .map_err(|e| to_ruby(ruby, e))?;
        // SAFETY: copied at once; no Ruby code runs during the borrow.
        let secret = Zeroizing::new(unsafe { secret.as_slice() }.to_vec());
        Ok(KeyGenerator { secret, params })
    }

    fn generate_key(
        ruby: &Ruby,
        rb_self: &Self,
        salt: RString,
        key_size: i64,
    ) -> Result<RString, Error> {
        let key_size = key_size_arg(ruby, key_size)?;
        // Copy the salt: another thread may mutate the Ruby string while the
        // GVL is released. The secret is Rust-owned and never mutated.
        // SAFETY: copied at once; no Ruby code runs during the borrow.
        let salt = unsafe { salt.as_slice() }.to_vec();
        derive(ruby, rb_self.params, &rb_self.secret, &salt, key_size)
    }

    fn iterations(&self) -> u32 {
        self.params.iterations
    }

    fn digest(&self) -> &'static str {
        self.params.algorithm.name()
    }

    fn inspect(&self) -> String {
        format!(
            "#<TokenOxide::Native::KeyGenerator PBKDF2-HMAC-{} iterations={} secret=[FILTERED]>",
            self.params.algorithm.name(),
            self.params.iterations
        )
    }
}

/// One-shot PBKDF2: `Native.pbkdf2_hmac(secret, salt, iterations, key_size, "SHA256")`.
fn pbkdf2_hmac(
    ruby: &Ruby,
    secret: RString,
    salt: RString,
    iterations: i64,
    key_size: i64,
    digest: Value,
) -> Result<RString, Error> {
    let algorithm = algorithm_arg(ruby, digest)?;
    let params = Pbkdf2Params::new(algorithm, iterations_arg(ruby, iterations)?)
        .map_err(|e| to_ruby(ruby, e))?;
    let key_size = key_size_arg(ruby, key_size)?;
    // SAFETY: copied at once; no Ruby code runs during the borrows.
    let secret = Zeroizing::new(unsafe { secret.as_slice() }.to_vec());
    let salt = unsafe { salt.as_slice() }.to_vec();
    derive(ruby, params, &secret, &salt, key_size)
}

pub fn define(ruby: &Ruby, native: RModule) -> Result<(), Error> {
    let class: RClass = native.define_class("KeyGenerator", ruby.class_object())?;
    class.undef_default_alloc_func();
    class.define_singleton_method("new", function!(KeyGenerator::new, 3))?;
    class.define_method("generate_key", method!(KeyGenerator::generate_key, 2))?;
    class.define_method("iterations", method!(KeyGenerator::iterations, 0))?;
    class.define_method("digest", method!(KeyGenerator::digest, 0))?;
    class.define_method("inspect", method!(KeyGenerator::inspect, 0))?;
    class.define_method("to_s", method!(KeyGenerator::inspect, 0))?;
    native.define_singleton_method("pbkdf2_hmac", function!(pbkdf2_hmac, 5))?;
    Ok(())
}
