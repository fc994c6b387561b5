//! Hardening findings: what the case's snapshot objects (a `kubectl get -o
//! json` export or `kordon snapshot`) and an incident say about the
//! cluster's defences — each finding with its evidence (the objects behind
//! it), a severity and a concrete remediation, grouped under the review's
//! checklist. The words, severities and remediations are data
//! (`data/hardening.yaml`); each check's logic is a function named by its id.

mod checks;
mod objects;
mod posture;
pub mod blast;
pub mod rbac;

use crate::error::{Code, Error, Result};
use crate::incident::respond::{FindingRef, FollowUp};
use crate::store::Case;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use objects::Objects;

pub const HARDENING_YAML: &str = include_str!("../../data/hardening.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub category: String,
    pub severity: String,
    pub title: String,
    pub remediation: String,
    /// The incident recommendation's follow-up item this check's findings
    /// belong to; without one they make an item of their own.
    #[serde(default)]
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    version: u32,
    pub categories: Vec<Category>,
    pub allowed_registries: Vec<String>,
    pub checks: Vec<Check>,
}

pub fn content() -> &'static Content {
    static C: OnceLock<Content> = OnceLock::new();
    C.get_or_init(|| {
        let c: Content = serde_yaml_ng::from_str(HARDENING_YAML).expect("data/hardening.yaml is valid (tested)");
        assert_eq!(c.version, 1, "data/hardening.yaml: unsupported version");
        c
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub check: String,
    pub category: String,
    pub category_name: String,
    pub severity: String,
    pub title: String,
    pub remediation: String,
    /// What shows it, in words: the objects and the rules.
    pub evidence: Vec<String>,
    /// Event ids of the snapshot objects and posture reports behind it.
    pub objects: Vec<String>,
    /// Who found it: `Kordon` (from the snapshot), `Trivy`, `kube-bench`,
    /// `Kubescape` — one finding however many found the same issue.
    pub sources: Vec<String>,
}

/// A finding before its words: the check's id and its placeholders.
pub(crate) struct Raw {
    pub check: &'static str,
    pub vars: Vec<(&'static str, String)>,
    pub evidence: Vec<String>,
    pub objects: Vec<i64>,
}

/// Appends `x` unless `v` holds it already (evidence and objects keep their first order).
fn push_new<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn fill(template: &str, vars: &[(&'static str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{}}}", k), v);
    }
    out
}

/// What the findings are about: an incident's identities, pods and
/// namespaces, or (`None`) every workload in the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub identities: Vec<String>,
    pub pods: Vec<String>,
    pub namespaces: Vec<String>,
    pub whole_case: bool,
}

pub fn scope_of_incident(case: &Case, id: i64) -> Result<Scope> {
    let entities = crate::incident::detail::entity_summaries(case, id)?;
    Ok(Scope::of_entities(entities.iter().map(|e| (e.kind.as_str(), e.key.as_str()))))
}

impl Scope {
    /// An incident's scope from its entities (kind, key): its service
    /// accounts, its pods and their namespaces.
    pub fn of_entities<'a>(entities: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Scope {
        let of = |k: &str| entities.clone().filter(|e| e.0 == k).map(|e| e.1.to_string()).collect::<Vec<_>>();
        let pods = of("pod");
        let mut namespaces: Vec<String> = pods.iter().filter_map(|p| p.split_once('/').map(|x| x.0.to_string())).collect();
        namespaces.sort();
        namespaces.dedup();
        Scope { identities: of("identity").into_iter().filter(|i| i.starts_with("system:serviceaccount:")).collect(), pods, namespaces, whole_case: false }
    }
}

/// Puts `findings` into an incident's follow-up checklist: under the item
/// their check belongs to (`follow_up` in data/hardening.yaml), or as an
/// item of their own per check, worst first as `findings` are.
pub fn into_follow_up(findings: &[Finding], items: &mut Vec<FollowUp>) {
    let c = content();
    for f in findings {
        let r = FindingRef { check: f.check.clone(), severity: f.severity.clone(), title: f.title.clone() };
        let home = c.checks.iter().find(|k| k.id == f.check).and_then(|k| k.follow_up.clone());
        if let Some(item) = home.as_ref().and_then(|h| items.iter_mut().find(|i| &i.item == h)) {
            item.findings.push(r);
            continue;
        }
        let own = format!("hardening:{}", f.check);
        match items.iter_mut().find(|i| i.item == own) {
            Some(item) => item.findings.push(r),
            None => items.push(FollowUp { item: own, text: f.remediation.clone(), findings: vec![r] }),
        }
    }
}

/// The findings for `scope`, most severe first, grouped by category order:
/// Kordon's own from the snapshot, merged with the posture reports'.
pub fn findings(case: &Case, scope: &Scope) -> Result<Vec<Finding>> {
    let objs = Objects::load(case)?;
    let reported = posture::load(case)?;
    if objs.is_empty() && reported.is_empty() {
        return Err(Error::input(
            Code::NotFound,
            "the case holds no snapshot objects and no posture report: import a `kubectl get -o json` export, a `kordon snapshot` bundle, or a Trivy, kube-bench or Kubescape report first",
        ));
    }
    let scope = if scope.whole_case { objs.whole_scope() } else { scope.clone() };
    let c = content();
    let mut out = if objs.is_empty() { Vec::new() } else { own(&objs, &scope, c) };
    posture::merge(&mut out, &reported, &scope, &objs, c);
    let mut out: Vec<Finding> = out.into_iter().map(|(f, _)| f).collect();
    let cat_rank = |id: &str| c.categories.iter().position(|x| x.id == id).unwrap_or(usize::MAX);
    let sev_rank = |s: &str| crate::model::Severity::parse(s).map(crate::store::writer::severity_rank).unwrap_or(0);
    out.sort_by(|a, b| cat_rank(&a.category).cmp(&cat_rank(&b.category)).then(sev_rank(&b.severity).cmp(&sev_rank(&a.severity))).then(a.title.cmp(&b.title)));
    Ok(out)
}

/// Kordon's own findings, each with what it is about; the findings a check
/// makes once per pod of one workload in the same words are one.
fn own(objs: &Objects, scope: &Scope, c: &Content) -> Vec<(Finding, posture::About)> {
    let checks: BTreeMap<&str, &Check> = c.checks.iter().map(|k| (k.id.as_str(), k)).collect();
    let mut out: Vec<(Finding, posture::About)> = Vec::new();
    for r in checks::run(objs, scope, c) {
        let Some(k) = checks.get(r.check) else { continue };
        let Some(cat) = c.categories.iter().find(|x| x.id == k.category) else { continue };
        let mut about = posture::About::default();
        for (name, value) in &r.vars {
            if *name == "namespace" {
                about.namespaces.insert(value.clone());
            }
        }
        for id in &r.objects {
            if let Some(o) = objs.by_id(*id) {
                about.labels.insert(o.label());
                about.namespaces.extend(o.namespace.clone());
                if o.kind == "Pod" {
                    about.labels.insert(checks::workload_of(o));
                }
            }
        }
        let finding = Finding {
            check: k.id.clone(),
            category: cat.id.clone(),
            category_name: cat.name.clone(),
            severity: k.severity.clone(),
            title: fill(&k.title, &r.vars),
            remediation: fill(&k.remediation, &r.vars),
            evidence: r.evidence,
            objects: r.objects.iter().map(|i| crate::store::format_id(*i)).collect(),
            sources: vec!["Kordon".to_string()],
        };
        match out.iter_mut().find(|(f, _)| f.check == finding.check && f.title == finding.title) {
            Some((f, a)) => {
                finding.evidence.into_iter().for_each(|e| push_new(&mut f.evidence, e));
                finding.objects.into_iter().for_each(|o| push_new(&mut f.objects, o));
                a.labels.extend(about.labels);
                a.namespaces.extend(about.namespaces);
            }
            None => out.push((finding, about)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_validates_and_every_check_has_a_category() {
        let c = content();
        for k in &c.checks {
            assert!(c.categories.iter().any(|x| x.id == k.category), "{}: unknown category {}", k.id, k.category);
            assert!(crate::model::Severity::parse(&k.severity).is_some(), "{}: severity {}", k.id, k.severity);
            if let Some(item) = &k.follow_up {
                let known = ["reduce-rbac", "network-policy", "image-provenance", "admission-control", "rotate-credentials"];
                assert!(known.contains(&item.as_str()), "{}: unknown follow-up item {}", k.id, item);
            }
        }
        for id in checks::IDS {
            assert!(c.checks.iter().any(|k| k.id == *id), "check {} has no words in data/hardening.yaml", id);
        }
    }
}
