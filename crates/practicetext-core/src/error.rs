//! The top-level error every front end maps. Each area of the core has its
//! own `thiserror` enum whose variants carry a stable `code()`; [`Error`]
//! wraps them all and forwards the code, so the CLI and the bindings map
//! errors by code, never by message text.

use crate::broadcast::BroadcastError;
use crate::directory::DirectoryError;
use crate::engine::EngineError;
use crate::hours::HoursError;
use crate::inbox::InboxError;
use crate::phone::PhoneError;
use crate::ports::StoreError;
use crate::secure::SecureError;
use crate::sensitive::EmailError;
use crate::text::TextError;
use crate::webhook::WebhookError;

/// Any refusal the library can give.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A phone number was refused (N1, N2).
    #[error(transparent)]
    Phone(#[from] PhoneError),
    /// An email address was refused.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// The directory is malformed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// A business-hours schedule or quiet-hours window was refused (A4, X1).
    #[error(transparent)]
    Hours(#[from] HoursError),
    /// The engine refused an operation (an unknown number).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A scenario file is malformed.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A provider webhook was refused (X3).
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// A secure-text operation was refused (S1-S5, X7).
    #[error(transparent)]
    Secure(#[from] SecureError),
    /// A text or text policy was refused (P7, P6, C1).
    #[error(transparent)]
    Text(#[from] TextError),
    /// An inbox operation was refused (V1-V9).
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// A mass alert was refused or cannot run (B1-B9).
    #[error(transparent)]
    Broadcast(#[from] BroadcastError),
}

/// A scenario file that cannot be run (feature `test-util`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid scenario: {message}")]
pub struct ScenarioError {
    /// What is wrong with it.
    pub message: String,
}

impl Error {
    /// Stable machine-readable code of the underlying refusal, e.g.
    /// `"invalid_area_code"`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Phone(e) => e.code(),
            Error::Engine(e) => e.code(),
            Error::Scenario(_) => "invalid_scenario",
            Error::Email(e) => e.code(),
            Error::Directory(e) => e.code(),
            Error::Hours(e) => e.code(),
            Error::Store(e) => e.code(),
            Error::Webhook(e) => e.code(),
            Error::Secure(e) => e.code(),
            Error::Text(e) => e.code(),
            Error::Inbox(e) => e.code(),
            Error::Broadcast(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_error_forwards_codes_and_messages() {
        let e: Error = PhoneError::InvalidAreaCode { area_code: 123 }.into();
        assert_eq!(e.code(), "invalid_area_code");
        assert!(e.to_string().contains("123"));
        let s: Error = StoreError::NotFound {
            what: "user",
            id: "bob".into(),
        }
        .into();
        assert_eq!(s.code(), "not_found");
        let x: Error = SecureError::LinkNotFound.into();
        assert_eq!(x.code(), "link_not_found");
        let h: Error = HoursError::OverlappingHours {
            first: "mon 08:00-12:00".into(),
            second: "mon 11:00-13:00".into(),
        }
        .into();
        assert_eq!(h.code(), "overlapping_hours");
        assert!(h.to_string().contains("mon 11:00-13:00"));
        let t: Error = TextError::TooLong {
            segments: 11,
            chars: 1700,
            max_segments: 10,
            max_chars: 1600,
        }
        .into();
        assert_eq!(t.code(), "text_too_long");
        let i: Error = InboxError::ConversationNotFound { id: "c9".into() }.into();
        assert_eq!(i.code(), "conversation_not_found");
        assert!(i.to_string().contains("c9"));
        let b: Error = BroadcastError::ConfirmationMismatch.into();
        assert_eq!(b.code(), "confirmation_mismatch");
    }
}
