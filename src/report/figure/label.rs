//! Node labels as the app writes them (ui/src/graph/model.ts: `textSize`,
//! `labelBudget`, `wrapLabel`, `nodeLabel`): as much of a name as the gaps
//! around its node hold, broken where a path or a name breaks, and the
//! node's tactics on a line of their own when there is room.
//!
//! Text is measured the way the app's layout measures it, by an estimate
//! from its length (the app has no DOM to measure with either); the figure
//! is drawn in DejaVu Sans, whose glyphs the estimate is wide enough for.
//! Lengths count characters (the app counts UTF-16 units: the two differ
//! only for characters outside the Basic Multilingual Plane).

/// Node labels at scale 1 (CSS pixels).
pub const LABEL_FONT: f64 = 12.0;
/// Average glyph width, in ems.
pub const CHAR_EM: f64 = 0.6;
/// Line height, in ems.
pub const LINE_HEIGHT: f64 = 1.2;
/// The largest node, whose label starts below it.
const NODE_MAX: f64 = 40.0;

/// The box `lines` take at `font_px`, estimated from their length.
pub fn text_size<S: AsRef<str>>(lines: &[S], font_px: f64) -> (f64, f64) {
    let longest = lines.iter().map(|l| l.as_ref().chars().count()).max().unwrap_or(0);
    (longest as f64 * font_px * CHAR_EM, lines.len() as f64 * font_px * LINE_HEIGHT)
}

/// How much label a node's place in the layout has room for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Characters per line.
    pub chars: usize,
    /// Lines, the tactics line included.
    pub lines: usize,
}

/// The label that fits between a node and its neighbours: as wide as the
/// column gap less a margin, as many lines as the row gap holds below it.
pub fn budget(rank_gap: f64, row_gap: f64, font: f64) -> Budget {
    let chars = ((rank_gap - 14.0) / (font * CHAR_EM)).floor().max(6.0);
    let lines = ((row_gap - NODE_MAX / 2.0 - 12.0) / (font * LINE_HEIGHT)).floor().clamp(1.0, 4.0);
    Budget { chars: chars as usize, lines: lines as usize }
}

fn breaks_after(c: char) -> bool {
    matches!(c, ' ' | '/' | '-' | '.' | ':' | ',' | '_')
}

/// `text` in at most `lines` lines of at most `chars` characters, broken
/// after a space, slash, dash or dot where one is near, the last line
/// ending in "…" when text is left over.
pub fn wrap(text: &str, chars: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest: Vec<char> = text.trim().chars().collect();
    let line = |cs: &[char]| cs.iter().collect::<String>();
    while !rest.is_empty() && out.len() < lines {
        if rest.len() <= chars {
            out.push(line(&rest));
            break;
        }
        if out.len() + 1 == lines {
            let head = line(&rest[..chars.saturating_sub(1)]);
            out.push(format!("{}…", head.trim_end()));
            break;
        }
        let mut cut = chars;
        for i in (chars.div_ceil(2)..=chars).rev() {
            if i > 0 && breaks_after(rest[i - 1]) {
                cut = i;
                break;
            }
        }
        out.push(line(&rest[..cut]).trim_end().to_string());
        let tail = line(&rest[cut..]);
        rest = tail.trim_start().chars().collect();
    }
    out
}

/// The app's short badges of the ATT&CK tactics, in kill-chain order
/// (ui/src/tactics.ts).
const TACTIC_SHORT: [(&str, &str); 14] = [
    ("TA0043", "RCN"),
    ("TA0042", "RES"),
    ("TA0001", "INI"),
    ("TA0002", "EXE"),
    ("TA0003", "PER"),
    ("TA0004", "PRV"),
    ("TA0005", "EVA"),
    ("TA0006", "CRD"),
    ("TA0007", "DSC"),
    ("TA0008", "LAT"),
    ("TA0009", "COL"),
    ("TA0011", "C2"),
    ("TA0010", "EXF"),
    ("TA0040", "IMP"),
];

fn tactic_index(id: &str) -> usize {
    if id == "context" {
        return TACTIC_SHORT.len() + 1;
    }
    TACTIC_SHORT.iter().position(|(t, _)| *t == id).unwrap_or(TACTIC_SHORT.len())
}

fn tactic_short(id: &str) -> &str {
    TACTIC_SHORT.iter().find(|(t, _)| *t == id).map_or(id, |(_, s)| s)
}

/// What the label says of a node: its name (with the member count of an
/// aggregate whose name does not start with it) and its tactics.
pub struct Named<'a> {
    pub label: &'a str,
    pub aggregated: bool,
    pub member_count: usize,
    pub tactics: &'a [String],
}

/// A node's label within its budget, line by line: the name, and its
/// tactics when a line is left for them.
pub fn node_label(n: &Named, b: Budget) -> Vec<String> {
    let name =
        if n.aggregated && !n.label.starts_with(|c: char| c.is_ascii_digit()) { format!("{} [×{}]", n.label, n.member_count) } else { n.label.to_string() };
    let mut tactics: Vec<&str> = n.tactics.iter().map(String::as_str).collect();
    tactics.sort_by(|a, b| tactic_index(a).cmp(&tactic_index(b)).then(a.cmp(b)));
    tactics.dedup();
    let tactic_line = !tactics.is_empty() && b.lines >= 3;
    let mut lines = wrap(&name, b.chars, b.lines - usize::from(tactic_line));
    if !tactic_line {
        return lines;
    }
    let codes: Vec<&str> = tactics.iter().map(|t| tactic_short(t)).collect();
    let mut line = String::new();
    for (i, code) in codes.iter().enumerate() {
        let more = codes.len() - i - 1;
        let next = if line.is_empty() { code.to_string() } else { format!("{} · {}", line, code) };
        let more_len = if more > 0 { format!(" +{}", more).chars().count() } else { 0 };
        if next.chars().count() + more_len > b.chars {
            line = if line.is_empty() { format!("{} tactics", codes.len()) } else { format!("{} +{}", line, codes.len() - i) };
            break;
        }
        line = next;
    }
    // The app joins the name's lines and this one with line breaks: an
    // empty name still leaves its (empty) first line.
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_after_a_separator_and_ends_what_is_left_with_an_ellipsis() {
        assert_eq!(wrap("/usr/local/bin/kubectl-helper", 12, 3), ["/usr/local/", "bin/kubectl-", "helper"]);
        assert_eq!(wrap("abcdefghijklmnopqrstuvwxyz", 10, 2), ["abcdefghij", "klmnopqrs…"]);
        assert_eq!(wrap("  short  ", 10, 1), ["short"]);
        assert!(wrap("anything", 10, 0).is_empty());
    }

    #[test]
    fn budget_follows_the_gaps() {
        assert_eq!(budget(220.0, 70.0, LABEL_FONT), Budget { chars: 28, lines: 2 });
        assert_eq!(budget(92.0, 62.0, LABEL_FONT), Budget { chars: 10, lines: 2 });
        assert_eq!(budget(240.0, 110.0, LABEL_FONT), Budget { chars: 31, lines: 4 });
        assert_eq!(budget(20.0, 10.0, LABEL_FONT), Budget { chars: 6, lines: 1 });
    }

    #[test]
    fn tactics_take_a_line_of_their_own_when_three_lines_fit() {
        let tactics: Vec<String> = ["TA0040", "TA0002", "TA0005", "TA0002"].iter().map(|s| s.to_string()).collect();
        let n = Named { label: "/tmp/.x/xmrig", aggregated: false, member_count: 1, tactics: &tactics };
        assert_eq!(node_label(&n, Budget { chars: 20, lines: 3 }), ["/tmp/.x/xmrig", "EXE · EVA · IMP"]);
        assert_eq!(node_label(&n, Budget { chars: 10, lines: 3 }), ["/tmp/.x/", "xmrig", "EXE +2"]);
        assert_eq!(node_label(&n, Budget { chars: 20, lines: 2 }), ["/tmp/.x/xmrig"]);
        let agg = Named { label: "pods of shop/cart", aggregated: true, member_count: 5, tactics: &[] };
        assert_eq!(node_label(&agg, Budget { chars: 40, lines: 1 }), ["pods of shop/cart [×5]"]);
    }
}
