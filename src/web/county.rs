//! County unions: their nomination batches, online and by spreadsheet upload.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;

use super::nav::Nav;
use super::nominations::BatchSummary;
use super::upload::{self, SHEET_LIMITS};
use super::{State, render, render_with, see_other};
use crate::auth::{CountyUnion, Staff};
use crate::db::workflow::{self, BatchSource};
use crate::error::AppError;
use crate::sheet;
use crate::telemetry::spawn_blocking_in_span;

/// Spreadsheets larger than this are refused before they are read.
pub const MAX_UPLOAD_BYTES: usize = sheet::MAX_UPLOAD_BYTES;

#[derive(Template)]
#[template(path = "county/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    county_name: String,
    batches: Vec<BatchSummary>,
}

pub async fn dashboard(state: State, county: CountyUnion, nav: Nav) -> Result<HttpResponse, AppError> {
    let codes = vec![county.county.to_string()];
    let batches = state.db(move |conn| BatchSummary::load_for(conn, &codes, true)).await?;
    render(&DashboardPage {
        nav,
        county_name: county.county.county().name.to_owned(),
        batches,
    })
}

fn batch_title(county: &CountyUnion) -> String {
    format!(
        "{}推荐名录（{}）",
        county.county.county().name,
        Utc::now().format("%Y-%m-%d")
    )
}

/// Starts an empty online batch.
pub async fn create_batch(state: State, county: CountyUnion) -> Result<HttpResponse, AppError> {
    let source = BatchSource {
        title: batch_title(&county),
        source: "online",
        filename: None,
        recommending_unit: Some(county.org_name.clone()),
        filled_by: None,
        filled_by_phone: None,
    };
    let id = state
        .db(move |conn| workflow::create_batch(conn, &county.county, county.org_id, source, &[], &county.actor()))
        .await?;
    Ok(see_other(&format!("/nominations/{id}")))
}

#[derive(Template)]
#[template(path = "county/upload.html")]
struct UploadPage {
    nav: Nav,
    errors: Vec<String>,
    filename: String,
    max_mb: usize,
}

pub async fn upload_page(_county: CountyUnion, nav: Nav) -> Result<HttpResponse, AppError> {
    render(&UploadPage {
        nav,
        errors: Vec::new(),
        filename: String::new(),
        max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
    })
}

pub async fn upload(
    state: State,
    county: CountyUnion,
    nav: Nav,
    req: HttpRequest,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::refuse_declared_length(&req, SHEET_LIMITS)?;
    let form = upload::read_upload(body, SHEET_LIMITS).await?;
    let (filename, bytes) = (form.filename, form.file);
    let refuse = |nav: Nav, errors: Vec<String>, filename: String| {
        render_with(
            StatusCode::BAD_REQUEST,
            &UploadPage {
                nav,
                errors,
                filename,
                max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
            },
        )
    };
    if bytes.is_empty() {
        return refuse(
            nav,
            vec!["没有收到文件，或文件是空的。请选择要上传的表格。".to_owned()],
            filename,
        );
    }
    let name = filename.clone();
    let parsed = spawn_blocking_in_span(move || sheet::parse_nomination_sheet(&bytes, &name)).await?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => return refuse(nav, e.lines(), filename),
    };
    let foreign = parsed.rows_outside(&county.county);
    if !foreign.is_empty() {
        return refuse(nav, foreign, filename);
    }
    if parsed.rows.is_empty() {
        return refuse(nav, vec!["表格中没有数据行。".to_owned()], filename);
    }
    let rows: Vec<_> = parsed.rows.into_iter().map(|(_, r)| r).collect();
    let source = BatchSource {
        title: batch_title(&county),
        source: "upload",
        filename: Some(filename),
        recommending_unit: parsed.form_meta.recommending_unit,
        filled_by: parsed.form_meta.filled_by,
        filled_by_phone: parsed.form_meta.contact,
    };
    let id = state
        .db(move |conn| workflow::create_batch(conn, &county.county, county.org_id, source, &rows, &county.actor()))
        .await?;
    Ok(see_other(&format!("/nominations/{id}")))
}

/// The blank form in the official layout.
pub async fn template(_staff: Staff) -> Result<HttpResponse, AppError> {
    let bytes = spawn_blocking_in_span(sheet::nomination_template_xlsx).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"template.xlsx\"; filename*=UTF-8''%E8%B4%AB%E5%9B%B0%E5%8E%BF%E9%87%8D%E7%82%B9%E6%89%B6%E8%B4%AB%E4%BA%A7%E5%93%81%E4%BE%9B%E5%BA%94%E5%95%86%E6%8E%A8%E8%8D%90%E5%90%8D%E5%BD%95.xlsx"))
        .body(bytes))
}
