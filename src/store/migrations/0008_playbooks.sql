-- Response playbooks (src/playbook/): the file a team wrote, stored
-- byte-exact with its SHA-256 each time it is loaded. The newest row is the
-- case's playbook; older rows stay, so that an action recorded under an
-- earlier playbook can still be read against the rules it was taken under.
CREATE TABLE playbooks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,     -- the playbook's own `name`
    file_name   TEXT NOT NULL,     -- the file it was loaded from, without its folder
    sha256      TEXT NOT NULL,     -- of `content`
    content     BLOB NOT NULL,     -- the file's bytes
    loaded_ns   INTEGER NOT NULL,
    author      TEXT NOT NULL
);
