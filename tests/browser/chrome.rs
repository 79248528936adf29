//! A real headless Chromium, driven over the DevTools protocol (`headless_chrome`), and a page in
//! it that a test reads and clicks like a user. Where no Chromium is installed, the tests skip and
//! say so in one line, unless `FUPIN_REQUIRE_BROWSER=1` (CI), which makes that a failure.

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{DOM, Emulation, Page as Cdp};
use headless_chrome::{Browser, LaunchOptions, Tab};

/// How long a page may take to load or an element to appear before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// The Chromium to drive: `FUPIN_CHROMIUM`, or the distribution's.
fn chromium_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FUPIN_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn browser_required() -> bool {
    std::env::var("FUPIN_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// Whether there is a Chromium to drive; if not, says so in one line on stderr (once), or fails
/// where the browser is required.
pub fn available() -> bool {
    if chromium_path().is_some() {
        return true;
    }
    assert!(
        !browser_required(),
        "FUPIN_REQUIRE_BROWSER=1 but no Chromium found: apt-get install chromium fonts-noto-cjk"
    );
    static SAID: std::sync::Once = std::sync::Once::new();
    // Straight to stderr: the test harness captures `eprintln!` of passing tests.
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "browser tests skipped: no Chromium (apt-get install chromium fonts-noto-cjk, or set FUPIN_CHROMIUM)"
        );
    });
    false
}

/// A started Chromium, or `None` where there is none and it is not required.
pub fn launch() -> Option<Browser> {
    if !available() {
        return None;
    }
    let path = chromium_path()?;
    let args: Vec<&OsStr> = [
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--lang=zh-CN",
    ]
    .iter()
    .map(OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 900)))
        // A browser that stops answering fails the test within this time, not the CI's.
        .idle_browser_timeout(Duration::from_secs(90))
        .args(args)
        .build()
        .expect("launch options");
    match Browser::new(options) {
        Ok(browser) => Some(browser),
        Err(e) => panic!("Chromium is installed but did not start: {e:#}"),
    }
}

/// One tab, for one user, at one server. Saves a screenshot under the target directory if the
/// test fails while it is open.
pub struct Page {
    pub tab: Arc<Tab>,
    base: String,
    name: String,
    // Declared last: the tab goes before its browser.
    _browser: Browser,
}

impl Page {
    /// A fresh browser (own cookies) with one tab at `base` (`http://127.0.0.1:PORT`); `name`
    /// names the screenshot taken on failure.
    pub fn open(base: &str, name: &str) -> Option<Page> {
        let browser = launch()?;
        let tab = browser.new_tab().expect("a tab");
        tab.set_default_timeout(WAIT);
        Some(Page {
            tab,
            base: base.to_owned(),
            name: name.to_owned(),
            _browser: browser,
        })
    }

    /// Goes to `path` on the server and waits for the page to load.
    pub fn go(&self, path: &str) -> &Self {
        let url = format!("{}{path}", self.base);
        self.tab
            .navigate_to(&url)
            .and_then(|t| t.wait_until_navigated())
            .unwrap_or_else(|e| panic!("could not open {url}: {e:#}"));
        self.wait_loaded();
        self
    }

    /// The path and query of the page shown.
    pub fn path(&self) -> String {
        let url = self.tab.get_url();
        url.strip_prefix(&self.base).unwrap_or(&url).to_owned()
    }

    /// The text a user sees on the page.
    pub fn text(&self) -> String {
        self.eval_string("document.body ? document.body.innerText : ''")
    }

    /// The text of the first element matching `selector`.
    pub fn text_of(&self, selector: &str) -> String {
        self.tab
            .wait_for_element(selector)
            .and_then(|e| e.get_inner_text())
            .unwrap_or_else(|e| panic!("no {selector} on {}: {e:#}", self.path()))
    }

    /// How many elements match `selector` now.
    pub fn count(&self, selector: &str) -> usize {
        self.eval_string(&format!(
            "String(document.querySelectorAll({}).length)",
            js_string(selector)
        ))
        .parse()
        .unwrap()
    }

    /// Evaluates `expression` (which must give a string) in the page.
    pub fn eval_string(&self, expression: &str) -> String {
        let value = self
            .tab
            .evaluate(expression, true)
            .unwrap_or_else(|e| panic!("script failed on {}: {e:#}", self.path()))
            .value;
        match value {
            Some(serde_json::Value::String(s)) => s,
            other => panic!("{expression} gave {other:?}, not a string"),
        }
    }

    /// Types `text` into the field matching `selector`, replacing what it held.
    pub fn fill(&self, selector: &str, text: &str) -> &Self {
        let field = self
            .tab
            .wait_for_element(selector)
            .unwrap_or_else(|e| panic!("no field {selector} on {}: {e:#}", self.path()));
        field
            .call_js_fn("function () { this.value = ''; }", vec![], false)
            .unwrap();
        field
            .click()
            .and_then(|f| f.type_into(text))
            .unwrap_or_else(|e| panic!("could not type into {selector}: {e:#}"));
        self
    }

    /// Chooses the option whose value is `value` in the select matching `selector`.
    pub fn select(&self, selector: &str, value: &str) -> &Self {
        let chosen = self.eval_string(&format!(
            "(function () {{ var s = document.querySelector({}); if (!s) return 'missing';
               s.value = {}; s.dispatchEvent(new Event('change', {{bubbles: true}}));
               return s.value; }})()",
            js_string(selector),
            js_string(value)
        ));
        assert_eq!(chosen, value, "option {value} of {selector} on {}", self.path());
        self
    }

    /// Clicks the element matching `selector`, without waiting for anything.
    pub fn click(&self, selector: &str) -> &Self {
        self.tab
            .wait_for_element(selector)
            .and_then(|e| e.scroll_into_view()?.click().map(|_| ()))
            .unwrap_or_else(|e| panic!("could not click {selector} on {}: {e:#}", self.path()));
        self
    }

    /// Clicks the element matching `selector` and waits until the next page has loaded (a link,
    /// or a form's button whose POST redirects, perhaps to the same address).
    pub fn click_and_wait(&self, selector: &str) -> &Self {
        self.then_next_page(&format!("clicking {selector}"), || {
            self.click(selector);
        })
    }

    /// Does `action` (a click, a key, the back button) and waits until it has loaded another
    /// page. The page shown before is marked, so even a redirect back to the same address counts.
    pub fn then_next_page(&self, what: &str, action: impl FnOnce()) -> &Self {
        self.then_next_page_at(what, "true", action)
    }

    /// [`Page::then_next_page`], also waiting for the new page's address to satisfy `address` (a
    /// script predicate on `location`).
    pub fn then_next_page_at(&self, what: &str, address: &str, action: impl FnOnce()) -> &Self {
        self.tab.evaluate("window.__fupinOld = true", false).unwrap();
        action();
        let check =
            format!("window.__fupinOld !== true && document.readyState === 'complete' && ({address}) ? 'yes' : 'no'");
        let started = Instant::now();
        loop {
            // Evaluation fails while the next page replaces this one: not loaded yet.
            let fresh = self
                .tab
                .evaluate(&check, false)
                .ok()
                .and_then(|r| r.value)
                .is_some_and(|v| v == "yes");
            if fresh {
                return self;
            }
            assert!(
                started.elapsed() < WAIT,
                "{what} did not load a new page (still at {})",
                self.path()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until the image matching `selector` has loaded, with real pixels.
    pub fn wait_image_loaded(&self, selector: &str) {
        self.wait_until(
            &format!(
                "(function () {{ var i = document.querySelector({}); return i && i.complete && i.naturalWidth > 0; }})()",
                js_string(selector)
            ),
            &format!("the image {selector} loads"),
        );
    }

    /// Gives the file input matching `selector` a file, as choosing it in the dialog would.
    pub fn choose_file(&self, selector: &str, path: &std::path::Path) -> &Self {
        self.tab
            .wait_for_element(selector)
            .and_then(|e| e.set_input_files(&[path.to_str().unwrap()]).map(|_| ()))
            .unwrap_or_else(|e| panic!("could not choose a file for {selector}: {e:#}"));
        self
    }

    /// Signs in through the sign-in form with the demo password and waits for the landing page.
    pub fn sign_in(&self, username: &str) -> &Self {
        self.go("/login")
            .fill("input[name=username]", username)
            .fill("input[name=password]", fupin_catalog::demo::DEMO_PASSWORD)
            .click_and_wait("form[action='/login'] button[type=submit]");
        assert!(
            !self.path().starts_with("/login"),
            "signed in as {username}: {}",
            self.text()
        );
        self
    }

    /// Waits until `predicate` (a script giving true or false) holds, or fails with `what`.
    pub fn wait_until(&self, predicate: &str, what: &str) {
        let started = Instant::now();
        let expression = format!("({predicate}) ? 'yes' : 'no'");
        while self.eval_string(&expression) != "yes" {
            assert!(
                started.elapsed() < WAIT,
                "{what}: not so after {WAIT:?} on {}",
                self.path()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn wait_loaded(&self) {
        self.wait_until("document.readyState === 'complete'", "the page loads");
    }

    /// Shows the page as a phone of `width` × `height` CSS pixels does (or the desktop again
    /// with `None`).
    pub fn phone(&self, size: Option<(u32, u32)>) -> &Self {
        match size {
            Some((width, height)) => emulate_phone(&self.tab, width, height).expect("phone size"),
            None => {
                self.tab
                    .call_method(Emulation::ClearDeviceMetricsOverride(None))
                    .expect("desktop size");
            }
        }
        self
    }

    /// Turns script off (or on) for the pages opened next.
    pub fn script(&self, enabled: bool) -> &Self {
        self.tab
            .call_method(Emulation::SetScriptExecutionDisabled { value: !enabled })
            .expect("script switch");
        self
    }

    /// The page's HTML, read through the DOM domain, which works with script turned off.
    pub fn html(&self) -> String {
        let root = self.tab.get_document().expect("the document").node_id;
        self.tab
            .call_method(DOM::GetOuterHTML {
                node_id: Some(root),
                backend_node_id: None,
                object_id: None,
                include_shadow_dom: None,
            })
            .expect("the page's HTML")
            .outer_html
    }

    /// Clicks the element matching `selector` as a mouse does, with no script of ours in the
    /// page (for pages with script turned off), and waits for the address to change.
    pub fn click_without_script(&self, selector: &str) -> &Self {
        let before = self.tab.get_url();
        let point = self
            .tab
            .wait_for_element(selector)
            .and_then(|e| e.get_midpoint())
            .unwrap_or_else(|e| panic!("no {selector} to click on {}: {e:#}", self.path()));
        self.tab.click_point(point).expect("a click");
        let started = Instant::now();
        while self.tab.get_url() == before {
            assert!(started.elapsed() < WAIT, "clicking {selector} went nowhere");
            std::thread::sleep(Duration::from_millis(25));
        }
        self.tab.wait_until_navigated().expect("the next page loads");
        self
    }

    /// Types into the field matching `selector` with no script of ours in the page.
    pub fn type_without_script(&self, selector: &str, text: &str) -> &Self {
        let field = self.tab.wait_for_element(selector).expect("the field");
        self.tab
            .call_method(DOM::Focus {
                backend_node_id: Some(field.backend_node_id),
                node_id: None,
                object_id: None,
            })
            .expect("focus");
        self.tab.type_str(text).expect("typing");
        self
    }

    /// The page as a PNG, under `target/tmp/browser/NAME.png`; returns where.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let path = artifacts_dir().join(format!("{name}.png"));
        let png = self
            .tab
            .capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true)
            .expect("screenshot");
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let path = artifacts_dir().join(format!("failed-{}.png", self.name));
            let shot = self
                .tab
                .capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true);
            let saved = shot.map(|png| std::fs::write(&path, png));
            let _ = match saved {
                Ok(Ok(())) => writeln!(std::io::stderr(), "screenshot of the failed page: {}", path.display()),
                _ => writeln!(std::io::stderr(), "no screenshot of the failed page {}", self.name),
            };
        }
    }
}

/// Where the tests leave screenshots and reports: `target/tmp/browser/`, made if missing.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("the browser tests' directory under target/tmp");
    dir
}

/// Shows `tab` as a phone of `width` × `height` CSS pixels (at twice the pixel density) does.
pub fn emulate_phone(tab: &Tab, width: u32, height: u32) -> anyhow::Result<()> {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: 2.0,
        mobile: true,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })?;
    Ok(())
}

/// `s` as a JavaScript string literal.
pub fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
