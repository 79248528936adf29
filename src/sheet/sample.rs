//! Clearly fictional nominations (“示例” in every name, 1380000xxxx phones, GS1's
//! restricted-circulation barcodes) for fixtures, demos and the import benchmark.

use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind, Quantity, region};

use super::{NominationInput, nominations_xlsx};

/// County, product, category, specification, price in fen, annual output (thousandths, unit).
type Specialty = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
);

const SPECIALTIES: [Specialty; 4] = [
    (
        "紫阳县",
        "紫阳富硒绿茶（示例）",
        "茶叶",
        "250克/罐",
        16_800,
        50_000,
        "吨",
    ),
    (
        "柞水县",
        "柞水黑木耳（示例）",
        "食用菌",
        "500克/袋",
        6_850,
        25_000_000,
        "公斤",
    ),
    (
        "洛川县",
        "洛川红富士苹果（示例）",
        "水果",
        "5公斤/箱",
        8_800,
        3_000_000,
        "箱",
    ),
    (
        "周至县",
        "周至猕猴桃（示例）",
        "水果",
        "3公斤/箱",
        5_990,
        50_000_000,
        "斤",
    ),
];

const SUPPLIER_WORDS: [&str; 6] = ["绿源", "秦岭", "汉江", "硒谷", "丰禾", "云岭"];

/// `count` distinct nominations; row `i` is always the same, so fixtures are reproducible.
pub fn sample_nominations(count: usize) -> Vec<NominationInput> {
    (0..count).map(sample_nomination).collect()
}

/// The benchmark's input: `count` sample rows written by [`nominations_xlsx`].
pub fn sample_nominations_xlsx(count: usize) -> Vec<u8> {
    nominations_xlsx(
        "贫困县重点扶贫产品供应商推荐名录（示例数据）",
        &sample_nominations(count),
    )
}

fn sample_nomination(i: usize) -> NominationInput {
    let (county_name, product, category, spec, price, output, unit) = SPECIALTIES[i % SPECIALTIES.len()];
    let county = region::county_by_name(county_name).expect("sample counties exist");
    let serial = i + 1;
    let is_cooperative = i.is_multiple_of(2);
    // Co-operatives register as 93 (农民专业合作社), companies as 91.
    let (prefix, kind) = if is_cooperative {
        ("93", "农业专业合作社")
    } else {
        ("91", "农产品有限公司")
    };
    let word = SUPPLIER_WORDS[i % SUPPLIER_WORDS.len()];
    let credit_body = format!("{prefix}{}MA{serial:07}", county.code);
    let (poverty_region, poverty_region_note) = if county.former_poverty_county {
        (PovertyRegionKind::PovertyCounty, None)
    } else {
        (
            PovertyRegionKind::PovertyVillage,
            Some(format!("{county_name}示例镇示例村")),
        )
    };
    NominationInput {
        row_no: Some(serial as u32),
        county: Some(CountyCode::parse(county.code).expect("from the shipped table")),
        supplier_name: format!("{county_name}示例{word}{kind}{serial}"),
        credit_code: Some(CreditCode::with_check_char(&credit_body).expect("sample bodies use allowed characters")),
        product_name: product.to_owned(),
        annual_output: Some(Quantity {
            milli: output,
            unit: unit.to_owned(),
        }),
        poor_people_supported: Some(20 + (i % 200) as u32),
        contact_name: format!("{}示例", ["王", "李", "张", "刘"][i % 4]),
        contact_phone: Some(PhoneNumber::parse(&format!("1380000{:04}", i % 10_000)).expect("a mobile number")),
        category: Some(Category::parse(category).expect("a catalogue category")),
        specification: Some(spec.to_owned()),
        unit_price: Some(Fen(price)),
        national_catalogue_no: Some(format!("示例{serial:06}")),
        // Prefix 2 is GS1's restricted-circulation range: no real trade item carries it.
        gtin: Some(Gtin::with_check_digit(&format!("2{serial:011}")).expect("twelve digits")),
        certificates: is_cooperative.then(|| "SC生产许可（示例）".to_owned()),
        poverty_region: Some(poverty_region),
        poverty_region_note,
    }
}
