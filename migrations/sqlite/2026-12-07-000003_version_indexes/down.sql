DROP INDEX notices_issued;
DROP INDEX product_versions_category;
DROP INDEX product_versions_county;
