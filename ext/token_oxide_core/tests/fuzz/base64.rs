//! The core's base64 encoders and decoders against the Ruby reference
//! model, plus encode/decode round trips.

use proptest::prelude::*;
use token_oxide_core::base64;

use crate::harness::fuzz;
use crate::ruby_base64_model as model;

/// Bytes that matter to a base64 decoder, weighted towards the alphabets and
/// `=`, with any byte (newlines, NUL, non-ASCII) now and then.
fn base64ish_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        8 => prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".to_vec()),
        2 => Just(b'='),
        1 => any::<u8>(),
    ]
}

/// Valid encodings with zero to three edits (replace, insert, delete).
fn mutated_encoding(urlsafe: bool) -> impl Strategy<Value = Vec<u8>> {
    let encoded = prop::collection::vec(any::<u8>(), 0..48).prop_map(move |data| {
        if urlsafe {
            base64::urlsafe_encode(&data).into_bytes()
        } else {
            base64::strict_encode(&data).into_bytes()
        }
    });
    let edits = prop::collection::vec((0..3u8, any::<prop::sample::Index>(), base64ish_byte()), 0..4);
    (encoded, edits).prop_map(|(mut text, edits)| {
        for (kind, at, byte) in edits {
            let pos = at.index(text.len() + 1);
            match kind {
                0 if pos < text.len() => text[pos] = byte,
                1 => text.insert(pos, byte),
                _ if pos < text.len() => {
                    text.remove(pos);
                }
                _ => {}
            }
        }
        text
    })
}

pub fn inputs(urlsafe: bool) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => mutated_encoding(urlsafe),
        2 => prop::collection::vec(base64ish_byte(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

#[test]
fn fuzz_base64_strict_decode() {
    fuzz("base64_strict_decode", inputs(false), |text| {
        let ours = base64::strict_decode(&text).ok();
        prop_assert_eq!(&ours, &model::strict_decode(&text), "input {:?}", String::from_utf8_lossy(&text));
        if let Some(bytes) = ours {
            // Whatever decodes re-encodes to exactly the input (no slack).
            prop_assert_eq!(base64::strict_encode(&bytes).into_bytes(), text);
        }
        Ok(())
    });
}

#[test]
fn fuzz_base64_urlsafe_decode() {
    fuzz("base64_urlsafe_decode", inputs(true), |text| {
        let ours = base64::urlsafe_decode(&text).ok();
        prop_assert_eq!(&ours, &model::urlsafe_decode(&text), "input {:?}", String::from_utf8_lossy(&text));
        Ok(())
    });
}

#[test]
fn fuzz_base64_encode() {
    fuzz("base64_encode", prop::collection::vec(any::<u8>(), 0..256), |data| {
        prop_assert_eq!(base64::strict_encode(&data).into_bytes(), model::strict_encode(&data));
        prop_assert_eq!(base64::urlsafe_encode(&data).into_bytes(), model::urlsafe_encode(&data));
        // Appending keeps what the buffer held.
        let mut out = b"kept".to_vec();
        base64::strict_encode_into(&data, &mut out);
        prop_assert_eq!(&out[..4], b"kept");
        prop_assert_eq!(&out[4..], &model::strict_encode(&data)[..]);
        Ok(())
    });
}

/// Every pair of neighbouring bytes in a triple (the first two with the
/// third fixed, the last two with the first fixed), against the model: a
/// quad's first two characters come from the first 12 bits and its last two
/// from the last 12, so this reaches every index of the encoder's pair
/// table in both halves.
#[test]
fn every_byte_pair_of_a_triple_encodes_as_the_model_does() {
    for fixed in [0x00u8, 0x5a, 0xff] {
        let mut data = Vec::with_capacity(6 * 65536);
        for pair in 0..=65535u16 {
            let [a, b] = pair.to_be_bytes();
            data.extend_from_slice(&[a, b, fixed, fixed, a, b]);
        }
        assert_eq!(base64::strict_encode(&data).into_bytes(), model::strict_encode(&data), "fixed byte {fixed}");
        assert_eq!(base64::urlsafe_encode(&data).into_bytes(), model::urlsafe_encode(&data), "fixed byte {fixed}");
    }
}

/// Every quad of one byte value in a place and valid characters elsewhere,
/// for each place and every byte, against the model (the decoder's placed
/// tables at every index), with and without the URL-safe alphabet.
#[test]
fn every_byte_in_every_place_of_a_quad_decodes_as_the_model_does() {
    for place in 0..4 {
        for byte in 0..=255u8 {
            let mut quad = *b"QUJDQUJD";
            quad[place] = byte;
            assert_eq!(base64::strict_decode(&quad).ok(), model::strict_decode(&quad), "{quad:?}");
            assert_eq!(base64::urlsafe_decode(&quad).ok(), model::urlsafe_decode(&quad), "{quad:?}");
        }
    }
}

#[test]
fn fuzz_base64_round_trip() {
    fuzz("base64_round_trip", prop::collection::vec(any::<u8>(), 0..256), |data| {
        let strict = base64::strict_encode(&data);
        let url = base64::urlsafe_encode(&data);
        prop_assert_eq!(strict.len(), base64::encoded_len(data.len()));
        prop_assert!(!url.contains(['+', '/', '=']));
        prop_assert_eq!(base64::strict_decode(strict.as_bytes()).ok(), Some(data.clone()));
        prop_assert_eq!(base64::urlsafe_decode(url.as_bytes()).ok(), Some(data.clone()));
        // urlsafe_decode64 also takes the padded standard alphabet.
        prop_assert_eq!(base64::urlsafe_decode(strict.as_bytes()).ok(), Some(data));
        Ok(())
    });
}
