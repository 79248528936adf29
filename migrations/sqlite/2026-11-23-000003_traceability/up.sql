-- Traceability (陕工发〔2020〕1号 三(二)3): where a product is grown, its production batches (lots),
-- the growth-process timeline, the photos and reports behind them, and how often the QR codes
-- are scanned. Kept in step with migrations/postgres (same names, portable types).

-- The production environment: a base or plot where the product is grown or made.
CREATE TABLE production_sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,                      -- 基地名称
    place TEXT NOT NULL,                     -- 地点（镇、村）
    altitude_m INTEGER,                      -- 海拔（米）
    description TEXT NOT NULL DEFAULT '',    -- 土壤、水源、气候 …
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX production_sites_product ON production_sites(product_id);

-- A production batch (lot). The lot code is what GS1 application identifier (10) carries.
CREATE TABLE product_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    lot_code TEXT NOT NULL,
    produced_on DATE,                        -- 采收／生产日期
    packed_on DATE,                          -- 包装日期
    quantity_milli BIGINT,                   -- 批次数量，千分之一单位
    quantity_unit TEXT,
    origin TEXT NOT NULL DEFAULT '',         -- 产地基地或地块
    inspection_result TEXT NOT NULL CHECK (inspection_result IN ('pending', 'passed', 'failed')),
    inspection_note TEXT NOT NULL DEFAULT '', -- 检测机构、报告编号、项目
    created_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, lot_code)
);

-- The growth-process timeline: dated steps of a product (batch_id NULL) or of one batch.
CREATE TABLE trace_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    batch_id INTEGER REFERENCES product_batches(id),
    occurred_on DATE NOT NULL,
    stage TEXT NOT NULL,                     -- planting, fertilising, harvest, processing, inspection, packing, other
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trace_steps_product ON trace_steps(product_id, occurred_on);

-- Photos and documents attached to a site, a timeline step or a batch's inspection report.
-- Files live in the media directory under their content hash; paths are relative to it.
CREATE TABLE trace_media (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('site', 'step', 'batch')),
    owner_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'pdf')),
    path TEXT NOT NULL,
    thumb_path TEXT,                         -- the 480 px JPEG of a photo
    thumb_width INTEGER,
    thumb_height INTEGER,
    caption TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trace_media_product ON trace_media(product_id);

-- Scans of the QR codes, per product, batch (0: the product's own code) and day in China time.
CREATE TABLE scan_counts (
    product_id INTEGER NOT NULL REFERENCES products(id),
    batch_id INTEGER NOT NULL,
    day DATE NOT NULL,
    scans BIGINT NOT NULL,
    PRIMARY KEY (product_id, batch_id, day)
);
CREATE INDEX scan_counts_day ON scan_counts(day);
