//! TokenOxide::Native constant-time comparison.

use magnus::{function, prelude::*, Error, RModule, RString, Ruby};
use token_oxide_core::compare;

use crate::errors::argument;

fn secure_compare(a: RString, b: RString) -> bool {
    // SAFETY: the slices are only read here, and no Ruby code runs (so no GC
    // and no mutation) while they are borrowed.
    unsafe { compare::secure_compare(a.as_slice(), b.as_slice()) }
}

fn fixed_length_secure_compare(ruby: &Ruby, a: RString, b: RString) -> Result<bool, Error> {
    // SAFETY: as above.
    let result = unsafe { compare::fixed_length_secure_compare(a.as_slice(), b.as_slice()) };
    result.map_err(|_| argument(ruby, "inputs must be of equal length"))
}

pub fn define(_ruby: &Ruby, module: RModule) -> Result<(), Error> {
    module.define_singleton_method("secure_compare", function!(secure_compare, 2))?;
    module.define_singleton_method("fixed_length_secure_compare", function!(fixed_length_secure_compare, 2))?;
    Ok(())
}
