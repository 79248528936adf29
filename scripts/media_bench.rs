//! What a stored photo costs to serve (issue 16): the same 1280-px photo asked for over HTTP
//! from the server's disk cache, and from the database when the cache does not have it yet (as
//! on a server other than the one it was uploaded through: read from the database, written to
//! the cache, served).
//!
//! `cargo bench --bench media_bench -- [RUNS=300]`
//! `BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench media_bench`

use std::time::{Duration, Instant};

use fupin_catalog::config::Settings;
use fupin_catalog::db::media::{MediaFile, save_all};
use fupin_catalog::media::{MediaLimits, image_files, process_image, store};

#[path = "bench_support.rs"]
mod support;
use support::{PgBench, arg, machine, report, start_server};

/// A 12-megapixel photo with some detail in it: smooth shading and fine grain, so that its
/// 1280-px JPEG is about the size of a phone photo's (a few hundred KB).
fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let grain = ((x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 13) as u8 & 0x1f;
        let shade = ((x / 16 + y / 12) % 200) as u8;
        image::Rgb([shade + grain, 120 + grain, (255 - shade) / 2 + grain])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

fn main() -> anyhow::Result<()> {
    let runs = arg(1, 300);
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    settings.assets_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let pg = std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .map(|url| PgBench::create(&url, "fupin_media_bench"));
    if let Some(pg) = &pg {
        settings.database_url = Some(pg.url.clone());
    }
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{backend} on {}", machine());

    let (base, handle) = start_server(settings.clone());
    // Stored as an upload stores it, in the database only: this server's cache starts empty.
    let image = process_image(&photo(), &MediaLimits::default())?;
    let scratch = tempfile::tempdir()?;
    let stored = store(scratch.path(), &image)?;
    let files = image_files(&stored, &image);
    let rows: Vec<MediaFile> = files.iter().map(|(name, bytes)| MediaFile { name, bytes }).collect();
    save_all(&mut settings.database().connect()?, &rows)?;
    let (name, bytes) = files
        .iter()
        .find(|(name, _)| name.ends_with("-1280.jpg"))
        .expect("a 1280-px thumbnail");
    println!("photo: {} ({:.0} KB)", name, bytes.len() as f64 / 1024.0);
    {
        // The parts of a first request, in process: reading the file from the database, writing
        // it to the cache.
        let mut conn = settings.database().connect()?;
        let (mut reads, mut writes) = (Vec::new(), Vec::new());
        let scratch_cache = tempfile::tempdir()?;
        for _ in 0..50 {
            let started = Instant::now();
            let read = fupin_catalog::db::media::load(&mut conn, name)?.expect("stored");
            reads.push(started.elapsed());
            let _ = std::fs::remove_file(scratch_cache.path().join(name));
            let started = Instant::now();
            fupin_catalog::media::cache(scratch_cache.path(), name, &read)?;
            writes.push(started.elapsed());
        }
        report("in process: read from the database", reads);
        report("in process: write to the disk cache", writes);
    }
    let url = format!("{base}/media/{name}");
    let cached = settings.media_dir().join(name);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // No Nagle delay on the client's side: a request is sent whole at once, as a browser does.
        let client = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
        let fetch = |client: &reqwest::Client| {
            let request = client.get(&url).send();
            async move {
                let started = Instant::now();
                let response = request.await.unwrap();
                assert_eq!(response.status(), 200);
                let body = response.bytes().await.unwrap();
                (started.elapsed(), body.len())
            }
        };
        let mut uncached: Vec<Duration> = Vec::new();
        let mut from_cache: Vec<Duration> = Vec::new();
        for _ in 0..runs {
            let _ = std::fs::remove_file(&cached);
            let (took, size) = fetch(&client).await;
            assert_eq!(size, bytes.len());
            uncached.push(took);
            let (took, _) = fetch(&client).await;
            from_cache.push(took);
        }
        report("from the disk cache", from_cache);
        report("from the database (not cached yet)", uncached);
    });
    drop(handle.stop(true));
    Ok(())
}
