use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{Container, Hint};
use crate::model::EntityKind;
use std::io::Read;
use std::sync::Arc;

const EXPORT_GZ: &[u8] = include_bytes!("../../../fixtures/samples/guardduty/9d3f0c1e-5b7a-4c2e-8f61-2a4b6c8d0e13.jsonl.gz");
const GET_FINDINGS: &str = include_str!("../../../fixtures/samples/guardduty/get-findings.json");
const ARRAY: &str = include_str!("../../../fixtures/samples/guardduty/api-findings-array.json");
const EVENTBRIDGE: &str = include_str!("../../../fixtures/samples/guardduty/eventbridge-event.json");
const SAMPLE: &str = include_str!("../../../fixtures/samples/guardduty/sample-finding.json");
const BAD: &str = include_str!("../../../fixtures/samples/guardduty/bad-records.jsonl");

const CONTAINER_ID: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";

fn export_lines() -> Vec<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(EXPORT_GZ).read_to_string(&mut text).unwrap();
    text.lines().map(str::to_string).collect()
}

fn cli_findings() -> Vec<Value> {
    let v: Value = serde_json::from_str(GET_FINDINGS).unwrap();
    v["Findings"].as_array().unwrap().clone()
}

fn parse_plain(text: &str) -> Result<NewEvent, RecordError> {
    parse(text.as_bytes(), &Context::new(&Hint::default()))
}

fn parse_in_page(v: &Value) -> NewEvent {
    let h = Hint { container: Some(Arc::new(Container { key: "Findings", page: 1, facts: Map::new() })), ..Hint::default() };
    parse(v.to_string().as_bytes(), &Context::new(&h)).unwrap()
}

fn by_type<'a>(events: &'a [NewEvent], t: &str) -> &'a NewEvent {
    events.iter().find(|e| e.rule.as_deref() == Some(t)).unwrap_or_else(|| panic!("no {}", t))
}

fn keys(ev: &NewEvent, kind: EntityKind, role: &str) -> Vec<String> {
    ev.entities.iter().filter(|e| e.kind == kind && e.role == role).map(|e| e.key.clone()).collect()
}

fn export() -> Vec<NewEvent> {
    export_lines().iter().map(|l| parse_plain(l).unwrap()).collect()
}

#[test]
fn sniff_claims_findings_in_both_spellings_and_eventbridge_only() {
    for l in export_lines() {
        assert!(sniff(&obj(&l)));
    }
    for f in cli_findings() {
        assert!(sniff(f.as_object().unwrap()));
    }
    assert!(sniff(&obj(EVENTBRIDGE)));
    assert!(sniff(&obj(SAMPLE)));
    // Not GuardDuty: a CloudTrail record of a GuardDuty API call, the same
    // call through EventBridge, a Defender alert, an audit event.
    assert!(!sniff(&obj(r#"{"eventVersion":"1.08","eventSource":"guardduty.amazonaws.com","eventName":"GetFindings","eventID":"e"}"#)));
    assert!(!sniff(&obj(
        r#"{"detail-type":"AWS API Call via CloudTrail","source":"aws.guardduty","detail":{"eventSource":"guardduty.amazonaws.com"}}"#
    )));
    assert!(!sniff(&obj(r#"{"type":"Microsoft.Security/Locations/alerts","properties":{"alertType":"K8S_X"}}"#)));
    assert!(!sniff(&obj(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#)));
    // And no other format claims a finding.
    for l in export_lines() {
        assert_eq!(crate::formats::detect_record(&obj(&l)), Some(crate::formats::Format::GuardDuty));
    }
    assert_eq!(crate::formats::detect_record(&obj(EVENTBRIDGE)), Some(crate::formats::Format::GuardDuty));
}

#[test]
fn severity_follows_the_documented_bands() {
    let cases = [
        (0.0, Severity::Info),
        (1.0, Severity::Low),
        (3.9, Severity::Low),
        (4.0, Severity::Medium),
        (6.9, Severity::Medium),
        (7.0, Severity::High),
        (8.9, Severity::High),
        (9.0, Severity::Critical),
        (10.0, Severity::Critical),
    ];
    for (score, want) in cases {
        assert_eq!(severity(score), want, "{}", score);
    }
}

#[test]
fn the_type_gives_rule_purpose_and_tactic() {
    assert_eq!(
        FindingType::parse("CryptoCurrency:Runtime/BitcoinTool.B!DNS"),
        FindingType { purpose: "CryptoCurrency", resource: Some("Runtime"), family: Some("BitcoinTool.B"), artifact: Some("DNS") }
    );
    let events = export();
    let secrets = by_type(&events, "CredentialAccess:Kubernetes/MaliciousIPCaller");
    assert_eq!(secrets.kind, EventKind::Alert);
    assert_eq!(secrets.tactics, ["TA0006"]);
    assert_eq!(secrets.severity, Severity::High);
    assert_eq!(by_type(&events, "Discovery:Kubernetes/MaliciousIPCaller").tactics, ["TA0007"]);
    assert_eq!(by_type(&events, "Execution:Runtime/NewBinaryExecuted").tactics, ["TA0002"]);
    // CryptoCurrency is GuardDuty's word, no ATT&CK tactic: kept, unmapped.
    let dns = by_type(&events, "CryptoCurrency:Runtime/BitcoinTool.B!DNS");
    assert!(dns.tactics.is_empty());
    assert_eq!(dns.fields["unmapped_threat_purpose"], "CryptoCurrency");
    assert_eq!(dns.fields["threat_artifact"], "DNS");
    assert_eq!(dns.fields["severity_score"], 8.0);
}

#[test]
fn an_api_call_finding_names_cluster_user_source_and_request() {
    let events = export();
    let ev = by_type(&events, "CredentialAccess:Kubernetes/MaliciousIPCaller");
    assert_eq!(ev.title, "Credential access API invoked on EKS cluster eks-shop-prod from a known malicious IP.");
    assert!(ev.message.starts_with("A Kubernetes API commonly used to access credentials"));
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:41:30Z"));
    assert_eq!(ev.shape, Some("guardduty-findings"));
    assert_eq!(ev.dedup_key.as_deref(), Some(format!("guardduty|{}", ev.fields["finding_id"].as_str().unwrap()).as_str()));
    let cluster = entity(ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(cluster.key, "eks-shop-prod");
    assert_eq!(cluster.attrs["provider"], "eks");
    assert_eq!(cluster.attrs["account"], "111122223333");
    assert_eq!(cluster.attrs["region"], "us-east-1");
    assert_eq!(cluster.attrs["tags"]["team"], "shop");
    assert_eq!(keys(ev, EntityKind::Identity, "actor"), ["system:serviceaccount:shop:cart"]);
    assert_eq!(keys(ev, EntityKind::Ip, "source-ip"), ["203.0.113.45"]);
    assert_eq!(entity(ev, EntityKind::Ip, "source-ip").unwrap().attrs["asn_org"], "Example Hosting B.V.");
    assert_eq!(ev.fields["verb"], "list");
    assert_eq!(ev.fields["code"], 200);
    assert_eq!(ev.fields["source_ip"], "203.0.113.45");
    assert_eq!(ev.fields["feature"], "EksAuditLogMonitoring");
    assert_eq!(ev.fields["sample"], false);

    let exec = by_type(&events, "Execution:Kubernetes/AnomalousBehavior.ExecInPod");
    // The pod an API call is about is its target.
    let pod = entity(exec, EntityKind::Pod, "target").unwrap();
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5073bb1d-f9d3-4ee8-9817-7e92b9975677");
    assert_eq!(exec.fields["subresource"], "exec");
    assert_eq!(exec.fields["code"], 101);
    assert_eq!(keys(exec, EntityKind::Image, "image"), ["shopregistry.azurecr.io/shop/cart:2.3.1"]);
    assert_eq!(keys(exec, EntityKind::Identity, "service-account"), ["system:serviceaccount:shop:cart"]);
}

#[test]
fn a_runtime_finding_names_container_process_lineage_and_files() {
    let events = export();
    let ev = by_type(&events, "Execution:Runtime/NewBinaryExecuted");
    assert_eq!(keys(ev, EntityKind::Pod, "pod"), ["shop/cart-7f9c6d8b5-x2k4q"]);
    assert_eq!(keys(ev, EntityKind::Container, "container"), [CONTAINER_ID]);
    assert_eq!(keys(ev, EntityKind::Node, "node"), ["ip-10-0-12-34.ec2.internal"]);
    // The same key Falco's alert on the miner builds.
    assert_eq!(keys(ev, EntityKind::Process, "process"), ["335beb25619a:2292803:/tmp/.x/xmrig"]);
    assert_eq!(keys(ev, EntityKind::Process, "parent-process"), ["335beb25619a:2292761:/bin/sh"]);
    assert_eq!(keys(ev, EntityKind::Process, "ancestor-process"), ["335beb25619a:2288410:/app/cart-server"]);
    assert_eq!(keys(ev, EntityKind::Process, "modifying-process"), ["335beb25619a:2292745:/usr/bin/curl"]);
    assert_eq!(keys(ev, EntityKind::File, "file"), ["/tmp/.x/xmrig"]);
    let p = entity(ev, EntityKind::Process, "process").unwrap();
    assert_eq!(p.attrs["namespace_pid"], 58);
    assert_eq!(p.attrs["start_time"], "2026-11-20T09:47:21.130457000Z");
    // The epoch float as the export wrote it, beside its reading.
    assert_eq!(ev.fields["process_start_time_as_given"], "1.7951680411304567E9");
    assert_eq!(ev.fields["cluster_created_at_as_given"], "1.7724897321234567E9");
    assert_eq!(ev.fields["cluster_created_at"], "2026-03-02T22:15:32.123457000Z");
    assert_eq!(ev.fields["runtime_context"]["modifiedAt"], "2026-11-20T09:47:19.870Z");

    let pool = events.iter().rfind(|e| e.rule.as_deref() == Some("CryptoCurrency:Runtime/BitcoinTool.B")).unwrap();
    assert_eq!(keys(pool, EntityKind::Ip, "destination"), ["198.51.100.77"]);
    assert_eq!(pool.fields["remote_port"], 4444);
    assert_eq!(pool.fields["local_ip"], "10.244.1.23");
    assert_eq!(pool.fields["direction"], "OUTBOUND");
    let dns = by_type(&events, "CryptoCurrency:Runtime/BitcoinTool.B!DNS");
    assert_eq!(keys(dns, EntityKind::Domain, "domain"), ["pool.minexmr.example"]);
}

#[test]
fn the_cli_spelling_gives_the_same_event() {
    let export = export();
    for f in cli_findings() {
        let cli = parse_in_page(&f);
        assert_eq!(cli.shape, Some("get-findings"));
        assert_eq!(cli.fields["envelope"]["page"], 1);
        let rule = cli.rule.clone().unwrap();
        // The latest export copy (the pool finding is exported twice).
        let s3 = export.iter().rfind(|e| e.rule.as_deref() == Some(rule.as_str())).unwrap();
        assert_eq!(cli.dedup_key, s3.dedup_key, "{}", rule);
        assert_eq!(cli.rank, s3.rank, "{}", rule);
        assert_eq!((&cli.title, &cli.message, cli.severity, cli.time_ns), (&s3.title, &s3.message, s3.severity, s3.time_ns));
        assert_eq!(cli.tactics, s3.tactics);
        let mut a = cli.entities.clone();
        let mut b = s3.entities.clone();
        for e in a.iter_mut().chain(b.iter_mut()) {
            e.attrs.clear();
        }
        assert_eq!(a, b, "{}", rule);
        // The CLI prints timestamps as ISO strings: kept as given too.
        if let Some(given) = cli.fields.get("process_start_time_as_given") {
            assert_eq!(given, "2026-11-20T09:47:21.130457+00:00");
            assert_eq!(cli.fields["process_start_time"], s3.fields["process_start_time"]);
        }
        assert_eq!(cli.fields["cluster_created_at"], s3.fields["cluster_created_at"]);
    }
}

#[test]
fn an_updated_finding_outranks_its_first_export() {
    let events = export();
    let pool: Vec<&NewEvent> =
        events.iter().filter(|e| e.rule.as_deref() == Some("CryptoCurrency:Runtime/BitcoinTool.B")).collect();
    assert_eq!(pool.len(), 2);
    assert_eq!(pool[0].dedup_key, pool[1].dedup_key);
    assert_eq!((&pool[0].fields["count"], &pool[1].fields["count"]), (&1.into(), &3.into()));
    assert!(pool[1].rank > pool[0].rank);
    // First seen does not move with the update.
    assert_eq!(pool[0].time_ns, pool[1].time_ns);
    // Without updatedAt, the count ranks.
    let mut v: Value = serde_json::from_str(&export_lines()[4]).unwrap();
    v.as_object_mut().unwrap().remove("updatedAt");
    assert_eq!(parse_plain(&v.to_string()).unwrap().rank, 1);
}

#[test]
fn eventbridge_wraps_the_finding_and_a_bare_array_item_is_a_finding() {
    let ev = parse_plain(EVENTBRIDGE).unwrap();
    assert_eq!(ev.shape, Some("guardduty-eventbridge"));
    assert_eq!(ev.rule.as_deref(), Some("CryptoCurrency:Runtime/BitcoinTool.B!DNS"));
    assert_eq!(ev.fields["envelope"]["detail_type"], "GuardDuty Finding");
    assert_eq!(ev.fields["envelope"]["event_id"], "7f3e2d1c-0b9a-4e8d-a7c6-b5f4e3d2c1b0");
    // Numbers inside `detail` are read as written too.
    assert_eq!(ev.fields["cluster_created_at_as_given"], "1.7724897321234567E9");
    let dns = by_type(&export(), "CryptoCurrency:Runtime/BitcoinTool.B!DNS").clone();
    assert_eq!(ev.dedup_key, dns.dedup_key);
    assert!(dns.rank > ev.rank, "the export's later update wins");

    let items: Vec<Value> = serde_json::from_str(ARRAY).unwrap();
    for item in items {
        let ev = parse_plain(&item.to_string()).unwrap();
        assert_eq!(ev.shape, Some("guardduty-findings"));
    }
}

#[test]
fn a_sample_finding_is_imported_and_marked() {
    let ev = parse_plain(SAMPLE).unwrap();
    assert_eq!(ev.fields["sample"], true);
    assert_eq!(ev.title, "[SAMPLE] Command executed inside a pod in kube-system namespace.");
    assert_eq!(ev.fields["additional_info"]["sample"], true);
    assert!(ev.fields["additional_info"].get("value").is_none(), "value repeats the object");
    assert_eq!(keys(&ev, EntityKind::Cluster, "cluster"), ["GeneratedFindingEKSClusterName"]);
    // Sample only in the `value` string still counts.
    let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
    v["service"]["additionalInfo"].as_object_mut().unwrap().remove("sample");
    assert_eq!(parse_plain(&v.to_string()).unwrap().fields["sample"], true);
}

#[test]
fn a_workload_that_is_no_pod_is_a_workload() {
    let mut v: Value = serde_json::from_str(&export_lines()[3]).unwrap();
    let w = &mut v["resource"]["kubernetesDetails"]["kubernetesWorkloadDetails"];
    w["type"] = "deployments".into();
    w["name"] = "cart".into();
    v["resource"]["accessKeyDetails"] =
        serde_json::json!({"accessKeyId": "ASIA4SLQK7TBXEXAMPLE", "principalId": "AROA4SLQK7TBX2CART9PQ:s", "userName": "cart-role", "userType": "AssumedRole"});
    let ev = parse_plain(&v.to_string()).unwrap();
    assert_eq!((&ev.fields["aws_user"], &ev.fields["aws_user_type"]), (&"cart-role".into(), &"AssumedRole".into()));
    assert_eq!(keys(&ev, EntityKind::Workload, "owner"), ["shop/Deployment/cart"]);
    assert!(keys(&ev, EntityKind::Pod, "pod").is_empty());
}

#[test]
fn bad_records_say_what_is_wrong() {
    let lines: Vec<&str> = BAD.lines().collect();
    assert!(parse_plain(lines[0]).is_ok());
    assert!(parse_plain(lines[1]).unwrap_err().reason.starts_with("invalid JSON"));
    assert_eq!(
        parse_plain(lines[2]).unwrap_err().reason,
        "the finding's `severity` is a string (\"HIGH\"), not a number"
    );
    assert_eq!(parse_plain(lines[3]).unwrap_err().reason, "the finding has no `id`");
    assert_eq!(parse_plain(lines[4]).unwrap_err().reason, "in the EventBridge event's detail: the finding has no `id`");
    assert!(!parse_plain("[1]").unwrap_err().skip);
}
