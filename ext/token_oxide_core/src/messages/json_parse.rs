//! A strict JSON reader with the results of the JSON gem's `JSON.parse`
//! (json 2.x defaults: any value at the top level, nesting limit 100, string
//! bytes kept as they are, big integers kept exact).
//!
//! It builds through a [`Builder`] so the binding can create Ruby objects as it
//! goes. Anything outside plain RFC 8259 JSON (comments, unknown escapes, lone
//! surrogates, NaN) and every syntax error returns [`ParseError::Bail`]: the
//! caller then hands the text to Ruby's own parser, which produces exactly the
//! JSON gem's value or exception for those rare inputs.

/// Deepest nesting `JSON.parse` accepts by default (`max_nesting: 100`).
pub const MAX_NESTING: usize = 100;

/// Receives values bottom-up. Containers are created before their contents
/// so a garbage-collected host can keep every new value reachable.
pub trait Builder {
    type Value;
    type Array;
    type Object;
    type Error;

    fn null(&mut self) -> Result<Self::Value, Self::Error>;
    fn boolean(&mut self, value: bool) -> Result<Self::Value, Self::Error>;
    /// An integer literal (ASCII digits with an optional leading `-`); may exceed 64 bits.
    fn integer(&mut self, text: &[u8]) -> Result<Self::Value, Self::Error>;
    fn float(&mut self, value: f64) -> Result<Self::Value, Self::Error>;
    /// The unescaped bytes of a string (not validated as UTF-8, like the JSON gem).
    fn string(&mut self, bytes: &[u8]) -> Result<Self::Value, Self::Error>;
    fn begin_array(&mut self) -> Result<Self::Array, Self::Error>;
    fn push(&mut self, array: &mut Self::Array, value: Self::Value) -> Result<(), Self::Error>;
    fn end_array(&mut self, array: Self::Array) -> Result<Self::Value, Self::Error>;
    fn begin_object(&mut self) -> Result<Self::Object, Self::Error>;
    fn insert(
        &mut self,
        object: &mut Self::Object,
        key: &[u8],
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    fn end_object(&mut self, object: Self::Object) -> Result<Self::Value, Self::Error>;
}

#[derive(Debug, PartialEq, Eq)]
pub enum ParseError<E> {
    /// Not handled here: let the JSON gem parse it (and raise if it is invalid).
    Bail,
    /// The builder failed.
    Build(E),
}

type PResult<T, E> = Result<T, ParseError<E>>;

struct Parser<'a, B: Builder> {
    input: &'a [u8],
    pos: usize,
    builder: &'a mut B,
    scratch: Vec<u8>,
}

/// Parse `input` as one JSON document.
pub fn parse<B: Builder>(input: &[u8], builder: &mut B) -> PResult<B::Value, B::Error> {
    let mut parser = Parser {
        input,
        pos: 0,
        builder,
        scratch: Vec::new(),
    };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != input.len() {
        return Err(ParseError::Bail);
    }
    Ok(value)
}

/// Parse one value starting at `start` (after optional whitespace) and
/// return it with the position just past it; what follows is not examined.
/// `open` is how many arrays/objects enclose the value in the whole document
/// (the nesting limit counts them, as the JSON gem does on the full text).
pub fn parse_value_at<B: Builder>(
    input: &[u8],
    start: usize,
    open: usize,
    builder: &mut B,
) -> PResult<(B::Value, usize), B::Error> {
    let mut parser = Parser {
        input,
        pos: start,
        builder,
        scratch: Vec::new(),
    };
    parser.skip_ws();
    let value = parser.value(open)?;
    Ok((value, parser.pos))
}

impl<'a, B: Builder> Parser<'a, B> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> PResult<(), B::Error> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(ParseError::Bail)
        }
    }

    fn value(&mut self, depth: usize) -> PResult<B::Value, B::Error> {
        let built = match self.peek().ok_or(ParseError::Bail)? {
            b'{' => return self.object(depth + 1),
            b'[' => return self.array(depth + 1),
            b'"' => {
                let range = self.string()?;
                match range {
                    StrRange::Input(start, end) => self.builder.string(&self.input[start..end]),
                    StrRange::Scratch => self.builder.string(&self.scratch),
                }
            }
            b't' => {
                self.literal(b"true")?;
                self.builder.boolean(true)
            }
            b'f' => {
                self.literal(b"false")?;
                self.builder.boolean(false)
            }
            b'n' => {
                self.literal(b"null")?;
                self.builder.null()
            }
            b'-' | b'0'..=b'9' => return self.number(),
            _ => return Err(ParseError::Bail),
        };
        built.map_err(ParseError::Build)
    }

    fn array(&mut self, depth: usize) -> PResult<B::Value, B::Error> {
        if depth > MAX_NESTING {
            return Err(ParseError::Bail);
        }
        self.pos += 1; // '['
        let mut array = self.builder.begin_array().map_err(ParseError::Build)?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return self.builder.end_array(array).map_err(ParseError::Build);
        }
        loop {
            self.skip_ws();
            let value = self.value(depth)?;
            self.builder
                .push(&mut array, value)
                .map_err(ParseError::Build)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return self.builder.end_array(array).map_err(ParseError::Build);
                }
                _ => return Err(ParseError::Bail),
            }
        }
    }

    fn object(&mut self, depth: usize) -> PResult<B::Value, B::Error> {
        if depth > MAX_NESTING {
            return Err(ParseError::Bail);
        }
        self.pos += 1; // '{'
        let mut object = self.builder.begin_object().map_err(ParseError::Build)?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return self.builder.end_object(object).map_err(ParseError::Build);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(ParseError::Bail);
            }
            // A key without escapes is a slice of the input (no copy); an
            // unescaped one is moved out, as the value's own strings may
            // reuse the scratch buffer.
            let input = self.input;
            let (plain_key, owned_key): (&[u8], Vec<u8>) = match self.string()? {
                StrRange::Input(start, end) => (&input[start..end], Vec::new()),
                StrRange::Scratch => (&[], std::mem::take(&mut self.scratch)),
            };
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(ParseError::Bail);
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            self.builder
                .insert(&mut object, if owned_key.is_empty() { plain_key } else { &owned_key }, value)
                .map_err(ParseError::Build)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return self.builder.end_object(object).map_err(ParseError::Build);
                }
                _ => return Err(ParseError::Bail),
            }
        }
    }

    fn number(&mut self) -> PResult<B::Value, B::Error> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while let Some(b'0'..=b'9') = p.peek() {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(ParseError::Bail),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(ParseError::Bail);
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(ParseError::Bail);
            }
            is_float = true;
        }
        // "01", "1a", "-Infinity"...: the JSON gem rejects them; let it say so.
        if let Some(b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'.' | b'-' | b'+') = self.peek() {
            return Err(ParseError::Bail);
        }
        let text = &self.input[start..self.pos];
        let built = if is_float {
            let parsed: f64 = std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(ParseError::Bail)?;
            self.builder.float(parsed)
        } else {
            self.builder.integer(text)
        };
        built.map_err(ParseError::Build)
    }

    /// Reads a string starting at `"`. Without escapes it is a range of the
    /// input; otherwise it is unescaped into the scratch buffer.
    fn string(&mut self) -> PResult<StrRange, B::Error> {
        self.pos += 1; // opening quote
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(ParseError::Bail),
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok(StrRange::Input(start, end));
                }
                Some(b'\\') => break,
                Some(0x00..=0x1f) => return Err(ParseError::Bail),
                Some(_) => self.pos += 1,
            }
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.input[start..self.pos]);
        loop {
            match self.peek() {
                None => return Err(ParseError::Bail),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(StrRange::Scratch);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = self.peek().ok_or(ParseError::Bail)?;
                    self.pos += 1;
                    let byte = match escaped {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let code = self.unicode_escape()?;
                            let ch = char::from_u32(code).ok_or(ParseError::Bail)?;
                            let mut buf = [0u8; 4];
                            self.scratch
                                .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        // The JSON gem keeps the character of an unknown escape; rare, so defer.
                        _ => return Err(ParseError::Bail),
                    };
                    self.scratch.push(byte);
                }
                Some(0x00..=0x1f) => return Err(ParseError::Bail),
                Some(b) => {
                    self.scratch.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> PResult<u32, B::Error> {
        let chunk = self
            .input
            .get(self.pos..self.pos + 4)
            .ok_or(ParseError::Bail)?;
        let mut code = 0u32;
        for &c in chunk {
            let digit = (c as char).to_digit(16).ok_or(ParseError::Bail)?;
            code = code << 4 | digit;
        }
        self.pos += 4;
        Ok(code)
    }

    /// After `\u`: one code point, combining a surrogate pair. Lone or
    /// mismatched surrogates (the JSON gem has its own quirks there) bail.
    fn unicode_escape(&mut self) -> PResult<u32, B::Error> {
        let first = self.hex4()?;
        match first {
            0xd800..=0xdbff => {
                if self.input.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(ParseError::Bail);
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(ParseError::Bail);
                }
                Ok(0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00))
            }
            0xdc00..=0xdfff => Err(ParseError::Bail),
            _ => Ok(first),
        }
    }
}

enum StrRange {
    Input(usize, usize),
    Scratch,
}

/// A plain tree, for tests and for Rust callers.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Null,
    Bool(bool),
    Integer(String),
    Float(f64),
    Str(Vec<u8>),
    Array(Vec<Tree>),
    Object(Vec<(Vec<u8>, Tree)>),
}

impl Tree {
    /// The value of `key` in an object, as a Ruby Hash built from it would
    /// answer: the last of repeated keys wins.
    pub fn get(&self, key: &[u8]) -> Option<&Tree> {
        match self {
            Tree::Object(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Builds a [`Tree`].
pub struct TreeBuilder;

impl Builder for TreeBuilder {
    type Value = Tree;
    type Array = Vec<Tree>;
    type Object = Vec<(Vec<u8>, Tree)>;
    type Error = std::convert::Infallible;

    fn null(&mut self) -> Result<Tree, Self::Error> {
        Ok(Tree::Null)
    }
    fn boolean(&mut self, value: bool) -> Result<Tree, Self::Error> {
        Ok(Tree::Bool(value))
    }
    fn integer(&mut self, text: &[u8]) -> Result<Tree, Self::Error> {
        Ok(Tree::Integer(String::from_utf8_lossy(text).into_owned()))
    }
    fn float(&mut self, value: f64) -> Result<Tree, Self::Error> {
        Ok(Tree::Float(value))
    }
    fn string(&mut self, bytes: &[u8]) -> Result<Tree, Self::Error> {
        Ok(Tree::Str(bytes.to_vec()))
    }
    fn begin_array(&mut self) -> Result<Vec<Tree>, Self::Error> {
        Ok(Vec::new())
    }
    fn push(&mut self, array: &mut Vec<Tree>, value: Tree) -> Result<(), Self::Error> {
        array.push(value);
        Ok(())
    }
    fn end_array(&mut self, array: Vec<Tree>) -> Result<Tree, Self::Error> {
        Ok(Tree::Array(array))
    }
    fn begin_object(&mut self) -> Result<Self::Object, Self::Error> {
        Ok(Vec::new())
    }
    fn insert(
        &mut self,
        object: &mut Self::Object,
        key: &[u8],
        value: Tree,
    ) -> Result<(), Self::Error> {
        // Repeated keys are kept in order (no quadratic search here); see
        // [`Tree::get`] for the Ruby Hash reading of them.
        object.push((key.to_vec(), value));
        Ok(())
    }
    fn end_object(&mut self, object: Self::Object) -> Result<Tree, Self::Error> {
        Ok(Tree::Object(object))
    }
}

/// Parse into a [`Tree`]; `None` where the JSON gem must decide.
pub fn parse_tree(input: &[u8]) -> Option<Tree> {
    parse(input, &mut TreeBuilder).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Tree {
        Tree::Str(text.as_bytes().to_vec())
    }

    #[test]
    fn parses_values() {
        assert_eq!(parse_tree(b" 5 "), Some(Tree::Integer("5".into())));
        assert_eq!(parse_tree(b"-0"), Some(Tree::Integer("-0".into())));
        assert_eq!(parse_tree(b"1E2"), Some(Tree::Float(100.0)));
        assert_eq!(parse_tree(b"1e400"), Some(Tree::Float(f64::INFINITY)));
        assert_eq!(
            parse_tree(b"123456789012345678901234567890"),
            Some(Tree::Integer("123456789012345678901234567890".into()))
        );
        assert_eq!(
            parse_tree(br#""a\u00e9\ud83d\ude00\n\/""#),
            Some(s("aé😀\n/"))
        );
        let tree = parse_tree(br#"{"a":1,"b":[true,false,null],"a":3}"#).unwrap();
        assert_eq!(
            tree.get(b"a"),
            Some(&Tree::Integer("3".into())),
            "last repeated key wins"
        );
        assert_eq!(
            tree.get(b"b"),
            Some(&Tree::Array(vec![
                Tree::Bool(true),
                Tree::Bool(false),
                Tree::Null
            ]))
        );
        assert_eq!(tree.get(b"c"), None);
        assert_eq!(parse_tree(b"\"\xff\""), Some(Tree::Str(vec![0xff])));
    }

    #[test]
    fn bails_where_the_json_gem_must_decide() {
        for bad in [
            &b""[..],
            b"  ",
            b"01",
            b"1.",
            b"1.5e",
            b"-",
            b"[1,]",
            b"{\"a\":1,}",
            b"[1]\x00",
            b"\x0b5",
            b"tru",
            b"true false",
            b"/* x */ 5",
            b"NaN",
            b"-Infinity",
            b"\"\\q\"",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\\ud800\\u0041\"",
            b"\"a\tb\"",
            b"\"\\u00\"",
            b"\"abc",
            b"{1:2}",
            b"[1 2]",
            b"\xef\xbb\xbf5",
        ] {
            assert_eq!(parse_tree(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn value_at_a_position() {
        let input = br#"{"_rails":{"data":[1,"x"],"pur":"p"}}"#;
        let (value, end) = parse_value_at(input, 18, 2, &mut TreeBuilder).unwrap();
        assert_eq!(value, Tree::Array(vec![Tree::Integer("1".into()), s("x")]));
        assert_eq!(&input[end..], br#","pur":"p"}}"#);
    }

    #[test]
    fn value_at_counts_the_enclosing_levels() {
        // Inside `{"_rails":{"data":...}}` the JSON gem allows 98 more levels.
        let doc = |levels: usize| {
            format!(r#"{{"_rails":{{"data":{}{}}}}}"#, "[".repeat(levels), "]".repeat(levels))
        };
        assert!(parse_value_at(doc(98).as_bytes(), 18, 2, &mut TreeBuilder).is_ok());
        assert_eq!(
            parse_value_at(doc(99).as_bytes(), 18, 2, &mut TreeBuilder),
            Err(ParseError::Bail)
        );
    }

    #[test]
    fn nesting_limit() {
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_tree(ok.as_bytes()).is_some());
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        assert_eq!(parse_tree(deep.as_bytes()), None);
        let very_deep = "[".repeat(100_000);
        assert_eq!(parse_tree(very_deep.as_bytes()), None);
    }
}
