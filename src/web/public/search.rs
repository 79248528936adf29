//! The public catalogue: search with facets, categories, and the product page.

use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::MaybeUser;
use crate::db::{self, DbResult};
use crate::domain::product::CATEGORIES;
use crate::domain::{Fen, ListingStatus, PovertyRegionKind, region};
use crate::error::AppError;
use crate::search::{FacetCount, Hit, SearchQuery, SearchResults};
use crate::web::catalogue_query::{CatalogueParams, facet_label};
use crate::web::nav::Nav;
use crate::web::response_cache::Audience;
use crate::web::{AppState, State, html, render};

/// One result as listed.
pub struct ResultItem {
    pub code: String,
    pub snippet_html: String,
    pub price: String,
    pub category: String,
    pub county_name: String,
    pub city_name: String,
    pub supplier_name: String,
    pub poverty_label: &'static str,
    pub status: ListingStatus,
    /// The address of the thumbnail of its first photo.
    pub thumbnail: Option<String>,
}

pub struct FacetLink<'a> {
    pub label: &'a str,
    pub count: u64,
    /// Ready for an HTML attribute: the URL with `&` written `&amp;` (see [`facet_group`]).
    pub href_html: String,
    pub active: bool,
}

pub struct FacetGroup<'a> {
    pub title: &'static str,
    pub clear_href: Option<String>,
    pub links: Vec<FacetLink<'a>>,
}

#[derive(Template)]
#[template(path = "public/search.html")]
struct SearchPage<'a> {
    nav: Nav,
    q: String,
    total: usize,
    items: Vec<ResultItem>,
    facets: Vec<FacetGroup<'a>>,
    sort: String,
    sorts: Vec<(&'static str, &'static str, String)>,
    prev_href: Option<String>,
    next_href: Option<String>,
    page: u32,
    pages: usize,
    min_price: String,
    max_price: String,
    hidden: Vec<(&'static str, String)>,
    error: Option<String>,
}

pub fn city_name(code: &str) -> String {
    region::city(code).map_or_else(|| code.to_owned(), |c| c.name.to_owned())
}

/// A page of results: hits (each with its product as listed) and facet counts.
pub type ResultPage = Arc<SearchResults>;

/// Recent result pages, keyed by the index generation they were computed at: every product change
/// commits the index (a new generation), so nothing stale is served, and the entries of old
/// generations are simply never asked for again and age out. Popular queries skip the index; the
/// cache keeps them by how often they are asked (S3-FIFO), so a burst of one-off searches does not
/// push them out.
pub struct ResultCache {
    pages: quick_cache::sync::Cache<(u64, SearchQuery), Weighed, PageWeigher>,
}

/// Memory kept for result pages, as estimated by `approximate_bytes` (a page with facets is
/// 5–30 KB; the allocator's overhead comes on top, so RSS grows by up to about twice this).
const RESULT_CACHE_BYTES: u64 = 6 * 1024 * 1024;

#[derive(Clone)]
struct Weighed {
    page: ResultPage,
    bytes: u64,
}

#[derive(Clone)]
struct PageWeigher;

impl quick_cache::Weighter<(u64, SearchQuery), Weighed> for PageWeigher {
    fn weight(&self, _key: &(u64, SearchQuery), value: &Weighed) -> u64 {
        value.bytes
    }
}

/// Roughly the heap bytes of a page: its strings and a fixed cost per item and facet value.
fn approximate_bytes(page: &SearchResults) -> u64 {
    let hits: usize = page
        .hits
        .iter()
        .map(|h| {
            let p = h.product();
            200 + h.snippet_html().len() + p.name.len() + p.supplier_name.len()
        })
        .sum();
    let f = &page.facets;
    let facet_values = f.city.len() + f.county.len() + f.category.len() + f.poverty.len() + f.status.len();
    (512 + hits + facet_values * 48) as u64
}

impl Default for ResultCache {
    fn default() -> Self {
        Self {
            pages: quick_cache::sync::Cache::with_weighter(4096, RESULT_CACHE_BYTES, PageWeigher),
        }
    }
}

impl ResultCache {
    /// (pages kept, their estimated bytes).
    pub fn size(&self) -> (usize, u64) {
        (self.pages.len(), self.pages.weight())
    }

    fn get(&self, generation: u64, q: &SearchQuery) -> Option<ResultPage> {
        self.pages.get(&(generation, q.clone())).map(|w| w.page)
    }

    fn put(&self, generation: u64, q: SearchQuery, page: ResultPage) {
        let bytes = approximate_bytes(&page);
        self.pages.insert((generation, q), Weighed { page, bytes });
    }
}

/// Runs a search. The index holds what a result list shows, so this reads no database and is
/// called on the request's own thread: a search is a fraction of a millisecond of CPU, and handing
/// it to the blocking pool cost more in thread switches than it saved (`scripts/bench_search.sh`).
pub fn run_search(state: &AppState, query: &SearchQuery) -> Result<ResultPage, AppError> {
    // Read the generation first: a commit between here and the search only makes the entry
    // unreachable, never stale.
    let generation = state.search.index().generation();
    if let Some(page) = state.result_cache.get(generation, query) {
        return Ok(page);
    }
    let results = state.search.index().search(query).map_err(|e| match e {
        crate::search::SearchError::InvalidQuery(m) => AppError::BadRequest(m),
        other => AppError::Internal(other.to_string()),
    })?;
    let page: ResultPage = Arc::new(results);
    state.result_cache.put(generation, query.clone(), page.clone());
    Ok(page)
}

pub fn item(hit: &Hit) -> ResultItem {
    let p = hit.product();
    ResultItem {
        code: p.catalogue_code.clone(),
        snippet_html: hit.snippet_html().to_owned(),
        price: Fen(p.unit_price_fen).to_string(),
        category: p.category.clone(),
        county_name: p.county_name.clone(),
        city_name: p.city_name.clone(),
        supplier_name: p.supplier_name.clone(),
        poverty_label: p.poverty_region_kind.label(),
        status: p.listing_status,
        thumbnail: p.thumbnail.as_deref().map(crate::web::public::scan::media_url),
    }
}

/// The current parameters as pairs, without empty ones and without `page`.
fn pairs(p: &CatalogueParams) -> Vec<(&'static str, String)> {
    let all = [
        ("q", &p.q),
        ("city", &p.city),
        ("county", &p.county),
        ("category", &p.category),
        ("poverty", &p.poverty),
        ("status", &p.status),
        ("min_price", &p.min_price),
        ("max_price", &p.max_price),
        ("sort", &p.sort),
    ];
    all.into_iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| (k, s.to_owned()))
        })
        .collect()
}

fn href(pairs: &[(&'static str, String)]) -> String {
    format!("/search?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

fn with(p: &CatalogueParams, key: &'static str, value: Option<&str>) -> String {
    let mut list: Vec<_> = pairs(p).into_iter().filter(|(k, _)| *k != key).collect();
    if let Some(v) = value {
        list.push((key, v.to_owned()));
    }
    href(&list)
}

fn facet_group<'a>(
    p: &CatalogueParams,
    title: &'static str,
    key: &'static str,
    counts: &'a [FacetCount],
) -> FacetGroup<'a> {
    let all = pairs(p);
    let current = all.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let others: Vec<_> = all.into_iter().filter(|(k, _)| *k != key).collect();
    // The other parameters are the same in every link of the group: encoded once, not per link
    // (a county group has up to 107 links, and encoding them all took half of a page's time).
    let base = href(&others);
    // Escaped for HTML once per group too. A form-urlencoded query holds only letters, digits,
    // `*-._+%=` and the `&` between pairs, so `&` is the one character to escape, here and in the
    // encoded value added per link, which has none.
    let base_html = base.replace('&', "&amp;");
    let separator = if others.is_empty() { "" } else { "&amp;" };
    FacetGroup {
        title,
        clear_href: current.as_ref().map(|_| base.clone()),
        links: counts
            .iter()
            .map(|c| {
                let mut href_html = format!("{base_html}{separator}{key}=");
                href_html.extend(form_urlencoded::byte_serialize(c.value.as_bytes()));
                FacetLink {
                    label: facet_label(key, &c.value).unwrap_or(&c.value),
                    count: c.count,
                    href_html,
                    active: current.as_deref() == Some(&*c.value),
                }
            })
            .collect(),
    }
}

/// `?as_of=` asks for the catalogue as it stood on a past day.
fn has_as_of(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "as_of")
}

pub async fn page(
    state: State,
    nav: Nav,
    viewer: MaybeUser,
    req: HttpRequest,
    params: web::Query<CatalogueParams>,
) -> Result<HttpResponse, AppError> {
    if has_as_of(req.query_string()) {
        return super::as_of::catalogue(&state, nav, req.query_string()).await;
    }
    let params = params.into_inner();
    // A visitor's page depends on the query string alone; a signed-in user's shows who it is.
    let keep_as = nav.user.is_none().then_some(Audience::PublicPage);
    // Read before searching: a commit in between only makes the kept page unreachable, never stale.
    let generation = state.search.index().generation();
    if let Some(body) = keep_as.and_then(|a| state.response_cache.get(generation, a, req.query_string())) {
        return Ok(html(body));
    }
    let office = viewer.is_office();
    let query = match params.to_query(office) {
        Ok(q) => q,
        Err(e) => {
            let page = empty_page(nav, &params, Some(e.to_string()));
            return Ok(HttpResponse::BadRequest()
                .content_type("text/html; charset=utf-8")
                .body(page.render()?));
        }
    };
    let found = match run_search(&state, &query) {
        Ok(r) => r,
        Err(AppError::BadRequest(message)) => {
            let page = empty_page(nav, &params, Some(message));
            return Ok(HttpResponse::BadRequest()
                .content_type("text/html; charset=utf-8")
                .body(page.render()?));
        }
        Err(e) => return Err(e),
    };
    let results = &*found;
    let pages = results.total.div_ceil(query.per_page as usize).max(1);
    let page_href = |n: u32| {
        let mut list = pairs(&params);
        list.push(("page", n.to_string()));
        href(&list)
    };
    let f = &results.facets;
    let facets = vec![
        facet_group(&params, "市", "city", &f.city),
        facet_group(&params, "县区", "county", &f.county),
        facet_group(&params, "品类", "category", &f.category),
        facet_group(&params, "扶贫地区类型", "poverty", &f.poverty),
        facet_group(&params, "目录状态", "status", &f.status),
    ];
    let sort = params.sort.clone().unwrap_or_default();
    let page = SearchPage {
        nav,
        q: query.text.clone(),
        total: results.total,
        items: results.hits.iter().map(item).collect(),
        facets,
        sorts: [
            ("relevance", "相关度"),
            ("price_asc", "价格从低到高"),
            ("price_desc", "价格从高到低"),
            ("newest", "最新列入"),
        ]
        .into_iter()
        .map(|(k, label)| (k, label, with(&params, "sort", Some(k))))
        .collect(),
        sort,
        prev_href: (query.page > 1).then(|| page_href(query.page - 1)),
        next_href: ((query.page as usize) < pages).then(|| page_href(query.page + 1)),
        page: query.page,
        pages,
        min_price: params.min_price.clone().unwrap_or_default(),
        max_price: params.max_price.clone().unwrap_or_default(),
        hidden: pairs(&params)
            .into_iter()
            .filter(|(k, _)| !matches!(*k, "q" | "min_price" | "max_price"))
            .collect(),
        error: None,
    };
    let body = Bytes::from(page.render()?);
    if let Some(audience) = keep_as {
        state
            .response_cache
            .put(generation, audience, req.query_string(), body.clone());
    }
    Ok(html(body))
}

fn empty_page(nav: Nav, params: &CatalogueParams, error: Option<String>) -> SearchPage<'static> {
    SearchPage {
        nav,
        q: params.q.clone().unwrap_or_default(),
        total: 0,
        items: Vec::new(),
        facets: Vec::new(),
        sort: String::new(),
        sorts: Vec::new(),
        prev_href: None,
        next_href: None,
        page: 1,
        pages: 1,
        min_price: params.min_price.clone().unwrap_or_default(),
        max_price: params.max_price.clone().unwrap_or_default(),
        hidden: Vec::new(),
        error,
    }
}

#[derive(Template)]
#[template(path = "public/categories.html")]
struct CategoriesPage {
    nav: Nav,
    categories: Vec<(String, u64)>,
}

/// Browse by category, with how many listed products each holds.
pub async fn categories(state: State, nav: Nav) -> Result<HttpResponse, AppError> {
    let q = SearchQuery {
        per_page: 1,
        ..SearchQuery::default()
    };
    let found = run_search(&state, &q)?;
    let counts = &found.facets.category;
    let categories = CATEGORIES
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                counts.iter().find(|f| &*f.value == *c).map(|f| f.count).unwrap_or(0),
            )
        })
        .collect();
    render(&CategoriesPage { nav, categories })
}

#[derive(Template)]
#[template(path = "public/product.html")]
struct ProductPage {
    nav: Nav,
    p: ProductView,
    /// A grassroots union's draft plans, for the "add to plan" buttons.
    plans: Vec<(i32, String)>,
    /// The plan the product was just added to.
    added: Option<i32>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProductQuery {
    added: Option<i32>,
}

pub struct ProductView {
    pub code: String,
    pub name: String,
    pub supplier_name: String,
    pub county_name: String,
    pub city_name: String,
    pub poverty_county: Option<i32>,
    pub poverty_label: &'static str,
    pub poverty_note: String,
    pub category: String,
    pub specification: String,
    pub trademark: String,
    pub price: String,
    pub output: String,
    pub poor_people: i32,
    pub national_catalogue_no: String,
    pub gtin: String,
    pub status: ListingStatus,
    pub status_changed: String,
    pub status_reason: String,
    pub certificates: Vec<(String, String)>,
    /// The first photo of its traceability record: (thumbnail, full size, width, height, caption).
    pub photo: Option<(String, String, i32, i32, String)>,
    /// The product's notices in force, newest first: (id, number).
    pub notices: Vec<(i32, String)>,
}

/// Loads a product as the public sees it, or None when the code is unknown.
pub fn load_product(conn: &mut db::DbConnection, code: &str) -> DbResult<Option<ProductView>> {
    use crate::db::products::Product;
    use crate::db::schema::{events, product_certificates, suppliers};
    use diesel::prelude::*;
    let Ok(code) = crate::domain::CatalogueCode::parse(code) else {
        return Ok(None);
    };
    let Some(p) = Product::find_by_catalogue_code(conn, &code)? else {
        return Ok(None);
    };
    let supplier: String = suppliers::table
        .find(p.supplier_id)
        .select(suppliers::name)
        .first(conn)?;
    let certificates = product_certificates::table
        .filter(product_certificates::product_id.eq(p.id))
        .select((product_certificates::kind, product_certificates::number))
        .load(conn)?;
    let status = ListingStatus::parse(&p.listing_status).unwrap_or(ListingStatus::Listed);
    let reason: Option<String> = events::table
        .filter(events::entity_kind.eq(crate::domain::Subject::Product.as_str()))
        .filter(events::entity_id.eq(p.id))
        .order(events::id.desc())
        .select(events::reason)
        .first(conn)
        .optional()?;
    let photo = crate::db::trace::TraceMedia::of_product(conn, p.id)?
        .into_iter()
        .find(|m| m.kind == "photo")
        .map(|m| {
            (
                crate::web::public::scan::media_url(m.thumb_path.as_deref().unwrap_or(&m.path)),
                crate::web::public::scan::media_url(&m.path),
                m.thumb_width.unwrap_or(480),
                m.thumb_height.unwrap_or(360),
                m.caption,
            )
        });
    let notices = crate::db::notices::of_product(conn, p.id)?
        .into_iter()
        .map(|n| (n.id, n.number))
        .collect();
    let county = region::county(&p.county_code);
    Ok(Some(ProductView {
        notices,
        photo,
        code: p.catalogue_code.clone(),
        name: p.name.clone(),
        supplier_name: supplier,
        county_name: county.map(|c| c.name).unwrap_or("").to_owned(),
        city_name: county.map(|c| c.city_name).unwrap_or("").to_owned(),
        poverty_county: county
            .filter(|c| c.former_poverty_county)
            .and_then(|c| c.poverty_exit_year),
        poverty_label: PovertyRegionKind::parse(&p.poverty_region_kind)
            .map(|k| k.label())
            .unwrap_or(""),
        poverty_note: p.poverty_region_note.clone().unwrap_or_default(),
        category: p.category.clone(),
        specification: p.specification.clone(),
        trademark: p.trademark.clone(),
        price: Fen(p.unit_price_fen).to_string(),
        output: crate::domain::Quantity {
            milli: p.annual_output_milli,
            unit: p.annual_output_unit.clone(),
        }
        .to_string(),
        poor_people: p.poor_people_supported,
        national_catalogue_no: p.national_catalogue_no.clone(),
        gtin: p.gtin.clone().unwrap_or_default(),
        status,
        status_changed: crate::web::china_time(p.status_changed_at),
        status_reason: if status == ListingStatus::Listed {
            String::new()
        } else {
            reason.unwrap_or_default()
        },
        certificates,
    }))
}

pub async fn product(
    state: State,
    nav: Nav,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ProductQuery>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    if has_as_of(req.query_string()) {
        return super::as_of::product(&state, nav, code, req.query_string()).await;
    }
    let union = nav
        .user
        .as_ref()
        .filter(|u| u.kind == crate::domain::OrgKind::GrassrootsUnion && !u.must_change_password)
        .map(|u| u.org_id);
    let (view, plans) = state
        .db(move |conn| -> Result<_, AppError> {
            let plans = match union {
                Some(org) => crate::web::union::draft_plans(conn, org)?,
                None => Vec::new(),
            };
            Ok((load_product(conn, &code)?, plans))
        })
        .await?;
    let p = view.ok_or_else(|| AppError::NotFound("目录中没有这个编号的产品。".to_owned()))?;
    render(&ProductPage {
        nav,
        p,
        plans,
        added: query.added,
    })
}
