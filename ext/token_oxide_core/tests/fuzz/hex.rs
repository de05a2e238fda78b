//! Hex decoding against a plain model, and round trips.

use proptest::prelude::*;
use token_oxide_core::hex;

use crate::harness::fuzz;

fn model_decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    let s = std::str::from_utf8(text).ok()?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[test]
fn fuzz_hex_decode() {
    let text = prop_oneof![
        prop::collection::vec(prop::sample::select(b"0123456789abcdefABCDEFgxz -+".to_vec()), 0..64),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    fuzz("hex_decode", text, |text| {
        prop_assert_eq!(hex::decode(&text), model_decode(&text));
        Ok(())
    });
}

#[test]
fn fuzz_hex_round_trip() {
    fuzz("hex_round_trip", prop::collection::vec(any::<u8>(), 0..128), |data| {
        let text = hex::encode(&data);
        prop_assert_eq!(text.len(), data.len() * 2);
        prop_assert!(text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        prop_assert_eq!(hex::decode(text.as_bytes()), Some(data.clone()));
        // Appending: what the buffer held stays, the digits are `%02x`'s.
        let model: String = data.iter().map(|b| format!("{b:02x}")).collect();
        let mut out = b"kept".to_vec();
        hex::encode_into(&data, &mut out);
        prop_assert_eq!(&out[..4], b"kept");
        prop_assert_eq!(&out[4..], model.as_bytes());
        Ok(())
    });
}
