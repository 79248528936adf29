DROP TABLE lot_recalls;
DROP TABLE purchase_lines;
DROP TABLE purchases;
DROP TABLE shipment_lots;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE seller_products;
DROP INDEX organisations_supplier;
ALTER TABLE organisations DROP COLUMN supplier_id;
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('office', 'city_union', 'county_union', 'grassroots_union', 'industry_union', 'standalone_union'));
