//! The notice that a secure message waits (SPEC S3): fixed, generic wording
//! with no health information. Nothing in it can be customized; the only
//! variable parts are the practice name and the link. The notice builders
//! take no message content at all, so none can leak into them.
//!
//! The SMS is always GSM-7 and fits one segment (160 characters): the
//! practice name is reduced to GSM-7 characters (accents dropped, other
//! characters removed) and shortened to the room left by the link.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::SecureError;
use super::code::UnlockCode;
use super::link::LinkToken;
use super::recipient::{Missing, NotifyMethod, Recipient};
use crate::phone::E164;
use crate::sensitive::{EmailAddress, MessageBody};

/// One SMS segment of GSM-7 text.
const SMS_MAX: usize = 160;
/// Longest link base: leaves at least 17 characters for the practice name.
const LINK_BASE_MAX: usize = 48;
/// Longest practice name in an email subject.
const EMAIL_NAME_MAX: usize = 100;

/// Printable characters of the GSM 03.38 basic table (no line breaks, no
/// escape): each costs one septet.
const GSM_BASIC: &str = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The start of every secure link, e.g. `https://portal.happypaws.example/s/`;
/// the token is appended. HTTPS only, on the practice's own domain (P1),
/// at most 48 characters, and only characters that are one GSM-7 septet.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LinkBase(String);

impl LinkBase {
    /// Checks a base URL; a missing final `/` is added.
    ///
    /// ```
    /// use practicetext_core::secure::LinkBase;
    /// assert_eq!(LinkBase::parse("https://s.clinic.example/m")?.as_str(), "https://s.clinic.example/m/");
    /// assert_eq!(LinkBase::parse("http://s.clinic.example/").unwrap_err().code(), "link_base_invalid");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(input: &str) -> Result<LinkBase, SecureError> {
        let invalid = |reason| Err(SecureError::LinkBaseInvalid { reason });
        let s = input.trim();
        let Some(rest) = s.strip_prefix("https://") else {
            return invalid("it must start with https://");
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_ok = host.contains('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !host_ok {
            return invalid("it must name a domain such as portal.clinic.example");
        }
        let chars_ok = rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/:?=&%+#".contains(c));
        if !chars_ok {
            return invalid("it may contain only letters, digits and - . _ / : ? = & % + #");
        }
        let mut base = s.to_owned();
        if !base.ends_with(['/', '=', '#']) {
            base.push('/');
        }
        if base.len() > LINK_BASE_MAX {
            return invalid("it must be at most 48 characters so the text fits one SMS");
        }
        Ok(LinkBase(base))
    }

    /// The base URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn url(&self, token: &LinkToken) -> String {
        format!("{}{}", self.0, token.as_str())
    }
}

impl fmt::Debug for LinkBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkBase({:?})", self.0)
    }
}

impl TryFrom<String> for LinkBase {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LinkBase::parse(&s).map_err(|e| format!("{}: {e}", e.code()))
    }
}

impl From<LinkBase> for String {
    fn from(b: LinkBase) -> String {
        b.0
    }
}

/// What a notice may say about its sender: the practice name and where its
/// secure links point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practice {
    /// The practice name as patients know it.
    pub name: String,
    /// Where secure links point.
    pub link_base: LinkBase,
}

/// A text to send. `Debug` redacts the number and the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsNotice {
    /// The recipient's cell phone.
    pub to: E164,
    /// The fixed wording with the practice name and the link (or code).
    pub body: MessageBody,
}

/// An email to send. `Debug` masks the address and redacts the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailNotice {
    /// The recipient's address.
    pub to: EmailAddress,
    /// Fixed subject naming the practice.
    pub subject: String,
    /// Fixed wording with the practice name and the link.
    pub body: MessageBody,
}

/// The notice of a secure message (SPEC S1, S3): a text, an email, or both,
/// as the notify method says. Before the text goes out the engine still
/// runs the content checks and the consent check on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecureNotice {
    /// The text, when notifying by SMS or both.
    pub sms: Option<SmsNotice>,
    /// The email, when notifying by email or both.
    pub email: Option<EmailNotice>,
}

/// Builds the notice for a new link (SPEC S3). Refuses with the missing
/// item when the method needs contact data the recipient lacks (S1).
pub(crate) fn secure_notice(
    practice: &Practice,
    recipient: &Recipient,
    method: NotifyMethod,
    token: &LinkToken,
    link_ttl: TimeDelta,
) -> Result<SecureNotice, SecureError> {
    let url = practice.link_base.url(token);
    let sms = match (method.uses_sms(), recipient.cell_phone) {
        (false, _) => None,
        (true, Some(to)) => Some(SmsNotice {
            to,
            body: MessageBody::new(sms_body(&practice.name, &url)?),
        }),
        (true, None) => return Err(incomplete(Missing::MissingCellPhone)),
    };
    let email = match (method.uses_email(), &recipient.email) {
        (false, _) => None,
        (true, Some(to)) => Some(email_notice(&practice.name, to.clone(), &url, link_ttl)?),
        (true, None) => return Err(incomplete(Missing::MissingEmail)),
    };
    Ok(SecureNotice { sms, email })
}

fn incomplete(m: Missing) -> SecureError {
    SecureError::RecipientIncomplete { missing: vec![m] }
}

/// `{name}: You have a secure message: {url} Reply STOP to opt out.`
fn sms_body(practice_name: &str, url: &str) -> Result<String, SecureError> {
    let fill =
        |name: &str| format!("{name}: You have a secure message: {url} Reply STOP to opt out.");
    let room = SMS_MAX.saturating_sub(fill("").chars().count());
    Ok(fill(&sms_name(practice_name, room)?))
}

/// The one-time unlock code text (SPEC X7), to the same mobile number.
pub(crate) fn unlock_code_sms(
    practice_name: &str,
    to: E164,
    code: &UnlockCode,
    ttl: TimeDelta,
) -> Result<SmsNotice, SecureError> {
    let ttl = describe(ttl);
    let fill = |name: &str| {
        format!(
            "{name}: Your one-time unlock code is {}. It expires in {ttl}. Do not share it.",
            code.as_str()
        )
    };
    let room = SMS_MAX.saturating_sub(fill("").chars().count());
    let body = fill(&sms_name(practice_name, room)?);
    Ok(SmsNotice {
        to,
        body: MessageBody::new(body),
    })
}

fn email_notice(
    practice_name: &str,
    to: EmailAddress,
    url: &str,
    link_ttl: TimeDelta,
) -> Result<EmailNotice, SecureError> {
    let name = email_name(practice_name)?;
    let ttl = describe(link_ttl);
    let body = format!(
        "You have a new secure message from {name}.\n\n\
         Open this link to read it: {url}\n\n\
         For your privacy, this email does not contain the message. \
         The link works for {ttl} after it was sent; after that, ask {name} to send a new one.\n"
    );
    Ok(EmailNotice {
        to,
        subject: format!("Secure message from {name}"),
        body: MessageBody::new(body),
    })
}

/// The practice name in GSM-7 septets only, at most `room` characters,
/// cut at a word boundary when one is near.
fn sms_name(name: &str, room: usize) -> Result<String, SecureError> {
    let mut gsm = String::new();
    for c in name.nfc() {
        if c.is_whitespace() {
            gsm.push(' ');
        } else if GSM_BASIC.contains(c) {
            gsm.push(c);
        } else {
            let base = std::iter::once(c).nfkd().filter(|d| !is_combining_mark(*d));
            gsm.extend(base.filter(|d| GSM_BASIC.contains(*d) && *d != ' '));
        }
    }
    let words: Vec<&str> = gsm.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        let sep = usize::from(!out.is_empty());
        let len = out.chars().count().saturating_add(sep);
        if len.saturating_add(word.chars().count()) > room {
            if out.chars().count() < room / 2 {
                // A long first word: cut it rather than lose most of the name.
                if sep == 1 {
                    out.push(' ');
                }
                let left = room.saturating_sub(out.chars().count());
                out.extend(word.chars().take(left));
            }
            break;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out
        .trim_end_matches([' ', '-', ',', '&', ':', ';', '/'])
        .to_owned();
    if out.is_empty() {
        return Err(SecureError::PracticeNameMissing);
    }
    Ok(out)
}

/// The practice name on one line, without control characters, for a
/// subject header.
fn email_name(name: &str) -> Result<String, SecureError> {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line: Vec<&str> = cleaned.split_whitespace().collect();
    let out: String = one_line.join(" ").chars().take(EMAIL_NAME_MAX).collect();
    if out.is_empty() {
        return Err(SecureError::PracticeNameMissing);
    }
    Ok(out)
}

/// "72 hours", "90 minutes", "1 hour".
fn describe(d: TimeDelta) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if d.num_minutes() % 60 == 0 {
        plural(d.num_hours(), "hour")
    } else {
        plural(d.num_minutes(), "minute")
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::directory::ClientKind;
    use crate::sensitive::DateOfBirth;
    use crate::testing::SeededRandom;

    /// The GSM 03.38 basic table, row by row (0x00-0x7F), written out apart
    /// from the implementation. LF, CR and ESC are not allowed in a notice.
    const GSM_TABLE: [&str; 8] = [
        "@£$¥èéùìòÇ\nØø\rÅå",
        "Δ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ",
        " !\"#¤%&'()*+,-./",
        "0123456789:;<=>?",
        "¡ABCDEFGHIJKLMNO",
        "PQRSTUVWXYZÄÖÑÜ§",
        "¿abcdefghijklmno",
        "pqrstuvwxyzäöñüà",
    ];

    fn is_gsm7_single_segment(body: &str) -> bool {
        let ok_char = |c: char| {
            !matches!(c, '\n' | '\r' | '\u{1b}') && GSM_TABLE.iter().any(|r| r.contains(c))
        };
        body.chars().all(ok_char) && body.chars().count() <= 160
    }

    fn practice(name: &str) -> Practice {
        Practice {
            name: name.into(),
            link_base: LinkBase::parse("https://portal.happypaws.example/s/").unwrap(),
        }
    }

    fn recipient() -> Recipient {
        Recipient {
            kind: ClientKind::Patient,
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            date_of_birth: Some(DateOfBirth::new(
                NaiveDate::from_ymd_opt(1980, 2, 3).unwrap(),
            )),
            cell_phone: Some(E164::parse("650-253-0000").unwrap()),
            email: Some(EmailAddress::parse("jane@mail.example").unwrap()),
        }
    }

    fn token() -> LinkToken {
        LinkToken::generate(&SeededRandom::new(21))
    }

    #[test]
    fn s3_sms_notice_is_fixed_generic_gsm7_one_segment() {
        // The secure message itself; the notice builder never sees it.
        let content = "Your biopsy results: malignant melanoma, stage II. Call Dr Smith.";
        let t = token();
        let n = secure_notice(
            &practice("Happy Paws Clinic"),
            &recipient(),
            NotifyMethod::Sms,
            &t,
            TimeDelta::hours(72),
        )
        .unwrap();
        assert!(n.email.is_none());
        let sms = n.sms.unwrap();
        let body = sms.body.as_str();
        assert_eq!(
            body,
            format!(
                "Happy Paws Clinic: You have a secure message: https://portal.happypaws.example/s/{} Reply STOP to opt out.",
                t.as_str()
            )
        );
        assert!(is_gsm7_single_segment(body), "{body}");
        for word in content
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 4)
        {
            assert!(!body.contains(word), "{word} leaked into the notice");
        }
        for pii in ["Jane", "Doe", "1980"] {
            assert!(!body.contains(pii));
        }
    }

    #[test]
    fn s3_email_notice_is_fixed_and_carries_no_content() {
        let content = "Your HIV test came back positive";
        let t = token();
        let n = secure_notice(
            &practice("Happy Paws Clinic"),
            &recipient(),
            NotifyMethod::Email,
            &t,
            TimeDelta::hours(72),
        )
        .unwrap();
        assert!(n.sms.is_none());
        let email = n.email.unwrap();
        assert_eq!(email.subject, "Secure message from Happy Paws Clinic");
        assert!(email.body.as_str().contains(t.as_str()));
        assert!(email.body.as_str().contains("72 hours"));
        for text in [email.subject.as_str(), email.body.as_str()] {
            for word in content.split(' ').filter(|w| w.len() >= 4) {
                assert!(!text.contains(word), "{word} leaked");
            }
            assert!(!text.contains("Jane") && !text.contains("Doe"));
        }
    }

    #[test]
    fn s1_both_sends_both() {
        let n = secure_notice(
            &practice("Happy Paws"),
            &recipient(),
            NotifyMethod::Both,
            &token(),
            TimeDelta::hours(72),
        )
        .unwrap();
        assert!(n.sms.is_some() && n.email.is_some());
        let no_email = Recipient {
            email: None,
            ..recipient()
        };
        let e = secure_notice(
            &practice("Happy Paws"),
            &no_email,
            NotifyMethod::Both,
            &token(),
            TimeDelta::hours(72),
        )
        .unwrap_err();
        assert_eq!(
            e,
            SecureError::RecipientIncomplete {
                missing: vec![Missing::MissingEmail]
            }
        );
    }

    #[test]
    fn s3_long_or_accented_practice_names_still_fit_gsm7() {
        let name = "Clínica Veterinária São Francisco de Assis — Atendimento 24h ✓";
        let longest = LinkBase::parse("https://abcdefghij.abcdefghijklmnopqrstuvwxy.ex/").unwrap();
        assert_eq!(longest.as_str().len(), 48);
        let cases = [
            // 30 characters of room: whole words that fit.
            (practice(name), "Clinica Veterinaria Sao: "),
            // 17 characters of room: the second word is cut rather than lost.
            (
                Practice {
                    name: name.into(),
                    link_base: longest,
                },
                "Clinica Veterinar: ",
            ),
        ];
        for (p, start) in cases {
            let n = secure_notice(
                &p,
                &recipient(),
                NotifyMethod::Sms,
                &token(),
                TimeDelta::hours(72),
            )
            .unwrap();
            let body = n.sms.unwrap().body.as_str().to_owned();
            assert!(is_gsm7_single_segment(&body), "{body}");
            assert!(body.starts_with(start), "{body}");
        }
    }

    #[test]
    fn s3_a_name_with_nothing_gsm_is_refused() {
        let e = sms_name("✓✓ 😀", 40).unwrap_err();
        assert_eq!(e.code(), "practice_name_missing");
    }

    #[test]
    fn s3_link_base_rules() {
        for bad in [
            "http://portal.clinic.example/",
            "https://",
            "https://localhost/s/",
            "https://user:pw@portal.clinic.example/",
            "https://portal.clinic.example/{x}",
            "https://portal.clinic.example/~me/",
            "https://a-very-long-subdomain-name.happypaws-clinic.example/secure/",
        ] {
            assert_eq!(
                LinkBase::parse(bad).unwrap_err().code(),
                "link_base_invalid",
                "{bad}"
            );
        }
        assert_eq!(
            LinkBase::parse("https://p.clinic.example/s?t=")
                .unwrap()
                .as_str(),
            "https://p.clinic.example/s?t="
        );
    }

    #[test]
    fn x7_unlock_code_text_is_gsm7_and_names_the_expiry() {
        let code = UnlockCode::generate(&SeededRandom::new(1)).unwrap();
        let n = unlock_code_sms(
            "Happy Paws",
            E164::parse("650-253-0000").unwrap(),
            &code,
            TimeDelta::minutes(10),
        )
        .unwrap();
        let body = n.body.as_str();
        assert!(body.contains(code.as_str()) && body.contains("10 minutes"));
        assert!(is_gsm7_single_segment(body));
    }

    #[test]
    fn describe_durations() {
        assert_eq!(describe(TimeDelta::hours(72)), "72 hours");
        assert_eq!(describe(TimeDelta::hours(1)), "1 hour");
        assert_eq!(describe(TimeDelta::minutes(90)), "90 minutes");
        assert_eq!(describe(TimeDelta::minutes(1)), "1 minute");
    }

    proptest! {
        #[test]
        fn s3_sms_notice_is_gsm7_one_segment_for_any_practice_name(name in "\\PC{1,120}") {
            let p = practice(&name);
            match secure_notice(&p, &recipient(), NotifyMethod::Sms, &token(), TimeDelta::hours(72)) {
                Ok(n) => {
                    let body = n.sms.unwrap().body.as_str().to_owned();
                    prop_assert!(is_gsm7_single_segment(&body), "{}", body);
                    prop_assert!(body.contains(" Reply STOP to opt out."));
                }
                Err(e) => prop_assert_eq!(e.code(), "practice_name_missing"),
            }
        }

        #[test]
        fn s3_email_subject_is_one_line(name in "\\PC{0,20}[\\r\\n]\\PC{1,20}") {
            if let Ok(n) = email_name(&name) {
                prop_assert!(!n.contains('\n') && !n.contains('\r'));
            }
        }
    }
}
