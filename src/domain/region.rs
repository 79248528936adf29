//! Shaanxi's county-level divisions (GB/T 2260) and their poverty-county history.
//!
//! The facts ship with the program (`data/shaanxi_counties.csv`) so that a county code can be
//! checked without a database, and the database is seeded from the same table.

use std::sync::LazyLock;

pub const PROVINCE_CODE: &str = "610000";
pub const PROVINCE_NAME: &str = "陕西省";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    pub code: &'static str,
    pub name: &'static str,
    pub city_code: &'static str,
    pub city_name: &'static str,
    pub former_poverty_county: bool,
    pub poverty_exit_year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct City {
    pub code: &'static str,
    pub name: &'static str,
}

const COUNTIES_CSV: &str = include_str!("data/shaanxi_counties.csv");

static COUNTIES: LazyLock<Vec<County>> = LazyLock::new(|| parse_counties(COUNTIES_CSV));

/// Parses the shipped table; it is part of the program, so a malformed line is a build defect
/// caught by the unit tests below, not a user error.
fn parse_counties(csv: &'static str) -> Vec<County> {
    csv.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let f: Vec<&'static str> = line.split(',').collect();
            assert!(f.len() == 6, "malformed county line: {line}");
            County {
                code: f[0],
                name: f[1],
                city_code: f[2],
                city_name: f[3],
                former_poverty_county: f[4] == "1",
                poverty_exit_year: f[5].trim().parse().ok(),
            }
        })
        .collect()
}

pub fn counties() -> &'static [County] {
    &COUNTIES
}

/// Every county's code as a number, in table order (which is code order, tested).
static COUNTY_NUMBERS: LazyLock<Vec<u32>> = LazyLock::new(|| {
    COUNTIES
        .iter()
        .map(|c| c.code.parse().expect("county codes are numbers"))
        .collect()
});

/// The county with this code: a binary search over the codes as numbers, since a result page
/// looks up every county of its facets.
pub fn county(code: &str) -> Option<&'static County> {
    if code.len() != 6 {
        return None;
    }
    let number: u32 = code.parse().ok()?;
    COUNTY_NUMBERS.binary_search(&number).ok().map(|i| &counties()[i])
}

pub fn county_by_name(name: &str) -> Option<&'static County> {
    let name = name.trim();
    COUNTIES.iter().find(|c| c.name == name)
}

static CITIES: LazyLock<Vec<City>> = LazyLock::new(|| {
    let mut cities: Vec<City> = Vec::new();
    for c in COUNTIES.iter() {
        if !cities.iter().any(|city| city.code == c.city_code) {
            cities.push(City {
                code: c.city_code,
                name: c.city_name,
            });
        }
    }
    cities.sort_by_key(|c| c.code);
    cities
});

/// The cities in code order, each once. Built once: search and the index rebuild ask per product.
pub fn cities() -> &'static [City] {
    &CITIES
}

pub fn city(code: &str) -> Option<&'static City> {
    let cities = cities();
    cities.binary_search_by(|c| c.code.cmp(code)).ok().map(|i| &cities[i])
}

pub fn counties_of_city(city_code: &str) -> impl Iterator<Item = &'static County> {
    COUNTIES.iter().filter(move |c| c.city_code == city_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counties_and_cities_are_in_code_order_for_lookups() {
        assert!(counties().windows(2).all(|w| w[0].code < w[1].code));
        assert!(cities().windows(2).all(|w| w[0].code < w[1].code));
        for c in counties() {
            assert_eq!(county(c.code), Some(c));
            assert_eq!(city(c.city_code).map(|city| city.name), Some(c.city_name));
        }
        assert_eq!(county("610999"), None);
        assert_eq!(city("619900"), None);
    }

    #[test]
    fn shaanxi_has_107_counties_in_10_cities() {
        assert_eq!(counties().len(), 107);
        assert_eq!(cities().len(), 10);
    }

    #[test]
    fn fifty_six_former_poverty_counties_each_with_an_exit_year() {
        let poor: Vec<_> = counties().iter().filter(|c| c.former_poverty_county).collect();
        assert_eq!(poor.len(), 56);
        assert!(poor.iter().all(|c| matches!(c.poverty_exit_year, Some(2017..=2019))));
        assert!(
            counties()
                .iter()
                .filter(|c| !c.former_poverty_county)
                .all(|c| c.poverty_exit_year.is_none())
        );
    }

    #[test]
    fn xunyang_is_a_city_now_and_exited_in_2019() {
        let xunyang = county("610981").unwrap();
        assert_eq!(xunyang.name, "旬阳市");
        assert_eq!(xunyang.city_name, "安康市");
        assert_eq!(xunyang.poverty_exit_year, Some(2019));
    }

    #[test]
    fn every_county_code_lies_under_its_city() {
        for c in counties() {
            assert_eq!(&c.code[..4], &c.city_code[..4], "{}", c.name);
        }
    }
}
