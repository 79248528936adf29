ALTER TABLE notices DROP COLUMN supplier_address;
ALTER TABLE notices DROP COLUMN supplier_name;
ALTER TABLE notices DROP COLUMN trademark;
ALTER TABLE notices DROP COLUMN specification;
ALTER TABLE notices DROP COLUMN product_name;
ALTER TABLE product_versions DROP COLUMN trademark;
ALTER TABLE products DROP COLUMN trademark;
