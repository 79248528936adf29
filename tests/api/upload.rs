//! Uploading a nomination spreadsheet: what is refused before it is read.

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_empty_upload_is_refused_with_a_message() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let response = county.upload("/county/upload", "推荐名录.xlsx", Vec::new()).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("文件是空的"));
    assert!(county.get_text("/county").await.1.contains("还没有推荐名录"));
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let fifty_mb = vec![b'x'; 50 * 1024 * 1024];
    let response = county.upload("/county/upload", "big.xlsx", fifty_mb).await;
    assert_eq!(response.status().as_u16(), 413);
    assert!(response.text().await.unwrap().contains("文件超过 10 MB"));
    assert!(county.get_text("/county").await.1.contains("还没有推荐名录"));
}

#[tokio::test]
async fn only_county_unions_upload() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let city = app.signed_in("city-610900").await;
    assert_eq!(
        city.upload("/county/upload", "a.csv", b"a,b".to_vec())
            .await
            .status()
            .as_u16(),
        403
    );
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture exists")
}

/// (fixture, the account of the county its rows belong to)
#[rstest::rstest]
#[case::saved_by_libreoffice("nominations_one_county_libreoffice.xlsx", "county-611026")]
#[case::old_excel_format("nominations_one_county_libreoffice.xls", "county-611026")]
#[case::gbk_csv_from_excel("nominations_gbk.csv", "county-610924")]
#[case::attachment_two_only("nominations_eight_columns_one_county.xlsx", "county-610629")]
#[tokio::test]
async fn a_county_clerk_uploads_the_sheet_she_already_has(#[case] file: &str, #[case] account: &str) {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in(account).await;
    let response = county.upload("/county/upload", file, fixture(file)).await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let batch = crate::helpers::location(&response);
    let (status, page) = county.get_text(&batch).await;
    assert_eq!(status, 200);
    assert!(page.contains("（示例）"), "the rows are shown");
    assert!(page.contains(file), "the source file is named");
    if file.contains("eight_columns") {
        assert!(
            page.contains("待补："),
            "rows with only Attachment 2's columns are drafts to complete online"
        );
    }
}

#[rstest::rstest]
#[case::wrong_columns("malformed_wrong_columns.xlsx", "缺少")]
#[case::bad_credit_code("malformed_bad_credit_code.xlsx", "统一社会信用代码")]
#[case::text_in_numbers("malformed_text_in_numbers.xlsx", "带贫人数")]
#[case::duplicate_rows("malformed_duplicates.csv", "重复")]
#[case::empty_file("malformed_empty.xlsx", "空")]
#[case::picture_renamed("malformed_png_renamed.xlsx", "不是")]
#[case::zip_renamed("malformed_zip_renamed.xlsx", "不是")]
#[case::text_renamed("malformed_text_garbage.xlsx", "表头")]
#[tokio::test]
async fn a_malformed_sheet_gets_its_own_message_and_changes_nothing(#[case] file: &str, #[case] says: &str) {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let response = county.upload("/county/upload", file, fixture(file)).await;
    assert_eq!(response.status().as_u16(), 400);
    let body = response.text().await.unwrap();
    assert!(
        body.contains(says),
        "{file}: expected “{says}” in the message:\n{}",
        error_text(&body)
    );
    assert!(
        county.get_text("/county").await.1.contains("还没有推荐名录"),
        "nothing imported"
    );
}

fn error_text(page: &str) -> &str {
    page.find("class=\"alert\"")
        .map(|i| &page[i..(i + 1500).min(page.len())])
        .unwrap_or(page)
}

#[tokio::test]
async fn a_county_cannot_upload_another_countys_rows() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let response = county
        .upload("/county/upload", "x.xlsx", fixture("nominations_libreoffice.xlsx"))
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("只能推荐本县"));
}

#[tokio::test]
async fn the_blank_template_downloads_and_reads_back() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let response = county.get("/county/template.xlsx").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    assert!(matches!(
        fupin_catalog::sheet::parse_nomination_sheet(&bytes, "template.xlsx"),
        Err(fupin_catalog::sheet::SheetError::NoRows { .. })
    ));
}
