//! `/changes`: every change to the catalogue, newest first, narrowed by kind, category, county and
//! date; the page people read beside `/api/v1/changes`.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::db::versions;
use crate::domain::details::FieldChange;
use crate::domain::product::CATEGORIES;
use crate::domain::versions::ChangeKind;
use crate::domain::{china_date, china_time};
use crate::error::AppError;
use crate::web::api::history::{CHANGE_PARAMS, change_filter, number, pairs};
use crate::web::nav::Nav;
use crate::web::{State, render};

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "public/changes.html")]
struct ChangesPage {
    nav: Nav,
    today: String,
    kinds: Vec<(&'static str, &'static str)>,
    categories: &'static [&'static str],
    kind: String,
    category: String,
    county: String,
    from: String,
    to: String,
    total: i64,
    page: i64,
    items: Vec<ChangeView>,
    prev: Option<String>,
    next: Option<String>,
    /// The page's narrowing, for its feeds (`?county=…&kind=…`, or nothing).
    feed_query: String,
}

struct ChangeView {
    at: String,
    kind: String,
    kind_label: &'static str,
    lot: Option<String>,
    code: String,
    name: String,
    county: String,
    reason: String,
    /// What a details change changed: `单价（元）：38.00 → 42.00`.
    fields: Vec<String>,
}

pub async fn page(state: State, nav: Nav, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let params = pairs(req.query_string(), &CHANGE_PARAMS)?;
    let filter = change_filter(&params)?;
    let page = number(&params, "page", 1, 100_000)?;
    let (total, rows) = state
        .db(move |conn| versions::changes(conn, &filter, PER_PAGE, (page - 1) * PER_PAGE, true))
        .await?;
    let total = total.unwrap_or_default();
    let value = |name: &str| params.get(name).cloned().unwrap_or_default();
    let link_to = |to_page: i64| {
        let mut query: Vec<(&str, String)> = ["kind", "category", "county", "from", "to"]
            .into_iter()
            .filter_map(|k| params.get(k).filter(|v| !v.is_empty()).map(|v| (k, v.clone())))
            .collect();
        query.push(("page", to_page.to_string()));
        format!("/changes?{}", serde_urlencoded::to_string(&query).unwrap_or_default())
    };
    let narrowed: Vec<(&str, &String)> = ["county", "category", "kind"]
        .into_iter()
        .filter_map(|k| params.get(k).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    let feed_query = if narrowed.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(&narrowed).unwrap_or_default())
    };
    let items = rows
        .into_iter()
        .map(|c| ChangeView {
            at: china_time(c.at),
            kind_label: ChangeKind::parse(&c.version.change_kind).map_or("", ChangeKind::label),
            kind: c.version.change_kind.clone(),
            lot: c.version.lot_code,
            code: c.version.catalogue_code,
            name: c.version.name,
            county: c.version.county_name,
            reason: c.version.reason,
            fields: c.fields.iter().map(FieldChange::describe).collect(),
        })
        .collect();
    render(&ChangesPage {
        nav,
        today: china_date(crate::db::now()).to_string(),
        kinds: ChangeKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        categories: &CATEGORIES,
        kind: value("kind"),
        category: value("category"),
        county: value("county"),
        from: value("from"),
        to: value("to"),
        total,
        page,
        items,
        prev: (page > 1).then(|| link_to(page - 1)),
        next: (page * PER_PAGE < total).then(|| link_to(page + 1)),
        feed_query,
    })
}
