use super::*;
use crate::formats::{Container, Hint};
use std::sync::Arc;

const STREAM: &str = "kube-apiserver-audit-5b3a9d2c7e1f40a68c2d9e4b1f7a3c60";

/// A stage of the demo's `list pods in shop` request.
const AUDIT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b4bd8f1-3f5a-4c69-8d2e-5a1c9e7f3b21","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods?limit=500","verb":"list","user":{"username":"system:serviceaccount:shop:cart"},"sourceIPs":["203.0.113.45"],"objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-20T09:41:07.123456Z","stageTimestamp":"2026-11-20T09:41:07.131044Z"}"#;

fn page_hint(page: u32) -> Hint {
    Hint { container: Some(Arc::new(Container { key: "events", page, facts: Map::new() })), ..Hint::default() }
}

fn firehose_hint(message_type: &str) -> Hint {
    firehose_hint_of(message_type, STREAM)
}

fn firehose_hint_of(message_type: &str, stream: &str) -> Hint {
    let mut facts = Map::new();
    facts.insert("messageType".into(), message_type.into());
    facts.insert("owner".into(), "111122223333".into());
    facts.insert("logGroup".into(), "/aws/eks/shop-prod/cluster".into());
    facts.insert("logStream".into(), stream.into());
    facts.insert("subscriptionFilters".into(), serde_json::json!(["to-firehose"]));
    Hint { container: Some(Arc::new(Container { key: "logEvents", page: 2, facts })), ..Hint::default() }
}

fn filter_item(message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "logStreamName": STREAM,
        "timestamp": 1795167667131i64,
        "message": message,
        "ingestionTime": 1795167668318i64,
        "eventId": "37942149612345678901234567890123456789012345678901234567",
    }))
    .unwrap()
}

fn ctx(hint: &Hint) -> Context<'_> {
    Context::new(hint)
}

#[test]
fn sniff_takes_every_cloudwatch_shape_and_nothing_else() {
    let obj = |v: serde_json::Value| v.as_object().unwrap().clone();
    assert!(sniff(&obj(serde_json::json!({"logStreamName": "s", "timestamp": 1, "message": "m", "ingestionTime": 2, "eventId": "1"}))));
    assert!(sniff(&obj(serde_json::json!({"timestamp": 1, "message": "m", "ingestionTime": 2}))));
    assert!(sniff(&obj(serde_json::json!({"id": "1", "timestamp": 1, "message": "m"}))));
    assert!(sniff(&obj(serde_json::json!({"@timestamp": "2026-11-20 09:41:07.131", "@message": "m"}))));
    // An audit event, a Falco alert, a KubeArmor log (PascalCase) are not.
    assert!(!sniff(&obj(serde_json::from_str(AUDIT).unwrap())));
    assert!(!sniff(&obj(serde_json::json!({"rule": "r", "priority": "Notice", "output": "o", "time": "t", "output_fields": {}}))));
    assert!(!sniff(&obj(serde_json::json!({"Timestamp": 1, "Message": "m", "UpdatedTime": "t"}))));
    // A message that is not text, or no time: not CloudWatch.
    assert!(!sniff(&obj(serde_json::json!({"timestamp": 1, "message": {"a": 1}, "ingestionTime": 2}))));
    assert!(!sniff(&obj(serde_json::json!({"message": "m", "ingestionTime": 2}))));
}

#[test]
fn a_filter_page_item_is_the_audit_event_with_its_envelope() {
    let hint = page_hint(2);
    let ev = parse(&filter_item(AUDIT), &ctx(&hint)).unwrap();
    assert_eq!(ev.source, Source::K8sAudit);
    assert_eq!(ev.title, "list pods in shop");
    assert_eq!(ev.dedup_key.as_deref(), Some("k8s-audit|0b4bd8f1-3f5a-4c69-8d2e-5a1c9e7f3b21"));
    assert_eq!(ev.shape, Some("filter-log-events"));
    // The event's own time, not CloudWatch's.
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T09:41:07.123456Z"));
    let fields: Map<String, Value> = serde_json::from_str(ev.fields_json.as_deref().unwrap()).unwrap();
    let env = &fields["envelope"];
    assert_eq!(env["shape"], "filter-log-events");
    assert_eq!(env["log_stream"], STREAM);
    assert_eq!(env["page"], 2);
    assert_eq!(env["timestamp"], "2026-11-20T09:41:07.131000000Z");
    assert_eq!(env["ingestion_time"], "2026-11-20T09:41:08.318000000Z");
    // A page names no log group, so no cluster unless the user names it.
    assert!(fields.get("cluster").is_none());
    assert!(!ev.entities.iter().any(|e| e.kind == EntityKind::Cluster));
    let named = Context { hint: &hint, cluster: Some("shop-prod"), path: "", inner: None };
    let ev = parse(&filter_item(AUDIT), &named).unwrap();
    let c = ev.entities.iter().find(|e| e.kind == EntityKind::Cluster).unwrap();
    assert_eq!((c.key.as_str(), c.attrs["provider"].as_str(), c.attrs["named_by"].as_str()), ("shop-prod", Some("eks"), Some("import")));
}

#[test]
fn a_firehose_item_names_its_cluster_and_a_control_message_is_skipped() {
    let item = serde_json::to_vec(&serde_json::json!({"id": "3794", "timestamp": 1795167667131i64, "message": AUDIT})).unwrap();
    let hint = firehose_hint("DATA_MESSAGE");
    let ev = parse(&item, &ctx(&hint)).unwrap();
    assert_eq!(ev.shape, Some("subscription"));
    let c = ev.entities.iter().find(|e| e.kind == EntityKind::Cluster).unwrap();
    assert_eq!(c.key, "shop-prod");
    assert_eq!(c.attrs["account"], "111122223333");
    assert_eq!(c.attrs["log_group"], "/aws/eks/shop-prod/cluster");
    let fields: Map<String, Value> = serde_json::from_str(ev.fields_json.as_deref().unwrap()).unwrap();
    assert_eq!(fields["cluster"], "shop-prod");
    assert_eq!(fields["envelope"]["subscription_filters"], serde_json::json!(["to-firehose"]));
    assert_eq!(fields["envelope"]["event_id"], "3794");
    let control = firehose_hint("CONTROL_MESSAGE");
    let e = parse(&item, &ctx(&control)).unwrap_err();
    assert!(e.skip, "{:?}", e);
}

#[test]
fn the_record_naming_its_cluster_ranks_above_the_page_and_the_bare_line() {
    let bare = audit::parse(AUDIT.as_bytes()).unwrap().rank;
    let page = parse(&filter_item(AUDIT), &ctx(&page_hint(1))).unwrap().rank;
    let item = serde_json::to_vec(&serde_json::json!({"id": "3794", "timestamp": 1, "message": AUDIT})).unwrap();
    let named = parse(&item, &ctx(&firehose_hint("DATA_MESSAGE"))).unwrap().rank;
    assert!(bare < page && page < named, "{} {} {}", bare, page, named);
    // A better stage still wins over any envelope.
    let started = AUDIT.replace("ResponseComplete", "RequestReceived");
    assert!(parse(&item, &ctx(&firehose_hint("DATA_MESSAGE"))).unwrap().rank > audit::parse(started.as_bytes()).unwrap().rank + 5);
}

#[test]
fn peek_agrees_with_parse_on_whole_cut_and_other_messages() {
    let cut = format!("{}[Truncated...]", &AUDIT[..300]);
    for hint in [page_hint(1), firehose_hint("DATA_MESSAGE")] {
        for message in [AUDIT, cut.as_str()] {
            let raw = filter_item(message);
            let ev = parse(&raw, &ctx(&hint)).unwrap();
            let p = peek(&raw, &ctx(&hint)).unwrap();
            assert_eq!((p.key.as_str(), p.rank), (ev.dedup_key.as_deref().unwrap(), ev.rank), "{}", message);
            // The importer hands the peek's message back: the same event.
            let text = p.inner.as_ref().map(|i| i.text.as_str());
            assert_eq!(text, Some(message));
            assert!(validate(&raw, None) && validate(&raw, text));
            assert_eq!(parse(&raw, &Context { inner: p.inner.as_ref(), ..ctx(&hint) }).unwrap(), ev, "{}", message);
        }
    }
    let hint = page_hint(1);
    let auth = serde_json::to_vec(&serde_json::json!({"logStreamName": "authenticator-0a", "timestamp": 1, "message": "time=\"x\" msg=\"access granted\""})).unwrap();
    assert_eq!(peek(&auth, &ctx(&hint)), None);
}

#[test]
fn a_cut_audit_event_keeps_what_its_head_says_and_ranks_below_any_whole_copy() {
    let cut = format!("{}[Truncated...]", &AUDIT[..330]);
    let hint = page_hint(1);
    let ev = parse(&filter_item(&cut), &ctx(&hint)).unwrap();
    assert_eq!(ev.dedup_key.as_deref(), Some("k8s-audit|0b4bd8f1-3f5a-4c69-8d2e-5a1c9e7f3b21"));
    assert_eq!(ev.rank, TRUNCATED_RANK);
    assert!(ev.rank < audit::parse(AUDIT.replace("ResponseComplete", "RequestReceived").as_bytes()).unwrap().rank);
    assert_eq!(ev.title, "list /api/v1/namespaces/shop/pods (truncated by CloudWatch)");
    assert_eq!(ev.fields["truncated"], true);
    assert_eq!(ev.fields["user"], "system:serviceaccount:shop:cart");
    assert_eq!(ev.fields["envelope"]["log_stream"], STREAM);
    assert!(ev.entities.iter().any(|e| e.kind == EntityKind::Identity && e.key == "system:serviceaccount:shop:cart"));
    // Cut before its auditID: nothing to key it on, a parse error.
    let e = parse(&filter_item("{\"kind\":\"Event\",\"apiVer[Truncated...]"), &ctx(&hint)).unwrap_err();
    assert!(e.reason.contains("before its auditID"), "{}", e.reason);
    assert!(!e.skip);
}

#[test]
fn a_message_of_the_audit_stream_that_is_no_audit_event_is_a_parse_error() {
    let hint = page_hint(1);
    let e = parse(&filter_item("{\"kind\":\"Event\",\"auditID\":"), &ctx(&hint)).unwrap_err();
    assert!(e.reason.starts_with("the message of stream kube-apiserver-audit-"), "{}", e.reason);
    assert!(e.reason.contains("invalid JSON"), "{}", e.reason);
    // A message of another type, and no message at all.
    let wrong = serde_json::to_vec(&serde_json::json!({"logStreamName": STREAM, "timestamp": 1, "message": 42, "eventId": "1"})).unwrap();
    assert!(parse(&wrong, &ctx(&hint)).unwrap_err().reason.contains("not a string"));
    let broken = "{\"kind\":\"Event\",\"auditID\":";
    assert!(!validate(&filter_item(broken), None));
    assert!(!validate(&filter_item(broken), Some(broken)));
    assert!(validate(&filter_item(AUDIT), None));
    assert!(!validate(b"{\"message\": \"x\"", None));
}

#[test]
fn authenticator_lines_link_the_iam_principal_to_the_kubernetes_user() {
    let line = r#"time="2026-11-20T08:44:12Z" level=info msg="access granted" accesskeyid=ASIARHTJ3EXAMPLEKEY1 arn="arn:aws:iam::111122223333:role/eks-platform-admin" client="127.0.0.1:41724" groups="[eks:platform-admins]" method=POST path=/authenticate uid="aws-iam-authenticator:111122223333:AROARHTJ3EXAMPLEADMN" username="arn:aws:sts::111122223333:assumed-role/eks-platform-admin/dana""#;
    let raw = serde_json::to_vec(&serde_json::json!({"logStreamName": "authenticator-5b3a", "timestamp": 1795164252296i64, "message": line, "eventId": "1"})).unwrap();
    let ev = parse(&raw, &Context { hint: &page_hint(1), cluster: Some("shop-prod"), path: "", inner: None }).unwrap();
    assert_eq!(ev.source, Source::ControlPlane);
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T08:44:12Z"));
    assert_eq!(ev.fields["auth_msg"], "access granted");
    assert_eq!(ev.fields["auth_accesskeyid"], "ASIARHTJ3EXAMPLEKEY1");
    let role = |r: &str| ev.entities.iter().find(|e| e.role == r).map(|e| e.key.clone());
    assert_eq!(role("actor").as_deref(), Some("arn:aws:sts::111122223333:assumed-role/eks-platform-admin/dana"));
    assert_eq!(role("cloud-principal").as_deref(), Some("arn:aws:iam::111122223333:role/eks-platform-admin"));
    assert_eq!(role("cluster").as_deref(), Some("shop-prod"));
    let principal = ev.entities.iter().find(|e| e.role == "cloud-principal").unwrap();
    assert_eq!(principal.attrs["account"], "111122223333");
    assert_eq!(principal.attrs["provider"], "aws");
}

#[test]
fn klog_lines_keep_their_severity_and_text() {
    let raw = serde_json::to_vec(&serde_json::json!({"logStreamName": "kube-apiserver-5b3a", "timestamp": 1795167782419i64, "message": "W1120 09:43:02.419377      11 upgradeaware.go:441] Error proxying data from client to backend\n", "eventId": "1"})).unwrap();
    let ev = parse(&raw, &ctx(&page_hint(1))).unwrap();
    assert_eq!(ev.source, Source::ControlPlane);
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(ev.title, "kube-apiserver: Error proxying data from client to backend");
    assert_eq!(ev.fields["source_location"], "upgradeaware.go:441");
    assert_eq!(ev.time_ns, Some(1795167782419 * 1_000_000));
    // The same line in another export is the same event.
    let other = serde_json::to_vec(&serde_json::json!({"id": "9", "timestamp": 1795167782419i64, "message": "W1120 09:43:02.419377      11 upgradeaware.go:441] Error proxying data from client to backend\n"})).unwrap();
    assert_eq!(parse(&other, &ctx(&firehose_hint_of("DATA_MESSAGE", "kube-apiserver-5b3a"))).unwrap().dedup_key, ev.dedup_key);
}

#[test]
fn without_a_stream_name_the_message_says_what_it_is() {
    assert_eq!(classify(None, AUDIT), Stream::Audit);
    assert_eq!(classify(None, "time=\"2026\" level=info msg=\"access granted\""), Stream::Authenticator);
    assert_eq!(classify(None, "I1120 09:41:07.1 1 x.go:1] hi"), Stream::Component("control-plane"));
    assert_eq!(classify(Some("kube-scheduler-0a"), AUDIT), Stream::Component("kube-scheduler"));
    assert_eq!(classify(Some("kube-apiserver-audit-0a"), "x"), Stream::Audit);
}

#[test]
fn insights_rows_read_the_log_group_and_account_from_at_log() {
    let row = serde_json::to_vec(&serde_json::json!({
        "@timestamp": "2026-11-20 09:41:07.131", "@message": AUDIT, "@logStream": STREAM,
        "@log": "111122223333:/aws/eks/shop-prod/cluster"
    }))
    .unwrap();
    let hint = Hint { row: true, ..Hint::default() };
    let ev = parse(&row, &ctx(&hint)).unwrap();
    assert_eq!(ev.shape, Some("logs-insights-csv"));
    let fields: Map<String, Value> = serde_json::from_str(ev.fields_json.as_deref().unwrap()).unwrap();
    assert_eq!(fields["cluster"], "shop-prod");
    assert_eq!(fields["envelope"]["account"], "111122223333");
    assert_eq!(fields["envelope"]["timestamp"], "2026-11-20T09:41:07.131000000Z");
}

#[test]
fn small_readers() {
    assert_eq!(cluster_of_log_group("/aws/eks/shop-prod/cluster"), Some("shop-prod"));
    assert_eq!(cluster_of_log_group("/aws/eks//cluster"), None);
    assert_eq!(cluster_of_log_group("/aws/lambda/x"), None);
    assert_eq!(truncated_field(r#"{"auditID":"a\"b","verb":"get""#, "auditID").as_deref(), Some("a\"b"));
    assert_eq!(truncated_field(r#"{"auditID":"abc"#, "auditID"), None);
    let pairs = logfmt(r#"time="2026-11-20T08:44:12Z" level=info msg="say \"hi\"" groups="[a b]" method=POST"#);
    assert_eq!(pairs[2], ("msg".to_string(), "say \"hi\"".to_string()));
    assert_eq!(pairs[3], ("groups".to_string(), "[a b]".to_string()));
    assert_eq!(pairs[4], ("method".to_string(), "POST".to_string()));
}
