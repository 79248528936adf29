-- Grassroots unions and the other reporting unions (省级产业工会, 单列单位工会); spending policies
-- (额度政策); festival bundles (礼包); unions' purchase plans (采购计划). Kept in step with
-- migrations/postgres (same names, portable types). Money is integer fen.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE organisations_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('office', 'city_union', 'county_union', 'grassroots_union', 'industry_union', 'standalone_union')),
    city_code TEXT REFERENCES cities(code),
    county_code TEXT REFERENCES counties(code),
    parent_id INTEGER REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    members INTEGER CHECK (members IS NULL OR members >= 0),                  -- 职工数
    contact_name TEXT,
    contact_phone TEXT,
    festival_standard_fen BIGINT CHECK (festival_standard_fen IS NULL OR festival_standard_fen >= 0)  -- 年度个人发放节日慰问品标准
);
INSERT INTO organisations_new (id, name, kind, city_code, county_code, parent_id, created_at)
    SELECT id, name, kind, city_code, county_code, parent_id, created_at FROM organisations;
DROP TABLE organisations;
ALTER TABLE organisations_new RENAME TO organisations;
CREATE INDEX organisations_kind ON organisations(kind);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    document_no TEXT NOT NULL DEFAULT '',
    cap_fen BIGINT CHECK (cap_fen IS NULL OR cap_fen >= 0),       -- NULL: each union's own festival standard
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    on_top_of_festival BOOLEAN NOT NULL,
    region_kinds TEXT NOT NULL DEFAULT '',                         -- poverty-region kinds, comma-separated; empty: any
    province_only BOOLEAN NOT NULL,
    channels TEXT NOT NULL DEFAULT '',                             -- channels, comma-separated
    gift_form TEXT NOT NULL CHECK (gift_form IN ('in_kind', 'voucher', 'either')),
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (valid_from <= valid_to)
);

CREATE TABLE bundles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    festival TEXT NOT NULL,
    year INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    published_at TIMESTAMP,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bundles_status ON bundles(status);

CREATE TABLE bundle_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    bundle_id INTEGER NOT NULL REFERENCES bundles(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity_per_person INTEGER NOT NULL CHECK (quantity_per_person > 0),
    published_price_fen BIGINT,                                    -- the catalogue's price when published
    position INTEGER NOT NULL,
    UNIQUE (bundle_id, product_id)
);
CREATE INDEX bundle_lines_product ON bundle_lines(product_id);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    bundle_id INTEGER REFERENCES bundles(id),
    name TEXT NOT NULL,
    festival TEXT NOT NULL,
    year INTEGER NOT NULL,
    headcount INTEGER NOT NULL CHECK (headcount > 0),
    status TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'cancelled')),
    per_person_fen BIGINT,                                         -- committed at confirmation
    total_fen BIGINT,
    confirmed_at TIMESTAMP,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plans_organisation ON plans(organisation_id, policy_id);
CREATE INDEX plans_bundle ON plans(bundle_id);

CREATE TABLE plan_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity_per_person INTEGER NOT NULL CHECK (quantity_per_person > 0),
    unit_price_fen BIGINT NOT NULL,                                -- the catalogue's price when added, fixed at confirmation
    position INTEGER NOT NULL,
    UNIQUE (plan_id, product_id)
);
CREATE INDEX plan_lines_product ON plan_lines(product_id);

COMMIT;
PRAGMA foreign_keys = ON;
