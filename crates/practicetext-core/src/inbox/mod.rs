//! The inbox: SPEC V1-V9.
//!
//! - [`lifecycle`]: V1 (one active conversation per participants; a text
//!   after a close starts a new one), V2 (staff start a conversation from the
//!   inbox or a client's profile), V3 (close saves to the client's
//!   communication history; delete removes for good; single messages can be
//!   deleted), V4 (assign a conversation and its number to an existing or a
//!   new client), V7 (chat or SMS tag, derived from the participants).
//! - [`state`] and [`notify`]: V5 (unread per user, the conversation list
//!   with new messages marked, mute per conversation) and V6 (live
//!   notifications for online users, a missed-messages summary at the next
//!   login for offline ones).
//! - [`queues`]: V8 (workflow queue rules, first match wins, with the
//!   reasons).
//! - [`usage`]: V9 (texts and segments in and out per organization, user and
//!   local day).
//!
//! The functions here are what an engine calls when a text arrives or is
//! sent; they take the store (any type implementing the ports they need)
//! and `now` as arguments and do no I/O of their own.
//!
//! On an inbound text the engine calls, in order:
//! [`lifecycle::conversation_for_inbound`] (V1, with the client found by the
//! sender's number), stores the message, [`queues::QueueRules::sort`] (V8),
//! [`state::deliver`] with the users the route reaches (V5, V6; returns the
//! live notifications to show) and [`usage::record_text`] (V9).
//! On a staff send: [`lifecycle::conversation_for_reply`] (a reply to a
//! closed conversation starts a new one) or [`lifecycle::start`] (V2), stores
//! the message, [`state::deliver`] with the other users who see the
//! conversation (the author's own unread marks are cleared) and
//! [`usage::record_text`].

#[cfg(test)]
mod fixture;
pub mod lifecycle;
pub mod notify;
pub mod queues;
pub mod state;
pub mod usage;

use chrono::NaiveDate;

use crate::ids::{ClientId, ConversationId, MessageId};
use crate::ports::StoreError;

pub use queues::QueueRuleProblem;

/// A refusal of an inbox operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboxError {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such conversation in this organization.
    #[error(
        "no conversation '{id}' in this organization; it may have been deleted, reload the inbox"
    )]
    ConversationNotFound {
        /// The id asked for.
        id: ConversationId,
    },
    /// The conversation is closed and the operation needs an active one.
    #[error(
        "conversation '{id}' is already closed; it is in the client's history, a new text starts a new conversation"
    )]
    ConversationClosed {
        /// The conversation.
        id: ConversationId,
    },
    /// No such message in that conversation.
    #[error("conversation '{conversation}' has no message '{message}'; it may have been deleted")]
    MessageNotFound {
        /// The conversation.
        conversation: ConversationId,
        /// The message asked for.
        message: MessageId,
    },
    /// No such client in this organization.
    #[error("no client '{id}' in this organization; pick an existing client or create a new one")]
    ClientNotFound {
        /// The id asked for.
        id: ClientId,
    },
    /// A new client was to be created under an id that exists.
    #[error(
        "a client '{id}' already exists; assign to the existing client or choose another id for the new one"
    )]
    ClientExists {
        /// The id.
        id: ClientId,
    },
    /// A new client record belongs to another organization.
    #[error(
        "the new client record belongs to another organization; records never cross organizations"
    )]
    ForeignClient,
    /// Only SMS conversations with a textable outside number can be assigned
    /// to a client (V4).
    #[error(
        "this conversation cannot be assigned to a client: {reason}; only SMS conversations with an outside phone number can"
    )]
    NotAssignable {
        /// Why (`chat` or `unreplyable_sender`).
        reason: &'static str,
    },
    /// The client already has another cell phone (V4); the caller must say
    /// whether to replace it or keep it.
    #[error(
        "client '{client}' already has a different cell phone; choose to replace it with this conversation's number or to keep it"
    )]
    ClientHasOtherCellPhone {
        /// The client.
        client: ClientId,
    },
    /// Workflow queue rules were refused (V8); every problem is listed.
    #[error("the queue rules have {} problem(s): {}", problems.len(), list(problems))]
    InvalidQueueRules {
        /// Each problem, in rule order.
        problems: Vec<QueueRuleProblem>,
    },
    /// A usage range whose start is after its end (V9).
    #[error("the date range starts {from} after it ends {to}; swap the dates")]
    InvalidDateRange {
        /// First day asked for.
        from: NaiveDate,
        /// Last day asked for.
        to: NaiveDate,
    },
}

fn list(problems: &[QueueRuleProblem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl InboxError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            InboxError::Store(e) => e.code(),
            InboxError::ConversationNotFound { .. } => "conversation_not_found",
            InboxError::ConversationClosed { .. } => "conversation_closed",
            InboxError::MessageNotFound { .. } => "message_not_found",
            InboxError::ClientNotFound { .. } => "client_not_found",
            InboxError::ClientExists { .. } => "client_exists",
            InboxError::ForeignClient => "foreign_client",
            InboxError::NotAssignable { .. } => "conversation_not_assignable",
            InboxError::ClientHasOtherCellPhone { .. } => "client_has_other_cell_phone",
            InboxError::InvalidQueueRules { .. } => "invalid_queue_rules",
            InboxError::InvalidDateRange { .. } => "invalid_date_range",
        }
    }
}
