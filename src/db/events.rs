//! The append-only history of every state change: who, when, what and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::events;
use super::{DbConnection, DbResult, now};
use crate::domain::{Action, Subject};

/// Who acts: a user, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub label: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i32,
    pub entity_kind: String,
    pub entity_id: i32,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_user_id: Option<i32>,
    pub actor_label: String,
    pub reason: String,
    pub occurred_at: NaiveDateTime,
}

impl Event {
    pub fn subject(&self) -> Option<Subject> {
        Subject::parse(&self.entity_kind)
    }

    pub fn action(&self) -> Option<Action> {
        Action::parse(&self.action)
    }

    /// How a history line names what happened.
    pub fn label(&self) -> &'static str {
        match (self.action(), self.subject()) {
            (Some(action), Some(subject)) => action.label(subject),
            _ => "变更",
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    pub entity_kind: String,
    pub entity_id: i32,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_user_id: Option<i32>,
    pub actor_label: String,
    pub reason: String,
    pub occurred_at: NaiveDateTime,
}

impl NewEvent {
    /// `actor` did `action` to the `subject` numbered `id`, now.
    pub fn new(subject: Subject, id: i32, action: Action, actor: &Actor) -> Self {
        NewEvent {
            entity_kind: subject.as_str().to_owned(),
            entity_id: id,
            action: action.as_str().to_owned(),
            from_state: None,
            to_state: None,
            actor_user_id: actor.user_id,
            actor_label: actor.label.clone(),
            reason: String::new(),
            occurred_at: now(),
        }
    }

    /// The state it moved from and to.
    pub fn moved(mut self, from: Option<&str>, to: Option<&str>) -> Self {
        self.from_state = from.map(str::to_owned);
        self.to_state = to.map(str::to_owned);
        self
    }

    pub fn because(mut self, reason: &str) -> Self {
        self.reason = reason.trim().to_owned();
        self
    }

    pub fn at(mut self, at: NaiveDateTime) -> Self {
        self.occurred_at = at;
        self
    }

    pub fn record(&self, conn: &mut DbConnection) -> DbResult<()> {
        diesel::insert_into(events::table).values(self).execute(conn)?;
        Ok(())
    }
}

/// The history of one entity, oldest first.
pub fn history(conn: &mut DbConnection, subject: Subject, entity_id: i32) -> DbResult<Vec<Event>> {
    Ok(events::table
        .filter(events::entity_kind.eq(subject.as_str()))
        .filter(events::entity_id.eq(entity_id))
        .order((events::occurred_at, events::id))
        .select(Event::as_select())
        .load(conn)?)
}

/// The latest event of one entity, with one of these actions (any action when empty).
pub fn latest(
    conn: &mut DbConnection,
    subject: Subject,
    entity_id: i32,
    actions: &[Action],
) -> DbResult<Option<Event>> {
    let mut query = events::table
        .filter(events::entity_kind.eq(subject.as_str()))
        .filter(events::entity_id.eq(entity_id))
        .order((events::occurred_at.desc(), events::id.desc()))
        .select(Event::as_select())
        .into_boxed();
    if !actions.is_empty() {
        query = query.filter(events::action.eq_any(actions.iter().map(|a| a.as_str())));
    }
    Ok(query.first(conn).optional()?)
}

/// Who last changed a record and when, for the message that it moved before the user's change:
/// "（张三 于 2026-12-01 10:00）", or nothing when no event names it.
pub fn moved_by(conn: &mut DbConnection, subject: Subject, id: i32) -> DbResult<String> {
    Ok(latest(conn, subject, id, &[])?
        .map(|e| format!("（{} 于 {}）", e.actor_label, crate::domain::china_time(e.occurred_at)))
        .unwrap_or_default())
}
