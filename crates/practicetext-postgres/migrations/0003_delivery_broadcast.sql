-- Delivery states by provider message id and mass alerts with the progress
-- of each recipient (see the SQLite store's migration of the same number).
--
-- `deliveries` is keyed by the provider's message id alone: status
-- callbacks name only the message; the owning organization is kept so
-- another organization cannot overwrite it.
--
-- `broadcasts.seq` keeps creation order (the activity list is oldest
-- first). `broadcast_recipients` has one row per recipient; the claim
-- searches by `state`, `worker` and `due`: the instant a pending recipient
-- may be sent (NULL: now) or a sending recipient's lease ends, as
-- fixed-width text that sorts (in the "C" collation) in time order to the
-- nanosecond. Claims lock the chosen row with FOR UPDATE SKIP LOCKED.

CREATE TABLE deliveries (
    provider_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL,
    record          JSON NOT NULL
);

CREATE TABLE broadcasts (
    organization_id TEXT COLLATE "C" NOT NULL,
    id              TEXT COLLATE "C" NOT NULL,
    seq             BIGINT GENERATED ALWAYS AS IDENTITY,
    record          JSON NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE INDEX broadcasts_by_organization ON broadcasts (organization_id, seq);

CREATE TABLE broadcast_recipients (
    organization_id TEXT COLLATE "C" NOT NULL,
    broadcast_id    TEXT COLLATE "C" NOT NULL,
    idx             BIGINT NOT NULL CHECK (idx >= 0),
    state           TEXT COLLATE "C" NOT NULL
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    worker          TEXT COLLATE "C",
    due             TEXT COLLATE "C",
    record          JSON NOT NULL,
    PRIMARY KEY (organization_id, broadcast_id, idx),
    FOREIGN KEY (organization_id, broadcast_id) REFERENCES broadcasts (organization_id, id)
);

CREATE INDEX broadcast_recipients_by_state
    ON broadcast_recipients (organization_id, broadcast_id, state, idx);
CREATE INDEX broadcast_recipients_by_due
    ON broadcast_recipients (organization_id, broadcast_id, state, due);
