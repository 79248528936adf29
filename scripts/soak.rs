//! The soak load (issue 11), run by `scripts/soak.sh` against a running `fupin serve`: 64
//! connections on loopback for a set time, a mix of what the catalogue's users do — employees
//! scanning, searching and opening product pages, people signing in and out, county clerks
//! creating, editing, submitting and uploading nominations, the city forwarding them, the office
//! approving rows and suspending and clearing products, grassroots unions reading their pages.
//! Prints requests, 5xx, other refusals, transport errors, and the server's RSS after warm-up and
//! at the end.
//!
//! With `SOAK_ACKS=FILE`, every write the server acknowledged (a 303 after the POST) is written to
//! FILE as one SQL query that answers 1 when the write is in the database and 0 when it is not:
//! `scripts/cluster.sh` runs them after killing a server mid-load.
//!
//! `cargo bench --bench soak -- BASE_URL SERVER_PID SECONDS [CONNECTIONS]`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use fupin_catalog::demo::DEMO_PASSWORD;
use fupin_catalog::domain::CountyCode;

const WORDS: [&str; 12] = [
    "茶",
    "富硒茶",
    "猕猴桃",
    "核桃",
    "紫阳",
    "木耳",
    "小米",
    "lcpg",
    "fx",
    "蜂蜜",
    "苹果",
    "红枣",
];
/// Ankang's counties: one clerk each.
const COUNTIES: [&str; 10] = [
    "610902", "610921", "610922", "610923", "610924", "610925", "610926", "610927", "610929", "610981",
];
/// Cities whose accounts only sign in and out (Ankang's is busy forwarding).
const SIGN_IN_CITIES: [&str; 8] = [
    "610100", "610200", "610300", "610400", "610500", "610600", "610700", "610800",
];

#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    server_errors: AtomicU64,
    refused: AtomicU64,
    transport_errors: AtomicU64,
}

struct Load {
    base: String,
    counts: Counts,
    stop: AtomicBool,
    codes: Vec<String>,
    /// Checks of acknowledged writes, when asked for (`SOAK_ACKS`).
    acks: Option<std::sync::Mutex<Vec<String>>>,
}

struct Session {
    client: reqwest::Client,
    csrf: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        // Under the server's keep-alive (5 s), so a connection it is closing is not reused.
        .pool_idle_timeout(Duration::from_secs(3))
        .build()
        .unwrap()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Every number following `marker` in `text` (ids in links and form values).
fn ids_after(text: &str, marker: &str) -> Vec<String> {
    text.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = &text[i + marker.len()..];
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            (!n.is_empty()).then_some(n)
        })
        .collect()
}

impl Load {
    /// Counts one answer; returns its status and body (empty on a transport error).
    async fn count(&self, response: reqwest::Result<reqwest::Response>) -> (u16, String) {
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let location = r
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let body = r.text().await.unwrap_or_default();
                if status >= 500 {
                    self.counts.server_errors.fetch_add(1, Ordering::Relaxed);
                    // One line, with the time, so that errors can be matched with what the cluster did.
                    let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
                    eprintln!(
                        "5xx {status} at {}: {}",
                        chrono::Local::now().format("%H:%M:%S"),
                        text.chars().take(120).collect::<String>()
                    );
                } else if status >= 400 {
                    self.counts.refused.fetch_add(1, Ordering::Relaxed);
                }
                (status, if status == 303 { location } else { body })
            }
            Err(e) => {
                self.counts.transport_errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("transport error: {e}: {:?}", std::error::Error::source(&e));
                (0, String::new())
            }
        }
    }

    async fn get(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        self.count(client.get(format!("{}{path}", self.base)).send().await)
            .await
    }

    async fn post(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &s.csrf));
        let response = s.client.post(format!("{}{path}", self.base)).form(&fields).send().await;
        self.count(response).await
    }

    /// Signs in, waiting and trying again while the throttle holds back a parallel sign-in of the
    /// same account (429), as a person would.
    async fn sign_in(&self, username: &str) -> Session {
        let client = client();
        for _ in 0..100 {
            let (_, page) = self.get(&client, "/login").await;
            let token = between(&page, "name=\"csrf_token\" value=\"", "\"")
                .unwrap_or_default()
                .to_owned();
            let form = [
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("csrf_token", token.as_str()),
            ];
            let response = client.post(format!("{}/login", self.base)).form(&form).send().await;
            match self.count(response).await.0 {
                303 => {
                    let (_, page) = self.get(&client, "/login").await;
                    let csrf = between(&page, "name=\"csrf_token\" value=\"", "\"")
                        .unwrap_or_default()
                        .to_owned();
                    return Session { client, csrf };
                }
                // Throttled, or the server behind the balancer is gone (a cluster run kills one).
                0 | 429 | 500.. => tokio::time::sleep(Duration::from_millis(200)).await,
                other => panic!("signing in as {username} answered {other}"),
            }
        }
        panic!("could not sign in as {username}");
    }

    /// Notes an acknowledged write, as the condition that holds once it is in the database.
    fn acknowledged(&self, condition: String) {
        if let Some(acks) = &self.acks {
            let check = format!("SELECT CASE WHEN {condition} THEN 1 ELSE 0 END;");
            acks.lock().unwrap().push(check);
        }
    }

    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    fn code(&self, rng: &mut SmallRng) -> &str {
        &self.codes[rng.random_range(0..self.codes.len())]
    }

    async fn visitor(&self, seed: u64) {
        let client = client();
        let mut rng = SmallRng::seed_from_u64(seed);
        while self.running() {
            let word = WORDS[rng.random_range(0..WORDS.len())];
            let path = match rng.random_range(0..10) {
                0..=3 => format!("/t/{}", self.code(&mut rng)),
                4..=5 => format!("/search?q={word}&page={}", rng.random_range(1..4)),
                6 => format!("/api/v1/products?q={word}&per_page=20"),
                7..=8 => format!("/products/{}", self.code(&mut rng)),
                _ => "/bundles".to_owned(),
            };
            self.get(&client, &path).await;
        }
    }

    async fn signs_in_and_out(&self, city: &str) {
        let username = format!("city-{city}");
        while self.running() {
            let s = self.sign_in(&username).await;
            self.get(&s.client, "/city").await;
            self.post(&s, "/logout", &[]).await;
        }
    }

    async fn county_clerk(&self, county: &str, sheet: Vec<u8>) {
        let s = self.sign_in(&format!("county-{county}")).await;
        let mut round = 0u64;
        while self.running() {
            round += 1;
            if round.is_multiple_of(5) {
                let form = reqwest::multipart::Form::new().text("csrf_token", s.csrf.clone()).part(
                    "file",
                    reqwest::multipart::Part::bytes(sheet.clone()).file_name("推荐名录.xlsx"),
                );
                let response = s
                    .client
                    .post(format!("{}/county/upload", self.base))
                    .multipart(form)
                    .send()
                    .await;
                let (status, location) = self.count(response).await;
                if let (303, Some(batch)) = (status, location.strip_prefix("/nominations/")) {
                    self.acknowledged(format!("EXISTS (SELECT 1 FROM nomination_batches WHERE id = {batch})"));
                }
                continue;
            }
            let (_, location) = self.post(&s, "/county/batches", &[]).await;
            let Some(batch) = location.strip_prefix("/nominations/").map(str::to_owned) else {
                continue;
            };
            self.acknowledged(format!("EXISTS (SELECT 1 FROM nomination_batches WHERE id = {batch})"));
            let product = format!("示例富硒茶{county}-{round}");
            let row = complete_row(&product, county, round);
            let fields: Vec<(&str, &str)> = row.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if self.post(&s, &format!("/nominations/{batch}/rows"), &fields).await.0 == 303 {
                self.acknowledged(format!(
                    "EXISTS (SELECT 1 FROM nomination_rows WHERE batch_id = {batch} AND product_name = '{product}')"
                ));
            }
            let (_, page) = self.get(&s.client, &format!("/nominations/{batch}")).await;
            if let Some(row_id) = ids_after(&page, &format!("/nominations/{batch}/rows/")).first() {
                let mut edited = row.clone();
                edited[9].1 = "500g/罐".to_owned();
                let fields: Vec<(&str, &str)> = edited.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let path = format!("/nominations/{batch}/rows/{row_id}/edit");
                if self.post(&s, &path, &fields).await.0 == 303 {
                    self.acknowledged(format!(
                        "EXISTS (SELECT 1 FROM nomination_rows WHERE id = {row_id} AND specification = '500g/罐')"
                    ));
                }
            }
            if self.post(&s, &format!("/nominations/{batch}/submit"), &[]).await.0 == 303 {
                self.acknowledged(format!(
                    "EXISTS (SELECT 1 FROM nomination_batches WHERE id = {batch} AND status <> 'draft')"
                ));
            }
        }
    }

    async fn city_forwarder(&self) {
        let s = self.sign_in("city-610900").await;
        while self.running() {
            let (_, page) = self.get(&s.client, "/city").await;
            let batches = ids_after(&page, "/nominations/");
            for batch in batches.iter().take(3) {
                if self.post(&s, &format!("/nominations/{batch}/forward"), &[]).await.0 == 303 {
                    self.acknowledged(format!(
                        "EXISTS (SELECT 1 FROM nomination_batches WHERE id = {batch} AND status = 'forwarded')"
                    ));
                }
            }
            if batches.is_empty() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    async fn office_reviewer(&self) {
        let s = self.sign_in("office").await;
        while self.running() {
            let (_, page) = self.get(&s.client, "/office/review").await;
            let rows = ids_after(&page, "name=\"row_ids\" value=\"");
            if rows.is_empty() {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            let mut form = vec![("decision", "approve"), ("reason", "")];
            let chosen: Vec<&String> = rows.iter().take(5).collect();
            form.extend(chosen.iter().map(|r| ("row_ids", r.as_str())));
            if self.post(&s, "/office/review", &form).await.0 == 303 {
                let ids: Vec<&str> = chosen.iter().map(|r| r.as_str()).collect();
                self.acknowledged(format!(
                    "(SELECT COUNT(*) FROM nomination_rows WHERE id IN ({}) AND review_status = 'approved') = {}",
                    ids.join(", "),
                    ids.len()
                ));
            }
        }
    }

    async fn office_lister(&self, seed: u64) {
        let s = self.sign_in("office").await;
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut round = 0u64;
        while self.running() {
            round += 1;
            let code = self.code(&mut rng).to_owned();
            let path = format!("/office/products/{code}/status");
            self.get(&s.client, &format!("/office/products/{code}")).await;
            // Each reason is unique, so the event an acknowledged change wrote can be found.
            for (to, reason) in [
                ("suspended", format!("接到投诉，核查中（压测 {seed}-{round}）")),
                ("listed", format!("核查无问题（压测 {seed}-{round}）")),
            ] {
                if self.post(&s, &path, &[("to", to), ("reason", reason.as_str())]).await.0 == 303 {
                    self.acknowledged(format!("EXISTS (SELECT 1 FROM events WHERE reason = '{reason}')"));
                }
            }
        }
    }

    async fn grassroots(&self, username: &str) {
        let s = self.sign_in(username).await;
        while self.running() {
            let (_, page) = self.get(&s.client, "/union").await;
            if let Some(plan) = ids_after(&page, "/union/plans/").first() {
                self.get(&s.client, &format!("/union/plans/{plan}")).await;
            }
            self.get(&s.client, "/bundles").await;
        }
    }
}

fn complete_row(product: &str, county: &str, round: u64) -> Vec<(&'static str, String)> {
    vec![
        ("row_no", "1".to_owned()),
        ("supplier_name", format!("{county}示例合作社")),
        ("credit_code", credit_code(county, round)),
        ("product_name", product.to_owned()),
        ("annual_output", "50吨".to_owned()),
        ("poor_people_supported", "120".to_owned()),
        ("contact_name", "王示例".to_owned()),
        ("contact_phone", "13800000001".to_owned()),
        ("category", "茶叶".to_owned()),
        ("specification", "250g/罐".to_owned()),
        ("unit_price", "168".to_owned()),
        ("national_catalogue_no", format!("FP{county}2020001")),
        ("poverty_region", "poverty_county".to_owned()),
    ]
}

/// A valid unified social credit code for a county's co-operative (check character computed).
fn credit_code(county: &str, round: u64) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let body = format!("93{county}MA{:07}", round % 10_000_000);
    let sum: usize = body.chars().zip(WEIGHTS).map(|(c, w)| CHARS.find(c).unwrap() * w).sum();
    let check = CHARS.chars().nth((31 - sum % 31) % 31).unwrap();
    format!("{body}{check}")
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn sheet_for(county: &str) -> Vec<u8> {
    let code = CountyCode::parse(county).unwrap();
    let rows: Vec<_> = fupin_catalog::sheet::sample::sample_nominations(20)
        .into_iter()
        .map(|mut r| {
            r.county = Some(code.clone());
            r
        })
        .collect();
    fupin_catalog::sheet::nominations_xlsx("推荐名录（压测）", &rows)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let base = args
        .first()
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let pid: u32 = args.get(1).and_then(|a| a.parse().ok()).expect("SERVER_PID");
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(600);
    let connections: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let codes: Vec<String> = {
            let c = client();
            let body: serde_json::Value = c
                .get(format!("{base}/api/v1/products?per_page=100"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["catalogue_code"].as_str().unwrap().to_owned())
                .collect()
        };
        let load = Arc::new(Load {
            base,
            counts: Counts::default(),
            stop: AtomicBool::new(false),
            codes,
            acks: std::env::var_os("SOAK_ACKS").map(|_| Default::default()),
        });
        let mut tasks = Vec::new();
        // The signed-in roles take 28 connections; visitors the rest.
        for i in 0..connections {
            let load = load.clone();
            let task = match i {
                0..=7 => tokio::spawn(async move { load.signs_in_and_out(SIGN_IN_CITIES[i]).await }),
                8..=17 => {
                    let county = COUNTIES[i - 8];
                    let sheet = sheet_for(county);
                    tokio::spawn(async move { load.county_clerk(county, sheet).await })
                }
                18 => tokio::spawn(async move { load.city_forwarder().await }),
                19 | 20 => tokio::spawn(async move { load.office_reviewer().await }),
                21 | 22 => tokio::spawn(async move { load.office_lister(i as u64).await }),
                23..=27 => {
                    let user = format!("grassroots-0{}", i - 22);
                    tokio::spawn(async move { load.grassroots(&user).await })
                }
                _ => tokio::spawn(async move { load.visitor(i as u64).await }),
            };
            tasks.push(task);
            // Sign-ins one after the other: the throttle holds back parallel sign-ins of one account.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let started = Instant::now();
        let warm_up = Duration::from_secs((seconds / 10).clamp(10, 60));
        tokio::time::sleep(warm_up).await;
        let rss_warm = rss_kib(pid);
        let at_warm = load.counts.requests.load(Ordering::Relaxed);
        println!(
            "warm-up {} s: {at_warm} requests, server RSS {:.1} MB",
            warm_up.as_secs(),
            rss_warm as f64 / 1024.0
        );
        let mut next = Instant::now() + Duration::from_secs(60);
        while started.elapsed() < Duration::from_secs(seconds) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if Instant::now() >= next {
                next += Duration::from_secs(60);
                println!(
                    "{:>4} s: {} requests, {} 5xx, RSS {:.1} MB",
                    started.elapsed().as_secs(),
                    load.counts.requests.load(Ordering::Relaxed),
                    load.counts.server_errors.load(Ordering::Relaxed),
                    rss_kib(pid) as f64 / 1024.0
                );
            }
        }
        load.stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rss_end = rss_kib(pid);
        let c = &load.counts;
        let requests = c.requests.load(Ordering::Relaxed);
        println!(
            "soak: {seconds} s, {connections} connections: {requests} requests ({:.0}/s), {} 5xx, {} refused (4xx), {} transport errors",
            requests as f64 / elapsed,
            c.server_errors.load(Ordering::Relaxed),
            c.refused.load(Ordering::Relaxed),
            c.transport_errors.load(Ordering::Relaxed),
        );
        if let (Some(acks), Some(file)) = (&load.acks, std::env::var_os("SOAK_ACKS")) {
            let acks = acks.lock().unwrap();
            std::fs::write(&file, acks.join("\n") + "\n").expect("SOAK_ACKS is writable");
            println!("acknowledged writes: {} (checks in {})", acks.len(), file.to_string_lossy());
        }
        let growth = (rss_end as f64 - rss_warm as f64) / rss_warm.max(1) as f64 * 100.0;
        println!(
            "server RSS: {:.1} MB after warm-up, {:.1} MB at the end ({growth:+.1} %)",
            rss_warm as f64 / 1024.0,
            rss_end as f64 / 1024.0
        );
    });
}
