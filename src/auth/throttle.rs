//! Repeated failed sign-ins for one account or from one client address slow down: after a few
//! free tries, each further try doubles the wait before the next is accepted.
//!
//! Each try is reserved before its password is checked, in the database: parallel guesses queue
//! on one lock and each sees the ones before it, and every server sharing the database shares the
//! count. A successful sign-in forgets the account's tries and gives its one try back to the
//! address, so an office of many people behind one address is slowed only by its failures.

use std::net::IpAddr;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ipnet::IpNet;

use crate::db::schema::login_throttle;
use crate::db::{self, DbConnection, DbResult};

/// Tries before any wait, per account.
pub const ACCOUNT_FREE_TRIES: i32 = 5;
/// Tries before any wait, per address: higher, since many people may share one.
pub const ADDRESS_FREE_TRIES: i32 = 20;
const MAX_WAIT_SECONDS: i64 = 15 * 60;
/// Tries older than this are forgotten.
const WINDOW_SECONDS: i64 = 60 * 60;

/// What a count of tries is kept for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleKey {
    Account(String),
    Address(IpAddr),
}

impl ThrottleKey {
    fn stored(&self) -> String {
        match self {
            // Usernames are matched exactly at sign-in, but guesses in other cases are the same
            // guessing.
            ThrottleKey::Account(name) => format!("account:{}", name.trim().to_lowercase()),
            ThrottleKey::Address(ip) => format!("address:{ip}"),
        }
    }

    fn free_tries(&self) -> i32 {
        match self {
            ThrottleKey::Account(_) => ACCOUNT_FREE_TRIES,
            ThrottleKey::Address(_) => ADDRESS_FREE_TRIES,
        }
    }
}

/// The wait imposed after the `attempts`-th try.
pub fn wait_after(attempts: i32, free_tries: i32) -> Duration {
    if attempts < free_tries {
        return Duration::ZERO;
    }
    let doublings = (attempts - free_tries).min(20) as u32;
    Duration::from_secs(2i64.pow(doublings).min(MAX_WAIT_SECONDS) as u64)
}

#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = login_throttle)]
struct Tries {
    key: String,
    attempts: i32,
    next_allowed_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Reserves one try for every key, or says how long to wait when any key must still wait.
pub fn reserve(conn: &mut DbConnection, keys: &[ThrottleKey], now: NaiveDateTime) -> DbResult<Result<(), Duration>> {
    db::transaction(conn, |conn| {
        lock(conn)?;
        let stored: Vec<String> = keys.iter().map(ThrottleKey::stored).collect();
        let rows: Vec<Tries> = login_throttle::table
            .filter(login_throttle::key.eq_any(&stored))
            .load(conn)?;
        let current = |key: &str| {
            rows.iter()
                .find(|r| r.key == key)
                .filter(|r| (now - r.updated_at).num_seconds() < WINDOW_SECONDS)
        };
        let wait = stored
            .iter()
            .filter_map(|k| current(k))
            .map(|r| (r.next_allowed_at - now).num_milliseconds())
            .max()
            .unwrap_or(0);
        if wait > 0 {
            return Ok(Err(Duration::from_millis(wait as u64)));
        }
        for (key, name) in keys.iter().zip(&stored) {
            let attempts = current(name).map_or(0, |r| r.attempts) + 1;
            let next = now + chrono::Duration::from_std(wait_after(attempts, key.free_tries())).unwrap_or_default();
            let row = Tries {
                key: name.clone(),
                attempts,
                next_allowed_at: next,
                updated_at: now,
            };
            if rows.iter().any(|r| &r.key == name) {
                diesel::update(login_throttle::table.find(name))
                    .set((
                        login_throttle::attempts.eq(row.attempts),
                        login_throttle::next_allowed_at.eq(row.next_allowed_at),
                        login_throttle::updated_at.eq(row.updated_at),
                    ))
                    .execute(conn)?;
            } else {
                diesel::insert_into(login_throttle::table).values(&row).execute(conn)?;
            }
        }
        Ok(Ok(()))
    })
}

/// After a failed try: its wait counts from now, when the answer was given, not from when the
/// try was reserved (a password check takes a while).
pub fn failed(conn: &mut DbConnection, keys: &[ThrottleKey], now: NaiveDateTime) -> DbResult<()> {
    db::transaction(conn, |conn| {
        lock(conn)?;
        for key in keys {
            let attempts: Option<i32> = login_throttle::table
                .find(key.stored())
                .select(login_throttle::attempts)
                .first(conn)
                .optional()?;
            if let Some(attempts) = attempts {
                let next = now + chrono::Duration::from_std(wait_after(attempts, key.free_tries())).unwrap_or_default();
                diesel::update(login_throttle::table.find(key.stored()))
                    .set(login_throttle::next_allowed_at.eq(next))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// After a successful sign-in: the account starts afresh, the address gets its try back.
pub fn succeeded(conn: &mut DbConnection, account: &ThrottleKey, address: Option<&ThrottleKey>) -> DbResult<()> {
    db::transaction(conn, |conn| {
        lock(conn)?;
        diesel::delete(login_throttle::table.find(account.stored())).execute(conn)?;
        if let Some(address) = address {
            diesel::update(login_throttle::table.find(address.stored()))
                .filter(login_throttle::attempts.gt(0))
                .set(login_throttle::attempts.eq(login_throttle::attempts - 1))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Reservations take turns. SQLite's immediate transaction already lets one writer in at a time;
/// on PostgreSQL a transaction-scoped advisory lock does (a row lock cannot cover a row that does
/// not exist yet). Sign-ins are few, so one lock for all of them costs nothing.
fn lock(conn: &mut DbConnection) -> QueryResult<()> {
    /// "fupin-lt" in ASCII.
    const THROTTLE_LOCK: i64 = 0x6675_7069_6e2d_6c74;
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(THROTTLE_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

/// The client's address. Behind a reverse proxy the socket's peer is the proxy, which passes the
/// client on in `X-Forwarded-For`; that header is believed only from the proxies in `trusted`,
/// and read from the right, skipping trusted hops, since anything to the left of the last
/// trusted hop was written by the client itself.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// Parses `FUPIN_TRUSTED_PROXIES`: addresses or networks separated by commas or spaces.
pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, String> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| item.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn free_tries_then_the_wait_doubles_up_to_fifteen_minutes() {
        assert_eq!(wait_after(4, 5), Duration::ZERO);
        assert_eq!(wait_after(5, 5), Duration::from_secs(1));
        assert_eq!(wait_after(6, 5), Duration::from_secs(2));
        assert_eq!(wait_after(9, 5), Duration::from_secs(16));
        assert_eq!(wait_after(1000, 5), Duration::from_secs(15 * 60));
    }

    fn nets(list: &str) -> Vec<IpNet> {
        parse_trusted_proxies(list).unwrap()
    }

    #[rstest]
    #[case::no_proxy_setting("203.0.113.9", Some("198.51.100.1"), "", "203.0.113.9")]
    #[case::untrusted_peer_cannot_claim_an_address("203.0.113.9", Some("198.51.100.1"), "10.0.0.0/8", "203.0.113.9")]
    #[case::trusted_proxy("10.0.0.2", Some("198.51.100.1"), "10.0.0.0/8", "198.51.100.1")]
    #[case::client_written_prefix_ignored("10.0.0.2", Some("6.6.6.6, 198.51.100.1"), "10.0.0.0/8", "198.51.100.1")]
    #[case::two_trusted_hops("10.0.0.2", Some("198.51.100.1, 10.0.0.7"), "10.0.0.0/8", "198.51.100.1")]
    #[case::garbage_header_stops_at_the_proxy("10.0.0.2", Some("not-an-ip"), "10.0.0.2", "10.0.0.2")]
    #[case::no_header("10.0.0.2", None, "10.0.0.2", "10.0.0.2")]
    fn the_client_address_is_taken_from_trusted_proxies_only(
        #[case] peer: &str,
        #[case] header: Option<&str>,
        #[case] trusted: &str,
        #[case] expected: &str,
    ) {
        let got = client_address(Some(peer.parse().unwrap()), header, &nets(trusted));
        assert_eq!(got, Some(expected.parse().unwrap()));
    }

    #[test]
    fn proxy_lists_name_what_they_cannot_read() {
        assert_eq!(nets("127.0.0.1, 10.0.0.0/8 ::1").len(), 3);
        assert_eq!(
            parse_trusted_proxies("10.0.0.0/8, proxy.local"),
            Err("proxy.local".to_owned())
        );
    }
}
