//! Keeping a product's traceability record: production sites, batches (lots), the growth-process
//! timeline, photos and inspection reports, the QR label sheet, and how often its codes are
//! scanned. The office keeps every product's record; a county union its own county's.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::forms::{ReasonForm, optional_date as parse_date, required_reason};
use super::nav::Nav;
use super::public::qr::code_url;
use super::public::scan::media_url;
use super::scans::china_today;
use super::{State, render, see_other, upload};
use crate::auth::{CountyUnion, CurrentUser, TraceKeeper};
use crate::db::products::Product;
use crate::db::trace::{
    self, BatchFields, ChangeError, MediaOwner, NewProductBatch, NewSite, NewTraceMedia, NewTraceStep, ProductBatch,
    RecordKind, Site, SiteFields, StepFields, TraceMedia, TraceStep,
};
use crate::db::{DbConnection, now};
use crate::domain::trace::lot_code_is_reserved;
use crate::domain::{
    CatalogueCode, InspectionResult, ListingStatus, LotCode, OrgKind, Quantity, TraceStage, china_time, region,
};
use crate::error::AppError;
use crate::sheet::parse_quantity;

/// Days of scan counts shown on the product's page.
const SCAN_DAYS: i64 = 30;

/// The office may keep any product's record; a county union its own county's; no one else.
fn require_keeper(user: &CurrentUser, product: &Product) -> Result<(), AppError> {
    let allowed = match user.kind {
        OrgKind::Office => true,
        OrgKind::CountyUnion => user.county_code.as_deref() == Some(product.county_code.as_str()),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "追溯信息由省总工会指挥部办公室和产品所在县区总工会维护，您无权查看或修改此产品。".to_owned(),
        ))
    }
}

fn find_product(conn: &mut DbConnection, code: &str) -> Result<Product, AppError> {
    let missing = || AppError::NotFound(format!("目录编号“{code}”不存在。"));
    let parsed = CatalogueCode::parse(code).map_err(|_| missing())?;
    Product::find_by_catalogue_code(conn, &parsed)?.ok_or_else(missing)
}

/// Loads the product and checks the user may keep its record.
fn keep(conn: &mut DbConnection, user: &CurrentUser, code: &str) -> Result<Product, AppError> {
    let product = find_product(conn, code)?;
    require_keeper(user, &product)?;
    Ok(product)
}

fn trace_path(code: &str) -> String {
    format!("/products/{code}/trace")
}

pub struct BatchRow {
    pub id: i32,
    pub version: i32,
    pub lot: String,
    pub produced_on: String,
    pub packed_on: String,
    pub quantity: String,
    pub origin: String,
    pub result: InspectionResult,
    /// "2026-12-02 更正，原为“检测不合格”", when a correction changed the result.
    pub corrected: String,
    pub note: String,
    pub files: Vec<(String, String)>,
    pub scan_href: String,
    pub qr_url: String,
}

pub struct StepRow {
    pub id: i32,
    pub version: i32,
    pub date: String,
    pub stage_value: &'static str,
    pub stage: &'static str,
    pub lot: String,
    pub description: String,
    pub files: usize,
}

pub struct SiteRow {
    pub id: i32,
    pub version: i32,
    pub name: String,
    pub place: String,
    pub altitude_m: String,
    pub altitude: String,
    pub description: String,
    pub files: usize,
}

/// A photo or report in the list where each may be removed.
pub struct MediaRow {
    pub id: i32,
    pub owner: String,
    pub kind: &'static str,
    pub href: String,
    pub caption: String,
}

/// A removed record, still in the database: what it was, when, by whom and why.
pub struct RemovedRow {
    pub what: String,
    pub at: String,
    pub reason: String,
}

pub struct ScanLine {
    pub day: String,
    pub lot: String,
    pub scans: i64,
}

#[derive(Template)]
#[template(path = "trace/manage.html")]
struct ManagePage {
    nav: Nav,
    code: String,
    name: String,
    county_name: String,
    status: ListingStatus,
    is_office: bool,
    qr_url: String,
    sites: Vec<SiteRow>,
    batches: Vec<BatchRow>,
    steps: Vec<StepRow>,
    media: Vec<MediaRow>,
    removed: Vec<RemovedRow>,
    scans: Vec<ScanLine>,
    scans_total: i64,
    scan_days: i64,
    stages: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    today: String,
}

struct Record {
    product: Product,
    sites: Vec<Site>,
    batches: Vec<ProductBatch>,
    steps: Vec<TraceStep>,
    media: Vec<TraceMedia>,
    removed_batches: Vec<ProductBatch>,
    removed: (Vec<Site>, Vec<TraceStep>, Vec<TraceMedia>),
    scans: Vec<(NaiveDate, i32, i64)>,
    qr_url: String,
    lot_urls: Vec<String>,
}

pub async fn page(
    state: State,
    keeper: TraceKeeper,
    nav: Nav,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let counter = state.scan_counter.clone();
    let base = state.settings.public_base();
    let is_office = keeper.kind == OrgKind::Office;
    let r = state
        .db(move |conn| -> Result<Record, AppError> {
            let product = keep(conn, &keeper, &code)?;
            // Counts still in memory are written first, so the page shows every scan so far.
            if let Err(e) = counter.flush_with(conn) {
                tracing::warn!(error = %e, "scan counts not written before reading them");
            }
            let catalogue = CatalogueCode::parse(&product.catalogue_code).expect("stored catalogue codes are valid");
            let qr_url = code_url(conn, &base, &catalogue, None)?.unwrap_or_default();
            let batches = ProductBatch::of_product(conn, product.id)?;
            let mut lot_urls = Vec::new();
            for b in &batches {
                let lot = LotCode::parse(&b.lot_code).ok();
                lot_urls.push(code_url(conn, &base, &catalogue, lot.as_ref())?.unwrap_or_default());
            }
            let since = china_today() - Duration::days(SCAN_DAYS - 1);
            Ok(Record {
                sites: Site::of_product(conn, product.id)?,
                steps: TraceStep::of_product(conn, product.id)?,
                media: TraceMedia::of_product(conn, product.id)?,
                scans: trace::scans_of_product(conn, product.id, since)?,
                removed_batches: ProductBatch::removed_of_product(conn, product.id)?,
                removed: trace::removed_of_product(conn, product.id)?,
                batches,
                qr_url,
                lot_urls,
                product,
            })
        })
        .await?;
    let Record {
        product,
        sites,
        batches,
        steps,
        media,
        removed_batches,
        removed,
        scans,
        qr_url,
        lot_urls,
    } = r;
    let files_of = |owner: MediaOwner| -> Vec<&TraceMedia> { media.iter().filter(|m| m.belongs_to(owner)).collect() };
    // Steps and scans of a removed batch still name its lot.
    let lot_of = |id: i32| {
        batches
            .iter()
            .chain(&removed_batches)
            .find(|b| b.id == id)
            .map(|b| b.lot_code.clone())
            .unwrap_or_default()
    };
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let code = product.catalogue_code.clone();
    render(&ManagePage {
        nav,
        county_name: region::county(&product.county_code)
            .map(|c| format!("{}{}", c.city_name, c.name))
            .unwrap_or_default(),
        status: ListingStatus::parse(&product.listing_status).unwrap_or(ListingStatus::Listed),
        name: product.name.clone(),
        is_office,
        qr_url,
        sites: sites
            .iter()
            .map(|s| SiteRow {
                id: s.id,
                version: s.version,
                name: s.name.clone(),
                place: s.place.clone(),
                altitude_m: s.altitude_m.map(|m| m.to_string()).unwrap_or_default(),
                altitude: s.altitude_m.map(|m| format!("{m} 米")).unwrap_or_default(),
                description: s.description.clone(),
                files: files_of(MediaOwner::Site(s.id)).len(),
            })
            .collect(),
        batches: batches
            .iter()
            .zip(lot_urls)
            .map(|(b, qr_url)| BatchRow {
                id: b.id,
                version: b.version,
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
                result: InspectionResult::parse(&b.inspection_result).unwrap_or(InspectionResult::Pending),
                corrected: super::public::scan::result_correction(b),
                note: b.inspection_note.clone(),
                files: files_of(MediaOwner::Batch(b.id))
                    .iter()
                    .map(|m| {
                        (
                            media_url(&m.path),
                            if m.kind == "pdf" { "PDF" } else { "照片" }.to_owned(),
                        )
                    })
                    .collect(),
                scan_href: format!("/t/{code}/{}", b.lot_code),
                qr_url,
            })
            .collect(),
        steps: steps
            .iter()
            .map(|s| StepRow {
                id: s.id,
                version: s.version,
                date: s.occurred_on.to_string(),
                stage_value: TraceStage::parse(&s.stage).unwrap_or(TraceStage::Other).as_str(),
                stage: TraceStage::parse(&s.stage).unwrap_or(TraceStage::Other).label(),
                lot: s.batch_id.map(lot_of).unwrap_or_default(),
                description: s.description.clone(),
                files: files_of(MediaOwner::Step(s.id)).len(),
            })
            .collect(),
        media: media
            .iter()
            .map(|m| MediaRow {
                id: m.id,
                owner: media_owner_name(m, &sites, &steps, &lot_of),
                kind: if m.kind == "pdf" { "检测报告" } else { "照片" },
                href: media_url(&m.path),
                caption: m.caption.clone(),
            })
            .collect(),
        removed: removed_rows(&removed_batches, &removed, &lot_of),
        scans_total: scans.iter().map(|(_, _, n)| n).sum(),
        scans: scans
            .iter()
            .map(|(day, batch, n)| ScanLine {
                day: day.to_string(),
                lot: if *batch == 0 {
                    "（产品码）".to_owned()
                } else {
                    lot_of(*batch)
                },
                scans: *n,
            })
            .collect(),
        scan_days: SCAN_DAYS,
        stages: TraceStage::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        results: InspectionResult::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        today: china_today().to_string(),
        code,
    })
}

/// How the list of photos names what one belongs to.
fn media_owner_name(m: &TraceMedia, sites: &[Site], steps: &[TraceStep], lot_of: &dyn Fn(i32) -> String) -> String {
    match MediaOwner::parse(&format!("{}-{}", m.owner_kind, m.owner_id)) {
        Some(MediaOwner::Batch(id)) => format!("批次 {}", lot_of(id)),
        Some(MediaOwner::Site(id)) => format!(
            "基地 {}",
            sites
                .iter()
                .find(|s| s.id == id)
                .map_or("（已删除）", |s| s.name.as_str())
        ),
        Some(MediaOwner::Step(id)) => steps.iter().find(|s| s.id == id).map_or_else(
            || "生长过程（已删除）".to_owned(),
            |s| {
                let stage = TraceStage::parse(&s.stage).unwrap_or(TraceStage::Other).label();
                format!("{} {stage}", s.occurred_on)
            },
        ),
        None => String::new(),
    }
}

/// Removed records, most recently removed first.
fn removed_rows(
    batches: &[ProductBatch],
    (sites, steps, media): &(Vec<Site>, Vec<TraceStep>, Vec<TraceMedia>),
    lot_of: &dyn Fn(i32) -> String,
) -> Vec<RemovedRow> {
    let mut rows: Vec<(Option<chrono::NaiveDateTime>, String, Option<String>)> = Vec::new();
    rows.extend(
        batches
            .iter()
            .map(|b| (b.removed_at, format!("批次 {}", b.lot_code), b.removed_reason.clone())),
    );
    rows.extend(
        sites
            .iter()
            .map(|s| (s.removed_at, format!("基地 {}", s.name), s.removed_reason.clone())),
    );
    rows.extend(steps.iter().map(|s| {
        let stage = TraceStage::parse(&s.stage).unwrap_or(TraceStage::Other).label();
        let lot = s
            .batch_id
            .map(|id| format!("（批次 {}）", lot_of(id)))
            .unwrap_or_default();
        (
            s.removed_at,
            format!("生长过程 {} {stage}{lot}：{}", s.occurred_on, s.description),
            s.removed_reason.clone(),
        )
    }));
    rows.extend(media.iter().map(|m| {
        let kind = if m.kind == "pdf" { "检测报告" } else { "照片" };
        let caption = if m.caption.is_empty() {
            String::new()
        } else {
            format!("“{}”", m.caption)
        };
        (m.removed_at, format!("{kind}{caption}"), m.removed_reason.clone())
    }));
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    rows.into_iter()
        .map(|(at, what, reason)| RemovedRow {
            what,
            at: at.map(china_time).unwrap_or_default(),
            reason: reason.unwrap_or_default(),
        })
        .collect()
}

fn required<'a>(label: &str, input: &'a str) -> Result<&'a str, AppError> {
    match input.trim() {
        "" => Err(AppError::BadRequest(format!("请填写{label}。"))),
        s => Ok(s),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SiteForm {
    name: String,
    place: String,
    altitude: String,
    description: String,
}

impl SiteForm {
    fn fields(&self) -> Result<SiteFields, AppError> {
        let altitude_m = match self.altitude.trim().trim_end_matches(['米', 'm']) {
            "" => None,
            s => Some(
                s.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|m| (-500..=9000).contains(m))
                    .ok_or_else(|| {
                        AppError::BadRequest(format!("海拔“{}”无效，请填写米数，如 850。", self.altitude.trim()))
                    })?,
            ),
        };
        Ok(SiteFields {
            name: required("基地名称", &self.name)?.to_owned(),
            place: required("地点", &self.place)?.to_owned(),
            altitude_m,
            description: self.description.trim().to_owned(),
        })
    }
}

pub async fn add_site(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<String>,
    form: web::Form<SiteForm>,
) -> Result<HttpResponse, AppError> {
    let fields = form.fields()?;
    let code = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<i32, AppError> {
            let product = keep(conn, &keeper, &code)?;
            let site = NewSite {
                product_id: product.id,
                name: fields.name,
                place: fields.place,
                altitude_m: fields.altitude_m,
                description: fields.description,
                created_at: now(),
            };
            Ok(trace::add_site(conn, &site, &keeper.actor())?)
        })
        .await?;
    Ok(see_other(&back))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct BatchForm {
    lot: String,
    produced_on: String,
    packed_on: String,
    quantity: String,
    origin: String,
    inspection_result: String,
    inspection_note: String,
}

impl BatchForm {
    /// A new lot: its code (checked, not one the QR routes reserve) and its fields.
    pub fn new_lot(&self) -> Result<(LotCode, BatchFields), AppError> {
        let lot = LotCode::parse(&self.lot).map_err(|e| AppError::BadRequest(e.to_string()))?;
        if lot_code_is_reserved(lot.as_str()) {
            return Err(AppError::BadRequest(format!("批次号不能是“{lot}”，请换一个。")));
        }
        Ok((lot, self.fields()?))
    }

    /// Everything but the lot code, which a correction cannot change.
    fn fields(&self) -> Result<BatchFields, AppError> {
        let result = InspectionResult::parse(&self.inspection_result)
            .ok_or_else(|| AppError::BadRequest(format!("检测结果“{}”无效。", self.inspection_result)))?;
        let quantity = match self.quantity.trim() {
            "" => None,
            s => Some(parse_quantity(s).map_err(|e| AppError::BadRequest(format!("批次数量{e}")))?),
        };
        let produced_on = parse_date("采收/生产日期", &self.produced_on)?;
        let packed_on = parse_date("包装日期", &self.packed_on)?;
        if let (Some(made), Some(packed)) = (produced_on, packed_on)
            && packed < made
        {
            return Err(AppError::BadRequest("包装日期不能早于采收/生产日期。".to_owned()));
        }
        Ok(BatchFields {
            produced_on,
            packed_on,
            quantity_milli: quantity.as_ref().map(|q| q.milli),
            quantity_unit: quantity.map(|q| q.unit),
            origin: self.origin.trim().to_owned(),
            inspection_result: result.as_str().to_owned(),
            inspection_note: self.inspection_note.trim().to_owned(),
        })
    }
}

pub async fn add_batch(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<String>,
    form: web::Form<BatchForm>,
) -> Result<HttpResponse, AppError> {
    let (lot, fields) = form.new_lot()?;
    let code = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<i32, AppError> {
            let product = keep(conn, &keeper, &code)?;
            record_lot(conn, product.id, &lot, fields, &keeper.actor())
        })
        .await?;
    Ok(see_other(&back))
}

/// Records a new lot of a product. A lot code is never reused, not even a removed one's.
pub fn record_lot(
    conn: &mut DbConnection,
    product_id: i32,
    lot: &LotCode,
    fields: BatchFields,
    actor: &crate::db::Actor,
) -> Result<i32, AppError> {
    if let Some(earlier) = ProductBatch::find_lot(conn, product_id, lot.as_str())? {
        let removed = if earlier.removed_at.is_some() {
            "（已删除的批次仍占用其批次号，因为它可能已印在包装上）"
        } else {
            ""
        };
        return Err(AppError::Conflict(format!("批次号“{lot}”已经登记过了{removed}。")));
    }
    let batch = NewProductBatch {
        product_id,
        lot_code: lot.to_string(),
        produced_on: fields.produced_on,
        packed_on: fields.packed_on,
        quantity_milli: fields.quantity_milli,
        quantity_unit: fields.quantity_unit,
        origin: fields.origin,
        inspection_result: fields.inspection_result,
        inspection_note: fields.inspection_note,
        created_at: now(),
    };
    Ok(trace::add_batch(conn, &batch, actor)?)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    occurred_on: String,
    stage: String,
    lot: String,
    description: String,
}

/// A step's date, stage and description, checked; its lot is looked up in the database.
fn step_parts(form: &StepForm) -> Result<(NaiveDate, TraceStage, String), AppError> {
    let occurred_on =
        parse_date("日期", &form.occurred_on)?.ok_or_else(|| AppError::BadRequest("请填写日期。".to_owned()))?;
    let stage =
        TraceStage::parse(&form.stage).ok_or_else(|| AppError::BadRequest(format!("环节“{}”无效。", form.stage)))?;
    let description = required("过程说明", &form.description)?.to_owned();
    Ok((occurred_on, stage, description))
}

/// The live batch a step form names, or none for the whole product.
fn step_batch(conn: &mut DbConnection, product_id: i32, lot: &str) -> Result<Option<i32>, AppError> {
    match lot.trim() {
        "" => Ok(None),
        lot => match ProductBatch::find_lot(conn, product_id, lot)? {
            Some(b) if b.removed_at.is_none() => Ok(Some(b.id)),
            _ => Err(AppError::BadRequest(format!("该产品没有批次“{lot}”。"))),
        },
    }
}

pub async fn add_step(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<String>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (occurred_on, stage, description) = step_parts(&form)?;
    let code = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<i32, AppError> {
            let product = keep(conn, &keeper, &code)?;
            let step = NewTraceStep {
                product_id: product.id,
                batch_id: step_batch(conn, product.id, &form.lot)?,
                occurred_on,
                stage: stage.as_str().to_owned(),
                description,
                created_at: now(),
            };
            Ok(trace::add_step(conn, &step, &keeper.actor())?)
        })
        .await?;
    Ok(see_other(&back))
}

/// A correction: the record's fields as the form now has them, why, and the version of the
/// record the form was shown with.
#[derive(Deserialize)]
pub struct Correction<T> {
    #[serde(flatten)]
    fields: T,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

impl<T> Correction<T> {
    /// The reason and version, checked before anything else: no reason, no change.
    fn reason_and_version(&self) -> Result<(String, i32), AppError> {
        let reason = required_reason("更正", &self.reason)?;
        let version = self
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("表单缺少记录版本，请刷新页面后再更正。".to_owned()))?;
        Ok((reason, version))
    }
}

fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::NotFound(m) => AppError::NotFound(m),
        ChangeError::Moved(m) => AppError::Conflict(m),
        ChangeError::Unchanged(m) => AppError::BadRequest(m),
        ChangeError::Db(e) => AppError::Db(e),
    }
}

/// Corrects a production site of the product.
pub async fn correct_site(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<Correction<SiteForm>>,
) -> Result<HttpResponse, AppError> {
    let (reason, version) = form.reason_and_version()?;
    let fields = form.fields.fields()?;
    let (code, id) = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = keep(conn, &keeper, &code)?;
            trace::correct_site(conn, product.id, id, version, &fields, &reason, &keeper.actor()).map_err(change_error)
        })
        .await?;
    Ok(see_other(&back))
}

/// Corrects a batch of the product: its dates, quantity, origin, inspection result and note.
pub async fn correct_batch(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<Correction<BatchForm>>,
) -> Result<HttpResponse, AppError> {
    let (reason, version) = form.reason_and_version()?;
    let fields = form.fields.fields()?;
    let (code, id) = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = keep(conn, &keeper, &code)?;
            trace::correct_batch(conn, product.id, id, version, &fields, &reason, &keeper.actor()).map_err(change_error)
        })
        .await?;
    Ok(see_other(&back))
}

/// Corrects a step of the product's timeline.
pub async fn correct_step(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<Correction<StepForm>>,
) -> Result<HttpResponse, AppError> {
    let (reason, version) = form.reason_and_version()?;
    let (occurred_on, stage, description) = step_parts(&form.fields)?;
    let lot = form.fields.lot.clone();
    let (code, id) = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = keep(conn, &keeper, &code)?;
            let fields = StepFields {
                batch_id: step_batch(conn, product.id, &lot)?,
                occurred_on,
                stage: stage.as_str().to_owned(),
                description,
            };
            trace::correct_step(conn, product.id, id, version, &fields, &reason, &keeper.actor()).map_err(change_error)
        })
        .await?;
    Ok(see_other(&back))
}

async fn remove(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<ReasonForm>,
    kind: RecordKind,
) -> Result<HttpResponse, AppError> {
    let reason = required_reason("删除", &form.reason)?;
    let (code, id) = path.into_inner();
    let back = trace_path(&code);
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = keep(conn, &keeper, &code)?;
            trace::remove(conn, kind, product.id, id, &reason, &keeper.actor()).map_err(change_error)
        })
        .await?;
    Ok(see_other(&back))
}

/// Removes a production site: kept, with the reason, but no longer shown.
pub async fn remove_site(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    remove(state, keeper, path, form, RecordKind::Site).await
}

/// Removes a batch: its lot's scan page then says the record was withdrawn, and when.
pub async fn remove_batch(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    remove(state, keeper, path, form, RecordKind::Batch).await
}

/// Removes a step of the timeline.
pub async fn remove_step(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    remove(state, keeper, path, form, RecordKind::Step).await
}

/// Removes a photo or report (the file stays: it is named by content and may be shared).
pub async fn remove_media(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<(String, i32)>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    remove(state, keeper, path, form, RecordKind::Media).await
}

/// A photo for a site, a timeline step or a batch, or a batch's inspection report as PDF.
pub async fn upload_media(
    state: State,
    keeper: TraceKeeper,
    req: HttpRequest,
    path: web::Path<String>,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::refuse_declared_length(&req, upload::MEDIA_LIMITS)?;
    // The product is the caller's to keep before a byte of the file is read.
    let code = path.into_inner();
    let user: CurrentUser = keeper.0;
    let product = {
        let (code, user) = (code.clone(), user.clone());
        state.db(move |conn| keep(conn, &user, &code)).await?
    };
    let form = upload::read_upload(body, upload::MEDIA_LIMITS).await?;
    let owner = MediaOwner::parse(form.field("attach_to"))
        .ok_or_else(|| AppError::BadRequest("请选择照片或报告属于哪个基地、环节或批次。".to_owned()))?;
    if form.file.is_empty() {
        return Err(AppError::BadRequest(
            "没有收到文件，或文件是空的，请重新选择。".to_owned(),
        ));
    }
    let back = trace_path(&code);
    let product_id = product.id;
    if !state
        .db(move |conn| trace::owner_belongs_to(conn, owner, product_id))
        .await?
    {
        return Err(AppError::BadRequest("所选的基地、环节或批次不属于该产品。".to_owned()));
    }
    let caption: String = form.field("caption").chars().take(100).collect();
    let is_pdf = form.file.starts_with(b"%PDF-");
    if is_pdf && !matches!(owner, MediaOwner::Batch(_)) {
        return Err(AppError::BadRequest(
            "PDF 只能作为批次的检测报告上传；基地和生长过程请上传照片。".to_owned(),
        ));
    }
    let stored = upload::store_file(&state, form.file).await?;
    let written = stored.written.clone();
    let new = NewTraceMedia {
        product_id: product.id,
        owner_kind: owner.kind().to_owned(),
        owner_id: owner.id(),
        kind: stored.kind.to_owned(),
        path: stored.path,
        thumb_path: stored.thumb.as_ref().map(|t| t.0.clone()),
        thumb_width: stored.thumb.as_ref().map(|t| t.1 as i32),
        thumb_height: stored.thumb.as_ref().map(|t| t.2 as i32),
        caption,
        created_at: now(),
    };
    let saved = state.db(move |conn| trace::add_media(conn, &new, &user.actor())).await;
    if let Err(e) = saved {
        // Files are named by content and may be shared with an earlier upload of the same photo:
        // only files no row refers to are removed.
        upload::remove_unused(&state, written).await;
        return Err(e);
    }
    Ok(see_other(&back))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LabelQuery {
    lot: String,
}

pub struct Label {
    pub qr: String,
    pub lot: String,
}

/// Labels on an A4 sheet: 3 across, 8 down, 70 × 37 mm each (the common A4 label stock).
const LABELS_PER_SHEET: usize = 24;

#[derive(Template)]
#[template(path = "trace/labels.html")]
struct LabelSheet {
    name: String,
    code: String,
    specification: String,
    url: String,
    labels: Vec<Label>,
}

pub async fn labels(
    state: State,
    keeper: TraceKeeper,
    path: web::Path<String>,
    query: web::Query<LabelQuery>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let lot = match query.lot.trim() {
        "" => None,
        s => Some(LotCode::parse(s).map_err(|e| AppError::BadRequest(e.to_string()))?),
    };
    let base = state.settings.public_base();
    let lot_for_query = lot.clone();
    let (product, url) = state
        .db(move |conn| -> Result<(Product, String), AppError> {
            let product = keep(conn, &keeper, &code)?;
            let catalogue = CatalogueCode::parse(&product.catalogue_code).expect("stored catalogue codes are valid");
            let url = code_url(conn, &base, &catalogue, lot_for_query.as_ref())?
                .ok_or_else(|| AppError::NotFound("该产品没有这个批次。".to_owned()))?;
            Ok((product, url))
        })
        .await?;
    let qr = match &lot {
        Some(lot) => format!("/t/{}/{lot}/qr.svg", product.catalogue_code),
        None => format!("/t/{}/qr.svg", product.catalogue_code),
    };
    let lot = lot.map(|l| l.to_string()).unwrap_or_default();
    render(&LabelSheet {
        labels: (0..LABELS_PER_SHEET)
            .map(|_| Label {
                qr: qr.clone(),
                lot: lot.clone(),
            })
            .collect(),
        name: product.name,
        code: product.catalogue_code,
        specification: product.specification,
        url,
    })
}

pub struct CountyProduct {
    pub code: String,
    pub name: String,
    pub status: ListingStatus,
    pub batches: i64,
}

#[derive(Template)]
#[template(path = "trace/county_products.html")]
struct CountyProductsPage {
    nav: Nav,
    county_name: String,
    products: Vec<CountyProduct>,
}

/// A county union's products, each with a link to its traceability record.
pub async fn county_products(state: State, county: CountyUnion, nav: Nav) -> Result<HttpResponse, AppError> {
    let county = county.county.to_string();
    let county_for_query = county.clone();
    let rows = state
        .db(move |conn| -> Result<Vec<(String, String, String, i64)>, AppError> {
            use crate::db::schema::{product_batches, products};
            use diesel::prelude::*;
            let products: Vec<(i32, String, String, String)> = products::table
                .filter(products::county_code.eq(&county_for_query))
                .order(products::catalogue_code)
                .select((
                    products::id,
                    products::catalogue_code,
                    products::name,
                    products::listing_status,
                ))
                .load(conn)?;
            let ids: Vec<i32> = products.iter().map(|p| p.0).collect();
            let counts: Vec<(i32, i64)> = product_batches::table
                .filter(product_batches::product_id.eq_any(&ids))
                .group_by(product_batches::product_id)
                .select((product_batches::product_id, diesel::dsl::count_star()))
                .load(conn)?;
            Ok(products
                .into_iter()
                .map(|(id, code, name, status)| {
                    let n = counts.iter().find(|(p, _)| *p == id).map(|(_, n)| *n).unwrap_or(0);
                    (code, name, status, n)
                })
                .collect())
        })
        .await?;
    render(&CountyProductsPage {
        nav,
        county_name: region::county(&county).map(|c| c.name).unwrap_or("").to_owned(),
        products: rows
            .into_iter()
            .map(|(code, name, status, batches)| CountyProduct {
                code,
                name,
                status: ListingStatus::parse(&status).unwrap_or(ListingStatus::Listed),
                batches,
            })
            .collect(),
    })
}
