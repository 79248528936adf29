-- The catalogue's history: each change to a product (listed, suspended, reinstated, delisted,
-- withdrawn, a lot recalled, details changed) opens a version, written in the same transaction as
-- the change. The catalogue on any date is the versions in force at the end of that day.
CREATE TABLE product_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    recorded_at TIMESTAMP NOT NULL,
    change_kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    lot_code TEXT,
    listing_status TEXT NOT NULL,
    catalogue_code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    specification TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    county_code TEXT NOT NULL,
    supplier_name TEXT NOT NULL
);
CREATE INDEX product_versions_product ON product_versions (product_id, valid_from);
CREATE INDEX product_versions_span ON product_versions (valid_from, valid_to);
CREATE INDEX product_versions_status ON product_versions (listing_status, valid_from);
