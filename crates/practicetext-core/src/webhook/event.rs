//! Inbound-message and status-callback webhooks as core events (SPEC X3;
//! the provider id is V10's idempotency key, the status feeds X2).
//!
//! Field names are those of the common provider format (Twilio's
//! "Messaging webhooks": `MessageSid`, `From`, `To`, `Body`, `NumMedia`,
//! `MediaUrl{N}`, `MediaContentType{N}`, `NumSegments`, `MessageStatus`,
//! `ErrorCode`), with the older `SmsMessageSid`/`SmsSid`/`SmsStatus`
//! accepted as fallbacks. Names are case-sensitive; when a name repeats,
//! the first occurrence counts. Fields the core does not use are ignored, so
//! fields the provider adds later do no harm.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::WebhookError;
use crate::delivery::DeliveryStatus;
use crate::phone::E164;
use crate::sensitive::MessageBody;

/// The longest provider message id accepted (Twilio's are 34 characters,
/// UUID-style ids of compatible providers 36).
pub const MAX_PROVIDER_ID_LEN: usize = 64;

/// Who sent an inbound text.
///
/// `Debug` redacts numbers and other addresses; short codes are businesses,
/// not patients, and show.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    /// A US or Canadian number that can be texted back.
    Number(E164),
    /// A 5 or 6 digit short code (businesses, services, automated senders).
    ShortCode(String),
    /// Anything else: an alphanumeric sender id, a number outside the US and
    /// Canada, a channel address. Cannot be texted back from here.
    Other(String),
}

impl Sender {
    /// Classifies a `From` value; `None` when it is blank.
    ///
    /// ```
    /// use practicetext_core::webhook::Sender;
    /// assert!(matches!(Sender::parse("+16502530000"), Some(Sender::Number(_))));
    /// assert_eq!(Sender::parse("72975"), Some(Sender::ShortCode("72975".into())));
    /// assert_eq!(Sender::parse("+442079460958"), Some(Sender::Other("+442079460958".into())));
    /// ```
    pub fn parse(raw: &str) -> Option<Sender> {
        let s = raw.trim();
        if s.is_empty() {
            return None;
        }
        let digits = s.strip_prefix('+').unwrap_or(s);
        if (5..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Sender::ShortCode(digits.to_owned()));
        }
        Some(match E164::parse(s) {
            Ok(number) => Sender::Number(number),
            Err(_) => Sender::Other(s.to_owned()),
        })
    }

    /// The number, when the sender is one that can be texted back.
    pub fn number(&self) -> Option<E164> {
        match self {
            Sender::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sender::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Sender::ShortCode(code) => f.debug_tuple("ShortCode").field(code).finish(),
            Sender::Other(_) => f.write_str("Other(<redacted>)"),
        }
    }
}

/// One picture or file attached to an inbound text (MMS). `Debug` redacts
/// the URL: it leads to the patient's attachment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    /// Where the provider serves it (`https://...`).
    pub url: String,
    /// Its MIME type as the provider reports it, e.g. `image/jpeg`.
    pub content_type: String,
}

impl fmt::Debug for MediaItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaItem")
            .field("url", &"<redacted>")
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// An inbound text as the provider reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundSms {
    /// The provider's message id (`MessageSid`): the idempotency key of V10.
    pub provider_id: String,
    /// Who sent it.
    pub from: Sender,
    /// Our number it was sent to.
    pub to: E164,
    /// The text (empty for a picture-only message).
    pub body: MessageBody,
    /// Attachments, in the provider's order.
    pub media: Vec<MediaItem>,
    /// Segments the provider counted, when it says.
    pub num_segments: Option<u32>,
}

/// A delivery-status callback for one of our outbound messages (SPEC X2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCallback {
    /// The provider's message id (`MessageSid`).
    pub provider_id: String,
    /// The status reported.
    pub status: DeliveryStatus,
    /// The provider's error code on failure (`ErrorCode`; `0` counts as none).
    pub error_code: Option<u32>,
    /// The recipient, when the callback names it.
    pub to: Option<E164>,
}

/// Reads an inbound-message webhook (SPEC X3, V10).
///
/// Needs `MessageSid` (or `SmsMessageSid`/`SmsSid`), `From` and `To`; a
/// missing `Body` reads as empty. Refuses, naming the field: a missing one
/// (`missing_field`); an id that is empty, longer than
/// [`MAX_PROVIDER_ID_LEN`] or not letters, digits, `-` and `_`, a blank
/// `From`, a `To` that is not a US or Canadian number, counts that are not
/// whole numbers, and media URLs that are not http(s) (`invalid_field`).
pub fn parse_inbound(fields: &[(String, String)]) -> Result<InboundSms, WebhookError> {
    let provider_id = provider_id(fields)?;
    let from =
        Sender::parse(required(fields, "From")?).ok_or_else(|| invalid("From", "it is empty"))?;
    let to = our_number(required(fields, "To")?, "To")?;
    let body = MessageBody::new(first(fields, "Body").unwrap_or_default());
    Ok(InboundSms {
        provider_id,
        from,
        to,
        body,
        media: media(fields)?,
        num_segments: count(fields, "NumSegments")?,
    })
}

/// Reads a status-callback webhook (SPEC X3, X2).
///
/// Needs `MessageSid` (or `SmsSid`) and `MessageStatus` (or `SmsStatus`);
/// `ErrorCode` and `To` are optional. Refuses, naming the field: a missing
/// one (`missing_field`); a bad id, a status that is not a delivery status
/// ([`DeliveryStatus::from_provider`]), an error code that is not a whole
/// number, a `To` that is not a US or Canadian number (`invalid_field`).
pub fn parse_status(fields: &[(String, String)]) -> Result<StatusCallback, WebhookError> {
    let provider_id = provider_id(fields)?;
    let raw_status = first_of(fields, &["MessageStatus", "SmsStatus"])
        .ok_or_else(|| missing("MessageStatus"))?;
    let status = DeliveryStatus::from_provider(raw_status)
        .ok_or_else(|| invalid("MessageStatus", "it is not a known delivery status"))?;
    let error_code = count(fields, "ErrorCode")?.filter(|&code| code != 0);
    let to = match first(fields, "To").map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(our_number(raw, "To")?),
    };
    Ok(StatusCallback {
        provider_id,
        status,
        error_code,
        to,
    })
}

fn first<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn first_of<'a>(fields: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|name| first(fields, name))
}

fn missing(field: &str) -> WebhookError {
    WebhookError::MissingField {
        field: field.to_owned(),
    }
}

fn invalid(field: &str, reason: &'static str) -> WebhookError {
    WebhookError::InvalidField {
        field: field.to_owned(),
        reason,
    }
}

fn required<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, WebhookError> {
    first(fields, name).ok_or_else(|| missing(name))
}

fn provider_id(fields: &[(String, String)]) -> Result<String, WebhookError> {
    let id = first_of(fields, &["MessageSid", "SmsMessageSid", "SmsSid"])
        .ok_or_else(|| missing("MessageSid"))?;
    let well_formed = !id.is_empty()
        && id.len() <= MAX_PROVIDER_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(id.to_owned())
    } else {
        Err(invalid(
            "MessageSid",
            "a message id is 1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

fn our_number(raw: &str, field: &str) -> Result<E164, WebhookError> {
    E164::parse(raw).map_err(|_| invalid(field, "it is not a US or Canadian number"))
}

/// An optional whole-number field; blank counts as absent.
fn count(fields: &[(String, String)], name: &str) -> Result<Option<u32>, WebhookError> {
    match first(fields, name).map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse::<u32>()
            .map(Some)
            .map_err(|_| invalid(name, "it is not a whole number")),
    }
}

fn media(fields: &[(String, String)]) -> Result<Vec<MediaItem>, WebhookError> {
    let n = count(fields, "NumMedia")?.unwrap_or(0);
    let mut items = Vec::new();
    for i in 0..n {
        let url_field = format!("MediaUrl{i}");
        let url = required(fields, &url_field)?.trim();
        if !is_http_url(url) {
            return Err(invalid(&url_field, "it is not an http(s) URL"));
        }
        let content_type = required(fields, &format!("MediaContentType{i}"))?;
        items.push(MediaItem {
            url: url.to_owned(),
            content_type: content_type.trim().to_owned(),
        });
    }
    Ok(items)
}

fn is_http_url(url: &str) -> bool {
    let scheme_ok = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            && url.len() > prefix.len()
    };
    scheme_ok("https://") || scheme_ok("http://")
}
