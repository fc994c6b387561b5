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
//! Needs Xvfb, `tauri-driver` (`cargo install tauri-driver --version '^2'`),
//! `WebKitWebDriver` (Debian: webkit2gtk-driver) and the built UI (`npm run
//! build` in `ui/`); `.ci/run` provides them and runs it with `--ignored`.

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Kill(Child, &'static str);

impl Drop for Kill {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: a killed tauri-driver leaves WebKitWebDriver
        // holding its port and the next run fails.
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.1);
        let _ = self.0.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16, what: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} did not listen on port {} within {:?}", what, port, timeout);
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = Path::new(&home).join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        return cargo_bin;
    }
    PathBuf::from("tauri-driver")
}

/// An X display: the one we have, or a fresh Xvfb.
fn display() -> (String, Option<Kill>) {
    if let Ok(d) = std::env::var("DISPLAY") {
        if !d.is_empty() {
            return (d, None);
        }
    }
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X11-unix/X{}", n)).exists() || Path::new(&format!("/tmp/.X{}-lock", n)).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .arg(format!(":{}", n))
            .args(["-screen", "0", "1440x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is needed for the end-to-end tests (Debian: apt-get install xvfb)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{}", n)).exists() {
            assert!(Instant::now() < deadline, "Xvfb :{} did not start", n);
            std::thread::sleep(Duration::from_millis(50));
        }
        return (format!(":{}", n), Some(Kill(child, "Xvfb")));
    }
    panic!("no free X display number");
}

struct Session {
    client: Client,
    shots: PathBuf,
}

impl Session {
    async fn css(&self, css: &str) -> Element {
        self.wait_for(css, Duration::from_secs(30)).await
    }

    async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        match self.client.wait().at_most(timeout).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                self.shot("failure").await;
                panic!("waited {:?} for {}: {}", timeout, css, e)
            }
        }
    }

    async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_default()
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.all(css).await {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// Saves a screenshot once the frame shows the latest DOM (two
    /// animation frames later).
    async fn shot(&self, name: &str) {
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        match self.client.screenshot().await {
            Ok(png) => {
                std::fs::create_dir_all(&self.shots).unwrap();
                std::fs::write(self.shots.join(format!("{}.png", name)), png).unwrap();
            }
            Err(e) => eprintln!("screenshot {} failed: {}", name, e),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "end to end: needs Xvfb, tauri-driver, WebKitWebDriver and the built UI (run by .ci/run)"]
async fn an_investigation_in_the_real_app() {
    assert!(
        repo().join("ui/dist/index.html").exists(),
        "build the UI first: (cd ui && npm ci && npm run build)"
    );
    let (display, _xvfb) = display();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let native = free_port();
    let driver = Command::new(tauri_driver())
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", &display)
        .env("KORDON_DATA_DIR", data.path())
        .env("KORDON_NOW", "2026-11-21T08:00:00Z")
        .env("KORDON_ACTOR", "e2e-investigator")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver is needed (cargo install tauri-driver --version '^2' --locked)");
    let _driver = Kill(driver, "tauri-driver");
    wait_port(port, "tauri-driver", Duration::from_secs(20));

    let app = env!("CARGO_BIN_EXE_kordon-app");
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "wry",
        "tauri:options": {"application": app, "args": []}
    }))
    .unwrap();
    let client = tokio::time::timeout(
        Duration::from_secs(60),
        ClientBuilder::native().capabilities(caps).connect(&format!("http://127.0.0.1:{}", port)),
    )
    .await
    .expect("the app's WebDriver session did not open within 60 s (no display? GTK failed?)")
    .expect("WebDriver session");
    let s = Session { client, shots: repo().join("docs/screenshots") };

    // 1. Start screen → open the demo incident.
    s.css("body[data-ready='start']").await;
    s.css("[data-testid='open-demo']").await.click().await.unwrap();
    s.wait_for("body[data-ready='queue'] [data-testid='incident-row']", Duration::from_secs(120)).await;

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
    s.shot("02-graph").await;

    // 4. Select the pod: its side panel lists the miner alert under Impact.
    pod.click().await.unwrap();
    s.css("[data-testid='side-panel'] [data-testid='tactic-group'][data-tactic='TA0040'] [data-testid='evidence-item']").await;
    let impact = s.texts("[data-testid='side-panel'] [data-testid='tactic-group'][data-tactic='TA0040'] [data-testid='evidence-item']").await;
    assert!(
        impact.iter().any(|t| t.contains("miner") || t.contains("Crypto") || t.contains("mining")),
        "Impact evidence of the pod: {:?}",
        impact
    );
    s.shot("03-graph-side-panel").await;

    // 5. The evidence tab filtered to Discovery shows the nmap events.
    s.css("[data-testid='tab-evidence']").await.click().await.unwrap();
    s.css("[data-testid='tactic-filter'][data-tactic='TA0007']").await.click().await.unwrap();
    s.css("[data-testid='evidence-row']").await;
    let rows = s.texts("[data-testid='evidence-row']").await;
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

    s.client.close().await.unwrap();
}
