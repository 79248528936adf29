//! The catalogue as other systems read it: EPCIS 2.0 documents of each batch, validated against
//! GS1's published schema, and the Digital Link routes answering as a GS1 resolver.

use diesel::prelude::*;
use fupin_catalog::db::schema::{product_batches, products};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

fn epcis_schema() -> jsonschema::Validator {
    let text = include_str!("../data/epcis/EPCIS-JSON-Schema.json");
    let schema: Value = serde_json::from_str(text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("GS1's schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every batch still on record, as (catalogue code, lot).
fn batches(app: &TestApp) -> Vec<(String, String)> {
    product_batches::table
        .inner_join(products::table)
        .filter(product_batches::removed_at.is_null())
        .order(product_batches::id)
        .select((products::catalogue_code, product_batches::lot_code))
        .load(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn every_demo_batch_has_an_epcis_document_that_gs1s_schema_accepts() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let validator = epcis_schema();
    // The schema itself rejects what it should: the check can fail.
    let broken = serde_json::json!({"@context": [], "type": "EPCISDocument", "schemaVersion": 2,
        "creationDate": "yesterday", "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "ADD"}]}});
    assert!(schema_errors(&validator, &broken).len() >= 3);

    let all = batches(&app);
    assert!(all.len() >= 10, "the demo has batches: {}", all.len());
    let (mut inspected, mut with_gtin) = (0, 0);
    for (code, lot) in &all {
        let response = app.get(&format!("/t/{code}/{lot}/epcis.json")).await;
        assert_eq!(response.status().as_u16(), 200, "{code}/{lot}");
        assert_eq!(response.headers()["content-type"], "application/ld+json");
        let doc: Value = response.json().await.unwrap();
        let errors = schema_errors(&validator, &doc);
        assert!(errors.is_empty(), "{code}/{lot}: {errors:#?}\n{doc:#}");
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        assert_eq!(events[0]["bizStep"], "commissioning");
        assert_eq!(events[0]["ilmd"]["cbvmda:lotNumber"], lot.as_str());
        inspected += events.iter().filter(|e| e["bizStep"] == "inspecting").count();
        let class = events[0]["quantityList"][0]["epcClass"].as_str().unwrap();
        if class.starts_with("https://id.gs1.org/01/") {
            with_gtin += 1;
        } else {
            assert!(class.ends_with(&format!("/t/{code}/{lot}")), "{class}");
        }
    }
    assert!(
        inspected > 0 && with_gtin > 0,
        "inspections {inspected}, GTIN classes {with_gtin}"
    );

    for missing in ["/t/610924-99999/A1/epcis.json", "/t/not-a-code/A1/epcis.json"] {
        let response = app.get(missing).await;
        assert_eq!(response.status().as_u16(), 404, "{missing}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains("目录中没有"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_recalled_lot_has_a_recall_event_that_the_schema_accepts() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let (code, lot) = batches(&app).remove(0);
    let batch: i32 = product_batches::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(&code))
        .filter(product_batches::lot_code.eq(&lot))
        .select(product_batches::id)
        .first(&mut app.db())
        .unwrap();
    let office = app.signed_in("office").await;
    let response = office
        .post(
            &format!("/office/products/{code}/recalls"),
            &[
                ("batch_id", batch.to_string().as_str()),
                ("reason", "抽检不合格"),
                ("notice_no", "陕市监食抽〔2026〕7号"),
                ("failed_item", "铅（以Pb计）"),
                ("result", "1.2 mg/kg"),
                ("limit", "≤0.5 mg/kg"),
                ("testing_body", "陕西省产品质量监督检验研究院"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
    let doc: Value = app
        .get(&format!("/t/{code}/{lot}/epcis.json"))
        .await
        .json()
        .await
        .unwrap();
    assert!(schema_errors(&epcis_schema(), &doc).is_empty());
    let recall = doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["disposition"] == "recalled")
        .expect("a recall event");
    assert_eq!(recall["fupin:noticeNumber"], "陕市监食抽〔2026〕7号");
    assert_eq!(recall["fupin:testingBody"], "陕西省产品质量监督检验研究院");
}

/// RFC 9264 §4.2: an object whose only member is `linkset`, an array of context objects, each
/// with an `anchor` and, per relation, an array of target objects that each have an `href`;
/// `hreflang` is an array, `type` and `title` strings.
fn check_linkset(body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(top) = body.as_object() else {
        return vec!["not an object".into()];
    };
    if top.len() != 1 {
        problems.push(format!("members besides linkset: {:?}", top.keys().collect::<Vec<_>>()));
    }
    let Some(contexts) = top.get("linkset").and_then(Value::as_array) else {
        return vec!["no linkset array".into()];
    };
    for context in contexts {
        let Some(context) = context.as_object() else {
            problems.push("a context that is not an object".into());
            continue;
        };
        if !context.get("anchor").is_some_and(Value::is_string) {
            problems.push("a context without an anchor".into());
        }
        for (relation, targets) in context.iter().filter(|(k, _)| *k != "anchor") {
            if !relation.starts_with("https://") {
                problems.push(format!("{relation}: an extension relation must be a URI"));
            }
            let Some(targets) = targets.as_array() else {
                problems.push(format!("{relation}: not an array"));
                continue;
            };
            for target in targets {
                if !target.get("href").is_some_and(Value::is_string) {
                    problems.push(format!("{relation}: a target without href"));
                }
                if target.get("hreflang").is_some_and(|h| !h.is_array()) {
                    problems.push(format!("{relation}: hreflang is not an array"));
                }
                for key in ["type", "title"] {
                    if target.get(key).is_some_and(|v| !v.is_string()) {
                        problems.push(format!("{relation}: {key} is not a string"));
                    }
                }
            }
        }
    }
    problems
}

/// A listed demo product with a GTIN and a batch: (code, GTIN-14, lot).
fn product_with_gtin(app: &TestApp) -> (String, String, String) {
    let (code, gtin, lot): (String, String, String) = products::table
        .inner_join(product_batches::table)
        .filter(products::gtin.is_not_null())
        .filter(product_batches::removed_at.is_null())
        .select((
            products::catalogue_code,
            products::gtin.assume_not_null(),
            product_batches::lot_code,
        ))
        .first(&mut app.db())
        .expect("the demo gives some products with batches a GTIN");
    let gtin14 = fupin_catalog::domain::Gtin::parse(&gtin).unwrap().to_gtin14();
    (code, gtin14, lot)
}

#[tokio::test]
async fn digital_links_answer_as_a_gs1_resolver() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let (code, gtin, lot) = product_with_gtin(&app);

    let response = app.get(&format!("/01/{gtin}?linkType=all")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/linkset+json");
    let body: Value = response.json().await.unwrap();
    let problems = check_linkset(&body);
    assert!(problems.is_empty(), "{problems:#?}\n{body:#}");
    let context = &body["linkset"][0];
    assert_eq!(
        context["anchor"].as_str().unwrap(),
        format!("{}/01/{gtin}", app.address)
    );
    let pip = context["https://gs1.org/voc/pip"][0]["href"].as_str().unwrap();
    assert_eq!(
        pip,
        format!("{}/t/{code}", app.address),
        "the scan page is the product information page"
    );
    let epcis: Vec<&str> = context["https://gs1.org/voc/epcis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["href"].as_str().unwrap())
        .collect();
    assert!(
        epcis.contains(&format!("{}/t/{code}/{lot}/epcis.json", app.address).as_str()),
        "{epcis:?}"
    );
    for href in [pip, epcis[0]] {
        let path = href.strip_prefix(&app.address).unwrap();
        assert_eq!(app.get(path).await.status().as_u16(), 200, "{href} leads somewhere");
    }

    // The lot's own link set, asked for with Accept.
    let lot_set = app
        .client
        .get(format!("{}/01/{gtin}/10/{lot}", app.address))
        .header("accept", "application/linkset+json")
        .send()
        .await
        .unwrap();
    assert_eq!(lot_set.headers()["content-type"], "application/linkset+json");
    let lot_body: Value = lot_set.json().await.unwrap();
    assert!(check_linkset(&lot_body).is_empty());
    assert_eq!(
        lot_body["linkset"][0]["https://gs1.org/voc/epcis"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let json = app
        .client
        .get(format!("{}/01/{gtin}", app.address))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    assert_eq!(json.headers()["vary"], "Accept");

    // A browser still gets the page, which names its link set.
    let page = app.get(&format!("/01/{gtin}")).await;
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let link = page.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"linkset\"") && link.contains("linkType=linkset"),
        "{link}"
    );

    // One link type is a redirect to it.
    let redirect = app.get(&format!("/01/{gtin}/10/{lot}?linkType=gs1:epcis")).await;
    assert_eq!(redirect.status().as_u16(), 307);
    assert!(
        redirect.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/epcis.json")
    );

    // HEAD works, without a body.
    let head = app
        .client
        .head(format!("{}/01/{gtin}?linkType=all", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-type"], "application/linkset+json");
    assert!(head.bytes().await.unwrap().is_empty());

    // A GTIN not in the catalogue (a valid one) and a malformed one are 404, as JSON.
    let unknown = fupin_catalog::domain::Gtin::parse("6901234567892").unwrap().to_gtin14();
    for path in [format!("/01/{unknown}?linkType=all"), "/01/123?linkType=all".to_owned()] {
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    let head = app
        .client
        .head(format!("{}/01/{unknown}?linkType=all", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 404);
}

/// The catalogue at the end of every day since the demo's first listing, replayed from `events`
/// here, independently of the versions the application keeps: product ids listed at `at`.
fn replay_listed(events: &[(i32, String, chrono::NaiveDateTime)], at: chrono::NaiveDateTime) -> Vec<i32> {
    let mut status: std::collections::BTreeMap<i32, &str> = std::collections::BTreeMap::new();
    for (product, action, when) in events {
        if *when > at {
            continue;
        }
        let to = match action.as_str() {
            "list" | "relist" => "listed",
            "suspend" => "suspended",
            "delist" => "delisted",
            "withdraw" => "withdrawn",
            _ => continue,
        };
        // Nothing counts before the listing.
        if to == "listed" || status.contains_key(product) {
            status.insert(*product, to);
        }
    }
    status
        .into_iter()
        .filter(|(_, s)| *s == "listed")
        .map(|(p, _)| p)
        .collect()
}

fn product_events(app: &TestApp) -> Vec<(i32, String, chrono::NaiveDateTime)> {
    use fupin_catalog::db::schema::events;
    events::table
        .filter(events::entity_kind.eq("product"))
        .order((events::occurred_at, events::id))
        .select((events::entity_id, events::action, events::occurred_at))
        .load(&mut app.db())
        .unwrap()
}

/// Each product's price at `at`, replayed from its price now and the corrections (`edit` events,
/// whose `from_state` keeps the fields as they were) made after `at`, latest first.
fn replay_prices(app: &TestApp, at: chrono::NaiveDateTime) -> std::collections::BTreeMap<i32, i64> {
    use fupin_catalog::db::schema::events;
    let mut prices: std::collections::BTreeMap<i32, i64> = products::table
        .select((products::id, products::unit_price_fen))
        .load(&mut app.db())
        .unwrap()
        .into_iter()
        .collect();
    let later: Vec<(i32, Option<String>)> = events::table
        .filter(events::entity_kind.eq("product"))
        .filter(events::action.eq("edit"))
        .filter(events::occurred_at.gt(at))
        .order((events::occurred_at.desc(), events::id.desc()))
        .select((events::entity_id, events::from_state))
        .load(&mut app.db())
        .unwrap();
    for (product, before) in later {
        let before: Value = serde_json::from_str(&before.unwrap()).unwrap();
        if let Some(fen) = before["unit_price_yuan"].as_i64() {
            prices.insert(product, fen);
        }
    }
    prices
}

/// A product listed before `day` began (China time), and listed still.
pub(crate) fn listed_since_before(app: &TestApp, day: chrono::NaiveDate) -> String {
    let before = fupin_catalog::domain::versions::start_of_china_day(day);
    products::table
        .filter(products::listing_status.eq("listed"))
        .filter(products::listed_at.lt(before))
        .order(products::id)
        .select(products::catalogue_code)
        .first(&mut app.db())
        .unwrap()
}

pub(crate) fn china_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[tokio::test]
async fn the_catalogue_on_every_past_day_equals_a_replay_of_the_events() {
    use fupin_catalog::domain::versions::end_of_china_day;
    let app = spawn_app().await;
    app.seed_demo(300).await;
    let events = product_events(&app);
    let first = (events[0].2 + chrono::Duration::hours(8)).date();
    let mut conn = app.db();
    let (mut days, mut changed_days, mut last) = (0, 0, Vec::new());
    let mut day = first;
    while day <= china_today() {
        let at = end_of_china_day(day);
        let expected = replay_listed(&events, at);
        let kept = fupin_catalog::db::versions::listed_ids_at(&mut conn, at).unwrap();
        assert_eq!(kept, expected, "the catalogue at the end of {day}");
        // And with the details of then: every 30 days, each listed product's price.
        if days % 30 == 0 {
            let all = fupin_catalog::db::versions::Narrowing::default();
            let (_, rows) = fupin_catalog::db::versions::listed_at(&mut conn, at, &all, i64::MAX, 0).unwrap();
            let prices = replay_prices(&app, at);
            for row in rows {
                assert_eq!(
                    Some(&row.unit_price_fen),
                    prices.get(&row.product_id),
                    "the price of {} at the end of {day}",
                    row.catalogue_code
                );
            }
        }
        if kept != last {
            changed_days += 1;
        }
        last = kept;
        days += 1;
        day += chrono::Duration::days(1);
    }
    assert!(
        days > 365 && changed_days > 100,
        "{days} days, {changed_days} with changes"
    );
    let corrections = events.iter().filter(|(_, action, _)| action == "edit").count();
    assert!(corrections > 30, "the demo's history has corrections: {corrections}");
    assert!(!last.is_empty());

    // The API gives the same, page by page.
    for day in [first, first + chrono::Duration::days(400), china_today()] {
        let expected = replay_listed(&events, end_of_china_day(day));
        let body: Value = app
            .get(&format!("/api/v1/products?as_of={day}&per_page=100"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            body["total"].as_u64().unwrap() as usize,
            expected.len(),
            "{day}: {body}"
        );
        assert_eq!(body["as_of"], day.to_string());
    }
}

#[tokio::test]
async fn a_delisting_is_in_the_change_log_with_a_tombstone_and_in_the_catalogue_only_before() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let yesterday = china_today() - chrono::Duration::days(1);
    let code = listed_since_before(&app, yesterday);
    let mirror: Value = app
        .get("/api/v1/changes?since=0&per_page=1000")
        .await
        .json()
        .await
        .unwrap();
    let mut cursor = mirror["next_cursor"].as_i64().unwrap();
    while let Some(more) = {
        let page: Value = app
            .get(&format!("/api/v1/changes?since={cursor}&per_page=1000"))
            .await
            .json()
            .await
            .unwrap();
        let next = page["next_cursor"].as_i64().unwrap();
        (next != cursor).then_some(next)
    } {
        cursor = more;
    }

    let office = app.signed_in("office").await;
    office.change_status(&code, "delisted", "抽检不合格，清出目录").await;

    // A mirror that kept the cursor gets exactly the delisting, as a tombstone.
    let news: Value = app
        .get(&format!("/api/v1/changes?since={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    let items = news["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{news}");
    assert_eq!(items[0]["catalogue_code"], code.as_str());
    assert_eq!(items[0]["kind"], "delisted");
    assert_eq!(items[0]["tombstone"], true);
    assert_eq!(items[0]["reason"], "抽检不合格，清出目录");
    assert!(items[0]["at"].as_str().unwrap().ends_with("+08:00"));
    let after: Value = app
        .get(&format!("/api/v1/changes?since={}", news["next_cursor"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(after["items"].as_array().unwrap().is_empty());

    // Newest first, narrowed by kind.
    let delisted: Value = app.get("/api/v1/changes?kind=delisted").await.json().await.unwrap();
    assert_eq!(delisted["items"][0]["catalogue_code"], code.as_str());

    // In the catalogue at the end of yesterday, not today's; the comparison says it left.
    let listed = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["catalogue_code"] == code.as_str())
    };
    let county = &code[..6];
    let then: Value = app
        .get(&format!(
            "/api/v1/products?as_of={yesterday}&county={county}&per_page=100"
        ))
        .await
        .json()
        .await
        .unwrap();
    let now: Value = app
        .get(&format!(
            "/api/v1/products?as_of={}&county={county}&per_page=100",
            china_today()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed(&then) && !listed(&now), "{then}\n{now}");
    let compared: Value = app
        .get(&format!(
            "/api/v1/catalogue/compare?from={yesterday}&to={}",
            china_today()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        listed(&serde_json::json!({ "items": compared["removed"] })),
        "{compared}"
    );

    let (status, page) = app.get_text("/changes?kind=delisted").await;
    assert_eq!(status, 200);
    assert!(page.contains(&code) && page.contains("抽检不合格，清出目录") && page.contains("清出目录"));
}

#[tokio::test]
async fn bad_dates_and_parameters_are_refused_by_name() {
    let app = spawn_app().await;
    let tomorrow = china_today() + chrono::Duration::days(1);
    for (path, message) in [
        ("/api/v1/products?as_of=2026-13-01".to_owned(), "参数 as_of"),
        (format!("/api/v1/products?as_of={tomorrow}"), "还没有到来"),
        ("/api/v1/products?as_of=2026-01-01&q=%E8%8C%B6".to_owned(), "不能搜索"),
        (
            "/api/v1/products?as_of=2026-01-01&county=999999".to_owned(),
            "参数 county",
        ),
        ("/api/v1/changes?kind=vanished".to_owned(), "参数 kind"),
        ("/api/v1/changes?since=abc".to_owned(), "参数 since"),
        ("/api/v1/catalogue/compare?from=2026-01-01".to_owned(), "from 和 to"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        let text = body["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{path}: {text}");
    }
    let (status, page) = app.get_text("/changes?from=yesterday").await;
    assert_eq!(status, 400);
    assert!(page.contains("参数 from"), "{page}");
    // Pages are numbered alike everywhere; a form's empty page is the first.
    for path in [
        "/changes?page=0",
        "/search?as_of=2026-01-01&page=x",
        "/api/v1/changes?page=-1",
    ] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 400, "{path}");
        assert!(page.contains("参数 page"), "{path}: {page}");
    }
    for path in ["/changes?page=", "/search?as_of=2026-01-01&page="] {
        assert_eq!(app.get_text(path).await.0, 200, "{path}");
    }
}

#[tokio::test]
async fn the_change_feeds_parse_keep_their_ids_and_mark_a_delisting_as_a_tombstone() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let code: String = products::table
        .filter(products::listing_status.eq("listed"))
        .order(products::id)
        .select(products::catalogue_code)
        .first(&mut app.db())
        .unwrap();
    // Markup in a reason is text: the feed must carry it escaped, and readers show it as written.
    let reason = r#"抽检不合格 <b>&"铅"</b>"#;
    // Read once before the change: a feed kept from then must not be what is served after it.
    let (_, earlier) = app.get_text("/changes.atom").await;
    let earlier_newest = feed_rs::parser::parse(earlier.as_bytes()).unwrap().entries[0]
        .id
        .clone();
    let office = app.signed_in("office").await;
    office.change_status(&code, "delisted", reason).await;

    let response = app.get("/changes.atom").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let xml = response.text().await.unwrap();
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("the Atom feed parses");
    assert!(!feed.entries.is_empty());
    let newest = &feed.entries[0];
    assert_ne!(newest.id, earlier_newest, "the change is in the feed at once");
    assert!(newest.title.as_ref().unwrap().content.contains(&code), "{newest:?}");
    assert!(newest.summary.as_ref().unwrap().content.contains(reason), "{newest:?}");
    let ids: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
    let again = feed_rs::parser::parse(app.get("/changes.atom").await.bytes().await.unwrap().as_ref()).unwrap();
    assert_eq!(
        again.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids,
        "stable ids"
    );
    assert!(
        ids.iter().all(|id| id.starts_with("tag:127.0.0.1,2020-07-30:change/")),
        "{ids:?}"
    );

    // RFC 6721: the product that left, as a tombstone in its namespace.
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let tombstone = doc
        .descendants()
        .find(|n| {
            n.tag_name().name() == "deleted-entry"
                && n.tag_name().namespace() == Some("http://purl.org/atompub/tombstones/1.0")
                && n.attribute("ref") == Some(&format!("tag:127.0.0.1,2020-07-30:product/{code}"))
        })
        .expect("a tombstone for the delisted product");
    assert!(tombstone.attribute("when").unwrap().ends_with("+08:00"));

    let response = app.get("/changes.json").await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/feed+json")
    );
    let text = response.text().await.unwrap();
    let parsed = feed_rs::parser::parse(text.as_bytes()).expect("the JSON feed parses");
    assert_eq!(parsed.entries[0].id, ids[0], "the same ids in both feeds");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"][0]["_fupin"]["tombstone"], true);

    // Narrowed to another county, the delisting is not there; to this one, it is.
    let county = &code[..6];
    let other: String = products::table
        .filter(products::county_code.ne(county))
        .select(products::county_code)
        .first(&mut app.db())
        .unwrap();
    let elsewhere = app
        .get(&format!("/changes.atom?county={other}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!elsewhere.contains(&code));
    let here = app
        .get(&format!("/changes.atom?county={county}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(here.contains(&code));
    assert_ne!(
        feed_rs::parser::parse(here.as_bytes()).unwrap().id,
        feed.id,
        "a narrowed feed has an id of its own"
    );
    assert_eq!(app.get("/changes.atom?kind=vanished").await.status().as_u16(), 400);

    // Pages with a feed announce it.
    for page in ["/", "/changes"] {
        let (_, html) = app.get_text(page).await;
        assert!(
            html.contains(r#"<link rel="alternate" type="application/atom+xml""#)
                && html.contains(r#"type="application/feed+json""#),
            "{page} announces its feeds"
        );
    }
}

/// The first `/notices/{id}` link in a page: (path, id).
pub(crate) fn notice_link(page: &str) -> Option<(String, i32)> {
    let start = page.find("href=\"/notices/")? + "href=\"".len();
    let path: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let id = path.trim_start_matches("/notices/").parse().ok()?;
    Some((path, id))
}

#[tokio::test]
async fn a_delisting_and_a_recall_each_get_a_notice_and_a_correction_is_shown_as_one() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let codes: Vec<String> = products::table
        .filter(products::listing_status.eq("listed"))
        .order(products::id)
        .select(products::catalogue_code)
        .load(&mut app.db())
        .unwrap();
    let code = &codes[0];
    let office = app.signed_in("office").await;
    office
        .change_status(code, "delisted", "市场监管抽检：二氧化硫超标")
        .await;

    // The scan page's banner and the product page lead to the notice.
    let (_, scan) = app.get_text(&format!("/t/{code}")).await;
    let (notice_path, notice) = notice_link(&scan).expect("the banner links the notice");
    assert!(scan.contains("查看公告：目录公告〔"), "{scan}");
    let (_, product_page) = app.get_text(&format!("/products/{code}")).await;
    assert!(product_page.contains(&notice_path));
    let (status, page) = app.get_text(&notice_path).await;
    assert_eq!(status, 200);
    for text in [
        code.as_str(),
        "市场监管抽检：二氧化硫超标",
        "清出全省工会消费扶贫产品推荐目录",
        "持有人应当",
        "生产经营单位及地址",
    ] {
        assert!(page.contains(text), "the notice shows {text}");
    }

    // A lot recall's notice carries the regulator's findings, and the lot's scan page links it.
    let (recalled_code, lot, batch): (String, String, i32) = products::table
        .inner_join(product_batches::table)
        .filter(products::listing_status.eq("listed"))
        .filter(product_batches::removed_at.is_null())
        .filter(products::catalogue_code.ne(code))
        .order(product_batches::id.desc())
        .select((products::catalogue_code, product_batches::lot_code, product_batches::id))
        .first(&mut app.db())
        .unwrap();
    let response = office
        .post(
            &format!("/office/products/{recalled_code}/recalls"),
            &[
                ("batch_id", batch.to_string().as_str()),
                ("reason", "抽检不合格"),
                ("notice_no", "陕市监食抽〔2026〕9号"),
                ("failed_item", "铅（以Pb计）"),
                ("result", "1.2 mg/kg"),
                ("limit", "≤0.5 mg/kg"),
                ("testing_body", "陕西省食品检验研究院"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, lot_page) = app.get_text(&format!("/t/{recalled_code}/{lot}")).await;
    let (recall_path, _) = notice_link(&lot_page).expect("the recall banner links its notice");
    let (_, recall_notice) = app.get_text(&recall_path).await;
    for text in [
        "铅（以Pb计） ‖ 1.2 mg/kg ‖ ≤0.5 mg/kg",
        "陕西省食品检验研究院",
        "陕市监食抽〔2026〕9号",
        "监督抽检",
        lot.as_str(),
    ] {
        assert!(recall_notice.contains(text), "the recall notice shows {text}");
    }

    // Only the office corrects, with a reason for the correction.
    let county = app.signed_in("county-610924").await;
    let correct = format!("/office/notices/{notice}/correct");
    assert_eq!(county.get(&correct).await.status().as_u16(), 403);
    let (status, form) = office.get_text(&correct).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("市场监管抽检：二氧化硫超标"),
        "the form starts from the notice"
    );
    let refused = office
        .post(&correct, &[("reason", "市场监管抽检：二氧化硫超标"), ("note", "")])
        .await;
    assert_eq!(refused.status().as_u16(), 400);
    let response = office
        .post(
            &correct,
            &[
                ("reason", "市场监管抽检：二氧化硫残留量超标"),
                ("failed_item", "二氧化硫残留量"),
                ("result", "0.35 g/kg"),
                ("limit", "≤0.1 g/kg"),
                ("source", "监督抽检"),
                ("note", "补充检验结果"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let correction = crate::helpers::location(&response);
    let (_, new_page) = app.get_text(&correction).await;
    assert!(new_page.contains("更正公告") && new_page.contains("补充检验结果") && new_page.contains(&notice_path));
    assert!(new_page.contains("二氧化硫残留量 ‖ 0.35 g/kg ‖ ≤0.1 g/kg"));
    let (_, old_page) = app.get_text(&notice_path).await;
    assert!(
        old_page.contains("本公告已更正") && old_page.contains(&correction),
        "the corrected notice says so"
    );
    let (_, scan) = app.get_text(&format!("/t/{code}")).await;
    assert_eq!(
        notice_link(&scan).map(|(p, _)| p),
        Some(correction.clone()),
        "the banner leads to the correction"
    );
    let (_, list) = app.get_text("/notices").await;
    assert!(list.contains(&notice_path) && list.contains(&correction) && list.contains(&recall_path));
}

#[tokio::test]
async fn a_withdrawn_notice_is_a_tombstone_in_the_notice_feeds_and_only_the_office_withdraws() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let listed: Vec<(String, String)> = products::table
        .filter(products::listing_status.eq("listed"))
        .order(products::id)
        .select((products::catalogue_code, products::county_code))
        .load(&mut app.db())
        .unwrap();
    let (wrong, kept) = (&listed[0], listed.iter().find(|(_, c)| *c != listed[0].1).unwrap());
    let office = app.signed_in("office").await;
    let mut notices = Vec::new();
    for (code, _) in [wrong, kept] {
        let response = office
            .post(
                &format!("/office/products/{code}/status"),
                &[("to", "suspended"), ("reason", "群众投诉，暂停推荐待查")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303);
        let (_, scan) = app.get_text(&format!("/t/{code}")).await;
        notices.push(notice_link(&scan).expect("the banner links the notice").1);
    }
    let (withdrawn, standing) = (notices[0], notices[1]);
    let withdraw = format!("/office/notices/{withdrawn}/withdraw");

    let feed = |body: &str| feed_rs::parser::parse(body.as_bytes()).expect("the Atom feed parses");
    let entry_ids = |body: &str| -> Vec<String> { feed(body).entries.into_iter().map(|e| e.id).collect() };
    let (status, before) = app.get_text("/notices.atom").await;
    assert_eq!(status, 200);
    let id_of = |n: i32| {
        entry_ids(&before)
            .into_iter()
            .find(|id| id.ends_with(&format!(":notice/{n}")))
            .unwrap_or_else(|| panic!("notice {n} is in the feed"))
    };
    let (withdrawn_id, standing_id) = (id_of(withdrawn), id_of(standing));

    // Only the office withdraws, and only with a reason, once.
    let county = app.signed_in("county-610924").await;
    let refused = county.post(&withdraw, &[("reason", "误发")]).await;
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(office.post(&withdraw, &[("reason", "  ")]).await.status().as_u16(), 400);
    let response = office
        .post(&withdraw, &[("reason", "产品编号录入错误，本公告误发")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        office
            .post(&withdraw, &[("reason", "再撤一次")])
            .await
            .status()
            .as_u16(),
        409
    );
    let missing = office
        .post("/office/notices/999999/withdraw", &[("reason", "误发")])
        .await;
    assert_eq!(missing.status().as_u16(), 404);

    // In Atom the withdrawn notice is an at:deleted-entry for its own id, and no entry; the other
    // keeps its id.
    let (_, after) = app.get_text("/notices.atom").await;
    let ids = entry_ids(&after);
    assert!(!ids.contains(&withdrawn_id) && ids.contains(&standing_id), "{ids:?}");
    let doc = roxmltree::Document::parse(&after).unwrap();
    let tombstone = doc
        .descendants()
        .find(|n| n.tag_name().name() == "deleted-entry" && n.attribute("ref") == Some(withdrawn_id.as_str()))
        .expect("a tombstone for the withdrawn notice");
    assert_eq!(
        tombstone.tag_name().namespace(),
        Some("http://purl.org/atompub/tombstones/1.0")
    );
    assert!(tombstone.attribute("when").unwrap().ends_with("+08:00"));
    assert!(after.contains("产品编号录入错误，本公告误发"));

    // In JSON Feed it is marked.
    let json: Value = app.get("/notices.json").await.json().await.unwrap();
    let item = |id: &str| {
        json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(item(&withdrawn_id)["_fupin"]["tombstone"], true);
    assert_eq!(item(&standing_id)["_fupin"]["tombstone"], false);

    // Narrowed to a county: that county's notices only.
    let (_, narrowed) = app.get_text(&format!("/notices.atom?county={}", kept.1)).await;
    let narrowed_ids = entry_ids(&narrowed);
    assert!(narrowed_ids.contains(&standing_id));
    assert!(!narrowed.contains(&withdrawn_id));
    assert_eq!(app.get("/notices.atom?kind=delisted").await.status().as_u16(), 400);

    // The page says so; the product no longer leads to it.
    let (_, page) = app.get_text(&format!("/notices/{withdrawn}")).await;
    assert!(page.contains("本公告已于") && page.contains("撤回") && page.contains("产品编号录入错误"));
    let (_, scan) = app.get_text(&format!("/t/{}", wrong.0)).await;
    assert_ne!(notice_link(&scan).map(|(_, id)| id), Some(withdrawn));
    let (_, list) = app.get_text("/notices").await;
    assert!(list.contains("（已撤回）") && list.contains("href=\"/notices.atom\""));
}

#[tokio::test]
async fn the_catalogue_on_a_date_reads_as_pages_and_exports_before_and_after_a_delisting() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let today = china_today();
    let yesterday = today - chrono::Duration::days(1);
    let code = listed_since_before(&app, yesterday);
    let county = &code[..6];
    let office = app.signed_in("office").await;
    office.change_status(&code, "delisted", "抽检不合格，清出目录").await;
    let link = format!("/products/{code}?as_of=");

    // The list: in it at the end of yesterday, not today.
    let (status, then) = app
        .get_text(&format!("/search?as_of={yesterday}&county={county}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        then.contains(&link) && then.contains(&format!("{yesterday} 日终的目录")),
        "{then}"
    );
    let (_, now) = app.get_text(&format!("/search?as_of={today}&county={county}")).await;
    assert!(!now.contains(&link));

    // The product page as it stood.
    let (status, listed) = app.get_text(&format!("/products/{code}?as_of={yesterday}")).await;
    assert_eq!(status, 200);
    assert!(listed.contains("当时在目录中"), "{listed}");
    let (_, gone) = app.get_text(&format!("/products/{code}?as_of={today}")).await;
    assert!(gone.contains("不在目录中") && gone.contains("清出目录") && gone.contains("抽检不合格，清出目录"));
    let (_, early) = app.get_text(&format!("/products/{code}?as_of=2019-01-01")).await;
    assert!(early.contains("还没有列入目录"), "{early}");

    // The office's export on a date agrees with the API's count.
    let export = |day: chrono::NaiveDate| {
        let office = &office;
        async move {
            let response = office.get(&format!("/office/export/catalogue.csv?as_of={day}")).await;
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.unwrap()
        }
    };
    let (csv_then, csv_now) = (export(yesterday).await, export(today).await);
    assert!(csv_then.contains(&code) && !csv_now.contains(&code));
    let api: Value = app
        .get(&format!("/api/v1/products?as_of={today}"))
        .await
        .json()
        .await
        .unwrap();
    let exported_rows = csv::Reader::from_reader(csv_now.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .count();
    assert_eq!(exported_rows as i64, api["total"].as_i64().unwrap(), "{csv_now}");

    // Bad dates and parameters are named.
    for (path, words) in [
        ("/search?as_of=2026-13-01".to_owned(), "as_of"),
        (format!("/search?as_of={today}&q=茶"), "不能搜索"),
        (format!("/products/{code}?as_of=yesterday"), "as_of"),
        (
            format!("/office/export/catalogue.csv?as_of={today}&status=all"),
            "status",
        ),
    ] {
        let response = office.get(&path).await;
        assert_eq!(response.status().as_u16(), 400, "{path}");
        assert!(response.text().await.unwrap().contains(words), "{path}");
    }
    assert_eq!(app.get(&format!("/search?as_of={today}")).await.status().as_u16(), 200);
}
