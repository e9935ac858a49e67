//! Conversations and messages as data (SPEC glossary; V1-V7 build on these).
//! A conversation is either SMS (one of our numbers and one outside number)
//! or chat (two users of one organization); its tag (V7) is derived from
//! its participants, never stored twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, ConversationId, MessageId, OrganizationId, Username};
use crate::phone::E164;
use crate::sensitive::MessageBody;

/// Who a thread is between.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Participants {
    /// SMS between one of the organization's numbers and an outside number.
    Sms {
        /// Our number.
        our_number: E164,
        /// The outside party's number.
        outside_number: E164,
    },
    /// SMS from a sender that cannot be texted back: a short code or an
    /// alphanumeric sender (kept so nothing is lost; X4 never answers it).
    SmsUnreplyable {
        /// Our number.
        our_number: E164,
        /// The sender as the provider gave it.
        sender: String,
    },
    /// Chat between two users of the organization (R1); never SMS.
    Chat {
        /// The two usernames, in sorted order.
        users: [Username; 2],
    },
}

/// The tag shown on a thread (V7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// User-to-user chat.
    Chat,
    /// SMS with an outside number.
    Sms,
}

impl Participants {
    /// A chat between two users; the pair is stored sorted so (a, b) and
    /// (b, a) are one thread.
    pub fn chat(a: Username, b: Username) -> Participants {
        let users = if a <= b { [a, b] } else { [b, a] };
        Participants::Chat { users }
    }
    /// The thread's tag (V7).
    pub fn kind(&self) -> ThreadKind {
        match self {
            Participants::Sms { .. } | Participants::SmsUnreplyable { .. } => ThreadKind::Sms,
            Participants::Chat { .. } => ThreadKind::Chat,
        }
    }
}

/// Whether a conversation is in the inbox or has been closed (V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// In the inbox; new texts join it (V1).
    Active,
    /// Closed: out of the inbox, saved to the client's history.
    Closed,
}

/// A thread of messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Host- or engine-assigned id.
    pub id: ConversationId,
    /// Owner.
    pub organization: OrganizationId,
    /// Who it is between.
    pub participants: Participants,
    /// Active or closed.
    pub status: ConversationStatus,
    /// The client it is assigned to, if any (V4).
    #[serde(default)]
    pub client: Option<ClientId>,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// Direction of a message relative to the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the outside party (or, in chat, from the other user).
    Inbound,
    /// From the organization.
    Outbound,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The outside party.
    Outside,
    /// A staff member.
    User(Username),
    /// The library itself: an auto-reply, a confirmation, an alert.
    Automated,
}

/// One message in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Id.
    pub id: MessageId,
    /// Owner.
    pub organization: OrganizationId,
    /// The thread it belongs to.
    pub conversation: ConversationId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Who wrote it.
    pub author: Author,
    /// The text.
    pub body: MessageBody,
    /// When it was received or sent.
    pub at: DateTime<Utc>,
    /// The provider's message id, when it came through or went to a provider
    /// (the idempotency key of V10).
    #[serde(default)]
    pub provider_id: Option<String>,
}
