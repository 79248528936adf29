//! Signing in and out, and changing one's own password.

use std::time::Instant;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::nav::Nav;
use super::{State, render, see_other};
use crate::auth::password::{hash_password, verify_password};
use crate::auth::{CurrentUser, csrf};
use crate::db::users::User;
use crate::db::{self, DbResult};
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    nav: Nav,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site, so the login form cannot be used to send people elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => String::new(),
    }
}

pub async fn login_page(session: Session, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    render(&LoginPage {
        nav: Nav::with_form_token(&session),
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    csrf_token: String,
}

pub async fn login(
    state: State,
    session: Session,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    let form = form.into_inner();
    let username = form.username.trim().to_owned();
    let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let keys = vec![format!("user:{username}"), format!("ip:{ip}")];
    let wait = state.login_throttle.wait_for(&keys, Instant::now());
    if !wait.is_zero() {
        return Err(AppError::TooManyRequests(format!(
            "登录失败次数过多，请 {} 秒后再试。",
            wait.as_secs().max(1)
        )));
    }
    let pool = state.pool.clone();
    let lookup = username.clone();
    let password = form.password;
    let user = spawn_blocking_in_span(move || -> DbResult<Option<CurrentUser>> {
        let mut conn = db::connection::get(&pool)?;
        let Some(user) = User::find_by_username(&mut conn, &lookup)? else {
            // Spend the same time as a real check so that timing does not reveal which names exist.
            let _ = hash_password(&password);
            return Ok(None);
        };
        if !user.active || !verify_password(&password, &user.password_hash) {
            return Ok(None);
        }
        User::touch_login(&mut conn, user.id)?;
        CurrentUser::load(&mut conn, user.id)
    })
    .await??;
    let Some(user) = user else {
        state.login_throttle.record_failure(&keys, Instant::now());
        tracing::warn!(%username, %ip, "failed login");
        let page = LoginPage {
            nav: Nav::with_form_token(&session),
            next: safe_next(Some(&form.next)),
            username,
            error: Some("用户名或密码不正确，或账号已停用。".to_owned()),
        };
        return Ok(HttpResponse::Unauthorized()
            .content_type("text/html; charset=utf-8")
            .body(page.render()?));
    };
    state.login_throttle.record_success(&keys);
    user.session_user().store(&session)?;
    tracing::info!(username = %user.username, "signed in");
    let target = if user.must_change_password {
        "/account/password".to_owned()
    } else {
        Some(safe_next(Some(&form.next)))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| user.session_user().home_path().to_owned())
    };
    Ok(see_other(&target))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

pub async fn logout(session: Session, form: web::Form<CsrfOnly>) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    session.purge();
    Ok(see_other("/"))
}

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    nav: Nav,
    forced: bool,
    error: Option<String>,
    done: bool,
}

pub async fn password_page(user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    render(&PasswordPage {
        nav: Nav::from_session(&session),
        forced: user.must_change_password,
        error: None,
        done: false,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
    csrf_token: String,
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a new password is refused, if it is.
pub fn password_problem(new: &str, repeat: &str) -> Option<String> {
    if new != repeat {
        Some("两次输入的新密码不一致。".to_owned())
    } else if new.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("新密码至少需要 {MIN_PASSWORD_CHARS} 个字符。"))
    } else {
        None
    }
}

pub async fn change_password(
    state: State,
    user: CurrentUser,
    session: Session,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    csrf::verify(&session, &form.csrf_token)?;
    let form = form.into_inner();
    let page = |error: Option<String>, done: bool| PasswordPage {
        nav: Nav::from_session(&session),
        forced: user.must_change_password && !done,
        error,
        done,
    };
    if let Some(problem) = password_problem(&form.new, &form.repeat) {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(page(Some(problem), false).render()?));
    }
    let pool = state.pool.clone();
    let user_id = user.id;
    let changed = spawn_blocking_in_span(move || -> Result<bool, AppError> {
        let mut conn = db::connection::get(&pool)?;
        let stored = User::find_by_id(&mut conn, user_id)?;
        if !verify_password(&form.current, &stored.password_hash) {
            return Ok(false);
        }
        let hash = hash_password(&form.new).map_err(|e| AppError::Internal(e.to_string()))?;
        User::set_password(&mut conn, user_id, &hash, false)?;
        Ok(true)
    })
    .await??;
    if !changed {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(page(Some("当前密码不正确。".to_owned()), false).render()?));
    }
    render(&page(None, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/county")), "/county");
        assert_eq!(safe_next(Some("//evil.example")), "");
        assert_eq!(safe_next(Some("https://evil.example")), "");
        assert_eq!(safe_next(Some("/\\evil.example")), "");
        assert_eq!(safe_next(None), "");
    }

    #[test]
    fn new_passwords_must_match_and_be_long_enough() {
        assert!(password_problem("abc", "abd").is_some());
        assert!(password_problem("short", "short").is_some());
        assert!(password_problem("秦岭一棵树-2020", "秦岭一棵树-2020").is_none());
    }
}
