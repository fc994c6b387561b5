//! `kordon report` on the real binary: the demo incident's HTML against a
//! golden file, a page that runs and fetches nothing, hostile triage values
//! escaped, refusals that leave no file, `--all`, the PDF, and a report of
//! an incident with ten thousand records that stays readable.
//! `KORDON_BLESS=1 cargo test report` rewrites the golden page.

use crate::util::{fixture, TestCase};
use crate::util::demo_incident as demo;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;


fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {}", path.display(), e))
}

/// The files behind the incident's signals, as `kordon sources` names them.
fn signal_files(t: &TestCase, id: &str) -> BTreeSet<String> {
    t.json_lines(&["events", "--kind", "alert"])
        .into_iter()
        .filter(|e| e["incident"] == id)
        .map(|e| e["file"].as_str().unwrap().to_string())
        .collect()
}

/// The SHA-256 of every file behind the incident's signals.
fn signal_file_hashes(t: &TestCase, id: &str) -> Vec<String> {
    let files = signal_files(t, id);
    let hashes: Vec<String> = t
        .json_lines(&["sources"])
        .into_iter()
        .filter(|s| {
            let label = match s["inner_path"].as_str() {
                Some(inner) => format!("{}!{}", s["name"].as_str().unwrap(), inner),
                None => s["name"].as_str().unwrap().to_string(),
            };
            files.contains(&label)
        })
        .map(|s| s["sha256"].as_str().unwrap().to_string())
        .collect();
    assert!(hashes.len() >= 2, "the demo incident's signals come from several files: {:?}", files);
    hashes
}

/// The markup of a page, tag by tag: every `<` of a value is escaped, so
/// each `<` left starts a tag (or the style sheet's text, which has none).
fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        out.push(rest[i..end].to_ascii_lowercase());
        rest = &rest[end..];
    }
    out
}

/// Nothing in the page runs or fetches: no script, no element that loads,
/// no attribute that leads outside the page, no event handler, no style
/// that imports or points elsewhere, and the policy that forbids it all.
fn assert_inert(html: &str) {
    for tag in tags(html) {
        let name: String = tag[1..].trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(
            !["script", "link", "iframe", "object", "embed", "img", "image", "foreignobject", "base", "form", "meta"]
                .contains(&name.as_str())
                || (name == "meta" && !tag.contains("http-equiv=\"refresh\"")),
            "the page holds {}",
            tag
        );
        assert!(!tag.contains(" src=") && !tag.contains("javascript:"), "a fetch in {}", tag);
        for (i, _) in tag.match_indices("href=") {
            assert!(tag[i + 5..].trim_start_matches(['"', '\'']).starts_with('#'), "a link outside the page: {}", tag);
        }
        for (i, _) in tag.match_indices(" on") {
            let rest = &tag[i + 3..];
            let n = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
            assert!(n == 0 || !rest[n..].starts_with('='), "an event handler in {}", tag);
        }
        for (i, _) in tag.match_indices("url(") {
            assert!(tag[i + 4..].trim_start_matches(['"', '\'']).starts_with('#'), "url() outside the page: {}", tag);
        }
    }
    let style = &html[html.find("<style>").expect("a style sheet")..html.find("</style>").unwrap()];
    assert!(!style.contains("@import") && !style.contains("@font-face") && !style.contains("url("), "the style sheet fetches");
    assert!(!style.contains("http://") && !style.contains("https://"));
    assert_eq!(html.matches("<style").count(), 1);
    assert!(html
        .contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
}

#[test]
fn golden_demo_report_html() {
    let (t, id) = demo();
    t.ok(&["triage", &id, "--status", "in-progress", "--owner", "blue team", "--tag", "crypto-mining"]);
    t.ok(&["comment", &id, "Miner from a stolen **cart** token.\n\nPod isolated, token rotated."]);
    t.ok(&["follow-up", &id, "rotate-credentials"]);
    t.ok(&["verdict", &id, "shop/cart-7f9c6d8b5-x2k4q", "malicious"]);
    let out = t.dir.path().join("report.html");
    let said = t.ok(&["report", &id, "-o", out.to_str().unwrap()]);
    assert!(said.contains("Wrote"), "{}", said);
    let html = read(&out);
    assert_inert(&html);
    // Every part the meeting reads, in order.
    let mut at = 0;
    for part in [
        "Summary",
        "Incident graph",
        "Timeline by tactic",
        "Recommended response",
        "Containment actions",
        "Hardening findings",
        "Entities and verdicts",
        "Comments",
        "Activity log",
        "Appendix: chain of custody",
    ] {
        let found = html[at..].find(&format!(">{}</h2>", part)).unwrap_or_else(|| panic!("no section '{}' after byte {}", part, at));
        at += found;
    }
    for h in signal_file_hashes(&t, &id) {
        assert!(html.contains(&h), "the appendix lacks {}", h);
    }
    assert!(html.contains("☑"), "the ticked follow-up item");
    assert!(html.contains("ticked by test-investigator at 2026-11-21T08:00:00"));
    assert!(html.contains("class=\"new-page\""), "the appendix starts a page");
    // Every reference resolves to a row of the appendix.
    let ids: BTreeSet<&str> = html.match_indices(" id=\"").map(|(i, _)| &html[i + 5..i + 5 + html[i + 5..].find('"').unwrap()]).collect();
    let refs: Vec<&str> = html.match_indices("href=\"#").map(|(i, _)| &html[i + 7..i + 7 + html[i + 7..].find('"').unwrap()]).collect();
    assert!(refs.len() > 5, "the story cites its records");
    for r in refs {
        assert!(ids.contains(r), "reference #{} leads nowhere", r);
    }

    // The same case and clock give the same bytes.
    let again = t.dir.path().join("again.html");
    t.ok(&["report", &id, "-o", again.to_str().unwrap(), "--format", "html"]);
    assert_eq!(html, read(&again), "the report is not deterministic");

    // The golden page; the case's source paths are where the fixtures lie here.
    let root = fixture("").display().to_string();
    let mut normal = html.replace(root.trim_end_matches('/'), "fixtures");
    // The activity log's hashes chain the import's file paths, which differ
    // from one checkout to another: each is named by its row instead (the
    // rows, and what they say, are still compared).
    for e in t.json_lines(&["log"]) {
        let (id, hash) = (e["id"].as_i64().unwrap(), e["hash"].as_str().unwrap());
        normal = normal.replace(hash, &format!("log-hash-of-row-{}", id));
    }
    let golden = fixture("golden/report/demo-incident.html");
    if std::env::var_os("KORDON_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &normal).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|_| panic!("no golden file {}; run with KORDON_BLESS=1 and review it", golden.display()));
    if expected != normal {
        let line = expected.lines().zip(normal.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "the report differs from {} at line {}:\n  golden: {}\n  actual: {}",
            golden.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            normal.lines().nth(line).unwrap_or("<end>")
        );
    }
}

#[test]
fn hostile_triage_values_come_out_escaped() {
    let (t, id) = demo();
    let evil = "<script>alert(1)</script></style><img src=x onerror=alert(2)>\u{202e}gpj.exe\u{2066}";
    t.ok(&["comment", &id, evil]);
    t.ok(&["triage", &id, "--owner", evil, "--tag", "</style><script>x</script>\u{202e}"]);
    let out = t.dir.path().join("r.html");
    t.ok(&["report", &id, "-o", out.to_str().unwrap()]);
    let html = read(&out);
    assert_inert(&html);
    assert_eq!(html.matches("</style>").count(), 1, "only the style element's own end tag");
    assert!(!html.contains("<img"), "a value became markup");
    for c in ['\u{202e}', '\u{2066}'] {
        assert!(!html.contains(c), "a bidi control reached the page: {:?}", c);
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;/style&gt;&lt;img src=x onerror=alert(2)&gt;"), "the comment, escaped");
    assert!(html.contains("\\u{202e}</span>gpj.exe"), "the bidi override shown as a visible escape");
    assert!(html.contains("&lt;/style&gt;&lt;script&gt;x&lt;/script&gt;"), "the tag, escaped");
}

#[test]
fn refusals_name_the_problem_and_leave_no_file() {
    let (t, id) = demo();
    let dir = t.dir.path();
    let err = t.refused(&["report", "INC-00000001", "-o", dir.join("a.html").to_str().unwrap()]);
    assert!(err.contains("error[not_found]") && err.contains("INC-00000001"), "{}", err);
    let err = t.refused(&["report", "not-an-id", "-o", dir.join("a.html").to_str().unwrap()]);
    assert!(err.contains("error[invalid_argument]"), "{}", err);
    let err = t.refused(&["report", &id, "-o", dir.join("missing/a.html").to_str().unwrap()]);
    assert!(err.contains("error[not_found]") && err.contains("does not exist"), "{}", err);
    let err = t.refused(&["report", &id, "-o", dir.join("a.txt").to_str().unwrap()]);
    assert!(err.contains("name it .html or .pdf"), "{}", err);
    let err = t.refused(&["report", "-o", dir.join("a.html").to_str().unwrap()]);
    assert!(err.contains("--all"), "{}", err);
    assert!(!dir.join("a.html").exists() && !dir.join("a.txt").exists());

    // A folder nobody may write in (as root, permissions do not stop a
    // write: then a system folder that refuses everyone stands in).
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let mut perms = std::fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&locked, perms).unwrap();
    let writable = std::fs::write(locked.join("probe"), b"x").is_ok();
    let _ = std::fs::remove_file(locked.join("probe"));
    let dest = if writable { Path::new("/sys").join("kordon-report.html") } else { locked.join("r.html") };
    let err = t.refused(&["report", &id, "-o", dest.to_str().unwrap()]);
    assert!(err.contains("error[read_only]") && err.contains("no permission to write"), "{}", err);
    assert!(!dest.exists());
    if !writable {
        assert_eq!(std::fs::read_dir(&locked).unwrap().count(), 0, "no partial file");
    }
}

#[test]
fn all_incidents_in_one_document() {
    let (t, _) = demo();
    let incidents: Vec<String> = t.json_lines(&["incidents"]).iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    let out = t.dir.path().join("all.html");
    let w: Value = serde_json::from_str(&t.ok(&["report", "--all", "-o", out.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(w["incidents"], incidents.len());
    assert_eq!(w["format"], "html");
    let html = read(&out);
    assert_inert(&html);
    assert_eq!(html.matches(">Appendix: chain of custody</h2>").count(), incidents.len());
    // In the queue's order, each on its own page.
    let mut at = 0;
    for id in &incidents {
        let head = format!("<section id=\"{}-header\" class=\"new-page\">", id.to_ascii_lowercase());
        at += html[at..].find(&head).unwrap_or_else(|| panic!("no part for {} after byte {}", id, at));
    }
    assert_eq!(w["bytes"], html.len());
}

fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Waits on the PDF renderer (src/report/pdf.rs).
#[test]
fn the_pdf_holds_the_title_the_story_and_every_hash() {
    let (t, id) = demo();
    let out = t.dir.path().join("report.pdf");
    let w: Value = serde_json::from_str(&t.ok(&["report", &id, "-o", out.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(w["format"], "pdf");
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = pdftotext(&out);
    let show: Value = serde_json::from_str(&t.ok(&["show", &id, "--json"])).unwrap();
    let title = show["incident"]["title"].as_str().unwrap();
    assert!(squeeze(&text).contains(title), "no title in the PDF text");
    let lead = show["story"]["lead"].as_str().unwrap();
    let first_sentence = lead.split(". ").next().unwrap();
    assert!(squeeze(&text).contains(&squeeze(first_sentence)), "no story in the PDF text: {}", first_sentence);
    // Hashes may wrap in a table cell: look for them without white space.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for h in signal_file_hashes(&t, &id) {
        assert!(flat.contains(&h), "the PDF lacks {}", h);
    }
    // Page 1 is drawn, not blank.
    let prefix = t.dir.path().join("page");
    let st = std::process::Command::new("pdftoppm")
        .args(["-r", "30", "-f", "1", "-l", "1", "-gray"])
        .arg(&out)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(st.success());
    let page = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("page"))
        .expect("page 1 image");
    let pgm = std::fs::read(&page).unwrap();
    let dark = pgm.iter().rev().take(pgm.len().saturating_sub(20)).filter(|b| **b < 128).count();
    assert!(dark > 100, "page 1 is blank ({} dark pixels)", dark);
}

/// An incident with ten thousand context records: the report gives counts
/// and cited records, not every record, and stays quick.
#[test]
fn an_incident_of_ten_thousand_records_stays_readable() {
    let t = TestCase::new();
    let dir = t.dir.path();
    let [falco, audit] = kordon::synth::busy::write_busy_incident(dir).unwrap();
    t.import(&[&falco, &audit]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    let big = incidents.iter().find(|i| i["title"].as_str().unwrap_or_default().contains("big-pod")).expect("the big pod's incident");
    let id = big["id"].as_str().unwrap();
    let show: Value = serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap();
    let context = show["context"]["count"].as_u64().unwrap();
    assert!(context >= 9_000, "the incident holds the audit requests as context ({})", context);

    let out = dir.join("big.html");
    let started = Instant::now();
    t.ok(&["report", id, "-o", out.to_str().unwrap()]);
    let took = started.elapsed();
    let html = read(&out);
    assert_inert(&html);
    // Counts per source, not a row per record.
    assert!(html.contains(&format!("<td>{}</td>", context)), "the context count per source");
    assert!(html.matches("<tr").count() < 400, "{} rows: the report lists records one by one", html.matches("<tr").count());
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
    // Debug builds are several times slower than release (target: < 10 s there).
    eprintln!("report of an incident with {} context records: {:?}, {} bytes", context, took, html.len());
    assert!(took.as_secs() < 120, "the report took {:?}", took);
}

/// A containment action as the cluster commands record it: the report gives
/// who, why, the change the API server accepted, the verification and the
/// release — and never a credential from the kubeconfig.
#[test]
fn containment_actions_are_reported_without_credentials() {
    use kordon::cluster::record::{self, NewAction};
    use serde_json::json;
    let (t, id) = demo();
    let inc = kordon::incident::parse_incident_id(&id).unwrap();
    {
        let mut case = kordon::store::Case::open(&t.case).unwrap();
        let clock = kordon::clock::FixedClock(kordon::time::parse_rfc3339("2026-11-21T08:05:00Z").unwrap());
        let action = NewAction {
            id: "act-0123456789ab",
            incident: Some(inc),
            kind: "isolate",
            state: "applying",
            cluster_user: "alice@example.com",
            context: "aks-shop-prod-admin",
            server: "https://admin:s3cret-pw@shop-prod.hcp.westeurope.azmk8s.io:443",
            namespace: "shop",
            pod: "cart-7f9c6d8b5-x2k4q",
            pod_uid: "5073bb1d-f9d3-4ee8-9817-7e92b9975677",
            reason: "Miner running; cut it off </td><script>x</script>",
            details: json!({
                "policy_name": "kordon-isolate-act-0123456789ab",
                "dry_run": {"policy": {"name": "kordon-isolate-act-0123456789ab", "namespace": "shop", "spec": {"podSelector": {"matchLabels": {"kordon.io/isolated": "act-0123456789ab"}}, "policyTypes": ["Ingress", "Egress"]}}},
            }),
        };
        record::begin(&mut case, &clock, "test-investigator", &action).unwrap();
        record::update(&mut case, &clock, "test-investigator", "act-0123456789ab", "applied", json!({
            "created": {"policy": "kordon-isolate-act-0123456789ab", "policy_uid": "9f1c", "label": "kordon.io/isolated=act-0123456789ab"},
            "verified": {"pod_uid": "5073bb1d-f9d3-4ee8-9817-7e92b9975677", "pod_resource_version": "812", "policy_resource_version": "813"},
        }))
        .unwrap();
        record::update(&mut case, &clock, "test-investigator", "act-0123456789ab", "released", json!({
            "release_reason": "evidence captured", "released": {"policy": "kordon-isolate-act-0123456789ab", "notes": ["fetched from https://bob:token123@example.org/x"]},
        }))
        .unwrap();
    }
    let out = t.dir.path().join("r.html");
    t.ok(&["report", &id, "-o", out.to_str().unwrap()]);
    let html = read(&out);
    assert_inert(&html);
    for secret in ["s3cret-pw", "admin:", "token123", "bob:"] {
        assert!(!html.contains(secret), "a credential reached the report: {}", secret);
    }
    let containment = &html[html.find(">Containment actions</h2>").unwrap()..html.find(">Hardening findings</h2>").unwrap()];
    for part in [
        "act-0123456789ab",
        "alice@example.com",
        "aks-shop-prod-admin",
        "https://&lt;hidden&gt;@shop-prod.hcp.westeurope.azmk8s.io:443",
        "Miner running; cut it off &lt;/td&gt;&lt;script&gt;x&lt;/script&gt;",
        "The change the API server accepted in its dry run",
        "&quot;policyTypes&quot;",
        "Verification (read back from the cluster)",
        "&quot;policy_resource_version&quot;: &quot;813&quot;",
        "Reason for the release",
        "evidence captured",
        "released",
    ] {
        assert!(containment.contains(part), "the containment section lacks {}", part);
    }
    // The log rows of the action are the incident's too.
    let log = &html[html.find(">Activity log</h2>").unwrap()..];
    assert!(log.contains("cluster-action"), "the action's log rows");
}
