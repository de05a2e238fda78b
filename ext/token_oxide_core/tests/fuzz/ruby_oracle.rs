//! Differential fuzzing against Ruby itself: each input is sent to one
//! long-lived `ruby` process, which answers with what `Base64.strict_decode64`
//! and `Base64.urlsafe_decode64` give for it (or that they raised). Skipped
//! with a note when no `ruby` is on PATH.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use proptest::prelude::*;
use token_oxide_core::{base64, hex};

use crate::base64::inputs;
use crate::harness::fuzz;

/// Reads hex lines, answers "<strict> <urlsafe>", each "=<hex output>" or "E" (raised).
/// The input is tagged UTF-8, as a cookie or parameter would be.
const ORACLE: &str = r##"
require "base64"
$stdout.sync = true
def attempt
  "=#{yield.unpack1("H*")}"
rescue ArgumentError
  "E"
end
while (line = $stdin.gets)
  text = [line.chomp].pack("H*").force_encoding(Encoding::UTF_8)
  puts "#{attempt { Base64.strict_decode64(text) }} #{attempt { Base64.urlsafe_decode64(text) }}"
end
"##;

struct Oracle {
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

    /// Ruby's (strict, urlsafe) results for `input`; `None` = raised.
    fn ask(&mut self, input: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        writeln!(self.stdin, "{}", hex::encode(input)).expect("write to ruby");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from ruby");
        let mut fields = line.split_whitespace().map(|f| f.strip_prefix('=').and_then(|h| hex::decode(h.as_bytes())));
        let strict = fields.next().expect("strict answer");
        let urlsafe = fields.next().expect("urlsafe answer");
        (strict, urlsafe)
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fuzz_base64_against_ruby() {
    let Some(oracle) = Oracle::spawn() else {
        println!("fuzz target=base64_against_ruby skipped: no ruby on PATH");
        return;
    };
    let oracle = RefCell::new(oracle);
    let input = prop_oneof![inputs(false), inputs(true)];
    fuzz("base64_against_ruby", input, |text| {
        let (strict, urlsafe) = oracle.borrow_mut().ask(&text);
        let shown = String::from_utf8_lossy(&text).into_owned();
        prop_assert_eq!(base64::strict_decode(&text).ok(), strict, "strict {:?}", shown);
        prop_assert_eq!(base64::urlsafe_decode(&text).ok(), urlsafe, "urlsafe {:?}", shown);
        Ok(())
    });
}
