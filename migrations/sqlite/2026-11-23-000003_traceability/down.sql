DROP TABLE scan_counts;
DROP TABLE trace_media;
DROP TABLE trace_steps;
DROP TABLE product_batches;
DROP TABLE production_sites;
