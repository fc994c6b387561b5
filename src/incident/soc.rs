//! The SOC's view: other tools' incidents (Microsoft Sentinel's) next to
//! Kordon's incident and Kordon's own triage.
//!
//! A SOC's incident says what the SOC made of its alerts — status,
//! classification, who owns it. An investigator wants to see it beside
//! Kordon's reading, and to see where the two disagree, but Kordon's triage
//! stays the investigator's: nothing here writes anything.
//!
//! Which Kordon incident a SOC incident belongs to is decided here, when an
//! incident is shown, from the case as it is (never stored: incidents are
//! rebuilt by every correlation run, and a stored match would go stale). It
//! belongs when its activity window, widened by `soc_slack`, overlaps the
//! incident's span, and either its title is one of the incident's signals'
//! titles or rules (Sentinel titles an incident made from one alert after
//! the alert) or its title, description or labels name one of the
//! incident's pods, workloads, identities, containers or addresses
//! (`soc_match_kinds` in `data/correlation.yaml`). The cluster alone is no
//! match: the nightly scan and the attack share it.
//!
//! How a status or classification reads in Kordon's words is data
//! (`data/triage.yaml`, `external`).

use super::config::Config;
use super::signals::Signal;
use crate::error::Result;
use crate::model::{EntityKind, Source};
use crate::store::{format_id, Case};
use crate::time;
use crate::triage::vocabulary::{ExternalValue, ExternalWords, Vocabulary};
use serde::Serialize;
use serde_json::{Map, Value};

/// Another tool's incident as the incident page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SocView {
    /// The event's id (`kordon events`).
    pub event: String,
    pub source: String,
    /// `Microsoft Sentinel`.
    pub source_name: String,
    pub number: Option<u64>,
    pub title: String,
    pub description: String,
    /// As the tool spells them (`High`, `Active`, `TruePositive` …).
    pub severity: Option<String>,
    pub status: Option<String>,
    pub classification: Option<String>,
    pub classification_reason: Option<String>,
    pub classification_comment: Option<String>,
    /// Who owns it: the assignee's name, else e-mail or UPN.
    pub owner: Option<String>,
    pub owner_email: Option<String>,
    pub labels: Vec<String>,
    pub alert_products: Vec<String>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub first_activity: Option<String>,
    pub last_activity: Option<String>,
    pub created: Option<String>,
    pub last_modified: Option<String>,
    pub provider_name: Option<String>,
    pub provider_incident_id: Option<String>,
    /// The portal link, as text: Kordon never opens it.
    pub incident_url: Option<String>,
    /// Status, classification and reason as people read them.
    pub status_name: Option<String>,
    pub classification_name: Option<String>,
    pub reason_name: Option<String>,
    /// What they mean in Kordon's vocabulary (`in-progress`,
    /// `true-positive`); none when they mean none.
    pub kordon_status: Option<String>,
    pub kordon_classification: Option<String>,
    /// `SOC: Closed · True positive — Suspicious activity`.
    pub summary: String,
    /// Why it is shown with this incident; none outside an incident.
    pub matched: Option<String>,
    /// Where it disagrees with Kordon's triage of the incident.
    pub differences: Vec<Difference>,
}

/// One disagreement between the SOC's incident and Kordon's triage.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    /// `status` or `classification`.
    pub what: String,
    /// Kordon ids (none: unset).
    pub soc: Option<String>,
    pub kordon: Option<String>,
}

/// Kordon's triage of an incident, as the SOC view compares it.
#[derive(Debug, Clone, Copy)]
pub struct Triage<'a> {
    pub status: &'a str,
    pub classification: Option<&'a str>,
}

/// Another tool's incident as stored.
#[derive(Debug, Clone)]
pub struct External {
    pub key: i64,
    pub source: Source,
    pub time_ns: Option<i64>,
    pub title: String,
    pub message: String,
    pub fields: Map<String, Value>,
}

impl External {
    fn str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    fn strings(&self, name: &str) -> Vec<String> {
        match self.fields.get(name) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }

    fn labels(&self) -> Vec<String> {
        match self.fields.get("labels") {
            Some(Value::Array(a)) => a.iter().filter_map(|l| l.get("name").and_then(Value::as_str)).map(str::to_string).collect(),
            _ => Vec::new(),
        }
    }

    fn time(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(time::parse_rfc3339)
    }

    /// When it was active: first to last activity, else its own time.
    pub fn window(&self) -> Option<(i64, i64)> {
        let first = self.time("first_activity").or(self.time_ns)?;
        let last = self.time("last_activity").unwrap_or(first).max(first);
        Some((first, last))
    }
}

/// Every other tool's incident, in time order: read through their own
/// index (`events_external_time`), never by scanning the case's events.
pub const LOAD_SQL: &str = "SELECT key, source, time_ns, title, message, fields FROM events
     WHERE kind = 'external-incident' ORDER BY time_ns IS NULL, time_ns, key";

/// Every other tool's incident in the case, in time order.
pub fn load(case: &Case) -> Result<Vec<External>> {
    let mut st = case.conn.prepare(LOAD_SQL)?;
    let rows = st.query_map([], |r| {
        let fields: String = r.get(5)?;
        Ok(External {
            key: r.get(0)?,
            source: Source::parse(&r.get::<_, String>(1)?).unwrap_or(Source::Sentinel),
            time_ns: r.get(2)?,
            title: r.get(3)?,
            message: r.get(4)?,
            fields: serde_json::from_str(&fields).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What of a Kordon incident a SOC incident may match: its span, its
/// signals' titles and rules, and the names of its entities.
pub struct Scope {
    first_ns: i64,
    last_ns: i64,
    titles: Vec<String>,
    /// (what it names, as shown; the lower-case texts that name it).
    names: Vec<(String, Vec<String>)>,
}

impl Scope {
    pub fn of<'a>(signals: impl IntoIterator<Item = &'a Signal>, cfg: &Config) -> Scope {
        let mut scope = Scope { first_ns: i64::MAX, last_ns: i64::MIN, titles: Vec::new(), names: Vec::new() };
        for s in signals {
            scope.first_ns = scope.first_ns.min(s.time_ns);
            scope.last_ns = scope.last_ns.max(s.time_ns);
            for t in std::iter::once(s.title.as_str()).chain(s.rule.as_deref()) {
                let t = fold(t);
                if !t.is_empty() && !scope.titles.contains(&t) {
                    scope.titles.push(t);
                }
            }
            for e in s.entities.iter().filter(|e| cfg.soc_match_kinds.contains(&e.kind)) {
                if e.kind == EntityKind::Identity && cfg.is_system_identity(&e.key) {
                    continue;
                }
                let shown = format!("{} {}", e.kind, e.key);
                if !scope.names.iter().any(|(s, _)| *s == shown) {
                    scope.names.push((shown, needles(e.kind, &e.key)));
                }
            }
        }
        scope
    }

    /// Why `ext` belongs with the incident, or `None`.
    pub fn matches(&self, ext: &External, slack_ns: i64) -> Option<String> {
        let (first, last) = ext.window()?;
        if self.first_ns > self.last_ns
            || first.saturating_sub(slack_ns) > self.last_ns
            || last.saturating_add(slack_ns) < self.first_ns
        {
            return None;
        }
        if self.titles.contains(&fold(&ext.title)) {
            return Some(format!("its title is the signal “{}”", ext.title.trim()));
        }
        let text = fold(&[ext.title.as_str(), ext.message.as_str(), &ext.labels().join("\n")].join("\n"));
        self.names
            .iter()
            .find(|(_, texts)| texts.iter().any(|n| names(&text, n)))
            .map(|(shown, _)| format!("it names {}", shown))
    }
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The texts that name an entity, lower-case. A pod is named by
/// `namespace/name` or by its name when that is generated (it has a digit:
/// a ReplicaSet hash, a Job's schedule), a workload by `namespace/name` or
/// `kind/name`, a container by its full or 12-character id.
fn needles(kind: EntityKind, key: &str) -> Vec<String> {
    let key = fold(key);
    let mut out = vec![key.clone()];
    match kind {
        EntityKind::Pod => {
            if let Some((_, name)) = key.split_once('/') {
                if name.chars().any(|c| c.is_ascii_digit()) {
                    out.push(name.to_string());
                }
            }
        }
        EntityKind::Workload => {
            let parts: Vec<&str> = key.splitn(3, '/').collect();
            if let [ns, kind, name] = parts[..] {
                out.push(format!("{}/{}", ns, name));
                out.push(format!("{}/{}", kind, name));
            }
        }
        EntityKind::Container if key.len() > 12 && key.is_char_boundary(12) => out.push(key[..12].to_string()),
        _ => {}
    }
    out
}

/// Whether `text` names `needle` as a whole word: what surrounds it is no
/// letter, digit, `-`, `_` or `/`, nor a `.` that goes on into one (an
/// address inside a longer one; a sentence's full stop, an address's
/// `:port` are fine).
pub fn names(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_' || c == '/';
    let mut from = 0;
    while let Some(i) = text[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let ok_before = text[..start].chars().next_back().is_none_or(|c| !word(c) && c != '.');
        let mut after = text[end..].chars();
        let ok_after = match after.next() {
            None => true,
            Some('.') => after.next().is_none_or(|c| !c.is_alphanumeric()),
            Some(c) => !word(c),
        };
        if ok_before && ok_after {
            return true;
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The SOC incidents that belong with an incident, with where they differ
/// from its triage.
pub fn for_incident(
    all: &[External],
    scope: &Scope,
    triage: Triage,
    cfg: &Config,
    vocab: &Vocabulary,
) -> Vec<SocView> {
    all.iter()
        .filter_map(|ext| {
            let why = scope.matches(ext, cfg.soc_slack_ns)?;
            let mut v = view(ext, vocab);
            v.differences = differences(&v, triage);
            v.matched = Some(why);
            Some(v)
        })
        .collect()
}

/// Every SOC incident of the case, matched to no incident (what the import
/// summary names).
pub fn all(case: &Case) -> Result<Vec<SocView>> {
    let vocab = crate::triage::vocabulary();
    Ok(load(case)?.iter().map(|e| view(e, vocab)).collect())
}

/// One SOC incident in the words of the incident page (not matched to any
/// incident: see [`for_incident`]).
pub fn view(ext: &External, vocab: &Vocabulary) -> SocView {
    let words = vocab.external(ext.source.as_str());
    let (status_name, kordon_status) = read(ext.str("status"), |w, s| w.status(s), words);
    let (classification_name, kordon_classification) =
        read(ext.str("classification"), |w, s| w.classification(s), words);
    let (reason_name, _) = read(ext.str("classification_reason"), |w, s| w.reason(s), words);
    let owner = ext.fields.get("owner");
    let owner_str = |k: &str| owner.and_then(|o| o.get(k)).and_then(Value::as_str).map(str::to_string);
    let mut v = SocView {
        event: format_id(ext.key),
        source: ext.source.as_str().to_string(),
        source_name: super::story::source_name(ext.source).to_string(),
        number: ext.fields.get("incident_number").and_then(Value::as_u64),
        title: ext.title.clone(),
        description: ext.message.clone(),
        severity: ext.str("severity").map(str::to_string),
        status: ext.str("status").map(str::to_string),
        classification: ext.str("classification").map(str::to_string),
        classification_reason: ext.str("classification_reason").map(str::to_string),
        classification_comment: ext.str("classification_comment").map(str::to_string),
        owner: owner_str("assigned_to").or_else(|| owner_str("email")).or_else(|| owner_str("user_principal_name")),
        owner_email: owner_str("email").or_else(|| owner_str("user_principal_name")),
        labels: ext.labels(),
        alert_products: ext.strings("alert_products"),
        tactics: ext.strings("tactics"),
        techniques: ext.strings("techniques"),
        first_activity: ext.str("first_activity").map(str::to_string),
        last_activity: ext.str("last_activity").map(str::to_string),
        created: ext.str("created").map(str::to_string),
        last_modified: ext.str("last_modified").map(str::to_string),
        provider_name: ext.str("provider_name").map(str::to_string),
        provider_incident_id: ext.str("provider_incident_id").map(str::to_string),
        incident_url: ext.str("incident_url").map(str::to_string),
        status_name,
        classification_name,
        reason_name,
        kordon_status,
        kordon_classification,
        summary: String::new(),
        matched: None,
        differences: Vec::new(),
    };
    v.summary = summary(&v);
    v
}

/// A value of the tool's enum as people read it and the Kordon id it
/// means; a value the vocabulary does not know reads as itself.
fn read<'w>(
    value: Option<&str>,
    find: impl Fn(&'w ExternalWords, &str) -> Option<&'w ExternalValue>,
    words: Option<&'w ExternalWords>,
) -> (Option<String>, Option<String>) {
    match value.and_then(|v| words.and_then(|w| find(w, v))) {
        Some(v) => (Some(v.name.clone()), v.kordon.clone()),
        None => (value.map(str::to_string), None),
    }
}

/// `SOC: Closed · True positive — Suspicious activity`; `SOC: Active ·
/// unclassified`.
pub fn summary(v: &SocView) -> String {
    let status = v.status_name.as_deref().unwrap_or("no status");
    let class = match (&v.classification_name, &v.reason_name) {
        (Some(c), Some(r)) => format!("{} — {}", c, r),
        (Some(c), None) => c.clone(),
        (None, _) => "unclassified".to_string(),
    };
    format!("SOC: {} · {}", status, class)
}

/// Where the SOC's status and classification, in Kordon's words, differ
/// from Kordon's triage. A status the vocabulary cannot read is no
/// difference (nothing to compare); an undetermined classification against
/// a classified incident is one.
pub fn differences(v: &SocView, triage: Triage) -> Vec<Difference> {
    let mut out = Vec::new();
    if let Some(s) = v.kordon_status.as_deref().filter(|s| *s != triage.status) {
        out.push(Difference { what: "status".into(), soc: Some(s.to_string()), kordon: Some(triage.status.to_string()) });
    }
    if v.kordon_classification.as_deref() != triage.classification {
        out.push(Difference {
            what: "classification".into(),
            soc: v.kordon_classification.clone(),
            kordon: triage.classification.map(str::to_string),
        });
    }
    out
}

#[cfg(test)]
mod tests;
