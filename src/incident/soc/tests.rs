use super::*;
use crate::incident::config::builtin;
use crate::incident::signals::Named;
use crate::model::Severity;
use crate::triage::vocabulary;

const H: i64 = 3_600_000_000_000;

fn at(t: &str) -> i64 {
    time::parse_rfc3339(t).unwrap()
}

fn signal(t: &str, title: &str, rule: Option<&str>, entities: &[(EntityKind, &str)]) -> Signal {
    Signal {
        event_id: 1,
        key: 1,
        time_ns: at(t),
        source: Source::Falco,
        rule: rule.map(str::to_string),
        title: title.to_string(),
        message: String::new(),
        severity: Severity::High,
        mapped: Default::default(),
        fields: Map::new(),
        entities: entities
            .iter()
            .enumerate()
            .map(|(i, (kind, key))| Named { id: i as i64, kind: *kind, key: (*key).into(), role: "subject".into() })
            .collect(),
    }
}

fn external(title: &str, message: &str, first: &str, last: &str, extra: serde_json::Value) -> External {
    let mut fields: Map<String, Value> =
        serde_json::json!({"first_activity": first, "last_activity": last}).as_object().unwrap().clone();
    fields.extend(extra.as_object().unwrap().clone());
    External { key: 7, source: Source::Sentinel, time_ns: None, title: title.into(), message: message.into(), fields }
}

fn attack() -> Scope {
    Scope::of(
        &[
            signal("2026-11-20T09:41:06Z", "Service-account token used from outside the cluster", Some("KRD-AUDIT-001"), &[
                (EntityKind::Identity, "system:serviceaccount:shop:cart"),
                (EntityKind::Ip, "203.0.113.45"),
                (EntityKind::Cluster, "aks-shop-prod"),
            ]),
            signal("2026-11-20T09:47:21Z", "Digital currency mining related behavior detected", Some("K8S.NODE_DigitalCurrencyMining"), &[
                (EntityKind::Pod, "shop/cart-7f9c6d8b5-x2k4q"),
                (EntityKind::Container, "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3"),
                (EntityKind::Workload, "shop/Deployment/cart"),
                (EntityKind::Ip, "198.51.100.77"),
                (EntityKind::Namespace, "shop"),
                (EntityKind::Node, "aks-nodepool1-31415926-vmss000001"),
            ]),
        ],
        builtin(),
    )
}

fn slack() -> i64 {
    builtin().soc_slack_ns
}

#[test]
fn a_sentinel_incident_titled_after_a_signal_in_the_span_matches() {
    let e = external("Digital currency mining related behavior detected", "", "2026-11-20T09:47:21Z", "2026-11-20T09:47:22Z", serde_json::json!({}));
    assert_eq!(attack().matches(&e, slack()).unwrap(), "its title is the signal “Digital currency mining related behavior detected”");
    // The rule matches as well as the title, in any case.
    let e = external("k8s.node_digitalcurrencymining", "", "2026-11-20T09:47:21Z", "2026-11-20T09:47:22Z", serde_json::json!({}));
    assert!(attack().matches(&e, slack()).is_some());
}

#[test]
fn the_same_title_far_outside_the_span_does_not_match() {
    let e = external("Digital currency mining related behavior detected", "", "2026-11-20T12:00:00Z", "2026-11-20T12:05:00Z", serde_json::json!({}));
    assert_eq!(attack().matches(&e, slack()), None);
    // Within the slack it does: the SOC's first activity can trail the last signal.
    let e = external("Digital currency mining related behavior detected", "", "2026-11-20T10:30:00Z", "2026-11-20T10:31:00Z", serde_json::json!({}));
    assert!(attack().matches(&e, slack()).is_some());
    assert!(attack().matches(&e, H / 2).is_none());
}

#[test]
fn naming_a_pod_workload_identity_container_or_address_matches() {
    for (text, why) in [
        ("Miner in pod cart-7f9c6d8b5-x2k4q.", "it names pod shop/cart-7f9c6d8b5-x2k4q"),
        ("shop/cart-7f9c6d8b5-x2k4q was compromised", "it names pod shop/cart-7f9c6d8b5-x2k4q"),
        ("Deployment/cart rolled a bad image", "it names workload shop/Deployment/cart"),
        ("token of system:serviceaccount:shop:cart used", "it names identity system:serviceaccount:shop:cart"),
        ("container 335beb25619a ran xmrig", "it names container 335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3"),
        ("Connections to 198.51.100.77:4444", "it names ip 198.51.100.77"),
    ] {
        let e = external("Suspicious activity", text, "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({}));
        assert_eq!(attack().matches(&e, slack()).as_deref(), Some(why), "{}", text);
    }
    // Labels count as well.
    let e = external("x", "", "2026-11-20T09:45:00Z", "2026-11-20T09:45:00Z", serde_json::json!({"labels": [{"name": "cart-7f9c6d8b5-x2k4q"}]}));
    assert!(attack().matches(&e, slack()).is_some());
}

#[test]
fn the_cluster_namespace_node_or_a_lookalike_name_is_no_match() {
    for text in [
        "Something in cluster aks-shop-prod",
        "namespace shop, node aks-nodepool1-31415926-vmss000001",
        "pod cart-7f9c6d8b5-x2k4qq",
        "address 198.51.100.7 and 198.51.100.77.5",
        "the cart service",
        "identity system:serviceaccount:shop:cart-admin",
    ] {
        let e = external("Suspicious activity", text, "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({}));
        assert_eq!(attack().matches(&e, slack()), None, "{}", text);
    }
}

#[test]
fn system_identities_match_nothing() {
    let scope = Scope::of(
        &[signal("2026-11-20T09:00:00Z", "x", None, &[(EntityKind::Identity, "system:kube-controller-manager")])],
        builtin(),
    );
    let e = external("y", "by system:kube-controller-manager", "2026-11-20T09:00:00Z", "2026-11-20T09:00:00Z", serde_json::json!({}));
    assert_eq!(scope.matches(&e, slack()), None);
}

#[test]
fn names_wants_whole_words() {
    assert!(names("ip 10.0.0.1.", "10.0.0.1"));
    assert!(names("10.0.0.1:443", "10.0.0.1"));
    assert!(!names("10.0.0.12", "10.0.0.1"));
    assert!(!names("110.0.0.1", "10.0.0.1"));
    assert!(!names("x", ""));
    assert!(names("ünï pod-1 ünï", "pod-1"));
}

#[test]
fn sentinel_values_read_in_kordons_vocabulary() {
    let e = external("t", "", "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({
        "status": "Closed", "classification": "TruePositive", "classification_reason": "SuspiciousActivity",
        "incident_number": 4127, "severity": "High",
        "owner": {"assigned_to": "Dana Reyes", "email": "dana@example.com"},
        "labels": [{"name": "a", "type": "User"}], "alert_products": ["Azure Security Center"],
    }));
    let v = view(&e, vocabulary());
    assert_eq!(v.summary, "SOC: Closed · True positive — Suspicious activity");
    assert_eq!(v.kordon_status.as_deref(), Some("resolved"));
    assert_eq!(v.kordon_classification.as_deref(), Some("true-positive"));
    assert_eq!(v.owner.as_deref(), Some("Dana Reyes"));
    assert_eq!(v.number, Some(4127));
    assert_eq!(v.labels, ["a"]);
    assert_eq!(v.source_name, "Microsoft Sentinel");

    for (status, class, kordon_status, kordon_class) in [
        ("New", "Undetermined", "new", None),
        ("Active", "BenignPositive", "in-progress", Some("informational")),
        ("Closed", "FalsePositive", "resolved", Some("false-positive")),
    ] {
        let e = external("t", "", "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({"status": status, "classification": class}));
        let v = view(&e, vocabulary());
        assert_eq!(v.kordon_status.as_deref(), Some(kordon_status));
        assert_eq!(v.kordon_classification.as_deref(), kordon_class);
    }
    // A value the vocabulary does not know reads as itself and means nothing.
    let e = external("t", "", "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({"status": "Snoozed"}));
    let v = view(&e, vocabulary());
    assert_eq!((v.status_name.as_deref(), v.kordon_status), (Some("Snoozed"), None));
    assert_eq!(v.summary, "SOC: Snoozed · unclassified");
}

#[test]
fn differences_with_kordons_triage() {
    let e = external("t", "", "2026-11-20T09:45:00Z", "2026-11-20T09:46:00Z", serde_json::json!({"status": "Closed", "classification": "TruePositive"}));
    let v = view(&e, vocabulary());
    let d = differences(&v, Triage { status: "new", classification: None });
    assert_eq!(d.iter().map(|d| d.what.as_str()).collect::<Vec<_>>(), ["status", "classification"]);
    assert!(differences(&v, Triage { status: "resolved", classification: Some("true-positive") }).is_empty());
    let d = differences(&v, Triage { status: "resolved", classification: Some("false-positive") });
    assert_eq!(d, [Difference { what: "classification".into(), soc: Some("true-positive".into()), kordon: Some("false-positive".into()) }]);
}

#[test]
fn the_vocabulary_refuses_an_unknown_kordon_id() {
    let text = crate::triage::vocabulary::TRIAGE_YAML.replace("kordon: in-progress}", "kordon: ongoing}");
    let err = Vocabulary::from_yaml(&text).unwrap_err().to_string();
    assert!(err.contains("external.sentinel: unknown status 'ongoing'"), "{}", err);
}
