//! Demo data at the scale of the Shaanxi plan: organisations for every city and county, the office,
//! a few grassroots unions, one login per role, 575 suppliers and about 1,500 listed products built
//! from Shaanxi's well-known specialties. Suppliers, people and phone numbers are fictional and
//! say so (“示例”).

mod catalogue;
mod journeys;
pub mod photos;
mod purchasing;
pub mod spending;
mod statistics;
mod trace;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::auth::password::hash_password;
use crate::db::events::NewEvent;
use crate::db::organisations::{NewOrganisation, Organisation};
use crate::db::products::{NewProduct, Product};
use crate::db::schema::{
    events, product_batches, product_certificates, production_sites, products, search_changes, suppliers, trace_steps,
};
use crate::db::suppliers::NewSupplier;
use crate::db::users::{NewUser, User};
use crate::db::{self, DbConnection, DbError, now};
use crate::domain::details::{Details, field_changes};
use crate::domain::{CountyCode, CreditCode, Gtin, ListingStatus, OrgKind, PovertyRegionKind, region};

/// The plan's scale (陕工发〔2020〕1号 三(二)2): 575 enterprises, 1,500-odd products.
pub const PLAN_SUPPLIERS: usize = 575;
pub const PLAN_PRODUCTS: usize = 1500;

/// Every demo account has this password; it is printed with the logins.
pub const DEMO_PASSWORD: &str = "fupin-demo-2020";

pub const OFFICE_NAME: &str = "陕西省总工会脱贫攻坚指挥部办公室";

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: &'static str,
    pub username: String,
    pub organisation: String,
    /// One sentence: what to try first with this account.
    pub try_this: &'static str,
}

#[derive(Debug)]
pub struct DemoReport {
    pub created: bool,
    pub suppliers: i64,
    pub products: i64,
    pub logins: Vec<DemoLogin>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("演示数据生成失败：{0}")]
    Generate(String),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Db(DbError::Query(e))
    }
}

/// Fills an empty database with demo data, or leaves a filled one as it is.
pub fn ensure(conn: &mut DbConnection, products: usize, show_progress: bool) -> Result<DemoReport, DemoError> {
    ensure_at_scale(conn, products, spending::SpendingScale::default(), show_progress)
}

/// [`ensure`] with more grassroots unions and plans than the named ones.
pub fn ensure_at_scale(
    conn: &mut DbConnection,
    products: usize,
    scale: spending::SpendingScale,
    show_progress: bool,
) -> Result<DemoReport, DemoError> {
    let created = if Product::count(conn)? == 0 {
        generate(conn, products, show_progress)?;
        // Generated rows come with their history in `events`; their versions are made from it.
        db::versions::rebuild(conn)?;
        db::notices::backfill(conn)?;
        true
    } else {
        false
    };
    let password_hash = hash_password(DEMO_PASSWORD).map_err(|e| DemoError::Generate(e.to_string()))?;
    spending::ensure(conn, scale, &password_hash, show_progress)?;
    purchasing::ensure(conn, &password_hash)?;
    journeys::ensure(conn)?;
    statistics::ensure(conn)?;
    Ok(DemoReport {
        created,
        suppliers: db::suppliers::Supplier::count(conn)?,
        products: Product::count(conn)?,
        logins: logins(conn)?,
    })
}

fn logins(conn: &mut DbConnection) -> Result<Vec<DemoLogin>, DemoError> {
    let wanted = [
        (
            "省总工会指挥部办公室",
            "office",
            "在“审核”里处理岚皋县报来的推荐名录；看“消费扶贫统计”和各单位年度统计表的上报情况；在 /notices 更正或撤回一份公告；在“目录产品管理”的产品页更正价格或商标，再到 /changes 和 /open-data 看目录的历史。",
        ),
        (
            "市总工会（安康市）",
            "city-610900",
            "把旬阳市报来的推荐名录转报省总工会；在“年度统计表”里填报附件1。",
        ),
        (
            "县区总工会（紫阳县）",
            "county-610924",
            "在线填报或上传推荐名录表格提交市总工会；在“本县产品”维护追溯记录。",
        ),
        (
            "县区总工会（汉阴县）",
            "county-610921",
            "补全草稿名录中缺项的一行后提交市总工会，或修改被退回的名录。",
        ),
        (
            "基层工会",
            "grassroots-01",
            "看工作台上的召回通知；从礼包新建采购计划（默认选中额度最宽裕的政策），调整后确认并向销售商下单。",
        ),
        (
            "省级产业工会",
            "industry-01",
            "上传一张基层工会名单表，为它们批量开户。",
        ),
        ("单列单位工会", "standalone-01", "新建一个基层工会及其账号。"),
        (
            "供应商／销售商",
            "seller-01",
            "打开已接单的订单，选择批次和数量发货，一种产品可分两个批次。",
        ),
        ("经销商", "seller-02", "接下待接单的订单，或写明原因拒单。"),
    ];
    let mut out = Vec::new();
    for (role, username, try_this) in wanted {
        if let Some(user) = User::find_by_username(conn, username)? {
            let org = Organisation::find(conn, user.organisation_id)?;
            out.push(DemoLogin {
                role,
                username: user.username,
                organisation: org.name,
                try_this,
            });
        }
    }
    Ok(out)
}

pub(crate) const GRASSROOTS_UNIONS: [(&str, &str); 6] = [
    ("西安示例机床厂工会", "610113"),
    ("宝鸡示例铁路机务段工会", "610303"),
    ("咸阳示例纺织集团工会", "610402"),
    ("延安示例能源公司工会", "610602"),
    ("榆林示例煤化工公司工会", "610802"),
    ("汉中示例航空制造厂工会", "610702"),
];

fn generate(conn: &mut DbConnection, product_count: usize, show_progress: bool) -> Result<(), DemoError> {
    let mut rng = SmallRng::seed_from_u64(20200601);
    let password_hash = hash_password(DEMO_PASSWORD).map_err(|e| DemoError::Generate(e.to_string()))?;
    let office_user = conn.transaction(|conn| create_organisations(conn, &password_hash))?;

    let supplier_count = (product_count * PLAN_SUPPLIERS).div_ceil(PLAN_PRODUCTS).max(1);
    let supplier_rows = make_suppliers(&mut rng, supplier_count);
    let progress = progress_bar(show_progress, (supplier_count + product_count) as u64);
    progress.set_message("供应商");
    for chunk in supplier_rows.chunks(500) {
        conn.transaction(|conn| crate::batch_insert!(conn, suppliers::table, chunk))?;
        progress.inc(chunk.len() as u64);
    }
    let supplier_ids: Vec<(i32, String)> = suppliers::table
        .select((suppliers::id, suppliers::county_code))
        .order(suppliers::id)
        .load(conn)?;

    progress.set_message("产品");
    let plans = catalogue::plan_products(&mut rng, &supplier_ids, product_count);
    let mut codes_by_county: HashMap<String, std::vec::IntoIter<crate::domain::CatalogueCode>> = HashMap::new();
    conn.transaction(|conn| -> Result<(), DbError> {
        let mut per_county: HashMap<&str, u32> = HashMap::new();
        for p in &plans {
            *per_county.entry(p.county.code).or_default() += 1;
        }
        for (county, n) in per_county {
            let code = CountyCode::parse(county).expect("plans use known counties");
            codes_by_county.insert(
                county.to_owned(),
                db::products::reserve_catalogue_codes(conn, &code, n)?.into_iter(),
            );
        }
        Ok(())
    })?;

    for (chunk_no, chunk) in plans.chunks(400).enumerate() {
        crate::db::search_changes::logged_transaction(conn, |conn| -> Result<(), DemoError> {
            let rows: Vec<NewProduct> = chunk
                .iter()
                .map(|p| {
                    let code = codes_by_county
                        .get_mut(p.county.code)
                        .and_then(|it| it.next())
                        .expect("a code was reserved per product");
                    p.to_row(code.as_str(), &mut rng)
                })
                .collect();
            crate::batch_insert!(conn, products::table, &rows)?;
            let codes: Vec<&str> = rows.iter().map(|r| r.catalogue_code.as_str()).collect();
            let ids: HashMap<String, i32> = products::table
                .filter(products::catalogue_code.eq_any(&codes))
                .select((products::catalogue_code, products::id))
                .load::<(String, i32)>(conn)?
                .into_iter()
                .collect();
            let mut history = Vec::with_capacity(rows.len() + 8);
            let mut certificates = Vec::new();
            let mut records = Vec::new();
            for (j, (row, plan)) in rows.iter().zip(chunk).enumerate() {
                let id = ids[&row.catalogue_code];
                history.extend(listing_history(id, row, &office_user));
                certificates.extend(plan.certificates(id, &row.catalogue_code));
                if trace::has_record(chunk_no * 400 + j, plan) {
                    let status = ListingStatus::parse(&row.listing_status).expect("demo rows carry valid statuses");
                    // A generator of its own per product, so adding records leaves the products as they were.
                    let mut trace_rng = SmallRng::seed_from_u64(id as u64);
                    records.push(trace::plan_record(&mut trace_rng, id, plan, status));
                }
            }
            crate::batch_insert!(conn, events::table, &history)?;
            // Like every product change, the demo's is logged for the search index in the same transaction.
            let changes: Vec<_> = ids
                .values()
                .map(|id| (search_changes::product_id.eq(*id), search_changes::changed_at.eq(now())))
                .collect();
            crate::batch_insert!(conn, search_changes::table, &changes)?;
            if !certificates.is_empty() {
                crate::batch_insert!(conn, product_certificates::table, &certificates)?;
            }
            insert_trace_records(conn, records)?;
            Ok(())
        })?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish_with_message("完成");
    Ok(())
}

/// Stores the records of one chunk of products: sites and batches first, then the timeline steps,
/// whose batch ids are read back by lot code.
fn insert_trace_records(conn: &mut DbConnection, records: Vec<trace::TracePlan>) -> Result<(), DbError> {
    if records.is_empty() {
        return Ok(());
    }
    let sites: Vec<_> = records.iter().map(|r| r.site.clone()).collect();
    let batches: Vec<_> = records.iter().flat_map(|r| r.batches.iter().cloned()).collect();
    crate::batch_insert!(conn, production_sites::table, &sites)?;
    crate::batch_insert!(conn, product_batches::table, &batches)?;
    let product_ids: Vec<i32> = sites.iter().map(|s| s.product_id).collect();
    let batch_ids: HashMap<(i32, String), i32> = product_batches::table
        .filter(product_batches::product_id.eq_any(&product_ids))
        .select((
            product_batches::product_id,
            product_batches::lot_code,
            product_batches::id,
        ))
        .load::<(i32, String, i32)>(conn)?
        .into_iter()
        .map(|(product, lot, id)| ((product, lot), id))
        .collect();
    let mut steps = Vec::new();
    for r in records {
        steps.extend(r.product_steps);
        for (lot, mut step) in r.batch_steps {
            step.batch_id = batch_ids.get(&(step.product_id, lot)).copied();
            steps.push(step);
        }
    }
    crate::batch_insert!(conn, trace_steps::table, &steps)?;
    Ok(())
}

pub(crate) fn progress_bar(show: bool, total: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:6} [{bar:40}] {pos}/{len} {per_sec} 预计剩余 {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar
}

/// The acting office account, as events name it.
struct Actor {
    id: i32,
    label: String,
}

fn create_organisations(conn: &mut DbConnection, password_hash: &str) -> Result<Actor, DbError> {
    let created_at = now();
    let add = |conn: &mut DbConnection, org: NewOrganisation, username: String| -> Result<(i32, i32), DbError> {
        let org_id = match Organisation::find_by_name(conn, &org.name)? {
            Some(existing) => existing.id,
            None => org.insert(conn)?,
        };
        let user_id = match User::find_by_username(conn, &username)? {
            Some(u) => u.id,
            None => NewUser {
                organisation_id: org_id,
                display_name: format!("{}（演示账号）", org.name),
                username,
                password_hash: password_hash.to_owned(),
                active: true,
                must_change_password: false,
                created_at,
            }
            .insert(conn)?,
        };
        Ok((org_id, user_id))
    };
    let org =
        |name: String, kind: OrgKind, city: Option<&str>, county: Option<&str>, parent: Option<i32>| NewOrganisation {
            name,
            kind: kind.as_str().to_owned(),
            city_code: city.map(str::to_owned),
            county_code: county.map(str::to_owned),
            parent_id: parent,
            created_at,
            members: None,
            contact_name: None,
            contact_phone: None,
            festival_standard_fen: None,
        };
    let (office_id, office_user) = add(
        conn,
        org(OFFICE_NAME.to_owned(), OrgKind::Office, None, None, None),
        "office".to_owned(),
    )?;
    let mut city_ids = HashMap::new();
    for city in region::cities() {
        let (id, _) = add(
            conn,
            org(
                format!("{}总工会", city.name),
                OrgKind::CityUnion,
                Some(city.code),
                None,
                Some(office_id),
            ),
            format!("city-{}", city.code),
        )?;
        city_ids.insert(city.code, id);
    }
    for c in region::counties() {
        let name = format!("{}{}总工会", c.city_name, c.name);
        add(
            conn,
            org(
                name,
                OrgKind::CountyUnion,
                Some(c.city_code),
                Some(c.code),
                Some(city_ids[c.city_code]),
            ),
            format!("county-{}", c.code),
        )?;
    }
    for (i, (name, county)) in GRASSROOTS_UNIONS.iter().enumerate() {
        let c = region::county(county).expect("grassroots unions sit in known counties");
        add(
            conn,
            org(
                (*name).to_owned(),
                OrgKind::GrassrootsUnion,
                Some(c.city_code),
                Some(c.code),
                Some(city_ids[c.city_code]),
            ),
            format!("grassroots-{:02}", i + 1),
        )?;
    }
    Ok(Actor {
        id: office_user,
        label: format!("{OFFICE_NAME}（演示账号）"),
    })
}

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "罗",
    "梁",
];
const SUPPLIER_WORDS: [&str; 16] = [
    "绿源", "秦岭", "山水", "丰禾", "金穗", "润土", "汉江", "沃野", "青山", "硒谷", "黄土", "康农", "瑞丰", "田园",
    "云岭", "嘉禾",
];
const SUPPLIER_KINDS: [&str; 6] = [
    "农业专业合作社",
    "农产品有限公司",
    "食品有限公司",
    "生态农业有限公司",
    "种养殖专业合作社",
    "农业科技有限公司",
];

fn make_suppliers(rng: &mut SmallRng, count: usize) -> Vec<NewSupplier> {
    let counties = catalogue::weighted_counties();
    let created_at = now();
    (0..count)
        .map(|i| {
            let county = counties[rng.random_range(0..counties.len())];
            let word = SUPPLIER_WORDS[rng.random_range(0..SUPPLIER_WORDS.len())];
            let kind = SUPPLIER_KINDS[rng.random_range(0..SUPPLIER_KINDS.len())];
            // Co-operatives register as 93 (农民专业合作社), companies as 91.
            let prefix = if kind.contains("合作社") { "93" } else { "91" };
            let body = format!("{prefix}{}MA{:07}", county.code, i + 1);
            let credit_code =
                CreditCode::with_check_char(&body).expect("demo credit code bodies use the allowed characters");
            NewSupplier {
                credit_code: credit_code.to_string(),
                name: format!("{}示例{word}{kind}{}", county.name, i + 1),
                county_code: county.code.to_owned(),
                address: Some(format!(
                    "陕西省{}{}示例路{}号",
                    county.city_name,
                    county.name,
                    rng.random_range(1..300)
                )),
                contact_name: format!("{}示例", SURNAMES[rng.random_range(0..SURNAMES.len())]),
                // 1380000xxxx: a block that reads as a placeholder at a glance.
                contact_phone: format!("1380000{:04}", i % 10_000),
                created_at,
                updated_at: created_at,
            }
        })
        .collect()
}

/// The listing event, and for the few products that left the catalogue, the event that moved them.
fn listing_history(product_id: i32, row: &NewProduct, office: &Actor) -> Vec<NewEvent> {
    let event = |action: &str, from: Option<&str>, to: &str, reason: &str, at: NaiveDateTime| NewEvent {
        entity_kind: "product".to_owned(),
        entity_id: product_id,
        action: action.to_owned(),
        from_state: from.map(str::to_owned),
        to_state: Some(to.to_owned()),
        actor_user_id: Some(office.id),
        actor_label: office.label.clone(),
        reason: reason.to_owned(),
        occurred_at: at,
    };
    let mut out = vec![event(
        "list",
        None,
        "listed",
        "审核通过，列入目录（演示数据）",
        row.listed_at,
    )];
    let status = ListingStatus::parse(&row.listing_status).expect("demo rows carry valid statuses");
    out.extend(
        corrections(product_id, row, status)
            .into_iter()
            .map(|(at, before, after, reason)| event("edit", Some(&before), &after, reason, at)),
    );
    if status != ListingStatus::Listed {
        out.push(event(
            status_action(status),
            Some("listed"),
            status.as_str(),
            &status_reason(status),
            row.status_changed_at,
        ));
    }
    out
}

/// Details corrections in a product's history, while it was in the catalogue: a quarter of the
/// products had their price changed by the supplier half-way, and a third of those with a
/// trademark had it added later. As (when, fields before, fields after, why); the product row
/// holds the details after them.
fn corrections(
    product_id: i32,
    row: &NewProduct,
    status: ListingStatus,
) -> Vec<(NaiveDateTime, String, String, &'static str)> {
    let end = if status == ListingStatus::Listed {
        now()
    } else {
        row.status_changed_at
    };
    let span = end - row.listed_at;
    if span < Duration::days(4) {
        return Vec::new();
    }
    let now_details = Details {
        name: row.name.clone(),
        specification: row.specification.clone(),
        unit_price_fen: row.unit_price_fen,
        trademark: row.trademark.clone(),
    };
    let mut out = Vec::new();
    let mut change = |at: NaiveDateTime, before: Details, reason: &'static str| {
        let fields = field_changes(&before, &now_details);
        if !fields.is_empty() {
            out.push((at, before.stored(&fields), now_details.stored(&fields), reason));
        }
    };
    if product_id % 4 == 1 {
        let older = (row.unit_price_fen * 9 / 10 / 100).max(1) * 100;
        change(
            row.listed_at + span / 2,
            Details {
                unit_price_fen: older,
                ..now_details.clone()
            },
            "供应商调整价格（演示数据）",
        );
    }
    if product_id % 3 == 0 && !row.trademark.is_empty() {
        change(
            row.listed_at + span * 3 / 4,
            Details {
                trademark: String::new(),
                ..now_details.clone()
            },
            "补登注册商标（演示数据）",
        );
    }
    out
}

fn status_action(status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::Listed => "list",
        ListingStatus::Suspended => "suspend",
        ListingStatus::Delisted => "delist",
        ListingStatus::Withdrawn => "withdraw",
    }
}

pub(crate) fn status_reason(status: ListingStatus) -> String {
    match status {
        ListingStatus::Listed => "审核通过，列入目录".to_owned(),
        ListingStatus::Suspended => "市场监管部门抽检通报该批次不合格，调查核实中（演示数据）".to_owned(),
        ListingStatus::Delisted => "经查实存在严重食品安全问题，依方案清理出目录（演示数据）".to_owned(),
        ListingStatus::Withdrawn => "供应商申请退出目录（演示数据）".to_owned(),
    }
}

pub(crate) fn random_datetime(rng: &mut SmallRng, from: NaiveDate, to: NaiveDate) -> NaiveDateTime {
    let days = (to - from).num_days().max(1);
    let day = from + Duration::days(rng.random_range(0..days));
    day.and_hms_opt(rng.random_range(1..10), rng.random_range(0..60), 0)
        .expect("valid time")
}

pub(crate) fn random_gtin(rng: &mut SmallRng) -> String {
    // Prefix 2 is GS1's restricted-circulation range: no real trade item carries it.
    let body = format!("2{:011}", rng.random_range(0..100_000_000_000u64));
    Gtin::with_check_digit(&body).expect("twelve digits").to_string()
}

pub(crate) fn poverty_link(rng: &mut SmallRng, county: &region::County) -> (PovertyRegionKind, Option<String>) {
    if county.former_poverty_county {
        return (PovertyRegionKind::PovertyCounty, None);
    }
    match rng.random_range(0..10) {
        0..=5 => (
            PovertyRegionKind::PovertyVillage,
            Some(format!(
                "{}示例镇示例{}村",
                county.name,
                ["东", "西", "南", "北", "前", "后"][rng.random_range(0..6)]
            )),
        ),
        6..=7 => (
            PovertyRegionKind::DesignatedSite,
            Some("省总工会定点扶贫点（示例）".to_owned()),
        ),
        _ => (PovertyRegionKind::PairedRegion, Some("苏陕扶贫协作（示例）".to_owned())),
    }
}
