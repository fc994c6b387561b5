//! The normalized vocabulary every importer speaks.
//!
//! Each source tool names the same things differently; importers translate a
//! raw record into a [`NewEvent`] with [`EntityRef`]s so that the store, the
//! correlation and the UI never need to know which tool produced a record.
//! The raw bytes are stored next to it, untouched, for forensic soundness.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! slug_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $slug:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $slug)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($slug => Some($name::$variant),)+ _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

slug_enum!(
    /// Which tool an event came from (the `source` field of `kordon events --json`);
    /// `kordon` marks Kordon's own detections (`kordon detect`).
    Source {
        Falco => "falco",
        K8sAudit => "k8s-audit",
        Defender => "defender",
        Tetragon => "tetragon",
        K8sObject => "k8s-object",
        K8sEvent => "k8s-event",
        Kordon => "kordon",
        /// Control-plane logs that are not audit events (the API server's
        /// own log, AKS `guard`, the EKS authenticator, the autoscaler),
        /// read from a managed cluster's log export.
        ControlPlane => "control-plane",
        /// AWS CloudTrail: the cloud account's API calls (EKS, IAM, STS).
        CloudTrail => "cloudtrail",
        /// The Azure Activity Log: the subscription's control-plane calls.
        AzureActivity => "azure-activity",
        /// Google Cloud audit logs other than the cluster's own API server
        /// (GKE cluster management through `container.googleapis.com`).
        GcpAudit => "gcp-audit",
        /// Posture scanners' reports: `trivy k8s`, kube-bench, Kubescape.
        Trivy => "trivy",
        KubeBench => "kube-bench",
        Kubescape => "kubescape",
        /// Amazon GuardDuty findings (EKS audit-log and runtime monitoring).
        GuardDuty => "guardduty",
        /// Aqua Tracee: eBPF runtime events and its signatures' detections.
        Tracee => "tracee",
        /// Sysdig Secure: runtime policy events (its agent's Falco rules,
        /// Kubernetes and cloud audit detections).
        Sysdig => "sysdig",
        /// KubeArmor: LSM-enforced policy alerts and container/host logs.
        KubeArmor => "kubearmor",
        /// Cilium Hubble: network flows the datapath forwarded or dropped.
        Hubble => "hubble",
        /// Google Security Command Center: GKE threat findings (Container
        /// and Event Threat Detection) and misconfigurations.
        Scc => "gcp-scc",
        /// Microsoft Defender XDR advanced hunting: Defender for Cloud's
        /// container process and cloud audit telemetry, XDR alerts and
        /// their evidence.
        DefenderXdr => "defender-xdr",
        /// Microsoft Sentinel: the SOC's incidents (its status, classification
        /// and owner), shown next to Kordon's own.
        Sentinel => "sentinel",
        /// Falco Talon: the response engine's record of what it did to the
        /// cluster (its action log lines, its `k8sevents` notifier's Events).
        FalcoTalon => "falco-talon",
    }
);

slug_enum!(
    /// What an event is: a detection by the tool, raw telemetry, a snapshot of
    /// a Kubernetes object, or a Kubernetes `Event`.
    EventKind {
        Alert => "alert",
        Telemetry => "telemetry",
        Object => "object",
        K8sEvent => "k8s-event",
        /// A posture scanner's report on configuration and images (failed
        /// controls, vulnerable workloads): what the cluster allowed, not
        /// what happened. Hardening reads it; correlation never does.
        Posture => "posture",
        /// Another tool's incident (a Microsoft Sentinel incident): what a SOC
        /// made of its alerts, shown as its view next to Kordon's incident and
        /// triage. Correlation never makes incidents of it, and it never
        /// changes Kordon's triage.
        ExternalIncident => "external-incident",
        /// An action a responder outside Kordon took on the cluster (Falco
        /// Talon terminating, labelling or isolating a pod), with whether it
        /// worked: what was already done, not what happened. The incident's
        /// actions list it as done outside Kordon; correlation never reads it
        /// (signals are alerts only), so it never makes an incident.
        Response => "response",
    }
);

slug_enum!(
    /// Normalized severity, ordered from least to most severe.
    Severity {
        Info => "info",
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

slug_enum!(
    /// Kinds of things events are about.
    EntityKind {
        Cluster => "cluster",
        Node => "node",
        Namespace => "namespace",
        Workload => "workload",
        Pod => "pod",
        Container => "container",
        Image => "image",
        Process => "process",
        Identity => "identity",
        Ip => "ip",
        Domain => "domain",
        File => "file",
    }
);

/// A reference from an event to an entity, with the part the entity plays.
///
/// `key` is canonical (see [`crate::entity`]): two importers that mean the same
/// pod must produce the same key, or correlation cannot join them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub key: String,
    /// What the entity is to this event: `actor`, `target`, `source-ip`,
    /// `destination`, `subject`, `parent`, `node`, … (free text, lower-kebab).
    pub role: String,
    /// Attributes learnt from this record (pod UID, image digest, labels …),
    /// merged into the entity's attributes.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub attrs: serde_json::Map<String, serde_json::Value>,
}

impl EntityRef {
    pub fn new(kind: EntityKind, key: impl Into<String>, role: &str) -> EntityRef {
        EntityRef { kind, key: key.into(), role: role.to_string(), attrs: serde_json::Map::new() }
    }

    pub fn attr(mut self, name: &str, value: impl Into<serde_json::Value>) -> EntityRef {
        let value = value.into();
        if !value.is_null() {
            self.attrs.insert(name.to_string(), value);
        }
        self
    }
}

/// One normalized event, as an importer produces it from one raw record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Nanoseconds since the Unix epoch, UTC; `None` when the record has no time.
    pub time_ns: Option<i64>,
    pub source: Source,
    pub kind: EventKind,
    pub severity: Severity,
    /// The rule or alert type that fired (`Terminal shell in container`,
    /// `K8S.NODE_DigitalCurrencyMining`), or the API operation for telemetry.
    pub rule: Option<String>,
    pub title: String,
    pub message: String,
    /// ATT&CK tactic ids (`TA0007`) as the source itself gives them.
    pub tactics: Vec<String>,
    /// ATT&CK technique ids (`T1059`, `T1552.007`) as the source gives them.
    pub techniques: Vec<String>,
    /// Extra searchable text: command lines, names, URIs.
    pub search_text: String,
    pub entities: Vec<EntityRef>,
    /// Normalized fields the detections and the UI use (verb, response code,
    /// command line, ports …); a JSON object.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// `fields` already written as JSON, as the case stores them, by a
    /// parser that builds them for the importer only (`fields` is then
    /// empty): the audit reader, whose millions of events would otherwise
    /// each build a map just to serialize and free it.
    #[serde(skip)]
    pub fields_json: Option<String>,
    /// Several raw records that describe one event (the audit log's stages)
    /// share a dedup key; the event id derives from it. `None`: the event id
    /// derives from the raw record's bytes.
    pub dedup_key: Option<String>,
    /// Among records sharing a dedup key, the one with the highest rank gives
    /// the normalized fields (ResponseComplete beats RequestReceived).
    pub rank: i32,
    /// The export shape the record came in (`filter-log-events`,
    /// `event-hub`, …; see `data/shapes.yaml`), for the import summary.
    #[serde(skip)]
    pub shape: Option<&'static str>,
}

impl NewEvent {
    pub fn new(source: Source, kind: EventKind, title: impl Into<String>) -> NewEvent {
        NewEvent {
            time_ns: None,
            source,
            kind,
            severity: Severity::Info,
            rule: None,
            title: title.into(),
            message: String::new(),
            tactics: Vec::new(),
            techniques: Vec::new(),
            search_text: String::new(),
            entities: Vec::new(),
            fields: serde_json::Map::new(),
            fields_json: None,
            dedup_key: None,
            rank: 0,
            shape: None,
        }
    }

    pub fn entity(&mut self, e: EntityRef) {
        if e.key.is_empty() {
            return;
        }
        if let Some(existing) =
            self.entities.iter_mut().find(|x| x.kind == e.kind && x.key == e.key && x.role == e.role)
        {
            for (k, v) in e.attrs {
                existing.attrs.insert(k, v);
            }
        } else {
            self.entities.push(e);
        }
    }

    pub fn field(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        let value = value.into();
        if !value.is_null() {
            self.fields.insert(name.to_string(), value);
        }
    }

    pub fn add_search(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if !self.search_text.is_empty() {
            self.search_text.push(' ');
        }
        self.search_text.push_str(text);
    }
}
