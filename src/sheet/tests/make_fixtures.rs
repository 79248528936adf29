//! Writes the fixtures that Rust makes itself and the sources that `tests/fixtures/make_fixtures.sh`
//! hands to LibreOffice and iconv. Run through that script; the files are committed, so the normal
//! test run never regenerates them.

use std::fs;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::domain::{CreditCode, Gtin};
use crate::sheet::sample::{sample_nominations, sample_nominations_xlsx};
use crate::sheet::{nomination_template_xlsx, nominations_xlsx};

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A valid credit code for fixture supplier `n` in `county` (6 digits).
pub fn credit_code(prefix: &str, county: &str, n: u32) -> String {
    CreditCode::with_check_char(&format!("{prefix}{county}MA{n:07}"))
        .unwrap()
        .to_string()
}

/// A restricted-circulation (prefix 2) GTIN-13 for fixture product `n`.
pub fn gtin(n: u32) -> String {
    Gtin::with_check_digit(&format!("2{n:011}")).unwrap().to_string()
}

/// One cell of a hand-made sheet.
#[derive(Clone, Copy)]
pub enum V {
    T(&'static str),
    S(usize),
    N(f64),
    E,
}

/// A sheet whose cells are given row by row; `S(i)` takes `strings[i]` (for computed codes).
pub fn xlsx_with_rows(rows: &[Vec<V>], strings: &[String], merged_title_width: Option<u16>) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Center);
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match value {
                V::T(text) if text.contains('\n') => {
                    sheet.write_string_with_format(r, c, *text, &wrap).unwrap();
                }
                V::T(text) => {
                    sheet.write_string(r, c, *text).unwrap();
                }
                V::S(i) => {
                    sheet.write_string(r, c, &strings[*i]).unwrap();
                }
                V::N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                V::E => {}
            }
        }
    }
    if let (Some(width), Some(V::T(title))) = (merged_title_width, rows.first().and_then(|r| r.first())) {
        sheet
            .merge_range(0, 0, 0, width - 1, title, &Format::new().set_bold())
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

fn csv_text(rows: &[Vec<String>], delimiter: u8) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

const ALL_HEADERS: [&str; 17] = [
    "序号",
    "贫困县",
    "供应商/销售商",
    "商品名称",
    "扶贫产品产量",
    "带贫人数",
    "供应商/销售商联系人",
    "联系方式",
    "统一社会信用代码",
    "品类",
    "规格",
    "单价（元）",
    "全国扶贫产品目录认定编号",
    "商品条码",
    "认证",
    "扶贫地区类型",
    "贫困村/帮扶关系",
];

/// The rows of `nominations_utf8.csv`, which LibreOffice turns into the .xlsx and .xls fixtures.
fn libreoffice_source() -> Vec<Vec<String>> {
    let cc = |p, c, n| credit_code(p, c, n);
    vec![
        row(&["贫困县重点扶贫产品供应商推荐名录"]),
        row(&["推荐单位（盖章）：柞水县总工会"]),
        row(&ALL_HEADERS),
        vec![
            "1".into(),
            "柞水县".into(),
            "柞水县示例秦岭木耳农业专业合作社".into(),
            "柞水黑木耳（示例）".into(),
            "2.5万公斤".into(),
            "120".into(),
            "王示例".into(),
            "13800000011".into(),
            cc("93", "611026", 11),
            "食用菌".into(),
            "500克/袋".into(),
            "68.50".into(),
            "示例000011".into(),
            gtin(11),
            "SC生产许可（示例）".into(),
            "贫困县（已摘帽）".into(),
            "".into(),
        ],
        vec![
            "2".into(),
            "611026".into(),
            "柞水县示例金穗农产品有限公司".into(),
            "柞水木耳礼盒（示例）".into(),
            "3000箱".into(),
            "85人".into(),
            "李示例".into(),
            "13800000012".into(),
            cc("91", "611026", 12),
            "食用菌".into(),
            "250克×2袋/盒".into(),
            "98".into(),
            "示例000012".into(),
            gtin(12),
            "".into(),
            "贫困县".into(),
            "".into(),
        ],
        vec![
            "3".into(),
            "紫阳县".into(),
            "紫阳县示例硒谷茶业农业专业合作社".into(),
            "紫阳富硒茶（示例）".into(),
            "50吨".into(),
            "200".into(),
            "张示例".into(),
            "13800000013".into(),
            cc("93", "610924", 13),
            "茶叶".into(),
            "250克/罐".into(),
            "168".into(),
            "示例000013".into(),
            gtin(13),
            "有机产品（示例）".into(),
            "贫困县（已摘帽）".into(),
            "".into(),
        ],
        vec![
            "4".into(),
            "洛川县".into(),
            "洛川县示例沃野生态农业有限公司".into(),
            "洛川红富士苹果（示例）".into(),
            "1.2万件".into(),
            "60".into(),
            "刘示例".into(),
            "138 0000 0014".into(),
            cc("91", "610629", 14),
            "水果".into(),
            "5公斤/箱".into(),
            "88".into(),
            "".into(),
            "".into(),
            "绿色食品（示例）".into(),
            "非贫困县的贫困村".into(),
            "洛川县示例镇示例村".into(),
        ],
        row(&[]),
        row(&["填报人：", "赵示例"]),
        row(&["联系方式：", "13800000019"]),
    ]
}

fn eight_columns_source() -> Vec<Vec<String>> {
    vec![
        row(&["贫困县重点扶贫产品供应商推荐名录"]),
        row(&["推荐单位（盖章）：", "洛川县总工会"]),
        row(&ALL_HEADERS[..8]),
        row(&[
            "1",
            "洛川县",
            "洛川县示例沃野生态农业有限公司",
            "洛川苹果（示例）",
            "5000箱",
            "60",
            "刘示例",
            "13800000021",
        ]),
        row(&[
            "2",
            "紫阳县",
            "紫阳县示例汉江茶业农业专业合作社",
            "紫阳毛尖（示例）",
            "12吨",
            "45人",
            "陈示例",
            "13800000022",
        ]),
        row(&[
            "3",
            "柞水县",
            "柞水县示例云岭农产品有限公司",
            "柞水香菇（示例）",
            "5万斤",
            "30",
            "周示例",
            "13800000023",
        ]),
        row(&["填报人：", "孙示例"]),
        row(&["联系方式：", "13800000029"]),
    ]
}

/// What a county union's Excel saves as “CSV（逗号分隔）” on a Chinese Windows: GBK, the title
/// and footer lines padded with empty fields.
fn gbk_source() -> Vec<Vec<String>> {
    let pad = |first: &str| {
        let mut r = vec![first.to_owned()];
        r.resize(11, String::new());
        r
    };
    let mut headers: Vec<String> = ALL_HEADERS[..11].iter().map(|h| (*h).to_owned()).collect();
    headers[4] = "扶贫产品产量（吨）".to_owned();
    vec![
        pad("贫困县重点扶贫产品供应商推荐名录"),
        pad("推荐单位（盖章）：紫阳县总工会"),
        headers,
        vec![
            "1".into(),
            "紫阳县".into(),
            "紫阳县示例硒谷茶业农业专业合作社".into(),
            "紫阳富硒茶（示例）".into(),
            "50".into(),
            "200".into(),
            "张示例".into(),
            "13800000031".into(),
            credit_code("93", "610924", 31),
            "茶叶".into(),
            "250克/罐，礼盒装".into(),
        ],
        vec![
            "2".into(),
            "紫阳县".into(),
            "紫阳县示例汉江农产品有限公司".into(),
            "紫阳香菇（示例）".into(),
            "12.5".into(),
            "48".into(),
            "李示例".into(),
            "13800000032".into(),
            credit_code("91", "610924", 32),
            "食用菌".into(),
            "500克,袋装".into(),
        ],
        pad(""),
        pad("合计"),
        pad("填报人：吴示例"),
        pad("联系方式：13800000039"),
    ]
}

/// Regenerates the Rust-made fixtures and the sources for the script's conversions.
#[test]
#[ignore = "writes tests/fixtures; run through tests/fixtures/make_fixtures.sh"]
fn make_fixtures() {
    let dir = fixture_dir();
    let sources = dir.join("sources");
    fs::create_dir_all(&sources).unwrap();
    let write = |name: &str, bytes: &[u8]| fs::write(dir.join(name), bytes).unwrap();

    write(
        "nominations_rust_xlsxwriter.xlsx",
        &nominations_xlsx("推荐名录导出（示例）", &sample_nominations(6)),
    );
    write("nomination_template.xlsx", &nomination_template_xlsx());
    write("nominations_utf8.csv", csv_text(&libreoffice_source(), b',').as_bytes());
    fs::write(
        sources.join("eight_columns.csv"),
        csv_text(&eight_columns_source(), b','),
    )
    .unwrap();
    fs::write(sources.join("gbk_as_utf8.csv"), csv_text(&gbk_source(), b',')).unwrap();
    write(
        "nominations_excel_unicode.txt",
        &utf16le_with_bom(&csv_text(&eight_columns_source(), b'\t')),
    );
    write("nominations_seed_headers.xlsx", &seed_headers_xlsx());
    write("malformed_wrong_columns.xlsx", &wrong_columns_xlsx());
    write("malformed_bad_credit_code.xlsx", &bad_credit_code_xlsx());
    write("malformed_text_in_numbers.xlsx", &text_in_numbers_xlsx());
    write("malformed_duplicates.csv", duplicates_csv().as_bytes());
    write("malformed_empty.xlsx", b"");
    write(
        "malformed_text_garbage.xlsx",
        "会议纪要\n今天讨论了消费扶贫工作安排。\n下次会议时间另行通知。\n".as_bytes(),
    );
    // Keeps the benchmark input out of the repository but checks it can be made.
    assert!(!sample_nominations_xlsx(10).is_empty());
}

/// Excel's “Unicode 文本（*.txt）”: UTF-16LE with a byte-order mark, tab-separated.
fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// Attachment 2 exactly as the seed document prints it: broken header text, line breaks inside
/// header cells, title and 推荐单位 above, 填报人 and 联系方式 below, numbers typed into General cells.
fn seed_headers_xlsx() -> Vec<u8> {
    use V::*;
    let strings = vec![];
    let rows = vec![
        vec![T("贫困县重点扶贫产品供应商推荐名录")],
        vec![T("推荐单位（盖章）：紫阳县总工会")],
        vec![
            T("序号"),
            T("贫困县"),
            T("供应商/\n销售商"),
            T("商品\n名称"),
            T("扶贫产\n品产量"),
            T("带贫 人数"),
            T("供应商/销售商 联系人"),
            T("联系方式"),
        ],
        vec![
            N(1.0),
            T("紫阳县"),
            T("紫阳县示例硒谷茶业农业专业合作社"),
            T("紫阳富硒茶（示例）"),
            T("50 吨"),
            N(120.0),
            T("张示例"),
            N(13_800_000_041.0),
        ],
        vec![
            N(2.0),
            T("紫阳县"),
            T("紫阳县示例汉江农产品有限公司"),
            T("紫阳魔芋（示例）"),
            T("2.5万公斤"),
            N(35.0),
            T("李示例"),
            N(13_800_000_042.0),
        ],
        vec![
            N(3.0),
            N(610_924.0),
            T("紫阳县示例丰禾农业科技有限公司"),
            T("紫阳腊肉（示例）"),
            T("8000件"),
            T("16人"),
            T("王示例"),
            T("13800000043"),
        ],
        vec![],
        vec![T("填报人："), T("陈示例")],
        vec![T("联系方式：13800000049")],
    ];
    xlsx_with_rows(&rows, &strings, Some(8))
}

fn wrong_columns_xlsx() -> Vec<u8> {
    use V::*;
    let rows = vec![
        vec![
            T("序号"),
            T("县名"),
            T("企业"),
            T("产品名称"),
            T("数量"),
            T("带贫人数"),
            T("联系电话"),
            T("备注"),
        ],
        vec![
            N(1.0),
            T("紫阳县"),
            T("紫阳县示例茶业有限公司"),
            T("紫阳富硒茶（示例）"),
            N(50.0),
            N(20.0),
            T("13800000051"),
            E,
        ],
    ];
    xlsx_with_rows(&rows, &[], None)
}

fn bad_credit_code_xlsx() -> Vec<u8> {
    use V::*;
    let good = credit_code("93", "610924", 61);
    let wrong_check = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
    let strings = vec![
        good,
        wrong_check,
        "93610924MA000006".to_owned(),
        "93610924MA0000O63X".to_owned(),
    ];
    let header: Vec<V> = ALL_HEADERS[..10].iter().map(|h| T(h)).collect();
    let data = |n: f64, supplier: &'static str, code: usize| {
        vec![
            N(n),
            T("紫阳县"),
            T(supplier),
            T("紫阳富硒茶（示例）"),
            T("10吨"),
            N(20.0),
            T("张示例"),
            T("13800000061"),
            S(code),
            T("茶叶"),
        ]
    };
    let rows = vec![
        vec![T("贫困县重点扶贫产品供应商推荐名录")],
        header,
        data(1.0, "紫阳县示例甲茶业有限公司", 0),
        data(2.0, "紫阳县示例乙茶业有限公司", 1),
        data(3.0, "紫阳县示例丙茶业有限公司", 2),
        data(4.0, "紫阳县示例丁茶业有限公司", 3),
    ];
    xlsx_with_rows(&rows, &strings, None)
}

fn text_in_numbers_xlsx() -> Vec<u8> {
    use V::*;
    let mut header: Vec<V> = ALL_HEADERS[..8].iter().map(|h| T(h)).collect();
    header.push(T("单价（元）"));
    let row = |no: V, output: V, people: V, price: V| {
        vec![
            no,
            T("柞水县"),
            T("柞水县示例木耳农业专业合作社"),
            T("柞水木耳（示例）"),
            output,
            people,
            T("王示例"),
            T("13800000071"),
            price,
        ]
    };
    let rows = vec![
        header,
        row(N(1.0), T("20吨"), T("很多"), N(68.0)),
        row(N(2.0), T("50-60吨"), N(30.0), N(68.0)),
        row(N(3.0), T("20吨"), N(12.5), T("面议")),
        row(T("一"), T("很多"), N(30.0), N(68.0)),
    ];
    xlsx_with_rows(&rows, &[], None)
}

fn duplicates_csv() -> String {
    let code = credit_code("91", "611026", 81);
    let line = |no: &str, product: &str| {
        vec![
            no.to_owned(),
            "柞水县".into(),
            "柞水县示例嘉禾农产品有限公司".into(),
            product.to_owned(),
            "10吨".into(),
            "20".into(),
            "周示例".into(),
            "13800000081".into(),
            code.clone(),
        ]
    };
    let mut header = row(&ALL_HEADERS[..9]);
    header[0] = "序号".into();
    csv_text(
        &[
            header,
            line("1", "柞水木耳（示例）"),
            line("2", "柞水香菇（示例）"),
            line("3", "柞水 木耳（示例）"),
        ],
        b',',
    )
}
