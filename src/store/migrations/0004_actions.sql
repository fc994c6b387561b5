-- Cluster actions (containment): what Kordon did, or tried to do, to a live
-- cluster on an investigator's behalf. A row is written before anything is
-- sent to the cluster (state 'applying'), so a crash or a dropped connection
-- leaves a record to reconcile rather than nothing. Credentials never appear
-- here: only the context's name, the server's address and the caller's
-- identity as the cluster reported it.

CREATE TABLE actions (
    id           TEXT PRIMARY KEY,          -- act-<12 hex>
    incident_id  INTEGER REFERENCES incidents(id),
    kind         TEXT NOT NULL,             -- isolate | terminate
    state        TEXT NOT NULL,             -- applying | applied | failed | rolled-back | unknown | released | dry-run
    created_ns   INTEGER NOT NULL,
    updated_ns   INTEGER NOT NULL,
    actor        TEXT NOT NULL,             -- the investigator
    cluster_user TEXT,                      -- the caller as SelfSubjectReview named it
    context      TEXT NOT NULL,
    server       TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    pod          TEXT NOT NULL,
    pod_uid      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    details      TEXT NOT NULL              -- JSON: preview, dry-run answer, created objects and their UIDs, result, error
);
CREATE INDEX actions_incident ON actions(incident_id);

-- Evidence captured from the cluster before a destructive action (the pod
-- object, its events, container logs, its owners), hashed like imports: the
-- SHA-256 of each capture is also in the activity log's chain.
CREATE TABLE captures (
    id           INTEGER PRIMARY KEY,
    action_id    TEXT NOT NULL REFERENCES actions(id),
    name         TEXT NOT NULL,             -- pod.json, events.json, logs/<container>.log, logs/<container>.previous.log, owners.json
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content      BLOB NOT NULL
);
