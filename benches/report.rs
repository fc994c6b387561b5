//! Report benchmark: the review-meeting report of the demo's crypto-mining
//! incident, as HTML and as PDF, against reading what the app reads to show
//! that incident (its detail and its graph) — the baseline, measured in the
//! same run, alternating, so that the machine's mood is shared. Then the
//! report of an incident with 10,000 audit records behind it, which must
//! stay readable (counts and the cited records, not every record).
//!
//! Targets: the demo's PDF in under 3 s; the 10,000-record incident's PDF
//! in under 10 s. `cargo bench --bench report`; `-- --quick` for one round
//! that only proves the benchmark works.

use kordon::app::{analyze_import, views};
use kordon::clock::FixedClock;
use kordon::incident::{self, detail};
use kordon::ingest::ImportOptions;
use kordon::report::{self, Format, Which};
use kordon::store::Case;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOW: i64 = 1_795_248_000_000_000_000; // 2026-11-21T08:00:00Z

fn case_of(dir: &Path, name: &str, inputs: &[PathBuf]) -> Case {
    let mut case = Case::open(&dir.join(name)).expect("case");
    let opts = ImportOptions { clock: Arc::new(FixedClock(NOW)), actor: "bench".into(), ..ImportOptions::default() };
    analyze_import(&mut case, inputs, &opts, &mut |_| {}).expect("import, detect, correlate");
    case
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn timed(f: &mut dyn FnMut()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 1 } else { 7 };
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = FixedClock(NOW);
    let demo_zip = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/kordon-demo.zip");
    let demo = case_of(dir.path(), "demo.kordon", &[demo_zip]);
    let id = incident::read::list(&demo).expect("incidents")[0].id.clone();
    let inc = incident::resolve(&demo, &id).expect("incident");

    // Alternating: the baseline, the HTML report, the PDF report, again.
    let (mut base, mut html, mut pdf) = (Vec::new(), Vec::new(), Vec::new());
    let mut pages = None;
    for _ in 0..rounds {
        base.push(timed(&mut || {
            detail::detail(&demo, inc).expect("detail");
            views::incident_graph(&demo, inc, &[]).expect("graph");
        }));
        html.push(timed(&mut || {
            report::write(&demo, Which::One(inc), Format::Html, &dir.path().join("demo.html"), &clock).expect("HTML report");
        }));
        pdf.push(timed(&mut || {
            pages = report::write(&demo, Which::One(inc), Format::Pdf, &dir.path().join("demo.pdf"), &clock).expect("PDF report").pages;
        }));
    }
    let (base, html, pdf) = (median(base), median(html), median(pdf));
    let ratio = |d: Duration| d.as_secs_f64() / base.as_secs_f64().max(1e-9);
    println!("demo incident {} (median of {} rounds, alternating):", id, rounds);
    println!("  baseline: detail + graph, as the app shows it   {:>8.3} s", base.as_secs_f64());
    println!("  report, HTML                                      {:>8.3} s  ({:.1} × baseline)", html.as_secs_f64(), ratio(html));
    println!(
        "  report, PDF ({} pages)                            {:>8.3} s  ({:.1} × baseline)  target < 3 s: {}",
        pages.unwrap_or(0),
        pdf.as_secs_f64(),
        ratio(pdf),
        if pdf < Duration::from_secs(3) { "met" } else { "MISSED" }
    );

    // An incident with 10,000 audit requests behind it (kordon::synth::busy).
    let inputs = kordon::synth::busy::write_busy_incident(dir.path()).expect("write the busy incident");
    let big = case_of(dir.path(), "big.kordon", &inputs);
    let rows = incident::read::list(&big).expect("incidents");
    let row = rows.iter().find(|r| r.title.contains("big-pod")).expect("the big pod's incident");
    let inc = incident::resolve(&big, &row.id).expect("incident");
    let records = kordon::incident::evidence::gather(&big, inc, kordon::incident::config::builtin()).expect("evidence").context.len();
    let (mut base, mut html, mut pdf) = (Vec::new(), Vec::new(), Vec::new());
    let (mut html_bytes, mut pdf_pages) = (0, None);
    for _ in 0..rounds.min(3) {
        base.push(timed(&mut || {
            detail::detail(&big, inc).expect("detail");
            views::incident_graph(&big, inc, &[]).expect("graph");
        }));
        html.push(timed(&mut || {
            html_bytes = report::write(&big, Which::One(inc), Format::Html, &dir.path().join("big.html"), &clock).expect("HTML report").bytes;
        }));
        pdf.push(timed(&mut || {
            pdf_pages = report::write(&big, Which::One(inc), Format::Pdf, &dir.path().join("big.pdf"), &clock).expect("PDF report").pages;
        }));
    }
    let (base, html, pdf) = (median(base), median(html), median(pdf));
    let ratio = |d: Duration| d.as_secs_f64() / base.as_secs_f64().max(1e-9);
    println!("incident with {} context records ({}):", records, row.id);
    println!("  baseline: detail + graph                          {:>8.3} s", base.as_secs_f64());
    println!("  report, HTML ({} KB)                              {:>8.3} s  ({:.1} × baseline)", html_bytes / 1024, html.as_secs_f64(), ratio(html));
    println!(
        "  report, PDF ({} pages)                            {:>8.3} s  ({:.1} × baseline)  target < 10 s: {}",
        pdf_pages.unwrap_or(0),
        pdf.as_secs_f64(),
        ratio(pdf),
        if pdf < Duration::from_secs(10) { "met" } else { "MISSED" }
    );
}
