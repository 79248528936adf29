ALTER TABLE trace_media DROP COLUMN removed_reason;
ALTER TABLE trace_media DROP COLUMN removed_at;

ALTER TABLE trace_steps DROP COLUMN removed_reason;
ALTER TABLE trace_steps DROP COLUMN removed_at;
ALTER TABLE trace_steps DROP COLUMN version;

ALTER TABLE product_batches DROP COLUMN result_was;
ALTER TABLE product_batches DROP COLUMN result_corrected_at;
ALTER TABLE product_batches DROP COLUMN removed_reason;
ALTER TABLE product_batches DROP COLUMN removed_at;
ALTER TABLE product_batches DROP COLUMN version;

ALTER TABLE production_sites DROP COLUMN removed_reason;
ALTER TABLE production_sites DROP COLUMN removed_at;
ALTER TABLE production_sites DROP COLUMN version;
