//! The page a traceability QR code opens: `/t/{code}`, `/t/{code}/{lot}`, and the GS1 Digital
//! Link forms `/01/{gtin}` and `/01/{gtin}/10/{lot}`.
//!
//! Phones on weak networks read it, so it is one small self-contained HTML page (its CSS inline,
//! no script, thumbnails loaded lazily) that never reads the session: the same page for everyone,
//! which lets it be cached (see `web::scans`).

use actix_web::http::header;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::products::Product;
use crate::db::trace::{MediaOwner, ProductBatch, TraceMedia, TraceRecord};
use crate::db::{DbConnection, DbResult};
use crate::domain::{
    CatalogueCode, Fen, InspectionResult, ListingStatus, LotCode, PovertyRegionKind, Quantity, TraceStage, region,
};
use crate::error::AppError;
use crate::qr;
use crate::web::public::resolver;
use crate::web::{State, china_time};

/// How the scanned code names the product.
enum Lookup {
    Code(CatalogueCode),
    Gtin14(String),
}

pub async fn short(state: State, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    match CatalogueCode::parse(&code) {
        Ok(c) => serve(state, &req, Lookup::Code(c), None).await,
        Err(_) => Ok(not_in_catalogue(&code)),
    }
}

pub async fn short_lot(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (code, lot) = path.into_inner();
    match (CatalogueCode::parse(&code), LotCode::parse(&lot)) {
        (Ok(c), Ok(l)) => serve(state, &req, Lookup::Code(c), Some(l)).await,
        _ => Ok(not_in_catalogue(&format!("{code}/{lot}"))),
    }
}

/// `/01/{gtin}`: the scan page, or what a GS1 resolver answers when a link set or one link type is
/// asked for (see [`resolver`]).
pub async fn digital_link(state: State, req: HttpRequest, path: web::Path<String>) -> actix_web::Result<HttpResponse> {
    let gtin = path.into_inner();
    let parsed = qr::parse_digital_link(&gtin, None);
    if let Some(wanted) = resolver::wanted(&req) {
        // Machines asking for links get JSON errors; people on the scan page get pages.
        return Ok(resolver::answer(&state, wanted, parsed).await?);
    }
    let page = match parsed {
        Ok((g, _)) => serve(state.clone(), &req, Lookup::Gtin14(g.to_gtin14()), None).await?,
        Err(_) => not_in_catalogue(&gtin),
    };
    Ok(announce_linkset(&state, &req, page))
}

pub async fn digital_link_lot(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> actix_web::Result<HttpResponse> {
    let (gtin, lot) = path.into_inner();
    let parsed = qr::parse_digital_link(&gtin, Some(&lot));
    if let Some(wanted) = resolver::wanted(&req) {
        // Machines asking for links get JSON errors; people on the scan page get pages.
        return Ok(resolver::answer(&state, wanted, parsed).await?);
    }
    let page = match parsed {
        Ok((g, l)) => serve(state.clone(), &req, Lookup::Gtin14(g.to_gtin14()), l).await?,
        Err(_) => not_in_catalogue(&format!("{gtin}/10/{lot}")),
    };
    Ok(announce_linkset(&state, &req, page))
}

/// A found Digital Link page names its link set in a `Link` header, as resolvers do.
fn announce_linkset(state: &State, req: &HttpRequest, mut page: HttpResponse) -> HttpResponse {
    if page.status().is_success() {
        let anchor = format!("{}{}", state.settings.public_base(), req.path());
        page.headers_mut()
            .insert(header::LINK, resolver::linkset_header(&anchor));
        page.headers_mut()
            .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    }
    page
}

/// Answers from the cache when it can, else renders and caches the page; counts the scan.
async fn serve(
    state: State,
    req: &HttpRequest,
    lookup: Lookup,
    lot: Option<LotCode>,
) -> Result<HttpResponse, AppError> {
    let key = req.path();
    if let Some(page) = state.scan_pages.get(key) {
        state.scan_counter.count(page.product_id, page.batch_id);
        return Ok(html(page.html.clone()));
    }
    let generation = state.scan_pages.generation();
    let lot_code = lot.as_ref().map(|l| l.as_str().to_owned());
    let record = state
        .db(move |conn| -> DbResult<Option<TraceRecord>> {
            let Some(product) = find(conn, &lookup)? else {
                return Ok(None);
            };
            TraceRecord::load(conn, product, lot_code.as_deref())
        })
        .await?;
    let Some(record) = record else {
        return Ok(not_in_catalogue(key.trim_start_matches('/')));
    };
    let product_id = record.product.id;
    let batch_id = record.batch.as_ref().map(|b| b.id).unwrap_or(0);
    let page = ScanPage::from_record(record);
    let body = Bytes::from(page.render()?);
    state
        .scan_pages
        .insert(key, product_id, batch_id, body.clone(), generation);
    state.scan_counter.count(product_id, batch_id);
    Ok(html(body))
}

fn find(conn: &mut DbConnection, lookup: &Lookup) -> DbResult<Option<Product>> {
    match lookup {
        Lookup::Code(code) => Product::find_by_catalogue_code(conn, code),
        Lookup::Gtin14(gtin) => Product::find_by_gtin14(conn, gtin),
    }
}

fn html(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        // Always asked again: a delisting must show at once, even to a phone that scanned before.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

#[derive(Template)]
#[template(path = "public/scan_missing.html")]
struct MissingPage<'a> {
    code: &'a str,
}

/// The answer to a code the catalogue does not know: it may be counterfeit.
pub fn not_in_catalogue(code: &str) -> HttpResponse {
    let code: String = code.chars().take(80).collect();
    let body = MissingPage { code: &code }
        .render()
        .unwrap_or_else(|_| "该编码不在目录中".to_owned());
    HttpResponse::NotFound().content_type(ContentType::html()).body(body)
}

pub struct Banner {
    /// The notice of the suspension or delisting: (id, number).
    pub notice: Option<(i32, String)>,
    pub title: &'static str,
    pub advice: &'static str,
    pub at: String,
    pub reason: String,
}

/// A recalled lot, as its own scan page announces it.
pub struct RecallBanner {
    /// The recall's notice: (id, number).
    pub notice: Option<(i32, String)>,
    pub lot: String,
    pub at: String,
    pub reason: String,
    pub notice_no: String,
    pub failed_item: String,
    pub result: String,
    pub limit: String,
    pub testing_body: String,
}

/// A lot whose record was removed after its codes were printed.
pub struct WithdrawnLot {
    pub lot: String,
    pub at: String,
    pub reason: String,
}

pub struct Photo {
    pub thumb: String,
    pub full: String,
    pub width: i32,
    pub height: i32,
    pub caption: String,
}

pub struct SiteView {
    pub name: String,
    pub place: String,
    pub altitude: String,
    pub description: String,
    pub photos: Vec<Photo>,
}

pub struct BatchView {
    pub lot: String,
    pub produced_on: String,
    pub packed_on: String,
    pub quantity: String,
    pub origin: String,
    pub result: InspectionResult,
    /// "2026-12-02 更正，原为“检测不合格”", when a correction changed the result.
    pub corrected: String,
    pub note: String,
    pub reports: Vec<(String, String)>,
    pub photos: Vec<Photo>,
}

pub struct BatchLine {
    pub lot: String,
    pub href: String,
    pub produced_on: String,
    pub result: InspectionResult,
    pub corrected: String,
    pub recalled: bool,
}

pub struct StepView {
    pub date: String,
    pub stage: &'static str,
    pub description: String,
    pub lot: String,
    pub photos: Vec<Photo>,
}

#[derive(Template)]
#[template(path = "public/scan.html")]
pub struct ScanPage {
    pub name: String,
    pub code: String,
    pub category: String,
    pub specification: String,
    pub price: String,
    pub description: String,
    pub status: ListingStatus,
    pub banner: Option<Banner>,
    pub recall: Option<RecallBanner>,
    /// Other lots of the product were recalled, not this one (or, on the product's own page,
    /// which lots were): what the page says about it.
    pub recall_note: String,
    pub withdrawn_lot: Option<WithdrawnLot>,
    pub supplier: String,
    pub supplier_credit_code: String,
    pub place: String,
    pub poverty_county: String,
    pub poverty_kind: String,
    pub poor_people: i32,
    pub national_no: String,
    pub certificates: Vec<(String, String, String)>,
    pub sites: Vec<SiteView>,
    pub batch: Option<BatchView>,
    pub batches: Vec<BatchLine>,
    pub timeline: Vec<StepView>,
    pub product_href: String,
}

impl ScanPage {
    fn from_record(r: TraceRecord) -> ScanPage {
        let p = &r.product;
        let status = ListingStatus::parse(&p.listing_status).unwrap_or(ListingStatus::Listed);
        let county = region::county(&p.county_code);
        let photos_of = |owner: MediaOwner| photos(&r.media, owner);
        let lot_of = |id: Option<i32>| {
            id.and_then(|id| r.batches.iter().find(|b| b.id == id))
                .map(|b| b.lot_code.clone())
                .unwrap_or_default()
        };
        // A lot's page shows that lot's steps; the product's page those of its newest lot.
        let scanned_batch = r.batch.as_ref().or(r.batches.first()).map(|b| b.id);
        let timeline = r
            .steps
            .iter()
            .filter(|s| s.batch_id.is_none() || s.batch_id == scanned_batch)
            .map(|s| StepView {
                date: s.occurred_on.format("%Y-%m-%d").to_string(),
                stage: TraceStage::parse(&s.stage).unwrap_or(TraceStage::Other).label(),
                description: s.description.clone(),
                lot: lot_of(s.batch_id),
                photos: photos_of(MediaOwner::Step(s.id)),
            })
            .collect();
        let short = |lot: Option<&str>| {
            let code = CatalogueCode::parse(&p.catalogue_code).expect("stored catalogue codes are valid");
            let lot = lot.and_then(|l| LotCode::parse(l).ok());
            qr::product_url("", &code, None, lot.as_ref())
        };
        ScanPage {
            name: p.name.clone(),
            code: p.catalogue_code.clone(),
            category: p.category.clone(),
            specification: p.specification.clone(),
            price: Fen(p.unit_price_fen).to_string(),
            description: p.description.clone(),
            status,
            banner: banner(status, &r),
            recall: recall_banner(&r),
            recall_note: recall_note(&r),
            withdrawn_lot: r.removed_batch.as_ref().map(|b| WithdrawnLot {
                lot: b.lot_code.clone(),
                at: b.removed_at.map(china_time).unwrap_or_default(),
                reason: b.removed_reason.clone().unwrap_or_default(),
            }),
            supplier: r.supplier.name.clone(),
            supplier_credit_code: r.supplier.credit_code.clone(),
            place: county
                .map(|c| format!("陕西省{}{}", c.city_name, c.name))
                .unwrap_or_default(),
            poverty_county: match county {
                Some(c) if c.former_poverty_county => match c.poverty_exit_year {
                    Some(year) => format!("原国家扶贫开发工作重点县（贫困县），{year} 年脱贫摘帽"),
                    None => "原贫困县".to_owned(),
                },
                _ => "非贫困县".to_owned(),
            },
            poverty_kind: PovertyRegionKind::parse(&p.poverty_region_kind)
                .map(|k| match &p.poverty_region_note {
                    Some(note) if !note.is_empty() => format!("{}（{note}）", k.label()),
                    _ => k.label().to_owned(),
                })
                .unwrap_or_default(),
            poor_people: p.poor_people_supported,
            national_no: p.national_catalogue_no.clone(),
            certificates: r
                .certificates
                .iter()
                .map(|(kind, number, until)| {
                    let until = until.map(|d| format!("有效期至 {d}")).unwrap_or_default();
                    (kind.clone(), number.clone(), until)
                })
                .collect(),
            sites: r
                .sites
                .iter()
                .map(|s| SiteView {
                    name: s.name.clone(),
                    place: s.place.clone(),
                    altitude: s.altitude_m.map(|m| format!("海拔 {m} 米")).unwrap_or_default(),
                    description: s.description.clone(),
                    photos: photos_of(MediaOwner::Site(s.id)),
                })
                .collect(),
            batch: r.batch.as_ref().map(|b| batch_view(b, &r.media)),
            batches: if r.batch.is_some() || r.removed_batch.is_some() {
                Vec::new()
            } else {
                r.batches
                    .iter()
                    .map(|b| BatchLine {
                        lot: b.lot_code.clone(),
                        href: short(Some(&b.lot_code)),
                        produced_on: date(b.produced_on),
                        result: inspection(b),
                        corrected: result_correction(b),
                        recalled: r.recalls.iter().any(|x| x.batch_id == b.id),
                    })
                    .collect()
            },
            timeline,
            product_href: short(None),
        }
    }
}

fn banner(status: ListingStatus, r: &TraceRecord) -> Option<Banner> {
    let (title, advice) = match status {
        ListingStatus::Listed => return None,
        ListingStatus::Suspended => (
            "该产品已暂停推荐（正在调查）",
            "调查期间请暂缓采购，核查结果将在本页公布。",
        ),
        ListingStatus::Delisted => (
            "该产品已被清出目录",
            "请勿再采购；已购入的产品请停止食用，保留包装和购买凭证，向所在单位工会反映。",
        ),
        ListingStatus::Withdrawn => ("该产品已撤出目录", "供应商已退出目录，本页信息仅供查询。"),
    };
    let (at, reason) = match &r.status_event {
        Some(e) => (e.occurred_at, e.reason.clone()),
        None => (r.product.status_changed_at, String::new()),
    };
    Some(Banner {
        notice: if status == ListingStatus::Withdrawn {
            None
        } else {
            r.notice_for(None)
        },
        title,
        advice,
        at: china_time(at),
        reason,
    })
}

fn recall_banner(r: &TraceRecord) -> Option<RecallBanner> {
    let batch = r.batch.as_ref()?;
    let recall = r.recalls.iter().find(|x| x.batch_id == batch.id)?;
    Some(RecallBanner {
        notice: r.notice_for(Some(&batch.lot_code)),
        lot: batch.lot_code.clone(),
        at: china_time(recall.recalled_at),
        reason: recall.reason.clone(),
        notice_no: recall.notice_no.clone(),
        failed_item: recall.failed_item.clone(),
        result: recall.result.clone(),
        limit: recall.limit_value.clone(),
        testing_body: recall.testing_body.clone(),
    })
}

fn recall_note(r: &TraceRecord) -> String {
    let recalled: Vec<&str> = r
        .batches
        .iter()
        .filter(|b| r.recalls.iter().any(|x| x.batch_id == b.id))
        .map(|b| b.lot_code.as_str())
        .collect();
    if recalled.is_empty() {
        return String::new();
    }
    match &r.batch {
        Some(b) if recalled.contains(&b.lot_code.as_str()) => String::new(),
        Some(b) => format!(
            "本批次（{}）不在召回范围内。该产品已召回的批次：{}。",
            b.lot_code,
            recalled.join("、")
        ),
        None => format!(
            "该产品以下批次已被召回：{}。请核对包装上的批次号；其他批次不受影响。",
            recalled.join("、")
        ),
    }
}

fn batch_view(b: &ProductBatch, media: &[TraceMedia]) -> BatchView {
    let owner = MediaOwner::Batch(b.id);
    BatchView {
        lot: b.lot_code.clone(),
        produced_on: date(b.produced_on),
        packed_on: date(b.packed_on),
        quantity: match (b.quantity_milli, &b.quantity_unit) {
            (Some(milli), Some(unit)) => Quantity {
                milli,
                unit: unit.clone(),
            }
            .to_string(),
            _ => String::new(),
        },
        origin: b.origin.clone(),
        result: inspection(b),
        corrected: result_correction(b),
        note: b.inspection_note.clone(),
        reports: media
            .iter()
            .filter(|m| m.belongs_to(owner) && m.kind == "pdf")
            .map(|m| {
                (
                    media_url(&m.path),
                    if m.caption.is_empty() {
                        "检测报告（PDF）".to_owned()
                    } else {
                        m.caption.clone()
                    },
                )
            })
            .collect(),
        photos: photos(media, owner),
    }
}

fn inspection(b: &ProductBatch) -> InspectionResult {
    InspectionResult::parse(&b.inspection_result).unwrap_or(InspectionResult::Pending)
}

/// How a corrected inspection result is marked: "2026-12-02 更正，原为“检测不合格”" (China date),
/// or nothing when no correction changed it.
pub fn result_correction(b: &ProductBatch) -> String {
    match (b.result_corrected_at, &b.result_was) {
        (Some(at), Some(was)) => {
            let was = InspectionResult::parse(was).map_or(was.as_str(), |r| r.label());
            format!("{} 更正，原为“{was}”", crate::domain::china_date(at))
        }
        _ => String::new(),
    }
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

fn photos(media: &[TraceMedia], owner: MediaOwner) -> Vec<Photo> {
    media
        .iter()
        .filter(|m| m.belongs_to(owner) && m.kind == "photo")
        .map(|m| Photo {
            thumb: media_url(m.thumb_path.as_deref().unwrap_or(&m.path)),
            full: media_url(&m.path),
            width: m.thumb_width.unwrap_or(480),
            height: m.thumb_height.unwrap_or(360),
            caption: m.caption.clone(),
        })
        .collect()
}

pub fn media_url(path: &str) -> String {
    format!("/media/{path}")
}
