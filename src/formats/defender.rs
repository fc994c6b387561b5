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
use crate::formats::{get_ci, str_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

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
    let value: Value = serde_json::from_slice(raw)?;
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
        Value::String(s) => serde_json::from_str(s).map(Cow::Owned).map_err(|e| {
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
                let decoded: Value = serde_json::from_str(t).map_err(|e| {
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

fn severity_of(s: &str) -> Option<Severity> {
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

// ---------------------------------------------------------------------------
// The entity table (data/defender-entities.json)
// ---------------------------------------------------------------------------

/// One row of the table: Defender types → a Kordon entity.
#[derive(Debug, Deserialize)]
struct Mapping {
    types: Vec<String>,
    kind: String,
    role: String,
    /// The key builder (see [`build_entity`]).
    key: String,
    /// Builder input → property paths, first non-empty wins.
    parts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    attrs: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct RawTable {
    #[serde(default)]
    nested_roles: BTreeMap<String, Value>,
    #[serde(default)]
    non_attack_intents: BTreeMap<String, Value>,
    mappings: Vec<Mapping>,
}

#[derive(Debug, Default)]
struct EntityTable {
    /// Property name (case-insensitive) → role of the entity found under it.
    nested_roles: Vec<(String, String)>,
    /// Non-ATT&CK intent → the tactic it is read as, if any.
    non_attack_intents: Vec<(String, Option<String>)>,
    mappings: Vec<Mapping>,
}

impl EntityTable {
    fn from_json(text: &str) -> Result<EntityTable, String> {
        let raw: RawTable = serde_json::from_str(text).map_err(|e| e.to_string())?;
        // Keys starting with `_` are comments.
        let nested_roles = raw
            .nested_roles
            .into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| match v {
                Value::String(role) => Ok((k, role)),
                other => Err(format!(
                    "nested_roles.{}: expected a role string, got {}",
                    k, other
                )),
            })
            .collect::<Result<_, _>>()?;
        let non_attack_intents = raw
            .non_attack_intents
            .into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| match v {
                Value::String(id) => Ok((k, Some(id))),
                Value::Null => Ok((k, None)),
                other => Err(format!(
                    "non_attack_intents.{}: expected a tactic id or null, got {}",
                    k, other
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(EntityTable {
            nested_roles,
            non_attack_intents,
            mappings: raw.mappings,
        })
    }

    fn mapping(&self, entity_type: &str) -> Option<&Mapping> {
        self.mappings
            .iter()
            .find(|m| m.types.iter().any(|t| t.eq_ignore_ascii_case(entity_type)))
    }

    fn nested_role(&self, property: &str) -> Option<&str> {
        self.nested_roles
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(property))
            .map(|(_, r)| r.as_str())
    }

    fn inferred_tactic(&self, intent: &str) -> Option<&str> {
        self.non_attack_intents
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(intent.trim()))
            .and_then(|(_, id)| id.as_deref())
    }
}

const TABLE_JSON: &str = include_str!("../../data/defender-entities.json");

/// The table, loaded once. A broken data file (pinned by a test) degrades to
/// an empty table — every entity then lands in `unmapped_entity_types` —
/// rather than taking the import down.
fn table() -> &'static EntityTable {
    static TABLE: OnceLock<EntityTable> = OnceLock::new();
    TABLE.get_or_init(|| EntityTable::from_json(TABLE_JSON).unwrap_or_default())
}

// ---------------------------------------------------------------------------
// JSON.NET entity graphs
// ---------------------------------------------------------------------------

/// The `$id` → object index of one entity array; lookups follow `$ref`s.
struct Refs<'a> {
    ids: HashMap<String, &'a Value>,
}

fn id_text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The id a `{"$ref": id}` object points to.
fn ref_target(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => id_text(o.get("$ref")),
        _ => None,
    }
}

impl<'a> Refs<'a> {
    fn new(root: &'a Value) -> Refs<'a> {
        let mut refs = Refs {
            ids: HashMap::new(),
        };
        refs.index(root, 0);
        refs
    }

    fn index(&mut self, v: &'a Value, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        match v {
            Value::Object(o) => {
                if let Some(id) = id_text(o.get("$id")) {
                    // JSON.NET defines each id once; keep the first if not.
                    self.ids.entry(id).or_insert(v);
                }
                o.values().for_each(|c| self.index(c, depth + 1));
            }
            Value::Array(items) => items.iter().for_each(|c| self.index(c, depth + 1)),
            _ => {}
        }
    }

    /// The value itself, or the object a reference points to; `None` for a
    /// dangling reference.
    fn deref(&self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        for _ in 0..MAX_REF_HOPS {
            match ref_target(cur) {
                Some(id) => cur = self.ids.get(&id)?,
                None => return Some(cur),
            }
        }
        None
    }

    /// Follows a dot-separated, case-insensitive property path.
    fn path(&self, v: &'a Value, path: &str) -> Option<&'a Value> {
        let mut cur = self.deref(v)?;
        for seg in path.split('.') {
            let Value::Object(o) = cur else {
                return None;
            };
            cur = self.deref(get_ci(o, seg)?)?;
        }
        Some(cur)
    }

    /// The first non-empty scalar among `paths`, as JSON (strings trimmed).
    fn scalar(&self, v: &'a Value, paths: &[String]) -> Option<Value> {
        paths.iter().find_map(|p| match self.path(v, p)? {
            Value::String(s) if !entity::is_absent(s) => Some(Value::String(s.trim().to_string())),
            n @ (Value::Number(_) | Value::Bool(_)) => Some(n.clone()),
            _ => None,
        })
    }

    fn text(&self, v: &'a Value, paths: &[String]) -> Option<String> {
        self.scalar(v, paths).map(|s| match s {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// The entity type of an object: Graph's `@odata.type` without its namespace
/// (`#microsoft.graph.security.kubernetesPodEvidence`), else `Type`.
fn entity_type_of(o: &Map<String, Value>) -> Option<String> {
    if let Some(t) = str_of(get_ci(o, "@odata.type")) {
        let t = t.trim().trim_start_matches('#');
        return Some(t.rsplit('.').next().unwrap_or(t).to_string());
    }
    str_of(get_ci(o, "type")).map(|t| t.trim().to_string())
}

/// An entity found in the graph, with the roles given by where it was found
/// (empty: its table row's role).
struct Found<'a> {
    value: &'a Value,
    type_name: String,
    roles: Vec<String>,
}

/// Walks an entity array: every object with a type, at the top level or
/// nested in another entity, exactly once (by `$id`, else by address), so
/// cycles end and shared entities are not repeated.
struct Walker<'r, 'a> {
    refs: &'r Refs<'a>,
    table: &'static EntityTable,
    seen: HashMap<Identity, Option<usize>>,
    found: Vec<Found<'a>>,
    dangling: Vec<String>,
}

#[derive(PartialEq, Eq, Hash)]
enum Identity {
    Id(String),
    Address(usize),
}

impl<'r, 'a> Walker<'r, 'a> {
    fn walk(&mut self, v: &'a Value, role: Option<&str>, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        let target = match ref_target(v) {
            Some(id) => match self.refs.ids.get(&id) {
                Some(t) => *t,
                None => {
                    if !self.dangling.contains(&id) {
                        self.dangling.push(id);
                    }
                    return;
                }
            },
            None => v,
        };
        match target {
            Value::Array(items) => items.iter().for_each(|c| self.walk(c, role, depth + 1)),
            Value::Object(o) => {
                let identity = match id_text(o.get("$id")) {
                    Some(id) => Identity::Id(id),
                    None => Identity::Address(o as *const Map<String, Value> as usize),
                };
                if let Some(seen) = self.seen.get(&identity) {
                    // Already found: only record the role this place gives it.
                    if let (Some(i), Some(r)) = (*seen, role) {
                        if !self.found[i].roles.iter().any(|x| x == r) {
                            self.found[i].roles.push(r.to_string());
                        }
                    }
                    return;
                }
                let index = entity_type_of(o).map(|type_name| {
                    self.found.push(Found {
                        value: target,
                        type_name,
                        roles: role.map(str::to_string).into_iter().collect(),
                    });
                    self.found.len() - 1
                });
                self.seen.insert(identity, index);
                for (key, child) in o {
                    if key.starts_with('$') {
                        continue;
                    }
                    let child_role = self.table.nested_role(key);
                    self.walk(child, child_role, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// What one entity of the alert becomes.
enum Built {
    Entity {
        kind: EntityKind,
        key: String,
        attrs: Map<String, Value>,
    },
    /// An account without domain, UPN or directory id: an OS user inside a
    /// container or on a node, which Kordon keeps as a fact, not an identity.
    OsUser(String),
    /// Mapped, but the record lacks what the key needs.
    NoKey,
}

/// Maps the entity array onto the event.
fn add_entities(ev: &mut NewEvent, root: &Value) {
    let table = table();
    let refs = Refs::new(root);
    let mut walker = Walker {
        refs: &refs,
        table,
        seen: HashMap::new(),
        found: Vec::new(),
        dangling: Vec::new(),
    };
    walker.walk(root, None, 0);
    let Walker {
        found, dangling, ..
    } = walker;

    // A process's key is scoped by its container; Defender's process entity
    // does not name one, so the alert's only container is used.
    let mut containers: Vec<String> = Vec::new();
    for f in &found {
        if let Some(m) = table.mapping(&f.type_name).filter(|m| m.key == "container") {
            if let Some(id) = part(&refs, f.value, m, "id").and_then(|id| entity::container_id(&id))
            {
                if !containers.contains(&id) {
                    containers.push(id);
                }
            }
        }
    }
    let sole_container = if containers.len() == 1 {
        containers.first().map(String::as_str)
    } else {
        None
    };

    let mut unmapped: Vec<String> = Vec::new();
    let mut unkeyed: Vec<String> = Vec::new();
    let mut os_users: Vec<String> = Vec::new();
    for f in &found {
        let Some(m) = table.mapping(&f.type_name) else {
            if !unmapped
                .iter()
                .any(|u| u.eq_ignore_ascii_case(&f.type_name))
            {
                unmapped.push(f.type_name.clone());
            }
            continue;
        };
        match build_entity(&refs, f.value, m, sole_container) {
            Built::Entity { kind, key, attrs } => {
                if let Some(cmdline) = attrs.get("cmdline").and_then(Value::as_str) {
                    ev.add_search(cmdline);
                }
                let roles: Vec<&str> = if f.roles.is_empty() {
                    vec![m.role.as_str()]
                } else {
                    f.roles.iter().map(String::as_str).collect()
                };
                for role in roles {
                    let mut e = EntityRef::new(kind, key.clone(), role);
                    e.attrs = attrs.clone();
                    ev.entity(e);
                }
            }
            Built::OsUser(name) => {
                if !os_users.contains(&name) {
                    os_users.push(name);
                }
            }
            Built::NoKey => {
                if !unkeyed.contains(&f.type_name) {
                    unkeyed.push(f.type_name.clone());
                }
            }
        }
    }
    for (name, list) in [
        ("unmapped_entity_types", unmapped),
        ("unkeyed_entity_types", unkeyed),
        ("os_users", os_users),
        ("unresolved_entity_refs", dangling),
    ] {
        if !list.is_empty() {
            ev.field(name, list);
        }
    }
}

fn part<'a>(refs: &Refs<'a>, v: &'a Value, m: &Mapping, name: &str) -> Option<String> {
    m.parts.get(name).and_then(|paths| refs.text(v, paths))
}

/// Builds one entity with its row's key builder.
fn build_entity<'a>(
    refs: &Refs<'a>,
    v: &'a Value,
    m: &Mapping,
    sole_container: Option<&str>,
) -> Built {
    let Some(mut kind) = EntityKind::parse(&m.kind) else {
        return Built::NoKey;
    };
    let p = |name: &str| part(refs, v, m, name);
    let mut attrs = Map::new();
    for (name, paths) in &m.attrs {
        if let Some(value) = refs.scalar(v, paths) {
            attrs.insert(name.clone(), value);
        }
    }
    let key = match m.key.as_str() {
        "name" => p("name"),
        "cluster" => p("name")
            .or_else(|| p("resource_id").and_then(|id| aks_cluster_name(&id).map(str::to_string))),
        "azure-resource" => {
            p("resource_id").and_then(|id| aks_cluster_name(&id).map(str::to_string))
        }
        "domain" => p("name").map(|n| domain_key(&n)).filter(|n| !n.is_empty()),
        "url" => match p("url").as_deref().and_then(url_host) {
            Some(host) => match entity::ip(&host) {
                Some(ip) => {
                    kind = EntityKind::Ip;
                    Some(ip)
                }
                None => Some(domain_key(&host)),
            },
            None => None,
        },
        "pod" => match (p("namespace"), p("name")) {
            (Some(ns), Some(name)) => entity::pod_key(&ns, &name),
            _ => None,
        },
        "workload" => match (p("kind"), p("name")) {
            (Some(k), Some(name)) => entity::workload_key(p("namespace").as_deref(), &k, &name),
            _ => None,
        },
        "service-account" => match p("name") {
            Some(name) if name.starts_with("system:serviceaccount:") => Some(name),
            Some(name) => {
                p("namespace").and_then(|ns| entity::service_account_identity(&ns, &name))
            }
            None => None,
        },
        "container" => {
            let id = p("id").and_then(|id| entity::container_id(&id));
            if let Some(id) = &id {
                attrs.insert("id".into(), Value::String(id.clone()));
            }
            id
        }
        "image" => match image_key(p("reference"), p("digest")) {
            Some((reference, digest)) => {
                if let Some(d) = digest {
                    attrs.insert("digest".into(), Value::String(d));
                }
                Some(reference)
            }
            None => None,
        },
        "process" => {
            let pid = p("pid").and_then(|s| parse_pid(&s));
            let exe = p("exe").or_else(|| match (p("exe_dir"), p("exe_name")) {
                (Some(dir), Some(name)) => Some(join_path(&dir, &name)),
                (None, Some(name)) => Some(name),
                _ => None,
            });
            let scope = p("container")
                .and_then(|c| entity::container_id(&c))
                .or_else(|| sole_container.map(str::to_string))
                .or_else(|| p("host"));
            match (pid, exe, scope) {
                (Some(pid), Some(exe), Some(scope)) => {
                    attrs.insert("pid".into(), Value::from(pid));
                    attrs.insert("exe".into(), Value::String(exe.clone()));
                    Some(entity::process_key(&scope, pid, &exe))
                }
                _ => None,
            }
        }
        "file" => p("path").or_else(|| match (p("directory"), p("name")) {
            (Some(dir), Some(name)) => Some(join_path(&dir, &name)),
            _ => None,
        }),
        "ip" => p("address").and_then(|a| entity::ip(&a)),
        "account" => {
            if let Some(aad) = p("aad_user_id") {
                Some(aad.to_ascii_lowercase())
            } else if let Some(name) =
                p("name").filter(|n| n.starts_with("system:") || n.contains('@'))
            {
                Some(name)
            } else if let Some(upn) = p("upn") {
                Some(upn)
            } else if let (Some(name), Some(suffix)) = (p("name"), p("upn_suffix")) {
                Some(format!("{}@{}", name, suffix))
            } else if let (Some(name), Some(domain)) = (p("name"), p("domain")) {
                Some(format!("{}\\{}", domain, name))
            } else {
                return match p("name") {
                    Some(name) => Built::OsUser(name),
                    None => Built::NoKey,
                };
            }
        }
        _ => None,
    };
    match key {
        Some(key) if !key.is_empty() => Built::Entity { kind, key, attrs },
        _ => Built::NoKey,
    }
}

/// Process ids: decimal, or `0x…` as Windows-oriented entity code writes them.
fn parse_pid(s: &str) -> Option<u64> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

fn join_path(dir: &str, name: &str) -> String {
    let dir = dir.trim();
    if name.starts_with('/') {
        name.to_string()
    } else if dir.ends_with('/') || dir.ends_with('\\') {
        format!("{}{}", dir, name)
    } else if dir.contains('\\') && !dir.contains('/') {
        format!("{}\\{}", dir, name)
    } else {
        format!("{}/{}", dir, name)
    }
}

fn domain_key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The host of a URL (`https://user@host:port/path` → `host`).
fn url_host(url: &str) -> Option<String> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        match host_port.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host_port,
        }
    };
    Some(host.trim().to_string()).filter(|h| !h.is_empty())
}

/// (image key, digest): the reference without its digest is the key; a bare
/// digest is the key when nothing else names the image.
fn image_key(
    reference: Option<String>,
    digest: Option<String>,
) -> Option<(String, Option<String>)> {
    let digest = digest.and_then(|d| {
        let d = d.trim();
        match d.split_once('@') {
            Some((_, after)) => Some(after.to_ascii_lowercase()),
            None if d
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("sha256:")) =>
            {
                Some(d.to_ascii_lowercase())
            }
            None => None,
        }
    });
    match reference.as_deref().and_then(entity::image) {
        Some((r, d)) => Some((r, d.or(digest))),
        None => digest.map(|d| (d.clone(), Some(d))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST_VALUE: &str = include_str!("../../fixtures/samples/defender/rest-value.json");
    const AZ_CLI: &str = include_str!("../../fixtures/samples/defender/az-cli-array.json");
    const SINGLE: &str = include_str!("../../fixtures/samples/defender/single-alert.json");
    const RESOURCE_GRAPH: &str =
        include_str!("../../fixtures/samples/defender/resource-graph.json");
    const LOG_ANALYTICS: &str =
        include_str!("../../fixtures/samples/defender/log-analytics-securityalert.json");

    const CID: &str = "dcb0889d9273c1f330674466e72853e62f26b64a81ec89f5a6ec632fe16f0258";
    const AKS: &str = "/subscriptions/8c2f4e1a-5b7d-4f3e-9a21-6d0c4b7e2f19/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod";
    const NODE: &str = "aks-nodepool1-31415926-vmss000001";

    /// Splits a sample into item records the way the framing layer does
    /// (`{"value": [...]}` and bare arrays are containers).
    fn items(text: &str) -> Vec<String> {
        let v: Value = serde_json::from_str(text).expect("sample is JSON");
        let list = match v {
            Value::Array(a) => a,
            Value::Object(mut o) if o.contains_key("value") => match o.remove("value") {
                Some(Value::Array(a)) => a,
                _ => panic!("value is not an array"),
            },
            other => vec![other],
        };
        list.iter()
            .map(|i| serde_json::to_string(i).expect("re-encodes"))
            .collect()
    }

    fn parse_str(s: &str) -> NewEvent {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("parse failed: {}", e))
    }

    fn events(text: &str) -> Vec<NewEvent> {
        items(text).iter().map(|s| parse_str(s)).collect()
    }

    fn by_rule(events: &[NewEvent], rule: &str) -> NewEvent {
        events
            .iter()
            .find(|e| e.rule.as_deref() == Some(rule))
            .cloned()
            .unwrap_or_else(|| panic!("no {}", rule))
    }

    /// What must be identical whichever export an alert came from.
    fn comparable(mut ev: NewEvent) -> NewEvent {
        ev.rank = 0;
        ev.entities
            .sort_by(|a, b| (a.kind, &a.key, &a.role).cmp(&(b.kind, &b.key, &b.role)));
        ev
    }

    fn find<'e>(ev: &'e NewEvent, kind: EntityKind, role: &str) -> Vec<&'e EntityRef> {
        ev.entities
            .iter()
            .filter(|e| e.kind == kind && e.role == role)
            .collect()
    }

    fn one<'e>(ev: &'e NewEvent, kind: EntityKind, role: &str) -> &'e EntityRef {
        let found = find(ev, kind, role);
        assert_eq!(found.len(), 1, "{} {} in {:#?}", kind, role, ev.entities);
        found[0]
    }

    fn strings(v: Option<&Value>) -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn alert_with(props: Value) -> NewEvent {
        let rec = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Security/locations/westeurope/alerts/x1",
            "name": "x1",
            "type": ALERT_RESOURCE_TYPE,
            "properties": props,
        });
        parse_str(&rec.to_string())
    }

    #[test]
    fn every_sample_record_is_sniffed_and_others_are_not() {
        for text in [REST_VALUE, AZ_CLI, SINGLE, RESOURCE_GRAPH, LOG_ANALYTICS] {
            for item in items(text) {
                let v: Value = serde_json::from_str(&item).unwrap();
                assert!(
                    sniff(v.as_object().unwrap()),
                    "not sniffed: {}",
                    &item[..80]
                );
            }
        }
        let others = [
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#,
            r#"{"rule":"Terminal shell in container","priority":"Notice","output_fields":{}}"#,
            r#"{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"x"}}"#,
            r#"{"process_exec":{"process":{}},"node_name":"n","time":"2026-11-20T09:47:05Z"}"#,
            r#"{"type":"Microsoft.Security/assessments","properties":{"status":{}}}"#,
            r#"{"AlertType":"x"}"#,
        ];
        for o in others {
            let v: Value = serde_json::from_str(o).unwrap();
            assert!(!sniff(v.as_object().unwrap()), "claimed: {}", o);
        }
    }

    #[test]
    fn mining_alert_normalizes_with_its_kubernetes_entities() {
        let ev = by_rule(&events(REST_VALUE), "K8S.NODE_DigitalCurrencyMining");
        assert_eq!(ev.source, Source::Defender);
        assert_eq!(ev.kind, EventKind::Alert);
        assert_eq!(ev.severity, Severity::High);
        assert_eq!(
            ev.title,
            "Digital currency mining related behavior detected"
        );
        assert!(ev.message.starts_with("Process /tmp/.x/xmrig"));
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:47:21.2035810Z")
        );
        assert_eq!(ev.tactics, vec!["TA0040"]);
        assert_eq!(ev.techniques, vec!["T1496"]);
        assert_eq!(
            ev.dedup_key.as_deref(),
            Some("defender|2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7")
        );
        assert_eq!(ev.rank, RANK_REST);

        let f = &ev.fields;
        assert_eq!(f["alert_type"], "K8S.NODE_DigitalCurrencyMining");
        assert_eq!(f["status"], "active");
        assert_eq!(f["product_component"], "Containers");
        assert_eq!(f["compromised_entity"], "aks-shop-prod");
        assert_eq!(f["end_time"], "2026-11-20T09:54:58.773012000Z");
        assert_eq!(f["time_generated"], "2026-11-20T09:55:03.552187000Z");
        assert_eq!(strings(f.get("intents")), vec!["Impact"]);
        assert_eq!(strings(f.get("remediation")).len(), 2);
        assert_eq!(strings(f.get("resource_ids")), vec![AKS]);
        assert!(f["alert_uri"]
            .as_str()
            .unwrap()
            .starts_with("https://portal.azure.com/"));
        assert_eq!(f["extended_properties"]["Destination IP"], "198.51.100.77");
        assert_eq!(f["is_incident"], false);
        assert_eq!(strings(f.get("unmapped_entity_types")), vec!["filehash"]);
        assert_eq!(strings(f.get("os_users")), vec!["root"]);
        assert!(!f.contains_key("unresolved_entity_refs"));

        let cluster = one(&ev, EntityKind::Cluster, "cluster");
        assert_eq!(cluster.key, "aks-shop-prod");
        assert_eq!(cluster.attrs["resource_id"], AKS);
        assert_eq!(
            one(&ev, EntityKind::Cluster, "compromised").key,
            "aks-shop-prod"
        );
        assert_eq!(one(&ev, EntityKind::Namespace, "namespace").key, "shop");
        let pod = one(&ev, EntityKind::Pod, "pod");
        assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
        assert_eq!(pod.attrs["uid"], "5d2c8a41-7b3e-4f19-9a6d-0e8c1b2f3a47");
        assert_eq!(pod.attrs["namespace"], "shop");
        let container = one(&ev, EntityKind::Container, "container");
        assert_eq!(container.key, CID);
        assert_eq!(container.attrs["name"], "cart");
        let image = one(&ev, EntityKind::Image, "image");
        assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
        assert_eq!(
            image.attrs["digest"],
            "sha256:da7bdb55ce268b2f553f1699b8d8ef9db17ffca842d62cea4034a2bade11dc18"
        );
        assert_eq!(one(&ev, EntityKind::Node, "node").key, NODE);
        let process = one(&ev, EntityKind::Process, "process");
        assert_eq!(
            process.key,
            entity::process_key(CID, 48213, "/tmp/.x/xmrig")
        );
        assert_eq!(process.key, "dcb0889d9273:48213:/tmp/.x/xmrig");
        assert_eq!(process.attrs["pid"], 48213);
        assert_eq!(process.attrs["user"], "root");
        assert!(process.attrs["cmdline"]
            .as_str()
            .unwrap()
            .contains("stratum+tcp://pool.minexmr.example:4444"));
        assert_eq!(one(&ev, EntityKind::File, "file").key, "/tmp/.x/xmrig");
        assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "198.51.100.77");
        assert_eq!(
            one(&ev, EntityKind::Domain, "domain").key,
            "pool.minexmr.example"
        );
        assert!(
            find(&ev, EntityKind::Identity, "actor").is_empty(),
            "an OS user is not an identity"
        );
        assert!(ev.search_text.contains("stratum+tcp"));
    }

    #[test]
    fn drift_alert_resolves_nested_parent_process_and_owner() {
        let ev = by_rule(&events(REST_VALUE), "K8S.NODE_DriftDetection");
        assert_eq!(ev.severity, Severity::Medium);
        assert_eq!(ev.tactics, vec!["TA0002"]);
        assert!(ev.techniques.is_empty());
        assert_eq!(
            one(&ev, EntityKind::Workload, "owner").key,
            "shop/Deployment/cart"
        );
        assert_eq!(
            one(&ev, EntityKind::Process, "process").key,
            "dcb0889d9273:48213:/tmp/.x/xmrig"
        );
        // Defined inside the xmrig process, referenced again at the top level:
        // still only the parent.
        assert_eq!(
            one(&ev, EntityKind::Process, "parent-process").key,
            "dcb0889d9273:48190:/bin/sh"
        );
        let mut files: Vec<&str> = find(&ev, EntityKind::File, "file")
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        files.sort();
        assert_eq!(files, vec!["/bin/sh", "/tmp/.x/xmrig"]);
    }

    #[test]
    fn rare_operation_alert_names_the_service_account_and_source_ip() {
        let ev = by_rule(&events(REST_VALUE), "K8S_ServiceAccountRareOperation");
        assert_eq!(ev.tactics, vec!["TA0006", "TA0008"]);
        assert_eq!(
            strings(ev.fields.get("intents")),
            vec!["LateralMovement", "CredentialAccess"]
        );
        assert_eq!(ev.techniques, vec!["T1528"]);
        assert_eq!(
            one(&ev, EntityKind::Identity, "service-account").key,
            "system:serviceaccount:shop:cart"
        );
        assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "203.0.113.45");
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:41:07.4821930Z")
        );
    }

    #[test]
    fn same_alert_from_every_export_is_one_event() {
        let rest = events(REST_VALUE);
        let la = events(LOG_ANALYTICS);
        let pairs = [
            (
                by_rule(&rest, "K8S.NODE_DigitalCurrencyMining"),
                by_rule(&events(SINGLE), "K8S.NODE_DigitalCurrencyMining"),
            ),
            (
                by_rule(&rest, "K8S.NODE_DigitalCurrencyMining"),
                by_rule(&la, "K8S.NODE_DigitalCurrencyMining"),
            ),
            (
                by_rule(&rest, "K8S_ServiceAccountRareOperation"),
                by_rule(&events(AZ_CLI), "K8S_ServiceAccountRareOperation"),
            ),
            (
                by_rule(&rest, "K8S_ServiceAccountRareOperation"),
                by_rule(&la, "K8S_ServiceAccountRareOperation"),
            ),
            (
                by_rule(&rest, "K8S.NODE_DriftDetection"),
                by_rule(&events(RESOURCE_GRAPH), "K8S.NODE_DriftDetection"),
            ),
        ];
        for (a, b) in pairs {
            assert!(a.dedup_key.is_some());
            assert_eq!(comparable(a), comparable(b));
        }
        let rg = &events(RESOURCE_GRAPH)[0];
        assert!(RANK_REST > rg.rank && rg.rank > la[0].rank);
        assert_eq!(
            (rg.rank, la[0].rank),
            (RANK_RESOURCE_GRAPH, RANK_LOG_ANALYTICS)
        );
    }

    #[test]
    fn keys_match_in_any_case() {
        let ev = alert_with(serde_json::json!({
            "ALERTTYPE": "K8S_ExposedDashboard",
            "AlertDisplayName": "Exposed Kubernetes dashboard detected",
            "SEVERITY": "high",
            "StartTimeUTC": "2026-11-20T09:50:00.0000000Z",
            "SystemAlertID": "ABC_Def",
            "Intent": "InitialAccess",
        }));
        assert_eq!(ev.rule.as_deref(), Some("K8S_ExposedDashboard"));
        assert_eq!(ev.severity, Severity::High);
        assert_eq!(ev.dedup_key.as_deref(), Some("defender|abc_def"));
        assert_eq!(ev.tactics, vec!["TA0001"]);
        let v: Value = serde_json::json!({"TYPE": "microsoft.security/locations/ALERTS"});
        assert!(sniff(v.as_object().unwrap()));
        for (raw, want) in [
            ("Informational", Severity::Info),
            ("LOW", Severity::Low),
            ("medium", Severity::Medium),
            ("High", Severity::High),
        ] {
            assert_eq!(
                alert_with(serde_json::json!({"alertType": "t", "severity": raw})).severity,
                want
            );
        }
        let odd = alert_with(serde_json::json!({"alertType": "t", "severity": "Severe"}));
        assert_eq!(odd.fields["vendor_severity"], "Severe");
    }

    #[test]
    fn json_inside_strings_is_decoded_and_malformed_json_names_the_column() {
        let rows = items(LOG_ANALYTICS);
        let row: Map<String, Value> = serde_json::from_str(&rows[0]).unwrap();
        assert!(row["Entities"].is_string() && row["ExtendedProperties"].is_string());
        let ev = parse_str(&rows[0]);
        assert_eq!(
            ev.fields["extended_properties"]["Pod name"],
            "cart-7f9c6d8b5-x2k4q"
        );
        assert_eq!(strings(ev.fields.get("remediation")).len(), 2);

        for column in [
            "Entities",
            "ExtendedProperties",
            "RemediationSteps",
            "Tactics",
        ] {
            let mut bad = row.clone();
            bad.insert(column.into(), Value::String("[{\"$id\":\"2\",".into()));
            let err = parse(Value::Object(bad).to_string().as_bytes()).unwrap_err();
            assert!(err.reason.contains(column), "{}: {}", column, err);
        }
        let mut not_object = row.clone();
        not_object.insert("ExtendedProperties".into(), Value::String("[1]".into()));
        assert!(parse(Value::Object(not_object).to_string().as_bytes())
            .unwrap_err()
            .reason
            .contains("ExtendedProperties"));
        // Techniques as a comma string, as some exports write them.
        let mut commas = row.clone();
        commas.insert(
            "Techniques".into(),
            Value::String("T1496, t1059.004, Cryptomining".into()),
        );
        let ev = parse_str(&Value::Object(commas).to_string());
        assert_eq!(ev.techniques, vec!["T1059.004", "T1496"]);
        assert_eq!(
            strings(ev.fields.get("unmapped_techniques")),
            vec!["Cryptomining"]
        );
    }

    #[test]
    fn activity_log_bag_with_json_encoded_lists_parses() {
        let rec = serde_json::json!({
            "eventTimestamp": "2026-11-20T09:55:04.1234567Z",
            "operationName": {"value": "Microsoft.Security/locations/alerts/activate/action"},
            "resourceId": "/subscriptions/s/resourceGroups/rg-shop-prod/providers/Microsoft.Security/locations/westeurope/alerts/2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7",
            "properties": {
                "alertType": "K8S.NODE_DigitalCurrencyMining",
                "alertDisplayName": "Digital currency mining related behavior detected",
                "severity": "High",
                "compromisedEntity": "aks-shop-prod",
                "productComponentName": "Containers",
                "intent": "[\"Execution\",\"Impact\"]",
                "remediationSteps": "[\"Isolate the pod, then stop the miner.\"]",
                "isIncident": "false"
            }
        });
        let obj = rec.as_object().unwrap();
        assert!(sniff(obj));
        let ev = parse_str(&rec.to_string());
        assert_eq!(ev.rank, RANK_ACTIVITY_LOG);
        assert_eq!(ev.tactics, vec!["TA0002", "TA0040"]);
        assert_eq!(
            strings(ev.fields.get("remediation")),
            vec!["Isolate the pod, then stop the miner."]
        );
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:55:04.1234567Z")
        );
        assert_eq!(
            ev.dedup_key.as_deref(),
            Some("defender|2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7")
        );
        assert_eq!(
            one(&ev, EntityKind::Cluster, "compromised").key,
            "aks-shop-prod"
        );
    }

    #[test]
    fn references_resolve_and_cycles_and_dangling_ids_do_not_hang() {
        let entities = serde_json::json!([
            {"$id": "1", "ProcessId": "10", "CommandLine": "a",
             "ImageFile": {"$id": "2", "Directory": "/bin", "Name": "a", "Type": "file"},
             "ParentProcess": {"$ref": "3"}, "Host": {"$ref": "99"}, "Type": "process"},
            {"$id": "3", "ProcessId": "9", "ImageFile": {"$ref": "2"},
             "ParentProcess": {"$ref": "1"}, "Type": "process"},
            {"$id": "4", "Address": "10.244.1.23", "Self": {"$ref": "4"}, "Type": "ip"},
            {"$ref": "42"},
            {"$ref": "3"},
            {"$id": "5", "Name": "c", "Container": {"$id": "6", "ContainerId": CID, "Type": "container"}, "Type": "K8s-pod"}
        ]);
        let ev = alert_with(serde_json::json!({"alertType": "t", "entities": entities}));
        assert_eq!(
            strings(ev.fields.get("unresolved_entity_refs")),
            vec!["99", "42"]
        );
        // The cycle leaves both processes in the parent role, keyed once each.
        let procs = find(&ev, EntityKind::Process, "parent-process");
        assert_eq!(procs.len(), 2, "{:#?}", ev.entities);
        assert!(procs.iter().any(|p| p.key == "dcb0889d9273:9:/bin/a"));
        assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "10.244.1.23");
        // A nested-only entity (the container) is found too; the pod without
        // a namespace cannot be keyed and says so.
        assert_eq!(one(&ev, EntityKind::Container, "container").key, CID);
        assert_eq!(
            strings(ev.fields.get("unkeyed_entity_types")),
            vec!["K8s-pod"]
        );

        // A chain of references to references ends.
        let chain = serde_json::json!([{"$id": "1", "$ref": "1"}, {"$ref": "1"}]);
        let ev = alert_with(serde_json::json!({"alertType": "t", "entities": chain}));
        assert!(ev.entities.is_empty());
    }

    #[test]
    fn non_attack_intents_are_kept_not_dropped() {
        let ev = alert_with(serde_json::json!({
            "alertType": "t",
            "intent": "PreAttack, Probing, Exploitation, Unknown, Execution, ResourceDevelopment"
        }));
        assert_eq!(ev.tactics, vec!["TA0002"]);
        assert_eq!(
            strings(ev.fields.get("unmapped_intents")),
            vec![
                "PreAttack",
                "Probing",
                "Exploitation",
                "Unknown",
                "ResourceDevelopment"
            ]
        );
        assert_eq!(
            strings(ev.fields.get("inferred_tactics")),
            vec!["TA0043", "TA0007"]
        );
        assert_eq!(strings(ev.fields.get("intents")).len(), 6);
    }

    #[test]
    fn unknown_and_unkeyable_entity_types_are_kept_in_fields() {
        let ev = alert_with(serde_json::json!({"alertType": "t", "entities": [
            {"$id": "1", "Name": "cart-db", "Namespace": "shop", "Type": "K8s-secret"},
            {"$id": "2", "Name": "cart-db", "Type": "k8s-SECRET"},
            {"$id": "3", "ResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31415926-vmss", "Type": "azure-resource"},
            {"$id": "4", "Address": "not-an-ip", "Type": "IP"}
        ]}));
        assert_eq!(
            strings(ev.fields.get("unmapped_entity_types")),
            vec!["K8s-secret"]
        );
        assert_eq!(
            strings(ev.fields.get("unkeyed_entity_types")),
            vec!["azure-resource", "IP"]
        );
        assert!(ev.entities.is_empty());
    }

    #[test]
    fn graph_evidence_accounts_and_urls_map() {
        let ev = alert_with(serde_json::json!({"alertType": "t", "entities": [
            {"@odata.type": "#microsoft.graph.security.kubernetesPodEvidence", "name": "cart-7f9c6d8b5-x2k4q",
             "namespace": {"@odata.type": "#microsoft.graph.security.kubernetesNamespaceEvidence", "name": "shop"},
             "serviceAccount": {"@odata.type": "#microsoft.graph.security.kubernetesServiceAccountEvidence",
                                "name": "cart", "namespace": {"name": "shop"}},
             "controller": {"@odata.type": "#microsoft.graph.security.kubernetesControllerEvidence",
                            "name": "cart", "type": "Deployment", "namespace": {"name": "shop"}}},
            {"Name": "system:serviceaccount:shop:cart", "Type": "account"},
            {"Name": "alice", "UPNSuffix": "contoso.example", "Type": "account"},
            {"Url": "http://198.51.100.23/x.sh", "Type": "url"},
            {"Url": "https://Pool.MineXMR.example:443/", "Type": "URL"}
        ]}));
        assert_eq!(
            one(&ev, EntityKind::Pod, "pod").key,
            "shop/cart-7f9c6d8b5-x2k4q"
        );
        assert_eq!(one(&ev, EntityKind::Namespace, "namespace").key, "shop");
        assert_eq!(
            one(&ev, EntityKind::Identity, "service-account").key,
            "system:serviceaccount:shop:cart"
        );
        assert_eq!(
            one(&ev, EntityKind::Workload, "owner").key,
            "shop/Deployment/cart"
        );
        let mut actors: Vec<&str> = find(&ev, EntityKind::Identity, "actor")
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        actors.sort();
        assert_eq!(
            actors,
            vec!["alice@contoso.example", "system:serviceaccount:shop:cart"]
        );
        assert_eq!(one(&ev, EntityKind::Ip, "url").key, "198.51.100.23");
        assert_eq!(
            one(&ev, EntityKind::Domain, "url").key,
            "pool.minexmr.example"
        );
    }

    /// A value for each builder input, for building synthetic entities.
    fn sample_part(builder: &str, part: &str) -> &'static str {
        match (builder, part) {
            ("account", "name") => "system:serviceaccount:shop:cart",
            ("account", "upn") => "alice@contoso.example",
            ("account", "upn_suffix") => "contoso.example",
            ("account", "domain") => "CONTOSO",
            ("account", "aad_user_id") => "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
            ("domain", "name") => "pool.minexmr.example",
            ("cluster", "name") => "aks-shop-prod",
            (_, "name") => "cart",
            (_, "namespace") => "shop",
            (_, "kind") => "Deployment",
            (_, "id") | (_, "container") => CID,
            (_, "reference") => "shopregistry.azurecr.io/shop/cart:2.3.1",
            (_, "digest") => {
                "sha256:da7bdb55ce268b2f553f1699b8d8ef9db17ffca842d62cea4034a2bade11dc18"
            }
            (_, "pid") => "48213",
            (_, "exe") | (_, "path") => "/tmp/.x/xmrig",
            (_, "exe_dir") | (_, "directory") => "/tmp/.x",
            (_, "exe_name") => "xmrig",
            (_, "host") => NODE,
            (_, "address") => "198.51.100.77",
            (_, "url") => "http://pool.minexmr.example/x.sh",
            (_, "resource_id") => AKS,
            _ => panic!("no sample value for part {} of builder {}", part, builder),
        }
    }

    /// The inputs each key builder reads: (required in every row, optional).
    fn builder_parts(builder: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
        Some(match builder {
            "name" | "domain" => (&["name"], &[]),
            "cluster" => (&["name"], &["resource_id"]),
            "azure-resource" => (&["resource_id"], &[]),
            "url" => (&["url"], &[]),
            "pod" | "service-account" => (&["namespace", "name"], &[]),
            "workload" => (&["kind", "name"], &["namespace"]),
            "container" => (&["id"], &[]),
            "image" => (&["reference"], &["digest"]),
            "process" => (
                &["pid", "exe_dir", "exe_name"],
                &["exe", "container", "host"],
            ),
            "file" => (&["name"], &["path", "directory"]),
            "ip" => (&["address"], &[]),
            "account" => (&["name"], &["upn", "upn_suffix", "domain", "aad_user_id"]),
            _ => return None,
        })
    }

    fn set_path(obj: &mut Map<String, Value>, path: &str, value: &str) {
        match path.split_once('.') {
            Some((head, rest)) => {
                let child = obj
                    .entry(head.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !child.is_object() {
                    *child = Value::Object(Map::new());
                }
                if let Value::Object(o) = child {
                    set_path(o, rest, value);
                }
            }
            None => {
                obj.insert(path.to_string(), Value::String(value.to_string()));
            }
        }
    }

    /// An entity of `type_name` with every part at its first path, or one
    /// part at the alternative path `choice`; attributes only in the base
    /// variant (their paths may overlap the parts').
    fn synthetic(type_name: &str, m: &Mapping, choice: Option<(&str, &str)>) -> Value {
        let mut o = Map::new();
        if choice.is_none() {
            for paths in m.attrs.values() {
                set_path(&mut o, &paths[0], "attr-value");
            }
        }
        for (part, paths) in &m.parts {
            let path = match choice {
                Some((p, alt)) if p == part => alt,
                _ => paths[0].as_str(),
            };
            set_path(&mut o, path, sample_part(&m.key, part));
        }
        if type_name.ends_with("Evidence") {
            o.insert(
                "@odata.type".into(),
                Value::String(format!("#microsoft.graph.security.{}", type_name)),
            );
        } else {
            o.insert("Type".into(), Value::String(type_name.into()));
        }
        Value::Object(o)
    }

    #[test]
    fn every_mapping_row_in_the_data_file_resolves() {
        let table =
            EntityTable::from_json(TABLE_JSON).expect("data/defender-entities.json is valid");
        assert!(!table.mappings.is_empty());
        let mut seen_types: Vec<String> = Vec::new();
        for m in &table.mappings {
            let kind =
                EntityKind::parse(&m.kind).unwrap_or_else(|| panic!("unknown kind {}", m.kind));
            let (required, optional) =
                builder_parts(&m.key).unwrap_or_else(|| panic!("unknown key builder {}", m.key));
            for r in required {
                assert!(
                    m.parts.contains_key(*r),
                    "{:?}: part {} missing",
                    m.types,
                    r
                );
            }
            for p in m.parts.keys() {
                assert!(
                    required.contains(&p.as_str()) || optional.contains(&p.as_str()),
                    "{:?}: builder {} reads no part {}",
                    m.types,
                    m.key,
                    p
                );
            }
            assert!(
                !m.role.is_empty() && m.role.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            );
            for (name, paths) in m.parts.iter().chain(m.attrs.iter()) {
                assert!(
                    !paths.is_empty() && paths.iter().all(|p| !p.is_empty()),
                    "{:?}: {}",
                    m.types,
                    name
                );
            }
            for t in &m.types {
                assert!(
                    !seen_types.iter().any(|s| s.eq_ignore_ascii_case(t)),
                    "type {} is mapped twice",
                    t
                );
                seen_types.push(t.clone());
                assert!(std::ptr::eq(
                    table.mapping(&t.to_ascii_uppercase()).unwrap(),
                    m
                ));

                // Every path alternative of every part yields the entity.
                let mut variants = vec![None];
                for (part, paths) in &m.parts {
                    variants.extend(paths.iter().map(|p| Some((part.as_str(), p.as_str()))));
                }
                for choice in variants {
                    let v = synthetic(t, m, choice);
                    let refs = Refs::new(&v);
                    let found_type = entity_type_of(v.as_object().unwrap()).unwrap();
                    assert!(
                        table.mapping(&found_type).is_some(),
                        "{} is not recognised",
                        found_type
                    );
                    match build_entity(&refs, &v, m, None) {
                        Built::Entity {
                            kind: k,
                            key,
                            attrs,
                        } => {
                            let want = if m.key == "url" {
                                [kind, EntityKind::Ip].contains(&k)
                            } else {
                                k == kind
                            };
                            assert!(want, "{} via {:?}: kind {}", t, choice, k);
                            assert!(!key.is_empty());
                            if choice.is_none() {
                                for name in m.attrs.keys() {
                                    assert!(
                                        attrs.contains_key(name),
                                        "{}: attr {} not read",
                                        t,
                                        name
                                    );
                                }
                            }
                        }
                        _ => panic!("{} via {:?} does not resolve: {}", t, choice, v),
                    }
                }
            }
        }
        for (prop, role) in &table.nested_roles {
            assert!(!prop.is_empty() && role.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        }
        for (intent, id) in &table.non_attack_intents {
            assert!(
                attack::tactic_id(intent).is_none(),
                "{} is an ATT&CK tactic",
                intent
            );
            if let Some(id) = id {
                assert!(
                    attack::tactic_name(id).is_some(),
                    "{} is not a known tactic id",
                    id
                );
            }
        }
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        assert!(parse(b"[1,2]").unwrap_err().reason.contains("object"));
        assert!(parse(b"{\"properties\":{\"severity\":\"High\"}}").is_err());
        let bad_time = serde_json::json!({"type": ALERT_RESOURCE_TYPE, "properties": {"alertType": "t", "startTimeUtc": "yesterday"}});
        assert!(parse(bad_time.to_string().as_bytes())
            .unwrap_err()
            .reason
            .contains("startTimeUtc"));
        let bad_props = serde_json::json!({"type": ALERT_RESOURCE_TYPE, "properties": "oops"});
        assert!(parse(bad_props.to_string().as_bytes()).is_err());
        // Every prefix of every sample record: errors, never a panic.
        for text in [REST_VALUE, LOG_ANALYTICS, RESOURCE_GRAPH] {
            for item in items(text) {
                for cut in (0..item.len()).step_by(97) {
                    let _ = parse(&item.as_bytes()[..cut]);
                }
            }
        }
        // Wrong JSON types in every known column.
        let row: Map<String, Value> = serde_json::from_str(&items(LOG_ANALYTICS)[0]).unwrap();
        for key in row.keys() {
            for junk in [
                serde_json::json!(42),
                serde_json::json!({"a": [1]}),
                serde_json::json!([{"b": null}]),
                Value::Bool(true),
            ] {
                let mut r = row.clone();
                r.insert(key.clone(), junk);
                let _ = parse(Value::Object(r).to_string().as_bytes());
            }
        }
    }
}
