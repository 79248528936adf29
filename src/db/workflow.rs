//! The state changes of nominations and products, each one transaction with its events.

use crate::domain::versions::ChangeKind;
use diesel::prelude::*;

use super::events::NewEvent;
use super::nominations::{Batch, NewBatch, NewRow, Row};
use super::products::{NewProduct, Product, reserve_catalogue_codes};
use super::schema::{products, quality_incidents};
use super::search_changes::logged_transaction;
use super::suppliers::{NewSupplier, Supplier};
use super::{DbConnection, DbError, now};
use crate::domain::details::{self, Details, DetailsError, FieldChange};
use crate::domain::listing::ListingError;
use crate::domain::nomination::{BatchStatus, NominationError, ReviewDecision, RowStatus};
use crate::domain::{Action, CountyCode, IncidentStatus, ListingStatus, Subject};
use crate::sheet::NominationInput;

pub use super::events::Actor;

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Nomination(#[from] NominationError),
    #[error(transparent)]
    Listing(#[from] ListingError),
    /// Someone else changed the record first: who, when and to what.
    #[error("{0}")]
    Moved(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Details(#[from] DetailsError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for WorkflowError {
    fn from(e: diesel::result::Error) -> Self {
        WorkflowError::Db(DbError::Query(e))
    }
}

type Result<T> = std::result::Result<T, WorkflowError>;

pub(super) fn event(
    subject: Subject,
    id: i32,
    action: Action,
    from: Option<&str>,
    to: Option<&str>,
    reason: &str,
    actor: &Actor,
) -> NewEvent {
    NewEvent::new(subject, id, action, actor)
        .moved(from, to)
        .because(reason)
}

pub struct BatchSource {
    pub title: String,
    pub source: &'static str,
    pub filename: Option<String>,
    pub recommending_unit: Option<String>,
    pub filled_by: Option<String>,
    pub filled_by_phone: Option<String>,
}

/// Creates a draft batch with its rows, all or nothing.
pub fn create_batch(
    conn: &mut DbConnection,
    county: &CountyCode,
    organisation_id: i32,
    source: BatchSource,
    rows: &[NominationInput],
    actor: &Actor,
) -> Result<i32> {
    super::transaction(conn, |conn| {
        let at = now();
        let id = NewBatch {
            county_code: county.to_string(),
            organisation_id,
            title: source.title,
            status: BatchStatus::Draft.as_str().to_owned(),
            source: source.source.to_owned(),
            source_filename: source.filename.clone(),
            recommending_unit: source.recommending_unit,
            filled_by: source.filled_by,
            filled_by_phone: source.filled_by_phone,
            created_by: actor.user_id,
            created_at: at,
            updated_at: at,
        }
        .insert(conn)?;
        let new_rows: Vec<NewRow> = rows.iter().map(|r| NewRow::draft(id, r)).collect();
        super::nominations::insert_rows(conn, &new_rows)?;
        let how = match &source.filename {
            Some(name) => format!("上传 {name}，{} 行", rows.len()),
            None => format!("在线填报，{} 行", rows.len()),
        };
        event(
            Subject::NominationBatch,
            id,
            Action::Create,
            None,
            Some("draft"),
            &how,
            actor,
        )
        .record(conn)?;
        Ok(id)
    })
}

/// The error for a compare-and-set that found the record already moved: who moved it and when.
fn moved(conn: &mut DbConnection, subject: Subject, id: i32, what: &str) -> WorkflowError {
    let by = super::events::moved_by(conn, subject, id).unwrap_or_default();
    WorkflowError::Moved(format!("{what}刚刚已被他人处理{by}，请刷新页面查看当前状态后再操作。"))
}

fn move_batch(conn: &mut DbConnection, batch: &Batch, to: BatchStatus) -> Result<()> {
    if Batch::move_status(conn, batch.id, batch.status(), to)? {
        Ok(())
    } else {
        Err(moved(
            conn,
            Subject::NominationBatch,
            batch.id,
            &format!("推荐名录 {}", batch.id),
        ))
    }
}

fn move_row(conn: &mut DbConnection, row: &Row, to: RowStatus, reason: &str) -> Result<()> {
    if Row::move_status(conn, row.id, row.status(), to, reason)? {
        Ok(())
    } else {
        Err(moved(
            conn,
            Subject::NominationRow,
            row.id,
            &format!("第 {} 行", row.row_no),
        ))
    }
}

fn load_batch(conn: &mut DbConnection, id: i32) -> Result<Batch> {
    Batch::find(conn, id)?.ok_or_else(|| WorkflowError::NotFound(format!("推荐名录 {id} 不存在")))
}

pub fn add_row(conn: &mut DbConnection, batch_id: i32, input: &NominationInput, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let batch = load_batch(conn, batch_id)?;
        if !batch.status().county_can_edit() {
            return Err(NominationError::BatchNotAllowed {
                status: batch.status(),
                action: "添加行",
            }
            .into());
        }
        super::nominations::insert_rows(conn, &[NewRow::draft(batch_id, input)])?;
        event(
            Subject::NominationBatch,
            batch_id,
            Action::AddRow,
            None,
            None,
            &input.product_name,
            actor,
        )
        .record(conn)?;
        Ok(())
    })
}

/// Changes a row the county may still edit: a draft, or one the office returned.
pub fn edit_row(conn: &mut DbConnection, row_id: i32, input: &NominationInput, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let row = Row::find(conn, row_id)?.ok_or_else(|| WorkflowError::NotFound(format!("推荐行 {row_id} 不存在")))?;
        let batch = load_batch(conn, row.batch_id)?;
        let editable =
            row.status() == RowStatus::Returned || (batch.status().county_can_edit() && row.status().county_can_edit());
        if !editable {
            return Err(NominationError::RowNotAllowed {
                status: row.status(),
                action: "修改",
            }
            .into());
        }
        Row::replace(conn, row_id, input)?;
        event(Subject::NominationRow, row_id, Action::Edit, None, None, "", actor).record(conn)?;
        Ok(())
    })
}

pub fn remove_row(conn: &mut DbConnection, row_id: i32, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let row = Row::find(conn, row_id)?.ok_or_else(|| WorkflowError::NotFound(format!("推荐行 {row_id} 不存在")))?;
        let batch = load_batch(conn, row.batch_id)?;
        if !batch.status().county_can_edit() || row.status() != RowStatus::Draft {
            return Err(NominationError::RowNotAllowed {
                status: row.status(),
                action: "删除",
            }
            .into());
        }
        Row::delete(conn, row_id)?;
        event(
            Subject::NominationBatch,
            row.batch_id,
            Action::RemoveRow,
            None,
            None,
            &row.product_name,
            actor,
        )
        .record(conn)?;
        Ok(())
    })
}

/// The county submits its batch to the city union. Every row still with the county must be complete.
pub fn submit_batch(conn: &mut DbConnection, batch_id: i32, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let batch = load_batch(conn, batch_id)?;
        let rows = Row::of_batch(conn, batch_id)?;
        let returned: Vec<&Row> = rows.iter().filter(|r| r.status() == RowStatus::Returned).collect();
        let to = batch.status().submit(!returned.is_empty())?;
        let with_county: Vec<&Row> = rows.iter().filter(|r| r.status().county_can_edit()).collect();
        if with_county.is_empty() {
            return Err(NominationError::NothingToSubmit.into());
        }
        for row in &with_county {
            let missing = row.to_input(&batch.county_code).missing_for_submission();
            if !missing.is_empty() {
                return Err(NominationError::Incomplete {
                    row_no: row.row_no,
                    missing,
                }
                .into());
            }
        }
        for row in returned {
            move_row(conn, row, RowStatus::Draft, "")?;
        }
        move_batch(conn, &batch, to)?;
        event(
            Subject::NominationBatch,
            batch_id,
            Action::Submit,
            Some(batch.status().as_str()),
            Some(to.as_str()),
            "",
            actor,
        )
        .record(conn)?;
        Ok(())
    })
}

/// The city union forwards a submitted batch to the office: its draft rows await review.
pub fn forward_batch(conn: &mut DbConnection, batch_id: i32, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let batch = load_batch(conn, batch_id)?;
        let to = batch.status().forward()?;
        for row in Row::of_batch(conn, batch_id)?
            .iter()
            .filter(|r| r.status() == RowStatus::Draft)
        {
            move_row(conn, row, RowStatus::Pending, "")?;
        }
        move_batch(conn, &batch, to)?;
        event(
            Subject::NominationBatch,
            batch_id,
            Action::Forward,
            Some(batch.status().as_str()),
            Some(to.as_str()),
            "",
            actor,
        )
        .record(conn)?;
        Ok(())
    })
}

pub fn return_batch(conn: &mut DbConnection, batch_id: i32, reason: &str, actor: &Actor) -> Result<()> {
    super::transaction(conn, |conn| {
        let batch = load_batch(conn, batch_id)?;
        let to = batch.status().return_to_county(reason)?;
        move_batch(conn, &batch, to)?;
        event(
            Subject::NominationBatch,
            batch_id,
            Action::Return,
            Some(batch.status().as_str()),
            Some(to.as_str()),
            reason,
            actor,
        )
        .record(conn)?;
        Ok(())
    })
}

/// The office decides many rows at once; all or none. Approved rows become listed products.
/// Returns the catalogue codes given to approved rows.
pub fn decide_rows(
    conn: &mut DbConnection,
    row_ids: &[i32],
    decision: ReviewDecision,
    reason: &str,
    actor: &Actor,
) -> Result<Vec<String>> {
    logged_transaction(conn, |conn| {
        let mut codes = Vec::new();
        for &row_id in row_ids {
            let row =
                Row::find(conn, row_id)?.ok_or_else(|| WorkflowError::NotFound(format!("推荐行 {row_id} 不存在")))?;
            let batch = load_batch(conn, row.batch_id)?;
            if batch.status() != BatchStatus::Forwarded {
                return Err(NominationError::BatchNotAllowed {
                    status: batch.status(),
                    action: "审核",
                }
                .into());
            }
            let to = row.status().decide(decision, reason)?;
            move_row(conn, &row, to, reason.trim())?;
            event(
                Subject::NominationRow,
                row_id,
                decision.action(),
                Some(row.status().as_str()),
                Some(to.as_str()),
                reason.trim(),
                actor,
            )
            .record(conn)?;
            if decision == ReviewDecision::Approve {
                let (product_id, code) = list_product(conn, &row, &batch, actor)?;
                Row::link_product(conn, row_id, product_id)?;
                codes.push(code);
            }
        }
        Ok(codes)
    })
}

/// Creates the listed product for an approved row, reusing the supplier with the same credit code.
fn list_product(conn: &mut DbConnection, row: &Row, batch: &Batch, actor: &Actor) -> Result<(i32, String)> {
    let input = row.to_input(&batch.county_code);
    let missing = input.missing_for_submission();
    if !missing.is_empty() {
        return Err(NominationError::Incomplete {
            row_no: row.row_no,
            missing,
        }
        .into());
    }
    let county = CountyCode::parse(&batch.county_code).map_err(|e| WorkflowError::NotFound(e.to_string()))?;
    let credit_code = input
        .credit_code
        .as_ref()
        .expect("complete rows carry a credit code")
        .to_string();
    let at = now();
    let supplier_id = match Supplier::find_by_credit_code(conn, &credit_code)? {
        Some(s) => s.id,
        None => NewSupplier {
            credit_code,
            name: input.supplier_name.clone(),
            county_code: county.to_string(),
            address: None,
            contact_name: input.contact_name.clone(),
            contact_phone: input.contact_phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            created_at: at,
            updated_at: at,
        }
        .insert(conn)?,
    };
    let code = reserve_catalogue_codes(conn, &county, 1)?.remove(0);
    let output = input.annual_output.clone().expect("complete rows carry an output");
    let product_id = NewProduct {
        trademark: String::new(),
        catalogue_code: code.to_string(),
        name: input.product_name.clone(),
        supplier_id,
        county_code: county.to_string(),
        category: input.category.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        specification: input.specification.clone().unwrap_or_default(),
        unit_price_fen: input.unit_price.map(|f| f.0).unwrap_or(0),
        annual_output_milli: output.milli,
        annual_output_unit: output.unit,
        poor_people_supported: input.poor_people_supported.unwrap_or(0) as i32,
        national_catalogue_no: input.national_catalogue_no.clone().unwrap_or_default(),
        gtin: input.gtin.as_ref().map(|g| g.to_string()),
        poverty_region_kind: input
            .poverty_region
            .map(|k| k.as_str())
            .unwrap_or("poverty_county")
            .to_owned(),
        poverty_region_note: input.poverty_region_note.clone(),
        description: input
            .certificates
            .clone()
            .map(|c| format!("认证：{c}"))
            .unwrap_or_default(),
        listing_status: ListingStatus::Listed.as_str().to_owned(),
        status_changed_at: at,
        listed_at: at,
        created_at: at,
        updated_at: at,
    }
    .insert(conn)?;
    let reason = format!("推荐行 {} 审核通过", row.id);
    event(
        Subject::Product,
        product_id,
        Action::List,
        None,
        Some("listed"),
        &reason,
        actor,
    )
    .record(conn)?;
    super::versions::record(conn, product_id, ChangeKind::Listed, &reason, None)?;
    super::search_changes::record(conn, product_id)?;
    Ok((product_id, code.to_string()))
}

/// Moves a product between listing states (suspend, withdraw, clear a suspension, delist).
pub fn change_listing(
    conn: &mut DbConnection,
    product_id: i32,
    to: ListingStatus,
    reason: &str,
    actor: &Actor,
) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(NominationError::ReasonRequired.into());
    }
    logged_transaction(conn, |conn| set_listing(conn, product_id, to, reason.trim(), actor))
}

fn product(conn: &mut DbConnection, product_id: i32) -> Result<Product> {
    products::table
        .find(product_id)
        .select(Product::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| WorkflowError::NotFound(format!("产品 {product_id} 不存在")))
}

fn set_listing(conn: &mut DbConnection, product_id: i32, to: ListingStatus, reason: &str, actor: &Actor) -> Result<()> {
    let product = product(conn, product_id)?;
    let from = ListingStatus::parse(&product.listing_status)?;
    from.move_to(to)?;
    let at = now();
    let changed = diesel::update(
        products::table
            .find(product_id)
            .filter(products::listing_status.eq(from.as_str())),
    )
    .set((
        products::listing_status.eq(to.as_str()),
        products::status_changed_at.eq(at),
        products::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(moved(
            conn,
            Subject::Product,
            product_id,
            &format!("产品 {}", product.catalogue_code),
        ));
    }
    event(
        Subject::Product,
        product_id,
        listing_action(to),
        Some(from.as_str()),
        Some(to.as_str()),
        reason,
        actor,
    )
    .record(conn)?;
    let kind = ChangeKind::of_action(listing_action(to)).expect("every listing action is a change");
    let version = super::versions::record(conn, product_id, kind, reason, None)?;
    if matches!(to, ListingStatus::Suspended | ListingStatus::Delisted) {
        let findings = super::notices::incident_findings(conn, product_id)?;
        super::notices::issue(conn, version, product_id, kind, reason, &findings)?;
    }
    super::search_changes::record(conn, product_id)?;
    Ok(())
}

/// Corrects the details of a product in the catalogue (listed or suspended) to `to`, as one
/// change of the catalogue: the product row, its event (with the changed fields before and after),
/// a version, and the search index's log, in one transaction. `seen_version` is the version the
/// form was made from: if another change came first, nothing is written. Returns what changed.
pub fn change_details(
    conn: &mut DbConnection,
    product_id: i32,
    seen_version: i32,
    to: &Details,
    reason: &str,
    actor: &Actor,
) -> Result<Vec<FieldChange>> {
    let reason = details::reason(reason)?;
    logged_transaction(conn, |conn| {
        let product = product(conn, product_id)?;
        details::correctable(ListingStatus::parse(&product.listing_status)?)?;
        let current = super::versions::current_id(conn, product_id)?;
        if current != Some(seen_version) {
            return Err(moved(
                conn,
                Subject::Product,
                product_id,
                &format!("产品 {}", product.catalogue_code),
            ));
        }
        let from = Details {
            name: product.name.clone(),
            specification: product.specification.clone(),
            unit_price_fen: product.unit_price_fen,
            trademark: product.trademark.clone(),
        };
        let changes = details::field_changes(&from, to);
        if changes.is_empty() {
            return Err(DetailsError::Unchanged.into());
        }
        diesel::update(products::table.find(product_id))
            .set((
                products::name.eq(&to.name),
                products::specification.eq(&to.specification),
                products::unit_price_fen.eq(to.unit_price_fen),
                products::trademark.eq(&to.trademark),
                products::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let before = from.stored(&changes);
        event(
            Subject::Product,
            product_id,
            Action::Edit,
            Some(&before),
            Some(&to.stored(&changes)),
            &reason,
            actor,
        )
        .record(conn)?;
        super::versions::record_details_change(conn, product_id, &reason, before)?;
        super::search_changes::record(conn, product_id)?;
        Ok(changes)
    })
}

fn listing_action(to: ListingStatus) -> Action {
    match to {
        ListingStatus::Listed => Action::Relist,
        ListingStatus::Suspended => Action::Suspend,
        ListingStatus::Delisted => Action::Delist,
        ListingStatus::Withdrawn => Action::Withdraw,
    }
}

pub struct NewIncident {
    pub product_id: i32,
    pub lot_code: Option<String>,
    pub occurred_on: chrono::NaiveDate,
    pub source: String,
    pub description: String,
}

/// Records an incident against a product; `suspend` also suspends it while it is investigated.
pub fn open_incident(conn: &mut DbConnection, incident: NewIncident, suspend: bool, actor: &Actor) -> Result<i32> {
    logged_transaction(conn, |conn| {
        let id: i32 = diesel::insert_into(quality_incidents::table)
            .values((
                quality_incidents::product_id.eq(incident.product_id),
                quality_incidents::lot_code.eq(&incident.lot_code),
                quality_incidents::occurred_on.eq(incident.occurred_on),
                quality_incidents::source.eq(&incident.source),
                quality_incidents::description.eq(&incident.description),
                quality_incidents::status.eq(IncidentStatus::Open.as_str()),
                quality_incidents::created_by.eq(actor.user_id),
                quality_incidents::created_at.eq(now()),
            ))
            .returning(quality_incidents::id)
            .get_result(conn)?;
        event(
            Subject::Incident,
            id,
            Action::Open,
            None,
            Some("open"),
            &incident.description,
            actor,
        )
        .record(conn)?;
        if suspend {
            set_listing(
                conn,
                incident.product_id,
                ListingStatus::Suspended,
                &format!("质量事件 {id}：{}", incident.source),
                actor,
            )?;
        }
        Ok(id)
    })
}

/// Settles an incident. Verified serious delists the product in the same transaction.
pub fn settle_incident(
    conn: &mut DbConnection,
    incident_id: i32,
    to: IncidentStatus,
    reason: &str,
    actor: &Actor,
) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(NominationError::ReasonRequired.into());
    }
    logged_transaction(conn, |conn| {
        let (product_id, status): (i32, String) = quality_incidents::table
            .find(incident_id)
            .select((quality_incidents::product_id, quality_incidents::status))
            .first(conn)
            .optional()?
            .ok_or_else(|| WorkflowError::NotFound(format!("质量事件 {incident_id} 不存在")))?;
        let from = IncidentStatus::parse(&status).unwrap_or(IncidentStatus::Open);
        let to = from.settle(to)?;
        let changed = diesel::update(
            quality_incidents::table
                .find(incident_id)
                .filter(quality_incidents::status.eq(&status)),
        )
        .set((
            quality_incidents::status.eq(to.as_str()),
            quality_incidents::settled_at.eq(now()),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(moved(
                conn,
                Subject::Incident,
                incident_id,
                &format!("质量事件 {incident_id}"),
            ));
        }
        event(
            Subject::Incident,
            incident_id,
            Action::Settle,
            Some(from.as_str()),
            Some(to.as_str()),
            reason.trim(),
            actor,
        )
        .record(conn)?;
        if to == IncidentStatus::VerifiedSerious {
            let current: String = products::table
                .find(product_id)
                .select(products::listing_status)
                .first(conn)?;
            if current != ListingStatus::Delisted.as_str() {
                set_listing(
                    conn,
                    product_id,
                    ListingStatus::Delisted,
                    &format!("质量事件 {incident_id} 查实：{}", reason.trim()),
                    actor,
                )?;
            }
        }
        Ok(())
    })
}
