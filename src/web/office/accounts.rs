//! Accounts: the office creates them for any organisation, disables them and resets passwords.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::Office;
use crate::auth::password::{hash_temporary_password, temporary_password};
use crate::db::schema::{organisations, users};
use crate::db::users::{self as accounts, NewUser};
use crate::db::{self, now};
use crate::domain::OrgKind;
use crate::error::AppError;
use crate::web::auth::account_error;
use crate::web::nav::Nav;
use crate::web::{State, render_with};

pub struct AccountLine {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    pub kind_label: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "office/accounts.html")]
struct AccountsPage {
    nav: Nav,
    accounts: Vec<AccountLine>,
    organisations: Vec<(i32, String)>,
    message: Option<String>,
    error: Option<String>,
}

fn load_page(
    conn: &mut db::DbConnection,
    nav: Nav,
    message: Option<String>,
    error: Option<String>,
) -> Result<AccountsPage, AppError> {
    let rows: Vec<(i32, String, String, bool, String, String)> = users::table
        .inner_join(organisations::table)
        .order((organisations::kind, users::username))
        .select((
            users::id,
            users::username,
            users::display_name,
            users::active,
            organisations::name,
            organisations::kind,
        ))
        .load(conn)?;
    let organisations = organisations::table
        .order(organisations::name)
        .select((organisations::id, organisations::name))
        .load(conn)?;
    Ok(AccountsPage {
        nav,
        accounts: rows
            .into_iter()
            .map(|(id, username, display_name, active, org_name, kind)| AccountLine {
                id,
                username,
                display_name,
                org_name,
                kind_label: OrgKind::parse(&kind).map(|k| k.label()).unwrap_or(""),
                active,
            })
            .collect(),
        organisations,
        message,
        error,
    })
}

/// The accounts page, with what was just done or why it was not.
async fn show(
    state: &State,
    nav: Nav,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = state.db(move |conn| load_page(conn, nav, message, error)).await?;
    render_with(status, &page)
}

pub async fn list(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    show(&state, nav, None, None, StatusCode::OK).await
}

/// 3 to 40 letters, digits or `-_.`: what a sign-in form and a URL carry without surprises.
pub(crate) fn valid_username(name: &str) -> bool {
    (3..=40).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

#[derive(Deserialize)]
pub struct CreateForm {
    organisation_id: i32,
    username: String,
    display_name: String,
}

pub async fn create(
    state: State,
    office: Office,
    nav: Nav,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let username = form.username.trim().to_owned();
    let refuse = |problem: &str| (None, Some(problem.to_owned()), StatusCode::BAD_REQUEST);
    let (message, error, status) = if !valid_username(&username) {
        refuse("用户名应为 3 至 40 位字母、数字或 - _ . 符号。")
    } else if form.display_name.trim().is_empty() {
        refuse("请填写姓名。")
    } else {
        let password = temporary_password();
        let hash = hash_temporary_password(&password).map_err(|e| AppError::Internal(e.to_string()))?;
        let actor = office.actor();
        let name = username.clone();
        let created = state
            .db(move |conn| -> Result<Result<(), String>, AppError> {
                let org: Option<i32> = organisations::table
                    .find(form.organisation_id)
                    .select(organisations::id)
                    .first(conn)
                    .optional()?;
                let Some(org) = org else {
                    return Ok(Err("所选单位不存在。".to_owned()));
                };
                let user = NewUser {
                    organisation_id: org,
                    username: name,
                    display_name: form.display_name.trim().to_owned(),
                    password_hash: hash,
                    active: true,
                    must_change_password: true,
                    created_at: now(),
                };
                match accounts::create(conn, &user, &actor) {
                    Ok(_) => Ok(Ok(())),
                    Err(e @ accounts::AccountError::UsernameTaken(_)) => Ok(Err(e.to_string())),
                    Err(e) => Err(account_error(e)),
                }
            })
            .await?;
        match created {
            Ok(()) => (
                Some(format!(
                    "账号“{username}”已创建，临时密码：{password}（请转告本人，首次登录须修改）"
                )),
                None,
                StatusCode::OK,
            ),
            Err(message) => (None, Some(message), StatusCode::CONFLICT),
        }
    };
    show(&state, nav, message, error, status).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    state: State,
    office: Office,
    nav: Nav,
    path: web::Path<i32>,
    form: web::Form<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == office.id {
        let error = Some("不能停用自己的账号。".to_owned());
        return show(&state, nav, None, error, StatusCode::CONFLICT).await;
    }
    let active = form.active == "1";
    let actor = office.actor();
    let outcome = state
        .db(move |conn| -> Result<Result<String, String>, AppError> {
            let username = db::users::User::find_by_id(conn, id)?.username;
            match accounts::set_active(conn, id, active, &actor) {
                Ok(()) => Ok(Ok(username)),
                Err(e @ accounts::AccountError::Moved(_)) => Ok(Err(e.to_string())),
                Err(e) => Err(account_error(e)),
            }
        })
        .await?;
    match outcome {
        Ok(username) => {
            let message = if active {
                format!("账号“{username}”已启用。")
            } else {
                format!("账号“{username}”已停用，立即生效，其所有登录已失效。")
            };
            show(&state, nav, Some(message), None, StatusCode::OK).await
        }
        Err(refusal) => show(&state, nav, None, Some(refusal), StatusCode::CONFLICT).await,
    }
}

pub async fn reset_password(
    state: State,
    office: Office,
    nav: Nav,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let password = temporary_password();
    let hash = hash_temporary_password(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = office.actor();
    let username = state
        .db(move |conn| -> Result<String, AppError> {
            let username = db::users::User::find_by_id(conn, id)?.username;
            accounts::set_password(conn, id, &hash, true, &actor).map_err(account_error)?;
            Ok(username)
        })
        .await?;
    let message = format!("账号“{username}”的密码已重置，临时密码：{password}（首次登录须修改）；其所有登录已失效。");
    show(&state, nav, Some(message), None, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_and_unambiguous() {
        let p = temporary_password();
        assert_eq!(p.len(), 12);
        assert!(!p.contains(['0', 'O', 'l', '1', 'I']));
    }

    #[test]
    fn usernames_are_plain_ascii() {
        assert!(valid_username("county-610924"));
        assert!(!valid_username("ab"));
        assert!(!valid_username("张三"));
        assert!(!valid_username("a b c"));
    }
}
