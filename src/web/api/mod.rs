//! The JSON API (`/api/v1`): catalogue search with facet counts, one product, suggestions.
//! Described by `/api/v1/openapi.json`. Errors are JSON and name the bad parameter.

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::MaybeUser;
use crate::error::{ApiError, AppError};
use crate::search::FacetCount;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::State;
use crate::web::catalogue_query::{CatalogueParams, facet_label};
use crate::web::public::search::{load_product, run_search};
use crate::web::response_cache::Audience;

pub mod history;

const OPENAPI: &str = include_str!("openapi.json");

#[derive(Serialize)]
struct ProductItem {
    catalogue_code: String,
    name: String,
    snippet_html: String,
    unit_price_fen: i64,
    unit_price_yuan: String,
    category: String,
    city_code: String,
    city_name: String,
    county_code: String,
    county_name: String,
    supplier_name: String,
    poverty_region_kind: String,
    listing_status: String,
    url: String,
}

#[derive(Serialize)]
struct Facet<'a> {
    value: &'a str,
    label: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct FacetsJson<'a> {
    city: Vec<Facet<'a>>,
    county: Vec<Facet<'a>>,
    category: Vec<Facet<'a>>,
    poverty: Vec<Facet<'a>>,
    status: Vec<Facet<'a>>,
}

#[derive(Serialize)]
struct ProductList<'a> {
    total: usize,
    page: u32,
    per_page: u32,
    items: Vec<ProductItem>,
    facets: FacetsJson<'a>,
}

/// Labels come from the region table and the domain's names: no allocation per value.
fn facets<'a>(counts: &'a [FacetCount], param: &str) -> Vec<Facet<'a>> {
    counts
        .iter()
        .map(|c| Facet {
            value: &c.value,
            label: facet_label(param, &c.value).unwrap_or(""),
            count: c.count,
        })
        .collect()
}

/// Every parameter the list accepts; anything else is named in a 400.
const KNOWN: [&str; 11] = [
    "q",
    "city",
    "county",
    "category",
    "poverty",
    "status",
    "min_price",
    "max_price",
    "sort",
    "page",
    "per_page",
];

fn parse_params(query: &str) -> Result<CatalogueParams, AppError> {
    history::pairs(query, &KNOWN)?;
    serde_urlencoded::from_str(query).map_err(|e| AppError::BadRequest(format!("查询参数无法解析：{e}")))
}

pub async fn products(state: State, viewer: MaybeUser, req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    // The catalogue on a past day is read from product versions, not from the search index.
    if form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "as_of") {
        return history::products_as_of(&state, req.query_string()).await;
    }
    let office = viewer.is_office();
    let audience = Audience::Api { office };
    // Read before searching: a commit in between only makes the kept body unreachable, never stale.
    let generation = state.search.index().generation();
    if let Some(body) = state.response_cache.get(generation, audience, req.query_string()) {
        return Ok(json_body(body));
    }
    let params = parse_params(req.query_string())?;
    let query = params
        .to_query(office)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let found = run_search(&state, &query)?;
    let results = &*found;
    let f = &results.facets;
    let body = ProductList {
        total: results.total,
        page: query.page,
        per_page: query.per_page,
        items: results
            .hits
            .iter()
            .map(|hit| {
                let p = hit.product();
                ProductItem {
                    url: format!("/products/{}", p.catalogue_code),
                    unit_price_yuan: crate::domain::Fen(p.unit_price_fen).to_string(),
                    catalogue_code: p.catalogue_code.clone(),
                    name: p.name.clone(),
                    snippet_html: hit.snippet_html().to_owned(),
                    unit_price_fen: p.unit_price_fen,
                    category: p.category.clone(),
                    city_code: p.city_code.clone(),
                    city_name: p.city_name.clone(),
                    county_code: p.county_code.clone(),
                    county_name: p.county_name.clone(),
                    supplier_name: p.supplier_name.clone(),
                    poverty_region_kind: p.poverty_region_kind.as_str().to_owned(),
                    listing_status: p.listing_status.as_str().to_owned(),
                }
            })
            .collect(),
        facets: FacetsJson {
            city: facets(&f.city, "city"),
            county: facets(&f.county, "county"),
            category: facets(&f.category, "category"),
            poverty: facets(&f.poverty, "poverty"),
            status: facets(&f.status, "status"),
        },
    };
    let body = Bytes::from(serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?);
    state
        .response_cache
        .put(generation, audience, req.query_string(), body.clone());
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(body)
}

#[derive(Serialize)]
struct ProductJson {
    catalogue_code: String,
    name: String,
    supplier_name: String,
    city_name: String,
    county_name: String,
    former_poverty_county: bool,
    poverty_exit_year: Option<i32>,
    poverty_region: String,
    poverty_region_note: String,
    category: String,
    specification: String,
    unit_price_yuan: String,
    annual_output: String,
    poor_people_supported: i32,
    national_catalogue_no: String,
    gtin: Option<String>,
    certificates: Vec<Certificate>,
    listing_status: String,
    listing_status_label: String,
    status_changed_at: String,
    status_reason: String,
}

#[derive(Serialize)]
struct Certificate {
    kind: String,
    number: String,
}

pub async fn product(state: State, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let view = state.db(move |conn| load_product(conn, &code)).await?;
    let p = view.ok_or_else(|| AppError::NotFound("目录中没有这个编号的产品".to_owned()))?;
    Ok(HttpResponse::Ok().json(ProductJson {
        catalogue_code: p.code,
        name: p.name,
        supplier_name: p.supplier_name,
        city_name: p.city_name,
        county_name: p.county_name,
        former_poverty_county: p.poverty_county.is_some(),
        poverty_exit_year: p.poverty_county,
        poverty_region: p.poverty_label.to_owned(),
        poverty_region_note: p.poverty_note,
        category: p.category,
        specification: p.specification,
        unit_price_yuan: p.price,
        annual_output: p.output,
        poor_people_supported: p.poor_people,
        national_catalogue_no: p.national_catalogue_no,
        gtin: (!p.gtin.is_empty()).then_some(p.gtin),
        certificates: p
            .certificates
            .into_iter()
            .map(|(kind, number)| Certificate { kind, number })
            .collect(),
        listing_status: p.status.as_str().to_owned(),
        listing_status_label: p.status.label().to_owned(),
        status_changed_at: p.status_changed,
        status_reason: p.status_reason,
    }))
}

#[derive(Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    q: String,
}

pub async fn suggest(state: State, query: web::Query<SuggestQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner().q;
    if q.chars().count() > crate::search::MAX_TEXT_CHARS {
        return Err(AppError::BadRequest("参数 q：太长".to_owned()).into());
    }
    let app = state.clone();
    let products = spawn_blocking_in_span(move || app.search.index().suggest_products(q.trim(), 8))
        .await
        .map_err(AppError::from)?;
    let names: Vec<&str> = products.iter().map(|s| s.name.as_str()).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "suggestions": names, "products": products })))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(AppError::NotFound("没有这个接口".to_owned()).into())
}
