//! From a grid of cells to checked nominations: find the header row, read the form's lines around
//! the table, read every data row, and collect every problem before deciding.

use std::collections::HashMap;

use super::columns::{Column, HeaderMatch, fold_width, match_header};
use super::read::{Cell, Grid, read_grid};
use super::{CellError, FormMeta, MAX_DATA_ROWS, MAX_UPLOAD_BYTES, NominationInput, ParsedSheet, SheetError, values};

/// The header is looked for in this many rows from the top: the form has a title and a
/// 推荐单位 line above it, and some counties add a few lines of their own.
const HEADER_SEARCH_ROWS: usize = 30;

/// A row is taken as the header when it names at least this many of our columns; fewer is more
/// likely a title or a note that happens to contain a column name.
const MIN_HEADER_MATCHES: usize = 3;

/// Reads an uploaded nomination form. All-or-nothing: any problem in any row returns
/// [`SheetError::Invalid`] with every problem found, and no rows.
pub fn parse_nomination_sheet(bytes: &[u8], filename: &str) -> Result<ParsedSheet, SheetError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(SheetError::TooLarge {
            size: bytes.len(),
            limit: MAX_UPLOAD_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    let grid = read_grid(bytes, filename)?;
    if grid.rows.iter().all(|row| is_blank_row(row)) {
        return Err(SheetError::Empty);
    }
    let header = find_header(&grid)?;
    let mut warnings = grid.warnings.clone();
    warnings.extend(header.warnings.iter().cloned());

    let mut form_meta = FormMeta::default();
    for row in &grid.rows[..header.row_index] {
        read_form_line(row, &mut form_meta);
    }

    let body = &grid.rows[header.row_index + 1..];
    let data_rows = body.iter().filter(|row| !is_blank_row(row)).count();
    if data_rows > MAX_DATA_ROWS {
        return Err(SheetError::TooManyRows {
            rows: data_rows,
            limit: MAX_DATA_ROWS,
        });
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (offset, cells) in body.iter().enumerate() {
        let sheet_row = grid.sheet_row(header.row_index + 1 + offset);
        if is_blank_row(cells) {
            continue;
        }
        match classify_non_data_row(cells) {
            Some(NonDataRow::FormLine) => {
                read_form_line(cells, &mut form_meta);
                continue;
            }
            Some(NonDataRow::Total) => {
                warnings.push(format!("第 {sheet_row} 行是合计行，已跳过"));
                continue;
            }
            Some(NonDataRow::Note) => {
                warnings.push(format!("第 {sheet_row} 行是说明文字，已跳过"));
                continue;
            }
            None if header.is_unused_template_line(cells) => continue,
            None => {}
        }
        match read_data_row(&header, cells, sheet_row) {
            Ok(input) => rows.push((sheet_row, input)),
            Err(row_errors) => errors.extend(row_errors),
        }
    }

    errors.extend(duplicate_errors(&header, &rows));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(SheetError::Invalid(errors));
    }
    if rows.is_empty() {
        return Err(SheetError::NoRows {
            header_row: grid.sheet_row(header.row_index),
        });
    }
    Ok(ParsedSheet {
        rows,
        form_meta,
        warnings,
    })
}

fn is_blank_row(cells: &[Cell]) -> bool {
    cells.iter().all(Cell::is_empty)
}

/// A header cell we understood.
#[derive(Debug)]
struct HeaderColumn {
    index: usize,
    column: Column,
    /// The header as the user sees it (line breaks removed), used in every message.
    title: String,
    /// The unit written in the header, e.g. 吨 in 扶贫产品产量（吨）.
    unit: Option<String>,
}

#[derive(Debug)]
struct Header {
    row_index: usize,
    columns: Vec<HeaderColumn>,
    warnings: Vec<String>,
}

impl Header {
    fn find(&self, column: Column) -> Option<&HeaderColumn> {
        self.columns.iter().find(|c| c.column == column)
    }

    /// Templates are often pre-numbered 1, 2, 3 … down the 序号 column; a line with nothing but
    /// its number is an unused line, not a nomination with everything missing.
    fn is_unused_template_line(&self, cells: &[Cell]) -> bool {
        let Some(row_no) = self.find(Column::RowNo) else {
            return false;
        };
        let number_only = values::row_no(cells.get(row_no.index).unwrap_or(&Cell::Empty)).is_ok();
        number_only
            && cells
                .iter()
                .enumerate()
                .all(|(i, cell)| i == row_no.index || cell.is_empty())
    }
}

/// What the user sees in a header cell: its text without line breaks or padding.
fn header_title(cell: &Cell) -> String {
    cell.display().chars().filter(|c| !c.is_whitespace()).collect()
}

fn find_header(grid: &Grid) -> Result<Header, SheetError> {
    let searched = grid.rows.len().min(HEADER_SEARCH_ROWS);
    let best = grid.rows[..searched]
        .iter()
        .enumerate()
        .map(|(index, row)| (index, distinct_matches(row)))
        .filter(|(_, count)| *count >= MIN_HEADER_MATCHES)
        .max_by(|(ia, a), (ib, b)| a.cmp(b).then(ib.cmp(ia)));
    let Some((row_index, _)) = best else {
        return Err(SheetError::NoHeader {
            searched_rows: HEADER_SEARCH_ROWS,
        });
    };
    let header = build_header(grid, row_index);
    let missing: Vec<String> = Column::all()
        .filter(|c| c.required_in_header() && header.find(*c).is_none())
        .map(|c| c.header().to_owned())
        .collect();
    if !missing.is_empty() {
        let found = grid.rows[row_index]
            .iter()
            .map(header_title)
            .filter(|t| !t.is_empty())
            .collect();
        return Err(SheetError::MissingColumns { missing, found });
    }
    Ok(header)
}

fn distinct_matches(row: &[Cell]) -> usize {
    let mut columns: Vec<Column> = row
        .iter()
        .filter_map(|c| match_header(&c.display()))
        .map(|m| m.column)
        .collect();
    columns.sort_by_key(|c| *c as u8);
    columns.dedup();
    columns.len()
}

fn build_header(grid: &Grid, row_index: usize) -> Header {
    let header_row = grid.sheet_row(row_index);
    let mut columns: Vec<HeaderColumn> = Vec::new();
    let mut warnings = Vec::new();
    for (index, cell) in grid.rows[row_index].iter().enumerate() {
        let title = header_title(cell);
        if title.is_empty() {
            continue;
        }
        let Some(HeaderMatch { column, note }) = match_header(&title) else {
            warnings.push(format!("第 {header_row} 行表头中的“{title}”列不是推荐名录的列，已忽略"));
            continue;
        };
        if let Some(first) = columns.iter().find(|c| c.column == column) {
            warnings.push(format!(
                "“{title}”列与“{}”列是同一项，只读取了前面的“{}”列",
                first.title, first.title
            ));
            continue;
        }
        columns.push(HeaderColumn {
            index,
            column,
            title,
            unit: note,
        });
    }
    Header {
        row_index,
        columns,
        warnings,
    }
}

fn read_data_row(header: &Header, cells: &[Cell], sheet_row: u32) -> Result<NominationInput, Vec<CellError>> {
    let mut input = NominationInput::default();
    let mut errors = Vec::new();
    for column in &header.columns {
        let cell = cells.get(column.index).unwrap_or(&Cell::Empty);
        let result = if column.column.required_in_every_row() && cell.is_empty() {
            Err(format!("不能为空：每一行都要填写“{}”", column.title))
        } else {
            fill_field(&mut input, column, cell)
        };
        if let Err(message) = result {
            errors.push(CellError {
                row: sheet_row,
                column: column.title.clone(),
                value: cell.display(),
                message,
            });
        }
    }
    if errors.is_empty() { Ok(input) } else { Err(errors) }
}

fn fill_field(input: &mut NominationInput, column: &HeaderColumn, cell: &Cell) -> Result<(), String> {
    if let Cell::Error(code) = cell {
        return Err(format!("单元格是错误值“{code}”（通常是公式出错）：请改为实际内容"));
    }
    match column.column {
        Column::RowNo => input.row_no = values::row_no(cell)?,
        Column::County => input.county = values::county(cell)?,
        Column::SupplierName => input.supplier_name = values::text(cell)?.unwrap_or_default(),
        Column::ProductName => input.product_name = values::text(cell)?.unwrap_or_default(),
        Column::AnnualOutput => input.annual_output = values::quantity(cell, column.unit.as_deref())?,
        Column::PoorPeopleSupported => input.poor_people_supported = values::people(cell)?,
        Column::ContactName => input.contact_name = values::text(cell)?.unwrap_or_default(),
        Column::ContactPhone => input.contact_phone = values::phone(cell)?,
        Column::CreditCode => input.credit_code = values::credit_code(cell)?,
        Column::Category => input.category = values::category(cell)?,
        Column::Specification => input.specification = values::text(cell)?,
        Column::UnitPrice => input.unit_price = values::unit_price(cell)?,
        Column::NationalCatalogueNo => input.national_catalogue_no = values::code(cell)?,
        Column::Gtin => input.gtin = values::gtin(cell)?,
        Column::Certificates => input.certificates = values::text(cell)?,
        Column::PovertyRegion => input.poverty_region = values::poverty_region(cell)?,
        Column::PovertyRegionNote => input.poverty_region_note = values::text(cell)?,
    }
    Ok(())
}

/// The same product of the same supplier nominated twice. The supplier is known by its credit
/// code, or by its name when the code is not filled in yet.
fn duplicate_errors(header: &Header, rows: &[(u32, NominationInput)]) -> Vec<CellError> {
    let product_title = header
        .find(Column::ProductName)
        .map_or(Column::ProductName.header(), |c| c.title.as_str());
    let mut first_seen: HashMap<(String, String), u32> = HashMap::new();
    let mut errors = Vec::new();
    for (sheet_row, input) in rows {
        let (supplier_key, same_what) = match &input.credit_code {
            Some(code) => (code.to_string(), "统一社会信用代码"),
            None => (squash(&input.supplier_name), "供应商/销售商"),
        };
        let key = (supplier_key, squash(&input.product_name));
        if let Some(first) = first_seen.get(&key) {
            errors.push(CellError {
                row: *sheet_row,
                column: product_title.to_owned(),
                value: input.product_name.clone(),
                message: format!(
                    "与第 {first} 行重复（{same_what}和商品名称都相同）：同一商品只需推荐一次，请删去一行"
                ),
            });
        } else {
            first_seen.insert(key, *sheet_row);
        }
    }
    errors
}

/// Text compared without whitespace or width differences, so 紫阳富硒茶 and 紫阳 富硒茶 are one.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).map(fold_width).collect()
}

/// The lines of the paper form around the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NonDataRow {
    /// 推荐单位（盖章）：, 填报人：, 联系方式：, 填报日期：
    FormLine,
    /// 合计 / 小计 / 总计
    Total,
    /// 注： / 说明： / 填表说明
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormField {
    RecommendingUnit,
    FilledBy,
    Contact,
    /// Recognised as a form line but not kept (填报日期).
    Other,
}

const FORM_LABELS: [(&str, FormField); 9] = [
    ("推荐单位", FormField::RecommendingUnit),
    ("填报单位", FormField::RecommendingUnit),
    ("填报人", FormField::FilledBy),
    ("填表人", FormField::FilledBy),
    ("联系方式", FormField::Contact),
    ("联系电话", FormField::Contact),
    ("填报日期", FormField::Other),
    ("填表日期", FormField::Other),
    ("日期", FormField::Other),
];

fn classify_non_data_row(cells: &[Cell]) -> Option<NonDataRow> {
    let first = cells.iter().find(|c| !c.is_empty())?.display();
    let squashed = squash(&first);
    if form_label(&first).is_some() {
        return Some(NonDataRow::FormLine);
    }
    if ["合计", "小计", "总计"].contains(&squashed.as_str()) {
        return Some(NonDataRow::Total);
    }
    let is_note = ["注:", "说明:", "备注:", "填表说明"]
        .iter()
        .any(|p| squashed.starts_with(p));
    is_note.then_some(NonDataRow::Note)
}

/// `填报人：张三` → (FilledBy, "张三"); `推荐单位（盖章）：` → (RecommendingUnit, ""); a cell holding
/// just the label counts too. Anything else is not a form label.
fn form_label(cell_text: &str) -> Option<(FormField, String)> {
    let text = cell_text.trim();
    let (label, value) = match text.find([':', '：']) {
        Some(pos) => {
            let colon_len = text[pos..].chars().next().map_or(1, char::len_utf8);
            (&text[..pos], text[pos + colon_len..].trim())
        }
        None => (text, ""),
    };
    let label = squash(label);
    let label = label
        .strip_suffix("(盖章)")
        .or_else(|| label.strip_suffix("(签字)"))
        .unwrap_or(&label);
    FORM_LABELS
        .iter()
        .find(|(name, _)| *name == label)
        .map(|(_, field)| (*field, value.to_owned()))
}

/// Keeps the values of a form line. The value may follow the colon in the same cell or stand in
/// the next non-empty cell; one row may hold several labels (填报人：… 联系方式：…).
fn read_form_line(cells: &[Cell], meta: &mut FormMeta) {
    super::read::form_line_values(cells, form_label, |field, value| keep_form_value(meta, field, value));
}

fn keep_form_value(meta: &mut FormMeta, field: FormField, value: String) {
    let slot = match field {
        FormField::RecommendingUnit => &mut meta.recommending_unit,
        FormField::FilledBy => &mut meta.filled_by,
        FormField::Contact => &mut meta.contact,
        FormField::Other => return,
    };
    if slot.is_none() {
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("填报人：张示例", Some((FormField::FilledBy, "张示例")))]
    #[case("填报人:", Some((FormField::FilledBy, "")))]
    #[case("推荐单位（盖章）：紫阳县总工会", Some((FormField::RecommendingUnit, "紫阳县总工会")))]
    #[case("联系电话： 029-88886666", Some((FormField::Contact, "029-88886666")))]
    #[case("联系方式", Some((FormField::Contact, "")))]
    #[case("紫阳县", None)]
    #[case("联系方式不详", None)]
    fn form_labels(#[case] text: &str, #[case] expected: Option<(FormField, &str)>) {
        assert_eq!(form_label(text), expected.map(|(f, v)| (f, v.to_owned())));
    }

    #[test]
    fn a_form_line_may_hold_two_labels_and_values_in_their_own_cells() {
        let t = |s: &str| Cell::Text(s.to_owned());
        let row = [
            t("填报人："),
            t("王示例"),
            Cell::Empty,
            t("联系方式："),
            Cell::Number(13_800_000_002.0),
        ];
        let mut meta = FormMeta::default();
        read_form_line(&row, &mut meta);
        assert_eq!(meta.filled_by.as_deref(), Some("王示例"));
        assert_eq!(meta.contact.as_deref(), Some("13800000002"));
    }
}
