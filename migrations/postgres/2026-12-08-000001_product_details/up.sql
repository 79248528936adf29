-- The office corrects a listed product's details (name, specification, price, trademark); each
-- correction is a version of its own, so versions keep the trademark too.
ALTER TABLE products ADD COLUMN trademark TEXT NOT NULL DEFAULT '';
ALTER TABLE product_versions ADD COLUMN trademark TEXT NOT NULL DEFAULT '';
-- A notice shows the product as it was when the notice was issued, not as later corrected.
ALTER TABLE notices ADD COLUMN product_name TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN specification TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN trademark TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN supplier_name TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN supplier_address TEXT;
UPDATE notices SET
    product_name = (SELECT p.name FROM products p WHERE p.id = notices.product_id),
    specification = (SELECT p.specification FROM products p WHERE p.id = notices.product_id),
    supplier_name = (SELECT s.name FROM products p JOIN suppliers s ON s.id = p.supplier_id WHERE p.id = notices.product_id),
    supplier_address = (SELECT s.address FROM products p JOIN suppliers s ON s.id = p.supplier_id WHERE p.id = notices.product_id);
