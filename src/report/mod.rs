//! The review-meeting report: one incident (or every incident of a case) as a
//! document that leaves the meeting.
//!
//! Why a document model: the same report is written as HTML (read in any
//! browser, printed) and as PDF (made here, offline, with its fonts embedded).
//! Gathering what the case says (`gather`) is done once into a [`doc::Document`]
//! — sections of paragraphs, tables, lists and one vector figure — and each
//! renderer only lays that out. So the HTML and the PDF cannot disagree on
//! what the report says, only on how a page looks.

pub mod custody;
pub mod doc;
pub mod figure;
pub mod gather;
pub mod html;
pub mod pdf;
pub mod playbook;

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::{format_incident_id, read};
use crate::store::Case;
use crate::time::format_ns;
use doc::{Block, Column, Document, Row, Section, Span, Table};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Which incidents the report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    One(i64),
    /// Every incident of the case, in the queue's order (most severe first).
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "html" | "htm" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::input(Code::InvalidArgument, format!("'{}' is no report format (html or pdf)", other))),
        }
    }

    /// The format a file name asks for, by its extension.
    pub fn of_path(path: &Path) -> Result<Format> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        Format::parse(ext).map_err(|_| {
            Error::input(
                Code::InvalidArgument,
                format!("cannot tell the report's format from '{}': name it .html or .pdf, or give --format", path.display()),
            )
        })
    }
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub path: PathBuf,
    pub format: Format,
    pub bytes: u64,
    pub incidents: usize,
    /// Known for a PDF; an HTML page is paginated by whoever prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
}

fn generated_by(at: &str) -> String {
    format!("Made by Kordon {} at {}", env!("CARGO_PKG_VERSION"), at)
}

/// The report's document: gathered once from the case, at the clock's time.
pub fn build(case: &Case, which: Which, clock: &dyn Clock) -> Result<Document> {
    let at = format_ns(clock.now_ns());
    if let Which::One(id) = which {
        // Refuse an unknown incident by its id, as every command does, before any work.
        crate::incident::resolve(case, &format_incident_id(id))?;
    }
    let verified = custody::verify_now(case, &at)?;
    match which {
        Which::One(id) => {
            let g = gather::incident(case, id, &at, &verified)?;
            Ok(Document { title: g.title, running_header: g.incident, generated: generated_by(&at), sections: g.sections })
        }
        Which::All => {
            let rows = read::list(case)?;
            let name = custody::case_name(case);
            let mut overview = Table {
                columns: vec![
                    Column { title: "Incident".into(), weight: 2, mono: true },
                    Column { title: "Severity".into(), weight: 1, mono: false },
                    Column { title: "Status".into(), weight: 1, mono: false },
                    Column { title: "Title".into(), weight: 6, mono: false },
                ],
                rows: Vec::new(),
            };
            let mut sections = Vec::new();
            for r in &rows {
                let g = gather::incident(case, r.raw_id, &at, &verified)?;
                let first = g.sections.first().map(|s| s.anchor.clone()).unwrap_or_default();
                overview.rows.push(Row {
                    anchor: None,
                    cells: vec![
                        vec![Span::Ref { anchor: first, text: g.incident.clone() }],
                        vec![Span::Severity(r.severity.clone())],
                        vec![Span::text(r.status.clone())],
                        vec![Span::text(r.title.clone())],
                    ],
                });
                let mut secs = g.sections;
                // Each incident starts on its own page, its header titled by its id.
                if let Some(s) = secs.first_mut() {
                    s.new_page = true;
                    s.title = g.title.clone();
                }
                sections.extend(secs);
            }
            let mut blocks = vec![Block::Paragraph(vec![Span::text(format!(
                "{} incident{} in the case file {}, most severe first. Each has its own sections and chain-of-custody appendix.",
                rows.len(),
                gather::plural(rows.len()),
                name
            ))])];
            if rows.is_empty() {
                blocks.push(Block::Note("The case holds no incident (run detect and correlate first).".into()));
            } else {
                blocks.push(Block::Table(overview));
            }
            sections.insert(0, Section { anchor: "overview".into(), title: "Incidents".into(), new_page: false, blocks });
            Ok(Document { title: format!("Incidents of {}", name), running_header: name, generated: generated_by(&at), sections })
        }
    }
}

/// Builds the report and writes it to `dest`: beside it first, then renamed
/// into place, so a failure leaves no partial file.
pub fn write(case: &Case, which: Which, format: Format, dest: &Path, clock: &dyn Clock) -> Result<Written> {
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(Error::input(Code::NotFound, format!("the folder {} does not exist", folder.display())));
    }
    if dest.is_dir() {
        return Err(Error::input(Code::InvalidArgument, format!("{} is a folder: give the report's file name", dest.display())));
    }
    let doc = build(case, which, clock)?;
    let incidents = match which {
        Which::One(_) => 1,
        Which::All => read::list(case)?.len(),
    };
    let bytes = match format {
        Format::Html => html::render(&doc).into_bytes(),
        Format::Pdf => pdf::render(&doc)?,
    };
    crate::app::replace_file(dest, &bytes).map_err(|e| match &e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
            Error::input(Code::ReadOnly, format!("cannot write the report to {}: no permission to write in {}", dest.display(), folder.display()))
        }
        _ => e,
    })?;
    Ok(Written { path: dest.to_path_buf(), format, bytes: bytes.len() as u64, incidents, pages: pdf_pages(format, &bytes) })
}

/// A PDF's page count from its page tree: the largest `/Count` of a
/// `/Type /Pages` dictionary (the root's counts every page). Unknown when
/// the tree sits in a compressed object stream.
fn pdf_pages(format: Format, bytes: &[u8]) -> Option<u32> {
    if format != Format::Pdf {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    let mut best: Option<u32> = None;
    for marker in ["/Type /Pages", "/Type/Pages"] {
        for (at, _) in text.match_indices(marker) {
            // The dictionary around the marker: back to its `<<`, on to its `>>`.
            let start = text[..at].rfind("<<").unwrap_or(at);
            let end = text[at..].find(">>").map_or(text.len(), |e| at + e);
            let dict = &text[start..end];
            if let Some(c) = dict.find("/Count") {
                if let Some(n) = dict[c + 6..].trim_start().split(|ch: char| !ch.is_ascii_digit()).next().and_then(|n| n.parse().ok()) {
                    best = Some(best.map_or(n, |b: u32| b.max(n)));
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_or_is_refused() {
        assert_eq!(Format::of_path(Path::new("r.HTML")).unwrap(), Format::Html);
        assert_eq!(Format::of_path(Path::new("dir/r.pdf")).unwrap(), Format::Pdf);
        assert_eq!(Format::of_path(Path::new("r")).unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(Format::parse("docx").unwrap_err().code(), Code::InvalidArgument);
    }

    #[test]
    fn a_pdf_page_count_comes_from_its_root_page_tree() {
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] /Count 7 >> endobj\n2 0 obj << /Type /Pages /Parent 1 0 R /Count 3 >> endobj\n";
        assert_eq!(pdf_pages(Format::Pdf, pdf), Some(7));
        assert_eq!(pdf_pages(Format::Pdf, b"%PDF-1.7 compressed"), None);
        assert_eq!(pdf_pages(Format::Html, pdf), None);
    }

    #[test]
    fn nothing_is_written_where_the_folder_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let case = Case::in_memory().unwrap();
        let clock = crate::clock::FixedClock(0);
        let err = write(&case, Which::All, Format::Html, &dir.path().join("no/such/r.html"), &clock).unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        let err = write(&case, Which::One(1), Format::Html, &dir.path().join("r.html"), &clock).unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // An empty case still makes a (short) document.
        let w = write(&case, Which::All, Format::Html, &dir.path().join("r.html"), &clock).unwrap();
        assert_eq!((w.incidents, w.pages), (0, None));
        let html = std::fs::read_to_string(&w.path).unwrap();
        assert!(html.contains("The case holds no incident"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }
}
