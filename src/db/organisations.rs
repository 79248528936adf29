//! Organisations: the office, the city and county unions, and grassroots unions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::organisations;
use super::{DbConnection, DbResult};
use crate::domain::OrgKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i32,
    pub name: String,
    pub kind: String,
    pub city_code: Option<String>,
    pub county_code: Option<String>,
    pub parent_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl Organisation {
    pub fn kind(&self) -> Option<OrgKind> {
        OrgKind::parse(&self.kind)
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Organisation> {
        Ok(organisations::table
            .find(id)
            .select(Organisation::as_select())
            .first(conn)?)
    }

    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> DbResult<Option<Organisation>> {
        Ok(organisations::table
            .filter(organisations::name.eq(name))
            .select(Organisation::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn count_by_kind(conn: &mut DbConnection, kind: OrgKind) -> DbResult<i64> {
        Ok(organisations::table
            .filter(organisations::kind.eq(kind.as_str()))
            .count()
            .get_result(conn)?)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: String,
    pub city_code: Option<String>,
    pub county_code: Option<String>,
    pub parent_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl NewOrganisation {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(organisations::table)
            .values(self)
            .returning(organisations::id)
            .get_result(conn)?)
    }
}
