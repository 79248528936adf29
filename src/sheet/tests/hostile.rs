//! Files built to exhaust the server, made here byte by byte, each refused with one message that
//! says what is wrong and where; and ordinary files, read exactly as before the bounds.

use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rstest::rstest;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::super::limits::{MAX_CELL_CHARS, MAX_ZIP_ENTRIES};
use super::super::read::{Cell, read_grid};
use super::super::sample::sample_nominations_xlsx;
use super::super::{MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, SheetError};
use super::fixture;

const SHEET: &str = "xl/worksheets/sheet1.xml";

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true)
}

/// An ordinary workbook with some of its parts replaced and others added.
fn rewrite_xlsx(base: &[u8], replace: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(base)).unwrap();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let mut written = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if let Some((_, new)) = replace.iter().find(|(n, _)| *n == name) {
            data = new.clone();
        }
        out.start_file(name.as_str(), deflated()).unwrap();
        out.write_all(&data).unwrap();
        written.push(name);
    }
    for (name, data) in replace.iter().filter(|(n, _)| !written.iter().any(|w| w == n)) {
        out.start_file(*name, deflated()).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn base_xlsx() -> Vec<u8> {
    sample_nominations_xlsx(3)
}

fn sheet_xml(dimension: &str, rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn xlsx_with_sheet(xml: Vec<u8>) -> Vec<u8> {
    rewrite_xlsx(&base_xlsx(), &[(SHEET, xml)])
}

/// Reads with a deadline: every refusal must come quickly, not after the damage is done.
fn refused(bytes: &[u8], filename: &str) -> SheetError {
    let started = Instant::now();
    let err = read_grid(bytes, filename).expect_err("hostile file must be refused");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?} to refuse",
        started.elapsed()
    );
    err
}

fn oversized_reason(err: SheetError) -> String {
    match err {
        SheetError::Oversized { reason, .. } => reason,
        other => panic!("expected Oversized, got {other:?}"),
    }
}

#[rstest]
#[case::far_corner("XFD1048576", 1_048_576, "XFD")]
#[case::last_row("A1048576", 1_048_576, "A")]
#[case::first_row_past_the_form("B21001", 21_001, "B")]
#[case::first_column_past_the_form("BM1", 1, "BM")]
fn a_cell_outside_the_form_is_refused_with_its_place(#[case] far: &str, #[case] row: u64, #[case] column: &str) {
    let rows = format!(
        r#"<row r="1">{}</row><row r="{row}">{}</row>"#,
        inline("A1", "序号"),
        inline(far, "x")
    );
    let err = refused(&xlsx_with_sheet(sheet_xml("A1:XFD1048576", &rows)), "corner.xlsx");
    assert_eq!(
        err,
        SheetError::CellOutsideForm {
            row,
            column: column.to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "第 {row} 行第 {column} 列有内容：表格最多 {MAX_SHEET_ROWS} 行、{MAX_SHEET_COLUMNS} 列，请删除多余的行列后再上传"
        )
    );
}

#[test]
fn blank_cells_outside_the_form_are_ignored() {
    let rows = format!(
        r#"<row r="1">{}</row><row r="1048576">{}<c r="B1048576" s="0"></c></row>"#,
        inline("A1", "序号"),
        inline("A1048576", "   ")
    );
    let grid = read_grid(&xlsx_with_sheet(sheet_xml("A1:XFD1048576", &rows)), "x.xlsx").unwrap();
    assert_eq!(grid.rows, vec![vec![Cell::Text("序号".into())]]);
}

#[test]
fn a_declared_dimension_of_the_whole_sheet_changes_nothing() {
    let base = base_xlsx();
    let mut sheet = String::new();
    ZipArchive::new(Cursor::new(base.as_slice()))
        .unwrap()
        .by_name(SHEET)
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    let start = sheet
        .find("<dimension ref=\"")
        .expect("rust_xlsxwriter writes a dimension");
    let end = start + sheet[start..].find("/>").unwrap() + 2;
    sheet.replace_range(start..end, r#"<dimension ref="A1:XFD1048576"/>"#);
    let lying = rewrite_xlsx(&base, &[(SHEET, sheet.into_bytes())]);
    let (a, b) = (
        read_grid(&base, "a.xlsx").unwrap(),
        read_grid(&lying, "b.xlsx").unwrap(),
    );
    assert_eq!((a.first_row, a.rows), (b.first_row, b.rows));
}

#[test]
fn whitespace_inflating_past_the_part_limit_is_refused_before_reading() {
    // 60 MB of spaces deflate to about 60 KB.
    let mut xml = sheet_xml("A1", &inline("A1", "序号"));
    let at = xml.len() - "</sheetData></worksheet>".len();
    xml.splice(at..at, std::iter::repeat_n(b' ', 60 * 1024 * 1024));
    let file = xlsx_with_sheet(xml);
    assert!(file.len() < 1024 * 1024, "{} bytes", file.len());
    let reason = oversized_reason(refused(&file, "spaces.xlsx"));
    assert!(reason.contains(SHEET), "{reason}");
}

#[test]
fn a_part_compressed_absurdly_well_is_refused() {
    let mut xml = sheet_xml("A1", &inline("A1", "序号"));
    let at = xml.len() - "</sheetData></worksheet>".len();
    xml.splice(at..at, std::iter::repeat_n(b' ', 8 * 1024 * 1024));
    let reason = oversized_reason(refused(&xlsx_with_sheet(xml), "ratio.xlsx"));
    assert!(reason.contains("压缩炸弹") && reason.contains(SHEET), "{reason}");
}

#[test]
fn thousands_of_parts_are_refused() {
    let extra: Vec<(String, Vec<u8>)> = (0..MAX_ZIP_ENTRIES)
        .map(|i| (format!("xl/media/p{i}.bin"), vec![0u8; 8]))
        .collect();
    let extra: Vec<(&str, Vec<u8>)> = extra.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let reason = oversized_reason(refused(&rewrite_xlsx(&base_xlsx(), &extra), "parts.xlsx"));
    assert!(reason.contains("个部件"), "{reason}");
}

#[test]
fn a_shared_string_count_of_billions_is_refused_before_calamine_reserves_it() {
    let sst = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>"#;
    let file = rewrite_xlsx(&base_xlsx(), &[("xl/sharedStrings.xml", sst.to_vec())]);
    let reason = oversized_reason(refused(&file, "sst.xlsx"));
    assert!(reason.contains("4000000000"), "{reason}");
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused_with_its_place() {
    let long = "长".repeat(MAX_CELL_CHARS + 1);
    let rows = format!(r#"<row r="3">{}</row>"#, inline("C3", &long));
    let reason = oversized_reason(refused(&xlsx_with_sheet(sheet_xml("C3", &rows)), "long.xlsx"));
    assert!(reason.contains("第 3 行第 C 列"), "{reason}");
}

#[test]
fn one_long_shared_string_in_many_cells_is_refused_before_it_is_copied_into_each() {
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{}</t></si></sst>"#,
        "x".repeat(30_000)
    );
    let rows: String = (1..=1_200)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let file = rewrite_xlsx(
        &base_xlsx(),
        &[
            ("xl/sharedStrings.xml", sst.into_bytes()),
            (SHEET, sheet_xml("A1", &rows)),
        ],
    );
    let reason = oversized_reason(refused(&file, "copies.xlsx"));
    assert!(reason.contains("文字已超过"), "{reason}");
}

#[test]
fn an_ods_row_repeated_a_million_times_is_refused() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    out.start_file(
        "mimetype",
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
    )
    .unwrap();
    out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    out.start_file("content.xml", deflated()).unwrap();
    out.write_all(content.as_bytes()).unwrap();
    let file = out.finish().unwrap().into_inner();
    assert_eq!(
        refused(&file, "repeat.ods"),
        SheetError::CellOutsideForm {
            row: 1,
            column: "BM".to_owned()
        }
    );
}

/// Patches the first record of `typ` in LibreOffice's .xls (its workbook stream is stored
/// contiguously) with `patch` at `offset` into the record's data.
fn patched_xls(typ: u16, len: u16, offset: usize, patch: &[u8]) -> Vec<u8> {
    let mut xls = fixture("nominations_libreoffice.xls");
    let mut header = typ.to_le_bytes().to_vec();
    header.extend(len.to_le_bytes());
    let at = xls
        .windows(4)
        .position(|w| w == header.as_slice())
        .expect("record present");
    xls[at + 4 + offset..at + 4 + offset + patch.len()].copy_from_slice(patch);
    xls
}

#[test]
fn an_xls_declaring_its_last_row_far_down_is_refused() {
    // DIMENSIONS (BIFF8): first row u32, last row + 1 u32, first col u16, last col + 1 u16.
    let file = patched_xls(0x0200, 14, 4, &65_536u32.to_le_bytes());
    assert!(matches!(
        refused(&file, "dims.xls"),
        SheetError::CellOutsideForm { row: 65_536, .. }
    ));
}

#[test]
fn an_xls_cell_far_down_is_refused() {
    // LabelSst: row u16, col u16, xf u16, string index u32.
    let file = patched_xls(0x00FD, 10, 0, &60_000u16.to_le_bytes());
    assert!(matches!(
        refused(&file, "cell.xls"),
        SheetError::CellOutsideForm { row: 60_001, .. }
    ));
}

#[rstest]
#[case::far_row(format!("序号,贫困县\n{}x\n", "\n".repeat(MAX_SHEET_ROWS)), MAX_SHEET_ROWS as u64 + 2, "A")]
#[case::far_column(format!("序号{}x\n", ",".repeat(MAX_SHEET_COLUMNS)), 1, "BM")]
fn csv_text_outside_the_form_is_refused(#[case] csv: String, #[case] row: u64, #[case] column: &str) {
    assert_eq!(
        refused(csv.as_bytes(), "far.csv"),
        SheetError::CellOutsideForm {
            row,
            column: column.to_owned()
        }
    );
}

#[test]
fn a_csv_line_of_millions_of_commas_is_cut_to_the_form_before_parsing() {
    let csv = format!("序号,贫困县{}\n1,紫阳县\n", ",".repeat(3_000_000));
    let grid = read_grid(csv.as_bytes(), "commas.csv").unwrap();
    assert_eq!(grid.rows[0].len(), MAX_SHEET_COLUMNS);
    assert_eq!(grid.rows[1], vec![Cell::Text("1".into()), Cell::Text("紫阳县".into())]);
    let far = format!("序号{}\"x\"\n", ",".repeat(100_000));
    assert_eq!(
        refused(far.as_bytes(), "far.csv"),
        SheetError::CellOutsideForm {
            row: 1,
            column: super::super::limits::column_letters(100_000)
        }
    );
}

#[test]
fn csv_blank_lines_and_fields_past_the_form_are_dropped() {
    let csv = format!("序号,贫困县{}\n{}", ",".repeat(500), ",,,\n".repeat(100_000));
    let grid = read_grid(csv.as_bytes(), "blank.csv").unwrap();
    assert_eq!(grid.rows.len(), MAX_SHEET_ROWS);
    assert_eq!(grid.rows[0].len(), MAX_SHEET_COLUMNS);
}

/// The grid calamine's whole used range gave, as read before the bounds.
fn grid_through_calamine_range(bytes: &[u8]) -> (u32, Vec<Vec<Cell>>) {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        let blank = |d: &Data| matches!(d, Data::Empty) || matches!(d, Data::String(s) if s.trim().is_empty());
        if range.used_cells().all(|(_, _, d)| blank(d)) {
            continue;
        }
        let first_row = range.start().map_or(1, |(row, _)| row + 1);
        let rows = range
            .rows()
            .map(|row| {
                row.iter()
                    .map(|d| match d {
                        Data::Empty => Cell::Empty,
                        Data::String(s) => Cell::Text(s.clone()),
                        Data::Float(f) => Cell::Number(*f),
                        Data::Int(i) => Cell::Number(*i as f64),
                        other => Cell::Text(other.to_string()),
                    })
                    .collect()
            })
            .collect();
        return (first_row, rows);
    }
    (1, Vec::new())
}

#[rstest]
#[case("nominations_rust_xlsxwriter.xlsx")]
#[case("nominations_libreoffice.xlsx")]
#[case("nominations_one_county_libreoffice.xlsx")]
#[case("nomination_template_resaved_libreoffice.xlsx")]
#[case("nominations_seed_headers.xlsx")]
#[case("nominations_eight_columns.xlsx")]
fn ordinary_xlsx_reads_as_calamines_used_range_did(#[case] name: &str) {
    let bytes = fixture(name);
    let grid = read_grid(&bytes, name).unwrap();
    assert_eq!((grid.first_row, grid.rows), grid_through_calamine_range(&bytes));
}
