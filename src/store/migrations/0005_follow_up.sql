-- The follow-up checklist of an incident's recommended response: which
-- items an investigator ticked off, by whom and when. The items themselves
-- are computed (data/response.yaml, data/hardening.yaml); only the ticks
-- are decisions, so only they are stored.

CREATE TABLE follow_up_ticks (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    item         TEXT NOT NULL,      -- `rotate-credentials`, `hardening:token-automounted` …
    done         INTEGER NOT NULL,   -- 1 ticked, 0 unticked again
    at_ns        INTEGER NOT NULL,
    author       TEXT NOT NULL,
    PRIMARY KEY (incident_id, item)
) WITHOUT ROWID;
