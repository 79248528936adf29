-- Nominations (《贫困县重点扶贫产品供应商推荐名录》), their review, quality incidents, and the
-- application's own secrets (the session key, shared by every server on one database).

CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE nomination_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    county_code TEXT NOT NULL REFERENCES counties(code),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'forwarded', 'returned')),
    source TEXT NOT NULL,                    -- online, upload, cli
    source_filename TEXT,
    recommending_unit TEXT,                  -- 推荐单位（盖章）
    filled_by TEXT,                          -- 填报人
    filled_by_phone TEXT,                    -- 联系方式
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX nomination_batches_county ON nomination_batches(county_code);
CREATE INDEX nomination_batches_status ON nomination_batches(status);

CREATE TABLE nomination_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES nomination_batches(id),
    row_no INTEGER NOT NULL,                 -- 序号
    supplier_name TEXT NOT NULL,
    credit_code TEXT,
    product_name TEXT NOT NULL,
    annual_output_milli BIGINT,
    annual_output_unit TEXT,
    poor_people_supported INTEGER,
    contact_name TEXT NOT NULL,
    contact_phone TEXT,
    category TEXT,
    specification TEXT,
    unit_price_fen BIGINT,
    national_catalogue_no TEXT,
    gtin TEXT,
    certificates TEXT,
    poverty_region_kind TEXT,
    poverty_region_note TEXT,
    review_status TEXT NOT NULL CHECK (review_status IN ('draft', 'pending', 'approved', 'returned', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    product_id INTEGER REFERENCES products(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX nomination_rows_batch ON nomination_rows(batch_id);
CREATE INDEX nomination_rows_status ON nomination_rows(review_status);

CREATE TABLE quality_incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    lot_code TEXT,
    occurred_on DATE NOT NULL,
    source TEXT NOT NULL,                    -- 市场监管抽检通报、投诉 …
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'verified_serious', 'dismissed')),
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP
);
CREATE INDEX quality_incidents_product ON quality_incidents(product_id);
