//! [`InboxStore`] on `inbox` (migration 4) and `presence`. A
//! conversation's marks and unread messages for every user sit together
//! in one table; each call is one statement or one transaction, so marks
//! written by several processes at once all land.

use practicetext_core::ids::{ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use practicetext_core::ports::{InboxStore, Recipient, StoreError, Timestamp};
use rusqlite::params;

use crate::SqliteStore;
use crate::record::{backend, from_json, to_json};
use crate::sql::{from_micros, micros, one, value, write};

/// Moves the last activity of a marks row forward (creating it if missing).
const TOUCH: &str = "INSERT INTO inbox \
     (organization_id, conversation_id, username, unread, message_id, last_activity, muted) \
     VALUES (?1, ?3, ?2, 0, '', ?4, 0) \
     ON CONFLICT (organization_id, conversation_id, username, unread, message_id) DO UPDATE SET \
     last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity)";
/// For every user of the JSON array `?5`: the marks row touched at `?4`
/// and the message `?3` unread, in one statement (two rows per user; the
/// update applies to marks rows only, an unread row stays as it is).
const DELIVER: &str = "INSERT INTO inbox \
     (organization_id, conversation_id, username, unread, message_id, last_activity, muted) \
     SELECT ?1, ?2, u.value, k.unread, k.message_id, CASE WHEN k.unread = 0 THEN ?4 END, 0 \
     FROM json_each(?5) AS u, (SELECT 0 AS unread, '' AS message_id UNION ALL SELECT 1, ?3) AS k \
     WHERE true \
     ON CONFLICT (organization_id, conversation_id, username, unread, message_id) DO UPDATE SET \
     last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity) \
     WHERE unread = 0";
const READ: &str = "DELETE FROM inbox \
     WHERE organization_id = ?1 AND conversation_id = ?3 AND username = ?2 AND unread = 1";
const FORGET_CONVERSATION: &str =
    "DELETE FROM inbox WHERE organization_id = ?1 AND conversation_id = ?2";
/// Searches the key of each user with marks in the conversation.
const FORGET_MESSAGE: &str = "DELETE FROM inbox \
     WHERE organization_id = ?1 AND conversation_id = ?2 AND unread = 1 AND message_id = ?3 \
     AND username IN (SELECT username FROM inbox \
         WHERE organization_id = ?1 AND conversation_id = ?2 AND unread = 0)";
const SET_MUTED: &str = "INSERT INTO inbox \
     (organization_id, conversation_id, username, unread, message_id, last_activity, muted) \
     VALUES (?1, ?3, ?2, 0, '', NULL, ?4) \
     ON CONFLICT (organization_id, conversation_id, username, unread, message_id) \
     DO UPDATE SET muted = excluded.muted";
const IS_MUTED: &str = "SELECT muted FROM inbox WHERE organization_id = ?1 \
     AND conversation_id = ?3 AND username = ?2 AND unread = 0 AND message_id = ''";
/// For every user of the JSON array `?3`: its place in the array, muted in
/// conversation `?2` (the marks row) and the presence record, if any.
const REACHED: &str = "SELECT u.key, coalesce(m.muted, 0), p.record FROM json_each(?3) AS u \
     LEFT JOIN inbox m ON m.organization_id = ?1 AND m.conversation_id = ?2 \
         AND m.username = u.value AND m.unread = 0 AND m.message_id = '' \
     LEFT JOIN presence p ON p.organization_id = ?1 AND p.username = u.value";
const PUT_PRESENCE: &str = "INSERT INTO presence (organization_id, username, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, username) DO UPDATE SET record = excluded.record";
const PRESENCE: &str = "SELECT record FROM presence WHERE organization_id = ?1 AND username = ?2";
/// Names its index: without statistics SQLite would rather walk the
/// organization's whole primary key.
const ENTRIES: &str = "SELECT m.conversation_id, \
     (SELECT count(*) FROM inbox u WHERE u.organization_id = m.organization_id \
         AND u.conversation_id = m.conversation_id AND u.username = m.username \
         AND u.unread = 1), \
     m.last_activity, m.muted \
     FROM inbox m INDEXED BY inbox_marks_by_user \
     WHERE m.organization_id = ?1 AND m.username = ?2 AND m.unread = 0 \
     ORDER BY m.conversation_id";

impl InboxStore for SqliteStore {
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        let names = to_json("username list", &names)?;
        let params = params![
            org.as_str(),
            conversation.as_str(),
            message.as_str(),
            micros(at),
            names
        ];
        self.with_conn(|conn| write(conn, DELIVER, params))?;
        Ok(())
    }

    /// The marks in one statement and every user's presence and mute in a
    /// second (the default asks two per user).
    fn mark_delivered_to(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<Vec<Recipient>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        self.mark_delivered(org, conversation, message, at, users)?;
        let names: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
        let names = to_json("username list", &names)?;
        let rows: Vec<(i64, bool, Option<String>)> = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(REACHED).map_err(backend)?;
            let rows = stmt
                .query_map(params![org.as_str(), conversation.as_str(), names], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend)).collect()
        })?;
        // Each user in its place in `users`.
        let mut reached = vec![Recipient::default(); users.len()];
        for (key, muted, presence) in rows {
            let presence: Option<Presence> =
                presence.map(|p| from_json("presence", &p)).transpose()?;
            let place = usize::try_from(key)
                .ok()
                .and_then(|k| reached.get_mut(k))
                .ok_or_else(|| StoreError::Backend {
                    message: "the recipients' read answered a place outside the list".into(),
                })?;
            *place = Recipient {
                online: presence.is_some_and(|p| p.online),
                muted,
            };
        }
        Ok(reached)
    }

    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let params = params![
            org.as_str(),
            user.as_str(),
            conversation.as_str(),
            micros(at)
        ];
        self.with_conn(|conn| write(conn, TOUCH, params))?;
        Ok(())
    }

    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), user.as_str(), conversation.as_str()];
        self.with_conn(|conn| write(conn, READ, params))?;
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str()];
        self.with_conn(|conn| write(conn, FORGET_CONVERSATION, params))?;
        Ok(())
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str(), message.as_str()];
        self.with_conn(|conn| write(conn, FORGET_MESSAGE, params))?;
        Ok(())
    }

    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError> {
        let params = params![org.as_str(), user.as_str(), conversation.as_str(), muted];
        self.with_conn(|conn| write(conn, SET_MUTED, params))?;
        Ok(())
    }

    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError> {
        let params = [org.as_str(), user.as_str(), conversation.as_str()];
        let muted: Option<bool> = self.with_conn(|conn| value(conn, IS_MUTED, params))?;
        Ok(muted.unwrap_or(false))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        let record = to_json("presence", presence)?;
        let params = params![org.as_str(), user.as_str(), record];
        self.with_conn(|conn| write(conn, PUT_PRESENCE, params))?;
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let params = [org.as_str(), user.as_str()];
        let found = self.with_conn(|conn| one(conn, "presence", PRESENCE, params))?;
        Ok(found.unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(ENTRIES).map_err(backend)?;
            let rows = stmt
                .query_map([org.as_str(), user.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, bool>(3)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (conversation, unread, last, muted) = row.map_err(backend)?;
                Ok(InboxEntry {
                    conversation: ConversationId::new(conversation),
                    unread: u32::try_from(unread).unwrap_or(u32::MAX),
                    last_activity: last.map(from_micros).transpose()?,
                    muted,
                })
            })
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::plans::assert_searches;

    /// Every read (and every delete's search) goes through an index, in
    /// the promised order, with no full scan and no sort.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        for (sql, index) in [
            (IS_MUTED, "PRIMARY KEY"),
            (PRESENCE, "PRIMARY KEY"),
            (ENTRIES, "inbox_marks_by_user"),
            (READ, "PRIMARY KEY"),
            (FORGET_CONVERSATION, "PRIMARY KEY"),
            (FORGET_MESSAGE, "PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
    }

    /// The recipients' read walks the name list and finds each user's
    /// marks and presence by primary key, in the list's order: no other
    /// scan, no sort.
    #[test]
    fn the_recipients_read_searches_by_primary_key() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let plan = crate::sql::plans::plan(&session.conn, REACHED);
        let searches = plan.iter().filter(|s| s.starts_with("SEARCH")).count();
        assert_eq!(searches, 2, "{plan:?}");
        for step in plan.iter().filter(|s| s.starts_with("SCAN")) {
            assert!(step.contains("VIRTUAL TABLE"), "{plan:?}");
        }
        assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    }
}
