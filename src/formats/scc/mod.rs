//! Google Security Command Center findings about GKE (Container Threat
//! Detection, Event Threat Detection, Security Health Analytics), one
//! finding per record.
//!
//! Why this parser looks the way it does:
//!
//! * One finding reaches an investigator in several wrappings of the same
//!   `Finding` resource (SCC REST reference): `gcloud scc findings list
//!   --format=json` prints a bare array of `ListFindingsResult`s (`finding`,
//!   `resource`, `stateChange`), the REST call pages them under
//!   `listFindingsResults`; a notification config publishes a
//!   `NotificationMessage` (`notificationConfigName`, `finding`, `resource`)
//!   to Pub/Sub, which a subscriber sees base64-encoded in `message.data`,
//!   whether pushed (`{"message": …, "subscription": …}`) or pulled
//!   (`gcloud pubsub subscriptions pull --format=json`: `[{"ackId": …,
//!   "message": …}]`); a `findings.get`-like dump is the bare finding. Every
//!   wrapping is unwrapped to the finding and its `resource`; what the
//!   wrapping adds (the notification config, the Pub/Sub message id and
//!   publish time) is kept in `fields.envelope`. Bad base64 or a message
//!   whose data is not a notification is a parse error naming why.
//! * The finding's `name` differs with the level it was read at
//!   (`organizations/…`, `folders/…` or `projects/…`, with `locations/…` in
//!   v2) while its source and id stay; the dedup key
//!   `gcp-scc|sources/<source>/findings/<id>` makes every copy one event.
//!   SCC updates a finding in place (a new `eventTime` when the activity
//!   recurs, `state` turned `INACTIVE`), so the rank is the `eventTime`'s
//!   seconds since 2020, doubled, plus one for an inactive copy: the newest
//!   copy gives the fields, and of two copies at one time the one that says
//!   the finding was closed.
//! * `findingClass` says what the finding is: `THREAT` findings are
//!   alerts; `MISCONFIGURATION`, `VULNERABILITY` and `POSTURE_VIOLATION`
//!   are posture (what the cluster allowed, read by the hardening view with
//!   the scanners' failures, never by correlation); `OBSERVATION` and
//!   `SCC_ERROR` are telemetry. A finding with no class (older findings) is
//!   an alert: every GKE detector that omits it is a threat detector.
//! * An `INACTIVE` finding is still evidence: it is imported, its title
//!   ends with "(inactive)" and `fields.state` says so.
//! * SCC tags findings with its own MITRE enums (`EXECUTION`,
//!   `COMMAND_AND_SCRIPTING_INTERPRETER`), whose ATT&CK ids its proto
//!   documents; `data/scc-mitre.json` turns them into ids, as given (Kordon's
//!   reading of the categories is in `data/tactic-mapping.yaml`).
//! * Entities use [`crate::entity`]'s keys so that SCC's cluster, pod,
//!   image, node, identity and addresses meet what the GKE audit log and
//!   the runtime sensors say of them (`entities.rs`). SCC gives no container
//!   id, and a process's `pid` is not the host's: there is no process or
//!   container entity to key (they would never meet the sensors' ones), so
//!   the process's facts stay fields and its binary, script and libraries
//!   are file entities.

use crate::formats::{str_of, strict, type_name, Context, RecordError};
use crate::model::NewEvent;
use base64::Engine;
use serde_json::{Map, Value};

mod entities;
mod finding;
#[cfg(test)]
mod tests;

pub use finding::DEDUP_PREFIX;

type Obj = Map<String, Value>;

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// A finding, a list result or notification carrying one, or a Pub/Sub
/// message whose data is a notification.
pub fn sniff(obj: &Obj) -> bool {
    carried(obj).is_some() || pubsub_message(obj).is_some_and(|m| decode(m).is_ok_and(|v| carried_value(&v)))
}

/// Whether `name` is an SCC finding's resource name
/// (`<parent>/sources/<s>/[locations/<l>/]findings/<id>`).
fn is_finding_name(name: &str) -> bool {
    let mut parts = name.split('/');
    let root = parts.next();
    matches!(root, Some("organizations" | "folders" | "projects")) && name.contains("/sources/") && name.contains("/findings/")
}

/// A finding: its `name` is one and it has a `category` or a `resourceName`.
fn is_finding(obj: &Obj) -> bool {
    str_of(obj.get("name")).is_some_and(is_finding_name)
        && (obj.contains_key("category") || obj.contains_key("resourceName"))
}

/// The finding a record is or carries, and the record's shape.
fn carried(obj: &Obj) -> Option<(&Obj, Shape)> {
    if is_finding(obj) {
        return Some((obj, Shape::Finding));
    }
    let Some(Value::Object(f)) = obj.get("finding") else { return None };
    if !is_finding(f) && !obj.contains_key("notificationConfigName") {
        return None;
    }
    let shape = if obj.contains_key("notificationConfigName") { Shape::Notification } else { Shape::ListResult };
    Some((f, shape))
}

fn carried_value(v: &Value) -> bool {
    v.as_object().is_some_and(|o| carried(o).is_some())
}

/// The Pub/Sub message of a push or pull envelope (or a bare message):
/// an object with a string `data` and Pub/Sub's own members.
fn pubsub_message(obj: &Obj) -> Option<&Obj> {
    let is_message = |m: &Obj| str_of(m.get("data")).is_some() && (m.contains_key("messageId") || m.contains_key("message_id"));
    match obj.get("message") {
        Some(Value::Object(m)) if obj.contains_key("ackId") || obj.contains_key("subscription") || is_message(m) => Some(m),
        _ if is_message(obj) && obj.contains_key("publishTime") => Some(obj),
        _ => None,
    }
}

/// A Pub/Sub message's data, decoded from base64 and read as JSON.
fn decode(message: &Obj) -> Result<Value, RecordError> {
    let data = match message.get("data") {
        Some(Value::String(s)) => s,
        Some(v) => return Err(RecordError::new(format!("the Pub/Sub message's `data` is {}, not a string", type_name(v)))),
        None => return Err(RecordError::new("the Pub/Sub message has no `data`")),
    };
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engines = [&base64::engine::general_purpose::STANDARD, &base64::engine::general_purpose::URL_SAFE];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(&compact).ok())
        .ok_or_else(|| RecordError::new("the Pub/Sub message's `data` is not base64"))?;
    strict::value(&bytes).map_err(|e| RecordError::new(format!("the Pub/Sub message's data is not JSON: {}", e)))
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// The wrapping a finding came in (`data/shapes.yaml`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// An item of `gcloud scc findings list` or of a REST page.
    ListResult,
    /// A Pub/Sub notification, as decoded JSON.
    Notification,
    /// A bare finding.
    Finding,
}

impl Shape {
    fn name(self, pubsub: Option<&'static str>) -> &'static str {
        match (self, pubsub) {
            (_, Some(p)) => p,
            (Shape::ListResult, None) => "scc-list",
            (Shape::Notification, None) => "scc-notification",
            (Shape::Finding, None) => "scc-finding",
        }
    }
}

/// Parses one record: a finding in any of its wrappings.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(top) = &value else {
        return Err(RecordError::new(format!("an SCC finding must be a JSON object, not {}", type_name(&value))));
    };
    let mut envelope = Map::new();
    let (inner, pubsub) = match pubsub_message(top) {
        Some(m) => {
            pubsub_facts(top, m, &mut envelope);
            let shape = if top.contains_key("ackId") { "pubsub-pull" } else { "pubsub-push" };
            (Some(decode(m)?), Some(shape))
        }
        None => (None, None),
    };
    let record = match &inner {
        Some(Value::Object(o)) => o,
        Some(v) => return Err(RecordError::new(format!("the Pub/Sub message's data is {}, not a notification", type_name(v)))),
        None => top,
    };
    let (finding, shape) = match carried(record) {
        Some(found) => found,
        None if record.get("finding").is_some() => {
            return Err(RecordError::new("the record's `finding` is not an SCC finding (no finding `name`)"))
        }
        None => return Err(RecordError::new("not an SCC finding: no `finding` and no finding `name`")),
    };
    for (name, key) in [("notification_config", "notificationConfigName"), ("state_change", "stateChange")] {
        if let Some(v) = str_of(record.get(key)) {
            envelope.insert(name.to_string(), Value::from(v));
        }
    }
    if let Some(c) = ctx.hint.container.as_deref().filter(|c| c.key != "[") {
        envelope.insert("page".to_string(), Value::from(c.page));
    }
    let resource = match record.get("resource") {
        Some(Value::Object(r)) if shape != Shape::Finding => Some(r),
        _ => None,
    };
    let rest_page = ctx.hint.container.as_deref().is_some_and(|c| c.key == "listFindingsResults");
    let mut ev = finding::to_event(finding, resource).map_err(|e| match pubsub {
        Some(_) => RecordError::new(format!("in the Pub/Sub message's notification: {}", e.reason)),
        None => e,
    })?;
    ev.shape = Some(if rest_page { "scc-list-page" } else { shape.name(pubsub) });
    if !envelope.is_empty() {
        ev.field("envelope", Value::Object(envelope));
    }
    Ok(ev)
}

/// What a Pub/Sub envelope says of its message.
fn pubsub_facts(top: &Obj, message: &Obj, out: &mut Obj) {
    for (name, obj, keys) in [
        ("message_id", message, &["messageId", "message_id"][..]),
        ("publish_time", message, &["publishTime", "publish_time"][..]),
        ("subscription", top, &["subscription"][..]),
    ] {
        if let Some(v) = keys.iter().find_map(|k| str_of(obj.get(*k))) {
            out.insert(name.to_string(), Value::from(v));
        }
    }
    if let Some(Value::Object(a)) = message.get("attributes") {
        if !a.is_empty() {
            out.insert("attributes".to_string(), Value::Object(a.clone()));
        }
    }
}
