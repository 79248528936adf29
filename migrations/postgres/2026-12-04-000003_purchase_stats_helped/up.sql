-- Per year and county: how many of the county's products were bought, and the 带贫人数 behind
-- them, kept when a product is first bought in a year (issue 14), so no view joins every
-- product bought. Derived like the other purchase_stats tables.
CREATE TABLE purchase_stats_helped (
    year INTEGER NOT NULL,
    county_code TEXT NOT NULL,
    products BIGINT NOT NULL,
    poor_people BIGINT NOT NULL,
    PRIMARY KEY (year, county_code)
);
