//! Settings, from command-line flags and the environment (flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::db::DatabaseUrl;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Holds the SQLite file, the search index and uploaded media.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: a `postgres://` URL replaces the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// The address people reach the site at, used in QR codes and links (`FUPIN_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Static files (CSS, fonts, icons).
    pub assets_dir: PathBuf,
    /// Connections in the database pool.
    pub db_pool_size: u32,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// `FUPIN_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is believed, as
    /// addresses or networks (`127.0.0.1, 10.0.0.0/8`). Empty: the socket's peer is the client.
    pub trusted_proxies: String,
    /// `FUPIN_METRICS_ALLOW`: the addresses or networks that may read `/metrics` (default loopback).
    pub metrics_allow: String,
    /// `FUPIN_CHANGE_LOG_RETENTION`: how long applied search changes stay in the log (`90s`, `30m`,
    /// `24h`, `7d`), and so how long a server may be away and still catch up by replaying it.
    pub change_log_retention: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("数据目录 {path} 无法创建或不可写：{reason}")]
    DataDir { path: String, reason: String },
    #[error("静态文件目录 {0} 不存在（用 --assets-dir 或 FUPIN_ASSETS_DIR 指定）")]
    AssetsDir(String),
    #[error("静态文件目录 {path} 无法读取：{reason}")]
    AssetsUnreadable { path: String, reason: String },
    #[error("FUPIN_METRICS_ALLOW 中的“{0}”不是 IP 地址或网段（应为 127.0.0.1、10.0.0.0/8 这样的写法，用逗号分隔）")]
    MetricsAllow(String),
    #[error("FUPIN_CHANGE_LOG_RETENTION 的值“{0}”无效：应为正整数加单位 s、m、h 或 d，例如 24h")]
    Retention(String),
    #[error("FUPIN_TRUSTED_PROXIES 中的“{0}”不是 IP 地址或网段（应为 127.0.0.1、10.0.0.0/8 这样的写法，用逗号分隔）")]
    TrustedProxies(String),
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_METRICS_ALLOW: &str = "127.0.0.1, ::1";
pub const DEFAULT_CHANGE_LOG_RETENTION: &str = "24h";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const SQLITE_FILE: &str = "fupin.db";

impl Settings {
    /// Settings for the given address and data directory, the rest from the environment.
    pub fn new(bind: SocketAddr, data_dir: PathBuf) -> Self {
        Settings {
            bind,
            data_dir,
            database_url: std::env::var("DATABASE_URL").ok().filter(|s| !s.trim().is_empty()),
            public_url: std::env::var("FUPIN_PUBLIC_URL").ok().filter(|s| !s.trim().is_empty()),
            assets_dir: std::env::var_os("FUPIN_ASSETS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(default_assets_dir),
            db_pool_size: 8,
            workers: 0,
            trusted_proxies: std::env::var("FUPIN_TRUSTED_PROXIES").unwrap_or_default(),
            metrics_allow: std::env::var("FUPIN_METRICS_ALLOW").unwrap_or_else(|_| DEFAULT_METRICS_ALLOW.to_owned()),
            change_log_retention: std::env::var("FUPIN_CHANGE_LOG_RETENTION")
                .unwrap_or_else(|_| DEFAULT_CHANGE_LOG_RETENTION.to_owned()),
        }
    }

    pub fn database(&self) -> DatabaseUrl {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url),
            None => DatabaseUrl::sqlite_file(&self.data_dir.join(SQLITE_FILE)),
        }
    }

    /// The base of absolute links, without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The proxies whose `X-Forwarded-For` names the client.
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        crate::auth::throttle::parse_trusted_proxies(&self.trusted_proxies).map_err(ConfigError::TrustedProxies)
    }

    /// The addresses that may read `/metrics`.
    pub fn metrics_allow(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        crate::auth::throttle::parse_trusted_proxies(&self.metrics_allow).map_err(ConfigError::MetricsAllow)
    }

    /// How long applied changes stay in the search change log.
    pub fn change_log_retention(&self) -> Result<std::time::Duration, ConfigError> {
        parse_duration(&self.change_log_retention)
            .ok_or_else(|| ConfigError::Retention(self.change_log_retention.clone()))
    }

    /// Whether people reach the site over https (cookies Secure, HSTS).
    pub fn is_https(&self) -> bool {
        self.public_base().starts_with("https://")
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// The open-data files `fupin open-data` writes and the server serves at `/open-data`.
    pub fn open_data_dir(&self) -> PathBuf {
        self.data_dir.join("open-data")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// Creates the data directory and proves it writable, so a bad path fails at start with one line.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let fail = |e: std::io::Error| ConfigError::DataDir {
            path: self.data_dir.display().to_string(),
            reason: io_reason(&e),
        };
        std::fs::create_dir_all(&self.data_dir).map_err(fail)?;
        let probe = self.data_dir.join(".write-test");
        std::fs::write(&probe, b"ok").map_err(fail)?;
        std::fs::remove_file(&probe).map_err(fail)?;
        Ok(())
    }

    pub fn check_assets_dir(&self) -> Result<(), ConfigError> {
        if self.assets_dir.is_dir() {
            Ok(())
        } else {
            Err(ConfigError::AssetsDir(self.assets_dir.display().to_string()))
        }
    }
}

/// `90s`, `30m`, `24h`, `7d` (a bare number is seconds); zero and anything else are refused.
fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 's'),
    };
    let seconds_per = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let n: u64 = number.trim().parse().ok().filter(|n| *n > 0)?;
    Some(std::time::Duration::from_secs(n.checked_mul(seconds_per)?))
}

/// `./assets` when run from the project, else the folder beside the sources the binary was built from.
fn default_assets_dir() -> PathBuf {
    let local = Path::new("assets");
    if local.is_dir() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
    }
}

/// An I/O error in Chinese where the kind is common, with the system's wording after it.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let kind = match e.kind() {
        PermissionDenied => "没有权限",
        NotFound => "路径不存在",
        AlreadyExists => "已存在",
        AddrInUse => "端口已被占用",
        AddrNotAvailable => "本机没有这个地址",
        ReadOnlyFilesystem => "文件系统只读",
        NotADirectory => "路径中有一段不是目录",
        _ => "",
    };
    if kind.is_empty() {
        e.to_string()
    } else {
        format!("{kind}（{e}）")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rstest::rstest;

    use super::parse_duration;

    #[rstest]
    #[case("90s", 90)]
    #[case("90", 90)]
    #[case("30m", 1_800)]
    #[case(" 24h ", 86_400)]
    #[case("7D", 604_800)]
    fn retention_is_read_with_its_unit(#[case] text: &str, #[case] seconds: u64) {
        assert_eq!(parse_duration(text), Some(Duration::from_secs(seconds)));
    }

    #[rstest]
    #[case("")]
    #[case("0")]
    #[case("0h")]
    #[case("-1h")]
    #[case("1w")]
    #[case("一天")]
    #[case("h")]
    #[case("99999999999999999999d")]
    fn anything_else_is_refused(#[case] text: &str) {
        assert_eq!(parse_duration(text), None);
    }
}
