-- Version 5: the inbox keyed by a number per conversation. Version 4 keyed
-- every row by (organization id, conversation id, username, ...): long
-- strings, compared field by field at every step of every search, and
-- rows three times the size of their content. Here each conversation with
-- marks gets a number once (`inbox_conversations`), and the rows of the
-- inbox are keyed by it: delivering a text to a group's members searches
-- and splits B-tree pages of short keys.
--
-- Per conversation key and user: one marks row (`unread = 0`,
-- `message_id = ''`: last activity and mute, and the organization and
-- conversation ids for the user's list), and one row per unread message
-- (`unread = 1`, its id; `last_activity`, `organization_id` and
-- `conversation_id` NULL, `muted` 0). The marks row sorts before the
-- user's unread rows.

CREATE TABLE inbox_conversations (
    key             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    UNIQUE (organization_id, conversation_id)
) STRICT;

CREATE TABLE inbox_by_key (
    conversation_key INTEGER NOT NULL,
    username         TEXT NOT NULL,
    unread           INTEGER NOT NULL CHECK (unread IN (0, 1)),
    message_id       TEXT NOT NULL CHECK (unread = 1 OR message_id = ''),
    last_activity    INTEGER CHECK (unread = 0 OR last_activity IS NULL),
    muted            INTEGER NOT NULL CHECK (muted IN (0, 1) AND (unread = 0 OR muted = 0)),
    organization_id  TEXT CHECK ((unread = 0) = (organization_id IS NOT NULL)),
    conversation_id  TEXT CHECK ((unread = 0) = (conversation_id IS NOT NULL)),
    PRIMARY KEY (conversation_key, username, unread, message_id)
) STRICT, WITHOUT ROWID;

INSERT INTO inbox_conversations (organization_id, conversation_id)
    SELECT DISTINCT organization_id, conversation_id FROM inbox
    ORDER BY organization_id, conversation_id;
INSERT INTO inbox_by_key
    SELECT k.key, i.username, i.unread, i.message_id, i.last_activity, i.muted,
        CASE WHEN i.unread = 0 THEN i.organization_id END,
        CASE WHEN i.unread = 0 THEN i.conversation_id END
    FROM inbox i JOIN inbox_conversations k
        ON k.organization_id = i.organization_id AND k.conversation_id = i.conversation_id;

DROP TABLE inbox;
ALTER TABLE inbox_by_key RENAME TO inbox;

-- A user's list (their conversations in id order): marks rows only.
CREATE INDEX inbox_marks_by_user
    ON inbox (organization_id, username, conversation_id) WHERE unread = 0;
