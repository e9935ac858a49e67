//! Notifications as data: SPEC V6 (live for online users; offline users get
//! the missed messages at their next login, see
//! [`login`](super::state::login)) and the mute half of V5.
//!
//! [`on_delivered`] is pure: given who a message was delivered to, its
//! author, who is online and who muted the conversation, it says whom to
//! notify live and how. The author is never notified of their own message;
//! a user who muted the conversation still has it unread but gets no live
//! notification; an offline user gets nothing live.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{ConversationId, Username};

/// A notification to show now (V6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    /// A live notification for a user who is online.
    Live {
        /// Whom to notify.
        user: Username,
        /// The conversation with the new message.
        conversation: ConversationId,
        /// Play the audible tone.
        sound: bool,
        /// Show a browser notification (even when the portal is in the
        /// background).
        browser: bool,
        /// Highlight the chat box (it turns green).
        highlight: bool,
    },
}

impl Notification {
    /// The user it is for.
    pub fn user(&self) -> &Username {
        match self {
            Notification::Live { user, .. } => user,
        }
    }
}

/// Whom to notify live of a message in `conversation` delivered to
/// `recipients` (V6): every recipient other than the `author` who is in
/// `online` and not in `muted`, once each, in recipient order.
pub fn on_delivered(
    conversation: &ConversationId,
    recipients: &[Username],
    author: Option<&Username>,
    online: &BTreeSet<Username>,
    muted: &BTreeSet<Username>,
) -> Vec<Notification> {
    let mut seen = BTreeSet::new();
    recipients
        .iter()
        .filter(|u| Some(*u) != author)
        .filter(|u| online.contains(*u) && !muted.contains(*u))
        .filter(|u| seen.insert(*u))
        .map(|u| Notification::Live {
            user: u.clone(),
            conversation: conversation.clone(),
            sound: true,
            browser: true,
            highlight: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(names: &[&str]) -> Vec<Username> {
        names.iter().map(|n| Username::from(*n)).collect()
    }
    fn set(names: &[&str]) -> BTreeSet<Username> {
        users(names).into_iter().collect()
    }

    #[test]
    fn v6_online_users_get_sound_browser_and_highlight() {
        let conv = ConversationId::from("c1");
        let out = on_delivered(
            &conv,
            &users(&["alice", "bob"]),
            None,
            &set(&["alice", "bob"]),
            &set(&[]),
        );
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|n| matches!(
            n,
            Notification::Live { sound: true, browser: true, highlight: true, conversation, .. }
                if conversation == &conv
        )));
        assert_eq!(out[0].user().as_str(), "alice");
        assert_eq!(out[1].user().as_str(), "bob");
    }

    #[test]
    fn v6_offline_users_get_nothing_live() {
        let out = on_delivered(
            &ConversationId::from("c1"),
            &users(&["alice", "bob"]),
            None,
            &set(&["bob"]),
            &set(&[]),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].user().as_str(), "bob");
    }

    #[test]
    fn v5_muted_user_gets_no_live_notification() {
        let out = on_delivered(
            &ConversationId::from("c1"),
            &users(&["alice", "bob"]),
            None,
            &set(&["alice", "bob"]),
            &set(&["alice"]),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].user().as_str(), "bob");
    }

    #[test]
    fn v6_author_is_not_notified_of_own_message_and_duplicates_collapse() {
        let alice = Username::from("alice");
        let out = on_delivered(
            &ConversationId::from("c1"),
            &users(&["alice", "bob", "bob"]),
            Some(&alice),
            &set(&["alice", "bob"]),
            &set(&[]),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].user().as_str(), "bob");
    }

    #[test]
    fn v6_notification_json_is_tagged() {
        let n = Notification::Live {
            user: "bob".into(),
            conversation: "c1".into(),
            sound: true,
            browser: false,
            highlight: true,
        };
        let json = serde_json::to_value(&n).unwrap();
        assert_eq!(json["kind"], "live");
        assert_eq!(json["user"], "bob");
        assert_eq!(json["browser"], false);
    }
}
