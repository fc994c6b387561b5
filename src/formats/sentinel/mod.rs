//! Microsoft Sentinel incidents: the SOC's own incidents about the same
//! cluster, one record per incident, each an [`EventKind::ExternalIncident`].
//!
//! Why this parser looks the way it does:
//!
//! * A Sentinel incident is not evidence of what happened: it is what the
//!   SOC made of the alerts it saw (status, classification, owner). Kordon
//!   shows it next to its own incident and its own triage, and never lets it
//!   change either: it is stored as another tool's incident, which
//!   correlation does not read (it reads alerts), and which is matched to
//!   Kordon's incidents only when an incident is shown
//!   ([`crate::incident::soc`]), so re-correlation always re-matches.
//! * It reaches an investigator as a page of the incidents REST list
//!   (`{"value": [...], "nextLink"}`, the framing splits it), a single GET
//!   (the ARM resource with `properties`), or `az sentinel incident list` /
//!   `show`, which print the same resource with `properties` merged into the
//!   item. Facts are read from `properties` when there is one, else from the
//!   item itself, case-insensitively.
//! * An incident changes in place (Active → Closed, classified, reassigned)
//!   and every export is a snapshot. The dedup key is the incident's `name`
//!   (a GUID, stable across exports) and the rank is `lastModifiedTimeUtc`,
//!   so the newest snapshot gives the fields and every snapshot is kept.
//! * The event's time is `createdTimeUtc` (else `firstActivityTimeUtc`): when
//!   the SOC's incident began to exist, not when it was last touched.
//! * Sentinel's status, classification and reason are kept as Sentinel
//!   spells them; their reading in Kordon's vocabulary is data
//!   (`data/triage.yaml`, `external.sentinel`).
//! * `owner` names a person of the SOC (name, e-mail, UPN): that is the point
//!   of the view, and kept. The `etag` is a quoted string (`"\"2a01…\""`) and
//!   is kept as given. `incidentUrl` is kept as text: Kordon never loads it.
//!   A list page's `nextLink` carries a paging token and is not stored.

use crate::attack;
use crate::formats::{get_ci, str_of, strict, type_name, Context, RecordError};
use crate::model::{EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

#[cfg(test)]
mod tests;

/// The ARM resource type of an incident (the API writes `Incidents`, docs
/// `incidents`).
pub const RESOURCE_TYPE: &str = "Microsoft.SecurityInsights/incidents";

/// The dedup key's prefix.
pub const DEDUP_PREFIX: &str = "sentinel|";

/// Seconds from the Unix epoch to 2020-01-01, the origin of the rank (an
/// `i32` of seconds from there lasts until 2088).
const RANK_ORIGIN_S: i64 = 1_577_836_800;

/// A Sentinel incident: its resource type, or the incident facts no other
/// record has (`incidentNumber` with `title` and `status`) in `properties`
/// or, as the CLI prints them, in the item itself.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    if str_of(get_ci(obj, "type")).is_some_and(|t| t.trim().eq_ignore_ascii_case(RESOURCE_TYPE)) {
        return true;
    }
    let incident_like = |o: &Map<String, Value>| {
        get_ci(o, "incidentNumber").is_some() && get_ci(o, "title").is_some() && get_ci(o, "status").is_some()
    };
    match get_ci(obj, "properties") {
        Some(Value::Object(props)) => incident_like(props),
        _ => incident_like(obj),
    }
}

/// Parses one incident in any of its export shapes.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(top) = &value else {
        return Err(RecordError::new(format!("a Sentinel incident must be a JSON object, not {}", type_name(&value))));
    };
    let (bag, shape) = match get_ci(top, "properties") {
        Some(Value::Object(props)) => (props, "sentinel-rest"),
        None | Some(Value::Null) => (top, "sentinel-az-cli"),
        Some(other) => {
            return Err(RecordError::new(format!("the incident's `properties` is {}, not an object", type_name(other))))
        }
    };
    let mut ev = Incident { top, bag }.to_event()?;
    ev.shape = Some(shape);
    if let Some(c) = ctx.hint.container.as_deref().filter(|c| c.key == "value") {
        ev.field("page", c.page);
    }
    Ok(ev)
}

/// Kordon's severity of a Sentinel severity (High, Medium, Low,
/// Informational); `None` for a value Sentinel does not write.
pub fn severity(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "informational" => Some(Severity::Info),
        _ => None,
    }
}

/// One incident: the resource and the bag holding its facts.
struct Incident<'a> {
    top: &'a Map<String, Value>,
    bag: &'a Map<String, Value>,
}

/// A string member of `obj`: absent when missing, null or empty; an error
/// when it is something other than a string.
fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<Option<&'a str>, RecordError> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(_)) => Ok(str_of(get_ci(obj, key)).map(str::trim).filter(|s| !s.is_empty())),
        Some(v) => Err(RecordError::new(format!("the incident's `{}{}` is {}, not a string", what, key, type_name(v)))),
    }
}

/// A timestamp member: absent, or an RFC 3339 time (anything else refuses
/// the record: a time that cannot be read would silently misplace it).
fn opt_time(obj: &Map<String, Value>, key: &str) -> Result<Option<i64>, RecordError> {
    match opt_str(obj, key, "properties.")? {
        None => Ok(None),
        Some(s) => time::parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| RecordError::new(format!("the incident's `properties.{}` is no time: {:?}", key, s))),
    }
}

/// The strings of an array member (anything else in it is left out).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| str_of(Some(i))).map(|s| s.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

impl Incident<'_> {
    fn prop(&self, key: &str) -> Result<Option<&str>, RecordError> {
        opt_str(self.bag, key, "properties.")
    }

    fn to_event(&self) -> Result<NewEvent, RecordError> {
        let arm_id = opt_str(self.top, "id", "")?;
        let name = opt_str(self.top, "name", "")?
            .or_else(|| arm_id.and_then(|id| id.rsplit('/').next()).filter(|n| !n.is_empty()))
            .ok_or_else(|| RecordError::new("the incident has no `name` or `id`"))?;
        let title = self.prop("title")?.ok_or_else(|| RecordError::new("the incident has no `properties.title`"))?;
        let number = match get_ci(self.bag, "incidentNumber") {
            None | Some(Value::Null) => None,
            Some(v) => Some(crate::formats::u64_of(Some(v)).ok_or_else(|| {
                RecordError::new(format!("the incident's `properties.incidentNumber` is {}, not a number", type_name(v)))
            })?),
        };
        let sentinel_severity = self.prop("severity")?;
        let status = self.prop("status")?;

        let mut ev = NewEvent::new(Source::Sentinel, EventKind::ExternalIncident, title);
        ev.severity = sentinel_severity.and_then(severity).unwrap_or(Severity::Info);
        ev.message = self.prop("description")?.unwrap_or_default().to_string();
        ev.dedup_key = Some(format!("{}{}", DEDUP_PREFIX, name.to_ascii_lowercase()));

        let created = opt_time(self.bag, "createdTimeUtc")?;
        let first = opt_time(self.bag, "firstActivityTimeUtc")?;
        let last = opt_time(self.bag, "lastActivityTimeUtc")?;
        let modified = opt_time(self.bag, "lastModifiedTimeUtc")?;
        ev.time_ns = created.or(first);
        ev.rank = match modified.or(created) {
            Some(ns) => i32::try_from((ns / 1_000_000_000 - RANK_ORIGIN_S).max(0)).unwrap_or(i32::MAX),
            None => 0,
        };

        ev.field("incident_name", name);
        ev.field("incident_number", number);
        ev.field("arm_id", arm_id);
        ev.field("etag", opt_str(self.top, "etag", "")?);
        ev.field("workspace", arm_id.and_then(workspace));
        ev.field("severity", sentinel_severity);
        ev.field("status", status);
        for (field, key) in [
            ("classification", "classification"),
            ("classification_reason", "classificationReason"),
            ("classification_comment", "classificationComment"),
            ("provider_name", "providerName"),
            ("provider_incident_id", "providerIncidentId"),
            ("incident_url", "incidentUrl"),
        ] {
            ev.field(field, self.prop(key)?);
        }
        for (field, ns) in [("created", created), ("first_activity", first), ("last_activity", last), ("last_modified", modified)] {
            ev.field(field, ns.map(time::format_ns));
        }
        if let Some(owner) = self.owner()? {
            ev.field("owner", Value::Object(owner));
        }
        let labels = self.labels();
        if !labels.is_empty() {
            ev.field("labels", Value::Array(labels));
        }
        let rules = strings(get_ci(self.bag, "relatedAnalyticRuleIds"));
        if !rules.is_empty() {
            ev.field("related_analytic_rule_ids", rules);
        }
        self.additional_data(&mut ev);

        ev.add_search(name);
        if let Some(n) = number {
            ev.add_search(&n.to_string());
        }
        if let Some(c) = ev.fields.get("classification_comment").and_then(Value::as_str).map(str::to_string) {
            ev.add_search(&c);
        }
        Ok(ev)
    }

    /// The owner, as far as it names anyone (an unassigned incident's owner
    /// is an object of nulls).
    fn owner(&self) -> Result<Option<Map<String, Value>>, RecordError> {
        let o = match get_ci(self.bag, "owner") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(o)) => o,
            Some(v) => return Err(RecordError::new(format!("the incident's `properties.owner` is {}, not an object", type_name(v)))),
        };
        let mut out = Map::new();
        for (field, key) in [
            ("assigned_to", "assignedTo"),
            ("email", "email"),
            ("user_principal_name", "userPrincipalName"),
            ("object_id", "objectId"),
            ("owner_type", "ownerType"),
        ] {
            if let Some(v) = opt_str(o, key, "properties.owner.")? {
                out.insert(field.to_string(), Value::from(v));
            }
        }
        // An owner type alone ("Unknown") assigns the incident to no one.
        let names_someone = out.keys().any(|k| k != "owner_type");
        Ok(names_someone.then_some(out))
    }

    /// Labels as `{name, type}` (`labelType` is `User` or `AutoAssigned`).
    fn labels(&self) -> Vec<Value> {
        let Some(Value::Array(items)) = get_ci(self.bag, "labels") else { return Vec::new() };
        items
            .iter()
            .filter_map(|l| match l {
                Value::Object(o) => {
                    let name = str_of(get_ci(o, "labelName"))?;
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(name.trim()));
                    if let Some(t) = str_of(get_ci(o, "labelType")) {
                        m.insert("type".into(), Value::from(t));
                    }
                    Some(Value::Object(m))
                }
                // Older exports list label names as plain strings.
                Value::String(s) if !s.trim().is_empty() => {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(s.trim()));
                    Some(Value::Object(m))
                }
                _ => None,
            })
            .collect()
    }

    /// `additionalData`: counts, the alerts' products, tactics and
    /// techniques. Tactics are ATT&CK tactic names (`Impact`,
    /// `CredentialAccess`); those Kordon knows also become the event's ids.
    fn additional_data(&self, ev: &mut NewEvent) {
        let Some(Value::Object(data)) = get_ci(self.bag, "additionalData") else { return };
        for (field, key) in [("alerts_count", "alertsCount"), ("bookmarks_count", "bookmarksCount"), ("comments_count", "commentsCount")] {
            ev.field(field, crate::formats::u64_of(get_ci(data, key)));
        }
        for (field, key) in [("alert_products", "alertProductNames"), ("tactics", "tactics"), ("techniques", "techniques")] {
            let list = strings(get_ci(data, key));
            if !list.is_empty() {
                ev.field(field, list);
            }
        }
        ev.field("provider_incident_url", str_of(get_ci(data, "providerIncidentUrl")));
        for t in strings(get_ci(data, "tactics")) {
            if let Some(id) = attack::tactic_id(&t) {
                if !ev.tactics.iter().any(|x| x == id) {
                    ev.tactics.push(id.to_string());
                }
            }
        }
        for t in strings(get_ci(data, "techniques")) {
            if attack::is_technique_id(&t) && !ev.techniques.contains(&t) {
                ev.techniques.push(t);
            }
        }
    }
}

/// The Log Analytics workspace an incident's ARM id names.
fn workspace(arm_id: &str) -> Option<&str> {
    let mut parts = arm_id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("workspaces") {
            return parts.next().filter(|w| !w.is_empty());
        }
    }
    None
}
