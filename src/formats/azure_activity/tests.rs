use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{Container, Hint};
use serde_json::json;
use std::sync::Arc;

const HUB: &str = include_str!("../../../fixtures/samples/azure-activity/event-hub-messages.json");
const CLI: &str = include_str!("../../../fixtures/samples/azure-activity/az-activity-log-list.json");
const BLOB: &str = include_str!("../../../fixtures/samples/azure-activity/PT1H.json");

const MI_OID: &str = "b4f8e2d1-6a3c-4b9e-8d7f-1e5a2c9b6f30";
const ALICE_OID: &str = "7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58";

fn hint(key: &'static str, page: u32) -> Hint {
    Hint { container: Some(Arc::new(Container { key, page, facts: Map::new() })), ..Hint::default() }
}

fn parse_in(record: &Value, key: Option<&'static str>) -> Result<NewEvent, RecordError> {
    let h = key.map(|k| hint(k, 1)).unwrap_or_default();
    parse(record.to_string().as_bytes(), &Context::new(&h))
}

/// Every record of the Event Hub messages, in order.
fn hub() -> Vec<Value> {
    HUB.lines().flat_map(|m| serde_json::from_str::<Value>(m).unwrap()["records"].as_array().unwrap().clone()).collect()
}

fn cli() -> Vec<Value> {
    serde_json::from_str::<Value>(CLI).unwrap().as_array().unwrap().clone()
}

fn blob() -> Vec<Value> {
    BLOB.trim_start_matches('\u{feff}').lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The record of an operation (any case) with a status, in either form.
fn find(records: &[Value], op: &str, status: &str) -> Value {
    records
        .iter()
        .find(|r| {
            let name = r["operationName"].as_str().or(r["operationName"]["value"].as_str()).unwrap_or("");
            let s = r["resultType"].as_str().or(r["status"]["value"].as_str()).unwrap_or("");
            name.eq_ignore_ascii_case(op) && s == status
        })
        .cloned()
        .unwrap_or_else(|| panic!("no {} {}", op, status))
}

const ADMIN: &str = "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action";
const USER: &str = "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action";

fn keys(ev: &NewEvent, kind: EntityKind, role: &str) -> Vec<String> {
    ev.entities.iter().filter(|e| e.kind == kind && e.role == role).map(|e| e.key.clone()).collect()
}

#[test]
fn sniff_claims_activity_entries_in_both_forms_and_nothing_else() {
    for r in hub().iter().chain(cli().iter()).chain(blob().iter()) {
        assert!(sniff(r.as_object().unwrap()), "{}", r);
    }
    // AKS resource logs share the Event Hub and the storage account.
    let kube_audit = obj(
        r#"{"time":"2026-11-20T09:41:07.1234567Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD",
            "category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
            "properties":{"log":"{\"auditID\":\"a\"}\n","stream":"stdout","pod":"kube-apiserver-5f9c8d7b6-abcde"}}"#,
    );
    assert!(!sniff(&kube_audit));
    let guard = obj(r#"{"time":"2026-11-20T09:41:07Z","category":"guard","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"log":"x"}}"#);
    assert!(!sniff(&guard));
    // A Defender alert's Activity Log entry is the alert's.
    let alert = obj(
        r#"{"operationName":{"value":"Microsoft.Security/locations/alerts/activate/action"},"eventTimestamp":"2026-11-20T09:50:12Z","eventDataId":"x","category":{"value":"Security"}}"#,
    );
    assert!(!sniff(&alert));
    assert!(!sniff(&obj(r#"{"eventVersion":"1.09","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity"}"#)));
}

#[test]
fn the_event_hub_copy_and_the_cli_copy_of_an_entry_are_one_event() {
    let hub = hub();
    let cli = cli();
    let pairs = [(ADMIN, "Failure", "Failed"), (USER, "Start", "Started"), (USER, "Success", "Succeeded"), (ADMIN, "Success", "Succeeded")];
    for (op, diag_status, rest_status) in pairs {
        let a = parse_in(&find(&hub, op, diag_status), Some("records")).unwrap();
        let b = parse_in(&find(&cli, op, rest_status), Some("[")).unwrap();
        assert!(a.dedup_key.is_some());
        assert_eq!(a.dedup_key, b.dedup_key, "{} {}", op, rest_status);
        assert_eq!(a.time_ns, b.time_ns);
        assert_eq!(a.title, b.title);
        assert!(a.rank > b.rank, "the diagnostic record names the role assignment");
        assert_eq!((a.shape, b.shape), (Some("event-hub"), Some("az-cli")));
        for field in ["operation", "status", "correlation_id", "resource_id", "caller_ip", "cluster"] {
            assert_eq!(a.fields.get(field), b.fields.get(field), "{} of {} {}", field, op, rest_status);
        }
        assert_eq!(keys(&a, EntityKind::Identity, "actor"), keys(&b, EntityKind::Identity, "actor"));
    }
    // The start and the end of one operation share its correlation id but
    // are two entries.
    let start = parse_in(&find(&hub, USER, "Start"), Some("records")).unwrap();
    let end = parse_in(&find(&hub, USER, "Success"), Some("records")).unwrap();
    assert_eq!(start.fields["correlation_id"], end.fields["correlation_id"]);
    assert_ne!(start.dedup_key, end.dedup_key);
}

#[test]
fn a_refused_cluster_admin_request_names_the_managed_identity_its_address_and_the_error() {
    let ev = parse_in(&find(&hub(), ADMIN, "Failure"), Some("records")).unwrap();
    assert_eq!(ev.source, Source::AzureActivity);
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.title, "managed identity id-shop-cart failed to list the cluster-admin credentials of aks-shop-prod (AuthorizationFailed)");
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(keys(&ev, EntityKind::Identity, "actor"), [MI_OID]);
    let mi = entity(&ev, EntityKind::Identity, "actor").unwrap();
    assert_eq!(mi.attrs["provider"], "azure");
    assert_eq!(mi.attrs["app_id"], "e1a7c3f9-2b5d-4e8a-9c6f-3d0b7a4e1c82");
    assert_eq!(mi.attrs["principal_type"], "ServicePrincipal");
    assert!(mi.attrs["managed_identity"].as_str().unwrap().ends_with("/userAssignedIdentities/id-shop-cart"));
    assert_eq!(keys(&ev, EntityKind::Ip, "source-ip"), ["203.0.113.45"]);
    assert_eq!(keys(&ev, EntityKind::Cluster, "cluster"), ["aks-shop-prod"]);
    assert!(keys(&ev, EntityKind::Cluster, "credentials").is_empty(), "nothing was handed out");
    assert_eq!(ev.fields["error_code"], "AuthorizationFailed");
    assert!(ev.fields["error_message"].as_str().unwrap().contains("does not have authorization to perform action"));
    assert_eq!(ev.fields["status"], "Failed");
    assert_eq!(ev.fields["sub_status"], "Forbidden");
    assert_eq!(ev.fields["operation"], ADMIN.to_ascii_lowercase());
    assert_eq!(ev.fields["envelope"], json!({"shape": "event-hub", "message": 1}));
    let cluster = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(cluster.attrs["provider"], "aks");
    assert_eq!(
        cluster.attrs["resource_id"],
        "/subscriptions/54d48471-7e44-4d95-ab1c-e684b446f762/resourcegroups/rg-shop-prod/providers/microsoft.containerservice/managedclusters/aks-shop-prod"
    );
}

#[test]
fn handed_out_credentials_link_the_caller_to_the_cluster_and_read_clearly() {
    let admin = parse_in(&find(&hub(), ADMIN, "Success"), Some("records")).unwrap();
    assert_eq!(admin.title, "alice.martin@shopcorp.example listed the cluster-admin credentials of aks-shop-prod");
    assert_eq!(keys(&admin, EntityKind::Cluster, "credentials"), ["aks-shop-prod"]);
    assert_eq!(admin.fields["credentials"], "cluster-admin");
    assert_eq!(admin.fields["rbac_role"], "Owner");
    assert_eq!(keys(&admin, EntityKind::Identity, "actor"), [ALICE_OID]);
    let alice = entity(&admin, EntityKind::Identity, "actor").unwrap();
    assert_eq!(alice.attrs["upn"], "alice.martin@shopcorp.example");
    assert_eq!(alice.attrs["name"], "Alice Martin");
    // A user's appid is the client it signed in with, not its identity.
    assert!(!alice.attrs.contains_key("app_id"));
    assert_eq!(admin.fields["client_app_id"], "04b07795-8ddb-461a-bbee-02f9e1bf7b46");

    let started = parse_in(&find(&hub(), ADMIN, "Start"), Some("records")).unwrap();
    assert_eq!(started.title, "alice.martin@shopcorp.example started listing the cluster-admin credentials of aks-shop-prod");
    assert!(keys(&started, EntityKind::Cluster, "credentials").is_empty());

    let user = parse_in(&find(&cli(), USER, "Succeeded"), Some("[")).unwrap();
    assert_eq!(user.title, "managed identity id-shop-cart listed the cluster-user credentials of aks-shop-prod");
    assert_eq!(keys(&user, EntityKind::Cluster, "credentials"), ["aks-shop-prod"]);
    assert_eq!(user.fields["event_data_id"].as_str().map(str::len), Some(36));
}

#[test]
fn other_operations_read_by_their_last_word() {
    let policy = parse_in(&find(&blob(), "Microsoft.Authorization/policies/audit/action", "Success"), None).unwrap();
    assert_eq!(policy.title, "Azure Policy ran audit on managedclusters aks-shop-prod (microsoft.authorization/policies/audit/action)");
    assert_eq!(policy.shape, Some("storage-blob"));
    assert_eq!(policy.severity, Severity::Low, "a Warning entry");
    assert!(keys(&policy, EntityKind::Identity, "actor").is_empty());
    let delete = parse_in(&find(&hub(), "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete", "Success"), Some("records")).unwrap();
    assert!(delete.title.starts_with("alice.martin@shopcorp.example deleted federatedidentitycredentials shop-cart-federation ("));
    assert!(delete.entities.iter().all(|e| e.kind != EntityKind::Cluster));
    assert_eq!(delete.fields["resource_type"], "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials");
}

#[test]
fn run_command_and_cluster_writes_have_words_of_their_own() {
    let mut r = find(&hub(), ADMIN, "Success");
    r["operationName"] = json!("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RUNCOMMAND/ACTION");
    r["properties"]["requestbody"] = json!("{\"command\":\"kubectl get secrets -A\",\"context\":\"\"}");
    let ev = parse_in(&r, Some("records")).unwrap();
    assert_eq!(ev.title, "alice.martin@shopcorp.example ran a command in aks-shop-prod through the API: kubectl get secrets -A");
    assert_eq!(ev.fields["run_command"], "kubectl get secrets -A");
    assert_eq!(ev.fields["request_body"]["command"], "kubectl get secrets -A");
    r["operationName"] = json!("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/DELETE");
    r["resultType"] = json!("Start");
    assert_eq!(parse_in(&r, None).unwrap().title, "alice.martin@shopcorp.example started deleting cluster aks-shop-prod");
    r["operationName"] = json!("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/ACCESSPROFILES/LISTCREDENTIAL/ACTION");
    r["resourceId"] = json!(format!("{}/ACCESSPROFILES/CLUSTERADMIN", r["resourceId"].as_str().unwrap()));
    r["resultType"] = json!("Success");
    let ev = parse_in(&r, None).unwrap();
    assert_eq!(ev.title, "alice.martin@shopcorp.example listed the clusteradmin access-profile credentials of aks-shop-prod");
    assert_eq!(keys(&ev, EntityKind::Cluster, "credentials"), ["aks-shop-prod"]);
}

#[test]
fn callers_are_keyed_by_object_id_from_claims_evidence_or_caller() {
    assert_eq!(caller::object_id("B4F8E2D16A3C4B9E8D7F1E5A2C9B6F30").as_deref(), Some(MI_OID));
    assert_eq!(caller::object_id(" B4F8E2D1-6A3C-4B9E-8D7F-1E5A2C9B6F30 ").as_deref(), Some(MI_OID));
    assert_eq!(caller::object_id("alice.martin@shopcorp.example"), None);
    assert_eq!(caller::object_id("b4f8e2d1-6a3c-4b9e-8d7f-1e5a2c9b6f3"), None);
    // v2 tokens name the object id `oid`.
    let mut r = find(&hub(), USER, "Success");
    let claims = r["identity"]["claims"].as_object_mut().unwrap();
    claims.remove("http://schemas.microsoft.com/identity/claims/objectidentifier");
    claims.insert("oid".into(), json!(MI_OID.to_ascii_uppercase()));
    assert_eq!(keys(&parse_in(&r, None).unwrap(), EntityKind::Identity, "actor"), [MI_OID]);
    // Without claims, the RBAC evidence's dash-less principal id.
    r["identity"].as_object_mut().unwrap().remove("claims");
    assert_eq!(keys(&parse_in(&r, None).unwrap(), EntityKind::Identity, "actor"), [MI_OID]);
    // Claims given as a JSON string (a Log Analytics export) read the same.
    let mut s = find(&hub(), ADMIN, "Success");
    let claims = s["identity"]["claims"].to_string();
    s["identity"]["claims"] = Value::String(claims);
    assert_eq!(keys(&parse_in(&s, None).unwrap(), EntityKind::Identity, "actor"), [ALICE_OID]);
}

#[test]
fn broken_entries_are_refused_with_the_reason() {
    let good = find(&blob(), USER, "Success");
    let with = |key: &str, v: Value| {
        let mut r = good.clone();
        r[key] = v;
        parse_in(&r, None).unwrap_err().reason
    };
    assert_eq!(with("operationName", json!(42)), "Activity Log entry's operationName is neither a string nor {value}");
    assert_eq!(with("operationName", Value::Null), "Activity Log entry has no operationName");
    assert_eq!(
        with("time", json!("20/11/2026 08:12:31")),
        format!("Activity Log entry {}: time \"20/11/2026 08:12:31\" is not an ISO-8601 time", USER.to_ascii_lowercase())
    );
    assert_eq!(with("time", json!(1795162351)), format!("Activity Log entry {}: time is not a string", USER.to_ascii_lowercase()));
    assert_eq!(with("category", json!("kube-audit")), "a resource-log record of category kube-audit, not an Activity Log entry");
    let mut rest = find(&cli(), USER, "Succeeded");
    rest.as_object_mut().unwrap().remove("eventTimestamp");
    assert_eq!(parse_in(&rest, Some("[")).unwrap_err().reason, format!("Activity Log entry {} has no eventTimestamp", USER.to_ascii_lowercase()));
    // A status message that is no JSON is kept as it is.
    let mut odd = find(&hub(), ADMIN, "Failure");
    odd["properties"]["statusMessage"] = json!("{\"error\":{\"code\":\"AuthorizationFa");
    let ev = parse_in(&odd, None).unwrap();
    assert_eq!(ev.fields["status_message"], "{\"error\":{\"code\":\"AuthorizationFa");
    assert!(!ev.fields.contains_key("error_code"));
}
