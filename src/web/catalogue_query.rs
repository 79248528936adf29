//! The catalogue's search parameters, shared by the search page and the API, turned into a
//! [`SearchQuery`] with a message naming the parameter when one is wrong.

use serde::Deserialize;

use crate::domain::product::CATEGORIES;
use crate::domain::{Fen, ListingStatus, PovertyRegionKind, region};
use crate::search::{MAX_PER_PAGE, SearchQuery, Sort, StatusFilter};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CatalogueParams {
    pub q: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub category: Option<String>,
    pub poverty: Option<String>,
    pub status: Option<String>,
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A parameter that cannot be used, and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub param: &'static str,
    pub message: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "参数 {}：{}", self.param, self.message)
    }
}

/// How a value of the facet named by its parameter (`city`, `county`, `category`, `poverty`,
/// `status`) reads to people: the city's or county's name, the poverty kind's or listing status's
/// label, the category itself. `None` for a value the domain does not know.
pub fn facet_label<'a>(param: &str, value: &'a str) -> Option<&'a str> {
    match param {
        "city" => region::city(value).map(|c| c.name),
        "county" => region::county(value).map(|c| c.name),
        "category" => Some(value),
        "poverty" => PovertyRegionKind::parse(value).map(PovertyRegionKind::label),
        "status" => ListingStatus::parse(value).ok().map(ListingStatus::label),
        _ => None,
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bad(param: &'static str, message: String) -> ParamError {
    ParamError { param, message }
}

impl CatalogueParams {
    /// The search these parameters ask for. `may_see_unlisted`: only the office sees suspended
    /// and delisted products.
    pub fn to_query(&self, may_see_unlisted: bool) -> Result<SearchQuery, ParamError> {
        let mut q = SearchQuery {
            text: given(&self.q).unwrap_or("").to_owned(),
            ..SearchQuery::default()
        };
        if let Some(city) = given(&self.city) {
            if region::city(city).is_none() {
                return Err(bad("city", format!("“{city}”不是陕西省的市级代码（如 610900）")));
            }
            q.city = Some(city.to_owned());
        }
        if let Some(county) = given(&self.county) {
            if region::county(county).is_none() {
                return Err(bad("county", format!("“{county}”不是陕西省的县级代码（如 610924）")));
            }
            q.county = Some(county.to_owned());
        }
        if let Some(category) = given(&self.category) {
            if !CATEGORIES.contains(&category) {
                return Err(bad(
                    "category",
                    format!("“{category}”不是目录品类（可选：{}）", CATEGORIES.join("、")),
                ));
            }
            q.category = Some(category.to_owned());
        }
        if let Some(p) = given(&self.poverty) {
            q.poverty = Some(PovertyRegionKind::parse(p).ok_or_else(|| {
                let kinds: Vec<&str> = PovertyRegionKind::ALL.iter().map(|k| k.as_str()).collect();
                bad(
                    "poverty",
                    format!("“{p}”不是扶贫地区类型（可选：{}）", kinds.join("、")),
                )
            })?);
        }
        if let Some(s) = given(&self.status) {
            if !may_see_unlisted && s != "listed" {
                return Err(bad(
                    "status",
                    "只有指挥部办公室可以查看暂停或已清出目录的产品".to_owned(),
                ));
            }
            q.statuses = match s {
                "all" => StatusFilter::All,
                "listed" => StatusFilter::ListedOnly,
                other => StatusFilter::Only(ListingStatus::parse(other).map_err(|_| {
                    bad(
                        "status",
                        format!("“{other}”无效（可选：all、listed、suspended、delisted、withdrawn）"),
                    )
                })?),
            };
        }
        q.min_price_fen = price(&self.min_price, "min_price")?;
        q.max_price_fen = price(&self.max_price, "max_price")?;
        if let (Some(min), Some(max)) = (q.min_price_fen, q.max_price_fen)
            && min > max
        {
            return Err(bad("max_price", "最高价低于最低价".to_owned()));
        }
        q.sort = match given(&self.sort) {
            None | Some("relevance") => Sort::Relevance,
            Some("price_asc") => Sort::PriceAsc,
            Some("price_desc") => Sort::PriceDesc,
            Some("newest") => Sort::Newest,
            Some(other) => {
                return Err(bad(
                    "sort",
                    format!("“{other}”无效（可选：relevance、price_asc、price_desc、newest）"),
                ));
            }
        };
        q.page = whole(&self.page, "page", 1, 500)?.unwrap_or(1);
        q.per_page = whole(&self.per_page, "per_page", 1, MAX_PER_PAGE)?.unwrap_or(20);
        Ok(q)
    }
}

fn price(v: &Option<String>, param: &'static str) -> Result<Option<i64>, ParamError> {
    given(v)
        .map(|s| Fen::parse_yuan(s).map(|f| f.0).map_err(|e| bad(param, e.to_string())))
        .transpose()
}

fn whole(v: &Option<String>, param: &'static str, min: u32, max: u32) -> Result<Option<u32>, ParamError> {
    given(v)
        .map(|s| match s.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(param, format!("“{s}”应为 {min} 到 {max} 之间的整数"))),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn params(pairs: &[(&str, &str)]) -> CatalogueParams {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[rstest]
    #[case::city("city", "610300", Some("宝鸡市"))]
    #[case::county("county", "610326", Some("眉县"))]
    #[case::category("category", "水果", Some("水果"))]
    #[case::poverty("poverty", "poverty_county", Some(PovertyRegionKind::PovertyCounty.label()))]
    #[case::status("status", "delisted", Some(ListingStatus::Delisted.label()))]
    #[case::unknown_county("county", "610999", None)]
    #[case::unknown_facet("supplier", "x", None)]
    fn facet_values_read_as_names(#[case] param: &str, #[case] value: &str, #[case] label: Option<&str>) {
        assert_eq!(facet_label(param, value), label);
    }

    #[test]
    fn good_parameters_make_a_query() {
        let q = params(&[
            ("q", "富硒 茶"),
            ("county", "610924"),
            ("min_price", "50"),
            ("max_price", "199.5"),
            ("sort", "price_asc"),
            ("page", "2"),
        ])
        .to_query(false)
        .unwrap();
        assert_eq!(q.text, "富硒 茶");
        assert_eq!(q.county.as_deref(), Some("610924"));
        assert_eq!((q.min_price_fen, q.max_price_fen), (Some(5000), Some(19950)));
        assert_eq!((q.sort, q.page), (Sort::PriceAsc, 2));
    }

    #[rstest]
    #[case("city", "999999")]
    #[case("county", "610100")]
    #[case("category", "电器")]
    #[case("poverty", "rich")]
    #[case("min_price", "便宜")]
    #[case("sort", "random")]
    #[case("page", "0")]
    #[case("per_page", "1000")]
    #[case("status", "delisted")]
    fn a_bad_parameter_is_named(#[case] param: &str, #[case] value: &str) {
        let err = params(&[(param, value)]).to_query(false).unwrap_err();
        assert_eq!(err.param, param);
        assert!(err.to_string().contains(param));
    }

    #[test]
    fn the_office_may_ask_for_every_status() {
        assert_eq!(
            params(&[("status", "all")]).to_query(true).unwrap().statuses,
            StatusFilter::All
        );
    }
}
