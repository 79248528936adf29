-- A session belongs to one version of its account: signing out, a password change or reset and
-- disabling the account move the version on, which ends every session issued before, on every
-- server. Kept in step with the other backend's folder (same names, portable types).
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1;

-- Sign-in attempts per account and per client address, shared by every server on the database.
-- Each attempt is reserved here before its password is checked.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY NOT NULL,           -- account:{username} or address:{ip}
    attempts INTEGER NOT NULL,
    next_allowed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
