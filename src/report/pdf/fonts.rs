//! The three faces a report is set in, built into the binary so a PDF looks
//! the same on every machine and needs nothing installed (DejaVu: wide Latin,
//! Greek, Cyrillic, Arabic and Hebrew coverage under a license that allows
//! bundling; see `assets/fonts/LICENSE-DejaVu.txt`).
//!
//! Layout measures text with the faces' own advance widths, so lines are
//! broken where they will really end. Evidence strings may hold characters no
//! face has (CJK, emoji), control characters, or bidi and zero-width format
//! characters that would hide or reorder what is shown; [`clean`] turns each of
//! those into a visible replacement character before anything is measured or
//! drawn, so one odd byte never blanks a line or stops the report.

use std::collections::HashMap;
use std::sync::OnceLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

const SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
    Mono,
}

impl Face {
    pub const ALL: [Face; 3] = [Face::Regular, Face::Bold, Face::Mono];

    pub fn data(self) -> &'static [u8] {
        match self {
            Face::Regular => SANS,
            Face::Bold => SANS_BOLD,
            Face::Mono => MONO,
        }
    }

    /// The family name an SVG asks for to get this face.
    pub fn family(self) -> &'static str {
        match self {
            Face::Regular | Face::Bold => "DejaVu Sans",
            Face::Mono => "DejaVu Sans Mono",
        }
    }

    pub fn metrics(self) -> &'static Metrics {
        static CELLS: [OnceLock<Metrics>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let i = match self {
            Face::Regular => 0,
            Face::Bold => 1,
            Face::Mono => 2,
        };
        CELLS[i].get_or_init(|| Metrics::read(self.data()))
    }
}

/// The glyph and advance width (in em) of every character a face maps.
pub struct Metrics {
    ascii: [(u16, f32); 128],
    others: HashMap<char, (u16, f32)>,
    /// What a character the face lacks is shown as.
    pub substitute: char,
}

impl Metrics {
    fn read(data: &'static [u8]) -> Metrics {
        // The faces are compiled in and known to parse; a failure here is a broken build.
        let font = FontRef::new(data).expect("bundled font parses");
        let upem = f32::from(font.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut ascii = [(0, f32::NAN); 128];
        let mut others = HashMap::new();
        for (cp, gid) in font.charmap().mappings() {
            let Some(c) = char::from_u32(cp) else { continue };
            let w = glyphs.advance_width(gid).unwrap_or(0.0) / upem;
            // DejaVu has fewer than 65,536 glyphs; a wider id would be a different font.
            let Ok(id) = u16::try_from(gid.to_u32()) else { continue };
            if (c as u32) < 128 {
                ascii[c as usize] = (id, w);
            } else {
                others.insert(c, (id, w));
            }
        }
        let substitute = if others.contains_key(&'\u{FFFD}') { '\u{FFFD}' } else { '?' };
        Metrics { ascii, others, substitute }
    }

    /// The glyph id and advance (in em) of `c`, if the face has it.
    pub fn glyph(&self, c: char) -> Option<(u16, f32)> {
        if (c as u32) < 128 {
            let g = self.ascii[c as usize];
            (!g.1.is_nan()).then_some(g)
        } else {
            self.others.get(&c).copied()
        }
    }

    fn advance(&self, c: char) -> Option<f32> {
        self.glyph(c).map(|g| g.1)
    }

    pub fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    /// The width of already cleaned text at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    pub fn char_width(&self, c: char, size: f32) -> f32 {
        self.advance(c).unwrap_or(0.0) * size
    }
}

/// Characters that are in the text but must not act: C0/C1 controls, bidi
/// embeddings, overrides and isolates, zero-width joiners and spaces, the byte
/// order mark, interlinear annotation marks and language tags.
pub fn hides_or_reorders(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// `text` as `face` can show it: every character that is a control or format
/// character, or that the face has no glyph for, replaced by the face's
/// substitute. Line breaks are not kept here (the caller splits on them first).
/// Whether `text` is drawn right glyph by glyph from the character map:
/// left-to-right scripts without combining marks (Latin, Greek, Cyrillic,
/// punctuation, symbols). Anything else (Arabic, Hebrew, combining accents)
/// goes through the shaper, which orders and joins its glyphs.
pub fn needs_no_shaping(text: &str) -> bool {
    text.chars().all(|c| matches!(c as u32, 0..=0x2FF | 0x370..=0x58F | 0x2000..=0x20CF | 0x2100..=0x2DFF | 0xFFFD))
}

pub fn clean(text: &str, face: Face) -> String {
    let m = face.metrics();
    text.chars().map(|c| if hides_or_reorders(c) || !m.has(c) { m.substitute } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_cover_what_the_layout_draws() {
        for face in Face::ALL {
            let m = face.metrics();
            assert_eq!(m.substitute, '\u{FFFD}', "{face:?}");
            for c in ['a', 'Z', '0', ' ', '•', 'é', 'ж', '─'] {
                assert!(m.has(c), "{face:?} lacks {c:?}");
            }
        }
        for c in ['☐', '☑'] {
            assert!(Face::Regular.metrics().has(c));
        }
    }

    #[test]
    fn mono_is_monospaced() {
        let m = Face::Mono.metrics();
        let w = m.width("i", 10.0);
        assert!(w > 5.0 && w < 7.0);
        assert_eq!(m.width("iiii", 10.0), m.width("WWWW", 10.0));
    }

    #[test]
    fn hostile_characters_become_visible_substitutes() {
        let s = clean("a\u{202E}b\u{0}c\u{200B}d\u{1F980}e漢f\u{FEFF}", Face::Regular);
        assert_eq!(s, "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}");
        // Scripts the faces do carry are kept.
        assert_eq!(clean("שלום مرحبا Привет", Face::Regular), "שלום مرحبا Привет");
    }
}
