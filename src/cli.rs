//! The command line: `serve`, `migrate`, `demo`, `reindex`, `import`, `media`, `backup`, `restore`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{self, DEFAULT_BIND, DEFAULT_DATA_DIR, Settings};
use crate::db::{self, DatabaseUrl};
use crate::demo;
use crate::startup::Application;

#[derive(Parser)]
#[command(
    name = "fupin",
    version,
    about = "陕西工会消费扶贫产品推荐目录 — the Shaanxi trade unions' poverty-alleviation product catalogue"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the catalogue over HTTP.
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(DataArgs),
    /// Fill the database with demo data (if it is empty) and serve it.
    Demo(DemoArgs),
    /// Rebuild the search index from the database (the server also rebuilds a missing or broken one).
    Reindex(DataArgs),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Uploaded photos and reports.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Write a consistent copy of the database to FILE while the server runs (SQLite: VACUUM
    /// INTO; PostgreSQL: pg_dump, checked by restoring it into a scratch database).
    Backup(BackupArgs),
    /// Restore a backup into an empty data directory (or an empty PostgreSQL database).
    Restore(BackupArgs),
    /// Write the open-data files served at /open-data: the full catalogue as CSV and JSON Lines,
    /// and one delta per day with changes (the days not written yet, and today's again).
    OpenData(OpenDataArgs),
}

#[derive(Args)]
struct OpenDataArgs {
    /// Write every day's delta again, not only the days not written yet.
    #[arg(long)]
    rewrite: bool,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Subcommand)]
enum MediaCommand {
    /// Copy files stored only on this server's disk (before media moved into the database) into
    /// the database, so that every server can serve them.
    Migrate(DataArgs),
}

#[derive(Args)]
struct BackupArgs {
    /// The backup file.
    file: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A county's nomination spreadsheet (.xlsx, .xls, .csv) as a draft batch. Nothing is written
    /// unless the whole sheet is valid.
    Nominations(ImportNominationsArgs),
}

#[derive(Args)]
struct ImportNominationsArgs {
    /// The county the nominations are for (GB/T 2260 code, e.g. 610924).
    #[arg(long)]
    county: String,
    /// Only check the sheet and report what is wrong; write nothing.
    #[arg(long)]
    check: bool,
    /// The spreadsheet.
    file: PathBuf,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Folder for the SQLite file, the search index and uploaded media. DATABASE_URL=postgres://… replaces the SQLite file.
    #[arg(long, env = "FUPIN_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FUPIN_BIND", default_value = DEFAULT_BIND)]
    bind: SocketAddr,
    #[command(flatten)]
    data: DataArgs,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "FUPIN_WORKERS", default_value_t = 0)]
    workers: usize,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// How many products to generate (the plan's scale is 1,500; 100000 is national scale).
    #[arg(long, default_value_t = demo::PLAN_PRODUCTS)]
    products: usize,
    /// Grassroots unions to generate beyond the named demo ones (the province has tens of thousands).
    #[arg(long, default_value_t = 0)]
    unions: usize,
    /// Purchase plans to generate over all grassroots unions.
    #[arg(long, default_value_t = 0)]
    plans: usize,
    /// Delete the existing database first and generate anew.
    #[arg(long)]
    reset: bool,
    /// Generate the data and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

/// Products whose production sites get a drawn photo in the demo: enough for the scan pages,
/// product pages and search to show some, quick to make.
const DEMO_PHOTOS: i64 = 60;

pub fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(settings_from(&args)),
        Command::Migrate(args) => migrate(args),
        Command::Demo(args) => run_demo(args),
        Command::Import(ImportCommand::Nominations(args)) => import_nominations(args),
        Command::Reindex(args) => reindex(args),
        Command::Media(MediaCommand::Migrate(args)) => migrate_media(args),
        Command::Backup(args) => run_backup(args),
        Command::Restore(args) => run_restore(args),
        Command::OpenData(args) => run_open_data(args),
    }
}

fn settings_from(args: &ServeArgs) -> Settings {
    let mut settings = Settings::new(args.bind, args.data.data_dir.clone());
    settings.workers = args.workers;
    settings
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone())?;
        release_startup_memory();
        let url = format!("http://{}:{}", settings.bind.ip(), app.port());
        eprintln!("fupin 已启动：{url}  （数据库：{}）", settings.database().redacted());
        app.run_until_stopped().await.context("服务器异常退出")
    })
}

/// Starting up (opening and checking the index, its per-segment columns, jieba's dictionary) frees
/// tens of megabytes on this thread, which afterwards only waits for the server to stop. The
/// allocator (mimalloc, see `main.rs`) returns a thread's freed pages to the system when that thread
/// next allocates, so without this they would stay resident for good.
fn release_startup_memory() {
    // SAFETY: `mi_collect` only hands back pages that hold no live allocation; it is safe to call
    // at any time, and does nothing harmful when mimalloc is not the global allocator.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn migrate(args: DataArgs) -> anyhow::Result<()> {
    let settings = Settings::new(DEFAULT_BIND.parse().expect("default bind is valid"), args.data_dir);
    if settings.database_url.is_none() {
        settings.prepare_data_dir()?;
    }
    let url = settings.database();
    let mut conn = url.connect()?;
    let applied = db::migrate(&mut conn)?;
    if applied.is_empty() {
        println!("数据库 {} 已是最新，无需迁移。", url.redacted());
    } else {
        println!("数据库 {} 已迁移：{}", url.redacted(), applied.join(", "));
    }
    Ok(())
}

fn run_demo(args: DemoArgs) -> anyhow::Result<()> {
    let settings = settings_from(&args.serve);
    settings.prepare_data_dir()?;
    let url = settings.database();
    if args.reset {
        reset(&url)?;
    }
    let mut conn = url.connect()?;
    db::migrate(&mut conn)?;
    let started = Instant::now();
    let scale = demo::spending::SpendingScale {
        unions: args.unions,
        plans: args.plans,
    };
    let report = demo::ensure_at_scale(&mut conn, args.products, scale, true)?;
    let photos = demo::photos::ensure(&mut conn, &settings.media_dir(), DEMO_PHOTOS)?;
    if photos > 0 {
        println!("已为 {photos} 件产品的生产环境配上示意照片（程序绘制）。");
    }
    let published = crate::open_data::publish(&mut conn, &settings.open_data_dir(), db::now(), false)?;
    println!(
        "已写出开放数据（/open-data）：全量 {} 件产品，{} 天的每日变更。",
        published.products,
        published.manifest.deltas().len() / 2
    );
    let elapsed = started.elapsed();
    let size = db::size_bytes(&mut conn)?;
    drop(conn);
    if report.created {
        println!(
            "已生成演示数据：{} 家供应商，{} 件产品，用时 {:.1} 秒，数据库 {:.1} MB（{}）。",
            report.suppliers,
            report.products,
            elapsed.as_secs_f64(),
            size as f64 / 1_048_576.0,
            url.redacted()
        );
    } else {
        println!(
            "数据库中已有数据（{} 家供应商，{} 件产品），直接使用；要重新生成请加 --reset。",
            report.suppliers, report.products
        );
    }
    println!("\n演示账号（密码均为 {}）：", demo::DEMO_PASSWORD);
    for login in &report.logins {
        println!(
            "  {:<20} 用户名 {:<16} {}\n  {:<20} 试试：{}",
            login.role, login.username, login.organisation, "", login.try_this
        );
    }
    println!();
    if args.no_serve {
        return Ok(());
    }
    serve(settings)
}

fn reset(url: &DatabaseUrl) -> anyhow::Result<()> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        anyhow::bail!("无法删除 {}：{}", file.display(), config::io_reason(&e))
                    }
                }
            }
        }
        DatabaseUrl::Postgres(_) => db::drop_all_postgres(&mut url.connect()?)?,
    }
    Ok(())
}

fn import_nominations(args: ImportNominationsArgs) -> anyhow::Result<()> {
    use crate::db::workflow::{self, Actor, BatchSource};
    use crate::domain::{CountyCode, OrgKind};

    let county = CountyCode::parse(&args.county)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("无法读取 {}：{}", args.file.display(), "请检查路径和权限"))?;
    let filename = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = match crate::sheet::parse_nomination_sheet(&bytes, &filename) {
        Ok(p) => p,
        Err(e) => {
            for line in e.lines() {
                eprintln!("{line}");
            }
            anyhow::bail!("{} 未导入：请修改以上问题后重试", args.file.display());
        }
    };
    let foreign = parsed.rows_outside(&county);
    if !foreign.is_empty() {
        for line in &foreign {
            eprintln!("{line}");
        }
        anyhow::bail!("{} 未导入：表中有其他县区的行", args.file.display());
    }
    for warning in &parsed.warnings {
        eprintln!("提示：{warning}");
    }
    let incomplete = parsed
        .rows
        .iter()
        .filter(|(_, r)| !r.missing_for_submission().is_empty())
        .count();
    if args.check {
        println!(
            "检查通过：{} 行，其中 {incomplete} 行待补全后才能提交。未写入任何数据（--check）。",
            parsed.rows.len()
        );
        return Ok(());
    }
    let settings = Settings::new(DEFAULT_BIND.parse().expect("default bind is valid"), args.data.data_dir);
    if settings.database_url.is_none() {
        settings.prepare_data_dir()?;
    }
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let org = {
        use crate::db::schema::organisations;
        use diesel::prelude::*;
        organisations::table
            .filter(organisations::kind.eq(OrgKind::CountyUnion.as_str()))
            .filter(organisations::county_code.eq(county.as_str()))
            .select(organisations::id)
            .first::<i32>(&mut conn)
            .optional()?
            .with_context(|| format!("数据库中没有{}总工会，请先创建该单位", county.county().name))?
    };
    let rows: Vec<_> = parsed.rows.into_iter().map(|(_, r)| r).collect();
    let source = BatchSource {
        title: format!("{}推荐名录（{} 导入）", county.county().name, filename),
        source: "cli",
        filename: Some(filename),
        recommending_unit: parsed.form_meta.recommending_unit,
        filled_by: parsed.form_meta.filled_by,
        filled_by_phone: parsed.form_meta.contact,
    };
    let actor = Actor {
        user_id: None,
        label: "命令行导入".to_owned(),
    };
    let id =
        workflow::create_batch(&mut conn, &county, org, source, &rows, &actor).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "已导入推荐名录 {id}：{} 行，其中 {incomplete} 行待补全后才能提交。",
        rows.len()
    );
    Ok(())
}

fn reindex(args: DataArgs) -> anyhow::Result<()> {
    let settings = Settings::new(DEFAULT_BIND.parse().expect("default bind is valid"), args.data_dir);
    settings.prepare_data_dir()?;
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let total = db::products::Product::count(&mut conn)?;
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("索引 [{bar:40}] {pos}/{len} {per_sec} 预计剩余 {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let index = crate::indexer::CatalogueIndex::open_for_rebuild(&settings.data_dir)?;
    let count = index.rebuild(&mut conn, |n| bar.set_position(n))?;
    bar.finish_and_clear();
    println!(
        "已重建搜索索引：{count} 件产品，用时 {:.1} 秒。",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn data_settings(args: &DataArgs) -> Settings {
    Settings::new(
        DEFAULT_BIND.parse().expect("default bind is valid"),
        args.data_dir.clone(),
    )
}

fn migrate_media(args: DataArgs) -> anyhow::Result<()> {
    let settings = data_settings(&args);
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let moved = crate::media::migrate::into_database(&mut conn, &settings.media_dir())?;
    println!(
        "已迁入数据库：{} 个文件（{:.1} MB）；{} 个原已在数据库中。",
        moved.added,
        moved.added_bytes as f64 / 1_048_576.0,
        moved.present
    );
    for name in &moved.skipped {
        eprintln!("跳过（不是本系统存储的文件名）：{name}");
    }
    Ok(())
}

fn run_backup(args: BackupArgs) -> anyhow::Result<()> {
    let settings = data_settings(&args.data);
    let started = Instant::now();
    let inventory = crate::backup::backup(&settings.database(), &args.file)?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    println!(
        "已备份到 {}（{:.1} MB，用时 {:.1} 秒），并已检查可以恢复。",
        args.file.display(),
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    print_inventory(&inventory);
    Ok(())
}

fn run_restore(args: BackupArgs) -> anyhow::Result<()> {
    let settings = data_settings(&args.data);
    let inventory = crate::backup::restore(&settings, &args.file)?;
    println!(
        "已从 {} 恢复到 {}；搜索索引将在服务启动时从数据库重建。",
        args.file.display(),
        settings.database().redacted()
    );
    print_inventory(&inventory);
    Ok(())
}

fn run_open_data(args: OpenDataArgs) -> anyhow::Result<()> {
    let settings = data_settings(&args.data);
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let started = Instant::now();
    let dir = settings.open_data_dir();
    let report = crate::open_data::publish(&mut conn, &dir, db::now(), args.rewrite)?;
    print_open_data(&report, &dir, started.elapsed());
    Ok(())
}

fn print_open_data(report: &crate::open_data::Report, dir: &std::path::Path, took: std::time::Duration) {
    println!(
        "已写出开放数据到 {}：全量 {} 件产品；每日变更 {} 天新写、{} 天沿用；用时 {:.1} 秒。",
        dir.display(),
        report.products,
        report.deltas_written,
        report.deltas_kept,
        took.as_secs_f64()
    );
    for file in report.manifest.full() {
        println!(
            "  {:<24} {:>10} 字节  {:>8} 行  SHA-256 {}",
            file.name, file.bytes, file.rows, file.sha256
        );
    }
}

/// Every table's rows and the catalogue's checksum: the same lines after a backup and after its
/// restore, to compare.
fn print_inventory(inventory: &crate::db::inventory::Inventory) {
    let rows: i64 = inventory.tables.iter().map(|(_, n)| n).sum();
    println!("{} 张表，共 {rows} 行：", inventory.tables.len());
    for (table, n) in &inventory.tables {
        println!("  {table:<32} {n:>10}");
    }
    println!("目录校验和（SHA-256）：{}", inventory.catalogue_sha256);
}
