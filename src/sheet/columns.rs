//! The form's columns and how to recognise their headers as people actually type them.

/// A column the catalogue understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    RowNo,
    County,
    SupplierName,
    ProductName,
    AnnualOutput,
    PoorPeopleSupported,
    ContactName,
    ContactPhone,
    CreditCode,
    Category,
    Specification,
    UnitPrice,
    NationalCatalogueNo,
    Gtin,
    Certificates,
    PovertyRegion,
    PovertyRegionNote,
}

/// Attachment 2's eight columns, in the form's order.
pub const FORM_COLUMNS: [Column; 8] = [
    Column::RowNo,
    Column::County,
    Column::SupplierName,
    Column::ProductName,
    Column::AnnualOutput,
    Column::PoorPeopleSupported,
    Column::ContactName,
    Column::ContactPhone,
];

/// The catalogue's columns after the form's eight, in the template's order.
pub const EXTRA_COLUMNS: [Column; 9] = [
    Column::CreditCode,
    Column::Category,
    Column::Specification,
    Column::UnitPrice,
    Column::NationalCatalogueNo,
    Column::Gtin,
    Column::Certificates,
    Column::PovertyRegion,
    Column::PovertyRegionNote,
];

impl Column {
    /// Every column in template order: the form's eight, then the extras.
    pub fn all() -> impl Iterator<Item = Column> {
        FORM_COLUMNS.into_iter().chain(EXTRA_COLUMNS)
    }

    /// The header as the template writes it, and as messages name the column.
    pub fn header(self) -> &'static str {
        match self {
            Self::RowNo => "序号",
            Self::County => "贫困县",
            Self::SupplierName => "供应商/销售商",
            Self::ProductName => "商品名称",
            Self::AnnualOutput => "扶贫产品产量",
            Self::PoorPeopleSupported => "带贫人数",
            Self::ContactName => "供应商/销售商联系人",
            Self::ContactPhone => "联系方式",
            Self::CreditCode => "统一社会信用代码",
            Self::Category => "品类",
            Self::Specification => "规格",
            Self::UnitPrice => "单价（元）",
            Self::NationalCatalogueNo => "全国扶贫产品目录认定编号",
            Self::Gtin => "商品条码",
            Self::Certificates => "认证",
            Self::PovertyRegion => "扶贫地区类型",
            Self::PovertyRegionNote => "贫困村/帮扶关系",
        }
    }

    /// The column's name without the unit note, as lists of missing fields name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::UnitPrice => "单价",
            other => other.header(),
        }
    }

    /// Other names seen for the column, already in [`normalise_header`] form.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::RowNo => &["序号", "编号", "no", "no."],
            Self::County => &[
                "贫困县",
                "县区",
                "所在县",
                "所在县区",
                "县(区)",
                "贫困县(区)",
                "县区名称",
                "所属县区",
            ],
            Self::SupplierName => &[
                "供应商/销售商",
                "供应商",
                "销售商",
                "供应商名称",
                "供应商/销售商名称",
                "供应商(销售商)",
                "企业名称",
            ],
            Self::ProductName => &["商品名称", "产品名称", "扶贫产品名称", "商品名"],
            Self::AnnualOutput => &["扶贫产品产量", "产量", "年产量", "扶贫产品年产量"],
            Self::PoorPeopleSupported => &["带贫人数", "带动贫困人数", "带贫数", "带动贫困人口数", "带动贫困人口"],
            Self::ContactName => &["供应商/销售商联系人", "联系人", "供应商联系人", "销售商联系人"],
            Self::ContactPhone => &[
                "联系方式",
                "联系电话",
                "电话",
                "手机",
                "手机号",
                "手机号码",
                "联系人电话",
            ],
            Self::CreditCode => &["统一社会信用代码", "信用代码", "社会信用代码"],
            Self::Category => &["品类", "产品品类", "商品品类", "类别"],
            Self::Specification => &["规格", "规格型号", "包装规格"],
            Self::UnitPrice => &["单价", "价格", "销售价格", "销售单价"],
            Self::NationalCatalogueNo => &[
                "全国扶贫产品目录认定编号",
                "认定编号",
                "目录认定编号",
                "扶贫产品认定编号",
                "全国扶贫产品认定编号",
            ],
            Self::Gtin => &["商品条码", "条码", "条形码", "商品条形码", "gtin"],
            Self::Certificates => &["认证", "认证情况", "产品认证"],
            Self::PovertyRegion => &["扶贫地区类型", "地区类型", "扶贫类型"],
            Self::PovertyRegionNote => &["贫困村/帮扶关系", "贫困村", "帮扶关系", "贫困村或帮扶关系"],
        }
    }

    /// Whether a row may leave the cell empty and still be imported (as a draft). Only the two
    /// names that identify a nomination are needed to import it.
    pub fn required_in_every_row(self) -> bool {
        matches!(self, Self::SupplierName | Self::ProductName)
    }

    /// Whether the header row must contain the column: Attachment 2's columns except 序号.
    pub fn required_in_header(self) -> bool {
        FORM_COLUMNS.contains(&self) && self != Self::RowNo
    }
}

/// A header cell recognised as one of our columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    pub column: Column,
    /// A note in brackets after the name, e.g. 吨 in 扶贫产品产量（吨）: the unit of plain numbers.
    pub note: Option<String>,
}

/// Recognises a header cell. Tries the whole text first (so 县（区） stays a county), then the
/// text without a trailing bracketed note such as （元） or （吨）.
pub fn match_header(raw: &str) -> Option<HeaderMatch> {
    let text = normalise_header(raw);
    if text.is_empty() {
        return None;
    }
    if let Some(column) = column_named(&text) {
        return Some(HeaderMatch { column, note: None });
    }
    let (name, note) = split_trailing_note(&text)?;
    column_named(name).map(|column| HeaderMatch {
        column,
        note: Some(note.to_owned()).filter(|n| !n.is_empty()),
    })
}

fn column_named(text: &str) -> Option<Column> {
    Column::all().find(|c| c.synonyms().contains(&text))
}

/// `单价(元)` → (`单价`, `元`). Only a note at the very end counts.
fn split_trailing_note(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let name = &inner[..open];
    (!name.is_empty()).then_some((name, &inner[open + 1..]))
}

/// Makes header text comparable: no whitespace at all (the seed form breaks 商品 名称 across
/// lines), full-width ASCII folded to half-width (（）／：→ ()/:), 、 read as /, ASCII lower-cased,
/// and required-field markers (*) and trailing colons dropped.
pub fn normalise_header(raw: &str) -> String {
    let folded: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_width)
        .map(|c| if c == '、' { '/' } else { c })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    folded.trim_matches(|c| c == '*' || c == ':').to_owned()
}

/// Full-width forms U+FF01..U+FF5E map onto ASCII 0x21..0x7E; the ideographic space is handled
/// as whitespace before this.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '【' | '〔' => '(',
        '】' | '〕' => ')',
        _ => c,
    }
}

/// The form's eight headers joined for messages.
pub fn form_headers_joined() -> String {
    FORM_COLUMNS.iter().map(|c| c.header()).collect::<Vec<_>>().join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // The seed form's own headers, line breaks and stray spaces included.
    #[case("供应商/ 销售商", Column::SupplierName)]
    #[case("商品\n名称", Column::ProductName)]
    #[case("商品 名称", Column::ProductName)]
    #[case("扶贫产\n品产量", Column::AnnualOutput)]
    #[case("带贫 人数", Column::PoorPeopleSupported)]
    #[case("供应商/销售商 联系人", Column::ContactName)]
    #[case("联系方式", Column::ContactPhone)]
    // Synonyms and punctuation variants.
    #[case("产品名称", Column::ProductName)]
    #[case("联系电话", Column::ContactPhone)]
    #[case("信用代码", Column::CreditCode)]
    #[case("单价（元）", Column::UnitPrice)]
    #[case("单价(元)", Column::UnitPrice)]
    #[case("价格", Column::UnitPrice)]
    #[case("GTIN", Column::Gtin)]
    #[case("条码", Column::Gtin)]
    #[case("县区", Column::County)]
    #[case("所在县", Column::County)]
    #[case("县（区）", Column::County)]
    #[case("*贫困县", Column::County)]
    #[case("供应商／销售商", Column::SupplierName)]
    #[case("供应商、销售商", Column::SupplierName)]
    #[case("贫困村／帮扶关系", Column::PovertyRegionNote)]
    #[case("认证（SC/绿色/有机/地理标志）", Column::Certificates)]
    #[case("序\u{3000}号", Column::RowNo)]
    fn headers_are_recognised(#[case] raw: &str, #[case] column: Column) {
        assert_eq!(match_header(raw).map(|m| m.column), Some(column), "{raw}");
    }

    #[test]
    fn a_bracketed_unit_is_kept_as_the_note() {
        let m = match_header("扶贫产品产量（万斤）").unwrap();
        assert_eq!(m.column, Column::AnnualOutput);
        assert_eq!(m.note.as_deref(), Some("万斤"));
    }

    #[rstest]
    #[case("备注")]
    #[case("")]
    #[case("（元）")]
    #[case("商品名称备注")]
    fn other_text_is_not_a_header(#[case] raw: &str) {
        assert_eq!(match_header(raw), None);
    }

    #[test]
    fn every_template_header_recognises_itself() {
        for column in Column::all() {
            assert_eq!(match_header(column.header()).map(|m| m.column), Some(column));
        }
    }
}
