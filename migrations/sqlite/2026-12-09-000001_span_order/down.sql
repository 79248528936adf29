DROP INDEX listing_spans_county;
DROP INDEX listing_spans_category;
CREATE INDEX listing_spans_county ON listing_spans (county_code, listed_from, listed_to);
CREATE INDEX listing_spans_category ON listing_spans (category, listed_from, listed_to);
