//! The one error type every facade call returns: the core's stable code,
//! the area it comes from (what the bindings key their exception classes
//! by) and a message a person can act on.

use std::fmt;

use practicetext_core::Error;
use practicetext_core::phone::PhoneError;
use practicetext_core::ports::StoreError;
use practicetext_core::text::TextError;

/// Codes the facade itself gives (everything else is a core code).
pub mod codes {
    /// A JSON request that is not valid JSON or not the shape the call reads.
    pub const BAD_INPUT: &str = "bad_input";
    /// A host value of the wrong type, a missing (null/None/undefined) value,
    /// a negative or out-of-range number.
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    /// Text that is not valid Unicode (a lone UTF-16 surrogate from
    /// JavaScript, Python or the JVM).
    pub const INVALID_UNICODE: &str = "invalid_unicode";
    /// A store spec that names no store this library knows.
    pub const INVALID_STORE_SPEC: &str = "invalid_store_spec";
    /// The store cannot do this yet (or this build lacks the store).
    pub const STORE_NOT_SUPPORTED: &str = "store_not_supported";
    /// The operating system's random source failed.
    pub const RANDOM_UNAVAILABLE: &str = "random_unavailable";
    /// A host-supplied clock failed or returned something unusable.
    pub const HOST_CLOCK_FAILED: &str = "host_clock_failed";
    /// An answer could not be written as JSON (a bug: please report it).
    pub const ANSWER_NOT_SERIALIZABLE: &str = "answer_not_serializable";
}

/// Which part of the library refused: bindings map each area to one
/// exception class (Python `PhoneError`, Kotlin `PracticetextException.Phone`,
/// ...), and within it the [`FacadeError::code`] says exactly what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorArea {
    /// Phone numbers (N1, N2).
    Phone,
    /// Email addresses.
    Email,
    /// The directory (organization, users, groups, numbers, clients).
    Directory,
    /// Business and quiet hours (A4, X1).
    Hours,
    /// The engine (an inbound text to a number nobody owns, ...).
    Engine,
    /// A scenario file.
    Scenario,
    /// Stores: opening, reading, writing, store specs.
    Store,
    /// Provider webhooks (X3).
    Webhook,
    /// Secure text (S1-S5, X7).
    Secure,
    /// Texts and text policies (P1-P7, C1).
    Text,
    /// The inbox (V1-V9).
    Inbox,
    /// Mass text alerts (B1-B9, X5).
    Broadcast,
    /// Input the host passed: malformed JSON, wrong types, invalid Unicode.
    Input,
    /// Host wiring: the OS random source, a host clock.
    Host,
}

impl ErrorArea {
    /// The stable snake_case name, e.g. `"phone"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorArea::Phone => "phone",
            ErrorArea::Email => "email",
            ErrorArea::Directory => "directory",
            ErrorArea::Hours => "hours",
            ErrorArea::Engine => "engine",
            ErrorArea::Scenario => "scenario",
            ErrorArea::Store => "store",
            ErrorArea::Webhook => "webhook",
            ErrorArea::Secure => "secure",
            ErrorArea::Text => "text",
            ErrorArea::Inbox => "inbox",
            ErrorArea::Broadcast => "broadcast",
            ErrorArea::Input => "input",
            ErrorArea::Host => "host",
        }
    }

    /// Every area, for bindings that build one class per area.
    pub const ALL: &'static [ErrorArea] = &[
        ErrorArea::Phone,
        ErrorArea::Email,
        ErrorArea::Directory,
        ErrorArea::Hours,
        ErrorArea::Engine,
        ErrorArea::Scenario,
        ErrorArea::Store,
        ErrorArea::Webhook,
        ErrorArea::Secure,
        ErrorArea::Text,
        ErrorArea::Inbox,
        ErrorArea::Broadcast,
        ErrorArea::Input,
        ErrorArea::Host,
    ];
}

/// A refusal from any facade call: a stable machine-readable code (the
/// core's `code()`, or one of [`codes`]), its [`ErrorArea`] and a message
/// for people. Messages never carry patient data.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FacadeError {
    code: &'static str,
    area: ErrorArea,
    message: String,
    reasons: Vec<Reason>,
}

/// One reason of a refusal that has several (a `broadcast_refused`), with
/// its own stable code, e.g. `not_admin`, `range_too_long`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The reason's stable code.
    pub code: &'static str,
    /// The reason for people.
    pub message: String,
}

impl fmt::Debug for FacadeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacadeError")
            .field("code", &self.code)
            .field("area", &self.area)
            .finish_non_exhaustive()
    }
}

impl FacadeError {
    /// An error with this code, area and message.
    pub fn new(code: &'static str, area: ErrorArea, message: impl Into<String>) -> Self {
        FacadeError {
            code,
            area,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    /// A host value of the wrong type or out of range ([`codes::INVALID_ARGUMENT`]).
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_ARGUMENT, ErrorArea::Input, message)
    }

    /// Text that is not valid Unicode ([`codes::INVALID_UNICODE`]).
    pub fn invalid_unicode(what: &str) -> Self {
        Self::new(
            codes::INVALID_UNICODE,
            ErrorArea::Input,
            format!(
                "{what} is not valid Unicode (it contains a lone surrogate); send well-formed text"
            ),
        )
    }

    /// A request that is not the JSON the call reads ([`codes::BAD_INPUT`]).
    /// Quoted values in the parser's message are dropped: they may be
    /// patient data.
    pub fn bad_input(what: &str, e: &serde_json::Error) -> Self {
        Self::new(
            codes::BAD_INPUT,
            ErrorArea::Input,
            format!("{what} is not valid: {}", redact_quoted(&e.to_string())),
        )
    }

    /// The stable code, e.g. `"invalid_area_code"`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The area the refusal comes from.
    pub fn area(&self) -> ErrorArea {
        self.area
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Every reason of a refusal that has several, each with its own code
    /// (the refusals of a `broadcast_refused`); empty for other errors.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }
}

/// Replaces every `"..."` in a parser message with `"…"`.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        match (c, inside) {
            ('"', false) => {
                out.push_str("\"…");
                inside = true;
            }
            ('"', true) => {
                out.push('"');
                inside = false;
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

impl From<Error> for FacadeError {
    fn from(e: Error) -> Self {
        let area = match &e {
            Error::Phone(_) => ErrorArea::Phone,
            Error::Email(_) => ErrorArea::Email,
            Error::Directory(_) => ErrorArea::Directory,
            Error::Hours(_) => ErrorArea::Hours,
            Error::Engine(_) => ErrorArea::Engine,
            Error::Scenario(_) => ErrorArea::Scenario,
            Error::Store(_) => ErrorArea::Store,
            Error::Webhook(_) => ErrorArea::Webhook,
            Error::Secure(_) => ErrorArea::Secure,
            Error::Text(_) => ErrorArea::Text,
            Error::Inbox(_) => ErrorArea::Inbox,
            Error::Broadcast(_) => ErrorArea::Broadcast,
        };
        let reasons = match &e {
            Error::Broadcast(b) => b
                .refusals()
                .iter()
                .map(|r| Reason {
                    code: r.code(),
                    message: r.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        };
        FacadeError {
            reasons,
            ..FacadeError::new(e.code(), area, e.to_string())
        }
    }
}

macro_rules! from_core {
    ($($t:ty),*) => {$(
        impl From<$t> for FacadeError {
            fn from(e: $t) -> Self {
                Error::from(e).into()
            }
        }
    )*};
}

from_core!(
    PhoneError,
    StoreError,
    TextError,
    practicetext_core::inbox::InboxError,
    practicetext_core::directory::DirectoryError
);

#[cfg(feature = "sqlite")]
impl From<practicetext_sqlite::OpenError> for FacadeError {
    fn from(e: practicetext_sqlite::OpenError) -> Self {
        FacadeError::new(e.code(), ErrorArea::Store, e.to_string())
    }
}

#[cfg(feature = "postgres")]
impl From<practicetext_postgres::ConnectError> for FacadeError {
    fn from(e: practicetext_postgres::ConnectError) -> Self {
        FacadeError::new(e.code(), ErrorArea::Store, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code_and_get_their_area() {
        let e = FacadeError::from(PhoneError::InvalidAreaCode { area_code: 123 });
        assert_eq!(
            (e.code(), e.area()),
            ("invalid_area_code", ErrorArea::Phone)
        );
        assert!(e.message().contains("123"));
        let s = FacadeError::from(StoreError::Conflict {
            message: "taken".into(),
        });
        assert_eq!((s.code(), s.area()), ("conflict", ErrorArea::Store));
        let b = FacadeError::from(Error::from(
            practicetext_core::broadcast::BroadcastError::ConfirmationMismatch,
        ));
        assert_eq!(
            (b.code(), b.area()),
            ("confirmation_mismatch", ErrorArea::Broadcast)
        );
    }

    #[test]
    fn bad_input_drops_quoted_values() {
        let e = serde_json::from_str::<u32>("\"+16502530000\"").unwrap_err();
        let f = FacadeError::bad_input("the request", &e);
        assert_eq!(f.code(), codes::BAD_INPUT);
        assert!(!f.message().contains("6502530000"), "{}", f.message());
        assert!(f.message().contains("invalid type"), "{}", f.message());
    }

    #[test]
    fn debug_shows_code_not_message() {
        let e = FacadeError::invalid_argument("the number +16502530000");
        assert!(!format!("{e:?}").contains("650"));
    }

    #[test]
    fn area_names_are_distinct() {
        let names: std::collections::HashSet<_> =
            ErrorArea::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), ErrorArea::ALL.len());
    }
}
