-- Triage: what investigators decide about an incident. Correlation never
-- writes these; any change here locks the incident (its id and signals stay).

ALTER TABLE incidents ADD COLUMN classification TEXT;   -- data/triage.yaml ids
ALTER TABLE incidents ADD COLUMN determination TEXT;
ALTER TABLE incidents ADD COLUMN owner TEXT;            -- a person or a group, free text
ALTER TABLE incidents ADD COLUMN severity_override INTEGER; -- 0 info .. 4 critical; NULL: as computed

CREATE TABLE incident_tags (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    tag          TEXT NOT NULL,
    PRIMARY KEY (incident_id, tag)
) WITHOUT ROWID;

-- Comments are Markdown, stored as written; front ends render them safely.
CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    at_ns        INTEGER NOT NULL,
    author       TEXT NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX comments_incident ON comments(incident_id, id);

CREATE TABLE entity_verdicts (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    entity_id    INTEGER NOT NULL REFERENCES entities(id),
    verdict      TEXT NOT NULL,
    at_ns        INTEGER NOT NULL,
    author       TEXT NOT NULL,
    PRIMARY KEY (incident_id, entity_id)
) WITHOUT ROWID;
