//! Uploading a nomination spreadsheet: what is refused before it is read.

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_empty_upload_is_refused_with_a_message() {
    let app = spawn_app().await;
    app.seed_demo(10);
    let county = app.signed_in("county-610924").await;
    let response = county.upload("/county/upload", "推荐名录.xlsx", Vec::new()).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("文件是空的"));
    assert!(county.get_text("/county").await.1.contains("还没有推荐名录"));
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    app.seed_demo(10);
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
    app.seed_demo(10);
    let city = app.signed_in("city-610900").await;
    assert_eq!(
        city.upload("/county/upload", "a.csv", b"a,b".to_vec())
            .await
            .status()
            .as_u16(),
        403
    );
}
