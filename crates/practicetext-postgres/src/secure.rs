//! [`SecureStore`] on the `secure_*` tables of migration 2. A save is one
//! transaction that starts with the compare-and-set on the conversation's
//! row (an insert that must not conflict, or an update guarded by the
//! version read): a racing save of the same version waits for that row and
//! then finds the version changed.

use postgres::GenericClient;
use practicetext_core::ids::{ConversationId, OrganizationId};
use practicetext_core::ports::{SecureStore, StoreError};
use practicetext_core::secure::{SecureConversation, SecureEvent, TokenHash};

use crate::PgStore;
use crate::record::to_json;
use crate::sql::{Db, get};

const CREATE: &str = "INSERT INTO secure_conversations (organization_id, id, version, record) \
     VALUES ($1, $2, $3, $4::text::json) ON CONFLICT (organization_id, id) DO NOTHING";
const UPDATE: &str = "UPDATE secure_conversations SET version = $3, record = $4::text::json \
     WHERE organization_id = $1 AND id = $2 AND version = $5";
const INDEX_LINKS: &str = "INSERT INTO secure_links (organization_id, token_hash, conversation_id) \
     SELECT $1, h, $2 FROM unnest($3::bytea[]) AS h \
     ON CONFLICT (organization_id, token_hash) DO NOTHING";
const LINKS_OF_OTHERS: &str = "SELECT count(*) FROM secure_links \
     WHERE organization_id = $1 AND token_hash = ANY($3::bytea[]) AND conversation_id <> $2";
const APPEND_EVENTS: &str = "INSERT INTO secure_events (organization_id, conversation_id, seq, record) \
     SELECT $1, $2, last.seq + e.n, e.record::json \
     FROM unnest($3::text[]) WITH ORDINALITY AS e(record, n), \
     (SELECT coalesce(max(seq), 0) AS seq FROM secure_events \
         WHERE organization_id = $1 AND conversation_id = $2) AS last";
const CONVERSATION: &str =
    "SELECT record::text FROM secure_conversations WHERE organization_id = $1 AND id = $2";
const BY_LINK: &str = "SELECT c.record::text FROM secure_links l \
     JOIN secure_conversations c ON c.organization_id = l.organization_id AND c.id = l.conversation_id \
     WHERE l.organization_id = $1 AND l.token_hash = $2";
const EVENTS: &str = "SELECT record::text FROM secure_events \
     WHERE organization_id = $1 AND conversation_id = $2 ORDER BY seq";

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

/// Writes the conversation if the stored version is the one expected
/// (none: it must not exist); takes its row lock.
fn compare_and_set<C: GenericClient>(
    db: &mut Db<'_, C>,
    org: &str,
    conv: &SecureConversation,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let record = to_json("secure conversation", conv)?;
    let version = stored_version(conv.version);
    let id = conv.id.as_str();
    match expected {
        None => {
            if db.execute(CREATE, &[&org, &id, &version, &record])? == 0 {
                return Err(conflict("the secure conversation already exists"));
            }
        }
        Some(v) => {
            let read = stored_version(v);
            if db.execute(UPDATE, &[&org, &id, &version, &record, &read])? == 0 {
                return Err(conflict(
                    "the secure conversation changed since it was read; read it again and retry",
                ));
            }
        }
    }
    Ok(())
}

impl SecureStore for PgStore {
    fn save_secure_conversation(
        &self,
        org: &OrganizationId,
        conversation: &SecureConversation,
        expected_version: Option<u64>,
        events: &[SecureEvent],
    ) -> Result<(), StoreError> {
        check_ownership(org, conversation, events)?;
        let hashes: Vec<&[u8]> = conversation
            .links
            .iter()
            .map(|l| l.token_hash.as_bytes().as_slice())
            .collect();
        let records = events
            .iter()
            .map(|e| to_json("secure event", e))
            .collect::<Result<Vec<_>, _>>()?;
        let (org, id) = (org.as_str(), conversation.id.as_str());
        self.in_tx(|db| {
            compare_and_set(db, org, conversation, expected_version)?;
            db.execute(INDEX_LINKS, &[&org, &id, &hashes])?;
            let taken = db.row(LINKS_OF_OTHERS, &[&org, &id, &hashes])?;
            if taken.map(|r| get::<i64>(&r, 0)).transpose()?.unwrap_or(0) > 0 {
                return Err(conflict(
                    "a link token hash belongs to another conversation",
                ));
            }
            db.execute(APPEND_EVENTS, &[&org, &id, &records])?;
            Ok(())
        })
    }

    fn secure_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<SecureConversation>, StoreError> {
        self.run(|db| {
            db.one(
                "secure conversation",
                CONVERSATION,
                &[&org.as_str(), &id.as_str()],
            )
        })
    }

    fn secure_conversation_by_link(
        &self,
        org: &OrganizationId,
        token_hash: &TokenHash,
    ) -> Result<Option<SecureConversation>, StoreError> {
        let hash = token_hash.as_bytes().as_slice();
        self.run(|db| db.one("secure conversation", BY_LINK, &[&org.as_str(), &hash]))
    }

    fn secure_events(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Vec<SecureEvent>, StoreError> {
        self.run(|db| db.all("secure event", EVENTS, &[&org.as_str(), &id.as_str()]))
    }
}
