//! The purchase list (采购清单) of a confirmed plan, as .xlsx: grouped by supplier with each
//! supplier's contact, then product, specification, unit price, quantity per person × headcount,
//! line total, and totals per supplier and overall.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::formula::starts_like_formula;

pub struct PurchaseRow {
    pub code: String,
    pub name: String,
    pub specification: String,
    /// Yuan with two decimals, as shown.
    pub unit_price: String,
    pub per_person: i32,
    pub quantity: i64,
    pub total: String,
}

pub struct PurchaseGroup {
    pub supplier: String,
    pub contact: String,
    pub lines: Vec<PurchaseRow>,
    pub total: String,
}

pub struct PurchaseList {
    pub title: String,
    pub subtitle: String,
    pub groups: Vec<PurchaseGroup>,
    pub total: String,
}

const HEADERS: [(&str, f64); 7] = [
    ("目录编号", 14.0),
    ("商品名称", 28.0),
    ("规格", 14.0),
    ("单价（元）", 11.0),
    ("每人数量", 9.0),
    ("采购数量", 10.0),
    ("金额（元）", 13.0),
];

impl PurchaseList {
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("采购清单")?;
        let last = (HEADERS.len() - 1) as u16;
        let title = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center);
        let header = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center);
        let text = Format::new().set_border(FormatBorder::Thin).set_num_format("@");
        let quoted = text.clone().set_quote_prefix();
        let money = Format::new().set_border(FormatBorder::Thin).set_num_format("0.00");
        let count = Format::new().set_border(FormatBorder::Thin);
        let group = Format::new().set_bold().set_background_color(0xEEF3F8);
        let total = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_num_format("0.00");
        let guarded = |s: &str| if starts_like_formula(s) { &quoted } else { &text };

        sheet.merge_range(0, 0, 0, last, &self.title, &title)?;
        sheet.merge_range(1, 0, 1, last, &self.subtitle, &Format::new())?;
        for (col, (name, width)) in HEADERS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
            sheet.write_string_with_format(2, col as u16, *name, &header)?;
        }
        let mut row = 3u32;
        for g in &self.groups {
            let heading = format!("供应商：{}　联系人：{}", g.supplier, g.contact);
            sheet.merge_range(row, 0, row, last, &heading, &group)?;
            row += 1;
            for l in &g.lines {
                sheet.write_string_with_format(row, 0, &l.code, &text)?;
                sheet.write_string_with_format(row, 1, &l.name, guarded(&l.name))?;
                sheet.write_string_with_format(row, 2, &l.specification, guarded(&l.specification))?;
                sheet.write_number_with_format(row, 3, yuan(&l.unit_price), &money)?;
                sheet.write_number_with_format(row, 4, f64::from(l.per_person), &count)?;
                sheet.write_number_with_format(row, 5, l.quantity as f64, &count)?;
                sheet.write_number_with_format(row, 6, yuan(&l.total), &money)?;
                row += 1;
            }
            sheet.merge_range(row, 0, row, last - 1, &format!("{} 小计", g.supplier), &header)?;
            sheet.write_number_with_format(row, last, yuan(&g.total), &total)?;
            row += 1;
        }
        sheet.merge_range(row, 0, row, last - 1, "合计", &header)?;
        sheet.write_number_with_format(row, last, yuan(&self.total), &total)?;
        sheet.set_freeze_panes(3, 0)?;
        book.save_to_buffer()
    }
}

/// An amount shown as yuan with two decimals, as a spreadsheet number.
fn yuan(shown: &str) -> f64 {
    shown.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn the_list_reads_back_grouped_by_supplier_with_totals() {
        let list = PurchaseList {
            title: "某公司工会春节采购清单".into(),
            subtitle: "人数 137".into(),
            groups: vec![PurchaseGroup {
                supplier: "紫阳县示例茶业".into(),
                contact: "王示例 13800000001".into(),
                lines: vec![PurchaseRow {
                    code: "610924-00001".into(),
                    name: "=紫阳富硒茶".into(),
                    specification: "250g/罐".into(),
                    unit_price: "68.00".into(),
                    per_person: 2,
                    quantity: 274,
                    total: "18632.00".into(),
                }],
                total: "18632.00".into(),
            }],
            total: "18632.00".into(),
        };
        let bytes = list.to_xlsx().unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("采购清单").unwrap();
        assert_eq!(
            range.get_value((3, 0)),
            Some(&Data::String(
                "供应商：紫阳县示例茶业　联系人：王示例 13800000001".into()
            ))
        );
        assert_eq!(range.get_value((4, 1)), Some(&Data::String("=紫阳富硒茶".into())));
        assert_eq!(range.get_value((4, 5)), Some(&Data::Float(274.0)));
        assert_eq!(range.get_value((6, 6)), Some(&Data::Float(18632.0)));
    }
}
