DROP INDEX notices_withdrawn;
ALTER TABLE notices DROP COLUMN withdrawal_reason;
ALTER TABLE notices DROP COLUMN withdrawn_at;
