//! Exports in the official layouts.

use std::io::Read;

use calamine::{Data, Reader};
use fupin_catalog::domain::CreditCode;

use crate::helpers::{Browser, location, spawn_app};

#[tokio::test]
async fn the_office_exports_the_catalogue_as_a_spreadsheet_and_as_csv() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let office = app.signed_in("office").await;
    let response = office.get("/office/export/catalogue.xlsx").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("推荐目录").unwrap();
    let total: serde_json::Value = app.get("/api/v1/products?per_page=1").await.json().await.unwrap();
    assert_eq!(
        range.height() as u64 - 3,
        total["total"].as_u64().unwrap(),
        "one row per listed product"
    );

    let csv = office
        .get("/office/export/catalogue.csv?status=all")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}序号,目录编号"));
    assert_eq!(csv.lines().count(), 121, "header and every product");
    assert_eq!(office.get("/office/export/catalogue.pdf").await.status().as_u16(), 404);
    assert_eq!(
        office
            .get("/office/export/catalogue.xlsx?status=gone")
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn a_citys_nominations_export_in_the_form_the_counties_fill_in() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    crate::nominations::submitted_batch(&county).await;
    let city = app.signed_in("city-610900").await;
    let response = city.get("/office/export/nominations.xlsx?county=610924").await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    let parsed = fupin_catalog::sheet::parse_nomination_sheet(&bytes, "export.xlsx").unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].1.product_name, "紫阳富硒茶");
    assert_eq!(
        city.get("/office/export/nominations.xlsx?city=610100")
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        county
            .get("/office/export/nominations.xlsx?county=610924")
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(county.get("/office/export/catalogue.xlsx").await.status().as_u16(), 403);
}

const LINK: &str = "=HYPERLINK(\"http://example.com/\",\"点击查看\")";

/// Supplier and product names a county typed that Excel would take for formulas.
const FORMULA_NAMES: [(&str, &str); 2] = [(LINK, "+紫阳富硒茶"), ("-紫阳县示例茶业专业合作社", "@紫阳毛尖")];

/// The county types two rows whose names start like formulas and submits them to the city.
async fn batch_with_formula_names(county: &Browser) {
    let response = county.post("/county/batches", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let id: i32 = location(&response).trim_start_matches("/nominations/").parse().unwrap();
    let credit = CreditCode::with_check_char("93610924MA0000001").unwrap().to_string();
    for (n, (supplier, product)) in FORMULA_NAMES.iter().enumerate() {
        let row_no = (n + 1).to_string();
        let mut row = crate::nominations::complete_row(&row_no, product, &credit);
        row.retain(|(field, _)| *field != "supplier_name");
        row.push(("supplier_name", supplier));
        let response = county.post(&format!("/nominations/{id}/rows"), &row).await;
        assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    }
    let response = county.post(&format!("/nominations/{id}/submit"), &[]).await;
    assert_eq!(response.status().as_u16(), 303);
}

/// The cells of an xlsx's first worksheet whose format is quote-prefixed (`C3`): calamine does not
/// report the property, so the styles are read from the package.
fn quote_prefixed_cells(xlsx: &[u8]) -> Vec<String> {
    let mut package = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut part = |name: &str| {
        let mut xml = String::new();
        package.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    };
    let (styles, sheet) = (part("xl/styles.xml"), part("xl/worksheets/sheet1.xml"));
    let styles = roxmltree::Document::parse(&styles).unwrap();
    let quoted: Vec<bool> = styles
        .descendants()
        .find(|n| n.has_tag_name("cellXfs"))
        .unwrap()
        .children()
        .filter(|n| n.has_tag_name("xf"))
        .map(|xf| xf.attribute("quotePrefix") == Some("1"))
        .collect();
    let sheet = roxmltree::Document::parse(&sheet).unwrap();
    sheet
        .descendants()
        .filter(|c| c.has_tag_name("c"))
        .filter(|c| {
            c.attribute("s")
                .and_then(|s| s.parse::<usize>().ok())
                .is_some_and(|s| quoted[s])
        })
        .map(|c| c.attribute("r").unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn exported_names_that_start_like_formulas_stay_text_in_csv_and_xlsx() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    batch_with_formula_names(&county).await;
    let office = app.signed_in("office").await;

    // CSV: the names behind an apostrophe, numbers as they are.
    let response = office.get("/office/export/nominations.csv?county=610924").await;
    assert_eq!(response.status().as_u16(), 200);
    let csv = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    for (record, (supplier, product)) in records.iter().zip(FORMULA_NAMES) {
        assert_eq!(&record[at("供应商/销售商")], format!("'{supplier}"));
        assert_eq!(&record[at("商品名称")], format!("'{product}"));
        assert_eq!(&record[at("单价（元）")], "168.00");
        assert_eq!(&record[at("带贫人数")], "120");
    }
    assert_eq!((&records[0][at("序号")], &records[1][at("序号")]), ("1", "2"));
    let names = |parsed: fupin_catalog::sheet::ParsedSheet| -> Vec<(String, String)> {
        parsed
            .rows
            .into_iter()
            .map(|(_, r)| (r.supplier_name, r.product_name))
            .collect()
    };
    let expected: Vec<(String, String)> = FORMULA_NAMES
        .iter()
        .map(|(s, p)| (s.to_string(), p.to_string()))
        .collect();
    let from_csv = fupin_catalog::sheet::parse_nomination_sheet(csv.as_bytes(), "export.csv").unwrap();
    assert_eq!(
        names(from_csv),
        expected,
        "our importer reads its CSV back without the apostrophes"
    );

    // xlsx: the names exactly as typed, in quote-prefixed cells; numbers are numbers.
    let response = office.get("/office/export/nominations.xlsx?county=610924").await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = book.worksheet_range("推荐名录").unwrap();
    let header_row = 1;
    let col = |name: &str| {
        (0..range.width() as u32)
            .find(|c| matches!(range.get_value((header_row, *c)), Some(Data::String(s)) if s == name))
            .unwrap()
    };
    let (supplier_col, product_col) = (col("供应商/销售商"), col("商品名称"));
    for (i, (supplier, product)) in FORMULA_NAMES.iter().enumerate() {
        let row = header_row + 1 + i as u32;
        assert_eq!(
            range.get_value((row, supplier_col)),
            Some(&Data::String(supplier.to_string()))
        );
        assert_eq!(
            range.get_value((row, product_col)),
            Some(&Data::String(product.to_string()))
        );
        assert_eq!(range.get_value((row, col("单价（元）"))), Some(&Data::Float(168.0)));
        assert_eq!(range.get_value((row, col("带贫人数"))), Some(&Data::Float(120.0)));
    }
    let excel_name = |row: u32, col: u32| format!("{}{}", (b'A' + col as u8) as char, row + 1);
    let mut expected_quoted = Vec::new();
    for i in 0..FORMULA_NAMES.len() as u32 {
        let row = header_row + 1 + i;
        expected_quoted.extend([excel_name(row, supplier_col), excel_name(row, product_col)]);
    }
    assert_eq!(
        quote_prefixed_cells(&bytes),
        expected_quoted,
        "only the formula-like names"
    );
    let from_xlsx = fupin_catalog::sheet::parse_nomination_sheet(&bytes, "export.xlsx").unwrap();
    assert_eq!(names(from_xlsx), expected);
}
