-- Managed clusters: what shape each file was (a CloudWatch page, an Event
-- Hub message), the clusters an incident's signals come from, and the
-- files of an import Kordon could not read, kept as attachments.

-- "EKS CloudWatch Logs, filter-log-events, 3 pages, 2,841 audit events";
-- NULL for files whose format says it all.
ALTER TABLE sources ADD COLUMN shape TEXT;

-- The clusters the incident's signals name (JSON array of names, sorted);
-- recomputed by correlation like the other columns it owns.
ALTER TABLE incidents ADD COLUMN clusters TEXT NOT NULL DEFAULT '[]';

-- A file of a folder or zip that is not a format Kordon reads (a README, a
-- screenshot, a PDF) is a `sources` row of format 'attachment' (its name,
-- size and SHA-256, recorded in its import's activity-log entry like every
-- file) and, up to a size cap, its bytes here, so that `kordon verify` can
-- hash them again.
CREATE TABLE attachment_content (
    source_id    INTEGER PRIMARY KEY REFERENCES sources(id),
    content      BLOB NOT NULL
);
