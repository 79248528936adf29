//! The append-only history of every state change: who, when, what and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::events;
use super::{DbConnection, DbResult};

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
    pub fn record(&self, conn: &mut DbConnection) -> DbResult<()> {
        diesel::insert_into(events::table).values(self).execute(conn)?;
        Ok(())
    }
}

/// The history of one entity, oldest first.
pub fn history(conn: &mut DbConnection, entity_kind: &str, entity_id: i32) -> DbResult<Vec<Event>> {
    Ok(events::table
        .filter(events::entity_kind.eq(entity_kind))
        .filter(events::entity_id.eq(entity_id))
        .order((events::occurred_at, events::id))
        .select(Event::as_select())
        .load(conn)?)
}

/// The latest event of one entity with one of these actions.
pub fn latest(conn: &mut DbConnection, entity_kind: &str, entity_id: i32, actions: &[&str]) -> DbResult<Option<Event>> {
    Ok(events::table
        .filter(events::entity_kind.eq(entity_kind))
        .filter(events::entity_id.eq(entity_id))
        .filter(events::action.eq_any(actions))
        .order((events::occurred_at.desc(), events::id.desc()))
        .select(Event::as_select())
        .first(conn)
        .optional()?)
}
