DROP TABLE login_throttle;
ALTER TABLE users DROP COLUMN session_version;
