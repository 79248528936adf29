//! Signing in and out, and changing one's own password.

use std::sync::LazyLock;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::nav::{LoginNav, Nav};
use super::{State, render, render_with, see_other};
use crate::auth::password::{hash_password, verify_password};
use crate::auth::session::SignedIn;
use crate::auth::throttle::{self, ThrottleKey};
use crate::auth::{CurrentUser, PasswordChanger};
use crate::db::users::{self, AccountError, User};
use crate::error::AppError;

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

/// Only a path on this site, so the sign-in form cannot send people elsewhere: it starts with
/// one `/`, and has no backslash (some browsers read it as `/`) and no control character
/// (browsers drop tabs and line breaks, so `/<TAB>/evil.example` would become `//evil.example`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => String::new(),
    }
}

pub async fn login_page(nav: LoginNav, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    render(&LoginPage {
        nav: nav.0,
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
}

/// A hash to check unknown usernames against, so that an unknown name, a disabled account and a
/// wrong password all take one full password check: timing tells nothing.
static UNKNOWN_USER_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("no account has this password").unwrap_or_default());

pub async fn login(
    state: State,
    session: Session,
    nav: LoginNav,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        username,
        password,
        next,
    } = form.into_inner();
    let username = username.trim().to_owned();
    let address = state.client_address(&req);
    let account = ThrottleKey::Account(username.clone());
    let address = address.map(ThrottleKey::Address);
    let keys: Vec<ThrottleKey> = std::iter::once(account.clone()).chain(address.clone()).collect();
    let now = crate::db::now();
    let reserve = keys.clone();
    if let Err(wait) = state.db(move |conn| throttle::reserve(conn, &reserve, now)).await? {
        return Err(AppError::TooManyRequests(format!(
            "登录失败次数过多，请 {} 秒后再试。",
            wait.as_secs().max(1)
        )));
    }
    let lookup = username.clone();
    let user = state
        .db(move |conn| -> Result<Option<CurrentUser>, AppError> {
            let found = User::find_by_username(conn, &lookup)?;
            let hash = found.as_ref().map_or(UNKNOWN_USER_HASH.as_str(), |u| &u.password_hash);
            let password_ok = verify_password(&password, hash);
            let Some(user) = found.filter(|u| password_ok && u.active) else {
                return Ok(None);
            };
            User::touch_login(conn, user.id)?;
            throttle::succeeded(conn, &account, address.as_ref())?;
            Ok(CurrentUser::load(conn, user.id)?)
        })
        .await?;
    let Some(user) = user else {
        tracing::warn!(%username, "failed login");
        state
            .db(move |conn| throttle::failed(conn, &keys, crate::db::now()))
            .await?;
        let page = LoginPage {
            nav: nav.0,
            next: safe_next(Some(&next)),
            username,
            error: Some("用户名或密码不正确，或账号已停用。".to_owned()),
        };
        return render_with(StatusCode::UNAUTHORIZED, &page);
    };
    start_session(&session, &user)?;
    tracing::info!(username = %user.username, "signed in");
    let target = if user.must_change_password {
        "/account/password".to_owned()
    } else {
        Some(safe_next(Some(&next)))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| user.home_path().to_owned())
    };
    Ok(see_other(&target))
}

/// A new session (new cookie, new CSRF token) for the account as it now is.
fn start_session(session: &Session, user: &CurrentUser) -> Result<(), AppError> {
    SignedIn::new(user.id, user.session_version, crate::db::now())
        .start(session)
        .map_err(|e| AppError::Internal(format!("session: {e}")))
}

/// Signing out ends every session of the account, on every server: a cookie copied elsewhere
/// stops working too.
pub async fn logout(state: State, session: Session, user: Option<PasswordChanger>) -> Result<HttpResponse, AppError> {
    if let Some(PasswordChanger(user)) = user {
        let actor = user.actor();
        state.db(move |conn| users::end_sessions(conn, user.id, &actor)).await?;
    }
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

pub async fn password_page(user: PasswordChanger, nav: Nav) -> Result<HttpResponse, AppError> {
    render(&PasswordPage {
        nav,
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

/// A new password ends every other session of the account; this browser gets a fresh one.
pub async fn change_password(
    state: State,
    user: PasswordChanger,
    session: Session,
    nav: Nav,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let PasswordChanger(mut user) = user;
    let form = form.into_inner();
    let refuse = |nav: Nav, forced: bool, problem: String| {
        render_with(
            StatusCode::BAD_REQUEST,
            &PasswordPage {
                nav,
                forced,
                error: Some(problem),
                done: false,
            },
        )
    };
    if let Some(problem) = password_problem(&form.new, &form.repeat) {
        return refuse(nav, user.must_change_password, problem);
    }
    let (user_id, actor) = (user.id, user.actor());
    let new_version = state
        .db(move |conn| -> Result<Option<i32>, AppError> {
            let stored = User::find_by_id(conn, user_id)?;
            if !verify_password(&form.current, &stored.password_hash) {
                return Ok(None);
            }
            let hash = hash_password(&form.new).map_err(|e| AppError::Internal(e.to_string()))?;
            users::set_password(conn, user_id, &hash, false, &actor)
                .map(Some)
                .map_err(account_error)
        })
        .await?;
    let Some(version) = new_version else {
        return refuse(nav, user.must_change_password, "当前密码不正确。".to_owned());
    };
    user.session_version = version;
    user.must_change_password = false;
    start_session(&session, &user)?;
    render(&PasswordPage {
        nav: Nav {
            user: Some(user),
            csrf: crate::auth::csrf::token(&session),
        },
        forced: false,
        error: None,
        done: true,
    })
}

/// Account refusals are the user's to fix; database failures are ours.
pub fn account_error(e: AccountError) -> AppError {
    match e {
        AccountError::Db(d) => AppError::Db(d),
        AccountError::NotFound => AppError::NotFound(e.to_string()),
        AccountError::UsernameTaken(_) | AccountError::Moved(_) => AppError::Conflict(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/county")), "/county");
        assert_eq!(safe_next(Some("/search?q=茶&page=2")), "/search?q=茶&page=2");
        assert_eq!(safe_next(Some("//evil.example")), "");
        assert_eq!(safe_next(Some("https://evil.example")), "");
        assert_eq!(safe_next(Some("/\\evil.example")), "");
        assert_eq!(safe_next(Some("/\t/evil.example")), "");
        assert_eq!(safe_next(Some("/\n/evil.example")), "");
        assert_eq!(safe_next(None), "");
    }

    proptest! {
        /// Whatever `next` holds, what is kept leads to a path on this site once a browser has
        /// dropped what browsers drop (tabs, line breaks) and read `\` as `/`.
        #[test]
        fn next_never_leaves_the_site(next in any::<String>()) {
            let kept = safe_next(Some(&next));
            let as_browsers_read_it: String = kept
                .chars()
                .filter(|c| !c.is_control())
                .map(|c| if c == '\\' { '/' } else { c })
                .collect();
            prop_assert!(kept.is_empty() || (as_browsers_read_it.starts_with('/') && !as_browsers_read_it.starts_with("//")));
        }

        #[test]
        fn a_plain_path_survives(path in "/[a-z0-9/_-]{0,30}(\\?[a-z]=[0-9]{1,3})?") {
            prop_assume!(!path.starts_with("//"));
            prop_assert_eq!(safe_next(Some(&path)), path);
        }
    }

    #[test]
    fn new_passwords_must_match_and_be_long_enough() {
        assert!(password_problem("abc", "abd").is_some());
        assert!(password_problem("short", "short").is_some());
        assert!(password_problem("秦岭一棵树-2020", "秦岭一棵树-2020").is_none());
    }
}
