//! County unions: their nomination batches, online and by spreadsheet upload.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::nav::Nav;
use super::nominations::BatchSummary;
use super::upload;
use super::{State, render, see_other};
use crate::auth::{CurrentUser, csrf};
use crate::db::workflow::{self, BatchSource};
use crate::db::{self, DbResult};
use crate::domain::{CountyCode, OrgKind};
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

fn own_county(user: &CurrentUser) -> Result<CountyCode, AppError> {
    user.require(OrgKind::CountyUnion)?;
    let code = user.county_code.as_deref().unwrap_or_default();
    CountyCode::parse(code)
        .map_err(|_| AppError::Forbidden("您的账号没有对应的县区，请联系省总工会指挥部办公室。".to_owned()))
}

pub async fn dashboard(state: State, user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    let county = own_county(&user)?;
    let pool = state.pool.clone();
    let codes = vec![county.to_string()];
    let batches = spawn_blocking_in_span(move || -> DbResult<_> {
        let mut conn = db::connection::get(&pool)?;
        BatchSummary::load_for(&mut conn, &codes, true)
    })
    .await??;
    render(&DashboardPage {
        nav: Nav::from_session(&session),
        county_name: county.county().name.to_owned(),
        batches,
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

/// Starts an empty online batch.
pub async fn create_batch(
    state: State,
    user: CurrentUser,
    session: Session,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    let county = own_county(&user)?;
    let pool = state.pool.clone();
    let title = format!("{}推荐名录（{}）", county.county().name, Utc::now().format("%Y-%m-%d"));
    let source = BatchSource {
        title,
        source: "online",
        filename: None,
        recommending_unit: Some(user.org_name.clone()),
        filled_by: None,
        filled_by_phone: None,
    };
    let id = spawn_blocking_in_span(move || -> Result<i32, AppError> {
        let mut conn = db::connection::get(&pool)?;
        Ok(workflow::create_batch(
            &mut conn,
            &county,
            user.org_id,
            source,
            &[],
            &user.actor(),
        )?)
    })
    .await??;
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

pub async fn upload_page(user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    own_county(&user)?;
    render(&UploadPage {
        nav: Nav::from_session(&session),
        errors: Vec::new(),
        filename: String::new(),
        max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
    })
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "文件超过 {} MB，请拆分后分批上传。",
        MAX_UPLOAD_BYTES / 1024 / 1024
    ))
}

pub async fn upload(
    state: State,
    user: CurrentUser,
    session: Session,
    req: HttpRequest,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    let county = own_county(&user)?;
    upload::refuse_declared_length(&req, MAX_UPLOAD_BYTES, too_large)?;
    let form = upload::read_upload(body, MAX_UPLOAD_BYTES, too_large).await?;
    let (token, filename, bytes) = (form.field("csrf_token").to_owned(), form.filename, form.file);
    csrf::verify(&session, &token)?;
    let refuse = |errors: Vec<String>| -> Result<HttpResponse, AppError> {
        let page = UploadPage {
            nav: Nav::from_session(&session),
            errors,
            filename: filename.clone(),
            max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
        };
        Ok(HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(page.render()?))
    };
    if bytes.is_empty() {
        return refuse(vec!["没有收到文件，或文件是空的。请选择要上传的表格。".to_owned()]);
    }
    let name = filename.clone();
    let parsed = spawn_blocking_in_span(move || sheet::parse_nomination_sheet(&bytes, &name)).await?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => return refuse(e.lines()),
    };
    let foreign = parsed.rows_outside(&county);
    if !foreign.is_empty() {
        return refuse(foreign);
    }
    if parsed.rows.is_empty() {
        return refuse(vec!["表格中没有数据行。".to_owned()]);
    }
    let rows: Vec<_> = parsed.rows.into_iter().map(|(_, r)| r).collect();
    let pool = state.pool.clone();
    let source = BatchSource {
        title: format!("{}推荐名录（{}）", county.county().name, Utc::now().format("%Y-%m-%d")),
        source: "upload",
        filename: Some(filename.clone()),
        recommending_unit: parsed.form_meta.recommending_unit,
        filled_by: parsed.form_meta.filled_by,
        filled_by_phone: parsed.form_meta.contact,
    };
    let id = spawn_blocking_in_span(move || -> Result<i32, AppError> {
        let mut conn = db::connection::get(&pool)?;
        Ok(workflow::create_batch(
            &mut conn,
            &county,
            user.org_id,
            source,
            &rows,
            &user.actor(),
        )?)
    })
    .await??;
    Ok(see_other(&format!("/nominations/{id}")))
}

/// The blank form in the official layout.
pub async fn template(user: CurrentUser) -> Result<HttpResponse, AppError> {
    if !matches!(user.kind, OrgKind::CountyUnion | OrgKind::CityUnion | OrgKind::Office) {
        return Err(AppError::Forbidden(
            "此页面仅供县区、市总工会和指挥部办公室使用。".to_owned(),
        ));
    }
    let bytes = spawn_blocking_in_span(sheet::nomination_template_xlsx).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"template.xlsx\"; filename*=UTF-8''%E8%B4%AB%E5%9B%B0%E5%8E%BF%E9%87%8D%E7%82%B9%E6%89%B6%E8%B4%AB%E4%BA%A7%E5%93%81%E4%BE%9B%E5%BA%94%E5%95%86%E6%8E%A8%E8%8D%90%E5%90%8D%E5%BD%95.xlsx"))
        .body(bytes))
}
