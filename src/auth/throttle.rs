//! Repeated failed logins for one account or from one address slow down: after a few free tries,
//! each further failure doubles the wait before the next try is accepted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE_TRIES: u32 = 5;
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(60 * 60);

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    fn wait(&self) -> Duration {
        if self.count < FREE_TRIES {
            return Duration::ZERO;
        }
        let doubling = 2u64.saturating_pow(self.count - FREE_TRIES).min(MAX_WAIT.as_secs());
        Duration::from_secs(doubling).min(MAX_WAIT)
    }
}

impl LoginThrottle {
    /// How long the caller must still wait before trying any of these keys again.
    pub fn wait_for(&self, keys: &[String], now: Instant) -> Duration {
        let mut map = self.failures.lock().expect("throttle lock");
        map.retain(|_, f| now.duration_since(f.last) < WINDOW);
        keys.iter()
            .filter_map(|k| map.get(k))
            .map(|f| f.wait().saturating_sub(now.duration_since(f.last)))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().expect("throttle lock");
        for k in keys {
            let f = map.entry(k.clone()).or_insert(Failures { count: 0, last: now });
            f.count += 1;
            f.last = now;
        }
    }

    pub fn record_success(&self, keys: &[String]) {
        let mut map = self.failures.lock().expect("throttle lock");
        for k in keys {
            map.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<String> {
        vec!["user:office".into(), "ip:127.0.0.1".into()]
    }

    #[test]
    fn five_failures_are_free_then_the_wait_doubles() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(t.wait_for(&keys(), start), Duration::ZERO);
            t.record_failure(&keys(), start);
        }
        assert_eq!(t.wait_for(&keys(), start), Duration::from_secs(1));
        t.record_failure(&keys(), start);
        assert_eq!(t.wait_for(&keys(), start), Duration::from_secs(2));
        assert_eq!(t.wait_for(&keys(), start + Duration::from_secs(2)), Duration::ZERO);
    }

    #[test]
    fn success_forgets_the_failures() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..8 {
            t.record_failure(&keys(), now);
        }
        t.record_success(&keys());
        assert_eq!(t.wait_for(&keys(), now), Duration::ZERO);
    }

    #[test]
    fn the_wait_never_exceeds_fifteen_minutes() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..100 {
            t.record_failure(&keys(), now);
        }
        assert_eq!(t.wait_for(&keys(), now), MAX_WAIT);
    }
}
