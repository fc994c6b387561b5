use super::*;
use crate::formats::test_support::{entity, obj};

const OBSERVE: &str = include_str!("../../../fixtures/samples/hubble/observe.jsonl");
const EXPORT: &str = include_str!("../../../fixtures/samples/hubble/events.log");
const LEGACY: &str = include_str!("../../../fixtures/samples/hubble/observe-legacy.json");

const NODE1: &str = "aks-nodepool1-31415926-vmss000001";
const CART: &str = "shop/cart-7f9c6d8b5-x2k4q";

fn parse_str(s: &str) -> NewEvent {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", e, s))
}

fn observe() -> Vec<NewEvent> {
    OBSERVE.lines().map(parse_str).collect()
}

fn line(text: &str, n: usize) -> &str {
    text.lines().nth(n).unwrap()
}

fn roles(ev: &NewEvent, kind: EntityKind) -> Vec<(String, String)> {
    ev.entities.iter().filter(|e| e.kind == kind).map(|e| (e.role.clone(), e.key.clone())).collect()
}

#[test]
fn sniff_takes_responses_and_bare_flows_and_nothing_else() {
    for l in OBSERVE.lines().chain(LEGACY.lines()).chain(EXPORT.lines().take(6)) {
        assert!(sniff(&obj(l)), "{}", l);
    }
    // A Tetragon event has `node_name` and `time` too, and no payload of ours.
    assert!(!sniff(&obj(r#"{"process_exec":{"process":{}},"node_name":"n","time":"2026-11-20T09:00:00Z"}"#)));
    assert!(!sniff(&obj(r#"{"flow":{},"lost_events":{},"time":"2026-11-20T09:00:00Z"}"#)));
    assert!(!sniff(&obj(r#"{"flow":{}}"#)));
    assert!(!sniff(&obj(r#"{"rule":"r","priority":"Notice","output":"o","time":"x"}"#)));
    assert!(!sniff(&obj(r#"{"verdict":"allow","reason":"x"}"#)));
    // gRPC clients write camelCase.
    assert!(sniff(&obj(r#"{"lostEvents":{"numEventsLost":"3"},"nodeName":"n"}"#)));
    // And nothing of ours is claimed by another format.
    for l in OBSERVE.lines().chain(LEGACY.lines()).chain(EXPORT.lines().take(6)) {
        assert_eq!(crate::formats::detect_record(&obj(l)), Some(crate::formats::Format::Hubble), "{}", l);
    }
}

#[test]
fn a_scan_syn_names_both_pods_their_workloads_labels_and_the_node() {
    let ev = &observe()[0];
    assert_eq!((ev.source, ev.kind, ev.severity), (Source::Hubble, EventKind::Telemetry, Severity::Info));
    assert_eq!(ev.shape, Some(SHAPE_GET_FLOWS));
    assert_eq!(ev.rule.as_deref(), Some("flow FORWARDED"));
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:44:15.412739551Z"));
    assert_eq!(ev.time_ns.unwrap() % 1_000_000_000, 412_739_551, "nanoseconds are kept");
    assert_eq!(
        ev.title,
        "TCP shop/cart-7f9c6d8b5-x2k4q (10.244.1.23:41766) → shop/catalog-6d5f8b7c9-m4ztn (10.244.0.12:6379) FORWARDED"
    );
    assert_eq!(ev.dedup_key.as_deref(), Some("hubble-flow|0b6f4a1e-3c2d-4a9b-8e57-9d1c2f3a4b01"));
    let f = &ev.fields;
    assert_eq!(f["verdict"], "FORWARDED");
    assert_eq!(f["protocol"], "tcp");
    assert_eq!((f["src_port"].as_u64(), f["dst_port"].as_u64()), (Some(41766), Some(6379)));
    assert_eq!(f["tcp_flags"], "SYN");
    assert_eq!(f["traffic_direction"], "EGRESS");
    assert_eq!(f["is_reply"], false);
    assert_eq!(f["flow_type"], "L3_L4");
    assert_eq!(f["summary"], "TCP Flags: SYN");
    assert_eq!(f["source_identity"], 48213);
    assert_eq!(f["trace_observation_point"], "TO_OVERLAY");

    // Where it was seen is a field, not a link (see `add_node`).
    assert_eq!((f["cluster"].as_str(), f["node"].as_str()), (Some("aks-shop-prod"), Some(NODE1)));
    assert!(ev.entities.iter().all(|e| !matches!(e.kind, EntityKind::Cluster | EntityKind::Node | EntityKind::Namespace)));
    let pod = entity(ev, EntityKind::Pod, "source-pod").unwrap();
    assert_eq!(pod.key, CART);
    assert_eq!(pod.attrs["labels"]["app"], "cart");
    assert_eq!(pod.attrs["labels"]["pod-template-hash"], "7f9c6d8b5");
    assert!(pod.attrs["labels"].get("io.cilium.k8s.policy.serviceaccount").is_none(), "Cilium's, not the pod's");
    assert_eq!(entity(ev, EntityKind::Pod, "destination-pod").unwrap().key, "shop/catalog-6d5f8b7c9-m4ztn");
    assert_eq!(entity(ev, EntityKind::Workload, "source-workload").unwrap().key, "shop/Deployment/cart");
    assert_eq!(entity(ev, EntityKind::Workload, "destination-workload").unwrap().key, "shop/Deployment/catalog");
    assert_eq!(
        entity(ev, EntityKind::Identity, "source-service-account").unwrap().key,
        "system:serviceaccount:shop:cart"
    );
    assert_eq!(entity(ev, EntityKind::Ip, "source-ip").unwrap().key, "10.244.1.23");
    // Ports are the flow's, not the address's: fields, not attributes.
    let dst = entity(ev, EntityKind::Ip, "destination-ip").unwrap();
    assert_eq!(dst.key, "10.244.0.12");
    assert!(dst.attrs.is_empty());
    assert!(ev.message.ends_with(&format!("on {}", NODE1)));
}

#[test]
fn a_reply_draws_no_connection_and_says_it_is_a_reply() {
    let ev = &observe()[1];
    assert_eq!(ev.fields["is_reply"], true);
    assert_eq!(ev.fields["tcp_flags"], "ACK,RST");
    assert!(ev.title.starts_with("TCP reply shop/catalog-6d5f8b7c9-m4ztn (10.244.0.12:6379) → shop/cart"), "{}", ev.title);
    assert_eq!(
        roles(ev, EntityKind::Ip),
        vec![("reply-source-ip".into(), "10.244.0.12".into()), ("reply-destination-ip".into(), "10.244.1.23".into())]
    );
}

#[test]
fn empty_and_reserved_endpoints_are_named_not_invented() {
    let obs = observe();
    // `{}`: an address with no endpoint.
    let unknown = &obs[2];
    assert_eq!(unknown.fields["destination_endpoint"], "unknown");
    assert!(entity(unknown, EntityKind::Pod, "destination-pod").is_none());
    assert_eq!(entity(unknown, EntityKind::Ip, "destination-ip").unwrap().key, "10.244.2.200");
    assert!(unknown.title.ends_with("→ 10.244.2.200:2375 FORWARDED"), "{}", unknown.title);
    // Identity 6: another node (the kubelet port).
    let node = &obs[3];
    assert_eq!(node.fields["destination_endpoint"], "remote-node");
    assert_eq!(node.fields["destination_reserved"], "remote-node");
    assert_eq!(node.fields["destination_identity"], 6);
    assert!(node.title.contains("→ remote-node 10.224.0.4:10250"), "{}", node.title);
    // World.
    let pool = &obs[7];
    assert_eq!(pool.fields["destination_endpoint"], "world");
    assert_eq!(pool.fields["destination_identity"], 2);
    assert!(pool.entities.iter().filter(|e| e.kind == EntityKind::Pod).count() == 1);
    // A reserved identity by number alone, no labels.
    let ev = parse_str(
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.224.0.5","destination":"10.244.1.23"},"source":{"identity":1},"destination":{}},"time":"2026-11-20T09:00:00Z"}"#,
    );
    assert_eq!(ev.fields["source_endpoint"], "host");
    assert_eq!(ev.fields["destination_endpoint"], "unknown");
}

#[test]
fn icmp_flows_give_type_and_code() {
    let ev = &observe()[4];
    assert_eq!(ev.fields["protocol"], "icmpv4");
    assert_eq!(ev.fields["icmp_type"], 8);
    assert_eq!(ev.fields["icmp_code"], 0, "protobuf JSON omits a zero code");
    assert!(ev.fields.get("dst_port").is_none());
    assert!(ev.title.starts_with("ICMPv4 type 8 shop/cart"), "{}", ev.title);
    let v6 = parse_str(
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"fd00::17","destination":"fd00::1","ipVersion":"IPv6"},"l4":{"ICMPv6":{"type":135}}},"time":"2026-11-20T09:00:00Z"}"#,
    );
    assert_eq!((v6.fields["protocol"].as_str(), v6.fields["icmp_type"].as_u64()), (Some("icmpv6"), Some(135)));
    assert_eq!(v6.fields["ip_version"], "IPv6");
}

#[test]
fn dns_query_and_answer_give_the_domain() {
    let obs = observe();
    let q = &obs[5];
    assert_eq!(q.fields["flow_type"], "L7");
    assert_eq!(q.fields["l7_protocol"], "dns");
    assert_eq!(q.fields["dns_query"], "pool.minexmr.example.");
    assert_eq!(q.fields["protocol"], "udp");
    assert_eq!(entity(q, EntityKind::Domain, "dns-query").unwrap().key, "pool.minexmr.example");
    assert!(q.title.starts_with("DNS query pool.minexmr.example shop/cart"), "{}", q.title);
    assert_eq!(entity(q, EntityKind::Pod, "destination-pod").unwrap().key, "kube-system/coredns-789789675-8xk2p");
    let a = &obs[6];
    assert_eq!(a.fields["dns_ips"][0], "198.51.100.77");
    assert_eq!(a.fields["dns_rcode"], 0);
    assert_eq!(a.fields["latency_ns"], 3_637_184, "uint64 as a string");
    let answer = entity(a, EntityKind::Domain, "dns-answer").unwrap();
    assert_eq!(answer.key, "pool.minexmr.example");
    assert_eq!(answer.attrs["resolved"][0], "198.51.100.77");
    assert!(a.title.starts_with("DNS answer pool.minexmr.example = 198.51.100.77 reply"), "{}", a.title);
}

#[test]
fn the_pool_connection_names_the_pool_by_address_and_name() {
    let ev = &observe()[7];
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.fields["dst_ip"], "198.51.100.77");
    assert_eq!(ev.fields["dst_port"], 4444);
    assert_eq!(entity(ev, EntityKind::Ip, "destination-ip").unwrap().key, "198.51.100.77");
    assert_eq!(entity(ev, EntityKind::Domain, "destination").unwrap().key, "pool.minexmr.example");
    assert_eq!(ev.fields["destination_names"][0], "pool.minexmr.example");
    assert!(ev.search_text.contains("pool.minexmr.example"));
}

#[test]
fn a_policy_drop_is_a_medium_alert_naming_the_policy() {
    let ev = parse_str(line(EXPORT, 3));
    assert_eq!((ev.kind, ev.severity), (EventKind::Alert, Severity::Medium));
    assert_eq!(ev.rule.as_deref(), Some("Flow denied by network policy"));
    assert!(ev.tactics.is_empty() && ev.techniques.is_empty(), "Hubble gives no tags");
    assert_eq!(ev.fields["verdict"], "DROPPED");
    assert_eq!(ev.fields["drop_reason"], 133);
    assert_eq!(ev.fields["drop_reason_desc"], "POLICY_DENIED");
    assert_eq!(ev.fields["egress_denied_by"][0], "CiliumClusterwideNetworkPolicy deny-instance-metadata");
    assert_eq!(ev.title, "TCP shop/cart-7f9c6d8b5-x2k4q (10.244.1.23:50442) → world 169.254.169.254:80 denied by policy");
    assert!(ev.message.contains("(CiliumClusterwideNetworkPolicy deny-instance-metadata) on aks-nodepool1"), "{}", ev.message);
    // Tried, not reached.
    assert_eq!(entity(&ev, EntityKind::Ip, "dropped-destination-ip").unwrap().key, "169.254.169.254");
    assert!(entity(&ev, EntityKind::Ip, "destination-ip").is_none());
}

#[test]
fn other_verdicts_map_to_their_rules() {
    let base = |verdict: &str, extra: &str| {
        parse_str(&format!(
            r#"{{"flow":{{"verdict":{},"IP":{{"source":"10.244.1.23","destination":"198.51.100.77"}},"l4":{{"TCP":{{"destination_port":3333}}}},"source":{{"namespace":"shop","pod_name":"cart-7f9c6d8b5-x2k4q"}}{}}},"time":"2026-11-20T09:00:00.5Z"}}"#,
            verdict, extra
        ))
    };
    let audit = base(r#""AUDIT""#, "");
    assert_eq!((audit.kind, audit.severity), (EventKind::Alert, Severity::Medium));
    assert_eq!(audit.rule.as_deref(), Some("Flow allowed by policy audit mode"));
    assert_eq!(entity(&audit, EntityKind::Ip, "destination-ip").unwrap().key, "198.51.100.77", "it went through");
    let dropped = base(r#""DROPPED""#, r#","drop_reason_desc":"CT_MAP_INSERTION_FAILED""#);
    assert_eq!((dropped.rule.as_deref(), dropped.severity), (Some("Flow dropped"), Severity::Low));
    assert!(dropped.title.ends_with("dropped (CT_MAP_INSERTION_FAILED)"), "{}", dropped.title);
    let error = base(r#""ERROR""#, "");
    assert_eq!((error.rule.as_deref(), error.severity), (Some("Flow error"), Severity::Low));
    assert!(error.title.ends_with("error (no reason given)"), "{}", error.title);
    // Enums as numbers: verdict 2, drop reason 181 (POLICY_DENY) by number only.
    let numbers = base("2", r#","drop_reason":181,"traffic_direction":2,"Type":1"#);
    assert_eq!(numbers.rule.as_deref(), Some("Flow denied by network policy"));
    assert_eq!(numbers.fields["drop_reason_desc"], "POLICY_DENY");
    assert_eq!(numbers.fields["traffic_direction"], "EGRESS");
    assert_eq!(numbers.fields["flow_type"], "L3_L4");
    // A port omitted is zero (protobuf JSON).
    assert_eq!(numbers.fields["src_port"], 0);
    // An ingress policy drop.
    let ingress = base(
        r#""DROPPED""#,
        r#","ingress_denied_by":[{"name":"default-deny","namespace":"shop","kind":"CiliumNetworkPolicy"}]"#,
    );
    assert_eq!(ingress.fields["ingress_denied_by"][0], "CiliumNetworkPolicy shop/default-deny");
    assert_eq!(ingress.rule.as_deref(), Some("Flow denied by network policy"));
}

#[test]
fn http_flows_give_method_url_and_code() {
    let ev = parse_str(line(EXPORT, 4));
    assert_eq!(ev.fields["http_method"], "GET");
    assert_eq!(ev.fields["http_url"], "http://198.51.100.23/x.sh");
    assert_eq!(ev.fields["l7_type"], "REQUEST");
    assert!(ev.title.starts_with("HTTP GET http://198.51.100.23/x.sh shop/cart"), "{}", ev.title);
    let resp = parse_str(
        r#"{"flow":{"verdict":"FORWARDED","Type":"L7","is_reply":true,"l7":{"type":"RESPONSE","http":{"code":200,"method":"GET","url":"http://198.51.100.23/x.sh"}}},"time":"2026-11-20T09:47:05.4Z"}"#,
    );
    assert_eq!(resp.fields["http_code"], 200);
    assert!(resp.title.starts_with("HTTP GET http://198.51.100.23/x.sh 200 reply"), "{}", resp.title);
}

#[test]
fn lost_events_are_an_evidence_gap_with_their_count() {
    let ev = parse_str(line(EXPORT, 1));
    assert_eq!((ev.kind, ev.severity), (EventKind::Telemetry, Severity::Low));
    assert_eq!(ev.rule.as_deref(), Some("lost_events"));
    assert_eq!(ev.fields["num_events_lost"], 137);
    assert_eq!(ev.fields["lost_source"], "PERF_EVENT_RING_BUFFER");
    assert_eq!(ev.fields["cpu"], 1);
    assert_eq!(ev.fields["evidence_gap"], true);
    assert_eq!(ev.title, "Hubble lost 137 events (PERF_EVENT_RING_BUFFER on CPU 1)");
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:44:16.002914467Z"));
    assert_eq!(entity(&ev, EntityKind::Node, "node").unwrap().key, NODE1);
    let camel = parse_str(r#"{"lostEvents":{"source":3,"numEventsLost":"1"},"nodeName":"kind-worker","time":"2026-11-20T09:00:00Z"}"#);
    assert_eq!(camel.title, "Hubble lost 1 event (HUBBLE_RING_BUFFER)");
    assert!(entity(&camel, EntityKind::Cluster, "cluster").is_none());
}

#[test]
fn agent_events_are_telemetry_and_debug_events_are_skipped() {
    let ev = parse_str(line(EXPORT, 0));
    assert_eq!((ev.kind, ev.severity), (EventKind::Telemetry, Severity::Info));
    assert_eq!(ev.rule.as_deref(), Some("agent_event POLICY_UPDATED"));
    assert_eq!(ev.title, "Cilium agent: policy updated deny-instance-metadata");
    assert_eq!(ev.fields["policy_revision"], 87);
    let debug = parse(line(EXPORT, 2).as_bytes()).unwrap_err();
    assert!(debug.skip);
    assert_eq!(debug.reason, "Hubble debug event DBG_CT_LOOKUP4_1 (datapath debugging)");
    let created = parse_str(
        r#"{"agent_event":{"type":"ENDPOINT_CREATED","endpoint_update":{"id":"2187","labels":["k8s:app=cart"],"pod_name":"cart-7f9c6d8b5-x2k4q","namespace":"shop"}},"node_name":"aks-shop-prod/aks-nodepool1-31415926-vmss000001","time":"2026-11-20T08:12:00Z"}"#,
    );
    assert_eq!(created.title, "Cilium agent: endpoint created shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(entity(&created, EntityKind::Pod, "pod").unwrap().key, CART);
}

#[test]
fn relay_node_status_of_an_unavailable_node_is_a_gap() {
    let ev = &observe()[9];
    assert_eq!((ev.kind, ev.severity), (EventKind::Telemetry, Severity::Low));
    assert_eq!(ev.fields["node_state"], "NODE_UNAVAILABLE");
    assert_eq!(ev.fields["evidence_gap"], true);
    assert_eq!(entity(ev, EntityKind::Node, "node").unwrap().key, "aks-nodepool1-31415926-vmss000002");
}

#[test]
fn bare_flows_of_older_clis_parse_with_their_own_shape() {
    let evs: Vec<NewEvent> = LEGACY.lines().map(parse_str).collect();
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e.shape == Some(SHAPE_BARE_FLOW)));
    assert_eq!(evs[0].fields["tcp_flags"], "ACK,PSH");
    assert_eq!(evs[0].fields["node"], NODE1, "the flow's own node_name");
    assert_eq!(evs[0].time_ns, time::parse_rfc3339("2026-11-20T09:47:24.550126730Z"));
}

#[test]
fn default_cluster_names_no_cluster() {
    assert_eq!(split_node("default/kind-worker"), (None, "kind-worker"));
    assert_eq!(split_node("aks-shop-prod/n1"), (Some("aks-shop-prod"), "n1"));
    assert_eq!(split_node("minikube"), (None, "minikube"));
}

#[test]
fn the_response_time_stands_in_for_a_masked_flow_time() {
    let ev = parse_str(r#"{"flow":{"verdict":"FORWARDED"},"node_name":"n","time":"2026-11-20T09:47:22.104518932Z"}"#);
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:47:22.104518932Z"));
    assert_eq!(ev.title, "flow unknown → unknown FORWARDED");
}

#[test]
fn malformed_records_are_errors_with_reasons() {
    assert!(parse(line(EXPORT, 6).as_bytes()).unwrap_err().reason.contains("invalid JSON"));
    let wrong = parse(line(EXPORT, 7).as_bytes()).unwrap_err();
    assert!(!wrong.skip);
    assert_eq!(wrong.reason, "Hubble `flow` is a string, not an object");
    assert!(parse(b"[]").unwrap_err().reason.contains("not a JSON object"));
    assert!(parse(br#"{"time":"x"}"#).unwrap_err().reason.contains("no Hubble payload"));
    assert!(parse(br#"{"flow":{},"agent_event":{},"time":"x"}"#)
        .unwrap_err()
        .reason
        .contains("several Hubble payloads: flow, agent_event"));
    let dup = parse(br#"{"flow":{"verdict":"DROPPED","verdict":"FORWARDED"},"time":"x"}"#).unwrap_err();
    assert!(dup.reason.contains("duplicate key"), "{}", dup);
}

#[test]
fn odd_values_never_panic() {
    let inputs: [&[u8]; 6] = [
        br#"{"flow":{"verdict":99,"l4":{"TCP":null},"IP":{"source":7},"source":[],"destination":"x","l7":{"dns":{"ips":[1]}}},"time":5}"#,
        br#"{"flow":{"l4":{"UDP":{"source_port":"53"}},"source":{"workloads":[{"kind":1}],"labels":[1,"k8s:"]}},"node_name":"/"}"#,
        br#"{"lost_events":{"num_events_lost":-1,"cpu":{"value":2}},"time":"x"}"#,
        br#"{"agent_event":{"type":77,"ipcache_update":{"cidr":"10.244.1.23/32","namespace":"shop","pod_name":"x"}},"time":"x"}"#,
        br#"{"node_status":{"state_change":4,"node_names":["a/b"]},"time":"x"}"#,
        br#"{"flow":{"egress_denied_by":[{"kind":"CiliumNetworkPolicy"}],"verdict":"DROPPED","is_reply":{"value":true}},"time":"x"}"#,
    ];
    for raw in inputs {
        let ev = parse(raw).unwrap_or_else(|e| panic!("{}: {}", e, String::from_utf8_lossy(raw)));
        assert_eq!(ev.source, Source::Hubble);
    }
    assert_eq!(parse(inputs[0]).unwrap().fields["verdict"], "99");
    assert_eq!(parse(inputs[5]).unwrap().fields["is_reply"], true);
}
