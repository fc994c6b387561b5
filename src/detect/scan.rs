//! Evaluating the rules over a case's events, streaming.
//!
//! A case may hold millions of telemetry events; the scan reads them one row
//! at a time, in time order (through the `events_time` index, so SQLite
//! sorts nothing but ties), and keeps only what a rule needs: the firings
//! and, for threshold rules, the events inside each group's window.

use super::cluster::ClusterRanges;
use super::condition::EventView;
use super::firing::{Firing, Matched};
use super::rules::Rules;
use super::threshold::Windows;
use crate::error::Result;
use rusqlite::Connection;
use serde_json::{Map, Value};

pub struct ScanResult {
    pub firings: Vec<Firing>,
    pub events_scanned: u64,
}

/// One event as the scan reads it.
pub struct Row<'a> {
    pub key: i64,
    pub time_ns: Option<i64>,
    pub source: &'a str,
    pub kind: &'a str,
    pub rule: Option<&'a str>,
    pub fields: &'a Map<String, Value>,
}

/// The rules' state during one scan; rows are fed in time order.
pub struct Evaluator<'r> {
    rules: &'r Rules,
    cluster: &'r ClusterRanges,
    windows: Vec<Option<Windows>>,
    firings: Vec<Firing>,
}

impl<'r> Evaluator<'r> {
    pub fn new(rules: &'r Rules, cluster: &'r ClusterRanges) -> Evaluator<'r> {
        let windows = rules
            .iter()
            .enumerate()
            .map(|(i, r)| r.threshold.as_ref().map(|t| Windows::new(i, t)))
            .collect();
        Evaluator {
            rules,
            cluster,
            windows,
            firings: Vec::new(),
        }
    }

    pub fn feed(&mut self, row: &Row) {
        let view = EventView {
            source: row.source,
            kind: row.kind,
            rule: row.rule,
            fields: row.fields,
        };
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.source.as_str() != row.source || !rule.when.eval(&view, self.cluster) {
                continue;
            }
            let m = Matched {
                key: row.key,
                time_ns: row.time_ns,
                values: values(&rule.reads, &view),
            };
            match (&mut self.windows[i], &rule.threshold) {
                (Some(w), Some(t)) => {
                    let group = values(&t.group_by, &view);
                    self.firings.extend(w.push(group, m));
                }
                _ => self.firings.push(Firing::single(i, m)),
            }
        }
    }

    pub fn finish(mut self) -> Vec<Firing> {
        for w in self.windows.into_iter().flatten() {
            self.firings.extend(w.finish());
        }
        self.firings
    }
}

/// The values of the named fields (null when missing).
fn values(names: &[String], view: &EventView) -> Map<String, Value> {
    names
        .iter()
        .map(|n| {
            (
                n.clone(),
                view.get(n).map(|v| v.into_owned()).unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// Scans every event of the rules' sources.
pub fn scan(conn: &Connection, rules: &Rules, cluster: &ClusterRanges) -> Result<ScanResult> {
    let sources: Vec<String> = rules
        .sources()
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let marks = vec!["?"; sources.len()].join(", ");
    let mut eval = Evaluator::new(rules, cluster);
    let mut scanned = 0u64;
    // Timed events in time order (threshold windows need it), then the
    // timeless ones; ties and timeless events by key, so the order never
    // depends on import order.
    for sql in [
        format!(
            "SELECT key, time_ns, source, kind, rule, fields FROM events
             WHERE time_ns IS NOT NULL AND source IN ({}) ORDER BY time_ns, key",
            marks
        ),
        format!(
            "SELECT key, time_ns, source, kind, rule, fields FROM events
             WHERE time_ns IS NULL AND source IN ({}) ORDER BY key",
            marks
        ),
    ] {
        let mut st = conn.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(sources.iter()))?;
        while let Some(r) = rows.next()? {
            let source: String = r.get(2)?;
            let kind: String = r.get(3)?;
            let rule: Option<String> = r.get(4)?;
            let fields: String = r.get(5)?;
            let fields: Map<String, Value> = serde_json::from_str(&fields).unwrap_or_default();
            eval.feed(&Row {
                key: r.get(0)?,
                time_ns: r.get(1)?,
                source: &source,
                kind: &kind,
                rule: rule.as_deref(),
                fields: &fields,
            });
            scanned += 1;
        }
    }
    Ok(ScanResult {
        firings: eval.finish(),
        events_scanned: scanned,
    })
}
