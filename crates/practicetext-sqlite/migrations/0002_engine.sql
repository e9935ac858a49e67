-- Version 2: what the engine, secure text and the inbox keep. Secure
-- conversations (SPEC S1-S5, X7), the consent ledger (C1-C7, X2), rate
-- windows (A2, X4, B5), idempotency keys (V10), conversations and messages
-- (V1-V7), the communication history (V3, V4), inbox marks and presence
-- (V5, V6) and usage counters (V9).
--
-- As in version 1: typed columns for what a query selects, sorts or
-- guards; the whole record in the core's serde JSON in `record`. Instants
-- are INTEGER microseconds since the Unix epoch (UTC); days are INTEGER
-- days of the proleptic Gregorian calendar counted from 0001-01-01 as 1.
-- Every table is keyed by organization first, except `idempotency_keys`
-- (a provider's message id is global).

-- Secure text. `version` guards every save (compare and set); a link's
-- token hash (SHA-256, never the token) indexes one conversation.
CREATE TABLE secure_conversations (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    version         INTEGER NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE secure_links (
    organization_id TEXT NOT NULL,
    token_hash      BLOB NOT NULL CHECK (length(token_hash) = 32),
    conversation_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, token_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE secure_events (
    organization_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, conversation_id, seq)
) STRICT, WITHOUT ROWID;

-- Consent: the state per number and the history in the order recorded
-- (`seq`), so replaying the history gives the state.
CREATE TABLE consent_states (
    organization_id TEXT NOT NULL,
    number          TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, number)
) STRICT, WITHOUT ROWID;

CREATE TABLE consent_history (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL,
    number          TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record))
) STRICT;

CREATE INDEX consent_history_by_organization ON consent_history (organization_id, seq);
CREATE INDEX consent_history_by_number ON consent_history (organization_id, number, seq);

-- Rate windows: one row per successful acquisition.
CREATE TABLE rate_acquisitions (
    organization_id TEXT NOT NULL,
    key             TEXT NOT NULL,
    at              INTEGER NOT NULL
) STRICT;

CREATE INDEX rate_acquisitions_by_key ON rate_acquisitions (organization_id, key, at);

-- Idempotency keys: claimed until `lease_until`, or done for good.
CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    done        INTEGER NOT NULL CHECK (done IN (0, 1)),
    lease_until INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;

-- Conversations. `participants` is the canonical JSON of who a thread is
-- between; at most one active conversation per participants (V1).
CREATE TABLE conversations (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    participants    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    client_id       TEXT,
    outside_number  TEXT,
    started_at      INTEGER NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX conversations_one_active
    ON conversations (organization_id, participants) WHERE status = 'active';
CREATE INDEX conversations_by_start ON conversations (organization_id, started_at, id);
CREATE INDEX conversations_by_status
    ON conversations (organization_id, status, started_at, id);
CREATE INDEX conversations_by_client
    ON conversations (organization_id, client_id, started_at, id);
CREATE INDEX conversations_by_outside_number
    ON conversations (organization_id, outside_number, started_at, id);

-- Messages, oldest first by `at`, then by `seq` (the order put; the
-- rowid, so a new message is appended to the table). Deleting a
-- conversation deletes its messages.
CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    at              INTEGER NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    FOREIGN KEY (organization_id, conversation_id)
        REFERENCES conversations (organization_id, id) ON DELETE CASCADE
) STRICT;

CREATE UNIQUE INDEX messages_by_id ON messages (organization_id, id);
CREATE INDEX messages_in_order ON messages (organization_id, conversation_id, at, seq);

-- The communication history: one entry per closed conversation.
-- `outside_number` is set for SMS conversations only.
CREATE TABLE history_entries (
    organization_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    client_id       TEXT,
    outside_number  TEXT,
    closed_at       INTEGER NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, conversation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX history_by_client
    ON history_entries (organization_id, client_id, closed_at, conversation_id);
CREATE INDEX history_unassigned_by_number
    ON history_entries (organization_id, outside_number, closed_at, conversation_id)
    WHERE client_id IS NULL;

-- Inbox: one row of marks per user and conversation, the unread messages
-- in their own table, presence per user.
CREATE TABLE inbox_marks (
    organization_id TEXT NOT NULL,
    username        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    last_activity   INTEGER,
    muted           INTEGER NOT NULL CHECK (muted IN (0, 1)),
    PRIMARY KEY (organization_id, username, conversation_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX inbox_marks_by_conversation ON inbox_marks (organization_id, conversation_id);

CREATE TABLE inbox_unread (
    organization_id TEXT NOT NULL,
    username        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    PRIMARY KEY (organization_id, username, conversation_id, message_id),
    FOREIGN KEY (organization_id, username, conversation_id)
        REFERENCES inbox_marks (organization_id, username, conversation_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX inbox_unread_by_message ON inbox_unread (organization_id, conversation_id, message_id);

CREATE TABLE presence (
    organization_id TEXT NOT NULL,
    username        TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, username)
) STRICT, WITHOUT ROWID;

-- Usage counters per organization, day and user. Texts of no single user
-- have `has_user = 0` and an empty `username` (a user may be named '').
CREATE TABLE usage_days (
    organization_id TEXT NOT NULL,
    day             INTEGER NOT NULL,
    has_user        INTEGER NOT NULL CHECK (has_user IN (0, 1)),
    username        TEXT NOT NULL CHECK (has_user = 1 OR username = ''),
    texts_in        INTEGER NOT NULL CHECK (texts_in >= 0),
    texts_out       INTEGER NOT NULL CHECK (texts_out >= 0),
    segments_in     INTEGER NOT NULL CHECK (segments_in >= 0),
    segments_out    INTEGER NOT NULL CHECK (segments_out >= 0),
    PRIMARY KEY (organization_id, day, has_user, username)
) STRICT, WITHOUT ROWID;
