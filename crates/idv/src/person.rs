//! The person a transaction authenticates.
//!
//! Test-environment clients always get the seed's fixed virtual person (김토스). Live-environment
//! transactions carry the identity the simulator was given; their CI and DI are keyed hashes of
//! that identity, so the same person always gets the same CI/DI, shaped like the real ones
//! (CI 88 base64 characters, DI 64).

use aws_lc_rs::hmac;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

/// An authenticated person, as stored and as returned (encrypted) by the result call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Name.
    pub name: String,
    /// `YYYYMMDD`.
    pub birthday: String,
    /// `MALE` or `FEMALE`.
    pub gender: String,
    /// `LOCAL` or `FOREIGNER`.
    pub nationality: String,
    /// Digits only, when known.
    pub phone: Option<String>,
    /// 연계정보.
    pub ci: String,
    /// 중복가입확인정보.
    pub di: String,
    /// `ADULT` or `MINOR`.
    pub age_group: String,
}

/// The fixed virtual person of the test environment (seed 001 §5-3).
pub fn test_person() -> Person {
    Person {
        name: "김토스".into(),
        birthday: "19930324".into(),
        gender: "FEMALE".into(),
        nationality: "LOCAL".into(),
        phone: None,
        ci: pad("CI0110000000001", 88),
        di: pad("DI0110000000001", 64),
        age_group: "ADULT".into(),
    }
}

fn pad(prefix: &str, len: usize) -> String {
    format!("{prefix:0<len$}")
}

/// Why an identity field is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// Checks a name: 1 to 50 characters, not blank, no control characters.
pub fn check_name(name: &str) -> Result<(), FieldError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 50 || n.chars().any(char::is_control) {
        return Err(FieldError { field: "userName", reason: "1 to 50 characters" });
    }
    Ok(())
}

/// Checks a phone number: digits only, 10 or 11 of them, starting with 01.
pub fn check_phone(phone: &str) -> Result<(), FieldError> {
    let ok = (10..=11).contains(&phone.len())
        && phone.starts_with("01")
        && phone.bytes().all(|b| b.is_ascii_digit());
    if ok { Ok(()) } else { Err(FieldError { field: "userPhone", reason: "digits only, like 01012345678" }) }
}

/// Parses `YYYYMMDD` into a real calendar date not after `today`.
pub fn check_birthday(birthday: &str, today: Date) -> Result<Date, FieldError> {
    let err = FieldError { field: "userBirthday", reason: "a real date as YYYYMMDD" };
    if birthday.len() != 8 || !birthday.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err);
    }
    let num = |r: std::ops::Range<usize>| birthday[r].parse::<u32>().map_err(|_| err.clone());
    let year = i32::try_from(num(0..4)?).map_err(|_| err.clone())?;
    let month =
        Month::try_from(u8::try_from(num(4..6)?).map_err(|_| err.clone())?).map_err(|_| err.clone())?;
    let day = u8::try_from(num(6..8)?).map_err(|_| err.clone())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| err.clone())?;
    if date > today || year < 1900 {
        return Err(err);
    }
    Ok(date)
}

/// `ADULT` from the 19th birthday on (만 19세, the Korean youth-protection age), `MINOR` before.
pub fn age_group(birth: Date, today: Date) -> &'static str {
    let mut age = today.year() - birth.year();
    if (today.month() as u8, today.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    if age >= 19 { "ADULT" } else { "MINOR" }
}

/// A live-environment person. CI and DI are HMACs of the identity under `key`.
pub fn live_person(
    name: &str,
    birthday: &str,
    gender: &str,
    nationality: &str,
    phone: Option<&str>,
    key: &[u8],
    now: OffsetDateTime,
) -> Result<Person, FieldError> {
    check_name(name)?;
    let today = now.date();
    let birth = check_birthday(birthday, today)?;
    if !matches!(gender, "MALE" | "FEMALE") {
        return Err(FieldError { field: "gender", reason: "MALE or FEMALE" });
    }
    if !matches!(nationality, "LOCAL" | "FOREIGNER") {
        return Err(FieldError { field: "nationality", reason: "LOCAL or FOREIGNER" });
    }
    if let Some(p) = phone {
        check_phone(p)?;
    }
    let identity = format!("{}\u{0}{birthday}\u{0}{gender}\u{0}{nationality}", name.trim());
    let mac = |label: &str, alg| {
        let k = hmac::Key::new(alg, key);
        hmac::sign(&k, format!("{label}\u{0}{identity}").as_bytes())
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Person {
        name: name.trim().to_owned(),
        birthday: birthday.to_owned(),
        gender: gender.to_owned(),
        nationality: nationality.to_owned(),
        phone: phone.map(str::to_owned),
        ci: b64.encode(mac("CI", hmac::HMAC_SHA512).as_ref()),
        di: b64.encode(mac("DI", hmac::HMAC_SHA384).as_ref()),
        age_group: age_group(birth, today).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn test_person_is_the_seeds() {
        let p = test_person();
        assert_eq!(
            (p.name.as_str(), p.birthday.as_str(), p.gender.as_str()),
            ("김토스", "19930324", "FEMALE")
        );
        assert!(p.ci.starts_with("CI0110000000001") && p.ci.len() == 88);
        assert!(p.di.starts_with("DI0110000000001") && p.di.len() == 64);
    }

    #[test]
    fn live_ci_di_are_stable_per_person_and_shaped_like_real_ones() {
        let now = datetime!(2026-11-27 0:00 UTC);
        let a = live_person("홍길동", "19900101", "MALE", "LOCAL", None, b"k", now).unwrap();
        let b = live_person("홍길동", "19900101", "MALE", "LOCAL", Some("01012345678"), b"k", now).unwrap();
        let c = live_person("홍길순", "19900101", "MALE", "LOCAL", None, b"k", now).unwrap();
        assert_eq!((a.ci.len(), a.di.len()), (88, 64));
        assert_eq!(a.ci, b.ci, "phone does not change the person");
        assert_ne!(a.ci, c.ci);
        assert_ne!(a.ci, live_person("홍길동", "19900101", "MALE", "LOCAL", None, b"other", now).unwrap().ci);
    }

    #[test]
    fn age_group_turns_adult_on_the_19th_birthday() {
        assert_eq!(age_group(date!(2007 - 11 - 27), date!(2026 - 11 - 27)), "ADULT");
        assert_eq!(age_group(date!(2007 - 11 - 28), date!(2026 - 11 - 27)), "MINOR");
    }

    #[test]
    fn bad_fields_are_refused() {
        let today = date!(2026 - 11 - 27);
        for b in ["19930230", "1993032", "abcdefgh", "20991231", "18001010", "19931301"] {
            assert!(check_birthday(b, today).is_err(), "{b}");
        }
        assert!(check_birthday("20000229", today).is_ok());
        for p in ["010-1234-5678", "0101234567890", "1012345678", ""] {
            assert!(check_phone(p).is_err(), "{p}");
        }
        assert!(check_phone("01012345678").is_ok());
        assert!(check_name("  ").is_err());
        assert!(check_name(&"가".repeat(51)).is_err());
    }
}
