use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{Container, Hint};
use crate::model::EntityKind;
use serde_json::json;
use std::io::Read;
use std::sync::Arc;

const LOOKUP: &str = include_str!("../../../fixtures/samples/cloudtrail/lookup-events-pages.json");
const RECORDS: &str = include_str!("../../../fixtures/samples/cloudtrail/records.jsonl");
const TRAIL_0805: &[u8] =
    include_bytes!("../../../fixtures/samples/cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0805Z_Qm7Xc2LpR4tN8vKd.json.gz");
const TRAIL_0950: &[u8] =
    include_bytes!("../../../fixtures/samples/cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0950Z_b3HkW9sYv1ZfJ6Tn.json.gz");

fn hint(key: &'static str, page: u32) -> Hint {
    Hint { container: Some(Arc::new(Container { key, page, facts: Map::new() })), ..Hint::default() }
}

fn parse_in(record: &Value, key: &'static str) -> Result<NewEvent, RecordError> {
    let h = hint(key, 1);
    parse(record.to_string().as_bytes(), &Context::new(&h))
}

/// The records of a trail object (gzip, `{"Records": [...]}`).
fn trail(gz: &[u8]) -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["Records"].as_array().unwrap().clone()
}

fn by_name(records: &[Value], name: &str) -> Value {
    records.iter().find(|r| r["eventName"] == name).cloned().unwrap_or_else(|| panic!("no {} record", name))
}

/// The items of the appended lookup-events pages, in file order.
fn lookup_items() -> Vec<Value> {
    serde_json::Deserializer::from_str(LOOKUP)
        .into_iter::<Value>()
        .flat_map(|page| page.unwrap()["Events"].as_array().unwrap().clone())
        .collect()
}

fn keys(ev: &NewEvent, kind: EntityKind, role: &str) -> Vec<String> {
    ev.entities.iter().filter(|e| e.kind == kind && e.role == role).map(|e| e.key.clone()).collect()
}

#[test]
fn sniff_claims_trail_records_and_lookup_items_only() {
    for r in trail(TRAIL_0805).iter().chain(trail(TRAIL_0950).iter()) {
        assert!(sniff(r.as_object().unwrap()), "{}", r);
    }
    for item in lookup_items() {
        assert!(sniff(item.as_object().unwrap()));
    }
    // Not CloudTrail: an audit event, an Activity Log record, a Falco alert,
    // a GuardDuty-like object with an eventSource of no AWS service.
    assert!(!sniff(&obj(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#)));
    assert!(!sniff(&obj(r#"{"time":"2026-11-20T09:45:12Z","operationName":"MICROSOFT.X/Y/WRITE","category":"Administrative","correlationId":"c"}"#)));
    assert!(!sniff(&obj(r#"{"rule":"Terminal shell in container","output":"x","priority":"Notice"}"#)));
    assert!(!sniff(&obj(r#"{"eventSource":"myapp","eventName":"x","eventTime":"2026-11-20T09:45:12Z"}"#)));
}

#[test]
fn a_trail_record_and_its_lookup_copy_are_one_event_timed_by_the_inner_event_time() {
    let records = trail(TRAIL_0950);
    let from_trail = parse_in(&by_name(&records, "DescribeCluster"), "Records").unwrap();
    let item = lookup_items().into_iter().find(|i| i["EventName"] == "DescribeCluster").unwrap();
    // The page's EventTime is the CLI user's local time (UTC+1).
    assert_eq!(item["EventTime"], "2026-11-20T10:46:52+01:00");
    let from_lookup = parse_in(&item, "Events").unwrap();
    assert_eq!(from_trail.dedup_key, from_lookup.dedup_key);
    assert_eq!(from_trail.dedup_key.as_deref(), Some(format!("cloudtrail|{}", item["EventId"].as_str().unwrap()).as_str()));
    assert_eq!(from_trail.time_ns, crate::time::parse_rfc3339("2026-11-20T09:46:52Z"));
    assert_eq!(from_trail.time_ns, from_lookup.time_ns);
    assert!(from_trail.rank > from_lookup.rank, "the record as delivered gives the fields");
    assert_eq!((from_trail.shape, from_lookup.shape), (Some("trail-object"), Some("lookup-events")));
    assert_eq!(from_lookup.fields["envelope"], json!({"shape": "lookup-events", "page": 1}));
    // Apart from how they arrived, both say the same.
    let strip = |mut e: NewEvent| {
        e.fields.remove("envelope");
        e.rank = 0;
        e.shape = None;
        e
    };
    assert_eq!(strip(from_trail), strip(from_lookup));
}

#[test]
fn a_web_identity_exchange_names_the_service_account_the_role_and_the_session() {
    let ev = parse_in(&by_name(&trail(TRAIL_0950), "AssumeRoleWithWebIdentity"), "Records").unwrap();
    assert_eq!(ev.source, Source::CloudTrail);
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.title, "service account shop/cart assumed IAM role cart-role with a web identity token (sts:AssumeRoleWithWebIdentity)");
    assert_eq!(keys(&ev, EntityKind::Identity, "web-identity"), ["system:serviceaccount:shop:cart"]);
    assert_eq!(keys(&ev, EntityKind::Identity, "assumed-role"), ["arn:aws:iam::111122223333:role/cart-role"]);
    assert_eq!(
        keys(&ev, EntityKind::Identity, "session"),
        ["arn:aws:sts::111122223333:assumed-role/cart-role/botocore-session-1795167970"]
    );
    // The web identity is no AWS principal: no actor, or the links would
    // read "the service account is a session of the role".
    assert!(keys(&ev, EntityKind::Identity, "actor").is_empty());
    assert_eq!(keys(&ev, EntityKind::Ip, "source-ip"), ["203.0.113.45"]);
    let session = entity(&ev, EntityKind::Identity, "session").unwrap();
    assert_eq!(session.attrs["access_key_id"], "ASIA4SLQK7TBXC4RT8MN");
    assert_eq!(session.attrs["session_name"], "botocore-session-1795167970");
    assert_eq!(session.attrs["account"], "111122223333");
    let sa = entity(&ev, EntityKind::Identity, "web-identity").unwrap();
    assert!(sa.attrs["identity_provider"].as_str().unwrap().contains("oidc.eks.eu-west-1.amazonaws.com/id/"));
    assert_eq!(sa.attrs["oidc_issuer"], "https://oidc.eks.eu-west-1.amazonaws.com/id/6F1C2D8A4B9E03C7D5A1F2E8B4C6D903");
    assert_eq!(operations::oidc_issuer("token.actions.githubusercontent.com").as_deref(), Some("https://token.actions.githubusercontent.com"));
    assert_eq!(operations::oidc_issuer("arn:aws:iam::111122223333:saml-provider/corp"), None);
    assert_eq!(ev.fields["web_identity_subject"], "system:serviceaccount:shop:cart");
    assert_eq!(ev.fields["audience"], "sts.amazonaws.com");
    assert_eq!(ev.fields["source_ip"], "203.0.113.45");
    assert!(ev.fields["sensitive"].as_str().unwrap().contains("IRSA"));
}

#[test]
fn a_role_session_is_the_actor_and_its_role_the_session_issuer() {
    let ev = parse_in(&by_name(&trail(TRAIL_0950), "GetCallerIdentity"), "Records").unwrap();
    let session = "arn:aws:sts::111122223333:assumed-role/cart-role/botocore-session-1795167970";
    assert_eq!(keys(&ev, EntityKind::Identity, "actor"), [session]);
    assert_eq!(keys(&ev, EntityKind::Identity, "session-issuer"), ["arn:aws:iam::111122223333:role/cart-role"]);
    let actor = entity(&ev, EntityKind::Identity, "actor").unwrap();
    assert_eq!(actor.attrs["provider"], "aws");
    assert_eq!(actor.attrs["account"], "111122223333");
    assert_eq!(actor.attrs["type"], "AssumedRole");
    assert_eq!(actor.attrs["principal_id"], "AROA4SLQK7TBX2CART9PQ:botocore-session-1795167970");
    assert_eq!(actor.attrs["access_key_id"], "ASIA4SLQK7TBXC4RT8MN");
    assert!(actor.attrs["web_identity_provider"].as_str().unwrap().starts_with("arn:aws:iam::111122223333:oidc-provider/"));
    assert_eq!(ev.title, format!("{} asked STS who it is (sts:GetCallerIdentity)", session));
    assert_eq!(ev.fields["read_only"], true);
}

#[test]
fn a_denied_kubeconfig_fetch_is_named_plainly_and_hands_out_nothing() {
    let ev = parse_in(&by_name(&trail(TRAIL_0950), "DescribeCluster"), "Records").unwrap();
    assert_eq!(
        ev.title,
        "eks:DescribeCluster cluster shop-prod by arn:aws:sts::111122223333:assumed-role/cart-role/botocore-session-1795167970 — denied (AccessDenied)"
    );
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(ev.fields["error_code"], "AccessDenied");
    assert!(ev.fields["error_message"].as_str().unwrap().contains("is not authorized to perform: eks:DescribeCluster"));
    assert_eq!(keys(&ev, EntityKind::Cluster, "cluster"), ["shop-prod"]);
    assert!(keys(&ev, EntityKind::Cluster, "credentials").is_empty());
    assert!(ev.message.contains("from 203.0.113.45"));
}

#[test]
fn the_admin_kubeconfig_fetch_and_access_entry_grants_name_cluster_and_target() {
    let records = trail(TRAIL_0805);
    let describe = parse_in(&by_name(&records, "DescribeCluster"), "Records").unwrap();
    assert!(describe.title.contains("fetched the endpoint and CA of cluster shop-prod for a kubeconfig"));
    assert_eq!(keys(&describe, EntityKind::Cluster, "credentials"), ["shop-prod"]);
    assert_eq!(describe.fields["kubeconfig"], true);
    let cluster = entity(&describe, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!((cluster.attrs["provider"].as_str(), cluster.attrs["region"].as_str()), (Some("eks"), Some("eu-west-1")));

    let entry = parse_in(&by_name(&records, "CreateAccessEntry"), "Records").unwrap();
    assert_eq!(
        entry.title,
        "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe gave arn:aws:iam::111122223333:role/ci-deployer access to cluster shop-prod (eks:CreateAccessEntry)"
    );
    assert_eq!(keys(&entry, EntityKind::Identity, "target"), ["arn:aws:iam::111122223333:role/ci-deployer"]);
    assert_eq!(keys(&entry, EntityKind::Identity, "session-issuer"), ["arn:aws:iam::111122223333:role/PlatformAdmin"]);
    assert_eq!(entry.fields["kubernetes_groups"], json!(["shop-deployers"]));
    assert_eq!(entry.fields["principal_arn"], "arn:aws:iam::111122223333:role/ci-deployer");
    assert_eq!(entry.fields["sensitive"], "gives an IAM principal access to the cluster");
    assert_eq!(entry.fields["mfa_authenticated"], "true");

    let policy = parse_in(&by_name(&records, "AssociateAccessPolicy"), "Records").unwrap();
    assert!(policy.title.contains("granted AmazonEKSEditPolicy in namespace shop to arn:aws:iam::111122223333:role/ci-deployer on cluster shop-prod"));
    assert_eq!(policy.fields["access_scope"], json!({"type": "namespace", "namespaces": ["shop"]}));
}

#[test]
fn eks_pod_identity_names_the_service_account_and_pod_from_its_session_tags() {
    let line = RECORDS.lines().find(|l| l.contains("pods.eks.amazonaws.com")).unwrap();
    let ev = parse(line.as_bytes(), &Context::new(&Hint::default())).unwrap();
    assert_eq!(ev.shape, Some("cloudtrail-events"));
    assert_eq!(ev.title, "EKS Pod Identity: service account shop/checkout assumed IAM role checkout-role (sts:AssumeRole)");
    assert_eq!(keys(&ev, EntityKind::Identity, "web-identity"), ["system:serviceaccount:shop:checkout"]);
    assert_eq!(keys(&ev, EntityKind::Identity, "assumed-role"), ["arn:aws:iam::111122223333:role/checkout-role"]);
    assert_eq!(keys(&ev, EntityKind::Identity, "session").len(), 1);
    assert_eq!(keys(&ev, EntityKind::Pod, "token-pod"), ["shop/checkout-5d8c7b9f4-q2n7m"]);
    assert_eq!(entity(&ev, EntityKind::Pod, "token-pod").unwrap().attrs["uid"], "a8d3f1c6-2e9b-4d7a-b5c0-6f1e8a3d9c27");
    assert_eq!(keys(&ev, EntityKind::Cluster, "cluster"), ["shop-prod"]);
    assert_eq!(
        entity(&ev, EntityKind::Cluster, "cluster").unwrap().attrs["arn"],
        "arn:aws:eks:eu-west-1:111122223333:cluster/shop-prod"
    );
    // A service made the call: its name is a field, never an address, and
    // it is no actor.
    assert_eq!(ev.fields["source_service"], "pods.eks.amazonaws.com");
    assert_eq!(ev.fields["invoked_by"], "pods.eks.amazonaws.com");
    assert!(ev.entities.iter().all(|e| e.kind != EntityKind::Ip));
    assert!(keys(&ev, EntityKind::Identity, "actor").is_empty());
}

#[test]
fn a_cluster_response_gives_its_arn_and_float_creation_time() {
    let record = json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDA4SLQK7TBXBRKGLS2", "arn": "arn:aws:iam::111122223333:user/breakglass",
                          "accountId": "111122223333", "accessKeyId": "AKIA4SLQK7TBXBRK4GL8", "userName": "breakglass"},
        "eventTime": "2026-03-02T10:00:00Z", "eventSource": "eks.amazonaws.com", "eventName": "CreateCluster",
        "awsRegion": "eu-west-1", "sourceIPAddress": "192.0.2.44", "userAgent": "aws-cli/2.17.42",
        "requestParameters": {"name": "shop-prod", "version": "1.30"},
        "responseElements": {"cluster": {"name": "shop-prod", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/shop-prod",
                                         "createdAt": 1772445600.517, "status": "CREATING"}},
        "eventID": "0d5b1c44-7a6e-4f19-9c3d-2b8e5a7f1c60", "readOnly": false, "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    });
    let ev = parse_in(&record, "Records").unwrap();
    assert_eq!(ev.fields["cluster_created_at"], "2026-03-02T10:00:00.517000000Z");
    assert_eq!(ev.fields["cluster_arn"], "arn:aws:eks:eu-west-1:111122223333:cluster/shop-prod");
    let c = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(c.attrs["created_at"], "2026-03-02T10:00:00.517000000Z");
    // An IAM user acts as itself: no session issuer.
    assert_eq!(keys(&ev, EntityKind::Identity, "actor"), ["arn:aws:iam::111122223333:user/breakglass"]);
    assert!(keys(&ev, EntityKind::Identity, "session-issuer").is_empty());
    assert_eq!(entity(&ev, EntityKind::Identity, "actor").unwrap().attrs["user_name"], "breakglass");
    assert_eq!(ev.fields["sensitive"], "creates a cluster");
}

#[test]
fn a_role_chaining_assume_role_keeps_the_callers_role_apart_from_the_assumed_one() {
    let record = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROA4SLQK7TBXPLATADM1:jane.doe",
            "arn": "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe", "accountId": "111122223333",
            "accessKeyId": "ASIA4SLQK7TBXJANE2QW",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROA4SLQK7TBXPLATADM1",
                "arn": "arn:aws:iam::111122223333:role/PlatformAdmin", "accountId": "111122223333", "userName": "PlatformAdmin"}}},
        "eventTime": "2026-11-20T08:20:00Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
        "awsRegion": "eu-west-1", "sourceIPAddress": "192.0.2.44", "userAgent": "aws-cli/2.17.42",
        "requestParameters": {"roleArn": "arn:aws:iam::444455556666:role/audit", "roleSessionName": "jane.doe"},
        "responseElements": {"credentials": {"accessKeyId": "ASIA4SLQK7TBXAUD1T00"},
            "assumedRoleUser": {"assumedRoleId": "AROAZZZZZZZZZZZZAUDIT:jane.doe", "arn": "arn:aws:sts::444455556666:assumed-role/audit/jane.doe"}},
        "eventID": "3f0c2b6e-9d1a-4c7e-8b5f-6a2d1e9c7b30", "readOnly": true, "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    });
    let ev = parse_in(&record, "Records").unwrap();
    assert_eq!(keys(&ev, EntityKind::Identity, "session-issuer"), ["arn:aws:iam::111122223333:role/PlatformAdmin"]);
    assert_eq!(keys(&ev, EntityKind::Identity, "assumed-role"), ["arn:aws:iam::444455556666:role/audit"]);
    assert_eq!(keys(&ev, EntityKind::Identity, "session"), ["arn:aws:sts::444455556666:assumed-role/audit/jane.doe"]);
    assert_eq!(entity(&ev, EntityKind::Identity, "assumed-role").unwrap().attrs["account"], "444455556666");
    assert_eq!(ev.title, "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe assumed IAM role audit (sts:AssumeRole)");
}

#[test]
fn a_lookup_item_without_an_inner_event_id_takes_the_pages() {
    let mut item = lookup_items().remove(0);
    let id = item["EventId"].as_str().unwrap().to_string();
    let mut inner: Value = serde_json::from_str(item["CloudTrailEvent"].as_str().unwrap()).unwrap();
    inner.as_object_mut().unwrap().remove("eventID");
    item["CloudTrailEvent"] = Value::String(inner.to_string());
    let ev = parse_in(&item, "Events").unwrap();
    assert_eq!(ev.dedup_key, Some(format!("cloudtrail|{}", id)));
    // A page someone decoded with `jq fromjson` reads the same.
    item["CloudTrailEvent"] = inner;
    assert_eq!(parse_in(&item, "Events").unwrap().dedup_key, Some(format!("cloudtrail|{}", id)));
}

#[test]
fn broken_records_are_refused_with_the_reason() {
    let good = by_name(&trail(TRAIL_0950), "GetCallerIdentity");
    let with = |key: &str, v: Value| {
        let mut r = good.clone();
        r[key] = v;
        parse_in(&r, "Records").unwrap_err().reason
    };
    let without = |key: &str| {
        let mut r = good.clone();
        r.as_object_mut().unwrap().remove(key);
        parse_in(&r, "Records").unwrap_err().reason
    };
    let id = good["eventID"].as_str().unwrap();
    assert_eq!(without("eventID"), "CloudTrail event has no eventID");
    assert_eq!(with("eventID", json!(7)), "CloudTrail event's eventID is not a string");
    assert_eq!(with("eventTime", json!(1795167971)), format!("CloudTrail event {}: eventTime is not a string", id));
    assert_eq!(
        with("eventTime", json!("20/11/2026 09:46")),
        format!("CloudTrail event {}: eventTime \"20/11/2026 09:46\" is not an ISO-8601 time", id)
    );
    assert_eq!(without("eventName"), format!("CloudTrail event {} has no eventName", id));
    assert_eq!(with("userIdentity", json!("jane.doe")), format!("CloudTrail event {}: userIdentity is not an object", id));
    assert_eq!(with("responseElements", json!([1])), format!("CloudTrail event {}: responseElements is not an object", id));
    assert!(parse(b"[1,2]", &Context::new(&Hint::default())).unwrap_err().reason.contains("JSON object"));

    let item = lookup_items().remove(0);
    let id = item["EventId"].as_str().unwrap().to_string();
    let mut cut = item.clone();
    cut["CloudTrailEvent"] = json!("{\"eventVersion\":\"1.09\",\"userIdent");
    assert!(parse_in(&cut, "Events").unwrap_err().reason.starts_with(&format!("the CloudTrailEvent of lookup-events item {} is not JSON", id)));
    let mut missing = item.clone();
    missing.as_object_mut().unwrap().remove("CloudTrailEvent");
    assert!(parse_in(&missing, "Events").unwrap_err().reason.contains("has no CloudTrailEvent"));
    let mut number = item;
    number["CloudTrailEvent"] = json!(42);
    assert!(parse_in(&number, "Events").unwrap_err().reason.ends_with("is not a JSON string"));
}
