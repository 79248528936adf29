//! One nomination batch, as the county fills it in, the city forwards it and the office reviews it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::forms::{NominationForm, ReasonForm};
use super::nav::Nav;
use super::{State, china_time, render, render_with, see_other};
use crate::auth::{CityUnion, CountyUnion, CurrentUser, Staff};
use crate::db::events::{self, Event};
use crate::db::nominations::{Batch, Row};
use crate::db::workflow;
use crate::db::{DbConnection, DbResult};
use crate::domain::nomination::{BatchStatus, RowStatus};
use crate::domain::product::CATEGORIES;
use crate::domain::{CountyCode, OrgKind, PovertyRegionKind, Subject, region};
use crate::error::AppError;

/// A line in a list of batches.
pub struct BatchSummary {
    pub id: i32,
    pub title: String,
    pub county_name: String,
    pub status: BatchStatus,
    pub rows: usize,
    pub pending: usize,
    pub approved: usize,
    pub returned: usize,
    pub source: String,
    pub updated_at: String,
}

impl BatchSummary {
    pub fn load_for(conn: &mut DbConnection, counties: &[String], include_drafts: bool) -> DbResult<Vec<BatchSummary>> {
        let mut out = Vec::new();
        for batch in Batch::of_counties(conn, counties)? {
            if !include_drafts && batch.status() == BatchStatus::Draft {
                continue;
            }
            let rows = Row::of_batch(conn, batch.id)?;
            let count = |s: RowStatus| rows.iter().filter(|r| r.status() == s).count();
            out.push(BatchSummary {
                id: batch.id,
                title: batch.title.clone(),
                county_name: region::county(&batch.county_code)
                    .map(|c| c.name)
                    .unwrap_or("")
                    .to_owned(),
                status: batch.status(),
                rows: rows.len(),
                pending: count(RowStatus::Pending),
                approved: count(RowStatus::Approved),
                returned: count(RowStatus::Returned),
                source: if batch.source == "upload" {
                    batch.source_filename.clone().unwrap_or_default()
                } else {
                    "在线填报".to_owned()
                },
                updated_at: china_time(batch.updated_at),
            });
        }
        Ok(out)
    }
}

pub struct RowView {
    pub id: i32,
    pub row_no: i32,
    pub supplier_name: String,
    pub credit_code: String,
    pub product_name: String,
    pub annual_output: String,
    pub poor_people: String,
    pub contact: String,
    pub category: String,
    pub specification: String,
    pub unit_price: String,
    pub national_catalogue_no: String,
    pub poverty_region: String,
    pub status: RowStatus,
    pub reason: String,
    pub missing: String,
    pub editable: bool,
    pub product_code: Option<String>,
}

pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub reason: String,
}

impl HistoryLine {
    pub fn from_event(e: &Event, subject: &str) -> Self {
        HistoryLine {
            at: china_time(e.occurred_at),
            who: e.actor_label.clone(),
            what: format!("{subject}{}", e.label()),
            reason: e.reason.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "nominations/batch.html")]
struct BatchPage {
    nav: Nav,
    batch_id: i32,
    title: String,
    county_name: String,
    status: BatchStatus,
    source: String,
    rows: Vec<RowView>,
    history: Vec<HistoryLine>,
    can_edit: bool,
    can_submit: bool,
    can_forward: bool,
    can_review: bool,
    form: NominationForm,
    errors: Vec<String>,
    categories: &'static [&'static str],
    poverty_kinds: Vec<(&'static str, &'static str)>,
}

pub fn poverty_kinds() -> Vec<(&'static str, &'static str)> {
    PovertyRegionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

/// The batch, if this user may see it: the county its own, the city its counties', the office
/// everything; drafts stay with the county.
fn load_visible(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<Batch, AppError> {
    let batch = Batch::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("推荐名录 {id} 不存在。")))?;
    user.require_county_access(&batch.county_code)?;
    if batch.status() == BatchStatus::Draft && user.kind != OrgKind::CountyUnion {
        return Err(AppError::NotFound(format!("推荐名录 {id} 尚未提交。")));
    }
    Ok(batch)
}

struct BatchData {
    batch: Batch,
    rows: Vec<Row>,
    history: Vec<HistoryLine>,
    product_codes: Vec<(i32, String)>,
}

fn load_batch_data(conn: &mut DbConnection, user: &CurrentUser, id: i32) -> Result<BatchData, AppError> {
    let batch = load_visible(conn, user, id)?;
    let rows = Row::of_batch(conn, id)?;
    let mut history: Vec<(chrono::NaiveDateTime, i32, HistoryLine)> =
        events::history(conn, Subject::NominationBatch, id)?
            .iter()
            .map(|e| (e.occurred_at, e.id, HistoryLine::from_event(e, "")))
            .collect();
    for row in &rows {
        for e in events::history(conn, Subject::NominationRow, row.id)? {
            history.push((
                e.occurred_at,
                e.id,
                HistoryLine::from_event(&e, &format!("第 {} 行“{}”：", row.row_no, row.product_name)),
            ));
        }
    }
    history.sort_by_key(|(at, id, _)| (*at, *id));
    let product_ids: Vec<i32> = rows.iter().filter_map(|r| r.product_id).collect();
    let product_codes = {
        use crate::db::schema::products;
        use diesel::prelude::*;
        products::table
            .filter(products::id.eq_any(&product_ids))
            .select((products::id, products::catalogue_code))
            .load(conn)?
    };
    Ok(BatchData {
        batch,
        rows,
        history: history.into_iter().map(|(_, _, h)| h).collect(),
        product_codes,
    })
}

fn row_view(row: &Row, batch: &Batch, county_editable: bool, product_codes: &[(i32, String)]) -> RowView {
    let input = row.to_input(&batch.county_code);
    let missing = input.missing_for_submission();
    RowView {
        id: row.id,
        row_no: row.row_no,
        supplier_name: row.supplier_name.clone(),
        credit_code: row.credit_code.clone().unwrap_or_default(),
        product_name: row.product_name.clone(),
        annual_output: input.annual_output.map(|q| q.to_string()).unwrap_or_default(),
        poor_people: row.poor_people_supported.map(|n| n.to_string()).unwrap_or_default(),
        contact: format!("{} {}", row.contact_name, row.contact_phone.clone().unwrap_or_default()),
        category: row.category.clone().unwrap_or_default(),
        specification: row.specification.clone().unwrap_or_default(),
        unit_price: input.unit_price.map(|f| format!("{f} 元")).unwrap_or_default(),
        national_catalogue_no: row.national_catalogue_no.clone().unwrap_or_default(),
        poverty_region: input.poverty_region.map(|k| k.label().to_owned()).unwrap_or_default(),
        status: row.status(),
        reason: row.review_reason.clone(),
        missing: missing.join("、"),
        editable: (county_editable && row.status().county_can_edit()) || row.status() == RowStatus::Returned,
        product_code: row
            .product_id
            .and_then(|id| product_codes.iter().find(|(pid, _)| *pid == id).map(|(_, c)| c.clone())),
    }
}

async fn batch_page(
    state: &State,
    user: CurrentUser,
    nav: Nav,
    id: i32,
    form: NominationForm,
    errors: Vec<String>,
) -> Result<BatchPage, AppError> {
    let viewer = user.clone();
    let data = state.db(move |conn| load_batch_data(conn, &viewer, id)).await?;
    let status = data.batch.status();
    let is_county = user.kind == OrgKind::CountyUnion;
    let can_edit = is_county && status.county_can_edit();
    let has_returned = data.rows.iter().any(|r| r.status() == RowStatus::Returned);
    let rows: Vec<RowView> = data
        .rows
        .iter()
        .map(|r| row_view(r, &data.batch, can_edit, &data.product_codes))
        .collect();
    Ok(BatchPage {
        nav,
        batch_id: id,
        title: data.batch.title.clone(),
        county_name: region::county(&data.batch.county_code)
            .map(|c| c.name)
            .unwrap_or("")
            .to_owned(),
        status,
        source: data
            .batch
            .source_filename
            .clone()
            .unwrap_or_else(|| "在线填报".to_owned()),
        can_submit: is_county && status.submit(has_returned).is_ok() && !rows.is_empty(),
        can_forward: user.kind == OrgKind::CityUnion && status == BatchStatus::Submitted,
        can_review: user.kind == OrgKind::Office && rows.iter().any(|r| r.status == RowStatus::Pending),
        can_edit,
        rows,
        history: data.history,
        form,
        errors,
        categories: &CATEGORIES,
        poverty_kinds: poverty_kinds(),
    })
}

pub async fn page(state: State, staff: Staff, nav: Nav, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    render(&batch_page(&state, staff.0, nav, id, NominationForm::default(), Vec::new()).await?)
}

fn batch_county(batch: &Batch) -> Result<CountyCode, AppError> {
    CountyCode::parse(&batch.county_code).map_err(|e| AppError::Internal(e.to_string()))
}

/// The form shown again with its problems, or the next step after it was saved.
type FormOutcome = Result<(), (NominationForm, Vec<String>)>;

pub async fn add_row(
    state: State,
    county: CountyUnion,
    nav: Nav,
    path: web::Path<i32>,
    form: web::Form<NominationForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let user = county.user.clone();
    let outcome = state
        .db(move |conn| -> Result<FormOutcome, AppError> {
            let batch = load_visible(conn, &user, id)?;
            let county = batch_county(&batch)?;
            match form.parse(&county) {
                Ok(mut input) => {
                    if input.row_no.is_none() {
                        let last = Row::of_batch(conn, id)?.iter().map(|r| r.row_no).max().unwrap_or(0);
                        input.row_no = Some(last as u32 + 1);
                    }
                    workflow::add_row(conn, id, &input, &user.actor())?;
                    Ok(Ok(()))
                }
                Err(errors) => Ok(Err((form, errors))),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/nominations/{id}#rows"))),
        Err((form, errors)) => {
            let page = batch_page(&state, county.user, nav, id, form, errors).await?;
            render_with(StatusCode::BAD_REQUEST, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "nominations/edit_row.html")]
struct EditRowPage {
    nav: Nav,
    batch_id: i32,
    row_id: i32,
    form: NominationForm,
    errors: Vec<String>,
    categories: &'static [&'static str],
    poverty_kinds: Vec<(&'static str, &'static str)>,
}

impl EditRowPage {
    fn new(nav: Nav, batch_id: i32, row_id: i32, form: NominationForm, errors: Vec<String>) -> Self {
        EditRowPage {
            nav,
            batch_id,
            row_id,
            form,
            errors,
            categories: &CATEGORIES,
            poverty_kinds: poverty_kinds(),
        }
    }
}

fn load_row(conn: &mut DbConnection, user: &CurrentUser, batch_id: i32, row_id: i32) -> Result<(Batch, Row), AppError> {
    let batch = load_visible(conn, user, batch_id)?;
    let row = Row::find(conn, row_id)?
        .filter(|r| r.batch_id == batch_id)
        .ok_or_else(|| AppError::NotFound("该行不存在。".to_owned()))?;
    Ok((batch, row))
}

pub async fn edit_row_page(
    state: State,
    county: CountyUnion,
    nav: Nav,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (batch_id, row_id) = path.into_inner();
    let form = state
        .db(move |conn| -> Result<NominationForm, AppError> {
            let (batch, row) = load_row(conn, &county, batch_id, row_id)?;
            Ok(NominationForm::from_input(&row.to_input(&batch.county_code)))
        })
        .await?;
    render(&EditRowPage::new(nav, batch_id, row_id, form, Vec::new()))
}

pub async fn edit_row(
    state: State,
    county: CountyUnion,
    nav: Nav,
    path: web::Path<(i32, i32)>,
    form: web::Form<NominationForm>,
) -> Result<HttpResponse, AppError> {
    let (batch_id, row_id) = path.into_inner();
    let form = form.into_inner();
    let outcome = state
        .db(move |conn| -> Result<FormOutcome, AppError> {
            let (batch, row) = load_row(conn, &county, batch_id, row_id)?;
            match form.parse(&batch_county(&batch)?) {
                Ok(mut input) => {
                    input.row_no = input.row_no.or(u32::try_from(row.row_no).ok());
                    workflow::edit_row(conn, row_id, &input, &county.actor())?;
                    Ok(Ok(()))
                }
                Err(errors) => Ok(Err((form, errors))),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/nominations/{batch_id}#rows"))),
        Err((form, errors)) => render_with(
            StatusCode::BAD_REQUEST,
            &EditRowPage::new(nav, batch_id, row_id, form, errors),
        ),
    }
}

pub async fn remove_row(
    state: State,
    county: CountyUnion,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (batch_id, row_id) = path.into_inner();
    state
        .db(move |conn| -> Result<(), AppError> {
            load_row(conn, &county, batch_id, row_id)?;
            Ok(workflow::remove_row(conn, row_id, &county.actor())?)
        })
        .await?;
    Ok(see_other(&format!("/nominations/{batch_id}#rows")))
}

/// Runs a batch action for a user who may see the batch, and returns to the batch page.
async fn batch_action<F>(
    state: State,
    user: CurrentUser,
    id: i32,
    reason: String,
    action: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConnection, i32, &str, &workflow::Actor) -> Result<(), workflow::WorkflowError> + Send + 'static,
{
    state
        .db(move |conn| -> Result<(), AppError> {
            load_visible(conn, &user, id)?;
            Ok(action(conn, id, &reason, &user.actor())?)
        })
        .await?;
    Ok(see_other(&format!("/nominations/{id}")))
}

pub async fn submit(state: State, county: CountyUnion, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    batch_action(state, county.user, path.into_inner(), String::new(), |c, id, _, a| {
        workflow::submit_batch(c, id, a)
    })
    .await
}

pub async fn forward(state: State, city: CityUnion, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    batch_action(state, city.user, path.into_inner(), String::new(), |c, id, _, a| {
        workflow::forward_batch(c, id, a)
    })
    .await
}

pub async fn return_batch(
    state: State,
    city: CityUnion,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    batch_action(
        state,
        city.user,
        path.into_inner(),
        form.into_inner().reason,
        workflow::return_batch,
    )
    .await
}
