//! What a hostile or careless caller meets: sessions that end, redirects that stay on the site,
//! headers on every response, bounded uploads, a throttle that parallel guesses cannot slip past,
//! and configuration mistakes refused at start.

use std::time::Duration;

use crate::cli::{assert_one_clear_error_line, fupin, run_with_limit};
use crate::helpers::{TestApp, location, spawn_app};

async fn app_with_demo() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo(40).await;
    app
}

#[tokio::test]
async fn signing_out_in_one_browser_ends_the_accounts_sessions_everywhere() {
    let app = app_with_demo().await;
    let desk = app.signed_in("office").await;
    let laptop = app.signed_in("office").await;
    assert_eq!(laptop.get("/office").await.status().as_u16(), 200);
    assert_eq!(desk.post("/logout", &[]).await.status().as_u16(), 303);
    let after = laptop.get("/office").await;
    assert_eq!(after.status().as_u16(), 303, "a cookie kept elsewhere stops working");
    assert!(location(&after).starts_with("/login"));
}

#[tokio::test]
async fn a_new_password_ends_other_sessions_and_keeps_this_one() {
    let app = app_with_demo().await;
    let here = app.signed_in("city-610900").await;
    let elsewhere = app.signed_in("city-610900").await;
    let password = fupin_catalog::demo::DEMO_PASSWORD;
    let changed = here
        .post(
            "/account/password",
            &[
                ("current", password),
                ("new", "安康市总工会-2027"),
                ("repeat", "安康市总工会-2027"),
            ],
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(
        here.get("/city").await.status().as_u16(),
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        elsewhere.get("/city").await.status().as_u16(),
        303,
        "the other session ended"
    );
}

#[tokio::test]
async fn signing_in_gives_a_new_session_and_a_new_form_token() {
    let app = app_with_demo().await;
    let b = app.browser();
    let before = b.csrf().await;
    let response = b.login("county-610924", fupin_catalog::demo::DEMO_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, page) = b.get_text("/county").await;
    let after = crate::helpers::csrf_from(&page).expect("the county page has forms");
    assert_ne!(
        before, after,
        "the token from before signing in is not the session's token"
    );
    // The old token no longer passes.
    let refused = b.post_raw("/county/batches", &[("csrf_token", &before)]).await;
    assert_eq!(refused.status().as_u16(), 403);
}

#[rstest::rstest]
#[case::tab("/\t/evil.example")]
#[case::newline("/\n/evil.example")]
#[case::backslash("/\\evil.example")]
#[case::scheme_relative("//evil.example")]
#[case::absolute("https://evil.example/")]
#[tokio::test]
async fn signing_in_never_sends_anyone_to_another_site(#[case] next: &str) {
    let app = app_with_demo().await;
    let b = app.browser();
    let token = b.csrf().await;
    let response = b
        .post_raw(
            "/login",
            &[
                ("username", "county-610924"),
                ("password", fupin_catalog::demo::DEMO_PASSWORD),
                ("next", next),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), "/county", "{next:?} was not followed");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = app_with_demo().await;
    let office = app.signed_in("office").await;
    let visitor = app.browser();
    for (who, response) in [
        ("visitor, home", visitor.get("/").await),
        ("visitor, not found", visitor.get("/no-such-page").await),
        ("visitor, API", visitor.get("/api/v1/products?q=茶").await),
        ("office, page", office.get("/office").await),
        ("office, refused", office.get("/county").await),
    ] {
        let h = response.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned());
        let csp = csp.unwrap_or_else(|| panic!("{who}: no CSP"));
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{who}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{who}: {csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{who}");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin", "{who}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "{who}: plain http gets no HSTS"
        );
    }
    let page = office.get("/office/accounts").await;
    assert_eq!(
        page.headers().get("cache-control").unwrap(),
        "no-store",
        "a signed-in page is never stored"
    );
    let public_while_signed_in = office.get("/search?q=茶").await;
    assert_eq!(
        public_while_signed_in.headers().get("cache-control").unwrap(),
        "no-store"
    );
    let asset = office.get("/assets/css/app.css").await;
    assert_ne!(
        asset.headers().get("cache-control").unwrap(),
        "no-store",
        "assets stay cacheable"
    );
}

#[tokio::test]
async fn pages_are_compressed_for_phones_on_weak_networks() {
    let app = app_with_demo().await;
    let response = app
        .client
        .get(format!("{}/search?q=茶", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    let png = app
        .client
        .get(format!("{}/assets/favicon.svg", app.address))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(png.status().as_u16(), 200);
}

#[tokio::test]
async fn a_form_from_another_site_is_refused_even_with_a_token() {
    let app = app_with_demo().await;
    let county = app.signed_in("county-610924").await;
    let token = county.csrf().await;
    let response = county
        .client
        .post(format!("{}/county/batches", county.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn an_upload_must_carry_its_token_before_the_file() {
    let app = app_with_demo().await;
    let county = app.signed_in("county-610924").await;
    let token = county.csrf().await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("a.csv"),
        )
        .text("csrf_token", token);
    let response = county
        .client
        .post(format!("{}/county/upload", county.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn an_upload_of_many_fields_is_refused() {
    let app = app_with_demo().await;
    let county = app.signed_in("county-610924").await;
    let mut form = reqwest::multipart::Form::new().text("csrf_token", county.csrf().await);
    for i in 0..200 {
        form = form.text(format!("f{i}"), "x");
    }
    let response = county
        .client
        .post(format!("{}/county/upload", county.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("字段太多"));
}

#[tokio::test]
async fn a_caller_without_the_right_is_refused_before_the_file_is_read() {
    let app = app_with_demo().await;
    let grassroots = app.signed_in("grassroots-01").await;
    let token = grassroots.csrf().await;
    // 200 MB that the server must not read: sent slowly enough that reading it would show.
    let chunk = bytes_chunk();
    let stream = futures_util::stream::iter((0..200).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let body = reqwest::Body::wrap_stream(stream);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part("file", reqwest::multipart::Part::stream(body).file_name("big.jpg"));
    let started = std::time::Instant::now();
    let response = grassroots
        .client
        .post(format!("{}/products/610924-00001/trace/media", grassroots.address))
        .multipart(form)
        .send()
        .await;
    let status = response.map(|r| r.status().as_u16()).unwrap_or(403);
    assert_eq!(status, 403);
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn bytes_chunk() -> actix_web::web::Bytes {
    actix_web::web::Bytes::from(vec![0u8; 1024 * 1024])
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_checked() {
    let app = app_with_demo().await;
    let mut guesses = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let b = app.browser();
        guesses.spawn(async move { b.login("office", "wrong-guess").await.status().as_u16() });
    }
    let statuses: Vec<u16> = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let slowed = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + slowed, statuses.len(), "{statuses:?}");
    assert!(
        checked <= fupin_catalog::auth::throttle::ACCOUNT_FREE_TRIES as usize,
        "at most the free tries are checked: {statuses:?}"
    );
}

#[test]
fn an_unusable_session_key_stops_the_start_with_one_line() {
    let data = tempfile::tempdir().unwrap();
    let output = run_with_limit(
        fupin()
            .env("FUPIN_SESSION_KEY", "not-hex")
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path()),
        Duration::from_secs(30),
    );
    assert_one_clear_error_line(&output, &["FUPIN_SESSION_KEY"]);
}

#[test]
fn an_unreadable_proxy_list_stops_the_start_with_one_line() {
    let data = tempfile::tempdir().unwrap();
    let output = run_with_limit(
        fupin()
            .env("FUPIN_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path()),
        Duration::from_secs(30),
    );
    assert_one_clear_error_line(&output, &["FUPIN_TRUSTED_PROXIES", "proxy.local"]);
}

/// The CSP forbids inline styles and scripts, so a template that carries one would render
/// unstyled or broken in every browser; none may.
#[test]
fn no_template_carries_inline_style_or_script() {
    fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let l = line.to_ascii_lowercase();
                let handler = ["onclick=", "onload=", "onchange=", "onsubmit=", "oninput="]
                    .iter()
                    .any(|h| l.contains(h));
                let inline_script = l.contains("<script") && !l.contains(" src=");
                if l.contains("<style") || l.contains(" style=\"") || handler || inline_script {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "inline style or script, blocked by the CSP:\n{}",
        found.join("\n")
    );
}
