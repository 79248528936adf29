//! Turns uploaded bytes into a grid of cells, whatever program saved them: Excel or WPS (.xlsx,
//! .xls), LibreOffice (.xlsx, .ods) or a text export (CSV or tab-separated, UTF-8 or GBK).

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Range, Reader, Xls, Xlsx, XlsxCellReader, XlsxError, open_workbook_from_rs};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

use super::limits::{GridBuilder, Refusal};
use super::scan::{self, ScanError, ZipKind};
use super::{MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_UPLOAD_BYTES, SheetError};

/// One cell as read. Numbers stay numbers so each column can decide how to read them (a phone
/// number stored as 13800000000.0 is fine, a 带贫人数 of 12.5 is not).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A formula error such as #REF! or #N/A.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Number(_) | Cell::Error(_) => false,
        }
    }

    /// The cell as the user would read it, for messages and free-text columns.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) => number_text(*n),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A float as its shortest exact decimal: 120.0 → "120", 38.5 → "38.5". Rust never switches to
/// exponent notation here, so the digits can be parsed again.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The first non-empty worksheet, as rows of cells.
#[derive(Debug)]
pub struct Grid {
    pub rows: Vec<Vec<Cell>>,
    /// The 1-based sheet row number of `rows[0]` (a used range need not start at row 1).
    pub first_row: u32,
    pub warnings: Vec<String>,
}

impl Grid {
    pub fn sheet_row(&self, index: usize) -> u32 {
        self.first_row + index as u32
    }
}

enum Format {
    Zip,
    Ole,
    Text,
}

fn detect_format(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        Format::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Format::Ole
    } else {
        Format::Text
    }
}

/// Reads the first worksheet with content. Whatever the file holds, memory and time stay bounded:
/// see [`super::limits`]. Refusals name what is wrong and where.
pub fn read_grid(bytes: &[u8], filename: &str) -> Result<Grid, SheetError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(SheetError::TooLarge {
            size: bytes.len(),
            limit: MAX_UPLOAD_BYTES,
        });
    }
    let not_a_sheet = |reason: String| SheetError::NotASpreadsheet {
        filename: filename.to_owned(),
        reason,
    };
    let scan_error = |e: ScanError| match e {
        ScanError::Refused(r) => r.into_error(filename),
        ScanError::Unreadable(reason) => not_a_sheet(reason),
    };
    let read_error = |e: ReadError| match e {
        ReadError::Refused(r) => r.into_error(filename),
        ReadError::Unreadable(reason) => not_a_sheet(reason),
    };
    match detect_format(bytes) {
        Format::Zip => match scan::check_zip(bytes).map_err(scan_error)? {
            ZipKind::Xlsx => read_xlsx(bytes).map_err(read_error),
            ZipKind::Ods => read_workbook::<Ods<_>>(bytes).map_err(read_error),
            ZipKind::Other => Err(not_a_sheet(NOT_A_WORKBOOK.to_owned())),
        },
        Format::Ole => {
            scan::check_xls(bytes).map_err(scan_error)?;
            read_workbook::<Xls<_>>(bytes).map_err(|e| match e {
                ReadError::Unreadable(e) => {
                    not_a_sheet(format!("文件是旧版 Office 格式，但不是可读取的 Excel 工作簿（{e}）"))
                }
                refused => read_error(refused),
            })
        }
        Format::Text => read_text(bytes).map_err(read_error),
    }
}

const NOT_A_WORKBOOK: &str =
    "文件是 ZIP 压缩包，但里面没有 Excel 工作簿（可能是 Word 文档、普通压缩包或已损坏的 .xlsx）";

enum ReadError {
    Refused(Refusal),
    Unreadable(String),
}

impl From<Refusal> for ReadError {
    fn from(r: Refusal) -> Self {
        ReadError::Refused(r)
    }
}

/// The warning for content on sheets other than the one read.
fn other_sheets_warning(name: &str, others: &[String]) -> Vec<String> {
    if others.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "工作簿有多个有内容的工作表，只读取了第一个“{name}”，未读取：{}",
        others.iter().map(|n| format!("“{n}”")).collect::<Vec<_>>().join("、")
    )]
}

/// An .xlsx, one cell at a time from calamine's streaming reader: each cell is checked against
/// the form before it is stored, and the sheet's declared `<dimension>` is never used.
fn read_xlsx(bytes: &[u8]) -> Result<Grid, ReadError> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_: XlsxError| ReadError::Unreadable(NOT_A_WORKBOOK.to_owned()))?;
    let mut chosen: Option<(String, GridBuilder)> = None;
    let mut others = Vec::new();
    for name in workbook.sheet_names() {
        if chosen.is_none() {
            let mut grid = GridBuilder::default();
            read_xlsx_sheet(&mut workbook, &name, &mut grid)?;
            if grid.has_content() {
                chosen = Some((name, grid));
            }
        } else if xlsx_sheet_has_content(&mut workbook, &name)? {
            others.push(name);
        }
    }
    Ok(match chosen {
        Some((name, grid)) => grid.finish(other_sheets_warning(&name, &others)),
        // A workbook with no content reads as an empty sheet; the header search then says so.
        None => GridBuilder::default().finish(Vec::new()),
    })
}

fn xlsx_cells<'a, 'b>(
    workbook: &'a mut Xlsx<Cursor<&'b [u8]>>,
    name: &str,
) -> Result<Option<XlsxCellReader<'a, Cursor<&'b [u8]>>>, ReadError> {
    match workbook.worksheet_cells_reader(name) {
        Ok(cells) => Ok(Some(cells)),
        // A chart sheet has no cells.
        Err(XlsxError::NotAWorksheet(_)) => Ok(None),
        Err(e) => Err(ReadError::Unreadable(e.to_string())),
    }
}

fn read_xlsx_sheet(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str, grid: &mut GridBuilder) -> Result<(), ReadError> {
    let Some(mut cells) = xlsx_cells(workbook, name)? else {
        return Ok(());
    };
    while let Some(cell) = cells.next_cell().map_err(|e| ReadError::Unreadable(e.to_string()))? {
        let (row, col) = cell.get_position();
        let value = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => text_data(grid, row, col, s)?,
            DataRef::SharedString(s) => text_data(grid, row, col, s)?,
            other => Some(cell_from_data(&Data::from(other.clone()))),
        };
        if let Some(value) = value {
            grid.put(row, col, value)?;
        }
    }
    Ok(())
}

/// Text is checked before it is copied out of calamine's buffers.
fn text_data(grid: &mut GridBuilder, row: u32, col: u32, s: &str) -> Result<Option<Cell>, Refusal> {
    Ok(grid.admit_text(row, col, s)?.then(|| Cell::Text(s.to_owned())))
}

/// Another sheet is only looked at for whether it has content, to warn that it was not read.
fn xlsx_sheet_has_content(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<bool, ReadError> {
    let Some(mut cells) = xlsx_cells(workbook, name)? else {
        return Ok(false);
    };
    while let Some(cell) = cells.next_cell().map_err(|e| ReadError::Unreadable(e.to_string()))? {
        let blank = match cell.get_value() {
            DataRef::Empty => true,
            DataRef::String(s) => s.trim().is_empty(),
            DataRef::SharedString(s) => s.trim().is_empty(),
            _ => false,
        };
        if !blank {
            return Ok(true);
        }
    }
    Ok(false)
}

/// .ods and .xls, which calamine reads whole: [`scan`] has bounded what they can hold, and the
/// grid is built through the same checks as an .xlsx's.
fn read_workbook<'a, R>(bytes: &'a [u8]) -> Result<Grid, ReadError>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: std::fmt::Display,
{
    let mut workbook: R =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|e: R::Error| ReadError::Unreadable(e.to_string()))?;
    let mut chosen: Option<(String, GridBuilder)> = None;
    let mut others = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ReadError::Unreadable(e.to_string()))?;
        if range.used_cells().all(|(_, _, data)| is_blank(data)) {
            continue;
        }
        if chosen.is_none() {
            chosen = Some((name, grid_from_range(&range)?));
        } else {
            others.push(name);
        }
    }
    Ok(match chosen {
        Some((name, grid)) => grid.finish(other_sheets_warning(&name, &others)),
        None => GridBuilder::default().finish(Vec::new()),
    })
}

fn grid_from_range(range: &Range<Data>) -> Result<GridBuilder, Refusal> {
    let mut grid = GridBuilder::default();
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, c, data) in range.used_cells() {
        let (row, col) = (row0 + r as u32, col0 + c as u32);
        let cell = match data {
            Data::String(s) => match text_data(&mut grid, row, col, s)? {
                Some(cell) => cell,
                None => continue,
            },
            other => cell_from_data(other),
        };
        grid.put(row, col, cell)?;
    }
    Ok(grid)
}

fn is_blank(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Cell::Text(data.to_string()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// CSV or tab-separated text, in whichever encoding Excel, WPS or a text editor used.
/// Rows and columns are bounded as in a workbook: text past the form's last row or column is
/// refused, blank fields there dropped.
fn read_text(bytes: &[u8]) -> Result<Grid, ReadError> {
    if let Some(kind) = binary_kind(bytes) {
        return Err(ReadError::Unreadable(format!("文件内容是{kind}，不是表格")));
    }
    let text = decode_text(bytes).map_err(ReadError::Unreadable)?;
    let mut bounds = GridBuilder::default();
    let delimiter = sniff_delimiter(&text);
    let text = narrow_wide_records(&text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    // The csv reader drops blank lines, but Excel shows them as rows, so each record's row is
    // worked out from the line breaks before it, less those inside quoted fields (a cell with a
    // line break spans two lines but is one row).
    let mut scanned_to = 0;
    let mut line_breaks_before = 0;
    let mut breaks_inside_fields = 0;
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Unreadable(format!("CSV 格式有误（{e}）")))?;
        // The reported position is where the reader resumed, before the blank lines it skipped.
        let resumed_at = record.position().map_or(scanned_to, |p| p.byte() as usize);
        let start = resumed_at
            + text.as_bytes()[resumed_at..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        line_breaks_before += text.as_bytes()[scanned_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        scanned_to = start;
        let row_index = line_breaks_before - breaks_inside_fields;
        breaks_inside_fields += record.iter().map(|f| f.matches('\n').count()).sum::<usize>();
        let row = u32::try_from(row_index).unwrap_or(u32::MAX);
        let mut cells = Vec::new();
        for (col, field) in record.iter().enumerate() {
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            if bounds.admit_text(row, col, field)? {
                cells.push(text_cell(field));
            }
        }
        if cells.is_empty() && row_index >= MAX_SHEET_ROWS {
            continue;
        }
        rows.resize(row_index.max(rows.len()), Vec::new());
        rows.push(cells);
    }
    Ok(Grid {
        rows,
        first_row: 1,
        warnings: Vec::new(),
    })
}

/// The csv reader keeps the bounds of every field of a record: one line of nine million commas
/// would take hundreds of megabytes before the first field is checked. Fields past the form's
/// last column are cut here, before parsing, when they hold nothing but blanks and quotes; a
/// character of content there is refused with its row and column.
fn narrow_wide_records(text: &str, delimiter: u8) -> Result<std::borrow::Cow<'_, str>, Refusal> {
    let last = MAX_SHEET_COLUMNS as u64;
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut cut_from: Option<usize> = None;
    let (mut row, mut col, mut in_quotes) = (0u64, 0u64, false);
    let cut = |out: &mut Option<String>, copied_to: &mut usize, from: usize, to: usize| {
        let narrowed = out.get_or_insert_with(|| String::with_capacity(text.len()));
        narrowed.push_str(&text[*copied_to..from]);
        *copied_to = to;
    };
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if let Some(from) = cut_from.take() {
                    cut(&mut out, &mut copied_to, from, i);
                }
                row += 1;
                col = 0;
            }
            d if d == delimiter && !in_quotes => {
                col += 1;
                if col == last {
                    cut_from = Some(i);
                }
            }
            b if col >= last && !b.is_ascii_whitespace() => return Err(Refusal::Outside { row, col }),
            _ => {}
        }
    }
    if let Some(from) = cut_from {
        cut(&mut out, &mut copied_to, from, text.len());
    }
    Ok(match out {
        Some(mut narrowed) => {
            narrowed.push_str(&text[copied_to..]);
            std::borrow::Cow::Owned(narrowed)
        }
        None => std::borrow::Cow::Borrowed(text),
    })
}

fn text_cell(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}

/// Names files that are clearly not text, so the user learns what they actually uploaded.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 7] = [
        (b"\x89PNG", " PNG 图片"),
        (b"\xFF\xD8\xFF", " JPEG 图片"),
        (b"GIF8", " GIF 图片"),
        (b"%PDF", " PDF 文档"),
        (b"Rar!", " RAR 压缩包"),
        (b"7z\xBC\xAF", " 7z 压缩包"),
        (b"\x1F\x8B", " gzip 压缩包"),
    ];
    if let Some((_, kind)) = SIGNATURES.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(kind);
    }
    let is_utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    (!is_utf16 && bytes.contains(&0)).then_some("二进制数据")
}

/// UTF-8 is tried strictly first, since GBK would also "decode" most UTF-8 bytes into nonsense.
/// Excel's “Unicode 文本” export is UTF-16 with a byte-order mark.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok(UTF_16LE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Ok(UTF_16BE.decode_without_bom_handling(rest).0.into_owned());
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(without_bom) {
        return Ok(text.to_owned());
    }
    GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| "文本既不是 UTF-8 也不是 GBK/GB18030 编码".to_owned())
}

/// Tab when the first lines hold more tabs than commas (Excel's “文本文件（制表符分隔）”),
/// otherwise comma. Full-width commas in Chinese text are a different character and do not count.
fn sniff_delimiter(text: &str) -> u8 {
    let head = text.lines().take(30);
    let (tabs, commas) = head.fold((0, 0), |(t, c), line| {
        (t + line.matches('\t').count(), c + line.matches(',').count())
    });
    if tabs > commas { b'\t' } else { b',' }
}

/// Reads the values of a form line such as 填报人：… 联系电话：…: each value follows its label's
/// colon in the same cell, or stands in the next non-empty cell; one row may hold several labels.
/// `label` recognises a label cell (with the value after its colon, maybe empty); `keep` takes
/// each value found.
pub fn form_line_values<F: Copy>(
    cells: &[Cell],
    label: impl Fn(&str) -> Option<(F, String)>,
    mut keep: impl FnMut(F, String),
) {
    let mut pending: Option<F> = None;
    for cell in cells.iter().filter(|c| !c.is_empty()) {
        let text = cell.display();
        if let Some((field, value)) = label(&text) {
            pending = None;
            if value.is_empty() {
                pending = Some(field);
            } else {
                keep(field, value);
            }
        } else if let Some(field) = pending.take() {
            keep(field, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(120.0, "120")]
    #[case(13_800_000_001.0, "13800000001")]
    #[case(2_012_345_678_905.0, "2012345678905")]
    #[case(38.5, "38.5")]
    #[case(0.1, "0.1")]
    fn numbers_read_back_as_their_digits(#[case] n: f64, #[case] text: &str) {
        assert_eq!(number_text(n), text);
    }

    #[test]
    fn gbk_text_is_decoded_when_it_is_not_utf8() {
        let (gbk, _, _) = GB18030.encode("序号,贫困县\n1,紫阳县\n");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode_text(&gbk).unwrap(), "序号,贫困县\n1,紫阳县\n");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        assert_eq!(decode_text("\u{FEFF}序号".as_bytes()).unwrap(), "序号");
    }

    #[test]
    fn utf16_text_export_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("序号\t贫困县".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&bytes).unwrap(), "序号\t贫困县");
    }

    #[rstest]
    #[case("序号\t贫困县\t商品名称\n1\t紫阳县\t富硒茶，特级\n", b'\t')]
    #[case("序号,贫困县,商品名称\n1,紫阳县,\"富硒茶\t特级\"\n", b',')]
    #[case("只有一列\n", b',')]
    fn delimiter_is_sniffed(#[case] text: &str, #[case] expected: u8) {
        assert_eq!(sniff_delimiter(text), expected);
    }
}
