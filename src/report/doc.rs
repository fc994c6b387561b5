//! What a report says, before it is laid out: sections of blocks, and blocks
//! of spans. Renderers (`html`, `pdf`) take this and nothing else, so every
//! value that came from the case is a plain string here and is escaped (or
//! drawn as text) by the renderer — never markup.

use serde::Serialize;

/// One report: one incident, or every incident of a case in turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The document's title ("INC-0003 · Crypto-mining in shop/cart-7f9c6d8b5-x2x9q").
    pub title: String,
    /// Printed at the top of every page after the first (the incident id, or the case's name).
    pub running_header: String,
    /// When the report was made (RFC 3339, from the injected clock) and by which Kordon.
    pub generated: String,
    pub sections: Vec<Section>,
}

/// A titled part of the report ("Summary", "Incident graph", "Chain of custody").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// A link target, unique in the document (`[a-z0-9-]` only).
    pub anchor: String,
    pub title: String,
    /// Starts on a new page, in print and in the PDF.
    pub new_page: bool,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A sub-heading inside a section.
    Heading(String),
    Paragraph(Vec<Span>),
    /// A muted line, such as "No containment action was taken."
    Note(String),
    /// Label and value pairs (the header's severity, status, owner …).
    Facts(Vec<Fact>),
    /// A bulleted list.
    List(Vec<Vec<Span>>),
    /// A checklist: each item ticked or not, with who ticked it and when in its spans.
    Checklist(Vec<CheckItem>),
    Table(Table),
    /// Preformatted text kept exactly (the change the API server accepted), in a monospaced face.
    Code(String),
    Figure(Figure),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckItem {
    pub done: bool,
    pub text: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub title: String,
    /// The column's share of the table's width, relative to the others.
    pub weight: u16,
    /// Hashes, ids and offsets: monospaced, broken anywhere when they do not fit.
    pub mono: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// A link target for this row (the evidence a story step cites), unique in the document.
    pub anchor: Option<String>,
    pub cells: Vec<Vec<Span>>,
}

/// A vector picture: an SVG document built by Kordon (see `figure`), with
/// nothing in it that runs or loads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub svg: String,
    /// The picture's own size in its user units (its `viewBox`).
    pub width: f64,
    pub height: f64,
    pub caption: String,
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Span {
    Text(String),
    Strong(String),
    Muted(String),
    Mono(String),
    /// A reference to a section or row anchor in the same document ("[E3]").
    Ref { anchor: String, text: String },
    /// The incident's severity, drawn as a coloured tag ("critical", "high", "medium", "low", "info").
    Severity(String),
}

impl Span {
    pub fn text(s: impl Into<String>) -> Span {
        Span::Text(s.into())
    }

    /// The characters the span shows.
    pub fn content(&self) -> &str {
        match self {
            Span::Text(s) | Span::Strong(s) | Span::Muted(s) | Span::Mono(s) | Span::Severity(s) => s,
            Span::Ref { text, .. } => text,
        }
    }
}

/// The plain text of a run of spans (for a PDF's outline, a table's width estimate, tests).
pub fn plain(spans: &[Span]) -> String {
    spans.iter().map(Span::content).collect()
}
