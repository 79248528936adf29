//! A grassroots union adapts a published bundle into its own plan by clicking, and the statistics
//! dashboard draws its charts.

use crate::Served;

#[test]
fn a_grassroots_union_adapts_a_bundle_into_a_plan_and_confirms_it() {
    let Some(served) = Served::with_demo(60) else { return };
    let union = served.page("union-plan");
    union.sign_in("grassroots-01").go("/union");
    let bundle = union.eval_string(
        "Array.from(document.querySelectorAll('select[name=bundle_id] option')).map(o => o.value).find(v => v !== '') || ''",
    );
    assert!(!bundle.is_empty(), "the demo has a published bundle to start from");
    // The festival policy's allowance is mostly planned already (the demo's confirmed tea plan):
    // the form starts on the policy with the most room, which a newcomer can confirm under.
    let policy = union.eval_string("document.querySelector('select[name=policy_id]').selectedOptions[0].textContent");
    assert!(
        !policy.contains("节日慰问品"),
        "the form starts on a policy with room: {policy}"
    );
    union
        .select("select[name=bundle_id]", &bundle)
        .fill("form[action='/union/plans'] input[name=headcount]", "10")
        .fill("form[action='/union/plans'] input[name=name]", "元旦慰问（浏览器测试）")
        .click_and_wait("form[action='/union/plans'] button[type=submit]");
    assert!(
        union.path().starts_with("/union/plans/"),
        "the plan opens: {}",
        union.path()
    );
    assert!(union.text_of("h1").contains("元旦慰问（浏览器测试）"));
    let lines = union.count("li.bundle-line");
    assert!(lines >= 2, "the bundle's products are in the plan: {lines}");

    // Adapt it: one product less, two of the first per person.
    union.click_and_wait("li.bundle-line:last-child form[action$='/remove'] button[type=submit]");
    assert_eq!(union.count("li.bundle-line"), lines - 1, "one line removed");
    union
        .fill("li.bundle-line:first-child input[name=quantity]", "2")
        .click_and_wait("li.bundle-line:first-child form.inline:not([action$='/remove']) button[type=submit]");
    assert!(
        union.text_of("li.bundle-line:first-child .line-price").contains("× 2"),
        "two per person: {}",
        union.text_of("li.bundle-line:first-child .line-price")
    );

    assert_eq!(
        union.count("form[action$='/confirm'] button:disabled"),
        0,
        "the plan fits its allowance: {}",
        union.text()
    );
    union.click_and_wait("form[action$='/confirm'] button[type=submit]");
    assert!(union.text().contains("已确认"), "confirmed: {}", union.text());
    assert_eq!(
        union.count("a[href$='/purchase-list']"),
        1,
        "the purchase list is offered"
    );
    union.screenshot("union-plan-confirmed");
}

#[test]
fn the_statistics_dashboard_draws_its_charts() {
    let Some(served) = Served::with_demo(60) else { return };
    let office = served.page("stats-charts");
    office.sign_in("office").go("/stats");
    let charts = office.count("figure.chart svg");
    assert!(charts >= 3, "progress, running total and city charts: {charts}");
    // Drawn, not empty: every chart has a size and marks in it.
    let drawn = office.eval_string(
        "String(Array.from(document.querySelectorAll('figure.chart svg')).every(function (s) {
           var box = s.getBoundingClientRect();
           return box.width > 100 && box.height > 50 && s.querySelectorAll('rect, path, polyline, line').length > 2;
         }))",
    );
    assert_eq!(drawn, "true", "every chart is drawn");
    office.phone(Some((390, 844))).go("/stats");
    assert_eq!(
        office.eval_string("String(document.documentElement.scrollWidth <= 390)"),
        "true",
        "the dashboard fits a phone (wide tables scroll inside their box)"
    );
    office.screenshot("stats-390");
}
