//! Secure-text checks that need no store (SPEC S1, S2).

use practicetext_core::secure::{self, NotifyMethod, Recipient};
use serde::Deserialize;
use serde_json::Value;

use crate::error::FacadeError;
use crate::json::{JsonIn, parse, to_value};

#[derive(Deserialize)]
struct CheckRecipientRequest {
    #[serde(flatten)]
    recipient: Recipient,
    #[serde(default)]
    notify: Option<NotifyMethod>,
}

/// Can this recipient get a secure message, and how (SPEC S1, S2)? The
/// request is the CLI's `secure check-recipient` input: `{"kind": "patient"
/// | "contact", "first_name", "last_name", "date_of_birth", "cell_phone",
/// "email", "notify"?: "sms" | "email" | "both"}` (missing fields are
/// empty). The answer is `{"ok", "missing": [{"code", "message"}],
/// "methods", "notify"}`, every missing item listed.
pub fn check_recipient<'a>(request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
    let r: CheckRecipientRequest = parse(request.into(), "the recipient")?;
    to_value(&secure::check_recipient(&r.recipient, r.notify))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s2_every_missing_item_is_listed() {
        let a = check_recipient(r#"{"kind": "contact"}"#).unwrap();
        assert_eq!(a["ok"], false);
        let codes: Vec<&str> = a["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "missing_first_name",
                "missing_last_name",
                "missing_cell_phone_or_email"
            ]
        );
    }

    #[test]
    fn s1_notify_by_sms_needs_a_cell_phone_and_bad_phones_are_bad_input() {
        let a = check_recipient(
            r#"{"kind": "patient", "date_of_birth": "1980-02-03", "email": "p@mail.example", "notify": "sms"}"#,
        )
        .unwrap();
        assert_eq!(a["missing"][0]["code"], "missing_cell_phone");
        let e = check_recipient(r#"{"kind": "patient", "cell_phone": "911"}"#).unwrap_err();
        assert_eq!(e.code(), "bad_input");
        assert!(!e.message().contains("911"), "{}", e.message());
    }
}
