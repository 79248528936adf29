//! The signed-in user and the rights their organisation gives them.
//!
//! County unions see only their county, city unions only their counties, the command office
//! everything; grassroots unions have no part in nominations.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use crate::db::organisations::Organisation;
use crate::db::users::User;
use crate::db::{self, DbResult};
use crate::domain::{OrgKind, region};
use crate::error::AppError;
use crate::startup::AppState;

const SESSION_USER: &str = "user";

/// What the session cookie remembers about the user; enough to draw the navigation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: i32,
    pub display_name: String,
    pub org_name: String,
    pub kind: String,
}

impl SessionUser {
    pub fn from_session(session: &Session) -> Option<SessionUser> {
        session.get::<SessionUser>(SESSION_USER).ok().flatten()
    }

    pub fn store(&self, session: &Session) -> Result<(), AppError> {
        session.renew();
        session
            .insert(SESSION_USER, self)
            .map_err(|e| AppError::Internal(format!("session: {e}")))
    }

    pub fn home_path(&self) -> &'static str {
        home_path(OrgKind::parse(&self.kind))
    }

    /// The command office may see suspended and delisted products in search.
    pub fn is_office(&self) -> bool {
        OrgKind::parse(&self.kind) == Some(OrgKind::Office)
    }
}

pub fn home_path(kind: Option<OrgKind>) -> &'static str {
    match kind {
        Some(OrgKind::Office) => "/office",
        Some(OrgKind::CityUnion) => "/city",
        Some(OrgKind::CountyUnion) => "/county",
        _ => "/",
    }
}

/// A signed-in, active user, checked against the database on every request so that disabling an
/// account takes effect at once.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub org_id: i32,
    pub org_name: String,
    pub kind: OrgKind,
    pub city_code: Option<String>,
    pub county_code: Option<String>,
    pub must_change_password: bool,
}

impl CurrentUser {
    pub fn load(conn: &mut db::DbConnection, user_id: i32) -> DbResult<Option<CurrentUser>> {
        use crate::db::schema::users;
        use diesel::prelude::*;
        let user: Option<User> = users::table
            .find(user_id)
            .select(User::as_select())
            .first(conn)
            .optional()?;
        let Some(user) = user.filter(|u| u.active) else {
            return Ok(None);
        };
        let org = Organisation::find(conn, user.organisation_id)?;
        let Some(kind) = org.kind() else { return Ok(None) };
        Ok(Some(CurrentUser {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            org_id: org.id,
            org_name: org.name,
            kind,
            city_code: org.city_code,
            county_code: org.county_code,
            must_change_password: user.must_change_password,
        }))
    }

    pub fn actor(&self) -> db::workflow::Actor {
        db::workflow::Actor {
            user_id: Some(self.id),
            label: format!("{}（{}）", self.display_name, self.username),
        }
    }

    /// The counties whose nominations this user may see.
    pub fn visible_counties(&self) -> Vec<String> {
        match self.kind {
            OrgKind::Office => region::counties().iter().map(|c| c.code.to_owned()).collect(),
            OrgKind::CityUnion => self
                .city_code
                .as_deref()
                .map(|city| region::counties_of_city(city).map(|c| c.code.to_owned()).collect())
                .unwrap_or_default(),
            OrgKind::CountyUnion => self.county_code.iter().cloned().collect(),
            OrgKind::GrassrootsUnion => Vec::new(),
        }
    }

    pub fn can_view_county(&self, county: &str) -> bool {
        match self.kind {
            OrgKind::Office => true,
            OrgKind::CityUnion => {
                region::county(county).is_some_and(|c| Some(c.city_code) == self.city_code.as_deref())
            }
            OrgKind::CountyUnion => self.county_code.as_deref() == Some(county),
            OrgKind::GrassrootsUnion => false,
        }
    }

    pub fn require(&self, kind: OrgKind) -> Result<(), AppError> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("此页面仅供{}使用。", kind.label())))
        }
    }

    pub fn require_county_access(&self, county: &str) -> Result<(), AppError> {
        if self.can_view_county(county) {
            Ok(())
        } else {
            Err(AppError::Forbidden("您无权查看其他县区的推荐名录。".to_owned()))
        }
    }

    pub fn session_user(&self) -> SessionUser {
        SessionUser {
            user_id: self.id,
            display_name: self.display_name.clone(),
            org_name: self.org_name.clone(),
            kind: self.kind.as_str().to_owned(),
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let next = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let Some(signed_in) = SessionUser::from_session(&session) else {
                return Err(AppError::Unauthorized { next });
            };
            let state = state.ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let pool = state.pool.clone();
            let user = crate::telemetry::spawn_blocking_in_span(move || {
                let mut conn = db::connection::get(&pool)?;
                CurrentUser::load(&mut conn, signed_in.user_id)
            })
            .await??;
            match user {
                Some(u) => Ok(u),
                None => {
                    session.purge();
                    Err(AppError::Unauthorized { next })
                }
            }
        })
    }
}
