//! Spreadsheets in and out: the nomination form 《贫困县重点扶贫产品供应商推荐名录》 (Attachment 2 of
//! 陕工发〔2020〕1号) as county unions already fill it in, plus the catalogue's extra columns.
//!
//! Reading is all-or-nothing: [`parse_nomination_sheet`] either returns every row, checked, or every
//! problem found in the file, each naming the row and column as the user sees them in Excel. Nothing
//! here touches the database or the web layer.

mod catalogue;
mod columns;
mod formula;
mod import;
mod limits;
mod missing_reports;
mod orders;
mod purchase;
mod purchase_form;
mod read;
mod report;
pub mod sample;
mod scan;
mod stats;
mod unions;
mod values;
mod write;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind, Quantity};

pub use catalogue::{CATALOGUE_TITLE, CatalogueLine, catalogue_csv, catalogue_xlsx};
pub use columns::{Column, EXTRA_COLUMNS, FORM_COLUMNS};
pub use import::parse_nomination_sheet;
pub use missing_reports::{MissingReport, missing_reports_xlsx};
pub use orders::{OrderExportRow, RecipientExportRow, orders_xlsx, recipients_xlsx};
pub use purchase::{PurchaseGroup, PurchaseList, PurchaseRow};
pub use purchase_form::{MAX_FORM_LINES, PurchaseFormRow, PurchaseFormWriter};
pub use report::{Attachment1, Attachment1Part, MAX_REPORT_ROWS, ParsedReport, parse_report_sheet, report_xlsx};
pub use stats::{StatsCell, StatsTable, stats_xlsx};
pub use unions::{MAX_UNION_ROWS, ParsedUnions, UnionInput, parse_union_sheet, union_template_xlsx};
pub use values::parse_quantity;
pub use write::{nomination_template_xlsx, nominations_csv, nominations_xlsx};

/// Uploads larger than this are refused before any parsing: a form of a few thousand rows is well
/// under 1 MiB, so anything near the limit is almost certainly the wrong file.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// More data rows than this are refused; a compressed xlsx can hold far more rows than its size
/// suggests, and no county nominates this many products.
pub const MAX_DATA_ROWS: usize = 20_000;

/// A sheet may hold content on rows up to this number: the data rows plus the title, the header,
/// the form's lines and some blank rows. Content further down is refused before it is stored.
pub const MAX_SHEET_ROWS: usize = MAX_DATA_ROWS + 1_000;

/// A sheet may hold content in this many columns (A to BL); the form has 17.
pub const MAX_SHEET_COLUMNS: usize = 64;

/// The form's title, as printed above the table.
pub const FORM_TITLE: &str = "贫困县重点扶贫产品供应商推荐名录";

/// One nominated supplier + product, as read from a row of the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NominationInput {
    /// 序号
    pub row_no: Option<u32>,
    /// 贫困县 (written as a name such as 紫阳县 or a code such as 610924)
    pub county: Option<CountyCode>,
    /// 供应商/销售商
    pub supplier_name: String,
    /// 统一社会信用代码
    pub credit_code: Option<CreditCode>,
    /// 商品名称
    pub product_name: String,
    /// 扶贫产品产量, e.g. 50吨, 5万斤, 3000箱
    pub annual_output: Option<Quantity>,
    /// 带贫人数
    pub poor_people_supported: Option<u32>,
    /// 供应商/销售商联系人 (empty when the form left it blank)
    pub contact_name: String,
    /// 联系方式
    pub contact_phone: Option<PhoneNumber>,
    /// 品类
    pub category: Option<Category>,
    /// 规格
    pub specification: Option<String>,
    /// 单价（元）
    pub unit_price: Option<Fen>,
    /// 全国扶贫产品目录认定编号
    pub national_catalogue_no: Option<String>,
    /// 商品条码
    pub gtin: Option<Gtin>,
    /// 认证（SC/绿色/有机/地理标志）, free text
    pub certificates: Option<String>,
    /// 扶贫地区类型
    pub poverty_region: Option<PovertyRegionKind>,
    /// 贫困村/帮扶关系
    pub poverty_region_note: Option<String>,
}

impl NominationInput {
    /// The fields still missing before the row can be submitted for review, as column names.
    ///
    /// A row carrying only Attachment 2's eight columns imports fine as a draft; this list is what
    /// the county union still has to fill in. 序号, 商品条码 and 认证 are never required (fresh
    /// produce often has no barcode or certificate).
    pub fn missing_for_submission(&self) -> Vec<&'static str> {
        let present = [
            (Column::County, self.county.is_some()),
            (Column::SupplierName, !self.supplier_name.trim().is_empty()),
            (Column::CreditCode, self.credit_code.is_some()),
            (Column::ProductName, !self.product_name.trim().is_empty()),
            (Column::AnnualOutput, self.annual_output.is_some()),
            (Column::PoorPeopleSupported, self.poor_people_supported.is_some()),
            (Column::ContactName, !self.contact_name.trim().is_empty()),
            (Column::ContactPhone, self.contact_phone.is_some()),
            (Column::Category, self.category.is_some()),
            (Column::Specification, self.specification.is_some()),
            (Column::UnitPrice, self.unit_price.is_some()),
            (Column::NationalCatalogueNo, self.national_catalogue_no.is_some()),
            (Column::PovertyRegion, self.poverty_region.is_some()),
            (Column::PovertyRegionNote, self.has_poverty_region_note_if_needed()),
        ];
        present
            .into_iter()
            .filter(|(_, ok)| !ok)
            .map(|(column, _)| column.name())
            .collect()
    }

    /// A product from a poverty county is placed by its county alone; from a village, a designated
    /// site or a paired region, reviewers need to know which one.
    fn has_poverty_region_note_if_needed(&self) -> bool {
        match self.poverty_region {
            None | Some(PovertyRegionKind::PovertyCounty) => true,
            Some(_) => self.poverty_region_note.is_some(),
        }
    }
}

/// The lines written around the table on the paper form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormMeta {
    /// 推荐单位（盖章）：
    pub recommending_unit: Option<String>,
    /// 填报人：
    pub filled_by: Option<String>,
    /// 联系方式： / 联系电话： (kept as written: it may hold a name and a number)
    pub contact: Option<String>,
}

/// A sheet that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSheet {
    /// Each row with its 1-based row number in the sheet, in sheet order.
    pub rows: Vec<(u32, NominationInput)>,
    pub form_meta: FormMeta,
    /// Things the user may want to know that did not stop the import (ignored columns, skipped
    /// 合计 rows, other worksheets not read).
    pub warnings: Vec<String>,
}

impl ParsedSheet {
    /// One line per row whose 贫困县 is not `county`: a county union nominates for its own county only.
    pub fn rows_outside(&self, county: &CountyCode) -> Vec<String> {
        self.rows
            .iter()
            .filter(|(_, r)| r.county.as_ref().is_some_and(|c| c != county))
            .map(|(n, r)| {
                format!(
                    "第 {n} 行：贫困县为“{}”，只能推荐本县（{}）的产品",
                    r.county.as_ref().map(|c| c.county().name).unwrap_or(""),
                    county.county().name
                )
            })
            .collect()
    }
}

/// One problem in one cell. `row` is the 1-based row number Excel shows; `column` the header text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub row: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第 {} 行“{}”列：{}", self.row, self.column, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("文件太大（{} KB），上限为 {} KB：请只上传推荐名录表格本身", .size / 1024, .limit / 1024)]
    TooLarge { size: usize, limit: usize },

    #[error("文件是空的：请上传填好的推荐名录表格（.xlsx、.xls 或 .csv）")]
    Empty,

    #[error("“{filename}”不是可读取的表格文件：{reason}。请上传 Excel 表格（.xlsx、.xls）或 CSV 文件")]
    NotASpreadsheet { filename: String, reason: String },

    #[error(
        "没有找到表头行：前 {searched_rows} 行中没有一行同时包含“贫困县”“供应商/销售商”“商品名称”等列名。\
         请使用推荐名录模板，表头应为：{expected}",
        expected = columns::form_headers_joined()
    )]
    NoHeader { searched_rows: usize },

    #[error(
        "表头缺少必填列：{}。找到的表头为：{}",
        quoted_list(.missing),
        quoted_list(.found)
    )]
    MissingColumns { missing: Vec<String>, found: Vec<String> },

    #[error("表头下面没有数据行：请在第 {header_row} 行表头下逐行填写推荐的供应商和商品")]
    NoRows { header_row: u32 },

    #[error("数据行太多（{rows} 行），一次最多导入 {limit} 行：请分成几个文件上传")]
    TooManyRows { rows: usize, limit: usize },

    /// Content where the form cannot have any, found while reading and refused before anything is
    /// allocated for it. `column` is the column's letters, as Excel shows them.
    #[error(
        "第 {row} 行第 {column} 列有内容：表格最多 {max_rows} 行、{max_columns} 列，请删除多余的行列后再上传",
        max_rows = MAX_SHEET_ROWS,
        max_columns = MAX_SHEET_COLUMNS
    )]
    CellOutsideForm { row: u64, column: String },

    /// A file that would take more memory or time to read than any real form needs (a huge cell,
    /// a zip bomb, thousands of parts). `reason` names what and where.
    #[error(
        "“{filename}”不能读取：{reason}。正常的推荐名录表格不会这样，请在 Excel 或 WPS 中删除多余的内容，另存为新文件后再上传"
    )]
    Oversized { filename: String, reason: String },

    #[error("表格中有 {} 处错误，整张表未导入，请改正后重新上传：\n{}", .0.len(), cell_error_lines(.0))]
    Invalid(Vec<CellError>),
}

impl SheetError {
    /// Every problem, one line each, for the person who uploaded the sheet.
    pub fn lines(&self) -> Vec<String> {
        match self {
            SheetError::Invalid(errors) => errors.iter().map(CellError::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    if items.is_empty() {
        return "（无）".to_owned();
    }
    items.iter().map(|s| format!("“{s}”")).collect::<Vec<_>>().join("、")
}

/// The whole list would be unreadable for a sheet where every row is wrong; [`SheetError::lines`]
/// still gives every problem.
const ERRORS_IN_MESSAGE: usize = 50;

fn cell_error_lines(errors: &[CellError]) -> String {
    let mut lines: Vec<String> = errors
        .iter()
        .take(ERRORS_IN_MESSAGE)
        .map(CellError::to_string)
        .collect();
    if errors.len() > ERRORS_IN_MESSAGE {
        lines.push(format!("……另有 {} 处错误未列出", errors.len() - ERRORS_IN_MESSAGE));
    }
    lines.join("\n")
}
