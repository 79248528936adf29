//! Form fields turned into domain values at the edge, with a Chinese message per bad field.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind};
use crate::error::AppError;
use crate::sheet::{NominationInput, parse_quantity};

/// One nomination row as typed into the online form; every field arrives as text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NominationForm {
    pub row_no: String,
    pub supplier_name: String,
    pub credit_code: String,
    pub product_name: String,
    pub annual_output: String,
    pub poor_people_supported: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub category: String,
    pub specification: String,
    pub unit_price: String,
    pub national_catalogue_no: String,
    pub gtin: String,
    pub certificates: String,
    pub poverty_region: String,
    pub poverty_region_note: String,
}

/// The field's value, or `None` with its problem noted.
fn take<T>(errors: &mut Vec<String>, label: &str, result: Result<Option<T>, String>) -> Option<T> {
    result.unwrap_or_else(|e| {
        // Domain messages often name the field already; do not say it twice.
        errors.push(if e.starts_with(label) {
            e
        } else {
            format!("{label}：{e}")
        });
        None
    })
}

fn optional(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn optional_text(s: &str) -> Option<String> {
    optional(s).map(str::to_owned)
}

impl NominationForm {
    /// Parses every field; all problems are reported together.
    pub fn parse(&self, county: &CountyCode) -> Result<NominationInput, Vec<String>> {
        let mut errors = Vec::new();
        let required = |s: &str, what: &str| optional(s).map(str::to_owned).ok_or_else(|| format!("请填写{what}"));
        let supplier_name = take(
            &mut errors,
            "供应商/销售商",
            required(&self.supplier_name, "供应商名称").map(Some),
        );
        let product_name = take(
            &mut errors,
            "商品名称",
            required(&self.product_name, "商品名称").map(Some),
        );
        let contact_name = take(&mut errors, "联系人", required(&self.contact_name, "联系人").map(Some));
        let row_no = take(
            &mut errors,
            "序号",
            optional(&self.row_no)
                .map(|s| s.parse::<u32>().map_err(|_| format!("“{s}”不是正整数")))
                .transpose(),
        );
        let credit_code = take(
            &mut errors,
            "统一社会信用代码",
            optional(&self.credit_code)
                .map(|s| CreditCode::parse(s).map_err(|e| e.to_string()))
                .transpose(),
        );
        let annual_output = take(
            &mut errors,
            "扶贫产品产量",
            optional(&self.annual_output).map(parse_quantity).transpose(),
        );
        let poor_people_supported = take(
            &mut errors,
            "带贫人数",
            optional(&self.poor_people_supported)
                .map(|s| {
                    s.trim_end_matches('人')
                        .trim()
                        .parse::<u32>()
                        .map_err(|_| format!("“{s}”不是人数（应为整数）"))
                })
                .transpose(),
        );
        let contact_phone = take(
            &mut errors,
            "联系方式",
            optional(&self.contact_phone)
                .map(|s| PhoneNumber::parse(s).map_err(|e| e.to_string()))
                .transpose(),
        );
        let category = take(
            &mut errors,
            "品类",
            optional(&self.category)
                .map(|s| Category::parse(s).map_err(|e| e.to_string()))
                .transpose(),
        );
        let unit_price = take(
            &mut errors,
            "单价",
            optional(&self.unit_price)
                .map(|s| Fen::parse_yuan(s).map_err(|e| e.to_string()))
                .transpose(),
        );
        let gtin = take(
            &mut errors,
            "商品条码",
            optional(&self.gtin)
                .map(|s| Gtin::parse(s).map_err(|e| e.to_string()))
                .transpose(),
        );
        let poverty_region = take(
            &mut errors,
            "扶贫地区类型",
            optional(&self.poverty_region)
                .map(|s| PovertyRegionKind::parse(s).ok_or_else(|| format!("“{s}”不是可选的扶贫地区类型")))
                .transpose(),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NominationInput {
            row_no,
            county: Some(county.clone()),
            supplier_name: supplier_name.unwrap_or_default(),
            credit_code,
            product_name: product_name.unwrap_or_default(),
            annual_output,
            poor_people_supported,
            contact_name: contact_name.unwrap_or_default(),
            contact_phone,
            category,
            specification: optional_text(&self.specification),
            unit_price,
            national_catalogue_no: optional_text(&self.national_catalogue_no),
            gtin,
            certificates: optional_text(&self.certificates),
            poverty_region,
            poverty_region_note: optional_text(&self.poverty_region_note),
        })
    }

    /// The form filled with a stored row, for editing.
    pub fn from_input(i: &NominationInput) -> Self {
        NominationForm {
            row_no: i.row_no.map(|n| n.to_string()).unwrap_or_default(),
            supplier_name: i.supplier_name.clone(),
            credit_code: i.credit_code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            product_name: i.product_name.clone(),
            annual_output: i.annual_output.as_ref().map(|q| q.to_string()).unwrap_or_default(),
            poor_people_supported: i.poor_people_supported.map(|n| n.to_string()).unwrap_or_default(),
            contact_name: i.contact_name.clone(),
            contact_phone: i.contact_phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            category: i.category.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            specification: i.specification.clone().unwrap_or_default(),
            unit_price: i.unit_price.map(|f| f.to_string()).unwrap_or_default(),
            national_catalogue_no: i.national_catalogue_no.clone().unwrap_or_default(),
            gtin: i.gtin.as_ref().map(|g| g.to_string()).unwrap_or_default(),
            certificates: i.certificates.clone().unwrap_or_default(),
            poverty_region: i.poverty_region.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            poverty_region_note: i.poverty_region_note.clone().unwrap_or_default(),
        }
    }
}

/// A form whose one field is why: a removal, a cancellation, a retirement, a return.
#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// Every correction, removal, decline or cancellation says why, in a few words at least.
pub fn required_reason(what: &str, input: &str) -> Result<String, AppError> {
    match input.trim() {
        "" => Err(AppError::BadRequest(format!("请填写{what}原因。"))),
        s if s.chars().count() > 200 => Err(AppError::BadRequest(format!("{what}原因请控制在 200 字以内。"))),
        s => Ok(s.to_owned()),
    }
}

/// A date typed into a form, `None` when left empty.
pub fn optional_date(label: &str, input: &str) -> Result<Option<NaiveDate>, AppError> {
    match input.trim() {
        "" => Ok(None),
        s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{label}“{s}”无效，应为 2020-09-01 这样的格式。"))),
    }
}

/// A year of a report or of statistics, kept from 2020 (the plan's first year) on; anything else
/// in a URL is not a page.
pub fn checked_year(year: i32) -> Result<i32, AppError> {
    if (2020..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::NotFound(format!("没有 {year} 年度的数据。")))
    }
}

/// `?year=`, this year (China time) when absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i32>,
}

impl YearQuery {
    pub fn year(&self) -> Result<i32, AppError> {
        use chrono::Datelike;
        checked_year(self.year.unwrap_or_else(|| super::scans::china_today().year()))
    }
}
