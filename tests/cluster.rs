//! Containment through the real `kube` client, configured from a real
//! kubeconfig file (TLS with a CA the test server generates, a bearer
//! token), against a Kubernetes API server on loopback seeded with the demo
//! cluster's snapshot. Each test drives the real `kordon` binary.

use crate::util::{fixture, TestCase};
use kordon_test_apiserver::{Cluster, Fault, Match, Server};
use serde_json::Value;
use std::path::{Path, PathBuf};

const POD: &str = "shop/cart-7f9c6d8b5-x2k4q";
const POD_NAME: &str = "cart-7f9c6d8b5-x2k4q";
const UID: &str = "5073bb1d-f9d3-4ee8-9817-7e92b9975677";
const PODS: &str = "v1/pods";
const POLICIES: &str = "networking.k8s.io/v1/networkpolicies";

struct Lab {
    t: TestCase,
    server: Server,
    kubeconfig: PathBuf,
    incident: String,
}

impl Lab {
    fn new() -> Lab {
        let t = TestCase::new();
        t.import(&[&fixture("demo/kordon-demo.zip")]);
        t.ok(&["detect"]);
        t.ok(&["correlate"]);
        let incident = t.json_lines(&["incidents"]).remove(0)["id"].as_str().unwrap().to_string();
        let mut cluster = Cluster::from_json(&std::fs::read(fixture("demo/src/snapshot.json")).unwrap()).unwrap();
        cluster.add_document(serde_json::from_slice(&std::fs::read(fixture("demo/src/k8s-events.json")).unwrap()).unwrap()).unwrap();
        let server = Server::start(cluster);
        server.set_identity("aks-incident-responder", &["system:authenticated", "responders"]);
        let kubeconfig = t.dir.path().join("kubeconfig.yaml");
        std::fs::write(&kubeconfig, server.kubeconfig("lab", Some("shop"))).unwrap();
        Lab { t, server, kubeconfig, incident }
    }

    fn kc(&self) -> &str {
        self.kubeconfig.to_str().unwrap()
    }

    fn isolate(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["isolate", "--incident", &self.incident, "--pod", POD, "--reason", "miner talking to the pool", "--kubeconfig", self.kc(), "--yes", "--json"];
        args.extend_from_slice(extra);
        self.t.run(&args)
    }

    fn isolated(&self) -> Value {
        let out = self.isolate(&[]);
        assert!(out.status.success(), "isolate failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn pod(&self) -> Value {
        self.server.object(PODS, Some("shop"), POD_NAME).expect("the pod")
    }

    fn kordon_policies(&self) -> Vec<Value> {
        self.server.objects(POLICIES, Some("shop")).into_iter().filter(|p| p["metadata"]["labels"]["kordon.io/isolation"].is_string()).collect()
    }

    fn actions(&self) -> Vec<Value> {
        self.t.json_lines(&["actions"])
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn isolate_verify_and_release_exactly_that_pod() {
    let lab = Lab::new();
    let row = lab.isolated();
    let id = row["id"].as_str().unwrap().to_string();
    assert_eq!(row["state"], "applied");
    assert_eq!(row["pod_uid"], UID);
    assert_eq!(row["cluster_user"], "aks-incident-responder");
    assert_eq!(row["context"], "lab");

    // Server-side dry runs came first, then the real changes.
    let writes: Vec<(String, Option<String>)> = lab
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" || (r.method == "POST" && r.path.contains("networkpolicies")))
        .map(|r| (r.method.clone(), r.param("dryRun").map(str::to_string)))
        .collect();
    assert_eq!(
        writes,
        [("PATCH".into(), Some("All".into())), ("POST".into(), Some("All".into())), ("PATCH".into(), None), ("POST".into(), None)]
    );

    // Only this pod carries the label; the policy selects that label only, both ways, no rules.
    let pod = lab.pod();
    assert_eq!(pod["metadata"]["labels"]["kordon.io/isolation"], id.as_str());
    assert_eq!(pod["metadata"]["annotations"]["kordon.io/reason"], "miner talking to the pool");
    assert_eq!(pod["metadata"]["annotations"]["kordon.io/incident"], lab.incident.as_str());
    let others = lab.server.objects(PODS, Some("shop")).into_iter().filter(|p| p["metadata"]["labels"]["kordon.io/isolation"].is_string()).count();
    assert_eq!(others, 1, "no other pod is labelled");
    let policies = lab.kordon_policies();
    assert_eq!(policies.len(), 1);
    let np = &policies[0];
    assert_eq!(np["spec"]["podSelector"], serde_json::json!({"matchLabels": {"kordon.io/isolation": id}}));
    assert_eq!(np["spec"]["policyTypes"], serde_json::json!(["Ingress", "Egress"]));
    assert!(np["spec"].get("ingress").is_none_or(|v| v.as_array().is_some_and(|a| a.is_empty())));
    assert_eq!(row["details"]["created"]["policy_uid"], np["metadata"]["uid"]);

    // The incident's log has the action.
    let log = lab.t.json_lines(&["log", &lab.incident]);
    assert!(log.iter().any(|e| e["action"] == "cluster-action" && e["details"]["state"] == "applied"));

    // Release: exactly what was created goes, verified.
    let unrelated = serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "team-policy", "namespace": "shop"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}});
    lab.server.put(unrelated);
    let out = lab.t.ok(&["release", &id, "--reason", "pod rebuilt from a clean image", "--kubeconfig", lab.kc(), "--yes", "--json"]);
    let released: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(released["state"], "released");
    assert!(lab.pod()["metadata"]["labels"].get("kordon.io/isolation").is_none());
    assert!(lab.pod()["metadata"]["annotations"].get("kordon.io/reason").is_none());
    assert!(lab.kordon_policies().is_empty());
    assert!(lab.server.object(POLICIES, Some("shop"), "team-policy").is_some(), "a policy Kordon did not create stays");
    lab.t.ok(&["verify"]);
}

#[test]
fn a_dry_run_changes_nothing_in_the_cluster() {
    let lab = Lab::new();
    let before = lab.pod();
    let out = lab.isolate(&["--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["state"], "dry-run");
    assert!(stderr(&out).contains("policyTypes"), "the preview shows the policy: {}", stderr(&out));
    assert_eq!(lab.pod(), before);
    assert!(lab.kordon_policies().is_empty());
    assert!(lab.server.requests().iter().filter(|r| r.method != "GET").all(|r| r.param("dryRun") == Some("All") || r.path.contains("selfsubject")));
}

#[test]
fn a_missing_permission_is_named_and_nothing_is_changed() {
    let lab = Lab::new();
    lab.server.deny("create", "networking.k8s.io", "networkpolicies", None);
    let before = lab.pod();
    let out = lab.isolate(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error[forbidden]") && err.contains("create networkpolicies.networking.k8s.io in shop"), "{}", err);
    assert_eq!(lab.pod(), before);
    assert!(lab.actions().is_empty(), "nothing was attempted");
}

#[test]
fn a_403_mid_action_rolls_the_label_back() {
    let lab = Lab::new();
    // RBAC changed between the check and the action.
    lab.server.forbid_only("create", "networking.k8s.io", "networkpolicies");
    let out = lab.isolate(&[]);
    assert_eq!(out.status.code(), Some(1));
    // The dry run already hits the 403: nothing is attempted.
    assert!(stderr(&out).contains("error[forbidden]"), "{}", stderr(&out));
    assert!(lab.pod()["metadata"]["labels"].get("kordon.io/isolation").is_none());
    assert!(lab.kordon_policies().is_empty());
}

#[test]
fn a_recreated_pod_is_refused_unless_chosen_by_its_uid() {
    let lab = Lab::new();
    let mut pod = lab.pod();
    pod["metadata"]["uid"] = Value::from("11111111-2222-4333-8444-555555555555");
    lab.server.put(pod);
    let out = lab.isolate(&[]);
    let err = stderr(&out);
    assert!(err.contains("error[target_changed]") && err.contains(UID) && err.contains("11111111-2222"), "{}", err);
    assert!(lab.kordon_policies().is_empty());
    let out = lab.isolate(&["--accept-uid", "11111111-2222-4333-8444-555555555555"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["pod_uid"], "11111111-2222-4333-8444-555555555555");
}

#[test]
fn a_pod_that_is_gone_is_said_so() {
    let lab = Lab::new();
    lab.server.remove(PODS, Some("shop"), POD_NAME);
    let err = stderr(&lab.isolate(&[]));
    assert!(err.contains("error[not_found]") && err.contains("is gone"), "{}", err);
}

#[test]
fn a_connection_dropped_mid_isolation_leaves_a_consistent_state() {
    // Dropped before the policy was stored: the label is rolled back.
    let lab = Lab::new();
    let out = lab.isolate_with_drop(Fault::DropBefore);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("error[cluster_unreachable]"), "{}", stderr(&out));
    assert!(lab.pod()["metadata"]["labels"].get("kordon.io/isolation").is_none(), "the half-applied label is gone");
    assert!(lab.kordon_policies().is_empty());
    assert_eq!(lab.actions()[0]["state"], "rolled-back");

    // Dropped after the policy was stored: it is found and the isolation completes.
    let lab = Lab::new();
    let out = lab.isolate_with_drop(Fault::DropAfter);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lab.actions()[0]["state"], "applied");
    assert_eq!(lab.kordon_policies().len(), 1);
}

impl Lab {
    /// Isolates with the connection of the real (not dry-run) policy creation dropped.
    fn isolate_with_drop(&self, fault: Fault) -> std::process::Output {
        self.server.fail_next(Match::new("POST", "/namespaces/shop/networkpolicies").not_dry_run(), fault);
        self.isolate(&[])
    }
}

#[test]
fn an_unknown_outcome_is_reconciled_by_reading_the_cluster() {
    let lab = Lab::new();
    // The create's answer is lost, and so is the read that would settle it.
    lab.server.fail_next(Match::new("POST", "/namespaces/shop/networkpolicies").not_dry_run(), Fault::DropBefore);
    lab.server.fail_next(Match::new("GET", "/namespaces/shop/networkpolicies/kordon-isolate-"), Fault::DropBefore);
    let out = lab.isolate(&[]);
    assert_eq!(out.status.code(), Some(1));
    let row = lab.actions().remove(0);
    assert_eq!(row["state"], "unknown");
    assert_eq!(lab.pod()["metadata"]["labels"]["kordon.io/isolation"], row["id"], "the label is still on");
    let out = lab.t.ok(&["reconcile", row["id"].as_str().unwrap(), "--kubeconfig", lab.kc(), "--json"]);
    let after: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(after["state"], "rolled-back");
    assert!(lab.pod()["metadata"]["labels"].get("kordon.io/isolation").is_none());
}

#[test]
fn terminate_captures_evidence_first_then_deletes_by_uid() {
    let lab = Lab::new();
    lab.server.set_logs("shop", POD_NAME, "cart", false, "2026-11-20T09:46:58Z [xmrig] connected to pool.supportxmr.example:3333\n");
    lab.server.set_logs("shop", POD_NAME, "cart", true, "2026-11-20T09:44:00Z cart-service started\n");
    let err = lab.t.refused(&["terminate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner", "--kubeconfig", lab.kc(), "--yes"]);
    assert!(err.contains("--confirm-pod"), "a destructive action needs the name typed: {}", err);
    let err = lab.t.refused(&["terminate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner", "--kubeconfig", lab.kc(), "--yes", "--confirm-pod", "cart"]);
    assert!(err.contains("nothing done"), "{}", err);
    assert!(lab.server.object(PODS, Some("shop"), POD_NAME).is_some());

    lab.server.clear_requests();
    let out = lab.t.ok(&[
        "terminate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner confirmed", "--kubeconfig", lab.kc(),
        "--grace-period", "5", "--scale-owner-to-zero", "--yes", "--confirm-pod", POD_NAME, "--json",
    ]);
    let row: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(row["state"], "applied");
    assert!(lab.server.object(PODS, Some("shop"), POD_NAME).is_none(), "the pod is gone");
    let reqs = lab.server.requests();
    let first_log = reqs.iter().position(|r| r.path.ends_with("/log")).expect("logs read");
    // A delete's dry run travels in its DeleteOptions body.
    let dry_delete = reqs.iter().position(|r| r.method == "DELETE" && r.body.contains("dryRun")).expect("a dry run first");
    let delete = reqs.iter().position(|r| r.method == "DELETE" && !r.body.contains("dryRun")).expect("deleted");
    assert!(dry_delete < first_log);
    let scale_dry = reqs.iter().position(|r| r.method == "PATCH" && r.path.ends_with("/scale") && r.param("dryRun") == Some("All"));
    let scale = reqs.iter().position(|r| r.method == "PATCH" && r.path.ends_with("/scale") && r.param("dryRun").is_none());
    assert!(scale_dry.is_some() && scale_dry < scale, "the scale is dry-run first");
    assert!(first_log < delete, "evidence before the delete: {:?}", reqs.iter().map(|r| format!("{} {} {:?}", r.method, r.path, r.query)).collect::<Vec<_>>());
    let del = &reqs[delete];
    assert!(del.body.contains(UID), "the delete carries the UID precondition: {}", del.body);
    assert!(del.body.contains("\"gracePeriodSeconds\":5") || del.param("gracePeriodSeconds") == Some("5"), "{}", del.body);
    let names: Vec<&str> = row["details"]["captured"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["pod.json", "events.json", "logs/cart.log", "logs/cart.previous.log", "owners.json"]);
    assert_eq!(row["details"]["scaled"]["kind"], "Deployment");
    let before = row["details"]["scaled"]["previous_replicas"].as_i64().unwrap();
    assert!(before > 0);
    let dep = lab.server.object("apps/v1/deployments", Some("shop"), "cart").unwrap();
    assert_eq!(dep["spec"]["replicas"], 0);
    assert!(row["details"]["controller"].as_str().unwrap().contains("scaled to zero"));
    lab.t.ok(&["verify"]);

    lab.t.ok(&["restore", row["id"].as_str().unwrap(), "--kubeconfig", lab.kc(), "--yes"]);
    assert_eq!(lab.server.object("apps/v1/deployments", Some("shop"), "cart").unwrap()["spec"]["replicas"], before);
}

#[test]
fn an_exec_plugin_runs_only_once_trusted() {
    let lab = Lab::new();
    let marker = lab.t.dir.path().join("plugin-ran");
    let plugin = lab.t.dir.path().join("get-token.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\ntouch '{}'\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            marker.display(),
            lab.server.token()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kc = lab.t.dir.path().join("exec-kubeconfig.yaml");
    std::fs::write(&kc, lab.server.kubeconfig_exec("exec-lab", plugin.to_str().unwrap(), &["--cluster", "lab"])).unwrap();
    let kc = kc.to_str().unwrap();

    let contexts = lab.t.ok(&["cluster", "contexts", "--kubeconfig", kc]);
    assert!(contexts.contains("exec-lab") && contexts.contains("get-token.sh --cluster lab"), "{}", contexts);
    let args = ["isolate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner", "--kubeconfig", kc, "--yes", "--dry-run"];
    let err = lab.t.refused(&args);
    assert!(err.contains("error[exec_untrusted]") && err.contains("get-token.sh --cluster lab"), "{}", err);
    assert!(!marker.exists(), "nothing ran before the investigator trusted it");
    let mut trusted = args.to_vec();
    trusted.push("--trust-exec");
    lab.t.ok(&trusted);
    assert!(marker.exists(), "the trusted plugin ran");
}

/// A script that leaves a mark when it runs and prints the lab's token.
fn token_script(lab: &Lab, name: &str, marker: &Path) -> PathBuf {
    let script = lab.t.dir.path().join(name);
    std::fs::write(&script, format!("#!/bin/sh\ntouch '{}'\nprintf '%s' '{}'\n", marker.display(), lab.server.token())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn an_auth_provider_command_runs_only_once_trusted() {
    let lab = Lab::new();
    let marker = lab.t.dir.path().join("provider-ran");
    let script = token_script(&lab, "gcloud-helper.sh", &marker);
    let kc = lab.t.dir.path().join("gcp-kubeconfig.yaml");
    std::fs::write(&kc, lab.server.kubeconfig_auth_provider("gke-lab", script.to_str().unwrap(), "config config-helper")).unwrap();
    let kc = kc.to_str().unwrap();
    let shown = format!("{} config config-helper", script.display());

    let contexts = lab.t.ok(&["cluster", "contexts", "--kubeconfig", kc]);
    assert!(contexts.contains(&format!("auth-provider runs: {}", shown)), "{}", contexts);
    let listed: Value = serde_json::from_str(lab.t.ok(&["cluster", "contexts", "--kubeconfig", kc, "--json"]).lines().next().unwrap()).unwrap();
    assert_eq!(listed["command"], shown.as_str());

    // Every way in refuses it untrusted and shows the command: a dry run,
    // a snapshot, and the kubeconfig found through $KUBECONFIG.
    let dry = ["isolate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner", "--kubeconfig", kc, "--yes", "--dry-run"];
    let snapshot_out = lab.t.dir.path().join("snap.zip");
    let snapshot = ["snapshot", "--kubeconfig", kc, "-o", snapshot_out.to_str().unwrap()];
    for args in [&dry[..], &snapshot[..]] {
        let err = lab.t.refused(args);
        assert!(err.contains("error[exec_untrusted]") && err.contains(&shown), "{:?}: {}", args, err);
    }
    let from_env = lab
        .t
        .command(&["isolate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner", "--yes", "--dry-run"])
        .env("KUBECONFIG", kc)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&from_env.stderr);
    assert!(!from_env.status.success() && err.contains("error[exec_untrusted]"), "{}", err);
    assert!(!marker.exists(), "nothing ran before the investigator trusted it");

    let mut trusted = dry.to_vec();
    trusted.push("--trust-exec");
    lab.t.ok(&trusted);
    assert!(marker.exists(), "the trusted command ran");
}

#[test]
fn a_kubeconfig_in_utf16_cut_short_is_a_clear_error() {
    // Found by fuzzing: the kube client's reader panicked on it.
    let t = TestCase::new();
    let cut = t.dir.path().join("utf16.yaml");
    let text: Vec<u8> = "apiVersion: v1\nkind: Config\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(&cut, [&[0xFF, 0xFE][..], &text, b"x"].concat()).unwrap();
    let err = t.refused(&["cluster", "contexts", "--kubeconfig", cut.to_str().unwrap()]);
    assert!(err.contains("UTF-16 text with an odd number of bytes"), "{}", err);
    // Whole, the same text reads.
    std::fs::write(&cut, [&[0xFF, 0xFE][..], &text].concat()).unwrap();
    let out = t.run(&["cluster", "contexts", "--kubeconfig", cut.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("UTF-16"), "{:?}", out);
}

#[test]
fn a_kubeconfig_secret_is_never_printed() {
    let t = TestCase::new();
    let dir = t.dir.path();
    // A kubeconfig that does not parse: the parser quotes the lines around
    // the error, token included.
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: s3cr3t-t0ken-value\n    client-key-data: [oops\n").unwrap();
    let err = t.refused(&["cluster", "contexts", "--kubeconfig", broken.to_str().unwrap()]);
    assert!(err.contains("error[invalid_argument]") && err.contains("line 7"), "{}", err);
    assert!(!err.contains("s3cr3t-t0ken-value"), "{}", err);

    // A password in the server URL, an exec plugin's environment and a
    // token passed as an argument.
    let kc = dir.join("secrets.yaml");
    // A plugin that fails: Kordon's message about it must not quote it.
    let plugin = dir.join("get-token-fails.sh");
    std::fs::write(&plugin, "#!/bin/sh\nexit 3\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let command = format!("      command: {}", plugin.display());
    let yaml = [
        "apiVersion: v1",
        "kind: Config",
        "current-context: prod",
        "clusters:",
        "- name: c",
        "  cluster: {server: \"https://admin:hunter2-pw@127.0.0.1:9\"}",
        "contexts:",
        "- name: prod",
        "  context: {cluster: c, user: e}",
        "users:",
        "- name: e",
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1",
        &command,
        "      args: [eks, get-token, --cluster-name, prod, --token, arg-s3cr3t]",
        "      env: [{name: AWS_SECRET_ACCESS_KEY, value: env-s3cr3t}]",
    ];
    std::fs::write(&kc, yaml.join("\n") + "\n").unwrap();
    let kc = kc.to_str().unwrap();
    let mut printed = t.ok(&["cluster", "contexts", "--kubeconfig", kc]);
    printed += &t.ok(&["cluster", "contexts", "--kubeconfig", kc, "--json"]);
    printed += &t.refused(&["snapshot", "--kubeconfig", kc, "-o", dir.join("s.zip").to_str().unwrap()]);
    printed += &t.refused(&["snapshot", "--kubeconfig", kc, "--trust-exec", "-o", dir.join("s.zip").to_str().unwrap()]);
    for secret in ["hunter2-pw", "env-s3cr3t", "arg-s3cr3t"] {
        assert!(!printed.contains(secret), "{} printed:\n{}", secret, printed);
    }
    // What the investigator needs to decide is still there.
    let command_line = format!("AWS_SECRET_ACCESS_KEY=<hidden> {} eks get-token --cluster-name prod --token <hidden>", plugin.display());
    for shown in ["https://<hidden>@127.0.0.1:9", command_line.as_str()] {
        assert!(printed.contains(shown), "{} not shown:\n{}", shown, printed);
    }
}

#[test]
fn no_credential_reaches_the_case_or_the_output() {
    let lab = Lab::new();
    let out = lab.isolate(&[]);
    assert!(out.status.success());
    let id = serde_json::from_slice::<Value>(&out.stdout).unwrap()["id"].as_str().unwrap().to_string();
    let rel = lab.t.run(&["release", &id, "--reason", "done", "--kubeconfig", lab.kc(), "--yes"]);
    let token = lab.server.token();
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{}", lab.t.case.display(), suffix)) {
            bytes.extend(b);
        }
    }
    bytes.extend(out.stdout);
    bytes.extend(out.stderr);
    bytes.extend(rel.stdout);
    bytes.extend(rel.stderr);
    bytes.extend(lab.t.ok(&["log", "--json"]).into_bytes());
    let ca_line = lab.server.ca_pem().lines().nth(1).unwrap_or_default().to_string();
    for secret in [token.as_str(), ca_line.as_str()] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "a credential ({}…) leaked", &secret[..8]);
    }
}

#[test]
fn a_broken_kubeconfig_a_missing_one_or_an_unknown_context_is_a_clear_error() {
    let lab = Lab::new();
    let broken = lab.t.dir.path().join("broken.yaml");
    std::fs::write(&broken, "apiVersion: v1\nclusters: [ {name: lab, cluster: {server: \n").unwrap();
    let err = lab.t.refused(&["cluster", "contexts", "--kubeconfig", broken.to_str().unwrap()]);
    assert!(err.contains("error[invalid_argument]") && err.contains("broken.yaml: not a readable kubeconfig"), "{}", err);
    let missing = lab.t.dir.path().join("nowhere.yaml");
    let err = lab.t.refused(&["cluster", "contexts", "--kubeconfig", missing.to_str().unwrap()]);
    assert!(err.contains("error[not_found]") && err.contains("nowhere.yaml: no such kubeconfig"), "{}", err);
    let before = lab.pod();
    let out = lab.isolate(&["--context", "prod-eu"]);
    assert!(stderr(&out).contains("no context 'prod-eu' in the kubeconfig (contexts: lab)"), "{}", stderr(&out));
    assert_eq!(lab.pod(), before);
    assert!(lab.actions().is_empty());
}

impl Lab {
    /// Writes a playbook into the test's folder and loads it into the case.
    fn load_playbook(&self, name: &str, yaml: &str) {
        let path = self.t.dir.path().join(name);
        std::fs::write(&path, yaml).unwrap();
        self.t.ok(&["playbook", "load", path.to_str().unwrap()]);
    }
}

fn example_playbook() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/playbooks/production-staging.yaml").display().to_string()
}

/// Under the example playbook the cart pod falls under `production-shop`:
/// the identity's verdict before any containment, the evidence captured
/// and a second person before scaling to zero. Each unmet requirement is
/// refused before a request reaches the cluster; the approvals given are
/// recorded with the action and in the log.
#[test]
fn the_playbook_rule_gates_containment_and_the_approvals_are_recorded() {
    let lab = Lab::new();
    lab.t.ok(&["playbook", "load", &example_playbook()]);
    lab.server.clear_requests();
    let out = lab.isolate(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("[playbook_requirement]")
            && err.contains("rule `production-shop` of the playbook \"Shop — production and staging\" requires, before this action: a verdict on identity system:serviceaccount:shop:cart; nothing was done"),
        "{}",
        err
    );
    assert!(lab.server.requests().is_empty(), "nothing reached the cluster: {:?}", lab.server.requests().len());

    // A dry run shows what is missing and goes ahead: it changes nothing.
    let dry = lab.isolate(&["--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stderr(&dry).contains("  [ ] a verdict on identity system:serviceaccount:shop:cart"), "{}", stderr(&dry));

    lab.t.ok(&["verdict", &lab.incident, "system:serviceaccount:shop:cart", "malicious"]);
    let row = lab.isolated();
    assert_eq!(row["state"], "applied");
    let gate = &row["details"]["playbook"];
    assert_eq!(gate["rule"], "production-shop");
    assert_eq!(gate["action"], "isolate");
    assert_eq!(gate["requirements"], serde_json::json!([{"kind": "review:identity", "text": "the identity verdicts, set", "met": true}]));
    let bytes = std::fs::read(example_playbook()).unwrap();
    assert_eq!(gate["sha256"], kordon::bundle::sha256_hex(&bytes).as_str());
    // The hand-off note says what was done.
    let note = lab.t.ok(&["playbook", "handoff", &lab.incident]);
    let done = format!("- Done: isolate {} ({}, applied, ", POD, row["id"].as_str().unwrap());
    assert!(note.contains(&done) && note.contains("by test-investigator: \"miner talking to the pool\")"), "{}", note);

    // Scaling the owner to zero: the evidence captured first, and two people.
    let terminate = |extra: &[&str]| {
        let mut args = vec![
            "terminate", "--incident", &lab.incident, "--pod", POD, "--reason", "miner confirmed", "--kubeconfig", lab.kc(),
            "--scale-owner-to-zero", "--yes", "--confirm-pod", POD_NAME, "--json",
        ];
        args.extend_from_slice(extra);
        lab.t.run(&args)
    };
    lab.server.clear_requests();
    let err = stderr(&terminate(&[]));
    assert!(
        err.contains("a second person's name: the rule asks two people for scaling to zero; the pod's evidence captured first: the rule allows scaling to zero only after"),
        "{}",
        err
    );
    let err = stderr(&terminate(&["--second-person", "test-investigator", "--evidence-captured"]));
    assert!(err.contains("a second person's name, not the investigator's own (test-investigator)"), "{}", err);
    assert!(lab.server.requests().is_empty(), "nothing reached the cluster");
    assert!(lab.server.object(PODS, Some("shop"), POD_NAME).is_some());

    let out = terminate(&["--second-person", "Dana Reyes", "--evidence-captured"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(row["details"]["playbook"]["action"], "scale-to-zero");
    assert_eq!(row["details"]["playbook"]["approvals"], serde_json::json!({"second_person": "Dana Reyes", "evidence_captured": true}));
    let log: Vec<Value> = lab.t.json_lines(&["log"]).into_iter().filter(|e| e["action"] == "cluster-action").collect();
    let approvals = log.iter().find(|e| e["details"]["kind"] == "terminate").expect("the termination in the log");
    assert_eq!(approvals["details"]["details"]["playbook"]["approvals"]["second_person"], "Dana Reyes");

    // The report: the rule of each workload, who answers, and each action
    // with its rule and approvals.
    let html = lab.t.dir.path().join("report.html");
    lab.t.ok(&["report", &lab.incident, "-o", html.to_str().unwrap(), "--format", "html"]);
    let text = report_text(&std::fs::read_to_string(&html).unwrap());
    for want in [
        "Playbook and ownership",
        "Shop — production and staging — loaded from production-staging.yaml by test-investigator",
        "Workload owners team-shop",
        "Notify secops on-call, #inc-shop",
        "shop/cart-7f9c6d8b5-x2k4q production-shop high, prefers to isolate",
        "Playbook rule production-shop of “Shop — production and staging”",
        "Required the identity verdicts, set (met)",
        "Approvals second person: Dana Reyes; evidence captured",
    ] {
        assert!(text.contains(want), "the report lacks {:?}", want);
    }
}

/// The report's text as read: tags dropped, entities decoded, spaces collapsed.
fn report_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An action the rule forbids needs an explicit override with a reason,
/// which the action and the log keep.
#[test]
fn an_action_the_playbook_forbids_needs_an_override_with_a_reason() {
    let lab = Lab::new();
    lab.load_playbook(
        "no-isolation.yaml",
        "version: 1\nname: No isolation in shop\nrules:\n  - id: shop\n    match: {namespaces: [shop]}\n    criticality: high\n    containment: {preferred: terminate, forbidden: [isolate]}\n",
    );
    let err = stderr(&lab.isolate(&[]));
    assert!(err.contains("an override with a reason: the rule forbids isolating"), "{}", err);
    let err = stderr(&lab.isolate(&["--override-reason", "  "]));
    assert!(err.contains("an override with a reason"), "a blank reason is none: {}", err);
    assert!(lab.kordon_policies().is_empty());
    let out = lab.isolate(&["--override-reason", "the shop team is unreachable; stop the exfiltration now"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let row: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        row["details"]["playbook"]["approvals"]["override_reason"],
        "the shop team is unreachable; stop the exfiltration now"
    );
    assert_eq!(lab.kordon_policies().len(), 1);
}

/// A rule that says to observe only forbids every containment: each needs
/// an override with a reason, as the recommendation's citation says.
#[test]
fn a_rule_that_says_observe_only_needs_an_override_to_contain() {
    let lab = Lab::new();
    lab.load_playbook(
        "observe.yaml",
        "version: 1\nname: Watch the shop\nrules:\n  - id: honeypot\n    match: {namespaces: [shop]}\n    criticality: low\n    containment: {preferred: observe, reason: The shop namespace is a honeypot.}\n",
    );
    let err = stderr(&lab.isolate(&[]));
    assert!(err.contains("rule `honeypot`") && err.contains("an override with a reason: the rule says to observe only, not isolate"), "{}", err);
    assert!(lab.kordon_policies().is_empty());
    let out = lab.isolate(&["--override-reason", "the miner reached production credentials"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lab.kordon_policies().len(), 1);
}
