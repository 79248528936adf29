//! The nomination journey by clicking: a county clerk uploads her sheet, the city forwards it, the
//! office approves two rows and returns one, the product's scan page shows it on a phone, the
//! office delists it and the same scan page opens with the red banner.

use crate::Served;

/// Three complete rows for 柞水县, as the clerk's sheet holds them (CSV, as Excel saves it).
const SHEET: &str = "贫困县重点扶贫产品供应商推荐名录
推荐单位（盖章）：柞水县总工会
序号,贫困县,供应商/销售商,商品名称,扶贫产品产量,带贫人数,供应商/销售商联系人,联系方式,统一社会信用代码,品类,规格,单价（元）,全国扶贫产品目录认定编号,商品条码,认证,扶贫地区类型,贫困村/帮扶关系
1,柞水县,柞水县示例秦岭木耳农业专业合作社,柞水黑木耳（示例）,2.5万公斤,120,王示例,13800000011,93611026MA00000113,食用菌,500克/袋,68.50,示例000011,2000000000114,SC生产许可（示例）,贫困县（已摘帽）,
2,611026,柞水县示例金穗农产品有限公司,柞水木耳礼盒（示例）,3000箱,85人,李示例,13800000012,91611026MA0000012C,食用菌,250克×2袋/盒,98,示例000012,2000000000121,,贫困县,
3,柞水县,柞水县示例秦岭木耳农业专业合作社,柞水香菇（示例）,8000公斤,60,王示例,13800000011,93611026MA00000113,食用菌,300克/袋,45,示例000013,,,贫困县,
填报人：,赵示例
联系方式：,13800000019
";

#[test]
fn a_sheet_goes_from_the_county_clerk_to_the_scan_page_and_is_delisted_by_clicking() {
    let Some(served) = Served::with_demo(10) else { return };
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("柞水县推荐名录.csv");
    std::fs::write(&sheet, SHEET).unwrap();

    // The county clerk uploads her sheet through the file input and sees its rows.
    let county = served.page("county-upload");
    county.sign_in("county-611026").go("/county/upload");
    county
        .choose_file("input[type=file][name=file]", &sheet)
        .click_and_wait("form[action='/county/upload'] button[type=submit]");
    let batch = county.path();
    assert!(
        batch.starts_with("/nominations/"),
        "the upload opens its batch: {}",
        county.text()
    );
    let rows = county.text();
    for name in ["柞水黑木耳（示例）", "柞水木耳礼盒（示例）", "柞水香菇（示例）"] {
        assert!(rows.contains(name), "{name} is shown");
    }
    county.click_and_wait("form[action$='/submit'] button[type=submit]");
    assert!(county.text().contains("已提交"), "submitted: {}", county.text());

    // The city forwards it.
    let city = served.page("city-forward");
    city.sign_in("city-611000").go(&batch);
    city.click_and_wait("form[action$='/forward'] button[type=submit]");
    assert!(city.text().contains("已报送"), "forwarded: {}", city.text());

    // The office approves two rows and returns the third with a reason.
    let office = served.page("office-review");
    office.sign_in("office").go(&batch);
    office
        .click("input[aria-label='选择第 1 行']")
        .click("input[aria-label='选择第 2 行']")
        .click_and_wait("#review button[type=submit]");
    assert_eq!(office.text().matches("已通过").count(), 2, "{}", office.text());
    office
        .click("input[aria-label='选择第 3 行']")
        .select("#review select[name=decision]", "return")
        .fill("#review input[name=reason]", "请补充商品条码")
        .click_and_wait("#review button[type=submit]");
    let page = office.text();
    assert!(page.contains("请补充商品条码"), "the reason is shown: {page}");

    // The approved product, found as an employee would: search, then its page.
    let phone = served.page("scan-phone");
    phone.go("/search?q=%E6%9F%9E%E6%B0%B4%E9%BB%91%E6%9C%A8%E8%80%B3");
    phone.click_and_wait("a.result-name");
    let code = phone.path().trim_start_matches("/products/").to_owned();
    assert!(code.starts_with("611026-"), "a product of 柞水县: {code}");
    phone.phone(Some((390, 844))).go(&format!("/t/{code}"));
    assert!(
        phone.text_of("h1").contains("柞水黑木耳"),
        "the scan page shows the product"
    );
    assert_eq!(phone.count(".banner"), 0, "no banner while listed");
    assert!(
        phone.eval_string("String(document.documentElement.scrollWidth <= 390)") == "true",
        "nothing wider than the phone"
    );
    phone.screenshot("scan-listed-390");

    // The office delists it; the same scan page now opens with the red banner.
    office.go(&format!("/office/products/{code}"));
    office
        .select("select[name=to]", "delisted")
        .fill("form[action$='/status'] input[name=reason]", "抽检不合格，经查实")
        .click_and_wait("form[action$='/status'] button[type=submit]");
    phone.go(&format!("/t/{code}"));
    let banner = phone.text_of(".banner");
    assert!(banner.contains("清出"), "the red banner: {banner}");
    assert_eq!(
        phone.eval_string("getComputedStyle(document.querySelector('.banner')).backgroundColor"),
        "rgb(200, 22, 29)",
        "the banner is red"
    );
    phone.screenshot("scan-delisted-390");
}
