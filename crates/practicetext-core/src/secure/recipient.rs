//! Who can receive a secure message, and how (SPEC S1, S2).

use serde::{Deserialize, Serialize};

use crate::directory::{Client, ClientKind};
use crate::phone::E164;
use crate::sensitive::{DateOfBirth, EmailAddress, PersonName};

/// How the recipient is told that a secure message waits (SPEC S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMethod {
    /// A text to the cell phone.
    Sms,
    /// An email.
    Email,
    /// Both a text and an email.
    Both,
}

impl NotifyMethod {
    /// True when this method sends a text.
    pub fn uses_sms(self) -> bool {
        matches!(self, NotifyMethod::Sms | NotifyMethod::Both)
    }
    /// True when this method sends an email.
    pub fn uses_email(self) -> bool {
        matches!(self, NotifyMethod::Email | NotifyMethod::Both)
    }
}

/// The recipient of a secure message as the address book has them. Build
/// it from a [`Client`] with `From`, or from JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipient {
    /// Patient or contact (S2 asks different things of each).
    pub kind: ClientKind,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Date of birth.
    pub date_of_birth: Option<DateOfBirth>,
    /// Mobile number.
    pub cell_phone: Option<E164>,
    /// Email address.
    pub email: Option<EmailAddress>,
}

impl From<&Client> for Recipient {
    fn from(c: &Client) -> Self {
        Recipient {
            kind: c.kind,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            date_of_birth: c.date_of_birth,
            cell_phone: c.cell_phone,
            email: c.email.clone(),
        }
    }
}

/// One item a recipient lacks (SPEC S1, S2). Serialized as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// A patient needs a date of birth (S2).
    MissingDateOfBirth,
    /// A contact needs a first name (S2).
    MissingFirstName,
    /// A contact needs a last name (S2).
    MissingLastName,
    /// Every recipient needs a cell phone or an email (S2).
    MissingCellPhoneOrEmail,
    /// Notifying by SMS needs a cell phone (S1).
    MissingCellPhone,
    /// Notifying by email needs an email address (S1).
    MissingEmail,
}

impl Missing {
    /// Stable machine-readable code, e.g. `"missing_date_of_birth"`.
    pub fn code(self) -> &'static str {
        match self {
            Missing::MissingDateOfBirth => "missing_date_of_birth",
            Missing::MissingFirstName => "missing_first_name",
            Missing::MissingLastName => "missing_last_name",
            Missing::MissingCellPhoneOrEmail => "missing_cell_phone_or_email",
            Missing::MissingCellPhone => "missing_cell_phone",
            Missing::MissingEmail => "missing_email",
        }
    }

    /// What to add to the address book, for a person.
    pub fn message(self) -> &'static str {
        match self {
            Missing::MissingDateOfBirth => {
                "A patient recipient needs a date of birth in the address book."
            }
            Missing::MissingFirstName => {
                "A contact recipient needs a first name in the address book."
            }
            Missing::MissingLastName => {
                "A contact recipient needs a last name in the address book."
            }
            Missing::MissingCellPhoneOrEmail => {
                "The recipient needs a cell phone or an email address in the address book."
            }
            Missing::MissingCellPhone => {
                "Notifying by SMS needs a cell phone number for the recipient."
            }
            Missing::MissingEmail => "Notifying by email needs an email address for the recipient.",
        }
    }
}

/// A missing item with its message: `{"code": ..., "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingItem {
    /// The item.
    pub code: Missing,
    /// What to add, for a person.
    pub message: String,
}

impl From<Missing> for MissingItem {
    fn from(m: Missing) -> Self {
        MissingItem {
            code: m,
            message: m.message().to_owned(),
        }
    }
}

/// Which notify methods the recipient's data allows (SPEC S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Methods {
    /// A cell phone is on file.
    pub sms: bool,
    /// An email is on file.
    pub email: bool,
    /// Both are on file.
    pub both: bool,
}

/// The answer to "can this recipient get a secure message?" (SPEC S1, S2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prerequisites {
    /// True when nothing is missing.
    pub ok: bool,
    /// Every missing item, in a stable order.
    pub missing: Vec<MissingItem>,
    /// The notify methods the recipient's data allows.
    pub methods: Methods,
    /// The notify method that was checked, if one was given.
    pub notify: Option<NotifyMethod>,
}

impl Prerequisites {
    /// The missing items as codes.
    pub fn missing_codes(&self) -> Vec<Missing> {
        self.missing.iter().map(|m| m.code).collect()
    }
}

/// Checks a recipient against SPEC S2 and, when `notify` is given, against
/// SPEC S1. Every missing item is listed.
///
/// With a notify method, the contact requirement is the method's: SMS needs
/// a cell phone (`missing_cell_phone`), email an email (`missing_email`),
/// both needs both. Without one, S2's "a cell phone or an email" applies
/// (`missing_cell_phone_or_email`).
///
/// ```
/// use practicetext_core::directory::ClientKind;
/// use practicetext_core::secure::{check_recipient, Missing, NotifyMethod, Recipient};
///
/// let r = Recipient { kind: ClientKind::Patient, ..Recipient::default() };
/// let p = check_recipient(&r, Some(NotifyMethod::Both));
/// assert!(!p.ok);
/// assert_eq!(
///     p.missing_codes(),
///     vec![Missing::MissingDateOfBirth, Missing::MissingCellPhone, Missing::MissingEmail]
/// );
/// ```
pub fn check_recipient(recipient: &Recipient, notify: Option<NotifyMethod>) -> Prerequisites {
    let has_phone = recipient.cell_phone.is_some();
    let has_email = recipient.email.is_some();
    let mut missing = identity_missing(recipient);
    match notify {
        None if !has_phone && !has_email => missing.push(Missing::MissingCellPhoneOrEmail),
        None => {}
        Some(method) => {
            if method.uses_sms() && !has_phone {
                missing.push(Missing::MissingCellPhone);
            }
            if method.uses_email() && !has_email {
                missing.push(Missing::MissingEmail);
            }
        }
    }
    Prerequisites {
        ok: missing.is_empty(),
        missing: missing.into_iter().map(MissingItem::from).collect(),
        methods: Methods {
            sms: has_phone,
            email: has_email,
            both: has_phone && has_email,
        },
        notify,
    }
}

/// What S2 asks of the recipient's identity: a date of birth for a patient,
/// a first and last name for a contact.
fn identity_missing(recipient: &Recipient) -> Vec<Missing> {
    match recipient.kind {
        ClientKind::Patient if recipient.date_of_birth.is_none() => {
            vec![Missing::MissingDateOfBirth]
        }
        ClientKind::Patient => Vec::new(),
        ClientKind::Contact => {
            let mut m = Vec::new();
            if recipient.first_name.is_blank() {
                m.push(Missing::MissingFirstName);
            }
            if recipient.last_name.is_blank() {
                m.push(Missing::MissingLastName);
            }
            m
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn phone() -> E164 {
        E164::parse("650-253-0000").unwrap()
    }

    fn email() -> EmailAddress {
        EmailAddress::parse("pat@mail.example").unwrap()
    }

    fn dob() -> DateOfBirth {
        DateOfBirth::new(NaiveDate::from_ymd_opt(1980, 2, 3).unwrap())
    }

    fn patient() -> Recipient {
        Recipient {
            kind: ClientKind::Patient,
            date_of_birth: Some(dob()),
            cell_phone: Some(phone()),
            ..Recipient::default()
        }
    }

    fn contact() -> Recipient {
        Recipient {
            kind: ClientKind::Contact,
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            email: Some(email()),
            ..Recipient::default()
        }
    }

    #[test]
    fn s2_patient_with_dob_and_phone_or_email_passes() {
        assert!(check_recipient(&patient(), None).ok);
        let by_email = Recipient {
            cell_phone: None,
            email: Some(email()),
            ..patient()
        };
        assert!(check_recipient(&by_email, None).ok);
    }

    #[test]
    fn s2_patient_without_dob_is_refused() {
        let r = Recipient {
            date_of_birth: None,
            ..patient()
        };
        let p = check_recipient(&r, None);
        assert!(!p.ok);
        assert_eq!(p.missing_codes(), vec![Missing::MissingDateOfBirth]);
    }

    #[test]
    fn s2_patient_needs_no_name_but_contact_does() {
        let p = check_recipient(&patient(), None);
        assert!(p.ok, "a patient without names still passes S2");
        let r = Recipient {
            first_name: "  ".into(),
            last_name: PersonName::default(),
            ..contact()
        };
        assert_eq!(
            check_recipient(&r, None).missing_codes(),
            vec![Missing::MissingFirstName, Missing::MissingLastName]
        );
    }

    #[test]
    fn s2_contact_needs_no_dob() {
        assert!(check_recipient(&contact(), None).ok);
    }

    #[test]
    fn s2_refusal_lists_every_missing_item() {
        let r = Recipient {
            kind: ClientKind::Contact,
            ..Recipient::default()
        };
        let p = check_recipient(&r, None);
        assert_eq!(
            p.missing_codes(),
            vec![
                Missing::MissingFirstName,
                Missing::MissingLastName,
                Missing::MissingCellPhoneOrEmail
            ]
        );
        assert!(p.missing.iter().all(|m| !m.message.is_empty()));
    }

    #[test]
    fn s1_sms_needs_a_cell_phone() {
        let p = check_recipient(&contact(), Some(NotifyMethod::Sms));
        assert_eq!(p.missing_codes(), vec![Missing::MissingCellPhone]);
        assert!(check_recipient(&patient(), Some(NotifyMethod::Sms)).ok);
    }

    #[test]
    fn s1_email_needs_an_email() {
        let p = check_recipient(&patient(), Some(NotifyMethod::Email));
        assert_eq!(p.missing_codes(), vec![Missing::MissingEmail]);
        assert!(check_recipient(&contact(), Some(NotifyMethod::Email)).ok);
    }

    #[test]
    fn s1_both_needs_both() {
        let p = check_recipient(&patient(), Some(NotifyMethod::Both));
        assert_eq!(p.missing_codes(), vec![Missing::MissingEmail]);
        let full = Recipient {
            email: Some(email()),
            ..patient()
        };
        let ok = check_recipient(&full, Some(NotifyMethod::Both));
        assert!(ok.ok);
        assert_eq!(
            ok.methods,
            Methods {
                sms: true,
                email: true,
                both: true
            }
        );
    }

    #[test]
    fn s1_methods_follow_the_data_even_when_refused() {
        let r = Recipient {
            date_of_birth: None,
            ..patient()
        };
        let p = check_recipient(&r, Some(NotifyMethod::Email));
        assert_eq!(
            p.missing_codes(),
            vec![Missing::MissingDateOfBirth, Missing::MissingEmail]
        );
        assert_eq!(
            p.methods,
            Methods {
                sms: true,
                email: false,
                both: false
            }
        );
    }

    #[test]
    fn s2_json_contract() {
        let r: Recipient = serde_json::from_str(
            r#"{"kind":"patient","cell_phone":"(650) 253-0000","date_of_birth":"1980-02-03"}"#,
        )
        .unwrap();
        let p = check_recipient(&r, Some(NotifyMethod::Both));
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["missing"][0]["code"], "missing_email");
        assert!(
            v["missing"][0]["message"]
                .as_str()
                .unwrap()
                .contains("email")
        );
        assert_eq!(v["methods"]["sms"], true);
        assert_eq!(v["notify"], "both");
    }
}
