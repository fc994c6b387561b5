//! One record for one format's parser.
//!
//! Input: a byte naming the format (its index in [`Format::ALL`], modulo),
//! a byte of [`Flags`] giving the context the framing would (a CSV row, a
//! typed list's item kind, a cloud envelope around it, `--cluster`, a
//! storage-blob path), then the record's bytes.

use kordon::formats::{self, Container, Context, Format, Hint};
use kordon::store::writer::{EntityIds, Prepared};
use std::sync::Arc;

/// What the second byte of an input sets.
pub struct Flags;

impl Flags {
    /// The record is a row of a table (CSV), an object of strings.
    pub const ROW: u8 = 1;
    /// The investigator named the cluster (`--cluster`).
    pub const CLUSTER: u8 = 2;
    /// The record is an item of a typed list; [`KINDS`] by bits 5–7.
    pub const KIND: u8 = 4;
    /// The record is an item of a cloud envelope with facts of its own.
    pub const CONTAINER: u8 = 8;
    /// The file is an AKS storage-account blob, whose path names the cluster.
    pub const BLOB_PATH: u8 = 16;
}

/// The item kinds a typed list implies, by bits 5–7 of the flags.
pub const KINDS: [&str; 8] = ["Pod", "Event", "Namespace", "ServiceAccount", "Deployment", "Node", "Secret", "ConfigMap"];

/// A path as Azure Monitor names a storage-account blob of an AKS cluster.
pub const BLOB_PATH: &str = "resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD/y=2026/m=11/d=20/h=09/m=00/PT1H.json";

/// The flags byte that gives a record the context `hint` describes
/// (for the seeds made from the fixtures' own records).
pub fn flags_of(hint: &Hint) -> u8 {
    let mut flags = 0;
    if hint.row {
        flags |= Flags::ROW;
    }
    if let Some(i) = hint.kind.as_deref().and_then(|k| KINDS.iter().position(|c| *c == k)) {
        flags |= Flags::KIND | ((i as u8) << 5);
    }
    if hint.container.as_ref().is_some_and(|c| !c.facts.is_empty()) {
        flags |= Flags::CONTAINER;
    }
    flags
}

/// The input for one record of `format` with `flags`.
pub fn input(format: Format, flags: u8, raw: &[u8]) -> Vec<u8> {
    let index = Format::ALL.iter().position(|f| *f == format).expect("a format of Format::ALL") as u8;
    [&[index, flags][..], raw].concat()
}

pub fn run(data: &[u8]) {
    let [format, flags, raw @ ..] = data else { return };
    let format = Format::ALL[*format as usize % Format::ALL.len()];
    let hint = hint(*flags);
    let ctx = Context {
        hint: &hint,
        cluster: (flags & Flags::CLUSTER != 0).then_some("fuzz-cluster"),
        path: if flags & Flags::BLOB_PATH != 0 { BLOB_PATH } else { "evidence.json" },
        inner: None,
    };

    let peek = format.peek(raw, &ctx);
    let inner = peek.as_ref().and_then(|p| p.inner.as_ref());
    format.validate(raw, inner.map(|i| i.text.as_str()));
    let parsed = format.parse_for_import(raw, &ctx);
    if let Some(inner) = inner {
        // The import hands the peek's decoding to the parse of the winning
        // record; that must not change what the record says.
        let shortcut = format.parse_for_import(raw, &Context { inner: Some(inner), ..ctx });
        assert_eq!(parsed, shortcut, "the parse with the peek's decoding differs from the parse without it");
    }
    if let Ok(ev) = parsed {
        // What the writer makes of the event: its ids and entity rows.
        Prepared::with_index(raw, ev, 0, &mut EntityIds::default());
    }

    if let Ok(text) = std::str::from_utf8(raw) {
        if let Ok(events) = format.parse_text(text) {
            for (i, ev) in events.into_iter().enumerate() {
                Prepared::with_index(raw, ev, i, &mut EntityIds::default());
            }
        }
        formats::detect_text(text);
    }
    if let Ok(serde_json::Value::Object(obj)) = formats::strict::value(raw) {
        for f in Format::ALL {
            f.matches(&obj);
        }
        formats::detect_record(&obj);
        // Kordon refuses duplicate keys; what it accepts, serde reads too.
        assert!(serde_json::from_slice::<serde_json::Value>(raw).is_ok(), "strict JSON accepted what serde refuses");
    }
}

fn hint(flags: u8) -> Hint {
    Hint {
        kind: (flags & Flags::KIND != 0).then(|| KINDS[(flags >> 5) as usize].to_string()),
        api_version: None,
        container: (flags & Flags::CONTAINER != 0).then(|| {
            let facts = serde_json::json!({
                "messageType": "DATA_MESSAGE",
                "owner": "111122223333",
                "logGroup": "/aws/eks/fuzz-cluster/cluster",
                "logStream": "kube-apiserver-audit-0123456789abcdef",
            });
            let serde_json::Value::Object(facts) = facts else { unreachable!() };
            Arc::new(Container { key: "logEvents", page: 1, facts })
        }),
        row: flags & Flags::ROW != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_give_back_the_context_of_a_seed() {
        let hint = Hint { kind: Some("Pod".into()), row: true, ..Hint::default() };
        let again = super::hint(flags_of(&hint));
        assert_eq!((again.kind, again.row, again.container.is_some()), (Some("Pod".into()), true, false));
        assert_eq!(input(Format::Tetragon, 3, b"{}"), [3, 3, b'{', b'}']);
    }
}
