//! Measurements in the real app (not pass/fail tests: they print figures
//! for the README; `scripts/measure-app.sh` runs them).
//!
//! * The queue of a one-million-event case: from choosing the case in the
//!   recent list to the queue's rows on screen.
//! * A graph of 2,000 nodes and 5,000 edges: from asking for it to the first
//!   frame drawn with it (layered layout + Cytoscape), then the frame rate
//!   while the view pans, in the real WebKitGTK webview.
//! * The incident graph on screen, at 1440×900 and 1920×1080: the canvas's
//!   share of the window, the smallest label after Fit, overlapping labels,
//!   the time to the first frame and the frame rate while panning — for the
//!   demo's crypto-mining incident in the real incident page, and for a
//!   generated 500-node graph in the same GraphView, in a canvas of the size
//!   the incident page gave the demo.

mod support;

use kordon::ingest::ImportOptions;
use kordon::store::Case;
use std::time::{Duration, Instant};

fn events_wanted() -> usize {
    std::env::var("KORDON_MEASURE_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// A case of about `n` events (audit requests and Tetragon events) with
/// 2,000 Falco signals, detected and correlated.
fn big_case(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let bundle = dir.join("big.zip");
    let audit = n * 78 / 100;
    let tetragon = n - audit - 2_000;
    kordon::synth::write_large_bundle(&bundle, 7, audit, 2_000, tetragon).expect("generate");
    let path = dir.join("big.kordon");
    let mut case = Case::open(&path).expect("case");
    let opts = ImportOptions::default();
    kordon::app::analyze_import(&mut case, &[bundle], &opts, &mut |_| {}).expect("import");
    path
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement: builds a one-million-event case and prints figures (scripts/measure-app.sh)"]
async fn queue_of_a_million_events_and_a_large_graph() {
    let n = events_wanted();
    let work = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let case = big_case(work.path(), n);
    let events: i64 = Case::open(&case).unwrap().conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap();
    eprintln!("built a case of {} events in {:.1?}", events, t.elapsed());
    let recent = serde_json::to_vec(&serde_json::json!([
        {"path": case.to_string_lossy(), "name": "big", "opened": "2026-11-21T08:00:00Z"}
    ]))
    .unwrap();
    let app = support::launch(&[("recent-cases.json", recent)]).await;
    let s = &app.session;

    s.css("body[data-ready='start'] [data-testid='recent-case']").await;
    let t = Instant::now();
    s.css("[data-testid='recent-case']").await.click().await.unwrap();
    s.wait_for("body[data-ready='queue'] [data-testid='incident-row']", Duration::from_secs(60)).await;
    let queue = t.elapsed();

    let m = measure_page(s, "#/measure-graph/2000/5000").await;
    app.close().await;

    let show_ms = m["showMs"].as_f64().unwrap_or(f64::NAN);
    // The drag really panned the graph, by as much as the pointer moved.
    assert_eq!(m["pannedPx"].as_f64(), m["draggedPx"].as_f64(), "the drag panned the graph: {}", m);
    let fps = m["panFps"].as_f64().unwrap_or(0.0);
    println!();
    println!("queue of a {}-event case: {:.2} s from choosing it to its rows on screen (target <= 2 s: {})", events, queue.as_secs_f64(), if queue.as_secs_f64() <= 2.0 { "met" } else { "MISSED" });
    println!(
        "graph of {} nodes / {} edges: shown in {:.2} s (target <= 3 s: {}); pans at {:.1} frames/s over {} s (target >= 15: {}); the idle webview draws {:.1} frames/s here",
        m["nodes"], m["edges"], show_ms / 1000.0, if show_ms <= 3000.0 { "met" } else { "MISSED" }, fps, m["panSeconds"], if fps >= 15.0 { "met" } else { "MISSED" },
        m["idleFps"].as_f64().unwrap_or(0.0)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// Opens a measurement page (ui/src/measure.ts) and returns what it measured.
async fn measure_page(s: &support::Session, hash: &str) -> serde_json::Value {
    s.client.execute(&format!("location.hash = '{}'; location.reload();", hash), vec![]).await.unwrap();
    s.wait_for("body[data-measure]", Duration::from_secs(120)).await;
    let text = s.client.execute("return document.body.dataset.measure;", vec![]).await.unwrap();
    serde_json::from_str(text.as_str().unwrap_or("{}")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "measurement: prints the graph's figures in the real app (scripts/measure-app.sh)"]
async fn the_incident_graph_on_screen() {
    let app = support::launch(&[]).await;
    let s = &app.session;
    s.open_demo().await;
    println!();
    println!("| window | graph | canvas (share of the window) | smallest label | overlapping labels | first frame | panning |");
    println!("|---|---|---|---|---|---|---|");
    let mut failures = Vec::new();
    for (w, h) in [(1440u32, 900u32), (1920, 1080)] {
        s.client.set_window_size(w, h).await.unwrap();
        s.client.execute("location.hash = '#/queue';", vec![]).await.unwrap();
        s.css("body[data-ready='queue'] [data-testid='incident-row']").await;
        s.click("[data-testid='incident-row'] td.title").await;
        s.css("body[data-ready='incident']").await;
        s.css("#graph[data-graph-ready='true']").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let f = support::graph_figures_panned(s, 3).await;
        // The picture shows the graph as it opened, not where the drag left it.
        s.click("[data-testid='graph-fit']").await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        s.shot(&format!("measure-graph-{}x{}", w, h)).await;
        let width = f["share"]["width"].as_f64().unwrap_or(0.0);
        let height = f["share"]["height"].as_f64().unwrap_or(0.0);
        let smallest = f["smallestPx"].as_f64().unwrap_or(0.0);
        let overlaps = f["overlaps"].as_u64().unwrap_or(u64::MAX);
        let first = f["firstFrameMs"].as_f64().unwrap_or(f64::NAN);
        let fps = f["pan"]["panFps"].as_f64().unwrap_or(0.0);
        let (panned, dragged) = (f["pan"]["pannedPx"].as_f64().unwrap_or(f64::NAN), f["pan"]["draggedPx"].as_f64().unwrap_or(0.0));
        assert!((panned - dragged).abs() < 0.5, "the drag panned the graph as far as the pointer moved: {}", f);
        println!(
            "| {}×{} | demo incident, {} nodes | {:.0}×{:.0} px ({:.0} % × {:.0} %: {}) | {:.1} px ({}) | {} ({}) | {:.0} ms ({}) | {:.1} frames/s ({}) |",
            w, h, f["nodes"], f["canvas"]["width"].as_f64().unwrap_or(0.0), f["canvas"]["height"].as_f64().unwrap_or(0.0),
            width * 100.0, height * 100.0, verdict(width >= 0.6 && height >= 0.55),
            smallest, verdict(smallest >= 11.0), overlaps, verdict(overlaps == 0),
            first, verdict(first <= 1000.0), fps, verdict(fps >= 30.0),
        );
        if width < 0.6 || height < 0.55 {
            failures.push(format!("{}×{}: the canvas takes {:.0} % × {:.0} % of the window", w, h, width * 100.0, height * 100.0));
        }
        if smallest < 11.0 || overlaps > 0 {
            failures.push(format!("{}×{}: smallest label {:.1} px, {} overlapping pairs {}", w, h, smallest, overlaps, f["examples"]));
        }

        // Presentation mode, for the room's projector: larger labels, the same room.
        s.client.execute("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'p', bubbles: true}));", vec![]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        let p = support::graph_figures(s).await;
        s.shot(&format!("measure-graph-presentation-{}x{}", w, h)).await;
        s.client.execute("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'p', bubbles: true}));", vec![]).await.unwrap();
        let (pw, ph) = (p["share"]["width"].as_f64().unwrap_or(0.0), p["share"]["height"].as_f64().unwrap_or(0.0));
        let psmall = p["smallestPx"].as_f64().unwrap_or(0.0);
        println!(
            "| {}×{} | demo incident, presentation mode | {:.0}×{:.0} px ({:.0} % × {:.0} %: {}) | {:.1} px ({}) | {} ({}) | | |",
            w, h, p["canvas"]["width"].as_f64().unwrap_or(0.0), p["canvas"]["height"].as_f64().unwrap_or(0.0),
            pw * 100.0, ph * 100.0, verdict(pw >= 0.6 && ph >= 0.55), psmall, verdict(psmall > smallest), p["overlaps"], verdict(p["overlaps"] == 0),
        );
        if pw < 0.6 || ph < 0.55 || psmall <= smallest {
            failures.push(format!("{}×{}: presentation mode: canvas {:.0} % × {:.0} %, smallest label {:.1} px", w, h, pw * 100.0, ph * 100.0, psmall));
        }

        // 500 nodes in the same GraphView, in a canvas of the same size.
        let (cw, ch) = (f["canvas"]["width"].as_f64().unwrap_or(800.0) as u32, f["canvas"]["height"].as_f64().unwrap_or(500.0) as u32);
        let m = measure_page(s, &format!("#/measure-graph/500/1200/{}x{}", cw, ch)).await;
        s.shot(&format!("measure-graph-500-{}x{}", w, h)).await;
        let l = &m["labels"];
        let show = m["showMs"].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {}×{} | generated, {} nodes | {}×{} px (as the demo's) | {} ({} landmark labels of {}; the rest appear on zooming in) | {} | {:.0} ms ({}) | {:.1} frames/s |",
            w, h, m["nodes"], cw, ch,
            l["smallestPx"].as_f64().map_or("none drawn".to_string(), |v| format!("{:.1} px", v)),
            l["shown"], l["shown"].as_u64().unwrap_or(0) + l["hidden"].as_u64().unwrap_or(0), l["overlaps"],
            show, verdict(show <= 2000.0), m["panFps"].as_f64().unwrap_or(0.0),
        );

        // The baseline: one plain picture of the canvas's size, alone on the
        // page, panned by the same drag and code. Where even that stays under
        // 30 frames/s the webview, not the graph, sets the pace.
        let bare = measure_page(s, &format!("#/measure-pan/{}x{}", cw, ch)).await;
        let ceiling = bare["panFps"].as_f64().unwrap_or(0.0);
        println!(
            "| {}×{} | baseline: a plain picture of the canvas's size alone on the page, same drag | {}×{} px | | | | {:.1} frames/s (the demo pans at {:.0} % of it) |",
            w, h, cw, ch, ceiling, 100.0 * fps / ceiling,
        );
        // Under 30 frames/s is the graph's fault only where the webview allows more.
        if fps < 30.0 && fps < 0.8 * ceiling {
            failures.push(format!("{}×{}: the demo pans at {:.1} frames/s where a plain picture pans at {:.1}", w, h, fps, ceiling));
        }
        s.client.execute("location.hash = '#/queue'; location.reload();", vec![]).await.unwrap();
        s.css("body[data-ready]").await;
    }
    app.close().await;
    assert!(failures.is_empty(), "graph targets missed:\n{}", failures.join("\n"));
}
