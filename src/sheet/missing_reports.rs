//! The list of reporting unions that have not reported for a year, for the office to chase.

use chrono::NaiveDate;
use rust_xlsxwriter::{Workbook, XlsxError};

use super::orders::formats;

pub struct MissingReport {
    pub name: String,
    pub kind: String,
    /// 未填报, 草稿, 已退回
    pub status: String,
    pub contact_name: String,
    pub contact_phone: String,
}

const HEADERS: [(&str, f64); 6] = [
    ("序号", 6.0),
    ("工会名称", 32.0),
    ("类别", 14.0),
    ("填报情况", 12.0),
    ("联系人", 12.0),
    ("联系电话", 16.0),
];

pub fn missing_reports_xlsx(title: &str, deadline: NaiveDate, rows: &[MissingReport]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("未上报单位")?;
    let last = (HEADERS.len() - 1) as u16;
    let f = formats(14.0);
    sheet.merge_range(0, 0, 0, last, title, &f.heading)?;
    sheet.write_string(1, 0, format!("上报截止日期：{deadline}；共 {} 个单位", rows.len()))?;
    for (col, (name, width)) in HEADERS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(2, col as u16, *name, &f.header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 3;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &f.count)?;
        for (col, value) in [
            (1, &r.name),
            (2, &r.kind),
            (3, &r.status),
            (4, &r.contact_name),
            (5, &r.contact_phone),
        ] {
            sheet.write_string_with_format(row, col, value, f.guarded(value))?;
        }
    }
    sheet.set_freeze_panes(3, 0)?;
    book.save_to_buffer()
}
