-- Version 1: the directory (SPEC R1-R7): organizations, users, groups,
-- owned numbers and clients.
--
-- The columns a query selects or sorts by are typed (ids, usernames, numbers
-- as E.164 text); `record` holds the whole record in the core's serde JSON
-- form (the public JSON contract) and is what the store reads back. Text
-- compares with SQLite's default BINARY collation: byte order, the order of
-- Rust's `str`. Every table is keyed by organization (tenancy), except
-- `numbers`: a number belongs to exactly one organization.

CREATE TABLE organizations (
    id     TEXT NOT NULL PRIMARY KEY,
    record TEXT NOT NULL CHECK (json_valid(record))
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    organization_id TEXT NOT NULL,
    username        TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, username)
) STRICT, WITHOUT ROWID;

CREATE TABLE groups (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE numbers (
    number          TEXT NOT NULL PRIMARY KEY,
    organization_id TEXT NOT NULL,
    record          TEXT NOT NULL CHECK (json_valid(record))
) STRICT, WITHOUT ROWID;

CREATE INDEX numbers_by_organization ON numbers (organization_id, number);

CREATE TABLE clients (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    cell_phone      TEXT,
    record          TEXT NOT NULL CHECK (json_valid(record)),
    PRIMARY KEY (organization_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX clients_by_phone ON clients (organization_id, cell_phone, id);
