//! `/open-data`: the index of the open-data files with their sizes, rows and SHA-256, the schema
//! and the licence; and the files themselves, as `fupin open-data` wrote them.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::open_data::{self, ColumnDoc, FileEntry, Manifest};
use crate::telemetry::spawn_blocking_in_span;
use crate::web::nav::Nav;
use crate::web::{State, render};

/// Days of deltas on a page.
const DAYS_PER_PAGE: usize = 60;

struct FileView {
    name: String,
    rows: u64,
    size: String,
    sha256: String,
}

impl FileView {
    fn sha256_short(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

struct DayView {
    day: String,
    complete: bool,
    csv: Option<FileView>,
    jsonl: Option<FileView>,
}

#[derive(Template)]
#[template(path = "public/open_data.html")]
struct OpenDataPage {
    nav: Nav,
    manifest: Option<Manifest>,
    full: Vec<(String, FileView)>,
    days: Vec<DayView>,
    day_count: usize,
    columns: Vec<ColumnDoc>,
    delta_columns: Vec<ColumnDoc>,
    licence_name: &'static str,
    licence_url: &'static str,
    attribution: &'static str,
    prev: Option<String>,
    next: Option<String>,
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_048_576 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        b if b >= 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} 字节"),
    }
}

fn file_view(f: &FileEntry) -> FileView {
    FileView {
        name: f.name.clone(),
        rows: f.rows,
        size: size(f.bytes),
        sha256: f.sha256.clone(),
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
}

pub async fn page(state: State, nav: Nav, query: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let dir = state.settings.open_data_dir();
    let manifest = spawn_blocking_in_span(move || open_data::read_manifest(&dir)).await?;
    let page = query.page.unwrap_or(1).max(1);
    let mut days: Vec<DayView> = Vec::new();
    let mut full = Vec::new();
    if let Some(m) = &manifest {
        full = m
            .full()
            .map(|f| {
                let label = if f.format == "csv" {
                    "CSV（带 BOM，Excel 可直接打开）"
                } else {
                    "JSON Lines（gzip）"
                };
                (label.to_owned(), file_view(f))
            })
            .collect();
        for f in m.deltas() {
            let day = f.day.map(|d| d.to_string()).unwrap_or_default();
            if days.last().is_none_or(|d| d.day != day) {
                days.push(DayView {
                    day,
                    complete: f.complete,
                    csv: None,
                    jsonl: None,
                });
            }
            let view = days.last_mut().expect("pushed above");
            if f.format == "csv" {
                view.csv = Some(file_view(f));
            } else {
                view.jsonl = Some(file_view(f));
            }
        }
    }
    let day_count = days.len();
    let shown: Vec<DayView> = days
        .into_iter()
        .skip((page - 1) * DAYS_PER_PAGE)
        .take(DAYS_PER_PAGE)
        .collect();
    render(&OpenDataPage {
        nav,
        manifest,
        full,
        days: shown,
        day_count,
        columns: open_data::documented(&crate::domain::open_data::COLUMNS),
        delta_columns: open_data::documented(&crate::domain::open_data::DELTA_COLUMNS),
        licence_name: crate::domain::open_data::LICENCE_NAME,
        licence_url: crate::domain::open_data::LICENCE_URL,
        attribution: crate::domain::open_data::ATTRIBUTION,
        prev: (page > 1).then(|| format!("/open-data?page={}", page - 1)),
        next: (page * DAYS_PER_PAGE < day_count).then(|| format!("/open-data?page={}", page + 1)),
    })
}

pub async fn file(state: State, req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let missing = || AppError::NotFound(format!("开放数据文件 {name} 不存在。可用的文件见 /open-data。"));
    if !open_data::is_file_name(&name) {
        return Err(missing());
    }
    let path = state.settings.open_data_dir().join(&name);
    let file = NamedFile::open_async(&path).await.map_err(|_| missing())?;
    let file = if name.ends_with(".gz") {
        // Already compressed: sent as it is, with the SHA-256 the index gives.
        file.set_content_type("application/gzip".parse().expect("a valid mime type"))
            .set_content_encoding(ContentEncoding::Identity)
    } else if name.ends_with(".csv") {
        file.set_content_type("text/csv; charset=utf-8".parse().expect("a valid mime type"))
    } else {
        file.set_content_type(mime_guess::mime::APPLICATION_JSON)
            .disable_content_disposition()
    };
    let mut response = file.use_etag(true).use_last_modified(true).into_response(&req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
