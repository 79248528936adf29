//! Feeds of the catalogue's changes, Atom (RFC 4287) and JSON Feed 1.1, narrowed like `/changes`
//! (`?county=610924`, `?category=茶叶`, `?kind=delisted`). Entry ids are tag URIs (RFC 4151) from
//! the change's cursor, stable across requests and servers. A product that leaves the catalogue
//! (delisted, withdrawn) is also a tombstone for the product: RFC 6721 `at:deleted-entry` in Atom,
//! `_fupin.tombstone` in JSON Feed.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{Category, Entry, Feed, Link, Person, Text};
use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::versions::{self, ChangeRow};
use crate::domain::versions::ChangeKind;
use crate::domain::{ListingStatus, in_china};
use crate::error::AppError;
use crate::web::State;
use crate::web::api::history::{change_filter, pairs};

/// Entries a feed carries: the newest changes.
const ENTRIES: i64 = 100;
/// When the catalogue began (the plan's date): the date part of every tag URI.
const TAG_DATE: &str = "2020-07-30";
const TOMBSTONES: &str = "http://purl.org/atompub/tombstones/1.0";
const FEED_PARAMS: [&str; 3] = ["county", "category", "kind"];

/// `tag:{host},2020-07-30:{what}`: the site's own, unique ids.
pub fn tag(base: &str, what: &str) -> String {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost");
    format!("tag:{host},{TAG_DATE}:{what}")
}

struct Changes {
    base: String,
    /// The feed's own query (normalised), so a narrowed feed has an id of its own.
    query: String,
    rows: Vec<ChangeRow>,
}

async fn load(state: &State, req: &HttpRequest) -> Result<Changes, AppError> {
    let params = pairs(req.query_string(), &FEED_PARAMS)?;
    let filter = change_filter(&params)?;
    let rows = state
        .db(move |conn| versions::changes(conn, &filter, ENTRIES, 0))
        .await?
        .1;
    let mut narrowed: Vec<(&str, &str)> = FEED_PARAMS
        .iter()
        .filter_map(|k| params.get(*k).filter(|v| !v.is_empty()).map(|v| (*k, v.as_str())))
        .collect();
    narrowed.sort();
    let query = if narrowed.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(&narrowed).unwrap_or_default())
    };
    Ok(Changes {
        base: state.settings.public_base(),
        query,
        rows,
    })
}

fn is_tombstone(row: &ChangeRow) -> bool {
    matches!(
        ListingStatus::parse(&row.version.listing_status),
        Ok(ListingStatus::Delisted | ListingStatus::Withdrawn)
    ) && matches!(
        ChangeKind::parse(&row.version.change_kind),
        Some(ChangeKind::Delisted | ChangeKind::Withdrawn)
    )
}

fn title_of(row: &ChangeRow) -> String {
    let kind = ChangeKind::parse(&row.version.change_kind).map_or("变更", ChangeKind::label);
    match &row.version.lot_code {
        Some(lot) => format!(
            "{kind}：{}（{}）批次 {lot}",
            row.version.name, row.version.catalogue_code
        ),
        None => format!("{kind}：{}（{}）", row.version.name, row.version.catalogue_code),
    }
}

fn summary_of(row: &ChangeRow) -> String {
    format!(
        "{}；{} · {} · {}",
        row.version.reason, row.version.county_name, row.version.category, row.version.supplier_name
    )
}

/// `GET /changes.atom`
pub async fn atom(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let changes = load(&state, &req).await?;
    let base = &changes.base;
    let self_url = format!("{base}/changes.atom{}", changes.query);
    let updated = changes
        .rows
        .iter()
        .map(|r| r.at)
        .max()
        .map(in_china)
        .unwrap_or_else(|| in_china(NaiveDateTime::default()));
    let entries: Vec<Entry> = changes
        .rows
        .iter()
        .map(|row| {
            let product_url = format!("{base}/products/{}", row.version.catalogue_code);
            let mut entry = Entry::default();
            entry.set_id(tag(base, &format!("change/{}", row.cursor)));
            entry.set_title(Text::plain(title_of(row)));
            entry.set_updated(in_china(row.at));
            entry.set_published(Some(in_china(row.at)));
            entry.set_summary(Some(Text::plain(summary_of(row))));
            entry.set_links(vec![Link {
                href: product_url,
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Default::default()
            }]);
            entry.set_categories(vec![Category {
                term: row.version.change_kind.clone(),
                label: ChangeKind::parse(&row.version.change_kind).map(|k| k.label().to_owned()),
                ..Default::default()
            }]);
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_id(tag(base, &format!("changes{}", changes.query)));
    feed.set_title(Text::plain("陕西工会消费扶贫产品推荐目录 · 目录变更"));
    feed.set_updated(updated);
    feed.set_lang(Some("zh-CN".to_owned()));
    feed.set_authors(vec![Person {
        name: "陕西省总工会脱贫攻坚指挥部办公室".to_owned(),
        ..Default::default()
    }]);
    feed.set_links(vec![
        Link {
            href: self_url,
            rel: "self".to_owned(),
            mime_type: Some("application/atom+xml".to_owned()),
            ..Default::default()
        },
        Link {
            href: format!("{base}/changes{}", changes.query),
            rel: "alternate".to_owned(),
            mime_type: Some("text/html".to_owned()),
            ..Default::default()
        },
    ]);
    feed.set_entries(entries);
    let tombstones: Vec<Extension> = changes
        .rows
        .iter()
        .filter(|r| is_tombstone(r))
        .map(|row| {
            let mut attrs = BTreeMap::new();
            attrs.insert(
                "ref".to_owned(),
                tag(base, &format!("product/{}", row.version.catalogue_code)),
            );
            attrs.insert("when".to_owned(), in_china(row.at).to_rfc3339());
            let comment = Extension {
                name: "at:comment".to_owned(),
                value: Some(title_of(row) + "。" + &row.version.reason),
                ..Default::default()
            };
            let mut children = BTreeMap::new();
            children.insert("comment".to_owned(), vec![comment]);
            Extension {
                name: "at:deleted-entry".to_owned(),
                attrs,
                children,
                ..Default::default()
            }
        })
        .collect();
    if !tombstones.is_empty() {
        let mut extensions = ExtensionMap::new();
        extensions.insert(
            "at".to_owned(),
            BTreeMap::from([("deleted-entry".to_owned(), tombstones)]),
        );
        feed.set_extensions(extensions);
    }
    feed.set_namespaces(BTreeMap::from([("at".to_owned(), TOMBSTONES.to_owned())]));
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(feed.to_string()))
}

/// `GET /changes.json` (JSON Feed 1.1)
pub async fn json_feed(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let changes = load(&state, &req).await?;
    let base = &changes.base;
    let items: Vec<serde_json::Value> = changes
        .rows
        .iter()
        .map(|row| {
            json!({
                "id": tag(base, &format!("change/{}", row.cursor)),
                "url": format!("{base}/products/{}", row.version.catalogue_code),
                "title": title_of(row),
                "content_text": summary_of(row),
                "date_published": in_china(row.at).to_rfc3339(),
                "date_modified": in_china(row.at).to_rfc3339(),
                "tags": [row.version.change_kind],
                "language": "zh-CN",
                "_fupin": {
                    "cursor": row.cursor,
                    "kind": row.version.change_kind,
                    "product": tag(base, &format!("product/{}", row.version.catalogue_code)),
                    "catalogue_code": row.version.catalogue_code,
                    "listing_status": row.version.listing_status,
                    "lot_code": row.version.lot_code,
                    "tombstone": is_tombstone(row),
                },
            })
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "陕西工会消费扶贫产品推荐目录 · 目录变更",
        "home_page_url": format!("{base}/changes{}", changes.query),
        "feed_url": format!("{base}/changes.json{}", changes.query),
        "language": "zh-CN",
        "authors": [{ "name": "陕西省总工会脱贫攻坚指挥部办公室" }],
        "_fupin": {
            "about": "Each item is one change; `_fupin.tombstone` marks a product that left the catalogue, `_fupin.product` is the product's id.",
        },
        "items": items,
    });
    Ok(HttpResponse::Ok()
        .content_type("application/feed+json; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(feed.to_string()))
}
