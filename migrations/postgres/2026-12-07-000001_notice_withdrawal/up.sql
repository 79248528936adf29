-- A notice issued in error is withdrawn (撤回), with the reason: it stays readable, marked, and its
-- feed entry becomes a tombstone.
ALTER TABLE notices ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE notices ADD COLUMN withdrawal_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX notices_withdrawn ON notices (withdrawn_at);
