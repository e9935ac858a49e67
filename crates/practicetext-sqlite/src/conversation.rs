//! [`ConversationStore`] on `conversations` and `messages`. The partial
//! unique index `conversations_one_active` refuses a second active
//! conversation for the same participants (V1) in the same statement that
//! writes it, so two processes starting one conversation cannot both win.

use practicetext_core::conversation::{
    Conversation, ConversationStatus, Direction, Message, Participants,
};
use practicetext_core::ids::{ConversationId, MessageId, OrganizationId};
use practicetext_core::inbox::lifecycle::outside_number;
use practicetext_core::ports::{
    ConversationFilter, ConversationStore, InboundContext, InboundQuery, InboundStore, StoreError,
};
use practicetext_core::sensitive::MessageBody;
use rusqlite::{ErrorCode, OptionalExtension, params};

use crate::SqliteStore;
use crate::record::{backend, from_json, to_json};
use crate::sql::{all, from_micros, micros, one};

const PUT_CONVERSATION: &str = "INSERT INTO conversations \
     (organization_id, id, participants, status, client_id, outside_number, started_at, record) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (organization_id, id) DO UPDATE SET \
     participants = excluded.participants, status = excluded.status, client_id = excluded.client_id, \
     outside_number = excluded.outside_number, started_at = excluded.started_at, record = excluded.record";
const CONVERSATION: &str =
    "SELECT record FROM conversations WHERE organization_id = ?1 AND id = ?2";
const ACTIVE: &str = "SELECT record FROM conversations \
     WHERE organization_id = ?1 AND participants = ?2 AND status = 'active'";
/// A new message: one row appended (the next rowid as its `seq`). A plain
/// insert, so SQLite needs no statement journal for it: the foreign key is
/// checked before anything is written. An existing id changes nothing here
/// and is replaced by [`REPLACE_MESSAGE`].
const INSERT_MESSAGE: &str = "INSERT INTO messages \
     (organization_id, id, conversation_id, direction, at, record) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (organization_id, id) DO NOTHING";
/// A message put again keeps its `seq` in its conversation and gets a new
/// one (after every other) when moved to another.
const REPLACE_MESSAGE: &str = "UPDATE messages SET \
     seq = CASE WHEN conversation_id = ?3 THEN seq ELSE (SELECT max(seq) + 1 FROM messages) END, \
     conversation_id = ?3, direction = ?4, at = ?5, record = ?6 \
     WHERE organization_id = ?1 AND id = ?2";
/// The newest message in a direction: walks the conversation's messages
/// from the newest (replies and texts alternate, so it stops soon).
const LAST_MESSAGE: &str = "SELECT record FROM messages \
     WHERE organization_id = ?1 AND conversation_id = ?2 AND direction = ?3 \
     ORDER BY at DESC, seq DESC LIMIT 1";
const MESSAGES: &str = "SELECT record FROM messages \
     WHERE organization_id = ?1 AND conversation_id = ?2 ORDER BY at, seq";
const DELETE_CONVERSATION: &str =
    "DELETE FROM conversations WHERE organization_id = ?1 AND id = ?2";
const DELETE_MESSAGE: &str =
    "DELETE FROM messages WHERE organization_id = ?1 AND conversation_id = ?2 AND id = ?3";

/// The listing, one statement per index: the first set condition of
/// client, outside number and status picks the index, the others filter.
const BY_CLIENT: &str = "SELECT record FROM conversations INDEXED BY conversations_by_client \
     WHERE organization_id = ?1 AND client_id = ?3 \
     AND (?2 IS NULL OR status = ?2) AND (?4 IS NULL OR outside_number = ?4) \
     ORDER BY started_at, id";
const BY_OUTSIDE_NUMBER: &str = "SELECT record FROM conversations \
     INDEXED BY conversations_by_outside_number \
     WHERE organization_id = ?1 AND outside_number = ?4 \
     AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR client_id = ?3) \
     ORDER BY started_at, id";
const BY_STATUS: &str = "SELECT record FROM conversations INDEXED BY conversations_by_status \
     WHERE organization_id = ?1 AND status = ?2 \
     AND (?3 IS NULL OR client_id = ?3) AND (?4 IS NULL OR outside_number = ?4) \
     ORDER BY started_at, id";
const EVERY: &str = "SELECT record FROM conversations INDEXED BY conversations_by_start \
     WHERE organization_id = ?1 \
     AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR client_id = ?3) \
     AND (?4 IS NULL OR outside_number = ?4) \
     ORDER BY started_at, id";

/// The participants as the key of the one-active-conversation index.
pub(crate) fn participants_key(p: &Participants) -> Result<String, StoreError> {
    to_json("participants", p)
}

pub(crate) fn status_text(s: ConversationStatus) -> &'static str {
    match s {
        ConversationStatus::Active => "active",
        ConversationStatus::Closed => "closed",
    }
}

pub(crate) fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// The failure of `e`'s statement as the store reports it: a violated
/// uniqueness is `conflict`, a message without its conversation `missing`.
fn refused(e: rusqlite::Error, conflict: &str, missing: Option<&ConversationId>) -> StoreError {
    let code = e.sqlite_error().map(|f| (f.code, f.extended_code));
    match (code, missing) {
        (Some((ErrorCode::ConstraintViolation, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)), _) => {
            StoreError::Conflict {
                message: conflict.to_owned(),
            }
        }
        (
            Some((ErrorCode::ConstraintViolation, rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)),
            Some(id),
        ) => StoreError::NotFound {
            what: "conversation",
            id: id.to_string(),
        },
        _ => backend(e),
    }
}

/// Every part of an inbound text's context in one statement: the sender's
/// consent state, the participants' active conversation (through
/// `conversations_one_active`), its newest inbound message, the last
/// acquisition of the rate key and the acquisitions of the conversation
/// key since `?6`. A missing number or key (NULL) matches no row.
const CONTEXT: &str = "SELECT \
     (SELECT record FROM consent_states WHERE organization_id = ?1 AND number = ?2), \
     c.record, \
     (SELECT m.record FROM messages m \
         WHERE m.organization_id = ?1 AND m.conversation_id = c.id AND m.direction = 'inbound' \
         ORDER BY m.at DESC, m.seq DESC LIMIT 1), \
     (SELECT max(at) FROM rate_acquisitions WHERE organization_id = ?1 AND key = ?4), \
     (SELECT count(*) FROM rate_acquisitions WHERE organization_id = ?1 AND key = ?5 AND at >= ?6) \
     FROM (SELECT 1) LEFT JOIN conversations c \
     ON c.organization_id = ?1 AND c.participants = ?3 AND c.status = 'active'";

/// The context's columns as read, before their records are decoded.
type ContextRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
);

/// The record in `text`, if any.
fn record<T: serde::de::DeserializeOwned>(
    what: &str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| from_json(what, &t)).transpose()
}

/// The body of a stored message record: every other field is skipped,
/// not decoded (what [`InboundStore::inbound_context_with_body`] needs).
#[derive(serde::Deserialize)]
struct BodyOnly {
    body: MessageBody,
}

/// Runs the prepared [`CONTEXT`] statement for `query`.
fn context_row(
    stmt: &mut rusqlite::Statement<'_>,
    query: &InboundQuery<'_>,
) -> Result<ContextRow, StoreError> {
    let params = params![
        query.organization.as_str(),
        query.from.map(|n| n.to_string()),
        participants_key(query.participants)?,
        query.rate_key.map(|k| k.as_str()),
        query.conversation_key.map(|k| k.as_str()),
        micros(query.since)
    ];
    stmt.query_row(params, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .optional()
    .map_err(backend)?
    .ok_or_else(|| StoreError::Backend {
        message: "the inbound context query returned no row".into(),
    })
}

/// The context of a row, the previous inbound message's record still
/// undecoded.
fn context_of(row: ContextRow) -> Result<(InboundContext, Option<String>), StoreError> {
    let (consent, conversation, previous, last, count) = row;
    let context = InboundContext {
        consent: record("consent state", consent)?.unwrap_or_default(),
        conversation: record("conversation", conversation)?,
        previous_inbound: None,
        last_acquired: last.map(from_micros).transpose()?,
        count_since: u32::try_from(count).unwrap_or(u32::MAX),
    };
    Ok((context, previous))
}

/// The context of a row with the previous inbound message's body only.
fn context_with_body(row: ContextRow) -> Result<(InboundContext, Option<MessageBody>), StoreError> {
    let (context, previous) = context_of(row)?;
    let body = record::<BodyOnly>("message", previous)?.map(|m| m.body);
    Ok((context, body))
}

/// The engine's reads for an inbound text in one statement (one snapshot:
/// the open unit's, or the statement's own).
impl InboundStore for SqliteStore {
    fn inbound_context(&self, query: &InboundQuery<'_>) -> Result<InboundContext, StoreError> {
        let row = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(CONTEXT).map_err(backend)?;
            context_row(&mut stmt, query)
        })?;
        let (mut context, previous) = context_of(row)?;
        context.previous_inbound = record("message", previous)?;
        Ok(context)
    }

    /// Decodes only the body of the previous inbound message.
    fn inbound_context_with_body(
        &self,
        query: &InboundQuery<'_>,
    ) -> Result<(InboundContext, Option<MessageBody>), StoreError> {
        let row = self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(CONTEXT).map_err(backend)?;
            context_row(&mut stmt, query)
        })?;
        context_with_body(row)
    }

    /// One prepared statement run for each query, on one snapshot (a read
    /// transaction, or the open unit).
    fn inbound_contexts(
        &self,
        queries: &[InboundQuery<'_>],
    ) -> Result<Vec<(InboundContext, Option<MessageBody>)>, StoreError> {
        let rows = self.read_tx(|conn| {
            let mut stmt = conn.prepare_cached(CONTEXT).map_err(backend)?;
            queries
                .iter()
                .map(|q| context_row(&mut stmt, q))
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter().map(context_with_body).collect()
    }
}

impl ConversationStore for SqliteStore {
    fn active_conversation(
        &self,
        org: &OrganizationId,
        participants: &Participants,
    ) -> Result<Option<Conversation>, StoreError> {
        let key = participants_key(participants)?;
        self.with_conn(|conn| one(conn, "conversation", ACTIVE, params![org.as_str(), key]))
    }

    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.with_conn(|conn| {
            one(
                conn,
                "conversation",
                CONVERSATION,
                [org.as_str(), id.as_str()],
            )
        })
    }

    fn put_conversation(&self, c: &Conversation) -> Result<(), StoreError> {
        let record = to_json("conversation", c)?;
        let key = participants_key(&c.participants)?;
        let outside = outside_number(&c.participants).map(|n| n.to_string());
        let client = c.client.as_ref().map(|k| k.as_str());
        let params = params![
            c.organization.as_str(),
            c.id.as_str(),
            key,
            status_text(c.status),
            client,
            outside,
            micros(c.started_at),
            record
        ];
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(PUT_CONVERSATION).map_err(backend)?;
            stmt.execute(params).map_err(|e| {
                refused(
                    e,
                    "these participants already have an active conversation",
                    None,
                )
            })
        })?;
        Ok(())
    }

    fn put_message(&self, m: &Message) -> Result<(), StoreError> {
        self.put_messages(std::slice::from_ref(m))
    }

    /// Each message as [`put_message`](Self::put_message) puts it, the
    /// statements prepared once for all.
    fn put_messages(&self, messages: &[Message]) -> Result<(), StoreError> {
        // Both statements of a message in one write: another process may
        // not delete the message between them.
        self.one_write_tx(|conn| {
            let mut insert = conn.prepare_cached(INSERT_MESSAGE).map_err(backend)?;
            for m in messages {
                let record = to_json("message", m)?;
                let params = params![
                    m.organization.as_str(),
                    m.id.as_str(),
                    m.conversation.as_str(),
                    direction_text(m.direction),
                    micros(m.at),
                    record
                ];
                let refuse = |e| refused(e, "message conflict", Some(&m.conversation));
                if insert.execute(params).map_err(refuse)? == 1 {
                    continue;
                }
                let mut replace = conn.prepare_cached(REPLACE_MESSAGE).map_err(backend)?;
                replace.execute(params).map_err(refuse)?;
            }
            Ok(())
        })
    }

    fn last_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        direction: Direction,
    ) -> Result<Option<Message>, StoreError> {
        let params = params![
            org.as_str(),
            conversation.as_str(),
            direction_text(direction)
        ];
        self.with_conn(|conn| one(conn, "message", LAST_MESSAGE, params))
    }

    fn messages(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Vec<Message>, StoreError> {
        let params = [org.as_str(), conversation.as_str()];
        self.with_conn(|conn| all(conn, "message", MESSAGES, params))
    }

    fn conversations(
        &self,
        org: &OrganizationId,
        filter: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        let status = filter.status.map(status_text);
        let client = filter.client.as_ref().map(|c| c.as_str());
        let outside = filter.outside_number.map(|n| n.to_string());
        let sql = match (&client, &outside, &status) {
            (Some(_), _, _) => BY_CLIENT,
            (None, Some(_), _) => BY_OUTSIDE_NUMBER,
            (None, None, Some(_)) => BY_STATUS,
            (None, None, None) => EVERY,
        };
        let params = params![org.as_str(), status, client, outside];
        self.with_conn(|conn| all(conn, "conversation", sql, params))
    }

    fn delete_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), id.as_str()];
        let deleted =
            self.with_conn(|conn| crate::sql::write(conn, DELETE_CONVERSATION, params))?;
        if deleted == 0 {
            return Err(StoreError::NotFound {
                what: "conversation",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    fn delete_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        let params = [org.as_str(), conversation.as_str(), message.as_str()];
        let deleted = self.with_conn(|conn| crate::sql::write(conn, DELETE_MESSAGE, params))?;
        if deleted == 0 {
            return Err(StoreError::NotFound {
                what: "message",
                id: message.to_string(),
            });
        }
        Ok(())
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
            (CONVERSATION, "PRIMARY KEY"),
            (ACTIVE, "conversations_one_active"),
            (LAST_MESSAGE, "messages_in_order"),
            (MESSAGES, "messages_in_order"),
            (BY_CLIENT, "conversations_by_client"),
            (BY_OUTSIDE_NUMBER, "conversations_by_outside_number"),
            (BY_STATUS, "conversations_by_status"),
            (EVERY, "conversations_by_start"),
            (DELETE_MESSAGE, "messages_by_id"),
            (DELETE_CONVERSATION, "PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
        let plan = crate::sql::plans::plan(conn, CONTEXT);
        for index in [
            "consent_states USING PRIMARY KEY",
            "conversations_one_active",
            "messages_in_order",
            "rate_acquisitions_by_key",
        ] {
            assert!(plan.iter().any(|s| s.contains(index)), "{index}: {plan:?}");
        }
        assert!(plan.iter().all(|s| !s.contains("TEMP B-TREE")), "{plan:?}");
    }
}
