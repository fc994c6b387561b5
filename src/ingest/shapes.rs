//! What a file turned out to be, in the words of the import summary: "EKS
//! CloudWatch Logs, filter-log-events, 3 pages, 2,841 audit events". The
//! parser names each record's export shape ([`NewEvent::shape`]); this
//! tallies them per file and says it with the words of `data/shapes.yaml`.

use crate::formats::{Format, Hint};
use crate::model::{NewEvent, Source};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

#[derive(Deserialize)]
struct Words {
    formats: BTreeMap<String, String>,
    shapes: BTreeMap<String, ShapeWords>,
    sources: BTreeMap<String, (String, String)>,
}

#[derive(Deserialize)]
struct ShapeWords {
    label: String,
    /// What one container of the shape is called (`page`, `message`).
    #[serde(default)]
    unit: Option<String>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    serde_yaml_ng::from_str(include_str!("../../data/shapes.yaml")).expect("data/shapes.yaml is valid (tested)")
});

/// The keys of containers that are envelopes of an export (counted as its
/// pages, messages or objects), not plain lists.
const ENVELOPE_KEYS: &[&str] =
    &["records", "Records", "events", "Events", "logEvents", "Findings", "data", "listFindingsResults"];

/// One file's tally.
#[derive(Default)]
pub(crate) struct Tally {
    shapes: BTreeMap<&'static str, u64>,
    containers: BTreeSet<u32>,
    events: BTreeMap<Source, u64>,
    skipped: BTreeMap<String, u64>,
}

impl Tally {
    /// A record's container (a CloudWatch page, an Event Hub message).
    pub(crate) fn container(&mut self, hint: &Hint) {
        if let Some(c) = hint.container.as_deref().filter(|c| ENVELOPE_KEYS.contains(&c.key)) {
            self.containers.insert(c.page);
        }
    }

    /// An event stored, with the number of records behind it.
    pub(crate) fn event(&mut self, ev: &NewEvent, records: u64) {
        if let Some(shape) = ev.shape {
            *self.shapes.entry(shape).or_default() += records;
        }
        *self.events.entry(ev.source).or_default() += 1;
    }

    pub(crate) fn skip(&mut self, reason: String) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    pub(crate) fn skipped_records(&self) -> BTreeMap<String, u64> {
        self.skipped.clone()
    }

    /// The file in words; `None` for a file of a format whose records have
    /// no shapes to tell apart (a Falco log says "Falco" already).
    pub(crate) fn describe(&self, format: Format) -> Option<String> {
        let words = &*WORDS;
        let mut parts: Vec<String> = Vec::new();
        parts.push(words.formats.get(format.as_str()).cloned().unwrap_or_else(|| format.as_str().to_string()));
        // The main shape first (most records), then any other.
        let mut shapes: Vec<(&&str, &u64)> = self.shapes.iter().collect();
        shapes.sort_by_key(|(name, n)| (std::cmp::Reverse(**n), **name));
        for (name, _) in &shapes {
            parts.push(words.shapes.get(**name).map(|w| w.label.clone()).unwrap_or_else(|| name.to_string()));
        }
        if shapes.is_empty() {
            return None;
        }
        let unit = shapes.first().and_then(|(name, _)| words.shapes.get(**name)).and_then(|w| w.unit.clone());
        if let (Some(unit), n) = (unit, self.containers.len() as u64) {
            if n > 0 {
                parts.push(count(n, &unit, &format!("{}s", unit)));
            }
        }
        for (source, n) in &self.events {
            let (one, many) =
                words.sources.get(source.as_str()).cloned().unwrap_or_else(|| (source.to_string(), source.to_string()));
            parts.push(count(*n, &one, &many));
        }
        let skipped: u64 = self.skipped.values().sum();
        if skipped > 0 {
            parts.push(format!("{} skipped", count(skipped, "record", "records")));
        }
        Some(parts.join(", "))
    }
}

/// The names of the formats Kordon reads, in [`Format::ALL`] order.
pub fn format_names() -> Vec<String> {
    Format::ALL.iter().map(|f| WORDS.formats.get(f.as_str()).cloned().unwrap_or_else(|| f.to_string())).collect()
}

/// `1 page`, `2,841 audit events`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// 2841 → `2,841`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Container;
    use crate::model::EventKind;
    use std::sync::Arc;

    #[test]
    fn the_words_file_names_every_format_and_source() {
        for f in Format::ALL {
            assert!(WORDS.formats.contains_key(f.as_str()), "data/shapes.yaml names no format {}", f);
        }
        for s in Source::ALL {
            assert!(WORDS.sources.contains_key(s.as_str()), "data/shapes.yaml names no source {}", s);
        }
    }

    #[test]
    fn a_file_reads_as_its_format_shape_containers_and_events() {
        let mut t = Tally::default();
        for page in [1, 1, 2, 3] {
            let c = Container { key: "events", page, facts: Default::default() };
            t.container(&Hint { container: Some(Arc::new(c)), ..Hint::default() });
        }
        let mut ev = NewEvent::new(Source::K8sAudit, EventKind::Telemetry, "t");
        ev.shape = Some("filter-log-events");
        for _ in 0..2841 {
            t.event(&ev, 1);
        }
        t.skip("control message".into());
        assert_eq!(
            t.describe(Format::EksCloudWatch).unwrap(),
            "EKS CloudWatch Logs, filter-log-events, 3 pages, 2,841 audit events, 1 record skipped"
        );
        assert_eq!(Tally::default().describe(Format::Falco), None);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
