//! Search as an employee uses it: suggestions while typing, a suggestion opening its product,
//! facet links narrowing the results, and the same page with script turned off.

use crate::Served;

#[test]
fn typing_suggests_products_and_choosing_one_opens_it() {
    let Some(served) = Served::with_demo(120) else { return };
    let page = served.page("search-suggest");
    page.go("/search");
    assert_eq!(page.count("#suggestions [role=option]"), 0);
    page.fill("input[name=q]", "茶");
    page.wait_until(
        "!document.getElementById('suggestions').hidden && document.querySelectorAll('#suggestions [role=option]').length > 0",
        "suggestions appear under the search box",
    );
    assert_eq!(
        page.eval_string("document.querySelector('input[name=q]').getAttribute('aria-expanded')"),
        "true"
    );
    page.screenshot("search-suggestions");
    let first = page.eval_string("document.querySelector('#suggestions [role=option] a').firstChild.textContent");
    assert!(first.contains('茶'), "a suggestion for 茶: {first}");
    page.click_and_wait("#suggestions [role=option] a");
    assert!(
        page.path().starts_with("/products/"),
        "the product opens: {}",
        page.path()
    );
    assert_eq!(page.text_of("h1").trim(), first, "the product chosen");
    page.screenshot("search-suggestion-opened");

    // The keyboard works too: down to the first suggestion, Enter opens it.
    page.go("/search");
    page.fill("input[name=q]", "cha");
    page.wait_until(
        "document.querySelectorAll('#suggestions [role=option]').length > 0",
        "pinyin suggests too",
    );
    page.tab.press_key("ArrowDown").unwrap();
    assert_eq!(
        page.eval_string("document.querySelector('input[name=q]').getAttribute('aria-activedescendant')"),
        "suggestion-0"
    );
    page.then_next_page_at(
        "Enter on the highlighted product",
        "location.pathname.startsWith('/products/')",
        || {
            page.tab.press_key("Enter").unwrap();
        },
    );
    page.screenshot("search-keyboard-opened");
}

/// The number in the summary line (“…：N 件产品”) of the page's HTML.
fn total(html: &str) -> usize {
    let start = html.find("class=\"summary\"").expect("a summary line");
    let summary = &html[start..start + html[start..].find("件产品").expect("a total")];
    let digits: String = summary
        .chars()
        .rev()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or_else(|_| panic!("a total in {summary}"))
}

/// The count shown beside the first facet link.
fn first_facet_count(html: &str) -> usize {
    let facet = &html[html.find("class=\"facet\"").expect("facets")..];
    let count = &facet[facet.find("class=\"count\">").expect("a count") + "class=\"count\">".len()..];
    count[..count.find('<').unwrap()].trim().parse().unwrap()
}

#[test]
fn facet_links_narrow_the_results_with_script_and_without() {
    let Some(served) = Served::with_demo(120) else { return };
    for (name, script) in [("search-facets", true), ("search-no-script", false)] {
        let page = served.page(name);
        page.script(script).go("/search");
        let html = page.html();
        let all = total(&html);
        let expected = first_facet_count(&html);
        page.click_without_script("details.facet li a");
        assert!(
            page.path().contains('='),
            "the facet is in the address: {}",
            page.path()
        );
        let html = page.html();
        let narrowed = total(&html);
        assert_eq!(
            narrowed, expected,
            "the facet's count is the number of results (script {script})"
        );
        assert!(narrowed < all, "narrowed from {all} to {narrowed}");
        assert_eq!(
            html.matches("aria-current=\"true\"").count(),
            1,
            "the chosen facet is marked"
        );
    }

    // With script off, the search box is a plain form.
    let plain = served.page("search-no-script-form");
    plain.script(false).go("/search");
    plain
        .type_without_script("input[name=q]", "茶")
        .click_without_script("form[role=search] button[type=submit]");
    assert!(plain.path().starts_with("/search?q="), "{}", plain.path());
    let html = plain.html();
    assert!(total(&html) > 0, "the form searches without script");
    assert!(html.contains("class=\"result-name\""));
    plain.screenshot("search-without-script");
}
