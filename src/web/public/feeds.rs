//! Feeds, Atom (RFC 4287) and JSON Feed 1.1, of the catalogue's changes (`/changes.atom`,
//! `/changes.json`) and of its notices (`/notices.atom`, `/notices.json`), narrowed by county and
//! category (`?county=610924`, `?category=茶叶`; changes also by `?kind=delisted`). Entry ids are
//! tag URIs (RFC 4151), stable across requests and servers.
//!
//! Tombstones (RFC 6721 `at:deleted-entry` in Atom, `_fupin.tombstone` in JSON Feed): a product
//! that leaves the catalogue (delisted, withdrawn) is one for the product, beside its change's
//! entry; a withdrawn notice is one for the notice's own entry, which the Atom feed then leaves out.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{Category, Entry, Feed, Link, Person, Text};
use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::notices::{self, Notice};
use crate::db::versions::{self, ChangeFilter, ChangeRow, Narrowing};
use crate::db::{self, DbConnection, DbResult};
use crate::domain::details::describe_all;
use crate::domain::versions::ChangeKind;
use crate::domain::{ListingStatus, in_china};
use crate::error::AppError;
use crate::web::State;
use crate::web::api::history::{change_filter, narrowing, pairs};
use crate::web::response_cache::Audience;

/// Entries a feed carries: the newest.
const ENTRIES: i64 = 100;
/// When the catalogue began (the plan's date): the date part of every tag URI.
const TAG_DATE: &str = "2020-07-30";
const TOMBSTONES: &str = "http://purl.org/atompub/tombstones/1.0";
const CHANGE_PARAMS: [&str; 3] = ["county", "category", "kind"];
const NOTICE_PARAMS: [&str; 2] = ["county", "category"];
const PUBLISHER: &str = "陕西省总工会脱贫攻坚指挥部办公室";

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

/// A feed: what it is, where it lives, and its items, newest first.
struct FeedData {
    source: Source,
    /// The feed's own query (normalised), so a narrowed feed has an id of its own.
    query: String,
    base: String,
    items: Vec<Item>,
}

struct Item {
    id: String,
    url: String,
    title: String,
    summary: String,
    published: NaiveDateTime,
    updated: NaiveDateTime,
    term: String,
    label: Option<String>,
    /// Left out of the Atom feed: its tombstone stands for it.
    deleted: bool,
    tombstone: Option<Tombstone>,
    /// `_fupin` of the JSON Feed item.
    extra: serde_json::Value,
}

struct Tombstone {
    /// The id of what was deleted.
    target: String,
    when: NaiveDateTime,
    comment: String,
}

fn normalised_query(params: &std::collections::HashMap<String, String>, names: &[&str]) -> String {
    let mut narrowed: Vec<(&str, &str)> = names
        .iter()
        .filter_map(|k| params.get(*k).filter(|v| !v.is_empty()).map(|v| (*k, v.as_str())))
        .collect();
    narrowed.sort();
    if narrowed.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(&narrowed).unwrap_or_default())
    }
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

fn change_title(row: &ChangeRow) -> String {
    let kind = ChangeKind::parse(&row.version.change_kind).map_or("变更", ChangeKind::label);
    match &row.version.lot_code {
        Some(lot) => format!(
            "{kind}：{}（{}）批次 {lot}",
            row.version.name, row.version.catalogue_code
        ),
        None => format!("{kind}：{}（{}）", row.version.name, row.version.catalogue_code),
    }
}

/// The reason, what a details change changed, and where the product is from.
fn change_summary(row: &ChangeRow) -> String {
    let v = &row.version;
    let mut summary = v.reason.clone();
    if !row.fields.is_empty() {
        summary = format!("{summary}；{}", describe_all(&row.fields));
    }
    format!("{summary}；{} · {} · {}", v.county_name, v.category, v.supplier_name)
}

fn change_item(base: &str, row: &ChangeRow) -> Item {
    let title = change_title(row);
    let product = tag(base, &format!("product/{}", row.version.catalogue_code));
    let tombstone = is_tombstone(row).then(|| Tombstone {
        target: product.clone(),
        when: row.at,
        comment: format!("{title}。{}", row.version.reason),
    });
    Item {
        id: tag(base, &format!("change/{}", row.cursor)),
        url: format!("{base}/products/{}", row.version.catalogue_code),
        summary: change_summary(row),
        title,
        published: row.at,
        updated: row.at,
        term: row.version.change_kind.clone(),
        label: ChangeKind::parse(&row.version.change_kind).map(|k| k.label().to_owned()),
        deleted: false,
        extra: json!({
            "cursor": row.cursor,
            "kind": row.version.change_kind,
            "product": product,
            "catalogue_code": row.version.catalogue_code,
            "listing_status": row.version.listing_status,
            "lot_code": row.version.lot_code,
            "fields": row.fields,
            "tombstone": tombstone.is_some(),
        }),
        tombstone,
    }
}

fn notice_item(base: &str, updated: NaiveDateTime, n: &Notice) -> Item {
    let kind = ChangeKind::parse(&n.kind).map_or("公告", ChangeKind::label);
    let id = tag(base, &format!("notice/{}", n.id));
    let mut title = format!("{}：{kind}　{}（{}）", n.number, n.product_name, n.catalogue_code);
    if let Some(lot) = &n.lot_code {
        title.push_str(&format!("批次 {lot}"));
    }
    let tombstone = n.withdrawn_at.map(|when| Tombstone {
        target: id.clone(),
        when,
        comment: format!("{}已撤回：{}", n.number, n.withdrawal_reason),
    });
    Item {
        url: format!("{base}/notices/{}", n.id),
        summary: match &tombstone {
            Some(t) => t.comment.clone(),
            None => n.reason.clone(),
        },
        title,
        published: n.issued_at,
        updated,
        term: n.kind.clone(),
        label: Some(kind.to_owned()),
        deleted: tombstone.is_some(),
        extra: json!({
            "number": n.number,
            "kind": n.kind,
            "catalogue_code": n.catalogue_code,
            "lot_code": n.lot_code,
            "corrects": n.corrects_id.map(|c| tag(base, &format!("notice/{c}"))),
            "withdrawn_at": n.withdrawn_at.map(|at| in_china(at).to_rfc3339()),
            "tombstone": tombstone.is_some(),
        }),
        id,
        tombstone,
    }
}

/// Which feed: what it is made of, what narrows it, and what says it has changed.
#[derive(Clone, Copy)]
enum Source {
    Changes,
    Notices,
}

#[derive(Clone, Copy)]
enum Format {
    Atom,
    Json,
}

impl Source {
    fn path(self) -> &'static str {
        match self {
            Self::Changes => "changes",
            Self::Notices => "notices",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Changes => "陕西工会消费扶贫产品推荐目录 · 目录变更",
            Self::Notices => "陕西工会消费扶贫产品推荐目录 · 公告",
        }
    }

    fn about(self) -> &'static str {
        match self {
            Self::Changes => {
                "Each item is one change; `_fupin.tombstone` marks a product that left the catalogue, `_fupin.product` is the product's id."
            }
            Self::Notices => {
                "Each item is one notice; `_fupin.tombstone` marks a withdrawn notice, which the Atom feed gives only as an at:deleted-entry."
            }
        }
    }

    fn params(self) -> &'static [&'static str] {
        match self {
            Self::Changes => &CHANGE_PARAMS,
            Self::Notices => &NOTICE_PARAMS,
        }
    }
}

/// What a feed is made from, read and validated from the request.
#[derive(Clone)]
enum Wanted {
    Changes(ChangeFilter),
    Notices(Narrowing),
}

impl Wanted {
    /// The stamp of what the feed is made from: the feed is the same until it moves.
    fn stamp(&self, conn: &mut DbConnection) -> DbResult<String> {
        Ok(match self {
            Self::Changes(_) => format!("{:?}", versions::stamp(conn)?),
            Self::Notices(_) => format!("{:?}", notices::stamp(conn)?),
        })
    }

    /// The feed's stamp and items, read in one snapshot so that the one describes the other.
    fn items(&self, conn: &mut DbConnection, base: &str) -> DbResult<(String, Vec<Item>)> {
        db::in_snapshot(conn, |conn| {
            let stamp = self.stamp(conn)?;
            let items = match self {
                Self::Changes(filter) => versions::changes(conn, filter, ENTRIES, 0, false)?
                    .1
                    .iter()
                    .map(|row| change_item(base, row))
                    .collect(),
                Self::Notices(narrowed) => notices::feed(conn, narrowed, ENTRIES)?
                    .iter()
                    .map(|(updated, notice)| notice_item(base, *updated, notice))
                    .collect(),
            };
            Ok((stamp, items))
        })
    }
}

/// Answers a feed from the response cache while what it is made from has not changed (a feed
/// reader polls the same few feeds over and over); otherwise reads, writes and keeps it.
async fn feed(state: State, req: HttpRequest, source: Source, format: Format) -> Result<HttpResponse, AppError> {
    let params = pairs(req.query_string(), source.params())?;
    let wanted = match source {
        Source::Changes => Wanted::Changes(change_filter(&params)?),
        Source::Notices => Wanted::Notices(narrowing(&params)?),
    };
    let query = normalised_query(&params, source.params());
    let audience = Audience::Feed(match (source, format) {
        (Source::Changes, Format::Atom) => "changes.atom",
        (Source::Changes, Format::Json) => "changes.json",
        (Source::Notices, Format::Atom) => "notices.atom",
        (Source::Notices, Format::Json) => "notices.json",
    });
    let reading = wanted.clone();
    let key = |stamp: &str| format!("{stamp} {query}");
    let stamp = state.db(move |conn| reading.stamp(conn)).await?;
    let body = match state.response_cache.get(0, audience, &key(&stamp)) {
        Some(body) => body,
        None => {
            let base = state.settings.public_base();
            let (stamp, items) = {
                let base = base.clone();
                state.db(move |conn| wanted.items(conn, &base)).await?
            };
            let data = FeedData {
                source,
                query: query.clone(),
                base,
                items,
            };
            let body = Bytes::from(match format {
                Format::Atom => atom_body(data),
                Format::Json => json_body(data),
            });
            state.response_cache.put(0, audience, &key(&stamp), body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(match format {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        })
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

fn link(href: String, rel: &str, mime_type: &str) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        ..Default::default()
    }
}

fn atom_body(data: FeedData) -> String {
    let (base, path, query) = (&data.base, data.source.path(), &data.query);
    let updated = data
        .items
        .iter()
        .map(|i| i.updated)
        .max()
        .map(in_china)
        .unwrap_or_else(|| in_china(NaiveDateTime::default()));
    let entries: Vec<Entry> = data
        .items
        .iter()
        .filter(|i| !i.deleted)
        .map(|item| {
            let mut entry = Entry::default();
            entry.set_id(item.id.clone());
            entry.set_title(Text::plain(item.title.clone()));
            entry.set_updated(in_china(item.updated));
            entry.set_published(Some(in_china(item.published)));
            entry.set_summary(Some(Text::plain(item.summary.clone())));
            entry.set_links(vec![link(item.url.clone(), "alternate", "text/html")]);
            entry.set_categories(vec![Category {
                term: item.term.clone(),
                label: item.label.clone(),
                ..Default::default()
            }]);
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_id(tag(base, &format!("{path}{query}")));
    feed.set_title(Text::plain(data.source.title()));
    feed.set_updated(updated);
    feed.set_lang(Some("zh-CN".to_owned()));
    feed.set_authors(vec![Person {
        name: PUBLISHER.to_owned(),
        ..Default::default()
    }]);
    feed.set_links(vec![
        link(format!("{base}/{path}.atom{query}"), "self", "application/atom+xml"),
        link(format!("{base}/{path}{query}"), "alternate", "text/html"),
    ]);
    feed.set_entries(entries);
    let tombstones: Vec<Extension> = data
        .items
        .iter()
        .filter_map(|i| i.tombstone.as_ref())
        .map(|t| {
            let mut attrs = BTreeMap::new();
            attrs.insert("ref".to_owned(), t.target.clone());
            attrs.insert("when".to_owned(), in_china(t.when).to_rfc3339());
            let comment = Extension {
                name: "at:comment".to_owned(),
                value: Some(t.comment.clone()),
                ..Default::default()
            };
            Extension {
                name: "at:deleted-entry".to_owned(),
                attrs,
                children: BTreeMap::from([("comment".to_owned(), vec![comment])]),
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
    feed.to_string()
}

fn json_body(data: FeedData) -> String {
    let (base, path, query) = (&data.base, data.source.path(), &data.query);
    let items: Vec<serde_json::Value> = data
        .items
        .iter()
        .map(|item| {
            json!({
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "content_text": item.summary,
                "date_published": in_china(item.published).to_rfc3339(),
                "date_modified": in_china(item.updated).to_rfc3339(),
                "tags": [item.term],
                "language": "zh-CN",
                "_fupin": item.extra,
            })
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": data.source.title(),
        "home_page_url": format!("{base}/{path}{query}"),
        "feed_url": format!("{base}/{path}.json{query}"),
        "language": "zh-CN",
        "authors": [{ "name": PUBLISHER }],
        "_fupin": { "about": data.source.about() },
        "items": items,
    });
    feed.to_string()
}

/// `GET /changes.atom`
pub async fn atom(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    feed(state, req, Source::Changes, Format::Atom).await
}

/// `GET /changes.json` (JSON Feed 1.1)
pub async fn json_feed(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    feed(state, req, Source::Changes, Format::Json).await
}

/// `GET /notices.atom`
pub async fn notices_atom(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    feed(state, req, Source::Notices, Format::Atom).await
}

/// `GET /notices.json` (JSON Feed 1.1)
pub async fn notices_json(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    feed(state, req, Source::Notices, Format::Json).await
}
