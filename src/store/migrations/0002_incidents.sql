-- Incidents: signals (alerts, whoever raised them) that correlation joined
-- because they share a pod, a container, a non-system identity or an
-- external address within a window.
--
-- Everything in `incidents` except `locked` is recomputed by each
-- correlation run from the signals; what investigators set (triage) lives in
-- columns and tables later migrations add, which correlation never writes.

CREATE TABLE incidents (
    id           INTEGER PRIMARY KEY, -- stable: from the incident's first signal (see incident::correlate)
    created_ns   INTEGER NOT NULL,
    updated_ns   INTEGER NOT NULL,
    -- 1 once a person has acted on the incident: its id is then kept even
    -- when an earlier signal joins it later.
    locked       INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'new', -- triage: new, in-progress, resolved (set by people only)
    title        TEXT NOT NULL,
    severity     INTEGER NOT NULL,   -- 0 info .. 4 critical, as events
    severity_why TEXT NOT NULL,      -- how the severity was reached
    first_ns     INTEGER,
    last_ns      INTEGER,
    tactics      TEXT NOT NULL,      -- space-separated ATT&CK tactic ids, kill-chain order
    techniques   TEXT NOT NULL,
    ms_matrix    TEXT NOT NULL,
    signals      INTEGER NOT NULL,   -- number of signals
    key_entities TEXT NOT NULL       -- JSON [[kind, key], …], most telling first
);
CREATE INDEX incidents_first ON incidents(first_ns);

-- Which incident each signal belongs to, and why it joined.
CREATE TABLE incident_signals (
    event_id     INTEGER PRIMARY KEY REFERENCES events(id),
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    via_entity   INTEGER REFERENCES entities(id), -- the entity it shares; NULL for the first signal
    via_event    INTEGER REFERENCES events(id),   -- the signal it shares it with
    -- 1: a person placed the signal here (moved or split it); correlation
    -- leaves it where it is and does not join through it.
    pinned       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incident_signals_incident ON incident_signals(incident_id);

-- Snapshot objects are few and read by kind (cluster ranges, owner chains):
-- reach them without scanning every event.
CREATE INDEX events_objects ON events(rule) WHERE kind = 'object';
