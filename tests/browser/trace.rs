//! The traceability record through its forms: a batch and its photo are added by clicking, and
//! the photo then shows (and loads) on the scan page an employee opens.

use crate::Served;

/// A plain picture: sky, hills and a field, 640 × 480.
fn photo(path: &std::path::Path) {
    let picture = image::RgbImage::from_fn(640, 480, |x, y| {
        let hill = 300.0 - 60.0 * ((x as f32) / 90.0).sin();
        if (y as f32) < hill {
            image::Rgb([150, 200, 240])
        } else if y < 380 {
            image::Rgb([60, 140, 60])
        } else {
            image::Rgb([200, 170, 90])
        }
    });
    picture.save(path).unwrap();
}

#[test]
fn a_batch_and_its_photo_added_through_the_form_show_on_the_scan_page() {
    let Some(served) = Served::with_demo(10) else { return };
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("采收现场.png");
    photo(&picture);

    let office = served.page("trace-form");
    office.sign_in("office").go("/search");
    office.click_and_wait("a.result-name");
    let code = office.path().trim_start_matches("/products/").to_owned();
    let name = office.text_of("h1").trim().to_owned();
    assert_eq!(office.count("img.thumb"), 0, "no photo yet, no thumbnail");

    office.go(&format!("/products/{code}/trace"));
    office
        .fill("form[action$='/trace/batches'] input[name=lot]", "L20261202-07")
        .fill("form[action$='/trace/batches'] input[name=quantity]", "1.5吨")
        .fill("form[action$='/trace/batches'] input[name=origin]", "示例村三组")
        .click_and_wait("form[action$='/trace/batches'] button[type=submit]");
    assert!(
        office.text().contains("L20261202-07"),
        "the batch is listed: {}",
        office.text()
    );

    let option = office.eval_string(
        "Array.from(document.querySelectorAll('select[name=attach_to] option')).find(o => o.textContent.includes('L20261202-07')).value",
    );
    office
        .select("select[name=attach_to]", &option)
        .fill("form[action$='/trace/media'] input[name=caption]", "采收现场")
        .choose_file("form[action$='/trace/media'] input[type=file]", &picture)
        .click_and_wait("form[action$='/trace/media'] button[type=submit]");
    assert!(
        office.text().contains("采收现场"),
        "the photo is listed: {}",
        office.text()
    );

    // The employee scans the product's code, then opens the batch printed on the package.
    let phone = served.page("trace-scan");
    phone.phone(Some((390, 844))).go(&format!("/t/{code}"));
    phone.click_and_wait("a[href*='L20261202-07']");
    assert!(
        phone.text_of(".sub").contains("L20261202-07"),
        "the batch's own scan page"
    );
    let img = "img[alt='采收现场']";
    assert_eq!(phone.count(img), 1, "the photo is on the scan page");
    phone.tab.find_element(img).unwrap().scroll_into_view().unwrap();
    phone.wait_image_loaded(img);
    phone.screenshot("scan-with-photo-390");

    // Search results now show the photo's thumbnail beside the product.
    let searcher = served.page("trace-search-thumbnail");
    searcher.go(&format!("/search?q={}", name));
    let thumb = format!("li.result:has(a[href='/products/{code}']) img.thumb");
    assert_eq!(
        searcher.count(&thumb),
        1,
        "a thumbnail in the results: {}",
        searcher.text()
    );
    searcher.wait_image_loaded(&thumb);
    searcher.phone(Some((390, 844))).go(&format!("/search?q={}", name));
    searcher.screenshot("search-with-thumbnail-390");
}
