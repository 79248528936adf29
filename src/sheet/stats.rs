//! The tables behind the statistics dashboard's charts as one workbook, a sheet each; numbers as
//! numbers, names as text (kept as text even when they start like a formula).

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use super::orders::formats;

pub enum StatsCell {
    Text(String),
    /// None: nothing to show (a union without a plan).
    Number(Option<f64>),
}

impl From<String> for StatsCell {
    fn from(s: String) -> Self {
        StatsCell::Text(s)
    }
}

impl From<Option<f64>> for StatsCell {
    fn from(n: Option<f64>) -> Self {
        StatsCell::Number(n)
    }
}

pub struct StatsTable {
    /// The sheet's name (at most 31 characters, no []:*?/\).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<StatsCell>>,
}

pub fn stats_xlsx(title: &str, tables: &[StatsTable]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let f = formats(14.0);
    // Up to four decimals: 人次 in 万 are exact to the person.
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.00##");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&table.name)?;
        let last = table.headers.len().saturating_sub(1) as u16;
        sheet.merge_range(0, 0, 0, last.max(1), title, &f.heading)?;
        for (col, header) in table.headers.iter().enumerate() {
            sheet.set_column_width(col as u16, if col == 0 { 28.0 } else { 16.0 })?;
            sheet.write_string_with_format(1, col as u16, header, &f.header)?;
        }
        for (i, row) in table.rows.iter().enumerate() {
            let r = i as u32 + 2;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    StatsCell::Text(s) => {
                        sheet.write_string_with_format(r, col, s, f.guarded(s))?;
                    }
                    StatsCell::Number(Some(n)) => {
                        sheet.write_number_with_format(r, col, *n, &number)?;
                    }
                    StatsCell::Number(None) => {
                        sheet.write_blank(r, col, &f.text)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(2, 0)?;
    }
    book.save_to_buffer()
}
