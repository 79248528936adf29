-- Notices (公告): one for each suspension, delisting and lot recall, with the fields of the market
-- regulators' sampling notices. A correction is a notice of its own that names the one it corrects.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    -- The version the change opened (versions may be rebuilt, so no foreign key).
    version_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    lot_code TEXT,
    produced_on DATE,
    failed_item TEXT NOT NULL,
    result TEXT NOT NULL,
    limit_value TEXT NOT NULL,
    testing_body TEXT NOT NULL,
    source TEXT NOT NULL,
    source_notice_no TEXT NOT NULL,
    reason TEXT NOT NULL,
    corrects_id INTEGER REFERENCES notices(id),
    correction_note TEXT NOT NULL
);
CREATE INDEX notices_product ON notices (product_id, issued_at);
CREATE INDEX notices_version ON notices (version_id);
