//! Attachment 1 of the annual report, 《全省工会消费扶贫情况统计表》, as a spreadsheet: read from
//! what a reporting union uploads (its own copy of the seed form or our export), and written in
//! the official layout for one union or for the whole province.
//!
//! Reading is all-or-nothing and only reads: every cell that cannot be read is named by row and
//! column, or every row comes back in whole people and whole yuan. Whether the figures make sense
//! (duplicates, units, the required share) is [`crate::domain::report::check`]'s business.
//!
//! The form's units are in its headings: 职工数（万）, 慰问品总额（万元）. A column's bracketed
//! note decides how its numbers are read, so a union that retyped the headings as （人） or （元）
//! is read correctly too.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::columns::{fold_width, normalise_header};
use super::formula::starts_like_formula;
use super::read::{Cell, read_grid};
use super::{CellError, MAX_UPLOAD_BYTES, SheetError, values};
use crate::domain::report::{ReportColumn, ReportRow, parse_wan, parse_whole, totals};

/// More data rows than this are refused: the whole province has a few hundred reporting unions.
pub const MAX_REPORT_ROWS: usize = 5_000;

/// The header is looked for in this many rows from the top (附件1, the title and 填报单位 come first).
const HEADER_SEARCH_ROWS: usize = 20;

/// The largest figure read, in whole units (1 亿万 = 10^12, as [`parse_wan`] and [`parse_whole`]).
const MAX_UNITS: f64 = 1e12;

/// A sheet that passed reading: each row with its 1-based sheet row number, and the form's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReport {
    /// Each data row with its 1-based row number in the sheet, in sheet order; 小计 and 合计 rows
    /// are not among them.
    pub rows: Vec<(u32, ReportRow)>,
    /// 填报单位（盖章）：
    pub filled_unit: Option<String>,
    /// 填报人：
    pub filled_by: Option<String>,
    /// 联系电话：(kept as written)
    pub contact_phone: Option<String>,
    /// Ignored columns, skipped 合计 rows, units that were guessed, other worksheets not read.
    pub warnings: Vec<String>,
}

/// One reporting union's part of Attachment 1: the unions under it, one row each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment1Part {
    pub reporting_union: String,
    pub rows: Vec<ReportRow>,
}

/// Attachment 1 as it is printed. One part is one union's report; several are the province-wide
/// table, with a 小计 row after each part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment1 {
    pub year: i32,
    pub filled_unit: String,
    pub filled_by: String,
    pub contact_phone: String,
    pub parts: Vec<Attachment1Part>,
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The columns a header must have; 序号 and 备注 may be left out.
const REQUIRED: [ReportColumn; 6] = [
    ReportColumn::UnionName,
    ReportColumn::GrassrootsUnions,
    ReportColumn::Members,
    ReportColumn::FestivalStandard,
    ReportColumn::FestivalTotal,
    ReportColumn::PlannedPoverty,
];

/// A header cell recognised as one of the form's columns.
#[derive(Debug)]
struct HeaderColumn {
    index: usize,
    column: ReportColumn,
    /// The heading as the sheet has it, line breaks removed: every message names the column so.
    title: String,
    /// Numbers in this column are in 万 (headed （万）, （万人）, （万元）).
    in_wan: bool,
}

/// A heading, already in [`normalise_header`] form, without its bracketed note.
fn column_named(name: &str) -> Option<ReportColumn> {
    use ReportColumn as C;
    Some(match name {
        "序号" | "编号" => C::RowNo,
        "工会名称" | "单位名称" | "名称" | "工会" => C::UnionName,
        "基层工会数量" | "基层工会数" | "基层工会(个)" | "基层工会个数" => C::GrassrootsUnions,
        "职工数" | "职工人数" | "会员数" | "会员人数" => C::Members,
        "年度个人发放节日慰问品标准" | "个人发放节日慰问品标准" | "人均标准" | "节日慰问品标准" => {
            C::FestivalStandard
        }
        "年度工会发放慰问品总额" | "工会发放慰问品总额" | "慰问品总额" | "发放总额" => {
            C::FestivalTotal
        }
        "计划消费扶贫金额" | "消费扶贫金额" | "计划扶贫采购金额" => C::PlannedPoverty,
        "备注" | "说明" => C::Note,
        _ => return None,
    })
}

/// Recognises a heading: the whole text first (基层工会（个）), then the text without a trailing
/// bracketed note, which is returned as the column's unit (职工数（万） → 万).
fn match_heading(raw: &str) -> Option<(ReportColumn, Option<String>)> {
    let text = normalise_header(raw);
    if text.is_empty() {
        return None;
    }
    if let Some(column) = column_named(&text) {
        return Some((column, None));
    }
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (name, note) = (&inner[..open], &inner[open + 1..]);
    column_named(name).map(|column| (column, Some(note.to_owned()).filter(|n| !n.is_empty())))
}

/// The units a column's note may name without a warning.
fn known_notes(column: ReportColumn) -> &'static [&'static str] {
    use ReportColumn as C;
    match column {
        C::GrassrootsUnions => &["个", "家"],
        C::Members => &["万", "万人", "万名", "人", "名"],
        C::FestivalStandard | C::FestivalTotal | C::PlannedPoverty => &["元", "万元"],
        C::RowNo | C::UnionName | C::Note => &[],
    }
}

fn is_numeric(column: ReportColumn) -> bool {
    REQUIRED.contains(&column) && column != ReportColumn::UnionName
}

/// What a row of the sheet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Blank,
    /// 填报单位（盖章）：, 填报人：, 联系电话：
    FormLine,
    /// 合计 / 总计 / 小计, also “某某市总工会小计”
    Total,
    /// 说明： / 注：
    Note,
    Data,
}

fn classify(cells: &[Cell]) -> RowKind {
    let Some(first) = cells.iter().find(|c| !c.is_empty()) else {
        return RowKind::Blank;
    };
    let first = first.display();
    if form_label(&first).is_some() {
        return RowKind::FormLine;
    }
    let squashed = squash(&first);
    const TOTALS: [&str; 3] = ["合计", "总计", "小计"];
    if TOTALS.iter().any(|t| squashed.starts_with(t) || squashed.ends_with(t)) {
        return RowKind::Total;
    }
    if is_note(&squashed) {
        return RowKind::Note;
    }
    RowKind::Data
}

/// 说明：…, 填表说明, 注：…, 注1.… — but not a union whose name starts with 注 (注册会计师协会工会).
fn is_note(squashed: &str) -> bool {
    if squashed.starts_with("说明") || squashed.starts_with("填表说明") {
        return true;
    }
    match squashed.strip_prefix('注') {
        Some(rest) => match rest.chars().next() {
            None => true,
            Some(c) => c == ':' || c == '、' || c == '.' || c.is_ascii_digit(),
        },
        None => false,
    }
}

/// Text compared without whitespace or width differences.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).map(fold_width).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormField {
    Unit,
    FilledBy,
    Phone,
    /// Recognised as a form line but not kept (填报日期).
    Other,
}

/// Not 单位 alone: forms often print 单位：万元 above the table.
const FORM_LABELS: [(&str, FormField); 10] = [
    ("填报单位", FormField::Unit),
    ("报送单位", FormField::Unit),
    ("填报人", FormField::FilledBy),
    ("填表人", FormField::FilledBy),
    ("联系电话", FormField::Phone),
    ("联系方式", FormField::Phone),
    ("电话", FormField::Phone),
    ("填报日期", FormField::Other),
    ("填表日期", FormField::Other),
    ("日期", FormField::Other),
];

/// `填报人：张三` → (FilledBy, "张三"); `填报单位（盖章）：` → (Unit, ""). Without a colon only
/// the longer labels count, alone in their cell (联系电话), so that a data cell is never one.
fn form_label(cell_text: &str) -> Option<(FormField, String)> {
    let text = cell_text.trim();
    let (label, value, has_colon) = match text.find([':', '：']) {
        Some(pos) => {
            let colon_len = text[pos..].chars().next().map_or(1, char::len_utf8);
            (&text[..pos], text[pos + colon_len..].trim(), true)
        }
        None => (text, "", false),
    };
    let label = squash(label);
    let label = label
        .strip_suffix("(盖章)")
        .or_else(|| label.strip_suffix("(签字)"))
        .or_else(|| label.strip_suffix("(签名)"))
        .unwrap_or(&label);
    FORM_LABELS
        .iter()
        .filter(|(name, _)| has_colon || name.chars().count() > 2)
        .find(|(name, _)| *name == label)
        .map(|(_, field)| (*field, value.to_owned()))
}

#[derive(Debug, Default)]
struct FormLines {
    unit: Option<String>,
    filled_by: Option<String>,
    phone: Option<String>,
}

/// Keeps the values of a form line: after the colon in the same cell, or in the next non-empty
/// cell; one row may hold several labels (填报人：… 联系电话：…). The first value found is kept.
fn read_form_line(cells: &[Cell], lines: &mut FormLines) {
    super::read::form_line_values(cells, form_label, |field, value| keep_form_value(lines, field, value));
}

fn keep_form_value(lines: &mut FormLines, field: FormField, value: String) {
    let slot = match field {
        FormField::Unit => &mut lines.unit,
        FormField::FilledBy => &mut lines.filled_by,
        FormField::Phone => &mut lines.phone,
        FormField::Other => return,
    };
    if slot.is_none() {
        *slot = Some(value);
    }
}

/// Reads an uploaded Attachment 1 (xlsx, xls, ods or CSV). All-or-nothing: any cell that cannot
/// be read gives [`SheetError::Invalid`] with every such cell, sorted by row, and no rows.
pub fn parse_report_sheet(bytes: &[u8], filename: &str) -> Result<ParsedReport, SheetError> {
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
    if grid.rows.iter().all(|r| r.iter().all(Cell::is_empty)) {
        return Err(SheetError::Empty);
    }
    let mut warnings = grid.warnings.clone();
    let (header_index, columns) = find_header(&grid.rows, &mut warnings)?;

    let mut lines = FormLines::default();
    for cells in &grid.rows[..header_index] {
        read_form_line(cells, &mut lines);
    }

    let body = &grid.rows[header_index + 1..];
    let kinds: Vec<RowKind> = body.iter().map(|cells| classify(cells)).collect();
    let data_rows = kinds.iter().filter(|k| **k == RowKind::Data).count();
    if data_rows > MAX_REPORT_ROWS {
        return Err(SheetError::TooManyRows {
            rows: data_rows,
            limit: MAX_REPORT_ROWS,
        });
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (offset, (cells, kind)) in body.iter().zip(kinds).enumerate() {
        let sheet_row = grid.sheet_row(header_index + 1 + offset);
        match kind {
            RowKind::Blank => {}
            RowKind::FormLine => read_form_line(cells, &mut lines),
            RowKind::Total => warnings.push(format!("第 {sheet_row} 行是合计或小计行，已跳过")),
            RowKind::Note => warnings.push(format!("第 {sheet_row} 行是说明文字，已跳过")),
            RowKind::Data if is_unused_line(&columns, cells) => {}
            RowKind::Data => match read_row(&columns, cells, sheet_row) {
                Ok(row) => rows.push((sheet_row, row)),
                Err(row_errors) => errors.extend(row_errors),
            },
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(SheetError::Invalid(errors));
    }
    if rows.is_empty() {
        return Err(SheetError::NoRows {
            header_row: grid.sheet_row(header_index),
        });
    }
    Ok(ParsedReport {
        rows,
        filled_unit: lines.unit,
        filled_by: lines.filled_by,
        contact_phone: lines.phone,
        warnings,
    })
}

/// The header row (it names a union-name and a members column) and its columns. A sheet without
/// one is refused as missing the form's columns, naming what the likeliest row did have.
fn find_header(rows: &[Vec<Cell>], warnings: &mut Vec<String>) -> Result<(usize, Vec<HeaderColumn>), SheetError> {
    let searched = rows.len().min(HEADER_SEARCH_ROWS);
    let recognised = |cells: &[Cell]| -> Vec<ReportColumn> {
        cells
            .iter()
            .filter_map(|c| match_heading(&c.display()).map(|(column, _)| column))
            .collect()
    };
    let found_titles = |cells: &[Cell]| -> Vec<String> {
        cells
            .iter()
            .map(|c| c.display().chars().filter(|c| !c.is_whitespace()).collect::<String>())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let header_index = (0..searched).find(|&i| {
        let columns = recognised(&rows[i]);
        columns.contains(&ReportColumn::UnionName) && columns.contains(&ReportColumn::Members)
    });
    let Some(header_index) = header_index else {
        // The row naming most of the form's columns is most likely the header, mistyped.
        let best = (0..searched)
            .map(|i| (recognised(&rows[i]).len(), i))
            .filter(|(n, _)| *n >= 2)
            .max_by_key(|(n, i)| (*n, std::cmp::Reverse(*i)));
        let (present, found) = match best {
            Some((_, i)) => (recognised(&rows[i]), found_titles(&rows[i])),
            None => (Vec::new(), Vec::new()),
        };
        let missing = REQUIRED
            .into_iter()
            .filter(|c| !present.contains(c))
            .map(|c| c.heading().to_owned())
            .collect();
        return Err(SheetError::MissingColumns { missing, found });
    };

    let mut columns: Vec<HeaderColumn> = Vec::new();
    for (index, cell) in rows[header_index].iter().enumerate() {
        let title: String = cell.display().chars().filter(|c| !c.is_whitespace()).collect();
        if title.is_empty() {
            continue;
        }
        let Some((column, note)) = match_heading(&title) else {
            warnings.push(format!("“{title}”列不是附件1的列，已忽略"));
            continue;
        };
        if columns.iter().any(|c| c.column == column) {
            warnings.push(format!("“{title}”列重复，只读取了前面一列"));
            continue;
        }
        let in_wan = note.as_deref().is_some_and(|n| n.starts_with('万'));
        if is_numeric(column)
            && let Some(note) = &note
            && !known_notes(column).contains(&note.as_str())
        {
            let unit = match column {
                ReportColumn::GrassrootsUnions => "个",
                ReportColumn::Members if in_wan => "万人",
                ReportColumn::Members => "人",
                _ if in_wan => "万元",
                _ => "元",
            };
            warnings.push(format!("“{title}”列的单位“{note}”无法识别，已按{unit}读取"));
        }
        columns.push(HeaderColumn {
            index,
            column,
            title,
            in_wan,
        });
    }
    let missing: Vec<String> = REQUIRED
        .into_iter()
        .filter(|c| !columns.iter().any(|h| h.column == *c))
        .map(|c| c.heading().to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(SheetError::MissingColumns {
            missing,
            found: found_titles(&rows[header_index]),
        });
    }
    Ok((header_index, columns))
}

/// A line of a template with only its 序号 filled in (or nothing in the form's columns).
fn is_unused_line(columns: &[HeaderColumn], cells: &[Cell]) -> bool {
    columns
        .iter()
        .filter(|h| h.column != ReportColumn::RowNo)
        .all(|h| cells.get(h.index).is_none_or(Cell::is_empty))
}

fn read_row(columns: &[HeaderColumn], cells: &[Cell], row: u32) -> Result<ReportRow, Vec<CellError>> {
    use ReportColumn as C;
    let mut errors = Vec::new();
    let mut out = ReportRow::default();
    for header in columns {
        let cell = cells.get(header.index).unwrap_or(&Cell::Empty);
        let mut fail = |message: String| {
            errors.push(CellError {
                row,
                column: header.title.clone(),
                value: cell.display(),
                message,
            })
        };
        match header.column {
            C::RowNo => {}
            C::UnionName => match values::text(cell) {
                Ok(Some(name)) => out.union_name = name,
                Ok(None) => fail("请填写工会名称".to_owned()),
                Err(m) => fail(m),
            },
            C::Note => match values::text(cell) {
                Ok(note) => out.note = note.unwrap_or_default(),
                Err(m) => fail(m),
            },
            column => {
                let unit = match column {
                    C::GrassrootsUnions => "个",
                    C::Members => "人",
                    _ => "元",
                };
                match figure(cell, header.in_wan, unit) {
                    Ok(n) => match column {
                        C::GrassrootsUnions => out.grassroots_unions = n,
                        C::Members => out.members = n,
                        C::FestivalStandard => out.festival_standard_yuan = n,
                        C::FestivalTotal => out.festival_total_yuan = n,
                        _ => out.planned_poverty_yuan = n,
                    },
                    Err(m) => fail(m),
                }
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// A figure in whole units (people, unions, yuan). `in_wan`: the column is headed in 万, so the
/// number is multiplied by 10,000, exactly, with at most four decimals. `unit` is the whole unit a
/// text cell may end with (137人, 1,200元); text ending in 万 is read as 万 in any column.
fn figure(cell: &Cell, in_wan: bool, unit: &str) -> Result<i64, String> {
    match cell {
        Cell::Number(n) => number_figure(*n, in_wan),
        Cell::Error(e) => Err(format!("“{e}”不是数字：请填写数字而不是公式错误")),
        Cell::Empty | Cell::Text(_) => {
            let raw = cell.display();
            let text: String = squash(&raw);
            let text = text.strip_prefix('\'').unwrap_or(&text);
            if text.is_empty() {
                return Err("请填写（没有就填 0）".to_owned());
            }
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.strip_prefix('+').unwrap_or(text)),
            };
            let digits = digits.strip_suffix(unit).unwrap_or(digits);
            let value = if in_wan || digits.ends_with('万') || digits.ends_with("万元") {
                parse_wan(digits)
            } else {
                parse_whole(digits, unit)
            };
            let value = value.map_err(|m| m.replace(&format!("“{}”", digits.trim()), &format!("“{raw}”")))?;
            Ok(if negative { -value } else { value })
        }
    }
}

/// A number cell. Excel's own arithmetic leaves noise far below the fourth decimal of 万
/// (1799.9999999999998); a fifth decimal is a tenth of a unit or more away from a whole one.
fn number_figure(n: f64, in_wan: bool) -> Result<i64, String> {
    let shown = super::read::number_text(n);
    if !n.is_finite() {
        return Err(format!("“{shown}”不是数字"));
    }
    let units = if in_wan { n * 10_000.0 } else { n };
    let whole = units.round();
    if whole.abs() > MAX_UNITS {
        return Err(format!("“{shown}”太大了"));
    }
    let noise = (whole.abs() * 1e-13).max(1e-6);
    if (units - whole).abs() > noise {
        return Err(if in_wan {
            format!("“{shown}”的小数超过 4 位：按万填写时精确到个位即可")
        } else {
            format!("“{shown}”应为整数")
        });
    }
    Ok(whole as i64)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

const SHEET_NAME: &str = "附件1";

/// The table's last column (H, 备注), 0-based.
const LAST_COL: u16 = (ReportColumn::ALL.len() - 1) as u16;

/// The row (0-based) of the headings: 附件1, the title and 填报单位 come first.
const HEADER_ROW: u32 = 3;

fn column_width(column: ReportColumn) -> f64 {
    match column {
        ReportColumn::RowNo => 6.0,
        ReportColumn::UnionName => 30.0,
        ReportColumn::GrassrootsUnions => 10.0,
        ReportColumn::Members => 12.0,
        ReportColumn::FestivalStandard | ReportColumn::FestivalTotal | ReportColumn::PlannedPoverty => 16.0,
        ReportColumn::Note => 24.0,
    }
}

struct Formats {
    attachment: Format,
    title: Format,
    line: Format,
    header: Format,
    text: Format,
    /// `text`, quote-prefixed: for a name that would start a formula.
    quoted_text: Format,
    whole: Format,
    wan: Format,
    sum_text: Format,
    quoted_sum_text: Format,
    sum_whole: Format,
    sum_wan: Format,
}

impl Formats {
    fn new() -> Self {
        let bordered = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let bold = bordered.clone().set_bold();
        Self {
            attachment: Format::new().set_font_size(10),
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            line: Format::new().set_font_size(11).set_align(FormatAlign::Left),
            header: bold.clone().set_text_wrap().set_align(FormatAlign::Center),
            text: bordered.clone().set_text_wrap(),
            quoted_text: bordered.clone().set_text_wrap().set_quote_prefix(),
            whole: bordered.clone().set_num_format("0"),
            wan: bordered.set_num_format("0.0000"),
            sum_text: bold.clone(),
            quoted_sum_text: bold.clone().set_quote_prefix(),
            sum_whole: bold.clone().set_num_format("0"),
            sum_wan: bold.set_num_format("0.0000"),
        }
    }
}

/// A figure in whole units as the 万 the form shows; exact to four decimals.
fn in_wan(units: i64) -> f64 {
    units as f64 / 10_000.0
}

/// Attachment 1 in the official layout: 附件1, the title, 填报单位, the headings, the rows (序号
/// numbered through the whole sheet), a 小计 after each part when there are several, 合计, and
/// 填报人 / 联系电话. [`parse_report_sheet`] reads it back to the same rows and lines.
pub fn report_xlsx(sheet: &Attachment1) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET_NAME)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    for (col, column) in ReportColumn::ALL.into_iter().enumerate() {
        ws.set_column_width(col as u16, column_width(column))?;
    }

    ws.write_string_with_format(0, 0, "附件1", &formats.attachment)?;
    ws.set_row_height(1, 32)?;
    let title = format!("{}年度全省工会消费扶贫情况统计表", sheet.year);
    ws.merge_range(1, 0, 1, LAST_COL, &title, &formats.title)?;
    let unit = format!("填报单位（盖章）：{}", sheet.filled_unit);
    ws.merge_range(2, 0, 2, LAST_COL, &unit, &formats.line)?;

    ws.set_row_height(HEADER_ROW, 48)?;
    for (col, column) in ReportColumn::ALL.into_iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, col as u16, column.heading(), &formats.header)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;

    let mut row = HEADER_ROW + 1;
    let mut number = 1u32;
    for part in &sheet.parts {
        for data in &part.rows {
            write_row(ws, row, Some(number), data, &formats, false)?;
            row += 1;
            number += 1;
        }
        if sheet.parts.len() > 1 {
            let subtotal = ReportRow {
                union_name: format!("{}小计", part.reporting_union),
                ..totals(&part.rows)
            };
            write_row(ws, row, None, &subtotal, &formats, true)?;
            row += 1;
        }
    }
    let every_row: Vec<ReportRow> = sheet.parts.iter().flat_map(|p| p.rows.iter().cloned()).collect();
    write_row(ws, row, None, &totals(&every_row), &formats, true)?;
    row += 2;

    let filled_by = format!("填报人：{}", sheet.filled_by);
    ws.merge_range(row, 0, row, 3, &filled_by, &formats.line)?;
    let phone = format!("联系电话：{}", sheet.contact_phone);
    ws.merge_range(row, 4, row, LAST_COL, &phone, &formats.line)?;

    workbook.save_to_buffer()
}

/// A data row (`number` is its 序号) or, with `sum`, a 小计 or 合计 row: bold, no 序号, no
/// standard (a sum of per-person standards means nothing).
fn write_row(
    ws: &mut Worksheet,
    row: u32,
    number: Option<u32>,
    data: &ReportRow,
    formats: &Formats,
    sum: bool,
) -> Result<(), XlsxError> {
    let (text, quoted, whole, wan) = if sum {
        (
            &formats.sum_text,
            &formats.quoted_sum_text,
            &formats.sum_whole,
            &formats.sum_wan,
        )
    } else {
        (&formats.text, &formats.quoted_text, &formats.whole, &formats.wan)
    };
    let text_format = |value: &str| if starts_like_formula(value) { quoted } else { text };
    for (col, column) in ReportColumn::ALL.into_iter().enumerate() {
        let col = col as u16;
        match column {
            ReportColumn::RowNo => match number {
                Some(n) => ws.write_number_with_format(row, col, n, whole)?,
                None => ws.write_blank(row, col, text)?,
            },
            ReportColumn::UnionName => {
                ws.write_string_with_format(row, col, &data.union_name, text_format(&data.union_name))?
            }
            ReportColumn::GrassrootsUnions => {
                ws.write_number_with_format(row, col, data.grassroots_unions as f64, whole)?
            }
            ReportColumn::Members => ws.write_number_with_format(row, col, in_wan(data.members), wan)?,
            ReportColumn::FestivalStandard if sum => ws.write_blank(row, col, whole)?,
            ReportColumn::FestivalStandard => {
                ws.write_number_with_format(row, col, data.festival_standard_yuan as f64, whole)?
            }
            ReportColumn::FestivalTotal => {
                ws.write_number_with_format(row, col, in_wan(data.festival_total_yuan), wan)?
            }
            ReportColumn::PlannedPoverty => {
                ws.write_number_with_format(row, col, in_wan(data.planned_poverty_yuan), wan)?
            }
            ReportColumn::Note if data.note.is_empty() => ws.write_blank(row, col, text)?,
            ReportColumn::Note => ws.write_string_with_format(row, col, &data.note, text_format(&data.note))?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, unions: i64, members: i64, standard: i64, total: i64, planned: i64, note: &str) -> ReportRow {
        ReportRow {
            union_name: name.to_owned(),
            grassroots_unions: unions,
            members,
            festival_standard_yuan: standard,
            festival_total_yuan: total,
            planned_poverty_yuan: planned,
            note: note.to_owned(),
        }
    }

    fn csv(text: &str) -> Result<ParsedReport, SheetError> {
        parse_report_sheet(text.as_bytes(), "report.csv")
    }

    fn rows_of(parsed: &ParsedReport) -> Vec<ReportRow> {
        parsed.rows.iter().map(|(_, r)| r.clone()).collect()
    }

    fn awkward_rows() -> Vec<ReportRow> {
        vec![
            row(
                "=HYPERLINK(\"x\")工会",
                3,
                12_345,
                1_200,
                123_456_789,
                37_037_037,
                "含退休职工, 另计",
            ),
            row("汉滨区总工会", 120, 15_000, 1_000, 15_000_000, 4_500_001, ""),
            row("注册会计师协会工会", 1, 7, 500, 3_500, 1_050, "备注：一行，两行"),
        ]
    }

    #[test]
    fn one_unions_report_reads_back_exactly() {
        let sheet = Attachment1 {
            year: 2020,
            filled_unit: "安康市总工会".to_owned(),
            filled_by: "王示例".to_owned(),
            contact_phone: "0915-3212345".to_owned(),
            parts: vec![Attachment1Part {
                reporting_union: "安康市总工会".to_owned(),
                rows: awkward_rows(),
            }],
        };
        let bytes = report_xlsx(&sheet).unwrap();
        let parsed = parse_report_sheet(&bytes, "附件1.xlsx").unwrap();
        assert_eq!(rows_of(&parsed), awkward_rows());
        // 附件1, title, 填报单位, headings: the first row is the sheet's fifth.
        assert_eq!(parsed.rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [5, 6, 7]);
        assert_eq!(parsed.filled_unit.as_deref(), Some("安康市总工会"));
        assert_eq!(parsed.filled_by.as_deref(), Some("王示例"));
        assert_eq!(parsed.contact_phone.as_deref(), Some("0915-3212345"));
        assert_eq!(parsed.warnings, ["第 8 行是合计或小计行，已跳过"]);
    }

    #[test]
    fn the_province_wide_table_reads_back_without_its_subtotals() {
        let first = Attachment1Part {
            reporting_union: "安康市总工会".to_owned(),
            rows: awkward_rows(),
        };
        let second = Attachment1Part {
            reporting_union: "=商洛市总工会".to_owned(),
            rows: vec![
                row("商州区总工会", 80, 9_999, 800, 7_999_200, 2_400_000, ""),
                row("丹凤县总工会", 1, 1, 0, 0, 0, "零"),
            ],
        };
        let sheet = Attachment1 {
            year: 2021,
            filled_unit: "陕西省总工会".to_owned(),
            filled_by: "李示例".to_owned(),
            contact_phone: "029-88886666".to_owned(),
            parts: vec![first.clone(), second.clone()],
        };
        let bytes = report_xlsx(&sheet).unwrap();
        let parsed = parse_report_sheet(&bytes, "全省.xlsx").unwrap();
        let expected: Vec<ReportRow> = first.rows.iter().chain(&second.rows).cloned().collect();
        assert_eq!(rows_of(&parsed), expected);
        // Two 小计 rows and the 合计 row are skipped.
        assert_eq!(parsed.warnings.len(), 3, "{:?}", parsed.warnings);
        assert_eq!(
            parsed.rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [5, 6, 7, 9, 10]
        );
        assert_eq!(parsed.filled_unit.as_deref(), Some("陕西省总工会"));
        assert_eq!(parsed.filled_by.as_deref(), Some("李示例"));
        assert_eq!(parsed.contact_phone.as_deref(), Some("029-88886666"));
    }

    #[test]
    fn the_written_sheet_shows_wan_numbers_continuous_numbering_and_sums() {
        use calamine::{Data, Reader, Xlsx};
        let sheet = Attachment1 {
            year: 2020,
            filled_unit: "甲".to_owned(),
            parts: vec![
                Attachment1Part {
                    reporting_union: "甲".to_owned(),
                    rows: vec![row("一", 1, 12_345, 1_200, 123_456_789, 1, "")],
                },
                Attachment1Part {
                    reporting_union: "乙".to_owned(),
                    rows: vec![row("二", 2, 10_000, 1_000, 10_000_000, 3_000_000, "")],
                },
            ],
            ..Attachment1::default()
        };
        let bytes = report_xlsx(&sheet).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range(SHEET_NAME).unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(
            cell(1, 0),
            Data::String("2020年度全省工会消费扶贫情况统计表".to_owned())
        );
        assert_eq!(cell(3, 3), Data::String("职工数（万）".to_owned()));
        assert_eq!(cell(4, 3), Data::Float(1.2345));
        assert_eq!(cell(4, 5), Data::Float(12_345.678_9));
        assert_eq!(cell(5, 1), Data::String("甲小计".to_owned()));
        assert_eq!(cell(6, 0), Data::Float(2.0), "序号 runs on across parts");
        assert_eq!(cell(8, 1), Data::String("合计".to_owned()));
        assert_eq!(cell(8, 3), Data::Float(2.2345));
        assert_eq!(cell(8, 4), Data::Empty, "no standard in the 合计 row");
    }

    /// The seed's own layout: headings broken over lines, 万 and 万元, the lines around the table.
    fn seed_sheet() -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "附件1").unwrap();
        ws.merge_range(1, 0, 1, 7, "2020年度全省工会消费扶贫情况统计表", &Format::new())
            .unwrap();
        ws.write_string(2, 0, "填报单位（盖章）：XX市总工会").unwrap();
        let headings = [
            "序号",
            "工会名称",
            "基层工会\n数量",
            "职工数\n（万）",
            "年度个人发放\n节日慰问品标\n准（元）",
            "年度工会发放\n慰问品总额\n（万元）",
            "计划消费扶贫\n金额（万元）",
            "备注",
        ];
        for (col, h) in headings.iter().enumerate() {
            ws.write_string(3, col as u16, *h).unwrap();
        }
        ws.write_number(4, 0, 1).unwrap();
        ws.write_string(4, 1, "XX区总工会").unwrap();
        ws.write_number(4, 2, 35).unwrap();
        ws.write_number(4, 3, 1.5).unwrap();
        ws.write_number(4, 4, 1200).unwrap();
        ws.write_number(4, 5, 1800).unwrap();
        ws.write_number(4, 6, 540.0001).unwrap();
        ws.write_number(5, 0, 2).unwrap();
        ws.write_string(5, 1, "XX县总工会").unwrap();
        ws.write_string(5, 2, "12个").unwrap();
        ws.write_string(5, 3, "0.0321").unwrap();
        ws.write_string(5, 4, "800元").unwrap();
        ws.write_string(5, 5, "1,234.5").unwrap();
        ws.write_number(5, 6, 0.1 + 0.2).unwrap();
        ws.write_string(5, 7, "含乡镇").unwrap();
        ws.write_string(6, 0, "合计").unwrap();
        ws.write_formula(6, 3, "=SUM(D5:D6)").unwrap();
        ws.write_string(8, 0, "填报人：").unwrap();
        ws.write_string(8, 1, "张三").unwrap();
        ws.write_string(8, 4, "联系电话：").unwrap();
        ws.write_number(8, 5, 13_800_000_000.0).unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn the_seed_layout_reads_with_its_units_converted() {
        let parsed = parse_report_sheet(&seed_sheet(), "附件1.xlsx").unwrap();
        assert_eq!(
            parsed.rows,
            [
                (5, row("XX区总工会", 35, 15_000, 1_200, 18_000_000, 5_400_001, "")),
                (6, row("XX县总工会", 12, 321, 800, 12_345_000, 3_000, "含乡镇")),
            ]
        );
        assert_eq!(parsed.filled_unit.as_deref(), Some("XX市总工会"));
        assert_eq!(parsed.filled_by.as_deref(), Some("张三"));
        assert_eq!(parsed.contact_phone.as_deref(), Some("13800000000"));
        assert_eq!(parsed.warnings, ["第 7 行是合计或小计行，已跳过"]);
    }

    #[test]
    fn headings_in_people_and_yuan_read_whole_numbers_as_they_are() {
        let parsed = csv("填报单位：甲市总工会\n\
             序号,单位名称,基层工会数,职工人数（人）,人均标准,慰问品总额（元）,消费扶贫金额(元),说明,联系人\n\
             1,甲工会,3,\"12,345\",1200,\"14,814,000\",4444200,,王\n\
             2,乙工会,1,7人,500元,3500,1050,,\n\
             3,,,,,,,,\n\
             填报人：张三,,,联系电话：029-1234567\n")
        .unwrap();
        assert_eq!(
            rows_of(&parsed),
            [
                row("甲工会", 3, 12_345, 1_200, 14_814_000, 4_444_200, ""),
                row("乙工会", 1, 7, 500, 3_500, 1_050, ""),
            ]
        );
        assert_eq!(parsed.filled_unit.as_deref(), Some("甲市总工会"));
        assert_eq!(parsed.filled_by.as_deref(), Some("张三"));
        assert_eq!(parsed.contact_phone.as_deref(), Some("029-1234567"));
        assert_eq!(parsed.warnings, ["“联系人”列不是附件1的列，已忽略"]);
    }

    #[test]
    fn every_bad_cell_is_named_and_nothing_is_returned() {
        let result = csv(
            "工会名称,基层工会数量,职工数（万）,年度个人发放节日慰问品标准（元）,年度工会发放慰问品总额（万元）,计划消费扶贫金额（万元）,备注\n\
             甲工会,很多,1.5,1200,1800,540,\n\
             乙工会,2,1.23456,1200,1800,540,\n\
             丙工会,2,,1200,1.5,0.5,\n\
             ,2,1,1200,1200,360,\n\
             丁工会,2.5,1,12.5,abc,360,\n",
        );
        let Err(SheetError::Invalid(errors)) = result else {
            panic!("the sheet must be refused: {result:?}");
        };
        let found: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, "基层工会数量"),
                (3, "职工数（万）"),
                (4, "职工数（万）"),
                (5, "工会名称"),
                (6, "基层工会数量"),
                (6, "年度个人发放节日慰问品标准（元）"),
                (6, "年度工会发放慰问品总额（万元）"),
            ]
        );
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(messages[0].contains("应为整数"), "{messages:?}");
        assert!(messages[1].contains("小数超过 4 位"), "{messages:?}");
        assert!(messages[2].contains("请填写（没有就填 0）"), "{messages:?}");
        assert!(messages[3].contains("请填写工会名称"), "{messages:?}");
        assert!(messages[6].contains("不是数字"), "{messages:?}");
        assert_eq!(errors[1].value, "1.23456");
    }

    #[test]
    fn a_missing_column_is_named() {
        let e = csv("工会名称,基层工会数量,职工数（万）,年度个人发放节日慰问品标准（元）,年度工会发放慰问品总额（万元）\n甲,1,1,1,1\n")
            .unwrap_err();
        let SheetError::MissingColumns { missing, found } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(missing, &["计划消费扶贫金额（万元）"]);
        assert_eq!(found.len(), 5);
        assert!(e.to_string().contains("计划消费扶贫金额"), "{e}");
    }

    #[test]
    fn a_sheet_without_the_forms_header_names_the_columns_it_needs() {
        let e = csv("名单\n甲,乙\n").unwrap_err();
        let SheetError::MissingColumns { missing, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(missing.len(), REQUIRED.len());
    }

    #[test]
    fn a_header_without_rows_and_too_many_rows_are_refused() {
        let header = "工会名称,基层工会数量,职工数,人均标准,慰问品总额,消费扶贫金额\n";
        assert!(matches!(
            csv(&format!("{header}合计,0,0,,0,0\n")),
            Err(SheetError::NoRows { header_row: 1 })
        ));
        let mut many = header.to_owned();
        for i in 0..=MAX_REPORT_ROWS {
            many.push_str(&format!("工会{i},1,1,1,1,1\n"));
        }
        assert!(matches!(csv(&many), Err(SheetError::TooManyRows { rows: 5_001, .. })));
    }

    #[test]
    fn notes_and_form_lines_are_told_from_union_names() {
        assert!(is_note("注:1.本表"));
        assert!(is_note("说明"));
        assert!(!is_note("注册会计师协会工会"));
        assert_eq!(
            form_label("填报单位（盖章）：XX市总工会"),
            Some((FormField::Unit, "XX市总工会".to_owned()))
        );
        assert_eq!(form_label("联系电话"), Some((FormField::Phone, String::new())));
        assert_eq!(form_label("单位：万元"), None);
        assert_eq!(form_label("电力公司工会"), None);
    }

    #[test]
    fn numbers_in_wan_are_exact_to_the_unit() {
        assert_eq!(number_figure(1.2345, true), Ok(12_345));
        assert_eq!(number_figure(12_345.678_9, true), Ok(123_456_789));
        assert_eq!(number_figure(1_799.999_999_999_999_8, false), Ok(1_800));
        assert!(number_figure(1.5, false).is_err());
        assert_eq!(figure(&Cell::Text("1.5万人".to_owned()), true, "人"), Ok(15_000));
        assert_eq!(figure(&Cell::Text("3万元".to_owned()), false, "元"), Ok(30_000));
        assert_eq!(figure(&Cell::Text("-2".to_owned()), true, "元"), Ok(-20_000));
    }
}
