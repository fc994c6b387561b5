//! Every other service's audit entry — GKE's cluster management through
//! `container.googleapis.com` first, then whatever else the export's filter
//! let through (IAM credentials, Compute …) — as `gcp-audit` telemetry: who
//! called which method on what, from where, and what the answer was.
//!
//! A caller reaching Google APIs through Workload Identity is a Kubernetes
//! service account (`serviceAccount:<project>.svc.id.goog[<ns>/<sa>]`):
//! that service account becomes an identity entity too, which links the
//! cloud call to the cluster's audit events of the same account.

use super::*;
use crate::model::{EntityKind, EntityRef, EventKind, Severity, Source};

pub(super) fn event(entry: &Entry) -> Result<NewEvent, RecordError> {
    let (code, message) = entry.status()?;
    let status = grpc::code(code);
    let short_method = entry.method.rsplit('.').next().filter(|m| !m.is_empty()).unwrap_or(entry.method);
    let mut title = match entry.resource_name.map(short_resource) {
        Some(target) => format!("{} {}", short_method, target),
        None => short_method.to_string(),
    };
    if code != 0 {
        match status {
            Some(s) => title.push_str(&format!(" ({})", s.name)),
            None => title.push_str(&format!(" (gRPC code {})", code)),
        }
    }
    let mut ev = NewEvent::new(Source::GcpAudit, EventKind::Telemetry, title);
    ev.rule = Some(entry.method.to_string());
    ev.severity = severity(entry.severity);
    ev.time_ns = entry.timestamp.and_then(crate::time::parse_rfc3339);

    let permissions = authorizations(entry);
    let decision = if code == 7 || permissions.iter().any(|p| !p.granted) {
        Some("forbid")
    } else if !permissions.is_empty() {
        Some("allow")
    } else {
        None
    };
    ev.field("service", entry.service);
    ev.field("method", entry.method);
    ev.field("resource_name", entry.resource_name);
    ev.field("user", entry.principal);
    ev.field("user_agent", entry.user_agent);
    ev.field("grpc_code", code);
    ev.field("grpc_status", status.map(|s| s.name));
    ev.field("status_message", message);
    ev.field("decision", decision);
    if !permissions.is_empty() {
        let names: Vec<&str> = permissions.iter().map(|p| p.permission).collect();
        ev.field("permissions", names);
    }
    let request_type = entry.payload_object("request").and_then(|r| r.get("@type")).and_then(Value::as_str);
    ev.field("request_type", request_type.map(|t| t.rsplit('/').next().unwrap_or(t)));

    // Who, from where.
    if let Some(p) = entry.principal {
        ev.entity(EntityRef::new(EntityKind::Identity, p, "actor").attr("provider", "gcp"));
    }
    for subject in workload_subjects(entry) {
        if let Some(sa) = kubernetes_service_account(subject) {
            ev.entity(EntityRef::new(EntityKind::Identity, sa, "workload-identity").attr("principal_subject", subject));
        }
    }
    let ip = entry.caller_ip.and_then(crate::entity::ip);
    if let Some(ip) = &ip {
        ev.field("source_ip", ip.as_str());
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "source-ip"));
    }

    let mut text = String::new();
    if let Some(p) = entry.principal {
        text.push_str(p);
        if let Some(ip) = entry.caller_ip {
            text.push_str(" from ");
            text.push_str(ip);
        }
        text.push_str("; ");
    }
    text.push_str(entry.service);
    if let Some(m) = message {
        text.push_str("; ");
        text.push_str(m);
    }
    ev.message = text;
    if let Some(r) = entry.resource_name {
        ev.add_search(r);
    }
    ev.add_search(entry.method);

    // Logging's own identity of an entry: log, insert id and time.
    if let Some(id) = entry.insert_id {
        let time = entry.timestamp.and_then(crate::time::parse_rfc3339).map(|t| t.to_string());
        ev.dedup_key = Some(format!(
            "gcp-audit|{}|{}|{}",
            entry.log_name.unwrap_or(""),
            id,
            time.as_deref().or(entry.timestamp).unwrap_or("")
        ));
    }
    entry.envelope.apply(&mut ev);
    Ok(ev)
}

/// The resource name less its `projects/<p>/locations/<l>/` prefix:
/// `clusters/gke-shop-prod/nodePools/default-pool`.
fn short_resource(name: &str) -> &str {
    let mut rest = name.trim_start_matches('/');
    for scope in [&["projects"][..], &["locations", "zones", "regions"][..]] {
        let mut parts = rest.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(kind), Some(_), Some(tail)) if scope.contains(&kind) && !tail.is_empty() => rest = tail,
            _ => break,
        }
    }
    rest
}

/// One `authorizationInfo` item.
struct Permission<'a> {
    permission: &'a str,
    /// Protobuf JSON omits `false`: an absent `granted` is a denial.
    granted: bool,
}

fn authorizations<'a>(entry: &Entry<'a>) -> Vec<Permission<'a>> {
    let items = entry.payload.get("authorizationInfo").and_then(Value::as_array);
    items
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|a| {
            let permission = a.get("permission").and_then(Value::as_str)?;
            let granted = a.get("granted").and_then(Value::as_bool).unwrap_or(false);
            Some(Permission { permission, granted })
        })
        .collect()
}

/// The federated subjects a call was made as or for: the caller's own,
/// and those of the service-account delegation chain.
fn workload_subjects<'a>(entry: &Entry<'a>) -> Vec<&'a str> {
    let Some(auth) = entry.payload_object("authenticationInfo") else { return Vec::new() };
    let mut out: Vec<&str> = auth.get("principalSubject").and_then(Value::as_str).into_iter().collect();
    let chain = auth.get("serviceAccountDelegationInfo").and_then(Value::as_array);
    for link in chain.into_iter().flatten() {
        if let Some(s) = link.get("principalSubject").and_then(Value::as_str) {
            out.push(s);
        }
    }
    out
}

/// `serviceAccount:<project>.svc.id.goog[<ns>/<sa>]` → the Kubernetes
/// service account `system:serviceaccount:<ns>:<sa>`.
pub(super) fn kubernetes_service_account(subject: &str) -> Option<String> {
    let rest = subject.strip_prefix("serviceAccount:")?;
    let (pool, member) = rest.split_once('[')?;
    if !pool.ends_with(".svc.id.goog") {
        return None;
    }
    let (ns, sa) = member.strip_suffix(']')?.split_once('/')?;
    crate::entity::service_account_identity(ns, sa)
}

/// A `LogEntry` severity as Kordon's.
fn severity(s: Option<&str>) -> Severity {
    match s {
        Some("WARNING") => Severity::Low,
        Some("ERROR") => Severity::Medium,
        Some("CRITICAL") | Some("ALERT") | Some("EMERGENCY") => Severity::High,
        _ => Severity::Info,
    }
}
