//! Sellers (供应商／销售商): organisations of their own kind with one account each, created by the
//! office. A seller that is a catalogue supplier sells that supplier's products; a distributor
//! sells the products the office links to it.

use diesel::prelude::*;

use super::bundles::{SpendingError, SpendingResult};
use super::events::{Actor, NewEvent};
use super::organisations::NewOrganisation;
use super::schema::{organisations, products, seller_products, suppliers, users};
use super::suppliers::Supplier;
use super::users::NewUser;
use super::{DbConnection, DbResult, now};
use crate::domain::{Action, CatalogueCode, OrgKind, Subject};

/// A seller as the office's list shows it.
#[derive(Debug, Clone)]
pub struct SellerLine {
    pub id: i32,
    pub name: String,
    /// The supplier it is, with its credit code; `None` for a distributor.
    pub supplier: Option<(String, String)>,
    pub username: Option<String>,
    pub linked_products: i64,
    pub contact: String,
}

type SellerRow = (i32, String, Option<i32>, Option<String>, Option<String>);

pub fn list(conn: &mut DbConnection) -> DbResult<Vec<SellerLine>> {
    let rows: Vec<SellerRow> = organisations::table
        .filter(organisations::kind.eq(OrgKind::Seller.as_str()))
        .order(organisations::name)
        .select((
            organisations::id,
            organisations::name,
            organisations::supplier_id,
            organisations::contact_name,
            organisations::contact_phone,
        ))
        .load(conn)?;
    let mut lines = Vec::with_capacity(rows.len());
    for (id, name, supplier_id, contact, phone) in rows {
        let supplier = match supplier_id {
            Some(s) => suppliers::table
                .find(s)
                .select((suppliers::name, suppliers::credit_code))
                .first(conn)
                .optional()?,
            None => None,
        };
        let username = users::table
            .filter(users::organisation_id.eq(id))
            .order(users::id)
            .select(users::username)
            .first(conn)
            .optional()?;
        let linked_products = seller_products::table
            .filter(seller_products::seller_id.eq(id))
            .count()
            .get_result(conn)?;
        lines.push(SellerLine {
            id,
            name,
            supplier,
            username,
            linked_products,
            contact: format!("{} {}", contact.unwrap_or_default(), phone.unwrap_or_default())
                .trim()
                .to_owned(),
        });
    }
    Ok(lines)
}

pub struct NewSeller {
    pub name: String,
    /// The supplier it is, by credit code; `None` for a distributor.
    pub supplier_credit_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
}

/// Creates a seller and its account (temporary password), in one transaction.
pub fn create(conn: &mut DbConnection, seller: &NewSeller, actor: &Actor) -> SpendingResult<i32> {
    super::transaction(conn, |conn| {
        let supplier = match &seller.supplier_credit_code {
            Some(code) => Some(
                Supplier::find_by_credit_code(conn, code)?
                    .ok_or_else(|| SpendingError::Refused(format!("目录中没有统一社会信用代码为 {code} 的供应商。")))?,
            ),
            None => None,
        };
        let taken: i64 = organisations::table
            .filter(organisations::name.eq(&seller.name))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(SpendingError::Moved(format!("单位名称“{}”已被使用。", seller.name)));
        }
        let user_taken: i64 = users::table
            .filter(users::username.eq(&seller.username))
            .count()
            .get_result(conn)?;
        if user_taken > 0 {
            return Err(SpendingError::Moved(format!("用户名“{}”已被使用。", seller.username)));
        }
        let at = now();
        let id = NewOrganisation {
            name: seller.name.clone(),
            kind: OrgKind::Seller.as_str().to_owned(),
            city_code: None,
            county_code: supplier.as_ref().map(|s| s.county_code.clone()),
            parent_id: None,
            created_at: at,
            members: None,
            contact_name: Some(seller.contact_name.clone()),
            contact_phone: Some(seller.contact_phone.clone()),
            festival_standard_fen: None,
        }
        .insert(conn)?;
        if let Some(s) = &supplier {
            diesel::update(organisations::table.find(id))
                .set(organisations::supplier_id.eq(Some(s.id)))
                .execute(conn)?;
        }
        let how = match &supplier {
            Some(s) => format!("供应商 {}（{}）", s.name, s.credit_code),
            None => "经销商".to_owned(),
        };
        NewEvent::new(Subject::Organisation, id, Action::Create, actor)
            .because(&how)
            .record(conn)?;
        let user_id = NewUser {
            organisation_id: id,
            username: seller.username.clone(),
            display_name: seller.display_name.clone(),
            password_hash: seller.password_hash.clone(),
            active: true,
            must_change_password: true,
            created_at: at,
        }
        .insert(conn)?;
        NewEvent::new(Subject::User, user_id, Action::Create, actor).record(conn)?;
        Ok(id)
    })
}

/// Links a distributor to the products it sells, by catalogue code: all or none, every unknown
/// code named. Returns how many links are new.
pub fn link_products(
    conn: &mut DbConnection,
    seller_id: i32,
    codes: &[CatalogueCode],
    actor: &Actor,
) -> SpendingResult<usize> {
    super::transaction(conn, |conn| {
        let kind: Option<String> = organisations::table
            .find(seller_id)
            .select(organisations::kind)
            .first(conn)
            .optional()?;
        if kind.as_deref() != Some(OrgKind::Seller.as_str()) {
            return Err(SpendingError::NotFound(format!("销售商 {seller_id} 不存在。")));
        }
        let texts: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
        let found: Vec<(i32, String)> = products::table
            .filter(products::catalogue_code.eq_any(&texts))
            .select((products::id, products::catalogue_code))
            .load(conn)?;
        let missing: Vec<&str> = texts
            .iter()
            .filter(|t| !found.iter().any(|(_, c)| c == *t))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(SpendingError::Refused(format!(
                "目录中没有这些编号：{}，未做任何关联。",
                missing.join("、")
            )));
        }
        let mut added = 0;
        for (product_id, _) in &found {
            let exists: i64 = seller_products::table
                .filter(seller_products::seller_id.eq(seller_id))
                .filter(seller_products::product_id.eq(product_id))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                diesel::insert_into(seller_products::table)
                    .values((
                        seller_products::seller_id.eq(seller_id),
                        seller_products::product_id.eq(product_id),
                        seller_products::created_at.eq(now()),
                    ))
                    .execute(conn)?;
                added += 1;
            }
        }
        NewEvent::new(Subject::Organisation, seller_id, Action::LinkProducts, actor)
            .because(&texts.join("、"))
            .record(conn)?;
        Ok(added)
    })
}
