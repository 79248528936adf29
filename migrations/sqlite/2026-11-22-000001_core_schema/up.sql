-- The core of the catalogue. Kept in step with migrations/postgres (same names, portable types).
-- Times are UTC (TIMESTAMP); money is integer fen (BIGINT); enums are text.

CREATE TABLE cities (
    code TEXT PRIMARY KEY NOT NULL,          -- GB/T 2260, e.g. 610100
    name TEXT NOT NULL
);

CREATE TABLE counties (
    code TEXT PRIMARY KEY NOT NULL,          -- GB/T 2260, e.g. 610124
    name TEXT NOT NULL,
    city_code TEXT NOT NULL REFERENCES cities(code),
    former_poverty_county BOOLEAN NOT NULL DEFAULT FALSE,
    poverty_exit_year INTEGER
);
CREATE INDEX counties_city ON counties(city_code);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('office', 'city_union', 'county_union', 'grassroots_union')),
    city_code TEXT REFERENCES cities(code),
    county_code TEXT REFERENCES counties(code),
    parent_id INTEGER REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_kind ON organisations(kind);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,             -- argon2id PHC string
    active BOOLEAN NOT NULL DEFAULT TRUE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,        -- 统一社会信用代码, GB 32100-2015
    name TEXT NOT NULL,
    county_code TEXT NOT NULL REFERENCES counties(code),
    address TEXT,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX suppliers_county ON suppliers(county_code);

-- A product in the catalogue. Its catalogue code is given once and never reused.
CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    catalogue_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    supplier_id INTEGER NOT NULL REFERENCES suppliers(id),
    county_code TEXT NOT NULL REFERENCES counties(code),
    category TEXT NOT NULL,
    specification TEXT NOT NULL,
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen >= 0),
    annual_output_milli BIGINT NOT NULL CHECK (annual_output_milli >= 0),
    annual_output_unit TEXT NOT NULL,
    poor_people_supported INTEGER NOT NULL CHECK (poor_people_supported >= 0),  -- 带贫人数
    national_catalogue_no TEXT NOT NULL,     -- 《全国扶贫产品目录》认定编号
    gtin TEXT,
    poverty_region_kind TEXT NOT NULL CHECK (poverty_region_kind IN ('poverty_county', 'poverty_village', 'designated_site', 'paired_region')),
    poverty_region_note TEXT,                -- the village, assistance site or pairing
    description TEXT NOT NULL DEFAULT '',
    listing_status TEXT NOT NULL CHECK (listing_status IN ('listed', 'suspended', 'delisted', 'withdrawn')),
    status_changed_at TIMESTAMP NOT NULL,
    listed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX products_county ON products(county_code);
CREATE INDEX products_supplier ON products(supplier_id);
CREATE INDEX products_status ON products(listing_status);
CREATE INDEX products_category ON products(category);
CREATE INDEX products_gtin ON products(gtin);

CREATE TABLE product_certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL,                      -- SC 生产许可、绿色食品、有机产品、地理标志 …
    number TEXT NOT NULL,
    valid_until DATE
);
CREATE INDEX product_certificates_product ON product_certificates(product_id);

-- The last serial number given per county, so that catalogue codes are never reused.
CREATE TABLE catalogue_serials (
    county_code TEXT PRIMARY KEY NOT NULL REFERENCES counties(code),
    last_serial INTEGER NOT NULL
);

-- Every state change of anything that has a state: who, when, what, why. Append-only.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entity_kind TEXT NOT NULL,               -- product, nomination, supplier, user, incident …
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    actor_user_id INTEGER REFERENCES users(id),
    actor_label TEXT NOT NULL,               -- the user's name then, or 'system' / 'cli'
    reason TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX events_entity ON events(entity_kind, entity_id);
CREATE INDEX events_occurred ON events(occurred_at);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
