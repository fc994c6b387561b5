//! Evidence is hostile: pod names, rule names, file and zip entry names can
//! carry terminal control sequences. No human-readable output of the real
//! binary, nor any error message, may pass one to the terminal; `--json`
//! escapes them as JSON does, and DOT stays valid DOT.

use crate::util::{fixture, TestCase};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Retitles the terminal (OSC 0 … BEL), returns to the line start and
/// clears the screen, rubs out a character, reorders the rest of the line
/// (a bidi override), and sends a C1 CSI: everything a crafted name could
/// use to rewrite what the investigator sees.
const HOSTILE: &str = "\u{1b}]0;owned\u{7}\r\u{1b}[2J\u{8}\u{202e}\u{9b}31mCRITICAL";

fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

/// The Falco sample with the hostile text in every pod and rule name, a
/// malformed line that quotes it, under a file name that carries it too.
fn hostile_falco(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("samples/falco/plain.jsonl")).unwrap();
    let evil = json_escaped(HOSTILE);
    let mut out = String::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let rule = format!("{}{}", v["rule"].as_str().unwrap(), HOSTILE);
        v["rule"] = rule.into();
        if let Some(pod) = v["output_fields"]["k8s.pod.name"].as_str() {
            v["output_fields"]["k8s.pod.name"] = format!("{}{}", pod, HOSTILE).into();
        }
        out.push_str(&serde_json::to_string(&v).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("{{\"rule\": \"broken {}\n", evil));
    let path = dir.join(format!("falco{}.jsonl", HOSTILE));
    std::fs::write(&path, out).unwrap();
    path
}

/// A zip whose one entry's name carries the hostile text.
fn hostile_zip(dir: &Path) -> PathBuf {
    let path = dir.join("evidence.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file(format!("logs/{}.jsonl", HOSTILE), zip::write::SimpleFileOptions::default()).unwrap();
    let line = std::fs::read_to_string(fixture("samples/falco/old-falco.jsonl")).unwrap();
    zip.write_all(line.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// Fails on any control character but the line break, and on the bidi
/// controls, naming the command and showing where.
fn assert_screen_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Some((at, c)) = text.char_indices().find(|(_, c)| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c) || ('\u{2066}'..='\u{2069}').contains(c)) {
        let around: String = text[..at].chars().rev().take(40).collect::<Vec<_>>().into_iter().rev().chain(text[at..].chars().take(20)).collect();
        panic!("{} printed the raw control character {:?} at byte {}: …{:?}", what, c, at, around);
    }
}

/// Runs a command and checks both its streams, whatever its exit code.
fn screen(t: &TestCase, args: &[&str]) -> (String, String) {
    let out = t.run(args);
    assert_screen_safe(&format!("`kordon {}` (stdout)", args.join(" ")), &out.stdout);
    assert_screen_safe(&format!("`kordon {}` (stderr)", args.join(" ")), &out.stderr);
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn hostile_case() -> TestCase {
    let t = TestCase::new();
    let falco = hostile_falco(t.dir.path());
    let zip = hostile_zip(t.dir.path());
    let (out, _) = screen(&t, &["import", &falco.display().to_string(), &zip.display().to_string()]);
    assert!(out.contains("Imported 2 file(s)"), "{}", out);
    screen(&t, &["detect"]);
    screen(&t, &["correlate"]);
    t
}

#[test]
fn no_listing_passes_control_characters_to_the_terminal() {
    let t = hostile_case();
    let (events, _) = screen(&t, &["events"]);
    assert!(events.contains("\\x1b]0;owned\\x07\\r\\x1b[2J\\x08\\u{202e}\\u{9b}31mCRITICAL"), "escaped visibly: {}", events);
    for args in [&["sources"][..], &["entities"], &["errors"], &["log"], &["incidents"], &["findings"], &["actions"], &["verify"]] {
        screen(&t, args);
    }
    let incidents = t.json_lines(&["incidents"]);
    assert!(!incidents.is_empty(), "the hostile alerts make incidents");
    for i in &incidents {
        let id = i["id"].as_str().unwrap();
        let (show, _) = screen(&t, &["show", id]);
        assert!(show.contains("\\x1b"), "{}", show);
        screen(&t, &["graph", id]);
    }
}

#[test]
fn json_output_keeps_the_exact_text() {
    let t = hostile_case();
    let events = t.json_lines(&["events"]);
    assert!(events.iter().any(|e| e["rule"].as_str().is_some_and(|r| r.ends_with(HOSTILE))), "{:?}", events[0]);
}

#[test]
fn dot_output_escapes_control_characters_and_stays_valid_dot() {
    let t = hostile_case();
    for i in t.json_lines(&["incidents"]) {
        let (dot, _) = screen(&t, &["graph", i["id"].as_str().unwrap(), "--format", "dot"]);
        assert!(dot.starts_with("digraph \"INC-") && dot.trim_end().ends_with('}'), "{}", dot);
        // Every statement line closes each quoted string it opens.
        for line in dot.lines() {
            let mut quoted = false;
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if quoted => {
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    _ => {}
                }
            }
            assert!(!quoted, "unbalanced quotes in DOT line {:?}", line);
        }
        if dot.contains("owned") {
            // Graphviz renders `\\x1b` as the text \x1b.
            assert!(dot.contains("\\\\x1b]0;owned"), "{}", dot);
        }
    }
}

#[test]
fn error_messages_escape_what_they_quote() {
    let t = hostile_case();
    let (_, err) = screen(&t, &["show", &format!("INC-{}", HOSTILE)]);
    assert!(err.starts_with("error[") && err.contains("\\x1b"), "{}", err);
    let (_, err) = screen(&t, &["import", &t.dir.path().join(format!("missing{}", HOSTILE)).display().to_string()]);
    assert!(err.contains("no such file") && err.contains("\\x1b"), "{}", err);
    let (_, err) = screen(&t, &["events", "--since", HOSTILE]);
    assert!(err.contains("not a time"), "{}", err);
    // A usage error quotes the bad value too (clap's own message).
    screen(&t, &["graph", "INC-1", "--format", HOSTILE]);
}

/// The seam cannot be forgotten: human-readable output of the CLI goes
/// through `src/cli/output.rs` (its `say!`/`tell!` macros, its tables and
/// blocks), never straight to the standard streams.
#[test]
fn the_cli_prints_only_through_its_output_module() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "output.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for raw in ["println!", "print!", "eprintln!", "eprint!", "writeln!", "write!(", "io::stdout()", ".print()"] {
                assert!(!line.contains(raw), "{}:{} prints around the escaping seam ({}): {}", path.display(), n + 1, raw, line.trim());
            }
        }
    }
}
