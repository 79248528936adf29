//! Reading one cell into one field. Each function returns `Ok(None)` for an empty cell and a
//! Chinese message saying what is wrong and what is expected otherwise; the caller adds the row
//! and column.

use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind, Quantity, region};

use super::columns::fold_width;
use super::formula::strip_csv_guard;
use super::read::{Cell, number_text};

/// Free-text cells longer than this are refused: the catalogue shows them on one line.
pub const MAX_TEXT_CHARS: usize = 200;

/// Excel keeps 15 significant digits; a longer number typed into a General cell has lost digits.
const EXACT_DIGITS_LIMIT: f64 = 1e15;

/// Old county names still written on forms, mapped to today's names (county-to-city or
/// county-to-district changes since 2015).
const RENAMED_COUNTIES: [(&str, &str); 8] = [
    ("旬阳县", "旬阳市"),
    ("子长县", "子长市"),
    ("彬县", "彬州市"),
    ("神木县", "神木市"),
    ("南郑县", "南郑区"),
    ("横山县", "横山区"),
    ("高陵县", "高陵区"),
    ("户县", "鄠邑区"),
];

/// Cell text with every kind of whitespace removed and full-width letters and digits folded,
/// for values that are codes or numbers rather than prose.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).map(fold_width).collect()
}

/// Free text as the user reads it. The `'` our CSV export puts before text that would start a
/// formula (`'=…`, see [`super::formula`]) is not part of it.
pub fn text(cell: &Cell) -> Result<Option<String>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    let shown = cell.display();
    // The guard may have kept a leading tab from being trimmed; the text is trimmed as any other.
    let value = strip_csv_guard(&shown).trim().to_owned();
    if value.is_empty() {
        return Ok(None);
    }
    let chars = value.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(format!("内容过长（{chars} 字），最多 {MAX_TEXT_CHARS} 字"));
    }
    Ok(Some(value))
}

/// The text of a cell that holds a code (phone, credit code, barcode). Numbers turn back into
/// their digits; digits Excel has already lost are reported rather than guessed.
fn code_text(cell: &Cell) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() >= EXACT_DIGITS_LIMIT => Err(format!(
            "单元格被 Excel 存成了数字（{}），超过 15 位的数字已丢失末尾几位：请把该列设为“文本”格式后重新填写完整号码",
            number_text(*n)
        )),
        Cell::Number(n) => Ok(Some(number_text(*n))),
        Cell::Text(_) | Cell::Error(_) => {
            let raw = compact(&cell.display());
            if raw.is_empty() {
                return Ok(None);
            }
            if looks_like_scientific_notation(&raw) {
                return Err(format!(
                    "“{raw}”是 Excel 以科学计数法显示的数字，原号码已经丢失：请把该列设为“文本”格式后重新填写完整号码"
                ));
            }
            Ok(Some(strip_text_markers(&raw).to_owned()))
        }
    }
}

/// `1.38E+10`: what a CSV saved by Excel holds once a long number was shown in exponent form.
fn looks_like_scientific_notation(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let Some((mantissa, exponent)) = upper.split_once("E+") else {
        return false;
    };
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, frac)) => is_digits(whole) && is_digits(frac),
        None => is_digits(mantissa),
    };
    mantissa_ok && is_digits(exponent)
}

/// People force text in Excel with a leading apostrophe, and CSV exports sometimes wrap codes as
/// `="…"`; neither is part of the code.
fn strip_text_markers(text: &str) -> &str {
    if let Some(inner) = text.strip_prefix("=\"").and_then(|t| t.strip_suffix('"')) {
        return inner;
    }
    text.strip_prefix('\'').unwrap_or(text)
}

/// A whole number from a number cell or digits in a text cell, with an optional unit suffix.
fn whole_number(cell: &Cell, suffixes: &[&str]) -> Result<Option<u64>, ()> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64 => Ok(Some(*n as u64)),
        Cell::Number(_) => Err(()),
        Cell::Text(_) | Cell::Error(_) => {
            let raw = compact(&cell.display());
            if raw.is_empty() {
                return Ok(None);
            }
            let raw = raw.strip_prefix('约').unwrap_or(&raw);
            let digits = suffixes.iter().find_map(|s| raw.strip_suffix(s)).unwrap_or(raw);
            let digits = digits.strip_suffix(".0").unwrap_or(digits);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            digits.parse().map(Some).map_err(|_| ())
        }
    }
}

pub fn row_no(cell: &Cell) -> Result<Option<u32>, String> {
    let refuse = || format!("序号“{}”应为整数，如 1、2、3", cell.display());
    match whole_number(cell, &[]) {
        Ok(Some(n)) => u32::try_from(n).map(Some).map_err(|_| refuse()),
        Ok(None) => Ok(None),
        Err(()) => Err(refuse()),
    }
}

pub fn people(cell: &Cell) -> Result<Option<u32>, String> {
    let refuse = || format!("带贫人数“{}”无法识别：请填写整数人数，如 120 或 120人", cell.display());
    match whole_number(cell, &["人", "名"]) {
        Ok(Some(n)) => u32::try_from(n).map(Some).map_err(|_| refuse()),
        Ok(None) => Ok(None),
        Err(()) => Err(refuse()),
    }
}

/// A county by name (紫阳县, 陕西省安康市紫阳县, 紫阳, an old name such as 旬阳县) or by code.
pub fn county(cell: &Cell) -> Result<Option<CountyCode>, String> {
    let Some(raw) = code_text(cell)? else {
        return Ok(None);
    };
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        return CountyCode::parse(&raw).map(Some).map_err(|e| e.to_string());
    }
    county_by_written_name(&raw)
        .map(|c| Some(CountyCode::parse(c.code).expect("a county from the shipped table has a valid code")))
        .ok_or_else(|| format!("“{raw}”不是陕西省的县区：请填写县区全称（如 紫阳县）或 6 位县区代码（如 610924）"))
}

fn county_by_written_name(raw: &str) -> Option<&'static region::County> {
    let name = raw.strip_prefix(region::PROVINCE_NAME).unwrap_or(raw);
    if let Some(county) = region::county_by_name(name) {
        return Some(county);
    }
    // A city prefix (安康市紫阳县) is dropped only when a county of that city follows it.
    let name = region::cities()
        .iter()
        .find_map(|city| name.strip_prefix(city.name).filter(|rest| !rest.is_empty()))
        .unwrap_or(name);
    let name = RENAMED_COUNTIES
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new);
    if let Some(county) = region::county_by_name(name) {
        return Some(county);
    }
    // 紫阳 for 紫阳县: accept the bare name when exactly one county carries it.
    let mut candidates = ["县", "区", "市"]
        .iter()
        .filter_map(|suffix| region::county_by_name(&format!("{name}{suffix}")));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

pub fn credit_code(cell: &Cell) -> Result<Option<CreditCode>, String> {
    let Some(raw) = code_text(cell)? else {
        return Ok(None);
    };
    CreditCode::parse(&raw).map(Some).map_err(|e| e.to_string())
}

pub fn gtin(cell: &Cell) -> Result<Option<Gtin>, String> {
    let Some(raw) = code_text(cell)? else {
        return Ok(None);
    };
    Gtin::parse(&raw).map(Some).map_err(|e| e.to_string())
}

pub fn phone(cell: &Cell) -> Result<Option<PhoneNumber>, String> {
    let Some(raw) = code_text(cell)? else {
        return Ok(None);
    };
    PhoneNumber::parse(&raw).map(Some).map_err(|e| {
        if matches!(cell, Cell::Number(_)) {
            format!("{e}。该单元格被 Excel 存成了数字，固定电话开头的 0 会被去掉：请把该列设为“文本”格式后重新填写")
        } else {
            e.to_string()
        }
    })
}

/// Any identifier kept as text, such as the national catalogue number; numbers keep their digits.
pub fn code(cell: &Cell) -> Result<Option<String>, String> {
    code_text(cell)
}

pub fn category(cell: &Cell) -> Result<Option<Category>, String> {
    let Some(raw) = text(cell)? else {
        return Ok(None);
    };
    Category::parse(&compact(&raw)).map(Some).map_err(|e| e.to_string())
}

/// The dropdown's labels, the codes, and the short forms people write (贫困县, 贫困村, 苏陕协作).
pub fn poverty_region(cell: &Cell) -> Result<Option<PovertyRegionKind>, String> {
    let Some(raw) = text(cell)? else {
        return Ok(None);
    };
    let written = compact(&raw);
    let matches_label = |kind: &PovertyRegionKind| {
        let label = compact(kind.label());
        let short = label.split('(').next().unwrap_or(&label).to_owned();
        written == label || written == short || written == kind.as_str()
    };
    let by_label = PovertyRegionKind::ALL.into_iter().find(matches_label);
    let by_alias = match written.as_str() {
        "贫困村" => Some(PovertyRegionKind::PovertyVillage),
        "定点扶贫" | "定点帮扶点" => Some(PovertyRegionKind::DesignatedSite),
        "对口协作" | "苏陕协作" | "对口帮扶地区" => Some(PovertyRegionKind::PairedRegion),
        _ => None,
    };
    by_label.or(by_alias).map(Some).ok_or_else(|| {
        let labels: Vec<&str> = PovertyRegionKind::ALL.iter().map(|k| k.label()).collect();
        format!("扶贫地区类型“{raw}”无法识别：请从下拉列表中选择：{}", labels.join("、"))
    })
}

/// A price in yuan. A number cell is read by its digits (`168.5`, as the export writes
/// `fen / 100`); one whose digits go past the fen is rounded only when it is within a rounding
/// error of it (a formula such as =A1*1.1); anything finer is refused.
pub fn unit_price(cell: &Cell) -> Result<Option<Fen>, String> {
    let refuse = |shown: String| format!("单价“{shown}”无效：请填写以元为单位的数字，最多两位小数，如 38 或 38.50");
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => {
            // Not `n < 0.0 || n >= 1e12`: NaN passes both and would become 0 fen.
            if !(0.0..1e12).contains(n) {
                return Err(refuse(number_text(*n)));
            }
            if let Ok(fen) = Fen::parse_yuan(&number_text(*n)) {
                return Ok(Some(fen));
            }
            // A formula's result, such as 38.5 * 1.1 = 42.35000000000001.
            let fen = n * 100.0;
            let rounded = fen.round();
            if (fen - rounded).abs() > 1e-6 {
                return Err(refuse(number_text(*n)));
            }
            Ok(Some(Fen(rounded as i64)))
        }
        Cell::Text(_) | Cell::Error(_) => {
            let raw = compact(&cell.display());
            if raw.is_empty() {
                return Ok(None);
            }
            Fen::parse_yuan(&raw).map(Some).map_err(|_| refuse(raw))
        }
    }
}

/// An amount with its unit: 50吨, 50 吨, 5万斤, 2.5万公斤, 3000箱, 1.2万件, or a bare number when
/// the header names the unit, as in 扶贫产品产量（吨）.
pub fn quantity(cell: &Cell, header_unit: Option<&str>) -> Result<Option<Quantity>, String> {
    let written = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) => number_text(*n),
        Cell::Text(_) | Cell::Error(_) => compact(&cell.display()),
    };
    if written.is_empty() {
        return Ok(None);
    }
    parse_quantity_text(&written, header_unit).map(Some)
}

/// Parses an amount of produce as typed in a form field: `50吨`, `5万斤`, `2.5万公斤`, `3000箱`.
/// The message says what is wrong; the caller names the field.
pub fn parse_quantity(input: &str) -> Result<Quantity, String> {
    let written = compact(input);
    if written.is_empty() {
        return Err("请填写产量，如“50吨”“5万斤”".to_owned());
    }
    parse_quantity_text(&written, None)
}

const RANGE_MARKS: [char; 7] = ['-', '~', '—', '–', '－', '至', '到'];

fn parse_quantity_text(written: &str, header_unit: Option<&str>) -> Result<Quantity, String> {
    let not_understood = || format!("无法识别产量“{written}”：请填写一个数字加单位，如“50吨”“5万斤”“3000箱”");
    let text: String = written.chars().filter(|c| *c != ',').collect();
    let text = text.strip_prefix('约').unwrap_or(&text);
    if text.contains(RANGE_MARKS) && text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "产量“{written}”是一个范围，不能使用范围：请只填一个数字，如“50吨”"
        ));
    }
    // "50吨左右/年": every such word behind the amount goes, in whatever order.
    let mut text = text;
    while let Some(shorter) = ["/年", "每年", "左右"].iter().find_map(|s| text.strip_suffix(s)) {
        text = shorter;
    }
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(number_len);
    if number.is_empty() {
        return Err(not_understood());
    }
    let (cell_wan, cell_unit) = split_wan(rest);
    let (header_wan, header_unit) = split_wan(header_unit.unwrap_or(""));
    let (wan, unit) = if !cell_unit.is_empty() {
        (cell_wan, cell_unit)
    } else if !header_unit.is_empty() {
        (cell_wan || header_wan, header_unit)
    } else {
        return Err(format!(
            "产量“{written}”没有单位：请写成数字加单位，如“50吨”“5万斤”，或在表头写明单位，如“扶贫产品产量（吨）”"
        ));
    };
    if !is_plausible_unit(unit) {
        return Err(not_understood());
    }
    let milli = decimal_to_milli(number, if wan { 10_000 } else { 1 }).ok_or_else(not_understood)?;
    if milli == 0 {
        return Err(format!("产量“{written}”为零：请填写实际年产量"));
    }
    Ok(Quantity {
        milli,
        unit: unit.to_ascii_lowercase(),
    })
}

/// `万斤` → (true, `斤`). 千 is not split off: 千克 is a unit of its own.
fn split_wan(text: &str) -> (bool, &str) {
    match text.strip_prefix('万') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// A unit is a short word: 吨, 公斤, kg, 箱, 件 … — not digits, not a sentence, and not a second
/// 万 (`5万万斤` would print as `50000 万斤` and read back ten thousand times larger).
fn is_plausible_unit(unit: &str) -> bool {
    let chars = unit.chars().count();
    (1..=4).contains(&chars) && unit.chars().all(|c| c.is_alphabetic()) && !unit.starts_with('万')
}

/// `2.5` × 10 000 → 25 000 000 thousandths, exactly; `None` when finer than a thousandth or too big.
fn decimal_to_milli(number: &str, multiplier: i128) -> Option<i64> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || frac.len() > 10 || !digits_only(whole) || !digits_only(frac) {
        return None;
    }
    let scale = 10i128.pow(frac.len() as u32);
    let mantissa: i128 = format!("{whole}{frac}").parse().ok()?;
    let scaled = mantissa * 1000 * multiplier;
    if scaled % scale != 0 {
        return None;
    }
    i64::try_from(scaled / scale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[rstest]
    #[case(t("50吨"), None, 50_000, "吨")]
    #[case(t("50 吨"), None, 50_000, "吨")]
    #[case(t("５０吨"), None, 50_000, "吨")]
    #[case(t("5万斤"), None, 50_000_000, "斤")]
    #[case(t("2.5万公斤"), None, 25_000_000, "公斤")]
    #[case(t("3000箱"), None, 3_000_000, "箱")]
    #[case(t("3,000箱"), None, 3_000_000, "箱")]
    #[case(t("1.2万件"), None, 12_000_000, "件")]
    #[case(t("0.5吨"), None, 500, "吨")]
    #[case(t("200KG"), None, 200_000, "kg")]
    #[case(t("500千克"), None, 500_000, "千克")]
    #[case(t("约80吨/年"), None, 80_000, "吨")]
    #[case(t("50吨左右/年"), None, 50_000, "吨")]
    #[case(Cell::Number(50.0), Some("吨"), 50_000, "吨")]
    #[case(Cell::Number(2.5), Some("万斤"), 25_000_000, "斤")]
    #[case(t("12"), Some("吨"), 12_000, "吨")]
    #[case(t("8000盒"), Some("吨"), 8_000_000, "盒")] // the cell's own unit wins over the header's
    fn quantities_are_read_exactly(
        #[case] cell: Cell,
        #[case] header_unit: Option<&str>,
        #[case] milli: i64,
        #[case] unit: &str,
    ) {
        let q = quantity(&cell, header_unit).unwrap().unwrap();
        assert_eq!((q.milli, q.unit.as_str()), (milli, unit));
    }

    #[rstest]
    #[case(t("很多"), "无法识别产量")]
    #[case(t("50-60吨"), "范围")]
    #[case(t("50～60吨"), "范围")]
    #[case(t("50至60吨"), "范围")]
    #[case(t("50"), "没有单位")]
    #[case(Cell::Number(50.0), "没有单位")]
    #[case(t("0吨"), "为零")]
    #[case(t("1.0001吨"), "无法识别产量")]
    #[case(t("50吨左右的优质苹果"), "无法识别产量")]
    #[case(t("1.2.3吨"), "无法识别产量")]
    fn quantities_that_cannot_be_understood_say_why(#[case] cell: Cell, #[case] reason: &str) {
        let err = quantity(&cell, None).unwrap_err();
        assert!(err.contains(reason), "{err}");
    }

    #[rstest]
    #[case(" 2.5万公斤 ", 25_000_000, "公斤")]
    #[case("３０００ 箱", 3_000_000, "箱")]
    fn form_field_quantities_parse(#[case] input: &str, #[case] milli: i64, #[case] unit: &str) {
        let q = parse_quantity(input).unwrap();
        assert_eq!((q.milli, q.unit.as_str()), (milli, unit));
    }

    #[rstest]
    #[case("")]
    #[case("50")]
    #[case("50-60吨")]
    #[case("1万万")] // found by proptest: read as 10000 万, which reads back as 1亿
    #[case("5万万斤")]
    fn form_field_quantities_refuse_what_they_cannot_read(#[case] input: &str) {
        assert!(parse_quantity(input).is_err());
    }

    #[rstest]
    #[case(t("120"), 120)]
    #[case(t("120人"), 120)]
    #[case(t(" 120 人 "), 120)]
    #[case(Cell::Number(120.0), 120)]
    fn people_counts_parse(#[case] cell: Cell, #[case] n: u32) {
        assert_eq!(people(&cell), Ok(Some(n)));
    }

    #[rstest]
    #[case(t("很多"))]
    #[case(t("12.5"))]
    #[case(Cell::Number(12.5))]
    #[case(Cell::Number(-3.0))]
    #[case(t("120户"))]
    fn people_counts_must_be_whole_numbers(#[case] cell: Cell) {
        assert!(people(&cell).unwrap_err().contains("整数"));
    }

    #[rstest]
    #[case(t("紫阳县"), "610924")]
    #[case(t(" 紫阳县 "), "610924")]
    #[case(t("610924"), "610924")]
    #[case(Cell::Number(610924.0), "610924")]
    #[case(t("陕西省安康市紫阳县"), "610924")]
    #[case(t("安康市紫阳县"), "610924")]
    #[case(t("紫阳"), "610924")]
    #[case(t("旬阳县"), "610981")]
    #[case(t("柞水县"), "611026")]
    fn counties_are_found_by_name_or_code(#[case] cell: Cell, #[case] code: &str) {
        assert_eq!(county(&cell).unwrap().unwrap().as_str(), code);
    }

    #[rstest]
    #[case(t("紫阳乡"))]
    #[case(t("110101"))]
    #[case(t("安康市"))]
    fn unknown_counties_are_refused_with_an_example(#[case] cell: Cell) {
        let err = county(&cell).unwrap_err();
        assert!(err.contains("陕西省") || err.contains("610124"), "{err}");
    }

    #[test]
    fn every_renamed_county_points_at_a_real_one() {
        for (old, new) in RENAMED_COUNTIES {
            assert!(region::county_by_name(new).is_some(), "{old} → {new}");
        }
    }

    #[rstest]
    #[case(Cell::Number(13_800_000_001.0), "13800000001")]
    #[case(t("138 0000 0001"), "13800000001")]
    #[case(t("'13800000001"), "13800000001")]
    #[case(t("=\"13800000001\""), "13800000001")]
    #[case(t("029-88886666"), "029-88886666")]
    fn phones_from_numbers_and_text(#[case] cell: Cell, #[case] expected: &str) {
        assert_eq!(phone(&cell).unwrap().unwrap().as_str(), expected);
    }

    #[test]
    fn a_landline_that_lost_its_leading_zero_says_so() {
        let err = phone(&Cell::Number(2_988_886_666.0)).unwrap_err();
        assert!(err.contains("开头的 0"), "{err}");
    }

    #[rstest]
    #[case(t("1.38E+10"))]
    #[case(t("9.14403E+17"))]
    #[case(Cell::Number(914_403_001_922_038_216.0))]
    fn numbers_excel_already_damaged_are_reported(#[case] cell: Cell) {
        let err = credit_code(&cell).unwrap_err();
        assert!(err.contains("文本"), "{err}");
    }

    #[test]
    fn gtin_from_a_float_keeps_its_digits() {
        let gtin = gtin(&Cell::Number(6_901_234_567_892.0)).unwrap().unwrap();
        assert_eq!(gtin.as_str(), "6901234567892");
    }

    #[rstest]
    #[case(Cell::Number(38.5), 3850)]
    #[case(Cell::Number(38.0), 3800)]
    #[case(Cell::Number(42.35 * 1.0), 4235)]
    #[case(t("￥38.50"), 3850)]
    #[case(t("38元"), 3800)]
    #[case(Cell::Number(34_931_626_030.09), 3_493_162_603_009)] // found by proptest: refused
    #[case(Cell::Number(38.5 * 1.1), 4235)]
    fn unit_prices_become_fen(#[case] cell: Cell, #[case] fen: i64) {
        assert_eq!(unit_price(&cell), Ok(Some(Fen(fen))));
    }

    #[rstest]
    #[case(Cell::Number(38.505))]
    #[case(Cell::Number(-1.0))]
    #[case(t("面议"))]
    #[case(Cell::Number(f64::NAN))] // found by proptest: read as 0.00
    #[case(Cell::Number(f64::INFINITY))]
    fn unit_prices_refuse_what_is_not_yuan(#[case] cell: Cell) {
        assert!(unit_price(&cell).unwrap_err().contains("最多两位小数"));
    }

    #[rstest]
    #[case("贫困县（已摘帽）", PovertyRegionKind::PovertyCounty)]
    #[case("贫困县", PovertyRegionKind::PovertyCounty)]
    #[case("非贫困县的贫困村", PovertyRegionKind::PovertyVillage)]
    #[case("贫困村", PovertyRegionKind::PovertyVillage)]
    #[case("定点扶贫点", PovertyRegionKind::DesignatedSite)]
    #[case("苏陕协作", PovertyRegionKind::PairedRegion)]
    #[case("paired_region", PovertyRegionKind::PairedRegion)]
    fn poverty_region_kinds_parse(#[case] written: &str, #[case] kind: PovertyRegionKind) {
        assert_eq!(poverty_region(&t(written)), Ok(Some(kind)));
    }

    #[test]
    fn an_unknown_poverty_region_lists_the_choices() {
        let err = poverty_region(&t("山区")).unwrap_err();
        assert!(err.contains("定点扶贫点") && err.contains("山区"), "{err}");
    }

    #[rstest]
    #[case(
        "'=HYPERLINK(\"http://example.com/\",\"点击\")",
        "=HYPERLINK(\"http://example.com/\",\"点击\")"
    )]
    #[case("'+紫阳富硒茶", "+紫阳富硒茶")]
    #[case("'-王示例", "-王示例")]
    #[case("'@250克/罐", "@250克/罐")]
    #[case("'\t=1+1", "=1+1")]
    #[case("'紫阳富硒茶", "'紫阳富硒茶")] // an apostrophe before ordinary text is the text's own
    fn text_drops_the_apostrophe_our_csv_puts_before_formulas(#[case] cell: &str, #[case] value: &str) {
        assert_eq!(text(&t(cell)), Ok(Some(value.to_owned())));
    }

    #[test]
    fn a_guarded_text_of_the_longest_length_is_not_too_long() {
        let value = format!("={}", "长".repeat(MAX_TEXT_CHARS - 1));
        assert_eq!(text(&t(&format!("'{value}"))), Ok(Some(value)));
    }

    #[test]
    fn long_text_is_refused() {
        let err = text(&t(&"长".repeat(MAX_TEXT_CHARS + 1))).unwrap_err();
        assert!(err.contains("最多 200 字"));
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::product::CATEGORIES;
    use crate::domain::strategies::{
        county_code, credit_code as valid_credit_code, full_width, gtin as valid_gtin, landline, mobile, padding,
        user_text,
    };
    use crate::sheet::formula::csv_text;

    /// Every kind of cell a workbook or a CSV can give, numbers included NaN and infinities.
    fn any_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            Just(Cell::Empty),
            user_text().prop_map(Cell::Text),
            any::<f64>().prop_map(Cell::Number),
            prop::sample::select(vec![
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                1e15,
                -1e15,
                1e300,
                f64::MAX,
                f64::MIN_POSITIVE,
                4_294_967_296.0,
            ])
            .prop_map(Cell::Number),
            user_text().prop_map(Cell::Error),
        ]
    }

    /// Units as forms write them: the common ones, Latin abbreviations and Chinese words. Never
    /// one the reader takes apart (万 in front, 每年 or 左右 behind, 至 or 到 for a range).
    fn unit() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "吨",
                "斤",
                "公斤",
                "千克",
                "克",
                "箱",
                "件",
                "袋",
                "盒",
                "瓶",
                "罐",
                "kg",
                "t",
                "个",
                "只",
                "头",
                "亩",
                "株",
                "份",
                "套",
                "立方米",
            ])
            .prop_map(str::to_owned),
            "[a-z]{1,4}",
            "[\u{4e00}-\u{9fa5}]{1,4}",
        ]
        .prop_filter("a unit the reader keeps whole", |u| {
            !u.starts_with('万') && !u.contains(['至', '到']) && !u.ends_with("每年") && !u.ends_with("左右")
        })
    }

    /// A positive amount in thousandths whose whole part has at most fifteen digits.
    fn milli() -> impl Strategy<Value = i64> {
        prop_oneof![1i64..=100_000_000, 1i64..=999_999_999_999_999_999]
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    /// How the amount is printed without its unit: `2.5`, `50`.
    fn amount(milli: i64) -> String {
        Quantity {
            milli,
            unit: String::new(),
        }
        .to_string()
        .trim()
        .to_owned()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_cell_makes_a_reader_panic(cell in any_cell(), header_unit in proptest::option::of(user_text())) {
            if let Ok(Some(value)) = text(&cell) {
                prop_assert!(value.chars().count() <= MAX_TEXT_CHARS);
                prop_assert_eq!(value.trim(), value.as_str());
            }
            let _ = row_no(&cell);
            let _ = people(&cell);
            let _ = county(&cell);
            let _ = credit_code(&cell);
            let _ = gtin(&cell);
            let _ = phone(&cell);
            let _ = code(&cell);
            let _ = category(&cell);
            let _ = poverty_region(&cell);
            if let Ok(Some(fen)) = unit_price(&cell) {
                prop_assert!(fen.0 >= 0);
                if let Cell::Number(n) = cell {
                    prop_assert!((fen.0 as f64 / 100.0 - n).abs() <= 1e-6 * n.abs().max(1.0), "{} read as {}", n, fen);
                }
            }
            let _ = quantity(&cell, header_unit.as_deref());
        }

        /// What `number_text` prints is the number itself, never in exponent form.
        #[test]
        fn a_number_cell_reads_back_as_its_exact_digits(n in any::<f64>().prop_filter("finite", |n| n.is_finite())) {
            let digits = number_text(n);
            prop_assert!(!digits.contains(['e', 'E']), "{}", digits);
            prop_assert_eq!(digits.parse::<f64>(), Ok(n));
            if n.fract() == 0.0 && n.abs() < 1e15 {
                prop_assert_eq!(digits, format!("{}", n as i64));
            }
        }

        #[test]
        fn no_quantity_text_panics_and_an_accepted_one_prints_as_a_fixed_point(
            written in prop_oneof![user_text(), "约?[0-9,.]{1,12}万{0,2}[吨斤箱kKgG每年左右/约万]{0,4}"],
        ) {
            if let Ok(q) = parse_quantity(&written) {
                prop_assert!(q.milli > 0);
                prop_assert_eq!(parse_quantity(&q.to_string()), Ok(q));
            }
        }

        #[test]
        fn quantities_survive_printing_and_parsing(milli in milli(), unit in unit()) {
            let q = Quantity { milli, unit };
            prop_assert_eq!(parse_quantity(&q.to_string()), Ok(q.clone()));
            // The export writes the amount and unit as one cell: `2.5吨`.
            let cell = t(&q.to_string().replace(' ', ""));
            prop_assert_eq!(quantity(&cell, None), Ok(Some(q)));
        }

        #[test]
        fn quantities_written_as_people_do_read_as_the_same_amount(
            milli in 1i64..=100_000_000_000,
            unit in unit(),
            about in prop::sample::select(vec!["", "约"]),
            per_year in prop::sample::select(vec!["", "/年", "每年", "左右"]),
            wide in any::<bool>(),
            upper in any::<bool>(),
            left in padding(),
        ) {
            let number = amount(milli);
            let number = if wide { full_width(&number) } else { number };
            let written_unit = if upper { unit.to_ascii_uppercase() } else { unit.clone() };
            let written = format!("{left}{about}{number} {written_unit}{per_year}");
            prop_assert_eq!(parse_quantity(&written), Ok(Quantity { milli, unit }));
        }

        #[test]
        fn ten_thousands_read_as_the_whole_amount(milli_wan in 1i64..=100_000_000_000_000, unit in unit()) {
            let written = format!("{}万{unit}", amount(milli_wan));
            prop_assert_eq!(parse_quantity(&written), Ok(Quantity { milli: milli_wan * 10_000, unit }));
        }

        #[test]
        fn thousands_separators_do_not_change_the_amount(whole in 1_000i64..=999_999_999_999, unit in unit()) {
            let digits = whole.to_string();
            let grouped: String = digits
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let comma = i > 0 && (digits.len() - i).is_multiple_of(3);
                    comma.then_some(',').into_iter().chain([c])
                })
                .collect();
            let expected = Quantity { milli: whole * 1000, unit: unit.clone() };
            prop_assert_eq!(parse_quantity(&format!("{grouped}{unit}")), Ok(expected));
        }

        #[test]
        fn whole_numbers_read_from_number_and_text_cells(n in any::<u32>()) {
            for cell in [Cell::Number(f64::from(n)), t(&n.to_string()), t(&format!("{n}人")), t(&full_width(&n.to_string()))] {
                prop_assert_eq!(people(&cell), Ok(Some(n)));
            }
            prop_assert_eq!(row_no(&Cell::Number(f64::from(n))), Ok(Some(n)));
            prop_assert_eq!(row_no(&t(&n.to_string())), Ok(Some(n)));
        }

        /// What the export writes in a 单价 cell, number or text, reads back as the same fen.
        #[test]
        fn prices_read_back_from_number_and_text_cells(fen in prop_oneof![0i64..=1_000_000, 0i64..=99_999_999_999_999]) {
            let expected = Ok(Some(Fen(fen)));
            prop_assert_eq!(unit_price(&Cell::Number(fen as f64 / 100.0)), expected.clone());
            prop_assert_eq!(unit_price(&t(&Fen(fen).to_string())), expected.clone());
            prop_assert_eq!(unit_price(&t(&full_width(&Fen(fen).to_string()))), expected);
        }

        #[test]
        fn counties_read_back_by_code_or_name(code in county_code(), left in padding()) {
            let c = region::county(code).unwrap();
            let cells = [
                t(&format!("{left}{code}")),
                Cell::Number(code.parse().unwrap()),
                t(&format!("{left}{}", c.name)),
                t(&format!("{}{}", c.city_name, c.name)),
                t(&format!("{}{}{}", region::PROVINCE_NAME, c.city_name, c.name)),
            ];
            for cell in cells {
                prop_assert_eq!(county(&cell).map(|c| c.map(|c| c.to_string())), Ok(Some(code.to_owned())), "{:?}", cell);
            }
        }

        #[test]
        fn credit_codes_read_back_however_excel_kept_them(code in valid_credit_code()) {
            let spaced: String = code.chars().flat_map(|c| [c, ' ']).collect();
            let cells = [
                t(&code),
                t(&code.to_lowercase()),
                t(&format!("'{code}")),
                t(&format!("=\"{code}\"")),
                t(&full_width(&code)),
                t(&spaced),
            ];
            for cell in cells {
                prop_assert_eq!(credit_code(&cell).map(|c| c.map(|c| c.to_string())), Ok(Some(code.clone())), "{:?}", cell);
            }
        }

        #[test]
        fn gtins_read_back_from_text_and_number_cells(code in valid_gtin()) {
            prop_assert_eq!(gtin(&t(&code)).map(|g| g.map(|g| g.to_string())), Ok(Some(code.clone())));
            // A number cell has no leading zeros: a GTIN that starts with 0 reads as its shorter form.
            if !code.starts_with('0') {
                let cell = Cell::Number(code.parse().unwrap());
                prop_assert_eq!(gtin(&cell).map(|g| g.map(|g| g.to_string())), Ok(Some(code)));
            }
        }

        #[test]
        fn phones_read_back_from_text_and_number_cells(number in mobile(), (area, local, ext) in landline()) {
            let read = |cell: &Cell| phone(cell).map(|p| p.map(|p| p.to_string()));
            prop_assert_eq!(read(&t(&number)), Ok(Some(number.clone())));
            prop_assert_eq!(read(&Cell::Number(number.parse().unwrap())), Ok(Some(number.clone())));
            let landline = match ext {
                Some(ext) => format!("{area}-{local}-{ext}"),
                None => format!("{area}-{local}"),
            };
            prop_assert_eq!(read(&t(&landline)), Ok(Some(landline.clone())));
        }

        #[test]
        fn categories_and_poverty_kinds_read_back_as_written(
            category_name in prop::sample::select(CATEGORIES.to_vec()),
            kind in prop::sample::select(PovertyRegionKind::ALL.to_vec()),
            left in padding(),
        ) {
            prop_assert_eq!(category(&t(&format!("{left}{category_name}"))).map(|c| c.map(|c| c.to_string())), Ok(Some(category_name.to_owned())));
            prop_assert_eq!(poverty_region(&t(kind.label())), Ok(Some(kind)));
            prop_assert_eq!(poverty_region(&t(kind.as_str())), Ok(Some(kind)));
        }

        /// Free text as the CSV export writes it (guarded when it would start a formula) reads
        /// back as the text. Stored text is trimmed, as both the form and the reader trim it.
        #[test]
        fn free_text_reads_back_as_the_export_wrote_it(
            written in prop_oneof![
                "[=+\\-@'\t\r]{0,3}\\PC{1,40}",
                user_text(),
            ].prop_map(|s| s.trim().to_owned()).prop_filter("some text", |s| !s.is_empty() && s.chars().count() <= MAX_TEXT_CHARS),
        ) {
            prop_assert_eq!(text(&t(&csv_text(&written))), Ok(Some(written.clone())));
            prop_assert_eq!(text(&t(&written)).map(|v| v.map(|v| strip_csv_guard(&v).len() <= written.len())), Ok(Some(true)));
        }
    }
}
