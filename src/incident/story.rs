//! The attack story: a plain account of the incident, one sentence per step,
//! each citing its evidence and times.
//!
//! No language model: every sentence is a template from `data/story.yaml`
//! filled with values read from the signals it tells, so an investigator can
//! check each word against the records it cites. Sentences follow the
//! attack's own order (time) and carry their kill-chain stage; a step whose
//! template cannot be filled from the evidence says only who reported what.

use crate::text::and_list;
use super::evidence::Evidence;
use super::signals::Signal;
use super::summary::subject_label;
use crate::attack;
use crate::error::{Code, Error, Result};
use crate::model::{EntityKind, Source};
use crate::store::format_id;
use crate::time::format_ns;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const STORY_YAML: &str = include_str!("../../data/story.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    pub source: String,
    pub rule: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTemplate {
    pub id: String,
    #[serde(rename = "match")]
    pub matches: Vec<Match>,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    version: u32,
    pub steps: Vec<StepTemplate>,
}

pub const PLACEHOLDERS: &[&str] = &[
    "identity",
    "source_ip",
    "operations",
    "pod",
    "container",
    "exe",
    "cmdline",
    "destination",
    "file",
    "title",
    "sources",
];

impl Templates {
    pub fn from_yaml(text: &str) -> Result<Templates> {
        let t: Templates = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::input(Code::InvalidRules, format!("story templates: {}", e)))?;
        if t.version != 1 {
            return Err(Error::input(Code::InvalidRules, format!("story templates: version {} is not supported", t.version)));
        }
        for s in &t.steps {
            for name in placeholders(&s.text) {
                if !PLACEHOLDERS.contains(&name) {
                    return Err(Error::input(
                        Code::InvalidRules,
                        format!("story templates: step {} uses unknown placeholder {{{}}}", s.id, name),
                    ));
                }
            }
            for m in &s.matches {
                if Source::parse(&m.source).is_none() {
                    return Err(Error::input(
                        Code::InvalidRules,
                        format!("story templates: step {} matches unknown source '{}'", s.id, m.source),
                    ));
                }
            }
        }
        Ok(t)
    }

    fn step_for(&self, s: &Signal) -> Option<&StepTemplate> {
        self.steps.iter().find(|t| {
            t.matches.iter().any(|m| {
                m.source.eq_ignore_ascii_case(s.source.as_str())
                    && s.rule.as_deref().is_some_and(|r| r.trim().eq_ignore_ascii_case(m.rule.trim()))
            })
        })
    }
}

pub fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| Templates::from_yaml(STORY_YAML).expect("data/story.yaml is valid (pinned by tests)"))
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    /// The template's id, or `other` for a signal no template tells.
    pub step: String,
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The step's kill-chain stage (ATT&CK tactic id) and its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactic_name: Option<String>,
    pub text: String,
    pub sources: Vec<String>,
    /// The signals this sentence tells (event ids).
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Story {
    pub lead: String,
    pub steps: Vec<Step>,
}

pub(crate) fn source_name(s: Source) -> &'static str {
    match s {
        Source::Falco => "Falco",
        Source::K8sAudit => "the audit log",
        Source::Defender => "Defender for Cloud",
        Source::Tetragon => "Tetragon",
        Source::K8sObject => "the snapshot",
        Source::K8sEvent => "Kubernetes events",
        Source::Kordon => "Kordon's detections",
        Source::ControlPlane => "the control-plane logs",
        Source::CloudTrail => "CloudTrail",
        Source::AzureActivity => "the Azure Activity Log",
        Source::GcpAudit => "Google Cloud audit logs",
        Source::Trivy => "Trivy",
        Source::KubeBench => "kube-bench",
        Source::Kubescape => "Kubescape",
        Source::GuardDuty => "GuardDuty",
        Source::Tracee => "Tracee",
        Source::Sysdig => "Sysdig Secure",
        Source::KubeArmor => "KubeArmor",
        Source::Hubble => "Hubble",
        Source::Scc => "Security Command Center",
        Source::DefenderXdr => "Defender XDR",
        Source::Sentinel => "Microsoft Sentinel",
        Source::FalcoTalon => "Falco Talon",
    }
}

fn some_of(items: Vec<String>, max: usize) -> Option<String> {
    let mut seen = BTreeSet::new();
    let distinct: Vec<String> = items.into_iter().filter(|i| !i.is_empty() && seen.insert(i.clone())).collect();
    if distinct.is_empty() {
        return None;
    }
    if distinct.len() <= max {
        Some(and_list(&distinct))
    } else {
        Some(format!("{} and {} more", distinct[..max].join(", "), distinct.len() - max))
    }
}

fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{}…", cut)
    }
}

/// A field of the signal, or of what a Kordon rule matched.
fn field<'a>(s: &'a Signal, name: &str) -> Option<&'a serde_json::Value> {
    s.fields.get(name).or_else(|| s.fields.get("matched").and_then(|m| m.get(name)))
}

fn text_field(s: &Signal, name: &str) -> Option<String> {
    match field(s, name)? {
        serde_json::Value::String(t) if !t.is_empty() => Some(t.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn value(name: &str, sigs: &[&Signal], ev: &Evidence) -> Option<String> {
    let each = |f: &dyn Fn(&Signal) -> Option<String>| -> Vec<String> { sigs.iter().filter_map(|s| f(s)).collect() };
    match name {
        "identity" => some_of(
            each(&|s| {
                s.entity(EntityKind::Identity, "actor")
                    .or_else(|| s.entity(EntityKind::Identity, "service-account"))
                    .map(|e| format!("`{}`", subject_label(e.kind, &e.key)))
            }),
            2,
        ),
        "source_ip" => {
            let mut ips = each(&|s| {
                s.entities
                    .iter()
                    .filter(|e| e.kind == EntityKind::Ip && (e.role == "source-ip" || e.role == "ip"))
                    .filter(|e| e.key.parse().is_ok_and(|ip| ev.cluster.is_outside(ip)))
                    .map(|e| e.key.to_string())
                    .next()
            });
            ips.sort();
            some_of(ips, 3)
        }
        "operations" => some_of(
            each(&|s| {
                if s.source == Source::Kordon {
                    s.message.split(" — ").next().map(|m| m.trim().to_string())
                } else {
                    field(s, "extended_properties").and_then(|p| p.get("Operations")).and_then(|v| v.as_str()).map(str::to_string)
                }
            }),
            6,
        ),
        "pod" => some_of(
            each(&|s| {
                ["pod", "target", "subject", "token-pod"]
                    .iter()
                    .find_map(|r| s.entity(EntityKind::Pod, r))
                    .map(|e| format!("`{}`", e.key))
            }),
            2,
        ),
        "container" => some_of(
            each(&|s| {
                text_field(s, "container_name")
                    .or_else(|| s.entities_of(EntityKind::Container).next().map(|e| subject_label(e.kind, &e.key)))
                    .map(|c| format!("`{}`", c))
            }),
            2,
        ),
        "exe" => some_of(
            each(&|s| {
                text_field(s, "exe")
                    .or_else(|| s.entity(EntityKind::Process, "process").map(|e| subject_label(e.kind, &e.key)))
                    .map(|x| format!("`{}`", x))
            }),
            2,
        ),
        "cmdline" => some_of(each(&|s| text_field(s, "cmdline").map(|c| format!("`{}`", clip(&c, 140)))), 2),
        "destination" => some_of(
            each(&|s| {
                let ip = text_field(s, "dst_ip")
                    .or_else(|| s.entity(EntityKind::Ip, "destination-ip").map(|e| e.key.to_string()))?;
                Some(match text_field(s, "dst_port") {
                    Some(p) => format!("{}:{}", ip, p),
                    None => ip,
                })
            }),
            3,
        ),
        "file" => some_of(each(&|s| s.entities_of(EntityKind::File).next().map(|e| format!("`{}`", e.key))), 3),
        "title" => some_of(each(&|s| Some(format!("“{}”", s.title))), 3),
        "sources" => {
            let names: BTreeSet<&str> = sigs.iter().map(|s| source_name(s.source)).collect();
            Some(and_list(&names.into_iter().map(str::to_string).collect::<Vec<_>>()))
        }
        _ => None,
    }
}

fn fill(text: &str, sigs: &[&Signal], ev: &Evidence) -> Option<String> {
    let mut out = text.to_string();
    for name in placeholders(text) {
        let v = value(name, sigs, ev)?;
        out = out.replace(&format!("{{{}}}", name), &v);
    }
    Some(out)
}

fn hhmmss(ns: i64) -> String {
    let full = format_ns(ns);
    full.get(11..19).unwrap_or(&full).to_string()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// What the incident's processes did on the network, from the context
/// telemetry: "412 connections to 412 addresses in 10.244.0.0/16 on ports …".
fn connections(sigs: &[&Signal], ev: &Evidence) -> Option<String> {
    let procs: BTreeSet<i64> = sigs
        .iter()
        .flat_map(|s| s.entities.iter().filter(|e| e.kind == EntityKind::Process && e.role == "process").map(|e| e.id))
        .collect();
    if procs.is_empty() {
        return None;
    }
    let mut count = 0usize;
    let mut seen_by: BTreeSet<&str> = BTreeSet::new();
    let mut addrs: BTreeMap<i64, String> = BTreeMap::new();
    let mut ports: BTreeSet<u64> = BTreeSet::new();
    for c in &ev.context {
        if !c.entities.iter().any(|e| e.kind == EntityKind::Process && e.role == "process" && procs.contains(&e.id)) {
            continue;
        }
        let dst: Vec<_> = c.entities.iter().filter(|e| e.kind == EntityKind::Ip && e.role == "destination-ip").collect();
        if dst.is_empty() {
            continue;
        }
        count += 1;
        seen_by.insert(source_name(c.source));
        for d in dst {
            addrs.insert(d.id, d.key.to_string());
        }
        if let Some(p) = field(c, "dst_port").and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))) {
            ports.insert(p);
        }
    }
    if count < 2 {
        return None;
    }
    let by = and_list(&seen_by.into_iter().map(str::to_string).collect::<Vec<_>>());
    let mut text = format!("{} recorded {} connection{} to {} address{}", by, count, if count == 1 { "" } else { "s" }, addrs.len(), if addrs.len() == 1 { "" } else { "es" });
    if addrs.len() > 3 {
        if let Some(net) = super::graph::covering_net_of(addrs.values()) {
            text.push_str(&format!(" in {}", net));
        }
    } else {
        text.push_str(&format!(" ({})", addrs.values().cloned().collect::<Vec<_>>().join(", ")));
    }
    if !ports.is_empty() {
        let p: Vec<String> = ports.iter().map(u64::to_string).collect();
        text.push_str(&format!(" on port{} {}", if p.len() == 1 { "" } else { "s" }, p.join(", ")));
    }
    Some(text)
}

pub fn tell(ev: &Evidence, title: &str) -> Story {
    let t = templates();
    // Group signals by step; unmatched signals group by (source, rule).
    let mut groups: BTreeMap<String, (Option<&StepTemplate>, Vec<&Signal>)> = BTreeMap::new();
    for (s, _) in &ev.signals {
        let (key, tpl) = match t.step_for(s) {
            Some(tpl) => (tpl.id.clone(), Some(tpl)),
            None => (format!("other:{}:{}", s.source, s.rule.as_deref().unwrap_or(&s.title)), None),
        };
        groups.entry(key).or_insert((tpl, Vec::new())).1.push(s);
    }
    let mut steps: Vec<(i64, i64, Step)> = groups
        .into_iter()
        .map(|(key, (tpl, sigs))| {
            let first = sigs.iter().map(|s| (s.time_ns, s.key)).min().unwrap_or((0, 0));
            let last = sigs.iter().map(|s| s.time_ns).max().unwrap_or(0);
            let fallback = || {
                format!(
                    "{} reported {}",
                    value("sources", &sigs, ev).unwrap_or_default(),
                    value("title", &sigs, ev).unwrap_or_default()
                )
            };
            let mut text = tpl.and_then(|tpl| fill(&tpl.text, &sigs, ev)).unwrap_or_else(fallback);
            if let Some(c) = connections(&sigs, ev) {
                text.push_str(&format!("; {} from it", c));
            }
            let when = if last > first.0 {
                format!("From {} to {}", hhmmss(first.0), hhmmss(last))
            } else {
                format!("At {}", hhmmss(first.0))
            };
            let mut tactic_first: BTreeMap<usize, &str> = BTreeMap::new();
            for s in &sigs {
                for tac in &s.mapped.tactics {
                    tactic_first.entry(attack::kill_chain_position(tac)).or_insert(tac);
                }
            }
            // The step's stage: the latest kill-chain stage its signals claim
            // (a miner's execution is told as Impact).
            let tactic = tactic_first.values().last().map(|t| t.to_string());
            let sources: BTreeSet<&str> = sigs.iter().map(|s| s.source.as_str()).collect();
            let mut keys: Vec<(i64, i64)> = sigs.iter().map(|s| (s.time_ns, s.key)).collect();
            keys.sort();
            let step = Step {
                step: if tpl.is_some() { key } else { "other".into() },
                time: format_ns(first.0),
                until: (last > first.0).then(|| format_ns(last)),
                tactic_name: tactic.as_deref().and_then(attack::tactic_name).map(str::to_string),
                tactic,
                text: format!("{}, {}.", when, text),
                sources: sources.into_iter().map(str::to_string).collect(),
                evidence: keys.into_iter().map(|(_, k)| format_id(k)).collect(),
            };
            (first.0, first.1, step)
        })
        .collect();
    steps.sort_by_key(|(t, k, _)| (*t, *k));

    let sources: BTreeSet<&str> = ev.signals.iter().map(|(s, _)| source_name(s.source)).collect();
    let mut tactics: Vec<&str> = ev.signals.iter().flat_map(|(s, _)| s.mapped.tactics.iter().map(String::as_str)).collect();
    tactics.sort_by_key(|t| attack::kill_chain_position(t));
    tactics.dedup();
    let names: Vec<String> = tactics.iter().map(|t| attack::tactic_name(t).unwrap_or(t).to_string()).collect();
    let day = format_ns(ev.first_ns).get(..10).unwrap_or("").to_string();
    let lead = format!(
        "{}: {} signal{} from {} on {} between {} and {} UTC{}.",
        capitalise(title),
        ev.signals.len(),
        if ev.signals.len() == 1 { "" } else { "s" },
        and_list(&sources.into_iter().map(str::to_string).collect::<Vec<_>>()),
        day,
        hhmmss(ev.first_ns),
        hhmmss(ev.last_ns),
        if names.is_empty() { String::new() } else { format!(", covering {}", and_list(&names)) },
    );
    Story { lead, steps: steps.into_iter().map(|(_, _, s)| s).collect() }
}
