//! A sheet of grassroots unions (基层工会) as a city union keeps it: name, county, members,
//! contact and the annual festival-gift standard. Read as tolerantly as the nomination form and
//! all-or-nothing: every problem by row and column, or every row.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::columns::normalise_header;
use super::read::{Cell, read_grid};
use super::{CellError, MAX_UPLOAD_BYTES, SheetError, values};
use crate::domain::{CountyCode, Fen, PhoneNumber};

/// One grassroots union as read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionInput {
    pub name: String,
    pub county: CountyCode,
    pub members: u32,
    pub contact_name: Option<String>,
    pub contact_phone: Option<PhoneNumber>,
    /// 年度个人发放节日慰问品标准
    pub festival_standard: Option<Fen>,
}

/// A sheet that passed every check: each row with its 1-based row number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUnions {
    pub rows: Vec<(u32, UnionInput)>,
    pub warnings: Vec<String>,
}

/// More unions than this in one sheet are refused: a city has a few thousand.
pub const MAX_UNION_ROWS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    County,
    Members,
    Contact,
    Phone,
    Standard,
}

/// The headers the template writes, in order.
const TEMPLATE: [(&str, f64); 6] = [
    ("基层工会名称", 30.0),
    ("所在县区", 14.0),
    ("职工数", 10.0),
    ("联系人", 12.0),
    ("联系电话", 16.0),
    ("年度个人发放节日慰问品标准（元）", 20.0),
];

fn field_of(header: &str) -> Option<Field> {
    let h = normalise_header(header);
    let h = h.split('(').next().unwrap_or(&h);
    Some(match h {
        "基层工会名称" | "工会名称" | "基层工会" | "单位名称" | "名称" => Field::Name,
        "所在县区" | "县区" | "县(区)" | "所在县(区)" | "县" | "区县" => Field::County,
        "职工数" | "职工人数" | "会员数" | "会员人数" | "人数" => Field::Members,
        "联系人" => Field::Contact,
        "联系电话" | "联系方式" | "电话" | "手机" => Field::Phone,
        "年度个人发放节日慰问品标准" | "节日慰问品标准" | "慰问品标准" | "人均标准" | "年度个人节日慰问品标准" => {
            Field::Standard
        }
        _ => return None,
    })
}

fn title_of(field: Field) -> &'static str {
    TEMPLATE[field as usize].0
}

/// Reads a sheet of grassroots unions. `may_place` says whether the uploader may register a union
/// in a county (a city union only in its own counties); a row outside is an error of its row.
pub fn parse_union_sheet(
    bytes: &[u8],
    filename: &str,
    may_place: impl Fn(&CountyCode) -> bool,
) -> Result<ParsedUnions, SheetError> {
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
    let searched = grid.rows.len().min(20);
    let header_index = (0..searched)
        .find(|&i| {
            let fields: Vec<Field> = grid.rows[i].iter().filter_map(|c| field_of(&c.display())).collect();
            fields.contains(&Field::Name) && fields.contains(&Field::County)
        })
        .ok_or(SheetError::NoHeader { searched_rows: 20 })?;
    let mut columns: Vec<(usize, Field, String)> = Vec::new();
    let mut warnings = grid.warnings.clone();
    for (index, cell) in grid.rows[header_index].iter().enumerate() {
        let title: String = cell.display().chars().filter(|c| !c.is_whitespace()).collect();
        if title.is_empty() {
            continue;
        }
        match field_of(&title) {
            Some(f) if columns.iter().any(|(_, g, _)| *g == f) => {
                warnings.push(format!("“{title}”列重复，只读取了前面一列"));
            }
            Some(f) => columns.push((index, f, title)),
            None => warnings.push(format!("“{title}”列不是基层工会名单的列，已忽略")),
        }
    }
    let missing: Vec<String> = [Field::Name, Field::County, Field::Members]
        .into_iter()
        .filter(|f| !columns.iter().any(|(_, g, _)| g == f))
        .map(|f| title_of(f).to_owned())
        .collect();
    if !missing.is_empty() {
        let found = columns.iter().map(|(_, _, t)| t.clone()).collect();
        return Err(SheetError::MissingColumns { missing, found });
    }
    let body = &grid.rows[header_index + 1..];
    let data_rows = body.iter().filter(|r| !r.iter().all(Cell::is_empty)).count();
    if data_rows > MAX_UNION_ROWS {
        return Err(SheetError::TooManyRows {
            rows: data_rows,
            limit: MAX_UNION_ROWS,
        });
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (offset, cells) in body.iter().enumerate() {
        let sheet_row = grid.sheet_row(header_index + 1 + offset);
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        let first = cells
            .iter()
            .find(|c| !c.is_empty())
            .map(Cell::display)
            .unwrap_or_default();
        if first.starts_with("合计") || first.starts_with("说明") || first.starts_with("注") {
            warnings.push(format!("第 {sheet_row} 行是合计或说明，已跳过"));
            continue;
        }
        let name_column = columns.iter().find(|(_, f, _)| *f == Field::Name);
        if let Some((index, _, title)) = name_column {
            let name = cells.get(*index).map(Cell::display).unwrap_or_default();
            if !name.is_empty()
                && let Some(earlier) = seen.insert(name.clone(), sheet_row)
            {
                errors.push(CellError {
                    row: sheet_row,
                    column: title.clone(),
                    value: name,
                    message: format!("与第 {earlier} 行重复：同一个基层工会只能出现一次"),
                });
            }
        }
        match read_row(&columns, cells, sheet_row) {
            Ok(input) if !may_place(&input.county) => errors.push(CellError {
                row: sheet_row,
                column: field_title(&columns, Field::County),
                value: input.county.county().name.to_owned(),
                message: "不在本单位所辖范围内，只能登记所辖县区的基层工会".to_owned(),
            }),
            Ok(input) => rows.push((sheet_row, input)),
            Err(row_errors) => errors.extend(row_errors),
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
    Ok(ParsedUnions { rows, warnings })
}

fn field_title(columns: &[(usize, Field, String)], field: Field) -> String {
    columns
        .iter()
        .find(|(_, f, _)| *f == field)
        .map_or_else(|| title_of(field).to_owned(), |(_, _, t)| t.clone())
}

fn read_row(columns: &[(usize, Field, String)], cells: &[Cell], row: u32) -> Result<UnionInput, Vec<CellError>> {
    let mut errors = Vec::new();
    let mut name = None;
    let mut county = None;
    let mut members = None;
    let mut contact_name = None;
    let mut contact_phone = None;
    let mut festival_standard = None;
    for (index, field, title) in columns {
        let cell = cells.get(*index).unwrap_or(&Cell::Empty);
        let mut fail = |message: String| {
            errors.push(CellError {
                row,
                column: title.clone(),
                value: cell.display(),
                message,
            })
        };
        let empty = || format!("不能为空：每一行都要填写“{title}”");
        match field {
            Field::Name => match values::text(cell).and_then(|v| v.ok_or_else(empty)) {
                Ok(v) => name = Some(v),
                Err(m) => fail(m),
            },
            Field::County => match values::county(cell).and_then(|v| v.ok_or_else(empty)) {
                Ok(v) => county = Some(v),
                Err(m) => fail(m),
            },
            Field::Members => match values::people(cell) {
                Ok(Some(0)) => fail("职工数应大于 0".to_owned()),
                Ok(Some(n)) => members = Some(n),
                Ok(None) => fail(empty()),
                Err(_) => fail(format!("职工数“{}”应为整数人数，如 137", cell.display())),
            },
            Field::Contact => match values::text(cell) {
                Ok(v) => contact_name = v,
                Err(m) => fail(m),
            },
            Field::Phone => match values::phone(cell) {
                Ok(v) => contact_phone = v,
                Err(m) => fail(m),
            },
            Field::Standard => match values::unit_price(cell) {
                Ok(v) => festival_standard = v,
                Err(m) => fail(m),
            },
        }
    }
    match (name, county, members) {
        (Some(name), Some(county), Some(members)) if errors.is_empty() => Ok(UnionInput {
            name,
            county,
            members,
            contact_name,
            contact_phone,
            festival_standard,
        }),
        _ => Err(errors),
    }
}

/// The blank sheet to fill in, with one example row.
pub fn union_template_xlsx() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("基层工会名单")?;
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin).set_num_format("@");
    for (col, (name, width)) in TEMPLATE.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(0, col as u16, *name, &header)?;
    }
    let example = [
        "某某公司工会（示例，请删除）",
        "紫阳县",
        "137",
        "王示例",
        "13800000001",
        "500",
    ];
    for (col, value) in example.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *value, &text)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<ParsedUnions, SheetError> {
        parse_union_sheet(text.as_bytes(), "unions.csv", |_| true)
    }

    #[test]
    fn a_city_unions_own_sheet_reads_with_its_own_headers() {
        let parsed = csv(
            "安康市基层工会名单\n工会名称,县（区）,职工人数,联系人,联系方式,节日慰问品标准（元）\n\
             安康市示例电力公司工会,紫阳县,137,王示例,13800000001,500\n\
             安康市示例中学工会,610902,48人,,,\n",
        )
        .unwrap();
        assert_eq!(parsed.rows.len(), 2);
        let (row, first) = &parsed.rows[0];
        assert_eq!(*row, 3);
        assert_eq!(first.county.as_str(), "610924");
        assert_eq!(first.members, 137);
        assert_eq!(first.festival_standard, Some(Fen(50_000)));
        assert_eq!(parsed.rows[1].1.members, 48);
    }

    #[test]
    fn every_problem_is_named_by_row_and_column_and_nothing_is_taken() {
        let Err(SheetError::Invalid(errors)) =
            csv("基层工会名称,所在县区,职工数\n甲工会,紫阳县,十个\n,不存在县,10\n甲工会,紫阳县,5\n")
        else {
            panic!("the sheet must be refused");
        };
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(lines.iter().any(|l| l.starts_with("第 2 行“职工数”列")), "{lines:?}");
        assert!(
            lines.iter().any(|l| l.starts_with("第 3 行“基层工会名称”列")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("第 3 行“所在县区”列")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("与第 2 行重复")), "{lines:?}");
    }

    #[test]
    fn a_sheet_without_the_members_column_says_what_is_missing() {
        let e = csv("基层工会名称,所在县区\n甲工会,紫阳县\n").unwrap_err();
        assert!(e.to_string().contains("职工数"), "{e}");
    }

    #[test]
    fn the_template_reads_back() {
        let bytes = union_template_xlsx().unwrap();
        let parsed = parse_union_sheet(&bytes, "template.xlsx", |_| true).unwrap();
        assert_eq!(parsed.rows[0].1.members, 137);
    }
}
