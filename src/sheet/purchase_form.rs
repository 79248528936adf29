//! The Pingdingshan purchase form (单位名称 / 产品名称 / 产品来源 / 采购方式 / 金额), one row per
//! purchase line, written as the rows are read: the worksheet keeps constant memory however many
//! lines there are.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::orders::formats;

/// Excel holds 1,048,576 rows; beyond this the sheet says where it stopped.
pub const MAX_FORM_LINES: usize = 1_000_000;

pub struct PurchaseFormRow {
    pub union_name: String,
    pub product_name: String,
    pub source: String,
    pub channel: String,
    pub amount_yuan: f64,
}

const HEADERS: [(&str, f64); 6] = [
    ("序号", 8.0),
    ("单位名称", 30.0),
    ("产品名称", 30.0),
    ("产品来源", 22.0),
    ("采购方式", 18.0),
    ("金额（元）", 14.0),
];

pub struct PurchaseFormWriter {
    book: Workbook,
    written: usize,
    money: Format,
}

impl PurchaseFormWriter {
    pub fn new(title: &str) -> Result<Self, XlsxError> {
        let mut book = Workbook::new();
        let f = formats(14.0);
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name("采购情况")?;
        for (col, (_, width)) in HEADERS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        sheet.merge_range(0, 0, 0, (HEADERS.len() - 1) as u16, title, &f.heading)?;
        for (col, (name, _)) in HEADERS.iter().enumerate() {
            sheet.write_string_with_format(1, col as u16, *name, &f.header)?;
        }
        Ok(PurchaseFormWriter {
            book,
            written: 0,
            money: Format::new().set_border(FormatBorder::Thin).set_num_format("0.00"),
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.book.worksheet_from_index(0)
    }

    /// Writes rows in order; returns false once the sheet is full.
    pub fn write(&mut self, rows: &[PurchaseFormRow]) -> Result<bool, XlsxError> {
        let f = formats(14.0);
        let money = self.money.clone();
        let mut written = self.written;
        let sheet = self.sheet()?;
        for r in rows {
            if written >= MAX_FORM_LINES {
                break;
            }
            let row = written as u32 + 2;
            sheet.write_number_with_format(row, 0, (written + 1) as f64, &f.count)?;
            for (col, value) in [
                (1, &r.union_name),
                (2, &r.product_name),
                (3, &r.source),
                (4, &r.channel),
            ] {
                sheet.write_string_with_format(row, col, value, f.guarded(value))?;
            }
            sheet.write_number_with_format(row, 5, r.amount_yuan, &money)?;
            written += 1;
        }
        self.written = written;
        Ok(written < MAX_FORM_LINES)
    }

    pub fn finish(mut self, more: bool) -> Result<Vec<u8>, XlsxError> {
        let row = self.written as u32 + 2;
        let note = if more {
            format!("只列出前 {MAX_FORM_LINES} 行（Excel 的行数上限），请按单位分别导出其余部分。")
        } else {
            format!("共 {} 行。", self.written)
        };
        self.sheet()?.write_string(row, 0, note)?;
        self.book.save_to_buffer()
    }
}
