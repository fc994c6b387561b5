//! What the investigator decided, as one STIX 2.1 bundle for a
//! threat-intelligence platform.
//!
//! Only the entities an investigator marked malicious or suspicious on an
//! incident (`kordon verdict`) leave the case: detections are leads, a
//! verdict is a finding worth sharing. Each such entity that STIX has an
//! observable for becomes:
//!
//! * its observable: `ipv4-addr`/`ipv6-addr`, `domain-name`, `file` (its name,
//!   its SHA-256 when the evidence gave one, and a `directory` for where it
//!   lay) or, for a container image, `software` named by its reference and
//!   versioned by its tag (STIX has no container type; `software` needs no
//!   custom property and validates);
//! * an `observed-data` saying when and how often the case saw it;
//! * an `indicator` with a STIX pattern matching it, `malicious-activity` or
//!   `anomalous-activity` by the verdict (the stronger verdict wins when two
//!   incidents disagree), and a `based-on` relationship to the observed data
//!   (the relationship the specification defines between the two).
//!
//! Each incident is a `grouping` (context `suspicious-activity`: what an
//! investigation collected, not a finished report) referring to its objects,
//! and an `identity` names Kordon as the producer.
//!
//! Ids are deterministic, so exporting the same case twice gives the same
//! bundle and a platform updates objects instead of duplicating them:
//! observables use the specification's UUIDv5 scheme (the STIX namespace over
//! the canonical JSON of their id-contributing properties); everything else
//! is a UUIDv5 in Kordon's namespace over what the object stands for (the
//! incident's id, the pattern and the incidents behind it). Times come from
//! the case — when the incident was made and last changed, when verdicts were
//! set, when an entity was first and last seen — with the injected clock only
//! where the case has none, in STIX's form (UTC, milliseconds, `Z`).
//! Every value from evidence is escaped for the pattern language (`\` and
//! `'` in a quoted literal) and JSON does the rest.

use super::{io_err, write_export};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::format_incident_id;
use crate::model::EntityKind;
use crate::store::Case;
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use uuid::Uuid;

/// The specification's namespace for observables' ids (STIX 2.1, 2.9).
const STIX_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// Kordon's namespace for the ids of everything else. Chosen once; changing
/// it would give every object ever exported a new id.
const KORDON_NAMESPACE: Uuid = Uuid::from_u128(0x4d31f94b_1ebf_5f55_be28_9a11b83c301a);

/// Kordon as a producer is one identity, the same in every bundle, so its
/// creation time is fixed too (a new `created` under the same id would be
/// a conflicting version).
const PRODUCER_CREATED: &str = "2026-01-01T00:00:00.000Z";

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub path: String,
    /// The incidents in the bundle.
    pub incidents: Vec<String>,
    pub indicators: usize,
    /// Verdicts left out: kinds STIX has no observable for here (pods,
    /// identities, processes …), or a key that is no address.
    pub skipped: Vec<String>,
}

struct Incident {
    id: i64,
    title: String,
    severity: String,
    status: String,
    classification: Option<String>,
    determination: Option<String>,
    tags: Vec<String>,
    created_ns: i64,
    modified_ns: i64,
    first_ns: Option<i64>,
}

/// An entity with a verdict of malicious or suspicious on some incident.
struct Flagged {
    entity_id: i64,
    kind: String,
    key: String,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
    /// (incident, verdict, when set).
    verdicts: Vec<(i64, String, i64)>,
}

/// An observable built from an entity: its objects (the main one first) and
/// a pattern that matches it.
pub struct Observable {
    pub objects: Vec<Value>,
    pub pattern: String,
    /// How people call it: "address", "domain", "file", "container image".
    pub noun: &'static str,
    /// What the evidence adds that the observable has no property for (an
    /// image's digest), said in the indicator's description.
    pub detail: Option<String>,
}

/// Writes the bundle for one incident (`Some(id)`) or every incident with a
/// verdict worth sharing.
pub fn export(
    case: &Case,
    clock: &dyn Clock,
    incident: Option<i64>,
    path: &Path,
) -> Result<Summary> {
    let (bundle, summary) = bundle(case, clock, incident, path)?;
    write_export(path, &mut |w| {
        serde_json::to_writer_pretty(&mut *w, &bundle).map_err(|e| io_err(path)(e.into()))?;
        w.write_all(b"\n").map_err(io_err(path))
    })?;
    Ok(summary)
}

/// The bundle, built in memory (it holds verdicts, which people set by hand:
/// dozens, not millions).
pub fn bundle(
    case: &Case,
    clock: &dyn Clock,
    incident: Option<i64>,
    path: &Path,
) -> Result<(Value, Summary)> {
    let incidents = incidents(case, incident)?;
    let flagged = flagged(case, incident)?;
    let mut summary = Summary {
        path: path.display().to_string(),
        incidents: Vec::new(),
        indicators: 0,
        skipped: Vec::new(),
    };

    let identity_id = sdo_id("identity", "kordon");
    let mut objects: Vec<Value> = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": PRODUCER_CREATED,
        "modified": PRODUCER_CREATED,
        "name": "Kordon",
        "description": "Offline forensic review and containment of Kubernetes incidents; the verdicts are an investigator's.",
        "identity_class": "system",
    })];
    let mut seen: BTreeSet<String> = BTreeSet::new();
    // Per incident, the ids its grouping refers to.
    let mut refs: BTreeMap<i64, Vec<String>> = BTreeMap::new();

    for f in &flagged {
        let Some(kind) = EntityKind::parse(&f.kind) else {
            continue;
        };
        let attr = |name: &str| entity_attr(case, f.entity_id, name);
        let Some(obs) = observable(
            kind,
            &f.key,
            attr("sha256")?.as_deref(),
            attr("digest")?.as_deref(),
        ) else {
            summary.skipped.push(format!("{} {}", f.kind, f.key));
            continue;
        };
        let malicious = f.verdicts.iter().any(|(_, v, _)| v == "malicious");
        let verdict = if malicious { "malicious" } else { "suspicious" };
        let of: Vec<&Incident> = f
            .verdicts
            .iter()
            .filter_map(|(i, _, _)| incidents.get(i))
            .collect();
        if of.is_empty() {
            continue;
        }
        let names: Vec<String> = of.iter().map(|i| format_incident_id(i.id)).collect();
        let created_ns = of.iter().map(|i| i.created_ns).min().unwrap_or(0);
        let modified_ns = f
            .verdicts
            .iter()
            .map(|(_, _, at)| *at)
            .max()
            .unwrap_or(created_ns)
            .max(created_ns);
        let now = clock.now_ns();
        let first = f
            .first_ns
            .or_else(|| of.iter().filter_map(|i| i.first_ns).min())
            .unwrap_or(now);
        let last = f.last_ns.unwrap_or(first).max(first);
        let events: i64 = case.conn.query_row(
            "SELECT COUNT(DISTINCT event_id) FROM event_entities WHERE entity_id = ?1",
            [f.entity_id],
            |r| r.get(0),
        )?;

        let sco_ids: Vec<String> = obs
            .objects
            .iter()
            .map(|o| o["id"].as_str().unwrap_or_default().to_string())
            .collect();
        let main = sco_ids[0].clone();
        let stands_for = format!("{}|{}", main, names.join(","));
        let observed_id = sdo_id("observed-data", &stands_for);
        let indicator_id = sdo_id("indicator", &stands_for);
        let relationship_id = sdo_id(
            "relationship",
            &format!("based-on|{}|{}", indicator_id, observed_id),
        );
        let (created, modified) = (stix_time(created_ns), stix_time(modified_ns));
        let seen_text = format!(
            "Seen in {} event{} of the case from {} to {}.",
            events,
            if events == 1 { "" } else { "s" },
            stix_time(first),
            stix_time(last)
        );
        let mut new = obs.objects.clone();
        new.push(json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": observed_id,
            "created_by_ref": identity_id,
            "created": created,
            "modified": modified,
            "first_observed": stix_time(first),
            "last_observed": stix_time(last),
            "number_observed": events.clamp(1, 999_999_999),
            "object_refs": sco_ids,
        }));
        new.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": indicator_id,
            "created_by_ref": identity_id,
            "created": created,
            "modified": modified,
            "name": format!("{} {} {}", capitalized(verdict), obs.noun, f.key),
            "description": format!(
                "Marked {} by the investigator in {}. {}{}",
                verdict,
                describe(&of),
                seen_text,
                obs.detail.as_deref().map(|d| format!(" {}", d)).unwrap_or_default()
            ),
            "indicator_types": [if malicious { "malicious-activity" } else { "anomalous-activity" }],
            "pattern": obs.pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": stix_time(first),
        }));
        new.push(json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": relationship_id,
            "created_by_ref": identity_id,
            "created": created,
            "modified": modified,
            "relationship_type": "based-on",
            "source_ref": indicator_id,
            "target_ref": observed_id,
        }));
        let ids: Vec<String> = new
            .iter()
            .map(|o| o["id"].as_str().unwrap_or_default().to_string())
            .collect();
        for o in new {
            if seen.insert(o["id"].as_str().unwrap_or_default().to_string()) {
                objects.push(o);
            }
        }
        summary.indicators += 1;
        for i in &of {
            let r = refs.entry(i.id).or_default();
            for id in &ids {
                if !r.contains(id) {
                    r.push(id.clone());
                }
            }
        }
    }

    for (id, object_refs) in refs {
        let i = &incidents[&id];
        let name = format_incident_id(id);
        let mut g = json!({
            "type": "grouping",
            "spec_version": "2.1",
            "id": sdo_id("grouping", &name),
            "created_by_ref": identity_id,
            "created": stix_time(i.created_ns),
            "modified": stix_time(i.modified_ns.max(i.created_ns)),
            "name": format!("{}: {}", name, i.title),
            "description": grouping_description(i),
            "context": "suspicious-activity",
            "object_refs": object_refs,
        });
        if !i.tags.is_empty() {
            g["labels"] = json!(i.tags);
        }
        objects.push(g);
        summary.incidents.push(name);
    }

    if summary.incidents.is_empty() {
        let whose = match incident {
            Some(id) => format!("{} has", format_incident_id(id)),
            None => "no incident of this case has".to_string(),
        };
        let left_out = if summary.skipped.is_empty() {
            String::new()
        } else {
            format!(" (left out: {})", summary.skipped.join(", "))
        };
        return Err(Error::input(
            Code::InvalidArgument,
            format!(
                "{} no entity marked malicious or suspicious that STIX can describe (an address, a domain, a file or a container image){}; \
                 mark one with `kordon verdict INC ENTITY malicious` first",
                whose,
                left_out
            ),
        ));
    }

    let mut fingerprint = String::new();
    for o in &objects {
        fingerprint.push_str(o["id"].as_str().unwrap_or_default());
        fingerprint.push('|');
        fingerprint.push_str(o["modified"].as_str().unwrap_or_default());
        fingerprint.push('\n');
    }
    let bundle = json!({
        "type": "bundle",
        "id": sdo_id("bundle", &fingerprint),
        "objects": objects,
    });
    Ok((bundle, summary))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "INC-1a2b3c4d (Crypto-mining in shop/cart-…)", several joined.
fn describe(of: &[&Incident]) -> String {
    of.iter()
        .map(|i| format!("{} ({})", format_incident_id(i.id), i.title))
        .collect::<Vec<_>>()
        .join(", ")
}

fn grouping_description(i: &Incident) -> String {
    let mut d = format!(
        "Kordon incident {}: severity {}, status {}",
        format_incident_id(i.id),
        i.severity,
        i.status
    );
    if let Some(c) = &i.classification {
        d.push_str(&format!(", classified {}", c));
        if let Some(det) = &i.determination {
            d.push_str(&format!(" ({})", det));
        }
    }
    d.push_str(". The objects are the entities the investigator marked malicious or suspicious.");
    d
}

/// The incidents in scope, by id; `Some(id)` must exist.
fn incidents(case: &Case, incident: Option<i64>) -> Result<BTreeMap<i64, Incident>> {
    if let Some(id) = incident {
        let found: Option<i64> = case
            .conn
            .query_row("SELECT id FROM incidents WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        if found.is_none() {
            return Err(Error::input(
                Code::NotFound,
                format!(
                    "no incident {} in this case (see `kordon incidents`)",
                    format_incident_id(id)
                ),
            ));
        }
    }
    let mut st = case.conn.prepare(
        "SELECT id, title, COALESCE(severity_override, severity), status, classification, determination, created_ns, updated_ns, first_ns,
                (SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM incident_tags t WHERE t.incident_id = incidents.id ORDER BY tag))
         FROM incidents WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
    )?;
    let mut touched = case
        .conn
        .prepare("SELECT MAX(at_ns) FROM activity WHERE target = ?1")?;
    let rows = st
        .query_map([incident], |r| {
            let tags: Option<String> = r.get(9)?;
            Ok(Incident {
                id: r.get(0)?,
                title: r.get(1)?,
                severity: crate::store::writer::severity_of_rank(r.get(2)?)
                    .as_str()
                    .to_string(),
                status: r.get(3)?,
                classification: r.get(4)?,
                determination: r.get(5)?,
                created_ns: r.get(6)?,
                modified_ns: r.get(7)?,
                first_ns: r.get(8)?,
                tags: tags
                    .map(|t| t.split('\n').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = BTreeMap::new();
    for mut i in rows {
        // A triage change (classification, tags) changes what the grouping
        // says, so it is a later version.
        let last: Option<i64> = touched.query_row([format_incident_id(i.id)], |r| r.get(0))?;
        i.modified_ns = i.modified_ns.max(last.unwrap_or(i64::MIN));
        out.insert(i.id, i);
    }
    Ok(out)
}

/// Entities with a verdict of malicious or suspicious, by kind and key.
fn flagged(case: &Case, incident: Option<i64>) -> Result<Vec<Flagged>> {
    let mut st = case.conn.prepare(
        "SELECT e.id, e.kind, e.key, e.first_ns, e.last_ns, v.incident_id, v.verdict, v.at_ns
         FROM entity_verdicts v JOIN entities e ON e.id = v.entity_id
         WHERE v.verdict IN ('malicious', 'suspicious') AND (?1 IS NULL OR v.incident_id = ?1)
         ORDER BY e.kind, e.key, v.incident_id",
    )?;
    let mut rows = st.query([incident])?;
    let mut out: Vec<Flagged> = Vec::new();
    while let Some(r) = rows.next()? {
        let entity_id: i64 = r.get(0)?;
        let verdict = (r.get(5)?, r.get(6)?, r.get(7)?);
        match out.last_mut() {
            Some(f) if f.entity_id == entity_id => f.verdicts.push(verdict),
            _ => out.push(Flagged {
                entity_id,
                kind: r.get(1)?,
                key: r.get(2)?,
                first_ns: r.get(3)?,
                last_ns: r.get(4)?,
                verdicts: vec![verdict],
            }),
        }
    }
    Ok(out)
}

/// A string attribute the evidence gave the entity.
fn entity_attr(case: &Case, entity: i64, name: &str) -> Result<Option<String>> {
    let v: Option<String> = case
        .conn
        .query_row(
            "SELECT value FROM entity_attrs WHERE entity_id = ?1 AND name = ?2",
            rusqlite::params![entity, name],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| v.as_str().map(str::to_string)))
}

/// The observable for an entity, or `None` for kinds STIX has none for here
/// (and for an address that does not parse as one).
pub fn observable(
    kind: EntityKind,
    key: &str,
    sha256: Option<&str>,
    digest: Option<&str>,
) -> Option<Observable> {
    if key.is_empty() {
        return None;
    }
    match kind {
        EntityKind::Ip => {
            let ty = match key.parse::<IpAddr>().ok()? {
                IpAddr::V4(_) => "ipv4-addr",
                IpAddr::V6(_) => "ipv6-addr",
            };
            let sco = sco(ty, json!({"value": key}));
            Some(Observable {
                objects: vec![sco],
                pattern: format!("[{}:value = {}]", ty, literal(key)),
                noun: "address",
                detail: None,
            })
        }
        // STIX's schema holds a domain-name to the hostname syntax; a key
        // that is not one (an attacker's record can say anything) has no
        // valid observable and is left out, as is an address that does not
        // parse.
        EntityKind::Domain if is_hostname(key) => Some(Observable {
            objects: vec![sco("domain-name", json!({"value": key}))],
            pattern: format!("[domain-name:value = {}]", literal(key)),
            noun: "domain",
            detail: None,
        }),
        EntityKind::File => {
            // A Unix path splits at its last `/` (a backslash is a character
            // of a name there); a Windows path at either separator.
            let split = if key.starts_with('/') {
                key.rfind('/')
            } else {
                key.rfind(['/', '\\'])
            };
            let (dir, name) = match split {
                Some(at) if at + 1 < key.len() => {
                    let dir = &key[..at];
                    (
                        Some(if dir.is_empty() { &key[..1] } else { dir }),
                        &key[at + 1..],
                    )
                }
                _ => (None, key),
            };
            let sha256 = sha256
                .map(str::to_ascii_lowercase)
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            let mut objects = Vec::new();
            let mut contributing = json!({"name": name});
            if let Some(h) = &sha256 {
                contributing["hashes"] = json!({"SHA-256": h});
            }
            let directory = dir.map(|d| sco("directory", json!({"path": d})));
            if let Some(d) = &directory {
                contributing["parent_directory_ref"] = d["id"].clone();
            }
            objects.push(sco("file", contributing));
            objects.extend(directory);
            let pattern = match (&sha256, dir) {
                (Some(h), _) => format!("[file:hashes.'SHA-256' = {}]", literal(h)),
                (None, Some(d)) => format!(
                    "[file:name = {} AND file:parent_directory_ref.path = {}]",
                    literal(name),
                    literal(d)
                ),
                (None, None) => format!("[file:name = {}]", literal(name)),
            };
            Some(Observable {
                objects,
                pattern,
                noun: "file",
                detail: None,
            })
        }
        EntityKind::Image => {
            let mut contributing = json!({"name": key});
            // The tag follows the last `:` after the last `/` (a registry's
            // port comes before a `/`).
            let tag = key
                .rsplit_once('/')
                .map_or(key, |(_, last)| last)
                .rsplit_once(':')
                .map(|(_, t)| t)
                .filter(|t| !t.is_empty());
            if let (Some(t), false) = (tag, key.starts_with("sha256:")) {
                contributing["version"] = json!(t);
            }
            Some(Observable {
                objects: vec![sco("software", contributing)],
                pattern: format!("[software:name = {}]", literal(key)),
                noun: "container image",
                detail: digest.map(|d| format!("The evidence names its digest {}.", d)),
            })
        }
        _ => None,
    }
}

/// Whether `name` is a host name: dot-separated labels of letters (any
/// script, for internationalized names), digits and inner hyphens.
fn is_hostname(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// An observable with its deterministic id: UUIDv5 in the STIX namespace
/// over the canonical JSON (RFC 8785) of its id-contributing properties.
/// `serde_json` writes exactly that form for these values: keys sorted
/// (its map is ordered), no spaces, strings escaped as JCS does.
fn sco(ty: &str, contributing: Value) -> Value {
    let canonical = contributing.to_string();
    let id = format!(
        "{}--{}",
        ty,
        Uuid::new_v5(&STIX_NAMESPACE, canonical.as_bytes())
    );
    let mut o = json!({"type": ty, "spec_version": "2.1", "id": id});
    if let Value::Object(m) = contributing {
        for (k, v) in m {
            o[k] = v;
        }
    }
    o
}

/// A Kordon object's id: UUIDv5 in Kordon's namespace over what it stands for.
fn sdo_id(ty: &str, stands_for: &str) -> String {
    format!(
        "{}--{}",
        ty,
        Uuid::new_v5(
            &KORDON_NAMESPACE,
            format!("{}|{}", ty, stands_for).as_bytes()
        )
    )
}

/// A quoted string literal of the STIX patterning language: a backslash and
/// a single quote are escaped, everything else stands as it is (JSON escapes
/// control characters when the pattern is written).
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// STIX's timestamp form: UTC, milliseconds, `Z`.
pub fn stix_time(ns: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(ns)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observable_ids_follow_the_specification() {
        // Reference values computed independently (Python's uuid5 over
        // json.dumps with sorted keys and no spaces).
        let ip = observable(EntityKind::Ip, "203.0.113.45", None, None).unwrap();
        assert_eq!(
            ip.objects[0]["id"],
            "ipv4-addr--cb9d70c5-d244-531c-9efb-bcae57adc793"
        );
        assert_eq!(ip.pattern, "[ipv4-addr:value = '203.0.113.45']");
        let file = observable(EntityKind::File, "/tmp/.x/xmrig", None, None).unwrap();
        assert_eq!(
            file.objects[1]["id"],
            "directory--c64e1f91-d90b-5c36-9002-9d416a6384de"
        );
        assert_eq!(
            file.objects[0]["id"],
            "file--c7f35bcc-c01d-5312-a5bb-c937c4283ab4"
        );
        assert_eq!(
            file.objects[0]["parent_directory_ref"],
            file.objects[1]["id"]
        );
        assert_eq!(
            file.pattern,
            "[file:name = 'xmrig' AND file:parent_directory_ref.path = '/tmp/.x']"
        );
        let idn = observable(EntityKind::Domain, "bücher.example", None, None).unwrap();
        assert_eq!(
            idn.objects[0]["id"],
            "domain-name--dbf3aff2-b3cd-57d2-9616-0ddfde9d01ad"
        );
        let hostile = observable(
            EntityKind::File,
            "/tmp/it's \"x\"\n\u{1b}\\/ev'il\\na\tme",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            hostile.objects[1]["id"],
            "directory--45f65d55-b23c-5c68-99de-e7c910595054"
        );
        assert_eq!(
            hostile.objects[0]["id"],
            "file--324b25c7-6655-5318-b0fc-d8f1443997d1"
        );
        assert_eq!(
            hostile.pattern,
            "[file:name = 'ev\\'il\\\\na\tme' AND file:parent_directory_ref.path = '/tmp/it\\'s \"x\"\n\u{1b}\\\\']"
        );
    }

    #[test]
    fn pattern_literals_escape_quotes_and_backslashes() {
        assert_eq!(literal("a'b\\c\"d\ne"), "'a\\'b\\\\c\"d\ne'");
        let f = observable(
            EntityKind::File,
            "x'] OR [domain-name:value = 'y",
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            f.pattern,
            "[file:name = 'x\\'] OR [domain-name:value = \\'y']"
        );
    }

    #[test]
    fn a_domain_or_address_that_is_none_is_left_out() {
        for bad in [
            "ev'il.example",
            "a\\b.example",
            "x\n.example",
            "-x.example",
            "a..b",
            "a b.example",
            "",
        ] {
            assert!(
                observable(EntityKind::Domain, bad, None, None).is_none(),
                "{:?}",
                bad
            );
        }
        assert!(observable(
            EntityKind::Domain,
            "lb-1.eu-west-1.elb.amazonaws.com",
            None,
            None
        )
        .is_some());
        assert!(observable(EntityKind::Ip, "1.2.3.4' OR '1'='1", None, None).is_none());
    }

    #[test]
    fn hashes_images_and_what_is_left_out() {
        let h = "AB".repeat(32);
        let f = observable(EntityKind::File, "C:\\Temp\\x.exe", Some(&h), None).unwrap();
        assert_eq!(f.objects[0]["hashes"]["SHA-256"], "ab".repeat(32));
        assert_eq!(f.objects[0]["name"], "x.exe");
        assert_eq!(f.objects[1]["path"], "C:\\Temp");
        assert_eq!(
            f.pattern,
            format!("[file:hashes.'SHA-256' = '{}']", "ab".repeat(32))
        );
        assert!(observable(EntityKind::File, "/x", Some("not-a-hash"), None)
            .unwrap()
            .objects[0]
            .get("hashes")
            .is_none());
        assert_eq!(
            observable(EntityKind::File, "/x", None, None)
                .unwrap()
                .objects[1]["path"],
            "/"
        );

        let i = observable(
            EntityKind::Image,
            "registry.local:5000/shop/cart:2.3.1",
            None,
            Some("sha256:00"),
        )
        .unwrap();
        assert_eq!(i.objects[0]["type"], "software");
        assert_eq!(i.objects[0]["version"], "2.3.1");
        assert!(i.detail.unwrap().contains("sha256:00"));
        assert!(observable(
            EntityKind::Image,
            "registry.local:5000/shop/cart",
            None,
            None
        )
        .unwrap()
        .objects[0]
            .get("version")
            .is_none());

        let v6 = observable(EntityKind::Ip, "2001:db8::1", None, None).unwrap();
        assert_eq!(v6.objects[0]["type"], "ipv6-addr");
        assert!(
            observable(EntityKind::Ip, "1.2.3.4' OR '1'='1", None, None).is_none(),
            "no address, no ipv4-addr"
        );
        assert!(observable(EntityKind::Pod, "shop/cart", None, None).is_none());
    }

    #[test]
    fn stix_times_have_milliseconds_and_z() {
        assert_eq!(
            stix_time(1_795_167_666_874_211_789),
            "2026-11-20T09:41:06.874Z"
        );
    }
}
