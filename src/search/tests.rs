//! Behaviour of the whole module on a small catalogue whose answers are known by hand.

use std::collections::BTreeSet;
use std::fs;

use chrono::NaiveDate;
use rstest::{fixture, rstest};

use super::*;
use crate::domain::region;
use crate::domain::{ListingStatus, PovertyRegionKind};

use ListingStatus::{Delisted, Listed, Suspended};
use PovertyRegionKind::{DesignatedSite, PairedRegion, PovertyCounty, PovertyVillage};

struct Spec {
    id: i32,
    name: &'static str,
    description: &'static str,
    county: &'static str,
    category: &'static str,
    kind: PovertyRegionKind,
    status: ListingStatus,
    price_fen: i64,
    /// Day of March 2024 it was listed.
    day: u32,
}

#[rustfmt::skip]
const CATALOGUE: &[Spec] = &[
    Spec { id: 1, name: "紫阳富硒茶", description: "紫阳县高山茶园，富含硒元素的绿茶。", county: "610924", category: "茶叶", kind: PovertyCounty, status: Listed, price_fen: 12_800, day: 1 },
    Spec { id: 2, name: "富硒大米", description: "汉阴县稻田种植，口感软糯。", county: "610921", category: "粮油米面", kind: PovertyCounty, status: Listed, price_fen: 5_990, day: 2 },
    Spec { id: 3, name: "眉县徐香猕猴桃", description: "秦岭北麓果园，酸甜多汁。", county: "610326", category: "水果", kind: PovertyVillage, status: Listed, price_fen: 6_800, day: 3 },
    Spec { id: 4, name: "周至翠香猕猴桃", description: "周至县出产，果肉翠绿。", county: "610124", category: "水果", kind: PovertyCounty, status: Listed, price_fen: 5_800, day: 4 },
    Spec { id: 5, name: "洛川红富士苹果", description: "黄土高原出产，清脆香甜。", county: "610629", category: "水果", kind: PovertyVillage, status: Listed, price_fen: 8_800, day: 5 },
    Spec { id: 6, name: "米脂小米", description: "黄土地里长的谷子，熬粥香浓。", county: "610827", category: "粮油米面", kind: PovertyCounty, status: Listed, price_fen: 3_500, day: 6 },
    Spec { id: 7, name: "柞水木耳", description: "秦岭黑木耳，肉厚无沙。", county: "611026", category: "食用菌", kind: PovertyCounty, status: Listed, price_fen: 4_500, day: 7 },
    Spec { id: 8, name: "佳县红枣", description: "黄河沿岸出产，个大肉厚。", county: "610828", category: "干果坚果", kind: PovertyCounty, status: Listed, price_fen: 3_900, day: 8 },
    Spec { id: 9, name: "平利绞股蓝茶", description: "平利县特产绞股蓝。", county: "610926", category: "茶叶", kind: PovertyCounty, status: Listed, price_fen: 9_900, day: 9 },
    Spec { id: 10, name: "太白土蜂蜜", description: "太白山百花酿成。", county: "610331", category: "蜂产品", kind: DesignatedSite, status: Listed, price_fen: 7_800, day: 10 },
    Spec { id: 11, name: "延川枣夹核桃", description: "夹心果仁零食。", county: "610622", category: "干果坚果", kind: PovertyCounty, status: Suspended, price_fen: 6_600, day: 11 },
    Spec { id: 12, name: "商南茶叶礼盒", description: "商南县特产礼盒。", county: "611023", category: "茶叶", kind: PovertyCounty, status: Delisted, price_fen: 15_800, day: 12 },
    Spec { id: 13, name: "宜川蜂蜜枣", description: "宜川特产，甜而不腻。", county: "610630", category: "加工食品", kind: PovertyCounty, status: Listed, price_fen: 2_900, day: 13 },
    Spec { id: 14, name: "洛川苹果醋", description: "发酵饮品，酸甜开胃。", county: "610629", category: "酒水饮品", kind: PairedRegion, status: Listed, price_fen: 2_500, day: 14 },
    Spec { id: 15, name: "镇安土豆米线", description: "镇安县土豆制作。", county: "611025", category: "加工食品", kind: PovertyCounty, status: Listed, price_fen: 1_800, day: 15 },
    Spec { id: 16, name: "汉阴炒青绿茶", description: "汉阴县高山出产。", county: "610921", category: "茶叶", kind: PovertyCounty, status: Listed, price_fen: 6_000, day: 16 },
];

fn doc(spec: &Spec) -> ProductDoc {
    let county = region::county(spec.county).expect("fixture counties exist");
    ProductDoc {
        id: spec.id,
        catalogue_code: format!("{}-{:05}", spec.county, spec.id),
        name: spec.name.into(),
        description: spec.description.into(),
        supplier_name: format!("{}农业合作社", county.name),
        county_code: county.code.into(),
        county_name: county.name.into(),
        city_code: county.city_code.into(),
        city_name: county.city_name.into(),
        category: spec.category.into(),
        poverty_region_kind: spec.kind,
        listing_status: spec.status,
        unit_price_fen: spec.price_fen,
        listed_at: NaiveDate::from_ymd_opt(2024, 3, spec.day)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap(),
        thumbnail: None,
    }
}

fn catalogue() -> impl Iterator<Item = ProductDoc> {
    CATALOGUE.iter().map(doc)
}

#[fixture]
fn index() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(catalogue(), |_| {}).unwrap();
    index
}

fn ids(results: &SearchResults) -> Vec<i32> {
    results.hits.iter().map(|h| h.product().id).collect()
}

fn id_set(index: &SearchIndex, text: &str) -> BTreeSet<i32> {
    let q = SearchQuery {
        per_page: MAX_PER_PAGE,
        ..SearchQuery::text(text)
    };
    let results = index.search(&q).unwrap();
    assert_eq!(results.total, results.hits.len(), "{text}: all hits fit one page");
    ids(&results).into_iter().collect()
}

fn listed_ids_where(pred: impl Fn(&Spec) -> bool) -> BTreeSet<i32> {
    CATALOGUE
        .iter()
        .filter(|s| s.status == Listed && pred(s))
        .map(|s| s.id)
        .collect()
}

#[rstest]
#[case::compound_part("富硒", &[1, 2])]
#[case::whole_word("猕猴桃", &[3, 4])]
#[case::single_char_tea("茶", &[1, 9, 16])]
#[case::single_char_jujube("枣", &[8, 13])]
#[case::single_char_honey("蜜", &[10, 13])]
#[case::two_words_and("洛川 苹果", &[5, 14])]
#[case::phrase_in_quotes("\"富硒茶\"", &[1])]
#[case::chinese_quotes("“苹果醋”", &[14])]
#[case::words_in_any_order_without_quotes("洛川苹果", &[5, 14])]
#[case::words_adjacent_with_quotes("\"洛川苹果\"", &[14])]
#[case::exclusion("猕猴桃 -眉县", &[4])]
#[case::exclusion_by_char("苹果 -醋", &[5])]
#[case::county_name_as_text("柞水", &[7])]
#[case::city_name_as_text("榆林", &[6, 8])]
#[case::catalogue_code("610629-00005", &[5])]
#[case::nothing("榴莲", &[])]
fn chinese_text_finds_the_right_products(index: SearchIndex, #[case] text: &str, #[case] expected: &[i32]) {
    assert_eq!(id_set(&index, text), expected.iter().copied().collect(), "{text}");
}

#[rstest]
#[case::syllables_as_two_words("luochuan pingguo", &[5, 14])]
#[case::syllables_run_together("luochuanpingguo", &[14])]
#[case::initials("lcpg", &[14])]
#[case::initials_of_a_part("mht", &[3, 4])]
#[case::full_pinyin_mixian("mixian", &[15])]
#[case::heteronym_zha_shui("zhashui", &[7])]
#[case::upper_case("MiHouTao", &[3, 4])]
#[case::pinyin_and_chinese("fuxi 茶", &[1])]
fn pinyin_finds_what_the_characters_find(index: SearchIndex, #[case] text: &str, #[case] expected: &[i32]) {
    assert_eq!(id_set(&index, text), expected.iter().copied().collect(), "{text}");
}

#[rstest]
fn whole_word_matches_rank_above_character_matches(index: SearchIndex) {
    // 茶 is a word of its own in 紫阳富硒茶 and 平利绞股蓝茶, only a character of 绿茶 in 汉阴炒青绿茶.
    let results = index.search(&SearchQuery::text("茶")).unwrap();
    assert_eq!(ids(&results).last(), Some(&16), "{:?}", results.hits);
    assert!(results.hits[0].score > results.hits[2].score);
}

#[rstest]
fn facets_count_every_match_per_dimension(index: SearchIndex) {
    let q = SearchQuery {
        per_page: 1,
        ..SearchQuery::default()
    };
    let results = index.search(&q).unwrap();
    let listed = listed_ids_where(|_| true);
    assert_eq!(results.total, listed.len());
    assert_eq!(results.hits.len(), 1);

    let count_of = |list: &[FacetCount], value: &str| list.iter().find(|f| &*f.value == value).map_or(0, |f| f.count);
    let f = &results.facets;
    for spec in CATALOGUE.iter().filter(|s| s.status == Listed) {
        let county = region::county(spec.county).unwrap();
        let expect = |pred: &dyn Fn(&Spec) -> bool| listed_ids_where(pred).len() as u64;
        assert_eq!(count_of(&f.county, spec.county), expect(&|s| s.county == spec.county));
        assert_eq!(
            count_of(&f.city, county.city_code),
            expect(&|s| region::county(s.county).unwrap().city_code == county.city_code)
        );
        assert_eq!(
            count_of(&f.category, spec.category),
            expect(&|s| s.category == spec.category)
        );
        assert_eq!(
            count_of(&f.poverty, spec.kind.as_str()),
            expect(&|s| s.kind == spec.kind)
        );
    }
    assert_eq!(
        f.status,
        vec![FacetCount {
            value: "listed".into(),
            count: listed.len() as u64
        }]
    );
    let total_by_city: u64 = f.city.iter().map(|c| c.count).sum();
    assert_eq!(total_by_city, listed.len() as u64);
    assert!(
        f.category.windows(2).all(|w| w[0].count >= w[1].count),
        "sorted by count"
    );
}

#[rstest]
fn facets_follow_the_text_and_include_every_status_for_the_office(index: SearchIndex) {
    let q = SearchQuery {
        statuses: StatusFilter::All,
        ..SearchQuery::text("茶")
    };
    let f = index.search(&q).unwrap().facets;
    assert_eq!(
        f.category,
        vec![FacetCount {
            value: "茶叶".into(),
            count: 4
        }]
    );
    let mut status: Vec<(String, u64)> = f.status.into_iter().map(|c| (c.value.to_string(), c.count)).collect();
    status.sort();
    assert_eq!(status, vec![("delisted".into(), 1), ("listed".into(), 3)]);
    assert_eq!(
        f.city[0],
        FacetCount {
            value: "610900".into(),
            count: 3
        },
        "安康: 紫阳, 平利, 汉阴"
    );
}

#[rstest]
#[case::city(SearchQuery { city: Some("610600".into()), ..Default::default() }, listed_ids_where(|s| s.county.starts_with("6106")))]
#[case::county(SearchQuery { county: Some("610629".into()), ..Default::default() }, [5, 14].into())]
#[case::category(SearchQuery { category: Some("水果".into()), ..Default::default() }, [3, 4, 5].into())]
#[case::poverty(SearchQuery { poverty: Some(PovertyVillage), ..Default::default() }, [3, 5].into())]
#[case::all_statuses(SearchQuery { statuses: StatusFilter::All, ..Default::default() }, CATALOGUE.iter().map(|s| s.id).collect())]
#[case::suspended_only(SearchQuery { statuses: StatusFilter::Only(Suspended), ..Default::default() }, [11].into())]
#[case::price_range(SearchQuery { min_price_fen: Some(3_500), max_price_fen: Some(5_800), ..Default::default() }, [4, 6, 7, 8].into())]
#[case::min_price_only(SearchQuery { min_price_fen: Some(9_000), ..Default::default() }, [1, 9].into())]
#[case::text_and_filter(SearchQuery { county: Some("610124".into()), ..SearchQuery::text("猕猴桃") }, [4].into())]
// With text, the city, county, category and poverty kind are checked per match too.
#[case::text_and_city(SearchQuery { city: Some("610300".into()), ..SearchQuery::text("猕猴桃") }, [3].into())]
#[case::text_and_category(SearchQuery { category: Some("水果".into()), ..SearchQuery::text("洛川") }, [5].into())]
#[case::text_and_poverty(SearchQuery { poverty: Some(DesignatedSite), ..SearchQuery::text("蜂蜜") }, [10].into())]
#[case::text_and_unknown_county(SearchQuery { county: Some("999999".into()), ..SearchQuery::text("茶") }, [].into())]
#[case::text_and_every_filter(SearchQuery { city: Some("610900".into()), county: Some("610921".into()), category: Some("茶叶".into()), poverty: Some(PovertyCounty), max_price_fen: Some(7_000), ..SearchQuery::text("茶") }, [16].into())]
// With text, status and price are checked per match rather than in the query: the same answers.
#[case::text_listed_only(SearchQuery::text("茶"), [1, 9, 16].into())]
#[case::text_all_statuses(SearchQuery { statuses: StatusFilter::All, ..SearchQuery::text("茶") }, [1, 9, 12, 16].into())]
#[case::text_delisted_only(SearchQuery { statuses: StatusFilter::Only(Delisted), ..SearchQuery::text("茶") }, [12].into())]
#[case::text_max_price(SearchQuery { max_price_fen: Some(10_000), ..SearchQuery::text("茶") }, [9, 16].into())]
#[case::text_min_price_all_statuses(SearchQuery { min_price_fen: Some(10_000), statuses: StatusFilter::All, ..SearchQuery::text("茶") }, [1, 12].into())]
#[case::text_price_sorted(SearchQuery { min_price_fen: Some(6_000), max_price_fen: Some(9_900), sort: Sort::PriceDesc, ..SearchQuery::text("茶") }, [9, 16].into())]
fn filters_narrow_the_results(index: SearchIndex, #[case] q: SearchQuery, #[case] expected: BTreeSet<i32>) {
    let q = SearchQuery { per_page: 100, ..q };
    let results = index.search(&q).unwrap();
    assert_eq!(ids(&results).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(results.total, expected.len());
}

fn sorted_listed_ids(key: impl Fn(&Spec) -> i64) -> Vec<i32> {
    let mut specs: Vec<&Spec> = CATALOGUE.iter().filter(|s| s.status == Listed).collect();
    specs.sort_by_key(|s| key(s));
    specs.iter().map(|s| s.id).collect()
}

#[rstest]
#[case::price_ascending(Sort::PriceAsc, sorted_listed_ids(|s| s.price_fen))]
#[case::price_descending(Sort::PriceDesc, sorted_listed_ids(|s| -s.price_fen))]
#[case::newest_first(Sort::Newest, sorted_listed_ids(|s| -i64::from(s.day)))]
#[case::relevance_without_text_is_newest(Sort::Relevance, sorted_listed_ids(|s| -i64::from(s.day)))]
fn sorts_order_every_listed_product(index: SearchIndex, #[case] sort: Sort, #[case] expected: Vec<i32>) {
    let q = SearchQuery {
        sort,
        per_page: 100,
        ..Default::default()
    };
    assert_eq!(ids(&index.search(&q).unwrap()), expected);
}

#[rstest]
fn price_sort_applies_to_text_matches_too(index: SearchIndex) {
    let q = SearchQuery {
        sort: Sort::PriceAsc,
        ..SearchQuery::text("茶")
    };
    assert_eq!(ids(&index.search(&q).unwrap()), [16, 9, 1]);
}

#[rstest]
fn pages_partition_the_results(index: SearchIndex) {
    let all = sorted_listed_ids(|s| s.price_fen);
    let mut seen = Vec::new();
    for page in 1..=4 {
        let q = SearchQuery {
            sort: Sort::PriceAsc,
            page,
            per_page: 5,
            ..Default::default()
        };
        let results = index.search(&q).unwrap();
        assert_eq!(results.total, all.len());
        seen.extend(ids(&results));
    }
    assert_eq!(
        seen, all,
        "pages in order, none repeated or missed, the page past the end empty"
    );
}

/// The catalogue as five commits (so five segments), then one product edited: its old copy stays,
/// deleted, in an old segment and the new one goes to a new segment.
fn index_in_segments(edited: &ProductDoc) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    for batch in CATALOGUE.chunks(4) {
        for spec in batch {
            index.upsert(&doc(spec)).unwrap();
        }
        index.commit().unwrap();
    }
    index.upsert(edited).unwrap();
    index.commit().unwrap();
    index
}

fn edited_tea() -> ProductDoc {
    ProductDoc {
        category: "水果".into(),
        unit_price_fen: 100,
        ..doc(&CATALOGUE[0])
    }
}

#[rstest]
#[case::browse(SearchQuery::default())]
#[case::cheapest_first(SearchQuery { sort: Sort::PriceAsc, per_page: 100, ..Default::default() })]
#[case::dearest_first_page_2(SearchQuery { sort: Sort::PriceDesc, page: 2, per_page: 3, ..Default::default() })]
#[case::newest_for_the_office(SearchQuery { sort: Sort::Newest, statuses: StatusFilter::All, ..Default::default() })]
#[case::text_by_price(SearchQuery { sort: Sort::PriceAsc, ..SearchQuery::text("茶") })]
#[case::fruit(SearchQuery { category: Some("水果".into()), ..Default::default() })]
// Sorted by a column: relevance scores differ between the two, since BM25 counts deleted copies.
#[case::text_in_a_category(SearchQuery { category: Some("水果".into()), sort: Sort::Newest, ..SearchQuery::text("洛川") })]
#[case::text_in_a_city_by_price(SearchQuery { city: Some("610900".into()), sort: Sort::PriceDesc, ..SearchQuery::text("茶") })]
fn facets_and_sorts_over_many_segments_equal_one_segment(#[case] q: SearchQuery) {
    let edited = edited_tea();
    let segmented = index_in_segments(&edited);
    let whole = SearchIndex::in_memory().unwrap();
    let docs = catalogue().map(|d| if d.id == edited.id { edited.clone() } else { d });
    whole.rebuild(docs, |_| {}).unwrap();
    assert_eq!(segmented.search(&q).unwrap(), whole.search(&q).unwrap());
}

#[rstest]
fn pages_with_equal_prices_neither_repeat_nor_skip_across_segments() {
    let index = SearchIndex::in_memory().unwrap();
    for batch in CATALOGUE.chunks(3) {
        for spec in batch {
            // Three prices only: most products tie with others, in other segments too.
            let price = 1_000 * (i64::from(spec.id) % 3);
            index
                .upsert(&ProductDoc {
                    unit_price_fen: price,
                    ..doc(spec)
                })
                .unwrap();
        }
        index.commit().unwrap();
    }
    for sort in [Sort::PriceAsc, Sort::PriceDesc] {
        let mut seen: Vec<(i64, i32)> = Vec::new();
        for page in 1..=6 {
            let q = SearchQuery {
                sort,
                page,
                per_page: 3,
                statuses: StatusFilter::All,
                ..Default::default()
            };
            let results = index.search(&q).unwrap();
            seen.extend(
                results
                    .hits
                    .iter()
                    .map(|h| (h.product().unit_price_fen, h.product().id)),
            );
        }
        let unique: BTreeSet<i32> = seen.iter().map(|(_, id)| *id).collect();
        assert_eq!(unique.len(), CATALOGUE.len(), "{sort:?}: every product once: {seen:?}");
        assert_eq!(seen.len(), CATALOGUE.len(), "{sort:?}: {seen:?}");
        let prices: Vec<i64> = seen.iter().map(|(price, _)| *price).collect();
        let mut ordered = prices.clone();
        ordered.sort_by(|a, b| if sort == Sort::PriceAsc { a.cmp(b) } else { b.cmp(a) });
        assert_eq!(prices, ordered, "{sort:?}");
    }
}

/// The same texts under every filter, sort and page, in an order where most find their text's
/// matches kept from an earlier search (`matches.rs`).
fn variants_of_texts() -> Vec<SearchQuery> {
    let mut all = Vec::new();
    for text in ["茶", "猕猴桃", "洛川", "蜂蜜 -枣", "fuxi"] {
        let base = SearchQuery::text(text);
        let variants = [
            base.clone(),
            SearchQuery {
                county: Some("610924".into()),
                ..base.clone()
            },
            SearchQuery {
                city: Some("610900".into()),
                ..base.clone()
            },
            SearchQuery {
                category: Some("水果".into()),
                ..base.clone()
            },
            SearchQuery {
                poverty: Some(PovertyVillage),
                ..base.clone()
            },
            SearchQuery {
                county: Some("999999".into()),
                ..base.clone()
            },
            SearchQuery {
                statuses: StatusFilter::All,
                ..base.clone()
            },
            SearchQuery {
                statuses: StatusFilter::Only(Delisted),
                ..base.clone()
            },
            SearchQuery {
                max_price_fen: Some(7_000),
                ..base.clone()
            },
            SearchQuery {
                min_price_fen: Some(6_000),
                sort: Sort::PriceAsc,
                ..base.clone()
            },
            SearchQuery {
                sort: Sort::PriceDesc,
                statuses: StatusFilter::All,
                ..base.clone()
            },
            SearchQuery {
                sort: Sort::Newest,
                ..base.clone()
            },
            SearchQuery {
                per_page: 1,
                page: 2,
                ..base.clone()
            },
            SearchQuery {
                facets: false,
                ..base.clone()
            },
        ];
        all.extend(variants);
    }
    all
}

#[rstest]
fn a_text_searched_before_gives_what_a_fresh_index_gives_under_any_filter(index: SearchIndex) {
    for q in variants_of_texts() {
        let fresh = SearchIndex::in_memory().unwrap();
        fresh.rebuild(catalogue(), |_| {}).unwrap();
        assert_eq!(index.search(&q).unwrap(), fresh.search(&q).unwrap(), "{q:?}");
    }
}

#[rstest]
fn a_product_changed_after_a_search_shows_changed_in_the_next(index: SearchIndex) {
    let q = SearchQuery::text("猕猴桃");
    let before = index.search(&q).unwrap();
    assert!(before.hits.iter().any(|h| h.product().id == 3));
    let changed = ProductDoc {
        name: "眉县徐香猕猴桃礼盒".into(),
        supplier_name: "眉县果业公司".into(),
        unit_price_fen: 1_000,
        ..doc(&CATALOGUE[2])
    };
    index.upsert(&changed).unwrap();
    index.commit().unwrap();
    let after = index.search(&q).unwrap();
    let hit = after.hits.iter().find(|h| h.product().id == 3).unwrap();
    assert_eq!(hit.product().supplier_name, "眉县果业公司");
    assert_eq!(hit.product().unit_price_fen, 1_000);
    assert_eq!(hit.snippet_html(), "眉县徐香<mark>猕猴桃</mark>礼盒");
}

#[rstest]
fn changes_show_in_the_very_next_search(index: SearchIndex) {
    let browse = SearchQuery::default();
    let before = index.search(&browse).unwrap();
    let generation = index.generation();
    let mut changed = doc(&CATALOGUE[0]);
    changed.name = "紫阳毛尖".into();
    index.upsert(&changed).unwrap();
    index.delete(4).unwrap();
    index.commit().unwrap();
    assert_eq!(id_set(&index, "富硒"), [2].into());
    assert_eq!(id_set(&index, "毛尖"), [1].into());
    assert_eq!(id_set(&index, "猕猴桃"), [3].into());
    assert_eq!(index.num_docs(), CATALOGUE.len() as u64 - 1);
    let after = index.search(&browse).unwrap();
    assert_eq!(after.total, before.total - 1);
    assert_ne!(index.generation(), generation, "a commit starts a new generation");
    assert!(!ids(&after).contains(&4));

    let mut delisted = doc(&CATALOGUE[2]);
    delisted.listing_status = Delisted;
    index.upsert(&delisted).unwrap();
    index.commit().unwrap();
    assert!(id_set(&index, "猕猴桃").is_empty());
}

#[rstest]
fn snippets_mark_matches_and_escape_product_text(index: SearchIndex) {
    let hit = |text: &str| {
        index
            .search(&SearchQuery::text(text))
            .unwrap()
            .hits
            .remove(0)
            .snippet_html()
            .to_owned()
    };
    assert_eq!(
        hit("\"富硒茶\""),
        "紫阳<mark>富硒茶</mark> — 紫阳县高山茶园，富含<mark>硒</mark>元素的绿茶。"
    );
    assert_eq!(hit("lcpg"), "<mark>洛川苹果</mark>醋");
    assert!(
        hit("秦岭 木耳").contains("— <mark>秦岭</mark>黑<mark>木耳</mark>"),
        "{}",
        hit("秦岭 木耳")
    );

    let mut nasty = doc(&CATALOGUE[0]);
    nasty.id = 99;
    nasty.name = "<script>alert('茶')</script>".into();
    nasty.description = "\"茶\" & <b>".into();
    index.upsert(&nasty).unwrap();
    index.commit().unwrap();
    let results = index.search(&SearchQuery::text("alert")).unwrap();
    let html = results.hits[0].snippet_html();
    assert!(!html.contains("<script>") && !html.contains("<b>"), "{html}");
    assert!(
        html.starts_with("&lt;script&gt;<mark>alert</mark>(&#39;茶&#39;)"),
        "{html}"
    );
}

#[rstest]
#[case::unbalanced_quote("\"富硒", "引号")]
#[case::only_exclusions("-眉县", "排除词")]
#[case::too_long(&"茶".repeat(201), "过长")]
fn invalid_text_is_an_invalid_query_error(index: SearchIndex, #[case] text: &str, #[case] reason: &str) {
    let err = index.search(&SearchQuery::text(text)).unwrap_err();
    assert!(
        matches!(&err, SearchError::InvalidQuery(m) if m.contains(reason)),
        "{err}"
    );
    assert!(err.to_string().starts_with("搜索条件有误"));
}

#[rstest]
#[case::page_zero(SearchQuery { page: 0, ..Default::default() })]
#[case::page_too_big(SearchQuery { per_page: 101, ..Default::default() })]
fn invalid_paging_is_an_invalid_query_error(index: SearchIndex, #[case] q: SearchQuery) {
    assert!(matches!(index.search(&q), Err(SearchError::InvalidQuery(_))));
}

#[rstest]
#[case::chinese("猕猴", &["眉县徐香猕猴桃", "周至翠香猕猴桃"])]
#[case::half_typed_syllable("luochuanp", &["洛川苹果醋"])]
#[case::initials("lc", &["洛川红富士苹果", "洛川苹果醋"])]
#[case::half_typed_single_syllable("zh", &["周至翠香猕猴桃", "柞水木耳", "镇安土豆米线", "米脂小米"])]
fn suggestions_complete_names(index: SearchIndex, #[case] prefix: &str, #[case] expected: &[&str]) {
    let got: BTreeSet<String> = index.suggest(prefix, 10).into_iter().collect();
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert!(expected.is_subset(&got), "{prefix}: {got:?}");
}

#[rstest]
fn suggestions_are_limited_and_never_fail(index: SearchIndex) {
    assert_eq!(index.suggest("茶", 2).len(), 2);
    assert!(index.suggest("\"", 5).is_empty());
    assert!(index.suggest("", 5).is_empty());
    assert!(
        index.suggest("延川", 5).is_empty(),
        "suspended products are not suggested"
    );
}

#[test]
fn a_new_directory_is_created_empty_and_reopened_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let (index, outcome) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(outcome, OpenOutcome::Created(RebuildReason::Missing));
    assert!(outcome.needs_rebuild());
    index.rebuild(catalogue(), |_| {}).unwrap();
    drop(index);

    let (index, outcome) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    assert_eq!(index.num_docs(), CATALOGUE.len() as u64);
    assert_eq!(id_set(&index, "猕猴桃"), [3, 4].into());
}

#[test]
fn an_index_of_another_schema_version_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(dir.path()).unwrap();
    index.rebuild(catalogue(), |_| {}).unwrap();
    drop(index);
    fs::write(dir.path().join(schema::VERSION_FILE), (SCHEMA_VERSION - 1).to_string()).unwrap();

    let (index, outcome) = SearchIndex::open_or_create(dir.path()).unwrap();
    let expected = RebuildReason::SchemaChanged {
        found: Some(SCHEMA_VERSION - 1),
        expected: SCHEMA_VERSION,
    };
    assert_eq!(outcome, OpenOutcome::Created(expected));
    assert_eq!(index.num_docs(), 0);
    drop(index);
    let (_, outcome) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(
        outcome,
        OpenOutcome::Opened,
        "the new index carries the current version"
    );
}

#[rstest]
#[case::garbage_in_every_file(false)]
#[case::garbage_meta_json(true)]
fn a_corrupt_index_is_detected_and_recreated(#[case] only_meta: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(dir.path()).unwrap();
    index.rebuild(catalogue(), |_| {}).unwrap();
    drop(index);
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let is_ours = name == schema::VERSION_FILE || name.starts_with('.');
        if !is_ours && (!only_meta || name == "meta.json") {
            fs::write(&path, b"\x00garbage\xff not an index").unwrap();
        }
    }

    let (index, outcome) = SearchIndex::open_or_create(dir.path()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Created(RebuildReason::Corrupt(_))),
        "{outcome:?}"
    );
    index.rebuild(catalogue(), |_| {}).unwrap();
    assert_eq!(id_set(&index, "富硒"), [1, 2].into());
}

#[rstest]
fn rebuild_reports_progress_and_replaces_everything(index: SearchIndex) {
    let mut progress = Vec::new();
    let only_two = catalogue().take(2);
    assert_eq!(index.rebuild(only_two, |n| progress.push(n)).unwrap(), 2);
    assert_eq!(progress, [2]);
    assert_eq!(index.num_docs(), 2);
}

#[rstest]
fn the_longest_allowed_queries_are_answered(index: SearchIndex) {
    for text in [
        format!("{}q", "xian".repeat(49)),
        "茶 ".repeat(100),
        "-".repeat(199) + "茶",
    ] {
        assert!(text.chars().count() <= MAX_TEXT_CHARS);
        let result = index.search(&SearchQuery::text(text.as_str()));
        assert!(
            result.is_ok() || matches!(result, Err(SearchError::InvalidQuery(_))),
            "{text}"
        );
    }
}

#[rstest]
fn a_hit_carries_the_product_as_indexed_so_a_list_needs_no_database(index: SearchIndex) {
    let results = index.search(&SearchQuery::text("富硒")).unwrap();
    assert!(!results.hits.is_empty());
    for hit in &results.hits {
        let spec = CATALOGUE.iter().find(|s| s.id == hit.product().id).unwrap();
        let expected = ProductDoc {
            description: String::new(),
            ..doc(spec)
        };
        assert_eq!(hit.product(), &expected);
    }
}
