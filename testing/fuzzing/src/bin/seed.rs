//! Seeds the fuzz corpora from the repository's fixtures:
//! `cargo run -p kordon-fuzzing --bin kordon-fuzz-seed -- fuzz/corpus`.
//!
//! - `record`: the records of every sample, split by Kordon's own framing
//!   (so each carries the context its framing gives it: a CSV row, a typed
//!   list's kind, a cloud envelope).
//! - `file`: every small fixture whole, named by its extension.
//! - `bundle`: the entries of every small zip fixture, and a bundle built
//!   from the demo's sources, cut short, with a manifest that matches.
//! - `kubeconfig`: one kubeconfig per way a user authenticates.
//!
//! Each seed is named by its content's SHA-256, as libFuzzer names what it
//! adds, so seeding again adds nothing twice.

use kordon::bundle::{sha256_hex, write_bundle, BundleMeta};
use kordon::formats::Format;
use kordon::ingest::framing::{self, Piece, Sink};
use kordon::ingest::Limits;
use kordon_fuzzing::{bundle, file, record};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Larger fixtures are left out: libFuzzer mutates small inputs faster, and
/// the bombs are tested as they are by the integration suite.
const MAX_SEED: usize = 256 << 10;
/// Records kept of one sample: its first ones show its shape.
const RECORDS_PER_SAMPLE: usize = 12;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut seeds = Seeds { out, written: 0 };
    records(&mut seeds, &fixtures.join("samples"))?;
    files(&mut seeds, &fixtures)?;
    zips(&mut seeds, &fixtures)?;
    demo_bundle(&mut seeds, &fixtures.join("demo/src"))?;
    for k in KUBECONFIGS {
        seeds.add("kubeconfig", k.as_bytes())?;
    }
    println!("{} seeds written", seeds.written);
    Ok(())
}

struct Seeds {
    out: PathBuf,
    written: usize,
}

impl Seeds {
    fn add(&mut self, target: &str, data: &[u8]) -> std::io::Result<()> {
        let dir = self.out.join(target);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(&sha256_hex(data)[..40]);
        if !path.exists() {
            std::fs::write(path, data)?;
            self.written += 1;
        }
        Ok(())
    }
}

/// Every file under `dir`, sorted, less the scripts that made them.
fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "golden") {
                found.extend(walk(&path)?);
            }
        } else if path.extension().is_none_or(|e| e != "py" && e != "md") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// A sample folder's format (`fixtures/samples/eks` holds EKS exports).
fn format_of(folder: &str) -> Option<Format> {
    match folder {
        "aks" => Some(Format::AksDiagnostics),
        "eks" => Some(Format::EksCloudWatch),
        "gke" => Some(Format::GkeLogging),
        other => Format::parse(other),
    }
}

fn gunzipped(path: &Path, bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        return Ok(out);
    }
    Ok(bytes)
}

/// Collects what the framing finds in a sample.
struct Collect {
    format: Format,
    inputs: Vec<Vec<u8>>,
}

impl Sink for Collect {
    fn piece(&mut self, p: Piece<'_>) -> kordon::error::Result<()> {
        if self.inputs.len() < RECORDS_PER_SAMPLE {
            match p {
                Piece::Json { json, hint, .. } => self.inputs.push(record::input(self.format, record::flags_of(&hint), json)),
                Piece::Text { raw, .. } | Piece::Bad { raw, .. } => self.inputs.push(record::input(self.format, 0, raw)),
            }
        }
        Ok(())
    }
}

fn records(seeds: &mut Seeds, samples: &Path) -> std::io::Result<()> {
    for path in walk(samples)? {
        let folder = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or_default();
        let Some(format) = format_of(folder) else { continue };
        if path.extension().is_some_and(|e| e == "zip") {
            continue;
        }
        let bytes = gunzipped(&path, std::fs::read(&path)?)?;
        let mut sink = Collect { format, inputs: Vec::new() };
        let prefix = &bytes[..bytes.len().min(4096)];
        let (name, limits) = (path.display().to_string(), Limits::default());
        let framed = if framing::is_document(prefix) {
            framing::document(&bytes[..], &name, &limits, &mut sink)
        } else if framing::is_csv(prefix) {
            framing::csv(&bytes[..], &name, &limits, &mut sink)
        } else if framing::is_yaml(prefix) {
            framing::yaml(&bytes[..], &name, &limits, &mut sink)
        } else {
            framing::lines(&bytes[..], &name, &limits, &mut sink)
        };
        // A sample that is broken on purpose still seeds what came before.
        let _ = framed;
        for input in sink.inputs {
            seeds.add("record", &input)?;
        }
    }
    Ok(())
}

/// The flags byte naming a file like `path` ([`file::NAMES`]).
fn file_flags(path: &Path) -> u8 {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name == "PT1H.json" {
        return 7;
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    file::NAMES.iter().position(|n| n.rsplit_once('.').is_some_and(|(_, e)| e == ext)).unwrap_or(0) as u8
}

fn files(seeds: &mut Seeds, fixtures: &Path) -> std::io::Result<()> {
    for path in walk(fixtures)? {
        let bytes = std::fs::read(&path)?;
        if bytes.len() <= MAX_SEED {
            seeds.add("file", &[&[file_flags(&path)][..], &bytes].concat())?;
        }
    }
    Ok(())
}

fn zips(seeds: &mut Seeds, fixtures: &Path) -> std::io::Result<()> {
    for path in walk(fixtures)? {
        if path.extension().is_none_or(|e| e != "zip") || std::fs::metadata(&path)?.len() > MAX_SEED as u64 {
            continue;
        }
        let Ok(mut zip) = zip::ZipArchive::new(std::fs::File::open(&path)?) else { continue };
        let mut entries = Vec::new();
        let mut deflated = false;
        for i in 0..zip.len() {
            let Ok(mut entry) = zip.by_index(i) else { continue };
            deflated |= entry.compression() == zip::CompressionMethod::Deflated;
            let mut content = Vec::new();
            if let (Ok(name), Ok(_)) = (entry.name().map(|n| n.to_string()), entry.read_to_end(&mut content)) {
                entries.push((name, content));
            }
        }
        if !entries.is_empty() {
            seeds.add("bundle", &bundle::input(deflated, &entries))?;
        }
    }
    Ok(())
}

/// A bundle of the demo's sources, each cut to its first lines, with a
/// manifest that lists them: the one seed that passes the manifest check.
fn demo_bundle(seeds: &mut Seeds, src: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    for (name, format) in [
        ("audit-attack.jsonl", Format::K8sAudit),
        ("falco.jsonl", Format::Falco),
        ("tetragon.jsonl", Format::Tetragon),
    ] {
        let text = std::fs::read_to_string(src.join(name))?;
        let head: String = text.lines().take(6).map(|l| format!("{l}\n")).collect();
        files.push((name.to_string(), format, head.into_bytes()));
    }
    let meta = BundleMeta {
        created: "2026-11-20T10:15:00Z".into(),
        producer: "kordon-fuzz-seed".into(),
        cluster: None,
        notes: None,
        capture: None,
    };
    let mut zip = std::io::Cursor::new(Vec::new());
    write_bundle(&mut zip, &meta, &files)?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.into_inner())).map_err(std::io::Error::other)?;
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(std::io::Error::other)?;
        let mut content = Vec::new();
        entry.read_to_end(&mut content)?;
        entries.push((entry.name().map_err(std::io::Error::other)?.to_string(), content));
    }
    seeds.add("bundle", &bundle::input(true, &entries))
}

/// One kubeconfig per way a user authenticates, and the shapes kubectl
/// writes (several contexts, a namespace, a current context).
const KUBECONFIGS: &[&str] = &[
    "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9tokenvalue0123\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: admin\n    namespace: shop\ncurrent-context: prod\npreferences: {}\n",
    "apiVersion: v1\nkind: Config\nclusters:\n- name: eks\n  cluster:\n    server: https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com\nusers:\n- name: aws\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod, --region, eu-west-1]\n      env:\n      - name: AWS_PROFILE\n        value: investigatorprofile\n      interactiveMode: IfAvailable\ncontexts:\n- name: eks\n  context: {cluster: eks, user: aws}\ncurrent-context: eks\n",
    "apiVersion: v1\nkind: Config\nclusters:\n- name: gke\n  cluster: {server: 'https://34.77.1.2'}\nusers:\n- name: gcp\n  user:\n    auth-provider:\n      name: gcp\n      config:\n        cmd-path: /usr/bin/gcloud\n        cmd-args: config config-helper --format=json\n        token-key: '{.credential.access_token}'\ncontexts:\n- name: gke\n  context: {cluster: gke, user: gcp}\ncurrent-context: gke\n",
    "apiVersion: v1\nkind: Config\nclusters:\n- name: aks\n  cluster: {server: 'https://aks-prod-dns-12345678.hcp.westeurope.azmk8s.io:443', insecure-skip-tls-verify: true}\n- name: kind\n  cluster: {server: 'https://admin:hunter2pass@127.0.0.1:6443'}\nusers:\n- name: cert\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t\n- name: basic\n  user: {username: admin, password: Sup3rSecretPass}\n- name: file\n  user: {tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}\n- name: oidc\n  user:\n    auth-provider:\n      name: oidc\n      config: {idp-issuer-url: 'https://issuer.example', client-id: kubectl, id-token: eyJoidctokenvalue99, refresh-token: refreshtokenvalue77}\ncontexts:\n- name: aks\n  context: {cluster: aks, user: cert}\n- name: kind\n  context: {cluster: kind, user: basic, namespace: default}\n- name: sa\n  context: {cluster: kind, user: file}\n- name: oidc\n  context: {cluster: aks, user: oidc}\ncurrent-context: kind\n",
    "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: s3cr3tt0kenvalue\n    client-key-data: [oops\n",
    "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://10.1.2.3\"}}],\"users\":[{\"name\":\"u\",\"user\":{\"exec\":{\"command\":\"kubelogin\",\"args\":[\"get-token\",\"--token\",\"abcdef0123456789\"]}}}],\"contexts\":[{\"name\":\"c\",\"context\":{\"cluster\":\"c\",\"user\":\"u\"}}],\"current-context\":\"c\"}\n",
];
