//! The Azure Activity Log: the subscription's control-plane calls, the
//! cloud side of an AKS incident.
//!
//! The AKS audit log says what a cluster identity did inside the cluster;
//! the Activity Log says which Entra principal fetched the cluster's
//! credentials (`listClusterAdminCredential`, `listClusterUserCredential`),
//! ran commands through the API (`runCommand`), changed or deleted the
//! cluster, and from which address. Each entry becomes one
//! `azure-activity` telemetry event whose entities are the caller (keyed by
//! its Entra object id, the same id AKS puts in an audit event's
//! `user.extra.oid`), its address and the AKS cluster.
//!
//! Two forms (`cloud-formats.md` §2.7, `docs/formats/azure-activity.md`):
//! - Diagnostic-setting records, streamed to an Event Hub (`{"records":
//!   […]}` per message; shape `event-hub`) or archived to a storage account
//!   (one record per line, `PT1H.json`, maybe with a BOM; shape
//!   `storage-blob`): `time`, upper-case `resourceId` and `operationName`,
//!   `category`, `resultType`, `resultSignature`, `callerIpAddress`,
//!   `correlationId`, `identity {authorization {action, scope, evidence},
//!   claims}`, `level`, `properties`.
//! - The REST API's events, as `az monitor activity-log list` prints them
//!   (a JSON array; shape `az-cli`) or as REST pages (`{"value": […]}`;
//!   shape `rest-api`): camelCase, `operationName {value,
//!   localizedValue}`, `eventTimestamp`, `caller`, `status {value}`,
//!   `authorization`, `claims`, `httpRequest {clientIpAddress}`,
//!   `eventDataId`.
//!
//! One entry is one event in either form. The diagnostic form carries no
//! `eventDataId` (Microsoft's mapping table has no column for it), so both
//! forms are keyed on what they share: the correlation id, the operation,
//! the resource (both lower-cased: the diagnostic form upper-cases them),
//! the status (`Success` there is `Succeeded` here) and the event time in
//! nanoseconds (`time` there is `eventTimestamp` here). The Event Hub copy
//! and the CLI copy of an entry are therefore one event with both records;
//! the diagnostic record ranks first, as it alone names the RBAC role
//! assignment that allowed the call (`identity.authorization.evidence`).
//!
//! Traps:
//! - Resource-log records of other categories share the Event Hub and the
//!   storage account (AKS `kube-audit`, `guard` … with `properties.log`):
//!   they are the AKS parser's, and [`sniff`] leaves them alone; so are the
//!   entries of a Defender alert (`Microsoft.Security/locations/alerts`).
//! - `properties.statusMessage`, `requestbody` and `responseBody` are
//!   sometimes JSON strings, sometimes objects; both are read.
//! - Claims are keyed by URLs in tokens of Entra v1
//!   (`http://schemas.microsoft.com/identity/claims/objectidentifier`) and
//!   by short names in v2 (`oid`); both are read. A managed identity has no
//!   UPN and no name claim: it is named by `xms_mirid`.
//! - `evidence.principalId` is the object id without dashes.

use crate::formats::envelope::{dynamic, ClusterRef, Envelope};
use crate::formats::{get_ci, str_of, strict, Context, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde_json::{Map, Value};
use std::borrow::Cow;

mod caller;
mod operations;
#[cfg(test)]
mod tests;

/// The prefix of every Activity Log event's dedup key.
const DEDUP_PREFIX: &str = "azure-activity|";

/// The diagnostic record ranks above the REST copy of the same entry.
const RANK_DIAGNOSTIC: i32 = 2;
const RANK_REST: i32 = 1;

/// The Activity Log's categories, as the diagnostic setting names them
/// (older log profiles wrote `Write`, `Delete`, `Action`).
const CATEGORIES: &[&str] = &[
    "Administrative",
    "Security",
    "ServiceHealth",
    "ResourceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "Write",
    "Delete",
    "Action",
];

/// Is this JSON object an Activity Log entry, in either form?
pub fn sniff(obj: &Map<String, Value>) -> bool {
    if crate::formats::defender::sniff(obj) {
        return false;
    }
    is_diagnostic(obj) || is_rest(obj)
}

fn is_diagnostic(obj: &Map<String, Value>) -> bool {
    let op = obj.get("operationName").and_then(Value::as_str).is_some_and(|o| o.contains('/'));
    let category = obj
        .get("category")
        .and_then(Value::as_str)
        .is_some_and(|c| CATEGORIES.iter().any(|k| k.eq_ignore_ascii_case(c)));
    op && category && (obj.contains_key("correlationId") || obj.contains_key("resultType"))
}

fn is_rest(obj: &Map<String, Value>) -> bool {
    let op = obj
        .get("operationName")
        .and_then(Value::as_object)
        .is_some_and(|o| matches!(o.get("value"), Some(Value::String(_))));
    op && (obj.contains_key("eventDataId") || obj.contains_key("eventTimestamp"))
}

/// Which form an entry is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Diagnostic,
    Rest,
}

/// A value given as a string, or as `{value, localizedValue}`.
fn value_of(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::Object(o) => str_of(o.get("value")),
        v => str_of(Some(v)),
    }
}

/// A member that is an object, or a JSON string holding one.
fn object_of(v: Option<&Value>) -> Option<Cow<'_, Map<String, Value>>> {
    match dynamic(v)? {
        Cow::Borrowed(Value::Object(o)) => Some(Cow::Borrowed(o)),
        Cow::Owned(Value::Object(o)) => Some(Cow::Owned(o)),
        _ => None,
    }
}

/// One entry, read the same way from either form.
struct Entry<'a> {
    form: Form,
    time_ns: i64,
    /// `operationName`, lower-cased (the diagnostic form upper-cases it).
    operation: String,
    resource_id: Option<String>,
    category: Option<&'a str>,
    status: Option<String>,
    sub_status: Option<&'a str>,
    correlation_id: Option<&'a str>,
    caller_ip: Option<&'a str>,
    level: Option<&'a str>,
    claims: Option<Cow<'a, Map<String, Value>>>,
    authorization: Option<Cow<'a, Map<String, Value>>>,
    properties: Option<Cow<'a, Map<String, Value>>>,
    /// The REST form's `caller` (a UPN, or an object id).
    caller: Option<&'a str>,
}

/// The status in the REST API's words: the diagnostic form says `Start`,
/// `Success`, `Failure`, `Accept` where the REST API says `Started`,
/// `Succeeded`, `Failed`, `Accepted`.
fn normalized_status(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "start" | "started" => "Started".into(),
        "success" | "succeeded" => "Succeeded".into(),
        "failure" | "failed" => "Failed".into(),
        "accept" | "accepted" => "Accepted".into(),
        _ => s.to_string(),
    }
}

fn read(obj: &Map<String, Value>) -> Result<Entry<'_>, RecordError> {
    let form = match obj.get("operationName") {
        Some(Value::Object(_)) => Form::Rest,
        Some(Value::String(_)) if obj.contains_key("eventTimestamp") && !obj.contains_key("time") => Form::Rest,
        Some(Value::String(_)) => Form::Diagnostic,
        None | Some(Value::Null) => return Err(RecordError::new("Activity Log entry has no operationName")),
        Some(_) => return Err(RecordError::new("Activity Log entry's operationName is neither a string nor {value}")),
    };
    let operation = value_of(obj.get("operationName"))
        .ok_or_else(|| RecordError::new("Activity Log entry's operationName has no value"))?
        .to_ascii_lowercase();
    let time_key = if form == Form::Rest { "eventTimestamp" } else { "time" };
    let time = str_of(obj.get(time_key)).ok_or_else(|| match obj.get(time_key) {
        None | Some(Value::Null) => RecordError::new(format!("Activity Log entry {} has no {}", operation, time_key)),
        Some(_) => RecordError::new(format!("Activity Log entry {}: {} is not a string", operation, time_key)),
    })?;
    let time_ns = crate::time::parse_rfc3339(time)
        .ok_or_else(|| RecordError::new(format!("Activity Log entry {}: {} {:?} is not an ISO-8601 time", operation, time_key, time)))?;
    let properties = object_of(obj.get("properties"));
    let entry = match form {
        Form::Diagnostic => {
            let identity = object_of(obj.get("identity"));
            let (claims, authorization) = match &identity {
                Some(Cow::Borrowed(i)) => (object_of(i.get("claims")), object_of(i.get("authorization"))),
                // A JSON string decoded: its members are owned too.
                Some(Cow::Owned(i)) => (
                    object_of(i.get("claims")).map(|c| Cow::Owned(c.into_owned())),
                    object_of(i.get("authorization")).map(|a| Cow::Owned(a.into_owned())),
                ),
                None => (None, None),
            };
            let signature = str_of(obj.get("resultSignature"));
            Entry {
                form,
                time_ns,
                operation,
                resource_id: str_of(obj.get("resourceId")).map(str::to_ascii_lowercase),
                category: str_of(obj.get("category")),
                status: str_of(obj.get("resultType")).map(normalized_status),
                sub_status: signature.map(|s| s.split_once('.').map_or(s, |(_, sub)| sub)).filter(|s| !s.is_empty()),
                correlation_id: str_of(obj.get("correlationId")),
                caller_ip: str_of(obj.get("callerIpAddress")),
                level: str_of(obj.get("level")),
                claims,
                authorization,
                properties,
                caller: None,
            }
        }
        Form::Rest => Entry {
            form,
            time_ns,
            operation,
            resource_id: str_of(obj.get("resourceId")).map(str::to_ascii_lowercase),
            category: value_of(obj.get("category")),
            status: value_of(obj.get("status")).map(normalized_status),
            sub_status: value_of(obj.get("subStatus")),
            correlation_id: str_of(obj.get("correlationId")),
            caller_ip: obj.get("httpRequest").and_then(Value::as_object).and_then(|h| str_of(h.get("clientIpAddress"))),
            level: value_of(obj.get("level")),
            claims: object_of(obj.get("claims")),
            authorization: object_of(obj.get("authorization")),
            properties,
            caller: str_of(obj.get("caller")),
        },
    };
    Ok(entry)
}

/// Parses one Activity Log entry in either form.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(obj) = value else {
        return Err(RecordError::new("an Activity Log entry must be a JSON object"));
    };
    if crate::formats::defender::sniff(&obj) {
        // Parsed as the alert it is (the importer falls back to Defender).
        return Err(RecordError::new("an Activity Log entry of a Defender alert, not a control-plane call"));
    }
    // Another resource log streamed to the same place (AKS `kube-audit`,
    // `guard` …): a string category that is none of the Activity Log's.
    if let Some(category) = obj.get("category").and_then(Value::as_str) {
        if !CATEGORIES.iter().any(|k| k.eq_ignore_ascii_case(category)) {
            return Err(RecordError::new(format!(
                "a resource-log record of category {}, not an Activity Log entry",
                category
            )));
        }
    }
    let entry = read(&obj)?;
    let container = ctx.hint.container.as_deref();
    let shape = match (entry.form, container.map(|c| c.key)) {
        (Form::Diagnostic, Some("records")) => "event-hub",
        (Form::Diagnostic, _) => "storage-blob",
        (Form::Rest, Some("value")) => "rest-api",
        (Form::Rest, _) => "az-cli",
    };
    let mut env = Envelope::new(shape);
    if let Some(c) = container.filter(|c| c.key == "records" || c.key == "value") {
        env.fact(if c.key == "records" { "message" } else { "page" }, c.page);
    }
    build(&obj, &entry, env)
}

/// The dedup key both forms of one entry share (see the module doc);
/// `None` without a correlation id, when the REST form's `eventDataId`
/// keys it alone.
fn dedup_key(obj: &Map<String, Value>, e: &Entry) -> Option<String> {
    match e.correlation_id {
        Some(corr) => Some(format!(
            "{}{}|{}|{}|{}|{}",
            DEDUP_PREFIX,
            corr.to_ascii_lowercase(),
            e.operation,
            e.resource_id.as_deref().unwrap_or(""),
            e.status.as_deref().unwrap_or(""),
            e.time_ns
        )),
        None => str_of(obj.get("eventDataId")).map(|id| format!("{}event|{}", DEDUP_PREFIX, id)),
    }
}

fn build(obj: &Map<String, Value>, e: &Entry, mut env: Envelope) -> Result<NewEvent, RecordError> {
    let mut ev = NewEvent::new(Source::AzureActivity, EventKind::Telemetry, String::new());
    ev.time_ns = Some(e.time_ns);
    ev.rule = Some(e.operation.clone());
    ev.dedup_key = dedup_key(obj, e);
    ev.rank = if e.form == Form::Diagnostic { RANK_DIAGNOSTIC } else { RANK_REST };
    ev.severity = match e.level.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") => Severity::High,
        Some("error") => Severity::Medium,
        Some("warning") => Severity::Low,
        _ => Severity::Info,
    };
    if e.status.as_deref() == Some("Failed") {
        ev.severity = ev.severity.max(Severity::Low);
    }

    ev.field("operation", e.operation.as_str());
    ev.field("category", e.category);
    ev.field("status", e.status.as_deref());
    ev.field("sub_status", e.sub_status);
    ev.field("level", e.level);
    ev.field("correlation_id", e.correlation_id);
    ev.field("event_data_id", str_of(obj.get("eventDataId")));
    ev.field("operation_id", str_of(obj.get("operationId")));
    ev.field("submission_time", str_of(obj.get("submissionTimestamp")));
    ev.field("duration_ms", obj.get("durationMs").and_then(Value::as_u64));

    // The resource: subscription, group, provider, type, name.
    let resource = e.resource_id.as_deref().map(operations::Resource::parse);
    if let Some(r) = &resource {
        ev.field("resource_id", r.id.as_str());
        ev.field("subscription_id", r.subscription.as_deref());
        ev.field("resource_group", r.group.as_deref());
        ev.field("resource_type", r.kind.as_deref());
        ev.field("resource_name", r.name.as_deref());
    }

    // Who was allowed to do it, and by which role assignment.
    let authz = e.authorization.as_deref();
    let evidence = authz.and_then(|a| a.get("evidence")).and_then(Value::as_object);
    ev.field("authorization_action", authz.and_then(|a| str_of(a.get("action"))));
    ev.field("authorization_scope", authz.and_then(|a| str_of(a.get("scope"))));
    ev.field("rbac_role", evidence.and_then(|v| str_of(v.get("role"))).or_else(|| authz.and_then(|a| str_of(a.get("role")))));
    ev.field("role_assignment_id", evidence.and_then(|v| str_of(v.get("roleAssignmentId"))));
    ev.field("role_assignment_scope", evidence.and_then(|v| str_of(v.get("roleAssignmentScope"))));

    // What the service answered.
    let props = e.properties.as_deref();
    ev.field("status_code", props.and_then(|p| str_of(get_ci(p, "statusCode"))));
    // `statusMessage`: `{"error": {code, message}}`, as an object or as its
    // JSON text; text that is no JSON is kept as it is.
    let message = match props.and_then(|p| get_ci(p, "statusMessage")) {
        Some(Value::String(text)) => Some(strict::value_str(text).unwrap_or_else(|_| Value::String(text.clone()))),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.clone()),
    };
    if let Some(message) = message {
        match message.get("error").and_then(Value::as_object) {
            Some(error) => {
                ev.field("error_code", str_of(error.get("code")));
                ev.field("error_message", str_of(error.get("message")));
            }
            None => ev.field("status_message", message),
        }
    }
    for (key, name) in [("requestbody", "request_body"), ("responseBody", "response_body")] {
        if let Some(body) = props.and_then(|p| dynamic(get_ci(p, key))) {
            ev.field(name, body.into_owned());
        }
    }

    // The caller and where it called from.
    let fallback = e.category.filter(|c| c.eq_ignore_ascii_case("Policy")).map(|_| "Azure Policy");
    let who = caller::Caller::read(e.claims.as_deref(), evidence, e.caller, fallback);
    who.apply(&mut ev);
    if let Some(ip) = e.caller_ip.and_then(crate::entity::ip) {
        ev.field("caller_ip", ip.as_str());
        ev.entity(EntityRef::new(EntityKind::Ip, ip, "source-ip"));
    }

    let cluster = resource.as_ref().and_then(|r| r.aks_cluster());
    if let (Some(name), Some(r)) = (&cluster, &resource) {
        env.cluster = Some(
            ClusterRef::new(name.as_str(), "aks")
                .attr("resource_id", r.cluster_id().as_deref())
                .attr("subscription", r.subscription.as_deref())
                .attr("resource_group", r.group.as_deref()),
        );
    }
    let title = operations::describe(e, &who, resource.as_ref(), cluster.as_deref(), &mut ev);
    ev.title = title;
    ev.message = match (&e.caller_ip, e.correlation_id) {
        (Some(ip), Some(c)) => format!("{} from {}; correlation {}", who.display, ip, c),
        (Some(ip), None) => format!("{} from {}", who.display, ip),
        (None, Some(c)) => format!("{}; correlation {}", who.display, c),
        (None, None) => who.display.clone(),
    };
    env.apply(&mut ev);
    if let Some(c) = e.correlation_id {
        ev.add_search(c);
    }
    Ok(ev)
}
