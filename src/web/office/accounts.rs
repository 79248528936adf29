//! Accounts: the office creates them for any organisation, disables them and resets passwords.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use rand::Rng;
use serde::Deserialize;

use crate::auth::password::hash_password;
use crate::auth::{CurrentUser, csrf};
use crate::db::events::NewEvent;
use crate::db::schema::{organisations, users};
use crate::db::users::{NewUser, User};
use crate::db::{self, now};
use crate::domain::OrgKind;
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::nav::Nav;
use crate::web::{State, render};

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

async fn show(
    state: &State,
    session: &Session,
    message: Option<String>,
    error: Option<String>,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    let pool = state.pool.clone();
    let nav = Nav::from_session(session);
    let page = spawn_blocking_in_span(move || -> Result<AccountsPage, AppError> {
        let mut conn = db::connection::get(&pool)?;
        load_page(&mut conn, nav, message, error)
    })
    .await??;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(askama::Template::render(&page)?))
}

pub async fn list(state: State, user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    user.require(OrgKind::Office)?;
    let pool = state.pool.clone();
    let nav = Nav::from_session(&session);
    let page = spawn_blocking_in_span(move || -> Result<AccountsPage, AppError> {
        let mut conn = db::connection::get(&pool)?;
        load_page(&mut conn, nav, None, None)
    })
    .await??;
    render(&page)
}

/// A temporary password the user must change at first sign-in: 12 characters without look-alikes.
fn temporary_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn valid_username(name: &str) -> bool {
    (3..=40).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf_token: String,
    organisation_id: i32,
    username: String,
    display_name: String,
}

pub async fn create(
    state: State,
    user: CurrentUser,
    session: Session,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    user.require(OrgKind::Office)?;
    let form = form.into_inner();
    let username = form.username.trim().to_owned();
    if !valid_username(&username) {
        return show(
            &state,
            &session,
            None,
            Some("用户名应为 3 至 40 位字母、数字或 - _ . 符号。".to_owned()),
            actix_web::http::StatusCode::BAD_REQUEST,
        )
        .await;
    }
    if form.display_name.trim().is_empty() {
        return show(
            &state,
            &session,
            None,
            Some("请填写姓名。".to_owned()),
            actix_web::http::StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let password = temporary_password();
    let hash = hash_password(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let pool = state.pool.clone();
    let actor = user.actor();
    let created = spawn_blocking_in_span(move || -> Result<Result<(), String>, AppError> {
        let mut conn = db::connection::get(&pool)?;
        if User::find_by_username(&mut conn, &username)?.is_some() {
            return Ok(Err(format!("用户名“{username}”已被使用。")));
        }
        let org: Option<i32> = organisations::table
            .find(form.organisation_id)
            .select(organisations::id)
            .first(&mut conn)
            .optional()?;
        let Some(org) = org else {
            return Ok(Err("所选单位不存在。".to_owned()));
        };
        conn.transaction(|conn| -> Result<(), AppError> {
            let id = NewUser {
                organisation_id: org,
                username: username.clone(),
                display_name: form.display_name.trim().to_owned(),
                password_hash: hash,
                active: true,
                must_change_password: true,
                created_at: now(),
            }
            .insert(conn)?;
            account_event(id, "create", "", &actor).record(conn)?;
            Ok(())
        })?;
        Ok(Ok(()))
    })
    .await??;
    match created {
        Ok(()) => {
            show(
                &state,
                &session,
                Some(format!(
                    "账号“{}”已创建，临时密码：{password}（请转告本人，首次登录须修改）",
                    form.username.trim()
                )),
                None,
                actix_web::http::StatusCode::OK,
            )
            .await
        }
        Err(message) => {
            show(
                &state,
                &session,
                None,
                Some(message),
                actix_web::http::StatusCode::CONFLICT,
            )
            .await
        }
    }
}

fn account_event(user_id: i32, action: &str, reason: &str, actor: &db::workflow::Actor) -> NewEvent {
    NewEvent {
        entity_kind: "user".to_owned(),
        entity_id: user_id,
        action: action.to_owned(),
        from_state: None,
        to_state: None,
        actor_user_id: actor.user_id,
        actor_label: actor.label.clone(),
        reason: reason.to_owned(),
        occurred_at: now(),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    csrf_token: String,
    active: String,
}

pub async fn set_active(
    state: State,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    user.require(OrgKind::Office)?;
    let id = path.into_inner();
    if id == user.id {
        return show(
            &state,
            &session,
            None,
            Some("不能停用自己的账号。".to_owned()),
            actix_web::http::StatusCode::CONFLICT,
        )
        .await;
    }
    let active = form.active == "1";
    let pool = state.pool.clone();
    let actor = user.actor();
    let username = spawn_blocking_in_span(move || -> Result<String, AppError> {
        let mut conn = db::connection::get(&pool)?;
        let target = User::find_by_id(&mut conn, id)?;
        conn.transaction(|conn| -> Result<(), AppError> {
            User::set_active(conn, id, active)?;
            account_event(id, if active { "enable" } else { "disable" }, "", &actor).record(conn)?;
            Ok(())
        })?;
        Ok(target.username)
    })
    .await??;
    let message = if active {
        format!("账号“{username}”已启用。")
    } else {
        format!("账号“{username}”已停用，立即生效。")
    };
    show(&state, &session, Some(message), None, actix_web::http::StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: String,
}

pub async fn reset_password(
    state: State,
    user: CurrentUser,
    session: Session,
    path: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    user.require(OrgKind::Office)?;
    let id = path.into_inner();
    let password = temporary_password();
    let hash = hash_password(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let pool = state.pool.clone();
    let actor = user.actor();
    let username = spawn_blocking_in_span(move || -> Result<String, AppError> {
        let mut conn = db::connection::get(&pool)?;
        let target = User::find_by_id(&mut conn, id)?;
        conn.transaction(|conn| -> Result<(), AppError> {
            User::set_password(conn, id, &hash, true)?;
            account_event(id, "reset_password", "", &actor).record(conn)?;
            Ok(())
        })?;
        Ok(target.username)
    })
    .await??;
    show(
        &state,
        &session,
        Some(format!(
            "账号“{username}”的密码已重置，临时密码：{password}（首次登录须修改）"
        )),
        None,
        actix_web::http::StatusCode::OK,
    )
    .await
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
