//! The blast radius of an incident's identities: what each may do by RBAC,
//! drawn in the incident graph as `can` edges from the identity to
//! permission nodes ("can get, list" → "secrets in shop"). Added after the
//! graph is built from evidence, because it comes from the snapshot's
//! roles and bindings rather than from anything that happened.

use super::objects::Objects;
use super::rbac::{grants, Grant};
use crate::error::Result;
use crate::incident::graph::{Edge, Graph, Node};
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
    }
}

/// Adds each identity's grants to `g` (nothing when the case holds no RBAC objects).
pub fn extend(case: &Case, g: &mut Graph) -> Result<()> {
    let identities: Vec<(String, String)> =
        g.nodes.iter().filter(|n| n.kind == "identity" && !n.aggregated).filter_map(|n| Some((n.id.clone(), n.key.clone()?))).collect();
    if identities.is_empty() {
        return Ok(());
    }
    let objs = Objects::load_kinds(case, RBAC_KINDS)?;
    if objs.is_empty() {
        return Ok(());
    }
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges = Vec::new();
    for (identity_node, identity) in identities {
        let all = grants(&objs, &identity);
        let (drawn, rest) = all.split_at(all.len().min(DRAWN_PER_IDENTITY));
        for gr in drawn {
            let id = node_id(gr);
            nodes.entry(id.clone()).or_insert_with(|| permission_node(id.clone(), gr.label(), Vec::new()));
            edges.push(can_edge(&identity_node, &id, gr.verbs_label(), gr.objects.iter().copied()));
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
