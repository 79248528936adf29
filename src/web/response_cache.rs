//! Whole bodies of catalogue search responses, as sent: the API's JSON and the search page's HTML
//! for visitors who are not signed in; and the bodies of the public feeds. A popular search asked again is answered without
//! serialising or rendering anything; that was most of the CPU time of a repeated search
//! (`scripts/bench_search.sh`, one query repeated).
//!
//! Keyed by the index generation and the request's query string exactly as sent: the body is a
//! function of those two alone for these audiences (an office user's page shows who is signed in,
//! so it is never kept). A product change commits the index, a new generation, so nothing stale is
//! served; the entries of old generations are never asked for again and age out.

use actix_web::web::Bytes;

/// Memory kept for bodies (a page is 20–30 KB, a JSON answer about 15 KB); the allocator's
/// overhead comes on top.
const RESPONSE_CACHE_BYTES: u64 = 6 * 1024 * 1024;

/// Who a body was made for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Audience {
    /// The JSON API; office users see every listing status, so theirs are kept apart.
    Api { office: bool },
    /// The search page for a visitor who is not signed in.
    PublicPage,
    /// A feed (`changes.atom`, `notices.json`, …), the same for everyone; keyed by its stamp
    /// (what it was made from) and its narrowing, not by an index generation.
    Feed(&'static str),
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    audience: Audience,
    query: Box<str>,
}

#[derive(Clone)]
struct BodyWeigher;

impl quick_cache::Weighter<Key, Bytes> for BodyWeigher {
    fn weight(&self, key: &Key, body: &Bytes) -> u64 {
        (64 + key.query.len() + body.len()) as u64
    }
}

pub struct ResponseCache {
    bodies: quick_cache::sync::Cache<Key, Bytes, BodyWeigher>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::with_capacity(RESPONSE_CACHE_BYTES)
    }
}

impl ResponseCache {
    pub fn with_capacity(bytes: u64) -> Self {
        Self {
            bodies: quick_cache::sync::Cache::with_weighter(1024, bytes, BodyWeigher),
        }
    }

    /// (responses kept, their bytes).
    pub fn size(&self) -> (usize, u64) {
        (self.bodies.len(), self.bodies.weight())
    }

    pub fn get(&self, generation: u64, audience: Audience, query: &str) -> Option<Bytes> {
        self.bodies.get(&Key {
            generation,
            audience,
            query: query.into(),
        })
    }

    pub fn put(&self, generation: u64, audience: Audience, query: &str, body: Bytes) {
        let key = Key {
            generation,
            audience,
            query: query.into(),
        };
        self.bodies.insert(key, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_found_only_for_its_generation_audience_and_query() {
        let cache = ResponseCache::default();
        let api = Audience::Api { office: false };
        cache.put(7, api, "q=茶", Bytes::from_static(b"tea"));
        assert_eq!(cache.get(7, api, "q=茶").as_deref(), Some(&b"tea"[..]));
        assert_eq!(cache.get(8, api, "q=茶"), None, "a new generation");
        assert_eq!(cache.get(7, Audience::Api { office: true }, "q=茶"), None, "the office");
        assert_eq!(cache.get(7, Audience::PublicPage, "q=茶"), None, "the page");
        assert_eq!(cache.get(7, api, "q=%E8%8C%B6"), None, "another spelling");
    }

    #[test]
    fn bodies_beyond_the_budget_are_let_go() {
        let cache = ResponseCache::with_capacity(100_000);
        for i in 0..100 {
            cache.put(
                1,
                Audience::PublicPage,
                &format!("q={i}"),
                Bytes::from(vec![b'x'; 10_000]),
            );
        }
        let kept = (0..100)
            .filter(|i| cache.get(1, Audience::PublicPage, &format!("q={i}")).is_some())
            .count();
        assert!((1..=10).contains(&kept), "kept {kept} bodies of 10 KB in 100 KB");
    }
}
