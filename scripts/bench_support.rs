//! What the benchmarks under `scripts/` share: arguments, percentiles, the machine, and an HTTP
//! client signed in as a demo account. Included with `#[path]` by each bench target.

#![allow(dead_code)]

use std::time::Duration;

/// The `n`th positional argument (after the program's name), or `default`.
pub fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .filter(|a| !a.starts_with('-'))
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Prints p50, p99 and the slowest of `times`.
pub fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: runs={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// "2 cores, AMD EPYC …": what the figures were measured on.
pub fn machine() -> String {
    format!(
        "{} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c
                .lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l[l.find(':').unwrap() + 2..].to_owned()))
            .unwrap_or_default()
    )
}

pub async fn csrf(client: &reqwest::Client, url: &str) -> String {
    let html = client.get(url).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// A client signed in as a demo account (the demo password).
pub async fn signed_in(base: &str, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = csrf(&client, &format!("{base}/login")).await;
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", username),
            ("password", fupin_catalog::demo::DEMO_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "signed in as {username}");
    client
}

/// The real server on a free loopback port, on a thread of its own: its base URL and a handle
/// to stop it.
pub fn start_server(settings: fupin_catalog::config::Settings) -> (String, actix_web::dev::ServerHandle) {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = fupin_catalog::startup::Application::build(settings).expect("server builds");
            sender.send((app.port(), app.handle())).unwrap();
            app.run_until_stopped().await.unwrap();
        })
    });
    let (port, handle) = receiver.recv().expect("the server started");
    (format!("http://127.0.0.1:{port}"), handle)
}

/// A fresh database on the PostgreSQL server named by BENCH_POSTGRES_URL, dropped at the end.
pub struct PgBench {
    admin: String,
    name: String,
    pub url: String,
}

impl PgBench {
    /// Creates `{prefix}_{process id}` on the server `admin` points at.
    pub fn create(admin: &str, prefix: &str) -> Self {
        use diesel::Connection;
        let name = format!("{prefix}_{}", std::process::id());
        let mut conn = diesel::PgConnection::establish(admin).expect("BENCH_POSTGRES_URL is reachable");
        diesel::connection::SimpleConnection::batch_execute(&mut conn, &format!("CREATE DATABASE {name}"))
            .expect("can create the bench database");
        let base = admin.rsplit_once('/').expect("the URL names a database").0;
        PgBench {
            admin: admin.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgBench {
    /// Drops the database, unless `BENCH_KEEP_DATABASE` is set (to look at its plans afterwards).
    fn drop(&mut self) {
        use diesel::Connection;
        if std::env::var_os("BENCH_KEEP_DATABASE").is_some() {
            println!("kept the database: {}", self.url);
            return;
        }
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::connection::SimpleConnection::batch_execute(
                &mut conn,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            );
        }
    }
}

/// Queries seen while profiling: each with its time, in order.
static PROFILE: std::sync::Mutex<Option<Vec<(String, Duration)>>> = std::sync::Mutex::new(None);

/// Makes every connection opened from now on report its queries to [`profile_queries`].
pub fn install_query_profiler() {
    use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
    fn timer() -> Option<Box<dyn Instrumentation>> {
        let mut started = std::time::Instant::now();
        Some(Box::new(move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => started = std::time::Instant::now(),
            InstrumentationEvent::FinishQuery { query, .. } => {
                if let Some(seen) = PROFILE.lock().unwrap().as_mut() {
                    seen.push((query.to_string(), started.elapsed()));
                }
            }
            _ => {}
        }))
    }
    set_default_instrumentation(timer).expect("instrumentation");
}

/// `true` starts recording queries; `false` stops and prints each with its time.
pub fn profile_queries(on: bool) {
    let mut profile = PROFILE.lock().unwrap();
    if on {
        *profile = Some(Vec::new());
    } else if let Some(seen) = profile.take() {
        let total: Duration = seen.iter().map(|(_, t)| *t).sum();
        println!(
            "  {} queries, {:.2} ms in the database:",
            seen.len(),
            total.as_secs_f64() * 1e3
        );
        for (sql, time) in seen {
            let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            println!(
                "  {:>7.3} ms  {}",
                time.as_secs_f64() * 1e3,
                sql.chars().take(220).collect::<String>()
            );
        }
    }
}
