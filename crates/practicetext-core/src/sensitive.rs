//! Patient data newtypes: message bodies, names, dates of birth and email
//! addresses. Each is plain data for serde (the JSON contract carries the
//! real value) but its `Debug` redacts, so a `{:?}` in a log line or a panic
//! message never leaks it (quality bar "health-adjacent data").
//! Phone numbers redact the same way ([`crate::phone::E164`]).

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text of a message. `Debug` shows only its length. Shared, not
/// copied: a clone (the engine stores and replies with the same body) only
/// counts a reference.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct MessageBody(Arc<str>);

impl MessageBody {
    /// Wraps a body.
    pub fn new(text: impl Into<String>) -> Self {
        MessageBody(Arc::from(text.into()))
    }
    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when the body is empty or only white space.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MessageBody(<{} chars redacted>)",
            self.0.chars().count()
        )
    }
}

impl From<&str> for MessageBody {
    fn from(s: &str) -> Self {
        MessageBody(Arc::from(s))
    }
}

impl From<String> for MessageBody {
    fn from(s: String) -> Self {
        MessageBody(Arc::from(s))
    }
}

/// The text as a JSON string (as `#[serde(transparent)]` over a `String`
/// writes it).
impl Serialize for MessageBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MessageBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(MessageBody::from)
    }
}

/// A person's name (first, last or full). `Debug` redacts it.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Wraps a name.
    pub fn new(name: impl Into<String>) -> Self {
        PersonName(name.into())
    }
    /// The name itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when the name is empty or only white space.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(<redacted>)")
    }
}

impl From<&str> for PersonName {
    fn from(s: &str) -> Self {
        PersonName(s.to_owned())
    }
}

/// A date of birth. `Debug` redacts it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// Wraps a date.
    pub fn new(date: NaiveDate) -> Self {
        DateOfBirth(date)
    }
    /// The date itself.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DateOfBirth(<redacted>)")
    }
}

/// Why a string is not a usable email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// No address was given.
    #[error("the email address is empty")]
    Empty,
    /// The address does not have the form `name@domain.tld`.
    #[error("'{shown}' is not an email address of the form name@example.com")]
    Malformed {
        /// The address with its local part masked.
        shown: String,
    },
}

impl EmailError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EmailError::Empty => "email_empty",
            EmailError::Malformed { .. } => "email_invalid",
        }
    }
}

/// A validated email address (`name@domain.tld`, no spaces, at most 254
/// characters). `Debug` masks the part before the `@`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Validates and wraps an address (white space around it is trimmed).
    ///
    /// ```
    /// use practicetext_core::sensitive::EmailAddress;
    /// assert!(EmailAddress::parse("front.desk@clinic.example").is_ok());
    /// assert_eq!(EmailAddress::parse("front desk@clinic").unwrap_err().code(), "email_invalid");
    /// ```
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let malformed = || EmailError::Malformed {
            shown: mask_email(s),
        };
        let (local, domain) = s.split_once('@').ok_or_else(malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if s.len() > 254 || !local_ok || !domain_ok {
            return Err(malformed());
        }
        Ok(EmailAddress(s.to_owned()))
    }

    /// The address itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a comma- (or semicolon-) separated list, as typed into an
    /// "email alert recipients" field (SPEC A4). Every entry must be valid;
    /// the error lists each bad entry's position (1-based) and error.
    pub fn parse_list(input: &str) -> Result<Vec<EmailAddress>, Vec<(usize, EmailError)>> {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let entries = input
            .split([',', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty());
        for (i, entry) in entries.enumerate() {
            match EmailAddress::parse(entry) {
                Ok(e) => good.push(e),
                Err(e) => bad.push((i + 1, e)),
            }
        }
        if bad.is_empty() { Ok(good) } else { Err(bad) }
    }
}

fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((_, domain)) => format!("***@{domain}"),
        None => "***".to_owned(),
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", mask_email(&self.0))
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&s).map_err(|e| format!("{}: {e}", e.code()))
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_patient_data() {
        let body = MessageBody::new("my dog Rex has a fever");
        let name = PersonName::new("Jane Doe");
        let dob = DateOfBirth::new(NaiveDate::from_ymd_opt(1980, 2, 3).unwrap());
        let email = EmailAddress::parse("jane.doe@mail.example").unwrap();
        let shown = format!("{body:?} {name:?} {dob:?} {email:?}");
        for secret in ["Rex", "fever", "Jane", "Doe", "1980", "jane.doe"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains("22 chars"));
    }

    #[test]
    fn a4_email_list_validates_every_entry() {
        let ok = EmailAddress::parse_list("a@clinic.example, b@clinic.example;c@x.io").unwrap();
        assert_eq!(ok.len(), 3);
        let bad = EmailAddress::parse_list("a@clinic.example, nope, c@x").unwrap_err();
        assert_eq!(bad.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![2, 3]);
        assert!(bad.iter().all(|(_, e)| e.code() == "email_invalid"));
    }

    #[test]
    fn email_rejects_malformed_forms() {
        for bad in [
            "plainaddress",
            "@clinic.example",
            "a@",
            "a@clinic",
            "a b@clinic.example",
            "a..b@clinic.example",
            "a@-clinic.example",
            "a@clinic.c0m",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(EmailAddress::parse("  ").unwrap_err().code(), "email_empty");
    }
}
