//! The report as one self-contained HTML file: read in any browser, printed
//! to A4, mailed as an attachment, opened years later offline.
//!
//! Self-contained and inert: the style sheet is inline, the graph is inline
//! SVG, there is no script and nothing is fetched (no external address, no
//! `@import`, no web font), and a Content-Security-Policy says so again to
//! the browser, so a report opened from an attacker's evidence cannot run
//! or call anything. Every value from the case is escaped for HTML, and the
//! C0/C1 controls and the bidi controls — which reorder what a reader sees
//! ("Trojan Source") — are shown as visible escapes (`\u{202e}`), as the CLI
//! shows them. The output depends only on the document: the same case and
//! clock give the same bytes.

use super::doc::{Block, CheckItem, Document, Fact, Figure, Section, Span, Table};
use std::fmt::Write as _;

/// The policy the page declares: nothing but its own inline style and
/// `data:` pictures.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Characters shown as visible escapes: the C0 and C1 controls and DEL
/// (`crate::text::is_unsafe`), and the bidi marks that are not controls by
/// Unicode's category but still reorder or hide text.
fn is_hidden(c: char) -> bool {
    crate::text::is_unsafe(c) || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `s` as HTML text (element content and quoted attribute values alike);
/// `keep_lines` keeps line breaks and tabs (preformatted text).
pub fn escape(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' if keep_lines => out.push(c),
            c if is_hidden(c) => {
                out.push_str("<span class=\"ctl\">");
                out.push_str(&crate::text::escape_char(c));
                out.push_str("</span>");
            }
            c => out.push(c),
        }
    }
    out
}

/// An anchor as an id: only `[a-z0-9-]` survives, whatever was given.
fn anchor(a: &str) -> String {
    a.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect()
}

/// Text inside a CSS string (`content: "…"`): everything but plain letters
/// and digits as a CSS escape, so no quote, backslash, `<` or line break can
/// end the string or the style element.
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' {
            out.push(c);
        } else if is_hidden(c) {
            out.push('?');
        } else {
            let _ = write!(out, "\\{:06x}", c as u32);
        }
    }
    out.push('"');
    out
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

fn severity_class(s: &str) -> &'static str {
    SEVERITIES.iter().find(|k| k.eq_ignore_ascii_case(s.trim())).copied().unwrap_or("other")
}

fn spans(out: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Text(t) => out.push_str(&escape(t, false)),
            Span::Strong(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(t, false));
            }
            Span::Muted(t) => {
                let _ = write!(out, "<span class=\"muted\">{}</span>", escape(t, false));
            }
            Span::Mono(t) => {
                let _ = write!(out, "<code>{}</code>", escape(t, false));
            }
            Span::Ref { anchor: a, text } => {
                let _ = write!(out, "<a class=\"ref\" href=\"#{}\">{}</a>", anchor(a), escape(text, false));
            }
            Span::Severity(t) => {
                let _ = write!(out, "<span class=\"sev sev-{}\">{}</span>", severity_class(t), escape(t, false));
            }
        }
    }
}

/// Why an SVG picture cannot go into the page inline, if anything: the
/// figure is Kordon's own drawing, and is checked again here so that no
/// mistake upstream lets it run or fetch anything. References inside the
/// picture (`url(#arrow)`, `href="#n1"`) are fine.
pub fn svg_refusal(svg: &str) -> Option<&'static str> {
    let lower = svg.to_ascii_lowercase();
    let t = lower.trim();
    if !t.starts_with("<svg") || !t.ends_with("</svg>") {
        return Some("it is not one SVG element");
    }
    if t.matches("<svg").count() != t.matches("</svg>").count() {
        return Some("its elements do not close");
    }
    for w in ["<script", "javascript:", "<foreignobject", "@import", "<iframe", "<object", "<embed", "<!--", "<![cdata["] {
        if lower.contains(w) {
            return Some("it holds markup that could run or load something");
        }
    }
    // Event handlers: an attribute name starting with "on".
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices("on") {
        let before = if i == 0 { b' ' } else { bytes[i - 1] };
        if !(before.is_ascii_whitespace() || before == b'/' || before == b'"' || before == b'\'') {
            continue;
        }
        let rest = &lower[i + 2..];
        let name_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        if name_len > 0 && rest[name_len..].trim_start().starts_with('=') {
            return Some("it holds an event handler");
        }
    }
    // Every reference must stay inside the picture.
    for (i, _) in lower.match_indices("href") {
        let rest = lower[i + 4..].trim_start();
        if let Some(v) = rest.strip_prefix('=') {
            let v = v.trim_start().trim_start_matches(['"', '\'']);
            if !v.starts_with('#') {
                return Some("it refers to something outside itself");
            }
        }
    }
    for (i, _) in lower.match_indices("url(") {
        let v = lower[i + 4..].trim_start().trim_start_matches(['"', '\'']);
        if !v.starts_with('#') {
            return Some("it refers to something outside itself");
        }
    }
    // `src=` anywhere in an attribute position.
    if lower.contains(" src=") || lower.contains(" src =") {
        return Some("it refers to something outside itself");
    }
    None
}

fn figure(out: &mut String, f: &Figure) {
    out.push_str("<figure>");
    match svg_refusal(&f.svg) {
        None => {
            let _ = write!(out, "<div class=\"svg\" style=\"aspect-ratio: {:.0} / {:.0}\">", f.width.max(1.0), f.height.max(1.0));
            out.push_str(f.svg.trim());
            out.push_str("</div>");
        }
        Some(why) => {
            let _ = write!(out, "<p class=\"note\">The graph is not shown: {}.</p>", escape(why, false));
        }
    }
    if !f.caption.is_empty() {
        let _ = write!(out, "<figcaption>{}</figcaption>", escape(&f.caption, false));
    }
    out.push_str("</figure>\n");
}

fn table(out: &mut String, t: &Table) {
    let total: u32 = t.columns.iter().map(|c| u32::from(c.weight.max(1))).sum::<u32>().max(1);
    out.push_str("<table>\n<colgroup>");
    for c in &t.columns {
        let _ = write!(out, "<col style=\"width: {:.1}%\">", f64::from(c.weight.max(1)) * 100.0 / f64::from(total));
    }
    out.push_str("</colgroup>\n<thead><tr>");
    for c in &t.columns {
        let _ = write!(out, "<th>{}</th>", escape(&c.title, false));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        match &r.anchor {
            Some(a) => {
                let _ = write!(out, "<tr id=\"{}\">", anchor(a));
            }
            None => out.push_str("<tr>"),
        }
        for (i, cell) in r.cells.iter().enumerate() {
            let mono = t.columns.get(i).is_some_and(|c| c.mono);
            out.push_str(if mono { "<td class=\"mono\">" } else { "<td>" });
            spans(out, cell);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn facts(out: &mut String, facts: &[Fact]) {
    out.push_str("<dl class=\"facts\">\n");
    for f in facts {
        let _ = write!(out, "<dt>{}</dt><dd>", escape(&f.label, false));
        spans(out, &f.value);
        out.push_str("</dd>\n");
    }
    out.push_str("</dl>\n");
}

fn checklist(out: &mut String, items: &[CheckItem]) {
    out.push_str("<ul class=\"checklist\">\n");
    for i in items {
        let _ = write!(
            out,
            "<li class=\"{}\"><span class=\"box\">{}</span> ",
            if i.done { "done" } else { "open" },
            if i.done { "☑" } else { "☐" }
        );
        spans(out, &i.text);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Heading(h) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(h, false));
        }
        Block::Paragraph(s) => {
            out.push_str("<p>");
            spans(out, s);
            out.push_str("</p>\n");
        }
        Block::Note(n) => {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n, false));
        }
        Block::Facts(f) => facts(out, f),
        Block::List(items) => {
            out.push_str("<ul>\n");
            for i in items {
                out.push_str("<li>");
                spans(out, i);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::Checklist(items) => checklist(out, items),
        Block::Table(t) => table(out, t),
        Block::Code(c) => {
            let _ = writeln!(out, "<pre>{}</pre>", escape(c, true));
        }
        Block::Figure(f) => figure(out, f),
    }
}

fn section(out: &mut String, s: &Section, running: &str) {
    let _ = writeln!(out, "<section id=\"{}\"{}>", anchor(&s.anchor), if s.new_page { " class=\"new-page\"" } else { "" });
    if s.new_page {
        // Where a browser cannot print page margin boxes, each new page
        // still says which report it belongs to.
        let _ = writeln!(out, "<div class=\"print-head\">{}</div>", escape(running, false));
    }
    let _ = writeln!(out, "<h2>{}</h2>", escape(&s.title, false));
    for b in &s.blocks {
        block(out, b);
    }
    out.push_str("</section>\n");
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1b1f24; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
header.doc { border-bottom: 2px solid #1b1f24; margin-bottom: 1rem; }
header.doc h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
header.doc p { margin: 0 0 .5rem; color: #57606a; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin: 1.6rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
p { margin: .4rem 0; }
code, pre, td.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
td.mono, code { overflow-wrap: anywhere; word-break: break-all; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.muted, .note { color: #57606a; }
.note { font-style: italic; }
.ctl { color: #cf222e; font-family: ui-monospace, Menlo, Consolas, monospace; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .2rem .35rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
tr:target { background: #fff8c5; }
ul.checklist { list-style: none; padding-left: .2rem; }
ul.checklist .box { font-size: 1.1em; }
a.ref { text-decoration: none; font-size: .85em; vertical-align: super; }
.sev { display: inline-block; padding: 0 .4rem; border-radius: .6rem; color: #fff; font-weight: 600; font-size: .85em; background: #57606a; }
.sev-critical { background: #82071e; } .sev-high { background: #cf222e; } .sev-medium { background: #9a6700; } .sev-low { background: #0969da; } .sev-info { background: #57606a; }
figure { margin: .5rem 0; }
figure .svg { width: 100%; }
figure svg { width: 100%; height: auto; max-height: 22cm; }
figcaption { color: #57606a; font-size: .9em; }
.print-head { display: none; }
@page { size: A4; margin: 18mm 15mm 18mm 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  a { color: inherit; }
  .new-page { break-before: page; page-break-before: always; }
  .print-head { display: block; color: #57606a; font-size: 8pt; border-bottom: 1px solid #d0d7de; margin-bottom: .5rem; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, pre, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr:target { background: none; }
  .sev { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// The whole page.
pub fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">", CSP);
    out.push_str(
        "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    let _ = writeln!(out, "<meta name=\"generator\" content=\"{}\">", escape(&doc.generated, false));
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title, false));
    out.push_str("<style>");
    out.push_str(STYLE);
    // The running header and page numbers, where the browser prints page
    // margin boxes (the fallback is each new page's own header line).
    let _ = writeln!(
        out,
        "@page {{ @top-left {{ content: {}; font-size: 8pt; color: #57606a; }} @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font-size: 8pt; color: #57606a; }} }}",
        css_string(&doc.running_header)
    );
    out.push_str("</style>\n</head>\n<body>\n<header class=\"doc\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&doc.title, false));
    let _ = writeln!(out, "<p>{}</p>", escape(&doc.generated, false));
    out.push_str("</header>\n<main>\n");
    for s in &doc.sections {
        section(&mut out, s, &doc.running_header);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::doc::{Column, Row};
    use super::*;

    fn doc(sections: Vec<Section>) -> Document {
        Document { title: "INC-1 <b>".into(), running_header: "INC-1\"</style>".into(), generated: "2026-01-01".into(), sections }
    }

    #[test]
    fn values_are_escaped_and_controls_made_visible() {
        let hostile = "<script>alert(1)</script></style>\u{202e}gpj.exe\u{1b}[2J\"'&\u{200f}";
        let d = doc(vec![Section {
            anchor: "a\"><script>".into(),
            title: hostile.into(),
            new_page: true,
            blocks: vec![
                Block::Paragraph(vec![Span::Text(hostile.into()), Span::Ref { anchor: "x\" onclick=\"y".into(), text: hostile.into() }]),
                Block::Code(format!("{}\nline two", hostile)),
                Block::Table(Table {
                    columns: vec![Column { title: hostile.into(), weight: 1, mono: true }],
                    rows: vec![Row { anchor: Some("r1".into()), cells: vec![vec![Span::Severity("critical\" x=\"".into())]] }],
                }),
            ],
        }]);
        let html = render(&d);
        assert!(!html.contains("<script"), "{}", html);
        assert!(!html.contains("</style>\u{202e}"));
        assert_eq!(html.matches("</style>").count(), 1, "only the style element's own end tag");
        assert!(!html.contains('\u{202e}') && !html.contains('\u{1b}') && !html.contains('\u{200f}'));
        assert!(html.contains("<span class=\"ctl\">\\u{202e}</span>gpj.exe<span class=\"ctl\">\\x1b</span>[2J"), "{}", html);
        assert!(html.contains("href=\"#xonclicky\""));
        assert!(html.contains("sev-other"));
        assert!(html.contains("&lt;pre&gt;") || html.contains("<pre>&lt;script&gt;"));
        assert!(html.contains("line two"));
        assert!(html.contains("content: \"INC\\00002d1\\000022\\00003c"), "{}", html);
    }

    #[test]
    fn a_figure_that_could_run_or_fetch_is_left_out() {
        let ok = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><defs><marker id=\"a\"/></defs><path marker-end=\"url(#a)\"/><use href=\"#a\"/><text>onion = 1</text></svg>";
        assert_eq!(svg_refusal(ok), None);
        for bad in [
            "<svg><script>x</script></svg>",
            "<svg><rect onload=\"x()\"/></svg>",
            "<svg><image href=\"https://example.com/x.png\"/></svg>",
            "<svg><rect style=\"fill:url(https://x/y)\"/></svg>",
            "<svg><foreignObject/></svg>",
            "<svg></svg><img src=x>",
            "<svg><style>@import 'x';</style></svg>",
            "<p>no</p>",
        ] {
            assert!(svg_refusal(bad).is_some(), "{}", bad);
        }
        let d = doc(vec![Section {
            anchor: "g".into(),
            title: "g".into(),
            new_page: false,
            blocks: vec![Block::Figure(Figure {
                svg: "<svg><script>x</script></svg>".into(),
                width: 1.0,
                height: 1.0,
                caption: "c".into(),
            })],
        }]);
        let html = render(&d);
        assert!(!html.contains("<script") && html.contains("The graph is not shown"));
    }

    #[test]
    fn the_same_document_gives_the_same_bytes_and_declares_its_policy() {
        let d = doc(vec![]);
        assert_eq!(render(&d), render(&d));
        let html = render(&d);
        assert!(html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        ));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
