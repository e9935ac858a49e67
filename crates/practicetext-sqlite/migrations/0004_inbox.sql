-- Version 4: the inbox (SPEC V5, V6) in one table keyed by conversation
-- first. Version 2 kept marks per user (`inbox_marks`, keyed by user) and
-- unread messages (`inbox_unread`, with a second index by message): an
-- inbound text for a group of n members changed 2n rows in two tables
-- and three indexes, mostly on different pages. Here the rows of one
-- conversation sit together, so delivering a text to every member of a
-- route is one statement that changes one or two pages.
--
-- Per organization, conversation and user: one marks row (`unread = 0`,
-- `message_id = ''`: last activity and mute), and one row per unread
-- message (`unread = 1`, its id; `last_activity` NULL, `muted` 0).
-- The marks row sorts before the user's unread rows.

CREATE TABLE inbox (
    organization_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    username        TEXT NOT NULL,
    unread          INTEGER NOT NULL CHECK (unread IN (0, 1)),
    message_id      TEXT NOT NULL CHECK (unread = 1 OR message_id = ''),
    last_activity   INTEGER CHECK (unread = 0 OR last_activity IS NULL),
    muted           INTEGER NOT NULL CHECK (muted IN (0, 1) AND (unread = 0 OR muted = 0)),
    PRIMARY KEY (organization_id, conversation_id, username, unread, message_id)
) STRICT, WITHOUT ROWID;

-- A user's list (their conversations in id order): marks rows only.
CREATE INDEX inbox_marks_by_user
    ON inbox (organization_id, username, conversation_id) WHERE unread = 0;

INSERT INTO inbox
    SELECT organization_id, conversation_id, username, 0, '', last_activity, muted
    FROM inbox_marks;
INSERT INTO inbox
    SELECT organization_id, conversation_id, username, 1, message_id, NULL, 0
    FROM inbox_unread;

DROP TABLE inbox_unread;
DROP TABLE inbox_marks;
