//! Mass text alerts: "text everyone with an appointment tomorrow: the power
//! is out". SPEC B1-B9, X1, X5, X6.
//!
//! - B1, B2, P5, P7: [`validate`] checks the request: an admin of an
//!   organization with two-way texting, a range of at most 7 days (presets:
//!   rest of today, whole days in the organization's time zone, custom)
//!   that may lie any distance ahead, an informational message. Every
//!   refusal has its own code ([`Refusal::code`]).
//! - B3, B4, B8, X5: [`preflight`] is the dry run: from the appointments and
//!   clients the host passes in, one text per client and one per phone
//!   number shared by several clients, every other client excluded with a
//!   reason (opted out, blocked, invalid or non-US/Canadian number, no cell
//!   phone, landline, permanently failing, shared number), the count of
//!   unique recipients, the span of appointments, segments and characters
//!   remaining, the projected finish, and a confirmation token.
//! - B4: [`start`] stores a broadcast only with its plan's token.
//! - B5, X1: alerts go out at a pace (default 5 a minute, shared by every
//!   worker through a rate window in the store, [`pace_key`]), after any
//!   conversation texts, and only between 09:00 and 20:00 in the
//!   recipient's local time (deferred, never dropped).
//! - B6: alerts create no conversation; a reply starts or joins one like any
//!   inbound text ([`crate::engine::Engine::handle_inbound`]).
//! - B7, B9: [`BroadcastRunner`] moves each recipient pending → sending →
//!   sent, failed or skipped through a [`crate::ports::BroadcastStore`],
//!   claiming before it sends and recording after, so a crashed run resumes
//!   sending nothing twice and skipping no one; [`activity`] gives the
//!   status line ("all sent", "N failed").
//! - B7, B8, X6: [`report_csv`] lists every recipient and excluded client
//!   with status, error details, message, timestamp and next action.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use practicetext_core::broadcast::*;
//! use practicetext_core::memory::MemoryStore;
//! use practicetext_core::scenario::RecordingTransport;
//! use practicetext_core::testing::sample_directory;
//! use std::collections::HashMap;
//!
//! let now: DateTime<Utc> = "2026-11-23T15:00:00Z".parse()?;
//! let dir = sample_directory();
//! let request = BroadcastRequest {
//!     organization: "happy-paws".into(),
//!     sender: "alice".into(),
//!     from: None,
//!     range: RangeChoice::Custom { start: now, end: "2026-11-24T15:00:00Z".parse()? },
//!     message: "The power is out; we will call you to rebook.".into(),
//!     pace: Pace::default(),
//!     quiet_hours: Default::default(),
//! };
//! let clients = vec![ClientContact {
//!     id: "c1".into(), first_name: "Ann".into(), last_name: "Lee".into(),
//!     cell_phone: "(416) 253-0000".into(),
//!     time_zone: None,
//! }];
//! let appointments = vec![Appointment {
//!     id: "a1".into(), client: "c1".into(), starts_at: "2026-11-23T18:00:00Z".parse()?,
//! }];
//! let plan = preflight(&request, &dir, &clients, &appointments, &HashMap::new(), now)?;
//! assert_eq!(plan.counts.recipients, 1);
//!
//! let store = MemoryStore::new();
//! let transport = RecordingTransport::default();
//! let b = start(&store, &dir, &plan, &plan.token, "bc-1".into(), now)?;
//! let mut runner = BroadcastRunner::open(&store, &transport, &b.organization, &b.id, "worker-1")?;
//! let mut t = now;
//! let summary = loop {
//!     match runner.step(t, 0)? {
//!         Step::Wait { until, .. } => t = until,
//!         Step::Done(summary) => break summary,
//!         _ => {}
//!     }
//! };
//! assert_eq!(summary.status, BroadcastStatus::AllSent);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod pace;
mod preflight;
mod progress;
mod report;
mod request;
mod runner;

pub use pace::{pace_key, projected_finish};
pub use preflight::{
    Appointment, AppointmentSpan, ClientContact, ConsentLookup, Exclusion, ExclusionReason,
    PlannedRecipient, Preflight, PreflightCounts, StoreConsent, confirmation_token, preflight,
};
pub use progress::{
    Broadcast, BroadcastStatus, BroadcastSummary, NextAction, RecipientProgress, RecipientStatus,
    SendFailure, StatusColor, summarize,
};
pub use report::{REPORT_COLUMNS, ReportRow, RowStatus, report, report_csv};
pub use request::{
    AppointmentRange, BroadcastRequest, MAX_RANGE, Pace, RangeChoice, Refusal, ValidRequest,
    resolve_range, validate,
};
pub use runner::{
    BroadcastPorts, BroadcastRunner, CONVERSATIONS_FIRST_WAIT, DEFAULT_LEASE, MAX_ATTEMPTS,
    RETRY_AFTER, Step, WaitReason, activity, start,
};

use crate::ids::BroadcastId;

/// Why a mass alert cannot be checked, started or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BroadcastError {
    /// The request was refused (B1, B2, P5, P7, R6); every reason is listed,
    /// each with its own code.
    #[error("the mass alert cannot be sent: {}", list(.refusals))]
    Refused {
        /// Every reason.
        refusals: Vec<Refusal>,
    },
    /// A pace of 0 or more than 60 a minute (B5).
    #[error("a pace of {per_minute} texts a minute is not allowed; choose 1 to 60 (default 5)")]
    InvalidPace {
        /// What was asked for.
        per_minute: u32,
    },
    /// The confirmation token does not match the plan (B4): the plan
    /// changed since it was shown, or the token is another plan's.
    #[error(
        "the confirmation does not match this plan; run the preflight again and confirm what it shows"
    )]
    ConfirmationMismatch,
    /// No broadcast with this id in the organization.
    #[error("no broadcast '{id}' in this organization")]
    NotFound {
        /// The id.
        id: BroadcastId,
    },
    /// The transport could not say whether an interrupted text went out
    /// (B9); the recipient stays claimed and is looked up again.
    #[error("could not look up whether an interrupted text went out ({message}); try again")]
    LookupFailed {
        /// The transport's error.
        message: String,
    },
    /// Another plan was already started under this id.
    #[error("a different broadcast with the id '{id}' exists; use a new id")]
    AlreadyExists {
        /// The id.
        id: BroadcastId,
    },
}

fn list(refusals: &[Refusal]) -> String {
    let parts: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

impl BroadcastError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BroadcastError::Refused { .. } => "broadcast_refused",
            BroadcastError::InvalidPace { .. } => "invalid_pace",
            BroadcastError::ConfirmationMismatch => "confirmation_mismatch",
            BroadcastError::NotFound { .. } => "broadcast_not_found",
            BroadcastError::LookupFailed { .. } => "transport_lookup_failed",
            BroadcastError::AlreadyExists { .. } => "broadcast_exists",
        }
    }

    /// The refusals behind a `broadcast_refused` (empty otherwise).
    pub fn refusals(&self) -> &[Refusal] {
        match self {
            BroadcastError::Refused { refusals } => refusals,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests;
