//! Isolation and its release. Isolating labels only the chosen pod with a
//! label unique to the action and creates, in its namespace, a NetworkPolicy
//! selecting that label with both policy types and no rules (deny all, both
//! ways); the pod is annotated with the incident and the reason. Dry run
//! first, then apply, then read back. Release removes exactly what the
//! isolation created, by UID. A failure part-way rolls back what was done;
//! a lost connection leaves the action 'unknown' until `reconcile` reads
//! the cluster and rolls back or completes the record.

use super::connect::ConnectionInfo;
use super::errors::{cluster_error, is_conflict, is_not_found, outcome_unknown};
use super::preflight::{self, ActionKind, Preflight};
use super::record::{self, ActionRow, NewAction};
use super::target::{self, LiveTarget, PodRef};
use super::{isolation_of, Connection, ANNOTATION_ACTION, ANNOTATION_INCIDENT, ANNOTATION_REASON, ISOLATION_LABEL};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::format_incident_id;
use crate::store::Case;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use serde::Serialize;
use serde_json::{json, Value};

/// How front ends lend the case to a cluster action between network calls.
pub trait CaseAccess: Send + Sync {
    fn run(&self, f: &mut dyn FnMut(&mut Case) -> Result<()>) -> Result<()>;
}

impl CaseAccess for std::sync::Mutex<Case> {
    fn run(&self, f: &mut dyn FnMut(&mut Case) -> Result<()>) -> Result<()> {
        let mut g = self.lock().map_err(|_| Error::input(Code::Store, "the case lock was poisoned"))?;
        f(&mut g)
    }
}

pub fn with_case<T>(access: &dyn CaseAccess, f: impl FnOnce(&mut Case) -> Result<T>) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    access.run(&mut |case| {
        if let Some(f) = f.take() {
            out = Some(f(case)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| Error::input(Code::Store, "the case was not available"))
}

#[derive(Debug, Clone)]
pub struct IsolateRequest {
    pub incident: Option<i64>,
    pub pod: PodRef,
    pub reason: String,
    /// The investigator chose the live pod although its UID differs from the evidence.
    pub accept_uid: Option<String>,
    /// The playbook's requirements and the approvals given, recorded with
    /// the action ([`crate::playbook::gate`]).
    pub playbook: Option<Value>,
}

/// The exact objects an isolation creates or changes.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub action_id: String,
    pub label: String,
    pub policy_name: String,
    pub pod_patch: Value,
    pub policy: Value,
    /// Both, as YAML, for the investigator to read before confirming.
    pub preview: String,
}

/// Everything shown before the confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Prepared {
    pub connection: ConnectionInfo,
    pub target: LiveTarget,
    pub preflight: Preflight,
    pub plan: Plan,
    /// The server's answers to the dry run (nothing persisted).
    pub dry_run: Value,
}

pub fn plan(action_id: &str, t: &LiveTarget, incident: Option<i64>, reason: &str) -> Plan {
    let policy_name = format!("kordon-isolate-{}", action_id.trim_start_matches("act-"));
    let mut annotations = serde_json::Map::new();
    annotations.insert(ANNOTATION_ACTION.into(), json!(action_id));
    annotations.insert(ANNOTATION_REASON.into(), json!(reason));
    if let Some(i) = incident {
        annotations.insert(ANNOTATION_INCIDENT.into(), json!(format_incident_id(i)));
    }
    // metadata.uid in a merge patch is a precondition: the server refuses
    // the patch (409) if the pod by that name is another pod.
    let pod_patch = json!({"metadata": {"uid": t.uid, "labels": {ISOLATION_LABEL: action_id}, "annotations": annotations}});
    let policy = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": policy_name,
            "namespace": t.namespace,
            "labels": {ISOLATION_LABEL: action_id, "app.kubernetes.io/managed-by": "kordon"},
            "annotations": {ANNOTATION_ACTION: action_id, ANNOTATION_REASON: reason, "kordon.io/pod-uid": t.uid},
        },
        "spec": {
            "podSelector": {"matchLabels": {ISOLATION_LABEL: action_id}},
            "policyTypes": ["Ingress", "Egress"],
        }
    });
    let preview = format!(
        "# 1. Pod {}/{} (UID {}): add a label and annotations\n{}---\n# 2. Create: deny all ingress and egress of that pod only\n{}",
        t.namespace,
        t.name,
        t.uid,
        serde_yaml_ng::to_string(&pod_patch).unwrap_or_default(),
        serde_yaml_ng::to_string(&policy).unwrap_or_default()
    );
    Plan { action_id: action_id.into(), label: format!("{}={}", ISOLATION_LABEL, action_id), policy_name, pod_patch, policy, preview }
}

fn apis(conn: &Connection, ns: &str) -> (Api<Pod>, Api<NetworkPolicy>) {
    (Api::namespaced(conn.client.clone(), ns), Api::namespaced(conn.client.clone(), ns))
}

fn policy_object(plan: &Plan) -> Result<NetworkPolicy> {
    serde_json::from_value(plan.policy.clone()).map_err(|e| Error::input(Code::InvalidArgument, format!("the isolation policy: {}", e)))
}

/// Looks the pod up, checks permissions and the engine, plans, and has the
/// server dry-run both changes. Nothing is written anywhere.
/// `action_id`: from `record::next_id`.
pub async fn prepare(conn: &Connection, req: &IsolateRequest, action_id: &str) -> Result<Prepared> {
    let t = target::look_up(conn, &req.pod, req.accept_uid.as_deref()).await?;
    if let Some(a) = &t.isolated_by {
        return Err(Error::input(Code::Conflict, format!("pod {} is already isolated by Kordon action {}", t.label(), a)));
    }
    let pf = preflight::run(conn, ActionKind::Isolate, &t).await?;
    if !pf.ok {
        return Err(Error::input(Code::Forbidden, format!("cannot isolate {}: missing permission: {}", t.label(), pf.missing.join("; "))));
    }
    let plan = plan(action_id, &t, req.incident, &req.reason);
    let (pods, pols) = apis(conn, &t.namespace);
    let dry = PatchParams { dry_run: true, ..Default::default() };
    let pod_after = pods
        .patch(&t.name, &dry, &Patch::Merge(&plan.pod_patch))
        .await
        .map_err(|e| cluster_error(&format!("dry run: patching pod {}", t.label()), e))?;
    let pol_after = pols
        .create(&PostParams { dry_run: true, ..Default::default() }, &policy_object(&plan)?)
        .await
        .map_err(|e| cluster_error(&format!("dry run: creating NetworkPolicy {}/{}", t.namespace, plan.policy_name), e))?;
    let dry_run = json!({
        "pod_labels_after": pod_after.metadata.labels,
        "policy": {"name": pol_after.metadata.name, "namespace": pol_after.metadata.namespace, "spec": pol_after.spec},
    });
    Ok(Prepared { connection: conn.info(), target: t, preflight: pf, plan, dry_run })
}

fn new_action<'a>(p: &'a Prepared, req: &'a IsolateRequest, kind: &'a str, state: &'a str) -> NewAction<'a> {
    NewAction {
        id: &p.plan.action_id,
        incident: req.incident,
        kind,
        state,
        cluster_user: &p.connection.identity.username,
        context: &p.connection.context.name,
        server: &p.connection.context.server,
        namespace: &p.target.namespace,
        pod: &p.target.name,
        pod_uid: &p.target.uid,
        reason: &req.reason,
        details: record::with_playbook(json!({"preview": p.plan.preview, "dry_run": p.dry_run, "preflight": p.preflight, "policy_name": p.plan.policy_name, "label": p.plan.label}), req.playbook.as_ref()),
    }
}

/// Records a dry run that went no further.
pub fn record_dry_run(access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, req: &IsolateRequest, p: &Prepared) -> Result<ActionRow> {
    with_case(access, |case| {
        record::begin(case, clock, actor, &new_action(p, req, "isolate", "dry-run"))?;
        record::get(case, &p.plan.action_id)
    })
}

/// Applies a prepared isolation, on record from the first request on.
pub async fn isolate(conn: &Connection, access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, req: &IsolateRequest, p: &Prepared) -> Result<ActionRow> {
    with_case(access, |case| record::begin(case, clock, actor, &new_action(p, req, "isolate", "applying")))?;
    let id = p.plan.action_id.clone();
    match apply(conn, p).await {
        Ok(done) => with_case(access, |case| record::update(case, clock, actor, &id, "applied", done)),
        Err((state, details, err)) => {
            let mut d = details;
            d["error"] = json!({"code": err.code().as_str(), "message": err.to_string()});
            with_case(access, |case| record::update(case, clock, actor, &id, state, d))?;
            Err(err)
        }
    }
}

type Failure = (&'static str, Value, Error);

async fn apply(conn: &Connection, p: &Prepared) -> std::result::Result<Value, Failure> {
    let t = &p.target;
    let (pods, pols) = apis(conn, &t.namespace);
    let fail = |state: &'static str, d: Value, e: Error| (state, d, e);
    // 1. The label and annotations, on this pod only (UID precondition).
    if let Err(e) = pods.patch(&t.name, &PatchParams::default(), &Patch::Merge(&p.plan.pod_patch)).await {
        let doing = format!("labelling pod {}", t.label());
        if outcome_unknown(&e) {
            // The answer was lost: did the label land?
            match pods.get_opt(&t.name).await {
                Ok(Some(pod)) if labelled(&pod, &t.uid, &p.plan.action_id) => {}
                Ok(_) => return Err(fail("failed", json!({"done": []}), cluster_error(&doing, e))),
                Err(_) => return Err(fail("unknown", json!({"done": ["pod label?"]}), cluster_error(&doing, e))),
            }
        } else {
            let changed = is_conflict(&e);
            let err = cluster_error(&doing, e);
            let err = if changed { Error::input(Code::TargetChanged, format!("{} — the pod was replaced since it was checked; nothing was changed", err)) } else { err };
            return Err(fail("failed", json!({"done": []}), err));
        }
    }
    // 2. The deny-all policy.
    let policy = policy_object(&p.plan).map_err(|e| fail("failed", json!({}), e))?;
    let doing = format!("creating NetworkPolicy {}/{}", t.namespace, p.plan.policy_name);
    let created = match pols.create(&PostParams::default(), &policy).await {
        Ok(c) => c,
        // Already there, or the answer was lost: it counts only if it is this action's.
        Err(e) if is_conflict(&e) || outcome_unknown(&e) => match pols.get_opt(&p.plan.policy_name).await {
            Ok(Some(np)) if isolation_of(&np.metadata) == Some(p.plan.action_id.as_str()) => np,
            Ok(_) => return Err(roll_back_label(conn, p, cluster_error(&doing, e)).await),
            Err(_) => return Err(fail("unknown", json!({"done": ["pod label"], "policy": "unknown"}), cluster_error(&doing, e))),
        },
        Err(e) => return Err(roll_back_label(conn, p, cluster_error(&doing, e)).await),
    };
    // 3. Read both back.
    verify(conn, p, created.metadata.uid.as_deref()).await.map_err(|e| ("unknown", json!({"created": {"policy_uid": created.metadata.uid}}), e))
}

async fn verify(conn: &Connection, p: &Prepared, policy_uid: Option<&str>) -> Result<Value> {
    let t = &p.target;
    let (pods, pols) = apis(conn, &t.namespace);
    let pod = pods.get(&t.name).await.map_err(|e| cluster_error(&format!("verifying pod {}", t.label()), e))?;
    let label = isolation_of(&pod.metadata).map(str::to_string);
    let np = pols.get(&p.plan.policy_name).await.map_err(|e| cluster_error(&format!("verifying NetworkPolicy {}", p.plan.policy_name), e))?;
    let uid = np.metadata.uid.clone().unwrap_or_default();
    let spec = serde_json::to_value(&np.spec).unwrap_or(Value::Null);
    let selects = spec["podSelector"]["matchLabels"][ISOLATION_LABEL].as_str() == Some(p.plan.action_id.as_str());
    let types: Vec<&str> = spec["policyTypes"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
    let no_rules = spec["ingress"].as_array().is_none_or(|a| a.is_empty()) && spec["egress"].as_array().is_none_or(|a| a.is_empty());
    let ok = pod.metadata.uid.as_deref() == Some(t.uid.as_str())
        && label.as_deref() == Some(p.plan.action_id.as_str())
        && selects
        && types.contains(&"Ingress")
        && types.contains(&"Egress")
        && no_rules
        && policy_uid.is_none_or(|u| u == uid);
    if !ok {
        return Err(Error::input(Code::ClusterError, format!("the isolation of {} does not read back as applied (label {:?}, policy {})", t.label(), label, p.plan.policy_name)));
    }
    Ok(json!({
        "created": {"policy": p.plan.policy_name, "policy_uid": uid, "label": p.plan.label},
        "verified": {"pod_uid": t.uid, "pod_resource_version": pod.metadata.resource_version, "policy_resource_version": np.metadata.resource_version},
    }))
}

fn labelled(pod: &Pod, uid: &str, action: &str) -> bool {
    pod.metadata.uid.as_deref() == Some(uid) && isolation_of(&pod.metadata) == Some(action)
}

/// Removes the action's label and annotations from the pod (UID precondition).
async fn unlabel(conn: &Connection, ns: &str, name: &str, uid: &str, dry_run: bool) -> std::result::Result<(), kube::Error> {
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let patch = json!({"metadata": {"uid": uid, "labels": {ISOLATION_LABEL: null}, "annotations": {ANNOTATION_ACTION: null, ANNOTATION_REASON: null, ANNOTATION_INCIDENT: null}}});
    pods.patch(name, &PatchParams { dry_run, ..Default::default() }, &Patch::Merge(&patch)).await.map(|_| ())
}

async fn roll_back_label(conn: &Connection, p: &Prepared, err: Error) -> Failure {
    match unlabel(conn, &p.target.namespace, &p.target.name, &p.target.uid, false).await {
        Ok(()) => ("rolled-back", json!({"rolled_back": ["pod label"]}), err),
        Err(e) if is_not_found(&e) => ("rolled-back", json!({"rolled_back": [], "note": "the pod is gone"}), err),
        Err(e) => ("unknown", json!({"rollback_error": cluster_error("removing the label again", e).to_string()}), err),
    }
}

/// What of an isolation exists, made whole or undone: both parts → applied;
/// one part → it is removed (rolled back); none → failed.
async fn reconcile_parts(conn: &Connection, ns: &str, pod: &str, pod_uid: &str, policy: &str, action: &str) -> Result<(&'static str, Value)> {
    let (pods, pols) = apis(conn, ns);
    let live = pods.get_opt(pod).await.map_err(|e| cluster_error(&format!("reading pod {}/{}", ns, pod), e))?;
    let labelled = live.as_ref().is_some_and(|p| labelled(p, pod_uid, action));
    let np = pols.get_opt(policy).await.map_err(|e| cluster_error(&format!("reading NetworkPolicy {}/{}", ns, policy), e))?;
    let np = np.filter(|n| isolation_of(&n.metadata) == Some(action));
    match (labelled, np) {
        (true, Some(n)) => Ok(("applied", json!({"created": {"policy": policy, "policy_uid": n.metadata.uid, "label": format!("{}={}", ISOLATION_LABEL, action)}, "reconciled": "both parts exist"}))),
        (true, None) => {
            unlabel(conn, ns, pod, pod_uid, false).await.map_err(|e| cluster_error("removing the half-applied label", e))?;
            Ok(("rolled-back", json!({"rolled_back": ["pod label"], "reconciled": "the label was set but the policy was not created"})))
        }
        (false, Some(n)) => {
            let uid = n.metadata.uid.clone();
            let dp = DeleteParams { preconditions: Some(Preconditions { uid: uid.clone(), resource_version: None }), ..Default::default() };
            pols.delete(policy, &dp).await.map_err(|e| cluster_error("deleting the half-applied policy", e))?;
            Ok(("rolled-back", json!({"rolled_back": ["network policy"], "policy_uid": uid, "reconciled": "the policy existed without the pod's label"})))
        }
        (false, None) => Ok(("failed", json!({"reconciled": "nothing of the isolation exists"}))),
    }
}

/// Reads the cluster for an action left 'unknown' (or 'applying') and records the outcome.
pub async fn reconcile(conn: &Connection, access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, id: &str) -> Result<ActionRow> {
    let row = with_case(access, |case| record::get(case, id))?;
    if row.kind != "isolate" {
        return Err(Error::input(Code::InvalidArgument, format!("{} is a {} action: only isolations are reconciled", id, row.kind)));
    }
    let policy = row.details["policy_name"].as_str().unwrap_or_default().to_string();
    let (state, d) = reconcile_parts(conn, &row.namespace, &row.pod, &row.pod_uid, &policy, &row.id).await?;
    with_case(access, |case| record::update(case, clock, actor, id, state, d))
}

/// Removes exactly what an isolation created — its policy by UID, its label
/// and annotations from the pod by UID — dry run first, then verifies.
pub async fn release(conn: &Connection, access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, id: &str, reason: &str) -> Result<ActionRow> {
    let row = with_case(access, |case| record::get(case, id))?;
    if row.kind != "isolate" {
        return Err(Error::input(Code::InvalidArgument, format!("{} is a {} action, not an isolation", id, row.kind)));
    }
    if row.state != "applied" {
        return Err(Error::input(Code::InvalidArgument, format!("{} is {}: only an applied isolation can be released", id, row.state)));
    }
    if reason.trim().is_empty() {
        return Err(Error::input(Code::InvalidArgument, "releasing needs a reason"));
    }
    let policy = row.details["policy_name"].as_str().unwrap_or_default().to_string();
    let policy_uid = row.details["created"]["policy_uid"].as_str().map(str::to_string);
    let (_, pols) = apis(conn, &row.namespace);
    let delete = |dry_run: bool| DeleteParams { dry_run, preconditions: Some(Preconditions { uid: policy_uid.clone(), resource_version: None }), ..Default::default() };
    let mut notes = Vec::new();
    // Dry run both, so a missing permission stops the release before any change.
    match pols.delete(&policy, &delete(true)).await {
        Ok(_) => {}
        Err(e) if is_not_found(&e) => notes.push(format!("NetworkPolicy {} was already gone", policy)),
        Err(e) if is_conflict(&e) => {
            return Err(Error::input(Code::Conflict, format!("NetworkPolicy {}/{} is not the one {} created (another UID): Kordon leaves it alone", row.namespace, policy, id)))
        }
        Err(e) => return Err(cluster_error(&format!("dry run: deleting NetworkPolicy {}/{}", row.namespace, policy), e)),
    }
    match unlabel(conn, &row.namespace, &row.pod, &row.pod_uid, true).await {
        Ok(()) => {}
        Err(e) if is_not_found(&e) || is_conflict(&e) => notes.push(format!("pod {}/{} (UID {}) is gone: no label to remove", row.namespace, row.pod, row.pod_uid)),
        Err(e) => return Err(cluster_error(&format!("dry run: removing the label from pod {}/{}", row.namespace, row.pod), e)),
    }
    with_case(access, |case| record::update(case, clock, actor, id, "releasing", json!({"release_reason": reason})))?;
    let result: Result<()> = async {
        match pols.delete(&policy, &delete(false)).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(cluster_error(&format!("deleting NetworkPolicy {}/{}", row.namespace, policy), e)),
        }
        match unlabel(conn, &row.namespace, &row.pod, &row.pod_uid, false).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) || is_conflict(&e) => Ok(()),
            Err(e) => Err(cluster_error(&format!("removing the label from pod {}/{}", row.namespace, row.pod), e)),
        }
    }
    .await;
    if let Err(e) = result {
        let d = json!({"error": {"code": e.code().as_str(), "message": e.to_string()}});
        with_case(access, |case| record::update(case, clock, actor, id, "applied", d))?;
        return Err(e);
    }
    // Verify: the policy gone (or another object), the label gone.
    let still = pols.get_opt(&policy).await.map_err(|e| cluster_error("verifying the release", e))?;
    let policy_gone = still.is_none_or(|n| n.metadata.uid != policy_uid);
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &row.namespace);
    let pod = pods.get_opt(&row.pod).await.map_err(|e| cluster_error("verifying the release", e))?;
    let label_gone = pod.is_none_or(|p| isolation_of(&p.metadata) != Some(row.id.as_str()));
    if !(policy_gone && label_gone) {
        let e = Error::input(Code::ClusterError, format!("the release of {} does not read back as done (policy gone: {}, label gone: {})", id, policy_gone, label_gone));
        with_case(access, |case| record::update(case, clock, actor, id, "unknown", json!({"error": e.to_string()})))?;
        return Err(e);
    }
    with_case(access, |case| record::update(case, clock, actor, id, "released", json!({"released": {"policy": policy, "policy_uid": policy_uid, "notes": notes}})))
}
