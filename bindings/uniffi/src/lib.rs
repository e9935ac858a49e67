//! `practicetext_ffi`: the mobile binding (uniffi: Kotlin on Android and
//! the JVM, Swift on iOS). A list of conversions over
//! `practicetext-facade`; nothing of a rule lives here.
//!
//! - typed fast calls (phone numbers, segments, compliance, keywords) and
//!   their batch forms return records;
//! - `Practice` takes and returns JSON strings (the library's JSON
//!   contract); its calls block on the store, so call them off the main
//!   thread (Kotlin: `Dispatchers.IO`);
//! - the host supplies a clock (`HostClock`) and a transport
//!   (`HostTransport`) as foreign traits, or gets the system clock and a
//!   recording transport;
//! - every error is a `PracticetextError` (Kotlin `PracticetextException`)
//!   whose variant is the area and whose `code` is the library's stable code.

uniffi::setup_scaffolding!();

mod host;
mod text;

use std::sync::Arc;

use practicetext_facade::{self as facade, ErrorArea, FacadeError, JsonIn};

pub use host::{EmailAlert, HostClock, HostFailure, HostTransport, OutboundSms};
pub use text::*;

/// Every refusal: the variant is the area, `code` the library's stable code
/// (`invalid_area_code`, `bad_input`, ...), `detail` a message for people.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PracticetextError {
    /// A phone number was refused (N1, N2).
    #[error("{detail}")]
    Phone { code: String, detail: String },
    /// An email address was refused.
    #[error("{detail}")]
    Email { code: String, detail: String },
    /// The directory is malformed.
    #[error("{detail}")]
    Directory { code: String, detail: String },
    /// Business or quiet hours were refused (A4, X1).
    #[error("{detail}")]
    Hours { code: String, detail: String },
    /// The engine refused (an unknown number).
    #[error("{detail}")]
    Engine { code: String, detail: String },
    /// A scenario file cannot be run.
    #[error("{detail}")]
    Scenario { code: String, detail: String },
    /// A store failed or refused.
    #[error("{detail}")]
    Store { code: String, detail: String },
    /// A provider webhook was refused (X3).
    #[error("{detail}")]
    Webhook { code: String, detail: String },
    /// A secure-text operation was refused (S1-S5, X7).
    #[error("{detail}")]
    Secure { code: String, detail: String },
    /// A text or text policy was refused.
    #[error("{detail}")]
    Text { code: String, detail: String },
    /// An inbox operation was refused (V1-V9).
    #[error("{detail}")]
    Inbox { code: String, detail: String },
    /// A mass text alert was refused or cannot run (B1-B9); `reasons`
    /// lists each reason of a `broadcast_refused` with its own code.
    #[error("{detail}")]
    Broadcast {
        code: String,
        detail: String,
        reasons: Vec<Reason>,
    },
    /// Input from the caller is unusable (bad JSON, invalid Unicode).
    #[error("{detail}")]
    Input { code: String, detail: String },
    /// A host piece failed (the random source, a host clock).
    #[error("{detail}")]
    Host { code: String, detail: String },
}

/// One reason of a refusal that has several, with its own code (e.g.
/// `not_admin`, `range_too_long`).
#[derive(Debug, uniffi::Record)]
pub struct Reason {
    /// The reason's stable code.
    pub code: String,
    /// The reason for people.
    pub message: String,
}

impl PracticetextError {
    /// The stable code, whichever the area.
    pub fn code(&self) -> &str {
        match self {
            PracticetextError::Phone { code, .. }
            | PracticetextError::Email { code, .. }
            | PracticetextError::Directory { code, .. }
            | PracticetextError::Hours { code, .. }
            | PracticetextError::Engine { code, .. }
            | PracticetextError::Scenario { code, .. }
            | PracticetextError::Store { code, .. }
            | PracticetextError::Webhook { code, .. }
            | PracticetextError::Secure { code, .. }
            | PracticetextError::Text { code, .. }
            | PracticetextError::Inbox { code, .. }
            | PracticetextError::Broadcast { code, .. }
            | PracticetextError::Input { code, .. }
            | PracticetextError::Host { code, .. } => code,
        }
    }
}

impl From<FacadeError> for PracticetextError {
    fn from(e: FacadeError) -> Self {
        let code = e.code().to_owned();
        let detail = e.message().to_owned();
        match e.area() {
            ErrorArea::Phone => PracticetextError::Phone { code, detail },
            ErrorArea::Email => PracticetextError::Email { code, detail },
            ErrorArea::Directory => PracticetextError::Directory { code, detail },
            ErrorArea::Hours => PracticetextError::Hours { code, detail },
            ErrorArea::Engine => PracticetextError::Engine { code, detail },
            ErrorArea::Scenario => PracticetextError::Scenario { code, detail },
            ErrorArea::Store => PracticetextError::Store { code, detail },
            ErrorArea::Webhook => PracticetextError::Webhook { code, detail },
            ErrorArea::Secure => PracticetextError::Secure { code, detail },
            ErrorArea::Text => PracticetextError::Text { code, detail },
            ErrorArea::Inbox => PracticetextError::Inbox { code, detail },
            ErrorArea::Broadcast => PracticetextError::Broadcast {
                code,
                detail,
                reasons: e
                    .reasons()
                    .iter()
                    .map(|r| Reason {
                        code: r.code.to_owned(),
                        message: r.message.clone(),
                    })
                    .collect(),
            },
            ErrorArea::Input => PracticetextError::Input { code, detail },
            ErrorArea::Host => PracticetextError::Host { code, detail },
        }
    }
}

type Result<T> = std::result::Result<T, PracticetextError>;

/// Can this recipient get a secure message, and how (SPEC S1, S2)? The
/// CLI's `secure check-recipient` input as JSON; answers JSON.
#[uniffi::export]
pub fn check_recipient(recipient: String) -> Result<String> {
    Ok(facade::check_recipient(recipient.as_str())?.to_string())
}

/// Runs a scenario (the JSON text of a tests/scenarios file) on a fresh
/// in-memory store; answers a JSON array with one report per step.
#[uniffi::export]
pub fn replay_scenario(scenario: String) -> Result<String> {
    Ok(facade::replay_scenario(scenario.as_str())?.to_string())
}

/// The example practice (happy-paws) as Directory JSON.
#[uniffi::export]
pub fn sample_directory() -> String {
    facade::sample_directory().to_string()
}

/// A practice's texting over one store: "memory", "sqlite:PATH" or
/// "sqlite::memory:" (PostgreSQL is not built into the mobile library). Requests and answers are JSON strings. Calls block on
/// the store: make them off the main thread.
#[derive(uniffi::Object)]
pub struct Practice {
    inner: facade::Practice,
}

type Call =
    fn(&facade::Practice, JsonIn<'_>) -> std::result::Result<serde_json::Value, FacadeError>;

impl Practice {
    fn call(&self, request: &str, call: Call) -> Result<String> {
        Ok(call(&self.inner, JsonIn::Text(request))?.to_string())
    }
}

#[uniffi::export]
impl Practice {
    /// Opens the store `store` names, with the host's clock and transport
    /// (or the system clock and a recording transport).
    #[uniffi::constructor(default(clock = None, transport = None))]
    pub fn new(
        store: String,
        clock: Option<Arc<dyn HostClock>>,
        transport: Option<Arc<dyn HostTransport>>,
    ) -> Result<Arc<Self>> {
        let host = host::wire(clock, transport);
        Ok(Arc::new(Practice {
            inner: facade::Practice::open(&store, host)?,
        }))
    }

    /// "memory", "sqlite" or "postgres".
    pub fn store_kind(&self) -> String {
        self.inner.store_kind().to_owned()
    }

    /// What the recording transport kept since the last call, as JSON
    /// `{"sms": [...], "emails": [...]}` (empty with a host transport).
    pub fn take_sent(&self) -> String {
        self.inner.take_sent().to_string()
    }

    /// Stores a whole directory (Directory JSON), validated; answers the counts and the routing lint (R3).
    pub fn put_directory(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.put_directory(r))
    }
    /// `{"organization"}` -> the stored Directory.
    pub fn directory(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.directory(r))
    }
    /// Stores a Client.
    pub fn put_client(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.put_client(r))
    }
    /// `{"organization", "client"}` -> the Client or null.
    pub fn client(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.client(r))
    }
    /// `{"organization"}` -> the routing lint findings (R3).
    pub fn lint(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.lint(r))
    }
    /// One inbound text end to end: `{"from", "to", "body", "provider_id"?, "received_at"?}`.
    pub fn handle_inbound(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.handle_inbound(r))
    }
    /// A SendRequest -> one SendCheck per recipient, each with every refusal.
    pub fn can_send(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.can_send(r))
    }
    /// A SendRequest -> one SendOutcome per recipient.
    pub fn send(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.send(r))
    }
    /// `{"organization", "number", "blocked", "by"}` -> the ConsentTransition (C6, C7).
    pub fn set_blocked(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.set_blocked(r))
    }
    /// `{"organization", "number"}` -> the ConsentState.
    pub fn consent(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.consent(r))
    }
    /// `{"organization", "number"?}` -> the consent history (C7).
    pub fn consent_history(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.consent_history(r))
    }
    /// `{"organization", "status"?, "client"?, "outside_number"?}` -> conversations.
    pub fn conversations(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.conversations(r))
    }
    /// `{"organization", "conversation"}` -> its messages, oldest first.
    pub fn messages(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.messages(r))
    }
    /// `{"organization", "our_number", "outside_number", "client"?, "started_by"}` (V2).
    pub fn start_conversation(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.start_conversation(r))
    }
    /// `{"organization", "conversation", "by"}` -> the history entry (V3).
    pub fn close_conversation(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.close_conversation(r))
    }
    /// `{"organization", "conversation"}` (V3).
    pub fn delete_conversation(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.delete_conversation(r))
    }
    /// `{"organization", "conversation", "message"}` (V3).
    pub fn delete_message(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.delete_message(r))
    }
    /// `{"organization", "conversation", "assign", "other_cell_phone"?}` (V4).
    pub fn assign_conversation(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.assign_conversation(r))
    }
    /// `{"organization", "user", "conversation"}` (V5).
    pub fn mark_read(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.mark_read(r))
    }
    /// `{"organization", "user", "conversation", "muted"}` (V5).
    pub fn set_muted(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.set_muted(r))
    }
    /// `{"organization", "user"}` -> the conversation list (V5).
    pub fn conversation_list(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.conversation_list(r))
    }
    /// `{"organization", "user"}` -> what they missed (V6).
    pub fn login(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.login(r))
    }
    /// `{"organization", "user"}` (V6).
    pub fn logout(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.logout(r))
    }
    /// `{"organization", "client"}` -> the client's communication history (V3).
    pub fn client_history(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.client_history(r))
    }
    /// `{"organization", "from", "to"}` -> usage statistics (V9).
    pub fn usage_report(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.usage_report(r))
    }
    /// `{"request": BroadcastRequest, "clients", "appointments"}` -> the Preflight (B1-B4, B8, X5).
    pub fn broadcast_preflight(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.broadcast_preflight(r))
    }
    /// The preflight's request plus `"confirm"` (its token) and `"id"?` -> the Broadcast (B4).
    pub fn broadcast_start(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.broadcast_start(r))
    }
    /// `{"organization", "broadcast", "worker"?, "conversations_waiting"?, "max_steps"?}` ->
    /// `{"steps", "done", "wait_until", "summary"}` (B5-B9, X1).
    pub fn broadcast_run(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.broadcast_run(r))
    }
    /// `{"organization", "broadcast"}` -> `{"rows", "csv"}` (B7, B8, X6).
    pub fn broadcast_report(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.broadcast_report(r))
    }
    /// `{"organization"}` -> every broadcast's summary, newest first (B7).
    pub fn broadcast_activity(&self, request: String) -> Result<String> {
        self.call(&request, |p, r| p.broadcast_activity(r))
    }
}
