//! AWS CloudTrail: the account's API calls, the cloud side of an EKS
//! incident.
//!
//! The Kubernetes audit log says what a cluster identity did inside the
//! cluster; CloudTrail says which AWS principal got that identity and what
//! else it did with the account: who read a cluster's endpoint to build a
//! kubeconfig, who gave an IAM role access to the cluster (access entries),
//! which service account exchanged its token for an IAM role (IRSA's
//! `AssumeRoleWithWebIdentity`, EKS Pod Identity's `AssumeRole`) and from
//! where. The parser turns each call into one `cloudtrail` telemetry event
//! whose entities carry those links (see `data/relations.yaml`):
//! a session and the role it is a session of, a web identity and the role it
//! assumed, the principal an access entry was made for, the cluster.
//!
//! Shapes (`cloud-formats.md` §2.1, `docs/formats/cloudtrail.md`):
//! - S3 trail objects: gzip, `{"Records": […]}` (the framing expands
//!   `Records`); each record is the event itself. Shape `trail-object`.
//! - `aws cloudtrail lookup-events` pages: `{"Events": […], "NextToken"}`,
//!   often several pages appended into one file; each item is PascalCase
//!   (`EventId`, `EventName`, `Username`, `ReadOnly` as a string,
//!   `Resources`) and carries the whole event as a JSON *string* in
//!   `CloudTrailEvent`, which is what is read. Shape `lookup-events`.
//! - Anything else holding bare events (JSON Lines of records, a single
//!   event saved from the console). Shape `cloudtrail-events`.
//!
//! One call is one event whichever way it arrived: the dedup key is
//! `cloudtrail|<eventID>`, so a trail object and a lookup page of the same
//! call give one event with both records kept (the trail object's record,
//! as delivered, ranks first).
//!
//! Traps:
//! - The lookup item's `EventTime` is printed in the local zone of whoever
//!   ran the CLI: it is never used; the time is the inner `eventTime`
//!   (UTC). A lookup item without a readable `CloudTrailEvent` is therefore
//!   a parse error, not an event with a guessed time.
//! - `sourceIPAddress` is a service name (`eks.amazonaws.com`,
//!   `pods.eks.amazonaws.com`) when a service made the call: it becomes
//!   the `source_service` field, never an address entity.
//! - `userIdentity` of a web-identity call names the web identity (the
//!   service account), not an AWS principal; `AssumeRole` made by EKS Pod
//!   Identity is an `AWSService` call whose only trace of the pod is its
//!   session tags. Neither makes the caller an `actor`, or the links would
//!   read "the service account is a session of the role".
//! - `responseElements.cluster.createdAt` is epoch seconds as a float.
//! - A failed call (`errorCode`) has no `responseElements`; the session or
//!   credentials it would have given do not exist.

use crate::formats::envelope::Envelope;
use crate::formats::{str_of, strict, Context, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde_json::{Map, Value};

mod identity;
mod operations;
#[cfg(test)]
mod tests;

/// The prefix of every CloudTrail event's dedup key (then the `eventID`).
const DEDUP_PREFIX: &str = "cloudtrail|";

/// Ranks among the copies of one call: the record as the trail delivered it
/// first, then a bare copy, then the copy a lookup page carried as a string.
const RANK_TRAIL: i32 = 2;
const RANK_BARE: i32 = 1;
const RANK_LOOKUP: i32 = 0;

/// Is this JSON object a CloudTrail event, or an item of a `lookup-events`
/// page? Records without an `eventID` or with a mistyped time still count:
/// the parser then says what is wrong with them.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    is_event(obj) || is_lookup_item(obj)
}

fn is_event(obj: &Map<String, Value>) -> bool {
    let source = obj.get("eventSource").and_then(Value::as_str).is_some_and(|s| s.ends_with(".amazonaws.com"));
    let name = matches!(obj.get("eventName"), Some(Value::String(_)));
    source && name && ["eventVersion", "eventID", "eventTime", "userIdentity"].iter().any(|k| obj.contains_key(*k))
}

fn is_lookup_item(obj: &Map<String, Value>) -> bool {
    obj.contains_key("CloudTrailEvent")
        || (obj.contains_key("EventId") && obj.contains_key("EventName") && obj.contains_key("EventSource"))
}

/// Parses one record: a trail object's record, a lookup item or a bare
/// event.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(obj) = value else {
        return Err(RecordError::new("a CloudTrail record must be a JSON object"));
    };
    let container = ctx.hint.container.as_deref();
    let mut env;
    let (event, rank) = if is_lookup_item(&obj) {
        env = Envelope::new("lookup-events");
        if let Some(c) = container.filter(|c| c.key == "Events") {
            env.fact("page", c.page);
        }
        (lookup_event(&obj)?, RANK_LOOKUP)
    } else {
        let trail = container.is_some_and(|c| c.key == "Records");
        env = Envelope::new(if trail { "trail-object" } else { "cloudtrail-events" });
        (obj, if trail { RANK_TRAIL } else { RANK_BARE })
    };
    let mut ev = build(&event, &env)?;
    ev.rank = rank;
    Ok(ev)
}

/// The event a `lookup-events` item carries in `CloudTrailEvent`.
fn lookup_event(item: &Map<String, Value>) -> Result<Map<String, Value>, RecordError> {
    let id = str_of(item.get("EventId")).unwrap_or("without an EventId");
    let inner = match item.get("CloudTrailEvent") {
        Some(Value::String(text)) => strict::value_str(text).map_err(|e| {
            RecordError::new(format!("the CloudTrailEvent of lookup-events item {} is not JSON ({})", id, e))
        })?,
        // Already decoded by whoever post-processed the page (`jq fromjson`).
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => {
            return Err(RecordError::new(format!("the CloudTrailEvent of lookup-events item {} is not a JSON string", id)))
        }
        None => {
            return Err(RecordError::new(format!(
                "lookup-events item {} has no CloudTrailEvent (its EventTime is in the CLI user's local zone, so the call cannot be placed in time without it)",
                id
            )))
        }
    };
    let Value::Object(mut event) = inner else {
        return Err(RecordError::new(format!("the CloudTrailEvent of lookup-events item {} is not a JSON object", id)));
    };
    // The page names the call too; the event's own id wins.
    if !event.contains_key("eventID") {
        if let Some(id) = str_of(item.get("EventId")) {
            event.insert("eventID".into(), Value::String(id.to_string()));
        }
    }
    Ok(event)
}

/// A required string member of an event.
fn required<'a>(event: &'a Map<String, Value>, key: &str, id: &str) -> Result<&'a str, RecordError> {
    str_of(event.get(key)).ok_or_else(|| match event.get(key) {
        None | Some(Value::Null) => RecordError::new(format!("CloudTrail event {} has no {}", id, key)),
        Some(_) => RecordError::new(format!("CloudTrail event {}: {} is not a string", id, key)),
    })
}

/// An optional object member: `None` when absent or null; a value of
/// another type is refused (a record whose structure is not CloudTrail's).
fn object_member<'a>(event: &'a Map<String, Value>, key: &str, id: &str) -> Result<Option<&'a Map<String, Value>>, RecordError> {
    match event.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(RecordError::new(format!("CloudTrail event {}: {} is not an object", id, key))),
    }
}

/// Errors that mean the caller was not allowed to make the call.
fn is_access_denied(code: &str) -> bool {
    code.contains("AccessDenied") || code.starts_with("Unauthorized") || code == "Client.UnauthorizedOperation"
}

/// Builds the event of one CloudTrail record (the event object itself).
fn build(event: &Map<String, Value>, env: &Envelope) -> Result<NewEvent, RecordError> {
    let id = match event.get("eventID") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(RecordError::new("CloudTrail event has no eventID")),
        Some(_) => return Err(RecordError::new("CloudTrail event's eventID is not a string")),
    };
    let time = required(event, "eventTime", id)?;
    let time_ns = crate::time::parse_rfc3339(time)
        .ok_or_else(|| RecordError::new(format!("CloudTrail event {}: eventTime {:?} is not an ISO-8601 time", id, time)))?;
    let source = required(event, "eventSource", id)?;
    let name = required(event, "eventName", id)?;
    let user = object_member(event, "userIdentity", id)?;
    let request = object_member(event, "requestParameters", id)?;
    let response = object_member(event, "responseElements", id)?;
    let empty = Map::new();
    let call = operations::Call {
        service: source.strip_suffix(".amazonaws.com").unwrap_or(source),
        name,
        request: request.unwrap_or(&empty),
        response: response.unwrap_or(&empty),
        user_agent: str_of(event.get("userAgent")),
        error_code: str_of(event.get("errorCode")),
        region: str_of(event.get("awsRegion")),
        account: str_of(event.get("recipientAccountId")),
    };
    let caller = identity::caller(user.unwrap_or(&empty));
    let operation = format!("{}:{}", call.service, name);

    let mut ev = NewEvent::new(Source::CloudTrail, EventKind::Telemetry, String::new());
    ev.time_ns = Some(time_ns);
    ev.rule = Some(operation.clone());
    ev.dedup_key = Some(format!("{}{}", DEDUP_PREFIX, id));
    ev.field("event_id", id);
    ev.field("event_source", source);
    ev.field("event_name", name);
    ev.field("operation", operation.as_str());
    ev.field("aws_region", call.region);
    ev.field("account", call.account);
    ev.field("user_agent", call.user_agent);
    ev.field("read_only", event.get("readOnly").and_then(Value::as_bool));
    ev.field("event_type", str_of(event.get("eventType")));
    ev.field("event_category", str_of(event.get("eventCategory")));
    ev.field("management_event", event.get("managementEvent").and_then(Value::as_bool));
    ev.field("request_id", str_of(event.get("requestID")));
    ev.field("shared_event_id", str_of(event.get("sharedEventID")));
    ev.field("error_code", call.error_code);
    let error_message = str_of(event.get("errorMessage"));
    ev.field("error_message", error_message);

    // Where the call came from: an address, or the service that made it.
    if let Some(from) = str_of(event.get("sourceIPAddress")) {
        match crate::entity::ip(from) {
            Some(ip) => {
                ev.field("source_ip", ip.as_str());
                ev.entity(EntityRef::new(EntityKind::Ip, ip, "source-ip"));
            }
            None => ev.field("source_service", from),
        }
    }

    caller.apply(&mut ev);
    let words = operations::apply(&call, &caller, &mut ev);

    let mut title = words;
    if let Some(code) = call.error_code {
        if is_access_denied(code) {
            title.push_str(&format!(" — denied ({})", code));
            ev.severity = Severity::Low;
        } else {
            title.push_str(&format!(" — failed ({})", code));
        }
    }
    ev.title = title;
    ev.message = match (error_message, str_of(event.get("sourceIPAddress"))) {
        (Some(m), Some(from)) => format!("{} from {}: {}", caller.display, from, m),
        (Some(m), None) => format!("{}: {}", caller.display, m),
        (None, Some(from)) => format!("{} from {}", caller.display, from),
        (None, None) => caller.display.clone(),
    };
    env.apply(&mut ev);
    ev.add_search(id);
    Ok(ev)
}
