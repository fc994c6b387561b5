//! The telemetry tables: `CloudProcessEvents` (a process created in a
//! container) and `CloudAuditEvents` (a cloud or Kubernetes control-plane
//! call). Neither is a detection: both become telemetry that links the
//! pods, containers, processes and identities the alerts name.

use super::cloud::{self, RESOURCE_COLUMNS};
use super::{one_line, Row};
use crate::entity;
use crate::formats::{audit, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Source};
use crate::time;
use serde_json::Value;

/// One `CloudProcessEvents` row.
pub(super) fn process(row: &Row) -> Result<NewEvent, RecordError> {
    let action = row.text("ActionType").unwrap_or("ProcessCreated");
    let exe = row.executable();
    let cmdline = row.text("ProcessCommandLine");
    let what = cmdline.or(exe.as_deref()).or(row.text("ProcessName")).unwrap_or("a process");
    let mut ev = NewEvent::new(Source::DefenderXdr, EventKind::Telemetry, format!("{}: {}", action, one_line(what)));
    ev.rule = Some(action.to_string());
    ev.time_ns = row.time("Timestamp")?;

    let cluster = cloud::cluster(row, RESOURCE_COLUMNS, &mut ev);
    let container = cloud::workload(row, &mut ev);
    let pid = row.number("ProcessId");
    ev.field("action_type", action);
    ev.field("pid", pid);
    ev.field("process_name", row.text("ProcessName").or(row.text("FileName")));
    ev.field("executable", exe.as_deref());
    ev.field("cmdline", cmdline);
    ev.field("cwd", row.text("ProcessCurrentWorkingDirectory"));
    ev.field("parent_pid", row.number("ParentProcessId"));
    ev.field("parent_name", row.text("ParentProcessName"));
    ev.field("initiating_pid", row.number("InitiatingProcessId"));
    ev.field("account", row.text("AccountName"));
    ev.field("logon_id", row.text("LogonId"));
    let created = row.time("ProcessCreationTime")?;
    ev.field("process_creation_time", created.map(time::format_ns));
    if let Some(extra) = row.dynamic("AdditionalFields")? {
        ev.field("additional_fields", extra.into_owned());
    }

    // The host pid, scoped by the container, as Falco and GuardDuty key it.
    if let (Some(pid), Some(exe)) = (pid, exe.as_deref()) {
        let scope = container.as_deref().or(cluster.as_deref()).unwrap_or("host");
        let key = entity::process_key(scope, pid, exe);
        ev.field("process_key", key.as_str());
        ev.entity(
            EntityRef::new(EntityKind::Process, key, "process")
                .attr("pid", pid)
                .attr("exe", exe)
                .attr("name", row.text("ProcessName").or(row.text("FileName")))
                .attr("cmdline", cmdline)
                .attr("user", row.text("AccountName"))
                .attr("start_time", created.map(time::format_ns)),
        );
    }
    if let Some(exe) = exe.as_deref() {
        ev.entity(EntityRef::new(EntityKind::File, exe, "file"));
        ev.add_search(exe);
    }
    if let Some(c) = cmdline {
        ev.add_search(c);
    }
    ev.message = match (ev.fields.get("pod").and_then(Value::as_str), row.text("ContainerName")) {
        (Some(pod), Some(c)) => format!("{} in container {} of pod {}", what, c, pod),
        (Some(pod), None) => format!("{} in pod {}", what, pod),
        _ => what.to_string(),
    };
    ev.dedup_key = Some(format!(
        "defender-xdr-process|{}|{}|{}",
        container.as_deref().or(ev.fields.get("pod").and_then(Value::as_str)).unwrap_or("-"),
        pid.map(|p| p.to_string()).unwrap_or_default(),
        ev.time_ns.map(|t| t.to_string()).unwrap_or_default()
    ));
    Ok(ev)
}

/// Whether a `DataSource` is the Kubernetes audit log.
fn is_kubernetes_audit(source: &str) -> bool {
    let folded: String = source.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    folded.eq_ignore_ascii_case("KubernetesAudit")
}

/// One `CloudAuditEvents` row. For the Kubernetes audit log, `RawEventData`
/// is the audit `Event` itself: it is read by the audit importer, whose
/// identity, pod and address entities and fields the event takes, so the
/// stolen token's calls link to the same identity and pods the audit log
/// names.
pub(super) fn audit(row: &Row) -> Result<NewEvent, RecordError> {
    let source = row.text("DataSource").unwrap_or("unknown");
    let operation = row.text("OperationName");
    let mut ev = NewEvent::new(
        Source::DefenderXdr,
        EventKind::Telemetry,
        format!("{}: {}", source, operation.unwrap_or("operation")),
    );
    ev.rule = operation.map(str::to_string);
    ev.time_ns = row.time("Timestamp")?;
    ev.dedup_key = row.text("ReportId").map(|id| format!("defender-xdr-audit|{}", id.to_ascii_lowercase()));

    let raw = row.dynamic("RawEventData")?.map(|v| v.into_owned());
    if is_kubernetes_audit(source) {
        match &raw {
            Some(Value::Object(event)) => match audit::parse_object(event) {
                Ok(a) => {
                    ev.title = format!("Kubernetes Audit: {}", a.title);
                    ev.message = a.message;
                    ev.time_ns = ev.time_ns.or(a.time_ns);
                    ev.fields.extend(a.fields);
                    a.entities.into_iter().for_each(|e| ev.entity(e));
                    ev.add_search(&a.search_text);
                }
                Err(e) => ev.field("raw_event_unread", format!("RawEventData is no audit event: {}", e.reason)),
            },
            Some(_) => ev.field("raw_event_unread", "RawEventData is not an object"),
            None => {}
        }
    }
    cloud::cluster(row, &["AzureResourceId", "AwsResourceName", "GcpFullResourceName", "ResourceId"], &mut ev);
    ev.field("data_source", source);
    ev.field("audit_source", row.text("AuditSource"));
    ev.field("action_type", row.text("ActionType"));
    ev.field("operation_name", operation);
    ev.field("resource_id", row.text("ResourceId"));
    ev.field("report_id", row.text("ReportId"));
    ev.field("user_agent", row.text("UserAgent"));
    if let Some(ip) = row.text("IPAddress").and_then(entity::ip) {
        ev.field("ip", ip.as_str());
        ev.entity(
            EntityRef::new(EntityKind::Ip, ip, "source-ip")
                .attr("country", row.text("CountryCode"))
                .attr("city", row.text("City"))
                .attr("isp", row.text("Isp")),
        );
    }
    if let Some(extra) = row.dynamic("AdditionalFields")? {
        ev.field("additional_fields", extra.into_owned());
    }
    // Other clouds' raw events are kept as given: Kordon's own CloudTrail,
    // Activity Log and GCP importers read them from their own exports.
    if !is_kubernetes_audit(source) {
        ev.field("raw_event", raw);
    }
    if let Some(op) = operation {
        ev.add_search(op);
    }
    Ok(ev)
}
