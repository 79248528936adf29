-- Purchase statistics (issue 14), kept in the same transaction as each purchase record so the
-- dashboards read a few thousand cells instead of every record. Derived: `db::stats::rebuild`
-- recounts them from purchases and purchase_lines. Kept in step with migrations/sqlite.

-- By month and channel, for the buying union's reporting union and city.
CREATE TABLE purchase_stats_monthly (
    reporting_union_id INTEGER NOT NULL,    -- 0: a grassroots union under no reporting union
    city_code TEXT NOT NULL,                -- the buying union's city ('' unknown)
    month INTEGER NOT NULL,                 -- yyyymm of purchased_on
    channel TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    people BIGINT NOT NULL,
    purchases BIGINT NOT NULL,
    PRIMARY KEY (reporting_union_id, city_code, month, channel)
);

-- By the county the products came from and their category, per year and reporting union.
-- Lines outside the catalogue, and any part of a purchase its lines do not account for, count
-- under county '' and category ''.
CREATE TABLE purchase_stats_products (
    year INTEGER NOT NULL,
    reporting_union_id INTEGER NOT NULL,
    product_county TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (year, product_county, reporting_union_id, category)
);

-- Per product and year: what was bought, for the 带贫人数 behind the products bought.
CREATE TABLE purchase_stats_by_product (
    year INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    amount_fen BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (year, product_id)
);
