-- Corrections with history (issue 11): a site, batch, step or photo/report may be corrected or
-- removed, with a reason, by whoever may add it. A removal keeps the row (`removed_at`, with
-- its reason) and hides it from the scan page; `version` moves on every correction, so a form
-- rendered before someone else's change is refused instead of overwriting it. The batch keeps
-- when its inspection result was last corrected and what it was before, for the scan page.
-- Who, when and why are in `events`. Kept in step with the other backend's folder.
ALTER TABLE production_sites ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_sites ADD COLUMN removed_at TIMESTAMP;
ALTER TABLE production_sites ADD COLUMN removed_reason TEXT;

ALTER TABLE product_batches ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE product_batches ADD COLUMN removed_at TIMESTAMP;
ALTER TABLE product_batches ADD COLUMN removed_reason TEXT;
ALTER TABLE product_batches ADD COLUMN result_corrected_at TIMESTAMP;
ALTER TABLE product_batches ADD COLUMN result_was TEXT;

ALTER TABLE trace_steps ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trace_steps ADD COLUMN removed_at TIMESTAMP;
ALTER TABLE trace_steps ADD COLUMN removed_reason TEXT;

ALTER TABLE trace_media ADD COLUMN removed_at TIMESTAMP;
ALTER TABLE trace_media ADD COLUMN removed_reason TEXT;
