//! The state of one secure conversation and the events that record each
//! change to it.

use serde::{Deserialize, Serialize};

use super::IDENTITY_ATTEMPTS;
use super::code::CodeDigest;
use super::link::{LinkState, SecureLink, TokenHash};
use super::pin::PinHash;
use super::recipient::{NotifyMethod, Recipient};
use crate::ids::{ClientId, ConversationId, OrganizationId, Username};
use crate::ports::Timestamp;

/// A pending one-time unlock code (SPEC X7). `Debug` redacts the digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingUnlockCode {
    pub(crate) digest: CodeDigest,
    /// First instant at which the code no longer works.
    pub expires_at: Timestamp,
    /// Wrong entries still allowed.
    pub tries_left: u32,
}

/// Everything the rules know about one secure conversation. Stores keep it
/// whole; [`version`](Self::version) lets them refuse a write based on a
/// stale read. Its `Debug` shows no secret and no patient data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecureConversation {
    /// The conversation (host-provided id).
    pub id: ConversationId,
    /// The organization it belongs to.
    pub organization: OrganizationId,
    /// The client record, when the host has one.
    pub client: Option<ClientId>,
    /// The recipient as the address book had them when the message was
    /// sent: who is notified, and what identity checks ask.
    pub recipient: Recipient,
    /// How notices go out (SPEC S1).
    pub notify: NotifyMethod,
    /// When the first notice was sent.
    pub created_at: Timestamp,
    /// Bumped on every saved change.
    pub version: u64,
    /// Every link sent, oldest first (SPEC S4).
    pub links: Vec<SecureLink>,
    /// The PIN hash, once the patient has set one (SPEC S5).
    pub pin: Option<PinHash>,
    /// Wrong PINs in a row.
    pub pin_failures: u32,
    /// Failed identity verifications in a row; at three the reset locks
    /// (SPEC S5).
    pub identity_failures: u32,
    /// One-time codes sent since the last staff unlock or successful
    /// identity verification (SPEC X7).
    pub unlock_codes_sent: u32,
    /// The outstanding one-time code, if any (SPEC X7).
    pub unlock_code: Option<PendingUnlockCode>,
}

impl SecureConversation {
    /// True when three failed identity verifications locked the PIN reset
    /// (SPEC S5).
    pub fn reset_locked(&self) -> bool {
        self.identity_failures >= IDENTITY_ATTEMPTS
    }

    /// The link whose hash is `hash`, compared in constant time.
    pub(crate) fn link_mut(&mut self, hash: &TokenHash) -> Option<&mut SecureLink> {
        self.links.iter_mut().find(|l| &l.token_hash == hash)
    }

    /// The link that works at `now`, if any.
    pub fn live_link(&self, now: Timestamp) -> Option<&SecureLink> {
        self.links
            .iter()
            .find(|l| l.state_at(now) == LinkState::Live)
    }
}

/// Who lifted a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unlocker {
    /// A staff member.
    Staff(Username),
    /// The patient, with a one-time code sent to their mobile (SPEC X7).
    SelfService,
}

/// What changed. Carries no secret and no patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecureEventKind {
    /// The secure message was sent with its first link (S1, S4).
    Sent {
        /// How the recipient was notified.
        notify: NotifyMethod,
        /// When the link expires.
        expires_at: Timestamp,
    },
    /// A new link was sent; older links stopped working (S4).
    LinkReissued {
        /// Links that were live and are now replaced.
        replaced: u32,
        /// When the new link expires.
        expires_at: Timestamp,
    },
    /// A live link was opened.
    Opened,
    /// An expired link was presented (recorded once per link, S4).
    LinkExpired {
        /// When that link was sent.
        sent_at: Timestamp,
    },
    /// The first PIN was set, after identity verification (S5).
    PinSet,
    /// The PIN was changed with the old PIN (S5).
    PinChanged,
    /// A forgotten PIN was replaced after identity verification (S5).
    PinReset,
    /// A correct PIN was entered.
    PinVerified,
    /// A wrong PIN was entered.
    PinFailed {
        /// Wrong PINs in a row, this one included.
        failures: u32,
    },
    /// Too many wrong PINs: PIN entry locked until a reset.
    PinLocked,
    /// Identity verification failed (S5).
    IdentityFailed {
        /// Failures in a row, this one included.
        failures: u32,
    },
    /// The third failed verification locked the reset (S5).
    ResetLocked,
    /// A lock was lifted.
    Unlocked {
        /// By whom.
        by: Unlocker,
    },
    /// A one-time code was sent to the mobile number (X7).
    UnlockCodeSent {
        /// When it expires.
        expires_at: Timestamp,
    },
    /// A wrong one-time code was entered (X7).
    UnlockCodeFailed {
        /// Tries left for this code.
        tries_left: u32,
    },
    /// The one-time code ran out of tries and is void (X7).
    UnlockCodeExhausted,
    /// The one-time code was presented after it expired (X7).
    UnlockCodeExpired,
}

/// One recorded change of a secure conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecureEvent {
    /// The organization.
    pub organization: OrganizationId,
    /// The conversation.
    pub conversation: ConversationId,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: SecureEventKind,
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    #[test]
    fn event_json_contract() {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let e = SecureEvent {
            organization: "org-1".into(),
            conversation: "conv-1".into(),
            at,
            kind: SecureEventKind::PinFailed { failures: 2 },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "organization": "org-1",
                "conversation": "conv-1",
                "at": "2023-11-14T22:13:20Z",
                "type": "pin_failed",
                "failures": 2
            })
        );
        let staff = SecureEventKind::Unlocked {
            by: Unlocker::Staff("frontdesk".into()),
        };
        assert_eq!(
            serde_json::to_value(&staff).unwrap(),
            serde_json::json!({"type": "unlocked", "by": {"staff": "frontdesk"}})
        );
        let back: SecureEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}
