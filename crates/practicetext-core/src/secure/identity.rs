//! Identity verification for setting or resetting a PIN (SPEC S5).
//!
//! What is asked depends on the recipient: a patient answers date of birth
//! and last name (the last name only when the address book has one); a
//! contact, who need not have a date of birth (S2), answers first and last
//! name. Names compare case-insensitively after trimming (and Unicode NFC,
//! with runs of white space read as one space). Every comparison is constant
//! time: both sides are hashed with SHA-256 and the digests compared with
//! `subtle`, and all answers are checked before the result is combined.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use unicode_normalization::UnicodeNormalization;

use super::recipient::Recipient;
use crate::directory::ClientKind;
use crate::sensitive::{DateOfBirth, PersonName};

/// A question the patient must answer to prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityField {
    /// Date of birth.
    DateOfBirth,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
}

/// The patient's answers. `Debug` redacts them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentityClaim {
    /// Date of birth.
    pub date_of_birth: Option<DateOfBirth>,
    /// First name.
    pub first_name: Option<PersonName>,
    /// Last name.
    pub last_name: Option<PersonName>,
}

/// The questions to ask this recipient (SPEC S5).
pub fn identity_fields(recipient: &Recipient) -> Vec<IdentityField> {
    let mut fields = Vec::new();
    match recipient.kind {
        ClientKind::Patient => {
            if recipient.date_of_birth.is_some() {
                fields.push(IdentityField::DateOfBirth);
            }
            if !recipient.last_name.is_blank() {
                fields.push(IdentityField::LastName);
            }
        }
        ClientKind::Contact => {
            if !recipient.first_name.is_blank() {
                fields.push(IdentityField::FirstName);
            }
            if !recipient.last_name.is_blank() {
                fields.push(IdentityField::LastName);
            }
        }
    }
    fields
}

/// True when the claim answers every question for `recipient` correctly.
/// A recipient with nothing to ask never matches (fail closed).
pub(crate) fn identity_matches(recipient: &Recipient, claim: &IdentityClaim) -> bool {
    let fields = identity_fields(recipient);
    let mut ok = Choice::from(u8::from(!fields.is_empty()));
    for field in fields {
        let (expected, given) = match field {
            IdentityField::DateOfBirth => (
                recipient.date_of_birth.map(date_digest),
                claim.date_of_birth.map(date_digest),
            ),
            IdentityField::FirstName => (
                Some(name_digest(&recipient.first_name)),
                claim.first_name.as_ref().map(name_digest),
            ),
            IdentityField::LastName => (
                Some(name_digest(&recipient.last_name)),
                claim.last_name.as_ref().map(name_digest),
            ),
        };
        ok &= digests_equal(expected, given);
    }
    ok.into()
}

fn digests_equal(expected: Option<[u8; 32]>, given: Option<[u8; 32]>) -> Choice {
    match (expected, given) {
        (Some(e), Some(g)) => e.ct_eq(&g),
        // Still spend a comparison so a missing answer costs the same.
        (Some(e), None) => e.ct_eq(&[0u8; 32]) & Choice::from(0),
        _ => Choice::from(0),
    }
}

fn date_digest(d: DateOfBirth) -> [u8; 32] {
    Sha256::digest(d.date().format("%Y-%m-%d").to_string().as_bytes()).into()
}

fn name_digest(n: &PersonName) -> [u8; 32] {
    Sha256::digest(normalize_name(n.as_str()).as_bytes()).into()
}

/// Trimmed, NFC, lower case, runs of white space as one space.
fn normalize_name(s: &str) -> String {
    let nfc: String = s.nfc().collect::<String>().to_lowercase();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn dob(y: i32, m: u32, d: u32) -> DateOfBirth {
        DateOfBirth::new(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn patient() -> Recipient {
        Recipient {
            kind: ClientKind::Patient,
            first_name: "Zoë".into(),
            last_name: "O'Brien-Núñez".into(),
            date_of_birth: Some(dob(1980, 2, 3)),
            ..Recipient::default()
        }
    }

    fn claim(d: DateOfBirth, last: &str) -> IdentityClaim {
        IdentityClaim {
            date_of_birth: Some(d),
            last_name: Some(last.into()),
            first_name: None,
        }
    }

    #[test]
    fn s5_patient_verifies_with_dob_and_last_name_case_insensitively_trimmed() {
        let p = patient();
        assert_eq!(
            identity_fields(&p),
            vec![IdentityField::DateOfBirth, IdentityField::LastName]
        );
        assert!(identity_matches(
            &p,
            &claim(dob(1980, 2, 3), "O'Brien-Núñez")
        ));
        assert!(identity_matches(
            &p,
            &claim(dob(1980, 2, 3), "  o'brien-NÚÑEZ ")
        ));
        // Decomposed accents (NFD) match the composed record.
        assert!(identity_matches(
            &p,
            &claim(dob(1980, 2, 3), "O'Brien-Nu\u{301}n\u{303}ez")
        ));
    }

    #[test]
    fn s5_wrong_or_missing_answer_fails() {
        let p = patient();
        assert!(!identity_matches(
            &p,
            &claim(dob(1980, 2, 4), "O'Brien-Núñez")
        ));
        assert!(!identity_matches(
            &p,
            &claim(dob(1980, 2, 3), "OBrien-Nunez")
        ));
        let no_last = IdentityClaim {
            date_of_birth: Some(dob(1980, 2, 3)),
            ..IdentityClaim::default()
        };
        assert!(!identity_matches(&p, &no_last));
        assert!(!identity_matches(&p, &IdentityClaim::default()));
    }

    #[test]
    fn s5_contact_verifies_with_first_and_last_name() {
        let c = Recipient {
            kind: ClientKind::Contact,
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            ..Recipient::default()
        };
        assert_eq!(
            identity_fields(&c),
            vec![IdentityField::FirstName, IdentityField::LastName]
        );
        let good = IdentityClaim {
            first_name: Some("ann".into()),
            last_name: Some(" LEE".into()),
            date_of_birth: None,
        };
        assert!(identity_matches(&c, &good));
        let bad = IdentityClaim {
            first_name: Some("Anne".into()),
            ..good
        };
        assert!(!identity_matches(&c, &bad));
    }

    #[test]
    fn s5_nothing_to_ask_never_matches() {
        let empty = Recipient {
            kind: ClientKind::Contact,
            ..Recipient::default()
        };
        assert!(!identity_matches(&empty, &IdentityClaim::default()));
    }
}
