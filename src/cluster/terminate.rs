//! Termination. Evidence first — the pod object, its events, each
//! container's logs (current and previous, size-capped) and its owners go
//! into the case with their SHA-256 — then the delete, with the pod's UID as
//! a precondition and the chosen grace period, then a wait until it is gone,
//! and what its controller will do next. Optionally the owner is scaled to
//! zero, its previous replica count recorded so `restore` can put it back.

use super::errors::{cluster_error, is_not_found};
use super::isolate::{with_case, CaseAccess};
use super::preflight::{self, ActionKind};
use super::record::{self, ActionRow, NewAction};
use super::target::{self, LiveTarget, PodRef};
use super::Connection;
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::core::DynamicObject;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct TerminateRequest {
    pub incident: Option<i64>,
    pub pod: PodRef,
    pub reason: String,
    pub accept_uid: Option<String>,
    pub grace_period_seconds: Option<i64>,
    pub scale_owner_to_zero: bool,
    /// How long to wait for the pod to be gone.
    pub wait: Duration,
    /// The playbook's requirements and the approvals given, recorded with
    /// the action ([`crate::playbook::gate`]).
    pub playbook: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreparedTermination {
    pub connection: super::connect::ConnectionInfo,
    pub target: LiveTarget,
    pub preflight: preflight::Preflight,
    pub action_id: String,
    /// What the controller will do once the pod is gone.
    pub controller_note: String,
    /// The owner scaled to zero, when asked: kind, name, current replicas.
    pub scale: Option<(String, String, i32)>,
    pub dry_run: Value,
}

fn controller_note(t: &LiveTarget, scaling: bool) -> String {
    match (t.owners.first(), t.owners.last()) {
        (Some(_), Some(top)) if scaling => format!("{} {} will be scaled to zero: no replacement pod will start", top.kind, top.name),
        (Some(first), Some(top)) if first.kind == "ReplicaSet" => format!(
            "ReplicaSet {} ({} {}) will start a replacement pod from the same image: if the image or its configuration is the way in, the attacker comes back",
            first.name, top.kind, top.name
        ),
        (Some(first), _) => format!("{} {} will start a replacement pod from the same template", first.kind, first.name),
        _ => "no controller owns this pod: nothing will replace it".into(),
    }
}

/// The controller `kind` (Deployment, StatefulSet, ReplicaSet), for its `scale` subresource.
fn scale_api(conn: &Connection, ns: &str, kind: &str) -> Result<Api<DynamicObject>> {
    let plural = preflight::scale_plural(kind)
        .ok_or_else(|| Error::input(Code::InvalidArgument, format!("a {} has no replica count to scale", kind)))?;
    let ar = kube::api::ApiResource {
        group: "apps".into(),
        version: "v1".into(),
        api_version: "apps/v1".into(),
        kind: kind.into(),
        plural: plural.into(),
    };
    Ok(Api::namespaced_with(conn.client.clone(), ns, &ar))
}

/// `action_id`: from `record::next_id`.
pub async fn prepare(conn: &Connection, req: &TerminateRequest, action_id: &str) -> Result<PreparedTermination> {
    let t = target::look_up(conn, &req.pod, req.accept_uid.as_deref()).await?;
    let kind = if req.scale_owner_to_zero { ActionKind::TerminateAndScale } else { ActionKind::Terminate };
    let pf = preflight::run(conn, kind, &t).await?;
    if !pf.ok {
        return Err(Error::input(Code::Forbidden, format!("cannot terminate {}: missing permission: {}", t.label(), pf.missing.join("; "))));
    }
    let mut scale = None;
    if req.scale_owner_to_zero {
        let (kind, _, name) = preflight::scalable_owner(&t)
            .ok_or_else(|| Error::input(Code::InvalidArgument, format!("pod {} has no Deployment, StatefulSet or ReplicaSet to scale to zero", t.label())))?;
        let api = scale_api(conn, &t.namespace, kind)?;
        let s = api.get_scale(name).await.map_err(|e| cluster_error(&format!("reading the scale of {} {}", kind, name), e))?;
        api.patch_scale(name, &PatchParams { dry_run: true, ..Default::default() }, &Patch::Merge(json!({"spec": {"replicas": 0}})))
            .await
            .map_err(|e| cluster_error(&format!("dry run: scaling {} {} to zero", kind, name), e))?;
        scale = Some((kind.to_string(), name.to_string(), s.spec.and_then(|s| s.replicas).unwrap_or(0)));
    }
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &t.namespace);
    let dp = DeleteParams {
        dry_run: true,
        grace_period_seconds: req.grace_period_seconds.map(|g| g as u32),
        preconditions: Some(Preconditions { uid: Some(t.uid.clone()), resource_version: None }),
        ..Default::default()
    };
    pods.delete(&t.name, &dp).await.map_err(|e| cluster_error(&format!("dry run: deleting pod {}", t.label()), e))?;
    let dry_run = json!({"delete": {"pod": t.label(), "uid": t.uid, "grace_period_seconds": req.grace_period_seconds}, "scale": scale.as_ref().map(|(k, n, r)| json!({"owner": format!("{} {}", k, n), "from": r, "to": 0}))});
    Ok(PreparedTermination {
        connection: conn.info(),
        controller_note: controller_note(&t, req.scale_owner_to_zero),
        action_id: action_id.to_string(),
        preflight: pf,
        target: t,
        scale,
        dry_run,
    })
}

/// The evidence files, read before anything changes.
async fn capture(conn: &Connection, t: &LiveTarget) -> Result<(Vec<(String, Vec<u8>)>, Vec<String>)> {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    files.push(("pod.json".to_string(), serde_json::to_vec_pretty(&t.pod).unwrap_or_default()));
    let events: Api<Event> = Api::namespaced(conn.client.clone(), &t.namespace);
    match events.list(&ListParams::default().fields(&format!("involvedObject.uid={}", t.uid))).await {
        Ok(list) => files.push(("events.json".into(), serde_json::to_vec_pretty(&list.items).unwrap_or_default())),
        Err(e) => notes.push(format!("events: {}", cluster_error("listing the pod's events", e))),
    }
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &t.namespace);
    for c in &t.containers {
        for previous in [false, true] {
            let name = if previous { format!("logs/{}.previous.log", c) } else { format!("logs/{}.log", c) };
            match super::pod_logs::read(&pods, &t.name, c, previous).await {
                Ok(text) => files.push((name, text.into_bytes())),
                // No previous instance is the usual case, not an error.
                Err(e) if previous => notes.push(format!("{}: none ({})", name, super::errors::api_status(&e).map(|s| s.2).unwrap_or_else(|| e.to_string()))),
                Err(e) => notes.push(format!("{}: {}", name, cluster_error("reading logs", e))),
            }
        }
    }
    files.push(("owners.json".into(), serde_json::to_vec_pretty(&t.owners).unwrap_or_default()));
    Ok((files, notes))
}

pub async fn terminate(conn: &Connection, access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, req: &TerminateRequest, p: &PreparedTermination) -> Result<ActionRow> {
    let t = &p.target;
    let id = p.action_id.clone();
    let begin = NewAction {
        id: &id,
        incident: req.incident,
        kind: "terminate",
        state: "capturing",
        cluster_user: &p.connection.identity.username,
        context: &p.connection.context.name,
        server: &p.connection.context.server,
        namespace: &t.namespace,
        pod: &t.name,
        pod_uid: &t.uid,
        reason: &req.reason,
        details: record::with_playbook(json!({"preflight": p.preflight, "dry_run": p.dry_run, "controller": p.controller_note, "grace_period_seconds": req.grace_period_seconds}), req.playbook.as_ref()),
    };
    with_case(access, |case| record::begin(case, clock, actor, &begin))?;
    let (files, notes) = capture(conn, t).await?;
    let captured = with_case(access, |case| record::store_captures(case, clock, actor, &id, &files))?;
    with_case(access, |case| record::update(case, clock, actor, &id, "applying", json!({"captured": captured, "capture_notes": notes})))?;

    let fail = |e: Error, state: &'static str| {
        let d = json!({"error": {"code": e.code().as_str(), "message": e.to_string()}});
        let _ = with_case(access, |case| record::update(case, clock, actor, &id, state, d));
        e
    };
    let mut details = json!({});
    if let Some((kind, name, replicas)) = &p.scale {
        let api = scale_api(conn, &t.namespace, kind).map_err(|e| fail(e, "failed"))?;
        api.patch_scale(name, &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 0}})))
            .await
            .map_err(|e| fail(cluster_error(&format!("scaling {} {} to zero", kind, name), e), "failed"))?;
        details["scaled"] = json!({"kind": kind, "name": name, "previous_replicas": replicas});
    }
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &t.namespace);
    let dp = DeleteParams {
        grace_period_seconds: req.grace_period_seconds.map(|g| g as u32),
        preconditions: Some(Preconditions { uid: Some(t.uid.clone()), resource_version: None }),
        ..Default::default()
    };
    if let Err(e) = pods.delete(&t.name, &dp).await {
        let state = if super::errors::outcome_unknown(&e) { "unknown" } else { "failed" };
        let err = if is_not_found(&e) {
            Error::input(Code::NotFound, format!("pod {} was already gone", t.label()))
        } else if super::errors::is_conflict(&e) {
            Error::input(Code::TargetChanged, format!("pod {} is no longer UID {}: nothing deleted", t.label(), t.uid))
        } else {
            cluster_error(&format!("deleting pod {}", t.label()), e)
        };
        if !details.as_object().is_none_or(|o| o.is_empty()) {
            let _ = with_case(access, |case| record::update(case, clock, actor, &id, state, details.clone()));
        }
        return Err(fail(err, state));
    }
    // Wait until the pod with this UID is gone.
    let deadline = std::time::Instant::now() + req.wait;
    let gone = loop {
        match pods.get_opt(&t.name).await {
            Ok(None) => break true,
            Ok(Some(p)) if p.metadata.uid.as_deref() != Some(t.uid.as_str()) => break true,
            Ok(Some(_)) | Err(_) if std::time::Instant::now() >= deadline => break false,
            _ => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    };
    details["deleted"] = json!({"pod": t.label(), "uid": t.uid, "gone": gone, "grace_period_seconds": req.grace_period_seconds});
    details["controller"] = json!(p.controller_note);
    let state = if gone { "applied" } else { "terminating" };
    with_case(access, |case| record::update(case, clock, actor, &id, state, details))
}

/// Puts a scaled-to-zero owner back to its recorded replica count.
pub async fn restore(conn: &Connection, access: &dyn CaseAccess, clock: &dyn Clock, actor: &str, id: &str) -> Result<ActionRow> {
    let row = with_case(access, |case| record::get(case, id))?;
    let scaled = &row.details["scaled"];
    let (Some(kind), Some(name), Some(replicas)) = (scaled["kind"].as_str(), scaled["name"].as_str(), scaled["previous_replicas"].as_i64()) else {
        return Err(Error::input(Code::InvalidArgument, format!("{} scaled nothing: there is nothing to restore", id)));
    };
    scale_api(conn, &row.namespace, kind)?
        .patch_scale(name, &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": replicas}})))
        .await
        .map_err(|e| cluster_error(&format!("scaling {} {} back to {}", kind, name, replicas), e))?;
    with_case(access, |case| record::update(case, clock, actor, id, "restored", json!({"restored": {"kind": kind, "name": name, "replicas": replicas}})))
}
