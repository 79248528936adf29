//! The module's behaviour on real files: every fixture in tests/fixtures (made by LibreOffice,
//! iconv, rust_xlsxwriter and Python; see make_fixtures.sh) and every reading rule.

mod hostile;
mod make_fixtures;

use std::fs;
use std::time::Instant;

use rstest::rstest;
use rust_xlsxwriter::Workbook;

use super::sample::{sample_nominations, sample_nominations_xlsx};
use super::*;
use crate::domain::{Category, Fen, PovertyRegionKind, Quantity};
use make_fixtures::{V, credit_code, fixture_dir, gtin, xlsx_with_rows};

fn fixture(name: &str) -> Vec<u8> {
    fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn parse_fixture(name: &str) -> Result<ParsedSheet, SheetError> {
    parse_nomination_sheet(&fixture(name), name)
}

fn parse_ok(name: &str) -> ParsedSheet {
    parse_fixture(name).unwrap_or_else(|e| panic!("{name} should parse:\n{e}"))
}

fn parse_csv(text: &str) -> Result<ParsedSheet, SheetError> {
    parse_nomination_sheet(text.as_bytes(), "upload.csv")
}

fn cell_errors(result: Result<ParsedSheet, SheetError>) -> Vec<CellError> {
    match result {
        Err(SheetError::Invalid(errors)) => errors,
        other => panic!("expected SheetError::Invalid, got {other:?}"),
    }
}

fn q(milli: i64, unit: &str) -> Option<Quantity> {
    Some(Quantity {
        milli,
        unit: unit.to_owned(),
    })
}

const EIGHT: &str = "序号,贫困县,供应商/销售商,商品名称,扶贫产品产量,带贫人数,供应商/销售商联系人,联系方式";

// ---------------------------------------------------------------------------------------------
// Fixtures made by other programs
// ---------------------------------------------------------------------------------------------

#[test]
fn rust_xlsxwriter_export_reads_back_as_the_rows_written() {
    let sheet = parse_ok("nominations_rust_xlsxwriter.xlsx");
    let rows: Vec<NominationInput> = sheet.rows.iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(rows, sample_nominations(6));
    let sheet_rows: Vec<u32> = sheet.rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(sheet_rows, [3, 4, 5, 6, 7, 8], "title on row 1, header on row 2");
    assert!(sheet.rows.iter().all(|(_, r)| r.missing_for_submission().is_empty()));
    assert!(sheet.warnings.is_empty(), "{:?}", sheet.warnings);
}

/// LibreOffice turned phones, barcodes, prices and one county code into numbers, as Excel does
/// with anything typed into a General cell.
#[rstest]
#[case("nominations_libreoffice.xlsx")]
#[case("nominations_libreoffice.xls")]
#[case("nominations_utf8.csv")]
fn libreoffice_and_its_csv_source_read_the_same(#[case] name: &str) {
    let sheet = parse_ok(name);
    assert_eq!(sheet.rows.len(), 4);
    let (row_no, first) = &sheet.rows[0];
    assert_eq!(*row_no, 4);
    assert_eq!(first.row_no, Some(1));
    assert_eq!(first.county.as_ref().unwrap().as_str(), "611026");
    assert_eq!(first.supplier_name, "柞水县示例秦岭木耳农业专业合作社");
    assert_eq!(first.annual_output, q(25_000_000, "公斤"));
    assert_eq!(first.poor_people_supported, Some(120));
    assert_eq!(first.contact_phone.as_ref().unwrap().as_str(), "13800000011");
    assert_eq!(
        first.credit_code.as_ref().unwrap().as_str(),
        credit_code("93", "611026", 11)
    );
    assert_eq!(first.unit_price, Some(Fen(6850)));
    assert_eq!(first.gtin.as_ref().unwrap().as_str(), gtin(11));
    assert_eq!(first.national_catalogue_no.as_deref(), Some("示例000011"));
    assert_eq!(first.poverty_region, Some(PovertyRegionKind::PovertyCounty));

    let second = &sheet.rows[1].1;
    assert_eq!(
        second.county.as_ref().unwrap().county().name,
        "柞水县",
        "county written as its code"
    );
    assert_eq!(second.annual_output, q(3_000_000, "箱"));
    assert_eq!(second.poor_people_supported, Some(85), "85人");
    assert_eq!(second.unit_price, Some(Fen(9800)));
    assert_eq!(sheet.rows[2].1.annual_output, q(50_000, "吨"));

    let fourth = &sheet.rows[3].1;
    assert_eq!(fourth.annual_output, q(12_000_000, "件"));
    assert_eq!(fourth.contact_phone.as_ref().unwrap().as_str(), "13800000014");
    assert_eq!(fourth.gtin, None);
    assert_eq!(fourth.poverty_region, Some(PovertyRegionKind::PovertyVillage));
    assert_eq!(fourth.poverty_region_note.as_deref(), Some("洛川县示例镇示例村"));
    assert_eq!(fourth.missing_for_submission(), ["全国扶贫产品目录认定编号"]);

    assert_eq!(
        sheet.form_meta,
        FormMeta {
            recommending_unit: Some("柞水县总工会".into()),
            filled_by: Some("赵示例".into()),
            contact: Some("13800000019".into()),
        }
    );
}

#[test]
fn xls_and_xlsx_from_libreoffice_give_identical_rows() {
    assert_eq!(
        parse_ok("nominations_libreoffice.xls").rows,
        parse_ok("nominations_libreoffice.xlsx").rows
    );
}

#[test]
fn gbk_csv_from_chinese_excel_is_decoded() {
    let bytes = fixture("nominations_gbk.csv");
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture must really be GBK");
    let sheet = parse_ok("nominations_gbk.csv");
    assert_eq!(sheet.rows.len(), 2);
    let first = &sheet.rows[0].1;
    assert_eq!(first.supplier_name, "紫阳县示例硒谷茶业农业专业合作社");
    assert_eq!(
        first.annual_output,
        q(50_000, "吨"),
        "plain 50 under 扶贫产品产量（吨）"
    );
    assert_eq!(sheet.rows[1].1.annual_output, q(12_500, "吨"));
    assert_eq!(first.specification.as_deref(), Some("250克/罐，礼盒装"));
    assert_eq!(
        sheet.rows[1].1.specification.as_deref(),
        Some("500克,袋装"),
        "quoted comma"
    );
    assert_eq!(first.category, Some(Category::parse("茶叶").unwrap()));
    assert_eq!(sheet.form_meta.recommending_unit.as_deref(), Some("紫阳县总工会"));
    assert_eq!(sheet.form_meta.filled_by.as_deref(), Some("吴示例"));
    assert_eq!(sheet.form_meta.contact.as_deref(), Some("13800000039"));
    assert_eq!(sheet.warnings, ["第 7 行是合计行，已跳过"]);
}

#[test]
fn excel_unicode_text_export_is_utf16_and_tab_separated() {
    let sheet = parse_ok("nominations_excel_unicode.txt");
    assert_eq!(sheet.rows, parse_ok("nominations_eight_columns.xlsx").rows);
}

#[test]
fn seed_form_with_broken_headers_title_and_footer_is_read() {
    let sheet = parse_ok("nominations_seed_headers.xlsx");
    let rows: Vec<u32> = sheet.rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(rows, [4, 5, 6]);
    let first = &sheet.rows[0].1;
    assert_eq!(first.product_name, "紫阳富硒茶（示例）");
    assert_eq!(first.annual_output, q(50_000, "吨"), "“50 吨” with a space");
    assert_eq!(first.poor_people_supported, Some(120), "120.0 from a number cell");
    assert_eq!(
        first.contact_phone.as_ref().unwrap().as_str(),
        "13800000041",
        "13800000041.0"
    );
    assert_eq!(sheet.rows[1].1.annual_output, q(25_000_000, "公斤"));
    assert_eq!(sheet.rows[2].1.county.as_ref().unwrap().as_str(), "610924", "610924.0");
    assert_eq!(sheet.rows[2].1.poor_people_supported, Some(16), "16人");
    assert_eq!(
        sheet.form_meta,
        FormMeta {
            recommending_unit: Some("紫阳县总工会".into()),
            filled_by: Some("陈示例".into()),
            contact: Some("13800000049".into()),
        }
    );
    assert!(sheet.warnings.is_empty(), "{:?}", sheet.warnings);
}

#[test]
fn eight_columns_import_as_drafts_that_list_what_is_missing() {
    let sheet = parse_ok("nominations_eight_columns.xlsx");
    assert_eq!(sheet.rows.len(), 3);
    assert_eq!(sheet.rows[2].1.annual_output, q(50_000_000, "斤"), "5万斤");
    for (_, row) in &sheet.rows {
        assert_eq!(
            row.missing_for_submission(),
            [
                "统一社会信用代码",
                "品类",
                "规格",
                "单价",
                "全国扶贫产品目录认定编号",
                "扶贫地区类型"
            ]
        );
    }
    assert_eq!(sheet.form_meta.recommending_unit.as_deref(), Some("洛川县总工会"));
}

// ---------------------------------------------------------------------------------------------
// The template and the exports
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case("nomination_template.xlsx")]
#[case("nomination_template_resaved_libreoffice.xlsx")]
fn a_blank_template_has_its_header_on_row_3_and_no_rows(#[case] name: &str) {
    assert_eq!(parse_fixture(name), Err(SheetError::NoRows { header_row: 3 }));
}

#[test]
fn the_template_as_written_now_has_no_rows_either() {
    let written = nomination_template_xlsx();
    assert_eq!(
        parse_nomination_sheet(&written, "t.xlsx"),
        Err(SheetError::NoRows { header_row: 3 })
    );
}

#[test]
fn a_poverty_village_needs_its_name_before_submission() {
    let mut row = sample_nominations(3).remove(2);
    assert_eq!(
        row.poverty_region,
        Some(PovertyRegionKind::PovertyVillage),
        "洛川县 is not a poverty county"
    );
    assert!(row.missing_for_submission().is_empty());
    row.poverty_region_note = None;
    assert_eq!(row.missing_for_submission(), ["贫困村/帮扶关系"]);
}

#[test]
fn a_filled_in_template_round_trips() {
    let rows = sample_nominations(3);
    let bytes = write::filled_template_xlsx(&rows, "安康市紫阳县总工会", "王示例", "13800000099");
    let sheet = parse_nomination_sheet(&bytes, "紫阳县推荐名录.xlsx").unwrap();
    assert_eq!(sheet.rows.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), rows);
    assert_eq!(sheet.rows[0].0, 4);
    assert_eq!(
        sheet.form_meta,
        FormMeta {
            recommending_unit: Some("安康市紫阳县总工会".into()),
            filled_by: Some("王示例".into()),
            contact: Some("13800000099".into()),
        }
    );
}

#[test]
fn csv_export_has_a_bom_and_reads_back() {
    let rows = sample_nominations(8);
    let csv = nominations_csv(&rows);
    assert!(csv.starts_with('\u{FEFF}'));
    assert!(csv.lines().next().unwrap().ends_with("扶贫地区类型,贫困村/帮扶关系"));
    let sheet = parse_csv(&csv).unwrap();
    assert_eq!(sheet.rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(), rows);
}

#[test]
fn exports_keep_a_draft_with_empty_optional_fields() {
    let draft = NominationInput {
        supplier_name: "紫阳县示例草稿合作社".into(),
        product_name: "紫阳茶（示例）".into(),
        ..Default::default()
    };
    let from_xlsx = parse_nomination_sheet(&nominations_xlsx("草稿", std::slice::from_ref(&draft)), "x.xlsx").unwrap();
    let from_csv = parse_csv(&nominations_csv(std::slice::from_ref(&draft))).unwrap();
    assert_eq!(from_xlsx.rows[0].1, draft);
    assert_eq!(from_csv.rows[0].1, draft);
    assert_eq!(
        draft.missing_for_submission(),
        [
            "贫困县",
            "统一社会信用代码",
            "扶贫产品产量",
            "带贫人数",
            "供应商/销售商联系人",
            "联系方式",
            "品类",
            "规格",
            "单价",
            "全国扶贫产品目录认定编号",
            "扶贫地区类型"
        ]
    );
}

#[test]
fn format_is_detected_from_content_not_name() {
    let xlsx = nominations_xlsx("导出", &sample_nominations(2));
    assert_eq!(parse_nomination_sheet(&xlsx, "名录.csv").unwrap().rows.len(), 2);
    let csv = nominations_csv(&sample_nominations(2));
    assert_eq!(
        parse_nomination_sheet(csv.as_bytes(), "名录.xlsx").unwrap().rows.len(),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed files: each its own error, naming row and column
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_columns_name_the_missing_ones_and_list_what_was_found() {
    let err = parse_fixture("malformed_wrong_columns.xlsx").unwrap_err();
    let SheetError::MissingColumns { missing, found } = &err else {
        panic!("expected MissingColumns, got {err:?}");
    };
    assert_eq!(
        missing,
        &["贫困县", "供应商/销售商", "扶贫产品产量", "供应商/销售商联系人"]
    );
    assert_eq!(
        found,
        &[
            "序号",
            "县名",
            "企业",
            "产品名称",
            "数量",
            "带贫人数",
            "联系电话",
            "备注"
        ]
    );
    let message = err.to_string();
    assert!(message.contains("“贫困县”") && message.contains("“企业”"), "{message}");
}

#[test]
fn bad_credit_codes_are_reported_per_row_with_the_reason() {
    let errors = cell_errors(parse_fixture("malformed_bad_credit_code.xlsx"));
    let rows: Vec<u32> = errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, [4, 5, 6], "the valid code on row 3 is not reported");
    assert!(errors.iter().all(|e| e.column == "统一社会信用代码"));
    assert!(errors[0].message.contains("校验位错误"), "{}", errors[0].message);
    assert!(errors[1].message.contains("18 位"), "{}", errors[1].message);
    assert!(errors[2].message.contains("第 15 位“O”"), "{}", errors[2].message);
    assert_eq!(errors[1].value, "93610924MA000006");
    assert!(errors[0].to_string().starts_with("第 4 行“统一社会信用代码”列："));
}

#[test]
fn text_in_number_columns_is_refused_cell_by_cell() {
    let errors = cell_errors(parse_fixture("malformed_text_in_numbers.xlsx"));
    let found: Vec<(u32, &str, &str)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (2, "带贫人数", "很多"),
            (3, "扶贫产品产量", "50-60吨"),
            (4, "带贫人数", "12.5"),
            (4, "单价（元）", "面议"),
            (5, "序号", "一"),
            (5, "扶贫产品产量", "很多"),
        ]
    );
    assert!(errors[1].message.contains("范围"), "{}", errors[1].message);
    assert!(errors[2].message.contains("整数"));
    let lines = SheetError::Invalid(errors.clone()).lines();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[4], "第 5 行“序号”列：序号“一”应为整数，如 1、2、3");
    let whole = SheetError::Invalid(errors).to_string();
    assert!(whole.starts_with("表格中有 6 处错误，整张表未导入"), "{whole}");
    assert!(
        whole.contains("第 3 行“扶贫产品产量”列：产量“50-60吨”是一个范围"),
        "{whole}"
    );
}

#[test]
fn duplicate_supplier_and_product_is_an_error_on_the_second_row() {
    let errors = cell_errors(parse_fixture("malformed_duplicates.csv"));
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].row, errors[0].column.as_str()), (4, "商品名称"));
    assert!(errors[0].message.contains("与第 2 行重复"), "{}", errors[0].message);
}

#[test]
fn an_empty_file_is_empty() {
    assert_eq!(parse_fixture("malformed_empty.xlsx"), Err(SheetError::Empty));
    assert_eq!(parse_csv("\u{FEFF}\n , \n\n"), Err(SheetError::Empty));
    let blank_workbook = Workbook::new().save_to_buffer().unwrap();
    assert_eq!(
        parse_nomination_sheet(&blank_workbook, "空.xlsx"),
        Err(SheetError::Empty)
    );
}

#[rstest]
#[case("malformed_png_renamed.xlsx", "PNG 图片")]
#[case("malformed_zip_renamed.xlsx", "ZIP 压缩包")]
fn files_that_are_not_spreadsheets_say_what_they_are(#[case] name: &str, #[case] what: &str) {
    let err = parse_fixture(name).unwrap_err();
    assert!(
        matches!(&err, SheetError::NotASpreadsheet { filename, .. } if filename == name),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains(what) && message.contains(name), "{message}");
}

#[test]
fn text_without_a_header_is_no_header() {
    let err = parse_fixture("malformed_text_garbage.xlsx").unwrap_err();
    assert_eq!(err, SheetError::NoHeader { searched_rows: 30 });
    assert!(err.to_string().contains("贫困县、供应商/销售商、商品名称"));
}

#[test]
fn undecodable_text_is_not_a_spreadsheet() {
    let err = parse_nomination_sheet(&[0x81, 0x20, 0xFF, 0xFE, 0x30], "x.csv").unwrap_err();
    assert!(matches!(err, SheetError::NotASpreadsheet { .. }), "{err:?}");
}

#[test]
fn a_file_over_the_limit_is_refused_before_reading() {
    let big = vec![b'a'; MAX_UPLOAD_BYTES + 1];
    assert!(matches!(
        parse_nomination_sheet(&big, "big.xlsx"),
        Err(SheetError::TooLarge {
            limit: MAX_UPLOAD_BYTES,
            ..
        })
    ));
}

#[test]
fn too_many_rows_are_refused() {
    let mut csv = format!("{EIGHT}\n");
    for i in 0..=MAX_DATA_ROWS {
        csv.push_str(&format!("{i},紫阳县,示例{i},茶,1吨,1,张,13800000000\n"));
    }
    assert!(matches!(parse_csv(&csv), Err(SheetError::TooManyRows { .. })));
}

// ---------------------------------------------------------------------------------------------
// Reading rules, on small CSVs
// ---------------------------------------------------------------------------------------------

#[test]
fn every_error_of_every_row_is_collected_and_nothing_is_returned() {
    let csv = format!(
        "{EIGHT}\n\
         1,紫阳县,示例甲,茶,10吨,20,张,13800000000\n\
         2,不存在县,,茶,很多,20,张,12345\n\
         3,紫阳县,示例丙,茶,10吨,二十,张,13800000000\n"
    );
    let errors = cell_errors(parse_csv(&csv));
    let found: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        found,
        [
            (3, "贫困县"),
            (3, "供应商/销售商"),
            (3, "扶贫产品产量"),
            (3, "联系方式"),
            (4, "带贫人数")
        ]
    );
    assert!(errors[1].message.contains("不能为空"));
    assert!(
        errors[0].message.contains("紫阳县"),
        "gives an example: {}",
        errors[0].message
    );
}

#[test]
fn blank_rows_and_pre_numbered_unused_lines_are_skipped() {
    let csv = format!(
        "{EIGHT}\n\
         ,,,,,,,\n\
         1,紫阳县,示例甲,茶,10吨,20,张,13800000000\n\
         \n\
         2,,,,,,,\n\
         3,,,,,,,\n"
    );
    let sheet = parse_csv(&csv).unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].0, 3);
}

#[test]
fn unknown_columns_are_ignored_with_a_warning() {
    let csv = format!("{EIGHT},备注\n1,紫阳县,示例甲,茶,10吨,20,张,13800000000,老客户\n");
    let sheet = parse_csv(&csv).unwrap();
    assert_eq!(sheet.warnings, ["第 1 行表头中的“备注”列不是推荐名录的列，已忽略"]);
}

#[test]
fn synonyms_and_a_repeated_column_are_handled() {
    let csv = "序号,县区,供应商,产品名称,产量（万斤）,带贫人数,联系人,联系电话,信用代码,价格,GTIN,手机\n\
               1,紫阳,示例甲,茶,2.5,20,张,13800000000,,38.5,,13900000000\n";
    let sheet = parse_csv(csv).unwrap();
    let row = &sheet.rows[0].1;
    assert_eq!(row.annual_output, q(25_000_000, "斤"));
    assert_eq!(row.unit_price, Some(Fen(3850)));
    assert_eq!(
        row.contact_phone.as_ref().unwrap().as_str(),
        "13800000000",
        "the first phone column"
    );
    assert_eq!(sheet.warnings.len(), 1, "{:?}", sheet.warnings);
    assert!(sheet.warnings[0].contains("“手机”列与“联系电话”列是同一项"));
}

#[test]
fn the_header_may_sit_below_a_title_and_notes_below_the_table_are_skipped() {
    let csv = format!(
        "贫困县重点扶贫产品供应商推荐名录\n\
         推荐单位（盖章）：,柞水县总工会\n\
         \n\
         {EIGHT}\n\
         1,柞水县,示例甲,木耳,10吨,20,张,13800000000\n\
         注：产量按 2019 年实际产量填写\n\
         填报人：李示例,,,,联系电话：,029-88886666\n"
    );
    let sheet = parse_csv(&csv).unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].0, 5);
    assert_eq!(sheet.warnings, ["第 6 行是说明文字，已跳过"]);
    assert_eq!(
        sheet.form_meta,
        FormMeta {
            recommending_unit: Some("柞水县总工会".into()),
            filled_by: Some("李示例".into()),
            contact: Some("029-88886666".into()),
        }
    );
}

#[test]
fn tab_separated_text_is_sniffed() {
    let tsv = format!(
        "{}\n1\t紫阳县\t示例甲\t茶，特级\t10吨\t20\t张\t13800000000\n",
        EIGHT.replace(',', "\t")
    );
    let sheet = parse_csv(&tsv).unwrap();
    assert_eq!(sheet.rows[0].1.product_name, "茶，特级");
}

#[test]
fn numbers_that_are_not_whole_where_whole_is_required_are_refused() {
    use V::*;
    let header: Vec<V> = EIGHT
        .split(',')
        .map(|h| T(Box::leak(h.to_owned().into_boxed_str())))
        .collect();
    let rows = vec![
        header,
        vec![
            N(1.5),
            T("紫阳县"),
            T("示例甲"),
            T("茶"),
            T("10吨"),
            N(20.0),
            T("张"),
            N(13_800_000_000.0),
        ],
        vec![
            N(2.0),
            T("紫阳县"),
            T("示例乙"),
            T("茶"),
            T("10吨"),
            N(20.0),
            T("张"),
            N(13_800_000_000.5),
        ],
    ];
    let errors = cell_errors(parse_nomination_sheet(&xlsx_with_rows(&rows, &[], None), "x.xlsx"));
    let found: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(found, [(2, "序号"), (3, "联系方式")]);
}

#[test]
fn the_first_worksheet_with_content_is_read_and_others_are_named() {
    let mut workbook = Workbook::new();
    workbook.add_worksheet().set_name("说明").unwrap();
    let data = workbook.add_worksheet().set_name("名录").unwrap();
    for (c, h) in EIGHT.split(',').enumerate() {
        data.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in ["1", "紫阳县", "示例甲", "茶", "10吨", "20", "张", "13800000000"]
        .iter()
        .enumerate()
    {
        data.write_string(1, c as u16, *v).unwrap();
    }
    workbook
        .add_worksheet()
        .set_name("旧表")
        .unwrap()
        .write_string(0, 0, "去年的")
        .unwrap();
    let sheet = parse_nomination_sheet(&workbook.save_to_buffer().unwrap(), "x.xlsx").unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(
        sheet.warnings,
        ["工作簿有多个有内容的工作表，只读取了第一个“名录”，未读取：“旧表”"]
    );
}

#[test]
fn header_row_numbers_follow_the_sheet_when_the_table_starts_lower() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in EIGHT.split(',').enumerate() {
        sheet.write_string(5, c as u16 + 2, h).unwrap();
    }
    for (c, v) in ["1", "紫阳县", "示例甲", "茶", "很多", "20", "张", "13800000000"]
        .iter()
        .enumerate()
    {
        sheet.write_string(6, c as u16 + 2, *v).unwrap();
    }
    let errors = cell_errors(parse_nomination_sheet(&workbook.save_to_buffer().unwrap(), "x.xlsx"));
    assert_eq!((errors[0].row, errors[0].column.as_str()), (7, "扶贫产品产量"));
}

// ---------------------------------------------------------------------------------------------
// Import benchmark (release mode): cargo test --release --lib parse_10k -- --ignored --nocapture
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "benchmark; run in release mode"]
fn parse_10k_rows_benchmark() {
    let bytes = sample_nominations_xlsx(10_000);
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let sheet = parse_nomination_sheet(&bytes, "bench.xlsx").unwrap();
            assert_eq!(sheet.rows.len(), 10_000);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "10,000-row xlsx ({} KB): median {:.1} ms (min {:.1}, max {:.1}) over {} runs",
        bytes.len() / 1024,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
}

#[test]
fn csv_row_numbers_match_excel_across_blank_lines_and_line_breaks_in_cells() {
    let csv = format!(
        "{EIGHT}\n\
         1,紫阳县,示例甲,\"紫阳\n富硒茶\",10吨,20,张,13800000000\n\
         \n\
         2,紫阳县,示例乙,茶,很多,20,张,13800000000\n"
    );
    let errors = cell_errors(parse_csv(&csv));
    assert_eq!((errors[0].row, errors[0].column.as_str()), (4, "扶贫产品产量"));
}

#[test]
fn csv_row_numbers_match_excel_with_windows_line_endings() {
    let csv = format!(
        "{EIGHT}\r\n\r\n1,紫阳县,示例甲,\"紫阳\r\n富硒茶\",10吨,20,张,13800000000\r\n\r\n\r\n2,紫阳县,示例乙,茶,很多,20,张,13800000000\r\n"
    );
    let errors = cell_errors(parse_csv(&csv));
    assert_eq!((errors[0].row, errors[0].column.as_str()), (6, "扶贫产品产量"));
}

#[test]
fn attachment_one_uploaded_by_mistake_has_no_header() {
    let csv = "2020 年度全省工会消费扶贫情况统计表\n填报单位（盖章）：\n\
               序号,工会名称,基层工会数量,职工数（万）,年度个人发放节日慰问品标准（元）,备注\n";
    assert!(matches!(parse_csv(csv), Err(SheetError::NoHeader { .. })));
}

#[test]
fn a_long_error_list_is_cut_in_the_message_but_not_in_lines() {
    let mut csv = format!("{EIGHT}\n");
    for i in 0..60 {
        csv.push_str(&format!("{i},紫阳县,示例{i},茶,很多,1,张,13800000000\n"));
    }
    let err = parse_csv(&csv).unwrap_err();
    assert_eq!(err.lines().len(), 60);
    assert!(err.to_string().ends_with("……另有 10 处错误未列出"), "{err}");
}
