//! What a cloud log service wraps around a record, kept with the event.
//!
//! On AKS, EKS and GKE the API server's audit log never reaches the
//! investigator as a file: it comes through the cloud's log service (Azure
//! Monitor, CloudWatch Logs, Cloud Logging), each with an envelope of its
//! own around every audit event. The envelope is the raw evidence (stored
//! byte-exact); the audit event inside goes through the one audit parser,
//! so that dedup by `auditID`, stage ranking and entities stay in one place.
//! What only the envelope knows — the cluster, the log group and stream,
//! the project, the export shape — becomes the event's `cluster` and
//! `envelope` fields and a cluster entity.
//!
//! An enveloped record ranks just above the bare audit line of the same
//! stage, and one that names its cluster above one that does not
//! ([`Envelope::rank_bonus`]): when one request reaches the case several
//! ways (a plain `audit.log`, a `filter-log-events` page, a Firehose copy
//! from the log group), the record that says most of where it came from
//! gives the event's fields, and every record stays with the one event.

use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};


/// The cluster an envelope names.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRef {
    /// The cluster's name, as the entity key (`aks-shop-prod`).
    pub name: String,
    /// `aks`, `eks`, `gke`, or `kubernetes` when the user named it.
    pub provider: &'static str,
    /// What else the envelope says of it: ARM resource id, region, account,
    /// project, location.
    pub attrs: Map<String, Value>,
}

impl ClusterRef {
    pub fn new(name: impl Into<String>, provider: &'static str) -> ClusterRef {
        ClusterRef { name: name.into(), provider, attrs: Map::new() }
    }

    pub fn attr(mut self, name: &str, value: Option<&str>) -> ClusterRef {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.attrs.insert(name.to_string(), Value::String(v.to_string()));
        }
        self
    }

    /// The cluster entity an event of this cluster links to.
    pub fn entity(&self) -> EntityRef {
        self.clone().into_entity()
    }

    /// [`ClusterRef::entity`], taking the attributes over.
    pub fn into_entity(self) -> EntityRef {
        let mut e = EntityRef::new(EntityKind::Cluster, self.name, "cluster").attr("provider", self.provider);
        e.attrs.extend(self.attrs);
        e
    }
}

/// The envelope of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The export shape (`data/shapes.yaml`): `event-hub`, `filter-log-events` …
    pub shape: &'static str,
    pub cluster: Option<ClusterRef>,
    /// The envelope's facts as the event's `envelope` field shows them
    /// (`log_group`, `log_stream`, `resource_id`, `category` …).
    pub facts: Map<String, Value>,
}

impl Envelope {
    pub fn new(shape: &'static str) -> Envelope {
        Envelope { shape, cluster: None, facts: Map::new() }
    }

    /// Added to the rank of the record (see the module doc): 1 for an
    /// envelope, 2 for one that names the cluster. Stage ranks are 5 or
    /// more apart, so a better stage always wins first.
    pub fn rank_bonus(&self) -> i32 {
        1 + i32::from(self.cluster.is_some())
    }

    /// Records a fact; absent and empty values are left out.
    pub fn fact(&mut self, name: &str, value: impl Into<Value>) {
        match value.into() {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            v => {
                self.facts.insert(name.to_string(), v);
            }
        }
    }

    /// The `envelope` field: the shape and the facts.
    pub fn field(&self) -> Value {
        self.clone().into_parts().0
    }

    /// The `envelope` field and the cluster, the facts taken over.
    pub fn into_parts(self) -> (Value, Option<ClusterRef>) {
        let mut m = Map::new();
        m.insert("shape".into(), Value::String(self.shape.to_string()));
        m.extend(self.facts);
        (Value::Object(m), self.cluster)
    }

    /// Puts the envelope on an event that was not parsed through it (text
    /// lines, cloud audit events): fields, cluster entity and shape.
    pub fn apply(&self, ev: &mut NewEvent) {
        ev.field("envelope", self.field());
        if let Some(c) = &self.cluster {
            ev.field("cluster", c.name.as_str());
            ev.entity(c.entity());
        }
        ev.shape = Some(self.shape);
    }
}

/// Sets the cluster the user (or the bundle) named on an event that names
/// none of its own.
pub fn default_cluster(ev: &mut NewEvent, cluster: &str) {
    if ev.entities.iter().any(|e| e.kind == EntityKind::Cluster) {
        return;
    }
    ev.entity(ClusterRef::new(cluster, "kubernetes").entity().attr("named_by", "import"));
}

/// The text of a JSON string value, or of a value that must be read as text
/// (a number, for exports that type a column loosely).
pub fn text(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    }
}

/// A value that exports give either as JSON or as a JSON string holding it
/// (Log Analytics `dynamic` columns, CSV cells): decoded once more when it
/// is a string that parses as an object or array.
pub fn dynamic(v: Option<&Value>) -> Option<std::borrow::Cow<'_, Value>> {
    use std::borrow::Cow;
    match v? {
        Value::String(s) => {
            let t = s.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                crate::formats::strict::value_str(s).ok().map(Cow::Owned)
            } else if s.is_empty() {
                None
            } else {
                Some(Cow::Owned(Value::String(s.clone())))
            }
        }
        Value::Null => None,
        other => Some(Cow::Borrowed(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EventKind, Source};

    #[test]
    fn apply_sets_fields_entity_and_shape() {
        let mut env = Envelope::new("filter-log-events");
        env.fact("log_stream", "kube-apiserver-audit-0a1b");
        env.fact("empty", "");
        env.cluster = Some(ClusterRef::new("shop-prod", "eks").attr("region", Some("eu-west-1")));
        let mut ev = NewEvent::new(Source::ControlPlane, EventKind::Telemetry, "t");
        env.apply(&mut ev);
        assert_eq!(ev.fields["cluster"], "shop-prod");
        assert_eq!(ev.fields["envelope"], serde_json::json!({"shape": "filter-log-events", "log_stream": "kube-apiserver-audit-0a1b"}));
        let c = &ev.entities[0];
        assert_eq!((c.kind, c.key.as_str(), c.role.as_str()), (EntityKind::Cluster, "shop-prod", "cluster"));
        assert_eq!(c.attrs["provider"], "eks");
        assert_eq!(c.attrs["region"], "eu-west-1");
        assert_eq!(ev.shape, Some("filter-log-events"));
    }

    #[test]
    fn the_default_cluster_never_replaces_one_the_record_names() {
        let mut ev = NewEvent::new(Source::Falco, EventKind::Alert, "t");
        default_cluster(&mut ev, "named");
        default_cluster(&mut ev, "other");
        let clusters: Vec<&str> =
            ev.entities.iter().filter(|e| e.kind == EntityKind::Cluster).map(|e| e.key.as_str()).collect();
        assert_eq!(clusters, ["named"]);
    }

    #[test]
    fn dynamic_values_decode_once_more_from_strings() {
        let v = serde_json::json!({"a": "{\"x\":1}", "b": {"x": 1}, "c": "plain", "d": "", "e": null});
        assert_eq!(dynamic(v.get("a")).unwrap().as_ref(), &serde_json::json!({"x": 1}));
        assert_eq!(dynamic(v.get("b")).unwrap().as_ref(), &serde_json::json!({"x": 1}));
        assert_eq!(dynamic(v.get("c")).unwrap().as_ref(), &serde_json::json!("plain"));
        assert!(dynamic(v.get("d")).is_none());
        assert!(dynamic(v.get("e")).is_none());
        assert!(dynamic(v.get("missing")).is_none());
    }
}
