//! Cities and counties, seeded from the table that ships with the program.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::{cities, counties};
use super::{DbConnection, DbResult};
use crate::domain::region;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cities)]
pub struct CityRow {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = counties)]
pub struct CountyRow {
    pub code: String,
    pub name: String,
    pub city_code: String,
    pub former_poverty_county: bool,
    pub poverty_exit_year: Option<i32>,
}

/// Inserts missing cities and counties and corrects changed ones, in one transaction.
pub fn seed(conn: &mut DbConnection) -> DbResult<()> {
    super::transaction(conn, |conn| {
        let known_cities: Vec<String> = cities::table.select(cities::code).load(conn)?;
        for city in region::cities() {
            if !known_cities.iter().any(|c| c == city.code) {
                diesel::insert_into(cities::table)
                    .values(CityRow {
                        code: city.code.into(),
                        name: city.name.into(),
                    })
                    .execute(conn)?;
            }
        }
        let known: Vec<CountyRow> = counties::table.select(CountyRow::as_select()).load(conn)?;
        for c in region::counties() {
            let row = CountyRow {
                code: c.code.into(),
                name: c.name.into(),
                city_code: c.city_code.into(),
                former_poverty_county: c.former_poverty_county,
                poverty_exit_year: c.poverty_exit_year,
            };
            match known.iter().find(|k| k.code == c.code) {
                None => {
                    diesel::insert_into(counties::table).values(&row).execute(conn)?;
                }
                Some(k)
                    if k.name != row.name
                        || k.former_poverty_county != row.former_poverty_county
                        || k.poverty_exit_year != row.poverty_exit_year =>
                {
                    diesel::update(counties::table.find(&row.code))
                        .set(&row)
                        .execute(conn)?;
                }
                Some(_) => {}
            }
        }
        Ok(())
    })
}

pub fn all_cities(conn: &mut DbConnection) -> DbResult<Vec<CityRow>> {
    Ok(cities::table
        .order(cities::code)
        .select(CityRow::as_select())
        .load(conn)?)
}

pub fn all_counties(conn: &mut DbConnection) -> DbResult<Vec<CountyRow>> {
    Ok(counties::table
        .order(counties::code)
        .select(CountyRow::as_select())
        .load(conn)?)
}
