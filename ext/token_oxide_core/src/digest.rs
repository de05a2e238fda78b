//! SHA digests and HMACs by algorithm name, with reusable keyed HMAC state.

use std::sync::atomic::{AtomicBool, Ordering};

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::error::{argument, Result};

/// The hash functions Rails' verifiers and token digests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// Large enough for any [`Algorithm`]'s output.
pub const MAX_OUTPUT: usize = 64;

/// A digest or MAC output: fixed storage, no heap allocation.
#[derive(Clone, Copy)]
pub struct Output {
    bytes: [u8; MAX_OUTPUT],
    len: usize,
}

impl Output {
    fn from_slice(slice: &[u8]) -> Self {
        let mut bytes = [0u8; MAX_OUTPUT];
        bytes[..slice.len()].copy_from_slice(slice);
        Output { bytes, len: slice.len() }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl AsRef<[u8]> for Output {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Output({})", crate::hex::encode(self.as_bytes()))
    }
}

impl Algorithm {
    /// Parse an OpenSSL-style name: "SHA1", "sha256", "SHA-256", … (any case).
    pub fn from_name(name: &str) -> Result<Self> {
        let normalized: String = name.chars().filter(|c| *c != '-').collect::<String>().to_ascii_uppercase();
        match normalized.as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA384" => Ok(Algorithm::Sha384),
            "SHA512" => Ok(Algorithm::Sha512),
            // Echo the name only when it looks like one: a key passed in the
            // algorithm's place by mistake must not end up in a log.
            _ if name.len() <= 16 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {
                Err(argument(format!("unsupported digest algorithm: {name:?} (use SHA1, SHA256, SHA384 or SHA512)")))
            }
            _ => Err(argument("unsupported digest algorithm (use SHA1, SHA256, SHA384 or SHA512)")),
        }
    }

    /// The OpenSSL name of the algorithm.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha384 => "SHA384",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Output size in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha384 => 48,
            Algorithm::Sha512 => 64,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Output {
        match self {
            Algorithm::Sha1 => Output::from_slice(&Sha1::digest(data)),
            Algorithm::Sha256 => Output::from_slice(&Sha256::digest(data)),
            Algorithm::Sha384 => Output::from_slice(&Sha384::digest(data)),
            Algorithm::Sha512 => Output::from_slice(&Sha512::digest(data)),
        }
    }

    /// The digest of the concatenation of `parts`, without building it.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Output {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Output {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            Output::from_slice(&hasher.finalize())
        }
        match self {
            Algorithm::Sha1 => run::<Sha1>(parts),
            Algorithm::Sha256 => run::<Sha256>(parts),
            Algorithm::Sha384 => run::<Sha384>(parts),
            Algorithm::Sha512 => run::<Sha512>(parts),
        }
    }

    /// HMAC of `data` under `key` (one-shot; see [`HmacKey`] to reuse a key).
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Output {
        HmacKey::new(self, key).mac(data)
    }
}

/// An HMAC key with its inner and outer pads already absorbed, so each MAC
/// costs only the message blocks. Clone-per-message is a memcpy of the state.
#[derive(Clone)]
pub enum HmacKey {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey({}, [FILTERED])", self.algorithm().name())
    }
}

/// The precomputed pads are as secret as the key itself: wipe them on drop.
impl Drop for HmacKey {
    fn drop(&mut self) {
        // SAFETY: each `Hmac<_>` is flat data (hash states, block buffers,
        // counters; no pointers, no Drop impls) for which all-zero bytes are
        // valid, and nothing reads it after this. The enum tag is left alone.
        unsafe {
            match self {
                HmacKey::Sha1(m) => zeroize::zeroize_flat_type(m as *mut Hmac<Sha1>),
                HmacKey::Sha256(m) => zeroize::zeroize_flat_type(m as *mut Hmac<Sha256>),
                HmacKey::Sha384(m) => zeroize::zeroize_flat_type(m as *mut Hmac<Sha384>),
                HmacKey::Sha512(m) => zeroize::zeroize_flat_type(m as *mut Hmac<Sha512>),
            }
        }
    }
}

impl HmacKey {
    pub fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so these cannot fail.
        match algorithm {
            Algorithm::Sha1 => HmacKey::Sha1(Hmac::new_from_slice(key).expect("any key length")),
            Algorithm::Sha256 => HmacKey::Sha256(Hmac::new_from_slice(key).expect("any key length")),
            Algorithm::Sha384 => HmacKey::Sha384(Hmac::new_from_slice(key).expect("any key length")),
            Algorithm::Sha512 => HmacKey::Sha512(Hmac::new_from_slice(key).expect("any key length")),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            HmacKey::Sha1(_) => Algorithm::Sha1,
            HmacKey::Sha256(_) => Algorithm::Sha256,
            HmacKey::Sha384(_) => Algorithm::Sha384,
            HmacKey::Sha512(_) => Algorithm::Sha512,
        }
    }

    /// The MAC of `data`.
    pub fn mac(&self, data: &[u8]) -> Output {
        self.mac_parts(&[data])
    }

    /// The MAC of the concatenation of `parts`.
    pub fn mac_parts(&self, parts: &[&[u8]]) -> Output {
        fn run<M: Mac + Clone>(state: &M, parts: &[&[u8]]) -> Output {
            let mut mac = state.clone();
            for part in parts {
                mac.update(part);
            }
            Output::from_slice(&mac.finalize().into_bytes())
        }
        match self {
            HmacKey::Sha1(m) => run(m, parts),
            HmacKey::Sha256(m) => run(m, parts),
            HmacKey::Sha384(m) => run(m, parts),
            HmacKey::Sha512(m) => run(m, parts),
        }
    }
}

/// Bytes hashed between two looks at the cancellation flag in
/// [`Hasher::update_cancellable`] (about a millisecond of SHA-256).
pub const BYTES_PER_CHECK: usize = 1 << 20;

/// A digest or HMAC fed in pieces, so a large input can be hashed a chunk at
/// a time and the work stopped (and resumed) between chunks.
#[derive(Clone)]
pub enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
    Hmac(HmacKey),
}

impl Hasher {
    pub fn digest(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha1 => Hasher::Sha1(Sha1::new()),
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha384 => Hasher::Sha384(Sha384::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub fn hmac(algorithm: Algorithm, key: &[u8]) -> Self {
        Hasher::Hmac(HmacKey::new(algorithm, key))
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => sha2::Digest::update(h, data),
            Hasher::Sha256(h) => sha2::Digest::update(h, data),
            Hasher::Sha384(h) => sha2::Digest::update(h, data),
            Hasher::Sha512(h) => sha2::Digest::update(h, data),
            Hasher::Hmac(HmacKey::Sha1(m)) => m.update(data),
            Hasher::Hmac(HmacKey::Sha256(m)) => m.update(data),
            Hasher::Hmac(HmacKey::Sha384(m)) => m.update(data),
            Hasher::Hmac(HmacKey::Sha512(m)) => m.update(data),
        }
    }

    /// Feeds `data[*done..]` in chunks of [`BYTES_PER_CHECK`], advancing
    /// `done`; `false` when it stopped early because `cancel` was set (call
    /// again to continue), `true` once all of `data` is in.
    pub fn update_cancellable(&mut self, data: &[u8], done: &mut usize, cancel: &AtomicBool) -> bool {
        while *done < data.len() {
            if cancel.load(Ordering::Acquire) {
                return false;
            }
            let end = (*done + BYTES_PER_CHECK).min(data.len());
            self.update(&data[*done..end]);
            *done = end;
        }
        true
    }

    pub fn finalize(self) -> Output {
        match self {
            Hasher::Sha1(h) => Output::from_slice(&h.finalize()),
            Hasher::Sha256(h) => Output::from_slice(&h.finalize()),
            Hasher::Sha384(h) => Output::from_slice(&h.finalize()),
            Hasher::Sha512(h) => Output::from_slice(&h.finalize()),
            Hasher::Hmac(key) => key.mac_parts(&[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::encode;

    #[test]
    fn known_digests() {
        assert_eq!(
            encode(Algorithm::Sha256.digest(b"abc").as_bytes()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(encode(Algorithm::Sha1.digest(b"abc").as_bytes()), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(Algorithm::Sha512.digest(b"").as_bytes().len(), 64);
        assert_eq!(Algorithm::Sha384.digest(b"").as_bytes().len(), 48);
    }

    #[test]
    fn rfc4231_case_2() {
        let mac = Algorithm::Sha256.hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            encode(mac.as_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn parts_equal_whole() {
        let key = HmacKey::new(Algorithm::Sha1, b"k");
        assert_eq!(key.mac(b"hello--world").as_bytes(), key.mac_parts(&[b"hello", b"--", b"world"]).as_bytes());
        assert_eq!(
            Algorithm::Sha256.digest(b"tokensalt").as_bytes(),
            Algorithm::Sha256.digest_parts(&[b"token", b"salt"]).as_bytes()
        );
    }

    #[test]
    fn hasher_in_cancelled_chunks_equals_one_shot() {
        let data: Vec<u8> = (0..(BYTES_PER_CHECK * 2 + 77)).map(|i| i as u8).collect();
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512] {
            for (mut hasher, expected) in [
                (Hasher::digest(algorithm), algorithm.digest(&data)),
                (Hasher::hmac(algorithm, b"key"), algorithm.hmac(b"key", &data)),
            ] {
                let mut done = 0;
                assert!(!hasher.update_cancellable(&data, &mut done, &AtomicBool::new(true)));
                assert_eq!(done, 0, "a set flag stops before any work");
                // Stop after each chunk, then resume.
                let mut stops = 0;
                while done < data.len() {
                    let before = done;
                    let end = done + BYTES_PER_CHECK;
                    hasher.update_cancellable(&data[..end.min(data.len())], &mut done, &AtomicBool::new(false));
                    assert!(done > before);
                    stops += 1;
                }
                assert!(hasher.update_cancellable(&data, &mut done, &AtomicBool::new(false)));
                assert_eq!(stops, 3);
                assert_eq!(hasher.finalize().as_bytes(), expected.as_bytes(), "{algorithm:?}");
            }
        }
    }

    #[test]
    fn hmac_key_is_wiped_on_drop() {
        use std::mem::{size_of_val, MaybeUninit};
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512] {
            let mut slot = MaybeUninit::new(HmacKey::new(algorithm, &[0xa5; 48]));
            // Where the keyed state lives inside the enum (tag and padding excluded).
            // SAFETY: the slot is initialised here.
            let (start, len) = match unsafe { slot.assume_init_ref() } {
                HmacKey::Sha1(m) => (m as *const _ as usize, size_of_val(m)),
                HmacKey::Sha256(m) => (m as *const _ as usize, size_of_val(m)),
                HmacKey::Sha384(m) => (m as *const _ as usize, size_of_val(m)),
                HmacKey::Sha512(m) => (m as *const _ as usize, size_of_val(m)),
            };
            // SAFETY: reading bytes of the slot's own storage as u8.
            let state = || unsafe { std::slice::from_raw_parts(start as *const u8, len).to_vec() };
            // (No look before the drop: the live state has uninitialised
            // padding. Without the Drop impl this test fails.)
            // SAFETY: the value is initialised and dropped exactly once; the
            // storage outlives the reads below.
            unsafe { slot.as_mut_ptr().drop_in_place() };
            assert!(state().iter().all(|b| *b == 0), "{algorithm:?}: keyed state wiped");
        }
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = HmacKey::new(Algorithm::Sha256, b"super-secret-key");
        let shown = format!("{key:?}");
        assert_eq!(shown, "HmacKey(SHA256, [FILTERED])");
    }

    #[test]
    fn names() {
        assert_eq!(Algorithm::from_name("sha-256").unwrap(), Algorithm::Sha256);
        assert_eq!(Algorithm::from_name("SHA1").unwrap(), Algorithm::Sha1);
        assert!(Algorithm::from_name("MD5").unwrap_err().to_string().contains("\"MD5\""));
        let key_by_mistake = "k3y-material-that-must-not-be-logged";
        assert!(!Algorithm::from_name(key_by_mistake).unwrap_err().to_string().contains("k3y"));
    }
}
