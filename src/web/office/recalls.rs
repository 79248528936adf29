//! Recalls by lot: the office recalls lots of a product (with or without delisting it), lists the
//! recalls, and sees who received each lot.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::Office;
use crate::db::recalls::{self, Reach, RecallDetails, RecalledLot, Recipient};
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::office::products::find_product;
use crate::web::{State, china_time, render, see_other};

/// Recalls the lots ticked on the office's product page.
pub async fn recall(
    state: State,
    office: Office,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let field = |name: &str| -> String {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().chars().take(300).collect())
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    let mut batch_ids = Vec::new();
    for (_, v) in form.iter().filter(|(k, _)| k == "batch_id") {
        match v.trim().parse::<i32>() {
            Ok(id) => batch_ids.push(id),
            Err(_) => problems.push(format!("批次“{}”无效。", v.chars().take(20).collect::<String>())),
        }
    }
    if batch_ids.is_empty() {
        problems.push("请勾选要召回的批次。".to_owned());
    }
    let details = RecallDetails {
        reason: field("reason"),
        notice_no: field("notice_no"),
        failed_item: field("failed_item"),
        result: field("result"),
        limit: field("limit"),
        testing_body: field("testing_body"),
    };
    for (value, label) in [
        (&details.reason, "召回原因"),
        (&details.notice_no, "公告编号"),
        (&details.failed_item, "不合格项目"),
        (&details.result, "检验结果"),
        (&details.limit, "标准限值"),
        (&details.testing_body, "检验机构"),
    ] {
        if value.is_empty() {
            problems.push(format!("请填写{label}。"));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join(" ")));
    }
    let delist = field("delist") == "1";
    let actor = office.actor();
    let first = batch_ids[0];
    state
        .db(move |conn| -> Result<_, AppError> {
            let product = find_product(conn, &code)?;
            Ok(recalls::recall(conn, product.id, &batch_ids, &details, delist, &actor)?)
        })
        .await?;
    Ok(see_other(&format!("/office/recalls/{first}")))
}

pub struct RecallLine {
    pub batch_id: i32,
    pub lot: String,
    pub product_code: String,
    pub product_name: String,
    pub notice_no: String,
    pub reason: String,
    pub at: String,
}

impl From<&RecalledLot> for RecallLine {
    fn from(r: &RecalledLot) -> Self {
        RecallLine {
            batch_id: r.recall.batch_id,
            lot: r.lot_code.clone(),
            product_code: r.product_code.clone(),
            product_name: r.product_name.clone(),
            notice_no: r.recall.notice_no.clone(),
            reason: r.recall.reason.clone(),
            at: china_time(r.recall.recalled_at),
        }
    }
}

#[derive(Template)]
#[template(path = "office/recalls.html")]
struct RecallsPage {
    nav: Nav,
    recalls: Vec<RecallLine>,
}

pub async fn list(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    let list = state.db(|conn| recalls::list(conn, 500)).await?;
    render(&RecallsPage {
        nav,
        recalls: list.iter().map(RecallLine::from).collect(),
    })
}

#[derive(Template)]
#[template(path = "office/recall.html")]
struct RecallPage {
    nav: Nav,
    recall: RecallLine,
    failed_item: String,
    result: String,
    limit: String,
    testing_body: String,
    recipients: Vec<Recipient>,
    reach: Reach,
    /// Shipments beyond those listed (the export has them all).
    more: i64,
}

/// How many shipments the page lists; the export has every one.
const PAGE_RECIPIENTS: i64 = 500;

/// Who received a recalled lot: unions, orders, quantities and the members covered.
pub async fn recipients(
    state: State,
    _office: Office,
    nav: Nav,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let batch_id = path.into_inner();
    let (recall, recipients, reach) = state
        .db(move |conn| -> Result<_, AppError> {
            let recall = recalls::of_batch(conn, batch_id)?
                .ok_or_else(|| AppError::NotFound("这个批次没有召回记录。".to_owned()))?;
            let recipients = recalls::recipients(conn, batch_id, PAGE_RECIPIENTS)?;
            Ok((recall, recipients, recalls::reach(conn, batch_id)?))
        })
        .await?;
    render(&RecallPage {
        nav,
        failed_item: recall.recall.failed_item.clone(),
        result: recall.recall.result.clone(),
        limit: recall.recall.limit_value.clone(),
        testing_body: recall.recall.testing_body.clone(),
        recall: RecallLine::from(&recall),
        more: reach.shipments - recipients.len() as i64,
        reach,
        recipients,
    })
}

/// Every shipment of a recalled lot, as .xlsx: for the office to call each union.
pub async fn recipients_xlsx(state: State, _office: Office, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let batch_id = path.into_inner();
    let (recall, recipients) = state
        .db(move |conn| -> Result<_, AppError> {
            let recall = recalls::of_batch(conn, batch_id)?
                .ok_or_else(|| AppError::NotFound("这个批次没有召回记录。".to_owned()))?;
            Ok((recall, recalls::recipients(conn, batch_id, i64::MAX)?))
        })
        .await?;
    let title = format!(
        "{}（{}）批次 {} 的收货单位",
        recall.product_name, recall.product_code, recall.lot_code
    );
    let rows: Vec<crate::sheet::RecipientExportRow> = recipients
        .iter()
        .map(|r| crate::sheet::RecipientExportRow {
            union_name: r.union_name.clone(),
            contact: r.contact.clone(),
            order_id: r.order_id,
            order_status: r.order_status.label().to_owned(),
            quantity: i64::from(r.quantity),
            headcount: i64::from(r.headcount),
        })
        .collect();
    let bytes = crate::telemetry::spawn_blocking_in_span(move || crate::sheet::recipients_xlsx(&title, &rows))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"recall-recipients.xlsx\"",
        ))
        .body(bytes))
}
