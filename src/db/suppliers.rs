//! Suppliers (供应商/销售商), identified by their 统一社会信用代码.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::suppliers;
use super::{DbConnection, DbResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = suppliers)]
pub struct Supplier {
    pub id: i32,
    pub credit_code: String,
    pub name: String,
    pub county_code: String,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Supplier {
    pub fn find_by_credit_code(conn: &mut DbConnection, code: &str) -> DbResult<Option<Supplier>> {
        Ok(suppliers::table
            .filter(suppliers::credit_code.eq(code))
            .select(Supplier::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn count(conn: &mut DbConnection) -> DbResult<i64> {
        Ok(suppliers::table.count().get_result(conn)?)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = suppliers)]
pub struct NewSupplier {
    pub credit_code: String,
    pub name: String,
    pub county_code: String,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewSupplier {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(suppliers::table)
            .values(self)
            .returning(suppliers::id)
            .get_result(conn)?)
    }
}
