-- Version 1: the directory (SPEC R1-R7): organizations, users, groups,
-- owned numbers and clients.
--
-- The columns a query selects or sorts by are typed (ids, usernames, numbers
-- as E.164 text); `record` holds the whole record in the core's serde JSON
-- form (the public JSON contract) and is what the store reads back (`json`,
-- not `jsonb`: kept verbatim, and any string serde can write is accepted).
-- Key columns use the "C" collation, byte order, the order of Rust's `str`,
-- whatever the database's locale. Every table is keyed by organization
-- (tenancy), except `numbers`: a number belongs to exactly one organization.
-- Tables are created in the store's schema (the search_path).

CREATE TABLE organizations (
    id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    record JSON NOT NULL
);

CREATE TABLE users (
    organization_id TEXT COLLATE "C" NOT NULL,
    username        TEXT COLLATE "C" NOT NULL,
    record          JSON NOT NULL,
    PRIMARY KEY (organization_id, username)
);

CREATE TABLE groups (
    organization_id TEXT COLLATE "C" NOT NULL,
    id              TEXT COLLATE "C" NOT NULL,
    record          JSON NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE TABLE numbers (
    number          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    organization_id TEXT COLLATE "C" NOT NULL,
    record          JSON NOT NULL
);

CREATE INDEX numbers_by_organization ON numbers (organization_id, number);

CREATE TABLE clients (
    organization_id TEXT COLLATE "C" NOT NULL,
    id              TEXT COLLATE "C" NOT NULL,
    cell_phone      TEXT COLLATE "C",
    record          JSON NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE INDEX clients_by_phone ON clients (organization_id, cell_phone, id);
