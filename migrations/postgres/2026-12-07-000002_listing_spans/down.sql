DROP TABLE listing_spans;
