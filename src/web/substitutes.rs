//! Substitutes for a product that left the catalogue: listed products of the same category,
//! closest in price, same county first, found through the search index.

use crate::db::lines::LineProduct;
use crate::domain::Fen;
use crate::domain::spending::{Candidate, rank_substitutes};
use crate::search::{ProductDoc, SearchQuery, Sort};
use crate::web::public::search::run_search;
use crate::web::state::AppState;

/// How many substitutes a flagged line offers.
const OFFERED: usize = 3;

/// Up to three listed products to stand in for `gone`, none of those in `exclude`.
pub fn for_product(state: &AppState, gone: &LineProduct, exclude: &[i32]) -> Vec<ProductDoc> {
    let price = gone.unit_price_fen;
    let within = |county: Option<&str>, min: i64, max: i64, sort: Sort| SearchQuery {
        county: county.map(str::to_owned),
        category: Some(gone.category.clone()),
        min_price_fen: Some(min),
        max_price_fen: Some(max.max(min)),
        sort,
        per_page: 50,
        facets: false,
        ..SearchQuery::default()
    };
    // Half to twice the price: beyond that a product is no stand-in for a gift. The same
    // county's first; then the closest above and the closest below.
    let (low, high) = (price / 2, price.saturating_mul(2).max(100));
    let queries = [
        within(Some(&gone.county_code), low, high, Sort::PriceAsc),
        within(None, price, high, Sort::PriceAsc),
        within(None, low, price, Sort::PriceDesc),
    ];
    let mut docs: Vec<ProductDoc> = Vec::new();
    for q in &queries {
        let Ok(found) = run_search(state, q) else { continue };
        for hit in &found.hits {
            let p = hit.product();
            if p.id != gone.id && !exclude.contains(&p.id) && !docs.iter().any(|d| d.id == p.id) {
                docs.push(p.clone());
            }
        }
    }
    let candidates = docs
        .iter()
        .map(|p| Candidate {
            product_id: p.id,
            county_code: p.county_code.clone(),
            unit_price: Fen(p.unit_price_fen),
        })
        .collect();
    rank_substitutes(&gone.county_code, Fen(price), candidates, OFFERED)
        .into_iter()
        .filter_map(|c| docs.iter().find(|p| p.id == c.product_id).cloned())
        .collect()
}
