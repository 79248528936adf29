//! Exports in the official layouts.

use calamine::Reader;

use crate::helpers::spawn_app;

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
    let response = city.get("/office/export/nominations.xlsx?city=610900").await;
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
