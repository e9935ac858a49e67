//! [`ConversationStore`] on `conversations` and `messages`. The partial
//! unique index `conversations_one_active` refuses a second active
//! conversation for the same participants (V1) in the statement that
//! writes it: of two app servers starting one conversation, the second
//! waits for the first to commit and then gets [`StoreError::Conflict`].

use practicetext_core::consent::ConsentState;
use practicetext_core::conversation::{
    Conversation, ConversationStatus, Direction, Message, Participants,
};
use practicetext_core::ids::{ConversationId, MessageId, OrganizationId};
use practicetext_core::inbox::lifecycle::outside_number;
use practicetext_core::ports::{
    ConversationFilter, ConversationStore, InboundContext, InboundQuery, InboundStore, StoreError,
};
use practicetext_core::sensitive::MessageBody;

use crate::PgStore;
use crate::record::from_json;
use crate::record::{backend, to_json};
use crate::sql::{from_micros, get, micros};

/// A new conversation: writes nothing (rather than failing, which would
/// abort an open unit) when its id exists or its participants already have
/// an active conversation; [`UPDATE_CONVERSATION`] then tells which.
const INSERT_CONVERSATION: &str = "INSERT INTO conversations \
     (organization_id, id, participants, status, client_id, outside_number, started_at, record) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::json) ON CONFLICT DO NOTHING";
const UPDATE_CONVERSATION: &str = "UPDATE conversations SET participants = $3, status = $4, \
     client_id = $5, outside_number = $6, started_at = $7, record = $8::text::json \
     WHERE organization_id = $1 AND id = $2";
const CONVERSATION: &str =
    "SELECT record::text FROM conversations WHERE organization_id = $1 AND id = $2";
const ACTIVE: &str = "SELECT record::text FROM conversations \
     WHERE organization_id = $1 AND participants = $2 AND status = 'active'";
/// A message keeps its `seq` when replaced in its conversation and gets a
/// new one (the next of the identity) when new or moved. Writes nothing
/// (rather than failing, which would abort an open unit) when the
/// conversation does not exist.
const PUT_MESSAGE: &str = "INSERT INTO messages AS m \
     (organization_id, id, conversation_id, direction, at, record) \
     SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text::json WHERE EXISTS \
         (SELECT 1 FROM conversations WHERE organization_id = $1 AND id = $3) \
     ON CONFLICT (organization_id, id) DO UPDATE SET \
     seq = CASE WHEN m.conversation_id = EXCLUDED.conversation_id THEN m.seq ELSE EXCLUDED.seq END, \
     conversation_id = EXCLUDED.conversation_id, direction = EXCLUDED.direction, \
     at = EXCLUDED.at, record = EXCLUDED.record";
const LAST_MESSAGE: &str = "SELECT record::text FROM messages \
     WHERE organization_id = $1 AND conversation_id = $2 AND direction = $3 \
     ORDER BY at DESC, seq DESC LIMIT 1";
const MESSAGES: &str = "SELECT record::text FROM messages \
     WHERE organization_id = $1 AND conversation_id = $2 ORDER BY at, seq";
const DELETE_CONVERSATION: &str =
    "DELETE FROM conversations WHERE organization_id = $1 AND id = $2";
const DELETE_MESSAGE: &str =
    "DELETE FROM messages WHERE organization_id = $1 AND conversation_id = $2 AND id = $3";

/// The listing, one statement per index: the first set condition of
/// client, outside number and status leads, the others filter.
const BY_CLIENT: &str = "SELECT record::text FROM conversations \
     WHERE organization_id = $1 AND client_id = $3 \
     AND ($2::text IS NULL OR status = $2) AND ($4::text IS NULL OR outside_number = $4) \
     ORDER BY started_at, id";
const BY_OUTSIDE_NUMBER: &str = "SELECT record::text FROM conversations \
     WHERE organization_id = $1 AND outside_number = $4 \
     AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR client_id = $3) \
     ORDER BY started_at, id";
const BY_STATUS: &str = "SELECT record::text FROM conversations \
     WHERE organization_id = $1 AND status = $2 \
     AND ($3::text IS NULL OR client_id = $3) AND ($4::text IS NULL OR outside_number = $4) \
     ORDER BY started_at, id";
const EVERY: &str = "SELECT record::text FROM conversations WHERE organization_id = $1 \
     AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR client_id = $3) \
     AND ($4::text IS NULL OR outside_number = $4) \
     ORDER BY started_at, id";

/// Every read of [`InboundStore::inbound_context`] in one statement (one
/// round trip, one snapshot): consent state, active conversation, its
/// newest inbound message, the rate key's last acquisition and the
/// counter's acquisitions since `$6`.
const INBOUND_CONTEXT: &str = "WITH c AS (SELECT id, record FROM conversations \
         WHERE organization_id = $1 AND participants = $2 AND status = 'active') \
     SELECT \
     (SELECT record::text FROM consent_states WHERE organization_id = $1 AND number = $3), \
     (SELECT record::text FROM c), \
     (SELECT m.record::text FROM messages m WHERE m.organization_id = $1 \
         AND m.conversation_id = (SELECT id FROM c) AND m.direction = 'inbound' \
         ORDER BY m.at DESC, m.seq DESC LIMIT 1), \
     (SELECT last_at FROM rate_keys WHERE organization_id = $1 AND key = $4), \
     (SELECT count(*) FROM rate_acquisitions \
         WHERE organization_id = $1 AND key = $5 AND at >= $6)";

/// [`INBOUND_CONTEXT`] for many queries at once (arrays of the same
/// parameters, `$6` the instants), one row per query in order.
const INBOUND_CONTEXTS: &str = "SELECT \
     (SELECT record::text FROM consent_states WHERE organization_id = q.org AND number = q.num), \
     c.record::text, \
     (SELECT m.record::text FROM messages m WHERE m.organization_id = q.org \
         AND m.conversation_id = c.id AND m.direction = 'inbound' \
         ORDER BY m.at DESC, m.seq DESC LIMIT 1), \
     (SELECT last_at FROM rate_keys WHERE organization_id = q.org AND key = q.rate), \
     (SELECT count(*) FROM rate_acquisitions \
         WHERE organization_id = q.org AND key = q.counter AND at >= q.since) \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) \
         WITH ORDINALITY AS q(org, participants, num, rate, counter, since, i) \
     LEFT JOIN LATERAL (SELECT id, record FROM conversations \
         WHERE organization_id = q.org AND participants = q.participants AND status = 'active') c \
         ON true \
     ORDER BY q.i";
/// [`PUT_MESSAGE`] for many messages with distinct ids, in order (arrays
/// of the same parameters); returns the ids written.
const PUT_MESSAGES: &str = "INSERT INTO messages AS m \
     (organization_id, id, conversation_id, direction, at, record) \
     SELECT q.org, q.id, q.conv, q.dir, q.at, q.rec::json \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) \
         WITH ORDINALITY AS q(org, id, conv, dir, at, rec, i) \
     WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.organization_id = q.org AND c.id = q.conv) \
     ORDER BY q.i \
     ON CONFLICT (organization_id, id) DO UPDATE SET \
     seq = CASE WHEN m.conversation_id = EXCLUDED.conversation_id THEN m.seq ELSE EXCLUDED.seq END, \
     conversation_id = EXCLUDED.conversation_id, direction = EXCLUDED.direction, \
     at = EXCLUDED.at, record = EXCLUDED.record";

/// The participants as the key of the one-active-conversation index.
fn participants_key(p: &Participants) -> Result<String, StoreError> {
    to_json("participants", p)
}

fn status_text(s: ConversationStatus) -> &'static str {
    match s {
        ConversationStatus::Active => "active",
        ConversationStatus::Closed => "closed",
    }
}

fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// A failed write as the store reports it: a violated uniqueness is
/// `conflict`, a message without its conversation `missing`.
fn refused(e: postgres::Error, conflict: &str, missing: Option<&ConversationId>) -> StoreError {
    use postgres::error::SqlState;
    match (e.code(), missing) {
        (Some(c), _) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Conflict {
            message: conflict.to_owned(),
        },
        (Some(c), Some(id)) if *c == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound {
            what: "conversation",
            id: id.to_string(),
        },
        _ => backend(e),
    }
}

/// The engine's reads in one round trip.
impl InboundStore for PgStore {
    fn inbound_context(&self, q: &InboundQuery<'_>) -> Result<InboundContext, StoreError> {
        let org = q.organization.as_str();
        let key = participants_key(q.participants)?;
        let from = q.from.map(|n| n.to_string());
        let rate = q.rate_key.map(|k| k.as_str());
        let counter = q.conversation_key.map(|k| k.as_str());
        let since = micros(q.since);
        let row = self.run(|db| {
            db.row(
                INBOUND_CONTEXT,
                &[&org, &key, &from, &rate, &counter, &since],
            )
        })?;
        let row = row.ok_or_else(|| StoreError::Backend {
            message: "the inbound context query returned no row".into(),
        })?;
        let consent: Option<String> = get(&row, 0)?;
        let conversation: Option<String> = get(&row, 1)?;
        let previous: Option<String> = get(&row, 2)?;
        let last: Option<i64> = get(&row, 3)?;
        let count: i64 = get(&row, 4)?;
        Ok(InboundContext {
            consent: match consent {
                Some(t) => from_json("consent state", &t)?,
                None => ConsentState::default(),
            },
            conversation: conversation
                .map(|t| from_json("conversation", &t))
                .transpose()?,
            previous_inbound: previous.map(|t| from_json("message", &t)).transpose()?,
            last_acquired: last.map(from_micros).transpose()?,
            count_since: u32::try_from(count).unwrap_or(u32::MAX),
        })
    }

    /// Every query's reads in one statement.
    fn inbound_contexts(
        &self,
        queries: &[InboundQuery<'_>],
    ) -> Result<Vec<(InboundContext, Option<MessageBody>)>, StoreError> {
        if queries.is_empty() {
            return Ok(Vec::new());
        }
        let orgs: Vec<&str> = queries.iter().map(|q| q.organization.as_str()).collect();
        let keys = queries
            .iter()
            .map(|q| participants_key(q.participants))
            .collect::<Result<Vec<String>, _>>()?;
        let from: Vec<Option<String>> = queries
            .iter()
            .map(|q| q.from.map(|n| n.to_string()))
            .collect();
        let rate: Vec<Option<&str>> = queries
            .iter()
            .map(|q| q.rate_key.map(|k| k.as_str()))
            .collect();
        let counter: Vec<Option<&str>> = queries
            .iter()
            .map(|q| q.conversation_key.map(|k| k.as_str()))
            .collect();
        let since: Vec<i64> = queries.iter().map(|q| micros(q.since)).collect();
        let rows = self.run(|db| {
            db.rows(
                INBOUND_CONTEXTS,
                &[&orgs, &keys, &from, &rate, &counter, &since],
            )
        })?;
        if rows.len() != queries.len() {
            return Err(StoreError::Backend {
                message: "the inbound context query did not answer every query".into(),
            });
        }
        rows.iter()
            .map(|row| {
                let consent: Option<&str> = get(row, 0)?;
                let conversation: Option<&str> = get(row, 1)?;
                let previous: Option<&str> = get(row, 2)?;
                let last: Option<i64> = get(row, 3)?;
                let count: i64 = get(row, 4)?;
                let previous: Option<Message> =
                    previous.map(|t| from_json("message", t)).transpose()?;
                let context = InboundContext {
                    consent: match consent {
                        Some(t) => from_json("consent state", t)?,
                        None => ConsentState::default(),
                    },
                    conversation: conversation
                        .map(|t| from_json("conversation", t))
                        .transpose()?,
                    previous_inbound: None,
                    last_acquired: last.map(from_micros).transpose()?,
                    count_since: u32::try_from(count).unwrap_or(u32::MAX),
                };
                Ok((context, previous.map(|m| m.body)))
            })
            .collect()
    }
}

impl ConversationStore for PgStore {
    fn active_conversation(
        &self,
        org: &OrganizationId,
        participants: &Participants,
    ) -> Result<Option<Conversation>, StoreError> {
        let key = participants_key(participants)?;
        self.run(|db| db.one("conversation", ACTIVE, &[&org.as_str(), &key]))
    }

    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.run(|db| db.one("conversation", CONVERSATION, &[&org.as_str(), &id.as_str()]))
    }

    fn put_conversation(&self, c: &Conversation) -> Result<(), StoreError> {
        let record = to_json("conversation", c)?;
        let key = participants_key(&c.participants)?;
        let outside = outside_number(&c.participants).map(|n| n.to_string());
        let client = c.client.as_ref().map(|k| k.as_str());
        let (org, id, status) = (
            c.organization.as_str(),
            c.id.as_str(),
            status_text(c.status),
        );
        let started = micros(c.started_at);
        let params: [&(dyn postgres::types::ToSql + Sync); 8] = [
            &org, &id, &key, &status, &client, &outside, &started, &record,
        ];
        let conflict = "these participants already have an active conversation";
        if self.run(|db| db.execute(INSERT_CONVERSATION, &params))? == 1 {
            return Ok(());
        }
        let updated = self.run_guarded(|db| {
            db.try_execute(UPDATE_CONVERSATION, &params)
                .map_err(|e| refused(e, conflict, None))
        })?;
        if updated == 0 {
            return Err(StoreError::Conflict {
                message: conflict.to_owned(),
            });
        }
        Ok(())
    }

    fn put_message(&self, m: &Message) -> Result<(), StoreError> {
        let record = to_json("message", m)?;
        let (org, id, conv) = (
            m.organization.as_str(),
            m.id.as_str(),
            m.conversation.as_str(),
        );
        let (direction, at) = (direction_text(m.direction), micros(m.at));
        let written = self.run(|db| {
            db.try_execute(PUT_MESSAGE, &[&org, &id, &conv, &direction, &at, &record])
                .map_err(|e| refused(e, "message conflict", Some(&m.conversation)))
        })?;
        if written == 0 {
            return Err(StoreError::NotFound {
                what: "conversation",
                id: m.conversation.to_string(),
            });
        }
        Ok(())
    }

    /// Distinct ids in one statement (repeated ids one by one).
    fn put_messages(&self, messages: &[Message]) -> Result<(), StoreError> {
        let mut ids = std::collections::HashSet::new();
        if messages.len() < 2
            || !messages
                .iter()
                .all(|m| ids.insert((&m.organization, &m.id)))
        {
            return messages.iter().try_for_each(|m| self.put_message(m));
        }
        let records = messages
            .iter()
            .map(|m| to_json("message", m))
            .collect::<Result<Vec<String>, _>>()?;
        let orgs: Vec<&str> = messages.iter().map(|m| m.organization.as_str()).collect();
        let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
        let convs: Vec<&str> = messages.iter().map(|m| m.conversation.as_str()).collect();
        let dirs: Vec<&str> = messages
            .iter()
            .map(|m| direction_text(m.direction))
            .collect();
        let ats: Vec<i64> = messages.iter().map(|m| micros(m.at)).collect();
        let written = self.run(|db| {
            db.try_execute(PUT_MESSAGES, &[&orgs, &ids, &convs, &dirs, &ats, &records])
                .map_err(|e| refused(e, "message conflict", None))
        })?;
        if written as usize == messages.len() {
            return Ok(());
        }
        // Some conversation is missing: name the first.
        for m in messages {
            if self
                .conversation(&m.organization, &m.conversation)?
                .is_none()
            {
                return Err(StoreError::NotFound {
                    what: "conversation",
                    id: m.conversation.to_string(),
                });
            }
        }
        Err(StoreError::Backend {
            message: "fewer messages were written than given".into(),
        })
    }

    fn last_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        direction: Direction,
    ) -> Result<Option<Message>, StoreError> {
        let params = [
            org.as_str(),
            conversation.as_str(),
            direction_text(direction),
        ];
        self.run(|db| {
            db.one(
                "message",
                LAST_MESSAGE,
                &[&params[0], &params[1], &params[2]],
            )
        })
    }

    fn messages(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<Vec<Message>, StoreError> {
        self.run(|db| {
            db.all(
                "message",
                MESSAGES,
                &[&org.as_str(), &conversation.as_str()],
            )
        })
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
        self.run(|db| {
            db.all(
                "conversation",
                sql,
                &[&org.as_str(), &status, &client, &outside],
            )
        })
    }

    fn delete_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<(), StoreError> {
        let deleted =
            self.run(|db| db.execute(DELETE_CONVERSATION, &[&org.as_str(), &id.as_str()]))?;
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
        let deleted =
            self.run(|db| db.execute(DELETE_MESSAGE, &[&params[0], &params[1], &params[2]]))?;
        if deleted == 0 {
            return Err(StoreError::NotFound {
                what: "message",
                id: message.to_string(),
            });
        }
        Ok(())
    }
}
