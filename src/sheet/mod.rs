//! Nomination spreadsheets: reading the form county unions already use, and writing it back.
//! (Placeholder for the row type until the reader lands.)

use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind, Quantity};

#[derive(Debug, Clone, PartialEq)]
pub struct NominationInput {
    pub row_no: Option<u32>,
    pub county: Option<CountyCode>,
    pub supplier_name: String,
    pub credit_code: Option<CreditCode>,
    pub product_name: String,
    pub annual_output: Option<Quantity>,
    pub poor_people_supported: Option<u32>,
    pub contact_name: String,
    pub contact_phone: Option<PhoneNumber>,
    pub category: Option<Category>,
    pub specification: Option<String>,
    pub unit_price: Option<Fen>,
    pub national_catalogue_no: Option<String>,
    pub gtin: Option<Gtin>,
    pub certificates: Option<String>,
    pub poverty_region: Option<PovertyRegionKind>,
    pub poverty_region_note: Option<String>,
}

impl NominationInput {
    pub fn missing_for_submission(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.credit_code.is_none() {
            missing.push("统一社会信用代码");
        }
        if self.annual_output.is_none() {
            missing.push("扶贫产品产量");
        }
        if self.poor_people_supported.is_none() {
            missing.push("带贫人数");
        }
        if self.contact_phone.is_none() {
            missing.push("联系方式");
        }
        if self.category.is_none() {
            missing.push("品类");
        }
        if self.specification.is_none() {
            missing.push("规格");
        }
        if self.unit_price.is_none() {
            missing.push("单价");
        }
        if self.national_catalogue_no.is_none() {
            missing.push("全国扶贫产品目录认定编号");
        }
        if self.poverty_region.is_none() {
            missing.push("扶贫地区类型");
        }
        missing
    }
}

/// Parses an amount of produce: `50吨`, `50 吨`, `5万斤`, `2.5万公斤`, `3000箱`.
pub fn parse_quantity(input: &str) -> Result<crate::domain::Quantity, String> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let number_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, rest) = s.split_at(number_end);
    let (wan, unit) = match rest.strip_prefix('万') {
        Some(u) => (true, u),
        None => (false, rest),
    };
    if number.is_empty() || unit.is_empty() || unit.chars().any(|c| c.is_ascii_digit() || "-~～至".contains(c)) {
        return Err(format!(
            "“{}”无法识别：请写一个数量和单位，如 50吨、5万斤",
            input.trim()
        ));
    }
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.len() > 3 || whole.is_empty() {
        return Err(format!("“{}”无法识别：小数最多三位", input.trim()));
    }
    let whole: i64 = whole.parse().map_err(|_| format!("“{}”数量太大", input.trim()))?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().unwrap_or(0)
    };
    let milli = (whole * 1000 + frac)
        .checked_mul(if wan { 10_000 } else { 1 })
        .ok_or_else(|| format!("“{}”数量太大", input.trim()))?;
    Ok(crate::domain::Quantity {
        milli,
        unit: unit.to_owned(),
    })
}

/// The form's own lines around the table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormMeta {
    pub recommending_unit: Option<String>,
    pub filled_by: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSheet {
    pub rows: Vec<(u32, NominationInput)>,
    pub form_meta: FormMeta,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("暂不支持上传表格")]
    Unsupported,
}

impl SheetError {
    /// Every problem, one line each, for the person who uploaded the sheet.
    pub fn lines(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

pub fn parse_nomination_sheet(_bytes: &[u8], _filename: &str) -> Result<ParsedSheet, SheetError> {
    Err(SheetError::Unsupported)
}

pub fn nomination_template_xlsx() -> Vec<u8> {
    Vec::new()
}
