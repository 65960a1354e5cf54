//! The `/token` form body parser (`intoss_idv_api::parse_form`,
//! `application/x-www-form-urlencoded`, RFC 6749 §4.4).
//!
//! Input: the request body. The parser must agree exactly with a strict reference written here
//! (`%` followed by two hex digits, `+` for space, UTF-8 after decoding, each of `grant_type`,
//! `scope`, `client_id`, `client_secret` at most once, other parameters ignored): same
//! acceptance, same values. What it accepts, the `form_urlencoded` crate (the WHATWG decoder)
//! reads the same, and re-encoding the parsed values gives a body that parses to them again.
#![no_main]

use intoss_idv_api::parse_form;
use intoss_idv::service::TokenForm;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["grant_type", "scope", "client_id", "client_secret"];

fuzz_target!(|body: &[u8]| {
    let parsed = parse_form(body).ok().map(|f| fields(&f));
    assert_eq!(parsed, reference(body), "the parser and the strict reference disagree");
    let Some(values) = parsed else { return };

    for (name, value) in form_urlencoded::parse(body) {
        if let Some(i) = NAMES.iter().position(|n| *n == name) {
            assert_eq!(values[i].as_deref(), Some(&*value), "form_urlencoded reads {name} differently");
        }
    }

    let mut again = form_urlencoded::Serializer::new(String::new());
    for (name, value) in NAMES.iter().zip(&values) {
        if let Some(value) = value {
            again.append_pair(name, value);
        }
    }
    let again = again.finish();
    assert_eq!(parse_form(again.as_bytes()).ok().map(|f| fields(&f)), Some(values), "{again}");
});

fn fields(form: &TokenForm) -> [Option<String>; 4] {
    [form.grant_type.clone(), form.scope.clone(), form.client_id.clone(), form.client_secret.clone()]
}

/// A strict `application/x-www-form-urlencoded` reading; `None` where the parser must refuse.
fn reference(body: &[u8]) -> Option<[Option<String>; 4]> {
    let text = std::str::from_utf8(body).ok()?;
    let mut values: [Option<String>; 4] = Default::default();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name)?, decode(value)?);
        let Some(i) = NAMES.iter().position(|n| *n == name) else { continue };
        if values[i].replace(value).is_some() {
            return None;
        }
    }
    Some(values)
}

fn decode(s: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                u8::try_from(hi * 16 + lo).ok()?
            }
            b => b,
        });
    }
    String::from_utf8(out).ok()
}
