//! The blast radius of an incident's identities: what each may do by RBAC,
//! drawn in the incident graph as `can` edges from the identity to
//! permission nodes ("can get, list" → "secrets in shop"). Added after the
//! graph is built from evidence, because it comes from the snapshot's
//! roles and bindings rather than from anything that happened — except
//! where the incident's own API requests used a grant: that edge says what
//! they did ("listed secrets") and carries those records, so the attack path
//! runs through it.

use super::objects::Objects;
use super::rbac::{grants, Grant};
use crate::error::Result;
use crate::model::EntityKind;
use crate::incident::evidence::Evidence;
use crate::incident::graph::{Edge, Graph, Node};
use crate::incident::relations;
use crate::incident::signals::Signal;
use crate::store::{format_id, Case};
use std::collections::BTreeMap;

/// Grants drawn per identity, worst first; the rest become one node.
pub const DRAWN_PER_IDENTITY: usize = 12;

const RBAC_KINDS: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

fn node_id(g: &Grant) -> String {
    format!("perm:{}:{}", g.namespace.as_deref().unwrap_or("*"), g.resource)
}

fn permission_node(id: String, label: String, objects: Vec<i64>) -> Node {
    Node {
        id,
        kind: "permission".into(),
        label,
        key: None,
        tactics: Vec::new(),
        severity: None,
        first_seen: None,
        last_seen: None,
        evidence_count: objects.len(),
        evidence: objects.into_iter().map(format_id).collect(),
        signal_count: 0,
        member_count: 1,
        aggregated: false,
        members: Vec::new(),
    }
}

/// identity → permission, with the verbs and the bindings and roles that grant them.
fn can_edge(identity: &str, permission: &str, label: String, objects: impl Iterator<Item = i64>) -> Edge {
    let evidence: Vec<String> = objects.map(format_id).collect();
    Edge {
        id: format!("{}>{}:can", identity, permission),
        source: identity.to_string(),
        target: permission.to_string(),
        kind: "can".into(),
        first_seen: None,
        last_seen: None,
        evidence_count: evidence.len(),
        evidence,
        ports: Vec::new(),
        label: Some(label),
        exercised: None,
    }
}

/// One API request of the incident: who made it and what it asked.
struct Request<'a> {
    key: i64,
    actor: &'a str,
    verb: &'a str,
    resource: &'a str,
    subresource: Option<&'a str>,
    namespace: Option<&'a str>,
}

/// The request a record shows: an audit event's own fields, or what a
/// detection matched on it (`matched`). Refused requests did not use a grant.
fn request_of(s: &Signal) -> Option<Request<'_>> {
    let actor = s.entity(EntityKind::Identity, "actor")?.key.as_str();
    let matched = s.fields.get("matched");
    let field = |name: &str| s.field_str(name).or_else(|| matched?.get(name)?.as_str()).filter(|v| !v.is_empty());
    if s.fields.get("response_code").and_then(|c| c.as_i64()).is_some_and(|c| c >= 400) || s.message.contains("(403 Forbidden)") {
        return None;
    }
    Some(Request {
        key: s.key,
        actor,
        verb: field("verb")?,
        resource: field("resource")?,
        subresource: field("subresource"),
        namespace: field("namespace").or_else(|| s.entities_of(EntityKind::Namespace).map(|n| n.key.as_str()).next()),
    })
}

/// Whether a grant covers a request: its resource (with subresource), one of
/// its verbs, and its namespace (or cluster-wide).
fn covers(g: &Grant, r: &Request) -> bool {
    let resource = match r.subresource {
        Some(sub) => format!("{}/{}", r.resource, sub),
        None => r.resource.to_string(),
    };
    let res_ok = g.resource == "*" || g.resource == resource;
    let verb_ok = g.verbs.contains("*") || g.verbs.contains(r.verb);
    let ns_ok = match (&g.namespace, r.namespace) {
        (None, _) => true,
        (Some(ns), Some(rns)) => ns == rns,
        (Some(_), None) => false,
    };
    res_ok && verb_ok && ns_ok
}

/// Adds each identity's grants to `g` (nothing when the case holds no RBAC objects).
pub fn extend(case: &Case, g: &mut Graph, ev: &Evidence) -> Result<()> {
    let identities: Vec<(String, String)> =
        g.nodes.iter().filter(|n| n.kind == "identity" && !n.aggregated).filter_map(|n| Some((n.id.clone(), n.key.clone()?))).collect();
    if identities.is_empty() {
        return Ok(());
    }
    let objs = Objects::load_kinds(case, RBAC_KINDS)?;
    if objs.is_empty() {
        return Ok(());
    }
    let requests: Vec<Request> = ev.all().filter_map(request_of).collect();
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges = Vec::new();
    for (identity_node, identity) in identities {
        let mut all = grants(&objs, &identity);
        let mine: Vec<&Request> = requests.iter().filter(|r| r.actor == identity).collect();
        // Grants the incident used are drawn first, however many others there are.
        all.sort_by_key(|gr| !mine.iter().any(|r| covers(gr, r)));
        let (drawn, rest) = all.split_at(all.len().min(DRAWN_PER_IDENTITY));
        for gr in drawn {
            let id = node_id(gr);
            nodes.entry(id.clone()).or_insert_with(|| permission_node(id.clone(), gr.label(), Vec::new()));
            let used: Vec<&&Request> = mine.iter().filter(|r| covers(gr, r)).collect();
            let mut edge = can_edge(&identity_node, &id, gr.verbs_label(), gr.objects.iter().copied());
            if !used.is_empty() {
                edge.exercised = relations::requests_words(used.iter().map(|r| relations::request_words(r.verb, r.resource, r.subresource)));
                let mut keys: Vec<i64> = used.iter().map(|r| r.key).collect();
                keys.sort();
                keys.dedup();
                edge.evidence.extend(keys.into_iter().map(format_id));
                edge.evidence_count = edge.evidence.len();
            }
            edges.push(edge);
            let n = nodes.get_mut(&id).expect("inserted above");
            for o in &gr.objects {
                let o = format_id(*o);
                if !n.evidence.contains(&o) {
                    n.evidence.push(o);
                }
            }
            n.evidence_count = n.evidence.len();
        }
        if !rest.is_empty() {
            let id = format!("perm-more:{}", identity_node);
            let mut objects: Vec<i64> = rest.iter().flat_map(|r| r.objects.iter().copied()).collect();
            objects.sort();
            objects.dedup();
            let label = format!("{} more resources", rest.len());
            edges.push(can_edge(&identity_node, &id, "can also act on".into(), objects.iter().copied()));
            nodes.insert(id.clone(), permission_node(id, label, objects));
        }
    }
    g.nodes.extend(nodes.into_values());
    g.edges.extend(edges);
    g.nodes.sort_by(|a, b| (&a.kind, &a.label, &a.id).cmp(&(&b.kind, &b.label, &b.id)));
    g.edges.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(())
}
