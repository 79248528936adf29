//! User accounts. Each belongs to one organisation, whose kind and region set its rights.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{DbConnection, DbResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub organisation_id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    pub fn find_by_username(conn: &mut DbConnection, username: &str) -> DbResult<Option<User>> {
        Ok(users::table
            .filter(users::username.eq(username))
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn count(conn: &mut DbConnection) -> DbResult<i64> {
        Ok(users::table.count().get_result(conn)?)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub organisation_id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    pub created_at: NaiveDateTime,
}

impl NewUser {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(users::table)
            .values(self)
            .returning(users::id)
            .get_result(conn)?)
    }
}

impl User {
    pub fn find_by_id(conn: &mut DbConnection, id: i32) -> DbResult<User> {
        Ok(users::table.find(id).select(User::as_select()).first(conn)?)
    }

    pub fn touch_login(conn: &mut DbConnection, id: i32) -> DbResult<()> {
        diesel::update(users::table.find(id))
            .set(users::last_login_at.eq(super::now()))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_password(conn: &mut DbConnection, id: i32, hash: &str, must_change: bool) -> DbResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::must_change_password.eq(must_change),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_active(conn: &mut DbConnection, id: i32, active: bool) -> DbResult<()> {
        diesel::update(users::table.find(id))
            .set(users::active.eq(active))
            .execute(conn)?;
        Ok(())
    }
}
