//! PINs (SPEC S5): format rules, and storage only as argon2id PHC strings
//! salted from the injected random source.

use std::fmt;

use argon2::password_hash::PasswordHasher;
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, PasswordHash, Version};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::SecureError;
use super::config::PinHashParams;
use crate::ports::Random;

const PIN_MIN: usize = 4;
const PIN_MAX: usize = 8;
const SALT_BYTES: usize = 16;

/// Largest costs accepted from a stored hash: a corrupted or hostile PHC
/// string must not make verification allocate gigabytes or run for minutes.
const STORED_MAX_MEMORY_KIB: u32 = 262_144;
const STORED_MAX_PASSES: u32 = 16;
const STORED_MAX_LANES: u32 = 8;

/// A PIN as the patient typed it: 4 to 8 ASCII digits (SPEC S5). A new
/// PIN must also not be all one digit or a straight run such as `1234` or
/// `9876` ([`Pin::parse_new`]). `Debug` redacts it; it has no serde form on
/// purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Checks the format of a PIN being entered. Surrounding white space is
    /// ignored.
    ///
    /// ```
    /// use practicetext_core::secure::Pin;
    /// assert!(Pin::parse("4071").is_ok());
    /// assert_eq!(Pin::parse("12a4").unwrap_err().code(), "pin_format");
    /// ```
    pub fn parse(input: &str) -> Result<Pin, SecureError> {
        let s = input.trim();
        let digits_only = s.bytes().all(|b| b.is_ascii_digit());
        if !(PIN_MIN..=PIN_MAX).contains(&s.len()) || !digits_only {
            return Err(SecureError::PinFormat);
        }
        Ok(Pin(s.to_owned()))
    }

    /// Checks a PIN being chosen: the format, and that it is not too easy
    /// to guess.
    ///
    /// ```
    /// use practicetext_core::secure::Pin;
    /// assert!(Pin::parse_new("4071").is_ok());
    /// assert_eq!(Pin::parse_new("1111").unwrap_err().code(), "pin_too_simple");
    /// assert_eq!(Pin::parse_new("4321").unwrap_err().code(), "pin_too_simple");
    /// ```
    pub fn parse_new(input: &str) -> Result<Pin, SecureError> {
        let pin = Pin::parse(input)?;
        if is_too_simple(pin.as_bytes()) {
            return Err(SecureError::PinTooSimple);
        }
        Ok(pin)
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// All one digit, or every step +1 or every step -1.
fn is_too_simple(digits: &[u8]) -> bool {
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| match w {
            [a, b] => i16::from(*b) - i16::from(*a),
            _ => 0, // ok: windows(2) yields pairs only
        })
        .collect();
    [0, 1, -1].iter().any(|d| steps.iter().all(|s| s == d))
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// A PIN stored as an argon2id hash in PHC string format
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), SPEC S5. `Debug`
/// redacts it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PinHash(String);

impl PinHash {
    /// Hashes `pin` with a fresh 16-byte salt from `random`.
    pub fn new(
        pin: &Pin,
        params: PinHashParams,
        random: &dyn Random,
    ) -> Result<PinHash, SecureError> {
        let mut salt = [0u8; SALT_BYTES];
        random.fill(&mut salt);
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon2()?);
        let hash = argon
            .hash_password_with_salt(pin.as_bytes(), &salt)
            .map_err(|_| SecureError::PinHashFailed)?;
        Ok(PinHash(hash.to_string()))
    }

    /// True when `pin` matches. The PIN is hashed again with the stored
    /// salt and parameters and the outputs are compared in constant time
    /// (`subtle`). A stored string that is not an argon2id PHC string within
    /// sane cost limits is refused (`pin_hash_failed`) rather than trusted.
    pub fn verify(&self, pin: &Pin) -> Result<bool, SecureError> {
        self.verify_bytes(pin.as_bytes())
    }

    fn verify_bytes(&self, secret: &[u8]) -> Result<bool, SecureError> {
        let parsed = PasswordHash::new(&self.0).map_err(|_| SecureError::PinHashFailed)?;
        let params = argon2::Params::try_from(&parsed).map_err(|_| SecureError::PinHashFailed)?;
        let version = Version::try_from(parsed.version.unwrap_or(0x13))
            .map_err(|_| SecureError::PinHashFailed)?;
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return Err(SecureError::PinHashFailed);
        };
        if parsed.algorithm != ARGON2ID_IDENT || !within_stored_limits(&params) {
            return Err(SecureError::PinHashFailed);
        }
        let mut computed = vec![0u8; expected.len()];
        Argon2::new(Algorithm::Argon2id, version, params)
            .hash_password_into(secret, salt.as_ref(), &mut computed)
            .map_err(|_| SecureError::PinHashFailed)?;
        Ok(computed.ct_eq(expected.as_ref()).into())
    }

    /// The PHC string, for stores.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a PHC string read back from a store. It is checked when used.
    pub fn from_phc(phc: impl Into<String>) -> PinHash {
        PinHash(phc.into())
    }
}

fn within_stored_limits(p: &argon2::Params) -> bool {
    p.m_cost() <= STORED_MAX_MEMORY_KIB
        && p.t_cost() <= STORED_MAX_PASSES
        && p.p_cost() <= STORED_MAX_LANES
}

impl fmt::Debug for PinHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededRandom;

    #[test]
    fn s5_pin_is_4_to_8_digits() {
        for ok in ["4071", "40719", "4071 ", "40719283"] {
            assert!(Pin::parse(ok).is_ok(), "{ok} refused");
        }
        for bad in ["407", "407192831", "40a1", "", "4 71", "٤٠٧١", "-4071"] {
            assert_eq!(Pin::parse(bad).unwrap_err().code(), "pin_format", "{bad}");
        }
    }

    #[test]
    fn s5_trivial_pins_are_refused() {
        for bad in ["0000", "1234", "98765", "3456789", "55555555"] {
            assert!(
                Pin::parse(bad).is_ok(),
                "entering {bad} is only checked against the hash"
            );
            assert_eq!(
                Pin::parse_new(bad).unwrap_err().code(),
                "pin_too_simple",
                "{bad}"
            );
        }
        for ok in ["1235", "1122", "2580", "1212"] {
            assert!(Pin::parse_new(ok).is_ok(), "{ok} refused");
        }
    }

    #[test]
    fn s5_pin_is_stored_as_salted_argon2id_phc() {
        let pin = Pin::parse("4071").unwrap();
        let rng = SeededRandom::new(9);
        let a = PinHash::new(&pin, PinHashParams::default(), &rng).unwrap();
        let b = PinHash::new(&pin, PinHashParams::default(), &rng).unwrap();
        assert!(a.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!a.as_str().contains("4071"));
        assert_ne!(a, b, "two hashes of one PIN must have different salts");
        assert!(a.verify(&pin).unwrap());
        assert!(b.verify(&pin).unwrap());
        assert!(!a.verify(&Pin::parse("4072").unwrap()).unwrap());
    }

    #[test]
    fn s5_salt_comes_from_the_injected_random_source() {
        let pin = Pin::parse("4071").unwrap();
        let a = PinHash::new(&pin, PinHashParams::default(), &SeededRandom::new(5)).unwrap();
        let b = PinHash::new(&pin, PinHashParams::default(), &SeededRandom::new(5)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn s5_verify_reads_standard_phc_strings() {
        // Known-answer vector from the argon2 crate's own PHC tests.
        let kat = PinHash::from_phc(
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        );
        assert!(kat.verify_bytes(b"password").unwrap());
        assert!(!kat.verify_bytes(b"sassword").unwrap());
    }

    #[test]
    fn s5_unusable_stored_hashes_are_refused() {
        let pin = Pin::parse("4071").unwrap();
        for bad in [
            "",
            "plain4071",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let e = PinHash::from_phc(bad).verify(&pin).unwrap_err();
            assert_eq!(e.code(), "pin_hash_failed", "{bad}");
        }
    }

    #[test]
    fn s5_pin_and_hash_never_show_in_debug() {
        let pin = Pin::parse("4071").unwrap();
        let h = PinHash::new(&pin, PinHashParams::default(), &SeededRandom::new(1)).unwrap();
        let shown = format!("{pin:?} {h:?}");
        assert!(!shown.contains("4071") && !shown.contains("argon2"));
    }
}
