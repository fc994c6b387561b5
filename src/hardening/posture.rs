//! Posture scanners' failures (Trivy, kube-bench, Kubescape, and Security
//! Command Center's misconfiguration findings; see
//! `formats::posture`) as hardening findings, merged with Kordon's own.
//!
//! The same weakness is often found twice — Kordon sees from the snapshot
//! that `shop/cart`'s token is mounted, Trivy (KSV036) and Kubescape
//! (C-0034) flag the Deployment that mounts it — and a review must see it
//! once, with every tool that found it. `data/posture.yaml` says which
//! controls test what which check tests and what makes two findings the
//! same issue (the same object, namespace, or the cluster); a failure
//! joins a finding of that check about the same thing, else it is a
//! finding of its own. Nothing a scanner reported is dropped: a failure
//! outside the incident's scope is left for the whole case's view.

use super::objects::Objects;
use super::{fill, push_new, Content as Checks, Finding, Scope};
use crate::error::Result;
use crate::formats::posture::Failure;
use crate::model::Source;
use crate::store::Case;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const POSTURE_YAML: &str = include_str!("../../data/posture.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Content {
    version: u32,
    same_as: Vec<SameAs>,
    categories: Categories,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SameAs {
    check: String,
    #[serde(default)]
    per: Per,
    /// For a check of the scanners' own (not in data/hardening.yaml): its words.
    category: Option<String>,
    severity: Option<String>,
    title: Option<String>,
    remediation: Option<String>,
    #[serde(default)]
    trivy: Vec<String>,
    #[serde(default)]
    kubescape: Vec<String>,
    #[serde(default, rename = "kube-bench")]
    kube_bench: Vec<String>,
    /// Security Command Center finding categories.
    #[serde(default, rename = "gcp-scc")]
    scc: Vec<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Per {
    #[default]
    Resource,
    Namespace,
    Cluster,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Categories {
    vulnerabilities: String,
    secret: String,
    kinds: BTreeMap<String, String>,
    workloads: String,
    cluster: String,
}

pub(super) fn content() -> &'static Content {
    static C: OnceLock<Content> = OnceLock::new();
    C.get_or_init(|| {
        let c: Content = serde_yaml_ng::from_str(POSTURE_YAML).expect("data/posture.yaml is valid (tested)");
        assert_eq!(c.version, 1, "data/posture.yaml: unsupported version");
        c
    })
}

/// What a finding is about, to tell whether a scanner's failure is the
/// same issue: its objects ("Pod shop/x", "Deployment shop/cart", the
/// workloads owning its pods) and namespaces.
#[derive(Debug, Default, Clone)]
pub(super) struct About {
    pub labels: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
}

/// One failure as a report gave it.
pub(super) struct Reported {
    /// The posture event's id (`events.key`).
    pub event: i64,
    pub scanner: Source,
    pub failure: Failure,
}

/// The failures of every posture report in the case, in import order.
pub(super) fn load(case: &Case) -> Result<Vec<Reported>> {
    let mut st = case.conn.prepare("SELECT key, source, json_extract(fields, '$.failures') FROM events WHERE kind = 'posture' ORDER BY id")?;
    let rows: Vec<(i64, String, Option<String>)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (event, source, failures) in rows {
        let Some(scanner) = Source::parse(&source) else { continue };
        let list: Vec<Failure> = failures.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default();
        out.extend(list.into_iter().map(|failure| Reported { event, scanner, failure }));
    }
    Ok(out)
}

/// Who found a finding, in the words the story uses for the scanner.
fn scanner_name(s: Source) -> &'static str {
    match s {
        Source::Trivy | Source::KubeBench | Source::Kubescape | Source::Scc => crate::incident::story::source_name(s),
        _ => "Kordon",
    }
}

/// The line of `data/posture.yaml` naming this scanner's control.
fn rule_for(scanner: Source, control: &str) -> Option<&'static SameAs> {
    content().same_as.iter().find(|r| {
        let list = match scanner {
            Source::Trivy => &r.trivy,
            Source::Kubescape => &r.kubescape,
            Source::KubeBench => &r.kube_bench,
            Source::Scc => &r.scc,
            _ => return false,
        };
        list.iter().any(|p| control_matches(p, control))
    })
}

/// `cis-*:5.1.6` matches `cis-1.9:5.1.6`; other patterns match exactly.
fn control_matches(pattern: &str, control: &str) -> bool {
    match (pattern.split_once(':'), control.split_once(':')) {
        (Some((pb, pn)), Some((cb, cn))) => pn == cn && pb.strip_suffix('*').map_or(pb == cb, |prefix| cb.starts_with(prefix)),
        _ => pattern == control,
    }
}

/// Whether `f` is about something in the incident's scope: a workload of
/// one of its pods, one of its namespaces; every failure for the whole case.
fn in_scope(f: &Failure, scope: &Scope, objs: &Objects) -> bool {
    if scope.whole_case {
        return true;
    }
    let Some(ns) = f.namespace.as_deref() else { return false };
    if !scope.namespaces.iter().any(|n| n == ns) {
        return false;
    }
    let (Some(kind), Some(name)) = (f.kind.as_deref(), f.resource.as_deref()) else { return true };
    if kind == "Namespace" {
        return true;
    }
    scope.pods.iter().filter_map(|p| p.split_once('/')).filter(|(pns, _)| *pns == ns).any(|(_, pod)| names_pod(kind, name, ns, pod, objs))
}

/// Whether the resource `kind ns/name` is the pod `ns/pod` or owns it: from
/// the snapshot when it holds the pod, else from the name Kubernetes gives
/// the pods of a workload (`cart-7f9c6d8b5-x2k4q` of Deployment `cart`).
fn names_pod(kind: &str, name: &str, ns: &str, pod: &str, objs: &Objects) -> bool {
    if kind == "Pod" {
        return name == pod;
    }
    let label = format!("{} {}/{}", kind, ns, name);
    if let Some(p) = objs.find("Pod", Some(ns), pod) {
        return super::checks::workload_of(p) == label || p.str("owner_name").is_some_and(|o| format!("{} {}/{}", p.str("owner_kind").unwrap_or(""), ns, o) == label);
    }
    let Some(rest) = pod.strip_prefix(name).and_then(|r| r.strip_prefix('-')) else { return false };
    let parts: Vec<&str> = rest.split('-').collect();
    let alnum = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    match kind {
        "Deployment" => parts.len() == 2 && parts.iter().all(|p| alnum(p)),
        "ReplicaSet" | "DaemonSet" | "Job" => parts.len() == 1 && alnum(parts[0]),
        "StatefulSet" => parts.len() == 1 && parts[0].parse::<u32>().is_ok(),
        "CronJob" => parts.len() == 2 && parts[0].parse::<u64>().is_ok() && alnum(parts[1]),
        _ => false,
    }
}

/// Whether a finding about `about` is the same issue as `f`.
fn same_issue(per: Per, about: &About, f: &Failure) -> bool {
    match per {
        Per::Cluster => true,
        // A namespace-wide check failed for the whole cluster is every namespace's.
        Per::Namespace => f.namespace.as_ref().is_none_or(|ns| about.namespaces.contains(ns)),
        Per::Resource => about.labels.contains(&f.resource_label()),
    }
}

/// Adds every report's failures to `findings`: into the finding of the
/// same issue, or as a finding of their own when in `scope`.
pub(super) fn merge(findings: &mut Vec<(Finding, About)>, reported: &[Reported], scope: &Scope, objs: &Objects, checks: &Checks) {
    let c = content();
    for r in reported {
        let f = &r.failure;
        let rule = rule_for(r.scanner, &f.control);
        let per = rule.map_or(Per::Resource, |x| x.per);
        let check = match rule {
            Some(x) => x.check.clone(),
            None => format!("{}:{}", r.scanner.as_str(), f.control),
        };
        let line = format!("{} {} ({}) on {}: {}", scanner_name(r.scanner), f.control, f.name, f.resource_label(), f.detail);
        let id = crate::store::format_id(r.event);
        let mut joined = false;
        for (finding, about) in findings.iter_mut().filter(|(x, _)| x.check == check) {
            if same_issue(per, about, f) {
                join(finding, scanner_name(r.scanner), &line, &id, f);
                joined = true;
            }
        }
        if joined || !in_scope(f, scope, objs) {
            continue;
        }
        let label = f.resource_label();
        let kordon_check = checks.checks.iter().find(|k| k.id == check);
        let (category, severity, title, remediation) = match (rule, kordon_check) {
            (Some(x), None) if x.title.is_some() => (
                x.category.clone().unwrap_or_else(|| c.categories.cluster.clone()),
                x.severity.clone().unwrap_or_else(|| f.severity.as_str().to_string()),
                fill(x.title.as_deref().unwrap_or(""), &[("resource", label.clone())]),
                x.remediation.clone().unwrap_or_else(|| f.fix.clone()),
            ),
            (_, Some(k)) => (k.category.clone(), f.severity.as_str().to_string(), format!("{}: {}", label, f.name), fix_or(f, &k.remediation, &label)),
            _ => (category_of(c, f), f.severity.as_str().to_string(), format!("{}: {}", label, f.name), f.fix.clone()),
        };
        let category_name = checks.categories.iter().find(|x| x.id == category).map(|x| x.name.clone()).unwrap_or_else(|| category.clone());
        let finding = Finding {
            check,
            category,
            category_name,
            severity,
            title,
            remediation,
            evidence: vec![line],
            objects: vec![id],
            sources: vec![scanner_name(r.scanner).to_string()],
        };
        let mut about = About::default();
        about.labels.insert(label);
        about.namespaces.extend(f.namespace.clone());
        findings.push((finding, about));
    }
}

/// The scanner's fix, or the check's remediation when it names nothing it
/// cannot fill.
fn fix_or(f: &Failure, remediation: &str, label: &str) -> String {
    if !f.fix.is_empty() {
        return f.fix.clone();
    }
    let ns = f.namespace.clone().unwrap_or_default();
    let filled = fill(remediation, &[("namespace", ns), ("pod", label.to_string()), ("workload", label.to_string()), ("subject", label.to_string())]);
    if filled.contains('{') {
        String::new()
    } else {
        filled
    }
}

fn join(finding: &mut Finding, source: &str, line: &str, id: &str, f: &Failure) {
    push_new(&mut finding.sources, source.to_string());
    // Kordon first, then the tools by name: the same whatever order the reports came in.
    finding.sources.sort_by_key(|s| (s != "Kordon", s.to_lowercase()));
    push_new(&mut finding.evidence, line.to_string());
    push_new(&mut finding.objects, id.to_string());
    // A tool that rates the issue worse is heard: the finding takes the worst severity.
    let rank = |s: &str| crate::model::Severity::parse(s).map(crate::store::writer::severity_rank).unwrap_or(0);
    if rank(f.severity.as_str()) > rank(&finding.severity) {
        finding.severity = f.severity.as_str().to_string();
    }
}

fn category_of(c: &Content, f: &Failure) -> String {
    if f.control == "vulnerabilities" {
        return c.categories.vulnerabilities.clone();
    }
    if f.control.starts_with("secret:") {
        return c.categories.secret.clone();
    }
    match f.kind.as_deref() {
        Some(k) => c.categories.kinds.get(k).cloned().unwrap_or_else(|| c.categories.workloads.clone()),
        None => c.categories.cluster.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_validates_and_names_known_checks_and_categories() {
        let c = content();
        let checks = super::super::content();
        let category = |id: &str| checks.categories.iter().any(|x| x.id == id);
        for r in &c.same_as {
            match checks.checks.iter().find(|k| k.id == r.check) {
                Some(_) => assert!(r.title.is_none() && r.category.is_none(), "{}: a Kordon check keeps its own words", r.check),
                None => {
                    assert!(r.title.is_some() && r.remediation.is_some(), "{}: a scanners' check needs its words", r.check);
                    assert!(category(r.category.as_deref().unwrap_or("")), "{}: unknown category", r.check);
                    assert!(crate::model::Severity::parse(r.severity.as_deref().unwrap_or("")).is_some(), "{}: severity", r.check);
                }
            }
            assert!(!(r.trivy.is_empty() && r.kubescape.is_empty() && r.kube_bench.is_empty()), "{}: names no control", r.check);
        }
        for id in c.categories.kinds.values().chain([&c.categories.vulnerabilities, &c.categories.secret, &c.categories.workloads, &c.categories.cluster]) {
            assert!(category(id), "unknown category {}", id);
        }
        // A control belongs to one line at most.
        let mut seen = BTreeSet::new();
        for r in &c.same_as {
            for x in r.trivy.iter().chain(&r.kubescape).chain(&r.kube_bench) {
                assert!(seen.insert(x.clone()), "{} is on two lines", x);
            }
        }
    }

    #[test]
    fn benchmark_versions_match_by_prefix() {
        assert!(control_matches("cis-*:5.1.6", "cis-1.9:5.1.6"));
        assert!(!control_matches("cis-*:5.1.6", "cis-1.9:5.1.60"));
        assert!(!control_matches("cis-*:5.1.6", "aks-1.7:5.1.6"));
        assert!(control_matches("KSV012", "KSV012"));
    }

    #[test]
    fn a_workload_names_its_pods_by_their_generated_names() {
        let none = Objects::empty();
        assert!(names_pod("Deployment", "cart", "shop", "cart-7f9c6d8b5-x2k4q", &none));
        assert!(!names_pod("Deployment", "cart", "shop", "cart-api-7f9c6d8b5-x2k4q", &none));
        assert!(names_pod("DaemonSet", "falco", "falco", "falco-7xk2p", &none));
        assert!(names_pod("StatefulSet", "db", "shop", "db-0", &none));
        assert!(!names_pod("StatefulSet", "db", "shop", "db-x", &none));
        assert!(names_pod("CronJob", "netscan", "secops", "netscan-29919000-h7k2d", &none));
        assert!(names_pod("Pod", "x", "shop", "x", &none));
    }
}
