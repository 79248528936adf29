DROP TABLE purchase_stats_by_product;
DROP TABLE purchase_stats_products;
DROP TABLE purchase_stats_monthly;
