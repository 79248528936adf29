DROP TABLE lot_recalls;
DROP TABLE purchase_lines;
DROP TABLE purchases;
DROP TABLE shipment_lots;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE seller_products;
-- organisations keeps its supplier_id column and the seller kind: SQLite cannot drop a column
-- that references another table without rebuilding it; nothing reads them once these go.
