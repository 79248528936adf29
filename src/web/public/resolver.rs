//! The catalogue as machines read it: each lot's EPCIS 2.0 document (`/t/{code}/{lot}/epcis.json`)
//! and the Digital Link routes answering as a GS1-conformant resolver does — the link set for
//! `?linkType=all` (or `linkset`) or a JSON `Accept`, a redirect for one link type, 404 for an
//! item not in the catalogue.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::db::DbResult;
use crate::db::products::Product;
use crate::db::trace::{MediaOwner, ProductBatch, TraceRecord};
use crate::domain::epcis::{self, BatchTrace, Recall};
use crate::domain::{CatalogueCode, Gtin, InspectionResult, ListingStatus, LotCode};
use crate::error::{ApiError, AppError};
use crate::qr::linkset::{LinkSet, LinkType};
use crate::web::State;

pub const LINKSET_TYPE: &str = "application/linkset+json";

/// `GET /t/{code}/{lot}/epcis.json`
pub async fn epcis_document(state: State, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (code, lot) = path.into_inner();
    let missing = || AppError::NotFound(format!("目录中没有产品 {code} 的批次 {lot}。"));
    let (Ok(code_parsed), Ok(lot_parsed)) = (CatalogueCode::parse(&code), LotCode::parse(&lot)) else {
        return Err(missing().into());
    };
    let wanted = lot_parsed.as_str().to_owned();
    let code_key = code_parsed.clone();
    let record = state
        .db(move |conn| -> DbResult<Option<TraceRecord>> {
            match Product::find_by_catalogue_code(conn, &code_key)? {
                Some(product) => TraceRecord::load(conn, product, Some(&wanted)),
                None => Ok(None),
            }
        })
        .await?;
    let Some(record) = record else {
        return Err(missing().into());
    };
    let Some(batch) = &record.batch else {
        return Err(AppError::NotFound(format!("批次 {lot} 的记录已被删除，没有可提供的追溯事件。")).into());
    };
    let base = state.settings.public_base();
    let gtin = record.product.gtin.as_deref().and_then(|g| Gtin::parse(g).ok());
    let trace = batch_trace(&base, &record, batch, &code_parsed, gtin.as_ref(), &lot_parsed);
    let document = epcis::document(&trace, crate::db::now());
    Ok(HttpResponse::Ok()
        .content_type("application/ld+json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document.to_string()))
}

fn batch_trace<'a>(
    base: &'a str,
    record: &'a TraceRecord,
    batch: &'a ProductBatch,
    code: &'a CatalogueCode,
    gtin: Option<&'a Gtin>,
    lot: &'a LotCode,
) -> BatchTrace<'a> {
    let recall = record.recalls.iter().find(|r| r.batch_id == batch.id).map(|r| Recall {
        at: r.recalled_at,
        reason: &r.reason,
        notice_no: &r.notice_no,
        failed_item: &r.failed_item,
        result: &r.result,
        limit: &r.limit_value,
        testing_body: &r.testing_body,
    });
    BatchTrace {
        base,
        catalogue_code: code,
        gtin,
        lot,
        product_name: &record.product.name,
        supplier_name: &record.supplier.name,
        origin: &batch.origin,
        produced_on: batch.produced_on,
        packed_on: batch.packed_on,
        recorded_at: batch.created_at,
        quantity: batch.quantity_milli.zip(batch.quantity_unit.as_deref()),
        inspection: InspectionResult::parse(&batch.inspection_result).unwrap_or(InspectionResult::Pending),
        inspection_note: &batch.inspection_note,
        inspection_corrected_at: batch.result_corrected_at,
        reports: reports_of(base, record, batch).map(|(href, _)| href).collect(),
        recall,
    }
}

/// The inspection reports (PDF) attached to a batch, as absolute addresses with their captions.
fn reports_of<'a>(
    base: &'a str,
    record: &'a TraceRecord,
    batch: &'a ProductBatch,
) -> impl Iterator<Item = (String, &'a str)> + 'a {
    record
        .media
        .iter()
        .filter(move |m| m.kind == "pdf" && m.belongs_to(MediaOwner::Batch(batch.id)))
        .map(move |m| (format!("{base}/media/{}", m.path), m.caption.as_str()))
}

/// What a Digital Link request asks for beyond the scan page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// The link set, as `application/linkset+json` or, when only JSON was asked for, as JSON.
    LinkSet { plain_json: bool },
    /// One link type (`?linkType=gs1:epcis`): a redirect to its first link.
    Link(LinkType),
}

/// Reads `linkType` and `Accept` as a GS1 resolver does; `None` is the scan page.
pub fn wanted(req: &HttpRequest) -> Option<Wanted> {
    let link_type = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.0.into_iter().find(|(k, _)| k == "linkType").map(|(_, v)| v));
    match link_type.as_deref() {
        Some("all" | "linkset") => return Some(Wanted::LinkSet { plain_json: false }),
        Some(other) => {
            // A link type we do not have falls back to the default link, the scan page.
            if let Some(t) = LinkType::parse(other).filter(|t| *t != LinkType::DefaultLink) {
                return Some(Wanted::Link(t));
            }
        }
        None => {}
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains(LINKSET_TYPE) {
        Some(Wanted::LinkSet { plain_json: false })
    } else if accept.contains("application/json") && !accept.contains("text/html") {
        Some(Wanted::LinkSet { plain_json: true })
    } else {
        None
    }
}

/// Answers a Digital Link request for the link set or one link: 404 (JSON) for an item not in
/// the catalogue.
pub async fn answer(
    state: &State,
    wanted: Wanted,
    gtin: Result<(Gtin, Option<LotCode>), crate::qr::QrError>,
) -> Result<HttpResponse, ApiError> {
    let (gtin, lot) = gtin.map_err(|e| AppError::NotFound(format!("{e}。")))?;
    let gtin14 = gtin.to_gtin14();
    let key = gtin14.clone();
    let lot_code = lot.as_ref().map(|l| l.as_str().to_owned());
    let record = state
        .db(move |conn| -> DbResult<Option<TraceRecord>> {
            match Product::find_by_gtin14(conn, &key)? {
                Some(product) => TraceRecord::load(conn, product, lot_code.as_deref()),
                None => Ok(None),
            }
        })
        .await?;
    let Some(record) = record else {
        let item = match &lot {
            Some(lot) => format!("商品条码 {gtin14} 批次 {}", lot.as_str()),
            None => format!("商品条码 {gtin14}"),
        };
        return Err(AppError::NotFound(format!("目录中没有{item}。")).into());
    };
    let set = link_set(&state.settings.public_base(), &record, &gtin14, lot.as_ref());
    let response = match wanted {
        Wanted::LinkSet { plain_json } => HttpResponse::Ok()
            .content_type(if plain_json { "application/json" } else { LINKSET_TYPE })
            .insert_header((header::VARY, "Accept"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(set.to_json().to_string()),
        Wanted::Link(link_type) => match set.first(link_type) {
            Some(link) => HttpResponse::TemporaryRedirect()
                .insert_header((header::LOCATION, link.href.clone()))
                .insert_header((header::LINK, linkset_header(&set.anchor)))
                .finish(),
            None => {
                return Err(AppError::NotFound(format!("该商品没有“{}”类型的链接。", link_type.uri())).into());
            }
        },
    };
    Ok(response)
}

/// `Link: <…?linkType=linkset>; rel="linkset"; type="application/linkset+json"`, which resolvers
/// put on what they answer so that a client can find every link.
pub fn linkset_header(anchor: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "<{anchor}?linkType=linkset>; rel=\"linkset\"; type=\"{LINKSET_TYPE}\""
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("</>; rel=\"linkset\""))
}

fn link_set(base: &str, record: &TraceRecord, gtin14: &str, lot: Option<&LotCode>) -> LinkSet {
    let product = &record.product;
    let code = &product.catalogue_code;
    let anchor = match lot {
        Some(lot) => format!("{base}/01/{gtin14}/10/{}", lot.as_str()),
        None => format!("{base}/01/{gtin14}"),
    };
    let scan_page = match lot {
        Some(lot) => format!("{base}/t/{code}/{}", lot.as_str()),
        None => format!("{base}/t/{code}"),
    };
    let mut set = LinkSet::new(anchor);
    let title = format!("{}：产品与追溯信息", product.name);
    set.add(LinkType::DefaultLink, scan_page.clone(), title.clone(), "text/html");
    set.add(LinkType::Pip, scan_page.clone(), title, "text/html");
    let batches: Vec<&ProductBatch> = match &record.batch {
        Some(batch) => vec![batch],
        None if lot.is_some() => Vec::new(),
        None => record.batches.iter().collect(),
    };
    for batch in &batches {
        let page = format!("{base}/t/{code}/{}", batch.lot_code);
        set.add(
            LinkType::Traceability,
            page.clone(),
            format!("批次 {} 追溯记录", batch.lot_code),
            "text/html",
        );
        set.add(
            LinkType::Epcis,
            format!("{page}/epcis.json"),
            format!("批次 {} EPCIS 事件", batch.lot_code),
            "application/ld+json",
        );
        for (href, caption) in reports_of(base, record, batch) {
            let title = if caption.trim().is_empty() {
                format!("批次 {} 检测报告", batch.lot_code)
            } else {
                caption.to_owned()
            };
            set.add(LinkType::CertificationInfo, href, title, "application/pdf");
        }
    }
    let recalled = batches
        .iter()
        .any(|b| record.recalls.iter().any(|r| r.batch_id == b.id));
    let status = ListingStatus::parse(&product.listing_status).unwrap_or(ListingStatus::Listed);
    if recalled || status != ListingStatus::Listed {
        let title = if recalled {
            "批次召回公告"
        } else {
            "目录状态公告"
        };
        let notice = lot
            .and_then(|l| record.notice_for(Some(l.as_str())))
            .or_else(|| record.notice_for(None));
        let href = notice.map_or(scan_page, |(id, _)| format!("{base}/notices/{id}"));
        set.add(LinkType::RecallStatus, href, title, "text/html");
    }
    set
}
