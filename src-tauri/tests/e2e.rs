//! End to end: the real built app, in the real WebKitGTK webview, driven
//! through tauri-driver and WebKitWebDriver under a virtual X display.
//!
//! One investigation, step by step, each step saving a screenshot into
//! `docs/screenshots/`: open the demo case → the crypto-mining incident heads
//! the queue → open it → the graph shows the compromised pod, its service
//! account and the miner process → select the pod → the side panel lists the
//! miner alert under Impact → the evidence tab filtered to Discovery shows
//! the nmap events → importing a file of no known format shows a clear error
//! and leaves the queue as it was.
//!
//! Then triage: classify the demo incident True positive / Multistage attack
//! with a comment, resolve it, close and reopen the case, and find it
//! resolved with its log, its comment and a passing integrity badge.
//!
//! And containment: against a Kubernetes API server on loopback seeded with
//! the demo cluster, isolate the compromised pod from the graph with a
//! reason, see it marked isolated and the action in the incident's log,
//! then release it. Under a playbook loaded from the incident page, the
//! isolation dialog names the rule, is refused until the rule's verdict is
//! set, and the action is logged under the rule.
//!
//! Needs Xvfb, `tauri-driver` (`cargo install tauri-driver --version '^2'`),
//! `WebKitWebDriver` (Debian: webkit2gtk-driver) and the built UI (`npm run
//! build` in `ui/`); `.ci/run` provides them and runs it with `--ignored`.

mod support;

use fantoccini::Locator;
use support::repo;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn an_investigation_in_the_real_app() {
    let exports = tempfile::tempdir().unwrap();
    let app = support::launch_with_env(&[], &[("KORDON_EXPORT_DIR", exports.path().to_string_lossy().into_owned())]).await;
    let s = &app.session;

    // 1. Start screen → open the demo incident.
    s.open_demo().await;

    // 2. The crypto-mining incident heads the queue.
    let rows = s.all("[data-testid='incident-row']").await;
    assert!(rows.len() >= 3, "the demo has several incidents");
    let first = rows[0].text().await.unwrap();
    assert!(first.contains("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"), "first row: {}", first);
    let sev = rows[0].attr("data-severity").await.unwrap().unwrap_or_default();
    assert!(sev == "critical" || sev == "high", "severity {}", sev);
    let queue_before = s.texts("[data-testid='incident-row']").await;
    s.shot("01-queue").await;

    // 3. Open it: the graph shows the pod, its service account and the miner.
    // WebKitWebDriver does not click table rows themselves: click the title cell.
    rows[0].find(Locator::Css("td:nth-child(3)")).await.unwrap().click().await.unwrap();
    s.css("body[data-ready='incident']").await;
    let title = s.css("[data-testid='incident-title']").await.text().await.unwrap();
    assert!(title.contains("Crypto-mining"), "{}", title);
    s.css("[data-testid='tab-graph']").await.click().await.unwrap();
    s.css("#graph[data-graph-ready='true']").await;
    // The graph is what people look at: at 1440×900 its canvas takes most of
    // the window and every label is readable, none covering another.
    s.shot("02-graph").await;
    let f = support::graph_figures(s).await;
    let (w, h) = (f["share"]["width"].as_f64().unwrap_or(0.0), f["share"]["height"].as_f64().unwrap_or(0.0));
    assert!(w >= 0.6 && h >= 0.55, "the canvas takes {:.0} % × {:.0} % of the window: {}", w * 100.0, h * 100.0, f);
    assert!(f["smallestPx"].as_f64().unwrap_or(0.0) >= 11.0, "a label is drawn smaller than 11 px: {}", f);
    assert_eq!(f["overlaps"], 0, "labels overlap: {}", f);
    assert_eq!(f["hidden"], 0, "every label is drawn: {}", f);
    // Exported as drawn: an SVG document with the path's verbs, a PNG picture.
    s.click("[data-testid='graph-export-svg']").await;
    s.click("[data-testid='graph-export-png']").await;
    let svg_path = exports.path().join("INC-070b10ff-graph.svg");
    let png_path = exports.path().join("INC-070b10ff-graph.png");
    for _ in 0..100 {
        if svg_path.exists() && png_path.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let svg = std::fs::read_to_string(&svg_path).expect("the SVG export");
    let texts: Vec<&str> = svg.split("<tspan").skip(1).filter_map(|t| t.split('>').nth(1)?.split('<').next()).collect();
    assert!(svg.starts_with("<svg") && texts.contains(&"connected to :4444") && texts.iter().any(|t| t.contains("xmrig")), "{:?}", texts);
    let png = std::fs::read(&png_path).expect("the PNG export");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "{} bytes", png.len());
    // The review-meeting report, as PDF and HTML, written by the core.
    s.click("[data-testid='report-menu'] summary").await;
    s.click("[data-testid='report-pdf']").await;
    let pdf = wait_for_file(&exports.path().join("INC-070b10ff-report.pdf")).await;
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 20_000, "{} bytes", pdf.len());
    let notice = s.css("[data-testid='notice-banner']").await.text().await.unwrap();
    assert!(notice.contains("Report saved: INC-070b10ff-report.pdf (PDF,"), "{}", notice);
    s.shot("02b-report-saved").await;
    s.click("[data-testid='report-menu'] summary").await;
    s.click("[data-testid='report-html']").await;
    let html = String::from_utf8(wait_for_file(&exports.path().join("INC-070b10ff-report.html")).await).unwrap();
    assert!(html.contains("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q") && !html.contains("<script"), "{} bytes", html.len());
    s.click("[data-testid='drawer-open-nodes']").await;
    let mut pod = None;
    let (mut sa, mut miner) = (false, false);
    for item in s.all("[data-testid='graph-node-item']").await {
        let kind = item.attr("data-kind").await.unwrap().unwrap_or_default();
        let text = item.text().await.unwrap_or_default();
        match kind.as_str() {
            "pod" if text.contains("cart-7f9c6d8b5-x2k4q") => pod = Some(item.clone()),
            "identity" if text.contains("shop/cart") => sa = true,
            "process" if text.contains("/tmp/.x/xmrig") => miner = true,
            _ => {}
        }
    }
    assert!(sa, "the graph lacks the cart service account");
    assert!(miner, "the graph lacks the xmrig process");
    let pod = pod.expect("the graph lacks the compromised pod");

    // 4. Select the pod: its side panel lists the miner alert under Impact.
    pod.click().await.unwrap();
    s.css("[data-testid='side-panel'] [data-testid='tactic-group'][data-tactic='TA0040'] [data-testid='evidence-item']").await;
    let impact = s.texts("[data-testid='side-panel'] [data-testid='tactic-group'][data-tactic='TA0040'] [data-testid='evidence-item']").await;
    assert!(
        impact.iter().any(|t| t.contains("miner") || t.contains("Crypto") || t.contains("mining")),
        "Impact evidence of the pod: {:?}",
        impact
    );
    // The node list closed again: the graph and the pod's side panel.
    s.click("[data-testid='drawer-close-nodes']").await;
    s.shot("03-graph-side-panel").await;

    // 5. The evidence tab filtered to Discovery shows the nmap events.
    s.css("[data-testid='tab-evidence']").await.click().await.unwrap();
    s.css("[data-testid='tactic-filter'][data-tactic='TA0007']").await.click().await.unwrap();
    s.css("[data-testid='evidence-row']").await;
    let rows = s.text_contents("[data-testid='evidence-row']").await;
    assert!(
        rows.iter().any(|t| t.contains("nmap") || t.contains("Network scanner") || t.contains("Network Tool")),
        "Discovery evidence: {:?}",
        rows
    );
    s.shot("04-evidence-discovery").await;
    if let Some(row) = s.all("[data-testid='evidence-row']").await.into_iter().next() {
        row.click().await.unwrap();
        let raw = s.css("[data-testid='raw-record']").await.text().await.unwrap();
        assert!(raw.contains('{'), "the raw record shows the JSON: {}", raw);
        s.shot("05-raw-record").await;
    }

    // 6. Importing a file of no known format: a clear error, the queue unchanged.
    s.client.execute("location.hash = '#/queue';", vec![]).await.unwrap();
    s.css("body[data-ready='queue']").await;
    let bad = repo().join("fixtures/bad/unknown-format.txt");
    s.css("[data-testid='import-toggle']").await.click().await.unwrap();
    let input = s.css("[data-testid='import-path-input']").await;
    input.send_keys(&bad.to_string_lossy()).await.unwrap();
    s.css("[data-testid='import-path-submit']").await.click().await.unwrap();
    let banner = s.css("[data-testid='error-banner']").await;
    assert_eq!(banner.attr("data-code").await.unwrap().as_deref(), Some("unknown_format"));
    let message = banner.text().await.unwrap();
    assert!(message.contains("unknown-format.txt"), "the error names the file: {}", message);
    s.css("body[data-ready='queue'] [data-testid='incident-row']").await;
    assert_eq!(s.texts("[data-testid='incident-row']").await, queue_before, "the queue is unchanged");
    s.shot("06-import-error").await;

    // 7. The case handed on: a sealed archive of it, from the start screen.
    s.client.execute("location.hash = '#/start';", vec![]).await.unwrap();
    s.css("body[data-ready='start']").await;
    s.click("[data-testid='save-archive']").await;
    let zip = wait_for_file(&exports.path().join("demo-archive.zip")).await;
    assert!(zip.starts_with(b"PK\x03\x04"), "{} bytes", zip.len());
    let notice = s.css("[data-testid='notice-banner']").await.text().await.unwrap();
    assert!(notice.contains("Case archive saved: demo-archive.zip"), "{}", notice);

    app.close().await;
}

/// A file the app writes, once it is there and whole (written beside its
/// name and renamed into place, so once it exists it is complete).
async fn wait_for_file(path: &std::path::Path) -> Vec<u8> {
    for _ in 0..300 {
        if let Ok(bytes) = std::fs::read(path) {
            return bytes;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{} was not written within 30 s", path.display());
}

/// Picks `value` in the `<select>` with this test id, as a person does: by
/// clicking its option.
async fn choose(s: &support::Session, testid: &str, value: &str) {
    s.css(&format!("[data-testid='{}'] option[value='{}']", testid, value)).await.click().await.unwrap();
    let chosen = s.css(&format!("[data-testid='{}']", testid)).await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(value), "{} shows {:?}", testid, chosen);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn triage_in_the_real_app_survives_closing_and_reopening_the_case() {
    let app = support::launch(&[]).await;
    let s = &app.session;
    s.open_demo().await;
    let first = s.css("[data-testid='incident-row']").await;
    let id = first.attr("data-id").await.unwrap().expect("row id");
    first.find(Locator::Css("td.title")).await.unwrap().click().await.unwrap();
    s.css("body[data-ready='incident']").await;

    // Classify, comment and resolve in one decision.
    s.css("[data-testid='tab-triage']").await.click().await.unwrap();
    s.css("[data-testid='triage-save']").await;
    choose(s, "triage-classification", "true-positive").await;
    choose(s, "triage-determination", "multistage-attack").await;
    s.css("[data-testid='triage-comment']")
        .await
        .send_keys("Miner started from a stolen **cart** token; pod isolated and the token rotated.")
        .await
        .unwrap();
    choose(s, "triage-status", "resolved").await;
    s.css("[data-testid='triage-save']").await.click().await.unwrap();
    s.css("[data-testid='incident-status'][data-status='resolved']").await;
    let cls = s.css("[data-testid='incident-classification']").await.text().await.unwrap();
    assert_eq!(cls, "True positive · Multistage attack");
    // Tick a follow-up item off: it is saved with the case.
    s.click("[data-testid='follow-up-tick'][data-item='rotate-credentials']").await;
    s.css("[data-testid='follow-up'][data-item='rotate-credentials'] [data-testid='follow-up-who']").await;
    s.css("[data-testid='integrity-badge'][data-state='ok']").await;
    s.shot("07-triage-resolved").await;

    // Close the case, reopen it from the recent cases.
    s.css("button.brand").await.click().await.unwrap();
    s.css("body[data-ready='start'] [data-testid='close-case']").await.click().await.unwrap();
    s.css("body[data-ready='start'] [data-testid='recent-case']").await;
    assert!(s.all("[data-testid='case-panel']").await.is_empty(), "the case is closed");
    let recent = s.all("[data-testid='recent-case']").await;
    let mut demo = None;
    for r in recent {
        if r.attr("data-path").await.unwrap().unwrap_or_default().ends_with("demo.kordon") {
            demo = Some(r);
        }
    }
    demo.expect("the demo case among the recent cases").click().await.unwrap();
    s.css("body[data-ready='queue']").await;
    let status = s
        .css(&format!("[data-testid='incident-row'][data-id='{}'] [data-testid='incident-status']", id))
        .await
        .attr("data-status")
        .await
        .unwrap();
    assert_eq!(status.as_deref(), Some("resolved"), "the queue shows it resolved");
    s.css("[data-testid='integrity-badge'][data-state='ok']").await;

    // The incident: resolved, its comment and its log.
    s.css(&format!("[data-testid='incident-row'][data-id='{}'] td.title", id)).await.click().await.unwrap();
    s.css("body[data-ready='incident']").await;
    s.css("[data-testid='tab-triage']").await.click().await.unwrap();
    s.css("[data-testid='incident-status'][data-status='resolved']").await;
    let comment = s.css("[data-testid='comment']").await.text().await.unwrap();
    assert!(comment.contains("stolen cart token") && comment.contains("e2e-investigator"), "comment: {}", comment);
    let log = s.texts("[data-testid='log-entry']").await;
    let tick = s.css("[data-testid='follow-up-tick'][data-item='rotate-credentials']").await;
    assert_eq!(tick.prop("checked").await.unwrap().as_deref(), Some("true"), "the follow-up tick survived reopening");
    let who = s.css("[data-testid='follow-up'][data-item='rotate-credentials'] [data-testid='follow-up-who']").await.text().await.unwrap();
    assert!(who.contains("e2e-investigator"), "{}", who);
    for want in ["set status: New → Resolved", "set classification: none → True positive", "set determination: none → Multistage attack", "commented", "ticked off follow-up rotate-credentials"] {
        assert!(log.iter().any(|l| l.contains(want)), "the log lacks '{}': {:?}", want, log);
    }
    let badge = s.css("[data-testid='integrity-badge']").await;
    assert_eq!(badge.attr("data-state").await.unwrap().as_deref(), Some("ok"));
    assert_eq!(badge.text().await.unwrap(), "Integrity: verified");
    s.shot("08-triage-reopened").await;

    app.close().await;
}

/// The demo's cluster, as the loopback API server holds it.
fn demo_cluster() -> kordon_test_apiserver::Cluster {
    kordon_test_apiserver::Cluster::from_json(&std::fs::read(repo().join("fixtures/demo/src/snapshot.json")).unwrap()).unwrap()
}

/// The app with `KUBECONFIG` naming `server` (context "lab", namespace shop),
/// which answers as the incident responder; the kubeconfig's folder lives as
/// long as the returned guard.
async fn launch_against(server: &kordon_test_apiserver::Server) -> (support::App, tempfile::TempDir) {
    server.set_identity("aks-incident-responder", &["system:authenticated"]);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig.yaml");
    std::fs::write(&kubeconfig, server.kubeconfig("lab", Some("shop"))).unwrap();
    (support::launch_with_env(&[], &[("KUBECONFIG", kubeconfig.display().to_string())]).await, dir)
}

/// As `launch_against`, on the demo incident's page.
async fn demo_incident_against(server: &kordon_test_apiserver::Server) -> (support::App, tempfile::TempDir) {
    let (app, kubeconfig) = launch_against(server).await;
    let s = &app.session;
    s.open_demo().await;
    s.click("[data-testid='incident-row'] td.title").await;
    s.css("body[data-ready='incident']").await;
    (app, kubeconfig)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn isolate_and_release_the_compromised_pod_from_the_graph() {
    let server = kordon_test_apiserver::Server::start(demo_cluster());
    let (app, _kubeconfig) = demo_incident_against(&server).await;
    let s = &app.session;
    s.click("[data-testid='tab-graph']").await;
    s.css("#graph[data-graph-ready='true']").await;
    compromised_pod_in_the_graph(s).await.click().await.unwrap();
    s.css("[data-testid='side-panel'] [data-testid='entity-attrs']").await;

    // Isolate: the playbook's rule first, then context, reason, check, preview, confirm.
    s.click("[data-testid='node-isolate']").await;
    let rule = s.css("[data-testid='containment-rule'][data-rule='workloads']").await.text().await.unwrap();
    assert_eq!(rule, "Playbook “Kordon default”, rule workloads");
    s.css("[data-testid='containment-playbook'][data-met='true']").await;
    let info = s.css("[data-testid='containment-context-info']").await.text().await.unwrap();
    assert!(info.contains(&server.url()), "the dialog shows the server: {}", info);
    s.css("[data-testid='containment-reason']").await.send_keys("xmrig talking to the mining pool").await.unwrap();
    s.click("[data-testid='containment-check']").await;
    let yaml = s.css("[data-testid='containment-yaml']").await.text().await.unwrap();
    assert!(yaml.contains("NetworkPolicy") && yaml.contains("Egress"), "{}", yaml);
    let uid = s.css("[data-testid='containment-uid']").await.text().await.unwrap();
    assert!(uid.contains("5073bb1d-f9d3-4ee8-9817-7e92b9975677"), "{}", uid);
    s.shot("09-isolate-preview").await;
    confirm_and_apply(s).await;

    // The node shows it isolated; the cluster holds exactly the isolation.
    s.css("[data-testid='side-panel'] [data-testid='isolated-badge']").await;
    s.css("[data-testid='graph-node-item'][data-isolated='true']").await;
    let pod_obj = server.object("v1/pods", Some("shop"), "cart-7f9c6d8b5-x2k4q").unwrap();
    let action = pod_obj["metadata"]["labels"]["kordon.io/isolation"].as_str().expect("the pod is labelled").to_string();
    let policies: Vec<_> = server
        .objects("networking.k8s.io/v1/networkpolicies", Some("shop"))
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["kordon.io/isolation"] == action.as_str())
        .collect();
    assert_eq!(policies.len(), 1);
    s.shot("10-isolated").await;

    // The action in the incident's actions and log; release it.
    s.click("[data-testid='tab-triage']").await;
    s.css(&format!("[data-testid='cluster-action'][data-id='{}'][data-state='applied']", action)).await;
    let log = s.texts("[data-testid='log-entry']").await;
    assert!(log.iter().any(|l| l.contains(&action) && l.contains("applied")), "the log: {:?}", log);
    s.click("[data-testid='action-release']").await;
    s.css("[data-testid='containment-reason']").await.send_keys("pod rebuilt from a clean image").await.unwrap();
    s.click("[data-testid='containment-check']").await;
    s.css("[data-testid='containment-result'][data-state='released']").await;
    s.click("[data-testid='containment-close']").await;
    s.css(&format!("[data-testid='cluster-action'][data-id='{}'][data-state='released']", action)).await;
    let pod_obj = server.object("v1/pods", Some("shop"), "cart-7f9c6d8b5-x2k4q").unwrap();
    assert!(pod_obj["metadata"]["labels"].get("kordon.io/isolation").is_none());
    assert!(server.objects("networking.k8s.io/v1/networkpolicies", Some("shop")).iter().all(|p| p["metadata"]["labels"]["kordon.io/isolation"].is_null()));
    s.shot("11-released").await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn a_playbook_loaded_in_the_app_governs_the_isolation_dialog() {
    let server = kordon_test_apiserver::Server::start(demo_cluster());
    let (app, _kubeconfig) = demo_incident_against(&server).await;
    let s = &app.session;

    // The team's playbook, loaded from the incident page: the page is read
    // again under it, with whom to tell.
    s.client.execute("document.querySelector(\"[data-testid='playbook-load']\").open = true;", vec![]).await.unwrap();
    let example = repo().join("docs/playbooks/production-staging.yaml");
    s.css("[data-testid='playbook-path-input']").await.send_keys(&example.display().to_string()).await.unwrap();
    s.click("[data-testid='playbook-path-submit']").await;
    s.css("[data-testid='playbook-rule'][data-rule='production-shop']").await;
    let source = s.css("[data-testid='playbook-source']").await.text().await.unwrap();
    assert_eq!(source, "Shop — production and staging, loaded from production-staging.yaml by e2e-investigator");
    let notify = s.css("[data-testid='escalation-notify']").await.text().await.unwrap();
    assert!(notify.starts_with("secops on-call, #inc-shop"), "{}", notify);
    let citation = s.css("[data-testid='playbook-citation']").await.text().await.unwrap();
    assert!(citation.contains("production-shop"), "{}", citation);
    s.client.execute("document.querySelector(\"[data-testid='playbook']\").scrollIntoView();", vec![]).await.unwrap();
    s.shot("17-playbook-loaded").await;

    // The rule asks for the identity's verdict first: refused before the
    // cluster is contacted at all.
    s.click("[data-testid='tab-graph']").await;
    s.css("#graph[data-graph-ready='true']").await;
    compromised_pod_in_the_graph(s).await.click().await.unwrap();
    s.click("[data-testid='node-isolate']").await;
    s.css("[data-testid='containment-rule'][data-rule='production-shop']").await;
    s.css("[data-testid='containment-requirement'][data-kind='review:identity'][data-met='false']").await;
    s.css("[data-testid='containment-reason']").await.send_keys("xmrig talking to the mining pool").await.unwrap();
    s.click("[data-testid='containment-check']").await;
    let refused = s.css("[data-testid='containment-error'][data-code='playbook_requirement']").await.text().await.unwrap();
    assert!(refused.contains("production-shop") && refused.contains("system:serviceaccount:shop:cart"), "{}", refused);
    assert!(server.requests().is_empty(), "the cluster was contacted: {:?}", server.requests().iter().map(|r| &r.path).collect::<Vec<_>>());
    s.shot("18-isolation-requires-a-verdict").await;
    s.click("[data-testid='containment-close']").await;

    // The verdict on the service account, then the isolation goes through
    // and is recorded under the rule.
    let mut identity = None;
    for item in s.all("[data-testid='graph-node-item'][data-kind='identity']").await {
        if item.text().await.unwrap_or_default().contains("shop/cart") {
            identity = Some(item);
        }
    }
    identity.expect("the service account is in the graph").click().await.unwrap();
    s.css("[data-testid='side-panel'] [data-testid='entity-verdict'] option[value='malicious']").await.click().await.unwrap();
    compromised_pod_in_the_graph_listed(s).await.click().await.unwrap();
    s.click("[data-testid='node-isolate']").await;
    s.css("[data-testid='containment-requirement'][data-kind='review:identity'][data-met='true']").await;
    s.css("[data-testid='containment-reason']").await.send_keys("xmrig talking to the mining pool").await.unwrap();
    s.click("[data-testid='containment-check']").await;
    let recorded = s.css("[data-testid='containment-preview-playbook'][data-rule='production-shop']").await.text().await.unwrap();
    assert!(recorded.starts_with("Playbook “Shop — production and staging”, rule production-shop"), "{}", recorded);
    confirm_and_apply(s).await;
    s.click("[data-testid='tab-triage']").await;
    let log = s.texts("[data-testid='log-entry']").await;
    assert!(log.iter().any(|l| l.contains("under playbook rule production-shop")), "the log: {:?}", log);
    s.shot("19-isolated-under-the-rule").await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn capture_from_the_cluster_then_read_the_hardening_findings() {
    const SECRET: &str = "wallet-seed-e2e-9f3k";
    let mut cluster = demo_cluster();
    cluster.add(serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "pool-wallet", "namespace": "shop"}, "stringData": {"seed": SECRET}, "data": {"seed": "d2FsbGV0LXNlZWQtZTJlLTlmM2s="}}));
    let server = kordon_test_apiserver::Server::start(cluster);
    server.set_page_size_cap(20);
    server.deny("list", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", None);
    server.set_logs("shop", "cart-7f9c6d8b5-x2k4q", "cart", false, "2026-11-20T09:47:21.000Z [xmrig] use pool pool.supportxmr.com:443\n");
    let (app, _kubeconfig) = demo_incident_against(&server).await;
    let s = &app.session;

    // From the incident: its pod's logs are asked for already.
    s.click("[data-testid='capture-open']").await;
    s.css("[data-testid='capture-dialog']").await;
    let logs = s.css("[data-testid='capture-logs']").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(logs.contains("shop/cart-7f9c6d8b5-x2k4q"), "logs prefilled: {:?}", logs);
    s.shot("12-capture-form").await;
    s.click("[data-testid='capture-start']").await;
    s.wait_for("[data-testid='capture-result']", std::time::Duration::from_secs(120)).await;
    let caller = s.css("[data-testid='capture-caller']").await.text().await.unwrap();
    assert_eq!(caller, "aks-incident-responder");
    let bundle = s.css("[data-testid='capture-bundle']").await.text().await.unwrap();
    assert_eq!(bundle, "demo.snapshots/snapshot-20261121T080000Z.zip", "named beside the case, by the capture's time");
    s.css("[data-testid='capture-kind'][data-kind='MutatingWebhookConfiguration'][data-error='true']").await;
    s.css("[data-testid='capture-kind'][data-kind='Pod']").await;
    s.css("[data-testid='capture-log'][data-pod='shop/cart-7f9c6d8b5-x2k4q']").await;
    s.shot("13-capture-result").await;
    assert!(server.requests().iter().any(|r| r.path == "/api/v1/pods" && r.param("continue").is_some()), "paged through the pods");

    // The snapshot is kept beside the case; no secret value in it or in the case.
    let snapshots = app.data.path().join("demo").join("demo.snapshots");
    let zips: Vec<_> = std::fs::read_dir(&snapshots).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(zips.len(), 1, "{:?}", zips);
    for f in [zips[0].clone(), app.data.path().join("demo").join("demo.kordon")] {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()), "{} holds the secret", f.display());
    }

    // The incident's hardening tab, then the whole cluster's.
    s.click("[data-testid='capture-result-close']").await;
    s.click("[data-testid='tab-hardening']").await;
    s.css("[data-testid='hardening'][data-state='ready']").await;
    s.css("[data-testid='finding'][data-check='identity-can']").await;
    s.css("[data-testid='finding'][data-check='token-automounted']").await;
    s.css("[data-testid='finding'][data-check='namespace-without-netpol']").await;
    s.css("[data-testid='finding'][data-check='image-by-tag']").await;
    s.css("[data-testid='finding'][data-check='no-admission-engine']").await;
    s.shot("14-hardening-tab").await;
    s.click("[data-testid='hardening-case']").await;
    s.css("[data-testid='hardening-page'] [data-testid='hardening'][data-state='ready']").await;
    let categories = s.all("[data-testid='hardening-page'] [data-testid='finding-category']").await;
    assert!(categories.len() >= 5, "findings under the checklist's categories: {}", categories.len());
    s.shot("15-hardening-case").await;
    s.click("[data-testid='hardening-back']").await;

    // Posture reports imported beside the snapshot: their failures join Kordon's findings.
    s.client.execute("location.hash = '#/queue';", vec![]).await.unwrap();
    s.css("body[data-ready='queue'] [data-testid='incident-row']").await;
    for (report, shape) in [("trivy-k8s.json", "Trivy, trivy k8s JSON, 5 Trivy results"), ("kubescape.json", "Kubescape, Kubescape JSON, 1 Kubescape report")] {
        import_in_the_queue(s, &format!("posture/{}", report), shape).await;
    }
    s.css("body[data-ready='queue'] [data-testid='incident-row']").await;
    s.click("[data-testid='incident-row'] td.title").await;
    s.css("body[data-ready='incident']").await;
    s.click("[data-testid='tab-hardening']").await;
    s.css("[data-testid='hardening'][data-state='ready']").await;
    let merged = s.wait_for("[data-testid='finding'][data-check='token-automounted'] [data-testid='finding-sources']", std::time::Duration::from_secs(30)).await;
    assert_eq!(merged.text().await.unwrap(), "Found by Kordon, Kubescape, Trivy", "one finding, every tool that found it");
    let own = s.css("[data-testid='finding'][data-check='writable-root-filesystem'] [data-testid='finding-sources']").await;
    assert_eq!(own.text().await.unwrap(), "Found by Kubescape, Trivy");
    s.css("[data-testid='finding'][data-check='trivy:vulnerabilities']").await;
    s.shot("16-hardening-posture").await;
    app.close().await;
}

/// The compromised pod's entry in the graph's node list (opened).
async fn compromised_pod_in_the_graph(s: &support::Session) -> fantoccini::elements::Element {
    s.click("[data-testid='drawer-open-nodes']").await;
    compromised_pod_in_the_graph_listed(s).await
}

/// Confirms the previewed isolation, applies it, waits for it to be
/// applied and closes the dialog.
async fn confirm_and_apply(s: &support::Session) {
    s.click("[data-testid='containment-confirm']").await;
    s.click("[data-testid='containment-apply']").await;
    s.css("[data-testid='containment-result'][data-state='applied']").await;
    s.click("[data-testid='containment-close']").await;
}

/// The compromised pod's entry in the graph's node list, already open.
async fn compromised_pod_in_the_graph_listed(s: &support::Session) -> fantoccini::elements::Element {
    for item in s.all("[data-testid='graph-node-item'][data-kind='pod']").await {
        if item.text().await.unwrap_or_default().contains("cart-7f9c6d8b5-x2k4q") {
            return item;
        }
    }
    panic!("the compromised pod is not in the graph's list");
}

/// Imports a sample through the queue's import panel and waits until the
/// summary names the file's shape.
async fn import_in_the_queue(s: &support::Session, sample: &str, shape: &str) {
    // The import panel is a <details>: open it, whatever the last import left.
    s.client.execute("document.querySelector(\"[data-testid='import-toggle']\").parentElement.open = true;", vec![]).await.unwrap();
    let input = s.css("[data-testid='import-path-input']:not([disabled])").await;
    input.clear().await.unwrap();
    input.send_keys(&repo().join("fixtures/samples").join(sample).to_string_lossy()).await.unwrap();
    s.css("[data-testid='import-path-submit']").await.click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !s.text_contents("[data-testid='import-file-shape']").await.iter().any(|t| t == shape) {
        assert!(std::time::Instant::now() < deadline, "the import of {} did not finish", sample);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// What others saw and did, beside Kordon's own reading: the SOC's Sentinel
/// incident next to the triage (which it never changes), and what Falco
/// Talon already did to the pod, on the pod and in the incident's actions.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn the_socs_view_and_what_was_done_outside_kordon() {
    let app = support::launch(&[]).await;
    let s = &app.session;
    s.open_demo().await;
    import_in_the_queue(s, "sentinel/incidents-page1.json", "Microsoft Sentinel, incidents REST API, 3 Sentinel incidents").await;
    import_in_the_queue(s, "falco-talon/talon.jsonl", "Falco Talon, Talon log JSON Lines, 3 Falco Talon actions, 8 records skipped").await;
    s.css("body[data-ready='queue'] [data-testid='incident-row']").await;
    let first = s.css("[data-testid='incident-row']").await.text().await.unwrap();
    assert!(first.contains("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"), "the imports made no new incident ahead of it: {}", first);
    s.click("[data-testid='incident-row'] td.title").await;
    s.css("body[data-ready='incident']").await;

    // The SOC's view beside Kordon's triage, which stays New.
    s.click("[data-testid='tab-triage']").await;
    let soc = s.css("[data-testid='soc-view'] [data-testid='soc-incident']").await;
    let title = soc.find(Locator::Css("[data-testid='soc-title']")).await.unwrap().text().await.unwrap();
    assert!(title.contains("#4127") && title.contains("Digital currency mining"), "{}", title);
    let differs = s.css("[data-testid='soc-differs']").await.text().await.unwrap();
    assert!(differs.contains("SOC In progress") && differs.contains("Kordon New"), "{}", differs);
    s.css("[data-testid='incident-status'][data-status='new']").await;
    assert!(s.all("[data-testid='soc-view'] a, [data-testid='soc-view'] img").await.is_empty(), "no links, no remote content");

    // Done outside Kordon: Talon's actions, the failed one with its error.
    let outside = s.all("[data-testid='external-actions'] [data-testid='external-action']").await;
    assert_eq!(outside.len(), 3, "Talon's three actions on the pod");
    let mut failed = 0;
    for a in &outside {
        if a.attr("data-status").await.unwrap().as_deref() == Some("failure") {
            failed += 1;
            let error = a.find(Locator::Css("[data-testid='external-action-error']")).await.unwrap().text().await.unwrap();
            assert!(error.contains("forbidden"), "{}", error);
        }
    }
    assert_eq!(failed, 1, "the terminate Talon could not do");
    s.shot("17-soc-view-and-outside-actions").await;

    // On the graph: the pod marked, its panel saying what was done to it.
    s.click("[data-testid='tab-graph']").await;
    s.css("#graph[data-graph-ready='true']").await;
    let pod = compromised_pod_in_the_graph(s).await;
    assert!(pod.attr("data-outside").await.unwrap().is_some(), "the pod is marked as acted on outside Kordon");
    pod.click().await.unwrap();
    let lines = s.texts("[data-testid='side-panel'] [data-testid='pod-outside-action']").await;
    assert_eq!(lines.len(), 3, "{:?}", lines);
    assert!(lines.iter().all(|l| l.contains("Falco Talon")), "{:?}", lines);
    s.shot("18-pod-done-outside-kordon").await;
    app.close().await;
}
