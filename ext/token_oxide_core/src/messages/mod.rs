//! The message formats of ActiveSupport's MessageVerifier/MessageEncryptor:
//! ActiveSupport-compatible JSON, the `_rails` metadata envelope's pieces
//! (expiry timestamps), signed-token splitting and base64 with alphabet fallback.

pub mod codec;
pub mod float;
pub mod json_parse;
pub mod json_write;
pub mod signed;
pub mod time;
