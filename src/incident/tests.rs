//! Correlation on hand-made signals: what joins, what never does, and why.

use super::config::{builtin, Config};
use super::group::{group, Group};
use super::signals::{Named, Signal};
use super::summary::{kill_chain_run, summarize};
use crate::detect::mapping::Mapped;
use crate::detect::ClusterRanges;
use crate::model::{EntityKind, Severity, Source};

const MIN: i64 = 60_000_000_000;

fn ent(kind: EntityKind, key: &str, role: &str) -> Named {
    Named { id: crate::store::stable_id(&[kind.as_str().as_bytes(), key.as_bytes()]), kind, key: key.into(), role: role.into() }
}

fn sig(key: i64, t_min: i64, entities: Vec<Named>) -> Signal {
    Signal {
        event_id: key,
        key,
        time_ns: t_min * MIN,
        source: Source::Falco,
        rule: Some(format!("rule {}", key)),
        title: format!("signal {}", key),
        message: String::new(),
        severity: Severity::Low,
        mapped: Mapped::default(),
        fields: Default::default(),
        entities,
    }
}

fn cluster() -> ClusterRanges {
    ClusterRanges::from_ranges(["10.224.0.0/16", "10.244.0.0/16", "10.0.0.0/16"])
}

fn groups(sigs: &[Signal]) -> Vec<Vec<i64>> {
    run(sigs, builtin()).iter().map(|g| g.members.iter().map(|&i| sigs[i].key).collect()).collect()
}

fn run(sigs: &[Signal], cfg: &Config) -> Vec<Group> {
    group(sigs, &vec![false; sigs.len()], cfg, &cluster())
}

#[test]
fn a_workload_identity_shared_by_two_pods_joins_their_signals() {
    let sa = "system:serviceaccount:shop:cart";
    let sigs = vec![
        sig(1, 0, vec![ent(EntityKind::Pod, "shop/cart-a", "pod"), ent(EntityKind::Identity, sa, "actor")]),
        sig(2, 5, vec![ent(EntityKind::Pod, "shop/cart-b", "pod"), ent(EntityKind::Identity, sa, "actor")]),
    ];
    let g = run(&sigs, builtin());
    assert_eq!(g.len(), 1);
    let why = g[0].why[1].as_ref().expect("the second signal says why it joined");
    assert_eq!((why.kind, why.key.as_str(), why.with), (EntityKind::Identity, sa, 0));
    assert!(g[0].why[0].is_none(), "the first signal joined nothing");
}

#[test]
fn a_platform_identity_never_merges_incidents_by_itself() {
    for user in ["system:node:aks-nodepool1-31415926-vmss000001", "system:serviceaccount:kube-system:replicaset-controller"] {
        let sigs = vec![
            sig(1, 0, vec![ent(EntityKind::Pod, "shop/cart-a", "pod"), ent(EntityKind::Identity, user, "actor")]),
            sig(2, 1, vec![ent(EntityKind::Pod, "secops/netscan-1", "pod"), ent(EntityKind::Identity, user, "actor")]),
        ];
        assert_eq!(groups(&sigs), vec![vec![1], vec![2]], "{}", user);
    }
}

#[test]
fn nodes_namespaces_and_images_do_not_join() {
    let sigs = vec![
        sig(1, 0, vec![ent(EntityKind::Node, "n1", "node"), ent(EntityKind::Namespace, "shop", "namespace"), ent(EntityKind::Image, "img:1", "image")]),
        sig(2, 1, vec![ent(EntityKind::Node, "n1", "node"), ent(EntityKind::Namespace, "shop", "namespace"), ent(EntityKind::Image, "img:1", "image")]),
    ];
    assert_eq!(groups(&sigs), vec![vec![1], vec![2]]);
}

#[test]
fn the_window_is_inclusive_at_its_edge() {
    let pod = || ent(EntityKind::Pod, "shop/cart-a", "pod");
    let w = builtin().window_ns;
    let mut a = sig(1, 0, vec![pod()]);
    let mut b = sig(2, 0, vec![pod()]);
    a.time_ns = 1_000;
    b.time_ns = 1_000 + w;
    assert_eq!(groups(&[a.clone(), b.clone()]), vec![vec![1, 2]], "exactly one window apart joins");
    b.time_ns += 1;
    assert_eq!(groups(&[a, b]), vec![vec![1], vec![2]], "one nanosecond more does not");
}

#[test]
fn chains_within_the_window_make_one_incident() {
    let pod = || ent(EntityKind::Pod, "shop/cart-a", "pod");
    let sigs = vec![sig(1, 0, vec![pod()]), sig(2, 25, vec![pod()]), sig(3, 50, vec![pod()])];
    assert_eq!(groups(&sigs), vec![vec![1, 2, 3]]);
}

#[test]
fn only_addresses_outside_the_cluster_join() {
    let sigs = vec![
        sig(1, 0, vec![ent(EntityKind::Pod, "a/p1", "pod"), ent(EntityKind::Ip, "10.0.0.1", "destination-ip")]),
        sig(2, 1, vec![ent(EntityKind::Pod, "b/p2", "pod"), ent(EntityKind::Ip, "10.0.0.1", "destination-ip")]),
        sig(3, 2, vec![ent(EntityKind::Pod, "c/p3", "pod"), ent(EntityKind::Ip, "198.51.100.77", "destination-ip")]),
        sig(4, 3, vec![ent(EntityKind::Pod, "d/p4", "pod"), ent(EntityKind::Ip, "198.51.100.77", "destination-ip")]),
    ];
    assert_eq!(groups(&sigs), vec![vec![1], vec![2], vec![3, 4]]);
}

#[test]
fn a_pod_explains_a_join_before_an_identity() {
    let sa = "system:serviceaccount:shop:cart";
    let sigs = vec![
        sig(1, 0, vec![ent(EntityKind::Pod, "shop/cart-a", "pod"), ent(EntityKind::Identity, sa, "actor")]),
        sig(2, 1, vec![ent(EntityKind::Pod, "shop/cart-a", "pod"), ent(EntityKind::Identity, sa, "actor")]),
    ];
    let g = run(&sigs, builtin());
    assert_eq!(g[0].why[1].as_ref().unwrap().kind, EntityKind::Pod);
}

#[test]
fn hand_placed_signals_are_left_out_of_grouping() {
    let pod = || ent(EntityKind::Pod, "shop/cart-a", "pod");
    let sigs = vec![sig(1, 0, vec![pod()]), sig(2, 1, vec![pod()]), sig(3, 2, vec![pod()])];
    let g = group(&sigs, &[false, true, false], builtin(), &cluster());
    let keys: Vec<Vec<i64>> = g.iter().map(|g| g.members.iter().map(|&i| sigs[i].key).collect()).collect();
    assert_eq!(keys, vec![vec![1, 3]]);
}

fn with_tactics(mut s: Signal, tactics: &[&str], sev: Severity) -> Signal {
    s.mapped.tactics = tactics.iter().map(|t| t.to_string()).collect();
    s.severity = sev;
    s
}

#[test]
fn tactics_in_kill_chain_order_raise_the_severity_one_level() {
    let pod = || ent(EntityKind::Pod, "shop/cart-a", "pod");
    let a = with_tactics(sig(1, 0, vec![pod()]), &["TA0002"], Severity::Medium);
    let b = with_tactics(sig(2, 1, vec![pod()]), &["TA0007"], Severity::Low);
    let c = with_tactics(sig(3, 2, vec![pod()]), &["TA0040"], Severity::Medium);
    let s = summarize(&[&a, &b, &c], builtin(), &cluster());
    assert_eq!(kill_chain_run(&[&a, &b, &c]), vec!["TA0002", "TA0007", "TA0040"]);
    assert_eq!(s.severity, Severity::High);
    assert!(s.severity_why.contains("raised from medium to high: 3 tactics in kill-chain order"), "{}", s.severity_why);
    // The same tactics against the kill chain (impact first) raise nothing.
    let a2 = with_tactics(sig(1, 0, vec![pod()]), &["TA0040"], Severity::Medium);
    let c2 = with_tactics(sig(3, 2, vec![pod()]), &["TA0002"], Severity::Medium);
    let s2 = summarize(&[&a2, &b, &c2], builtin(), &cluster());
    assert_eq!(s2.severity, Severity::Medium, "{}", s2.severity_why);
}

#[test]
fn titles_name_the_most_telling_technique_and_the_pod() {
    let pod = || ent(EntityKind::Pod, "shop/cart-a", "pod");
    let mut a = sig(1, 0, vec![pod()]);
    a.mapped.techniques = vec!["T1046".into()];
    let mut b = sig(2, 1, vec![pod()]);
    b.mapped.techniques = vec!["T1496".into()];
    assert_eq!(summarize(&[&a], builtin(), &cluster()).title, "Network scanning in shop/cart-a");
    assert_eq!(summarize(&[&a, &b], builtin(), &cluster()).title, "Crypto-mining in shop/cart-a");
    let mut c = sig(3, 0, vec![ent(EntityKind::Identity, "system:serviceaccount:ci:deployer", "actor")]);
    c.mapped.techniques = vec!["T1552.007".into()];
    assert_eq!(summarize(&[&c], builtin(), &cluster()).title, "Credential theft by service account ci/deployer");
}

#[test]
fn the_same_rule_on_the_same_pod_joins_across_quiet_hours() {
    let pod = || ent(EntityKind::Pod, "monitoring/prometheus-0", "pod");
    let sigs = vec![sig(1, 0, vec![pod()]), sig(2, 180, vec![pod()])];
    // Different rules (see sig): three hours apart stay apart …
    assert_eq!(groups(&sigs), vec![vec![1], vec![2]]);
    // … the same rule firing again joins.
    let mut same = sigs.clone();
    same[1].rule = same[0].rule.clone();
    assert_eq!(groups(&same), vec![vec![1, 2]]);
}

#[test]
fn the_shipped_story_relations_and_response_data_load() {
    assert!(super::story::templates().steps.len() >= 10);
    assert!(!super::relations::builtin().is_empty());
    assert!(super::respond::data().network_policy_engines.iter().any(|e| e.name == "Calico"));
}

#[test]
fn story_templates_refuse_unknown_placeholders_and_sources() {
    use super::story::Templates;
    let bad = "version: 1\nsteps:\n  - {id: x, match: [{source: falco, rule: r}], text: \"{who} did it\"}\n";
    assert!(Templates::from_yaml(bad).unwrap_err().to_string().contains("unknown placeholder {who}"));
    let bad = "version: 1\nsteps:\n  - {id: x, match: [{source: splunk, rule: r}], text: \"{pod}\"}\n";
    assert!(Templates::from_yaml(bad).unwrap_err().to_string().contains("unknown source 'splunk'"));
}

#[test]
fn a_fan_out_of_ten_thousand_entities_draws_in_under_five_hundred_nodes() {
    use super::evidence::Evidence;
    use super::graph::build;
    // 400 pods of one workload, each running a container whose process talks
    // to 24 addresses: 10,000+ raw entities, no fan-out anywhere above 25.
    let identity = || ent(EntityKind::Identity, "system:serviceaccount:shop:cart", "actor");
    let mut signal = sig(1, 0, vec![identity(), ent(EntityKind::Pod, "shop/p-0", "target")]);
    signal.severity = Severity::High;
    let mut context = Vec::new();
    let mut key = 100;
    for p in 0..400 {
        let pod = format!("shop/p-{}", p);
        let container = format!("{:064x}", p + 1);
        let process = format!("{}:{}:/app/worker", &container[..12], p);
        for a in 0..24 {
            key += 1;
            let mut e = sig(key, 1, vec![
                ent(EntityKind::Pod, &pod, "pod"),
                ent(EntityKind::Container, &container, "container"),
                ent(EntityKind::Process, &process, "process"),
                ent(EntityKind::Ip, &format!("10.{}.{}.{}", p % 200, p / 200, a + 1), "destination-ip"),
            ]);
            e.source = Source::Tetragon;
            context.push(e);
        }
        key += 1;
        context.push(sig(key, 1, vec![identity(), ent(EntityKind::Pod, &pod, "token-pod")]));
    }
    let ev = Evidence {
        incident: 7,
        signals: vec![(signal, dummy_row())],
        context,
        facts: Vec::new(),
        first_ns: 0,
        last_ns: 2 * MIN,
        cluster: cluster(),
    };
    let g = build(&ev, builtin(), &[]);
    assert!(g.raw_entities >= 10_000, "{}", g.raw_entities);
    assert!(g.nodes.len() <= 500, "{} nodes", g.nodes.len());
    // The pod a signal names stays visible on its own.
    assert!(g.nodes.iter().any(|n| n.key.as_deref() == Some("shop/p-0")));
    let members: usize = g.nodes.iter().map(|n| n.member_count).sum();
    assert_eq!(members, g.raw_entities, "every entity is drawn, alone or in an aggregate");
}

fn dummy_row() -> super::read::SignalRow {
    super::read::SignalRow {
        id: "0000000000000001".into(),
        time: None,
        source: "kordon".into(),
        severity: "high".into(),
        rule: None,
        title: "signal".into(),
        tactics: vec![],
        techniques: vec![],
        ms_matrix: vec![],
        mapping_notes: vec![],
        joined: super::read::Joined { how: "first".into(), entity: None, with: None, text: String::new() },
    }
}
