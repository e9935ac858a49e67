-- Delivery states by provider message id (SPEC X2, V10) and mass alerts
-- with the progress of each recipient (SPEC B7-B9).
--
-- `deliveries` is keyed by the provider's message id alone: status
-- callbacks name only the message; the owning organization is kept so
-- another organization cannot overwrite it.
--
-- `broadcasts` keeps creation order in its rowid (the activity list is
-- oldest first). `broadcast_recipients` has one row per recipient; the
-- claim (B9) searches by `state`, `worker` and `due`: the instant a pending
-- recipient may be sent (NULL: now) or a sending recipient's lease ends,
-- as fixed-width text that sorts in time order to the nanosecond.

CREATE TABLE deliveries (
    provider_id     TEXT NOT NULL PRIMARY KEY,
    organization_id TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record))
) STRICT, WITHOUT ROWID;

CREATE TABLE broadcasts (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    UNIQUE (organization_id, id)
) STRICT;

CREATE INDEX broadcasts_by_organization ON broadcasts (organization_id, seq);

CREATE TABLE broadcast_recipients (
    organization_id TEXT NOT NULL,
    broadcast_id    TEXT NOT NULL,
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    worker          TEXT,
    due             TEXT,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, broadcast_id, idx),
    FOREIGN KEY (organization_id, broadcast_id) REFERENCES broadcasts (organization_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX broadcast_recipients_by_state
    ON broadcast_recipients (organization_id, broadcast_id, state, idx);
CREATE INDEX broadcast_recipients_by_due
    ON broadcast_recipients (organization_id, broadcast_id, state, due);
