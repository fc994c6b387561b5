//! `AlertInfo` and `AlertEvidence`: the rows of one XDR alert, each an
//! event of the alert (see the module doc of [`super`] for how they merge),
//! and each evidence row's entity.

use super::cloud;
use super::{technique_ids, Row, Table, ALERT_PREFIX, RANK_ALERT_EVIDENCE, RANK_ALERT_INFO};
use crate::attack;
use crate::formats::defender::{self, severity_of as severity};
use crate::formats::RecordError;
use crate::model::{EventKind, NewEvent, Severity, Source};
use serde_json::{Map, Value};

/// One `AlertInfo` or `AlertEvidence` row.
pub(super) fn alert(row: &Row) -> Result<NewEvent, RecordError> {
    let id = row.required("AlertId")?;
    let title = row.required("Title")?;
    let mut ev = NewEvent::new(Source::DefenderXdr, EventKind::Alert, title);
    ev.rule = Some(title.to_string());
    ev.dedup_key = Some(format!("{}{}", ALERT_PREFIX, id.to_ascii_lowercase()));
    ev.rank = match row.table {
        Table::AlertInfo => RANK_ALERT_INFO,
        _ => RANK_ALERT_EVIDENCE,
    };
    ev.time_ns = row.time("Timestamp")?;
    let vendor_severity = row.text("Severity");
    ev.severity = vendor_severity.and_then(severity).unwrap_or(Severity::Medium);
    if vendor_severity.is_some_and(|s| severity(s).is_none()) {
        ev.field("vendor_severity", vendor_severity);
    }
    ev.field("alert_id", id);
    ev.field("service_source", row.text("ServiceSource"));
    ev.field("detection_source", row.text("DetectionSource"));
    ev.field("detector_id", row.text("DetectorId"));
    ev.add_search(id);

    let categories = categories(row)?;
    let techniques = match row.dynamic("AttackTechniques") {
        Ok(v) => v.map(|v| v.to_string()).unwrap_or_default(),
        // A broken JSON string still names its ids.
        Err(_) => row.text("AttackTechniques").unwrap_or_default().to_string(),
    };
    let technique_ids = technique_ids(&techniques);
    let mut unmapped = Vec::new();
    for c in &categories {
        match attack::tactic_id(c) {
            Some(t) => ev.tactics.push(t.to_string()),
            None => unmapped.push(c.clone()),
        }
    }
    ev.tactics.sort_by_key(|t| attack::kill_chain_position(t));
    ev.tactics.dedup();
    ev.techniques = technique_ids.clone();
    ev.field("categories", categories.clone());
    if !unmapped.is_empty() {
        ev.field("unmapped_categories", unmapped);
    }
    if let Some(Value::Array(given)) = row.dynamic("AttackTechniques").ok().flatten().map(|v| v.into_owned()) {
        ev.field("attack_techniques", given);
    }
    // What the tactic mapping table is matched against (see the module doc).
    let tags: Vec<String> = categories.into_iter().chain(technique_ids).collect();
    ev.field("tags", tags);

    if row.table == Table::AlertEvidence {
        evidence(row, &mut ev)?;
    }
    Ok(ev)
}

/// `Category` (AlertInfo: one word) or `Categories` (AlertEvidence: a JSON
/// array, usually inside a string).
fn categories(row: &Row) -> Result<Vec<String>, RecordError> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !crate::entity::is_absent(s) && !out.iter().any(|x| x.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    };
    if let Some(c) = row.text("Category") {
        push(c);
    }
    match row.dynamic("Categories")?.as_deref() {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(&mut push),
        Some(Value::String(s)) => s.split(',').for_each(&mut push),
        _ => {}
    }
    Ok(out)
}

/// Defender for Cloud's entity type for an `EntityType` (compared without
/// case); the entity table (`data/defender-entities.json`) reads the rest.
const ENTITY_TYPES: &[(&str, &str)] = &[
    ("Process", "process"),
    ("File", "file"),
    ("Ip", "ip"),
    ("Url", "url"),
    ("User", "account"),
    ("Account", "account"),
    ("Machine", "host"),
    ("Container", "container"),
    ("ContainerImage", "container-image"),
    ("Pod", "K8s-pod"),
    ("KubernetesPod", "K8s-pod"),
    ("KubernetesNamespace", "K8s-namespace"),
    ("KubernetesCluster", "K8s-cluster"),
    ("KubernetesController", "K8s-controller"),
    ("KubernetesServiceAccount", "K8s-serviceaccount"),
    ("CloudResource", "azure-resource"),
    ("AzureResource", "azure-resource"),
];

/// The evidence row's entity: its `AdditionalFields` (Defender for Cloud's
/// entity object, with the same property names and `$id` references) with
/// the row's own columns filled in where it lacks them, read by the
/// Defender importer's entity table.
fn evidence(row: &Row, ev: &mut NewEvent) -> Result<(), RecordError> {
    let entity_type = row.required("EntityType")?;
    ev.field("evidence_type", entity_type);
    ev.field("evidence_role", row.text("EvidenceRole"));
    ev.field("evidence_direction", row.text("EvidenceDirection"));
    let defender_type = ENTITY_TYPES.iter().find(|(x, _)| x.eq_ignore_ascii_case(entity_type)).map(|(_, d)| *d);

    let mut root = match row.dynamic("AdditionalFields")?.map(|v| v.into_owned()) {
        Some(Value::Object(o)) => o,
        // A graph of several entities: the first is the row's.
        Some(Value::Array(items)) => return graph(row, items, defender_type, ev),
        _ => Map::new(),
    };
    if !root.keys().any(|k| k.eq_ignore_ascii_case("Type")) {
        root.insert("Type".into(), Value::from(defender_type.unwrap_or(entity_type)));
    }
    fill_from_columns(row, entity_type, &mut root);
    let cluster = cloud::cluster(row, &["ResourceID", "CloudResource", "AzureResourceId", "AwsResourceName"], ev);
    if let Some(name) = cluster.filter(|_| defender_type == Some("K8s-cluster")) {
        root.entry("Name").or_insert(Value::from(name));
    }
    defender::entities::add_entities(ev, &Value::Array(vec![Value::Object(root)]));
    for col in ["ProcessCommandLine", "FileName", "RemoteUrl", "RemoteIP", "AccountName"] {
        if let Some(t) = row.text(col) {
            ev.add_search(t);
        }
    }
    Ok(())
}

/// An `AdditionalFields` that is an array: read as Defender's entity array.
fn graph(row: &Row, mut items: Vec<Value>, defender_type: Option<&str>, ev: &mut NewEvent) -> Result<(), RecordError> {
    if let (Some(Value::Object(first)), Some(t)) = (items.first_mut(), defender_type) {
        if !first.keys().any(|k| k.eq_ignore_ascii_case("Type")) {
            first.insert("Type".into(), Value::from(t));
        }
    }
    cloud::cluster(row, &["ResourceID", "CloudResource"], ev);
    defender::entities::add_entities(ev, &Value::Array(items));
    Ok(())
}

/// The row's columns under Defender's property names, where the entity
/// object does not have them.
fn fill_from_columns(row: &Row, entity_type: &str, o: &mut Map<String, Value>) {
    let put = |o: &mut Map<String, Value>, key: &str, col: &str| {
        if let Some(v) = row.text(col) {
            if !o.keys().any(|k| k.eq_ignore_ascii_case(key)) {
                o.insert(key.to_string(), Value::from(v));
            }
        }
    };
    match entity_type.to_ascii_lowercase().as_str() {
        "process" => {
            put(o, "CommandLine", "ProcessCommandLine");
            if !o.keys().any(|k| k.eq_ignore_ascii_case("ImageFile")) {
                let mut image = Map::new();
                if let Some(path) = row.executable() {
                    image.insert("FullPath".into(), Value::from(path));
                }
                put(&mut image, "Name", "FileName");
                put(&mut image, "SHA256", "SHA256");
                if !image.is_empty() {
                    image.insert("Type".into(), Value::from("file"));
                    o.insert("ImageFile".into(), Value::Object(image));
                }
            }
        }
        "file" => {
            if let Some(path) = row.executable().filter(|_| !o.keys().any(|k| k.eq_ignore_ascii_case("FullPath"))) {
                o.insert("FullPath".into(), Value::from(path));
            }
            put(o, "Name", "FileName");
        }
        "ip" => {
            put(o, "Address", "RemoteIP");
            put(o, "Address", "LocalIP");
        }
        "url" => put(o, "Url", "RemoteUrl"),
        "user" | "account" => {
            put(o, "Name", "AccountName");
            put(o, "NTDomain", "AccountDomain");
            put(o, "UserPrincipalName", "AccountUpn");
            put(o, "AadUserId", "AccountObjectId");
        }
        "machine" => put(o, "HostName", "DeviceName"),
        "cloudresource" | "azureresource" | "kubernetescluster" => {
            put(o, "ResourceId", "ResourceID");
            put(o, "ResourceId", "CloudResource");
        }
        _ => {}
    }
}
