//! The categories that are not audit events: each record is one log entry
//! of a control-plane component (`kube-apiserver`, `kube-controller-manager`,
//! `kube-scheduler`, `cluster-autoscaler`, `cloud-controller-manager`,
//! `guard`, `csi-*` …), in klog's text format, kept as `control-plane`
//! telemetry — never an error, whatever the text.
//!
//! `guard` is the webhook behind Entra ID authentication and Azure RBAC
//! authorization. With verbose logging it writes the whole
//! `SubjectAccessReview` it answered (`final data:{…}`), or a
//! `TokenReview`: who asked (user, groups, Entra object id), for what, and
//! the decision. Those are read into fields and an identity entity.

use super::*;
use crate::model::{EntityKind, EntityRef, EventKind, Severity, Source};
use regex::Regex;
use std::sync::LazyLock;

/// `I1120 09:41:07.123456      11 file.go:42] text`; the text may go on
/// over further lines (klog's `key=<` … ` >` blocks).
static KLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+([^\]\s]+)\] ?(.*)$").expect("klog pattern")
});

/// guard's verbose verdict when it lists the role assignment.
static RBAC_VERDICT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Access allowed by Azure RBAC Role Assignment (\S+) of Role (\S+) to user (\S+)").expect("verdict pattern")
});

/// The event of one component log entry.
pub(super) fn event(rec: &Record, text: &str) -> NewEvent {
    let (severity, body, location) = match KLOG.captures(text) {
        Some(c) => (crate::formats::klog_severity(c[1].chars().next().unwrap_or('I')), c.get(3).map_or("", |m| m.as_str()), c.get(2).map(|m| m.as_str())),
        None => (Severity::Info, text, None),
    };
    let component = rec.category.as_str();
    let guard = (component == "guard").then(|| Guard::read(body)).flatten();
    let summary = match &guard {
        Some(g) => g.summary(),
        None => short(body),
    };
    let mut out = NewEvent::new(Source::ControlPlane, EventKind::Telemetry, format!("{}: {}", component, summary));
    out.rule = Some(component.to_string());
    out.severity = severity;
    out.time_ns = rec.time_ns;
    out.message = text.to_string();
    out.field("component", component);
    out.field("source_location", location);
    if let Some(g) = guard {
        g.apply(&mut out);
    }
    rec.envelope.apply(&mut out);
    out.dedup_key = Some(line_key(rec, text));
    out
}

/// The first 160 characters of a text on one line, for a title (a klog
/// `key=<` block's lines run on).
fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(160).collect();
    if s.len() < one_line.len() {
        s.push('…');
    }
    s
}

/// One log entry however often it was exported (an Event Hub message, a
/// blob, an `AzureDiagnostics` row): the cluster, the category, the hash of
/// the text and the record's time to the second — the portal's CSV gives
/// it to the millisecond only, the other exports to 100 ns; the klog
/// header in the text has the microseconds.
fn line_key(rec: &Record, text: &str) -> String {
    format!(
        "aks-log|{}|{}|{}|{:016x}",
        rec.cluster().unwrap_or(""),
        rec.category,
        rec.time_ns.map_or(0, |ns| ns.div_euclid(1_000_000_000)),
        crate::store::stable_id(&[text.as_bytes()]) as u64
    )
}

/// What a guard line says of a request: who, what, and the answer.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Guard {
    pub(super) review: &'static str,
    pub(super) user: Option<String>,
    pub(super) groups: Vec<String>,
    pub(super) oid: Option<String>,
    /// `allow`, `deny`, `no-opinion`; `authenticated` / `unauthenticated`
    /// for a token review.
    pub(super) decision: Option<&'static str>,
    pub(super) reason: Option<String>,
    pub(super) verb: Option<String>,
    /// `pods`, `deployments.apps`, `pods/exec`, or a non-resource path.
    pub(super) resource: Option<String>,
    pub(super) namespace: Option<String>,
    pub(super) name: Option<String>,
    pub(super) role_assignment: Option<String>,
    pub(super) role: Option<String>,
}

impl Guard {
    /// Reads a guard line's review, if it has one.
    pub(super) fn read(body: &str) -> Option<Guard> {
        if let Some(review) = body.find('{').and_then(|i| first_json(&body[i..])) {
            let kind = review.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind == "SubjectAccessReview" || member(&review, "spec").and_then(|s| member(s, "user")).is_some() {
                return Some(Guard::access_review(&review));
            }
            if kind == "TokenReview" {
                return Some(Guard::token_review(&review));
            }
        }
        let c = RBAC_VERDICT.captures(body)?;
        let mut g = Guard { review: "verdict", decision: Some("allow"), ..Guard::default() };
        g.role_assignment = Some(c[1].to_string());
        g.role = Some(c[2].to_string());
        g.user = Some(c[3].to_string());
        Some(g)
    }

    fn access_review(review: &Value) -> Guard {
        let spec = member(review, "spec");
        let status = member(review, "status");
        let s = str_at;
        let flag = |k: &str| status.and_then(|v| member(v, k)).and_then(Value::as_bool).unwrap_or(false);
        let mut g = Guard { review: "SubjectAccessReview", ..Guard::default() };
        g.user = s(spec, "user").map(str::to_string);
        g.groups = strings(spec.and_then(|v| member(v, "groups")));
        g.oid = strings(spec.and_then(|v| member(v, "extra")).and_then(|e| member(e, "oid"))).into_iter().next();
        g.decision = Some(if flag("allowed") {
            "allow"
        } else if flag("denied") {
            "deny"
        } else {
            "no-opinion"
        });
        g.reason = s(status, "reason").map(str::to_string);
        if let Some(c) = g.reason.as_deref().and_then(|r| RBAC_VERDICT.captures(r)) {
            g.role_assignment = Some(c[1].to_string());
            g.role = Some(c[2].to_string());
        }
        let attrs = spec.and_then(|v| member(v, "resourceAttributes"));
        if attrs.is_some() {
            g.verb = s(attrs, "verb").map(str::to_string);
            let mut resource = s(attrs, "resource").map(str::to_string);
            if let (Some(r), Some(sub)) = (&mut resource, s(attrs, "subresource")) {
                r.push('/');
                r.push_str(sub);
            }
            if let (Some(r), Some(group)) = (&mut resource, s(attrs, "group")) {
                r.push('.');
                r.push_str(group);
            }
            g.resource = resource;
            g.namespace = s(attrs, "namespace").map(str::to_string);
            g.name = s(attrs, "name").map(str::to_string);
        } else {
            let path = spec.and_then(|v| member(v, "nonResourceAttributes"));
            g.verb = s(path, "verb").map(str::to_string);
            g.resource = s(path, "path").map(str::to_string);
        }
        g
    }

    fn token_review(review: &Value) -> Guard {
        let status = member(review, "status");
        let user = status.and_then(|v| member(v, "user"));
        let mut g = Guard { review: "TokenReview", ..Guard::default() };
        g.user = user.and_then(|u| member(u, "username")).and_then(Value::as_str).map(str::to_string);
        g.groups = strings(user.and_then(|u| member(u, "groups")));
        g.oid = strings(user.and_then(|u| member(u, "extra")).and_then(|e| member(e, "oid"))).into_iter().next();
        let authenticated = status.and_then(|v| member(v, "authenticated")).and_then(Value::as_bool).unwrap_or(false);
        g.decision = Some(if authenticated { "authenticated" } else { "unauthenticated" });
        g.reason = status.and_then(|v| member(v, "error")).and_then(Value::as_str).map(str::to_string);
        g
    }

    /// `allow get pods in shop for priya.nair@contoso.example`.
    fn summary(&self) -> String {
        let mut s = self.decision.unwrap_or("verdict").to_string();
        if let Some(v) = &self.verb {
            s.push(' ');
            s.push_str(v);
        }
        if let Some(r) = &self.resource {
            s.push(' ');
            s.push_str(r);
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => s.push_str(&format!(" {}/{}", ns, n)),
            (Some(ns), None) => s.push_str(&format!(" in {}", ns)),
            (None, Some(n)) => s.push_str(&format!(" {}", n)),
            (None, None) => {}
        }
        if let Some(u) = &self.user {
            s.push_str(if self.verb.is_some() || self.resource.is_some() { " for " } else { " " });
            s.push_str(u);
        }
        s
    }

    fn apply(self, ev: &mut NewEvent) {
        ev.field("guard_review", self.review);
        ev.field("user", self.user.clone());
        if !self.groups.is_empty() {
            ev.field("user_groups", self.groups.clone());
        }
        ev.field("entra_object_id", self.oid.clone());
        ev.field("decision", self.decision);
        ev.field("authz_reason", self.reason);
        ev.field("verb", self.verb);
        ev.field("resource", self.resource);
        ev.field("namespace", self.namespace);
        ev.field("name", self.name);
        ev.field("role_assignment", self.role_assignment);
        ev.field("role_definition", self.role);
        if let Some(u) = self.user {
            let groups = (!self.groups.is_empty()).then_some(self.groups);
            ev.entity(EntityRef::new(EntityKind::Identity, u, "actor").attr("groups", groups).attr("entra_object_id", self.oid));
        }
    }
}

/// The first JSON value of a text, ignoring what follows it.
fn first_json(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text).into_iter::<strict::Unique>().next()?.ok().map(|u| u.0)
}

/// A non-empty string member of an object value.
fn str_at<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v.and_then(|v| member(v, key)).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The strings of a JSON array.
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}
