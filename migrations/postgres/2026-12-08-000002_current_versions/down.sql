DROP INDEX product_versions_current;
