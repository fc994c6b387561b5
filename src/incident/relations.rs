//! Typed relations between entities (`data/relations.yaml`), read from the
//! roles each record gives the entities it names.
//!
//! A Falco alert names a pod, a container and a process; a Tetragon kprobe a
//! process and the address it connected to; a snapshot Pod its owner, node
//! and service account. The rules turn those co-occurrences into edges —
//! `owns`, `runs`, `token-of`, `connected-to` … — each with the time it was
//! first and last seen and the records behind it, so that every line in the
//! graph can be explained.

use super::signals::Signal;
use crate::error::{Code, Error, Result};
use crate::model::EntityKind;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const RELATIONS_YAML: &str = include_str!("../../data/relations.yaml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    pub kind: EntityKind,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub from: End,
    pub to: End,
    pub kind: String,
    pub unless: Option<End>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    from: String,
    to: String,
    kind: String,
    #[serde(default)]
    unless: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: u32,
    relations: Vec<RawRule>,
    /// How the graph words each relation on its edge (`{ports}`: " :4444").
    #[serde(default)]
    verbs: BTreeMap<String, String>,
    /// How API requests word an "acted on" edge, by `verb resource[/sub]`.
    #[serde(default)]
    requests: BTreeMap<String, String>,
}

fn end(text: &str) -> Result<End> {
    let bad = || Error::input(Code::InvalidRules, format!("relations: '{}' is not kind/role", text));
    let (kind, role) = text.split_once('/').ok_or_else(bad)?;
    let kind = EntityKind::parse(kind).ok_or_else(bad)?;
    if role.is_empty() {
        return Err(bad());
    }
    Ok(End { kind, role: role.to_string() })
}

fn parse_file(text: &str) -> Result<RawFile> {
    let raw: RawFile = serde_yaml_ng::from_str(text)
        .map_err(|e| Error::input(Code::InvalidRules, format!("relations: {}", e)))?;
    if raw.version != 1 {
        return Err(Error::input(Code::InvalidRules, format!("relations: version {} is not supported", raw.version)));
    }
    Ok(raw)
}

/// The wording of each relation kind on the graph's edges; every kind a
/// relation names has one, and no wording names a kind no relation has.
pub fn parse_verbs(text: &str) -> Result<BTreeMap<String, String>> {
    Ok(verbs_of(&parse_file(text)?)?.clone())
}

fn verbs_of(raw: &RawFile) -> Result<&BTreeMap<String, String>> {
    let kinds: BTreeSet<&str> = raw.relations.iter().map(|r| r.kind.as_str()).collect();
    for k in &kinds {
        if !raw.verbs.contains_key(*k) {
            return Err(Error::input(Code::InvalidRules, format!("relations: no verb words '{}'", k)));
        }
    }
    for k in raw.verbs.keys() {
        if !kinds.contains(k.as_str()) {
            return Err(Error::input(Code::InvalidRules, format!("relations: verb for '{}', which no relation has", k)));
        }
    }
    Ok(&raw.verbs)
}

/// data/relations.yaml, read once: its rules and the graph's words.
struct Shipped {
    rules: Vec<Rule>,
    verbs: BTreeMap<String, String>,
    requests: BTreeMap<String, String>,
}

fn shipped() -> &'static Shipped {
    static SHIPPED: OnceLock<Shipped> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let valid = "data/relations.yaml is valid (pinned by tests)";
        let raw = parse_file(RELATIONS_YAML).expect(valid);
        Shipped {
            rules: rules_of(&raw).expect(valid),
            verbs: verbs_of(&raw).expect(valid).clone(),
            requests: raw.requests.clone(),
        }
    })
}

pub fn verbs() -> &'static BTreeMap<String, String> {
    &shipped().verbs
}

fn requests() -> &'static BTreeMap<String, String> {
    &shipped().requests
}

/// What one API request did, in the graph's words: "exec into" for
/// `get pods/exec`, else "verb resource[/subresource]".
pub fn request_words(verb: &str, resource: &str, subresource: Option<&str>) -> String {
    let what = match subresource {
        Some(sub) if !sub.is_empty() => format!("{} {}/{}", verb, resource, sub),
        _ => format!("{} {}", verb, resource),
    };
    requests().get(&what).cloned().unwrap_or(what)
}

/// The words of an edge made of API requests: the most frequent first, two
/// at most and how many more ("exec into, get pods"); `None` without any.
pub fn requests_words(requests: impl IntoIterator<Item = String>) -> Option<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in requests {
        *counts.entry(r).or_default() += 1;
    }
    let mut all: Vec<(String, usize)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown: Vec<&str> = all.iter().take(2).map(|(w, _)| w.as_str()).collect();
    match all.len() {
        0 => None,
        n if n > 2 => Some(format!("{} and {} more", shown.join(", "), n - 2)),
        _ => Some(shown.join(", ")),
    }
}

/// An edge's words: its relation's verb, with the ports it saw.
pub fn edge_words(kind: &str, ports: &[u64]) -> Option<String> {
    let verb = verbs().get(kind)?;
    let ports = if ports.is_empty() {
        String::new()
    } else {
        format!(" :{}", ports.iter().map(u64::to_string).collect::<Vec<_>>().join(","))
    };
    Some(verb.replace("{ports}", &ports))
}

pub fn parse_rules(text: &str) -> Result<Vec<Rule>> {
    rules_of(&parse_file(text)?)
}

fn rules_of(raw: &RawFile) -> Result<Vec<Rule>> {
    raw.relations
        .iter()
        .map(|r| {
            Ok(Rule {
                from: end(&r.from)?,
                to: end(&r.to)?,
                kind: r.kind.clone(),
                unless: r.unless.as_deref().map(end).transpose()?,
            })
        })
        .collect()
}

pub fn builtin() -> &'static [Rule] {
    &shipped().rules
}

/// One typed edge with its evidence.
#[derive(Debug, Clone)]
pub struct Relation {
    pub from: i64,
    pub to: i64,
    pub kind: String,
    pub first_ns: i64,
    pub last_ns: i64,
    /// Stable keys of the records behind it, ascending.
    pub evidence: BTreeSet<i64>,
    /// Destination ports seen on `connected-to` edges.
    pub ports: BTreeSet<u64>,
}

fn port_of(ev: &Signal) -> Option<u64> {
    ["dst_port", "remote_port", "destination_port"].iter().find_map(|k| match ev.fields.get(*k) {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    })
}

/// The relations these records support, keyed (from, to, the kind's first
/// rule): one relation per pair and kind, whichever rule found it.
pub fn derive<'a>(rules: &[Rule], events: impl IntoIterator<Item = &'a Signal>) -> BTreeMap<(i64, i64, usize), Relation> {
    let mut out: BTreeMap<(i64, i64, usize), Relation> = BTreeMap::new();
    let kind_index: Vec<usize> =
        rules.iter().map(|r| rules.iter().position(|x| x.kind == r.kind).unwrap_or(0)).collect();
    for ev in events {
        let has = |e: &End| ev.entities.iter().any(|n| n.kind == e.kind && n.role == e.role);
        for (ri, rule) in rules.iter().enumerate() {
            if rule.unless.as_ref().is_some_and(has) {
                continue;
            }
            for a in ev.entities.iter().filter(|n| n.kind == rule.from.kind && n.role == rule.from.role) {
                for b in ev.entities.iter().filter(|n| n.kind == rule.to.kind && n.role == rule.to.role) {
                    if a.id == b.id {
                        continue;
                    }
                    let r = out.entry((a.id, b.id, kind_index[ri])).or_insert_with(|| Relation {
                        from: a.id,
                        to: b.id,
                        kind: rule.kind.clone(),
                        first_ns: ev.time_ns,
                        last_ns: ev.time_ns,
                        evidence: BTreeSet::new(),
                        ports: BTreeSet::new(),
                    });
                    r.first_ns = r.first_ns.min(ev.time_ns);
                    r.last_ns = r.last_ns.max(ev.time_ns);
                    r.evidence.insert(ev.key);
                    if rule.to.kind == EntityKind::Ip {
                        r.ports.extend(port_of(ev));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::signals::Named;
    use crate::model::{Severity, Source};

    #[test]
    fn every_relation_has_its_words_on_the_graph() {
        assert_eq!(edge_words("connected-to", &[4444]).as_deref(), Some("connected to :4444"));
        assert_eq!(edge_words("connected-to", &[]).as_deref(), Some("connected to"));
        assert_eq!(edge_words("started", &[]).as_deref(), Some("started"));
        assert_eq!(edge_words("can", &[]), None, "permissions are worded by the blast radius");
        assert_eq!(request_words("get", "pods", Some("exec")), "exec into");
        assert_eq!(request_words("list", "secrets", None), "listed secrets");
        assert_eq!(request_words("list", "configmaps", None), "list configmaps");
        assert_eq!(request_words("get", "pods", Some("")), "get pods");
        let words = |v: &[&str]| requests_words(v.iter().map(|s| s.to_string()));
        assert_eq!(words(&["get pods", "exec into", "exec into"]).as_deref(), Some("exec into, get pods"));
        assert_eq!(words(&["a", "b", "c", "d"]).as_deref(), Some("a, b and 2 more"));
        assert_eq!(words(&[]), None);
        let missing = RELATIONS_YAML.replace("  started: started\n", "");
        assert!(parse_verbs(&missing).unwrap_err().to_string().contains("no verb words 'started'"));
        let stray = RELATIONS_YAML.replace("verbs:\n", "verbs:\n  teleported: teleported\n");
        assert!(parse_verbs(&stray).unwrap_err().to_string().contains("'teleported'"));
    }

    fn ev(key: i64, t: i64, ents: &[(i64, EntityKind, &str)], fields: serde_json::Value) -> Signal {
        Signal {
            event_id: key,
            key,
            time_ns: t,
            source: Source::Tetragon,
            rule: None,
            title: String::new(),
            message: String::new(),
            severity: Severity::Info,
            mapped: Default::default(),
            fields: fields.as_object().cloned().unwrap_or_default(),
            entities: ents
                .iter()
                .map(|(id, kind, role)| Named { id: *id, kind: *kind, key: id.to_string().as_str().into(), role: (*role).into() })
                .collect(),
        }
    }

    #[test]
    fn every_shipped_rule_parses_and_names_known_kinds() {
        let rules = builtin();
        assert!(rules.len() >= 15);
        assert!(rules.iter().any(|r| r.kind == "token-of"));
    }

    #[test]
    fn a_process_with_a_parent_hangs_from_the_parent_not_the_container() {
        let e = ev(
            1,
            10,
            &[(100, EntityKind::Container, "container"), (200, EntityKind::Process, "process"), (300, EntityKind::Process, "parent-process")],
            serde_json::json!({}),
        );
        let rels = derive(builtin(), [&e]);
        let kinds: Vec<(i64, i64, &str)> = rels.values().map(|r| (r.from, r.to, r.kind.as_str())).collect();
        assert!(kinds.contains(&(300, 200, "started")));
        assert!(kinds.contains(&(100, 300, "runs")));
        assert!(!kinds.contains(&(100, 200, "runs")), "{:?}", kinds);
    }

    #[test]
    fn connections_collect_ports_times_and_evidence() {
        let a = ev(1, 10, &[(200, EntityKind::Process, "process"), (400, EntityKind::Ip, "destination-ip")], serde_json::json!({"dst_port": 6379}));
        let b = ev(2, 30, &[(200, EntityKind::Process, "process"), (400, EntityKind::Ip, "destination-ip")], serde_json::json!({"dst_port": "2375"}));
        let rels = derive(builtin(), [&a, &b]);
        let r = rels.values().find(|r| (r.from, r.to, r.kind.as_str()) == (200, 400, "connected-to")).unwrap();
        assert_eq!((r.first_ns, r.last_ns), (10, 30));
        assert_eq!(r.evidence.iter().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(r.ports.iter().copied().collect::<Vec<_>>(), vec![2375, 6379]);
    }

    #[test]
    fn a_bound_token_links_the_identity_to_its_pod_and_the_caller_address() {
        let e = ev(
            1,
            5,
            &[(10, EntityKind::Identity, "actor"), (20, EntityKind::Pod, "token-pod"), (30, EntityKind::Ip, "source-ip")],
            serde_json::json!({}),
        );
        let rels = derive(builtin(), [&e]);
        let has = |a: i64, b: i64, k: &str| rels.values().any(|r| (r.from, r.to, r.kind.as_str()) == (a, b, k));
        assert!(has(10, 20, "token-of"));
        assert!(has(30, 10, "used"));
    }

    #[test]
    fn cloud_identities_link_sessions_roles_web_identities_and_clusters() {
        use EntityKind::{Cluster, Identity, Ip};
        // IRSA: a service account (10) exchanged its token from 40 for role
        // 20 and got session 30; the session then called as the actor.
        let irsa = ev(1, 5, &[(10, Identity, "web-identity"), (20, Identity, "assumed-role"), (30, Identity, "session"), (40, Ip, "source-ip")], serde_json::json!({}));
        let call = ev(2, 6, &[(30, Identity, "actor"), (20, Identity, "session-issuer"), (40, Ip, "source-ip")], serde_json::json!({}));
        // An EKS audit event: role 20's session 30 authenticated as user 50.
        let audit = ev(3, 7, &[(50, Identity, "actor"), (20, Identity, "cloud-principal"), (30, Identity, "cloud-session")], serde_json::json!({}));
        // A credentials fetch: 60 got the credentials of cluster 70.
        let creds = ev(4, 8, &[(60, Identity, "actor"), (70, Cluster, "cluster"), (70, Cluster, "credentials")], serde_json::json!({}));
        let rels = derive(builtin(), [&irsa, &call, &audit, &creds]);
        let has = |a: i64, b: i64, k: &str| rels.values().any(|r| (r.from, r.to, r.kind.as_str()) == (a, b, k));
        assert!(has(10, 20, "assumed"));
        assert!(has(40, 10, "used"));
        assert!(has(40, 30, "used"));
        assert!(has(20, 50, "acted-as"));
        assert!(has(60, 70, "got-credentials-of"));
        let session_of = rels.values().find(|r| (r.from, r.to, r.kind.as_str()) == (30, 20, "session-of")).unwrap();
        assert_eq!(session_of.evidence.iter().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        // The web identity is no session of the role, and no one merely
        // naming a cluster got its credentials.
        assert!(!has(10, 20, "session-of"));
        assert_eq!(rels.values().filter(|r| r.to == 70).count(), 1);
    }

    #[test]
    fn malformed_rules_are_refused() {
        assert!(parse_rules("version: 1\nrelations:\n  - {from: pod, to: container/container, kind: runs}\n").is_err());
        assert!(parse_rules("version: 1\nrelations:\n  - {from: pods/pod, to: container/container, kind: runs}\n").is_err());
        assert!(parse_rules("version: 2\nrelations: []\n").is_err());
    }
}
