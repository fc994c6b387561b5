//! Golden files: the real binary imports each sample and its events,
//! entities and parse errors must match `fixtures/golden/…` exactly.
//! `KORDON_BLESS=1 cargo test golden` rewrites them after a reviewed change.

use crate::util::{fixture, golden_json, TestCase};
use std::path::Path;

fn normalize(mut rows: Vec<serde_json::Value>, root: &str) -> Vec<serde_json::Value> {
    for r in &mut rows {
        if let Some(f) = r.get_mut("file") {
            if let Some(s) = f.as_str() {
                *f = serde_json::Value::String(s.replace(root, "fixtures"));
            }
        }
    }
    rows
}

fn check(sample: &Path) {
    let t = TestCase::new();
    t.import(&[sample]);
    let root = fixture("").display().to_string();
    let root = root.trim_end_matches('/');
    let actual = serde_json::json!({
        "events": normalize(t.json_lines(&["events"]), root),
        "entities": t.json_lines(&["entities"]),
        "errors": normalize(t.json_lines(&["errors"]), root),
    });
    let rel = sample.strip_prefix(fixture("samples")).unwrap();
    let golden = fixture("golden").join(rel).with_extension(format!(
        "{}.json",
        sample.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    golden_json(&golden, &actual, &sample.display().to_string());
}

/// The README's "What it imports" section names every format and every
/// export shape in the words the import summary uses (`data/shapes.yaml`).
#[test]
fn the_readme_names_every_format_and_shape_as_the_summary_does() {
    let readme = std::fs::read_to_string(fixture("").join("../README.md")).unwrap();
    let start = readme.find("## What it imports").expect("the section");
    let section = &readme[start..start + readme[start..].find("\n## ").unwrap_or(readme.len() - start)];
    let words: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(fixture("").join("../data/shapes.yaml")).unwrap()).unwrap();
    for (key, name) in words["formats"].as_mapping().unwrap() {
        let row = format!("| {} |", name.as_str().unwrap());
        assert!(section.contains(&row), "the README's shape table has no row for {:?} ({:?})", key, name);
    }
    for (key, shape) in words["shapes"].as_mapping().unwrap() {
        let label = shape["label"].as_str().unwrap();
        // A table row: `| format | shape · shape · … |`.
        let named = section.lines().filter(|l| l.starts_with('|')).any(|l| {
            l.split('|').nth(2).is_some_and(|cell| cell.split(" · ").any(|c| c.trim() == label))
        });
        assert!(
            named,
            "the README's shape table does not name shape {:?} ({:?})",
            key,
            label
        );
    }
}

macro_rules! golden {
    ($($name:ident => $path:literal),+ $(,)?) => {
        $(#[test] fn $name() { check(&fixture(concat!("samples/", $path))); })+

        /// Every sample has a golden test above.
        #[test]
        fn every_sample_has_a_golden_test() {
            let listed: Vec<&str> = vec![$($path),+];
            for dir in std::fs::read_dir(fixture("samples")).unwrap() {
                let dir = dir.unwrap().path();
                for f in std::fs::read_dir(&dir).unwrap() {
                    let f = f.unwrap().path();
                    // The scripts that write samples are not samples.
                    if f.extension().is_some_and(|e| e == "py") {
                        continue;
                    }
                    let rel = f.strip_prefix(fixture("samples")).unwrap().display().to_string();
                    assert!(listed.contains(&rel.as_str()), "{} has no golden test", rel);
                }
            }
        }
    };
}

golden! {
    falco_plain => "falco/plain.jsonl",
    falco_mixed_with_kubectl_log_lines => "falco/kubectl-logs-mixed.log",
    falco_with_kubectl_prefixes => "falco/kubectl-logs-prefixed.log",
    falco_values_above_i64_max_and_null_k8s_fields => "falco/big-numbers.jsonl",
    falco_old_version_without_source => "falco/old-falco.jsonl",
    falco_via_falcosidekick => "falco/sidekick.json",
    falco_via_falcosidekick_sink => "falco/sidekick-sink.jsonl",
    falco_plain_text_alerts_kept_as_evidence => "falco/text-alerts.log",
    audit_log_backend_stages_exec_and_bound_token => "k8s-audit/log-backend.jsonl",
    audit_webhook_eventlist => "k8s-audit/webhook-eventlist.json",
    audit_eks_iam_principals => "k8s-audit/eks-iam-principals.jsonl",
    audit_aks_entra_object_ids => "k8s-audit/aks-entra-oid.jsonl",
    defender_rest_value => "defender/rest-value.json",
    defender_az_cli_array => "defender/az-cli-array.json",
    defender_single_alert => "defender/single-alert.json",
    defender_resource_graph_pascal_case => "defender/resource-graph.json",
    defender_log_analytics_json_in_strings => "defender/log-analytics-securityalert.json",
    tetragon_exec_exit_kprobe => "tetragon/events.jsonl",
    tetragon_string_integers => "tetragon/string-ints.jsonl",
    k8s_get_all_list => "k8s-objects/get-all.json",
    k8s_typed_podlist => "k8s-objects/podlist-typed.json",
    k8s_single_object => "k8s-objects/pod-single.json",
    k8s_events_v1 => "k8s-objects/events-v1.json",
    k8s_cluster_info_dump => "k8s-objects/cluster-info-dump.txt",
    k8s_event_without_kind => "k8s-objects/event-without-kind.json",
    eks_filter_log_events_pages_with_other_streams => "eks/filter-log-events-pages.json",
    eks_get_log_events_without_stream_names => "eks/get-log-events.json",
    eks_firehose_objects_with_a_control_message => "eks/firehose-2026-11-20-09-47.gz",
    eks_logs_insights_csv_with_a_broken_row => "eks/logs-insights.csv",
    eks_logs_insights_json => "eks/logs-insights.json",
    aks_event_hub_messages_mixed_categories => "aks/event-hub.json",
    aks_storage_blob_bom_in_resource_id_layout => "aks/storage-blob.zip",
    aks_aksaudit_portal_csv => "aks/aksaudit.csv",
    aks_aksaudit_az_cli_json => "aks/aksaudit-az-cli.json",
    aks_azurediagnostics_portal_csv => "aks/azurediagnostics.csv",
    aks_azurediagnostics_az_cli_json_truncated_log => "aks/azurediagnostics.json",
    aks_bad_records => "aks/bad-records.json",
    aks_bad_aksaudit_csv => "aks/bad-aksaudit.csv",
    aks_bad_azurediagnostics_json => "aks/bad-azurediagnostics.json",
    cloudtrail_trail_object_access_entries => "cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0805Z_Qm7Xc2LpR4tN8vKd.json.gz",
    cloudtrail_trail_object_irsa_from_outside => "cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0950Z_b3HkW9sYv1ZfJ6Tn.json.gz",
    cloudtrail_lookup_events_pages_appended => "cloudtrail/lookup-events-pages.json",
    cloudtrail_bare_records_pod_identity => "cloudtrail/records.jsonl",
    cloudtrail_bad_lookup_page => "cloudtrail/bad-lookup-page.json",
    cloudtrail_bad_records => "cloudtrail/bad-records.json",
    azure_activity_storage_blob_with_bom => "azure-activity/PT1H.json",
    azure_activity_event_hub_messages => "azure-activity/event-hub-messages.json",
    azure_activity_az_cli_list => "azure-activity/az-activity-log-list.json",
    azure_activity_bad_records => "azure-activity/bad-records.jsonl",
    gke_gcloud_json => "gke/gcloud-read.json",
    gke_gcloud_yaml => "gke/gcloud-read.yaml",
    gke_pubsub_sink_jsonl => "gke/sink-pubsub.jsonl",
    gke_gcs_sink_object_with_a_duplicate => "gke/gcs-sink-S0.json",
    gke_logs_explorer_download => "gke/downloaded-logs-20261120-101502.json",
    gke_logs_explorer_single_entry => "gke/logs-explorer-entry.json",
    gke_bad_entries_among_good_ones => "gke/bad-entries.jsonl",
    gke_yaml_with_a_broken_document => "gke/gcloud-bad-document.yaml",
    gke_truncated_gcloud_array => "gke/gcloud-truncated.json",
    posture_trivy_k8s_resources => "posture/trivy-k8s.json",
    posture_trivy_k8s_older_layout => "posture/trivy-k8s-legacy.json",
    posture_kube_bench_controls_object => "posture/kube-bench.json",
    posture_kube_bench_bare_array => "posture/kube-bench-array.json",
    posture_kube_bench_result_without_status => "posture/kube-bench-bad.json",
    posture_kubescape_report => "posture/kubescape.json",
    scc_gcloud_findings_list => "gcp-scc/findings-list.json",
    scc_rest_list_page => "gcp-scc/rest-list-page.json",
    scc_pubsub_notifications_jsonl => "gcp-scc/notifications.jsonl",
    scc_pubsub_push => "gcp-scc/pubsub-push.json",
    scc_pubsub_pull_base64 => "gcp-scc/pubsub-pull.json",
    scc_bare_finding => "gcp-scc/finding.json",
    scc_bad_records_among_good_ones => "gcp-scc/bad-records.jsonl",
    guardduty_s3_export_gzip => "guardduty/9d3f0c1e-5b7a-4c2e-8f61-2a4b6c8d0e13.jsonl.gz",
    guardduty_api_findings_array => "guardduty/api-findings-array.json",
    guardduty_bad_records => "guardduty/bad-records.jsonl",
    guardduty_eventbridge_event => "guardduty/eventbridge-event.json",
    guardduty_get_findings_pascal_case => "guardduty/get-findings.json",
    guardduty_sample_finding => "guardduty/sample-finding.json",
    defender_xdr_event_hub => "defender-xdr/eventhub-messages.json",
    defender_xdr_storage_jsonl => "defender-xdr/storage-PT1H.json",
    defender_xdr_portal_process_csv => "defender-xdr/portal-cloudprocessevents.csv",
    defender_xdr_portal_evidence_csv => "defender-xdr/portal-alertevidence.csv",
    defender_xdr_bad_records => "defender-xdr/bad-records.jsonl",
    defender_xdr_eks_event_hub => "defender-xdr/eks-eventhub.json",
    defender_xdr_eks_falco => "defender-xdr/eks-falco-ip-10-0-12-34.jsonl",
    tracee_bad_records => "tracee/bad-records.jsonl",
    tracee_kubectl_logs_mixed => "tracee/kubectl-logs-tracee-x7k2p.log",
    tracee_legacy_flat => "tracee/legacy-2022.jsonl",
    tracee_nested => "tracee/nested-2024.jsonl",
    tracee_rules_findings => "tracee/tracee-rules-2022.jsonl",
    tracee_v1beta1 => "tracee/v1beta1-2025.jsonl",
    sysdig_event_forwarding_lines => "sysdig/events.jsonl",
    sysdig_events_feed_array => "sysdig/secure-events-data.json",
    sysdig_events_feed_pages => "sysdig/secure-events-pages.json",
    kubearmor_karmor_logs_json => "kubearmor/karmor-logs.jsonl",
    kubearmor_karmor_pretty_behind_status_lines => "kubearmor/karmor-pretty.json",
    falco_talon_stdout => "falco-talon/talon.jsonl",
    falco_talon_kubectl_logs_mixed_with_text => "falco-talon/kubectl-logs.log",
    falco_talon_k8sevents_notifier_event => "falco-talon/notifier-event.json",
    falco_talon_bad_records => "falco-talon/bad-records.jsonl",
    hubble_exporter_file => "hubble/events.log",
    hubble_observe_legacy_bare_flows => "hubble/observe-legacy.json",
    hubble_observe_json => "hubble/observe.jsonl",
    sentinel_rest_list_page => "sentinel/incidents-page1.json",
    sentinel_rest_list_last_page => "sentinel/incidents-page2.json",
    sentinel_az_cli_list => "sentinel/az-incident-list.json",
    sentinel_single_get_closed => "sentinel/incident-get-closed.json",
    sentinel_bad_records => "sentinel/bad-records.jsonl",
}
