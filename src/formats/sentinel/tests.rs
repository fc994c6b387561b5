use super::*;
use crate::formats::test_support::obj;
use crate::formats::{detect_record, Container, Format, Hint};
use std::sync::Arc;

const PAGE1: &str = include_str!("../../../fixtures/samples/sentinel/incidents-page1.json");
const PAGE2: &str = include_str!("../../../fixtures/samples/sentinel/incidents-page2.json");
const AZ: &str = include_str!("../../../fixtures/samples/sentinel/az-incident-list.json");
const GET: &str = include_str!("../../../fixtures/samples/sentinel/incident-get-closed.json");
const BAD: &str = include_str!("../../../fixtures/samples/sentinel/bad-records.jsonl");

const MINING: &str = "0f6c2b9e-3d41-4a7c-9e85-b1d2c3a4f5e6";

fn items(text: &str, key: Option<&str>) -> Vec<Value> {
    let v: Value = serde_json::from_str(text).unwrap();
    match key {
        Some(k) => v[k].as_array().unwrap().clone(),
        None => v.as_array().unwrap().clone(),
    }
}

fn parse_in(v: &Value, key: &'static str) -> NewEvent {
    let h = Hint { container: Some(Arc::new(Container { key, page: 1, facts: Map::new() })), ..Hint::default() };
    parse(v.to_string().as_bytes(), &Context::new(&h)).unwrap()
}

fn plain(text: &str) -> Result<NewEvent, RecordError> {
    parse(text.as_bytes(), &Context::new(&Hint::default()))
}

fn field<'a>(ev: &'a NewEvent, name: &str) -> &'a Value {
    ev.fields.get(name).unwrap_or(&Value::Null)
}

#[test]
fn every_shape_is_detected_as_sentinel_and_nothing_else_claims_it() {
    let mut all = items(PAGE1, Some("value"));
    all.extend(items(PAGE2, Some("value")));
    all.extend(items(AZ, None));
    all.push(serde_json::from_str(GET).unwrap());
    for v in &all {
        let o = v.as_object().unwrap();
        assert_eq!(detect_record(o), Some(Format::Sentinel), "{}", v["name"]);
        for f in Format::ALL.iter().filter(|f| **f != Format::Sentinel) {
            assert!(!f.matches(o), "{} claims a Sentinel incident", f);
        }
    }
}

#[test]
fn sniff_refuses_other_azure_records() {
    // A Defender alert (ARM resource with properties), an Activity Log entry,
    // a Graph security incident (no incidentNumber, no Sentinel type).
    for text in [
        r#"{"id":"/subscriptions/s/providers/Microsoft.Security/locations/westeurope/alerts/2517","name":"2517","type":"Microsoft.Security/Locations/alerts","properties":{"alertType":"K8S.NODE_DigitalCurrencyMining","status":"Active"}}"#,
        r#"{"operationName":{"value":"Microsoft.Resources/deployments/write"},"eventTimestamp":"2026-11-20T09:00:00Z","status":{"value":"Succeeded"}}"#,
        r#"{"id":"2972395","displayName":"Multi-stage incident","status":"active","severity":"high","classification":"unknown"}"#,
    ] {
        assert!(!sniff(&obj(text)), "{}", text);
    }
}

#[test]
fn an_active_incident_reads_with_its_owner_labels_and_additional_data() {
    let ev = parse_in(&items(PAGE1, Some("value"))[0], "value");
    assert_eq!(ev.source, Source::Sentinel);
    assert_eq!(ev.kind, EventKind::ExternalIncident);
    assert_eq!(ev.title, "Digital currency mining related behavior detected");
    assert_eq!(ev.severity, Severity::High);
    assert_eq!(ev.shape, Some("sentinel-rest"));
    assert_eq!(ev.dedup_key.as_deref(), Some(format!("sentinel|{}", MINING).as_str()));
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:55:31.2087342Z"), "created, not last modified");
    assert_eq!(field(&ev, "incident_number"), 4127);
    assert_eq!(field(&ev, "status"), "Active");
    assert_eq!(field(&ev, "severity"), "High");
    assert!(ev.fields.get("classification").is_none(), "a null classification is no classification");
    assert_eq!(field(&ev, "owner")["assigned_to"], "Dana Reyes");
    assert_eq!(field(&ev, "owner")["user_principal_name"], "dana.reyes@contoso-shop.example");
    assert_eq!(field(&ev, "labels")[0], serde_json::json!({"name": "aks-shop-prod", "type": "User"}));
    assert_eq!(field(&ev, "alert_products")[0], "Azure Security Center");
    assert_eq!(field(&ev, "tactics")[0], "Impact");
    assert_eq!(ev.tactics, ["TA0040"]);
    assert_eq!(ev.techniques, ["T1496"]);
    assert_eq!(field(&ev, "first_activity"), "2026-11-20T09:47:21.130456700Z");
    assert_eq!(field(&ev, "provider_name"), "Azure Sentinel");
    assert_eq!(field(&ev, "workspace"), "law-soc-weu");
    assert!(field(&ev, "incident_url").as_str().unwrap().starts_with("https://portal.azure.com/"));
    // The etag is a string holding quotes, kept as given.
    assert_eq!(field(&ev, "etag"), "\"2a01b7c4-0000-0d00-0000-6747b1a20000\"");
    assert_eq!(field(&ev, "page"), 1);
    assert!(ev.entities.is_empty(), "the SOC's incident names no entity of its own");
}

#[test]
fn a_closed_incident_keeps_its_classification_reason_and_comment() {
    let ev = parse_in(&items(PAGE1, Some("value"))[1], "value");
    assert_eq!(field(&ev, "status"), "Closed");
    assert_eq!(field(&ev, "classification"), "BenignPositive");
    assert_eq!(field(&ev, "classification_reason"), "SuspiciousButExpected");
    assert!(field(&ev, "classification_comment").as_str().unwrap().contains("secops/netscan"));
    assert_eq!(ev.tactics, ["TA0007"]);
}

#[test]
fn an_unassigned_incident_has_no_owner_and_a_group_owner_is_kept() {
    let ev = parse_in(&items(PAGE1, Some("value"))[2], "value");
    assert!(ev.fields.get("owner").is_none());
    assert_eq!(ev.severity, Severity::Low);
    let older = parse_in(&items(PAGE2, Some("value"))[0], "value");
    assert_eq!(field(&older, "owner"), &serde_json::json!({"assigned_to": "Tier 1 SOC", "owner_type": "Group"}));
    assert_eq!(older.severity, Severity::Info);
}

#[test]
fn the_cli_shape_gives_the_same_event_as_the_rest_shape() {
    let rest = parse_in(&items(PAGE1, Some("value"))[0], "value");
    let cli = parse_in(&items(AZ, None)[0], "[");
    assert_eq!(cli.shape, Some("sentinel-az-cli"));
    let strip = |ev: &NewEvent| {
        let mut f = ev.fields.clone();
        f.remove("page");
        (ev.title.clone(), ev.severity, ev.time_ns, ev.dedup_key.clone(), ev.rank, f, ev.tactics.clone())
    };
    assert_eq!(strip(&rest), strip(&cli));
}

#[test]
fn a_later_export_ranks_higher() {
    let active = parse_in(&items(PAGE1, Some("value"))[0], "value");
    let closed = plain(GET).unwrap();
    assert_eq!(active.dedup_key, closed.dedup_key);
    assert!(closed.rank > active.rank);
    assert_eq!(field(&closed, "status"), "Closed");
    assert_eq!(field(&closed, "classification"), "TruePositive");
    assert_eq!(field(&closed, "classification_reason"), "SuspiciousActivity");
    assert!(closed.fields.get("page").is_none());
}

#[test]
fn bad_records_are_refused_with_a_reason() {
    let reasons: Vec<String> = BAD.lines().map(|l| plain(l).unwrap_err().reason).collect();
    assert!(reasons[0].starts_with("invalid JSON"), "{}", reasons[0]);
    assert!(reasons[1].contains("`properties.severity` is a number"), "{}", reasons[1]);
    assert!(reasons[2].contains("`properties` is a string"), "{}", reasons[2]);
    assert!(reasons[3].contains("no `name` or `id`"), "{}", reasons[3]);
    assert!(reasons[4].contains("`properties.incidentNumber` is an object"), "{}", reasons[4]);
}

#[test]
fn hostile_input_does_not_panic() {
    for text in [
        r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","properties":{"title":"t","incidentNumber":1e400}}"#,
        r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","properties":{"title":"t\u0000\u202e","lastModifiedTimeUtc":"9999-12-31T23:59:59Z"}}"#,
        r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","name":"y","properties":{"title":"t"}}"#,
        r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","properties":{"title":"t","labels":[1,null,{"labelName":2}],"owner":{"email":{}}}}"#,
        r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","properties":{"title":"t","createdTimeUtc":"yesterday"}}"#,
    ] {
        let _ = plain(text);
    }
    assert!(plain(r#"{"type":"Microsoft.SecurityInsights/Incidents","name":"x","name":"y","properties":{"title":"t"}}"#).is_err());
}
