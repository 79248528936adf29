//! The published catalogue as a spreadsheet (《全省工会消费扶贫产品推荐目录》) and as CSV.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::formula::{csv_text, starts_like_formula};

/// One product as the catalogue lists it; the caller fills it from the database.
#[derive(Debug, Clone)]
pub struct CatalogueLine {
    pub catalogue_code: String,
    pub name: String,
    pub supplier_name: String,
    pub credit_code: String,
    pub city: String,
    pub county: String,
    pub poverty_county: String,
    pub category: String,
    pub specification: String,
    pub unit_price_yuan: String,
    pub poor_people_supported: i32,
    pub national_catalogue_no: String,
    pub gtin: String,
    pub poverty_region: String,
    pub status: String,
    pub listed_on: String,
}

pub const CATALOGUE_TITLE: &str = "全省工会消费扶贫产品推荐目录";

const HEADERS: [(&str, f64); 17] = [
    ("序号", 6.0),
    ("目录编号", 14.0),
    ("商品名称", 24.0),
    ("供应商/销售商", 30.0),
    ("统一社会信用代码", 21.0),
    ("市", 8.0),
    ("县区", 8.0),
    ("贫困县", 14.0),
    ("品类", 8.0),
    ("规格", 14.0),
    ("单价（元）", 10.0),
    ("带贫人数", 8.0),
    ("全国扶贫产品目录认定编号", 22.0),
    ("商品条码", 16.0),
    ("扶贫地区类型", 14.0),
    ("目录状态", 12.0),
    ("列入日期", 11.0),
];

/// 序号, 单价（元）, 带贫人数: written as numbers, never guarded.
const NUMBER_COLUMNS: [usize; 3] = [0, 10, 11];

/// 统一社会信用代码, 全国扶贫产品目录认定编号, 商品条码: digits Excel must keep as text.
const CODE_COLUMNS: [usize; 3] = [4, 12, 13];

fn cells(n: usize, l: &CatalogueLine) -> [String; 17] {
    [
        (n + 1).to_string(),
        l.catalogue_code.clone(),
        l.name.clone(),
        l.supplier_name.clone(),
        l.credit_code.clone(),
        l.city.clone(),
        l.county.clone(),
        l.poverty_county.clone(),
        l.category.clone(),
        l.specification.clone(),
        l.unit_price_yuan.clone(),
        l.poor_people_supported.to_string(),
        l.national_catalogue_no.clone(),
        l.gtin.clone(),
        l.poverty_region.clone(),
        l.status.clone(),
        l.listed_on.clone(),
    ]
}

/// The catalogue in the office's layout: title, header, one row per product. Codes are text so
/// Excel keeps credit codes and barcodes intact; text that would start a formula is kept as
/// written in a quote-prefixed cell, which Excel keeps as text even when the cell is edited.
pub fn catalogue_xlsx(subtitle: &str, lines: &[CatalogueLine]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("推荐目录")?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin).set_num_format("@");
    let quoted_text = text.clone().set_quote_prefix();
    let number = Format::new().set_border(FormatBorder::Thin);
    sheet.merge_range(0, 0, 0, (HEADERS.len() - 1) as u16, CATALOGUE_TITLE, &title)?;
    sheet.merge_range(1, 0, 1, (HEADERS.len() - 1) as u16, subtitle, &Format::new())?;
    for (col, (name, width)) in HEADERS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(2, col as u16, *name, &header)?;
    }
    for (n, line) in lines.iter().enumerate() {
        let row = 3 + n as u32;
        for (col, value) in cells(n, line).iter().enumerate() {
            if NUMBER_COLUMNS.contains(&col) {
                sheet.write_number_with_format(row, col as u16, value.parse::<f64>().unwrap_or(0.0), &number)?;
            } else {
                let format = if starts_like_formula(value) {
                    &quoted_text
                } else {
                    &text
                };
                sheet.write_string_with_format(row, col as u16, value, format)?;
            }
        }
    }
    sheet.set_freeze_panes(3, 0)?;
    book.save_to_buffer()
}

/// The same columns as CSV, UTF-8 with a BOM so Excel opens it as Chinese text.
pub fn catalogue_csv(lines: &[CatalogueLine]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(HEADERS.iter().map(|(h, _)| *h));
    for (n, line) in lines.iter().enumerate() {
        let record: Vec<String> = cells(n, line)
            .into_iter()
            .enumerate()
            .map(|(col, value)| csv_field(col, value))
            .collect();
        let _ = writer.write_record(&record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// One CSV field: numbers as they are; text that would start a formula behind a `'`; a code
/// behind a tab, which keeps Excel from turning it into a number (the tab is harmless: what
/// follows it does not start a formula, or it would have been guarded instead).
fn csv_field(col: usize, value: String) -> String {
    if NUMBER_COLUMNS.contains(&col) {
        return value;
    }
    let guarded = csv_text(&value);
    if guarded != value {
        guarded
    } else if CODE_COLUMNS.contains(&col) && !value.is_empty() {
        format!("\t{value}")
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> CatalogueLine {
        CatalogueLine {
            catalogue_code: "610924-00001".into(),
            name: "紫阳富硒茶".into(),
            supplier_name: "紫阳县示例茶业专业合作社".into(),
            credit_code: "93610924MA00000017".into(),
            city: "安康市".into(),
            county: "紫阳县".into(),
            poverty_county: "是（2019 年摘帽）".into(),
            category: "茶叶".into(),
            specification: "250g/罐".into(),
            unit_price_yuan: "168.00".into(),
            poor_people_supported: 120,
            national_catalogue_no: "FP6109242020001".into(),
            gtin: "2000000000114".into(),
            poverty_region: "贫困县（已摘帽）".into(),
            status: "在目录中".into(),
            listed_on: "2020-07-30".into(),
        }
    }

    #[test]
    fn the_catalogue_spreadsheet_reads_back_with_its_codes_as_text() {
        use calamine::{Reader, Xlsx};
        let bytes = catalogue_xlsx("导出时间：2026-11-23", &[line()]).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("推荐目录").unwrap();
        assert_eq!(range.get_value((0, 0)).unwrap().to_string(), CATALOGUE_TITLE);
        assert_eq!(range.get_value((2, 4)).unwrap().to_string(), "统一社会信用代码");
        assert_eq!(range.get_value((3, 4)).unwrap().to_string(), "93610924MA00000017");
        assert_eq!(range.get_value((3, 13)).unwrap().to_string(), "2000000000114");
    }

    #[test]
    fn the_csv_starts_with_a_bom_and_the_header() {
        let csv = catalogue_csv(&[line()]);
        assert!(csv.starts_with("\u{feff}序号,目录编号,商品名称"));
        assert!(csv.contains("紫阳富硒茶"));
    }

    /// A line whose county-typed text would start formulas in Excel.
    fn formula_line() -> CatalogueLine {
        CatalogueLine {
            name: "=HYPERLINK(\"http://example.com/\",\"点击查看\")".into(),
            supplier_name: "+紫阳县示例茶业".into(),
            specification: "-250g/罐".into(),
            national_catalogue_no: "@FP001".into(),
            unit_price_yuan: "-1.20".into(),
            poor_people_supported: -3,
            ..line()
        }
    }

    #[test]
    fn the_catalogue_csv_guards_formula_text_but_not_numbers() {
        let csv = catalogue_csv(&[formula_line()]);
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[2], "'=HYPERLINK(\"http://example.com/\",\"点击查看\")");
        assert_eq!(&record[3], "'+紫阳县示例茶业");
        assert_eq!(&record[9], "'-250g/罐");
        assert_eq!(&record[12], "'@FP001", "a guarded code needs no tab");
        assert_eq!(&record[4], "\t93610924MA00000017", "codes keep their tab");
        assert_eq!((&record[0], &record[10], &record[11]), ("1", "-1.20", "-3"));
    }

    #[test]
    fn the_catalogue_spreadsheet_quote_prefixes_formula_text_without_changing_it() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = catalogue_xlsx("导出时间：2026-11-23", &[formula_line()]).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = book.worksheet_range("推荐目录").unwrap();
        assert_eq!(range.get_value((3, 2)).unwrap().to_string(), formula_line().name);
        assert_eq!(range.get_value((3, 3)).unwrap().to_string(), "+紫阳县示例茶业");
        assert_eq!(range.get_value((3, 10)), Some(&Data::Float(-1.2)));
        assert_eq!(range.get_value((3, 11)), Some(&Data::Float(-3.0)));
        assert_eq!(
            crate::sheet::formula::quote_prefixed_cells(&bytes),
            ["C4", "D4", "J4", "M4"]
        );
    }
}
