ALTER TABLE product_versions DROP COLUMN details_before;
