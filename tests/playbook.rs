//! Response playbooks: the default in force until a team loads its own, the
//! rule each of an incident's workloads falls under, loads logged and
//! verified, malformed playbooks refused with the line and why.

use crate::util::{demo_incident, TestCase};
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/playbooks/production-staging.yaml")
}

fn show(t: &TestCase, id: &str) -> serde_json::Value {
    serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap()
}

/// The workloads of an incident as (pod, rule, criticality, preferred).
fn rules(detail: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
    detail["playbook"]["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (s(&w["workload"]["pod"]), s(&w["rule"]), s(&w["criticality"]), s(&w["preferred"])))
        .collect()
}

fn incident_of(t: &TestCase, pod_prefix: &str) -> String {
    let found = t.json_lines(&["incidents"]).into_iter().find(|i| {
        i["title"].as_str().is_some_and(|title| title.contains(pod_prefix))
    });
    found.unwrap_or_else(|| panic!("no incident names {}", pod_prefix))["id"].as_str().unwrap().to_string()
}

#[test]
fn the_default_playbook_is_in_force_until_one_is_loaded() {
    let (t, id) = demo_incident();
    let d = show(&t, &id);
    assert_eq!(d["playbook"]["origin"]["kind"], "default");
    assert_eq!(d["playbook"]["name"], "Kordon default");
    assert_eq!(
        rules(&d),
        [("shop/cart-7f9c6d8b5-x2k4q".to_string(), "workloads".to_string(), "medium".to_string(), "isolate".to_string())]
    );
    let w = &d["playbook"]["workloads"][0];
    assert_eq!(w["because"], serde_json::json!(["every workload"]));
    assert_eq!(w["owners"], serde_json::json!(["the application's owners"]));
    // What the case knows of the workload, from the snapshot.
    assert_eq!(w["workload"]["cluster"], "aks-shop-prod");
    assert_eq!(w["workload"]["labels"]["app"], "cart");
    assert_eq!(
        w["workload"]["owners"],
        serde_json::json!([{"kind": "ReplicaSet", "name": "cart-7f9c6d8b5"}, {"kind": "Deployment", "name": "cart"}])
    );
    let text = t.ok(&["playbook", "show"]);
    assert!(text.starts_with("Playbook \"Kordon default\": Kordon's default (data/playbook.yaml)"), "{}", text);
    assert!(text.contains("  - id: cluster-components"), "the file as written: {}", text);
}

#[test]
fn a_loaded_playbook_gives_each_workload_its_rule_and_the_load_is_logged_once() {
    let (t, id) = demo_incident();
    let out = t.ok(&["playbook", "load", example().to_str().unwrap()]);
    assert!(out.starts_with("Loaded playbook \"Shop — production and staging\" from production-staging.yaml: 4 rule(s)"), "{}", out);
    let bytes = std::fs::read(example()).unwrap();
    let sha = kordon::bundle::sha256_hex(&bytes);

    let d = show(&t, &id);
    assert_eq!(d["playbook"]["origin"]["kind"], "loaded");
    assert_eq!(d["playbook"]["origin"]["sha256"], sha.as_str());
    assert_eq!(d["playbook"]["origin"]["loaded_by"], "test-investigator");
    let cart = &d["playbook"]["workloads"][0];
    assert_eq!(cart["rule"], "production-shop");
    assert_eq!(cart["criticality"], "high");
    assert_eq!(cart["because"], serde_json::json!(["cluster aks-shop-prod", "namespace shop", "owned by Deployment cart"]));
    assert_eq!(cart["owners"], serde_json::json!(["team-shop"]));
    assert_eq!(cart["notify"], serde_json::json!(["secops on-call", "#inc-shop"]));
    let text = t.ok(&["show", &id]);
    assert!(
        text.contains("shop/cart-7f9c6d8b5-x2k4q: rule production-shop (high; prefers isolate) — cluster aks-shop-prod, namespace shop, owned by Deployment cart"),
        "{}",
        text
    );
    // The recommendation cites the rule beside its facts; they agree.
    let cited = &d["recommendation"]["playbook"];
    assert_eq!(cited["rule"], "production-shop");
    assert_eq!(
        cited["text"],
        "`shop/cart-7f9c6d8b5-x2k4q` falls under rule `production-shop` of “Shop — production and staging” \
         (cluster aks-shop-prod, namespace shop, owned by Deployment cart): high criticality; prefer to isolate; \
         terminate or scale to zero only once the evidence is captured; scale to zero with a second person; \
         review the identity verdicts first. Production keeps its evidence; a deployment replaces a deleted pod \
         from the same image, so isolate and fix the cause. Owners: team-shop; notify: secops on-call, #inc-shop."
    );
    assert!(cited.get("disagreements").is_none(), "{}", cited);
    assert!(text.contains("  Playbook: `shop/cart-7f9c6d8b5-x2k4q` falls under rule `production-shop`"), "{}", text);

    // The rule's steps join the follow-up checklist after Kordon's items,
    // and are ticked off and logged like them.
    let items: Vec<(String, String)> = d["recommendation"]["follow_up"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["item"].as_str().unwrap().starts_with("playbook:"))
        .map(|f| (f["item"].as_str().unwrap().to_string(), f["text"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        items,
        [
            ("playbook:replace-workload", "Roll out the deployment from a known-good image, then release the isolation."),
            ("playbook:rotate-credentials", "Rotate the service account token and the secrets the pod mounted."),
            ("playbook:review-image-provenance", "Check the image's digest and build provenance; pin it by digest."),
        ]
        .map(|(i, t)| (i.to_string(), format!("{} (playbook rule `production-shop`)", t)))
    );
    let last_kordon = d["recommendation"]["follow_up"].as_array().unwrap().iter().rposition(|f| !f["item"].as_str().unwrap().starts_with("playbook:"));
    assert!(last_kordon.unwrap() < d["recommendation"]["follow_up"].as_array().unwrap().len() - 3, "Kordon's items first");
    t.ok(&["follow-up", &id, "playbook:rotate-credentials"]);
    let ticked = t.json_lines(&["log"]).into_iter().rfind(|e| e["action"] == "follow-up").unwrap();
    assert_eq!(ticked["details"]["item"], "playbook:rotate-credentials");

    // The hand-off note for the team that owns the workload.
    t.ok(&["triage", &id, "--owner", "ada"]);
    let note = t.ok(&["playbook", "handoff", &id]);
    let head = format!("{}: Crypto-mining in shop/cart-7f9c6d8b5-x2k4q\nSeverity critical · status new · incident owner: ada\n", id);
    assert!(note.starts_with(&head), "{}", note);
    for want in [
        "\nWorkloads (playbook \"Shop — production and staging\")\n\
         - shop/cart-7f9c6d8b5-x2k4q (Deployment cart, cluster aks-shop-prod): rule production-shop, high criticality\n\
         \x20 Owners: team-shop. Notify: secops on-call, #inc-shop.\n",
        "\nContainment\n- Recommended: isolate shop/cart-7f9c6d8b5-x2k4q.\n- Done: nothing yet.\n",
        "\nWhat to do now\n1. [ ] Roll out the deployment from a known-good image, then release the isolation. (playbook rule `production-shop`)\n\
         2. [x] Rotate the service account token and the secrets the pod mounted. (playbook rule `production-shop`) — done by test-investigator at 2026-11-21T08:00:00",
        "\nAlso open on Kordon's checklist\n- [ ] Add NetworkPolicy to `shop`",
    ] {
        assert!(note.contains(want), "{:?} not in:\n{}", want, note);
    }

    // The CronJob's scan: no production rule takes it, and the case does
    // not say which cluster it ran in, which the staging rule would need.
    let scan = incident_of(&t, "secops/netscan");
    let d = show(&t, &scan);
    assert_eq!(rules(&d)[0].1, "everything-else");
    assert_eq!(d["playbook"]["workloads"][0]["unknown"], serde_json::json!(["the cluster (rule `staging` asks for it)"]));

    // One log entry, with the file's SHA-256; the same bytes again change nothing.
    let again = t.ok(&["playbook", "load", example().to_str().unwrap()]);
    assert!(again.contains("is the playbook in force already"), "{}", again);
    let loads: Vec<serde_json::Value> =
        t.json_lines(&["log"]).into_iter().filter(|e| e["action"] == "playbook-load").collect();
    assert_eq!(loads.len(), 1, "{:?}", loads);
    assert_eq!(loads[0]["details"]["sha256"], sha.as_str());
    assert_eq!(loads[0]["details"]["rules"], serde_json::json!(["payments-critical", "production-shop", "staging", "everything-else"]));
    let verified = t.ok(&["verify"]);
    assert!(verified.starts_with("OK:") && verified.contains("playbooks are what the log records"), "{}", verified);
}

#[test]
fn a_malformed_playbook_is_refused_with_the_line_and_why_and_the_case_is_unchanged() {
    let (t, _) = demo_incident();
    let before = t.digest();
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "action.yaml",
            b"version: 1\nname: t\nrules:\n  - id: a\n    criticality: high\n    containment:\n      preferred: nuke\n",
            "action.yaml: line 7: rules[0].containment.preferred: unknown variant `nuke`",
        ),
        (
            "key.yaml",
            b"version: 1\nname: t\nrules:\n  - id: a\n    criticality: high\n    containment: {preferred: isolate}\n    owner: [me]\n",
            "key.yaml: line 7: rules[0]: unknown field `owner`",
        ),
        (
            "twice.yaml",
            b"version: 1\nname: t\nrules:\n  - id: a\n    match: {namespaces: [x]}\n    criticality: high\n    containment: {preferred: isolate}\n  - id: a\n    criticality: low\n    containment: {preferred: isolate}\n",
            "twice.yaml: line 8: rule id `a` is used twice",
        ),
        (
            "shadowed.yaml",
            b"version: 1\nname: t\nrules:\n  - id: all\n    criticality: high\n    containment: {preferred: isolate}\n  - id: late\n    match: {namespaces: [x]}\n    criticality: low\n    containment: {preferred: isolate}\n",
            "shadowed.yaml: line 7: rule `late` can never match: rule `all` before it has no `match`",
        ),
        (
            "contradiction.yaml",
            b"version: 1\nname: t\nrules:\n  - id: a\n    criticality: high\n    containment: {preferred: terminate, forbidden: [terminate]}\n",
            "contradiction.yaml: line 4: rule `a`: `terminate` is both preferred and forbidden",
        ),
        ("version.yaml", b"version: 2\nname: t\nrules: []\n", "version.yaml: line 1: playbook version 2 (this Kordon reads version 1)"),
        ("empty.yaml", b"\n\n", "empty.yaml: the file is empty"),
        ("binary.yaml", b"version: 1\nname: \xff\n", "binary.yaml: line 2: not UTF-8 text (byte 17)"),
        ("norules.yaml", b"version: 1\nname: t\nrules: []\n", "norules.yaml: the playbook has no rules"),
    ];
    for (name, bytes, want) in cases {
        let path = t.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = t.refused(&["playbook", "load", path.to_str().unwrap()]);
        assert!(err.contains("[invalid_playbook]") && err.contains(want), "{}: {}", name, err);
    }
    // Not a file Kordon will read at all: a named pipe would wait forever.
    let fifo = t.dir.path().join("pipe.yaml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let err = t.refused(&["playbook", "load", fifo.to_str().unwrap()]);
    assert!(err.contains("pipe.yaml: a named pipe, not a regular file"), "{}", err);
    assert_eq!(t.digest(), before, "a refused playbook changes nothing");
    assert_eq!(t.json_lines(&["log"]).iter().filter(|e| e["action"] == "playbook-load").count(), 0);
}

#[test]
fn verify_finds_a_playbook_changed_or_removed_outside_kordon() {
    let (t, _) = demo_incident();
    t.ok(&["playbook", "load", example().to_str().unwrap()]);
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    conn.execute("UPDATE playbooks SET content = CAST(replace(content, 'team-ledger', 'team-other') AS BLOB)", []).unwrap();
    let tampered = || {
        let out = t.run(&["verify"]);
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let said = tampered();
    assert!(said.contains("TAMPERED: playbook 1 (production-staging.yaml): its bytes hash to"), "{}", said);
    conn.execute("DELETE FROM playbooks", []).unwrap();
    let said = tampered();
    assert!(said.contains("TAMPERED: playbook 1 (SHA-256 ") && said.contains("the case no longer has it"), "{}", said);
}

#[test]
fn where_the_playbook_and_the_facts_disagree_kordon_says_so() {
    let (t, id) = demo_incident();
    let path = t.dir.path().join("terminate-first.yaml");
    std::fs::write(
        &path,
        "version: 1\nname: Terminate first\nrules:\n  - id: shop-terminate\n    match: {namespaces: [shop], labels: {app: cart}}\n    criticality: low\n    containment: {preferred: terminate, forbidden: [isolate]}\n",
    )
    .unwrap();
    t.ok(&["playbook", "load", path.to_str().unwrap()]);
    let d = show(&t, &id);
    // Calico enforces NetworkPolicy in the demo cluster: the facts favour isolating.
    assert_eq!(d["recommendation"]["action"], "isolate");
    let cited = &d["recommendation"]["playbook"];
    assert_eq!(
        cited["text"],
        "`shop/cart-7f9c6d8b5-x2k4q` falls under rule `shop-terminate` of “Terminate first” (namespace shop, label app=cart): low criticality; prefer to terminate; never isolate without an override."
    );
    assert_eq!(
        cited["disagreements"],
        serde_json::json!([
            "The playbook prefers to terminate; Kordon recommends to isolate from the facts above. The rule is the team's decision: weigh these facts against it.",
            "This rule forbids to isolate without an explicit override, with a reason."
        ])
    );
    let text = t.ok(&["show", &id]);
    assert!(text.contains("  ! This rule forbids to isolate without an explicit override, with a reason."), "{}", text);
    // The scan's pod falls under no rule of this playbook.
    let scan = incident_of(&t, "secops/netscan");
    let d = show(&t, &scan);
    assert_eq!(d["playbook"]["workloads"][0].get("rule"), None);
    assert_eq!(
        d["recommendation"]["playbook"]["text"],
        "No rule of “Terminate first” matches `secops/netscan-29919000-h7k2d`: the recommendation rests on the facts alone."
    );
}

/// The JSON Schema for editors is the format Kordon reads: the committed
/// file is what `kordon playbook schema` prints (`KORDON_BLESS=1` rewrites
/// it), both shipped playbooks satisfy it, and it refuses what the parser
/// refuses that a schema can say: a misspelt key, an unknown action, a
/// badly formed id, another version.
#[test]
fn the_schema_is_the_format_kordon_reads() {
    let t = TestCase::new();
    let printed = t.ok(&["playbook", "schema"]);
    assert!(!t.case.exists(), "printing the schema opened or made a case");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/playbooks/playbook.schema.json");
    if std::env::var_os("KORDON_BLESS").is_some() {
        std::fs::write(&committed, &printed).unwrap();
    }
    let on_disk = std::fs::read_to_string(&committed).expect("docs/playbooks/playbook.schema.json; run with KORDON_BLESS=1 and review it");
    assert_eq!(on_disk, printed, "the committed schema is not what this Kordon prints");
    let schema: serde_json::Value = serde_json::from_str(&printed).unwrap();

    let yaml = |path: &Path| -> serde_json::Value { serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap() };
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/playbook.yaml");
    for shipped in [example(), default] {
        let problems = schema::check(&schema, &schema, &yaml(&shipped), "");
        assert!(problems.is_empty(), "{}: {:?}", shipped.display(), problems);
    }
    let mut bad = yaml(&example());
    bad["rules"][0]["containment"]["forbiden"] = serde_json::json!(["terminate"]);
    bad["rules"][1]["containment"]["preferred"] = serde_json::json!("quarantine");
    bad["rules"][2]["id"] = serde_json::json!("Staging");
    bad["version"] = serde_json::json!(2);
    let problems = schema::check(&schema, &schema, &bad, "");
    assert_eq!(
        problems,
        vec![
            "/rules/0/containment/forbiden: not allowed",
            "/rules/1/containment/preferred: \"quarantine\" is none of the allowed",
            "/rules/2/id: \"Staging\" does not match the pattern",
            "/version: 2 is out of range",
        ],
    );
}

/// Just enough of JSON Schema (draft-07) to read what `schemars` writes:
/// `$ref`, `allOf`, `oneOf`, `enum`, `type`, `properties`, `required`,
/// `additionalProperties`, `items`, `pattern`, `minimum`/`maximum`.
mod schema {
    use serde_json::Value;

    fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve(root, root.pointer(r.trim_start_matches('#')).expect("a $ref the schema defines")),
            None => s,
        }
    }

    fn type_ok(want: &str, v: &Value) -> bool {
        match want {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        }
    }

    pub fn check(root: &Value, s: &Value, v: &Value, at: &str) -> Vec<String> {
        let s = resolve(root, s);
        let mut out = Vec::new();
        for sub in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            out.extend(check(root, sub, v, at));
        }
        if let Some(any) = s.get("oneOf").and_then(Value::as_array) {
            if !any.iter().any(|sub| check(root, sub, v, at).is_empty()) {
                out.push(format!("{}: {} is none of the allowed", at, v));
                return out;
            }
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
            if !allowed.contains(v) {
                out.push(format!("{}: {} is none of the allowed", at, v));
            }
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(l)) => l.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| type_ok(t, v)) {
            out.push(format!("{}: {} is not {}", at, v, types.join(" or ")));
            return out;
        }
        if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
            if !regex::Regex::new(p).unwrap().is_match(text) {
                out.push(format!("{}: {} does not match the pattern", at, v));
            }
        }
        if let Some(n) = v.as_f64() {
            let below = s.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m);
            let above = s.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m);
            if below || above {
                out.push(format!("{}: {} is out of range", at, v));
            }
        }
        if let Value::Object(o) = v {
            for r in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    out.push(format!("{}/{}: missing", at, r));
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, child) in o {
                let path = format!("{}/{}", at, k);
                match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                    (Some(sub), _) => out.extend(check(root, sub, child, &path)),
                    (None, Some(Value::Bool(false))) => out.push(format!("{}: not allowed", path)),
                    (None, Some(sub @ Value::Object(_))) => out.extend(check(root, sub, child, &path)),
                    (None, _) => {}
                }
            }
        }
        if let (Some(items), Value::Array(l)) = (s.get("items"), v) {
            for (i, child) in l.iter().enumerate() {
                out.extend(check(root, items, child, &format!("{}/{}", at, i)));
            }
        }
        out.sort();
        out
    }
}
