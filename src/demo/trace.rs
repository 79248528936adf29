//! Traceability records for a sample of the demo products: a production site, one to three
//! batches with lot codes, and a growth-process timeline of four to six steps, in words only.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::rngs::SmallRng;

use super::catalogue::ProductPlan;
use crate::db::now;
use crate::db::trace::{NewProductBatch, NewSite, NewTraceStep};
use crate::domain::{InspectionResult, ListingStatus, TraceStage};

/// The county whose demo account (`county-610924`, 紫阳县) should find rich records.
pub const SHOWCASE_COUNTY: &str = "610924";

/// Every tenth product, and every specialty of the showcase county.
pub fn has_record(index: usize, plan: &ProductPlan) -> bool {
    index.is_multiple_of(10) || (plan.specialty && plan.county.code == SHOWCASE_COUNTY)
}

/// What one product's record holds before it is stored; batch steps name their lot.
pub struct TracePlan {
    pub site: NewSite,
    pub batches: Vec<NewProductBatch>,
    pub product_steps: Vec<NewTraceStep>,
    pub batch_steps: Vec<(String, NewTraceStep)>,
}

/// The words for one kind of produce: site, growing steps, harvest, processing.
struct Words {
    environment: &'static str,
    planting: &'static str,
    tending: &'static str,
    harvest: &'static str,
    processing: &'static str,
}

fn words(category: &str) -> Words {
    match category {
        "茶叶" => Words {
            environment: "茶园坐落于汉江南岸山坡，富硒黄棕壤，云雾多、昼夜温差大，周边无工矿企业。",
            planting: "茶园春季修剪、中耕除草，统一品种，按绿色食品生产规程管护。",
            tending: "施用腐熟农家肥和菜籽饼肥，人工除草，悬挂黄板、杀虫灯防虫，不用除草剂。",
            harvest: "人工采摘一芽一叶至一芽二叶鲜叶，当日进厂。",
            processing: "摊青、杀青、揉捻、烘干，清洁化生产线加工。",
        },
        "水果" => Words {
            environment: "果园位于浅山台塬，土层深厚，灌溉水源为水库引水，年日照充足。",
            planting: "开春修剪整形、清园，统一品种和栽培规程。",
            tending: "以有机肥为主配合测土配方施肥，花期授粉、疏果套袋，病虫害绿色防控。",
            harvest: "达到可溶性固形物标准后分批人工采收，轻拿轻放。",
            processing: "预冷入库，按果径、外观分级挑选。",
        },
        "干果坚果" => Words {
            environment: "林地位于黄土丘陵沟壑区，光照充足、降水偏少，适宜干果生长。",
            planting: "春季整形修剪、树盘松土，统一品种。",
            tending: "秋施基肥、夏季追肥，人工除草，生物农药防治病虫。",
            harvest: "果实成熟后人工采收，及时脱皮晾晒。",
            processing: "清洗、烘干、分级，去除霉变和破损果。",
        },
        "粮油米面" | "蔬菜" | "食用菌" => Words {
            environment: "基地位于河谷平坝，土壤肥沃，灌溉用水符合农田灌溉水质标准。",
            planting: "统一供种、统一播种（栽植），合作社技术员现场指导。",
            tending: "测土配方施肥，按农药安全间隔期用药，田间档案逐户记录。",
            harvest: "适时收获，分户过磅登记。",
            processing: "清理、晾晒（烘干）、加工，按批次入库。",
        },
        _ => Words {
            environment: "基地由合作社统一管理，远离污染源，生产环境经县农业农村部门核查。",
            planting: "合作社统一组织生产，建立生产记录。",
            tending: "按生产技术规程统一管理，投入品统一采购、登记使用。",
            harvest: "按质量标准收购，分户登记。",
            processing: "在取得食品生产许可的车间加工，按批次记录。",
        },
    }
}

/// A record for one product. `plan` and the product's row decide the words and dates.
pub fn plan_record(rng: &mut SmallRng, product_id: i32, plan: &ProductPlan, status: ListingStatus) -> TracePlan {
    let w = words(plan.category);
    let created_at = now();
    let short = super::catalogue::short_name(plan.county.name);
    let site_name = format!(
        "{short}示例{}基地",
        ["东坡", "向阳", "青山", "河湾", "高山"][rng.random_range(0..5)]
    );
    let site = NewSite {
        product_id,
        name: site_name.clone(),
        place: format!("陕西省{}{}示例镇示例村", plan.county.city_name, plan.county.name),
        altitude_m: Some(rng.random_range(40..140) * 10),
        description: w.environment.to_owned(),
        created_at,
    };
    let batch_count = rng.random_range(1..=3);
    let season: i32 = 2026;
    let product_steps = vec![
        step(
            product_id,
            date(season, 3, rng.random_range(1..28)),
            TraceStage::Planting,
            w.planting,
        ),
        step(
            product_id,
            date(season, 5, rng.random_range(1..28)),
            TraceStage::Fertilising,
            w.tending,
        ),
    ];
    let mut batches = Vec::new();
    let mut batch_steps = Vec::new();
    for k in 0..batch_count {
        // The newest batch first, the others a few weeks earlier in the same season.
        let harvested = date(season, 9, rng.random_range(5..25)) - Duration::days(21 * k as i64);
        let packed = harvested + Duration::days(rng.random_range(2..6));
        let lot = format!("L{}-{:02}", harvested.format("%Y%m%d"), k + 1);
        // A product under investigation or cleared had a batch fail; the others passed.
        let result = match (k, status) {
            (0, ListingStatus::Delisted) => InspectionResult::Failed,
            (0, ListingStatus::Suspended) => InspectionResult::Pending,
            _ => InspectionResult::Passed,
        };
        let note = match result {
            InspectionResult::Passed => format!(
                "陕西省示例检验检测中心，报告编号 JC{}{:02}（演示）",
                harvested.format("%Y%m%d"),
                k + 1
            ),
            InspectionResult::Failed => "市场监管部门抽检：农药残留项目不合格（演示）".to_owned(),
            InspectionResult::Pending => "复检中（演示）".to_owned(),
        };
        batches.push(NewProductBatch {
            product_id,
            lot_code: lot.clone(),
            produced_on: Some(harvested),
            packed_on: Some(packed),
            quantity_milli: Some(rng.random_range(5..200) * 100 * 1000),
            quantity_unit: Some("公斤".to_owned()),
            origin: site_name.clone(),
            inspection_result: result.as_str().to_owned(),
            inspection_note: note,
            created_at,
        });
        let mut add = |on: NaiveDate, stage: TraceStage, text: &str| {
            batch_steps.push((lot.clone(), step(product_id, on, stage, text)));
        };
        add(harvested, TraceStage::Harvest, w.harvest);
        if rng.random_bool(0.7) {
            add(harvested + Duration::days(1), TraceStage::Processing, w.processing);
        }
        add(
            packed - Duration::days(1),
            TraceStage::Inspection,
            "按批次抽样送第三方检验检测机构检测农药残留、重金属等项目。",
        );
        if rng.random_bool(0.7) {
            add(packed, TraceStage::Packing, "按批次包装，每件加贴批次追溯二维码。");
        }
    }
    TracePlan {
        site,
        batches,
        product_steps,
        batch_steps,
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("demo dates are valid")
}

fn step(product_id: i32, on: NaiveDate, stage: TraceStage, text: &str) -> NewTraceStep {
    NewTraceStep {
        product_id,
        batch_id: None,
        occurred_on: on,
        stage: stage.as_str().to_owned(),
        description: format!("{text}（演示数据）"),
        created_at: now(),
    }
}
