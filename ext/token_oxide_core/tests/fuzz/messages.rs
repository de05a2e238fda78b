//! MessageVerifier/Encryptor core: the JSON reader, signed-token splitting
//! and checking, and `exp` timestamps. Arbitrary input never panics; the
//! reader and the timestamp parser are also checked against Ruby itself in
//! ruby_oracle.rs.

use proptest::prelude::*;
use token_oxide_core::digest::{Algorithm, HmacKey};
use token_oxide_core::messages::json_parse::{parse_tree, Tree, MAX_NESTING};
use token_oxide_core::messages::json_write::{write_string, Escaping};
use token_oxide_core::messages::signed::{sign_into, verify};
use token_oxide_core::messages::time::{format_exp, parse_exp, Instant};

use crate::harness::fuzz;

/// JSON-looking text: nested documents with odd numbers, escapes and
/// whitespace, some of it invalid on purpose, then up to two byte edits.
pub fn json_text() -> impl Strategy<Value = Vec<u8>> {
    let scalar = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("nul".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?",
        "-?0[0-9]{1,3}",
        any::<f64>().prop_map(|f| format!("{f:e}")),
        prop::collection::vec(
            prop_oneof![
                "[a-zA-Z0-9 /<>&]",
                Just("\\n".to_string()),
                Just("\\\"".to_string()),
                Just("\\\\".to_string()),
                Just("\\/".to_string()),
                Just("\\u00e9".to_string()),
                Just("\\ud83d\\ude00".to_string()),
                Just("\\ud83d".to_string()),
                Just("\\x".to_string()),
                Just("é".to_string()),
                Just("\u{2028}".to_string()),
                Just("\t".to_string()),
            ],
            0..8
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat())),
    ];
    let ws = prop::sample::select(vec!["", "", " ", "\n", "\t ", "\r\n"]);
    let document = scalar.prop_recursive(6, 48, 6, move |inner| {
        let ws = ws.clone();
        prop_oneof![
            (prop::collection::vec((inner.clone(), ws.clone()), 0..6)).prop_map(|items| {
                let body: Vec<String> = items.into_iter().map(|(v, w)| format!("{w}{v}{w}")).collect();
                format!("[{}]", body.join(","))
            }),
            (prop::collection::vec(("[a-z]{0,3}", inner), 0..5)).prop_map(|pairs| {
                let body: Vec<String> = pairs.into_iter().map(|(k, v)| format!("\"{k}\" : {v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    });
    let edits = prop::collection::vec((0..3u8, any::<prop::sample::Index>(), any::<u8>()), 0..3);
    (document, prop::bool::weighted(0.3), edits).prop_map(|(doc, edit, edits)| {
        let mut text = doc.into_bytes();
        if edit {
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
        }
        text
    })
}

fn depth(tree: &Tree) -> usize {
    match tree {
        Tree::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Tree::Object(pairs) => 1 + pairs.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn fuzz_json_reader() {
    let input = prop_oneof![3 => json_text(), 1 => prop::collection::vec(any::<u8>(), 0..64)];
    fuzz("json_reader", input, |text| {
        if let Some(tree) = parse_tree(&text) {
            prop_assert!(depth(&tree) <= MAX_NESTING);
        }
        Ok(())
    });
}

#[test]
fn fuzz_json_deep_nesting() {
    // Far past the limit, and right at it: no stack overflow, limit honoured.
    fuzz("json_deep_nesting", (prop_oneof![0..120usize, 0..20_000usize], any::<bool>()), |(n, objects)| {
        let (open, close) = if objects { ("{\"a\":", "}") } else { ("[", "]") };
        let text = format!("{}1{}", open.repeat(n), close.repeat(n));
        prop_assert_eq!(parse_tree(text.as_bytes()).is_some(), n <= MAX_NESTING);
        Ok(())
    });
}

#[test]
fn fuzz_json_string_round_trip() {
    fuzz("json_string_round_trip", (any::<String>(), any::<bool>(), any::<bool>()), |(s, html, js)| {
        let mut out = Vec::new();
        write_string(s.as_bytes(), Escaping { html_entities: html, js_separators: js }, &mut out)
            .map_err(|_| TestCaseError::fail("valid UTF-8 rejected"))?;
        prop_assert_eq!(parse_tree(&out), Some(Tree::Str(s.into_bytes())));
        Ok(())
    });
}

#[test]
fn fuzz_signed_tokens() {
    let case = (
        0..4usize,
        prop::collection::vec(any::<u8>(), 1..40),
        "[A-Za-z0-9+/=_-]{0,40}",
        any::<prop::sample::Index>(),
        prop::option::of(any::<u8>()),
    );
    fuzz("signed_tokens", case, |(which, key, encoded, at, replacement)| {
        let algorithm = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512][which];
        let key = HmacKey::new(algorithm, &key);
        let mut token = Vec::new();
        sign_into(&key, encoded.as_bytes(), &mut token);
        let blank = encoded.trim().is_empty();
        prop_assert_eq!(verify(&key, &token), (!blank).then_some(encoded.as_bytes()));
        // Any changed byte, or a byte cut off, makes it fail.
        let i = at.index(token.len());
        match replacement {
            Some(byte) if byte != token[i] => token[i] = byte,
            Some(_) => return Ok(()),
            None => {
                token.remove(i);
            }
        }
        prop_assert_eq!(verify(&key, &token), None, "altered token accepted: {:?}", String::from_utf8_lossy(&token));
        Ok(())
    });
}

#[test]
fn fuzz_signed_arbitrary() {
    let key = HmacKey::new(Algorithm::Sha256, b"fuzz-key");
    fuzz("signed_arbitrary", prop::collection::vec(any::<u8>(), 0..120), |token| {
        // A random 64-hex signature matches with probability 2^-256.
        prop_assert_eq!(verify(&key, &token), None);
        Ok(())
    });
}

#[test]
fn fuzz_exp_timestamps() {
    let secs = prop_oneof![any::<i64>(), -62_167_219_200i64..253_402_300_800];
    fuzz("exp_timestamps", (secs, 0..1_000_000_000u32), |(secs, nanos)| {
        let at = Instant::new(secs, nanos).expect("nanos in range");
        if let Some(text) = format_exp(at) {
            let back = parse_exp(&text).ok_or_else(|| TestCaseError::fail("own format not read back"))?;
            prop_assert_eq!(back, Instant::new(secs, nanos / 1_000_000 * 1_000_000).expect("in range"));
        }
        Ok(())
    });
}

#[test]
fn fuzz_exp_parse_arbitrary() {
    let text = prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    fuzz("exp_parse_arbitrary", text, |text| {
        let _ = parse_exp(text.as_bytes());
        Ok(())
    });
}
