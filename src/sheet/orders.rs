//! Order lists as .xlsx, for a seller or a union: one row per order line, with the lots shipped
//! and the quantity received.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::formula::starts_like_formula;
use crate::domain::Fen;

pub struct OrderExportRow {
    pub order_id: i32,
    pub placed: String,
    pub status: String,
    pub union_name: String,
    pub seller_name: String,
    pub product_code: String,
    pub product_name: String,
    pub specification: String,
    pub unit_price: Fen,
    pub quantity: i64,
    pub received: Option<i64>,
    pub lots: String,
    pub delivery: String,
}

const HEADERS: [(&str, f64); 14] = [
    ("订单号", 8.0),
    ("下单时间", 17.0),
    ("状态", 10.0),
    ("工会", 24.0),
    ("销售商", 24.0),
    ("目录编号", 14.0),
    ("商品名称", 24.0),
    ("规格", 12.0),
    ("单价（元）", 11.0),
    ("数量", 9.0),
    ("金额（元）", 12.0),
    ("实收", 8.0),
    ("发货批次", 28.0),
    ("收货地址及联系人", 36.0),
];

/// The formats of a titled list: heading, column headers, text cells (Excel's Text format),
/// amounts with two decimals and counts.
pub(super) struct ListFormats {
    pub heading: Format,
    pub header: Format,
    pub text: Format,
    pub quoted: Format,
    pub money: Format,
    pub count: Format,
}

impl ListFormats {
    /// Text kept as text even when it starts like a formula.
    pub fn guarded(&self, s: &str) -> &Format {
        if starts_like_formula(s) {
            &self.quoted
        } else {
            &self.text
        }
    }
}

pub(super) fn formats(title_size: f64) -> ListFormats {
    let text = Format::new().set_border(FormatBorder::Thin).set_num_format("@");
    ListFormats {
        heading: Format::new()
            .set_bold()
            .set_font_size(title_size)
            .set_align(FormatAlign::Center),
        header: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center),
        quoted: text.clone().set_quote_prefix(),
        text,
        money: Format::new().set_border(FormatBorder::Thin).set_num_format("0.00"),
        count: Format::new().set_border(FormatBorder::Thin),
    }
}

pub fn orders_xlsx(title: &str, rows: &[OrderExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("订单")?;
    let last = (HEADERS.len() - 1) as u16;
    let f = formats(16.0);
    sheet.merge_range(0, 0, 0, last, title, &f.heading)?;
    for (col, (name, width)) in HEADERS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(1, col as u16, *name, &f.header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_number_with_format(row, 0, f64::from(r.order_id), &f.count)?;
        let texts = [
            (1, &r.placed),
            (2, &r.status),
            (3, &r.union_name),
            (4, &r.seller_name),
            (5, &r.product_code),
            (6, &r.product_name),
            (7, &r.specification),
            (12, &r.lots),
            (13, &r.delivery),
        ];
        for (col, value) in texts {
            sheet.write_string_with_format(row, col, value, f.guarded(value))?;
        }
        sheet.write_number_with_format(row, 8, r.unit_price.0 as f64 / 100.0, &f.money)?;
        sheet.write_number_with_format(row, 9, r.quantity as f64, &f.count)?;
        let amount = r.unit_price.0 * r.quantity;
        sheet.write_number_with_format(row, 10, amount as f64 / 100.0, &f.money)?;
        match r.received {
            Some(n) => sheet.write_number_with_format(row, 11, n as f64, &f.count)?,
            None => sheet.write_string_with_format(row, 11, "", &f.count)?,
        };
    }
    sheet.set_freeze_panes(2, 0)?;
    book.save_to_buffer()
}

/// One shipment of a recalled lot, for the office's list of who received it.
pub struct RecipientExportRow {
    pub union_name: String,
    pub contact: String,
    pub order_id: i32,
    pub order_status: String,
    pub quantity: i64,
    pub headcount: i64,
}

const RECIPIENT_HEADERS: [(&str, f64); 6] = [
    ("工会", 30.0),
    ("联系人", 24.0),
    ("订单号", 8.0),
    ("订单状态", 14.0),
    ("该批次件数", 11.0),
    ("订单人数", 10.0),
];

pub fn recipients_xlsx(title: &str, rows: &[RecipientExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("收货单位")?;
    let last = (RECIPIENT_HEADERS.len() - 1) as u16;
    let f = formats(14.0);
    sheet.merge_range(0, 0, 0, last, title, &f.heading)?;
    for (col, (name, width)) in RECIPIENT_HEADERS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(1, col as u16, *name, &f.header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write_string_with_format(row, 0, &r.union_name, f.guarded(&r.union_name))?;
        sheet.write_string_with_format(row, 1, &r.contact, f.guarded(&r.contact))?;
        sheet.write_number_with_format(row, 2, f64::from(r.order_id), &f.count)?;
        sheet.write_string_with_format(row, 3, &r.order_status, &f.text)?;
        sheet.write_number_with_format(row, 4, r.quantity as f64, &f.count)?;
        sheet.write_number_with_format(row, 5, r.headcount as f64, &f.count)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn an_order_line_reads_back_with_its_lots_and_guarded_text() {
        let row = OrderExportRow {
            order_id: 7,
            placed: "2026-12-02 10:00".into(),
            status: "已发货".into(),
            union_name: "=HYPERLINK(\"x\")".into(),
            seller_name: "紫阳县示例茶业".into(),
            product_code: "610924-00001".into(),
            product_name: "紫阳毛尖".into(),
            specification: "250g".into(),
            unit_price: Fen(6_800),
            quantity: 100,
            received: None,
            lots: "A×60、B×40".into(),
            delivery: "西安市某路 1 号".into(),
        };
        let bytes = orders_xlsx("测试订单", &[row]).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("订单").unwrap();
        assert_eq!(range.get_value((2, 12)), Some(&Data::String("A×60、B×40".into())));
        assert_eq!(range.get_value((2, 10)), Some(&Data::Float(6800.0)));
        // Kept as text, not a formula.
        assert_eq!(range.get_value((2, 3)), Some(&Data::String("=HYPERLINK(\"x\")".into())));
    }
}
