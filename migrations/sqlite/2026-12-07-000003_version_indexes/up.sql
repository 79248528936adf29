-- A feed or list of changes narrowed to one county or category reads its newest changes from
-- these, instead of walking every change by date until it has found enough.
CREATE INDEX product_versions_county ON product_versions (county_code, valid_from);
CREATE INDEX product_versions_category ON product_versions (category, valid_from);
-- The newest notices first (the notice feeds and /notices), without sorting them all.
CREATE INDEX notices_issued ON notices (issued_at, id);
