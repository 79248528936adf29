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
    /// 职工数
    pub members: Option<i32>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// 年度个人发放节日慰问品标准
    pub festival_standard_fen: Option<i64>,
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
    pub members: Option<i32>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub festival_standard_fen: Option<i64>,
}

impl NewOrganisation {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(organisations::table)
            .values(self)
            .returning(organisations::id)
            .get_result(conn)?)
    }
}

/// A grassroots union as its managers see it in their list.
#[derive(Debug, Clone)]
pub struct GrassrootsLine {
    pub org: Organisation,
    pub username: Option<String>,
    pub parent_name: String,
}

/// Grassroots unions under `parent` (all of them for `None`), at most `limit`, by name; narrowed
/// by a part of the name and by county when given.
pub fn grassroots_under(
    conn: &mut DbConnection,
    parent: Option<i32>,
    name_part: &str,
    county: Option<&str>,
    limit: i64,
) -> DbResult<(Vec<GrassrootsLine>, i64)> {
    use super::schema::users;
    let mut q = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .into_boxed();
    let mut count = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .into_boxed();
    if let Some(p) = parent {
        q = q.filter(organisations::parent_id.eq(p));
        count = count.filter(organisations::parent_id.eq(p));
    }
    if let Some(c) = county {
        q = q.filter(organisations::county_code.eq(c.to_owned()));
        count = count.filter(organisations::county_code.eq(c.to_owned()));
    }
    let part = name_part.trim().replace(['%', '_'], "");
    if !part.is_empty() {
        q = q.filter(organisations::name.like(format!("%{part}%")));
        count = count.filter(organisations::name.like(format!("%{part}%")));
    }
    let total: i64 = count.count().get_result(conn)?;
    let orgs: Vec<Organisation> = q
        .order(organisations::name)
        .limit(limit)
        .select(Organisation::as_select())
        .load(conn)?;
    let ids: Vec<i32> = orgs.iter().map(|o| o.id).collect();
    let names: Vec<(i32, String)> = users::table
        .filter(users::organisation_id.eq_any(&ids))
        .order(users::id)
        .select((users::organisation_id, users::username))
        .load(conn)?;
    let parent_ids: Vec<i32> = orgs.iter().filter_map(|o| o.parent_id).collect();
    let parents: Vec<(i32, String)> = organisations::table
        .filter(organisations::id.eq_any(&parent_ids))
        .select((organisations::id, organisations::name))
        .load(conn)?;
    Ok((
        orgs.into_iter()
            .map(|org| GrassrootsLine {
                username: names.iter().find(|(o, _)| *o == org.id).map(|(_, u)| u.clone()),
                parent_name: parents
                    .iter()
                    .find(|(id, _)| Some(*id) == org.parent_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                org,
            })
            .collect(),
        total,
    ))
}

/// The unions grassroots unions may sit under: city unions, 省级产业工会, 单列单位工会.
pub fn reporting_unions(conn: &mut DbConnection) -> DbResult<Vec<Organisation>> {
    let kinds: Vec<&str> = OrgKind::REPORTING.iter().map(|k| k.as_str()).collect();
    Ok(organisations::table
        .filter(organisations::kind.eq_any(kinds))
        .order((organisations::kind, organisations::name))
        .select(Organisation::as_select())
        .load(conn)?)
}

/// A new grassroots union with its account.
pub struct NewGrassroots<'a> {
    pub parent_id: i32,
    pub union: &'a crate::sheet::UnionInput,
    /// The hash of the account's temporary password.
    pub password_hash: String,
}

/// Creates grassroots unions and their accounts, all or none. Returns each union's username, in
/// order. A name already taken fails the lot, naming it.
pub fn create_grassroots(
    conn: &mut DbConnection,
    unions: &[NewGrassroots],
    actor: &super::Actor,
) -> Result<Vec<String>, GrassrootsError> {
    use super::events::NewEvent;
    use super::users::NewUser;
    use crate::domain::{Action, Subject};
    super::transaction(conn, |conn| {
        let names: Vec<&str> = unions.iter().map(|u| u.union.name.as_str()).collect();
        let taken: Vec<String> = organisations::table
            .filter(organisations::name.eq_any(&names))
            .select(organisations::name)
            .load(conn)?;
        if !taken.is_empty() {
            return Err(GrassrootsError::NamesTaken(taken));
        }
        let at = super::now();
        let mut usernames = Vec::with_capacity(unions.len());
        for new in unions {
            let u = new.union;
            let county = u.county.county();
            let id = NewOrganisation {
                name: u.name.clone(),
                kind: OrgKind::GrassrootsUnion.as_str().to_owned(),
                city_code: Some(county.city_code.to_owned()),
                county_code: Some(county.code.to_owned()),
                parent_id: Some(new.parent_id),
                created_at: at,
                members: Some(u.members as i32),
                contact_name: u.contact_name.clone(),
                contact_phone: u.contact_phone.as_ref().map(|p| p.to_string()),
                festival_standard_fen: u.festival_standard.map(|f| f.0),
            }
            .insert(conn)?;
            let username = format!("jc{id:05}");
            let user_id = NewUser {
                organisation_id: id,
                username: username.clone(),
                display_name: u.contact_name.clone().unwrap_or_else(|| u.name.clone()),
                password_hash: new.password_hash.clone(),
                active: true,
                must_change_password: true,
                created_at: at,
            }
            .insert(conn)?;
            NewEvent::new(Subject::Organisation, id, Action::Create, actor)
                .because(&format!("{}，{} 人", u.name, u.members))
                .record(conn)?;
            NewEvent::new(Subject::User, user_id, Action::Create, actor).record(conn)?;
            usernames.push(username);
        }
        Ok(usernames)
    })
}

#[derive(Debug, thiserror::Error)]
pub enum GrassrootsError {
    #[error("已有同名的工会：{}", .0.join("、"))]
    NamesTaken(Vec<String>),
    #[error(transparent)]
    Db(#[from] super::DbError),
}

impl From<diesel::result::Error> for GrassrootsError {
    fn from(e: diesel::result::Error) -> Self {
        GrassrootsError::Db(super::DbError::Query(e))
    }
}
