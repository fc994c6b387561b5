//! The report as PDF, made here with nothing outside the binary: no browser,
//! no office suite, no fonts from the machine.
//!
//! Why `krilla`: it writes real text (subset TrueType fonts with their
//! Unicode maps, so the report can be searched and copied), links, an
//! outline and metadata, and `krilla-svg` draws the incident graph's SVG as
//! vectors with its labels still text. The work is split in two: `layout`
//! places every block on A4 pages as plain drawing items, then [`render`]
//! writes those items, adding what needs the page count (the "page N of M"
//! footer) and the positions of anchors (links, the outline).
//!
//! Nothing here reads the clock or the machine, and krilla derives the file
//! identifier from the content, so the same document gives the same bytes.

mod fonts;
mod layout;
mod text;

use std::sync::Arc;

use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::destination::{Destination, XyzDestination};
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};

use self::fonts::Face;
use self::layout::{Item, Layout, BODY_BOTTOM, MARGIN, PAGE_H, PAGE_W, RULE};
use self::text::{Line, Rgb, Style, MUTED};
use super::doc::{Document, Figure};
use crate::error::{Code, Error, Result};

/// Lays `doc` out and writes it as a PDF file's bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let layout = layout::lay_out(doc, parse_figure);
    write(doc, &layout).map_err(|e| Error::input(Code::InvalidArgument, format!("the PDF report could not be written: {e:?}")))
}

fn font(face: Face) -> Font {
    // The bundled faces parse (checked by the font tests), so this cannot fail.
    Font::new(krilla::Data::from(face.data()), 0).expect("bundled font loads")
}

fn write(doc: &Document, layout: &Layout) -> std::result::Result<Vec<u8>, krilla::error::KrillaError> {
    let faces = [font(Face::Regular), font(Face::Bold), font(Face::Mono)];
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(Metadata::new().title(clean_line(&doc.title)).creator("Kordon".to_string()));
    let total = layout.pages.len();
    let header = Style::new(Face::Regular, 8.0, MUTED);
    let header_text = fonts::clean(&one_line(&doc.running_header), Face::Regular);
    for (n, page) in layout.pages.iter().enumerate() {
        let mut p = pdf.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size"));
        {
            let mut s = p.surface();
            let mut pen = Pen { surface: &mut s, faces: &faces, fill: None };
            if n > 0 {
                let text = fit(&header_text, &header, layout::BODY_W);
                pen.text(MARGIN, MARGIN + 8.0, &text, &header);
                pen.rule(MARGIN, MARGIN + 12.0, PAGE_W - MARGIN, MARGIN + 12.0, RULE, 0.5);
            }
            let footer = format!("page {} of {}", n + 1, total);
            let fw = Face::Regular.metrics().width(&footer, 8.0);
            pen.text(PAGE_W - MARGIN - fw, BODY_BOTTOM + 16.0, &footer, &header);
            for item in &page.items {
                match item {
                    Item::Text { x, y, text, style } => pen.text(*x, *y, text, style),
                    Item::Rect { x, y, w, h, fill, stroke } => pen.rect(*x, *y, *w, *h, *fill, *stroke),
                    Item::Rule { x1, y1, x2, y2, color, width } => pen.rule(*x1, *y1, *x2, *y2, *color, *width),
                    Item::Figure { index, x, y, w, h } => {
                        pen.set_fill(None);
                        let tree = &layout.figures[*index];
                        pen.surface.push_transform(&krilla::geom::Transform::from_translate(*x, *y));
                        pen.surface.draw_svg(tree, Size::from_wh(*w, *h).expect("a figure has a size"), SvgSettings::default());
                        pen.surface.pop();
                        pen.fill = None;
                    }
                    Item::Link { .. } => {}
                }
            }
            s.finish();
        }
        for item in &page.items {
            if let Item::Link { x, y, w, h, anchor } = item {
                let (Some(&(tp, ty)), Some(rect)) = (layout.anchors.get(anchor), Rect::from_xywh(*x, *y, *w, *h)) else { continue };
                let dest = XyzDestination::new(tp, Point::from_xy(MARGIN, (ty - 4.0).max(0.0)));
                p.add_annotation(Annotation::new_link(LinkAnnotation::new(rect, Target::Destination(Destination::Xyz(dest))), None));
            }
        }
        p.finish();
    }
    let mut outline = Outline::new();
    for entry in &layout.outline {
        let dest = XyzDestination::new(entry.page, Point::from_xy(MARGIN, (entry.y - 4.0).max(0.0)));
        outline.push_child(OutlineNode::new(entry.title.clone(), dest));
    }
    pdf.set_outline(outline);
    pdf.finish()
}

/// Draws on one page's surface, setting the fill only when it changes.
struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    faces: &'a [Font; 3],
    fill: Option<Rgb>,
}

fn paint(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

impl Pen<'_, '_> {
    fn set_fill(&mut self, c: Option<Rgb>) {
        if self.fill != c || c.is_none() {
            self.surface.set_fill(c.map(|c| Fill { paint: paint(c), ..Fill::default() }));
            self.fill = c;
        }
    }

    fn text(&mut self, x: f32, y: f32, text: &str, style: &Style) {
        if text.is_empty() {
            return;
        }
        self.set_fill(Some(style.color));
        let font = match style.face {
            Face::Regular => &self.faces[0],
            Face::Bold => &self.faces[1],
            Face::Mono => &self.faces[2],
        };
        if fonts::needs_no_shaping(text) {
            // Faster than shaping, and the glyphs are exactly those layout measured.
            let m = style.face.metrics();
            let glyphs: Vec<KrillaGlyph> = text
                .char_indices()
                .map(|(i, c)| {
                    let (id, advance) = m.glyph(c).unwrap_or((0, 0.0));
                    KrillaGlyph::new(GlyphId::new(u32::from(id)), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
                })
                .collect();
            self.surface.draw_glyphs(Point::from_xy(x, y), &glyphs, font.clone(), text, style.size, false);
        } else {
            // Right-to-left words (Arabic, Hebrew) among left-to-right ones:
            // each run is shaped in its own direction and the runs are placed in
            // display order, so the glyphs read right and text extraction can
            // put them back in logical order.
            let m = style.face.metrics();
            let bidi = unicode_bidi::BidiInfo::new(text, None);
            let mut x = x;
            for para in &bidi.paragraphs {
                let (levels, runs) = bidi.visual_runs(para, para.range.clone());
                for run in runs {
                    let part = &text[run.clone()];
                    let dir = if levels[run.start].is_rtl() { TextDirection::RightToLeft } else { TextDirection::LeftToRight };
                    self.surface.draw_text(Point::from_xy(x, y), font.clone(), style.size, part, false, dir);
                    x += m.width(part, style.size);
                }
            }
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<Rgb>) {
        let Some(r) = Rect::from_xywh(x, y, w, h) else { return };
        let mut pb = PathBuilder::new();
        pb.push_rect(r);
        let Some(path) = pb.finish() else { return };
        self.set_fill(fill);
        if fill.is_none() {
            self.fill = None;
        }
        self.surface.set_stroke(stroke.map(|c| Stroke { paint: paint(c), width: 0.5, ..Stroke::default() }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: Rgb, width: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        let Some(path) = pb.finish() else { return };
        self.set_fill(None);
        self.surface.set_stroke(Some(Stroke { paint: paint(color), width, ..Stroke::default() }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }
}

/// The text of laid-out lines, joined by spaces (a heading in the outline).
fn text_of(lines: &[Line]) -> String {
    lines.iter().map(|l| l.frags.iter().map(|f| f.text.as_str()).collect::<String>()).collect::<Vec<_>>().join(" ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value for the document's metadata: one line, without control or bidi
/// characters. Other characters are kept (a viewer shows the title in its own font).
fn clean_line(s: &str) -> String {
    one_line(s).chars().filter(|&c| !fonts::hides_or_reorders(c)).collect()
}

/// `text` cut with an ellipsis to fit `width` (the running header is one line).
fn fit(text: &str, style: &Style, width: f32) -> String {
    let m = style.face.metrics();
    if m.width(text, style.size) <= width {
        return text.to_string();
    }
    let room = width - m.width("…", style.size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        w += m.char_width(c, style.size);
        if w > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The figure's SVG as a tree, with only the bundled faces to draw its text
/// and nothing it could load: an `<image>` pointing anywhere resolves to nothing.
fn parse_figure(figure: &Figure) -> std::result::Result<usvg::Tree, String> {
    let mut db = usvg::fontdb::Database::new();
    for face in Face::ALL {
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(face.data())));
    }
    db.set_sans_serif_family(Face::Regular.family());
    db.set_serif_family(Face::Regular.family());
    db.set_monospace_family(Face::Mono.family());
    let options = usvg::Options {
        font_family: Face::Regular.family().to_string(),
        fontdb: Arc::new(db),
        image_href_resolver: usvg::ImageHrefResolver { resolve_data: Box::new(|_, _, _| None), resolve_string: Box::new(|_, _| None) },
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(&figure.svg, &options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::{Block, Section, Span};

    fn doc() -> Document {
        Document {
            title: "INC-0003 · Crypto-mining".into(),
            running_header: "INC-0003".into(),
            generated: "Generated 2026-01-01T00:00:00Z by Kordon 0.1.0".into(),
            sections: vec![Section {
                anchor: "summary".into(),
                title: "Summary".into(),
                new_page: false,
                blocks: vec![
                    Block::Paragraph(vec![Span::text("See "), Span::Ref { anchor: "summary".into(), text: "[S]".into() }]),
                    Block::Figure(Figure {
                        svg: r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect x="10" y="10" width="80" height="30" fill="#ccc"/><text x="20" y="30" font-family="sans-serif">pod</text><image href="file:///etc/passwd" width="10" height="10"/></svg>"##.into(),
                        width: 200.0,
                        height: 100.0,
                        caption: "Figure 1".into(),
                    }),
                ],
            }],
        }
    }

    #[test]
    fn same_document_same_bytes() {
        let a = render(&doc()).unwrap();
        let b = render(&doc()).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        let mut other = doc();
        other.title.push('!');
        assert_ne!(render(&other).unwrap(), a);
    }

    #[test]
    fn a_broken_figure_is_reported_in_place() {
        let mut d = doc();
        if let Block::Figure(f) = &mut d.sections[0].blocks[1] {
            f.svg = "<svg".into();
        }
        let l = layout::lay_out(&d, parse_figure);
        assert!(l.figures.is_empty());
        let said = l.pages[0].items.iter().any(|i| matches!(i, Item::Text { text, .. } if text.contains("could not be drawn")));
        assert!(said);
        assert!(render(&d).is_ok());
    }

    #[test]
    fn the_metadata_title_is_one_line_without_controls() {
        assert_eq!(clean_line("INC-1\u{202E}gpj.exe\u{0}\n  漢字"), "INC-1gpj.exe 漢字");
    }

    #[test]
    fn the_running_header_is_cut_to_one_line() {
        let style = Style::new(Face::Regular, 8.0, MUTED);
        let long = "x".repeat(1000);
        let cut = fit(&long, &style, 100.0);
        assert!(cut.ends_with('…') && Face::Regular.metrics().width(&cut, 8.0) <= 100.0);
        assert_eq!(fit("short", &style, 100.0), "short");
    }
}
