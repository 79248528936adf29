//! Demo nomination batches waiting at every stage, so that each role has one to work on: a
//! draft and a returned batch for 汉阴县's clerk, a batch submitted to 安康市 for its city clerk to
//! forward, and batches forwarded to the office for review.

use diesel::prelude::*;

use super::DemoError;
use crate::db::DbConnection;
use crate::db::events::Actor;
use crate::db::schema::{nomination_batches, users};
use crate::db::workflow::{self, BatchSource};
use crate::domain::{Category, CountyCode, CreditCode, Fen, PhoneNumber, PovertyRegionKind, Quantity};
use crate::sheet::NominationInput;

/// A row as a county clerk fills it in: every column of the form, or (`complete` false) the
/// eight columns of Attachment 2 only, the rest still to do.
fn row(
    county: &str,
    n: u32,
    supplier: &str,
    product: &str,
    category: &str,
    price_fen: i64,
    complete: bool,
) -> NominationInput {
    let body = format!("93{county}MAD{n:06}");
    let credit_code = CreditCode::with_check_char(&body).expect("demo credit code bodies use the allowed characters");
    NominationInput {
        row_no: Some(n),
        county: CountyCode::parse(county).ok(),
        supplier_name: supplier.to_owned(),
        credit_code: Some(credit_code),
        product_name: product.to_owned(),
        annual_output: Some(Quantity {
            milli: 50_000 + i64::from(n) * 10_000,
            unit: "吨".to_owned(),
        }),
        poor_people_supported: Some(20 + n * 7),
        contact_name: "孙示例".to_owned(),
        contact_phone: PhoneNumber::parse(&format!("1380000{:04}", 7000 + n)).ok(),
        category: complete.then(|| Category::parse(category).ok()).flatten(),
        specification: complete.then(|| "500g/袋".to_owned()),
        unit_price: complete.then_some(Fen(price_fen)),
        national_catalogue_no: complete.then(|| format!("FP{county}2020{n:05}")),
        gtin: None,
        certificates: None,
        poverty_region: complete.then_some(PovertyRegionKind::PovertyCounty),
        poverty_region_note: None,
    }
}

fn actor_of(conn: &mut DbConnection, username: &str) -> Result<Option<(Actor, i32)>, DemoError> {
    let user: Option<(i32, String, i32)> = users::table
        .filter(users::username.eq(username))
        .select((users::id, users::display_name, users::organisation_id))
        .first(conn)
        .optional()?;
    Ok(user.map(|(id, name, org)| {
        (
            Actor {
                user_id: Some(id),
                label: format!("{name}（{username}）"),
            },
            org,
        )
    }))
}

fn source(title: &str) -> BatchSource {
    BatchSource {
        title: title.to_owned(),
        source: "form",
        filename: None,
        recommending_unit: None,
        filled_by: Some("孙示例".to_owned()),
        filled_by_phone: Some("13800007000".to_owned()),
    }
}

fn fail(e: crate::db::workflow::WorkflowError) -> DemoError {
    DemoError::Generate(e.to_string())
}

/// Seeds the batches once: when there is none yet.
pub fn ensure(conn: &mut DbConnection) -> Result<bool, DemoError> {
    let existing: i64 = nomination_batches::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(false);
    }
    let (Some((hanyin, hanyin_org)), Some((xunyang, xunyang_org)), Some((langao, langao_org)), Some((city, _))) = (
        actor_of(conn, "county-610921")?,
        actor_of(conn, "county-610981")?,
        actor_of(conn, "county-610925")?,
        actor_of(conn, "city-610900")?,
    ) else {
        return Ok(false);
    };
    let code = |c: &str| CountyCode::parse(c).expect("demo counties are valid");
    // 汉阴县: a draft, one row still missing columns.
    workflow::create_batch(
        conn,
        &code("610921"),
        hanyin_org,
        source("2027 年汉阴县第一批推荐名录（草稿）"),
        &[
            row(
                "610921",
                1,
                "汉阴县示例春茶合作社",
                "汉阴绿茶（明前）",
                "茶叶",
                12_800,
                true,
            ),
            row(
                "610921",
                2,
                "汉阴县示例魔芋合作社",
                "汉阴魔芋粉丝",
                "加工食品",
                3_600,
                false,
            ),
        ],
        &hanyin,
    )
    .map_err(fail)?;
    // 汉阴县: submitted, then returned by the city with its reason.
    let returned = workflow::create_batch(
        conn,
        &code("610921"),
        hanyin_org,
        source("汉阴县补报名录"),
        &[row(
            "610921",
            3,
            "汉阴县示例富硒农业公司",
            "富硒香菇",
            "食用菌",
            6_800,
            true,
        )],
        &hanyin,
    )
    .map_err(fail)?;
    workflow::submit_batch(conn, returned, &hanyin).map_err(fail)?;
    workflow::return_batch(
        conn,
        returned,
        "请补充商品条码和 SC 生产许可证编号后再报（演示）",
        &city,
    )
    .map_err(fail)?;
    // 旬阳市: submitted to 安康市, waiting for the city to forward it.
    let submitted = workflow::create_batch(
        conn,
        &code("610981"),
        xunyang_org,
        source("旬阳市 2027 年推荐名录"),
        &[
            row(
                "610981",
                4,
                "旬阳市示例拐枣合作社",
                "旬阳拐枣酒",
                "酒水饮品",
                9_800,
                true,
            ),
            row("610981", 5, "旬阳市示例狮头柑合作社", "旬阳狮头柑", "水果", 4_500, true),
        ],
        &xunyang,
    )
    .map_err(fail)?;
    workflow::submit_batch(conn, submitted, &xunyang).map_err(fail)?;
    // 岚皋县: forwarded by the city, waiting for the office's review.
    let forwarded = workflow::create_batch(
        conn,
        &code("610925"),
        langao_org,
        source("岚皋县 2027 年推荐名录"),
        &[
            row(
                "610925",
                6,
                "岚皋县示例魔芋公司",
                "岚皋魔芋挂面",
                "粮油米面",
                2_900,
                true,
            ),
            row("610925", 7, "岚皋县示例蜂业合作社", "岚皋土蜂蜜", "蜂产品", 8_800, true),
            row("610925", 8, "岚皋县示例茶业公司", "岚皋富硒绿茶", "茶叶", 15_800, true),
        ],
        &langao,
    )
    .map_err(fail)?;
    workflow::submit_batch(conn, forwarded, &langao).map_err(fail)?;
    workflow::forward_batch(conn, forwarded, &city).map_err(fail)?;
    Ok(true)
}
