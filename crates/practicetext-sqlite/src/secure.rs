//! [`SecureStore`] on the `secure_*` tables of migration 2: a save is one
//! `IMMEDIATE` transaction that checks the version and the link index
//! before writing anything.

use practicetext_core::ids::{ConversationId, OrganizationId};
use practicetext_core::ports::{SecureStore, StoreError};
use practicetext_core::secure::{SecureConversation, SecureEvent, TokenHash};
use rusqlite::{Connection, params};

use crate::SqliteStore;
use crate::record::to_json;
use crate::sql::{all, one, value, write};

const VERSION: &str =
    "SELECT version FROM secure_conversations WHERE organization_id = ?1 AND id = ?2";
const PUT_CONVERSATION: &str = "INSERT INTO secure_conversations \
     (organization_id, id, version, record) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (organization_id, id) DO UPDATE SET version = excluded.version, record = excluded.record";
const CONVERSATION: &str =
    "SELECT record FROM secure_conversations WHERE organization_id = ?1 AND id = ?2";
const LINK_OWNER: &str =
    "SELECT conversation_id FROM secure_links WHERE organization_id = ?1 AND token_hash = ?2";
const PUT_LINK: &str = "INSERT INTO secure_links (organization_id, token_hash, conversation_id) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, token_hash) DO NOTHING";
const BY_LINK: &str = "SELECT c.record FROM secure_links l \
     JOIN secure_conversations c ON c.organization_id = l.organization_id AND c.id = l.conversation_id \
     WHERE l.organization_id = ?1 AND l.token_hash = ?2";
const NEXT_EVENT: &str = "SELECT coalesce(max(seq), 0) + 1 FROM secure_events \
     WHERE organization_id = ?1 AND conversation_id = ?2";
const PUT_EVENT: &str = "INSERT INTO secure_events (organization_id, conversation_id, seq, record) \
     VALUES (?1, ?2, ?3, ?4)";
const EVENTS: &str = "SELECT record FROM secure_events \
     WHERE organization_id = ?1 AND conversation_id = ?2 ORDER BY seq";

fn conflict(message: &str) -> StoreError {
    StoreError::Conflict {
        message: message.to_owned(),
    }
}

/// A version as stored: the same 64 bits as a signed integer (only ever
/// compared for equality, so every `u64` round-trips).
fn stored_version(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

/// Refuses a save whose conversation or events belong elsewhere.
fn check_ownership(
    org: &OrganizationId,
    conv: &SecureConversation,
    events: &[SecureEvent],
) -> Result<(), StoreError> {
    let foreign_event = events
        .iter()
        .any(|e| &e.organization != org || e.conversation != conv.id);
    if &conv.organization != org || foreign_event {
        return Err(conflict(
            "the secure conversation or its events belong to another organization or conversation",
        ));
    }
    Ok(())
}

/// Refuses a save based on a stale read (or a create of an existing id).
fn check_version(
    conn: &Connection,
    org: &OrganizationId,
    id: &ConversationId,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let stored: Option<i64> = value(conn, VERSION, params![org.as_str(), id.as_str()])?;
    match (stored, expected) {
        (None, None) => Ok(()),
        (Some(s), Some(v)) if s == stored_version(v) => Ok(()),
        (Some(_), None) => Err(conflict("the secure conversation already exists")),
        _ => Err(conflict(
            "the secure conversation changed since it was read; read it again and retry",
        )),
    }
}

/// Indexes every link of `conv`; refuses a token hash that indexes
/// another conversation.
fn index_links(
    conn: &Connection,
    org: &OrganizationId,
    conv: &SecureConversation,
) -> Result<(), StoreError> {
    for link in &conv.links {
        let hash = link.token_hash.as_bytes().as_slice();
        let owner: Option<String> = value(conn, LINK_OWNER, params![org.as_str(), hash])?;
        match owner {
            Some(id) if id != conv.id.as_str() => {
                return Err(conflict(
                    "a link token hash belongs to another conversation",
                ));
            }
            Some(_) => {}
            None => {
                write(
                    conn,
                    PUT_LINK,
                    params![org.as_str(), hash, conv.id.as_str()],
                )?;
            }
        }
    }
    Ok(())
}

fn append_events(
    conn: &Connection,
    org: &OrganizationId,
    id: &ConversationId,
    events: &[SecureEvent],
) -> Result<(), StoreError> {
    let keys = params![org.as_str(), id.as_str()];
    let mut seq: i64 = value(conn, NEXT_EVENT, keys)?.unwrap_or(1);
    for event in events {
        let record = to_json("secure event", event)?;
        write(
            conn,
            PUT_EVENT,
            params![org.as_str(), id.as_str(), seq, record],
        )?;
        seq = seq.saturating_add(1);
    }
    Ok(())
}

impl SecureStore for SqliteStore {
    fn save_secure_conversation(
        &self,
        org: &OrganizationId,
        conversation: &SecureConversation,
        expected_version: Option<u64>,
        events: &[SecureEvent],
    ) -> Result<(), StoreError> {
        check_ownership(org, conversation, events)?;
        let record = to_json("secure conversation", conversation)?;
        self.write_tx(|conn| {
            check_version(conn, org, &conversation.id, expected_version)?;
            index_links(conn, org, conversation)?;
            append_events(conn, org, &conversation.id, events)?;
            let version = stored_version(conversation.version);
            let id = conversation.id.as_str();
            write(
                conn,
                PUT_CONVERSATION,
                params![org.as_str(), id, version, record],
            )?;
            Ok(())
        })
    }

    fn secure_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<SecureConversation>, StoreError> {
        self.with_conn(|conn| {
            one(
                conn,
                "secure conversation",
                CONVERSATION,
                [org.as_str(), id.as_str()],
            )
        })
    }

    fn secure_conversation_by_link(
        &self,
        org: &OrganizationId,
        token_hash: &TokenHash,
    ) -> Result<Option<SecureConversation>, StoreError> {
        let hash = token_hash.as_bytes().as_slice();
        self.with_conn(|conn| {
            one(
                conn,
                "secure conversation",
                BY_LINK,
                params![org.as_str(), hash],
            )
        })
    }

    fn secure_events(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Vec<SecureEvent>, StoreError> {
        self.with_conn(|conn| all(conn, "secure event", EVENTS, [org.as_str(), id.as_str()]))
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
            (VERSION, "PRIMARY KEY"),
            (CONVERSATION, "PRIMARY KEY"),
            (LINK_OWNER, "PRIMARY KEY"),
            (BY_LINK, "PRIMARY KEY"),
            (NEXT_EVENT, "PRIMARY KEY"),
            (EVENTS, "PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
    }
}
