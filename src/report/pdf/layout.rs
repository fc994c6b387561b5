//! Placing a document's blocks on A4 pages.
//!
//! Layout runs before anything is written to the PDF, into a plain list of
//! pages of drawing items: the footer says "page N of M", and a reference may
//! point forward to a row on a later page, so both are only known once every
//! page is full. The work is linear in the document — each block is measured
//! once and each row placed once — so a table of ten thousand rows costs ten
//! times a table of a thousand.

use std::collections::HashMap;

use super::fonts::Face;
use super::text::{span_style, wrap, wrap_runs, Line, Mark, Rgb, Style, INK, MUTED};
use crate::report::doc::{Block, Column, Document, Figure, Row, Section, Span, Table};

/// A4 portrait, in points.
pub const PAGE_W: f32 = 595.276;
pub const PAGE_H: f32 = 841.89;
/// 18 mm.
pub const MARGIN: f32 = 51.02;
/// Room kept above the body for the running header and below it for the footer.
const HEADER_ROOM: f32 = 22.0;
const FOOTER_ROOM: f32 = 22.0;
pub const BODY_TOP: f32 = MARGIN + HEADER_ROOM;
pub const BODY_BOTTOM: f32 = PAGE_H - MARGIN - FOOTER_ROOM;
pub const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;

const BODY: f32 = 9.5;
const TABLE: f32 = 8.0;
const CODE: f32 = 7.8;
const LEADING: f32 = 1.32;
const CELL_PAD: f32 = 3.0;
/// The smallest a monospaced cell's text is set to keep a hash on one line.
const MONO_MIN: f32 = 5.0;
const BLOCK_GAP: f32 = 7.0;

pub const RULE: Rgb = Rgb(0xd0, 0xd5, 0xdb);
const HEAD_FILL: Rgb = Rgb(0xee, 0xf1, 0xf4);
const CODE_FILL: Rgb = Rgb(0xf4, 0xf5, 0xf7);

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<Rgb>,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
    /// A vector figure: `figures[index]` scaled into this box.
    Figure {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A clickable area that jumps to an anchor.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        anchor: String,
    },
}

#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
}

/// A section's entry in the PDF outline.
pub struct OutlineEntry {
    pub title: String,
    pub page: usize,
    pub y: f32,
}

pub struct Layout {
    pub pages: Vec<Page>,
    /// Where each anchor (section or row) landed: page index and top.
    pub anchors: HashMap<String, (usize, f32)>,
    pub outline: Vec<OutlineEntry>,
    pub figures: Vec<usvg::Tree>,
}

pub fn lay_out(doc: &Document, parse_figure: impl Fn(&Figure) -> Result<usvg::Tree, String>) -> Layout {
    let mut l =
        Flow { out: Layout { pages: vec![Page::default()], anchors: HashMap::new(), outline: Vec::new(), figures: Vec::new() }, y: MARGIN };
    l.title_block(doc);
    for section in &doc.sections {
        l.section(section, &parse_figure);
    }
    l.out
}

struct Flow {
    out: Layout,
    /// The top of the free space on the current page.
    y: f32,
}

fn line_height(size: f32) -> f32 {
    size * LEADING
}

/// The height of a line: its tallest fragment's, or `size`'s when it is empty.
fn height_of(line: &Line, size: f32) -> f32 {
    line_height(line.frags.iter().map(|f| f.style.size).fold(size, f32::max))
}

impl Flow {
    fn page(&mut self) -> &mut Page {
        self.out.pages.last_mut().expect("a page")
    }

    fn page_index(&self) -> usize {
        self.out.pages.len() - 1
    }

    fn new_page(&mut self) {
        self.out.pages.push(Page::default());
        self.y = BODY_TOP;
    }

    fn room(&self) -> f32 {
        BODY_BOTTOM - self.y
    }

    fn at_top(&self) -> bool {
        self.y <= BODY_TOP + 0.01
    }

    /// Starts a new page unless `h` points still fit on this one (or this page is empty).
    fn need(&mut self, h: f32) {
        if h > self.room() && !self.at_top() {
            self.new_page();
        }
    }

    fn push(&mut self, item: Item) {
        self.page().items.push(item);
    }

    /// Draws `line` with its top at `top`, from `x`.
    fn draw_line(&mut self, line: &Line, x: f32, top: f32, size: f32) {
        let h = height_of(line, size);
        let baseline = top + h * 0.76;
        for f in &line.frags {
            let fx = x + f.x;
            match &f.style.mark {
                Mark::Tag(fill) => {
                    let s = f.style.size;
                    self.push(Item::Rect {
                        x: fx + 0.5,
                        y: baseline - s * 0.95,
                        w: f.width - 1.0,
                        h: s * 1.3,
                        fill: Some(*fill),
                        stroke: None,
                    });
                    self.push(Item::Text { x: fx + super::text::TAG_PAD, y: baseline, text: f.text.clone(), style: f.style.clone() });
                }
                Mark::Link(anchor) => {
                    let s = f.style.size;
                    self.push(Item::Text { x: fx, y: baseline, text: f.text.clone(), style: f.style.clone() });
                    self.push(Item::Link { x: fx, y: baseline - s * 0.95, w: f.width, h: s * 1.25, anchor: anchor.clone() });
                }
                Mark::None => {
                    if !f.text.trim().is_empty() {
                        self.push(Item::Text { x: fx, y: baseline, text: f.text.clone(), style: f.style.clone() });
                    }
                }
            }
        }
    }

    /// Flows lines down the page from `x`, breaking pages between lines.
    fn lines(&mut self, lines: &[Line], x: f32, size: f32) {
        for line in lines {
            let h = height_of(line, size);
            self.need(h);
            let top = self.y;
            self.draw_line(line, x, top, size);
            self.y += h;
        }
    }

    fn gap(&mut self, h: f32) {
        if !self.at_top() {
            self.y = (self.y + h).min(BODY_BOTTOM);
        }
    }

    fn title_block(&mut self, doc: &Document) {
        let title = wrap(&[Span::Strong(doc.title.clone())], BODY_W, |s| span_style(s, 19.0));
        self.lines(&title, MARGIN, 19.0);
        self.y += 3.0;
        let generated = wrap(&[Span::Muted(doc.generated.clone())], BODY_W, |s| span_style(s, 9.0));
        self.lines(&generated, MARGIN, 9.0);
        self.y += 6.0;
        let y = self.y;
        self.push(Item::Rule { x1: MARGIN, y1: y, x2: MARGIN + BODY_W, y2: y, color: INK, width: 1.0 });
        self.y += 10.0;
    }

    fn section(&mut self, section: &Section, parse_figure: &impl Fn(&Figure) -> Result<usvg::Tree, String>) {
        if section.new_page && !self.at_top() {
            self.new_page();
        }
        self.gap(14.0);
        let title = wrap(&[Span::Strong(section.title.clone())], BODY_W, |s| span_style(s, 13.5));
        let h: f32 = title.iter().map(|l| height_of(l, 13.5)).sum();
        // A heading is kept with the first lines of what follows it.
        self.need(h + 4.0 * line_height(BODY));
        self.mark(&section.anchor);
        self.out.outline.push(OutlineEntry { title: super::text_of(&title), page: self.page_index(), y: self.y });
        self.lines(&title, MARGIN, 13.5);
        let y = self.y + 1.0;
        self.push(Item::Rule { x1: MARGIN, y1: y, x2: MARGIN + BODY_W, y2: y, color: RULE, width: 0.6 });
        self.y += 6.0;
        for (i, block) in section.blocks.iter().enumerate() {
            if i > 0 {
                self.gap(BLOCK_GAP);
            }
            self.block(block, parse_figure);
        }
    }

    fn mark(&mut self, anchor: &str) {
        let page = self.page_index();
        let y = self.y;
        self.out.anchors.entry(anchor.to_string()).or_insert((page, y));
    }

    fn block(&mut self, block: &Block, parse_figure: &impl Fn(&Figure) -> Result<usvg::Tree, String>) {
        match block {
            Block::Heading(text) => {
                let lines = wrap(&[Span::Strong(text.clone())], BODY_W, |s| span_style(s, 11.0));
                let h: f32 = lines.iter().map(|l| height_of(l, 11.0)).sum();
                self.gap(3.0);
                self.need(h + 3.0 * line_height(BODY));
                self.lines(&lines, MARGIN, 11.0);
                self.y += 1.5;
            }
            Block::Paragraph(spans) => {
                let lines = wrap(spans, BODY_W, |s| span_style(s, BODY));
                self.lines(&lines, MARGIN, BODY);
            }
            Block::Note(text) => {
                let lines = wrap(&[Span::Muted(text.clone())], BODY_W, |s| span_style(s, 9.0));
                self.lines(&lines, MARGIN, 9.0);
            }
            Block::Facts(facts) => self.facts(facts),
            Block::List(items) => {
                for item in items {
                    self.bullet("•", Face::Regular, item);
                }
            }
            Block::Checklist(items) => {
                for item in items {
                    self.bullet(if item.done { "☑" } else { "☐" }, Face::Regular, &item.text);
                }
            }
            Block::Table(table) => self.table(table),
            Block::Code(text) => self.code(text),
            Block::Figure(figure) => self.figure(figure, parse_figure),
        }
    }

    fn facts(&mut self, facts: &[crate::report::doc::Fact]) {
        let label_style = |s: &Span| Style { color: MUTED, ..span_style(s, BODY) };
        let widest = facts.iter().map(|f| Face::Bold.metrics().width(&super::fonts::clean(&f.label, Face::Bold), BODY)).fold(0.0, f32::max);
        let label_w = (widest + 12.0).clamp(60.0, BODY_W * 0.35);
        for fact in facts {
            let label = wrap(&[Span::Strong(fact.label.clone())], label_w - 10.0, label_style);
            let value = wrap(&fact.value, BODY_W - label_w, |s| span_style(s, BODY));
            self.row(&[(MARGIN, label), (MARGIN + label_w, value)], BODY, 1.5, None);
        }
    }

    fn bullet(&mut self, bullet: &str, face: Face, text: &[Span]) {
        let indent = 14.0;
        let mark = wrap_runs(&[(Style::new(face, BODY + 1.0, INK), bullet)], indent);
        let lines = wrap(text, BODY_W - indent, |s| span_style(s, BODY));
        self.row(&[(MARGIN + 2.0, mark), (MARGIN + indent, lines)], BODY, 1.5, None);
    }

    /// Whether a row `h` points tall goes to the next page rather than start
    /// here: a short row is kept whole; a long one (a value of thousands of
    /// characters) starts here and continues, rather than leave most of a page blank.
    fn moves_whole(&self, h: f32) -> bool {
        h > self.room() && !self.at_top() && h <= (BODY_BOTTOM - BODY_TOP) / 3.0
    }

    /// Places side-by-side columns of lines as one row: moved whole to the
    /// next page when it is short and does not fit here, else split between
    /// pages. `header` is drawn again at the top of each new
    /// page. Returns the row's top on each page it covers and its bottom.
    fn row(&mut self, cols: &[(f32, Vec<Line>)], size: f32, pad: f32, mut header: Option<&mut dyn FnMut(&mut Flow)>) -> Vec<(f32, f32)> {
        let heights: Vec<Vec<f32>> = cols.iter().map(|(_, lines)| lines.iter().map(|l| height_of(l, size)).collect()).collect();
        let total = heights.iter().map(|h| h.iter().sum::<f32>()).fold(line_height(size), f32::max) + 2.0 * pad;
        if self.moves_whole(total) {
            self.new_page();
            if let Some(h) = header.as_mut() {
                h(self);
            }
        }
        let mut next = vec![0usize; cols.len()];
        let mut spans = Vec::new();
        loop {
            let top = self.y;
            let mut bottom = top + pad;
            for (c, (x, lines)) in cols.iter().enumerate() {
                let mut y = top + pad;
                while next[c] < lines.len() {
                    let h = heights[c][next[c]];
                    // Always place one line on a fresh page, so a row makes progress.
                    if y + h + pad > BODY_BOTTOM && !(y <= top + pad + 0.01 && self.at_top()) {
                        break;
                    }
                    self.draw_line(&lines[next[c]], *x, y, size);
                    y += h;
                    next[c] += 1;
                }
                bottom = bottom.max(y);
            }
            let done = next.iter().zip(cols).all(|(n, (_, lines))| *n >= lines.len());
            let bottom = if done { bottom.max(top + pad + line_height(size)) + pad } else { BODY_BOTTOM };
            spans.push((top, bottom));
            self.y = bottom;
            if done {
                return spans;
            }
            self.new_page();
            if let Some(h) = header.as_mut() {
                h(self);
            }
        }
    }

    fn table(&mut self, table: &Table) {
        if table.columns.is_empty() {
            return;
        }
        let total: f32 = table.columns.iter().map(|c| f32::from(c.weight.max(1))).sum();
        let mut xs = Vec::with_capacity(table.columns.len());
        let mut x = MARGIN;
        for c in &table.columns {
            let w = BODY_W * f32::from(c.weight.max(1)) / total;
            xs.push((x, w));
            x += w;
        }
        let head: Vec<(f32, Vec<Line>)> = table
            .columns
            .iter()
            .zip(&xs)
            .map(|(c, (x, w))| (x + CELL_PAD, wrap(&[Span::Strong(c.title.clone())], w - 2.0 * CELL_PAD, |s| span_style(s, TABLE))))
            .collect();
        let mut draw_head = |f: &mut Flow| {
            let spans = f.row(&head, TABLE, CELL_PAD, None);
            // The fill goes under the header's text: insert it before the row's items.
            if let Some(&(top, bottom)) = spans.last() {
                let page = f.page();
                let first = page.items.len() - head_items(&head);
                page.items.insert(first, Item::Rect { x: MARGIN, y: top, w: BODY_W, h: bottom - top, fill: Some(HEAD_FILL), stroke: None });
                f.push(Item::Rule { x1: MARGIN, y1: bottom, x2: MARGIN + BODY_W, y2: bottom, color: INK, width: 0.6 });
            }
        };
        // The header, and the first row, or this page's end.
        self.need(2.0 * line_height(TABLE) + 4.0 * CELL_PAD + 2.0);
        draw_head(self);
        for row in &table.rows {
            let cells = row_cells(row, &table.columns, &xs);
            if let Some(anchor) = &row.anchor {
                // A row moved to the next page is marked there: measure first.
                let h = cells.iter().map(|(_, l)| l.iter().map(|l| height_of(l, TABLE)).sum::<f32>()).fold(line_height(TABLE), f32::max)
                    + 2.0 * CELL_PAD;
                if self.moves_whole(h) {
                    self.new_page();
                    draw_head(self);
                }
                self.mark(anchor);
            }
            let spans = self.row(&cells, TABLE, CELL_PAD, Some(&mut draw_head));
            if let Some(&(_, bottom)) = spans.last() {
                self.push(Item::Rule { x1: MARGIN, y1: bottom, x2: MARGIN + BODY_W, y2: bottom, color: RULE, width: 0.4 });
            }
        }
    }

    fn code(&mut self, text: &str) {
        let m = Face::Mono.metrics();
        let style = Style::new(Face::Mono, CODE, INK);
        let pad = 4.0;
        let width = BODY_W - 2.0 * pad;
        let mut lines = Vec::new();
        for raw in text.split('\n') {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let line = super::fonts::clean(&expand_tabs(raw), Face::Mono);
            // Broken by character, spaces and all, so the text is kept exactly.
            let mut cur = String::new();
            let mut w = 0.0;
            for c in line.chars() {
                let cw = m.char_width(c, CODE);
                if w + cw > width && !cur.is_empty() {
                    lines.push(one_frag(std::mem::take(&mut cur), w, &style));
                    w = 0.0;
                }
                cur.push(c);
                w += cw;
            }
            lines.push(one_frag(cur, w, &style));
        }
        let lh = line_height(CODE);
        let mut i = 0;
        while i < lines.len() {
            self.need(lh + 2.0 * pad);
            let top = self.y;
            let first_item = self.page().items.len();
            let mut y = top + pad;
            while i < lines.len() && (y + lh + pad <= BODY_BOTTOM || y <= top + pad + 0.01) {
                self.draw_line(&lines[i], MARGIN + pad, y, CODE);
                y += lh;
                i += 1;
            }
            let bottom = y + pad;
            self.page().items.insert(
                first_item,
                Item::Rect { x: MARGIN, y: top, w: BODY_W, h: bottom - top, fill: Some(CODE_FILL), stroke: Some(RULE) },
            );
            self.y = bottom;
            if i < lines.len() {
                self.new_page();
            }
        }
    }

    fn figure(&mut self, figure: &Figure, parse: &impl Fn(&Figure) -> Result<usvg::Tree, String>) {
        let caption = wrap(&[Span::Muted(figure.caption.clone())], BODY_W, |s| span_style(s, 8.5));
        let caption_h: f32 = caption.iter().map(|l| height_of(l, 8.5)).sum::<f32>() + 4.0;
        let tree = match parse(figure) {
            Ok(tree) => tree,
            Err(e) => {
                let note = wrap(&[Span::Muted(format!("The figure could not be drawn: {e}"))], BODY_W, |s| span_style(s, 9.0));
                self.lines(&note, MARGIN, 9.0);
                self.lines(&caption, MARGIN, 8.5);
                return;
            }
        };
        let (fw, fh) = (tree.size().width(), tree.size().height());
        let full = BODY_BOTTOM - BODY_TOP - caption_h;
        // As wide as the text, unless that makes it taller than a page.
        let scale = (BODY_W / fw).min(full / fh);
        let (w, h) = (fw * scale, fh * scale);
        self.need(h + caption_h);
        let x = MARGIN + (BODY_W - w) / 2.0;
        let index = self.out.figures.len();
        self.out.figures.push(tree);
        let y = self.y;
        self.push(Item::Figure { index, x, y, w, h });
        self.y += h + 4.0;
        self.lines(&caption, MARGIN, 8.5);
    }
}

/// How many items the table header's row drew (text and links) — the header
/// is static text, so it is one item per non-blank fragment.
fn head_items(head: &[(f32, Vec<Line>)]) -> usize {
    head.iter().flat_map(|(_, lines)| lines).flat_map(|l| &l.frags).filter(|f| !f.text.trim().is_empty()).count()
}

fn one_frag(text: String, width: f32, style: &Style) -> Line {
    if text.is_empty() {
        return Line::default();
    }
    Line { frags: vec![super::text::Frag { x: 0.0, width, text, style: style.clone() }], width }
}

fn expand_tabs(s: &str) -> String {
    if !s.contains('\t') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut col = 0;
    for c in s.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

/// A row's cells as lines in their columns. A monospaced cell whose longest
/// word does not fit is set smaller (down to a floor) before it is broken, so
/// a SHA-256 stays on one line — readable, and one string to a text search.
fn row_cells(row: &Row, columns: &[Column], xs: &[(f32, f32)]) -> Vec<(f32, Vec<Line>)> {
    columns
        .iter()
        .zip(xs)
        .enumerate()
        .map(|(i, (col, &(x, w)))| {
            let spans: &[Span] = row.cells.get(i).map_or(&[], Vec::as_slice);
            let inner = w - 2.0 * CELL_PAD;
            let mut size = TABLE;
            if col.mono {
                let m = Face::Mono.metrics();
                let longest = spans
                    .iter()
                    .flat_map(|s| s.content().split([' ', '\n', '\t']))
                    .map(|word| m.width(&super::fonts::clean(word, Face::Mono), 1.0))
                    .fold(0.0, f32::max);
                if longest * TABLE > inner && longest > 0.0 {
                    size = (inner / longest).clamp(MONO_MIN, TABLE);
                }
            }
            let lines = wrap(spans, inner, |s| {
                let mut st = span_style(s, TABLE);
                if col.mono && matches!(s, Span::Text(_) | Span::Mono(_)) {
                    st.face = Face::Mono;
                    st.size = size;
                }
                st
            });
            (x + CELL_PAD, lines)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::{CheckItem, Fact};

    fn doc(sections: Vec<Section>) -> Document {
        Document { title: "T".into(), running_header: "H".into(), generated: "G".into(), sections }
    }

    fn section(anchor: &str, new_page: bool, blocks: Vec<Block>) -> Section {
        Section { anchor: anchor.into(), title: anchor.to_uppercase(), new_page, blocks }
    }

    fn no_figure(_: &Figure) -> Result<usvg::Tree, String> {
        Err("none".into())
    }

    fn table(rows: usize, hash: &str) -> Table {
        Table {
            columns: vec![Column { title: "#".into(), weight: 1, mono: false }, Column { title: "SHA-256".into(), weight: 6, mono: true }],
            rows: (0..rows)
                .map(|i| Row { anchor: Some(format!("r{i}")), cells: vec![vec![Span::text(i.to_string())], vec![Span::Mono(hash.into())]] })
                .collect(),
        }
    }

    fn texts(page: &Page) -> Vec<&str> {
        page.items.iter().filter_map(|i| if let Item::Text { text, .. } = i { Some(text.as_str()) } else { None }).collect()
    }

    #[test]
    fn a_long_table_repeats_its_header_on_every_page_and_stays_in_the_body() {
        let hash = "ab".repeat(32);
        let l = lay_out(&doc(vec![section("t", false, vec![Block::Table(table(500, &hash))])]), no_figure);
        assert!(l.pages.len() > 5);
        for page in &l.pages {
            let t = texts(page);
            assert!(t.contains(&"SHA-256"), "header missing on a page");
            for item in &page.items {
                if let Item::Text { y, .. } = item {
                    assert!(*y > MARGIN && *y < BODY_BOTTOM, "text outside the body at {y}");
                }
            }
        }
        // The hash stays one string on one line.
        assert_eq!(l.pages.iter().flat_map(texts).filter(|t| *t == hash).count(), 500);
        // Every row anchor is known, on the page its row is on.
        let (p, _) = l.anchors["r499"];
        assert_eq!(p, l.pages.len() - 1);
    }

    #[test]
    fn new_page_sections_start_a_page_and_are_outlined() {
        let l = lay_out(
            &doc(vec![
                section("a", false, vec![Block::Paragraph(vec![Span::text("x")])]),
                section("b", true, vec![Block::Note("n".into())]),
                section("c", false, vec![Block::Checklist(vec![CheckItem { done: true, text: vec![Span::text("done")] }])]),
            ]),
            no_figure,
        );
        assert_eq!(l.pages.len(), 2);
        assert_eq!(l.outline.iter().map(|m| (m.title.as_str(), m.page)).collect::<Vec<_>>(), [("A", 0), ("B", 1), ("C", 1)]);
        assert_eq!(l.anchors["b"], (1, BODY_TOP));
        assert!(texts(&l.pages[1]).contains(&"☑"));
    }

    #[test]
    fn a_cell_taller_than_a_page_is_split_across_pages() {
        let huge = "x".repeat(40_000);
        let t = Table {
            columns: vec![Column { title: "v".into(), weight: 1, mono: true }],
            rows: vec![Row { anchor: None, cells: vec![vec![Span::Mono(huge.clone())]] }],
        };
        let l = lay_out(&doc(vec![section("t", false, vec![Block::Table(t)])]), no_figure);
        assert!(l.pages.len() > 2);
        let all: String = l.pages.iter().flat_map(texts).filter(|t| t.starts_with('x')).collect();
        assert!(all == huge, "the cell's text is not kept whole");
    }

    #[test]
    fn code_is_kept_exactly_and_facts_are_side_by_side() {
        let code = "spec:\n\tcontainers:   []\n".to_string() + &"y".repeat(500);
        let l = lay_out(
            &doc(vec![section(
                "c",
                false,
                vec![Block::Facts(vec![Fact { label: "Severity".into(), value: vec![Span::Severity("high".into())] }]), Block::Code(code)],
            )]),
            no_figure,
        );
        let t = texts(&l.pages[0]);
        assert!(t.contains(&"        containers:   []"));
        assert_eq!(t.iter().filter(|s| s.starts_with('y')).map(|s| s.len()).sum::<usize>(), 500);
        let pos = |s: &str| {
            l.pages[0].items.iter().find_map(|i| match i {
                Item::Text { x, y, text, .. } if text == s => Some((*x, *y)),
                _ => None,
            })
        };
        let (lx, ly) = pos("Severity").unwrap();
        let (vx, vy) = pos("high").unwrap();
        assert!(vx > lx + 40.0 && (vy - ly).abs() < 3.0);
    }
}
