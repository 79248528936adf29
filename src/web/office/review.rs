//! The review queue: forwarded rows, filtered; approve, return or reject one or many at once.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::Office;
use crate::db::nominations::{QueueFilter, queue};
use crate::db::workflow;
use crate::domain::nomination::{ReviewDecision, RowStatus};
use crate::domain::product::CATEGORIES;
use crate::domain::region;
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::{State, render, see_other};

/// Rows shown at once; the office narrows by city, county or category beyond that.
const QUEUE_LIMIT: i64 = 500;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    city: String,
    county: String,
    category: String,
    status: String,
}

pub struct QueueRow {
    pub id: i32,
    pub batch_id: i32,
    pub county_name: String,
    pub row_no: i32,
    pub supplier_name: String,
    pub product_name: String,
    pub category: String,
    pub poor_people: String,
    pub status: RowStatus,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "office/review.html")]
struct QueuePage {
    nav: Nav,
    rows: Vec<QueueRow>,
    query: QueueQuery,
    cities: Vec<(&'static str, &'static str)>,
    counties: Vec<(&'static str, &'static str)>,
    categories: &'static [&'static str],
    statuses: Vec<(&'static str, &'static str)>,
    limit: i64,
    can_decide: bool,
}

impl QueueQuery {
    fn to_filter(&self) -> Result<QueueFilter, AppError> {
        let pick = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let status = match pick(&self.status) {
            Some(s) => Some(RowStatus::parse(&s).ok_or_else(|| AppError::BadRequest(format!("状态“{s}”无效")))?),
            None => None,
        };
        if let Some(c) = pick(&self.city).filter(|c| region::city(c).is_none()) {
            return Err(AppError::BadRequest(format!("市代码“{c}”无效")));
        }
        if let Some(c) = pick(&self.county).filter(|c| region::county(c).is_none()) {
            return Err(AppError::BadRequest(format!("县区代码“{c}”无效")));
        }
        Ok(QueueFilter {
            city: pick(&self.city),
            county: pick(&self.county),
            category: pick(&self.category),
            status,
        })
    }
}

pub async fn queue_page(
    state: State,
    _office: Office,
    nav: Nav,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = query.to_filter()?;
    let shown_status = filter.status.unwrap_or(RowStatus::Pending);
    let rows = state
        .db(move |conn| -> Result<Vec<QueueRow>, AppError> {
            Ok(queue(conn, &filter, QUEUE_LIMIT)?
                .into_iter()
                .map(|(row, county)| QueueRow {
                    id: row.id,
                    batch_id: row.batch_id,
                    county_name: region::county(&county).map(|c| c.name).unwrap_or("").to_owned(),
                    row_no: row.row_no,
                    supplier_name: row.supplier_name.clone(),
                    product_name: row.product_name.clone(),
                    category: row.category.clone().unwrap_or_default(),
                    poor_people: row.poor_people_supported.map(|n| n.to_string()).unwrap_or_default(),
                    status: row.status(),
                    reason: row.review_reason.clone(),
                })
                .collect())
        })
        .await?;
    render(&QueuePage {
        nav,
        rows,
        query,
        cities: region::cities().iter().map(|c| (c.code, c.name)).collect(),
        counties: region::counties().iter().map(|c| (c.code, c.name)).collect(),
        categories: &CATEGORIES,
        statuses: RowStatus::ALL
            .iter()
            .filter(|s| **s != RowStatus::Draft)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        limit: QUEUE_LIMIT,
        can_decide: shown_status == RowStatus::Pending,
    })
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    row_ids: Vec<i32>,
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

/// Approves, returns or rejects the chosen rows, all in one transaction.
pub async fn decide(state: State, office: Office, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let form: DecisionForm =
        serde_html_form::from_bytes(&body).map_err(|e| AppError::BadRequest(format!("审核表单内容有误：{e}")))?;
    let decision = ReviewDecision::parse(&form.decision)
        .ok_or_else(|| AppError::BadRequest(format!("审核结论“{}”无效", form.decision)))?;
    if form.row_ids.is_empty() {
        return Err(AppError::BadRequest("请先勾选要处理的行。".to_owned()));
    }
    let app = state.clone();
    let (ids, reason) = (form.row_ids.clone(), form.reason.clone());
    state
        .db(move |conn| -> Result<Vec<String>, AppError> {
            let result = workflow::decide_rows(conn, &ids, decision, &reason, &office.actor())?;
            app.refresh_search(conn);
            Ok(result)
        })
        .await?;
    let back = if form.back.starts_with("/nominations/") || form.back.starts_with("/office/") {
        form.back
    } else {
        "/office/review".to_owned()
    };
    Ok(see_other(&back))
}
