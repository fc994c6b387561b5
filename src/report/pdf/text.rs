//! Breaking runs of styled text into lines of a given width.
//!
//! Lines break at spaces; a word wider than the whole line (a hash, a path, a
//! base64 blob from the evidence) is broken between characters instead of
//! running off the page. Line feeds in the text are kept as line breaks, so a
//! multi-line value stays readable. Pieces of one style that sit side by side
//! on a line are joined into one fragment: fewer text objects in the PDF, and
//! text extraction sees whole words and their spaces.

use super::fonts::{clean, Face};
use crate::report::doc::Span;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(0x1f, 0x23, 0x28);
pub const MUTED: Rgb = Rgb(0x5f, 0x67, 0x70);
pub const LINK: Rgb = Rgb(0x1d, 0x4e, 0xd8);
pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// What is special about a fragment beyond its face and colour.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    None,
    /// A reference: the fragment links to this anchor.
    Link(String),
    /// A severity tag: drawn on a filled box of this colour.
    Tag(Rgb),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    pub face: Face,
    pub size: f32,
    pub color: Rgb,
    pub mark: Mark,
}

/// Horizontal room a severity tag takes on each side of its word.
pub const TAG_PAD: f32 = 3.0;

impl Style {
    pub fn new(face: Face, size: f32, color: Rgb) -> Style {
        Style { face, size, color, mark: Mark::None }
    }

    fn pad(&self) -> f32 {
        if matches!(self.mark, Mark::Tag(_)) {
            TAG_PAD
        } else {
            0.0
        }
    }
}

/// A run of one style placed on a line, `x` from the line's start.
#[derive(Debug, Clone, PartialEq)]
pub struct Frag {
    pub x: f32,
    pub width: f32,
    pub text: String,
    pub style: Style,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub frags: Vec<Frag>,
    pub width: f32,
}

/// The style each kind of span is set in, for body text of `size` points.
pub fn span_style(span: &Span, size: f32) -> Style {
    match span {
        Span::Text(_) => Style::new(Face::Regular, size, INK),
        Span::Strong(_) => Style::new(Face::Bold, size, INK),
        Span::Muted(_) => Style::new(Face::Regular, size, MUTED),
        Span::Mono(_) => Style::new(Face::Mono, size * 0.92, INK),
        Span::Ref { anchor, .. } => Style { mark: Mark::Link(anchor.clone()), ..Style::new(Face::Regular, size, LINK) },
        Span::Severity(level) => Style { mark: Mark::Tag(severity_colour(level)), ..Style::new(Face::Bold, size * 0.85, WHITE) },
    }
}

pub fn severity_colour(level: &str) -> Rgb {
    match level.trim().to_ascii_lowercase().as_str() {
        "critical" => Rgb(0x99, 0x1b, 0x1b),
        "high" => Rgb(0xc2, 0x41, 0x0c),
        "medium" => Rgb(0xa1, 0x62, 0x07),
        "low" => Rgb(0x1d, 0x4e, 0xd8),
        _ => Rgb(0x4b, 0x55, 0x63),
    }
}

/// Lays `spans` out in lines no wider than `width`, each span in the style
/// `style_of` gives it.
pub fn wrap(spans: &[Span], width: f32, style_of: impl Fn(&Span) -> Style) -> Vec<Line> {
    let runs: Vec<(Style, &str)> = spans.iter().map(|s| (style_of(s), s.content())).collect();
    wrap_runs(&runs, width)
}

/// [`wrap`] for text already paired with its style.
pub fn wrap_runs(runs: &[(Style, &str)], width: f32) -> Vec<Line> {
    let mut w = Wrapper { width: width.max(1.0), lines: Vec::new(), line: Line::default(), pending_space: None, word: Vec::new() };
    for (style, text) in runs {
        // A severity tag is one unbreakable word, whatever it holds.
        if matches!(style.mark, Mark::Tag(_)) {
            let t = clean(&text.replace(['\n', '\r', '\t'], " "), style.face);
            w.word.push((style.clone(), t));
            continue;
        }
        let mut first = true;
        for line in text.split('\n') {
            if !first {
                w.end_word();
                w.pending_space = None;
                w.break_line(true);
            }
            first = false;
            let line = line.strip_suffix('\r').unwrap_or(line);
            for (i, word) in line.split([' ', '\t']).enumerate() {
                if i > 0 {
                    w.end_word();
                    w.pending_space = Some(style.clone());
                }
                if !word.is_empty() {
                    w.word.push((style.clone(), clean(word, style.face)));
                }
            }
        }
    }
    w.end_word();
    w.break_line(false);
    w.lines
}

struct Wrapper {
    width: f32,
    lines: Vec<Line>,
    line: Line,
    /// A space seen since the last word, in the style it was written in.
    pending_space: Option<Style>,
    /// The pieces of the word being read (a word may change style midway: "[E3]:").
    word: Vec<(Style, String)>,
}

impl Wrapper {
    fn break_line(&mut self, forced: bool) {
        if forced || !self.line.frags.is_empty() {
            self.lines.push(std::mem::take(&mut self.line));
        }
    }

    fn push(&mut self, style: &Style, text: &str, width: f32) {
        let line = &mut self.line;
        if let Some(last) = line.frags.last_mut() {
            if last.style == *style && style.pad() == 0.0 {
                last.text.push_str(text);
                last.width += width;
                line.width += width;
                return;
            }
        }
        line.frags.push(Frag { x: line.width, width, text: text.to_string(), style: style.clone() });
        line.width += width;
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let piece_width = |s: &Style, t: &str| s.face.metrics().width(t, s.size) + 2.0 * s.pad();
        let word_width: f32 = word.iter().map(|(s, t)| piece_width(s, t)).sum();
        let space = self.pending_space.take().filter(|_| !self.line.frags.is_empty());
        let space_width = space.as_ref().map_or(0.0, |s| s.face.metrics().width(" ", s.size));
        if self.line.width + space_width + word_width <= self.width {
            if let Some(s) = space {
                self.push(&s, " ", space_width);
            }
            for (s, t) in &word {
                self.push(s, t, piece_width(s, t));
            }
            return;
        }
        if !self.line.frags.is_empty() {
            self.break_line(false);
            if word_width <= self.width {
                for (s, t) in &word {
                    self.push(s, t, piece_width(s, t));
                }
                return;
            }
        }
        // Wider than a whole line: break between characters (tags stay whole).
        for (s, t) in &word {
            if s.pad() > 0.0 {
                let w = piece_width(s, t);
                if self.line.width + w > self.width && !self.line.frags.is_empty() {
                    self.break_line(false);
                }
                self.push(s, t, w);
                continue;
            }
            let m = s.face.metrics();
            let mut run = String::new();
            let mut run_width = 0.0;
            for c in t.chars() {
                let cw = m.char_width(c, s.size);
                if self.line.width + run_width + cw > self.width && (run_width > 0.0 || !self.line.frags.is_empty()) {
                    self.push(s, &run, run_width);
                    run.clear();
                    run_width = 0.0;
                    self.break_line(false);
                }
                run.push(c);
                run_width += cw;
            }
            if !run.is_empty() {
                self.push(s, &run, run_width);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &Span) -> Style {
        span_style(s, 10.0)
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.frags.iter().map(|f| f.text.as_str()).collect()).collect()
    }

    #[test]
    fn breaks_at_spaces_within_the_width() {
        let spans = [Span::text("the quick brown fox jumps over the lazy dog")];
        let lines = wrap(&spans, 80.0, body);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width <= 80.0));
        assert_eq!(texts(&lines).join(" "), "the quick brown fox jumps over the lazy dog");
    }

    #[test]
    fn a_long_word_is_broken_between_characters_and_kept_whole() {
        let hash = "a".repeat(300);
        let lines = wrap(&[Span::Mono(hash.clone())], 100.0, body);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| l.width <= 100.0 + 0.01));
        assert_eq!(texts(&lines).concat(), hash);
    }

    #[test]
    fn styles_change_inside_a_word_without_a_break() {
        let spans = [Span::Ref { anchor: "e3".into(), text: "[E3]".into() }, Span::text(": shell started")];
        let lines = wrap(&spans, 500.0, body);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].frags[0].style.mark, Mark::Link("e3".into()));
        assert_eq!(lines[0].frags[0].text, "[E3]");
        assert_eq!(lines[0].frags[1].text, ": shell started");
    }

    #[test]
    fn line_feeds_are_kept_and_controls_replaced() {
        let lines = wrap(&[Span::text("one\r\ntwo\n\nthree\u{7}")], 500.0, body);
        assert_eq!(texts(&lines), ["one", "two", "", "three\u{FFFD}"]);
    }

    #[test]
    fn a_severity_tag_is_one_padded_piece() {
        let lines = wrap(&[Span::Severity("critical".into())], 500.0, body);
        let f = &lines[0].frags[0];
        assert_eq!(f.text, "critical");
        assert!(matches!(f.style.mark, Mark::Tag(_)));
        assert!(f.width > Face::Bold.metrics().width("critical", 8.5));
    }
}
