//! What the demo products are: Shaanxi's specialties where a county is known for one, and the
//! staples of its category elsewhere, with realistic specifications, prices and output.

use chrono::NaiveDate;
use rand::Rng;
use rand::rngs::SmallRng;

use crate::db::now;
use crate::db::products::NewProduct;
use crate::db::schema::product_certificates;
use crate::domain::{ListingStatus, region};

const SPECIALTIES_CSV: &str = include_str!("shaanxi_specialties.csv");

/// A kind of product: its base name, category, varieties, specifications with a price range in
/// fen, and the unit its annual output is counted in.
struct Staple {
    base: &'static str,
    category: &'static str,
    varieties: &'static [&'static str],
    specs: &'static [(&'static str, i64, i64)],
    output_unit: &'static str,
}

const STAPLES: &[Staple] = &[
    Staple {
        base: "猕猴桃",
        category: "水果",
        varieties: &["徐香", "翠香", "海沃德", "红阳", "瑞玉"],
        specs: &[
            ("5kg/箱", 5800, 9800),
            ("3kg/箱 约24枚", 3900, 6800),
            ("精品礼盒 2.5kg", 6800, 12800),
        ],
        output_unit: "吨",
    },
    Staple {
        base: "苹果",
        category: "水果",
        varieties: &["红富士", "嘎啦", "秦冠", "瑞阳", "瑞雪"],
        specs: &[
            ("5kg/箱 80mm+", 4900, 8800),
            ("10kg/箱", 7800, 13800),
            ("礼盒 12枚", 6800, 11800),
        ],
        output_unit: "吨",
    },
    Staple {
        base: "樱桃",
        category: "水果",
        varieties: &["美早", "红灯", "萨米脱"],
        specs: &[("2.5kg/箱", 8800, 16800)],
        output_unit: "吨",
    },
    Staple {
        base: "酥梨",
        category: "水果",
        varieties: &["", "黄金"],
        specs: &[("5kg/箱", 3900, 6900)],
        output_unit: "吨",
    },
    Staple {
        base: "红枣",
        category: "干果坚果",
        varieties: &["骏枣", "狗头枣", "木枣", "滩枣"],
        specs: &[("500g/袋", 1800, 3800), ("1kg/礼盒", 3800, 6800)],
        output_unit: "吨",
    },
    Staple {
        base: "核桃",
        category: "干果坚果",
        varieties: &["薄皮", "香玲", "纸皮"],
        specs: &[("1kg/袋", 3200, 5800), ("2.5kg/箱", 7800, 12800)],
        output_unit: "吨",
    },
    Staple {
        base: "板栗",
        category: "干果坚果",
        varieties: &["", "油"],
        specs: &[("1kg/袋", 2600, 4800)],
        output_unit: "吨",
    },
    Staple {
        base: "富硒茶",
        category: "茶叶",
        varieties: &["毛尖", "炒青", "翠峰", "银针"],
        specs: &[("250g/罐", 8800, 26800), ("100g×2 礼盒", 12800, 36800)],
        output_unit: "吨",
    },
    Staple {
        base: "绿茶",
        category: "茶叶",
        varieties: &["明前", "雨前", "高山"],
        specs: &[("250g/盒", 6800, 19800)],
        output_unit: "吨",
    },
    Staple {
        base: "小米",
        category: "粮油米面",
        varieties: &["黄", "米脂", "有机"],
        specs: &[("2.5kg/袋", 3200, 5600), ("5kg/箱", 5800, 9800)],
        output_unit: "吨",
    },
    Staple {
        base: "大米",
        category: "粮油米面",
        varieties: &["富硒", "香", "稻花"],
        specs: &[("5kg/袋", 4800, 8800), ("10kg/袋", 8800, 15800)],
        output_unit: "吨",
    },
    Staple {
        base: "手工挂面",
        category: "粮油米面",
        varieties: &["", "杂粮", "荞麦"],
        specs: &[("2kg/箱", 2800, 4800)],
        output_unit: "吨",
    },
    Staple {
        base: "菜籽油",
        category: "粮油米面",
        varieties: &["压榨", "土榨"],
        specs: &[("5L/桶", 6800, 11800)],
        output_unit: "吨",
    },
    Staple {
        base: "香菇",
        category: "食用菌",
        varieties: &["花菇", "椴木", "干"],
        specs: &[("500g/袋", 3800, 6800)],
        output_unit: "吨",
    },
    Staple {
        base: "木耳",
        category: "食用菌",
        varieties: &["黑", "秋", "小碗"],
        specs: &[("250g/袋", 2800, 5800), ("500g/礼盒", 5800, 9800)],
        output_unit: "吨",
    },
    Staple {
        base: "魔芋",
        category: "蔬菜",
        varieties: &["", "鲜"],
        specs: &[("2.5kg/箱", 2600, 4800)],
        output_unit: "吨",
    },
    Staple {
        base: "黄花菜",
        category: "蔬菜",
        varieties: &["干"],
        specs: &[("500g/袋", 2800, 4600)],
        output_unit: "吨",
    },
    Staple {
        base: "土鸡蛋",
        category: "肉禽蛋",
        varieties: &["散养", "林下"],
        specs: &[("30枚/箱", 3800, 5800)],
        output_unit: "万枚",
    },
    Staple {
        base: "腊肉",
        category: "肉禽蛋",
        varieties: &["柴火", "烟熏"],
        specs: &[("1kg/袋", 7800, 12800)],
        output_unit: "吨",
    },
    Staple {
        base: "土蜂蜜",
        category: "蜂产品",
        varieties: &["槐花", "百花", "洋槐", "荆条"],
        specs: &[("500g/瓶", 4800, 8800), ("1kg/瓶", 8800, 15800)],
        output_unit: "吨",
    },
    Staple {
        base: "黄芪",
        category: "中药材",
        varieties: &["", "切片"],
        specs: &[("250g/袋", 3800, 6800)],
        output_unit: "吨",
    },
    Staple {
        base: "天麻",
        category: "中药材",
        varieties: &["", "鲜"],
        specs: &[("500g/盒", 9800, 19800)],
        output_unit: "吨",
    },
    Staple {
        base: "花椒",
        category: "调味品",
        varieties: &["大红袍", "麻"],
        specs: &[("250g/袋", 2800, 5800)],
        output_unit: "吨",
    },
    Staple {
        base: "辣子面",
        category: "调味品",
        varieties: &["油泼", "线椒"],
        specs: &[("500g/袋", 1800, 3200)],
        output_unit: "吨",
    },
    Staple {
        base: "红薯粉条",
        category: "加工食品",
        varieties: &["手工", ""],
        specs: &[("2.5kg/箱", 3600, 5800)],
        output_unit: "吨",
    },
    Staple {
        base: "杂粮礼盒",
        category: "粮油米面",
        varieties: &["五谷", "八宝"],
        specs: &[("4kg/箱", 6800, 12800)],
        output_unit: "吨",
    },
    Staple {
        base: "剪纸",
        category: "手工艺品",
        varieties: &["民俗", "生肖"],
        specs: &[("10幅/册", 3800, 9800)],
        output_unit: "万件",
    },
];

/// A county's own specialty, as listed in the shared data.
struct Specialty {
    county_code: &'static str,
    product: &'static str,
    category: &'static str,
}

fn specialties() -> Vec<Specialty> {
    SPECIALTIES_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&'static str> = line.split(',').collect();
            (f.len() == 4).then(|| Specialty {
                county_code: f[0],
                product: f[2],
                category: f[3],
            })
        })
        .collect()
}

/// `周至县` → `周至`; one-character names keep their suffix (`眉县`).
pub fn short_name(county: &str) -> &str {
    let stem = county.trim_end_matches(['县', '区', '市']);
    if stem.chars().count() >= 2 { stem } else { county }
}

/// Counties to draw suppliers from: former poverty counties count three times, as most
/// nominations come from them.
pub fn weighted_counties() -> Vec<&'static region::County> {
    region::counties()
        .iter()
        .flat_map(|c| std::iter::repeat_n(c, if c.former_poverty_county { 3 } else { 1 }))
        .collect()
}

/// One product to be created.
pub struct ProductPlan {
    pub county: &'static region::County,
    supplier_id: i32,
    name: String,
    pub category: &'static str,
    specification: &'static str,
    price_range: (i64, i64),
    output_unit: &'static str,
    pub specialty: bool,
}

/// Spreads `count` products over the suppliers: every supplier gets at least one, a county's
/// specialty is what its suppliers mostly sell.
pub fn plan_products(rng: &mut SmallRng, suppliers: &[(i32, String)], count: usize) -> Vec<ProductPlan> {
    let specialties = specialties();
    (0..count)
        .map(|i| {
            let (supplier_id, county_code) = if i < suppliers.len() {
                &suppliers[i]
            } else {
                &suppliers[rng.random_range(0..suppliers.len())]
            };
            let county = region::county(county_code).expect("suppliers sit in known counties");
            let own: Vec<&Specialty> = specialties.iter().filter(|s| s.county_code == county.code).collect();
            if !own.is_empty() && rng.random_bool(0.6) {
                let s = own[rng.random_range(0..own.len())];
                let staple = STAPLES
                    .iter()
                    .find(|st| s.product.ends_with(st.base) || st.category == s.category);
                let (specs, unit) = staple
                    .map(|st| (st.specs, st.output_unit))
                    .unwrap_or((&[("1kg/箱", 3800, 8800)], "吨"));
                let spec = specs[rng.random_range(0..specs.len())];
                let grade = ["", "精品", "特级", "礼盒装"][rng.random_range(0..4)];
                ProductPlan {
                    county,
                    supplier_id: *supplier_id,
                    name: format!("{}{grade}", s.product),
                    category: s.category,
                    specification: spec.0,
                    price_range: (spec.1, spec.2),
                    output_unit: unit,
                    specialty: true,
                }
            } else {
                let st = &STAPLES[rng.random_range(0..STAPLES.len())];
                let variety = st.varieties[rng.random_range(0..st.varieties.len())];
                let spec = st.specs[rng.random_range(0..st.specs.len())];
                ProductPlan {
                    county,
                    supplier_id: *supplier_id,
                    name: format!("{}{variety}{}", short_name(county.name), st.base),
                    category: st.category,
                    specification: spec.0,
                    price_range: (spec.1, spec.2),
                    output_unit: st.output_unit,
                    specialty: false,
                }
            }
        })
        .collect()
}

impl ProductPlan {
    pub fn to_row(&self, catalogue_code: &str, rng: &mut SmallRng) -> NewProduct {
        let listed_at = super::random_datetime(
            rng,
            NaiveDate::from_ymd_opt(2020, 7, 30).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        );
        let status = match rng.random_range(0..1000) {
            0..=9 => ListingStatus::Suspended,
            10..=14 => ListingStatus::Delisted,
            15..=17 => ListingStatus::Withdrawn,
            _ => ListingStatus::Listed,
        };
        let status_changed_at = if status == ListingStatus::Listed {
            listed_at
        } else {
            super::random_datetime(
                rng,
                listed_at.date() + chrono::Duration::days(1),
                NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            )
        };
        // Prices end in 8 or 0 fen-free yuan, as shops price them.
        let price = rng.random_range(self.price_range.0 / 100..=self.price_range.1 / 100) * 100;
        let (kind, note) = super::poverty_link(rng, self.county);
        let created_at = now();
        let serial = &catalogue_code[7..];
        NewProduct {
            // A specialty sells under a brand of its county (demo data: made up).
            trademark: if self.specialty {
                let stem = self.county.name.trim_end_matches(['县', '区', '市']);
                format!("{stem}源")
            } else {
                String::new()
            },
            catalogue_code: catalogue_code.to_owned(),
            name: self.name.clone(),
            supplier_id: self.supplier_id,
            county_code: self.county.code.to_owned(),
            category: self.category.to_owned(),
            specification: self.specification.to_owned(),
            unit_price_fen: price,
            annual_output_milli: rng.random_range(5..2000) * 1000,
            annual_output_unit: self.output_unit.to_owned(),
            poor_people_supported: rng.random_range(8..600),
            national_catalogue_no: format!("FP{}{}{serial}", self.county.code, listed_at.format("%Y")),
            gtin: rng.random_bool(0.4).then(|| super::random_gtin(rng)),
            poverty_region_kind: kind.as_str().to_owned(),
            poverty_region_note: note,
            description: format!(
                "{}产，{}。本条为演示数据，供应商与联系人均为虚构。",
                self.county.name,
                if self.specialty {
                    "当地特色农产品，按地理标志产品标准生产"
                } else {
                    "合作社统一品种、统一农资、统一收购"
                }
            ),
            listing_status: status.as_str().to_owned(),
            status_changed_at,
            listed_at,
            created_at,
            updated_at: created_at,
        }
    }

    /// Certificates the product carries: a specialty its geographic indication; processed goods their SC licence.
    pub fn certificates(&self, product_id: i32, catalogue_code: &str) -> Vec<NewCertificate> {
        let mut out = Vec::new();
        if self.specialty {
            out.push(NewCertificate {
                product_id,
                kind: "地理标志保护产品".to_owned(),
                number: format!("GI-{}", self.county.code),
                valid_until: None,
            });
        }
        if matches!(self.category, "粮油米面" | "加工食品" | "调味品" | "茶叶" | "蜂产品") {
            let number = format!("SC1{}{}", self.county.code, &catalogue_code[7..]);
            out.push(NewCertificate {
                product_id,
                kind: "食品生产许可（SC）".to_owned(),
                number,
                valid_until: NaiveDate::from_ymd_opt(2027, 12, 31),
            });
        }
        out
    }
}

#[derive(Debug, Clone, diesel::Insertable)]
#[diesel(table_name = product_certificates)]
pub struct NewCertificate {
    pub product_id: i32,
    pub kind: String,
    pub number: String,
    pub valid_until: Option<NaiveDate>,
}
