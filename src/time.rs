//! Timestamps from every source, as nanoseconds since the Unix epoch in UTC.
//!
//! The tools write 9 (Falco, Tetragon), 7 (.NET, Defender), 6 (audit) or 0
//! (Kubernetes objects) fraction digits, sometimes an offset instead of `Z`,
//! and Falco also gives integer epoch nanoseconds. Storing one integer keeps
//! ordering exact and cheap.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Parses RFC 3339 with any number of fraction digits, with or without an
/// offset (no offset = UTC, as Log Analytics writes it).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return dt.timestamp_nanos_opt();
    }
    // More than 9 fraction digits, a space instead of `T`, or no offset.
    let normalized = s.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normalized) {
        return dt.timestamp_nanos_opt();
    }
    let bare = normalized.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .and_then(|n| n.and_utc().timestamp_nanos_opt())
}

/// RFC 3339 in UTC with nanoseconds, the form Kordon prints everywhere.
pub fn format_ns(ns: i64) -> String {
    DateTime::<Utc>::from_timestamp_nanos(ns).to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Epoch nanoseconds given as a JSON number or a numeric string.
pub fn ns_from_json(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_u64().and_then(|u| i64::try_from(u).ok())),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| parse_rfc3339(s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_precision_parses_to_the_same_instant() {
        let ns = 1_763_631_667_123_000_000i64;
        assert_eq!(parse_rfc3339("2025-11-20T09:41:07.123Z"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20T09:41:07.123000Z"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20T09:41:07.1230000Z"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20T09:41:07.123000000Z"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20T10:41:07.123+01:00"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20T09:41:07.123"), Some(ns));
        assert_eq!(parse_rfc3339("2025-11-20 09:41:07.123Z"), Some(ns));
        assert_eq!(parse_rfc3339("not a time"), None);
        assert_eq!(format_ns(ns), "2025-11-20T09:41:07.123000000Z");
    }
}
