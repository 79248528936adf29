use rstest::rstest;

use crate::helpers::spawn_app;

#[tokio::test]
async fn home_page_says_what_the_catalogue_is_and_counts_what_it_holds() {
    let app = spawn_app().await;
    let report = app.seed_demo(300).await;
    let (status, body) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("全省工会消费扶贫产品推荐目录"));
    assert!(body.contains("lang=\"zh-CN\""));
    assert!(body.contains(&format!(
        "<span class=\"stat-value\">{}</span><span class=\"stat-label\">供应商",
        report.suppliers
    )));
    assert!(body.contains("href=\"/regions\""));
}

#[tokio::test]
async fn home_page_works_on_an_empty_catalogue() {
    let app = spawn_app().await;
    let (status, body) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<span class=\"stat-value\">0</span><span class=\"stat-label\">在目录中的产品"));
}

#[tokio::test]
async fn regions_page_lists_every_county_with_its_poverty_history() {
    let app = spawn_app().await;
    let (status, body) = app.get_text("/regions").await;
    assert_eq!(status, 200);
    assert_eq!(body.matches("<td class=\"mono\">61").count(), 107);
    assert_eq!(body.matches("class=\"tag tag-poverty\"").count(), 56);
    assert!(body.contains("旬阳市"));
    assert!(body.contains("贫困县 · 2019 年摘帽"));
}

#[rstest]
#[case("/no-such-page")]
#[case("/regions/extra")]
#[case("/%E4%B8%8D%E5%AD%98%E5%9C%A8")]
#[tokio::test]
async fn unknown_paths_get_the_chinese_404_page(#[case] path: &str) {
    let app = spawn_app().await;
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("找不到页面"));
    assert!(body.contains("返回首页"));
}

#[rstest]
#[case("/assets/css/app.css", "text/css")]
#[case("/assets/favicon.svg", "image/svg+xml")]
#[tokio::test]
async fn static_files_are_served_with_cache_headers(#[case] path: &str, #[case] content_type: &str) {
    let app = spawn_app().await;
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type)
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert!(response.headers().contains_key("etag"));
}

#[tokio::test]
async fn a_browser_with_the_current_copy_of_an_asset_gets_not_modified() {
    let app = spawn_app().await;
    let first = app.get("/assets/css/app.css").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(format!("{}/assets/css/app.css", app.address))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = app
        .client
        .get(format!("{}/assets/css/app.css", app.address))
        .header("If-None-Match", "\"an-older-release\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 200);
    assert!(stale.text().await.unwrap().contains("body"));
    let head = app
        .client
        .head(format!("{}/assets/css/app.css", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(app.get("/assets/css/missing.css").await.status().as_u16(), 404);
}

#[tokio::test]
async fn asset_paths_cannot_climb_out_of_the_assets_folder() {
    let app = spawn_app().await;
    let response = app.get("/assets/..%2f..%2fCargo.toml").await;
    assert!(response.status().is_client_error());
}

#[tokio::test]
async fn pages_link_no_outside_resources() {
    let app = spawn_app().await;
    for path in ["/", "/regions", "/missing"] {
        let (_, body) = app.get_text(path).await;
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path} links outside: pages must load offline"
        );
    }
}
