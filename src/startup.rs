//! Builds the application from settings: data directory, database, migrations, pool, listener.
//! Tests build it on port 0 and read back the real port.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::Method;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web as aweb};
use tracing_actix_web::TracingLogger;

use crate::auth::session::{self, SessionKeyError};
use crate::config::{ConfigError, Settings, io_reason};
use crate::db::{self, DbError, DbPool};
use crate::indexer::{self, CatalogueIndex, CaughtUp, IndexerError};
use crate::telemetry::RequestSpans;
use crate::web::scans::ScanCounter;
use crate::web::{self, AppState, middleware};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    SessionKey(#[from] SessionKeyError),
    #[error("搜索索引无法打开：{0}")]
    Search(#[from] IndexerError),
    #[error("无法监听 {addr}：{reason}")]
    Bind { addr: String, reason: String },
}

pub struct Application {
    port: u16,
    server: Server,
    /// Kept to write the last scans once the server has stopped.
    scan_counter: Arc<ScanCounter>,
    pool: DbPool,
}

impl Application {
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        let state = prepare(settings)?;
        let listener = TcpListener::bind(state.settings.bind).map_err(|e| StartupError::Bind {
            addr: state.settings.bind.to_string(),
            reason: io_reason(&e),
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind {
                addr: state.settings.bind.to_string(),
                reason: io_reason(&e),
            })?
            .port();
        let mut state = state;
        // Bound to "any free port" (tests) with no public address configured: links and QR codes
        // carry the port actually bound, so they lead somewhere.
        if state.settings.public_url.is_none() && state.settings.bind.port() == 0 {
            let mut addr = state.settings.bind;
            addr.set_port(port);
            state.settings.public_url = Some(format!("http://{addr}"));
        }
        let workers = state.settings.workers;
        let forget = state.scan_pages.clone();
        let tailing = indexer::Tailing {
            retention: state.settings.change_log_retention()?,
            on_change: Box::new(move |changed| match changed {
                CaughtUp::Products(ids) => forget.forget(ids),
                CaughtUp::Rebuilt => forget.clear(),
            }),
        };
        indexer::spawn_tailer(state.search.clone(), state.pool.clone(), tailing);
        crate::open_data::spawn_daily(state.pool.clone(), state.settings.open_data_dir());
        let (key, secure) = (state.session_key.clone(), state.settings.is_https());
        ScanCounter::start_flushing(&state.scan_counter, state.pool.clone());
        let (scan_counter, pool) = (state.scan_counter.clone(), state.pool.clone());
        let scan_pages = state.scan_pages.clone();
        let metrics = state.metrics.clone();
        let data = aweb::Data::new(state);
        let mut server = HttpServer::new(move || {
            let scan_pages = scan_pages.clone();
            let metrics = metrics.clone();
            App::new()
                // Any write may change what a scan page shows (a delisting, a new batch), so the
                // cached pages go once it is done: the next scan sees it.
                .wrap_fn(move |req, srv| {
                    // Signing in and out changes no catalogue data, and a flood of sign-in
                    // attempts must not empty the cache.
                    let account = matches!(req.path(), "/login" | "/logout") || req.path().starts_with("/account/");
                    let writes = !matches!(*req.method(), Method::GET | Method::HEAD) && !account;
                    let scan_pages = scan_pages.clone();
                    let response = srv.call(req);
                    async move {
                        let response = response.await;
                        if writes {
                            scan_pages.clear();
                        }
                        response
                    }
                })
                // Innermost first: the CSRF check needs the session and who is signed in; the
                // headers cover every response, errors included.
                .wrap(from_fn(middleware::verify_csrf))
                .wrap(from_fn(middleware::identify))
                .wrap(session::middleware(key.clone(), secure))
                .wrap(from_fn(middleware::security_headers))
                // Pages and JSON compressed for phones on weak networks (not images: already so).
                .wrap(Compress::default())
                .wrap(TracingLogger::<RequestSpans>::new())
                // Outermost: every answer is counted, refusals and errors included, by the
                // route's pattern so that the number of series stays bounded.
                .wrap_fn(move |req, srv| {
                    let started = std::time::Instant::now();
                    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
                    let method = req.method().to_string();
                    let metrics = metrics.clone();
                    let response = srv.call(req);
                    async move {
                        let response = response.await;
                        let status = match &response {
                            Ok(r) => r.status(),
                            Err(e) => e.as_response_error().status_code(),
                        };
                        metrics.observe(&route, &method, status.as_u16(), started.elapsed());
                        response
                    }
                })
                .app_data(data.clone())
                .configure(web::routes)
        });
        // Without it a response written in parts (headers, then a stored photo read in chunks)
        // waits for the client's delayed ACK: 40 ms on Linux for every photo
        // (`cargo bench --bench media_bench`).
        server = server.tcp_nodelay(true);
        if workers > 0 {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|e| StartupError::Bind {
                addr: format!("port {port}"),
                reason: io_reason(&e),
            })?
            .run();
        Ok(Application {
            port,
            server,
            scan_counter,
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from another thread or task (`handle.stop(graceful)`).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (Ctrl-C, SIGTERM or [`Self::handle`]), then writes the scans counted
    /// since the last flush, so that a stop loses none.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let (counter, pool) = (self.scan_counter, self.pool);
        let flushed = actix_web::rt::task::spawn_blocking(move || counter.flush(&pool)).await;
        if let Err(e) = flushed
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            tracing::warn!(error = %e, "the last scan counts could not be written");
        }
        served
    }
}

/// Everything but the listener: checks the data directory, migrates and opens the pool.
pub fn prepare(settings: Settings) -> Result<AppState, StartupError> {
    // A mistyped setting is refused before anything is touched.
    settings.change_log_retention()?;
    settings.prepare_data_dir()?;
    settings.check_assets_dir()?;
    let assets = crate::web::assets::Assets::load(&settings.assets_dir).map_err(|e| ConfigError::AssetsUnreadable {
        path: settings.assets_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let url = settings.database();
    let mut conn = url.connect()?;
    let applied = db::migrate(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    if let Some(versions) = db::versions::rebuild_if_missing(&mut conn)? {
        tracing::info!(versions, "product versions rebuilt from the history");
    }
    let notices = db::notices::backfill(&mut conn)?;
    if notices > 0 {
        tracing::info!(notices, "notices issued for changes recorded before notices were kept");
    }
    let session_key = session::session_key(&mut conn)?;
    let trusted_proxies = settings.trusted_proxies()?;
    let metrics_allow = settings.metrics_allow()?;
    let search = Arc::new(CatalogueIndex::open(&settings.data_dir, &mut conn, |_| {})?);
    drop(conn);
    let pool = db::connection::build_pool(&url, settings.db_pool_size)?;
    tracing::info!(database = %url.redacted(), backend = url.backend().name(), "database ready");
    Ok(AppState {
        pool,
        backend: url.backend(),
        settings,
        session_key,
        trusted_proxies,
        search,
        result_cache: Default::default(),
        response_cache: Default::default(),
        scan_pages: Arc::default(),
        scan_counter: Arc::default(),
        assets,
        home_progress: Default::default(),
        metrics: Arc::default(),
        metrics_allow,
    })
}
