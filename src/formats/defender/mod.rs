//! Microsoft Defender for Cloud alerts (Defender for Containers), one record
//! per alert.
//!
//! Why this parser looks the way it does:
//!
//! * The same alert reaches an investigator through several exports: the REST
//!   API, continuous export to Event Hubs and `az security alert list` (an
//!   ARM resource with camelCase `properties`), Azure Resource Graph rows (the
//!   same resource with extra top-level keys and, in Microsoft's own queries,
//!   PascalCase keys), Log Analytics / Sentinel `SecurityAlert` rows (flat
//!   PascalCase columns, with `Entities` and `ExtendedProperties` holding JSON
//!   *inside strings*) and the Activity Log's reduced bag (`intent`,
//!   `remediationSteps` JSON-encoded). Every shape is read through one
//!   case-insensitive accessor that knows each fact's names in all shapes, so
//!   one alert always gives the same normalized event. The dedup key
//!   `defender|<systemAlertId>` then makes the exports of one alert a single
//!   event, and the rank prefers the richest export (REST > Resource Graph >
//!   Log Analytics > Activity Log).
//! * Entity arrays are JSON.NET object graphs: an entity is defined once with a
//!   `$id` (possibly nested inside another entity, e.g. a process's `Host`)
//!   and referenced elsewhere as `{"$ref": "<id>"}`. References are followed
//!   lazily while reading property paths, never expanded, so a cycle or a
//!   dangling reference cannot hang the parser or blow it up; dangling ids are
//!   reported in `fields.unresolved_entity_refs`.
//! * The Kubernetes entity `type` strings are not publicly documented, so the
//!   mapping from Defender types to Kordon entities is data
//!   (`data/defender-entities.json`), matched case-insensitively; a type the
//!   table does not know is listed in `fields.unmapped_entity_types` rather
//!   than dropped. Entity keys are built with [`crate::entity`] so that the
//!   pod, container, image and process Defender names meet the ones Falco,
//!   Tetragon, the audit log and `kubectl` name.
//! * Defender intents mix ATT&CK tactics with its own kill-chain words
//!   (`PreAttack`, `Probing`, `Exploitation`). Only real ATT&CK tactics become
//!   `tactics`; the others are kept in `fields.unmapped_intents`, with the
//!   documented Reconnaissance/Discovery reading in `fields.inferred_tactics`.

use crate::attack;
use crate::entity;
use crate::formats::{get_ci, str_of, strict, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Defender XDR's alert evidence carries the same JSON.NET entity graphs.
pub(crate) mod entities;
mod mapping;
#[cfg(test)]
mod tests;

use entities::*;
use mapping::*;

/// The ARM resource type of an alert (Resource Graph writes it lower-case).
pub const ALERT_RESOURCE_TYPE: &str = "Microsoft.Security/Locations/alerts";

/// Ranks among the exports of one alert: the richest export wins.
pub const RANK_REST: i32 = 3;
pub const RANK_RESOURCE_GRAPH: i32 = 2;
pub const RANK_LOG_ANALYTICS: i32 = 1;
pub const RANK_ACTIVITY_LOG: i32 = 0;

/// How many `$ref` hops a lookup follows before giving up (a reference to a
/// reference is not something JSON.NET writes; this only guards odd input).
const MAX_REF_HOPS: usize = 8;
/// Nesting depth bound for walking an entity graph.
const MAX_WALK_DEPTH: usize = 64;

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// A Defender alert: the ARM alert resource (any key case), an object whose
/// `properties` carry an `alertType`, a `SecurityAlert` row (`AlertType` and
/// `SystemAlertId`), or an Activity Log entry of an alert activation.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    if str_of(get_ci(obj, "type"))
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(ALERT_RESOURCE_TYPE))
    {
        return true;
    }
    if let Some(Value::Object(props)) = get_ci(obj, "properties") {
        if get_ci(props, "alertType").is_some() {
            return true;
        }
    }
    if get_ci(obj, "AlertType").is_some() && get_ci(obj, "SystemAlertId").is_some() {
        return true;
    }
    is_alert_activity(obj)
}

/// An Activity Log entry for `Microsoft.Security/locations/alerts/…`
/// (`operationName` is a string in exported logs, `{value, localizedValue}`
/// in the REST API).
fn is_alert_activity(obj: &Map<String, Value>) -> bool {
    let op = match get_ci(obj, "operationName") {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Object(o)) => str_of(get_ci(o, "value")).unwrap_or(""),
        _ => "",
    };
    let prefix = "Microsoft.Security/locations/alerts/";
    op.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Parses one alert in any of the export shapes.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(top) = &value else {
        return Err(RecordError::new("a Defender alert must be a JSON object"));
    };
    Alert::new(top)?.to_event()
}

/// Which export an alert record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Rest,
    ResourceGraph,
    LogAnalytics,
    ActivityLog,
}

impl Shape {
    fn rank(self) -> i32 {
        match self {
            Shape::Rest => RANK_REST,
            Shape::ResourceGraph => RANK_RESOURCE_GRAPH,
            Shape::LogAnalytics => RANK_LOG_ANALYTICS,
            Shape::ActivityLog => RANK_ACTIVITY_LOG,
        }
    }
}

// Each fact's names across the shapes (REST camelCase first, then the
// `SecurityAlert` column). Lookups are case-insensitive, so `alertType` also
// finds Resource Graph's `AlertType` and the column `AlertType`.
const ALERT_TYPE: &[&str] = &["alertType"];
const TITLE: &[&str] = &["alertDisplayName", "AlertName", "DisplayName"];
const DESCRIPTION: &[&str] = &["description"];
const SEVERITY: &[&str] = &["severity", "AlertSeverity"];
const START_TIME: &[&str] = &["startTimeUtc", "StartTime"];
const END_TIME: &[&str] = &["endTimeUtc", "EndTime"];
const TIME_GENERATED: &[&str] = &["timeGeneratedUtc", "TimeGenerated"];
const PROCESSING_END: &[&str] = &["processingEndTimeUtc", "ProcessingEndTime"];
const SYSTEM_ALERT_ID: &[&str] = &["systemAlertId"];
const STATUS: &[&str] = &["status"];
const PRODUCT: &[&str] = &["productName"];
const COMPONENT: &[&str] = &["productComponentName"];
const VENDOR: &[&str] = &["vendorName"];
const COMPROMISED: &[&str] = &["compromisedEntity"];
const ALERT_URI: &[&str] = &["alertUri", "AlertLink"];
const REMEDIATION: &[&str] = &["remediationSteps"];
const INTENTS: &[&str] = &["intent", "Tactics"];
const TECHNIQUES: &[&str] = &["techniques"];
const SUB_TECHNIQUES: &[&str] = &["subTechniques"];
const ENTITIES: &[&str] = &["entities"];
const EXTENDED_PROPERTIES: &[&str] = &["extendedProperties"];
const RESOURCES: &[&str] = &["resourceIdentifiers", "ResourceId"];
const IS_INCIDENT: &[&str] = &["isIncident"];

/// One alert record: the top-level object and the bag holding the alert's
/// facts (`properties` for ARM shapes, the row itself for `SecurityAlert`).
struct Alert<'a> {
    top: &'a Map<String, Value>,
    bag: &'a Map<String, Value>,
    shape: Shape,
}

impl<'a> Alert<'a> {
    fn new(top: &'a Map<String, Value>) -> Result<Alert<'a>, RecordError> {
        match get_ci(top, "properties") {
            Some(Value::Object(props)) => {
                let shape = if has_any(top, &["operationName", "eventTimestamp", "eventDataId"]) {
                    Shape::ActivityLog
                } else if has_any(top, &["tenantId", "subscriptionId", "resourceGroup"]) {
                    Shape::ResourceGraph
                } else {
                    Shape::Rest
                };
                Ok(Alert {
                    top,
                    bag: props,
                    shape,
                })
            }
            Some(other) if !other.is_null() && get_ci(top, "AlertType").is_none() => Err(
                RecordError::new("column properties: expected a JSON object"),
            ),
            _ => {
                // A flat record: a `SecurityAlert` row, or an Activity Log bag
                // on its own (REST names such as `intent` at the top level).
                let shape = if has_any(top, &["intent", "alertDisplayName"]) {
                    Shape::ActivityLog
                } else {
                    Shape::LogAnalytics
                };
                Ok(Alert {
                    top,
                    bag: top,
                    shape,
                })
            }
        }
    }

    /// The first present, non-empty value among `names`, with the key as the
    /// record spells it (for error messages naming the column).
    fn find(&self, names: &[&str]) -> Option<(&'a str, &'a Value)> {
        names.iter().find_map(|name| lookup_ci(self.bag, name))
    }

    fn text(&self, names: &[&str]) -> Option<&'a str> {
        self.find(names)
            .and_then(|(_, v)| str_of(Some(v)))
            .map(str::trim)
    }

    /// A time column; a present value that is not a time is an error rather
    /// than a silently missing time.
    fn time(&self, names: &[&str]) -> Result<Option<i64>, RecordError> {
        match self.find(names) {
            Some((key, Value::String(s))) => match time::parse_rfc3339(s) {
                Some(ns) => Ok(Some(ns)),
                None => Err(RecordError::new(format!(
                    "column {}: {:?} is not an RFC 3339 time",
                    key, s
                ))),
            },
            Some((key, other)) => Err(RecordError::new(format!(
                "column {}: expected a time string, got {}",
                key, other
            ))),
            None => Ok(None),
        }
    }

    /// The alert's unique id: `systemAlertId`, else the ARM resource name,
    /// else the last segment of an `…/alerts/<name>` resource id.
    fn system_alert_id(&self) -> Option<&'a str> {
        if let Some(id) = self.text(SYSTEM_ALERT_ID) {
            return Some(id);
        }
        // Only an ARM envelope's `name` is the alert's; a flat row's is not.
        if !std::ptr::eq(self.top, self.bag) {
            if let Some(name) = str_of(get_ci(self.top, "name")) {
                return Some(name.trim());
            }
        }
        ["id", "resourceId"].iter().find_map(|k| {
            let id = str_of(get_ci(self.top, k))?;
            let lower = id.to_ascii_lowercase();
            let at = lower.rfind("/alerts/")?;
            Some(id[at + "/alerts/".len()..].trim_end_matches('/'))
                .filter(|s| !s.is_empty() && !s.contains('/'))
        })
    }

    fn to_event(&self) -> Result<NewEvent, RecordError> {
        let alert_type = self.text(ALERT_TYPE);
        let title = self.text(TITLE).or(alert_type).ok_or_else(|| {
            RecordError::new("Defender alert has neither alertType nor a display name (alertDisplayName/AlertName)")
        })?;
        let mut ev = NewEvent::new(Source::Defender, EventKind::Alert, title);
        ev.rank = self.shape.rank();
        ev.rule = alert_type.map(str::to_string);
        ev.message = self.text(DESCRIPTION).unwrap_or_default().to_string();

        // Severity: Defender's four levels. An unknown or missing one counts
        // as medium, and unknown text is kept in `vendor_severity`.
        let vendor_severity = self.text(SEVERITY);
        ev.severity = match vendor_severity.and_then(severity_of) {
            Some(s) => s,
            None => {
                ev.field("vendor_severity", vendor_severity.map(str::to_string));
                Severity::Medium
            }
        };

        // Time: when the activity started; the generation time otherwise.
        let start = self.time(START_TIME)?;
        let generated = self.time(TIME_GENERATED)?;
        let envelope = ["eventTimestamp", "time"]
            .iter()
            .find_map(|k| str_of(get_ci(self.top, k)))
            .and_then(time::parse_rfc3339);
        ev.time_ns = start.or(generated).or(envelope);

        let system_id = self.system_alert_id();
        ev.dedup_key = system_id.map(|id| format!("defender|{}", id.to_ascii_lowercase()));

        ev.field("alert_type", alert_type);
        ev.field("system_alert_id", system_id);
        ev.field("status", self.text(STATUS).map(normalize_status));
        ev.field("product_name", self.text(PRODUCT).map(normalize_product));
        let component = self.text(COMPONENT);
        ev.field("product_component", component);
        ev.field("vendor_name", self.text(VENDOR));
        let compromised = self.text(COMPROMISED);
        ev.field("compromised_entity", compromised);
        ev.field("end_time", self.time(END_TIME)?.map(time::format_ns));
        ev.field("time_generated", generated.map(time::format_ns));
        ev.field(
            "processing_end_time",
            self.time(PROCESSING_END)?.map(time::format_ns),
        );
        ev.field("alert_uri", self.text(ALERT_URI));
        if let Some((key, v)) = self.find(IS_INCIDENT) {
            ev.field(
                "is_incident",
                bool_of(v).ok_or_else(|| {
                    RecordError::new(format!("column {}: expected true or false, got {}", key, v))
                })?,
            );
        }

        let remediation = self.list(REMEDIATION, false)?;
        if !remediation.is_empty() {
            ev.field("remediation", remediation);
        }

        self.tactics(&mut ev)?;
        self.techniques(&mut ev)?;

        // Extended properties: an object, or a string holding one.
        if let Some((key, v)) = self.find(EXTENDED_PROPERTIES) {
            match embedded_json(v, key)?.as_ref() {
                Value::Object(props) => {
                    for v in props.values() {
                        if let Some(s) = str_of(Some(v)) {
                            ev.add_search(s);
                        }
                    }
                    ev.field("extended_properties", Value::Object(props.clone()));
                }
                Value::Null => {}
                _ => {
                    return Err(RecordError::new(format!(
                        "column {}: expected a JSON object",
                        key
                    )))
                }
            }
        }

        // The attacked Azure resources; an AKS id names the cluster.
        let resource_ids = self.resource_ids()?;
        let mut aks = false;
        for id in &resource_ids {
            if let Some(name) = aks_cluster_name(id) {
                aks = true;
                ev.entity(
                    EntityRef::new(EntityKind::Cluster, name, "cluster")
                        .attr("resource_id", id.as_str()),
                );
            }
        }
        if !resource_ids.is_empty() {
            ev.field("resource_ids", resource_ids);
        }
        // For Kubernetes alerts the compromised entity is the cluster.
        if let Some(c) = compromised {
            if aks || component.is_some_and(|c| c.eq_ignore_ascii_case("Containers")) {
                ev.entity(EntityRef::new(EntityKind::Cluster, c, "compromised"));
            }
        }

        if let Some((key, v)) = self.find(ENTITIES) {
            let root = embedded_json(v, key)?;
            let root = match root.as_ref() {
                Value::Array(_) => root,
                Value::Object(_) => Cow::Owned(Value::Array(vec![root.into_owned()])),
                Value::Null => Cow::Owned(Value::Array(Vec::new())),
                _ => {
                    return Err(RecordError::new(format!(
                        "column {}: expected a JSON array of entities",
                        key
                    )))
                }
            };
            add_entities(&mut ev, &root);
        }

        if let Some(t) = alert_type {
            ev.add_search(t);
        }
        if let Some(c) = compromised {
            ev.add_search(c);
        }
        Ok(ev)
    }

    /// A list-valued column: a JSON array, a JSON-encoded array or string, or
    /// (when `split_commas`) a comma-separated string such as `Execution, Impact`.
    fn list(&self, names: &[&str], split_commas: bool) -> Result<Vec<String>, RecordError> {
        match self.find(names) {
            Some((key, v)) => string_list(v, key, split_commas, 0),
            None => Ok(Vec::new()),
        }
    }

    /// Intents → ATT&CK tactics; the intents that are no ATT&CK tactic are
    /// kept, with the documented reading of the non-ATT&CK intents.
    fn tactics(&self, ev: &mut NewEvent) -> Result<(), RecordError> {
        let intents = self.list(INTENTS, true)?;
        let mut unmapped = Vec::new();
        let mut inferred = Vec::new();
        for intent in &intents {
            match attack::tactic_id(intent) {
                Some(id) => ev.tactics.push(id.to_string()),
                None => {
                    unmapped.push(intent.clone());
                    if let Some(id) = table().inferred_tactic(intent) {
                        inferred.push(id.to_string());
                    }
                }
            }
        }
        sort_tactics(&mut ev.tactics);
        sort_tactics(&mut inferred);
        if !intents.is_empty() {
            ev.field("intents", intents);
        }
        if !unmapped.is_empty() {
            ev.field("unmapped_intents", unmapped);
        }
        if !inferred.is_empty() {
            ev.field("inferred_tactics", inferred);
        }
        Ok(())
    }

    fn techniques(&self, ev: &mut NewEvent) -> Result<(), RecordError> {
        let mut unmapped = Vec::new();
        for names in [TECHNIQUES, SUB_TECHNIQUES] {
            for t in self.list(names, true)? {
                let upper = t.to_ascii_uppercase();
                if attack::is_technique_id(&upper) {
                    ev.techniques.push(upper);
                } else {
                    unmapped.push(t);
                }
            }
        }
        ev.techniques.sort();
        ev.techniques.dedup();
        if !unmapped.is_empty() {
            ev.field("unmapped_techniques", unmapped);
        }
        Ok(())
    }

    /// Azure resource ids: REST `resourceIdentifiers[].azureResourceId`
    /// (Log Analytics workspace identifiers carry none), or the
    /// `SecurityAlert.ResourceId` column.
    fn resource_ids(&self) -> Result<Vec<String>, RecordError> {
        let Some((key, v)) = self.find(RESOURCES) else {
            return Ok(Vec::new());
        };
        let decoded = match v {
            Value::String(s) if s.trim_start().starts_with('[') => embedded_json(v, key)?,
            _ => Cow::Borrowed(v),
        };
        let mut ids = Vec::new();
        let mut push = |item: &Value| {
            let id = match item {
                Value::Object(o) => str_of(get_ci(o, "azureResourceId")),
                other => str_of(Some(other)),
            };
            if let Some(id) = id.map(str::trim) {
                if !ids.iter().any(|x: &String| x.eq_ignore_ascii_case(id)) {
                    ids.push(id.to_string());
                }
            }
        };
        match decoded.as_ref() {
            Value::Array(items) => items.iter().for_each(&mut push),
            other => push(other),
        }
        Ok(ids)
    }
}

fn has_any(obj: &Map<String, Value>, keys: &[&str]) -> bool {
    keys.iter().any(|k| get_ci(obj, k).is_some())
}

/// Case-insensitive lookup returning the key as spelled, skipping `null` and
/// empty/placeholder strings (a `SecurityAlert` row has every column, most of
/// them empty).
fn lookup_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
    let present = |v: &Value| match v {
        Value::Null => false,
        Value::String(s) => !entity::is_absent(s),
        _ => true,
    };
    if let Some((k, v)) = obj.get_key_value(name).filter(|(_, v)| present(v)) {
        return Some((k.as_str(), v));
    }
    obj.iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(name) && present(v))
        .map(|(k, v)| (k.as_str(), v))
}

/// A value that may hold JSON inside a string (the `SecurityAlert` columns
/// `Entities`, `ExtendedProperties`, `RemediationSteps` …). A malformed string
/// is an error naming the column.
fn embedded_json<'a>(v: &'a Value, column: &str) -> Result<Cow<'a, Value>, RecordError> {
    match v {
        Value::String(s) if entity::is_absent(s) => Ok(Cow::Owned(Value::Null)),
        Value::String(s) => strict::value_str(s).map(Cow::Owned).map_err(|e| {
            RecordError::new(format!(
                "column {}: invalid JSON inside the string: {}",
                column, e
            ))
        }),
        other => Ok(Cow::Borrowed(other)),
    }
}

/// See [`Alert::list`]. `depth` bounds JSON-in-a-string-in-a-string decoding.
fn string_list(
    v: &Value,
    column: &str,
    split_commas: bool,
    depth: usize,
) -> Result<Vec<String>, RecordError> {
    let mut out = Vec::new();
    let push = |s: &str, out: &mut Vec<String>| {
        if split_commas {
            out.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !entity::is_absent(p))
                    .map(str::to_string),
            );
        } else if !entity::is_absent(s) {
            out.push(s.trim().to_string());
        }
    };
    match v {
        Value::Null => {}
        Value::String(s) => {
            let t = s.trim();
            if (t.starts_with('[') || t.starts_with('"')) && depth < 4 {
                let decoded = strict::value_str(t).map_err(|e| {
                    RecordError::new(format!(
                        "column {}: invalid JSON inside the string: {}",
                        column, e
                    ))
                })?;
                return string_list(&decoded, column, split_commas, depth + 1);
            }
            push(t, &mut out);
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(s) => push(s, &mut out),
                    Value::Number(n) => out.push(n.to_string()),
                    Value::Bool(b) => out.push(b.to_string()),
                    _ => {}
                }
            }
        }
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(b) => out.push(b.to_string()),
        Value::Object(_) => {
            return Err(RecordError::new(format!(
                "column {}: expected a list, got an object",
                column
            )))
        }
    }
    Ok(out)
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Defender's severity words (also Defender XDR's), as Kordon's severity.
pub(crate) fn severity_of(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "informational" | "info" => Some(Severity::Info),
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

/// REST says `Active|InProgress|Resolved|Dismissed`, `SecurityAlert` says
/// `New` for an active alert: one lower-kebab vocabulary for both.
fn normalize_status(s: &str) -> String {
    let folded: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match folded.as_str() {
        "active" | "new" => "active".to_string(),
        "inprogress" => "in-progress".to_string(),
        "resolved" => "resolved".to_string(),
        "dismissed" => "dismissed".to_string(),
        _ => s.trim().to_string(),
    }
}

/// Log Analytics still writes the product's former name.
fn normalize_product(s: &str) -> String {
    if s.eq_ignore_ascii_case("Azure Security Center") || s.eq_ignore_ascii_case("Azure Defender") {
        "Microsoft Defender for Cloud".to_string()
    } else {
        s.to_string()
    }
}

fn sort_tactics(tactics: &mut Vec<String>) {
    tactics.sort_by_key(|t| attack::kill_chain_position(t));
    tactics.dedup();
}

/// The cluster name of an AKS resource id
/// (`…/providers/Microsoft.ContainerService/managedClusters/<name>[/…]`).
pub fn aks_cluster_name(resource_id: &str) -> Option<&str> {
    let segs: Vec<&str> = resource_id.trim().split('/').collect();
    let pos = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("managedClusters"))?;
    if pos == 0 || !segs[pos - 1].eq_ignore_ascii_case("Microsoft.ContainerService") {
        return None;
    }
    segs.get(pos + 1).copied().filter(|s| !entity::is_absent(s))
}
