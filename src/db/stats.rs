//! Purchase statistics kept as aggregates: added to in the same transaction as each purchase
//! record, read by the dashboards, and recounted from the records whenever asked (`rebuild`).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{
    counties, organisations, products, purchase_lines, purchase_stats_by_product, purchase_stats_helped,
    purchase_stats_monthly, purchase_stats_products, purchases,
};
use super::{DbConnection, DbResult, transaction};
use crate::domain::region;
use crate::domain::stats::{
    HelpedCell, MonthlyCell, ProductCell, ProductTotal, merge_helped, merge_monthly, merge_product_totals,
    merge_products, month_of,
};

/// Where a buying union's purchases count: its reporting union (0 for none) and its city.
fn buyer_keys(conn: &mut DbConnection, org: i32) -> DbResult<(i32, String)> {
    let (parent, county, city): (Option<i32>, Option<String>, Option<String>) = organisations::table
        .find(org)
        .select((
            organisations::parent_id,
            organisations::county_code,
            organisations::city_code,
        ))
        .first(conn)?;
    let city = county
        .as_deref()
        .and_then(region::county)
        .map(|c| c.city_code.to_owned())
        .or(city)
        .unwrap_or_default();
    Ok((parent.unwrap_or(0), city))
}

/// A purchase as the statistics see it.
pub struct CountedPurchase<'a> {
    pub organisation_id: i32,
    pub purchased_on: NaiveDate,
    pub channel: &'a str,
    pub amount_fen: i64,
    pub people: i64,
    /// (product, quantity, amount) of each line.
    pub lines: Vec<(Option<i32>, i64, i64)>,
}

/// The cells one purchase adds to.
fn cells_of(
    p: &CountedPurchase,
    reporter: i32,
    city: &str,
    product_of: &HashMap<i32, (String, String)>,
) -> (MonthlyCell, Vec<ProductCell>, Vec<ProductTotal>) {
    let year = p.purchased_on.year();
    let monthly = MonthlyCell {
        reporting_union_id: reporter,
        city_code: city.to_owned(),
        month: month_of(p.purchased_on),
        channel: p.channel.to_owned(),
        amount_fen: p.amount_fen,
        people: p.people,
        purchases: 1,
    };
    let mut by_county = Vec::new();
    let mut totals = Vec::new();
    let mut accounted = 0;
    for (product, quantity, amount) in &p.lines {
        accounted += amount;
        let (county, category) = product.and_then(|id| product_of.get(&id).cloned()).unwrap_or_default();
        by_county.push(ProductCell {
            year,
            reporting_union_id: reporter,
            product_county: county,
            category,
            amount_fen: *amount,
            quantity: *quantity,
        });
        if let Some(product_id) = product {
            totals.push(ProductTotal {
                year,
                product_id: *product_id,
                amount_fen: *amount,
                quantity: *quantity,
            });
        }
    }
    if accounted != p.amount_fen {
        by_county.push(ProductCell {
            year,
            reporting_union_id: reporter,
            product_county: String::new(),
            category: String::new(),
            amount_fen: p.amount_fen - accounted,
            quantity: 0,
        });
    }
    (monthly, by_county, totals)
}

fn products_of(conn: &mut DbConnection, ids: &[i32]) -> DbResult<HashMap<i32, (String, String)>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, String, String)> = products::table
            .filter(products::id.eq_any(chunk))
            .select((products::id, products::county_code, products::category))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(id, county, category)| (id, (county, category))));
    }
    Ok(out)
}

/// Adds one purchase to the aggregates; call inside the transaction that records it.
pub fn count_purchase(conn: &mut DbConnection, p: &CountedPurchase) -> DbResult<()> {
    let (reporter, city) = buyer_keys(conn, p.organisation_id)?;
    let ids: Vec<i32> = p.lines.iter().filter_map(|l| l.0).collect();
    let product_of = products_of(conn, &ids)?;
    let (monthly, by_county, totals) = cells_of(p, reporter, &city, &product_of);
    add_monthly(conn, &monthly)?;
    for cell in merge_products(by_county) {
        add_product_cell(conn, &cell)?;
    }
    let totals = merge_product_totals(totals);
    let mut first_bought = Vec::new();
    for total in &totals {
        if add_product_total(conn, total)? {
            first_bought.push(total.clone());
        }
    }
    for cell in helped_cells(conn, &first_bought)? {
        add_helped(conn, &cell)?;
    }
    Ok(())
}

/// Per year and county, the products first bought and the 带贫人数 behind them.
fn helped_cells(conn: &mut DbConnection, first_bought: &[ProductTotal]) -> DbResult<Vec<HelpedCell>> {
    let ids: Vec<i32> = first_bought.iter().map(|t| t.product_id).collect();
    let mut poverty: HashMap<i32, (String, i64)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, String, i32)> = products::table
            .filter(products::id.eq_any(chunk))
            .select((products::id, products::county_code, products::poor_people_supported))
            .load(conn)?;
        poverty.extend(
            rows.into_iter()
                .map(|(id, county, people)| (id, (county, i64::from(people)))),
        );
    }
    Ok(merge_helped(first_bought.iter().filter_map(|t| {
        poverty.get(&t.product_id).map(|(county, people)| HelpedCell {
            year: t.year,
            county_code: county.clone(),
            products: 1,
            poor_people: *people,
        })
    })))
}

fn add_helped(conn: &mut DbConnection, c: &HelpedCell) -> DbResult<()> {
    use purchase_stats_helped as h;
    on_backend!(
        conn,
        diesel::insert_into(h::table)
            .values((
                h::year.eq(c.year),
                h::county_code.eq(&c.county_code),
                h::products.eq(c.products),
                h::poor_people.eq(c.poor_people),
            ))
            .on_conflict((h::year, h::county_code))
            .do_update()
            .set((
                h::products.eq(h::products + excluded(h::products)),
                h::poor_people.eq(h::poor_people + excluded(h::poor_people)),
            ))
    )?;
    Ok(())
}

fn add_monthly(conn: &mut DbConnection, c: &MonthlyCell) -> DbResult<()> {
    use purchase_stats_monthly as m;
    on_backend!(
        conn,
        diesel::insert_into(m::table)
            .values((
                m::reporting_union_id.eq(c.reporting_union_id),
                m::city_code.eq(&c.city_code),
                m::month.eq(c.month),
                m::channel.eq(&c.channel),
                m::amount_fen.eq(c.amount_fen),
                m::people.eq(c.people),
                m::purchases.eq(c.purchases),
            ))
            .on_conflict((m::reporting_union_id, m::city_code, m::month, m::channel))
            .do_update()
            .set((
                m::amount_fen.eq(m::amount_fen + excluded(m::amount_fen)),
                m::people.eq(m::people + excluded(m::people)),
                m::purchases.eq(m::purchases + excluded(m::purchases)),
            ))
    )?;
    Ok(())
}

fn add_product_cell(conn: &mut DbConnection, c: &ProductCell) -> DbResult<()> {
    use purchase_stats_products as p;
    on_backend!(
        conn,
        diesel::insert_into(p::table)
            .values((
                p::year.eq(c.year),
                p::reporting_union_id.eq(c.reporting_union_id),
                p::product_county.eq(&c.product_county),
                p::category.eq(&c.category),
                p::amount_fen.eq(c.amount_fen),
                p::quantity.eq(c.quantity),
            ))
            .on_conflict((p::year, p::product_county, p::reporting_union_id, p::category))
            .do_update()
            .set((
                p::amount_fen.eq(p::amount_fen + excluded(p::amount_fen)),
                p::quantity.eq(p::quantity + excluded(p::quantity)),
            ))
    )?;
    Ok(())
}

/// Adds to a product's year; true when this is its first purchase of the year. The row is made
/// empty first (`DO NOTHING`: of two purchases racing, exactly one makes it), then added to.
fn add_product_total(conn: &mut DbConnection, t: &ProductTotal) -> DbResult<bool> {
    use purchase_stats_by_product as b;
    let made = on_backend!(
        conn,
        diesel::insert_into(b::table)
            .values((
                b::year.eq(t.year),
                b::product_id.eq(t.product_id),
                b::amount_fen.eq(0i64),
                b::quantity.eq(0i64),
            ))
            .on_conflict((b::year, b::product_id))
            .do_nothing()
    )?;
    diesel::update(b::table.find((t.year, t.product_id)))
        .set((
            b::amount_fen.eq(b::amount_fen + t.amount_fen),
            b::quantity.eq(b::quantity + t.quantity),
        ))
        .execute(conn)?;
    Ok(made == 1)
}

/// The aggregates, as stored or as recounted, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregates {
    pub monthly: Vec<MonthlyCell>,
    pub products: Vec<ProductCell>,
    pub totals: Vec<ProductTotal>,
    pub helped: Vec<HelpedCell>,
}

pub fn stored(conn: &mut DbConnection) -> DbResult<Aggregates> {
    use purchase_stats_helped as h;
    let helped: Vec<(i32, String, i64, i64)> = h::table
        .select((h::year, h::county_code, h::products, h::poor_people))
        .load(conn)?;
    let helped = merge_helped(
        helped
            .into_iter()
            .map(|(year, county_code, products, poor_people)| HelpedCell {
                year,
                county_code,
                products,
                poor_people,
            }),
    );
    use purchase_stats_by_product as b;
    use purchase_stats_monthly as m;
    use purchase_stats_products as p;
    let monthly: Vec<(i32, String, i32, String, i64, i64, i64)> = m::table
        .select((
            m::reporting_union_id,
            m::city_code,
            m::month,
            m::channel,
            m::amount_fen,
            m::people,
            m::purchases,
        ))
        .load(conn)?;
    let products: Vec<(i32, i32, String, String, i64, i64)> = p::table
        .select((
            p::year,
            p::reporting_union_id,
            p::product_county,
            p::category,
            p::amount_fen,
            p::quantity,
        ))
        .load(conn)?;
    let totals: Vec<(i32, i32, i64, i64)> = b::table
        .select((b::year, b::product_id, b::amount_fen, b::quantity))
        .load(conn)?;
    Ok(Aggregates {
        monthly: merge_monthly(
            monthly
                .into_iter()
                .map(|(r, city, month, channel, amount, people, n)| MonthlyCell {
                    reporting_union_id: r,
                    city_code: city,
                    month,
                    channel,
                    amount_fen: amount,
                    people,
                    purchases: n,
                }),
        ),
        products: merge_products(
            products
                .into_iter()
                .map(|(year, r, county, category, amount, quantity)| ProductCell {
                    year,
                    reporting_union_id: r,
                    product_county: county,
                    category,
                    amount_fen: amount,
                    quantity,
                }),
        ),
        totals: merge_product_totals(
            totals
                .into_iter()
                .map(|(year, product_id, amount, quantity)| ProductTotal {
                    year,
                    product_id,
                    amount_fen: amount,
                    quantity,
                }),
        ),
        helped,
    })
}

/// Purchases read per round of a recount: bounded memory however many there are.
const RECOUNT_CHUNK: i64 = 20_000;

/// Counts the aggregates again from every purchase record and its lines.
pub fn recount(conn: &mut DbConnection) -> DbResult<Aggregates> {
    let mut buyers: HashMap<i32, (i32, String)> = HashMap::new();
    let mut product_of: HashMap<i32, (String, String)> = HashMap::new();
    let (mut monthly, mut by_county, mut totals) = (Vec::new(), Vec::new(), Vec::new());
    let mut after = 0;
    loop {
        let chunk: Vec<(i32, i32, NaiveDate, String, i64, i32)> = purchases::table
            .filter(purchases::id.gt(after))
            .order(purchases::id)
            .limit(RECOUNT_CHUNK)
            .select((
                purchases::id,
                purchases::organisation_id,
                purchases::purchased_on,
                purchases::channel,
                purchases::amount_fen,
                purchases::people,
            ))
            .load(conn)?;
        let Some(last) = chunk.last() else { break };
        after = last.0;
        let ids: Vec<i32> = chunk.iter().map(|p| p.0).collect();
        let lines: Vec<(i32, Option<i32>, i32, i64)> = purchase_lines::table
            .filter(purchase_lines::purchase_id.eq_any(&ids))
            .order(purchase_lines::id)
            .select((
                purchase_lines::purchase_id,
                purchase_lines::product_id,
                purchase_lines::quantity,
                purchase_lines::amount_fen,
            ))
            .load(conn)?;
        let missing: Vec<i32> = lines
            .iter()
            .filter_map(|l| l.1)
            .filter(|id| !product_of.contains_key(id))
            .collect();
        product_of.extend(products_of(conn, &missing)?);
        let mut lines_of: HashMap<i32, Vec<(Option<i32>, i64, i64)>> = HashMap::new();
        for (purchase, product, quantity, amount) in lines {
            lines_of
                .entry(purchase)
                .or_default()
                .push((product, i64::from(quantity), amount));
        }
        for (id, org, on, channel, amount, people) in chunk {
            if let std::collections::hash_map::Entry::Vacant(e) = buyers.entry(org) {
                e.insert(buyer_keys(conn, org)?);
            }
            let (reporter, city) = &buyers[&org];
            let p = CountedPurchase {
                organisation_id: org,
                purchased_on: on,
                channel: &channel,
                amount_fen: amount,
                people: i64::from(people),
                lines: lines_of.remove(&id).unwrap_or_default(),
            };
            let (m, c, t) = cells_of(&p, *reporter, city, &product_of);
            monthly.push(m);
            by_county.extend(c);
            totals.extend(t);
        }
        // Merging as we go keeps memory to the number of cells, not of purchases.
        monthly = merge_monthly(monthly);
        by_county = merge_products(by_county);
        totals = merge_product_totals(totals);
    }
    // Every product bought in a year counts once for its county.
    let helped = helped_cells(conn, &totals)?;
    Ok(Aggregates {
        monthly,
        products: by_county,
        totals,
        helped,
    })
}

/// Replaces the aggregates with a recount, in one transaction.
pub fn rebuild(conn: &mut DbConnection) -> DbResult<Aggregates> {
    transaction(conn, |conn| {
        let counted = recount(conn)?;
        diesel::delete(purchase_stats_monthly::table).execute(conn)?;
        diesel::delete(purchase_stats_products::table).execute(conn)?;
        diesel::delete(purchase_stats_by_product::table).execute(conn)?;
        diesel::delete(purchase_stats_helped::table).execute(conn)?;
        for c in &counted.monthly {
            add_monthly(conn, c)?;
        }
        for c in &counted.products {
            add_product_cell(conn, c)?;
        }
        for t in &counted.totals {
            add_product_total(conn, t)?;
        }
        for c in &counted.helped {
            add_helped(conn, c)?;
        }
        Ok(counted)
    })
}

/// Fills the aggregates from the records when they are empty but purchases exist: a database
/// from before they were kept.
pub fn rebuild_if_missing(conn: &mut DbConnection) -> DbResult<bool> {
    let cells: i64 = purchase_stats_monthly::table.count().get_result(conn)?;
    // The 带贫人数 cells came later than the others: a database with products bought and none
    // of them is recounted too.
    let helped: i64 = purchase_stats_helped::table.count().get_result(conn)?;
    let bought: i64 = purchase_stats_by_product::table.count().get_result(conn)?;
    if cells > 0 && (helped > 0 || bought == 0) {
        return Ok(false);
    }
    let any: Option<i32> = purchases::table.select(purchases::id).first(conn).optional()?;
    if any.is_none() {
        return Ok(false);
    }
    rebuild(conn)?;
    Ok(true)
}

/// Whose purchases a dashboard counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything: the office, and the public summary.
    Province,
    /// The unions under one reporting union.
    Reporter(i32),
    /// Purchases of one county's products, by whoever bought them.
    ProductCounty(String),
}

/// Per county, the products bought in the year anywhere in the province and the 带贫人数 behind
/// them: (county, products bought, poor people supported).
pub fn helped_by_county(conn: &mut DbConnection, year: i32) -> DbResult<Vec<(String, i64, i64)>> {
    use purchase_stats_helped as h;
    Ok(h::table
        .filter(h::year.eq(year))
        .select((h::county_code, h::products, h::poor_people))
        .load(conn)?)
}

/// The counties that were poverty counties (贫困县), for marking them.
pub fn poverty_counties(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    Ok(counties::table
        .filter(counties::former_poverty_county.eq(true))
        .select(counties::code)
        .load(conn)?)
}

/// The public summary of a year: everything bought in the province, and the counties whose
/// products were bought most (county, fen), at most `top`.
pub fn province_summary(conn: &mut DbConnection, year: i32, top: i64) -> DbResult<(i64, Vec<(String, i64)>)> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    use purchase_stats_monthly as m;
    use purchase_stats_products as p;
    let total: Option<i64> = m::table
        .filter(m::month.between(year * 100 + 1, year * 100 + 12))
        .select(sql::<diesel::sql_types::Nullable<BigInt>>(
            "CAST(SUM(amount_fen) AS BIGINT)",
        ))
        .first(conn)?;
    let counties: Vec<(String, i64)> = p::table
        .filter(p::year.eq(year))
        .filter(p::product_county.ne(""))
        .group_by(p::product_county)
        .select((p::product_county, sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)")))
        .order(sql::<BigInt>("CAST(SUM(amount_fen) AS BIGINT)").desc())
        .limit(top)
        .load(conn)?;
    Ok((total.unwrap_or(0), counties))
}

/// One line of the Pingdingshan purchase form (单位名称 / 产品名称 / 产品来源 / 采购方式 / 金额).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct PurchaseFormLine {
    pub line_id: i32,
    pub union_name: String,
    pub product_name: String,
    /// The product's county code; None outside the catalogue.
    pub county: Option<String>,
    pub channel: String,
    pub channel_name: String,
    pub amount_fen: i64,
}

/// The purchase lines of a year in the scope after `after` (a line id), in line order, at most
/// `limit`: the export reads them page by page.
pub fn purchase_form_page(
    conn: &mut DbConnection,
    scope: &Scope,
    year: i32,
    after: i32,
    limit: i64,
) -> DbResult<Vec<PurchaseFormLine>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let mut query = purchase_lines::table
        .inner_join(
            purchases::table.inner_join(organisations::table.on(organisations::id.eq(purchases::organisation_id))),
        )
        .left_join(products::table.on(products::id.nullable().eq(purchase_lines::product_id)))
        .filter(purchase_lines::id.gt(after))
        .filter(purchases::purchased_on.between(from, to))
        .into_boxed();
    match scope {
        Scope::Province => {}
        Scope::Reporter(id) => query = query.filter(organisations::parent_id.eq(*id)),
        Scope::ProductCounty(code) => query = query.filter(products::county_code.eq(code.clone())),
    }
    Ok(query
        .order(purchase_lines::id)
        .limit(limit)
        .select((
            purchase_lines::id,
            organisations::name,
            purchase_lines::name,
            products::county_code.nullable(),
            purchases::channel,
            purchases::channel_name,
            purchase_lines::amount_fen,
        ))
        .load::<PurchaseFormLine>(conn)?)
}

/// A dashboard's figures for a year and scope, added up by the database: each list is one
/// GROUP BY over the aggregate cells, so only the sums cross the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    /// Reporting union → (amount, people, purchases). For a product county, from its products'
    /// cells (people and purchases are not kept by county: 0).
    pub by_union: Vec<(i32, i64, i64, i64)>,
    pub by_city: Vec<(String, i64)>,
    /// Channel → (people, amount).
    pub by_channel: Vec<(String, i64, i64)>,
    pub by_month: Vec<(i32, i64)>,
    pub by_county: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
}

/// `SUM(column)` as a BIGINT on both backends (PostgreSQL's SUM of a BIGINT is a NUMERIC).
fn total(column: &str) -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("CAST(SUM({column}) AS BIGINT)"))
}

pub fn sums(conn: &mut DbConnection, scope: &Scope, year: i32) -> DbResult<Sums> {
    use purchase_stats_monthly as m;
    use purchase_stats_products as p;
    // One query shape for every scope: the scope is a range, one value wide or everything, so
    // the cells' primary keys serve both.
    let reporters = match scope {
        Scope::Reporter(id) => (*id, *id),
        _ => (i32::MIN, i32::MAX),
    };
    let counties = match scope {
        // County codes are digits; '' (outside the catalogue) to '~' is every one.
        Scope::ProductCounty(code) => (code.clone(), code.clone()),
        _ => (String::new(), "~".to_owned()),
    };
    let monthly = || {
        m::table
            .filter(m::reporting_union_id.between(reporters.0, reporters.1))
            .filter(m::month.between(year * 100 + 1, year * 100 + 12))
    };
    let products = || {
        p::table
            .filter(p::year.eq(year))
            .filter(p::product_county.between(counties.0.clone(), counties.1.clone()))
            .filter(p::reporting_union_id.between(reporters.0, reporters.1))
    };
    let by_county: Vec<(String, i64)> = products()
        .group_by(p::product_county)
        .select((p::product_county, total("amount_fen")))
        .load(conn)?;
    let by_category: Vec<(String, i64)> = products()
        .group_by(p::category)
        .select((p::category, total("amount_fen")))
        .load(conn)?;
    if let Scope::ProductCounty(_) = scope {
        let by_union: Vec<(i32, i64)> = products()
            .group_by(p::reporting_union_id)
            .select((p::reporting_union_id, total("amount_fen")))
            .load(conn)?;
        return Ok(Sums {
            by_union: by_union.into_iter().map(|(u, a)| (u, a, 0, 0)).collect(),
            by_county,
            by_category,
            ..Sums::default()
        });
    }
    Ok(Sums {
        by_union: monthly()
            .group_by(m::reporting_union_id)
            .select((
                m::reporting_union_id,
                total("amount_fen"),
                total("people"),
                total("purchases"),
            ))
            .load(conn)?,
        by_city: monthly()
            .group_by(m::city_code)
            .select((m::city_code, total("amount_fen")))
            .load(conn)?,
        by_channel: monthly()
            .group_by(m::channel)
            .select((m::channel, total("people"), total("amount_fen")))
            .load(conn)?,
        by_month: monthly()
            .group_by(m::month)
            .select((m::month, total("amount_fen")))
            .load(conn)?,
        by_county,
        by_category,
    })
}
