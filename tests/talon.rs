//! Falco Talon's action log imported by the real binary: action lines as
//! responses on the pod, the rest counted as skipped, the same action from
//! two exports (and from the notifier's Kubernetes Event) one event, and on
//! the demo case the crypto-mining incident's actions listing what Talon did
//! as done outside Kordon — without a new incident.

use crate::util::{demo_incident, fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/falco-talon/{}", name))
}

const CART: &str = "shop/cart-7f9c6d8b5-x2k4q";

fn responses(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "falco-talon"])
}

#[test]
fn action_lines_become_responses_on_the_pod_and_the_rest_is_counted() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("talon.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "falco-talon");
    assert_eq!(file["records"], 3, "records behind events");
    assert_eq!(file["events_new"], 3);
    assert_eq!(file["errors"], 0);
    let skipped = &file["skipped_records"];
    assert_eq!(skipped["Falco Talon start-up line"], 3, "{}", file);
    assert_eq!(skipped["Talon notification through k8sevents (success)"], 3, "{}", file);
    assert_eq!(skipped["Falco event received by Talon (the alert itself is Falco's)"], 1, "{}", file);

    let events = responses(&t);
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e["kind"] == "response" && e["source"] == "falco-talon"));
    let titles: Vec<&str> = events.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Falco Talon isolated pod shop/cart-7f9c6d8b5-x2k4q with a NetworkPolicy",
            "Falco Talon labelled pod shop/cart-7f9c6d8b5-x2k4q",
            "Falco Talon failed to terminate pod shop/cart-7f9c6d8b5-x2k4q",
        ]
    );
    for e in &events {
        let pod = e["entities"].as_array().unwrap().iter().find(|x| x["kind"] == "pod").unwrap();
        assert_eq!((pod["key"].as_str(), pod["role"].as_str()), (Some(CART), Some("target")));
    }
    assert!(events[2]["fields"]["error"].as_str().unwrap().contains("cannot delete resource \"pods\""));
}

#[test]
fn kubectl_logs_the_notifier_event_and_a_second_export_are_the_same_three_actions() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("talon.jsonl"), &sample("kubectl-logs.log"), &sample("notifier-event.json")]);
    let files = summary["files"].as_array().unwrap();
    let logs = files.iter().find(|f| f["name"].as_str().unwrap().ends_with("kubectl-logs.log")).unwrap();
    assert_eq!(logs["format"], "falco-talon");
    assert_eq!(logs["events_new"], 0, "the same actions as talon.jsonl: {}", logs);
    // The text-format action and the panic, each kept verbatim; the
    // kubectl notice and the text start-up lines understood.
    assert_eq!(logs["errors"], 2, "{}", logs);
    assert_eq!(logs["skipped_records"]["Falco Talon start-up text"], 3, "{}", logs);
    assert_eq!(logs["skipped_records"]["Falco Talon start-up line"], 4, "{}", logs);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 2);
    assert!(errors[0]["reason"].as_str().unwrap().contains("text-format"), "{}", errors[0]);
    assert!(errors[1]["raw"].as_str().unwrap().starts_with("panic: runtime error"), "{}", errors[1]);

    let events = responses(&t);
    assert_eq!(events.len(), 3, "{:#?}", events.iter().map(|e| &e["title"]).collect::<Vec<_>>());
    let terminate = events.iter().find(|e| e["fields"]["actionner"] == "kubernetes:terminate").unwrap();
    // The log line (twice) and the notifier's Event: one event, the log
    // line's fields.
    assert_eq!(terminate["records"], 3, "{}", terminate);
    assert!(terminate["fields"].get("via").is_none(), "{}", terminate["fields"]);
    // And the Event is not also a Kubernetes event.
    assert!(t.json_lines(&["events", "--source", "k8s-event"]).is_empty());
}

#[test]
fn bad_records_are_kept_and_the_dry_run_is_skipped() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-records.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "falco-talon");
    assert_eq!(file["events_new"], 0);
    assert_eq!(file["errors"], 5, "{}", file);
    assert_eq!(file["skipped_records"]["Talon dry-run of kubernetes:terminate (no action taken)"], 1, "{}", file);
    let errors = t.json_lines(&["errors"]);
    let reasons: Vec<&str> = errors.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].starts_with("invalid JSON"), "{:?}", reasons);
    assert_eq!(reasons[1], "Falco Talon line `time` is not RFC 3339: 20/11/2026 09:47:22");
    assert_eq!(reasons[2], "Falco Talon action line without `actionner`");
    assert!(reasons[3].contains("duplicate key \"actionner\""), "{:?}", reasons);
    assert_eq!(reasons[4], "a JSON array where a record (an object) was expected");
    // Verbatim: the cut record as it is in the file.
    let first = std::fs::read_to_string(sample("bad-records.jsonl")).unwrap().lines().next().unwrap().to_string();
    assert_eq!(errors[0]["raw"], first);
}

#[test]
fn the_incident_lists_what_talon_did_as_done_outside_kordon_and_no_incident_is_added() {
    let (t, id) = demo_incident();
    let before: Vec<Value> = t.json_lines(&["incidents"]).iter().map(|i| i["id"].clone()).collect();
    assert!(t.json_lines(&["actions", &id]).is_empty(), "the demo has no action yet");

    t.import(&[&sample("talon.jsonl"), &sample("notifier-event.json")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let after: Vec<Value> = t.json_lines(&["incidents"]).iter().map(|i| i["id"].clone()).collect();
    assert_eq!(before, after, "responses make no incident");

    let actions = t.json_lines(&["actions", &id]);
    assert_eq!(actions.len(), 3, "{:#?}", actions);
    assert!(actions.iter().all(|a| a["done_outside"] == true && a["by"] == "Falco Talon" && a["pod"] == CART));
    let by: Vec<(&str, &str)> = actions
        .iter()
        .map(|a| (a["actionner"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        by,
        [("kubernetes:networkpolicy", "success"), ("kubernetes:label", "success"), ("kubernetes:terminate", "failure")]
    );
    assert_eq!(actions[0]["effect"], "isolate");
    assert_eq!(actions[0]["time"], "2026-11-20T09:47:21.000000000Z");
    assert_eq!(actions[0]["rule"], "Contain crypto miners");
    assert!(actions[2]["error"].as_str().unwrap().starts_with("pods \"cart-7f9c6d8b5-x2k4q\" is forbidden"));

    // The table says it too.
    let table = t.ok(&["actions", &id]);
    assert!(table.contains("Done outside Kordon:"), "{}", table);
    assert!(table.contains("Falco Talon failed to terminate pod shop/cart-7f9c6d8b5-x2k4q: pods"), "{}", table);

    // Another incident's actions do not list them.
    let other = t.json_lines(&["incidents"]).into_iter().find(|i| !i.to_string().contains(CART)).unwrap();
    assert!(t.json_lines(&["actions", other["id"].as_str().unwrap()]).is_empty());

    // The pod is the one entity every sensor and Talon name.
    let pods: Vec<Value> = t.json_lines(&["entities"]).into_iter().filter(|e| e["kind"] == "pod" && e["key"] == CART).collect();
    assert_eq!(pods.len(), 1);
}

#[test]
fn responses_alone_make_no_incident_and_list_case_wide() {
    let t = TestCase::new();
    t.import(&[&sample("talon.jsonl")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    assert!(t.json_lines(&["incidents"]).is_empty(), "a response is never a signal");
    // Without an incident, `actions` lists every external action of the case.
    let all = t.json_lines(&["actions"]);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|a| a["done_outside"] == true));
}
