//! Search benchmark: 100,000 synthetic Shaanxi products, index build time and size, warm
//! single-thread latency (p50/p99) per query kind, and recall against a substring scan of names.
//!
//! Run: `cargo run --release --bin search_bench [-- N_PRODUCTS [RUNS]]`
//! (in the main repo: a bench target with `harness = false`). `BENCH_ONLY=<scenario prefix>` times
//! only matching scenarios and skips recall (for `perf record`); `BENCH_DEBUG=1` prints the slowest
//! runs of each scenario.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::DateTime;
use pinyin::ToPinyinMulti;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use fupin_catalog::domain::product::CATEGORIES;
use fupin_catalog::domain::region::{self, County};
use fupin_catalog::domain::{ListingStatus, PovertyRegionKind};
use fupin_catalog::search::{ProductDoc, SearchIndex, SearchQuery};

const DEFAULT_PRODUCTS: usize = 100_000;
const DEFAULT_RUNS: usize = 1_000;
const WARM_UP_RUNS: usize = 100;

/// Per category (same order as `CATEGORIES`): products and the varieties that may precede them.
const PRODUCTS: [(&[&str], &[&str]); 13] = [
    (
        &["猕猴桃", "苹果", "酥梨", "石榴", "樱桃", "葡萄", "冬枣"],
        &["徐香", "翠香", "红富士", "秦冠", "海沃德", "红阳", "有机", "高山"],
    ),
    (
        &["红枣", "核桃", "板栗", "花生", "核桃仁"],
        &["狗头", "薄皮", "滩", "野生", "精选"],
    ),
    (
        &["富硒茶", "绿茶", "毛尖", "炒青", "绞股蓝茶", "茯茶", "红茶"],
        &["明前", "高山", "特级", "一级", "有机"],
    ),
    (
        &["小米", "富硒大米", "荞麦面", "菜籽油", "手工挂面", "黄米", "玉米糁"],
        &["有机", "黄", "石磨", "古法", "新"],
    ),
    (
        &["木耳", "香菇", "平菇", "羊肚菌", "银耳"],
        &["黑", "花", "野生", "段木", "秦岭"],
    ),
    (
        &["魔芋", "土豆", "线辣椒", "山药", "香椿"],
        &["有机", "富硒", "高山", "农家"],
    ),
    (
        &["土鸡蛋", "黑猪肉", "羊肉", "腊肉", "土鸡"],
        &["散养", "生态", "农家", "柴火"],
    ),
    (
        &["土蜂蜜", "百花蜜", "槐花蜜", "蜂王浆", "蜂蜜"],
        &["秦岭", "野生", "天然", "成熟"],
    ),
    (
        &["天麻", "杜仲", "黄芪", "丹参", "山茱萸", "连翘"],
        &["野生", "林下", "道地", "干"],
    ),
    (
        &["花椒", "油泼辣子", "香醋", "大红袍花椒", "豆瓣酱"],
        &["大红袍", "古法", "手工", "特级"],
    ),
    (
        &["粉条", "米线", "蜜枣", "柿饼", "锅盔", "腊汁肉"],
        &["手工", "红薯", "土豆", "传统"],
    ),
    (
        &["苹果醋", "猕猴桃酒", "黄酒", "核桃露", "沙棘汁"],
        &["发酵", "原浆", "特酿", "鲜榨"],
    ),
    (
        &["剪纸", "刺绣", "草编", "香包", "泥塑", "竹编"],
        &["手工", "非遗", "传统", "民间"],
    ),
];
const PACKAGES: [&str; 6] = ["", "", "礼盒", "5斤装", "家庭装", "500g"];
const QUALITIES: [&str; 8] = [
    "个大饱满，口感香甜",
    "生态种植，不施化肥",
    "高山云雾，品质上乘",
    "传统工艺，匠心制作",
    "当季采摘，产地直发",
    "富含多种微量元素",
    "扶贫车间生产，带动脱贫户增收",
    "通过绿色食品认证",
];

fn short_name(county: &County) -> String {
    let name = county.name;
    let trimmed = name.trim_end_matches(['县', '市', '区']);
    if trimmed.chars().count() >= 2 {
        trimmed.to_owned()
    } else {
        name.to_owned()
    }
}

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn synthetic_product(id: i32, rng: &mut SmallRng) -> ProductDoc {
    let county = pick(rng, region::counties());
    let category_index = rng.random_range(0..CATEGORIES.len());
    let (products, varieties) = PRODUCTS[category_index];
    let product = pick(rng, products);
    let variety = if rng.random_bool(0.5) {
        *pick(rng, varieties)
    } else {
        ""
    };
    let place = short_name(county);
    let name = format!("{place}{variety}{product}{}", pick(rng, &PACKAGES));
    let description = format!(
        "产自陕西{}{}，{}。{}，{}。",
        county.city_name,
        county.name,
        pick(rng, &QUALITIES),
        pick(rng, &QUALITIES),
        pick(rng, &["顺丰包邮", "工会采购优选", "支持对公转账", "现货供应"]),
    );
    let poverty_region_kind = if county.former_poverty_county {
        PovertyRegionKind::PovertyCounty
    } else {
        *pick(rng, &PovertyRegionKind::ALL[1..])
    };
    let listing_status = match rng.random_range(0..100) {
        0..90 => ListingStatus::Listed,
        90..94 => ListingStatus::Suspended,
        94..97 => ListingStatus::Delisted,
        _ => ListingStatus::Withdrawn,
    };
    let listed_at = DateTime::from_timestamp(1_577_836_800 + rng.random_range(0..5 * 365 * 86_400), 0)
        .expect("in range")
        .naive_utc();
    ProductDoc {
        id,
        catalogue_code: format!("{}-{:05}", county.code, id % 100_000),
        name,
        description,
        supplier_name: format!(
            "{place}{}",
            pick(rng, &["绿源农业专业合作社", "扶贫产业有限公司", "农产品开发公司"])
        ),
        county_code: county.code.into(),
        county_name: county.name.into(),
        city_code: county.city_code.into(),
        city_name: county.city_name.into(),
        category: CATEGORIES[category_index].into(),
        poverty_region_kind,
        listing_status,
        unit_price_fen: rng.random_range(500..50_000),
        listed_at,
        thumbnail: None,
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// One benchmark scenario: the queries it cycles through.
struct Scenario {
    name: &'static str,
    queries: Vec<SearchQuery>,
}

fn word(text: &str, facets: bool) -> SearchQuery {
    SearchQuery {
        facets,
        ..SearchQuery::text(text)
    }
}

fn scenarios() -> Vec<Scenario> {
    let one_words = ["猕猴桃", "富硒", "茶", "木耳", "小米", "蜂蜜", "核桃", "花椒"];
    let two_words = [
        "洛川 苹果",
        "紫阳 茶",
        "眉县 猕猴桃",
        "柞水 木耳",
        "米脂 小米",
        "富硒 大米",
    ];
    let with_county = [
        ("猕猴桃", "610326"),
        ("茶", "610924"),
        ("木耳", "611026"),
        ("苹果", "610629"),
    ];
    vec![
        Scenario {
            name: "one word",
            queries: one_words.iter().map(|t| word(t, false)).collect(),
        },
        Scenario {
            name: "two words",
            queries: two_words.iter().map(|t| word(t, false)).collect(),
        },
        Scenario {
            name: "word + county filter",
            queries: with_county
                .iter()
                .map(|(t, county)| SearchQuery {
                    county: Some((*county).into()),
                    ..word(t, false)
                })
                .collect(),
        },
        Scenario {
            name: "word + facet counts",
            queries: one_words.iter().map(|t| word(t, true)).collect(),
        },
        Scenario {
            name: "all products + facets",
            queries: vec![SearchQuery::default()],
        },
        Scenario {
            name: "pinyin (full/initials)",
            queries: ["luochuan", "mihoutao", "lcpg", "zyfxc"]
                .iter()
                .map(|t| word(t, false))
                .collect(),
        },
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// p50 and p99 of `scenario`'s queries run in turn, each after `prepare`.
fn time_runs(
    index: &SearchIndex,
    scenario: &Scenario,
    runs: usize,
    mut prepare: impl FnMut(&SearchQuery) -> SearchQuery,
) -> (Duration, Duration) {
    let queries = &scenario.queries;
    for i in 0..WARM_UP_RUNS {
        index.search(&prepare(&queries[i % queries.len()])).expect("search");
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let q = prepare(&queries[i % queries.len()]);
        let start = Instant::now();
        let results = index.search(&q).expect("search");
        times.push(start.elapsed());
        std::hint::black_box(results);
    }
    if std::env::var_os("BENCH_DEBUG").is_some() {
        let mut indexed: Vec<(usize, Duration)> = times.iter().copied().enumerate().collect();
        indexed.sort_by_key(|(_, t)| std::cmp::Reverse(*t));
        eprintln!("{}: slowest {:?}", scenario.name, &indexed[..12]);
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

/// Two timings per scenario: cold (nothing kept from earlier searches: every search runs its
/// query and reads its hits from the doc store), and the same texts with a different budget each
/// time (`max_price`), as people refine a search: the text's matches and hits are kept.
fn measure(index: &SearchIndex, scenario: &Scenario, runs: usize) -> [(Duration, Duration); 2] {
    let cold = time_runs(index, scenario, runs, |q| {
        index.forget_kept();
        q.clone()
    });
    let mut rng = SmallRng::seed_from_u64(7);
    let refined = time_runs(index, scenario, runs, |q| SearchQuery {
        max_price_fen: Some(rng.random_range(5_000..500_000)),
        ..q.clone()
    });
    [cold, refined]
}

/// Every reading of each character with pinyin (ASCII, `ü` as `v`), for the pinyin ground truth.
fn readings(c: char) -> Vec<String> {
    c.to_pinyin_multi()
        .map(|multi| {
            multi
                .into_iter()
                .map(|p| p.plain().replace('ü', "v").replace('ê', "e"))
                .filter(|p| p.is_ascii())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether some run of `name`'s characters spells `typed` in full pinyin or initials.
fn name_spells(name: &str, typed: &str) -> bool {
    let chars: Vec<Vec<String>> = name.chars().map(readings).filter(|r| !r.is_empty()).collect();
    (0..chars.len()).any(|start| spells(&chars[start..], typed, false) || spells(&chars[start..], typed, true))
}

fn spells(chars: &[Vec<String>], typed: &str, initials: bool) -> bool {
    if typed.is_empty() {
        return true;
    }
    let Some(first) = chars.first() else {
        return false;
    };
    first.iter().any(|r| {
        let piece = if initials { &r[..1] } else { r.as_str() };
        typed
            .strip_prefix(piece)
            .is_some_and(|rest| spells(&chars[1..], rest, initials))
    })
}

/// Ground truth for one query: listed products whose name contains every term (Chinese terms as
/// substrings, Latin terms as pinyin), within the query's county filter.
fn expected_ids(products: &[ProductDoc], q: &SearchQuery) -> BTreeSet<i32> {
    let terms: Vec<&str> = q.text.split_whitespace().collect();
    products
        .iter()
        .filter(|p| p.listing_status == ListingStatus::Listed)
        .filter(|p| q.county.as_ref().is_none_or(|c| *c == p.county_code))
        .filter(|p| {
            terms.iter().all(|t| {
                if t.is_ascii() {
                    name_spells(&p.name, t)
                } else {
                    p.name.contains(t)
                }
            })
        })
        .map(|p| p.id)
        .collect()
}

/// Every product the index returns for `q`, fetched county by county so each result set fits the
/// paging window.
fn found_ids(index: &SearchIndex, q: &SearchQuery) -> BTreeSet<i32> {
    let mut found = BTreeSet::new();
    let counties: Vec<String> = match &q.county {
        Some(c) => vec![c.clone()],
        None => region::counties().iter().map(|c| c.code.to_owned()).collect(),
    };
    for county in counties {
        for page in 1.. {
            let page_query = SearchQuery {
                county: Some(county.clone()),
                page,
                per_page: 100,
                facets: false,
                ..q.clone()
            };
            let results = index.search(&page_query).expect("search");
            found.extend(results.hits.iter().map(|h| h.product().id));
            if results.hits.len() < 100 {
                break;
            }
        }
    }
    found
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(DEFAULT_PRODUCTS);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(DEFAULT_RUNS);

    let mut rng = SmallRng::seed_from_u64(20_240_301);
    let products: Vec<ProductDoc> = (1..=n as i32).map(|id| synthetic_product(id, &mut rng)).collect();
    let dir: PathBuf = std::env::temp_dir().join(format!("fupin_search_bench_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let (index, outcome) = SearchIndex::open_or_create(&dir).expect("open index");
    assert!(outcome.needs_rebuild());
    let start = Instant::now();
    index.rebuild(products.iter().cloned(), |_| {}).expect("rebuild");
    let build = start.elapsed();
    println!("products: {n}, indexed: {}", index.num_docs());
    println!(
        "build: {:.2} s, size on disk: {:.1} MiB",
        build.as_secs_f64(),
        dir_size(&dir) as f64 / 1_048_576.0
    );

    println!("\nwarm single-thread latency, {runs} runs each (20 hits with snippets per search), ms:");
    println!("  cold: nothing kept from earlier searches; refined: the same texts, each time with another");
    println!("  budget (max_price), so the text's matches and hits are kept from an earlier search");
    println!(
        "{:<26} {:>10} {:>10} {:>12} {:>12}",
        "query kind", "cold p50", "cold p99", "refined p50", "refined p99"
    );
    let scenarios = scenarios();
    let only = std::env::var("BENCH_ONLY").ok();
    for scenario in &scenarios {
        if only.as_ref().is_some_and(|o| !scenario.name.starts_with(o.as_str())) {
            continue;
        }
        let [(cold_50, cold_99), (kept_50, kept_99)] = measure(&index, scenario, runs);
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{:<26} {:>10.3} {:>10.3} {:>12.3} {:>12.3}",
            scenario.name,
            ms(cold_50),
            ms(cold_99),
            ms(kept_50),
            ms(kept_99)
        );
    }

    if only.is_some() {
        drop(index);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    println!("\nrecall on names (ground truth: substring / pinyin scan of listed names):");
    let mut all_found = true;
    for scenario in scenarios.iter().filter(|s| !s.queries[0].text.is_empty()) {
        for q in &scenario.queries {
            if q.facets {
                continue; // same texts as "one word"
            }
            let expected = expected_ids(&products, q);
            let found = found_ids(&index, q);
            let hit = expected.intersection(&found).count();
            all_found &= hit == expected.len();
            let filter = q
                .county
                .as_deref()
                .map(|c| format!(" [county {c}]"))
                .unwrap_or_default();
            println!(
                "  {:<24} found {hit}/{} ({:.1} %), {} more matched other fields",
                format!("{}{filter}", q.text),
                expected.len(),
                100.0 * hit as f64 / expected.len().max(1) as f64,
                found.len() - hit,
            );
        }
    }
    println!("recall 100 % on every query: {all_found}");
    sqlite_comparison(&products, &scenarios, runs.min(200));
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same texts against what a team would otherwise reach for: SQLite FTS5 with the trigram
/// tokenizer, and `LIKE '%…%'`, on the same products, single thread, top 20 plus the total.
fn sqlite_comparison(products: &[ProductDoc], scenarios: &[Scenario], runs: usize) {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Integer, Text};
    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        n: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Integer)]
        #[allow(dead_code)]
        id: i32,
    }

    let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    conn.batch_execute(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, description TEXT, county_code TEXT, status TEXT);
         CREATE VIRTUAL TABLE p_fts USING fts5(name, description, content='p', content_rowid='id', tokenize='trigram');",
    )
    .expect("schema");
    conn.batch_execute("BEGIN").unwrap();
    for d in products {
        diesel::sql_query("INSERT INTO p VALUES (?, ?, ?, ?, ?)")
            .bind::<Integer, _>(d.id)
            .bind::<Text, _>(&d.name)
            .bind::<Text, _>(&d.description)
            .bind::<Text, _>(&d.county_code)
            .bind::<Text, _>(d.listing_status.as_str())
            .execute(&mut conn)
            .unwrap();
    }
    conn.batch_execute("INSERT INTO p_fts(p_fts) VALUES ('rebuild'); COMMIT;")
        .unwrap();

    println!("\nthe same texts in SQLite, top 20 + total, {runs} runs each (p50 / p99 ms):");
    println!("{:<26} {:>18} {:>18}", "query kind", "FTS5 trigram", "LIKE '%…%'");
    let comparable =
        |s: &&Scenario| !s.queries[0].text.is_empty() && !s.queries[0].facets && !s.name.starts_with("pinyin");
    for scenario in scenarios.iter().filter(comparable) {
        let mut fts = Vec::new();
        let mut like = Vec::new();
        let mut fts_usable = true;
        for q in scenario.queries.iter().cycle().take(runs) {
            let words: Vec<&str> = q.text.split_whitespace().collect();
            let county = q.county.clone().unwrap_or_default();
            let county_sql = " AND (?2 = '' OR p.county_code = ?2)";
            // FTS5's trigram tokenizer cannot match words shorter than three characters.
            if words.iter().all(|w| w.chars().count() >= 3) {
                let matcher = words
                    .iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let started = Instant::now();
                let base = format!(
                    "FROM p_fts JOIN p ON p.id = p_fts.rowid WHERE p_fts MATCH ?1 AND p.status = 'listed'{county_sql}"
                );
                let _: Vec<Id> = diesel::sql_query(format!("SELECT p.id AS id {base} ORDER BY rank LIMIT 20"))
                    .bind::<Text, _>(&matcher)
                    .bind::<Text, _>(&county)
                    .load(&mut conn)
                    .unwrap();
                let _: Count = diesel::sql_query(format!("SELECT count(*) AS n {base}"))
                    .bind::<Text, _>(&matcher)
                    .bind::<Text, _>(&county)
                    .get_result(&mut conn)
                    .unwrap();
                fts.push(started.elapsed());
            } else {
                fts_usable = false;
            }
            let like_sql: Vec<String> = (0..words.len()).map(|i| format!("name LIKE ?{}", i + 3)).collect();
            let base = format!(
                "FROM p WHERE status = 'listed' AND ({}){}",
                like_sql.join(" AND "),
                county_sql.replace("p.", "")
            );
            let started = Instant::now();
            let mut ids =
                diesel::sql_query(format!("SELECT id {base} LIMIT 20")).into_boxed::<diesel::sqlite::Sqlite>();
            ids = ids.bind::<Text, _>(String::new()).bind::<Text, _>(county.clone());
            for w in &words {
                ids = ids.bind::<Text, _>(format!("%{w}%"));
            }
            let _: Vec<Id> = ids.load(&mut conn).unwrap();
            let mut count =
                diesel::sql_query(format!("SELECT count(*) AS n {base}")).into_boxed::<diesel::sqlite::Sqlite>();
            count = count.bind::<Text, _>(String::new()).bind::<Text, _>(county.clone());
            for w in &words {
                count = count.bind::<Text, _>(format!("%{w}%"));
            }
            let _: Count = count.get_result(&mut conn).unwrap();
            like.push(started.elapsed());
        }
        let show = |mut v: Vec<Duration>| {
            if v.is_empty() {
                return "—".to_owned();
            }
            v.sort();
            format!(
                "{:.2} / {:.2}",
                percentile(&v, 0.5).as_secs_f64() * 1e3,
                percentile(&v, 0.99).as_secs_f64() * 1e3
            )
        };
        let note = if fts_usable {
            ""
        } else {
            " (FTS5: some words < 3 chars, skipped)"
        };
        println!("{:<26} {:>18} {:>18}{note}", scenario.name, show(fts), show(like));
    }
}
