//! An `AKSAudit` / `AKSAuditAdmin` row back into the audit `Event` it was
//! made of.
//!
//! The resource-specific tables spread the event over PascalCase columns,
//! one per top-level field; the nested parts (`User`, `ObjectRef`,
//! `ResponseStatus` …) are `dynamic` columns, which the az CLI and the
//! portal's CSV both give as JSON text. The event rebuilt here is what the
//! API server wrote, less what the table does not keep (no
//! `impersonatedUser` column is documented; it is read if a workspace has
//! one) and less any object the table dropped as
//! `skipped-too-big-size-object`.

use super::*;
use chrono::NaiveDateTime;

/// The literal Log Analytics puts in place of a request or response object
/// too big for the row.
pub(super) const SKIPPED_OBJECT: &str = "skipped-too-big-size-object";

/// Columns copied as they are: column, event field.
const TEXT_COLUMNS: &[(&str, &str)] = &[
    ("Level", "level"),
    ("AuditId", "auditID"),
    ("Stage", "stage"),
    ("RequestUri", "requestURI"),
    ("Verb", "verb"),
    ("UserAgent", "userAgent"),
];

/// Datetime columns, written back in RFC 3339.
const TIME_COLUMNS: &[(&str, &str)] =
    &[("RequestReceivedTime", "requestReceivedTimestamp"), ("StageReceivedTime", "stageTimestamp")];

/// `dynamic` columns holding an object.
const OBJECT_COLUMNS: &[(&str, &str)] = &[
    ("User", "user"),
    ("ImpersonatedUser", "impersonatedUser"),
    ("ObjectRef", "objectRef"),
    ("ResponseStatus", "responseStatus"),
    ("Annotations", "annotations"),
];

/// `dynamic` columns holding an object or [`SKIPPED_OBJECT`].
const BODY_COLUMNS: &[(&str, &str)] = &[("RequestObject", "requestObject"), ("ResponseObject", "responseObject")];

/// An audit event rebuilt from a row.
pub(super) struct AuditRow {
    pub(super) event: Map<String, Value>,
    /// The event fields the table dropped as too big (`requestObject`).
    pub(super) skipped: Vec<&'static str>,
    /// The timestamps were the portal's display form, to the millisecond.
    pub(super) display_times: bool,
}

/// Rebuilds the audit event of a row of `table`.
pub(super) fn audit_event(row: &Map<String, Value>, table: &str) -> Result<AuditRow, RecordError> {
    let mut event = Map::new();
    event.insert("kind".into(), Value::String("Event".into()));
    event.insert("apiVersion".into(), Value::String("audit.k8s.io/v1".into()));
    for (column, field) in TEXT_COLUMNS {
        if let Some(v) = records::text(row, column, &format!("column {}", column))? {
            event.insert(field.to_string(), Value::String(v.to_string()));
        }
    }
    if !event.contains_key("auditID") {
        return Err(RecordError::new(format!("the {} row has no AuditId", table)));
    }
    let mut display_times = false;
    for (column, field) in TIME_COLUMNS {
        if let Some(v) = records::text(row, column, &format!("column {}", column))? {
            // The portal's display form becomes RFC 3339; other text is
            // left for the audit parser, which ignores what it cannot read.
            let v = match (crate::time::parse_rfc3339(v), portal_time(v)) {
                (None, Some(ns)) => {
                    display_times = true;
                    crate::time::format_ns(ns)
                }
                _ => v.to_string(),
            };
            event.insert(field.to_string(), Value::String(v));
        }
    }
    for (column, field) in OBJECT_COLUMNS {
        if let Some(v) = dynamic(row, column, Expect::Object)? {
            event.insert(field.to_string(), v);
        }
    }
    if let Some(v) = dynamic(row, "SourceIps", Expect::Array)? {
        event.insert("sourceIPs".into(), v);
    }
    let mut skipped = Vec::new();
    for (column, field) in BODY_COLUMNS {
        match get_ci(row, column) {
            Some(Value::String(s)) if s.trim() == SKIPPED_OBJECT => skipped.push(*field),
            _ => {
                if let Some(v) = dynamic(row, column, Expect::Object)? {
                    event.insert(field.to_string(), v);
                }
            }
        }
    }
    Ok(AuditRow { event, skipped, display_times })
}

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Object,
    Array,
}

/// A `dynamic` column: JSON, or JSON text (az CLI, CSV). An empty cell is
/// absent; anything but the expected type is an error naming the column.
fn dynamic(row: &Map<String, Value>, column: &str, expect: Expect) -> Result<Option<Value>, RecordError> {
    let value = match get_ci(row, column) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => {
            let t = s.trim_start();
            if !t.starts_with('{') && !t.starts_with('[') {
                let shown: String = s.chars().take(48).collect();
                let ellipsis = if shown.len() < s.len() { "…" } else { "" };
                return Err(RecordError::new(format!(
                    "column {}: expected {}, found the text {:?}{}",
                    column,
                    expected(expect),
                    shown,
                    ellipsis
                )));
            }
            strict::value_str(s).map_err(|e| RecordError::new(format!("column {}: invalid JSON ({})", column, e)))?
        }
        Some(other) => other.clone(),
    };
    let fits = match expect {
        Expect::Object => value.is_object(),
        Expect::Array => value.is_array(),
    };
    if fits {
        Ok(Some(value))
    } else {
        Err(RecordError::new(format!("column {}: expected {}, found {}", column, expected(expect), type_name(&value))))
    }
}

fn expected(expect: Expect) -> &'static str {
    match expect {
        Expect::Object => "a JSON object",
        Expect::Array => "a JSON array",
    }
}

/// A datetime as the Azure portal displays it and writes it in a CSV
/// download, in UTC: `11/20/2026, 9:41:06.874 AM` (en-US; the fraction
/// may be missing).
pub(super) fn portal_time(s: &str) -> Option<i64> {
    let s = s.trim();
    ["%m/%d/%Y, %I:%M:%S%.f %p", "%m/%d/%Y, %I:%M:%S %p", "%m/%d/%Y %I:%M:%S%.f %p"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .and_then(|t| t.and_utc().timestamp_nanos_opt())
}
