//! Accessibility: axe-core (vendored under `tests/browser/axe/`) runs in every public page, the
//! sign-in page and one page per signed-in audience. No serious or critical violation may remain,
//! and every page says its language is Chinese (`lang="zh-CN"`).

use crate::Served;
use crate::chrome::Page;

const AXE: &str = include_str!("axe/axe.min.js");

/// Every violation axe finds on the page shown: (impact, one line naming the rule and the first
/// elements).
fn violations(page: &Page) -> Vec<(String, String)> {
    if page.eval_string("typeof window.axe") != "object" {
        page.tab.evaluate(AXE, false).expect("axe-core loads");
    }
    let found = page.eval_string(
        "axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
           return JSON.stringify(r.violations.map(function (v) {
             return [v.impact || 'minor', v.id + ': ' + v.help + ' — ' +
               v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(', ')];
           }));
         })",
    );
    serde_json::from_str(&found).unwrap()
}

/// What axe found, page by page, for the report; the serious and critical ones also go to
/// `problems`.
fn check(page: &Page, path: &str, problems: &mut Vec<String>, report: &mut Vec<String>) {
    page.go(path);
    let lang = page.eval_string("document.documentElement.lang");
    if lang != "zh-CN" {
        problems.push(format!("{path}: lang is “{lang}”"));
    }
    let found = violations(page);
    report.push(format!("{path}: {} violations", found.len()));
    for (impact, what) in found {
        report.push(format!("  {impact} {what}"));
        if impact == "serious" || impact == "critical" {
            problems.push(format!("{path}: {impact} {what}"));
        }
    }
}

#[test]
fn public_pages_sign_in_and_each_audience_have_no_serious_accessibility_violations() {
    let Some(served) = Served::with_demo(30) else { return };
    let app = &served.app;
    fupin_catalog::open_data::publish(
        &mut app.db(),
        &app.settings.open_data_dir(),
        fupin_catalog::db::now(),
        false,
    )
    .expect("open data written");
    let mut problems = Vec::new();
    let mut report = Vec::new();

    let visitor = served.page("a11y-public");
    visitor.go("/search");
    visitor.click_and_wait("a.result-name");
    let product = visitor.path();
    let code = product.trim_start_matches("/products/").to_owned();
    for path in [
        "/",
        "/search",
        "/search?q=%E8%8C%B6",
        product.as_str(),
        "/categories",
        "/regions",
        "/changes",
        "/changes?kind=delisted",
        "/notices",
        "/open-data",
        "/search?as_of=2025-06-30",
        &format!("/products/{code}?as_of=2025-06-30"),
        &format!("/t/{code}"),
        "/t/610000-99999",
        "/no-such-page",
        "/login",
    ] {
        check(&visitor, path, &mut problems, &mut report);
    }
    visitor.phone(Some((390, 844)));
    check(&visitor, &format!("/t/{code}"), &mut problems, &mut report);

    for (user, path) in [
        ("office", "/office"),
        ("office", "/office/review"),
        ("city-610900", "/city"),
        ("county-610924", "/county"),
        ("grassroots-01", "/union"),
        ("seller-01", "/seller"),
        ("industry-01", "/reports"),
        ("office", "/stats"),
    ] {
        let page = served.page(&format!("a11y-{user}"));
        page.sign_in(user);
        check(&page, path, &mut problems, &mut report);
    }
    // The whole finding, minor ones included, for whoever improves the pages next.
    std::fs::write(
        crate::chrome::artifacts_dir().join("axe-report.txt"),
        report.join("\n") + "\n",
    )
    .unwrap();
    assert!(problems.is_empty(), "accessibility problems:\n{}", problems.join("\n"));
}
