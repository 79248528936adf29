-- Uploaded photos, thumbnails and PDFs, by the name their content hash gives them
-- ('ab/abcd….jpg'). The database is their source of truth; each server keeps a disk cache.
CREATE TABLE media_files (
    name TEXT PRIMARY KEY NOT NULL,
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- How far each server has applied the change log, so that what all have applied can be pruned.
CREATE TABLE search_log_servers (
    server_id TEXT PRIMARY KEY NOT NULL,
    applied_change INTEGER NOT NULL,
    seen_at TIMESTAMP NOT NULL
);

-- The newest change pruned from the log: a server whose index is older rebuilds it.
CREATE TABLE search_log_pruned (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    through_change INTEGER NOT NULL,
    pruned_at TIMESTAMP NOT NULL
);

CREATE INDEX search_changes_changed_at ON search_changes (changed_at);
