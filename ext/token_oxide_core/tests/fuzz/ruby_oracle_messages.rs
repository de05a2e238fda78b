//! The verifier core (JSON reader, Float#to_s writer, `exp` timestamps)
//! checked against Ruby through the oracle in ruby_oracle.rs.

use proptest::prelude::*;
use token_oxide_core::hex;
use token_oxide_core::messages::float::write_float;
use token_oxide_core::messages::json_parse::{parse_tree, Tree};
use token_oxide_core::messages::time::{format_exp, parse_exp, Instant};

use crate::harness::fuzz;
use crate::messages::json_text;
use crate::ruby_oracle::with_oracle;

/// The Rust side of the oracle's `canon`.
fn canonical(tree: &Tree, out: &mut Vec<u8>) {
    match tree {
        Tree::Null => out.push(b'n'),
        Tree::Bool(true) => out.push(b't'),
        Tree::Bool(false) => out.push(b'f'),
        // JSON has no leading zeros, so "-0" is the one literal Ruby normalises.
        Tree::Integer(text) => out.extend_from_slice(format!("i{};", if text == "-0" { "0" } else { text }).as_bytes()),
        Tree::Float(f) => out.extend_from_slice(format!("d{}", hex::encode(&f.to_be_bytes())).as_bytes()),
        Tree::Str(bytes) => {
            out.extend_from_slice(format!("s{}:", bytes.len()).as_bytes());
            out.extend_from_slice(bytes);
        }
        Tree::Array(items) => {
            out.extend_from_slice(format!("a{}[", items.len()).as_bytes());
            items.iter().for_each(|item| canonical(item, out));
            out.push(b']');
        }
        Tree::Object(pairs) => {
            // Read as a Ruby Hash: a repeated key keeps its first position
            // and takes its last value.
            let mut hash: Vec<(&Vec<u8>, &Tree)> = Vec::new();
            for (key, value) in pairs {
                match hash.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => hash.push((key, value)),
                }
            }
            out.extend_from_slice(format!("h{}{{", hash.len()).as_bytes());
            for (key, value) in hash {
                canonical(&Tree::Str(key.clone()), out);
                canonical(value, out);
            }
            out.push(b'}');
        }
    }
}

#[test]
fn fuzz_json_reader_against_ruby() {
    with_oracle("json_reader_against_ruby", |oracle| {
        fuzz("json_reader_against_ruby", json_text(), |text| {
            // None means "the JSON gem decides": the binding then calls JSON.parse itself.
            let Some(tree) = parse_tree(&text) else { return Ok(()) };
            let mut ours = Vec::new();
            canonical(&tree, &mut ours);
            let ruby = oracle.borrow_mut().ask("json", &text);
            prop_assert_eq!(Some(ours), ruby, "JSON {:?}", String::from_utf8_lossy(&text));
            Ok(())
        });
    });
}

#[test]
fn fuzz_float_to_s_against_ruby() {
    let value = prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
        (-30i32..30, any::<i32>()).prop_map(|(e, m)| f64::from(m) * 10f64.powi(e)),
    ];
    with_oracle("float_to_s_against_ruby", |oracle| {
        fuzz("float_to_s_against_ruby", value, |value| {
            prop_assume!(value.is_finite());
            let mut ours = Vec::new();
            write_float(value, &mut ours);
            prop_assert_eq!(Some(ours), oracle.borrow_mut().ask("float", &value.to_be_bytes()), "{:e}", value);
            Ok(())
        });
    });
}

#[test]
fn fuzz_exp_against_ruby() {
    let secs = prop_oneof![-62_167_219_200i64..253_402_300_800, any::<i32>().prop_map(i64::from)];
    let text = prop_oneof![
        "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|[+-][01][0-9]:[0-5][0-9])",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:?[0-9]{2})?",
    ];
    with_oracle("exp_against_ruby", |oracle| {
        fuzz("exp_against_ruby", (secs, 0..1_000_000_000u32, text), |(secs, nanos, text)| {
            let mut ruby = oracle.borrow_mut();
            let at = Instant::new(secs, nanos).expect("nanos in range");
            if let Some(ours) = format_exp(at) {
                let mut input = secs.to_be_bytes().to_vec();
                input.extend_from_slice(&nanos.to_be_bytes());
                prop_assert_eq!(Some(ours.to_vec()), ruby.ask("format_exp", &input), "format {} {}", secs, nanos);
            }
            // None means "Ruby decides": only a parsed value makes a claim.
            if let Some(parsed) = parse_exp(text.as_bytes()) {
                let mut expected = parsed.secs.to_be_bytes().to_vec();
                expected.extend_from_slice(&parsed.nanos.to_be_bytes());
                prop_assert_eq!(Some(expected), ruby.ask("parse_exp", text.as_bytes()), "parse {}", text);
            }
            Ok(())
        });
    });
}
