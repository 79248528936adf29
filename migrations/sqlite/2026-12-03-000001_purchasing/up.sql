-- Purchasing (issue 13): seller accounts (供应商/销售商), purchase orders from confirmed plans,
-- shipments that name their lots, purchase records (采购记录), and recalls by lot. Kept in step
-- with migrations/postgres (same names, portable types). Money is integer fen.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE organisations_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('office', 'city_union', 'county_union', 'grassroots_union', 'industry_union', 'standalone_union', 'seller')),
    city_code TEXT REFERENCES cities(code),
    county_code TEXT REFERENCES counties(code),
    parent_id INTEGER REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL,
    members INTEGER CHECK (members IS NULL OR members >= 0),
    contact_name TEXT,
    contact_phone TEXT,
    festival_standard_fen BIGINT CHECK (festival_standard_fen IS NULL OR festival_standard_fen >= 0),
    supplier_id INTEGER REFERENCES suppliers(id)                  -- a seller that is a catalogue supplier
);
INSERT INTO organisations_new (id, name, kind, city_code, county_code, parent_id, created_at, members, contact_name, contact_phone, festival_standard_fen)
    SELECT id, name, kind, city_code, county_code, parent_id, created_at, members, contact_name, contact_phone, festival_standard_fen FROM organisations;
DROP TABLE organisations;
ALTER TABLE organisations_new RENAME TO organisations;
CREATE INDEX organisations_kind ON organisations(kind);
CREATE INDEX organisations_parent ON organisations(parent_id);
CREATE INDEX organisations_supplier ON organisations(supplier_id);

-- The products a distributor sells, as the office links them. A seller that belongs to a
-- supplier sells that supplier's products without links.
CREATE TABLE seller_products (
    seller_id INTEGER NOT NULL REFERENCES organisations(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (seller_id, product_id)
);
CREATE INDEX seller_products_product ON seller_products(product_id);

-- A purchase order (订单): one seller's part of a union's confirmed plan.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),   -- the grassroots union
    seller_id INTEGER NOT NULL REFERENCES organisations(id),
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    headcount INTEGER NOT NULL CHECK (headcount > 0),
    total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
    delivery_address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('placed', 'accepted', 'declined', 'shipped', 'received', 'closed', 'cancelled', 'stopped')),
    placed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_organisation ON orders(organisation_id, status);
-- A union's latest orders, and a seller's, without scanning every order by id.
CREATE INDEX orders_organisation_latest ON orders(organisation_id, id);
CREATE INDEX orders_seller_latest ON orders(seller_id, id);
CREATE INDEX orders_seller ON orders(seller_id, status);
CREATE INDEX orders_plan ON orders(plan_id);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),                -- per person × headcount
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen >= 0),
    received_quantity INTEGER CHECK (received_quantity IS NULL OR received_quantity >= 0),
    position INTEGER NOT NULL,
    UNIQUE (order_id, product_id)
);
CREATE INDEX order_lines_product ON order_lines(product_id);

-- What the seller shipped of each line, by lot: so a recall reaches whoever received the lot.
-- The order, its union and headcount are copied in (they never change once the order is
-- placed), so how far a lot went is counted from one index.
CREATE TABLE shipment_lots (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
    batch_id INTEGER NOT NULL REFERENCES product_batches(id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    order_id INTEGER NOT NULL REFERENCES orders(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    headcount INTEGER NOT NULL CHECK (headcount > 0),
    UNIQUE (order_line_id, batch_id)
);
CREATE INDEX shipment_lots_batch ON shipment_lots(batch_id, organisation_id, quantity, headcount, order_id);
CREATE INDEX shipment_lots_order ON shipment_lots(order_id);

-- 采购记录: received orders and purchases made elsewhere, one table for the statistics.
CREATE TABLE purchases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    policy_id INTEGER NOT NULL REFERENCES policies(id),
    order_id INTEGER UNIQUE REFERENCES orders(id),                 -- NULL: recorded by hand
    purchased_on DATE NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('platform_832', 'union_mall', 'counter', 'seller', 'other')),
    channel_name TEXT NOT NULL DEFAULT '',                         -- the other channel's name
    seller_id INTEGER REFERENCES organisations(id),
    seller_name TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    people INTEGER NOT NULL CHECK (people > 0),
    note TEXT NOT NULL DEFAULT '',
    evidence_path TEXT,                                            -- invoice or delivery note, in the media directory
    evidence_kind TEXT CHECK (evidence_kind IS NULL OR evidence_kind IN ('photo', 'pdf')),
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX purchases_organisation ON purchases(organisation_id, policy_id);
CREATE INDEX purchases_date ON purchases(purchased_on);

CREATE TABLE purchase_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    purchase_id INTEGER NOT NULL REFERENCES purchases(id),
    product_id INTEGER REFERENCES products(id),                    -- NULL: not in the catalogue
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0)
);
CREATE INDEX purchase_lines_purchase ON purchase_lines(purchase_id);
CREATE INDEX purchase_lines_product ON purchase_lines(product_id);

-- A recalled lot, with the inspection behind it (市场监管 sampling notice fields).
CREATE TABLE lot_recalls (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    batch_id INTEGER NOT NULL UNIQUE REFERENCES product_batches(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    reason TEXT NOT NULL,
    notice_no TEXT NOT NULL,
    failed_item TEXT NOT NULL,
    result TEXT NOT NULL,
    limit_value TEXT NOT NULL,
    testing_body TEXT NOT NULL,
    recalled_at TIMESTAMP NOT NULL,
    recalled_by INTEGER REFERENCES users(id)
);
CREATE INDEX lot_recalls_product ON lot_recalls(product_id);

COMMIT;
PRAGMA foreign_keys = ON;
