//! The purchase statistics dashboard (消费扶贫统计): planned against actual and against the
//! province's 8亿元 target, by union, city, product county, category, channel and month, each
//! table with its chart. The office sees the province; a reporting union the unions under it; a
//! county union the purchases of its county's products.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;

use super::forms::YearQuery;
use super::nav::Nav;
use super::render::xlsx_attachment;
use super::scans::china_today;
use super::{State, render};
use crate::auth::StatsViewer;
use crate::charts::{self, Bar};
use crate::db::organisations::reporting_unions;
use crate::db::stats::{self, Scope};
use crate::db::{DbConnection, reports};
use crate::domain::stats::{ChannelRow, PROVINCE_TARGET_FEN, Projection, progress_percent, project, running_totals};
use crate::domain::{OrgKind, region};
use crate::error::AppError;
use crate::sheet::{self, StatsTable};
use crate::telemetry::spawn_blocking_in_span;

/// 万元 to two decimals.
pub fn wan_yuan(fen: i64) -> String {
    format!("{:.2}", fen as f64 / 1_000_000.0)
}

/// 亿元 to two decimals.
pub fn yi_yuan(fen: i64) -> String {
    format!("{:.2}", fen as f64 / 10_000_000_000.0)
}

fn scope_of(user: &StatsViewer) -> Result<Scope, AppError> {
    Ok(match user.kind {
        OrgKind::Office => Scope::Province,
        OrgKind::CountyUnion => Scope::ProductCounty(
            user.county_code
                .clone()
                .ok_or_else(|| AppError::Forbidden("您的账号没有对应的县区。".to_owned()))?,
        ),
        _ => Scope::Reporter(user.org_id),
    })
}

/// Everything a dashboard is built from, read in one go.
pub struct Inputs {
    /// The figures, added up by the database.
    pub sums: stats::Sums,
    /// county → (products bought, 带贫人数 behind them), province-wide.
    pub helped: HashMap<String, (i64, i64)>,
    pub poverty: HashSet<String>,
    /// Reporting unions: id → name, in list order.
    pub unions: Vec<(i32, String)>,
    /// Reporting union → planned poverty spending (yuan) in its standing report.
    pub planned: HashMap<i32, i64>,
}

pub fn read_inputs(conn: &mut DbConnection, scope: &Scope, year: i32) -> Result<Inputs, AppError> {
    Ok(Inputs {
        sums: stats::sums(conn, scope, year)?,
        helped: stats::helped_by_county(conn, year)?
            .into_iter()
            .map(|(c, n, p)| (c, (n, p)))
            .collect(),
        poverty: stats::poverty_counties(conn)?.into_iter().collect(),
        unions: reporting_unions(conn)?.into_iter().map(|o| (o.id, o.name)).collect(),
        planned: reports::planned_by_union(conn, year)?.into_iter().collect(),
    })
}

/// A row of a table with an amount: label, amount (万元) and its share of the table's total.
pub struct AmountRow {
    pub label: String,
    pub note: String,
    pub fen: i64,
    pub amount: String,
    pub share: String,
}

fn amount_rows(mut sums: Vec<(String, String, i64)>) -> Vec<AmountRow> {
    sums.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let total: i64 = sums.iter().map(|s| s.2).sum();
    sums.into_iter()
        .map(|(label, note, fen)| AmountRow {
            label,
            note,
            fen,
            amount: wan_yuan(fen),
            share: if total > 0 {
                format!("{:.1}%", fen as f64 * 100.0 / total as f64)
            } else {
                "—".to_owned()
            },
        })
        .collect()
}

pub struct UnionRow {
    pub name: String,
    pub planned: String,
    pub actual: String,
    pub percent: String,
    pub over: bool,
}

pub struct CountyRow {
    pub name: String,
    pub city: String,
    pub poverty: bool,
    pub amount: String,
    pub products: i64,
    pub poor_people: i64,
}

pub struct ChannelView {
    pub label: &'static str,
    pub people: String,
    pub amount: String,
}

pub struct MonthView {
    pub month: String,
    pub amount: String,
    pub running: String,
}

pub struct Dashboard {
    pub year: i32,
    pub scope_label: String,
    pub is_province: bool,
    pub is_county: bool,
    pub actual: String,
    pub people: i64,
    pub purchases: i64,
    pub planned: Option<String>,
    pub planned_percent: Option<i64>,
    pub target: Option<String>,
    pub target_percent: Option<i64>,
    pub projection: String,
    pub unions: Vec<UnionRow>,
    pub cities: Vec<AmountRow>,
    pub counties: Vec<CountyRow>,
    pub categories: Vec<AmountRow>,
    pub channels: Vec<ChannelView>,
    pub months: Vec<MonthView>,
    pub union_chart: String,
    pub running_chart: String,
    pub city_chart: String,
    pub category_chart: String,
}

fn projection_text(p: Projection, what: &str, year: i32) -> String {
    match p {
        Projection::Reached(month) => format!("已于 {} 年 {} 月完成{what}", month / 100, month % 100),
        Projection::On(date) if date.year() <= year => format!("按年初以来的进度，预计 {date} 完成{what}"),
        Projection::On(date) if date.year() <= year + 10 => format!(
            "按年初以来的进度，{year} 年内完成不了{what}，要到 {} 年，需要加快采购",
            date.year()
        ),
        Projection::On(_) => format!("按年初以来的进度，十年内也完成不了{what}，需要加快采购"),
        Projection::NoPace => "还没有采购记录，无法推算完成日期".to_owned(),
    }
}

/// Builds every table and chart of a dashboard from its inputs.
pub fn build(
    scope: &Scope,
    scope_label: String,
    year: i32,
    today: chrono::NaiveDate,
    i: &Inputs,
) -> Result<Dashboard, AppError> {
    let is_county = matches!(scope, Scope::ProductCounty(_));
    let s = &i.sums;
    let actual: i64 = s.by_union.iter().map(|u| u.1).sum();
    let people: i64 = s.by_union.iter().map(|u| u.2).sum();
    let purchases: i64 = s.by_union.iter().map(|u| u.3).sum();

    // By reporting union: the buyers' actual against each one's own plan.
    let actual_by_union: HashMap<i32, i64> = s.by_union.iter().map(|u| (u.0, u.1)).collect();
    let union_ids: Vec<i32> = match scope {
        Scope::Reporter(id) => vec![*id],
        Scope::Province => i.unions.iter().map(|(id, _)| *id).collect(),
        Scope::ProductCounty(_) => i
            .unions
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| actual_by_union.contains_key(id))
            .collect(),
    };
    let name_of = |id: i32| {
        i.unions
            .iter()
            .find(|(u, _)| *u == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "其他基层工会".to_owned())
    };
    let mut unions: Vec<(String, i64, Option<i64>)> = union_ids
        .iter()
        .map(|id| {
            let planned = if is_county {
                None
            } else {
                i.planned.get(id).map(|yuan| yuan * 100)
            };
            (name_of(*id), actual_by_union.get(id).copied().unwrap_or(0), planned)
        })
        .collect();
    if matches!(scope, Scope::Province) && actual_by_union.get(&0).is_some_and(|a| *a != 0) {
        unions.push(("其他基层工会".to_owned(), actual_by_union[&0], None));
    }
    unions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let planned_total: i64 = match scope {
        Scope::Province => i.planned.values().sum::<i64>() * 100,
        Scope::Reporter(id) => i.planned.get(id).copied().unwrap_or(0) * 100,
        Scope::ProductCounty(_) => 0,
    };
    let percent_text = |p: Option<i64>| p.map_or_else(|| "未报计划".to_owned(), |p| format!("{p}%"));
    let union_rows: Vec<UnionRow> = unions
        .iter()
        .map(|(name, actual, planned)| {
            let percent = planned.and_then(|p| progress_percent(*actual, p));
            UnionRow {
                name: name.clone(),
                planned: planned.map(wan_yuan).unwrap_or_else(|| "—".to_owned()),
                actual: wan_yuan(*actual),
                percent: if is_county {
                    String::new()
                } else {
                    percent_text(percent)
                },
                over: percent.is_some_and(|p| p > 100),
            }
        })
        .collect();
    let (union_bars, axis, reference): (Vec<Bar>, &str, Option<f64>) = if is_county {
        let bars = unions
            .iter()
            .map(|(name, actual, _)| Bar {
                label: name.clone(),
                value: *actual as f64 / 1_000_000.0,
            })
            .collect();
        (bars, "采购金额（万元）", None)
    } else {
        let bars = unions
            .iter()
            .filter_map(|(name, actual, planned)| {
                planned.and_then(|p| progress_percent(*actual, p)).map(|p| Bar {
                    label: name.clone(),
                    value: p as f64,
                })
            })
            .collect();
        (bars, "完成本单位计划的百分比（%）", Some(100.0))
    };
    // No bar to draw (no union has reported a plan): the table says so instead.
    let union_chart = if union_bars.is_empty() {
        String::new()
    } else {
        charts::bars(&union_bars, axis, reference).map_err(AppError::Internal)?
    };

    // By city of the buying union.
    let cities = amount_rows(
        s.by_city
            .iter()
            .map(|(code, fen)| {
                let name = region::city(code).map_or_else(|| "未注明城市".to_owned(), |c| c.name.to_owned());
                (name, String::new(), *fen)
            })
            .collect(),
    );
    let city_chart = charts::bars(&bars_of(&cities), "采购金额（万元）", None).map_err(AppError::Internal)?;

    // By the county the products came from, with its poverty status and the 带贫人数 behind them.
    let mut counties: Vec<(String, i64)> = s.by_county.clone();
    counties.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let counties: Vec<CountyRow> = counties
        .into_iter()
        .map(|(code, fen)| {
            let county = region::county(&code);
            let (products, poor_people) = i.helped.get(&code).copied().unwrap_or((0, 0));
            CountyRow {
                name: county.map_or_else(|| "目录外／未列明产品".to_owned(), |c| c.name.to_owned()),
                city: county.map(|c| c.city_name.to_owned()).unwrap_or_default(),
                poverty: i.poverty.contains(&code),
                amount: wan_yuan(fen),
                products,
                poor_people,
            }
        })
        .collect();
    let categories = amount_rows(
        s.by_category
            .iter()
            .cloned()
            .map(|(c, fen)| {
                (
                    if c.is_empty() {
                        "目录外／未列明".to_owned()
                    } else {
                        c
                    },
                    String::new(),
                    fen,
                )
            })
            .collect(),
    );
    let category_chart = charts::bars(&bars_of(&categories), "采购金额（万元）", None).map_err(AppError::Internal)?;

    // By channel, in the Guangdong form's rows.
    let mut by_channel: BTreeMap<ChannelRow, (i64, i64)> = BTreeMap::new();
    for (channel, people, fen) in &s.by_channel {
        let e = by_channel.entry(ChannelRow::of(channel)).or_default();
        e.0 += people;
        e.1 += fen;
    }
    let channels = ChannelRow::ALL
        .iter()
        .map(|row| {
            let (people, fen) = by_channel.get(row).copied().unwrap_or((0, 0));
            ChannelView {
                label: row.label(),
                people: crate::domain::report::wan(people),
                amount: wan_yuan(fen),
            }
        })
        .collect();

    // By month, with the running total against the target (the province) or the union's plan.
    let by_month: BTreeMap<i32, i64> = s.by_month.iter().copied().collect();
    let running = running_totals(year, &by_month);
    let goal = match scope {
        Scope::Province => PROVINCE_TARGET_FEN,
        _ => planned_total,
    };
    let months = running
        .iter()
        .map(|(m, amount, total)| MonthView {
            month: format!("{} 月", m % 100),
            amount: wan_yuan(*amount),
            running: wan_yuan(*total),
        })
        .collect();
    let (divisor, unit) = if matches!(scope, Scope::Province) {
        (10_000_000_000.0, "亿元")
    } else {
        (1_000_000.0, "万元")
    };
    let running_chart = if is_county {
        String::new()
    } else {
        charts::running_total(
            year,
            &running.iter().map(|(_, _, t)| *t as f64 / divisor).collect::<Vec<_>>(),
            goal as f64 / divisor,
            unit,
        )
        .map_err(AppError::Internal)?
    };
    let monthly_totals: Vec<(i32, i64)> = by_month.into_iter().collect();
    let projection = match scope {
        Scope::ProductCounty(_) => String::new(),
        _ if goal > 0 => projection_text(
            project(&monthly_totals, goal, year, today),
            if matches!(scope, Scope::Province) {
                "8 亿元目标"
            } else {
                "本单位计划"
            },
            year,
        ),
        _ => "尚未上报计划消费扶贫金额（附件1），无法推算完成日期".to_owned(),
    };
    Ok(Dashboard {
        year,
        scope_label,
        is_province: matches!(scope, Scope::Province),
        is_county,
        actual: wan_yuan(actual),
        people,
        purchases,
        planned: (!is_county && planned_total > 0).then(|| wan_yuan(planned_total)),
        planned_percent: progress_percent(actual, planned_total),
        target: matches!(scope, Scope::Province).then(|| yi_yuan(PROVINCE_TARGET_FEN)),
        target_percent: matches!(scope, Scope::Province)
            .then(|| progress_percent(actual, PROVINCE_TARGET_FEN))
            .flatten(),
        projection,
        unions: union_rows,
        cities,
        counties,
        categories,
        channels,
        months,
        union_chart,
        running_chart,
        city_chart,
        category_chart,
    })
}

fn bars_of(rows: &[AmountRow]) -> Vec<Bar> {
    rows.iter()
        .take(15)
        .map(|r| Bar {
            label: r.label.clone(),
            value: r.fen as f64 / 1_000_000.0,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "stats/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    d: Dashboard,
    years: Vec<i32>,
}

fn scope_label(user: &StatsViewer, scope: &Scope) -> String {
    match scope {
        Scope::Province => "全省".to_owned(),
        Scope::Reporter(_) => format!("{}及所属基层工会", user.org_name),
        Scope::ProductCounty(code) => {
            format!("{}产品的采购", region::county(code).map_or(code.as_str(), |c| c.name))
        }
    }
}

/// The caller's dashboard for the year asked.
async fn dashboard_of(state: &State, user: &StatsViewer, year: i32) -> Result<Dashboard, AppError> {
    let scope = scope_of(user)?;
    let label = scope_label(user, &scope);
    let read_scope = scope.clone();
    let inputs = state.db(move |conn| read_inputs(conn, &read_scope, year)).await?;
    spawn_blocking_in_span(move || build(&scope, label, year, china_today(), &inputs)).await?
}

/// `/stats`: the dashboard of the caller's scope for a year.
pub async fn dashboard(
    state: State,
    user: StatsViewer,
    nav: Nav,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    let d = dashboard_of(&state, &user, year).await?;
    let this_year = china_today().year();
    render(&DashboardPage {
        nav,
        d,
        years: (2020..=this_year.max(year)).rev().collect(),
    })
}

/// The tables behind the charts, one sheet each, and the Guangdong channel form.
pub async fn tables_export(
    state: State,
    user: StatsViewer,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    let d = dashboard_of(&state, &user, year).await?;
    let title = format!("{year}年度消费扶贫统计（{}）", d.scope_label);
    let bytes = spawn_blocking_in_span(move || sheet::stats_xlsx(&title, &tables_of(&d)))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_attachment(&format!("{year}年度消费扶贫统计"), bytes))
}

/// The dashboard's tables as sheets: headers and rows of text and numbers.
fn tables_of(d: &Dashboard) -> Vec<StatsTable> {
    let num = |s: &str| s.parse::<f64>().ok();
    let mut tables = vec![StatsTable {
        name: "采购平台".to_owned(),
        headers: vec!["采购平台".into(), "人次（万）".into(), "消费总金额（万元）".into()],
        rows: d
            .channels
            .iter()
            .map(|c| vec![c.label.to_owned().into(), num(&c.people).into(), num(&c.amount).into()])
            .collect(),
    }];
    tables.push(StatsTable {
        name: "按工会".to_owned(),
        headers: vec![
            "工会".into(),
            "计划（万元）".into(),
            "完成（万元）".into(),
            "完成计划".into(),
        ],
        rows: d
            .unions
            .iter()
            .map(|u| {
                vec![
                    u.name.clone().into(),
                    num(&u.planned).into(),
                    num(&u.actual).into(),
                    u.percent.clone().into(),
                ]
            })
            .collect(),
    });
    let amounts = |name: &str, first: &str, rows: &[AmountRow]| StatsTable {
        name: name.to_owned(),
        headers: vec![first.into(), "采购金额（万元）".into(), "占比".into()],
        rows: rows
            .iter()
            .map(|r| vec![r.label.clone().into(), num(&r.amount).into(), r.share.clone().into()])
            .collect(),
    };
    tables.push(amounts("按城市", "城市", &d.cities));
    tables.push(StatsTable {
        name: "按产品来源县".to_owned(),
        headers: vec![
            "县区".into(),
            "所在市".into(),
            "贫困县".into(),
            "采购金额（万元）".into(),
            "被采购产品数".into(),
            "带贫人数".into(),
        ],
        rows: d
            .counties
            .iter()
            .map(|c| {
                vec![
                    c.name.clone().into(),
                    c.city.clone().into(),
                    (if c.poverty { "是" } else { "" }).to_owned().into(),
                    num(&c.amount).into(),
                    Some(c.products as f64).into(),
                    Some(c.poor_people as f64).into(),
                ]
            })
            .collect(),
    });
    tables.push(amounts("按品类", "品类", &d.categories));
    tables.push(StatsTable {
        name: "按月".to_owned(),
        headers: vec!["月份".into(), "当月（万元）".into(), "累计（万元）".into()],
        rows: d
            .months
            .iter()
            .map(|m| vec![m.month.clone().into(), num(&m.amount).into(), num(&m.running).into()])
            .collect(),
    });
    tables
}

/// Lines read per round of the purchase form: the export streams, memory stays flat.
const FORM_PAGE: i64 = 5_000;

/// The Pingdingshan purchase form (单位名称 / 产品名称 / 产品来源 / 采购方式 / 金额) of the year in
/// the caller's scope: one row per purchase line.
pub async fn purchase_form_export(
    state: State,
    user: StatsViewer,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    let scope = scope_of(&user)?;
    let title = format!("{year}年度消费扶贫采购情况（{}）", scope_label(&user, &scope));
    let bytes = state
        .db(move |conn| -> Result<Vec<u8>, AppError> {
            let xlsx = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
            let mut writer = sheet::PurchaseFormWriter::new(&title).map_err(xlsx)?;
            let mut after = 0;
            let more = loop {
                let page = stats::purchase_form_page(conn, &scope, year, after, FORM_PAGE)?;
                let Some(last) = page.last() else { break false };
                after = last.line_id;
                let rows: Vec<sheet::PurchaseFormRow> = page
                    .into_iter()
                    .map(|l| sheet::PurchaseFormRow {
                        source: l
                            .county
                            .as_deref()
                            .and_then(region::county)
                            .map_or_else(|| "目录外".to_owned(), |c| format!("{}{}", c.city_name, c.name)),
                        channel: match (ChannelRow::of(&l.channel), l.channel_name.is_empty()) {
                            (ChannelRow::Other, false) => l.channel_name,
                            _ => crate::domain::spending::Channel::parse(&l.channel)
                                .map_or(l.channel, |c| c.label().to_owned()),
                        },
                        union_name: l.union_name,
                        product_name: l.product_name,
                        amount_yuan: l.amount_fen as f64 / 100.0,
                    })
                    .collect();
                if !writer.write(&rows).map_err(xlsx)? {
                    break true;
                }
            };
            writer.finish(more).map_err(xlsx)
        })
        .await?;
    Ok(xlsx_attachment(&format!("{year}年度消费扶贫采购情况"), bytes))
}
