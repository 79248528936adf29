//! Signing in and out, sessions, CSRF, throttling, and who may reach which page.

use rstest::rstest;

use crate::helpers::{TestApp, location, spawn_app};

async fn app_with_demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo(40).await;
    app
}

#[tokio::test]
async fn a_county_clerk_signs_in_and_lands_on_the_county_page() {
    let app = app_with_demo().await;
    let b = app.browser();
    let response = b.login("county-610924", fupin_catalog::demo::DEMO_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/county");
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, body) = b.get_text("/county").await;
    assert_eq!(status, 200);
    assert!(body.contains("紫阳县 · 推荐名录"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = app_with_demo().await;
    let b = app.browser();
    for (user, password) in [("county-610924", "wrong-password"), ("nobody", "fupin-demo-2020")] {
        let response = b.login(user, password).await;
        assert_eq!(response.status().as_u16(), 401);
        assert!(response.text().await.unwrap().contains("用户名或密码不正确"));
    }
    assert_eq!(b.get("/county").await.status().as_u16(), 303);
}

#[tokio::test]
async fn repeated_failures_slow_down_further_tries() {
    let app = app_with_demo().await;
    let b = app.browser();
    for _ in 0..5 {
        assert_eq!(b.login("office", "guess").await.status().as_u16(), 401);
    }
    let sixth = b.login("office", fupin_catalog::demo::DEMO_PASSWORD).await;
    assert_eq!(
        sixth.status().as_u16(),
        429,
        "even the right password waits during the slow-down"
    );
    assert!(sixth.text().await.unwrap().contains("秒后再试"));
    let other_account = app
        .browser()
        .login("county-610924", fupin_catalog::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        other_account.status().as_u16(),
        303,
        "another account from the same address is not slowed by a few failures"
    );
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_slowed_down() {
    let app = app_with_demo().await;
    let b = app.browser();
    for i in 0..fupin_catalog::auth::throttle::ADDRESS_FREE_TRIES {
        let name = format!("guess-{i}");
        assert_eq!(b.login(&name, "guess").await.status().as_u16(), 401);
    }
    let next = app
        .browser()
        .login("county-610924", fupin_catalog::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        next.status().as_u16(),
        429,
        "the address waits, whichever account it tries"
    );
}

#[rstest]
#[case::no_token(None)]
#[case::wrong_token(Some("0000"))]
#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused(#[case] token: Option<&str>) {
    let app = app_with_demo().await;
    let b = app.signed_in("county-610924").await;
    let mut form = vec![];
    if let Some(t) = token {
        form.push(("csrf_token", t));
    }
    let response = b.post_raw("/county/batches", &form).await;
    assert!(
        matches!(response.status().as_u16(), 400 | 403),
        "got {}",
        response.status()
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("CSRF") || body.contains("表单"), "{body}");
    let (_, page) = b.get_text("/county").await;
    assert!(page.contains("还没有推荐名录"), "nothing may be created");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = app_with_demo().await;
    let b = app.signed_in("office").await;
    assert_eq!(b.get("/office").await.status().as_u16(), 200);
    assert_eq!(b.post("/logout", &[]).await.status().as_u16(), 303);
    let after = b.get("/office").await;
    assert_eq!(after.status().as_u16(), 303);
    assert!(location(&after).starts_with("/login?next=%2Foffice"));
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_at_its_next_request() {
    let app = app_with_demo().await;
    let clerk = app.signed_in("county-610924").await;
    let office = app.signed_in("office").await;
    let (_, accounts) = office.get_text("/office/accounts").await;
    let id = account_id(&accounts, "county-610924");
    let response = office
        .post(&format!("/office/accounts/{id}/active"), &[("active", "0")])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(clerk.get("/county").await.status().as_u16(), 303);
    assert_eq!(
        clerk
            .login("county-610924", fupin_catalog::demo::DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
}

fn account_id(accounts_page: &str, username: &str) -> String {
    let row = accounts_page
        .split("<tr>")
        .find(|r| r.contains(&format!(">{username}<")))
        .expect("account listed");
    let start = row.find("/office/accounts/").unwrap() + "/office/accounts/".len();
    row[start..].split('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_office_resets_a_password_and_the_user_must_choose_a_new_one() {
    let app = app_with_demo().await;
    let office = app.signed_in("office").await;
    let (_, accounts) = office.get_text("/office/accounts").await;
    let id = account_id(&accounts, "city-610900");
    let page = office
        .post(&format!("/office/accounts/{id}/reset"), &[])
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("临时密码：").unwrap() + "临时密码：".len();
    let temporary: String = page[start..].chars().take(12).collect();

    let city = app.browser();
    let response = city.login("city-610900", &temporary).await;
    assert_eq!(location(&response), "/account/password");
    let short = city
        .post(
            "/account/password",
            &[("current", &temporary), ("new", "short"), ("repeat", "short")],
        )
        .await;
    assert_eq!(short.status().as_u16(), 400);
    assert!(short.text().await.unwrap().contains("至少需要 10 个字符"));
    let ok = city
        .post(
            "/account/password",
            &[
                ("current", &temporary),
                ("new", "安康市总工会-2026"),
                ("repeat", "安康市总工会-2026"),
            ],
        )
        .await;
    assert_eq!(ok.status().as_u16(), 200);
    let again = app.browser();
    assert_eq!(
        location(&again.login("city-610900", "安康市总工会-2026").await),
        "/city"
    );
}
