//! What a database holds, to compare two copies of it: every table's row count and a checksum
//! of the catalogue. `fupin backup` and `fupin restore` print it; the backup test compares it.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use sha2::{Digest, Sha256};

use super::schema::{counties, products, suppliers};
use super::{DbConnection, DbResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// Every table of the schema but the migrations' own bookkeeping, by name, with its rows.
    pub tables: Vec<(String, i64)>,
    /// SHA-256 over every product as the catalogue shows it, in id order (lower-case hex).
    pub catalogue_sha256: String,
}

impl Inventory {
    pub fn rows(&self, table: &str) -> Option<i64> {
        self.tables.iter().find(|(t, _)| t == table).map(|(_, n)| *n)
    }
}

pub fn take(conn: &mut DbConnection) -> DbResult<Inventory> {
    let mut tables = Vec::new();
    for table in table_names(conn)? {
        tables.push((table.clone(), count_rows(conn, &table)?));
    }
    Ok(Inventory {
        tables,
        catalogue_sha256: catalogue_checksum(conn)?,
    })
}

/// A product as the checksum reads it: id, code, name, description, category, status, price,
/// county and supplier.
type CatalogueLine = (i32, String, String, String, String, String, i64, String, String);

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct RowCount {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn table_names(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    let names: Vec<TableName> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' ORDER BY name",
        )
        .load(c)?,
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_\\_diesel%' ORDER BY table_name",
        )
        .load(c)?,
    };
    Ok(names.into_iter().map(|t| t.name).collect())
}

fn count_rows(conn: &mut DbConnection, table: &str) -> DbResult<i64> {
    // The name comes from the schema's own catalogue, not from a user; quoted all the same.
    let query = format!("SELECT COUNT(*) AS n FROM \"{}\"", table.replace('"', "\"\""));
    let count: RowCount = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(query).get_result(c)?,
        DbConnection::Postgresql(c) => diesel::sql_query(query).get_result(c)?,
    };
    Ok(count.n)
}

/// Hashes each product's code, name, description, category, status, price, county and supplier,
/// a page at a time so that a national catalogue is never held in memory.
pub fn catalogue_checksum(conn: &mut DbConnection) -> DbResult<String> {
    const PAGE: i64 = 5_000;
    let mut hasher = Sha256::new();
    let mut after = 0;
    loop {
        let page: Vec<CatalogueLine> = products::table
            .inner_join(suppliers::table)
            .inner_join(counties::table)
            .filter(products::id.gt(after))
            .order(products::id)
            .limit(PAGE)
            .select((
                products::id,
                products::catalogue_code,
                products::name,
                products::description,
                products::category,
                products::listing_status,
                products::unit_price_fen,
                counties::name,
                suppliers::name,
            ))
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (id, code, name, description, category, status, price, county, supplier) in &page {
            // Unit separators keep "ab"+"c" and "a"+"bc" apart.
            let line = format!(
                "{id}\u{1f}{code}\u{1f}{name}\u{1f}{description}\u{1f}{category}\u{1f}{status}\u{1f}{price}\u{1f}{county}\u{1f}{supplier}\u{1e}"
            );
            hasher.update(line.as_bytes());
        }
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
