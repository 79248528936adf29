//! `spawn_app()`: the real application on a random port against its own fresh database.

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use fupin_catalog::config::Settings;
use fupin_catalog::db::{self, DatabaseUrl, DbConnection};
use fupin_catalog::startup::Application;
use tempfile::TempDir;

/// A PostgreSQL server for the tests, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub fn postgres_server_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.trim().is_empty())
}

/// A database of its own for one test, dropped when the test ends.
pub struct PgTestDb {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PgTestDb {
    pub fn create(admin_url: &str) -> Self {
        let name = format!("fupin_test_{}_{}", std::process::id(), unique_suffix());
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL is reachable");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("can create a test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .expect("TEST_DATABASE_URL names a database");
        PgTestDb {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}_{nanos}", COUNTER.fetch_add(1, Ordering::SeqCst))
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    server: RunningServer,
    _data_dir: TempDir,
    _pg: Option<PgTestDb>,
}

impl Drop for TestApp {
    /// The server stops before its database and data directory go: a server left running would
    /// keep reconnecting to a dropped database until the test process exits (r2d2 retries for
    /// ever), and a thread inside libpq's TLS while the process exits can crash it.
    fn drop(&mut self) {
        self.server.stop();
    }
}

/// The application on a thread and runtime of its own, so that it can be stopped and waited for
/// from a test's `Drop`, whatever the test's own runtime is doing.
struct RunningServer {
    port: u16,
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningServer {
    fn start(settings: Settings) -> Self {
        let (built, receive) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(settings).expect("application builds");
                built
                    .send((app.port(), app.handle()))
                    .expect("the test waits for the port");
                app.run_until_stopped().await.expect("server ran");
            })
        });
        let (port, handle) = receive.recv().expect("application builds (see the panic above)");
        RunningServer {
            port,
            handle,
            thread: Some(thread),
        }
    }

    fn stop(&mut self) {
        // Sending the command is what stops the server; the returned future only reports when.
        drop(self.handle.stop(true));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body read"))
    }

    /// A direct connection to the app's database, for arranging and checking data.
    pub fn db(&self) -> DbConnection {
        self.settings.database().connect().expect("test database reachable")
    }

    /// Demo data, written behind the running server's back as another server would; waits until
    /// this server's search index has caught up with it.
    pub async fn seed_demo(&self, products: usize) -> fupin_catalog::demo::DemoReport {
        let report = fupin_catalog::demo::ensure(&mut self.db(), products, false).expect("demo data generated");
        let listed: i64 = {
            use diesel::prelude::*;
            use fupin_catalog::db::schema::products;
            products::table
                .filter(products::listing_status.eq("listed"))
                .count()
                .get_result(&mut self.db())
                .unwrap()
        };
        let latest_change: i64 = {
            use diesel::prelude::*;
            use fupin_catalog::db::schema::search_changes;
            search_changes::table
                .select(diesel::dsl::max(search_changes::id))
                .first::<Option<i32>>(&mut self.db())
                .unwrap()
                .unwrap_or(0)
                .into()
        };
        let started = std::time::Instant::now();
        loop {
            let body: serde_json::Value = self.get("/api/v1/products?per_page=1").await.json().await.unwrap();
            // Every change logged, applied: nothing the demo wrote is still on its way (it would
            // drop pages a test has just had cached).
            let ready: serde_json::Value = self.get("/readyz").await.json().await.unwrap();
            let applied = ready["index_applied_change"].as_i64().unwrap_or(0);
            if body["total"].as_i64() == Some(listed) && applied >= latest_change {
                return report;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the search index did not catch up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Stops the server and waits until it has (its database stays, for checks).
    pub fn stop_server(&mut self) {
        self.server.stop();
    }

    /// Starts the server again on its database and data directory (on a new port), as after a
    /// restart.
    pub fn start_server(&mut self) {
        self.server = RunningServer::start(self.settings.clone());
        self.address = format!("http://127.0.0.1:{}", self.server.port);
    }

    pub fn expects_postgres(&self) -> bool {
        self._pg.is_some()
    }
}

/// Settings for a test: a fresh data directory, and a fresh PostgreSQL database when asked for.
pub fn test_settings() -> (Settings, TempDir, Option<PgTestDb>) {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let pg = postgres_server_url().map(|url| PgTestDb::create(&url));
    let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), data_dir.path().to_path_buf());
    settings.database_url = pg.as_ref().map(|p| p.url.clone());
    settings.public_url = None;
    settings.assets_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    settings.workers = 2;
    settings.db_pool_size = 4;
    (settings, data_dir, pg)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings of the test's own.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (mut settings, data_dir, pg) = test_settings();
    adjust(&mut settings);
    TestApp::start(settings, data_dir, pg)
}

impl TestApp {
    /// A server on these settings, owning the data directory and database it is given.
    pub fn start(settings: Settings, data_dir: TempDir, pg: Option<PgTestDb>) -> TestApp {
        let server = RunningServer::start(settings.clone());
        TestApp {
            address: format!("http://127.0.0.1:{}", server.port),
            client: test_client(),
            settings,
            server,
            _data_dir: data_dir,
            _pg: pg,
        }
    }
}

/// A migrated database without a server, for tests of the database layer.
pub struct TestDb {
    pub conn: DbConnection,
    /// For more connections to the same database.
    pub url: DatabaseUrl,
    _data_dir: TempDir,
    _pg: Option<PgTestDb>,
}

pub fn test_db() -> TestDb {
    let (settings, data_dir, pg) = test_settings();
    let url = settings.database();
    let mut conn = url.connect().expect("test database reachable");
    db::migrate(&mut conn).expect("migrations run");
    TestDb {
        conn,
        url,
        _data_dir: data_dir,
        _pg: pg,
    }
}

/// One person's browser: its own cookie jar, so several roles can act in one test.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser::at(&self.address)
    }

    /// A browser signed in as a demo account (the demo data must be seeded).
    pub async fn signed_in(&self, username: &str) -> Browser {
        Browser::signed_in_at(&self.address, username).await
    }
}

impl Browser {
    /// A browser for a server at `address` (`http://127.0.0.1:PORT`), e.g. a `fupin serve` process.
    pub fn at(address: &str) -> Browser {
        Browser {
            address: address.to_owned(),
            client: test_client(),
        }
    }

    /// A browser signed in as a demo account at the server at `address`.
    pub async fn signed_in_at(address: &str, username: &str) -> Browser {
        let b = Browser::at(address);
        let response = b.login(username, fupin_catalog::demo::DEMO_PASSWORD).await;
        assert_eq!(response.status().as_u16(), 303, "login as {username} failed");
        b
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// The session's CSRF token, read from the sign-in form like a browser would.
    /// The office changes a product's listing status (`delisted`, `suspended`…) with a reason.
    pub async fn change_status(&self, code: &str, to: &str, reason: &str) {
        let response = self
            .post(
                &format!("/office/products/{code}/status"),
                &[("to", to), ("reason", reason)],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303, "{code} → {to}");
    }

    pub async fn csrf(&self) -> String {
        let (_, body) = self.get_text("/login").await;
        csrf_from(&body).expect("the page carries a CSRF token")
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        let token = self.csrf().await;
        self.post_raw(
            "/login",
            &[("username", username), ("password", password), ("csrf_token", &token)],
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(form).unwrap();
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.post_raw(path, &fields).await
    }

    pub async fn upload(&self, path: &str, filename: &str, bytes: Vec<u8>) -> reqwest::Response {
        let token = self.csrf().await;
        let form = reqwest::multipart::Form::new().text("csrf_token", token).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
        );
        self.client
            .post(format!("{}{path}", self.address))
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }
}

pub fn csrf_from(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A second server on the same database, with its own data directory (and so its own search
/// index), as when several app servers share one PostgreSQL.
pub async fn spawn_second_server(first: &TestApp) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    let mut settings = first.settings.clone();
    settings.data_dir = data_dir.path().to_path_buf();
    settings.database_url = Some(match first.settings.database() {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url,
    });
    // The first server owns the database: it is dropped with the first.
    TestApp::start(settings, data_dir, None)
}

/// A client that follows no redirects (tests look at them) and keeps no idle connections: the
/// server may close an idle keep-alive connection just as a slow test reuses it.
fn test_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}
