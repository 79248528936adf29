//! Writing the form: the blank template county unions fill in, and exports of nominations in the
//! same column order (xlsx and CSV), all readable again by [`super::parse_nomination_sheet`].

use rust_xlsxwriter::{Color, DataValidation, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::domain::{PovertyRegionKind, Quantity, product::CATEGORIES};

use super::columns::Column;
use super::formula::{csv_text, starts_like_formula};
use super::{FORM_TITLE, NominationInput};

/// Blank, bordered lines in the template before the footer; more can be inserted in Excel.
const TEMPLATE_BLANK_ROWS: u32 = 50;

/// How far down the 品类 and 扶贫地区类型 dropdowns reach, so rows added later still get them.
const DROPDOWN_ROWS: u32 = 2_000;

/// Excel refuses longer cell text.
const EXCEL_MAX_CELL_CHARS: usize = 32_767;

const SHEET_NAME: &str = "推荐名录";

/// The blank form in the official layout, with the catalogue's extra columns after the eight.
pub fn nomination_template_xlsx() -> Vec<u8> {
    build_xlsx(FORM_TITLE, &[], Layout::Template)
}

/// Nominations in the template's column order, under `title`.
pub fn nominations_xlsx(title: &str, rows: &[NominationInput]) -> Vec<u8> {
    build_xlsx(title, rows, Layout::Export)
}

/// Nominations as CSV in the template's column order: UTF-8 with a byte-order mark, which is what
/// makes Excel open it as UTF-8 rather than GBK. Codes are written as plain text; Excel shows long
/// digit strings in exponent form when opening a CSV, so the xlsx export is the one to hand out.
/// Text that would start a formula is written behind a `'` (see [`super::formula`]).
pub fn nominations_csv(rows: &[NominationInput]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let headers: Vec<&str> = Column::all().map(Column::header).collect();
    writer.write_record(&headers).expect("writing to memory cannot fail");
    for row in rows {
        let record: Vec<String> = Column::all().map(|c| cell_value(row, c).as_csv_field()).collect();
        writer.write_record(&record).expect("writing to memory cannot fail");
    }
    let bytes = writer.into_inner().expect("writing to memory cannot fail");
    let body = String::from_utf8(bytes).expect("every field was a Rust string");
    format!("\u{FEFF}{body}")
}

/// The template as a county union fills it in: rows on the blank lines, 推荐单位 and the footer
/// completed. Only the tests need it, to check that a filled-in template reads back.
#[cfg(test)]
pub(super) fn filled_template_xlsx(rows: &[NominationInput], unit: &str, filled_by: &str, contact: &str) -> Vec<u8> {
    let footer = FormLines {
        recommending_unit: unit,
        filled_by,
        contact,
    };
    try_build_xlsx(FORM_TITLE, rows, Layout::Template, &footer).expect("the nomination workbook layout is valid")
}

/// The values after the form's labels; empty in the blank template.
#[derive(Default)]
struct FormLines<'a> {
    recommending_unit: &'a str,
    filled_by: &'a str,
    contact: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Title, 推荐单位 line, header, blank lines, 填报人 / 联系方式 lines: the paper form.
    Template,
    /// Title, header, data.
    Export,
}

fn build_xlsx(title: &str, rows: &[NominationInput], layout: Layout) -> Vec<u8> {
    // The layout is fixed and all text is cut to Excel's cell limit, so an error here is a bug.
    try_build_xlsx(title, rows, layout, &FormLines::default()).expect("the nomination workbook layout is valid")
}

fn try_build_xlsx(
    title: &str,
    rows: &[NominationInput],
    layout: Layout,
    lines: &FormLines,
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);

    let last_col = (Column::all().count() - 1) as u16;
    let mut row: u32 = 0;
    sheet.set_row_height(row, 30)?;
    sheet.merge_range(row, 0, row, last_col, &excel_text(title), &formats.title)?;
    row += 1;
    if layout == Layout::Template {
        let text = format!("推荐单位（盖章）：{}", lines.recommending_unit);
        sheet.merge_range(row, 0, row, 7, &text, &formats.form_line)?;
        row += 1;
    }

    let header_row = row;
    write_header(sheet, header_row, &formats)?;
    sheet.set_freeze_panes(header_row + 1, 0)?;
    sheet.set_repeat_rows(header_row, header_row)?;
    row += 1;

    let first_data_row = row;
    for input in rows {
        write_data_row(sheet, row, input, &formats)?;
        row += 1;
    }
    if layout == Layout::Template {
        for _ in 0..TEMPLATE_BLANK_ROWS {
            write_blank_row(sheet, row, &formats)?;
            row += 1;
        }
        sheet.write_string_with_format(row, 0, "填报人：", &formats.form_line)?;
        sheet.write_string_with_format(row + 1, 0, "联系方式：", &formats.form_line)?;
        // Filled in as people do: the value in the cell after the label.
        for (offset, value) in [lines.filled_by, lines.contact].into_iter().enumerate() {
            if !value.is_empty() {
                let format = quoted_if_formula(value, &formats.form_line, &formats.quoted_form_line);
                sheet.write_string_with_format(row + offset as u32, 1, value, format)?;
            }
        }
    }
    add_dropdowns(sheet, first_data_row, first_data_row + DROPDOWN_ROWS)?;
    workbook.save_to_buffer()
}

struct Formats {
    title: Format,
    form_line: Format,
    form_header: Format,
    extra_header: Format,
    cell: Format,
    text_cell: Format,
    price_cell: Format,
    /// The same as `cell`, `text_cell` and `form_line`, quote-prefixed: for text that would start
    /// a formula, so Excel keeps it as text even when someone edits the cell.
    quoted_cell: Format,
    quoted_text_cell: Format,
    quoted_form_line: Format,
}

impl Formats {
    fn new() -> Self {
        let bordered = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let header = bordered
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center);
        Self {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            form_line: Format::new().set_font_size(11),
            form_header: header.clone().set_background_color(Color::RGB(0xD9D9D9)),
            // The catalogue's own columns are tinted so the form's eight stay recognisable.
            extra_header: header.set_background_color(Color::RGB(0xDDEBF7)),
            cell: bordered.clone(),
            // "@" is Excel's Text format: credit codes, phones and barcodes keep every digit.
            text_cell: bordered.clone().set_num_format("@"),
            price_cell: bordered.clone().set_num_format("0.00"),
            quoted_cell: bordered.clone().set_quote_prefix(),
            quoted_text_cell: bordered.set_num_format("@").set_quote_prefix(),
            quoted_form_line: Format::new().set_font_size(11).set_quote_prefix(),
        }
    }

    /// The format of a text cell in `column`.
    fn for_text(&self, column: Column, text: &str) -> &Format {
        if is_code_column(column) {
            quoted_if_formula(text, &self.text_cell, &self.quoted_text_cell)
        } else {
            quoted_if_formula(text, &self.cell, &self.quoted_cell)
        }
    }

    fn for_column(&self, column: Column) -> &Format {
        if is_code_column(column) {
            &self.text_cell
        } else if column == Column::UnitPrice {
            &self.price_cell
        } else {
            &self.cell
        }
    }
}

/// `plain` for ordinary text, `quoted` for text that would start a formula.
fn quoted_if_formula<'f>(text: &str, plain: &'f Format, quoted: &'f Format) -> &'f Format {
    if starts_like_formula(text) { quoted } else { plain }
}

/// Columns whose digits must not become numbers in Excel.
fn is_code_column(column: Column) -> bool {
    matches!(
        column,
        Column::County | Column::CreditCode | Column::ContactPhone | Column::Gtin | Column::NationalCatalogueNo
    )
}

fn column_width(column: Column) -> f64 {
    match column {
        Column::RowNo => 6.0,
        Column::County | Column::Category => 10.0,
        Column::SupplierName => 30.0,
        Column::ProductName | Column::PovertyRegionNote => 20.0,
        Column::AnnualOutput | Column::ContactName | Column::Specification => 12.0,
        Column::PoorPeopleSupported | Column::UnitPrice => 9.0,
        Column::ContactPhone => 15.0,
        Column::CreditCode => 22.0,
        Column::NationalCatalogueNo | Column::Gtin | Column::PovertyRegion => 17.0,
        Column::Certificates => 18.0,
    }
}

fn write_header(sheet: &mut Worksheet, row: u32, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_row_height(row, 36)?;
    for (col, column) in Column::all().enumerate() {
        let col = col as u16;
        let is_form_column = super::FORM_COLUMNS.contains(&column);
        let format = if is_form_column {
            &formats.form_header
        } else {
            &formats.extra_header
        };
        sheet.write_string_with_format(row, col, column.header(), format)?;
        sheet.set_column_width(col, column_width(column))?;
        if is_code_column(column) {
            // Lines the user adds below the template's own keep the Text format too.
            sheet.set_column_format(col, &Format::new().set_num_format("@"))?;
        }
    }
    Ok(())
}

fn write_blank_row(sheet: &mut Worksheet, row: u32, formats: &Formats) -> Result<(), XlsxError> {
    for (col, column) in Column::all().enumerate() {
        sheet.write_blank(row, col as u16, formats.for_column(column))?;
    }
    Ok(())
}

fn write_data_row(
    sheet: &mut Worksheet,
    row: u32,
    input: &NominationInput,
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (col, column) in Column::all().enumerate() {
        let col = col as u16;
        let format = formats.for_column(column);
        match cell_value(input, column) {
            CellValue::Blank => sheet.write_blank(row, col, format)?,
            CellValue::Number(n) => sheet.write_number_with_format(row, col, n as f64, format)?,
            CellValue::Price(fen) => sheet.write_number_with_format(row, col, fen as f64 / 100.0, format)?,
            CellValue::Text(text) => {
                sheet.write_string_with_format(row, col, excel_text(&text), formats.for_text(column, &text))?
            }
        };
    }
    Ok(())
}

fn add_dropdowns(sheet: &mut Worksheet, first_row: u32, last_row: u32) -> Result<(), XlsxError> {
    let region_labels: Vec<&str> = PovertyRegionKind::ALL.iter().map(|k| k.label()).collect();
    let dropdowns = [
        (Column::Category, CATEGORIES.as_slice(), "请从下拉列表中选择品类"),
        (
            Column::PovertyRegion,
            region_labels.as_slice(),
            "请从下拉列表中选择扶贫地区类型",
        ),
    ];
    for (column, choices, message) in dropdowns {
        let col = column_index(column);
        let validation = DataValidation::new()
            .allow_list_strings(choices)?
            .set_error_title("输入的内容不在列表中")?
            .set_error_message(message)?;
        sheet.add_data_validation(first_row, col, last_row, col, &validation)?;
    }
    Ok(())
}

fn column_index(column: Column) -> u16 {
    Column::all()
        .position(|c| c == column)
        .expect("every column is in Column::all") as u16
}

/// What a nomination puts in one column.
enum CellValue {
    Blank,
    Number(u32),
    Price(i64),
    Text(String),
}

impl CellValue {
    /// The field as CSV writes it: numbers as digits (a negative price stays a number), text
    /// guarded against formulas.
    fn as_csv_field(&self) -> String {
        match self {
            Self::Blank => String::new(),
            Self::Number(n) => n.to_string(),
            Self::Price(fen) => crate::domain::Fen(*fen).to_string(),
            Self::Text(text) => csv_text(text),
        }
    }
}

fn cell_value(input: &NominationInput, column: Column) -> CellValue {
    let text = |value: Option<&str>| value.map_or(CellValue::Blank, |v| CellValue::Text(v.to_owned()));
    let name = |value: &str| text(Some(value).filter(|v| !v.is_empty()));
    match column {
        Column::RowNo => input.row_no.map_or(CellValue::Blank, CellValue::Number),
        Column::County => text(input.county.as_ref().map(|c| c.county().name)),
        Column::SupplierName => name(&input.supplier_name),
        Column::ProductName => name(&input.product_name),
        Column::AnnualOutput => input
            .annual_output
            .as_ref()
            .map_or(CellValue::Blank, |q| CellValue::Text(quantity_text(q))),
        Column::PoorPeopleSupported => input.poor_people_supported.map_or(CellValue::Blank, CellValue::Number),
        Column::ContactName => name(&input.contact_name),
        Column::ContactPhone => text(input.contact_phone.as_ref().map(|p| p.as_str())),
        Column::CreditCode => text(input.credit_code.as_ref().map(|c| c.as_str())),
        Column::Category => text(input.category.as_ref().map(|c| c.as_str())),
        Column::Specification => text(input.specification.as_deref()),
        Column::UnitPrice => input.unit_price.map_or(CellValue::Blank, |fen| CellValue::Price(fen.0)),
        Column::NationalCatalogueNo => text(input.national_catalogue_no.as_deref()),
        Column::Gtin => text(input.gtin.as_ref().map(|g| g.as_str())),
        Column::Certificates => text(input.certificates.as_deref()),
        Column::PovertyRegion => text(input.poverty_region.map(|k| k.label())),
        Column::PovertyRegionNote => text(input.poverty_region_note.as_deref()),
    }
}

/// `2.5吨`, `50000斤`: the amount and unit as one cell, the way the form is filled in.
fn quantity_text(quantity: &Quantity) -> String {
    quantity.to_string().replace(' ', "")
}

fn excel_text(text: &str) -> String {
    text.chars().take(EXCEL_MAX_CELL_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::domain::Fen;
    use crate::sheet::formula::quote_prefixed_cells;
    use crate::sheet::parse_nomination_sheet;
    use crate::sheet::sample::sample_nominations;

    const LINK: &str = "=HYPERLINK(\"http://example.com/\",\"点击查看\")";

    /// A sample row whose free text would start formulas in Excel.
    fn formula_row() -> NominationInput {
        NominationInput {
            supplier_name: LINK.to_owned(),
            product_name: "+紫阳富硒茶".to_owned(),
            contact_name: "-王示例".to_owned(),
            specification: Some("@250克/罐".to_owned()),
            certificates: Some("\t=1+1".to_owned()),
            ..sample_nominations(1).remove(0)
        }
    }

    fn column(c: Column) -> usize {
        column_index(c) as usize
    }

    #[test]
    fn csv_export_puts_an_apostrophe_before_formula_text_and_leaves_numbers_alone() {
        let row = NominationInput {
            // Not a price anyone can enter, but a number column must never be guarded.
            unit_price: Some(Fen(-120)),
            ..formula_row()
        };
        let csv = nominations_csv(&[row]);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[column(Column::SupplierName)], format!("'{LINK}"));
        assert_eq!(&record[column(Column::ProductName)], "'+紫阳富硒茶");
        assert_eq!(&record[column(Column::ContactName)], "'-王示例");
        assert_eq!(&record[column(Column::Specification)], "'@250克/罐");
        assert_eq!(&record[column(Column::Certificates)], "'\t=1+1");
        assert_eq!(&record[column(Column::UnitPrice)], "-1.20");
        assert_eq!(&record[column(Column::RowNo)], "1");
        assert_eq!(&record[column(Column::County)], "紫阳县");
    }

    #[test]
    fn csv_export_with_formula_text_reads_back_as_written() {
        let row = NominationInput {
            certificates: Some("SC生产许可（示例）".to_owned()),
            ..formula_row()
        };
        let csv = nominations_csv(std::slice::from_ref(&row));
        let sheet = parse_nomination_sheet(csv.as_bytes(), "export.csv").unwrap();
        assert_eq!(sheet.rows[0].1, row);
    }

    #[test]
    fn xlsx_export_quote_prefixes_formula_text_without_changing_it() {
        let row = formula_row();
        let bytes = nominations_xlsx("导出", std::slice::from_ref(&row));
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = book.worksheet_range(SHEET_NAME).unwrap();
        // Title on row 1, header on row 2, the row on row 3.
        let cell = |c: Column| range.get_value((2, column(c) as u32)).cloned().unwrap();
        assert_eq!(cell(Column::SupplierName), Data::String(LINK.to_owned()));
        assert_eq!(cell(Column::ProductName), Data::String("+紫阳富硒茶".to_owned()));
        assert_eq!(cell(Column::UnitPrice), Data::Float(168.0));
        assert_eq!(cell(Column::RowNo), Data::Float(1.0));

        let excel_name = |c: Column| format!("{}3", (b'A' + column(c) as u8) as char);
        let quoted = [
            Column::SupplierName,
            Column::ProductName,
            Column::ContactName,
            Column::Specification,
            Column::Certificates,
        ];
        assert_eq!(quote_prefixed_cells(&bytes), quoted.map(excel_name));

        // The importer strips what the cell holds, so the tab before `=1+1` goes like any padding.
        let read = parse_nomination_sheet(&bytes, "export.xlsx").unwrap();
        let expected = NominationInput {
            certificates: Some("=1+1".to_owned()),
            ..row
        };
        assert_eq!(read.rows[0].1, expected);
    }

    #[test]
    fn ordinary_rows_have_no_quote_prefixed_cells() {
        let bytes = nominations_xlsx("导出", &sample_nominations(4));
        assert_eq!(quote_prefixed_cells(&bytes), Vec::<String>::new());
    }
}
