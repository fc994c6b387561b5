//! The three kinds of record Azure Monitor writes for an AKS cluster — a
//! resource log record (Event Hub, storage blob), an `AzureDiagnostics` row
//! and an `AKSAudit`/`AKSAuditAdmin` row — read into one [`Record`]: the
//! envelope (shape, cluster, facts) and the body (an audit event as text or
//! as an object, or a component's log line).

use super::*;
use crate::formats::envelope::ClusterRef;

/// The operation every AKS resource log record names.
pub(super) const DIAGNOSTIC_OPERATION: &str = "Microsoft.ContainerService/managedClusters/diagnosticLogs/";

/// What is taken off the rank of an `AKSAudit` row whose timestamps are the
/// portal's display form (milliseconds): its envelope's bonus and one more,
/// so that it ranks below a bare audit line of the same stage (and so
/// below every enveloped copy) and still above the stage before.
pub(super) fn display_time_penalty(envelope: &Envelope) -> i32 {
    envelope.rank_bonus() + 1
}

/// The categories whose log is an audit event.
pub(super) const AUDIT_CATEGORIES: &[&str] = &["kube-audit", "kube-audit-admin"];

/// The other categories of an AKS cluster's diagnostic settings (and the
/// `csi-` family: `csi-azuredisk-controller`, `csi-azurefile-controller`,
/// `csi-snapshot-controller` …).
const COMPONENT_CATEGORIES: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
    "guard",
];

/// Whether a category is one an AKS cluster writes.
pub(super) fn aks_category(category: &str) -> bool {
    let c = category.to_ascii_lowercase();
    AUDIT_CATEGORIES.contains(&c.as_str()) || COMPONENT_CATEGORIES.contains(&c.as_str()) || c.starts_with("csi-")
}

/// Which of the record kinds an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A resource log record: an Event Hub message's item or a line of a
    /// storage blob.
    ResourceLog,
    /// A row of the legacy `AzureDiagnostics` table.
    Diagnostics,
    /// A row of `AKSAudit` or `AKSAuditAdmin`.
    AuditRow,
}

/// What the record holds.
#[derive(Debug)]
pub(super) enum Body {
    /// An audit event as JSON text (`properties.log`, `log_s`), trimmed.
    AuditText(String),
    /// An audit event put together from a row's columns.
    AuditObject(Map<String, Value>),
    /// A component's log text (klog), trimmed.
    Line(String),
}

/// One record, whatever its kind.
#[derive(Debug)]
pub(super) struct Record {
    pub(super) kind: Kind,
    pub(super) envelope: Envelope,
    /// `kube-audit`, `guard` …, lower-cased.
    pub(super) category: String,
    /// The record's own time (`time`, `TimeGenerated`).
    pub(super) time_ns: Option<i64>,
    /// Where the log is: `properties.log`, `log_s`.
    pub(super) log_name: &'static str,
    pub(super) body: Body,
    /// Taken off the audit parser's rank ([`display_time_penalty`]).
    pub(super) rank_penalty: i32,
}

/// The kind of an object, or `None` for anything else — in particular a
/// Defender alert in any export, which may name the same cluster.
pub(super) fn kind_of(obj: &Map<String, Value>) -> Option<Kind> {
    if defender_alert(obj) {
        return None;
    }
    // A row first: `AzureDiagnostics` also has `Category` and the
    // diagnostic-log `OperationName`, which keys match case-insensitively.
    if diagnostics_row(obj) {
        Some(Kind::Diagnostics)
    } else if resource_log(obj) {
        Some(Kind::ResourceLog)
    } else if audit_row(obj) {
        Some(Kind::AuditRow)
    } else {
        None
    }
}

/// The marks of a Defender for Cloud alert: `alertType` in `properties`
/// (REST, Resource Graph, continuous export) or the `SecurityAlert` columns.
fn defender_alert(obj: &Map<String, Value>) -> bool {
    get_ci(obj, "AlertType").is_some()
        || get_ci(obj, "SystemAlertId").is_some()
        || get_ci(obj, "properties").and_then(|p| member(p, "alertType")).is_some()
}

/// `{time, resourceId, category, operationName, properties: {log, …}}`: the
/// diagnostic-log operation, or an AKS resource id with a log.
fn resource_log(obj: &Map<String, Value>) -> bool {
    if get_ci(obj, "category").is_none() {
        return false;
    }
    let operation = get_ci(obj, "operationName")
        .and_then(Value::as_str)
        .is_some_and(|op| starts_with_ci(op, DIAGNOSTIC_OPERATION));
    let aks = get_ci(obj, "resourceId").and_then(Value::as_str).is_some_and(resource::names_cluster);
    let log = get_ci(obj, "properties").and_then(|p| member(p, "log")).is_some();
    operation || (aks && log)
}

/// An `AzureDiagnostics` row of an AKS cluster: `Category` and `log_s`,
/// with the cluster's resource id or provider, or (a query that projected
/// only a few columns) an AKS category.
fn diagnostics_row(obj: &Map<String, Value>) -> bool {
    let Some(category) = get_ci(obj, "Category") else { return false };
    if get_ci(obj, "log_s").is_none() {
        return false;
    }
    if category.as_str().is_some_and(aks_category) {
        return true;
    }
    let aks_id = ["ResourceId", "_ResourceId"]
        .iter()
        .any(|k| get_ci(obj, k).and_then(Value::as_str).is_some_and(resource::names_cluster));
    let provider = get_ci(obj, "ResourceProvider")
        .and_then(Value::as_str)
        .is_some_and(|p| p.eq_ignore_ascii_case("Microsoft.ContainerService"));
    aks_id || provider
}

/// An `AKSAudit` / `AKSAuditAdmin` row: `AuditId` with the other audit
/// columns. A plain audit event (`auditID`) is not one.
fn audit_row(obj: &Map<String, Value>) -> bool {
    get_ci(obj, "AuditId").is_some()
        && !obj.contains_key("auditID")
        && ["Stage", "RequestUri", "Verb", "TimeGenerated"].iter().any(|k| get_ci(obj, k).is_some())
}

pub(super) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// A string member: `None` when absent, null or empty; an error naming the
/// member when it has another type.
pub(super) fn text<'a>(obj: &'a Map<String, Value>, key: &str, name: &str) -> Result<Option<&'a str>, RecordError> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(RecordError::new(format!("{}: expected a string, found {}", name, type_name(other)))),
    }
}

/// A Log Analytics datetime in epoch nanoseconds: ISO 8601 as the az CLI
/// and the APIs write it, or the portal's display form in a CSV download.
pub(super) fn datetime(s: &str) -> Option<i64> {
    crate::time::parse_rfc3339(s).or_else(|| columns::portal_time(s))
}

impl Record {
    pub(super) fn read(kind: Kind, obj: &Map<String, Value>, ctx: &Context) -> Result<Record, RecordError> {
        match kind {
            Kind::ResourceLog => read_resource_log(obj, ctx),
            Kind::Diagnostics => read_diagnostics_row(obj, ctx),
            Kind::AuditRow => read_audit_row(obj, ctx),
        }
    }

    /// The table a row is from, for messages.
    pub(super) fn table(&self) -> &str {
        self.envelope.facts.get("table").and_then(Value::as_str).unwrap_or("Log Analytics")
    }

    /// What the record is called in messages.
    pub(super) fn unit(&self) -> &'static str {
        match self.kind {
            Kind::ResourceLog => "record",
            Kind::Diagnostics | Kind::AuditRow => "row",
        }
    }

    /// The cluster's name, when the record (or the import) names one.
    pub(super) fn cluster(&self) -> Option<&str> {
        self.envelope.cluster.as_ref().map(|c| c.name.as_str())
    }
}

fn is_audit_category(category: &str) -> bool {
    AUDIT_CATEGORIES.contains(&category)
}

/// The record's time as a fact: normalized when it parses, as given if not.
fn time_fact(env: &mut Envelope, given: Option<&str>) -> Option<i64> {
    let ns = given.and_then(datetime);
    match (ns, given) {
        (Some(ns), _) => env.fact("time", crate::time::format_ns(ns)),
        (None, Some(t)) => env.fact("time", t),
        (None, None) => {}
    }
    ns
}

/// The cluster of a record: the resource id it names, else the one the
/// import names.
fn cluster(ids: &[Option<&str>], ctx: &Context) -> Option<ClusterRef> {
    ids.iter()
        .flatten()
        .find_map(|id| resource::cluster_ref(id))
        .or_else(|| ctx.cluster.map(|name| ClusterRef::new(name, "aks").attr("named_by", Some("import"))))
}

/// The body of a log in `category`.
fn body(category: &str, log: &str) -> Body {
    if is_audit_category(category) {
        Body::AuditText(log.trim().to_string())
    } else {
        Body::Line(log.trim_end().to_string())
    }
}

/// Puts the pod that wrote the log in the envelope: the API server replica
/// for audit categories, the component's own pod for the others.
fn pod_fact(env: &mut Envelope, category: &str, pod: Option<&str>) {
    env.fact(if is_audit_category(category) { "api_server_pod" } else { "pod" }, pod);
}

/// An Event Hub message's item or a storage blob's line.
fn read_resource_log(obj: &Map<String, Value>, ctx: &Context) -> Result<Record, RecordError> {
    let props = match get_ci(obj, "properties") {
        Some(Value::Object(p)) => p,
        Some(other) => {
            return Err(RecordError::new(format!("properties: expected an object, found {}", type_name(other))))
        }
        None => return Err(RecordError::new("the record has no properties")),
    };
    let members = ResourceLog {
        category: text(obj, "category", "category")?.ok_or_else(|| RecordError::new("the record has no category"))?,
        log: text(props, "log", "properties.log")?.ok_or_else(|| RecordError::new("the record has no properties.log"))?,
        time: text(obj, "time", "time")?,
        resource_id: text(obj, "resourceId", "resourceId")?,
        pod: text(props, "pod", "properties.pod")?,
        stream: text(props, "stream", "properties.stream")?,
    };
    Ok(resource_log_record(&members, ctx))
}

/// The members of a resource-log record the importer reads (absent and
/// blank ones `None`).
pub(super) struct ResourceLog<'a> {
    pub(super) category: &'a str,
    pub(super) log: &'a str,
    pub(super) time: Option<&'a str>,
    pub(super) resource_id: Option<&'a str>,
    pub(super) pod: Option<&'a str>,
    pub(super) stream: Option<&'a str>,
}

/// The record of a resource log's members.
pub(super) fn resource_log_record(m: &ResourceLog, ctx: &Context) -> Record {
    let category = m.category.to_ascii_lowercase();
    let (log, time, resource_id, pod, stream) = (m.log, m.time, m.resource_id, m.pod, m.stream);
    let container = ctx.hint.container.as_deref();
    let event_hub = container.is_some_and(|c| c.key == "records");
    let mut env = Envelope::new(if event_hub { "event-hub" } else { "storage-blob" });
    env.fact("category", category.as_str());
    let time_ns = time_fact(&mut env, time);
    pod_fact(&mut env, &category, pod);
    env.fact("stream", stream);
    if let Some(c) = container.filter(|_| event_hub) {
        env.fact("message", c.page);
    }
    let blob = resource::blob_path(ctx.path);
    if let Some(b) = &blob {
        env.fact("blob_container", b.container);
        env.fact("blob_hour", b.hour.clone());
    }
    env.cluster = cluster(&[resource_id, blob.as_ref().map(|b| b.resource_id)], ctx);
    Record {
        kind: Kind::ResourceLog,
        body: body(&category, log),
        envelope: env,
        category,
        time_ns,
        log_name: "properties.log",
        rank_penalty: 0,
    }
}

/// The shape of a Log Analytics row: the portal's CSV or the az CLI's JSON.
fn row_shape(ctx: &Context, csv: &'static str, json: &'static str) -> &'static str {
    if ctx.hint.row {
        csv
    } else {
        json
    }
}

/// A row of the legacy `AzureDiagnostics` table.
fn read_diagnostics_row(obj: &Map<String, Value>, ctx: &Context) -> Result<Record, RecordError> {
    let category = text(obj, "Category", "column Category")?
        .ok_or_else(|| RecordError::new("the AzureDiagnostics row has no Category"))?
        .to_ascii_lowercase();
    let log = text(obj, "log_s", "column log_s")?
        .ok_or_else(|| RecordError::new(format!("the AzureDiagnostics row of {} has an empty log_s", category)))?;
    let mut env = Envelope::new(row_shape(
        ctx,
        "log-analytics-azurediagnostics-csv",
        "log-analytics-azurediagnostics-json",
    ));
    env.fact("table", "AzureDiagnostics");
    env.fact("category", category.as_str());
    let time_ns = time_fact(&mut env, text(obj, "TimeGenerated", "column TimeGenerated")?);
    pod_fact(&mut env, &category, text(obj, "pod_s", "column pod_s")?);
    env.fact("stream", text(obj, "stream_s", "column stream_s")?);
    env.fact("workspace_id", text(obj, "TenantId", "column TenantId")?);
    env.cluster = cluster(
        &[text(obj, "ResourceId", "column ResourceId")?, text(obj, "_ResourceId", "column _ResourceId")?],
        ctx,
    );
    Ok(Record {
        kind: Kind::Diagnostics,
        body: body(&category, log),
        envelope: env,
        category,
        time_ns,
        log_name: "log_s",
        rank_penalty: 0,
    })
}

/// A row of `AKSAudit` / `AKSAuditAdmin`.
fn read_audit_row(obj: &Map<String, Value>, ctx: &Context) -> Result<Record, RecordError> {
    let table = text(obj, "Type", "column Type")?.unwrap_or("AKSAudit");
    let category = if table.eq_ignore_ascii_case("AKSAuditAdmin") { "kube-audit-admin" } else { "kube-audit" };
    let mut env = Envelope::new(row_shape(ctx, "log-analytics-aksaudit-csv", "log-analytics-aksaudit-json"));
    env.fact("table", table);
    env.fact("category", category);
    let time_ns = time_fact(&mut env, text(obj, "TimeGenerated", "column TimeGenerated")?);
    env.fact("api_server_pod", text(obj, "PodName", "column PodName")?);
    env.fact("workspace_id", text(obj, "TenantId", "column TenantId")?);
    env.cluster = cluster(
        &[text(obj, "_ResourceId", "column _ResourceId")?, text(obj, "ResourceId", "column ResourceId")?],
        ctx,
    );
    let row = columns::audit_event(obj, table)?;
    if !row.skipped.is_empty() {
        env.fact("skipped_objects", row.skipped.clone());
    }
    let rank_penalty = if row.display_times { display_time_penalty(&env) } else { 0 };
    Ok(Record {
        kind: Kind::AuditRow,
        body: Body::AuditObject(row.event),
        envelope: env,
        category: category.to_string(),
        time_ns,
        log_name: "row",
        rank_penalty,
    })
}
