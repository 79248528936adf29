use crate::helpers::spawn_app;

#[tokio::test]
async fn health_check_reports_ok_and_the_backend_in_use() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    // CI runs this suite once more with TEST_DATABASE_URL set; this proves it really ran on PostgreSQL.
    let expected = if app.expects_postgres() { "postgresql" } else { "sqlite" };
    assert_eq!(body["database"], expected);
    if std::env::var("FUPIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        assert_eq!(
            body["database"], "postgresql",
            "FUPIN_REQUIRE_POSTGRES=1 but the suite ran on SQLite"
        );
    }
}
