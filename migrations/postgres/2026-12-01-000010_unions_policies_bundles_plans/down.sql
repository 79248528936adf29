DROP TABLE plan_lines;
DROP TABLE plans;
DROP TABLE bundle_lines;
DROP TABLE bundles;
DROP TABLE policies;
DROP INDEX organisations_parent;
ALTER TABLE organisations DROP COLUMN festival_standard_fen;
ALTER TABLE organisations DROP COLUMN contact_phone;
ALTER TABLE organisations DROP COLUMN contact_name;
ALTER TABLE organisations DROP COLUMN members;
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('office', 'city_union', 'county_union', 'grassroots_union'));
