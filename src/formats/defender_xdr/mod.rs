//! Microsoft Defender XDR advanced hunting: the Kubernetes tables Defender
//! for Cloud feeds into XDR (`CloudProcessEvents`, `CloudAuditEvents`) and
//! the XDR alert tables (`AlertInfo`, `AlertEvidence`).
//!
//! Why this parser looks the way it does:
//!
//! * The rows reach an investigator two ways. The streaming API writes one
//!   record per row — `time`, `tenantId`, `operationName` (`Publish`),
//!   `category` = `AdvancedHunting-<Table>` and `properties` = the row — as
//!   Event Hub messages (`{"records": […]}`, split by the framing layer) or
//!   storage-account JSON Lines. The portal exports a query's result as CSV,
//!   whose rows the framing layer hands over as objects of strings
//!   ([`Hint::row`]); a row is told by its columns, since a CSV names no
//!   table. Both give one [`Row`], read through the same accessors, so a row
//!   gives the same event whichever way it came.
//! * `dynamic` columns (`AdditionalFields`, `RawEventData`, `Categories`,
//!   `AttackTechniques`) are JSON objects in some records and JSON *inside
//!   strings* in others (always in CSV): [`Row::dynamic`] reads both, and a
//!   string that is not the JSON it claims to be is an error naming the
//!   column.
//! * An XDR alert is one `AlertInfo` row and one `AlertEvidence` row per
//!   entity, joined by `AlertId`. Each row becomes an event keyed
//!   `defender-xdr-alert|<AlertId>`, `AlertInfo` ranked above
//!   `AlertEvidence`: the store merges them into one alert whose fields are
//!   `AlertInfo`'s and whose entities are every evidence row's. An evidence
//!   row alone (an export that left `AlertInfo` out) still names the
//!   alert's title, categories, techniques and severity, so it stands as the
//!   alert by itself.
//! * Categories are XDR's words: some are ATT&CK tactics (`Execution`,
//!   `Impact`), which become the event's tactics; the others
//!   (`SuspiciousActivity`, `CryptoCurrencyMining`, `Malware`) stay in
//!   `fields.unmapped_categories`, and Kordon's reading of them is in
//!   `data/tactic-mapping.yaml`. `fields.tags` holds the categories and the
//!   technique ids as XDR gives them, which is what that table is matched
//!   against. `AttackTechniques` names techniques by name and id
//!   (`Resource Hijacking (T1496)`): the ids are taken out.
//! * Entities use [`crate::entity`]'s keys so that XDR's pod, container,
//!   image, cluster and process meet what Falco, Tetragon, GuardDuty, the
//!   audit log and `kubectl` say of them. `ProcessId` is the pid the node's
//!   sensor saw (the host's), so a process is keyed by its container, that
//!   pid and its executable, as Falco's and GuardDuty's are. Evidence rows
//!   carry Defender for Cloud's entity objects in `AdditionalFields`; they
//!   are read by the Defender importer's entity table, not a second copy.
//! * Streaming records of the tables Kordon does not read (device, email,
//!   identity tables share the stream) are understood and skipped, counted
//!   per file: they say nothing of a cluster.

use crate::attack;
use crate::formats::envelope::dynamic;
use crate::formats::{get_ci, str_of, strict, type_name, u64_of, Context, Hint, RecordError};
use crate::model::NewEvent;
use crate::time;
use serde_json::{Map, Value};
use std::borrow::Cow;

mod alerts;
mod cloud;
mod telemetry;
#[cfg(test)]
mod tests;

/// The dedup key prefix of an alert's rows.
pub const ALERT_PREFIX: &str = "defender-xdr-alert|";
/// `AlertInfo` gives an alert's fields; its evidence rows add entities.
pub const RANK_ALERT_INFO: i32 = 4;
pub const RANK_ALERT_EVIDENCE: i32 = 2;
/// Added to the rank of a streaming record: it says more than the same row
/// exported (the tenant, when the service received it) and keeps the
/// row's types (numbers, objects), so its copy of a row gives the fields.
pub const RANK_STREAMING_BONUS: i32 = 1;

/// The streaming API's category prefix.
const CATEGORY_PREFIX: &str = "AdvancedHunting-";

/// The advanced hunting tables Kordon reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    CloudProcessEvents,
    CloudAuditEvents,
    AlertInfo,
    AlertEvidence,
}

impl Table {
    const ALL: [Table; 4] = [Table::CloudProcessEvents, Table::CloudAuditEvents, Table::AlertInfo, Table::AlertEvidence];

    pub fn name(self) -> &'static str {
        match self {
            Table::CloudProcessEvents => "CloudProcessEvents",
            Table::CloudAuditEvents => "CloudAuditEvents",
            Table::AlertInfo => "AlertInfo",
            Table::AlertEvidence => "AlertEvidence",
        }
    }

    fn parse(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The table a row is from, by its columns (a CSV export names none).
    /// Each test wants columns only that table has: `DeviceProcessEvents`
    /// has no cloud resource column, `SecurityAlert` has `SystemAlertId`,
    /// not `AlertId`.
    fn of_columns(row: &Map<String, Value>) -> Option<Table> {
        let has = |c: &str| get_ci(row, c).is_some();
        let cloud = has("AzureResourceId") || has("AwsResourceName") || has("GcpFullResourceName");
        if has("AlertId") && has("EntityType") && has("EvidenceRole") {
            Some(Table::AlertEvidence)
        } else if has("AlertId") && has("Title") && has("Category") && (has("DetectionSource") || has("ServiceSource")) {
            Some(Table::AlertInfo)
        } else if cloud && has("ProcessId") && (has("KubernetesPodName") || has("ContainerId")) {
            Some(Table::CloudProcessEvents)
        } else if has("DataSource") && has("RawEventData") && (has("OperationName") || has("ActionType")) {
            Some(Table::CloudAuditEvents)
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// A streaming API record (of any table: the others are skipped, not left
/// to other formats), or a row of one of the tables Kordon reads.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    streaming_table(obj).is_some() || Table::of_columns(obj).is_some()
}

/// The table name of a streaming record: its `category` without the prefix.
fn streaming_table(obj: &Map<String, Value>) -> Option<&str> {
    let category = str_of(obj.get("category"))?.trim();
    let prefix = category.get(..CATEGORY_PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(CATEGORY_PREFIX) || !obj.contains_key("properties") {
        return None;
    }
    Some(&category[CATEGORY_PREFIX.len()..])
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Parses one record or row.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let Value::Object(top) = &value else {
        return Err(RecordError::new(format!("a Defender XDR record must be a JSON object, not {}", type_name(&value))));
    };
    let (row, envelope) = read(top, ctx.hint)?;
    let mut ev = match row.table {
        Table::CloudProcessEvents => telemetry::process(&row)?,
        Table::CloudAuditEvents => telemetry::audit(&row)?,
        Table::AlertInfo | Table::AlertEvidence => alerts::alert(&row)?,
    };
    ev.shape = Some(row.shape);
    ev.field("table", row.table.name());
    if !envelope.is_empty() {
        ev.rank += RANK_STREAMING_BONUS;
    }
    if ev.time_ns.is_none() {
        ev.time_ns = envelope.get("time").and_then(Value::as_str).and_then(time::parse_rfc3339);
    }
    if !envelope.is_empty() {
        ev.field("envelope", Value::Object(envelope));
    }
    Ok(ev)
}

/// The row a record holds and what its streaming envelope says.
fn read<'a>(top: &'a Map<String, Value>, hint: &Hint) -> Result<(Row<'a>, Map<String, Value>), RecordError> {
    let Some(table_name) = streaming_table(top) else {
        let table = Table::of_columns(top)
            .ok_or_else(|| RecordError::new("neither a streaming API record nor a row of a table Kordon reads"))?;
        let shape = if hint.row { "xdr-portal-csv" } else { "xdr-rows-json" };
        return Ok((Row { obj: top, table, shape }, Map::new()));
    };
    let table = Table::parse(table_name).ok_or_else(|| {
        RecordError::skipped(format!(
            "a {} record: Kordon reads the Kubernetes and alert tables (CloudProcessEvents, CloudAuditEvents, \
             AlertInfo, AlertEvidence)",
            table_name
        ))
    })?;
    let props = match top.get("properties") {
        Some(Value::Object(p)) => p,
        Some(v) => {
            return Err(RecordError::new(format!(
                "the {} record's properties are {}, not the row (an object)",
                table.name(),
                type_name(v)
            )))
        }
        None => unreachable!("streaming_table wants properties"),
    };
    let shape = match hint.container.as_deref() {
        Some(c) if c.key.eq_ignore_ascii_case("records") => "event-hub",
        _ => "xdr-storage-jsonl",
    };
    let mut envelope = Map::new();
    for (name, key) in [
        ("time", "time"),
        ("tenant_id", "tenantId"),
        ("operation_name", "operationName"),
        ("category", "category"),
        ("tenant", "Tenant"),
        ("time_received", "_TimeReceivedBySvc"),
    ] {
        if let Some(v) = str_of(top.get(key)) {
            envelope.insert(name.to_string(), Value::from(v.trim()));
        }
    }
    if let Some(c) = hint.container.as_deref() {
        envelope.insert("message".to_string(), Value::from(c.page));
    }
    Ok((Row { obj: props, table, shape }, envelope))
}

/// One advanced hunting row, from a streaming record or an export.
pub(crate) struct Row<'a> {
    pub(crate) obj: &'a Map<String, Value>,
    pub(crate) table: Table,
    /// The export shape (`data/shapes.yaml`).
    shape: &'static str,
}

impl<'a> Row<'a> {
    /// A text column, trimmed; empty and placeholder values are absent.
    pub(crate) fn text(&self, col: &str) -> Option<&'a str> {
        str_of(get_ci(self.obj, col)).map(str::trim).filter(|s| !s.is_empty())
    }

    /// A number column (a JSON number, or its text in a CSV cell).
    pub(crate) fn number(&self, col: &str) -> Option<u64> {
        u64_of(get_ci(self.obj, col))
    }

    /// A required text column.
    pub(crate) fn required(&self, col: &str) -> Result<&'a str, RecordError> {
        self.text(col).ok_or_else(|| RecordError::new(format!("the {} row has no {}", self.table.name(), col)))
    }

    /// A time column: RFC 3339 with any fraction (`2026-11-20T09:47:21.0000000Z`)
    /// or the portal's US display form (`11/20/2026 9:47:21 AM`, UTC). A
    /// value that is neither is an error naming the column.
    pub(crate) fn time(&self, col: &str) -> Result<Option<i64>, RecordError> {
        match self.text(col) {
            None => Ok(None),
            Some(s) => parse_time(s)
                .map(Some)
                .ok_or_else(|| RecordError::new(format!("column {}: {:?} is not a time", col, s))),
        }
    }

    /// A `dynamic` column: JSON, or JSON inside a string. `None` when absent
    /// or empty; a plain string that is no JSON is kept as a string.
    pub(crate) fn dynamic(&self, col: &str) -> Result<Option<Cow<'a, Value>>, RecordError> {
        let v = get_ci(self.obj, col);
        if let Some(Value::String(s)) = v {
            let t = s.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                return strict::value_str(s).map(|v| Some(Cow::Owned(v))).map_err(|e| {
                    RecordError::new(format!("column {}: invalid JSON inside the string: {}", col, e))
                });
            }
        }
        Ok(dynamic(v))
    }

    /// The path of the row's file (`FolderPath` and `FileName`): the folder
    /// holds the folder, or (as Defender's other process tables write it)
    /// the whole path already.
    pub(crate) fn executable(&self) -> Option<String> {
        let name = self.text("FileName");
        match (self.text("FolderPath"), name) {
            (Some(dir), Some(name)) if dir.ends_with(&format!("/{}", name)) || dir == name => Some(dir.to_string()),
            (Some(dir), Some(name)) => Some(format!("{}/{}", dir.trim_end_matches('/'), name)),
            (Some(path), None) => Some(path.to_string()),
            (None, Some(name)) if name.starts_with('/') => Some(name.to_string()),
            _ => None,
        }
    }
}

/// A title from text a row holds (a command line may span lines).
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// See [`Row::time`].
fn parse_time(s: &str) -> Option<i64> {
    if let Some(ns) = time::parse_rfc3339(s) {
        return Some(ns);
    }
    ["%m/%d/%Y %I:%M:%S%.f %p", "%m/%d/%Y %H:%M:%S%.f", "%b %d, %Y %I:%M:%S%.f %p"].iter().find_map(|f| {
        chrono::NaiveDateTime::parse_from_str(s.trim().trim_end_matches(" UTC"), f)
            .ok()
            .and_then(|n| n.and_utc().timestamp_nanos_opt())
    })
}

/// The ATT&CK technique ids in `AttackTechniques` text: a JSON array of
/// `Name (T1234.001)` strings, the same inside a string, or bare ids.
pub(crate) fn technique_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|t| t.trim_end_matches('.').to_ascii_uppercase())
        .filter(|t| attack::is_technique_id(t))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
