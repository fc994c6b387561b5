//! Text from evidence, shown to people.
//!
//! Pod names, rule names, file and zip entry names come from whoever wrote
//! the evidence, and a terminal obeys control characters: ESC starts
//! sequences that retitle the window or clear it, CR and backspace
//! overwrite what was printed (a benign row becomes a "CRITICAL" one), and
//! the bidi controls reorder a line. Text meant for a screen or a Graphviz
//! label therefore shows each such character as a visible escape instead.
//! The escapes follow Rust's spelling (`\x1b`, `\r`, `\u{202e}`); a literal
//! backslash is left alone, so ordinary paths and command lines read as
//! they are — the exact bytes are in `--json` and the raw records.

use std::borrow::Cow;

/// Whether a character must not reach a screen as is: the C0 and C1
/// controls and DEL (`char::is_control`), and the bidi embeddings,
/// overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The visible form of an unsafe character.
pub fn escape_char(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        c if (c as u32) < 0x80 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// `s` with every unsafe character escaped; `keep` names characters that
/// stay (the line breaks of a multi-line block whose lines Kordon wrote).
pub fn escape_unsafe<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) && !keep.contains(&c) {
            out.push_str(&escape_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Items as a sentence reads them: "a", "a and b", "a, b and c" (or with
/// another conjunction: "a, b or c").
pub fn series(items: &[String], conjunction: &str) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} {} {}", items[..n - 1].join(", "), conjunction, items[n - 1]),
    }
}

/// [`series`] with "and".
pub fn and_list(items: &[String]) -> String {
    series(items, "and")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        let hostile = "pod\u{1b}]0;x\u{7}\r\u{8}\u{7f}\u{9b}\u{202e}\t\n";
        assert_eq!(escape_unsafe(hostile, &[]), "pod\\x1b]0;x\\x07\\r\\x08\\x7f\\u{9b}\\u{202e}\\t\\n");
        assert_eq!(escape_unsafe(hostile, &['\n']), "pod\\x1b]0;x\\x07\\r\\x08\\x7f\\u{9b}\\u{202e}\\t\n");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let text = "C:\\Windows\\cmd.exe — ünïcödé 日本 \"quoted\"";
        assert!(matches!(escape_unsafe(text, &[]), Cow::Borrowed(t) if t == text));
    }
}
