DROP TABLE plan_lines;
DROP TABLE plans;
DROP TABLE bundle_lines;
DROP TABLE bundles;
DROP TABLE policies;
