//! Provider webhooks: SPEC X3 (authenticity) and the parsing that turns an
//! inbound-message or status-callback request into core events (V10 keys
//! them by the provider's message id; X2 acts on the status).
//!
//! The common provider format (Twilio and the providers compatible with it)
//! posts `application/x-www-form-urlencoded` bodies and signs each request
//! in an `X-Twilio-Signature`-style header:
//! `base64(HMAC-SHA1(auth_token, url + key1 + value1 + key2 + value2 ...))`,
//! where `url` is the full public URL the provider called (query string
//! included) and the fields are sorted by name (then value).
//!
//! A host calls, in order:
//! 1. [`authenticate`] (or [`verify_signature`]) with the request's path and
//!    query, raw body and signature header; it checks the size, decodes the
//!    form and verifies the signature in constant time, against the
//!    configured [`WebhookConfig::public_base_url`] rather than the host the
//!    server sees (proxies and load balancers change scheme, host and port);
//! 2. [`parse_inbound`] or [`parse_status`] on the fields it returned.
//!
//! ```
//! use practicetext_core::webhook::{authenticate, parse_inbound, WebhookConfig};
//! # use base64::Engine as _;
//! # use hmac::{KeyInit, Mac};
//! let cfg = WebhookConfig::new("auth-token", "https://texts.clinic.example");
//! let body = b"MessageSid=SM0123&From=%2B16502530000&To=%2B14155552671&Body=Yes+please";
//! # let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(b"auth-token").map_err(|e| e.to_string())?;
//! # mac.update(b"https://texts.clinic.example/sms?org=7BodyYes pleaseFrom+16502530000MessageSidSM0123To+14155552671");
//! # let header = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
//! let fields = authenticate(&cfg, "/sms?org=7", body, &header)?;
//! let sms = parse_inbound(&fields)?;
//! assert_eq!(sms.provider_id, "SM0123");
//! assert_eq!(sms.body.as_str(), "Yes please");
//! assert_eq!(authenticate(&cfg, "/sms?org=8", body, &header).unwrap_err().code(), "signature_invalid");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod event;
mod form;
mod signature;

use std::fmt;

use serde::Deserialize;

pub use event::{
    InboundSms, MAX_PROVIDER_ID_LEN, MediaItem, Sender, StatusCallback, parse_inbound, parse_status,
};
pub use form::parse_form;
pub use signature::{SIGNATURE_HEADER, authenticate, expected_signature, verify_signature};

/// Default cap on a webhook body: 64 KiB. A text webhook is a few hundred
/// bytes to a few KiB (ten media URLs included); anything much larger is not
/// from the provider.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// How to check webhooks from one provider account (SPEC X3).
///
/// `Debug` redacts the auth token. There is no `Serialize`, so the token is
/// never written out by accident; `Deserialize` reads it from configuration.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookConfig {
    /// The provider account's auth token: the HMAC key. Use the primary
    /// token; an empty token is refused (anyone could sign with it).
    pub auth_token: String,
    /// The scheme, host (and port, and any path prefix a proxy strips) the
    /// provider calls, e.g. `https://texts.clinic.example`. The request's
    /// path and query are appended to it, so behind a proxy or load balancer
    /// this is the public address, not the one the server sees.
    pub public_base_url: String,
    /// Bodies longer than this are refused before they are decoded.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
}

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

impl WebhookConfig {
    /// A configuration with the default body cap ([`DEFAULT_MAX_BODY_BYTES`]).
    pub fn new(auth_token: impl Into<String>, public_base_url: impl Into<String>) -> Self {
        WebhookConfig {
            auth_token: auth_token.into(),
            public_base_url: public_base_url.into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("auth_token", &"<redacted>")
            .field("public_base_url", &self.public_base_url)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// What is wrong with a form body. Positions are byte offsets into the
/// body; the content itself is never repeated (it is patient data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormDefect {
    /// A `%` not followed by two hexadecimal digits.
    InvalidEscape {
        /// Offset of the `%`.
        offset: usize,
    },
    /// A name or value that is not UTF-8 once decoded.
    InvalidUtf8 {
        /// Offset of the `name=value` pair.
        offset: usize,
    },
}

impl fmt::Display for FormDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormDefect::InvalidEscape { offset } => write!(
                f,
                "a '%' at byte {offset} is not followed by two hexadecimal digits"
            ),
            FormDefect::InvalidUtf8 { offset } => {
                write!(f, "the field at byte {offset} is not UTF-8 once decoded")
            }
        }
    }
}

/// Why a webhook was refused (SPEC X3). Hosts answer `signature_*` with
/// HTTP 403, `body_too_large` with 413, the rest with 400, and
/// `webhook_config_invalid` by fixing their configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The configuration cannot verify anything.
    #[error("the webhook configuration is unusable: {reason}")]
    InvalidConfig {
        /// What to fix.
        reason: &'static str,
    },
    /// No signature header came with the request.
    #[error(
        "the request has no {SIGNATURE_HEADER} header; only requests signed by the provider are accepted"
    )]
    SignatureMissing,
    /// The signature does not match: the body or URL was altered, the
    /// request was not signed with this account's token, or the configured
    /// public URL differs from the one the provider called.
    #[error(
        "the webhook signature does not match; check that the auth token is the account's primary token and that public_base_url is the exact scheme, host and path prefix the provider calls"
    )]
    SignatureInvalid,
    /// The body is over the configured cap.
    #[error("the webhook body has {actual} bytes; at most {limit} are accepted")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
        /// The body's length.
        actual: usize,
    },
    /// The body is not a well-formed `application/x-www-form-urlencoded` form.
    #[error("the webhook body is not a valid form: {defect}")]
    MalformedForm {
        /// What is wrong and where.
        defect: FormDefect,
    },
    /// A field the event needs is absent.
    #[error("the webhook has no '{field}' field")]
    MissingField {
        /// The field's name, e.g. `MessageSid`.
        field: String,
    },
    /// A field is present but its value cannot be used.
    #[error("the webhook's '{field}' field is invalid: {reason}")]
    InvalidField {
        /// The field's name, e.g. `To`.
        field: String,
        /// What is wrong with it (never its value).
        reason: &'static str,
    },
}

impl WebhookError {
    /// Stable machine-readable code; bindings and the CLI map errors by it.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::InvalidConfig { .. } => "webhook_config_invalid",
            WebhookError::SignatureMissing => "signature_missing",
            WebhookError::SignatureInvalid => "signature_invalid",
            WebhookError::BodyTooLarge { .. } => "body_too_large",
            WebhookError::MalformedForm { .. } => "malformed_form",
            WebhookError::MissingField { .. } => "missing_field",
            WebhookError::InvalidField { .. } => "invalid_field",
        }
    }

    /// Every code [`WebhookError::code`] can return.
    pub const CODES: &'static [&'static str] = &[
        "webhook_config_invalid",
        "signature_missing",
        "signature_invalid",
        "body_too_large",
        "malformed_form",
        "missing_field",
        "invalid_field",
    ];
}

#[cfg(test)]
mod tests;
