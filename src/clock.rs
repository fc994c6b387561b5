//! Injected time, so tests and golden files are reproducible.

use std::sync::Arc;

pub trait Clock: Send + Sync {
    /// Now, as nanoseconds since the Unix epoch (UTC).
    fn now_ns(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ns(&self) -> i64 {
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX)
    }
}

/// A clock stopped at one instant.
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ns(&self) -> i64 {
        self.0
    }
}

/// The system clock, unless `KORDON_NOW` (RFC 3339) fixes it — used by the
/// golden-file tests that run the real binary.
pub fn from_env() -> Arc<dyn Clock> {
    match std::env::var("KORDON_NOW").ok().and_then(|s| crate::time::parse_rfc3339(&s)) {
        Some(ns) => Arc::new(FixedClock(ns)),
        None => Arc::new(SystemClock),
    }
}
