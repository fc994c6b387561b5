-- The case: what was imported, the normalized events with their raw records,
-- the entities they name, and what could not be parsed.

CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    started_ns   INTEGER NOT NULL,
    finished_ns  INTEGER,
    kordon       TEXT NOT NULL,      -- version that imported
    summary      TEXT                -- JSON summary shown to the user
);

CREATE TABLE bundles (
    id           INTEGER PRIMARY KEY,
    import_id    INTEGER NOT NULL REFERENCES imports(id),
    name         TEXT NOT NULL,      -- file name as given
    sha256       TEXT NOT NULL,      -- of the zip itself
    manifest     TEXT NOT NULL       -- manifest.json, verbatim
);

CREATE TABLE sources (
    id           INTEGER PRIMARY KEY,
    import_id    INTEGER NOT NULL REFERENCES imports(id),
    bundle_id    INTEGER REFERENCES bundles(id),
    name         TEXT NOT NULL,      -- the path given, or the archive's name
    inner_path   TEXT,               -- path inside the archive
    format       TEXT NOT NULL,
    compression  TEXT,               -- 'gzip' when inflated on import
    size         INTEGER NOT NULL,   -- bytes as stored (before inflating)
    sha256       TEXT NOT NULL UNIQUE,
    imported_ns  INTEGER NOT NULL,
    records      INTEGER NOT NULL DEFAULT 0,
    events       INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0
);

-- zstd dictionaries, one per imported file that is large enough to train
-- one: raw records are stored compressed with their file's dictionary
-- (losslessly; `kordon events --raw` gives the exact bytes back).
CREATE TABLE raw_dicts (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    dict         BLOB NOT NULL
);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    key          INTEGER NOT NULL UNIQUE, -- stable id: hash of source and dedup key or raw bytes
    source_id    INTEGER NOT NULL REFERENCES sources(id),
    line         INTEGER,            -- 1-based line of the primary record, when line-framed
    offset       INTEGER NOT NULL,   -- byte offset of the primary record in the (inflated) file
    time_ns      INTEGER,
    source       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    severity     INTEGER NOT NULL,   -- 0 info .. 4 critical
    rule         TEXT,
    title        TEXT NOT NULL,
    message      TEXT NOT NULL,
    tactics      TEXT NOT NULL,      -- space-separated ATT&CK tactic ids
    techniques   TEXT NOT NULL,
    fields       TEXT NOT NULL,      -- JSON object
    rank         INTEGER NOT NULL,
    entity_refs  TEXT NOT NULL,      -- JSON [[entity id, role], …], sorted
    raw_hash     INTEGER NOT NULL,   -- first 8 bytes of SHA-256(raw): orders records without reading them
    raw_dict     INTEGER REFERENCES raw_dicts(id), -- NULL: `raw` is stored as is
    raw          BLOB NOT NULL       -- the primary raw record, byte-exact (zstd with raw_dict)
);
CREATE INDEX events_time ON events(time_ns);
-- Alerts are few and read often (correlation, the queue); telemetry is
-- reached through time, entities or text.
CREATE INDEX events_alerts_time ON events(time_ns) WHERE kind = 'alert';

-- Further raw records of an event (the audit log writes one line per stage).
CREATE TABLE event_records (
    event_id     INTEGER NOT NULL REFERENCES events(id),
    source_id    INTEGER NOT NULL REFERENCES sources(id),
    line         INTEGER,
    offset       INTEGER NOT NULL,
    raw_dict     INTEGER REFERENCES raw_dicts(id),
    raw          BLOB NOT NULL
);
CREATE INDEX event_records_event ON event_records(event_id);

CREATE TABLE entities (
    id           INTEGER PRIMARY KEY, -- stable: hash of kind and key
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL,
    first_ns     INTEGER,
    last_ns      INTEGER,
    UNIQUE (kind, key)
);

-- One value per attribute; the most recently observed wins, ties broken by
-- value so that import order never matters.
CREATE TABLE entity_attrs (
    entity_id    INTEGER NOT NULL REFERENCES entities(id),
    name         TEXT NOT NULL,
    value        TEXT NOT NULL,      -- JSON
    seen_ns      INTEGER NOT NULL,
    PRIMARY KEY (entity_id, name)
) WITHOUT ROWID;

-- Which events name an entity, keyed for "everything about this pod". The
-- other direction is the event's own `entity_refs`, so each link costs one
-- B-tree insert, not two.
CREATE TABLE event_entities (
    entity_id    INTEGER NOT NULL REFERENCES entities(id),
    event_id     INTEGER NOT NULL REFERENCES events(id),
    role         TEXT NOT NULL,
    PRIMARY KEY (entity_id, event_id, role)
) WITHOUT ROWID;

CREATE TABLE parse_errors (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id),
    line         INTEGER,
    offset       INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    raw          BLOB NOT NULL       -- the record verbatim (capped records are refused, not truncated)
);
CREATE INDEX parse_errors_source ON parse_errors(source_id, offset);

-- What investigators search: titles, messages, command lines, names.
CREATE VIRTUAL TABLE events_fts USING fts5(
    title, message, search,
    content = '', contentless_delete = 1
);

-- Append-only log of every change, by a person or by Kordon. Each row's
-- hash covers the previous row's hash and its own content.
CREATE TABLE activity (
    id           INTEGER PRIMARY KEY,
    at_ns        INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    details      TEXT NOT NULL,      -- JSON
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
