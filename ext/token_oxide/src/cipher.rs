//! TokenOxide::Native AES-256-GCM / AES-256-CBC primitives (binary Strings in
//! and out). Decryption answers nil for a message that does not authenticate
//! or unpad; wrong key/IV sizes raise ArgumentError naming the expected size.

use magnus::{function, prelude::*, Error, RArray, RModule, RString, Ruby};
use token_oxide_core::cipher;

use crate::errors::to_ruby;

fn binary(ruby: &Ruby, bytes: &[u8]) -> RString {
    ruby.str_from_slice(bytes)
}

fn aes256_gcm_encrypt(
    ruby: &Ruby,
    key: RString,
    iv: RString,
    aad: RString,
    plaintext: RString,
) -> Result<RArray, Error> {
    // SAFETY: read-only borrows; the core copies what it keeps and no Ruby
    // code runs until they end.
    let sealed = unsafe {
        cipher::aes256_gcm_encrypt(
            key.as_slice(),
            iv.as_slice(),
            aad.as_slice(),
            plaintext.as_slice(),
        )
    }
    .map_err(|e| to_ruby(ruby, e))?;
    Ok(ruby.ary_new_from_values(&[binary(ruby, &sealed.ciphertext), binary(ruby, &sealed.tag)]))
}

fn aes256_gcm_decrypt(
    ruby: &Ruby,
    key: RString,
    iv: RString,
    aad: RString,
    ciphertext: RString,
    tag: RString,
) -> Result<Option<RString>, Error> {
    // SAFETY: as above.
    let opened = unsafe {
        cipher::aes256_gcm_decrypt(
            key.as_slice(),
            iv.as_slice(),
            aad.as_slice(),
            ciphertext.as_slice(),
            tag.as_slice(),
        )
    }
    .map_err(|e| to_ruby(ruby, e))?;
    Ok(opened.map(|plain| binary(ruby, &plain)))
}

fn aes256_cbc_encrypt(
    ruby: &Ruby,
    key: RString,
    iv: RString,
    plaintext: RString,
) -> Result<RString, Error> {
    // SAFETY: as above.
    let ciphertext =
        unsafe { cipher::aes256_cbc_encrypt(key.as_slice(), iv.as_slice(), plaintext.as_slice()) }
            .map_err(|e| to_ruby(ruby, e))?;
    Ok(binary(ruby, &ciphertext))
}

fn aes256_cbc_decrypt(
    ruby: &Ruby,
    key: RString,
    iv: RString,
    ciphertext: RString,
) -> Result<Option<RString>, Error> {
    // SAFETY: as above.
    let opened =
        unsafe { cipher::aes256_cbc_decrypt(key.as_slice(), iv.as_slice(), ciphertext.as_slice()) }
            .map_err(|e| to_ruby(ruby, e))?;
    Ok(opened.map(|plain| binary(ruby, &plain)))
}

pub fn define(_ruby: &Ruby, native: RModule) -> Result<(), Error> {
    native.define_singleton_method("aes256_gcm_encrypt", function!(aes256_gcm_encrypt, 4))?;
    native.define_singleton_method("aes256_gcm_decrypt", function!(aes256_gcm_decrypt, 5))?;
    native.define_singleton_method("aes256_cbc_encrypt", function!(aes256_cbc_encrypt, 3))?;
    native.define_singleton_method("aes256_cbc_decrypt", function!(aes256_cbc_decrypt, 3))?;
    Ok(())
}
