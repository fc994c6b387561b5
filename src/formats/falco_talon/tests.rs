use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, Format};

const STDOUT: &str = include_str!("../../../fixtures/samples/falco-talon/talon.jsonl");
const KUBECTL: &str = include_str!("../../../fixtures/samples/falco-talon/kubectl-logs.log");
const EVENT: &str = include_str!("../../../fixtures/samples/falco-talon/notifier-event.json");
const BAD: &str = include_str!("../../../fixtures/samples/falco-talon/bad-records.jsonl");

const CART: &str = "shop/cart-7f9c6d8b5-x2k4q";
const TRACE: &str = "5f0c9a2e7d4b4e1c8a3f6b2d9e0c7a41";

fn results() -> Vec<Result<NewEvent, RecordError>> {
    STDOUT.lines().map(|l| parse(l.as_bytes())).collect()
}

fn actions() -> Vec<NewEvent> {
    results().into_iter().filter_map(Result::ok).collect()
}

#[test]
fn sniff_claims_talon_lines_and_no_other_format_does() {
    for l in STDOUT.lines().filter(|l| l.contains("trace_id")) {
        assert!(sniff(&obj(l)), "{}", l);
        // A `match` line carries Falco's rule, priority and output: Talon
        // must be detected first.
        assert_eq!(detect_record(&obj(l)), Some(Format::FalcoTalon), "{}", l);
    }
    // Start-up lines are generic zerolog: not claimed, read in a Talon file.
    assert!(!sniff(&obj(STDOUT.lines().next().unwrap())));
    // A Falco alert, another Go program's zerolog line, a Kubernetes Event.
    assert!(!sniff(&obj(r#"{"rule":"r","priority":"Critical","output":"o","time":"2026-11-20T09:47:21Z"}"#)));
    assert!(!sniff(&obj(r#"{"level":"info","trace_id":"x","time":"2026-11-20T09:47:21Z","message":"request served"}"#)));
    assert!(!sniff(&obj(EVENT)));
    // A JSON notifier's line keeps `objects` and has no `level`.
    assert!(sniff(&obj(
        r#"{"objects":{"Pod":"p","Namespace":"n"},"actionner":"kubernetes:terminate","status":"success","message":"action"}"#
    )));
}

#[test]
fn only_action_lines_become_responses_and_the_rest_is_skipped_with_a_reason() {
    let r = results();
    assert_eq!(r.len(), 11);
    let skipped: Vec<String> = r.iter().filter_map(|x| x.as_ref().err()).inspect(|e| assert!(e.skip, "{}", e)).map(|e| e.reason.clone()).collect();
    assert_eq!(skipped.len(), 8);
    assert_eq!(skipped.iter().filter(|s| *s == "Falco Talon start-up line").count(), 3);
    assert!(skipped.iter().any(|s| s.starts_with("Falco event received by Talon")));
    assert!(skipped.iter().any(|s| s.starts_with("Talon rule matched a Falco event")));
    assert_eq!(skipped.iter().filter(|s| *s == "Talon notification through k8sevents (success)").count(), 3);
    let a = actions();
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|e| e.source == Source::FalcoTalon && e.kind == EventKind::Response));
    assert!(a.iter().all(|e| e.tactics.is_empty() && e.shape == Some(SHAPE_STDOUT)));
}

#[test]
fn the_networkpolicy_names_the_pod_through_the_falco_output() {
    let ev = &actions()[0];
    assert_eq!(ev.title, "Falco Talon isolated pod shop/cart-7f9c6d8b5-x2k4q with a NetworkPolicy");
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:47:21Z"));
    assert_eq!(ev.rule.as_deref(), Some("Contain crypto miners"));
    assert_eq!(ev.severity, Severity::Info);
    assert_eq!(ev.fields["actionner"], "kubernetes:networkpolicy");
    assert_eq!(ev.fields["effect"], "isolate");
    assert_eq!(ev.fields["status"], "success");
    assert_eq!(ev.fields["action"], "Isolate the pod");
    assert_eq!(ev.fields["trace_id"], TRACE);
    assert_eq!(ev.fields["objects"]["networkpolicy"], "cart-7f9c6d8b5-x2k4q");
    assert!(ev.fields["falco_output"].as_str().unwrap().contains("Possible miner running"));
    assert_eq!(entity(ev, EntityKind::Pod, "target").unwrap().key, CART);
    assert_eq!(entity(ev, EntityKind::Namespace, "namespace").unwrap().key, "shop");
    assert_eq!(
        ev.dedup_key.as_deref(),
        Some("falco-talon|5f0c9a2e7d4b4e1c8a3f6b2d9e0c7a41|kubernetes:networkpolicy|Isolate the pod|namespace=shop,networkpolicy=cart-7f9c6d8b5-x2k4q")
    );
}

#[test]
fn a_failed_terminate_keeps_its_error() {
    let ev = &actions()[2];
    assert_eq!(ev.title, "Falco Talon failed to terminate pod shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(ev.fields["status"], "failure");
    assert_eq!(ev.fields["effect"], "terminate");
    assert_eq!(ev.fields["level"], "error");
    assert!(ev.fields["error"].as_str().unwrap().contains("cannot delete resource \"pods\""));
    assert!(ev.message.contains("is forbidden"), "{}", ev.message);
    assert_eq!(entity(ev, EntityKind::Pod, "target").unwrap().key, CART);
    assert_eq!(actions()[1].title, "Falco Talon labelled pod shop/cart-7f9c6d8b5-x2k4q");
}

#[test]
fn the_notifier_event_is_the_same_response_as_the_log_line() {
    let v: Value = serde_json::from_str(EVENT).unwrap();
    let o = v.as_object().unwrap();
    let ev = k8s_event::recognise(o, o["metadata"].as_object().unwrap()).unwrap();
    let line = &actions()[2];
    assert_eq!(ev.kind, EventKind::Response);
    assert_eq!(ev.dedup_key, line.dedup_key, "one event for the two records");
    assert!(ev.rank < line.rank, "the log line gives the fields");
    assert_eq!(ev.title, line.title);
    assert_eq!(ev.fields["error"], line.fields["error"]);
    assert_eq!(ev.fields["via"], "k8sevents");
    assert_eq!(ev.shape, Some(SHAPE_K8S_EVENT));
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:47:22.418227Z"));
    // And through the Kubernetes reader, which hands it over.
    let through = crate::formats::k8s::parse(EVENT.as_bytes()).unwrap();
    assert_eq!((through.source, through.kind), (Source::FalcoTalon, EventKind::Response));
    // A cluster's own Event is not Talon's.
    let mut other = o.clone();
    other.insert("source".into(), serde_json::json!({"component": "kubelet"}));
    other.remove("reportingComponent");
    other.insert("reason".into(), "Killing".into());
    assert!(k8s_event::recognise(&other, o["metadata"].as_object().unwrap()).is_none());
}

#[test]
fn an_event_cut_before_its_objects_still_names_the_pod_and_the_reason_the_actionner() {
    let v: Value = serde_json::from_str(EVENT).unwrap();
    let mut o = v.as_object().unwrap().clone();
    o.insert("message".into(), "Status: fail".into());
    o.remove("action");
    let ev = k8s_event::recognise(&o, v["metadata"].as_object().unwrap()).unwrap();
    assert_eq!(ev.fields["actionner"], "kubernetes:terminate");
    assert_eq!(entity(&ev, EntityKind::Pod, "target").unwrap().key, CART);
    assert!(ev.dedup_key.is_none(), "no trace id: its own event");
}

#[test]
fn bad_records_are_errors_and_the_dry_run_is_skipped() {
    let r: Vec<Result<NewEvent, RecordError>> = BAD.lines().map(|l| parse(l.as_bytes())).collect();
    let reasons: Vec<(bool, String)> = r.iter().map(|x| x.as_ref().map(|_| unreachable!()).unwrap_err()).map(|e: &RecordError| (e.skip, e.reason.clone())).collect();
    assert!(reasons[0].1.starts_with("invalid JSON"), "{:?}", reasons[0]);
    assert_eq!(reasons[1], (false, "Falco Talon line `time` is not RFC 3339: 20/11/2026 09:47:22".into()));
    assert_eq!(reasons[2], (false, "Falco Talon action line without `actionner`".into()));
    assert_eq!(reasons[3], (true, "Talon dry-run of kubernetes:terminate (no action taken)".into()));
    assert!(!reasons[4].0 && reasons[4].1.contains("duplicate"), "{:?}", reasons[4]);
    assert_eq!(reasons[5], (false, "Falco Talon line is not a JSON object".into()));
}

#[test]
fn text_lines_are_skipped_at_start_up_and_kept_otherwise() {
    let start: Vec<&str> = KUBECTL.lines().take(3).collect();
    assert!(parse_text(&start.join("\n")).unwrap_err().skip);
    let e = parse_text("2026-11-20T09:52:03Z ERR action actionner=kubernetes:exec status=failure").unwrap_err();
    assert!(!e.skip && e.reason.contains("text-format"), "{}", e);
    let e = parse_text("panic: runtime error: invalid memory address or nil pointer dereference").unwrap_err();
    assert_eq!((e.skip, e.reason.as_str()), (false, "not a Falco Talon line: text that is not JSON"));
}

#[test]
fn every_documented_actionner_reads_and_unknown_ones_still_import() {
    for name in [
        "kubernetes:terminate", "kubernetes:label", "kubernetes:annotate", "kubernetes:networkpolicy", "kubernetes:exec",
        "kubernetes:script", "kubernetes:log", "kubernetes:download", "kubernetes:tcpdump", "kubernetes:delete",
        "kubernetes:cordon", "kubernetes:drain", "aws:lambda", "calico:networkpolicy", "cilium:networkpolicy",
        "gcp:function",
    ] {
        assert!(actionner(name).is_some(), "{}", name);
    }
    let l = r#"{"level":"info","actionner":"acme:quarantine","status":"success","trace_id":"t","pod":"p","namespace":"n","time":"2026-11-20T09:47:22Z","message":"action"}"#;
    let ev = parse(l.as_bytes()).unwrap();
    assert_eq!(ev.title, "Falco Talon ran acme:quarantine on pod n/p");
    assert!(ev.fields.get("effect").is_none());
}

#[test]
fn hostile_values_do_not_panic() {
    for l in [
        r#"{"level":"info","actionner":"kubernetes:label","status":"success","pod":1e999,"time":"2026-11-20T09:47:22Z","message":"action"}"#,
        r#"{"level":"info","actionner":"kubernetes:label","status":"success","pod":"\u0000\u001b","namespace":"","message":"action"}"#,
        r#"{"level":"info","actionner":"","status":"","message":"action"}"#,
        r#"{"message":"action","actionner":"kubernetes:label","status":"success","event":"k8s_pod_name= ==="}"#,
    ] {
        let _ = parse(l.as_bytes());
    }
}
