//! The harness the app's WebDriver tests share: a virtual display, a
//! tauri-driver on free ports, the built app in a session, screenshots.

#![allow(dead_code)]

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Kill(Child, &'static str);

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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn wait_port(port: u16, what: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} did not listen on port {} within {:?}", what, port, timeout);
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn tauri_driver() -> PathBuf {
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
pub fn display() -> (String, Option<Kill>) {
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
            .args(["-screen", "0", "1920x1080x24", "-nolisten", "tcp"])
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

pub struct Session {
    pub client: Client,
    pub shots: PathBuf,
}

impl Session {
    /// From the start screen, opens the demo incident into the queue (the
    /// demo case is built on first use, which takes a while on a cold disk).
    pub async fn open_demo(&self) {
        self.css("body[data-ready='start']").await;
        self.css("[data-testid='open-demo']").await.click().await.unwrap();
        self.wait_for("body[data-ready='queue'] [data-testid='incident-row']", Duration::from_secs(120)).await;
    }

    /// Clicks the element as a person would, after scrolling it to the
    /// middle of its view; retries while something transient (a tooltip, a
    /// panel being redrawn) covers it.
    pub async fn click(&self, css: &str) {
        let mut last = String::new();
        for _ in 0..10 {
            let e = self.css(css).await;
            let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center', inline: 'center'});", vec![serde_json::to_value(&e).unwrap()]).await;
            match e.click().await {
                Ok(()) => return,
                Err(err) => last = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        self.shot("failure").await;
        panic!("could not click {}: {}", css, last);
    }

    pub async fn css(&self, css: &str) -> Element {
        self.wait_for(css, Duration::from_secs(30)).await
    }

    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        match self.client.wait().at_most(timeout).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                self.shot("failure").await;
                panic!("waited {:?} for {}: {}", timeout, css, e)
            }
        }
    }

    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_default()
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.all(css).await {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// The text of each element, clipped or not (WebKitWebDriver's element
    /// text leaves out text cut by `overflow: hidden`, as in one-line rows).
    pub async fn text_contents(&self, css: &str) -> Vec<String> {
        let v = self
            .client
            .execute("return Array.from(document.querySelectorAll(arguments[0])).map((e) => e.textContent);", vec![serde_json::json!(css)])
            .await
            .unwrap();
        v.as_array().map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
    }

    /// Saves a screenshot once the frame shows the latest DOM (two
    /// animation frames later).
    pub async fn shot(&self, name: &str) {
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


/// The running app and everything it needs; dropping it stops them.
pub struct App {
    pub session: Session,
    pub data: tempfile::TempDir,
    _driver: Kill,
    _xvfb: Option<Kill>,
}

impl App {
    pub async fn close(self) {
        let _ = self.session.client.clone().close().await;
    }
}

/// Starts the built app under a display with a fresh data folder, after
/// `prepare` has put files into it (e.g. a recent-cases list).
pub async fn launch(prepare: &[(&str, Vec<u8>)]) -> App {
    launch_with_env(prepare, &[]).await
}

/// As `launch`, with extra environment for the app (e.g. `KUBECONFIG`).
pub async fn launch_with_env(prepare: &[(&str, Vec<u8>)], env: &[(&str, String)]) -> App {
    assert!(
        repo().join("ui/dist/index.html").exists(),
        "build the UI first: (cd ui && npm ci && npm run build)"
    );
    let (display, xvfb) = display();
    let data = tempfile::tempdir().unwrap();
    for (name, bytes) in prepare {
        std::fs::write(data.path().join(name), bytes).unwrap();
    }
    let port = free_port();
    let native = free_port();
    let driver = Command::new(tauri_driver())
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .env("DISPLAY", &display)
        .env("KORDON_DATA_DIR", data.path())
        .env("KORDON_NOW", "2026-11-21T08:00:00Z")
        .env("KORDON_ACTOR", "e2e-investigator")
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver is needed (cargo install tauri-driver --version '^2' --locked)");
    let driver = Kill(driver, "tauri-driver");
    wait_port(port, "tauri-driver", Duration::from_secs(20));
    let app = env!("CARGO_BIN_EXE_kordon-app");
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "wry",
        "tauri:options": {"application": app, "args": []}
    }))
    .unwrap();
    // tauri-driver answers on its port before WebKitWebDriver behind it is
    // ready; a session request that early is cut short. Ask again.
    let mut attempt = 0;
    let client = loop {
        attempt += 1;
        let tried = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::native().capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{}", port)),
        )
        .await
        .expect("the app's WebDriver session did not open within 60 s (no display? GTK failed?)");
        match tried {
            Ok(c) => break c,
            Err(e) if attempt < 5 => {
                eprintln!("WebDriver session, attempt {}: {}; retrying", attempt, e);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => panic!("WebDriver session: {:?}", e),
        }
    };
    App { session: Session { client, shots: repo().join("docs/screenshots") }, data, _driver: driver, _xvfb: xvfb }
}

/// The figures of the graph on screen (`kordon:measure`, see
/// ui/src/graph/figures.ts): the canvas's share of the window, the smallest
/// label drawn, overlapping labels; panned for `pan_seconds` when not zero.
pub async fn graph_figures_panned(s: &Session, pan_seconds: u32) -> serde_json::Value {
    s.client
        .execute(
            "const g = document.getElementById('graph'); delete g.dataset.figures; \
             g.dispatchEvent(new CustomEvent('kordon:measure', {detail: {panSeconds: arguments[0]}}));",
            vec![serde_json::json!(pan_seconds)],
        )
        .await
        .unwrap();
    s.wait_for("#graph[data-figures]", Duration::from_secs(60)).await;
    let text = s.client.execute("return document.getElementById('graph').dataset.figures;", vec![]).await.unwrap();
    serde_json::from_str(text.as_str().unwrap_or("{}")).unwrap()
}

pub async fn graph_figures(s: &Session) -> serde_json::Value {
    graph_figures_panned(s, 0).await
}
