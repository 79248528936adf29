//! Signing out: afterwards the back button shows no signed-in page, because signed-in pages are
//! not kept (no-store) and the server no longer knows the session.

use crate::Served;

#[test]
fn after_signing_out_the_back_button_shows_no_signed_in_page() {
    let Some(served) = Served::with_demo(10) else { return };
    let page = served.page("sign-out");
    page.sign_in("office").go("/office");
    let dashboard = page.text();
    assert!(dashboard.contains("退出"), "signed in: {dashboard}");

    page.click_and_wait("form[action='/logout'] button[type=submit]");
    assert!(!page.text().contains("退出"), "signed out: {}", page.text());

    page.then_next_page("the back button", || {
        page.tab.evaluate("history.back()", false).unwrap();
    });
    let shown = page.text();
    assert!(
        !shown.contains("退出") && page.path().starts_with("/login"),
        "the office's page is not shown again after signing out: {} {shown}",
        page.path()
    );
    page.screenshot("signed-out-back");
}
