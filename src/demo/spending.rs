//! Demo spending: the seeds' policies, grassroots unions with members and festival standards, the
//! other two kinds of reporting union, festival bundles in every state (one flagged because a
//! product of it was delisted), and plans in every state — enough that a grassroots account has
//! something to do. At scale (`--unions`, `--plans`) it adds unions and plans in bulk.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::DemoError;
use crate::db::bundles::{self, BundleDetails};
use crate::db::events::{Actor, NewEvent};
use crate::db::organisations::{NewOrganisation, Organisation};
use crate::db::plans::{self as plan_db, NewPlan};
use crate::db::schema::{events, organisations, plan_lines, plans, policies, products, users};
use crate::db::users::{NewUser, User};
use crate::db::{DbConnection, now, policies as policy_db, workflow};
use crate::domain::spending::{Cap, Channel, Festival, GiftForm, PlanStatus, Policy};
use crate::domain::{Action, Fen, ListingStatus, OrgKind, PovertyRegionKind, Subject, region};

/// How much more than the named demo unions and plans to make.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpendingScale {
    /// Extra grassroots unions, spread over the cities.
    pub unions: usize,
    /// Extra plans, spread over all grassroots unions.
    pub plans: usize,
}

/// Members, contact and festival standard of the named demo unions (super::GRASSROOTS_UNIONS).
const NAMED_UNIONS: [(i32, &str, i64); 6] = [
    (137, "王示例", 50_000),
    (412, "李示例", 60_000),
    (86, "张示例", 40_000),
    (230, "刘示例", 80_000),
    (1_250, "陈示例", 100_000),
    (640, "杨示例", 60_000),
];

/// Seeds spending once: when no policy exists yet (so a database made before spending existed
/// gets it on the next `fupin demo`).
pub fn ensure(
    conn: &mut DbConnection,
    scale: SpendingScale,
    password_hash: &str,
    show_progress: bool,
) -> Result<bool, DemoError> {
    let existing: i64 = policies::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(false);
    }
    let today = crate::domain::china_date(now());
    let office = office_actor(conn)?;
    let policy_ids = seed_policies(conn, today, &office)?;
    let unions = seed_unions(conn, password_hash)?;
    let bundle_ids = seed_bundles(conn, today, &office)?;
    if let Some(bundle_ids) = bundle_ids {
        seed_named_plans(conn, &unions, &policy_ids, &bundle_ids, today)?;
    }
    if scale.unions > 0 || scale.plans > 0 {
        seed_at_scale(conn, scale, &policy_ids, today, show_progress)?;
    }
    Ok(true)
}

fn office_actor(conn: &mut DbConnection) -> Result<Actor, DemoError> {
    let user = User::find_by_username(conn, "office")?
        .ok_or_else(|| DemoError::Generate("演示数据缺少 office 账号".into()))?;
    Ok(Actor {
        user_id: Some(user.id),
        label: format!("{}（演示账号）", super::OFFICE_NAME),
    })
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
}

/// The seeds' policies, their periods moved to the demo's present so they can be used.
struct SeededPolicies {
    shaanxi: i32,
    hubei: i32,
    anhui: i32,
    guangdong: i32,
}

fn seed_policies(conn: &mut DbConnection, today: NaiveDate, office: &Actor) -> Result<SeededPolicies, DemoError> {
    let y = today.year();
    let local = vec![PovertyRegionKind::PovertyCounty, PovertyRegionKind::PovertyVillage];
    let mut add = |policy: Policy, note: &str| policy_db::create(conn, &policy, note, office);
    let shaanxi = add(
        Policy {
            name: "陕西工会节日慰问品消费扶贫".into(),
            document_no: "陕工发〔2020〕1号".into(),
            cap: Cap::UnionStandard,
            valid_from: date(y, 1, 1),
            valid_to: date(y + 1, 12, 31),
            on_top_of_festival: false,
            region_kinds: Vec::new(),
            province_only: true,
            channels: vec![
                Channel::UnionMall,
                Channel::Platform832,
                Channel::Counter,
                Channel::Seller,
            ],
            form: GiftForm::InKind,
        },
        "节日慰问品优先采购目录内扶贫产品，人均额度为各单位的年度个人发放节日慰问品标准。",
    )?;
    let hubei = add(
        Policy {
            name: "湖北式爱心消费扶贫（每人不超过500元）".into(),
            document_no: "鄂工发〔2020〕7号".into(),
            cap: Cap::Fixed(Fen(50_000)),
            valid_from: date(y, 1, 1),
            valid_to: date(y + 1, 12, 31),
            on_top_of_festival: true,
            region_kinds: local.clone(),
            province_only: true,
            channels: vec![Channel::Platform832, Channel::UnionMall],
            form: GiftForm::Either,
        },
        "在职工集体福利支出限额标准外，可按每人不超过500元购买本省贫困地区农副产品。",
    )?;
    let anhui = add(
        Policy {
            name: "安徽式抗疫扶贫消费券（每人不超过300元）".into(),
            document_no: "皖工〔2020〕抗疫消费扶贫".into(),
            cap: Cap::Fixed(Fen(30_000)),
            valid_from: today - Duration::days(30),
            valid_to: today + Duration::days(150),
            on_top_of_festival: true,
            region_kinds: local,
            province_only: true,
            channels: vec![Channel::UnionMall, Channel::Counter],
            form: GiftForm::Voucher,
        },
        "消费券在期限内发放、消费完毕（原文为8月底前发放，10月底前消费完毕；演示数据按当前日期调整）。",
    )?;
    let guangdong = add(
        Policy {
            name: "广东式消费帮扶（每年不超过600元/人）".into(),
            document_no: "粤工总〔2021〕17号".into(),
            cap: Cap::Fixed(Fen(60_000)),
            valid_from: date(y, 1, 1),
            valid_to: date(y, 12, 31),
            on_top_of_festival: true,
            region_kinds: Vec::new(),
            province_only: false,
            channels: vec![
                Channel::Platform832,
                Channel::UnionMall,
                Channel::Counter,
                Channel::Other,
            ],
            form: GiftForm::InKind,
        },
        "不受年度节日慰问品人均2500元的限制，当年额度须于12月31日前用完。",
    )?;
    add(
        Policy {
            name: "平顶山式消费惠农（节日慰问品后每人不超过500元）".into(),
            document_no: "平工文〔2021〕8号".into(),
            cap: Cap::Fixed(Fen(50_000)),
            valid_from: date(y, 1, 1),
            valid_to: date(y + 1, 1, 1),
            on_top_of_festival: true,
            region_kinds: vec![PovertyRegionKind::PovertyCounty],
            province_only: true,
            channels: vec![Channel::Seller, Channel::Counter],
            form: GiftForm::InKind,
        },
        "在每位会员不超过2000元的年度节日慰问品后，再以实物采购脱贫摘帽地区农副产品。",
    )?;
    Ok(SeededPolicies {
        shaanxi,
        hubei,
        anhui,
        guangdong,
    })
}

/// The named grassroots unions get members, contacts and standards; the other two kinds of
/// reporting union get an example each, with a grassroots union and an account.
fn seed_unions(conn: &mut DbConnection, password_hash: &str) -> Result<Vec<Organisation>, DemoError> {
    let mut named = Vec::new();
    for ((name, _), (members, contact, standard)) in super::GRASSROOTS_UNIONS.iter().zip(NAMED_UNIONS) {
        diesel::update(organisations::table.filter(organisations::name.eq(*name)))
            .set((
                organisations::members.eq(Some(members)),
                organisations::contact_name.eq(Some(contact)),
                organisations::contact_phone.eq(Some(format!("1380000{:04}", members % 10_000))),
                organisations::festival_standard_fen.eq(Some(standard)),
            ))
            .execute(conn)?;
        if let Some(org) = Organisation::find_by_name(conn, name)? {
            named.push(org);
        }
    }
    let at = now();
    let reporting = [
        ("陕西省示例能源化学地质工会", OrgKind::IndustryUnion, "industry-01"),
        (
            "陕西示例钢铁集团工会（单列）",
            OrgKind::StandaloneUnion,
            "standalone-01",
        ),
    ];
    for (i, (name, kind, username)) in reporting.into_iter().enumerate() {
        let id = NewOrganisation {
            name: name.to_owned(),
            kind: kind.as_str().to_owned(),
            city_code: None,
            county_code: None,
            parent_id: None,
            created_at: at,
            members: None,
            contact_name: None,
            contact_phone: None,
            festival_standard_fen: None,
        }
        .insert(conn)?;
        add_user(conn, id, username, name, password_hash)?;
        let county = ["610802", "610302"][i];
        let c = region::county(county).expect("a known county");
        let child = NewOrganisation {
            name: format!(
                "{}{}示例分公司工会",
                name.trim_end_matches("工会").trim_end_matches("（单列）"),
                c.name
            ),
            kind: OrgKind::GrassrootsUnion.as_str().to_owned(),
            city_code: Some(c.city_code.to_owned()),
            county_code: Some(c.code.to_owned()),
            parent_id: Some(id),
            created_at: at,
            members: Some(520),
            contact_name: Some("赵示例".into()),
            contact_phone: Some("13800000520".into()),
            festival_standard_fen: Some(80_000),
        }
        .insert(conn)?;
        add_user(conn, child, &format!("{username}-jc"), name, password_hash)?;
    }
    Ok(named)
}

fn add_user(
    conn: &mut DbConnection,
    org: i32,
    username: &str,
    name: &str,
    password_hash: &str,
) -> Result<(), DemoError> {
    NewUser {
        organisation_id: org,
        username: username.to_owned(),
        display_name: format!("{name}（演示账号）"),
        password_hash: password_hash.to_owned(),
        active: true,
        must_change_password: false,
        created_at: now(),
    }
    .insert(conn)?;
    Ok(())
}

/// Listed products of these categories, cheapest first, to build gift bundles from.
fn gift_products(conn: &mut DbConnection, categories: &[&str], take: usize) -> Result<Vec<i32>, DemoError> {
    let mut ids = Vec::new();
    for category in categories {
        let found: Vec<i32> = products::table
            .filter(products::category.eq(*category))
            .filter(products::listing_status.eq(ListingStatus::Listed.as_str()))
            .filter(products::unit_price_fen.between(2_000, 15_000))
            .filter(products::poverty_region_kind.eq_any(["poverty_county", "poverty_village"]))
            .order(products::id)
            .select(products::id)
            .limit(take as i64)
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

struct SeededBundles {
    spring: i32,
    tea: i32,
    womens_day: i32,
}

/// The bundles, or None when the catalogue is too small to fill them (a demo of a few products).
fn seed_bundles(conn: &mut DbConnection, today: NaiveDate, office: &Actor) -> Result<Option<SeededBundles>, DemoError> {
    let next = today.year() + 1;
    let make = |conn: &mut DbConnection,
                name: String,
                festival: Festival,
                year: i32,
                description: &str,
                categories: &[&str]|
     -> Result<Option<i32>, DemoError> {
        let lines = gift_products(conn, categories, 1)?;
        if lines.is_empty() {
            return Ok(None);
        }
        let details = BundleDetails {
            name,
            festival,
            year,
            description: description.to_owned(),
        };
        let id = bundles::create(conn, &details, office)?;
        for (i, product) in lines.iter().enumerate() {
            bundles::add_line(conn, id, *product, if i == 0 { 2 } else { 1 }, office)
                .map_err(|e| DemoError::Generate(e.to_string()))?;
        }
        Ok(Some(id))
    };
    let spring = make(
        conn,
        format!("{next} 年春节职工慰问品礼包（秦岭山珍）"),
        Festival::SpringFestival,
        next,
        "秦岭南北的山珍干货、粮油和陕南名茶，每人一份。",
        &["干果坚果", "粮油米面", "食用菌", "肉禽蛋"],
    )?;
    let tea = make(
        conn,
        format!("{next} 年春节职工慰问品礼包（陕南茶礼）"),
        Festival::SpringFestival,
        next,
        "紫阳、汉中的富硒茶配蜂蜜。",
        &["茶叶", "蜂产品", "调味品"],
    )?;
    let womens_day = make(
        conn,
        format!("{next} 年三八节女职工慰问礼包"),
        Festival::WomensDay,
        next,
        "果品、蜂蜜和手工艺品。",
        &["水果", "蜂产品", "手工艺品"],
    )?;
    let draft = make(
        conn,
        format!("{next} 年端午节礼包（草稿）"),
        Festival::DragonBoat,
        next,
        "粮油和调味品，待定。",
        &["粮油米面", "调味品"],
    )?;
    let retired = make(
        conn,
        format!("{} 年中秋节礼包", today.year()),
        Festival::MidAutumn,
        today.year(),
        "上一个节日的礼包，已停用。",
        &["干果坚果", "水果"],
    )?;
    let publish = |conn: &mut DbConnection, id: Option<i32>| -> Result<(), DemoError> {
        if let Some(id) = id {
            bundles::publish(conn, id, office).map_err(|e| DemoError::Generate(e.to_string()))?;
        }
        Ok(())
    };
    for id in [spring, tea, womens_day, retired] {
        publish(conn, id)?;
    }
    if let Some(id) = retired {
        bundles::retire(conn, id, "节日已过", office).map_err(|e| DemoError::Generate(e.to_string()))?;
    }
    let _ = draft;
    Ok(match (spring, tea, womens_day) {
        (Some(spring), Some(tea), Some(womens_day)) => Some(SeededBundles {
            spring,
            tea,
            womens_day,
        }),
        _ => None,
    })
}

/// grassroots-01 gets a plan in every state; the tea bundle's first product is then delisted, so
/// that bundle and the confirmed plan built from it are flagged.
fn seed_named_plans(
    conn: &mut DbConnection,
    unions: &[Organisation],
    policy: &SeededPolicies,
    bundle: &SeededBundles,
    today: NaiveDate,
) -> Result<(), DemoError> {
    let Some(first) = unions.first() else {
        return Ok(());
    };
    let actor_of = |conn: &mut DbConnection, org: &Organisation| -> Result<Actor, DemoError> {
        let user: Option<(i32, String)> = users::table
            .filter(users::organisation_id.eq(org.id))
            .select((users::id, users::display_name))
            .first(conn)
            .optional()?;
        Ok(user.map_or_else(
            || Actor {
                user_id: None,
                label: org.name.clone(),
            },
            |(id, name)| Actor {
                user_id: Some(id),
                label: name,
            },
        ))
    };
    let year = today.year() + 1;
    let fail = |e: crate::db::bundles::SpendingError| DemoError::Generate(e.to_string());
    let new_plan = |policy_id, bundle_id, name: &str, festival, headcount| NewPlan {
        policy_id,
        bundle_id,
        name: name.to_owned(),
        festival,
        year,
        headcount,
    };
    let org = Organisation::find(conn, first.id)?;
    let actor = actor_of(conn, &org)?;
    let members = org.members.unwrap_or(100) as u32;
    // Confirmed, from the tea bundle: flagged once its product is delisted below.
    let (confirmed, _) = plan_db::create(
        conn,
        &org,
        &new_plan(
            policy.shaanxi,
            Some(bundle.tea),
            "春节慰问品（陕南茶礼）",
            Festival::SpringFestival,
            members,
        ),
        today,
        &actor,
    )
    .map_err(fail)?;
    plan_db::confirm(conn, &org, confirmed, today, &actor).map_err(fail)?;
    // A draft from the mountain bundle, to adapt.
    plan_db::create(
        conn,
        &org,
        &new_plan(
            policy.hubei,
            Some(bundle.spring),
            "春节慰问品（秦岭山珍）",
            Festival::SpringFestival,
            members,
        ),
        today,
        &actor,
    )
    .map_err(fail)?;
    // A draft from empty under the voucher policy.
    plan_db::create(
        conn,
        &org,
        &new_plan(policy.anhui, None, "消费券补充采购", Festival::Other, members),
        today,
        &actor,
    )
    .map_err(fail)?;
    // One cancelled.
    let (cancelled, _) = plan_db::create(
        conn,
        &org,
        &new_plan(
            policy.guangdong,
            Some(bundle.womens_day),
            "三八节慰问（已改期）",
            Festival::WomensDay,
            60,
        ),
        today,
        &actor,
    )
    .map_err(fail)?;
    plan_db::cancel(conn, org.id, cancelled, "活动改期", &actor).map_err(fail)?;
    // The other named unions each confirm the mountain bundle.
    for other in &unions[1..] {
        let org = Organisation::find(conn, other.id)?;
        let actor = actor_of(conn, &org)?;
        let members = org.members.unwrap_or(100) as u32;
        let (id, _) = plan_db::create(
            conn,
            &org,
            &new_plan(
                policy.shaanxi,
                Some(bundle.spring),
                "春节慰问品",
                Festival::SpringFestival,
                members,
            ),
            today,
            &actor,
        )
        .map_err(fail)?;
        plan_db::confirm(conn, &org, id, today, &actor).map_err(fail)?;
    }
    // A product of the tea bundle fails an inspection and leaves the catalogue.
    let tea = bundles::load(conn, bundle.tea)?.ok_or_else(|| DemoError::Generate("茶礼礼包不见了".into()))?;
    if let Some(line) = tea.lines.first() {
        let office = office_actor(conn)?;
        workflow::change_listing(
            conn,
            line.product.id,
            ListingStatus::Delisted,
            "市场监管部门抽检：农药残留超标，查实后清出目录（演示）",
            &office,
        )
        .map_err(|e| DemoError::Generate(e.to_string()))?;
    }
    Ok(())
}

/// Unions and plans in bulk, for the benchmarks: rows written in batches, one event per plan.
fn seed_at_scale(
    conn: &mut DbConnection,
    scale: SpendingScale,
    policy: &SeededPolicies,
    today: NaiveDate,
    show_progress: bool,
) -> Result<(), DemoError> {
    let mut rng = SmallRng::seed_from_u64(2027);
    let progress = super::progress_bar(show_progress, (scale.unions + scale.plans) as u64);
    progress.set_message("基层工会");
    let cities: Vec<(String, i32)> = organisations::table
        .filter(organisations::kind.eq(OrgKind::CityUnion.as_str()))
        .select((organisations::city_code.assume_not_null(), organisations::id))
        .load(conn)?;
    let at = now();
    for start in (0..scale.unions).step_by(1_000) {
        let rows: Vec<NewOrganisation> = (start..(start + 1_000).min(scale.unions))
            .map(|i| {
                let (city, parent) = &cities[rng.random_range(0..cities.len())];
                let counties: Vec<&region::County> = region::counties_of_city(city).collect();
                let county = counties[rng.random_range(0..counties.len())];
                NewOrganisation {
                    name: format!("{}{}示例单位{:05}工会", county.city_name, county.name, i + 1),
                    kind: OrgKind::GrassrootsUnion.as_str().to_owned(),
                    city_code: Some(county.city_code.to_owned()),
                    county_code: Some(county.code.to_owned()),
                    parent_id: Some(*parent),
                    created_at: at,
                    members: Some(rng.random_range(20..3_000)),
                    contact_name: Some("示例联系人".to_owned()),
                    contact_phone: None,
                    festival_standard_fen: Some([30_000, 50_000, 60_000, 80_000, 100_000][rng.random_range(0..5)]),
                }
            })
            .collect();
        crate::db::transaction(conn, |conn| crate::batch_insert!(conn, organisations::table, &rows))?;
        progress.inc(rows.len() as u64);
    }
    if scale.plans == 0 {
        progress.finish_with_message("完成");
        return Ok(());
    }
    progress.set_message("采购计划");
    let unions: Vec<i32> = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .select(organisations::id)
        .load(conn)?;
    let catalogue: Vec<(i32, i64)> = products::table
        .filter(products::listing_status.eq(ListingStatus::Listed.as_str()))
        .filter(products::poverty_region_kind.ne(PovertyRegionKind::PairedRegion.as_str()))
        .select((products::id, products::unit_price_fen))
        .limit(5_000)
        .load(conn)?;
    let policies = [policy.shaanxi, policy.hubei, policy.guangdong];
    let statuses = [
        PlanStatus::Draft,
        PlanStatus::Confirmed,
        PlanStatus::Confirmed,
        PlanStatus::Cancelled,
    ];
    let year = today.year() + 1;
    for start in (0..scale.plans).step_by(2_000) {
        let n = (start + 2_000).min(scale.plans) - start;
        crate::db::transaction(conn, |conn| -> Result<(), DemoError> {
            let mut plan_rows = Vec::with_capacity(n);
            let mut lines: Vec<Vec<(i32, i32, i64)>> = Vec::with_capacity(n);
            for _ in 0..n {
                let org = unions[rng.random_range(0..unions.len())];
                let status = statuses[rng.random_range(0..statuses.len())];
                let headcount = rng.random_range(20..2_000);
                let mut chosen: Vec<(i32, i32, i64)> = Vec::new();
                for _ in 0..rng.random_range(3..9) {
                    let (product, price) = catalogue[rng.random_range(0..catalogue.len())];
                    if !chosen.iter().any(|(p, _, _)| *p == product) {
                        chosen.push((product, rng.random_range(1..3), price));
                    }
                }
                let per_person: i64 = chosen.iter().map(|(_, q, p)| i64::from(*q) * p).sum();
                let committed = status == PlanStatus::Confirmed;
                plan_rows.push((
                    plans::organisation_id.eq(org),
                    plans::policy_id.eq(policies[rng.random_range(0..policies.len())]),
                    plans::name.eq(format!("{year} 年春节采购计划")),
                    plans::festival.eq(Festival::SpringFestival.as_str()),
                    plans::year.eq(year),
                    plans::headcount.eq(headcount),
                    plans::status.eq(status.as_str()),
                    plans::per_person_fen.eq(committed.then_some(per_person)),
                    plans::total_fen.eq(committed.then_some(per_person * i64::from(headcount))),
                    plans::confirmed_at.eq(committed.then_some(at)),
                    plans::created_at.eq(at),
                    plans::updated_at.eq(at),
                ));
                lines.push(chosen);
            }
            let before: Option<i32> = plans::table.select(diesel::dsl::max(plans::id)).first(conn)?;
            crate::batch_insert!(conn, plans::table, &plan_rows)?;
            let ids: Vec<(i32, String)> = plans::table
                .filter(plans::id.gt(before.unwrap_or(0)))
                .order(plans::id)
                .select((plans::id, plans::status))
                .load(conn)?;
            let mut line_rows = Vec::new();
            let mut history = Vec::new();
            let system = Actor {
                user_id: None,
                label: "演示数据".to_owned(),
            };
            for ((id, status), chosen) in ids.iter().zip(&lines) {
                for (position, (product, quantity, price)) in chosen.iter().enumerate() {
                    line_rows.push((
                        plan_lines::plan_id.eq(*id),
                        plan_lines::product_id.eq(*product),
                        plan_lines::quantity_per_person.eq(*quantity),
                        plan_lines::unit_price_fen.eq(*price),
                        plan_lines::position.eq(position as i32 + 1),
                    ));
                }
                history.push(
                    NewEvent::new(Subject::Plan, *id, Action::Create, &system)
                        .moved(None, Some(status))
                        .because("演示数据"),
                );
            }
            for chunk in line_rows.chunks(5_000) {
                crate::batch_insert!(conn, plan_lines::table, chunk)?;
            }
            crate::batch_insert!(conn, events::table, &history)?;
            Ok(())
        })?;
        progress.inc(n as u64);
    }
    progress.finish_with_message("完成");
    Ok(())
}
