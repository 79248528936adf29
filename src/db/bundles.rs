//! Festival bundles (礼包): the office composes them from listed products, publishes them (the
//! prices of that day are kept with the bundle) and retires them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::{Actor, NewEvent};
use super::lines::{self, LineProduct};
use super::schema::{bundle_lines, bundles, products};
use super::{DbConnection, DbError, DbResult, now};
use crate::domain::spending::{BundleStatus, Festival, Line, per_person_cost};
use crate::domain::{Action, Fen, ListingStatus, Subject};

/// Why a bundle or plan change was not made: a rule refused it, the record moved on, or it is not
/// there. Each is the user's to read; only `Db` is ours.
#[derive(Debug, thiserror::Error)]
pub enum SpendingError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Moved(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SpendingError {
    fn from(e: diesel::result::Error) -> Self {
        SpendingError::Db(DbError::Query(e))
    }
}

pub type SpendingResult<T> = Result<T, SpendingError>;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bundles)]
pub struct BundleRow {
    pub id: i32,
    pub name: String,
    pub festival: String,
    pub year: i32,
    pub description: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BundleRow {
    pub fn status(&self) -> BundleStatus {
        BundleStatus::parse(&self.status).unwrap_or(BundleStatus::Draft)
    }

    pub fn festival(&self) -> Festival {
        Festival::parse(&self.festival).unwrap_or(Festival::Other)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bundle_lines)]
pub struct BundleLineRow {
    pub id: i32,
    pub bundle_id: i32,
    pub product_id: i32,
    pub quantity_per_person: i32,
    pub published_price_fen: Option<i64>,
    pub position: i32,
}

/// A line with its product as the catalogue holds it now.
#[derive(Debug, Clone)]
pub struct BundleLine {
    pub line: BundleLineRow,
    pub product: LineProduct,
    /// Why the product left the catalogue, and when, if it did.
    pub left: Option<(String, NaiveDateTime)>,
}

impl BundleLine {
    /// The price the bundle was published at, or today's while it is a draft.
    pub fn unit_price(&self) -> Fen {
        Fen(self.line.published_price_fen.unwrap_or(self.product.unit_price_fen))
    }

    /// The catalogue's price differs from the one published with the bundle.
    pub fn price_changed(&self) -> bool {
        self.line
            .published_price_fen
            .is_some_and(|p| p != self.product.unit_price_fen)
    }
}

/// A bundle with its lines.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub row: BundleRow,
    pub lines: Vec<BundleLine>,
}

impl Bundle {
    pub fn per_person(&self) -> Fen {
        let lines: Vec<Line> = self
            .lines
            .iter()
            .map(|l| Line {
                unit_price: l.unit_price(),
                quantity_per_person: l.line.quantity_per_person as u32,
            })
            .collect();
        per_person_cost(&lines)
    }

    /// Lines whose product is no longer listed: the bundle is flagged wherever it appears.
    pub fn flagged(&self) -> Vec<&BundleLine> {
        self.lines.iter().filter(|l| !l.product.is_listed()).collect()
    }
}

/// Loads a bundle and its lines, or `None`.
pub fn load(conn: &mut DbConnection, id: i32) -> DbResult<Option<Bundle>> {
    let Some(row) = bundles::table
        .find(id)
        .select(BundleRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(load_many(conn, vec![row])?.pop())
}

/// The bundles with these rows, lines joined from the catalogue in two queries.
pub fn load_many(conn: &mut DbConnection, rows: Vec<BundleRow>) -> DbResult<Vec<Bundle>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let line_rows: Vec<BundleLineRow> = bundle_lines::table
        .filter(bundle_lines::bundle_id.eq_any(&ids))
        .order((bundle_lines::bundle_id, bundle_lines::position, bundle_lines::id))
        .select(BundleLineRow::as_select())
        .load(conn)?;
    let product_ids: Vec<i32> = line_rows.iter().map(|l| l.product_id).collect();
    let products = lines::products_by_id(conn, &product_ids)?;
    let gone: Vec<i32> = products.values().filter(|p| !p.is_listed()).map(|p| p.id).collect();
    let reasons = lines::leave_reasons(conn, &gone)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let lines = line_rows
                .iter()
                .filter(|l| l.bundle_id == row.id)
                .filter_map(|l| {
                    Some(BundleLine {
                        product: products.get(&l.product_id)?.clone(),
                        left: reasons.get(&l.product_id).cloned(),
                        line: l.clone(),
                    })
                })
                .collect();
            Bundle { row, lines }
        })
        .collect())
}

/// Bundles by status (all when `None`), newest first.
pub fn list(conn: &mut DbConnection, status: Option<BundleStatus>) -> DbResult<Vec<Bundle>> {
    let mut q = bundles::table
        .order((bundles::year.desc(), bundles::id.desc()))
        .select(BundleRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(bundles::status.eq(s.as_str()));
    }
    let rows = q.load(conn)?;
    load_many(conn, rows)
}

/// Published bundles that hold a product no longer listed: the office's list to fix.
pub fn to_fix(conn: &mut DbConnection) -> DbResult<Vec<Bundle>> {
    let ids: Vec<i32> = bundle_lines::table
        .inner_join(bundles::table)
        .inner_join(products::table)
        .filter(bundles::status.eq(BundleStatus::Published.as_str()))
        .filter(products::listing_status.ne(ListingStatus::Listed.as_str()))
        .select(bundles::id)
        .distinct()
        .load(conn)?;
    let rows = bundles::table
        .filter(bundles::id.eq_any(&ids))
        .order(bundles::id)
        .select(BundleRow::as_select())
        .load(conn)?;
    load_many(conn, rows)
}

pub struct BundleDetails {
    pub name: String,
    pub festival: Festival,
    pub year: i32,
    pub description: String,
}

pub fn create(conn: &mut DbConnection, details: &BundleDetails, actor: &Actor) -> DbResult<i32> {
    super::transaction(conn, |conn| {
        let at = now();
        let id: i32 = diesel::insert_into(bundles::table)
            .values((
                bundles::name.eq(&details.name),
                bundles::festival.eq(details.festival.as_str()),
                bundles::year.eq(details.year),
                bundles::description.eq(&details.description),
                bundles::status.eq(BundleStatus::Draft.as_str()),
                bundles::created_by.eq(actor.user_id),
                bundles::created_at.eq(at),
                bundles::updated_at.eq(at),
            ))
            .returning(bundles::id)
            .get_result(conn)?;
        NewEvent::new(Subject::Bundle, id, Action::Create, actor)
            .moved(None, Some(BundleStatus::Draft.as_str()))
            .because(&details.name)
            .record(conn)?;
        Ok(id)
    })
}

/// Holds the bundle as a draft for a change of its lines: touches it only while it is a draft, so
/// a change racing a publication either lands before it or is refused.
fn hold_draft(conn: &mut DbConnection, id: i32) -> SpendingResult<()> {
    let held = diesel::update(
        bundles::table
            .find(id)
            .filter(bundles::status.eq(BundleStatus::Draft.as_str())),
    )
    .set(bundles::updated_at.eq(now()))
    .execute(conn)?;
    if held == 1 {
        return Ok(());
    }
    let status: Option<String> = bundles::table.find(id).select(bundles::status).first(conn).optional()?;
    match status.as_deref().and_then(BundleStatus::parse) {
        None => Err(SpendingError::NotFound(format!("礼包 {id} 不存在。"))),
        Some(s) => Err(SpendingError::Moved(format!(
            "礼包{}{}，不能再修改产品。",
            s.label(),
            moved_by(conn, Subject::Bundle, id)?
        ))),
    }
}

/// "（张三（office）于 2026-12-01 10:02）": who last changed a record, for a refusal.
pub use super::events::moved_by;

/// A listed product, or why it cannot go into a bundle or plan.
pub fn listed_product(conn: &mut DbConnection, product_id: i32) -> SpendingResult<LineProduct> {
    let product = lines::products_by_id(conn, &[product_id])?
        .remove(&product_id)
        .ok_or_else(|| SpendingError::NotFound("目录中没有这个产品。".to_owned()))?;
    if !product.is_listed() {
        return Err(SpendingError::Refused(format!(
            "“{}”目前{}，不在目录中，不能加入。",
            product.name,
            product.status().label()
        )));
    }
    Ok(product)
}

pub fn add_line(
    conn: &mut DbConnection,
    bundle_id: i32,
    product_id: i32,
    quantity: u32,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, bundle_id)?;
        let product = listed_product(conn, product_id)?;
        let exists: i64 = bundle_lines::table
            .filter(bundle_lines::bundle_id.eq(bundle_id))
            .filter(bundle_lines::product_id.eq(product_id))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(SpendingError::Refused(format!(
                "“{}”已在礼包中，请修改它的数量。",
                product.name
            )));
        }
        let position: Option<i32> = bundle_lines::table
            .filter(bundle_lines::bundle_id.eq(bundle_id))
            .select(diesel::dsl::max(bundle_lines::position))
            .first(conn)?;
        diesel::insert_into(bundle_lines::table)
            .values((
                bundle_lines::bundle_id.eq(bundle_id),
                bundle_lines::product_id.eq(product_id),
                bundle_lines::quantity_per_person.eq(quantity as i32),
                bundle_lines::position.eq(position.unwrap_or(0) + 1),
            ))
            .execute(conn)?;
        NewEvent::new(Subject::Bundle, bundle_id, Action::AddLine, actor)
            .because(&format!("{} × {quantity}", product.name))
            .record(conn)?;
        Ok(())
    })
}

pub fn set_quantity(
    conn: &mut DbConnection,
    bundle_id: i32,
    line_id: i32,
    quantity: u32,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, bundle_id)?;
        let changed = diesel::update(
            bundle_lines::table
                .find(line_id)
                .filter(bundle_lines::bundle_id.eq(bundle_id)),
        )
        .set(bundle_lines::quantity_per_person.eq(quantity as i32))
        .execute(conn)?;
        if changed == 0 {
            return Err(SpendingError::NotFound("礼包中没有这一行。".to_owned()));
        }
        NewEvent::new(Subject::Bundle, bundle_id, Action::ChangeLine, actor)
            .because(&format!("第 {line_id} 行改为每人 {quantity}"))
            .record(conn)?;
        Ok(())
    })
}

pub fn remove_line(conn: &mut DbConnection, bundle_id: i32, line_id: i32, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, bundle_id)?;
        let removed = diesel::delete(
            bundle_lines::table
                .find(line_id)
                .filter(bundle_lines::bundle_id.eq(bundle_id)),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(SpendingError::NotFound("礼包中没有这一行。".to_owned()));
        }
        NewEvent::new(Subject::Bundle, bundle_id, Action::RemoveLine, actor)
            .because(&format!("第 {line_id} 行"))
            .record(conn)?;
        Ok(())
    })
}

/// Publishes a draft: every product must still be listed, and today's prices are kept with it.
pub fn publish(conn: &mut DbConnection, id: i32, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let bundle = load(conn, id)?.ok_or_else(|| SpendingError::NotFound(format!("礼包 {id} 不存在。")))?;
        let to = bundle.row.status().publish(bundle.lines.len()).map_err(|e| {
            SpendingError::Moved(format!(
                "{e}{}",
                moved_by(conn, Subject::Bundle, id).unwrap_or_default()
            ))
        })?;
        if let Some(gone) = bundle.flagged().first() {
            return Err(SpendingError::Refused(format!(
                "“{}”目前{}，请先替换或移除再发布。",
                gone.product.name,
                gone.product.status().label()
            )));
        }
        let at = now();
        let moved = diesel::update(
            bundles::table
                .find(id)
                .filter(bundles::status.eq(BundleStatus::Draft.as_str())),
        )
        .set((
            bundles::status.eq(to.as_str()),
            bundles::published_at.eq(Some(at)),
            bundles::updated_at.eq(at),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Err(SpendingError::Moved(format!(
                "礼包已被发布{}。",
                moved_by(conn, Subject::Bundle, id)?
            )));
        }
        for l in &bundle.lines {
            diesel::update(bundle_lines::table.find(l.line.id))
                .set(bundle_lines::published_price_fen.eq(Some(l.product.unit_price_fen)))
                .execute(conn)?;
        }
        NewEvent::new(Subject::Bundle, id, Action::Publish, actor)
            .moved(Some(BundleStatus::Draft.as_str()), Some(to.as_str()))
            .because(&format!("每人 {} 元", bundle.per_person()))
            .record(conn)?;
        Ok(())
    })
}

/// Retires a published bundle; plans made from it keep their lines.
pub fn retire(conn: &mut DbConnection, id: i32, reason: &str, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let moved = diesel::update(
            bundles::table
                .find(id)
                .filter(bundles::status.eq(BundleStatus::Published.as_str())),
        )
        .set((
            bundles::status.eq(BundleStatus::Retired.as_str()),
            bundles::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if moved == 0 {
            let status: Option<String> = bundles::table.find(id).select(bundles::status).first(conn).optional()?;
            let Some(status) = status.as_deref().and_then(BundleStatus::parse) else {
                return Err(SpendingError::NotFound(format!("礼包 {id} 不存在。")));
            };
            let refusal = status.retire().err().map(|e| e.0).unwrap_or_default();
            return Err(SpendingError::Moved(format!(
                "{refusal}{}",
                moved_by(conn, Subject::Bundle, id)?
            )));
        }
        NewEvent::new(Subject::Bundle, id, Action::Retire, actor)
            .moved(
                Some(BundleStatus::Published.as_str()),
                Some(BundleStatus::Retired.as_str()),
            )
            .because(reason)
            .record(conn)?;
        Ok(())
    })
}
