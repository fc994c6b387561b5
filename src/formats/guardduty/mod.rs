//! Amazon GuardDuty findings for EKS (EKS Audit Log Monitoring and Runtime
//! Monitoring), one finding per record, each an alert.
//!
//! Why this parser looks the way it does:
//!
//! * One finding reaches an investigator in several spellings of the same
//!   tree: the S3 export (JSON Lines of findings, often gzip), an EventBridge
//!   event that wraps the finding in `detail` (`detail-type` "GuardDuty
//!   Finding", `source` "aws.guardduty"), the API's JSON (camelCase, alone or
//!   in a bare array) and `aws guardduty get-findings`, whose `{"Findings":
//!   [...]}` page spells every member in PascalCase. Every member is read
//!   through the case-insensitive [`get_ci`], so all of them give the same
//!   event, and the framing layer expands the `Findings` page like any other
//!   container.
//! * A finding is not a fixed record: GuardDuty updates it in place while the
//!   activity goes on (`service.count` grows, `updatedAt` moves), and the
//!   same finding is exported again after every update, then possibly once
//!   more through the CLI. The dedup key `guardduty|<id>` makes all copies one
//!   event, and the rank (seconds of `updatedAt` since 2020, or the count when
//!   there is no `updatedAt`) lets the newest copy give the fields. The
//!   event's time is `service.eventFirstSeen`, which does not move with
//!   updates (else `updatedAt`, else `createdAt`).
//! * The finding type `<ThreatPurpose>:<ResourceType>/<ThreatFamily>[!Artifact]`
//!   is the rule. Its ThreatPurpose becomes the tactic when it is an ATT&CK
//!   tactic (`Execution`, `CredentialAccess`, `Discovery`, `Impact` …);
//!   GuardDuty's own purposes (`CryptoCurrency`, `Backdoor`, `Trojan`,
//!   `UnauthorizedAccess`, `Recon`, `Stealth`, `PenTest`, `Policy`,
//!   `Behavior`) are kept in `fields.unmapped_threat_purpose`, and the
//!   reading of them is Kordon's, in `data/tactic-mapping.yaml`.
//! * Severity is a number: 9.0–10.0 Critical, 7.0–8.9 High, 4.0–6.9 Medium,
//!   1.0–3.9 Low (GuardDuty user guide, "Severity levels for GuardDuty
//!   findings"); the number itself stays in `fields.severity_score`.
//! * Timestamps of resources and processes (`eksClusterDetails.createdAt`,
//!   `runtimeDetails.process.startTime`) are epoch seconds as JSON floats in
//!   the export and ISO strings in the CLI's output. A float does not hold
//!   every digit an exporter may write, so the text of the value, as given,
//!   is kept beside the normalized time (`…_as_given`), never silently
//!   rounded away.
//! * GuardDuty's generated sample findings (`additionalInfo.sample: true`)
//!   look exactly like real ones. They are imported, not dropped (the
//!   investigator may be checking the pipeline), but marked: `fields.sample`
//!   is `true` and the title starts with `[SAMPLE]`, as the console shows it.
//!   Their entities are kept as given: GuardDuty names them with placeholders
//!   (`GeneratedFindingEKSClusterName`, `GeneratedFindingPodName`) that meet
//!   no real cluster, pod or identity.
//! * Entities use [`crate::entity`]'s keys so that GuardDuty's cluster, pod,
//!   container, image, process, service account and addresses meet what the
//!   audit log, Falco, Tetragon and `kubectl` say of them: the process key is
//!   scoped by the container id, the host pid and the executable path, as
//!   Falco's and Tetragon's are.

use crate::attack;
use crate::formats::{get_ci, str_of, strict, type_name, Context, RecordError};
use crate::model::{EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod entities;
#[cfg(test)]
mod tests;

/// The dedup key's prefix.
pub const DEDUP_PREFIX: &str = "guardduty|";

/// Seconds from the Unix epoch to 2020-01-01, the origin of the rank (an
/// `i32` of seconds from there lasts until 2088).
const RANK_ORIGIN_S: i64 = 1_577_836_800;

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// A GuardDuty finding (any key case) or an EventBridge event carrying one.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    is_finding(obj) || eventbridge_detail(obj).is_some()
}

/// A finding: its `service` names GuardDuty, or its ARN is a finding's.
fn is_finding(obj: &Map<String, Value>) -> bool {
    if let Some(Value::Object(service)) = get_ci(obj, "service") {
        if str_of(get_ci(service, "serviceName")).is_some_and(|n| n.trim().eq_ignore_ascii_case("guardduty")) {
            return true;
        }
    }
    str_of(get_ci(obj, "arn")).is_some_and(|a| a.contains(":guardduty:") && a.contains("/finding/"))
        && get_ci(obj, "type").is_some()
}

/// The finding an EventBridge event carries: `detail-type` "GuardDuty
/// Finding", or a `detail` that is a finding itself (so that other events of
/// `aws.guardduty`, such as CloudTrail calls, are not claimed).
fn eventbridge_detail(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let Some(Value::Object(detail)) = obj.get("detail") else { return None };
    let typed = str_of(obj.get("detail-type")).is_some_and(|t| t.trim().eq_ignore_ascii_case("GuardDuty Finding"));
    (typed || is_finding(detail)).then_some(detail)
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Parses one finding, bare or in an EventBridge event.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(top) = &value else {
        return Err(RecordError::new(format!("a GuardDuty finding must be a JSON object, not {}", type_name(&value))));
    };
    let text = std::str::from_utf8(raw).map_err(|_| RecordError::new("the finding is not UTF-8"))?;
    let mut envelope = Map::new();
    let (finding, shape, raw_path): (&Map<String, Value>, &'static str, &[&str]) =
        if let Some(detail) = eventbridge_detail(top) {
            for (name, key) in [
                ("event_id", "id"),
                ("time", "time"),
                ("detail_type", "detail-type"),
                ("source", "source"),
                ("account", "account"),
                ("region", "region"),
            ] {
                if let Some(v) = str_of(top.get(key)) {
                    envelope.insert(name.to_string(), Value::from(v));
                }
            }
            (detail, "guardduty-eventbridge", &["detail"])
        } else if top.contains_key("detail") && top.contains_key("detail-type") {
            return Err(RecordError::new("an EventBridge event whose detail is no GuardDuty finding"));
        } else {
            let pascal = ctx.hint.container.as_deref().is_some_and(|c| c.key == "Findings")
                || ["Id", "Type", "Severity"].iter().any(|k| top.contains_key(*k));
            (top, if pascal { "get-findings" } else { "guardduty-findings" }, &[])
        };
    if let Some(c) = ctx.hint.container.as_deref().filter(|c| c.key == "Findings") {
        envelope.insert("page".to_string(), Value::from(c.page));
    }
    let mut ev = Finding { obj: finding, raw: RawText { text, base: raw_path } }.to_event().map_err(|e| {
        match shape {
            "guardduty-eventbridge" => RecordError::new(format!("in the EventBridge event's detail: {}", e.reason)),
            _ => e,
        }
    })?;
    ev.shape = Some(shape);
    if !envelope.is_empty() {
        ev.field("envelope", Value::Object(envelope));
    }
    Ok(ev)
}

/// The record's text, to read numbers as they were written.
pub(crate) struct RawText<'a> {
    text: &'a str,
    /// Where the finding is in the record (`detail` in an EventBridge event).
    base: &'a [&'a str],
}

impl RawText<'_> {
    /// The text of the value at `path` below the finding (keys matched in
    /// any case, array indexes as numbers), exactly as the record has it.
    pub(crate) fn at(&self, path: &[&str]) -> Option<&str> {
        let mut cur: &RawValue = serde_json::from_str(self.text).ok()?;
        for step in self.base.iter().chain(path) {
            let t = cur.get().trim_start();
            if t.starts_with('[') {
                let items: Vec<&RawValue> = serde_json::from_str(cur.get()).ok()?;
                cur = items.get(step.parse::<usize>().ok()?)?;
            } else {
                let members: BTreeMap<String, &RawValue> = serde_json::from_str(cur.get()).ok()?;
                cur = members
                    .get(*step)
                    .or_else(|| members.iter().find(|(k, _)| k.eq_ignore_ascii_case(step)).map(|(_, v)| v))?;
            }
        }
        Some(cur.get().trim())
    }
}

/// A timestamp of a resource or process: epoch seconds (a float, as the
/// export writes them) or an ISO string (as the CLI prints them). Gives the
/// normalized time (microseconds: a double holds no more of an epoch) and the
/// value's text as given.
pub(crate) fn timestamp(v: Option<&Value>, raw: Option<&str>) -> (Option<String>, Option<String>) {
    match v {
        Some(Value::Number(n)) => {
            let normalized = n
                .as_f64()
                .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e11)
                .map(|s| time::format_ns((s * 1e6).round() as i64 * 1_000));
            (normalized, Some(raw.map(str::to_string).unwrap_or_else(|| n.to_string())))
        }
        Some(Value::String(s)) if !s.trim().is_empty() => {
            let normalized = time::parse_rfc3339(s)
                .map(time::format_ns)
                .or_else(|| s.trim().parse::<f64>().ok().and_then(|f| timestamp(Some(&Value::from(f)), None).0));
            (normalized, Some(s.clone()))
        }
        _ => (None, None),
    }
}

/// Kordon's severity of a GuardDuty severity score.
pub fn severity(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score >= 1.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// The parts of a finding type `<ThreatPurpose>:<ResourceType>/<ThreatFamily>[!Artifact]`.
#[derive(Debug, PartialEq)]
pub struct FindingType<'a> {
    pub purpose: &'a str,
    pub resource: Option<&'a str>,
    pub family: Option<&'a str>,
    pub artifact: Option<&'a str>,
}

impl<'a> FindingType<'a> {
    pub fn parse(t: &'a str) -> FindingType<'a> {
        let (purpose, rest) = match t.split_once(':') {
            Some((p, r)) => (p.trim(), Some(r)),
            None => (t.trim(), None),
        };
        let (rest, artifact) = match rest.and_then(|r| r.split_once('!')) {
            Some((r, a)) => (Some(r), Some(a)),
            None => (rest, None),
        };
        let (resource, family) = match rest.and_then(|r| r.split_once('/')) {
            Some((r, f)) => (Some(r), Some(f)),
            None => (rest, None),
        };
        FindingType { purpose, resource, family, artifact }
    }
}

/// One finding, in either key case.
pub(crate) struct Finding<'a> {
    pub(crate) obj: &'a Map<String, Value>,
    pub(crate) raw: RawText<'a>,
}

/// A member object (in any key case), if it is one.
pub(crate) fn object<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    match get_ci(obj, key) {
        Some(Value::Object(o)) => Some(o),
        _ => None,
    }
}

/// A number given as a JSON number or a numeric string.
fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Finding<'_> {
    fn str(&self, key: &str) -> Option<&str> {
        str_of(get_ci(self.obj, key))
    }

    /// A required string member.
    fn required(&self, key: &str) -> Result<&str, RecordError> {
        match get_ci(self.obj, key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
            None | Some(Value::Null) => Err(RecordError::new(format!("the finding has no `{}`", key))),
            Some(v) => Err(RecordError::new(format!("the finding's `{}` is {}, not a string", key, type_name(v)))),
        }
    }

    fn to_event(&self) -> Result<NewEvent, RecordError> {
        let id = self.required("id")?;
        let ftype = self.required("type")?;
        let score = match get_ci(self.obj, "severity") {
            None | Some(Value::Null) => return Err(RecordError::new("the finding has no `severity`")),
            Some(v) => number(Some(v)).ok_or_else(|| {
                RecordError::new(format!("the finding's `severity` is {} ({}), not a number", type_name(v), v))
            })?,
        };
        let service = object(self.obj, "service");
        let sample = object(self.obj, "service")
            .and_then(|s| object(s, "additionalInfo"))
            .is_some_and(is_sample);
        let title = self.str("title").unwrap_or(ftype);
        let title = match sample && !title.starts_with("[SAMPLE]") {
            true => format!("[SAMPLE] {}", title),
            false => title.to_string(),
        };

        let mut ev = NewEvent::new(Source::GuardDuty, EventKind::Alert, title);
        ev.rule = Some(ftype.to_string());
        ev.severity = severity(score);
        ev.message = self.str("description").unwrap_or_default().to_string();
        ev.dedup_key = Some(format!("{}{}", DEDUP_PREFIX, id.trim().to_ascii_lowercase()));

        let first_seen = service.and_then(|s| str_of(get_ci(s, "eventFirstSeen"))).and_then(time::parse_rfc3339);
        let updated = self.str("updatedAt").and_then(time::parse_rfc3339);
        let created = self.str("createdAt").and_then(time::parse_rfc3339);
        ev.time_ns = first_seen.or(updated).or(created);
        let count = service.and_then(|s| crate::formats::u64_of(get_ci(s, "count")));
        ev.rank = match updated {
            Some(ns) => i32::try_from((ns / 1_000_000_000 - RANK_ORIGIN_S).max(0)).unwrap_or(i32::MAX),
            None => i32::try_from(count.unwrap_or(0)).unwrap_or(i32::MAX),
        };

        // The type and its ThreatPurpose.
        let parts = FindingType::parse(ftype);
        ev.field("finding_id", id);
        ev.field("finding_type", ftype);
        ev.field("threat_purpose", parts.purpose);
        ev.field("threat_resource", parts.resource);
        ev.field("threat_family", parts.family);
        ev.field("threat_artifact", parts.artifact);
        match attack::tactic_id(parts.purpose) {
            Some(t) => ev.tactics.push(t.to_string()),
            None => ev.field("unmapped_threat_purpose", parts.purpose),
        }
        ev.field("severity_score", score);
        ev.field("sample", sample);
        for (name, key) in [
            ("account", "accountId"),
            ("region", "region"),
            ("partition", "partition"),
            ("arn", "arn"),
            ("schema_version", "schemaVersion"),
            ("created_at", "createdAt"),
            ("updated_at", "updatedAt"),
        ] {
            ev.field(name, self.str(key));
        }

        if let Some(s) = service {
            self.service(s, count, &mut ev);
        }
        entities::entities(self, &mut ev);

        ev.add_search(ftype);
        ev.add_search(id);
        Ok(ev)
    }

    /// What `service` says beyond the action and the runtime details.
    fn service(&self, s: &Map<String, Value>, count: Option<u64>, ev: &mut NewEvent) {
        ev.field("count", count);
        for (name, key) in [
            ("feature", "featureName"),
            ("detector_id", "detectorId"),
            ("first_seen", "eventFirstSeen"),
            ("last_seen", "eventLastSeen"),
            ("resource_role", "resourceRole"),
        ] {
            ev.field(name, str_of(get_ci(s, key)));
        }
        if let Some(Value::Bool(b)) = get_ci(s, "archived") {
            ev.field("archived", *b);
        }
        if let Some(info) = object(s, "additionalInfo") {
            // `value` repeats the object as a JSON string.
            let rest: Map<String, Value> =
                info.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("value")).map(|(k, v)| (k.clone(), v.clone())).collect();
            if !rest.is_empty() {
                ev.field("additional_info", Value::Object(rest));
            }
        }
    }
}

/// Whether `additionalInfo` marks a generated sample finding (`sample:
/// true`, as a boolean, a string, or inside the `value` string).
fn is_sample(info: &Map<String, Value>) -> bool {
    let yes = |v: Option<&Value>| match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    };
    if yes(get_ci(info, "sample")) {
        return true;
    }
    str_of(get_ci(info, "value"))
        .and_then(|v| serde_json::from_str::<Value>(v).ok())
        .and_then(|v| v.as_object().map(|o| yes(get_ci(o, "sample"))))
        .unwrap_or(false)
}
