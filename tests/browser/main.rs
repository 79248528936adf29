//! Browser tests: a real headless Chromium clicks through the real application on a random port
//! against a fresh database, as the API tests do. Skipped in one line where no Chromium is
//! installed; `FUPIN_REQUIRE_BROWSER=1` (CI) makes a missing browser a failure.
//! Run: `cargo test --test browser`.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod accessibility;
mod chrome;
mod journeys;
mod search;
mod session;
mod trace;
mod union;

use helpers::TestApp;

/// The application with the demo's accounts and `products` products, for a synchronous test
/// (the browser blocks), with the runtime its HTTP client lives on.
pub struct Served {
    pub app: TestApp,
    pub runtime: tokio::runtime::Runtime,
}

impl Served {
    /// `None` where there is no browser: the test then has nothing to do.
    pub fn with_demo(products: usize) -> Option<Served> {
        if !chrome::available() {
            return None;
        }
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let app = runtime.block_on(async {
            let app = helpers::spawn_app().await;
            app.seed_demo(products).await;
            app
        });
        Some(Served { app, runtime })
    }

    pub fn base(&self) -> &str {
        &self.app.address
    }

    /// A page in a browser of its own (its own cookies), for one user.
    pub fn page(&self, name: &str) -> chrome::Page {
        chrome::Page::open(self.base(), name).expect("a browser")
    }
}
