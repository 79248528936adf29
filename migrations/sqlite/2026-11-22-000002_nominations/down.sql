DROP TABLE quality_incidents;
DROP TABLE nomination_rows;
DROP TABLE nomination_batches;
DROP TABLE app_secrets;
