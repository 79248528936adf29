//! Spending policies (额度政策), as the office records them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::events::{Actor, NewEvent};
use super::schema::policies;
use super::{DbConnection, DbResult, now};
use crate::domain::spending::{Cap, Channel, GiftForm, Policy, PolicyStatus};
use crate::domain::{Action, Fen, PovertyRegionKind, Subject};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: i32,
    pub name: String,
    pub document_no: String,
    pub cap_fen: Option<i64>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub on_top_of_festival: bool,
    pub region_kinds: String,
    pub province_only: bool,
    pub channels: String,
    pub gift_form: String,
    pub note: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn list_of<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    text.split(',').filter_map(|s| parse(s.trim())).collect()
}

fn text_of<T>(items: &[T], name: impl Fn(&T) -> &'static str) -> String {
    items.iter().map(name).collect::<Vec<_>>().join(",")
}

impl PolicyRow {
    pub fn policy(&self) -> Policy {
        Policy {
            name: self.name.clone(),
            document_no: self.document_no.clone(),
            cap: self.cap_fen.map_or(Cap::UnionStandard, |f| Cap::Fixed(Fen(f))),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            on_top_of_festival: self.on_top_of_festival,
            region_kinds: list_of(&self.region_kinds, PovertyRegionKind::parse),
            province_only: self.province_only,
            channels: list_of(&self.channels, Channel::parse),
            form: GiftForm::parse(&self.gift_form).unwrap_or(GiftForm::InKind),
        }
    }

    pub fn status(&self) -> PolicyStatus {
        PolicyStatus::parse(&self.status).unwrap_or(PolicyStatus::Active)
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Option<PolicyRow>> {
        Ok(policies::table
            .find(id)
            .select(PolicyRow::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn all(conn: &mut DbConnection) -> DbResult<Vec<PolicyRow>> {
        Ok(policies::table
            .order((policies::status, policies::valid_to.desc(), policies::id))
            .select(PolicyRow::as_select())
            .load(conn)?)
    }

    pub fn active(conn: &mut DbConnection) -> DbResult<Vec<PolicyRow>> {
        Ok(policies::table
            .filter(policies::status.eq(PolicyStatus::Active.as_str()))
            .order((policies::valid_to.desc(), policies::id))
            .select(PolicyRow::as_select())
            .load(conn)?)
    }
}

/// The terms of a policy as written (status and times are set by each change).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = policies, treat_none_as_null = true)]
struct Terms {
    name: String,
    document_no: String,
    cap_fen: Option<i64>,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    on_top_of_festival: bool,
    region_kinds: String,
    province_only: bool,
    channels: String,
    gift_form: String,
    note: String,
}

impl Terms {
    fn of(p: &Policy, note: &str) -> Terms {
        Terms {
            name: p.name.clone(),
            document_no: p.document_no.clone(),
            cap_fen: match p.cap {
                Cap::Fixed(f) => Some(f.0),
                Cap::UnionStandard => None,
            },
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            on_top_of_festival: p.on_top_of_festival,
            region_kinds: text_of(&p.region_kinds, |k| k.as_str()),
            province_only: p.province_only,
            channels: text_of(&p.channels, |c| c.as_str()),
            gift_form: p.form.as_str().to_owned(),
            note: note.to_owned(),
        }
    }
}

/// Records a new policy, with its event.
pub fn create(conn: &mut DbConnection, policy: &Policy, note: &str, actor: &Actor) -> DbResult<i32> {
    super::transaction(conn, |conn| {
        let at = now();
        let id: i32 = diesel::insert_into(policies::table)
            .values((
                Terms::of(policy, note),
                policies::status.eq(PolicyStatus::Active.as_str()),
                policies::created_at.eq(at),
                policies::updated_at.eq(at),
            ))
            .returning(policies::id)
            .get_result(conn)?;
        NewEvent::new(Subject::Policy, id, Action::Create, actor)
            .moved(None, Some(PolicyStatus::Active.as_str()))
            .because(&policy.name)
            .record(conn)?;
        Ok(id)
    })
}

/// Changes a policy's terms; plans already confirmed keep what they committed.
pub fn update(conn: &mut DbConnection, id: i32, policy: &Policy, note: &str, actor: &Actor) -> DbResult<bool> {
    super::transaction(conn, |conn| {
        let changed = diesel::update(policies::table.find(id))
            .set((Terms::of(policy, note), policies::updated_at.eq(now())))
            .execute(conn)?;
        if changed == 1 {
            NewEvent::new(Subject::Policy, id, Action::Edit, actor)
                .because(&policy.name)
                .record(conn)?;
        }
        Ok(changed == 1)
    })
}

/// Retires or reactivates a policy: a compare-and-set on its status. False when it was already so.
pub fn set_status(conn: &mut DbConnection, id: i32, to: PolicyStatus, actor: &Actor) -> DbResult<bool> {
    super::transaction(conn, |conn| {
        let from = match to {
            PolicyStatus::Active => PolicyStatus::Retired,
            PolicyStatus::Retired => PolicyStatus::Active,
        };
        let changed = diesel::update(policies::table.find(id).filter(policies::status.eq(from.as_str())))
            .set((policies::status.eq(to.as_str()), policies::updated_at.eq(now())))
            .execute(conn)?;
        if changed == 1 {
            let action = match to {
                PolicyStatus::Active => Action::Enable,
                PolicyStatus::Retired => Action::Disable,
            };
            NewEvent::new(Subject::Policy, id, action, actor)
                .moved(Some(from.as_str()), Some(to.as_str()))
                .record(conn)?;
        }
        Ok(changed == 1)
    })
}
