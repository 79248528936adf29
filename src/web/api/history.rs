//! The catalogue's history in the API: the catalogue as it stood at the end of a day
//! (`/api/v1/products?as_of=YYYY-MM-DD`), two days compared (`/api/v1/catalogue/compare`), and
//! every change (`/api/v1/changes`), newest first, or after a cursor for a mirror keeping in step.

use std::collections::{BTreeSet, HashMap};

use actix_web::HttpResponse;
use chrono::NaiveDate;
use serde::Serialize;

use crate::db::versions::{self, ChangeFilter, ChangeRow, Narrowing, VersionRow};
use crate::domain::details;
use crate::domain::versions::{ChangeKind, end_of_china_day, start_of_china_day};
use crate::domain::{Category, CountyCode, Fen, ListingStatus, china_date, in_china};
use crate::error::{ApiError, AppError};
use crate::web::State;

/// The query's pairs, each name known and given once.
pub fn pairs(query: &str, known: &[&str]) -> Result<HashMap<String, String>, AppError> {
    let list: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| AppError::BadRequest(format!("查询参数无法解析：{e}")))?;
    let mut out = HashMap::new();
    for (key, value) in list {
        if !known.contains(&key.as_str()) {
            return Err(AppError::BadRequest(format!(
                "参数 {key}：不认识这个参数（可用：{}）",
                known.join("、")
            )));
        }
        if out.insert(key.clone(), value).is_some() {
            return Err(AppError::BadRequest(format!("参数 {key}：只能出现一次")));
        }
    }
    Ok(out)
}

/// A China-time date `YYYY-MM-DD`, not in the future.
pub fn day(name: &str, value: &str) -> Result<NaiveDate, AppError> {
    let day = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("参数 {name}：“{value}”不是日期，应写作 2026-06-30")))?;
    if day > china_date(crate::db::now()) {
        return Err(AppError::BadRequest(format!("参数 {name}：{day} 还没有到来")));
    }
    Ok(day)
}

pub fn narrowing(params: &HashMap<String, String>) -> Result<Narrowing, AppError> {
    let county = match params.get("county").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            CountyCode::parse(c)
                .map_err(|e| AppError::BadRequest(format!("参数 county：{e}")))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let category = match params.get("category").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            Category::parse(c)
                .map_err(|e| AppError::BadRequest(format!("参数 category：{e}")))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    Ok(Narrowing { county, category })
}

/// A whole number from 1 to `max`; `default` when not given or left empty (as a form sends it).
pub fn number(params: &HashMap<String, String>, name: &str, default: i64, max: i64) -> Result<i64, AppError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| AppError::BadRequest(format!("参数 {name}：“{v}”应为 1 到 {max} 的整数"))),
    }
}

#[derive(Serialize)]
struct ProductAsOf {
    catalogue_code: String,
    name: String,
    category: String,
    specification: String,
    county_code: String,
    county_name: String,
    supplier_name: String,
    unit_price_fen: i64,
    unit_price_yuan: String,
    listing_status: String,
    url: String,
}

impl From<VersionRow> for ProductAsOf {
    fn from(v: VersionRow) -> Self {
        ProductAsOf {
            url: format!("/products/{}", v.catalogue_code),
            unit_price_yuan: Fen(v.unit_price_fen).to_string(),
            catalogue_code: v.catalogue_code,
            name: v.name,
            category: v.category,
            specification: v.specification,
            county_code: v.county_code,
            county_name: v.county_name,
            supplier_name: v.supplier_name,
            unit_price_fen: v.unit_price_fen,
            listing_status: v.listing_status,
        }
    }
}

#[derive(Serialize)]
struct CatalogueAsOf {
    as_of: String,
    total: i64,
    page: i64,
    per_page: i64,
    items: Vec<ProductAsOf>,
}

const AS_OF_PARAMS: [&str; 5] = ["as_of", "county", "category", "page", "per_page"];

/// `GET /api/v1/products?as_of=…`: what was listed at the end of that day, China time.
pub async fn products_as_of(state: &State, query: &str) -> Result<HttpResponse, ApiError> {
    let params = pairs(query, &AS_OF_PARAMS).map_err(|e| match e {
        AppError::BadRequest(m) if m.contains("不认识") => {
            AppError::BadRequest(format!("{m}；按日期查看目录时不能搜索或排序"))
        }
        other => other,
    })?;
    let day = day("as_of", params.get("as_of").map(String::as_str).unwrap_or(""))?;
    let narrowing = narrowing(&params)?;
    let page = number(&params, "page", 1, 10_000)?;
    let per_page = number(&params, "per_page", 20, 100)?;
    let at = end_of_china_day(day);
    let (total, rows) = state
        .db(move |conn| versions::listed_at(conn, at, &narrowing, per_page, (page - 1) * per_page))
        .await?;
    Ok(HttpResponse::Ok().json(CatalogueAsOf {
        as_of: day.to_string(),
        total,
        page,
        per_page,
        items: rows.into_iter().map(ProductAsOf::from).collect(),
    }))
}

#[derive(Serialize)]
struct Difference {
    from: String,
    to: String,
    added: Vec<ProductAsOf>,
    removed: Vec<ProductAsOf>,
    changed: Vec<Changed>,
}

#[derive(Serialize)]
struct Changed {
    catalogue_code: String,
    name: String,
    fields: Vec<FieldJson>,
}

/// A field that differs, as the API gives it (`unit_price_yuan`: `"38.00"` → `"42.00"`).
#[derive(Serialize)]
pub struct FieldJson {
    field: &'static str,
    label: &'static str,
    from: String,
    to: String,
}

impl From<details::FieldChange> for FieldJson {
    fn from(c: details::FieldChange) -> Self {
        FieldJson {
            field: c.field.as_str(),
            label: c.field.label(),
            from: c.from,
            to: c.to,
        }
    }
}

/// `GET /api/v1/catalogue/compare?from=…&to=…`: products added, removed and changed between the
/// ends of two days.
pub async fn compare(state: State, req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let params = pairs(req.query_string(), &["from", "to"])?;
    let (Some(from), Some(to)) = (params.get("from"), params.get("to")) else {
        return Err(
            AppError::BadRequest("请给出 from 和 to 两个日期，例如 from=2026-01-01&to=2026-06-30".to_owned()).into(),
        );
    };
    let (from, to) = (day("from", from)?, day("to", to)?);
    let (at_from, at_to) = (end_of_china_day(from), end_of_china_day(to));
    let (before, after) = state
        .db(move |conn| -> crate::db::DbResult<_> {
            let all = Narrowing::default();
            let before = versions::listed_at(conn, at_from, &all, i64::MAX, 0)?.1;
            let after = versions::listed_at(conn, at_to, &all, i64::MAX, 0)?.1;
            Ok((before, after))
        })
        .await?;
    let before_by: HashMap<i32, &VersionRow> = before.iter().map(|v| (v.product_id, v)).collect();
    let after_by: HashMap<i32, &VersionRow> = after.iter().map(|v| (v.product_id, v)).collect();
    let ids: BTreeSet<i32> = before_by.keys().chain(after_by.keys()).copied().collect();
    let mut difference = Difference {
        from: from.to_string(),
        to: to.to_string(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for id in ids {
        match (before_by.get(&id), after_by.get(&id)) {
            (None, Some(v)) => difference.added.push(ProductAsOf::from((*v).clone())),
            (Some(v), None) => difference.removed.push(ProductAsOf::from((*v).clone())),
            (Some(a), Some(b)) => {
                let fields = field_changes(a, b);
                if !fields.is_empty() {
                    difference.changed.push(Changed {
                        catalogue_code: b.catalogue_code.clone(),
                        name: b.name.clone(),
                        fields,
                    });
                }
            }
            (None, None) => {}
        }
    }
    Ok(HttpResponse::Ok().json(difference))
}

/// The details that differ and, beyond them, what changes with the product's other records (its
/// category, its supplier's name).
fn field_changes(a: &VersionRow, b: &VersionRow) -> Vec<FieldJson> {
    let mut out: Vec<FieldJson> = details::field_changes(&a.details(), &b.details())
        .into_iter()
        .map(FieldJson::from)
        .collect();
    let others = [
        ("category", "品类", &a.category, &b.category),
        ("supplier_name", "供应商", &a.supplier_name, &b.supplier_name),
    ];
    out.extend(
        others
            .into_iter()
            .filter(|(_, _, x, y)| x != y)
            .map(|(field, label, x, y)| FieldJson {
                field,
                label,
                from: x.clone(),
                to: y.clone(),
            }),
    );
    out
}

/// One change as the API and feeds give it. A product that left the catalogue (delisted,
/// withdrawn) is marked as a tombstone, so a mirror removes it.
#[derive(Serialize)]
pub struct ChangeJson {
    pub cursor: i32,
    pub at: String,
    pub kind: String,
    pub kind_label: String,
    pub tombstone: bool,
    pub reason: String,
    pub lot_code: Option<String>,
    pub catalogue_code: String,
    pub name: String,
    pub category: String,
    pub county_code: String,
    pub county_name: String,
    pub supplier_name: String,
    pub listing_status: String,
    pub unit_price_fen: i64,
    pub trademark: String,
    /// For a details change, what it changed, from → to.
    pub fields: Vec<details::FieldChange>,
    pub url: String,
}

impl From<ChangeRow> for ChangeJson {
    fn from(c: ChangeRow) -> Self {
        let kind = ChangeKind::parse(&c.version.change_kind);
        let status = ListingStatus::parse(&c.version.listing_status);
        ChangeJson {
            cursor: c.cursor,
            at: in_china(c.at).to_rfc3339(),
            kind: c.version.change_kind.clone(),
            kind_label: kind.map_or("", ChangeKind::label).to_owned(),
            tombstone: matches!(status, Ok(ListingStatus::Delisted | ListingStatus::Withdrawn)),
            reason: c.version.reason,
            lot_code: c.version.lot_code,
            url: format!("/products/{}", c.version.catalogue_code),
            catalogue_code: c.version.catalogue_code,
            name: c.version.name,
            category: c.version.category,
            county_code: c.version.county_code,
            county_name: c.version.county_name,
            supplier_name: c.version.supplier_name,
            listing_status: c.version.listing_status,
            unit_price_fen: c.version.unit_price_fen,
            trademark: c.version.trademark,
            fields: c.fields,
        }
    }
}

#[derive(Serialize)]
struct ChangeList {
    /// Every change the filter matches; `null` when reading by cursor.
    total: Option<i64>,
    /// Pass as `since` to get what comes after (with `since` only).
    next_cursor: Option<i32>,
    items: Vec<ChangeJson>,
}

pub const CHANGE_PARAMS: [&str; 9] = [
    "since", "county", "category", "kind", "from", "to", "page", "per_page", "format",
];

/// Reads the filter of the change list, shared by the API, the page and the feeds.
pub fn change_filter(params: &HashMap<String, String>) -> Result<ChangeFilter, AppError> {
    let kind = match params.get("kind").map(|k| k.trim()).filter(|k| !k.is_empty()) {
        Some(k) => Some(ChangeKind::parse_any(k).ok_or_else(|| {
            let known: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
            AppError::BadRequest(format!("参数 kind：不认识“{k}”（可用：{}）", known.join("、")))
        })?),
        None => None,
    };
    let date = |name: &str| -> Result<Option<NaiveDate>, AppError> {
        match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) => day(name, v).map(Some),
            None => Ok(None),
        }
    };
    let after_id = match params.get("since").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<i32>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| AppError::BadRequest(format!("参数 since：“{v}”不是上次返回的 next_cursor")))?,
        ),
        None => None,
    };
    Ok(ChangeFilter {
        narrowing: narrowing(params)?,
        kind,
        from: date("from")?.map(start_of_china_day),
        until: date("to")?.map(end_of_china_day),
        after_id,
    })
}

/// `GET /api/v1/changes`
pub async fn changes(state: State, req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let params = pairs(req.query_string(), &CHANGE_PARAMS)?;
    let filter = change_filter(&params)?;
    let page = number(&params, "page", 1, 100_000)?;
    let per_page = number(&params, "per_page", 100, 1_000)?;
    let by_cursor = filter.after_id;
    let (total, rows) = state
        .db(move |conn| versions::changes(conn, &filter, per_page, (page - 1) * per_page, by_cursor.is_none()))
        .await?;
    let items: Vec<ChangeJson> = rows.into_iter().map(ChangeJson::from).collect();
    let next_cursor = by_cursor.map(|after| items.last().map_or(after, |c| c.cursor));
    Ok(HttpResponse::Ok().json(ChangeList {
        total,
        next_cursor,
        items,
    }))
}
