-- The periods a product was listed, derived from its versions (one row per continuous listed
-- period, where versions are one per change): the catalogue on a date counts and pages these,
-- a tenth of the rows, and fetches only the page's versions.
CREATE TABLE listing_spans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    listed_from TIMESTAMP NOT NULL,
    listed_to TIMESTAMP,
    catalogue_code TEXT NOT NULL,
    county_code TEXT NOT NULL,
    category TEXT NOT NULL
);
CREATE INDEX listing_spans_code ON listing_spans (catalogue_code, listed_from);
CREATE INDEX listing_spans_product ON listing_spans (product_id, listed_to);
CREATE INDEX listing_spans_span ON listing_spans (listed_from, listed_to);
CREATE INDEX listing_spans_county ON listing_spans (county_code, listed_from, listed_to);
CREATE INDEX listing_spans_category ON listing_spans (category, listed_from, listed_to);
