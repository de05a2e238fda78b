//! Differential fuzzing against Ruby itself: inputs go to one long-lived
//! `ruby` process, which answers with what Ruby's own code gives for them
//! (or that it raised). Skipped with a note when no `ruby` is on PATH.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use proptest::prelude::*;
use token_oxide_core::token_storage::{fit_key, lenient_base64_decode};
use token_oxide_core::{base64, hex};

use crate::base64::inputs;
use crate::harness::fuzz;

/// Reads "<op> <hex input>" lines and answers "=<hex output>" or "E" (raised
/// ArgumentError, JSON::ParserError or RangeError; anything else kills the
/// oracle and fails the run).
/// Inputs are tagged UTF-8, as a cookie, parameter or config value would be.
/// `fit` is GitLab's `Gitlab::Utils.ensure_utf8_size`, restated.
const ORACLE: &str = r##"
require "base64"
require "json"
require "time"
$stdout.sync = true
def fit(str, bytes)
  raise ArgumentError, "Empty string provided!" if str.empty?
  kept = str.each_char.each_with_object(+"") do |char, out|
    break out if out.bytesize + char.bytesize > bytes
    out.concat(char)
  end
  kept + ("0" * (bytes - kept.bytesize))
end
# A canonical dump of a parsed JSON value, mirrored by `canonical` in Rust.
def canon(v)
  case v
  when nil then "n"
  when true then "t"
  when false then "f"
  when Integer then "i#{v};"
  when Float then "d#{[v].pack("G").unpack1("H*")}"
  when String then "s#{v.bytesize}:#{v.b}"
  when Array then "a#{v.size}[" + v.map { |x| canon(x) }.join + "]"
  when Hash then "h#{v.size}{" + v.map { |k, x| canon(k) + canon(x) }.join + "}"
  else raise TypeError, v.class.name
  end
end
OPS = {
  "strict" => ->(s) { Base64.strict_decode64(s) },
  "urlsafe" => ->(s) { Base64.urlsafe_decode64(s) },
  "lenient" => ->(s) { Base64.decode64(s) },
  "fit32" => ->(s) { fit(s, 32) },
  "fit12" => ->(s) { fit(s, 12) },
  "json" => ->(s) { canon(JSON.parse(s)).b },
  "float" => ->(s) { s.b.unpack1("G").to_s },
  "format_exp" => ->(s) { secs, nanos = s.b.unpack("q>L>"); Time.at(secs, nanos, :nsec).utc.iso8601(3) },
  "parse_exp" => ->(s) { t = Time.iso8601(s); [t.to_i, t.nsec].pack("q>L>") },
}.freeze
while (line = $stdin.gets)
  op, hex = line.split(" ", 2)
  text = [hex.to_s.chomp].pack("H*").force_encoding(Encoding::UTF_8)
  answer = begin
    "=#{OPS.fetch(op).call(text).unpack1("H*")}"
  rescue ArgumentError, JSON::ParserError, RangeError
    "E"
  end
  puts answer
end
"##;

pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    fn spawn() -> Option<Oracle> {
        let mut child = Command::new("ruby")
            .args(["-e", ORACLE])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Oracle { child, stdin, stdout })
    }

    /// Ruby's result of `op` on `input`; `None` when it raised ArgumentError.
    pub fn ask(&mut self, op: &str, input: &[u8]) -> Option<Vec<u8>> {
        writeln!(self.stdin, "{op} {}", hex::encode(input)).expect("write to ruby");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from ruby");
        line.trim_end().strip_prefix('=').map(|h| hex::decode(h.as_bytes()).expect("ruby answers hex"))
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn with_oracle(target: &str, run: impl FnOnce(&RefCell<Oracle>)) {
    match Oracle::spawn() {
        Some(oracle) => run(&RefCell::new(oracle)),
        None => println!("fuzz target={target} skipped: no ruby on PATH"),
    }
}

#[test]
fn fuzz_base64_against_ruby() {
    with_oracle("base64_against_ruby", |oracle| {
        let input = prop_oneof![inputs(false), inputs(true)];
        fuzz("base64_against_ruby", input, |text| {
            let mut ruby = oracle.borrow_mut();
            let shown = String::from_utf8_lossy(&text).into_owned();
            prop_assert_eq!(base64::strict_decode(&text).ok(), ruby.ask("strict", &text), "strict {:?}", shown);
            prop_assert_eq!(base64::urlsafe_decode(&text).ok(), ruby.ask("urlsafe", &text), "urlsafe {:?}", shown);
            prop_assert_eq!(Some(lenient_base64_decode(&text)), ruby.ask("lenient", &text), "lenient {:?}", shown);
            Ok(())
        });
    });
}

#[test]
fn fuzz_fit_key_against_ruby() {
    // Key bases with multi-byte, invalid and truncated UTF-8 around the cut.
    let piece = prop_oneof![
        4 => prop::sample::select(vec![&b"a"[..], b"Z9", "é".as_bytes(), "€".as_bytes(), "😀".as_bytes()]).prop_map(|b| b.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..3),
    ];
    let source = prop::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat());
    with_oracle("fit_key_against_ruby", |oracle| {
        fuzz("fit_key_against_ruby", source, |source| {
            let mut ruby = oracle.borrow_mut();
            for (op, size) in [("fit32", 32usize), ("fit12", 12)] {
                let ours = fit_key(&source, size, true).ok().map(|k| k.to_vec());
                prop_assert_eq!(ours, ruby.ask(op, &source), "{} of {:?}", op, String::from_utf8_lossy(&source));
            }
            Ok(())
        });
    });
}
