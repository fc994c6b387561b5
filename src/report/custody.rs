//! The chain-of-custody appendix: where every record behind the incident
//! came from, the records the report cites with their own hashes, what
//! `verify` said about the case when the report was made, and the activity
//! log's head — so a reader can go from a sentence to the exact bytes, and
//! check later that the case is still the one the report was made from.
//!
//! It states only what the case records. Where the case does not record
//! something a custody form asks for, the appendix says so instead of
//! guessing.

use super::doc::{Block, Column, Fact, Row, Section, Span, Table};
use super::gather::{plural, Cites};
use crate::error::Result;
use crate::incident::evidence::Evidence;
use crate::store::raw::Decoder;
use crate::store::verify::{self, Head, Verification};
use crate::store::{file_label, format_id, Case};
use crate::time::format_ns;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The case's verification at export, made once per document.
pub struct Verified {
    pub result: Verification,
    /// When it ran (the report's clock).
    pub at: String,
}

pub fn verify_now(case: &Case, at: &str) -> Result<Verified> {
    Ok(Verified { result: verify::verify(case, None)?, at: at.to_string() })
}

/// The case file's name (not its folder: the report leaves the machine).
pub fn case_name(case: &Case) -> String {
    case.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "(in memory)".into())
}

const NOT_RECORDED: &str = "not recorded";

fn t(s: impl Into<String>) -> Vec<Span> {
    vec![Span::Text(s.into())]
}

fn mono(s: impl Into<String>) -> Vec<Span> {
    vec![Span::Mono(s.into())]
}

fn muted(s: impl Into<String>) -> Vec<Span> {
    vec![Span::Muted(s.into())]
}

fn col(title: &str, weight: u16, mono: bool) -> Column {
    Column { title: title.to_string(), weight, mono }
}

struct SourceRow {
    id: i64,
    label: String,
    format: String,
    shape: Option<String>,
    compression: Option<String>,
    size: i64,
    sha256: String,
    imported_ns: i64,
    import_id: i64,
    kordon: Option<String>,
    bundle: Option<(String, String)>,
    records: i64,
}

/// Who imported: the actor of the log row that recorded the import (a
/// file import, or the detection run that wrote Kordon's own alerts).
fn importer(case: &Case, import_id: i64, source_id: i64) -> Result<Option<String>> {
    Ok(case
        .conn
        .query_row(
            "SELECT actor FROM activity WHERE (action = 'import' AND json_extract(details, '$.import_id') = ?1)
                OR (action = 'detect' AND json_extract(details, '$.source_id') = ?2) ORDER BY id LIMIT 1",
            rusqlite::params![import_id, source_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn appendix(case: &Case, ev: &Evidence, cites: &Cites, verified: &Verified, anchor: &str) -> Result<Section> {
    let mut blocks = vec![Block::Paragraph(marked_plain(
        "Where the evidence behind this incident came from. Every record named in this report is kept byte-exact in the case file, with the file it was read from; `kordon events --raw` and the app's evidence view give it back.",
    ))];

    // Records behind the incident, per source file.
    let mut behind: BTreeMap<i64, (usize, usize, usize)> = BTreeMap::new();
    {
        let mut st = case.conn.prepare_cached("SELECT source_id FROM events WHERE id = ?1")?;
        let mut count = |event_id: i64, which: usize| -> Result<()> {
            let src: i64 = st.query_row([event_id], |r| r.get(0))?;
            let e = behind.entry(src).or_default();
            match which {
                0 => e.0 += 1,
                1 => e.1 += 1,
                _ => e.2 += 1,
            }
            Ok(())
        };
        for (s, _) in &ev.signals {
            count(s.event_id, 0)?;
        }
        for c in &ev.context {
            count(c.event_id, 1)?;
        }
        for f in &ev.facts {
            count(f.event_id, 2)?;
        }
    }
    let mut sources = Vec::new();
    {
        let mut st = case.conn.prepare_cached(
            "SELECT s.id, s.name, s.inner_path, s.format, s.shape, s.compression, s.size, s.sha256, s.imported_ns, s.import_id,
                    i.kordon, b.name, b.sha256, s.records
             FROM sources s JOIN imports i ON i.id = s.import_id LEFT JOIN bundles b ON b.id = s.bundle_id WHERE s.id = ?1",
        )?;
        for id in behind.keys() {
            let r = st.query_row([id], |r| {
                let name: String = r.get(1)?;
                let inner: Option<String> = r.get(2)?;
                let bundle: Option<String> = r.get(11)?;
                let bundle_sha: Option<String> = r.get(12)?;
                Ok(SourceRow {
                    id: r.get(0)?,
                    label: file_label(&name, inner.as_deref()),
                    format: r.get(3)?,
                    shape: r.get(4)?,
                    compression: r.get(5)?,
                    size: r.get(6)?,
                    sha256: r.get(7)?,
                    imported_ns: r.get(8)?,
                    import_id: r.get(9)?,
                    kordon: r.get::<_, Option<String>>(10)?.filter(|k| !k.is_empty()),
                    bundle: bundle.zip(bundle_sha),
                    records: r.get(13)?,
                })
            })?;
            sources.push(r);
        }
    }
    let mut files = Table {
        columns: vec![
            // The hash gets almost half the width: a SHA-256 stays one
            // string on the page (and in the text a PDF reader extracts).
            col("File", 4, true),
            col("SHA-256", 9, true),
            col("Size", 2, false),
            col("Read as, imported", 5, false),
        ],
        rows: Vec::new(),
    };
    let mut counts = Table {
        columns: vec![
            col("File", 6, true),
            col("Records in file", 2, false),
            col("Signals", 1, false),
            col("Context", 1, false),
            col("Snapshot objects", 1, false),
        ],
        rows: Vec::new(),
    };
    let mut bundles: BTreeMap<String, String> = BTreeMap::new();
    for s in &sources {
        let mut format = vec![Span::text(s.format.clone())];
        if let Some(shape) = &s.shape {
            format.push(Span::Muted(format!(" · {}", shape)));
        }
        if let Some(c) = &s.compression {
            format.push(Span::Muted(format!(" · {} on import", inflated(c))));
        }
        let by = importer(case, s.import_id, s.id)?;
        let mut how = format;
        how.push(Span::text(format!("; imported {}", format_ns(s.imported_ns))));
        how.push(Span::Muted(format!(
            " by {} (import {}) with Kordon {}",
            by.as_deref().unwrap_or(NOT_RECORDED),
            s.import_id,
            s.kordon.as_deref().unwrap_or(NOT_RECORDED)
        )));
        files.rows.push(Row {
            anchor: None,
            cells: vec![mono(s.label.clone()), mono(s.sha256.clone()), t(format!("{} bytes", s.size)), how],
        });
        let (sig, ctx, fac) = behind.get(&s.id).copied().unwrap_or_default();
        counts.rows.push(Row {
            anchor: None,
            cells: vec![mono(s.label.clone()), t(s.records.to_string()), t(sig.to_string()), t(ctx.to_string()), t(fac.to_string())],
        });
        if let Some((name, sha)) = &s.bundle {
            bundles.insert(name.clone(), sha.clone());
        }
    }
    blocks.push(Block::Heading("Source files".into()));
    if files.rows.is_empty() {
        blocks.push(Block::Note("No record is behind this incident.".into()));
    } else {
        blocks.push(Block::Paragraph(t(
            "The size and SHA-256 are of the file as imported (before inflating a compressed file), with the Kordon version that imported it.",
        )));
        blocks.push(Block::Table(files));
    }
    if !bundles.is_empty() {
        blocks.push(Block::Facts(
            bundles
                .into_iter()
                .map(|(name, sha)| Fact {
                    label: "From the archive".into(),
                    value: vec![Span::Mono(name), Span::Muted(" SHA-256 ".into()), Span::Mono(sha)],
                })
                .collect(),
        ));
    }
    blocks.push(Block::Heading("Records per file".into()));
    blocks.push(Block::Table(counts));

    // The cited records, each with where it is and its own hash.
    blocks.push(Block::Heading("Records cited".into()));
    let mut cited = Table {
        columns: vec![
            col("Ref", 1, false),
            col("Event", 3, true),
            col("File", 3, true),
            col("Where", 2, false),
            col("Record SHA-256", 8, true),
        ],
        rows: Vec::new(),
    };
    {
        let mut st = case.conn.prepare_cached(
            "SELECT s.name, s.inner_path, e.line, e.offset, e.raw_dict, e.raw FROM events e JOIN sources s ON s.id = e.source_id WHERE e.key = ?1",
        )?;
        let mut decoder = Decoder::new(&case.conn);
        for (n, key) in cites.cited() {
            type Rec = (String, Option<String>, Option<i64>, i64, Option<i64>, Vec<u8>);
            let rec: Option<Rec> =
                st.query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).optional()?;
            let cells = match rec {
                Some((name, inner, line, offset, dict, stored)) => {
                    let raw = decoder.decode(dict, &stored)?;
                    let place = match line {
                        Some(l) => format!("line {}", l),
                        None => format!("byte {}", offset),
                    };
                    vec![
                        t(format!("E{}", n)),
                        mono(format_id(key)),
                        mono(file_label(&name, inner.as_deref())),
                        t(place),
                        mono(hex::encode(Sha256::digest(&raw))),
                    ]
                }
                None => vec![t(format!("E{}", n)), mono(format_id(key)), muted("no longer in the case"), t(""), t("")],
            };
            cited.rows.push(Row { anchor: Some(cites.anchor(key)), cells });
        }
    }
    if cited.rows.is_empty() {
        blocks.push(Block::Note("The report cites no record.".into()));
    } else {
        blocks.push(Block::Paragraph(marked_plain(
            "The record SHA-256 is over the record's exact bytes as they stand in the file (one line of a line-framed log, without its line break); `kordon events --raw --json` gives the bytes back. Records of `kordon detect` are the alerts Kordon's own rules wrote, each naming the records it matched.",
        )));
        blocks.push(Block::Table(cited));
    }

    // Verification at export.
    let v = &verified.result;
    blocks.push(Block::Heading("Verification at export".into()));
    let mut facts = vec![
        Fact {
            label: "Result".into(),
            value: vec![Span::Strong(if v.ok {
                "passed".into()
            } else {
                format!("failed ({} problem{})", v.problems.len(), plural(v.problems.len()))
            })],
        },
        Fact { label: "Run at".into(), value: t(verified.at.clone()) },
        Fact { label: "Log rows checked".into(), value: t(v.activity_rows.to_string()) },
        Fact { label: "Files checked".into(), value: t(v.files_checked.to_string()) },
    ];
    match &v.head {
        Some(Head { row, hash }) => {
            facts.push(Fact { label: "Log head".into(), value: vec![Span::Mono(format!("{}:{}", row, hash))] });
        }
        None => facts.push(Fact { label: "Log head".into(), value: muted("the log is empty") }),
    }
    blocks.push(Block::Facts(facts));
    if !v.problems.is_empty() {
        blocks.push(Block::List(v.problems.iter().map(|p| t(p.clone())).collect()));
    }
    blocks.push(Block::Paragraph(t("What this proves: the activity log's hash chain is unbroken; every imported file the log recorded is in the case with the SHA-256 recorded, keeps as many raw records as its import stored, and its records hash to the digest its import recorded; captured evidence and attachments hash to what was recorded; the triage state equals the replay of the log; the derived data add up to what the log committed to.")));
    let mut limits: Vec<Vec<Span>> = v.limits.iter().map(|l| marked_plain(l)).collect();
    limits.push(t("that the files given to Kordon were the ones collected from the cluster: the SHA-256 above is what Kordon received; compare it with the hash taken at collection"));
    limits.push(marked_plain("that the case has not changed since this report: run `kordon verify --expect-head` with the log head above"));
    blocks.push(Block::Paragraph(vec![Span::Strong("What it cannot prove:".into())]));
    blocks.push(Block::List(limits));
    Ok(Section { anchor: anchor.into(), title: "Appendix: chain of custody".into(), new_page: true, blocks })
}

fn marked_plain(s: &str) -> Vec<Span> {
    super::gather::marked(s)
}

fn inflated(compression: &str) -> String {
    format!("{} inflated", compression)
}
