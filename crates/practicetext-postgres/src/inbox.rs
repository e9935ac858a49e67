//! [`InboxStore`] on `inbox_marks`, `inbox_unread` and `presence`. Each
//! call is one statement (a delivery to several users included), so marks
//! written by several app servers at once all land.

use practicetext_core::ids::{ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use std::collections::HashSet;

use practicetext_core::ports::{InboxStore, Marking, Recipient, StoreError, Timestamp};

use crate::PgStore;
use crate::record::{from_json, to_json};
use crate::sql::{from_micros, get, micros};

/// Creates each user's marks row if missing, moves its last activity
/// forward and marks the message unread, in one statement.
const DELIVER: &str = "WITH marks AS (\
         INSERT INTO inbox_marks AS m \
         (organization_id, username, conversation_id, last_activity, muted) \
         SELECT $1, u, $2, $3, false FROM unnest($5::text[]) AS u \
         ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET \
         last_activity = greatest(m.last_activity, EXCLUDED.last_activity) RETURNING username) \
     INSERT INTO inbox_unread (organization_id, username, conversation_id, message_id) \
     SELECT $1, username, $2, $4 FROM marks ON CONFLICT DO NOTHING";
/// [`DELIVER`], then each user's mute (as the marks row reads after the
/// write) and presence record, in the users' order: one statement.
const DELIVER_TO: &str = "WITH marks AS (\
         INSERT INTO inbox_marks AS m \
         (organization_id, username, conversation_id, last_activity, muted) \
         SELECT $1, u, $2, $3, false FROM unnest($5::text[]) AS u \
         ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET \
         last_activity = greatest(m.last_activity, EXCLUDED.last_activity) \
         RETURNING username, muted), \
     unread AS (INSERT INTO inbox_unread (organization_id, username, conversation_id, message_id) \
         SELECT $1, username, $2, $4 FROM marks ON CONFLICT DO NOTHING) \
     SELECT coalesce(marks.muted, false), (SELECT p.record::text FROM presence p \
         WHERE p.organization_id = $1 AND p.username = x.u) \
     FROM unnest($5::text[]) WITH ORDINALITY AS x(u, i) \
     LEFT JOIN marks ON marks.username = x.u ORDER BY x.i";
/// [`DELIVER_TO`] for many messages at once: one row per (message,
/// user) in the arrays (`$6` the message's place in the call), no
/// (organization, user, conversation) twice; marks written in key order.
/// Returns, per row in order: the place, the mute, the presence record.
const DELIVER_TO_ALL: &str = "WITH x AS (SELECT * FROM unnest($1::text[], $2::text[], \
         $3::bigint[], $4::text[], $5::text[], $6::int[]) \
         WITH ORDINALITY AS x(org, conv, at, msg, u, item, i)), \
     marks AS (\
         INSERT INTO inbox_marks AS m \
         (organization_id, username, conversation_id, last_activity, muted) \
         SELECT org, u, conv, at, false FROM x ORDER BY org, u, conv \
         ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET \
         last_activity = greatest(m.last_activity, EXCLUDED.last_activity) \
         RETURNING organization_id, username, conversation_id, muted), \
     unread AS (INSERT INTO inbox_unread (organization_id, username, conversation_id, message_id) \
         SELECT x.org, x.u, x.conv, x.msg FROM x JOIN marks ON marks.organization_id = x.org \
             AND marks.username = x.u AND marks.conversation_id = x.conv \
         ON CONFLICT DO NOTHING) \
     SELECT x.item, coalesce(marks.muted, false), (SELECT p.record::text FROM presence p \
         WHERE p.organization_id = x.org AND p.username = x.u) \
     FROM x LEFT JOIN marks ON marks.organization_id = x.org AND marks.username = x.u \
         AND marks.conversation_id = x.conv \
     ORDER BY x.i";
const TOUCH: &str = "INSERT INTO inbox_marks AS m \
     (organization_id, username, conversation_id, last_activity, muted) VALUES ($1, $2, $3, $4, false) \
     ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET \
     last_activity = greatest(m.last_activity, EXCLUDED.last_activity)";
const READ: &str = "DELETE FROM inbox_unread \
     WHERE organization_id = $1 AND username = $2 AND conversation_id = $3";
const FORGET_CONVERSATION: &str =
    "DELETE FROM inbox_marks WHERE organization_id = $1 AND conversation_id = $2";
const FORGET_MESSAGE: &str = "DELETE FROM inbox_unread \
     WHERE organization_id = $1 AND conversation_id = $2 AND message_id = $3";
const SET_MUTED: &str = "INSERT INTO inbox_marks \
     (organization_id, username, conversation_id, last_activity, muted) VALUES ($1, $2, $3, NULL, $4) \
     ON CONFLICT (organization_id, username, conversation_id) DO UPDATE SET muted = EXCLUDED.muted";
const IS_MUTED: &str = "SELECT muted FROM inbox_marks \
     WHERE organization_id = $1 AND username = $2 AND conversation_id = $3";
const PUT_PRESENCE: &str = "INSERT INTO presence (organization_id, username, record) \
     VALUES ($1, $2, $3::text::json) \
     ON CONFLICT (organization_id, username) DO UPDATE SET record = EXCLUDED.record";
const PRESENCE: &str =
    "SELECT record::text FROM presence WHERE organization_id = $1 AND username = $2";
const ENTRIES: &str = "SELECT m.conversation_id, \
     (SELECT count(*) FROM inbox_unread u WHERE u.organization_id = m.organization_id \
         AND u.username = m.username AND u.conversation_id = m.conversation_id), \
     m.last_activity, m.muted \
     FROM inbox_marks m WHERE m.organization_id = $1 AND m.username = $2 \
     ORDER BY m.conversation_id";

impl InboxStore for PgStore {
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError> {
        let users: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        let (org, conv, msg, at) = (
            org.as_str(),
            conversation.as_str(),
            message.as_str(),
            micros(at),
        );
        self.run(|db| db.execute(DELIVER, &[&org, &conv, &at, &msg, &users]))?;
        Ok(())
    }

    /// Marks and reads back in one statement.
    fn mark_delivered_to(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<Vec<Recipient>, StoreError> {
        let users: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        let (org, conv, msg, at) = (
            org.as_str(),
            conversation.as_str(),
            message.as_str(),
            micros(at),
        );
        let rows = self.run(|db| db.rows(DELIVER_TO, &[&org, &conv, &at, &msg, &users]))?;
        rows.iter()
            .map(|r| {
                let presence: Option<Presence> = get::<Option<&str>>(r, 1)?
                    .map(|p| from_json("presence", p))
                    .transpose()?;
                Ok(Recipient {
                    online: presence.is_some_and(|p| p.online),
                    muted: get(r, 0)?,
                })
            })
            .collect()
    }

    /// Every marking in one statement (a user marked twice in one
    /// conversation: one by one).
    fn mark_delivered_to_all(
        &self,
        markings: &[Marking<'_>],
    ) -> Result<Vec<Vec<Recipient>>, StoreError> {
        let mut seen = HashSet::new();
        let distinct = markings.iter().all(|m| {
            m.users
                .iter()
                .all(|u| seen.insert((m.org, m.conversation, u)))
        });
        if markings.len() < 2 || !distinct {
            return markings
                .iter()
                .map(|m| self.mark_delivered_to(m.org, m.conversation, m.message, m.at, m.users))
                .collect();
        }
        let (mut orgs, mut convs, mut ats, mut msgs, mut users, mut items) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (item, m) in markings.iter().enumerate() {
            for u in m.users {
                orgs.push(m.org.as_str());
                convs.push(m.conversation.as_str());
                ats.push(micros(m.at));
                msgs.push(m.message.as_str());
                users.push(u.as_str());
                items.push(i32::try_from(item).unwrap_or(i32::MAX));
            }
        }
        let mut out: Vec<Vec<Recipient>> = markings
            .iter()
            .map(|m| Vec::with_capacity(m.users.len()))
            .collect();
        if users.is_empty() {
            return Ok(out);
        }
        let rows = self.run(|db| {
            db.rows(
                DELIVER_TO_ALL,
                &[&orgs, &convs, &ats, &msgs, &users, &items],
            )
        })?;
        for r in &rows {
            let item = usize::try_from(get::<i32>(r, 0)?).unwrap_or(usize::MAX);
            let presence: Option<Presence> = get::<Option<&str>>(r, 2)?
                .map(|p| from_json("presence", p))
                .transpose()?;
            let recipient = Recipient {
                online: presence.is_some_and(|p| p.online),
                muted: get(r, 1)?,
            };
            out.get_mut(item)
                .ok_or_else(|| StoreError::Backend {
                    message: "the delivery query answered for no message".into(),
                })?
                .push(recipient);
        }
        if out
            .iter()
            .zip(markings)
            .any(|(o, m)| o.len() != m.users.len())
        {
            return Err(StoreError::Backend {
                message: "the delivery query did not answer every user".into(),
            });
        }
        Ok(out)
    }

    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (org, user, conv) = (org.as_str(), user.as_str(), conversation.as_str());
        self.run(|db| db.execute(TOUCH, &[&org, &user, &conv, &micros(at)]))?;
        Ok(())
    }

    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let (org, user, conv) = (org.as_str(), user.as_str(), conversation.as_str());
        self.run(|db| db.execute(READ, &[&org, &user, &conv]))?;
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let (org, conv) = (org.as_str(), conversation.as_str());
        self.run(|db| db.execute(FORGET_CONVERSATION, &[&org, &conv]))?;
        Ok(())
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let (org, conv, msg) = (org.as_str(), conversation.as_str(), message.as_str());
        self.run(|db| db.execute(FORGET_MESSAGE, &[&org, &conv, &msg]))?;
        Ok(())
    }

    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError> {
        let (org, user, conv) = (org.as_str(), user.as_str(), conversation.as_str());
        self.run(|db| db.execute(SET_MUTED, &[&org, &user, &conv, &muted]))?;
        Ok(())
    }

    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError> {
        let (org, user, conv) = (org.as_str(), user.as_str(), conversation.as_str());
        let muted = self.run(|db| {
            db.row(IS_MUTED, &[&org, &user, &conv])?
                .map(|r| get::<bool>(&r, 0))
                .transpose()
        })?;
        Ok(muted.unwrap_or(false))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        let record = to_json("presence", presence)?;
        let (org, user) = (org.as_str(), user.as_str());
        self.run(|db| db.execute(PUT_PRESENCE, &[&org, &user, &record]))?;
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let found =
            self.run(|db| db.one("presence", PRESENCE, &[&org.as_str(), &user.as_str()]))?;
        Ok(found.unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        let rows = self.run(|db| db.rows(ENTRIES, &[&org.as_str(), &user.as_str()]))?;
        rows.iter()
            .map(|r| {
                let last: Option<i64> = get(r, 2)?;
                Ok(InboxEntry {
                    conversation: ConversationId::new(get::<String>(r, 0)?),
                    unread: u32::try_from(get::<i64>(r, 1)?).unwrap_or(u32::MAX),
                    last_activity: last.map(from_micros).transpose()?,
                    muted: get(r, 3)?,
                })
            })
            .collect()
    }
}
