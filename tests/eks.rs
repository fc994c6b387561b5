//! EKS control-plane logs through CloudWatch Logs: every export shape
//! imports through the real binary, one audit event per request whatever
//! the wrapper, page or copy, with the cluster its log group names.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/eks/{}", name))
}

fn by_title<'a>(events: &'a [Value], title: &str) -> &'a Value {
    events.iter().find(|e| e["title"] == title).unwrap_or_else(|| panic!("no event {:?}", title))
}

#[test]
fn pages_appended_into_one_file_import_with_their_streams() {
    let t = TestCase::new();
    let s = t.import(&[&sample("filter-log-events-pages.json")]);
    let f = &s["files"][0];
    assert_eq!(f["format"], "eks-cloudwatch");
    assert_eq!(f["shape"], "EKS CloudWatch Logs, filter-log-events, 3 pages, 11 audit events, 4 control-plane lines");
    // 22 audit lines (stages) of 11 requests, one repeated across pages,
    // 4 lines of other streams, and one audit-stream message that is no
    // audit event.
    assert_eq!((f["records"].as_u64(), f["events_new"].as_u64(), f["errors"].as_u64()), (Some(27), Some(15), Some(1)));
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("the message of stream kube-apiserver-audit-"));
    assert!(errors[0]["raw"].as_str().unwrap().contains("\"eventId\""), "the envelope item is kept verbatim");
    let events = t.json_lines(&["events"]);
    let exec = by_title(&events, "get pods/exec shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(exec["fields"]["exec_command"], "/bin/sh");
    assert_eq!(exec["fields"]["envelope"]["shape"], "filter-log-events");
    assert_eq!(exec["fields"]["envelope"]["log_stream"], "kube-apiserver-audit-5b3a9d2c7e1f40a68c2d9e4b1f7a3c60");
    // The page names no cluster; nothing invents one.
    assert!(t.json_lines(&["entities", "--kind", "cluster"]).is_empty());
}

#[test]
fn a_message_cut_by_cloudwatch_is_kept_marked_truncated() {
    let t = TestCase::new();
    t.import(&[&sample("filter-log-events-pages.json")]);
    let events = t.json_lines(&["events", "--raw"]);
    let cut = events.iter().find(|e| e["fields"]["truncated"] == true).expect("the truncated event");
    assert_eq!(cut["fields"]["audit_id"], "9e1c4b7a-2d58-4f03-a6b9-7c3e5d1f8a24");
    assert_eq!(cut["fields"]["verb"], "get");
    assert_eq!(cut["fields"]["user"], "system:serviceaccount:shop:cart");
    assert!(cut["title"].as_str().unwrap().ends_with("(truncated by CloudWatch)"));
    assert!(cut["raw"].as_str().unwrap().contains("[Truncated...]"));
}

#[test]
fn the_same_request_in_every_shape_and_the_plain_log_is_one_event() {
    let t = TestCase::new();
    let s = t.import(&[&fixture("samples/eks"), &fixture("demo/src/audit-attack.jsonl")]);
    let plain = s["files"].as_array().unwrap().iter().find(|f| f["format"] == "k8s-audit").unwrap();
    assert_eq!(plain["events_new"], 0, "every line of the plain log merges into an event from CloudWatch");
    assert_eq!(plain["events_merged"], 19);
    let audit = t.json_lines(&["events", "--source", "k8s-audit"]);
    // The demo's 9 requests, the administrator's, the truncated one.
    assert_eq!(audit.len(), 11);
    let list = by_title(&audit, "list pods in shop");
    // Its 2 stages in 3 pages (one overlap), Firehose, both Insights
    // downloads, get-log-events and the plain log.
    assert_eq!(list["records"], 12);
    // The record naming the cluster gives the fields.
    assert_eq!(list["fields"]["cluster"], "shop-prod");
    let clusters = t.json_lines(&["entities", "--kind", "cluster"]);
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["key"], "shop-prod");
    assert_eq!(clusters[0]["attrs"]["provider"], "eks");
    assert_eq!(clusters[0]["attrs"]["account"], "111122223333");
    assert_eq!(clusters[0]["attrs"]["log_group"], "/aws/eks/shop-prod/cluster");
}

#[test]
fn a_firehose_object_names_its_cluster_and_skips_the_control_message() {
    let t = TestCase::new();
    let s = t.import(&[&sample("firehose-2026-11-20-09-47.gz")]);
    let f = &s["files"][0];
    assert_eq!(f["compression"], "gzip");
    assert_eq!(f["skipped_records"]["CloudWatch Logs control message (a subscription health check)"], 1);
    assert!(f["shape"].as_str().unwrap().starts_with("EKS CloudWatch Logs, subscription (Firehose) objects, 3 objects, "));
    let events = t.json_lines(&["events", "--source", "control-plane"]);
    let granted = events.iter().find(|e| e["fields"]["auth_msg"] == "access granted").unwrap();
    let roles: Vec<(String, String)> = granted["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["role"].as_str().unwrap().to_string(), e["key"].as_str().unwrap().to_string()))
        .collect();
    assert!(roles.contains(&("cloud-principal".into(), "arn:aws:iam::111122223333:role/eks-platform-admin".into())));
    assert!(roles.contains(&("actor".into(), "arn:aws:sts::111122223333:assumed-role/eks-platform-admin/dana".into())));
    assert!(roles.contains(&("cluster".into(), "shop-prod".into())));
}

#[test]
fn the_cluster_named_on_import_goes_to_records_that_name_none() {
    let t = TestCase::new();
    let out = t.ok(&["import", "--cluster", "shop-prod", sample("get-log-events.json").to_str().unwrap()]);
    assert!(out.contains("get-log-events, 1 page, 5 audit events"), "{}", out);
    let events = t.json_lines(&["events"]);
    assert_eq!(events.len(), 5);
    for e in &events {
        assert_eq!(e["fields"]["cluster"], "shop-prod", "{}", e["title"]);
        assert!(e["entities"].as_array().unwrap().iter().any(|x| x["kind"] == "cluster" && x["key"] == "shop-prod"));
    }
    let c = &t.json_lines(&["entities", "--kind", "cluster"])[0];
    assert_eq!(c["attrs"]["named_by"], "import");
    // The other way round: a record that names its cluster keeps it.
    let t = TestCase::new();
    t.ok(&["import", "--cluster", "elsewhere", sample("logs-insights.json").to_str().unwrap()]);
    let keys: Vec<Value> = t.json_lines(&["entities", "--kind", "cluster"]).iter().map(|c| c["key"].clone()).collect();
    assert_eq!(keys, ["shop-prod"]);
}

#[test]
fn a_broken_csv_row_is_a_parse_error_and_the_rows_after_it_import() {
    let t = TestCase::new();
    let s = t.import(&[&sample("logs-insights.csv")]);
    assert_eq!(s["files"][0]["errors"], 1);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors[0]["line"], 23);
    assert_eq!(errors[0]["reason"], "a quoted field that never closes (broken CSV quoting)");
    // The row after the broken one (the administrator's request) is there.
    let events = t.json_lines(&["events"]);
    assert!(events.iter().any(|e| e["title"] == "authenticator: access granted (arn:aws:iam::111122223333:role/eks-platform-admin as arn:aws:sts::111122223333:assumed-role/eks-platform-admin/dana)"));
    // And --strict refuses the file, leaving the case as it was.
    let before = t.digest();
    let err = t.refused(&["import", "--strict", sample("logs-insights.csv").to_str().unwrap()]);
    assert!(err.contains("line 23"), "{}", err);
    assert_eq!(t.digest(), before);
}
