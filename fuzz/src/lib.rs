//! What the fuzz targets share: one input split into the parts a target needs ([`Input`]), the
//! same layout written by the seed generator ([`Seed`]), and the official field-crypto vector.
//!
//! A target's input starts with a *mode* byte that picks what the rest means (see each target);
//! the seeds in `fuzz/corpus/<target>/` are written by `examples/make_seeds.rs` in that layout.

#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use intoss_proto::fieldcrypto::Session;

/// The id of the official field-crypto test vector (`research/toss-apis.md`).
pub const VECTOR_ID: &str = "b94ea687-0a72-43f8-be24-7be5029fa998";
/// Its AES-256 key, base64.
pub const VECTOR_KEY: &str = "KxHeNnbiR5Eh5d/9KJCN6jUW5Md9nkk8jU6WbkmR7Es=";
/// Its IV, base64.
pub const VECTOR_IV: &str = "jbZIV4aBzrydN0IP";
/// Its plaintext.
pub const VECTOR_PLAIN: &str = "Layton Nicholson";
/// Its encrypted field.
pub const VECTOR_FIELD: &str =
    "v1$b94ea687-0a72-43f8-be24-7be5029fa998$LCFncFGpJKMBClC5RHa7zabbPzqsKC51USGG1ZwSBPE=";

/// The session of the official vector.
///
/// # Panics
/// Never: the constants are valid (the proto crate's tests pin them).
pub fn vector_session() -> Session {
    let key = BASE64.decode(VECTOR_KEY).ok().and_then(|k| k.try_into().ok()).unwrap_or([0; 32]);
    let iv = BASE64.decode(VECTOR_IV).ok().and_then(|k| k.try_into().ok()).unwrap_or([0; 12]);
    Session::from_parts(VECTOR_ID.to_owned(), key, iv).expect("the vector id is a valid session id")
}

/// Reads one fuzz input front to back. Past the end it yields zeros and empty strings, so every
/// input, however short, is usable.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    /// Starts at the first byte of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// The next `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let taken = self.bytes(N);
        out[..taken.len()].copy_from_slice(taken);
        out
    }

    /// Up to `len` bytes.
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        taken
    }

    /// A short string: a length byte, then that many bytes, read as UTF-8 (lossily).
    pub fn short_string(&mut self) -> String {
        let len = self.byte();
        String::from_utf8_lossy(self.bytes(len.into())).into_owned()
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.0
    }

    /// Everything left, read as UTF-8 (lossily).
    pub fn rest_str(self) -> String {
        String::from_utf8_lossy(self.0).into_owned()
    }
}

/// Writes a seed in the layout [`Input`] reads.
#[derive(Debug, Default, Clone)]
pub struct Seed(Vec<u8>);

impl Seed {
    /// A seed for `mode`.
    pub fn mode(mode: u8) -> Self {
        Self(vec![mode])
    }

    /// Appends raw bytes (for [`Input::array`], [`Input::u16`], [`Input::rest`]).
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// Appends a short string (for [`Input::short_string`]).
    ///
    /// # Panics
    /// If `s` is longer than 255 bytes.
    pub fn short_string(mut self, s: &str) -> Self {
        let len = u8::try_from(s.len()).expect("a short string has at most 255 bytes");
        self.0.push(len);
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// The bytes of the seed.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
