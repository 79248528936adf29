DROP TABLE purchase_stats_helped;
