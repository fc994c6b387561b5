//! Audit events cut short on their way to the investigator.
//!
//! Log Analytics keeps at most 32,766 characters of a string column, so the
//! `log_s` of a large audit event (a `RequestResponse` write of a big
//! ConfigMap or CRD) in `AzureDiagnostics` ends in the middle of the JSON.
//! Such a log is kept as an event rather than an error: the API server
//! writes the head of an event (`auditID`, `stage`, `verb`, `user`,
//! `sourceIPs`, `objectRef`, `responseStatus`) before the large objects, so
//! every top-level member that ended before the cut is read and handed to
//! the audit parser as a whole event. The event is marked `truncated` in
//! its envelope and ranks below every whole copy of the request
//! ([`TRUNCATED_RANK`]), which gives the fields whenever the case has one.

use super::*;
use serde::de::{self, Deserializer as _, MapAccess, Visitor};
use std::fmt;

/// A cut audit event ranks below every whole stage of its request.
pub(super) const TRUNCATED_RANK: i32 = 1;

/// Whether an audit log is a JSON object that ends before it closes.
pub(super) fn is_cut(text: &str) -> bool {
    let t = text.trim_end();
    t.starts_with('{')
        && !t.ends_with('}')
        && matches!(serde_json::from_str::<de::IgnoredAny>(t), Err(e) if e.is_eof())
}

/// The top-level members of a cut object that ended before the cut.
pub(super) fn head(text: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut de = serde_json::Deserializer::from_str(text);
    // The error is the cut itself: what was read before it is the answer.
    let _ = de.deserialize_map(Members(&mut out));
    out
}

/// Reads members into a map until the input ends.
struct Members<'m>(&'m mut Map<String, Value>);

impl<'de> Visitor<'de> for Members<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an audit event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            self.0.insert(key, value);
        }
        Ok(())
    }
}

/// The dedup key and rank of a cut audit event.
pub(super) fn peek(text: &str) -> Option<(String, i32)> {
    let head = head(text);
    head.get("auditID")?;
    let (key, _) = audit::peek(&serde_json::to_vec(&head).ok()?)?;
    Some((key, TRUNCATED_RANK))
}

/// The event of a cut audit log: what could be read before the cut.
pub(super) fn event(rec: &Record, text: &str) -> Result<NewEvent, RecordError> {
    let chars = text.chars().count();
    let head = head(text);
    if !matches!(head.get("auditID"), Some(Value::String(s)) if !s.is_empty()) {
        return Err(RecordError::new(format!(
            "the {} of this {} {} is an audit event cut short after {} characters, before its auditID",
            rec.log_name,
            rec.category,
            rec.unit(),
            chars
        )));
    }
    let mut envelope = rec.envelope.clone();
    envelope.fact("truncated", true);
    envelope.fact("truncated_at", chars);
    let mut ev = audit::parse_object_enveloped(&head, envelope)?;
    ev.rank = TRUNCATED_RANK;
    // The event's timestamps come after its objects, so usually past the
    // cut: the record's own time stands in.
    ev.time_ns = ev.time_ns.or(rec.time_ns);
    ev.title.push_str(" (truncated)");
    let note = format!(
        "the {} was cut short after {} characters: only the fields before the cut were read",
        rec.log_name, chars
    );
    if ev.message.is_empty() {
        ev.message = note;
    } else {
        ev.message = format!("{}; {}", ev.message, note);
    }
    Ok(ev)
}
