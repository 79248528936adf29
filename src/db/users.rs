//! User accounts. Each belongs to one organisation, whose kind and region set its rights.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::events::{Actor, NewEvent};
use super::schema::users;
use super::{DbConnection, DbError, DbResult};
use crate::domain::{Action, Subject};

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
    pub session_version: i32,
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
}

/// Why an account change was not made.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("用户名“{0}”已被使用。")]
    UsernameTaken(String),
    #[error("账号不存在。")]
    NotFound,
    /// Someone else changed the account first.
    #[error("{0}")]
    Moved(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(DbError::Query(e))
    }
}

/// Creates an account with its event; a username already taken (even by a request racing this
/// one) is [`AccountError::UsernameTaken`].
pub fn create(conn: &mut DbConnection, user: &NewUser, actor: &Actor) -> Result<i32, AccountError> {
    let created = super::transaction(conn, |conn| -> Result<i32, AccountError> {
        let id = user.insert(conn)?;
        NewEvent::new(Subject::User, id, Action::Create, actor).record(conn)?;
        Ok(id)
    });
    match created {
        Err(AccountError::Db(e)) if e.is_unique_violation() => Err(AccountError::UsernameTaken(user.username.clone())),
        other => other,
    }
}

/// Enables or disables an account. Disabling ends its sessions on every server at once. A
/// compare-and-set: if the account is already in that state, someone else changed it first.
pub fn set_active(conn: &mut DbConnection, id: i32, active: bool, actor: &Actor) -> Result<(), AccountError> {
    super::transaction(conn, |conn| {
        let changed = diesel::update(users::table.find(id).filter(users::active.eq(!active)))
            .set((
                users::active.eq(active),
                users::session_version.eq(users::session_version + 1),
            ))
            .execute(conn)?;
        let action = if active { Action::Enable } else { Action::Disable };
        if changed == 0 {
            User::find_by_id(conn, id).map_err(|_| AccountError::NotFound)?;
            let by = moved_by(conn, id, &[Action::Enable, Action::Disable, Action::Create])?;
            let state = if active { "启用" } else { "停用" };
            return Err(AccountError::Moved(format!("账号已经是{state}状态{by}，未重复操作。")));
        }
        NewEvent::new(Subject::User, id, action, actor).record(conn)?;
        Ok(())
    })
}

/// Sets a password. A reset (by the office) gives a temporary one to change at first sign-in;
/// either way every session of the account ends, on every server.
pub fn set_password(
    conn: &mut DbConnection,
    id: i32,
    hash: &str,
    temporary: bool,
    actor: &Actor,
) -> Result<i32, AccountError> {
    super::transaction(conn, |conn| {
        let changed = diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::must_change_password.eq(temporary),
                users::session_version.eq(users::session_version + 1),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(AccountError::NotFound);
        }
        let action = if temporary {
            Action::ResetPassword
        } else {
            Action::ChangePassword
        };
        NewEvent::new(Subject::User, id, action, actor).record(conn)?;
        Ok(users::table.find(id).select(users::session_version).first(conn)?)
    })
}

/// Ends every session of the account, on every server (signing out).
pub fn end_sessions(conn: &mut DbConnection, id: i32, actor: &Actor) -> DbResult<()> {
    super::transaction(conn, |conn| {
        diesel::update(users::table.find(id))
            .set(users::session_version.eq(users::session_version + 1))
            .execute(conn)?;
        NewEvent::new(Subject::User, id, Action::SignOut, actor).record(conn)?;
        Ok(())
    })
}

/// "（由 谁 于 何时）": who last did one of `actions` to the account, for a refusal message.
fn moved_by(conn: &mut DbConnection, id: i32, actions: &[Action]) -> DbResult<String> {
    Ok(super::events::latest(conn, Subject::User, id, actions)?
        .map(|e| {
            format!(
                "（{} 于 {} 操作）",
                e.actor_label,
                crate::domain::china_time(e.occurred_at)
            )
        })
        .unwrap_or_default())
}
