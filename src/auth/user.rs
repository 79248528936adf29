//! The signed-in user and the rights their organisation gives them.
//!
//! County unions see only their county, city unions only their counties, the command office
//! everything; grassroots unions have no part in nominations.

use crate::db::organisations::Organisation;
use crate::db::users::User;
use crate::db::{self, DbResult};
use crate::domain::{OrgKind, region};
use crate::error::AppError;

/// A signed-in, active user, checked against the database on every request so that disabling an
/// account, signing out elsewhere or a new password takes effect at once.
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
    /// Sessions issued for another version of the account no longer hold.
    pub session_version: i32,
}

impl CurrentUser {
    /// The account, if it exists and is active.
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
            session_version: user.session_version,
        }))
    }

    pub fn actor(&self) -> db::Actor {
        db::Actor {
            user_id: Some(self.id),
            label: format!("{}（{}）", self.display_name, self.username),
        }
    }

    pub fn is_office(&self) -> bool {
        self.kind == OrgKind::Office
    }

    pub fn home_path(&self) -> &'static str {
        home_path(Some(self.kind))
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
            OrgKind::GrassrootsUnion | OrgKind::IndustryUnion | OrgKind::StandaloneUnion | OrgKind::Seller => {
                Vec::new()
            }
        }
    }

    pub fn can_view_county(&self, county: &str) -> bool {
        match self.kind {
            OrgKind::Office => true,
            OrgKind::CityUnion => {
                region::county(county).is_some_and(|c| Some(c.city_code) == self.city_code.as_deref())
            }
            OrgKind::CountyUnion => self.county_code.as_deref() == Some(county),
            OrgKind::GrassrootsUnion | OrgKind::IndustryUnion | OrgKind::StandaloneUnion | OrgKind::Seller => false,
        }
    }

    pub fn require_county_access(&self, county: &str) -> Result<(), AppError> {
        if self.can_view_county(county) {
            Ok(())
        } else {
            Err(AppError::Forbidden("您无权查看其他县区的推荐名录。".to_owned()))
        }
    }
}

pub fn home_path(kind: Option<OrgKind>) -> &'static str {
    match kind {
        Some(OrgKind::Office) => "/office",
        Some(OrgKind::CityUnion) => "/city",
        Some(OrgKind::CountyUnion) => "/county",
        Some(OrgKind::GrassrootsUnion) => "/union",
        Some(OrgKind::IndustryUnion | OrgKind::StandaloneUnion) => "/unions",
        Some(OrgKind::Seller) => "/seller",
        _ => "/",
    }
}
