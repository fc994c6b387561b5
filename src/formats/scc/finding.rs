//! One SCC `Finding` (and the `resource` its wrapping gives) as an event:
//! kind by `findingClass`, severity, times, dedup key and rank, the MITRE
//! tags as ATT&CK ids, and a posture failure for misconfigurations.

use super::{entities, Obj};
use crate::formats::posture::{self, Failure};
use crate::formats::{str_of, type_name, RecordError};
use crate::model::{EventKind, NewEvent, Source};
use crate::time;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The dedup key's prefix.
pub const DEDUP_PREFIX: &str = "gcp-scc|";

/// Seconds from the Unix epoch to 2020-01-01, the origin of the rank.
const RANK_ORIGIN_S: i64 = 1_577_836_800;

/// `data/scc-mitre.json`: SCC's MITRE enum names and their ATT&CK ids.
#[derive(Deserialize)]
struct MitreTable {
    tactics: BTreeMap<String, String>,
    techniques: BTreeMap<String, String>,
}

fn mitre() -> &'static MitreTable {
    static TABLE: OnceLock<MitreTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../../../data/scc-mitre.json")).expect("data/scc-mitre.json is valid (tested)")
    })
}

/// The ATT&CK id of an SCC tactic or technique enum name, if the table knows it.
pub(super) fn mitre_id(name: &str, tactic: bool) -> Option<&'static str> {
    let t = mitre();
    let map = if tactic { &t.tactics } else { &t.techniques };
    map.get(name.trim().to_ascii_uppercase().as_str()).map(String::as_str)
}

/// What a finding's class makes of it.
fn kind_of(class: Option<&str>) -> EventKind {
    match class.map(|c| c.trim().to_ascii_uppercase()).as_deref() {
        Some("MISCONFIGURATION" | "VULNERABILITY" | "POSTURE_VIOLATION") => EventKind::Posture,
        Some("OBSERVATION" | "SCC_ERROR") => EventKind::Telemetry,
        _ => EventKind::Alert,
    }
}

/// A required string member of the finding.
fn required<'a>(f: &'a Obj, key: &str) -> Result<&'a str, RecordError> {
    match f.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
        None | Some(Value::Null) | Some(Value::String(_)) => Err(RecordError::new(format!("the finding has no `{}`", key))),
        Some(v) => Err(RecordError::new(format!("the finding's `{}` is {}, not a string", key, type_name(v)))),
    }
}

/// `sources/<s>/findings/<id>` of a finding name at any level, with or
/// without a location: what stays when the same finding is read elsewhere.
pub(super) fn stable_name(name: &str) -> String {
    let at = name.find("sources/").unwrap_or(0);
    let rest = &name[at..];
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["sources", s, "locations", _, "findings", id] | ["sources", s, "findings", id] => format!("sources/{}/findings/{}", s, id),
        _ => rest.to_string(),
    }
}

pub(super) fn to_event(f: &Obj, resource: Option<&Obj>) -> Result<NewEvent, RecordError> {
    let name = required(f, "name")?;
    let category = required(f, "category")?;
    let class = str_of(f.get("findingClass"));
    let state = str_of(f.get("state"));
    let inactive = state.is_some_and(|s| s.eq_ignore_ascii_case("INACTIVE"));
    let kind = kind_of(class);
    let title = if inactive { format!("{} (inactive)", category) } else { category.to_string() };

    let mut ev = NewEvent::new(Source::Scc, kind, title);
    ev.rule = Some(category.to_string());
    ev.severity = posture::severity_word(str_of(f.get("severity")));
    ev.message = str_of(f.get("description")).unwrap_or_default().to_string();
    let stable = stable_name(name);
    ev.dedup_key = Some(format!("{}{}", DEDUP_PREFIX, stable));
    let event_time = str_of(f.get("eventTime")).and_then(time::parse_rfc3339);
    let create_time = str_of(f.get("createTime")).and_then(time::parse_rfc3339);
    ev.time_ns = event_time.or(create_time);
    let secs = ev.time_ns.map_or(0, |ns| (ns / 1_000_000_000 - RANK_ORIGIN_S).max(0));
    ev.rank = i32::try_from(secs.saturating_mul(2) + i64::from(inactive)).unwrap_or(i32::MAX);

    ev.field("finding_name", name);
    ev.field("finding_id", stable.rsplit('/').next());
    ev.field("category", category);
    ev.field("finding_class", class);
    ev.field("state", state);
    ev.field("severity_word", str_of(f.get("severity")));
    for (field, key) in [
        ("parent", "parent"),
        ("canonical_name", "canonicalName"),
        ("resource_name", "resourceName"),
        ("event_time", "eventTime"),
        ("create_time", "createTime"),
        ("mute", "mute"),
        ("external_uri", "externalUri"),
        ("next_steps", "nextSteps"),
        ("module_name", "moduleName"),
        ("parent_display_name", "parentDisplayName"),
    ] {
        ev.field(field, str_of(f.get(key)));
    }
    if let Some(r) = resource {
        for (field, key) in [
            ("resource_display_name", "displayName"),
            ("resource_type", "type"),
            ("project_display_name", "projectDisplayName"),
        ] {
            ev.field(field, str_of(r.get(key)));
        }
    }
    if let Some(Value::Object(sp)) = f.get("sourceProperties") {
        if !sp.is_empty() {
            ev.field("source_properties", Value::Object(sp.clone()));
        }
    }
    if let Some(Value::Object(m)) = f.get("mitreAttack") {
        mitre_tags(m, &mut ev);
    }

    let seen = entities::entities(f, resource, &mut ev);
    if kind == EventKind::Posture {
        let failure = Failure {
            control: category.to_string(),
            name: category.to_string(),
            severity: ev.severity,
            namespace: seen.namespace.clone(),
            kind: seen.object.as_ref().map(|(k, _)| k.clone()),
            resource: seen.object.as_ref().map(|(_, n)| n.clone()),
            detail: ev.message.clone(),
            fix: str_of(f.get("nextSteps")).unwrap_or_default().to_string(),
        };
        ev.field("scanner", "Security Command Center");
        ev.field("failures", serde_json::to_value([failure]).unwrap_or(Value::Null));
        ev.field("failed", 1u64);
    }
    ev.add_search(category);
    ev.add_search(&stable);
    Ok(ev)
}

/// SCC's tactics and techniques as ATT&CK ids; names the table lacks stay
/// in `fields.unmapped_mitre`.
fn mitre_tags(m: &Obj, ev: &mut NewEvent) {
    let mut unmapped = Vec::new();
    let names = |key: &str| -> Vec<String> {
        match m.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(|v| str_of(Some(v))).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    };
    for (key, tactic) in [
        ("primaryTactic", true),
        ("additionalTactics", true),
        ("primaryTechniques", false),
        ("additionalTechniques", false),
    ] {
        for n in names(key) {
            if n.ends_with("_UNSPECIFIED") {
                continue;
            }
            match mitre_id(&n, tactic) {
                Some(id) => {
                    let list = if tactic { &mut ev.tactics } else { &mut ev.techniques };
                    if !list.iter().any(|x| x == id) {
                        list.push(id.to_string());
                    }
                }
                None => unmapped.push(Value::from(n)),
            }
        }
    }
    ev.field("mitre_primary_tactic", str_of(m.get("primaryTactic")));
    ev.field("mitre_version", str_of(m.get("version")));
    if !unmapped.is_empty() {
        ev.field("unmapped_mitre", unmapped);
    }
}
