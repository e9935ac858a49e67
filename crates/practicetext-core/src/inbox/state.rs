//! Inbox state per user: SPEC V5 (unread messages per user; the conversation
//! list says which conversations have new messages; a user can turn off
//! notifications for one conversation) and V6 (online users are notified
//! live, offline users get the missed messages at their next login).
//!
//! Rules:
//! - A message delivered to users ([`deliver`]) is unread for each of them
//!   except its author; the author's own unread marks in that conversation
//!   are cleared (writing in a conversation means having read it). Reading
//!   ([`read`]) clears a user's unread marks for a conversation.
//! - The conversation list ([`conversation_list`]) holds the active
//!   conversations the user has received or written in, most recent
//!   activity first, each with its unread count, whether it has new
//!   messages, whether it is muted and its chat or SMS tag (V7). Closed and
//!   deleted conversations leave it.
//! - A muted conversation still counts unread and still shows as new, but
//!   triggers no live notification and is left out of the login summary
//!   (its unread count is reported there as `muted_unread`).
//! - Presence: [`login`] records the user online with the login time and
//!   returns the [`MissedSummary`] (every unread message in active,
//!   unmuted conversations); [`logout`] records them offline.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::InboxError;
use super::lifecycle::load;
use super::notify::{Notification, on_delivered};
use crate::conversation::{Author, Conversation, Message, ThreadKind};
use crate::ids::{ClientId, ConversationId, OrganizationId, Username};
use crate::ports::{
    ConversationFilter, ConversationStore, InboxStore, Marking, Recipient, Timestamp,
};

/// One user's marks in one conversation, as a store keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// The conversation.
    pub conversation: ConversationId,
    /// Messages delivered to the user and not read yet.
    pub unread: u32,
    /// When the last message the user received or wrote there was sent.
    #[serde(default)]
    pub last_activity: Option<Timestamp>,
    /// The user turned notifications for it off.
    #[serde(default)]
    pub muted: bool,
}

/// Whether a user is logged in (V6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Presence {
    /// Logged in to the portal or app right now.
    pub online: bool,
    /// When the user last logged in, if ever.
    pub last_login: Option<Timestamp>,
}

/// One line of a user's conversation list (V5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedConversation {
    /// The conversation.
    pub conversation: ConversationId,
    /// Chat or SMS (V7).
    pub kind: ThreadKind,
    /// The client it is assigned to, if any.
    pub client: Option<ClientId>,
    /// Unread messages for this user.
    pub unread: u32,
    /// True when it has unread messages (shown in bold).
    pub has_new: bool,
    /// The user turned notifications for it off.
    pub muted: bool,
    /// Its last activity the user saw.
    pub last_activity: Option<Timestamp>,
}

/// Unread messages of one conversation in a [`MissedSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedConversation {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its unread messages.
    pub unread: u32,
}

/// What a user missed while offline, shown at login (V6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedSummary {
    /// Conversations with unread messages, most recent activity first.
    pub conversations: Vec<MissedConversation>,
    /// Unread messages over those conversations.
    pub total: u32,
    /// Unread messages in muted conversations, which are not listed.
    pub muted_unread: u32,
}

/// Records that `message` was delivered to `recipients` (V5) and returns
/// the live notifications to show (V6). Every recipient except the author
/// gets it unread; a staff author's own unread marks in the conversation
/// are cleared and their last activity moves to the message. Recipients
/// are the users the route reaches (inbound) or the other users who see the
/// conversation (outbound, chat).
pub fn deliver<S: InboxStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    message: &Message,
    recipients: &[Username],
) -> Result<Vec<Notification>, InboxError> {
    let author = match &message.author {
        Author::User(u) => Some(u),
        Author::Outside | Author::Automated => None,
    };
    let unread_for = distinct_except(recipients, author);
    let conv = &message.conversation;
    let reached = store.mark_delivered_to(org, conv, &message.id, message.at, &unread_for)?;
    if let Some(a) = author {
        store.touch(org, a, conv, message.at)?;
        store.mark_read(org, a, conv)?;
    }
    Ok(notifications(conv, &unread_for, author, reached))
}

/// [`deliver`] for several messages, with each one's notifications in
/// order: the same marks and the same notifications as delivering them one
/// by one. Messages without a staff author (inbound texts, automated
/// replies) are marked in one store call
/// ([`InboxStore::mark_delivered_to_all`]); a staff author's goes through
/// [`deliver`] (it also touches and reads the author's marks).
pub fn deliver_all<S: InboxStore + ?Sized>(
    store: &S,
    deliveries: &[(&OrganizationId, &Message, &[Username])],
) -> Result<Vec<Vec<Notification>>, InboxError> {
    let authored = |m: &Message| matches!(m.author, Author::User(_));
    if deliveries.iter().any(|(_, m, _)| authored(m)) {
        return deliveries
            .iter()
            .map(|(org, m, recipients)| deliver(store, org, m, recipients))
            .collect();
    }
    let unread_for: Vec<Cow<'_, [Username]>> = deliveries
        .iter()
        .map(|(_, _, recipients)| distinct_except(recipients, None))
        .collect();
    let markings: Vec<Marking<'_>> = deliveries
        .iter()
        .zip(&unread_for)
        .map(|((org, m, _), users)| Marking {
            org,
            conversation: &m.conversation,
            message: &m.id,
            at: m.at,
            users,
        })
        .collect();
    let reached = store.mark_delivered_to_all(&markings)?;
    Ok(deliveries
        .iter()
        .zip(&unread_for)
        .zip(reached)
        .map(|(((_, m, _), users), r)| notifications(&m.conversation, users, None, r))
        .collect())
}

/// The live notifications of a message marked unread for `unread_for`,
/// who stood as `reached` says (in their order).
fn notifications(
    conv: &ConversationId,
    unread_for: &[Username],
    author: Option<&Username>,
    reached: Vec<Recipient>,
) -> Vec<Notification> {
    let mut online = BTreeSet::new();
    let mut muted = BTreeSet::new();
    for (user, r) in unread_for.iter().zip(reached) {
        if r.online {
            online.insert(user.clone());
        }
        if r.muted {
            muted.insert(user.clone());
        }
    }
    on_delivered(conv, unread_for, author, &online, &muted)
}

/// `users` without `except` and repeats, in order; borrowed when there is
/// nothing to drop (one recipient, or a group's distinct members).
fn distinct_except<'a>(users: &'a [Username], except: Option<&Username>) -> Cow<'a, [Username]> {
    // Small lists are checked pairwise, without allocating.
    let repeated = |i: usize, u: &Username| users.get(..i).is_some_and(|b| b.contains(u));
    let clean = users.len() <= 16
        && users
            .iter()
            .enumerate()
            .all(|(i, u)| Some(u) != except && !repeated(i, u));
    if clean {
        return Cow::Borrowed(users);
    }
    let mut seen = BTreeSet::new();
    users
        .iter()
        .filter(|u| Some(*u) != except && seen.insert(*u))
        .cloned()
        .collect()
}

/// `user` read `conversation`: its unread marks are cleared (V5).
pub fn read<S: InboxStore + ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
    conversation: &ConversationId,
) -> Result<(), InboxError> {
    load(store, org, conversation)?;
    store.mark_read(org, user, conversation)?;
    Ok(())
}

/// Turns `user`'s notifications for `conversation` off (`muted: true`) or
/// back on (V5).
pub fn set_muted<S: InboxStore + ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
    conversation: &ConversationId,
    muted: bool,
) -> Result<(), InboxError> {
    load(store, org, conversation)?;
    store.set_muted(org, user, conversation, muted)?;
    Ok(())
}

/// `user`'s conversation list (V5): the active conversations they have
/// marks in, most recent activity first (then by id).
pub fn conversation_list<S: InboxStore + ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
) -> Result<Vec<ListedConversation>, InboxError> {
    let active: BTreeMap<ConversationId, Conversation> = store
        .conversations(org, &ConversationFilter::active())?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut list: Vec<ListedConversation> = store
        .entries(org, user)?
        .into_iter()
        .filter_map(|e| {
            let c = active.get(&e.conversation)?;
            Some(ListedConversation {
                kind: c.participants.kind(),
                client: c.client.clone(),
                has_new: e.unread > 0,
                unread: e.unread,
                muted: e.muted,
                last_activity: e.last_activity,
                conversation: e.conversation,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        b.last_activity
            .cmp(&a.last_activity)
            .then_with(|| a.conversation.cmp(&b.conversation))
    });
    Ok(list)
}

/// What `user` missed (V6): every active, unmuted conversation with unread
/// messages, most recent first, and the totals. Changes nothing.
pub fn login_summary<S: InboxStore + ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
) -> Result<MissedSummary, InboxError> {
    let mut summary = MissedSummary::default();
    for line in conversation_list(store, org, user)? {
        if line.unread == 0 {
            continue;
        }
        if line.muted {
            summary.muted_unread = summary.muted_unread.saturating_add(line.unread);
            continue;
        }
        summary.total = summary.total.saturating_add(line.unread);
        summary.conversations.push(MissedConversation {
            conversation: line.conversation,
            unread: line.unread,
        });
    }
    Ok(summary)
}

/// `user` logs in at `now` (V6): returns what they missed and records them
/// online with `now` as their last login.
pub fn login<S: InboxStore + ConversationStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
    now: Timestamp,
) -> Result<MissedSummary, InboxError> {
    let summary = login_summary(store, org, user)?;
    let presence = Presence {
        online: true,
        last_login: Some(now),
    };
    store.set_presence(org, user, &presence)?;
    Ok(summary)
}

/// `user` logs out (V6): from now on they get nothing live.
pub fn logout<S: InboxStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    user: &Username,
) -> Result<(), InboxError> {
    let mut presence = store.presence(org, user)?;
    presence.online = false;
    store.set_presence(org, user, &presence)?;
    Ok(())
}

#[cfg(test)]
mod tests;
