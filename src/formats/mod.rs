//! One parser per input format behind one [`Format`] enum and a detector.
//!
//! Detection looks at content, not file names: exports get renamed, gzipped
//! and concatenated. The framing layer (`ingest::framing`) splits a file into
//! records — JSON values (containers such as `List`, `EventList`,
//! `{"value": [...]}` and bare arrays already expanded into their items) and
//! runs of text lines — and hands each to the format's parser here.

pub mod aks;
pub mod audit;
pub mod azure_activity;
pub mod cloudtrail;
pub mod defender;
pub mod defender_xdr;
pub mod eks;
pub mod envelope;
pub mod falco;
pub mod falco_talon;
pub mod gke;
pub mod guardduty;
pub mod hubble;
pub mod k8s;
pub mod kubearmor;
pub mod posture;
pub mod scc;
pub mod sentinel;
pub mod strict;
pub mod sysdig;
pub mod tetragon;
pub mod text;
pub mod tracee;
#[cfg(test)]
mod test_support;

use crate::model::NewEvent;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// What the container around a record says about it (set by the framing
/// layer, `ingest::framing`).
#[derive(Debug, Clone, Default)]
pub struct Hint {
    /// Item kind implied by a typed list (`PodList` → `Pod`).
    pub kind: Option<String>,
    /// The container's own `apiVersion` (`audit.k8s.io/v1` for audit batches).
    pub api_version: Option<String>,
    /// The envelope the record was an item of, when it says more than a
    /// list: a CloudWatch page, an Event Hub message, a Firehose object.
    pub container: Option<Arc<Container>>,
    /// The record is a row of a table (CSV), given as an object of strings.
    pub row: bool,
}

/// A container of records and what it says about all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// The key that held the items: `records`, `Records`, `events`,
    /// `Events`, `logEvents`, `items`, `value`; `[` for a bare array.
    pub key: &'static str,
    /// The container's place among the file's documents, from 1: several
    /// CLI pages appended into one file are pages 1, 2, 3 …
    pub page: u32,
    /// The container's other top-level keys with scalar values (a
    /// Firehose object's `logGroup`, `logStream`, `owner`, `messageType`;
    /// a page's `nextToken`), as they are.
    pub facts: Map<String, Value>,
}

/// What the importer knows of a record beyond its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub hint: &'a Hint,
    /// The cluster the investigator said the file is from (`--cluster`),
    /// for records that do not name theirs.
    pub cluster: Option<&'a str>,
    /// The file's path (inside its archive, when it is an entry): exports
    /// to object storage name their stream or cluster in the path.
    pub path: &'a str,
    /// The audit event this record's envelope carries as text, as
    /// [`Format::peek`] already decoded it ([`Peek::inner`]): the parser
    /// takes it from here instead of decoding the envelope's string again.
    pub inner: Option<&'a Inner>,
}

impl<'a> Context<'a> {
    pub fn new(hint: &'a Hint) -> Context<'a> {
        Context { hint, cluster: None, path: "", inner: None }
    }
}

/// What [`Format::peek`] reads of a record that is one of several of its
/// event (the stages of one audit request, copies of it in other exports).
#[derive(Debug, Clone, PartialEq)]
pub struct Peek {
    /// The event's dedup key.
    pub key: String,
    /// This record's rank among the event's records.
    pub rank: i32,
    /// The audit event a cloud envelope carries as an escaped JSON string
    /// (AKS `properties.log`, a CloudWatch `message`), decoded once by the
    /// peek. Decoding it is most of what reading such a record costs, and
    /// the importer reads every record again, to check it or to parse it:
    /// it hands this back ([`Format::validate`], [`Context::inner`]).
    pub inner: Option<Inner>,
}

impl Peek {
    /// The peek of a record that carries no inner text.
    pub fn of((key, rank): (String, i32)) -> Peek {
        Peek { key, rank, inner: None }
    }
}

/// What a peek took out of a record's envelope for the parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Inner {
    /// The audit event's text, decoded and trimmed.
    pub text: String,
    /// The envelope's own members the peek read, by name and byte range in
    /// the record, when every one was there as is (no escapes): the parse
    /// of the winning record takes them from there instead of reading the
    /// record a second time, which cost as much as the audit event's parse.
    pub members: Option<Vec<(&'static str, std::ops::Range<usize>)>>,
}

impl Inner {
    pub fn text(text: String) -> Inner {
        Inner { text, members: None }
    }

    /// A member the peek kept: `None` when the peek kept none, `Some(None)`
    /// when the record has no such member.
    pub fn member<'r>(&self, raw: &'r [u8], name: &str) -> Option<Option<&'r str>> {
        let members = self.members.as_ref()?;
        match members.iter().find(|(n, _)| *n == name) {
            None => Some(None),
            Some((_, range)) => Some(Some(std::str::from_utf8(raw.get(range.clone())?).ok()?)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Format {
    #[serde(rename = "falco")]
    Falco,
    #[serde(rename = "k8s-audit")]
    K8sAudit,
    #[serde(rename = "defender")]
    Defender,
    #[serde(rename = "tetragon")]
    Tetragon,
    /// `kubectl get -o json` output, typed lists, `cluster-info dump` and
    /// Kubernetes `Event`s of both APIs.
    #[serde(rename = "k8s-objects")]
    K8sObjects,
    /// EKS control-plane logs through CloudWatch Logs: CLI pages, Logs
    /// Insights downloads, subscription (Firehose) objects.
    #[serde(rename = "eks-cloudwatch")]
    EksCloudWatch,
    /// AKS control-plane logs through Azure Monitor: Event Hub messages,
    /// storage-account blobs, Log Analytics `AKSAudit` / `AzureDiagnostics`
    /// rows.
    #[serde(rename = "aks-diagnostics")]
    AksDiagnostics,
    /// AWS CloudTrail: S3 trail objects, `lookup-events` pages.
    #[serde(rename = "cloudtrail")]
    CloudTrail,
    /// The Azure Activity Log: diagnostic-setting records (Event Hub,
    /// storage), `az monitor activity-log list`.
    #[serde(rename = "azure-activity")]
    AzureActivity,
    /// GKE audit logs through Cloud Logging (`LogEntry` with an `AuditLog`
    /// payload): `gcloud logging read` JSON or YAML, sink JSON Lines, Logs
    /// Explorer downloads.
    #[serde(rename = "gke-logging")]
    GkeLogging,
    /// `trivy k8s --format json` reports (both layouts).
    #[serde(rename = "trivy")]
    Trivy,
    /// kube-bench `--json` results.
    #[serde(rename = "kube-bench")]
    KubeBench,
    /// Kubescape `--format json` reports.
    #[serde(rename = "kubescape")]
    Kubescape,
    /// Amazon GuardDuty findings (EKS protection, runtime monitoring): S3
    /// export JSON Lines, EventBridge events, `get-findings` pages.
    #[serde(rename = "guardduty")]
    GuardDuty,
    /// Aqua Tracee events of every generation (legacy flat, nested,
    /// `v1beta1`), also as `kubectl logs` of its DaemonSet.
    #[serde(rename = "tracee")]
    Tracee,
    /// Sysdig Secure runtime policy events (Events Feed API, event
    /// forwarding).
    #[serde(rename = "sysdig")]
    Sysdig,
    /// KubeArmor alerts and logs (`karmor logs --json`, pretty JSON).
    #[serde(rename = "kubearmor")]
    KubeArmor,
    /// Cilium Hubble flows: `hubble observe -o json` output and the Hubble
    /// exporter's file.
    #[serde(rename = "hubble")]
    Hubble,
    /// Google Security Command Center findings (GKE threats and
    /// misconfigurations): `gcloud scc findings list`, Pub/Sub
    /// notifications (decoded, pushed or pulled), bare findings.
    #[serde(rename = "gcp-scc")]
    Scc,
    /// Microsoft Defender XDR advanced hunting rows (`CloudProcessEvents`,
    /// `CloudAuditEvents`, `AlertInfo`, `AlertEvidence`): streaming API
    /// records (Event Hub, storage JSON Lines) and the portal's CSV export.
    #[serde(rename = "defender-xdr")]
    DefenderXdr,
    /// Microsoft Sentinel incidents: REST list pages and GETs, `az sentinel
    /// incident list` / `show`.
    #[serde(rename = "sentinel")]
    Sentinel,
    /// Falco Talon's action log: zerolog JSON lines on stdout (also through
    /// `kubectl logs`) and its JSON notifiers' lines.
    #[serde(rename = "falco-talon")]
    FalcoTalon,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Falco,
        Format::K8sAudit,
        Format::Defender,
        Format::Tetragon,
        Format::K8sObjects,
        Format::EksCloudWatch,
        Format::AksDiagnostics,
        Format::CloudTrail,
        Format::AzureActivity,
        Format::GkeLogging,
        Format::Trivy,
        Format::KubeBench,
        Format::Kubescape,
        Format::GuardDuty,
        Format::Tracee,
        Format::Sysdig,
        Format::KubeArmor,
        Format::Hubble,
        Format::Scc,
        Format::DefenderXdr,
        Format::Sentinel,
        Format::FalcoTalon,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Falco => "falco",
            Format::K8sAudit => "k8s-audit",
            Format::Defender => "defender",
            Format::Tetragon => "tetragon",
            Format::K8sObjects => "k8s-objects",
            Format::EksCloudWatch => "eks-cloudwatch",
            Format::AksDiagnostics => "aks-diagnostics",
            Format::CloudTrail => "cloudtrail",
            Format::AzureActivity => "azure-activity",
            Format::GkeLogging => "gke-logging",
            Format::Trivy => "trivy",
            Format::KubeBench => "kube-bench",
            Format::Kubescape => "kubescape",
            Format::GuardDuty => "guardduty",
            Format::Tracee => "tracee",
            Format::Sysdig => "sysdig",
            Format::KubeArmor => "kubearmor",
            Format::Hubble => "hubble",
            Format::Scc => "gcp-scc",
            Format::DefenderXdr => "defender-xdr",
            Format::Sentinel => "sentinel",
            Format::FalcoTalon => "falco-talon",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// Whether this JSON object is a record of this format.
    pub fn matches(self, obj: &Map<String, Value>) -> bool {
        match self {
            Format::Falco => falco::sniff(obj),
            Format::K8sAudit => audit::sniff(obj),
            Format::Defender => defender::sniff(obj),
            Format::Tetragon => tetragon::sniff(obj),
            Format::K8sObjects => k8s::sniff(obj),
            Format::EksCloudWatch => eks::sniff(obj),
            Format::AksDiagnostics => aks::sniff(obj),
            Format::CloudTrail => cloudtrail::sniff(obj),
            Format::AzureActivity => azure_activity::sniff(obj),
            Format::GkeLogging => gke::sniff(obj),
            Format::Trivy => posture::trivy::sniff(obj),
            Format::KubeBench => posture::kube_bench::sniff(obj),
            Format::Kubescape => posture::kubescape::sniff(obj),
            Format::GuardDuty => guardduty::sniff(obj),
            Format::Tracee => tracee::sniff(obj),
            Format::Sysdig => sysdig::sniff(obj),
            Format::KubeArmor => kubearmor::sniff(obj),
            Format::Hubble => hubble::sniff(obj),
            Format::Scc => scc::sniff(obj),
            Format::DefenderXdr => defender_xdr::sniff(obj),
            Format::Sentinel => sentinel::sniff(obj),
            Format::FalcoTalon => falco_talon::sniff(obj),
        }
    }

    /// Parses one JSON record (the exact bytes of one JSON object).
    pub fn parse_record(self, raw: &[u8]) -> Result<NewEvent, RecordError> {
        match self {
            Format::Falco => falco::parse(raw),
            Format::K8sAudit => audit::parse(raw),
            Format::Defender => defender::parse(raw),
            Format::Tetragon => tetragon::parse(raw),
            Format::K8sObjects => k8s::parse(raw),
            Format::EksCloudWatch => eks::parse(raw, &Context::new(&Hint::default())),
            Format::AksDiagnostics => aks::parse(raw, &Context::new(&Hint::default())),
            Format::CloudTrail => cloudtrail::parse(raw, &Context::new(&Hint::default())),
            Format::AzureActivity => azure_activity::parse(raw, &Context::new(&Hint::default())),
            Format::GkeLogging => gke::parse(raw, &Context::new(&Hint::default())),
            Format::Trivy => posture::trivy::parse(raw, None),
            Format::KubeBench => posture::kube_bench::parse(raw),
            Format::Kubescape => posture::kubescape::parse(raw),
            Format::GuardDuty => guardduty::parse(raw, &Context::new(&Hint::default())),
            Format::Tracee => tracee::parse(raw),
            Format::Sysdig => sysdig::parse(raw),
            Format::KubeArmor => kubearmor::parse(raw),
            Format::Hubble => hubble::parse(raw),
            Format::Scc => scc::parse(raw, &Context::new(&Hint::default())),
            Format::DefenderXdr => defender_xdr::parse(raw, &Context::new(&Hint::default())),
            Format::Sentinel => sentinel::parse(raw, &Context::new(&Hint::default())),
            Format::FalcoTalon => falco_talon::parse(raw),
        }
    }

    /// Parses one record for the importer, with what the container and the
    /// file say of it (`ctx`): the item kind of a typed list (`PodList`
    /// items often omit their own `kind`), a cloud envelope's page. The
    /// event's fields may come already serialized ([`NewEvent::fields_json`]).
    pub fn parse_for_import(self, raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
        match self {
            Format::K8sObjects => k8s::parse_with_kind(raw, ctx.hint.kind.as_deref()),
            Format::K8sAudit => audit::parse_for_import(raw),
            Format::EksCloudWatch => eks::parse(raw, ctx),
            Format::AksDiagnostics => aks::parse(raw, ctx),
            Format::CloudTrail => cloudtrail::parse(raw, ctx),
            Format::AzureActivity => azure_activity::parse(raw, ctx),
            Format::GkeLogging => gke::parse(raw, ctx),
            // A resource the framing took out of a report's `Resources`:
            // the report's `ClusterName` is a fact of its container.
            Format::Trivy => posture::trivy::parse(
                raw,
                ctx.hint.container.as_ref().and_then(|c| c.facts.get("ClusterName")).and_then(Value::as_str),
            ),
            Format::GuardDuty => guardduty::parse(raw, ctx),
            Format::Sysdig => sysdig::parse_for_import(raw, ctx),
            Format::Scc => scc::parse(raw, ctx),
            Format::DefenderXdr => defender_xdr::parse(raw, ctx),
            Format::Sentinel => sentinel::parse(raw, ctx),
            _ => self.parse_record(raw),
        }
    }

    /// For formats that write several records per event (the audit log's
    /// stages, also inside cloud envelopes): the event's dedup key and this
    /// record's rank, read cheaply. Agrees with [`Format::parse_for_import`]
    /// (given the peek's [`Peek::inner`] as [`Context::inner`]).
    pub fn peek(self, raw: &[u8], ctx: &Context) -> Option<Peek> {
        match self {
            Format::K8sAudit => audit::peek(raw).map(Peek::of),
            Format::EksCloudWatch => eks::peek(raw, ctx),
            Format::AksDiagnostics => aks::peek(raw, ctx),
            Format::GkeLogging => gke::peek(raw, ctx).map(Peek::of),
            _ => None,
        }
    }

    /// Whether a record [`Format::peek`] read only the head of is whole
    /// (valid JSON and UTF-8). Records that lose to another record of their
    /// event are never parsed, so this is what refuses a broken one.
    /// `inner` is the peek's [`Peek::inner`]: a record it came from has an
    /// envelope that already read whole, and only the text is checked.
    pub fn validate(self, raw: &[u8], inner: Option<&str>) -> bool {
        match self {
            Format::K8sAudit => audit::validate(raw),
            Format::EksCloudWatch => eks::validate(raw, inner),
            Format::AksDiagnostics => aks::validate(raw, inner),
            Format::GkeLogging => gke::validate(raw),
            _ => true,
        }
    }

    /// Parses a run of consecutive non-JSON lines found between records
    /// (`kubectl logs` start-up lines, plain-text Falco alerts, log blocks of
    /// `cluster-info dump`). `Ok(vec![])` means the text is understood and
    /// carries no event; `Err` keeps it verbatim as a parse error.
    pub fn parse_text(self, text: &str) -> Result<Vec<NewEvent>, RecordError> {
        match self {
            Format::Falco => falco::parse_text(text),
            Format::K8sObjects => k8s::parse_text(text),
            Format::Tracee => tracee::parse_text(text),
            Format::KubeArmor => kubearmor::parse_text(text),
            Format::FalcoTalon => falco_talon::parse_text(text),
            _ => Err(RecordError::new("not a JSON record")),
        }
    }

    /// Whether non-JSON text in the middle of a file is a normal part of this
    /// format (whole blocks are then handed to [`Format::parse_text`]) rather
    /// than one malformed line each.
    pub fn text_blocks(self) -> bool {
        matches!(self, Format::K8sObjects)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one record could not be parsed; the record is kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub reason: String,
    /// The record was understood and carries nothing to import (a
    /// CloudWatch control message, a posture scan's header): counted per
    /// file with its reason, not a parse error. Its bytes stay in the
    /// file, whose SHA-256 the case keeps.
    pub skip: bool,
}

impl RecordError {
    pub fn new(reason: impl Into<String>) -> RecordError {
        RecordError { reason: reason.into(), skip: false }
    }

    /// A record deliberately not imported (see [`RecordError::skip`]).
    pub fn skipped(reason: impl Into<String>) -> RecordError {
        RecordError { reason: reason.into(), skip: true }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl From<serde_json::Error> for RecordError {
    fn from(e: serde_json::Error) -> RecordError {
        RecordError::new(format!("invalid JSON: {}", e))
    }
}

/// Detects the format of a record: the first format whose sniffer accepts it.
/// Order matters only for records that several could claim; audit `Event`s are
/// checked before Kubernetes objects because both have `kind: Event`; AKS
/// records before Defender alerts because both are Azure records naming an
/// AKS cluster (each sniffer also refuses the other's records); Defender
/// before the Activity Log, whose entries of a Defender alert are the
/// alert's. GuardDuty findings claim no other format's records (their
/// `service.serviceName` is `guardduty`, or an EventBridge `detail` is one)
/// and come before CloudTrail, whose sniffer would otherwise see an
/// EventBridge envelope's `source`. Posture reports come before Kubernetes
/// objects: a Trivy resource names a `Kind` (capitalised, with no
/// `apiVersion`). Tracee's sniffer wants keys no other format writes
/// (`eventName` + `processName`, `name` + a `workload` object), so its
/// place only has to come before the Kubernetes objects' catch-all.
/// Sysdig events (a `content` object) and KubeArmor records
/// (PascalCase `Type`, `Operation`, `HostName`) are claimed by no other
/// sniffer; they go after Falco and Tetragon, whose keys they lack.
/// SCC findings are claimed by their finding `name`
/// (`…/sources/…/findings/…`), or for a Pub/Sub message by its decoded data,
/// which no other sniffer reads: their place is free.
/// Defender XDR records come before the Azure formats: a streaming record
/// is an Azure diagnostic-style record (`time`, `category`,
/// `operationName`, `properties`) whose category, `AdvancedHunting-<table>`,
/// no other format knows, and its rows are told by columns no other
/// format's rows have (`AlertId` with `EntityType`, `KubernetesPodName`
/// with a cloud resource column, `RawEventData` with `DataSource`).
/// Sentinel incidents are Azure resources with `properties` like Defender
/// alerts and Activity Log entries; they go before both, and their sniffer
/// wants the incident's own type or its `incidentNumber`, which neither has.
/// Falco Talon's lines come before Falco: a `match` line carries the Falco
/// alert's `rule`, `priority` and `output` beside Talon's own `message` and
/// `trace_id`, which no Falco alert has.
pub fn detect_record(obj: &Map<String, Value>) -> Option<Format> {
    [
        Format::K8sAudit,
        Format::EksCloudWatch,
        Format::DefenderXdr,
        Format::AksDiagnostics,
        Format::GkeLogging,
        Format::FalcoTalon,
        Format::Falco,
        Format::Tetragon,
        Format::Sysdig,
        Format::KubeArmor,
        Format::Hubble,
        Format::Sentinel,
        Format::Defender,
        Format::GuardDuty,
        Format::Scc,
        Format::CloudTrail,
        Format::AzureActivity,
        Format::Trivy,
        Format::KubeBench,
        Format::Kubescape,
        Format::Tracee,
        Format::K8sObjects,
    ]
        .into_iter()
        .find(|f| f.matches(obj))
}

/// Detects from text alone, for files with no JSON record in their first
/// part (plain-text Falco output, a `cluster-info dump` starting with logs).
pub fn detect_text(text: &str) -> Option<Format> {
    if falco::looks_like_text_alert(text) {
        Some(Format::Falco)
    } else if k8s::looks_like_log_block(text) {
        Some(Format::K8sObjects)
    } else if kubearmor::looks_like_text(text) {
        Some(Format::KubeArmor)
    } else {
        None
    }
}

/// The severity letter of a klog line (`I`, `W`, `E`, `F`: the control
/// plane's components log this way) as Kordon's severity.
pub fn klog_severity(letter: char) -> crate::model::Severity {
    use crate::model::Severity;
    match letter {
        'W' => Severity::Low,
        'E' => Severity::Medium,
        'F' => Severity::High,
        _ => Severity::Info,
    }
}

/// What a JSON value is, for error messages ("a string", "an object").
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Case-insensitive object lookup, for sources whose exports disagree on key
/// casing (Defender's REST camelCase against Resource Graph's PascalCase).
pub fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// A string field, treating `null`, empty and `<NA>` as absent.
pub fn str_of(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::String(s)) if !crate::entity::is_absent(s) => Some(s.as_str()),
        _ => None,
    }
}

/// An unsigned integer given as a number or as a string (protobuf JSON writes
/// 64-bit integers as strings).
pub fn u64_of(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}
