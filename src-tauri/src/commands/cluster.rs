//! Containment commands: contexts, prepare (look up, preflight, dry run,
//! preview — nothing changes), then apply exactly what was prepared after
//! the investigator confirmed it; release, terminate, and the incident's
//! actions. A prepared action waits in the state with its connection, so
//! the confirmation applies the very plan the investigator read.

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, OpenCase, Pending};
use kordon::cluster::isolate::{self, with_case, IsolateRequest};
use kordon::cluster::record::{self, ActionRow};
use kordon::cluster::terminate::{self, TerminateRequest};
use kordon::cluster::{self, kubeconfig, ConnectOptions, ContextInfo, PodRef};
use kordon::error::Code;
use kordon::incident::{self, external::{self, IncidentActions}};
use kordon::playbook::{gate, Action};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use tauri::State;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Connect {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
    pub trust_exec: bool,
}

impl Connect {
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions { kubeconfig: self.kubeconfig.as_ref().map(PathBuf::from), context: self.context.clone(), trust_exec: self.trust_exec }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionRequest {
    pub incident: String,
    /// `namespace/name`
    pub pod: String,
    pub reason: String,
    pub kind: String,
    #[serde(default)]
    pub accept_uid: Option<String>,
    #[serde(default)]
    pub grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub scale_owner_to_zero: bool,
    #[serde(default)]
    pub connect: Connect,
    /// What the investigator brings to the playbook's rule.
    #[serde(default)]
    pub approvals: gate::Approvals,
}

impl ActionRequest {
    fn action(&self) -> ApiResult<Action> {
        match self.kind.as_str() {
            "isolate" => Ok(Action::Isolate),
            "terminate" => Ok(Action::of_termination(self.scale_owner_to_zero)),
            other => Err(ApiError::new(Code::InvalidArgument, format!("unknown action '{}' (isolate or terminate)", other))),
        }
    }
}

#[derive(Serialize)]
pub struct Contexts {
    files: Vec<String>,
    contexts: Vec<ContextInfo>,
}

#[tauri::command]
pub fn cluster_contexts(kubeconfig: Option<String>) -> ApiResult<Contexts> {
    let (kc, files) = kubeconfig::load(kubeconfig.as_deref().map(std::path::Path::new))?;
    Ok(Contexts { contexts: kubeconfig::contexts(&kc, &files), files: files.iter().map(|f| f.display().to_string()).collect() })
}

/// Everything the confirmation dialog shows.
#[derive(Serialize)]
pub struct Preview {
    action_id: String,
    kind: String,
    connection: cluster::connect::ConnectionInfo,
    target: cluster::LiveTarget,
    preflight: cluster::preflight::Preflight,
    /// YAML of the exact change (isolation) or the deletion's parameters.
    preview: String,
    /// What happens next (termination).
    controller_note: Option<String>,
    /// The playbook's rule, its requirements and the approvals given.
    playbook: gate::Gate,
}

/// The preview's common part; the change and what follows are the action's.
fn preview(id: &str, kind: &str, connection: &cluster::connect::ConnectionInfo, target: &cluster::LiveTarget, preflight: &cluster::preflight::Preflight, playbook: gate::Gate) -> Preview {
    Preview {
        action_id: id.to_string(),
        kind: kind.to_string(),
        connection: connection.clone(),
        target: target.clone(),
        preflight: preflight.clone(),
        preview: String::new(),
        controller_note: None,
        playbook,
    }
}

fn pod_ref(state: &AppState, req: &ActionRequest) -> ApiResult<(i64, PodRef)> {
    let mut pod = PodRef::parse(&req.pod, None)?;
    let inc = state.with_case(|case| {
        let id = incident::resolve(case, &req.incident)?;
        pod.uid = kordon::app::views::pod_uid(case, &pod.label())?;
        Ok(id)
    })?;
    Ok((inc, pod))
}

/// What the playbook's rule asks before this action on this pod, with the
/// approvals given so far: the dialog shows it before anything contacts
/// the cluster, and again as the investigator fills the approvals in.
#[tauri::command(async)]
pub fn containment_gate(state: State<'_, AppState>, request: ActionRequest) -> ApiResult<gate::Gate> {
    Ok(gate_for(&state, &request)?.3)
}

/// The incident, the pod, the action and what the playbook requires of it,
/// with the approvals the request brings.
fn gate_for(state: &AppState, request: &ActionRequest) -> ApiResult<(i64, PodRef, Action, gate::Gate)> {
    let action = request.action()?;
    let (inc, pod) = pod_ref(state, request)?;
    let gate = state.with_case(|case| gate::check(case, inc, &pod.label(), action, &state.actor(), request.approvals.clone()))?;
    Ok((inc, pod, action, gate))
}

#[tauri::command]
pub async fn cluster_prepare(state: State<'_, AppState>, request: ActionRequest) -> ApiResult<Preview> {
    if request.reason.trim().is_empty() {
        return Err(ApiError::new(Code::InvalidArgument, "a cluster action needs a reason"));
    }
    // The playbook is enforced before the cluster is contacted.
    let (inc, pod, action, gate) = gate_for(&state, &request)?;
    gate.enforce()?;
    let recorded = serde_json::to_value(&gate).ok();
    let conn = cluster::connect(&request.connect.options()).await?;
    let id = state.with_case(|case| record::next_id(case, state.clock.now_ns(), &request.kind, &pod.label()))?;
    let preview = if action == Action::Isolate {
        let req = IsolateRequest { incident: Some(inc), pod, reason: request.reason.clone(), accept_uid: request.accept_uid.clone(), playbook: recorded };
        let p = isolate::prepare(&conn, &req, &id).await?;
        let out = Preview { preview: p.plan.preview.clone(), ..preview(&id, &request.kind, &p.connection, &p.target, &p.preflight, gate) };
        state.pending(id, Pending::Isolate(conn, req, Box::new(p)))?;
        out
    } else {
        let req = TerminateRequest {
            incident: Some(inc),
            pod,
            reason: request.reason.clone(),
            accept_uid: request.accept_uid.clone(),
            grace_period_seconds: request.grace_period_seconds,
            scale_owner_to_zero: request.scale_owner_to_zero,
            wait: Duration::from_secs(60),
            playbook: recorded,
        };
        let p = terminate::prepare(&conn, &req, &id).await?;
        let yaml = serde_yaml_ng::to_string(&p.dry_run).unwrap_or_default();
        let out = Preview { preview: yaml, controller_note: Some(p.controller_note.clone()), ..preview(&id, &request.kind, &p.connection, &p.target, &p.preflight, gate) };
        state.pending(id, Pending::Terminate(conn, req, Box::new(p)))?;
        out
    };
    Ok(preview)
}

/// Applies a prepared action. `confirm`: "yes" for isolation, the pod's name for a termination.
#[tauri::command]
pub async fn cluster_apply(state: State<'_, AppState>, action_id: String, confirm: String) -> ApiResult<ActionRow> {
    let pending = state.take_pending(&action_id)?;
    let actor = state.actor();
    let access = OpenCase(&state.case);
    let row = match pending {
        Pending::Isolate(conn, req, p) => {
            if confirm != "yes" {
                return Err(ApiError::new(Code::Cancelled, "not confirmed: nothing done"));
            }
            isolate::isolate(&conn, &access, state.clock.as_ref(), &actor, &req, &p).await?
        }
        Pending::Terminate(conn, req, p) => {
            if confirm != p.target.name {
                return Err(ApiError::new(Code::Cancelled, format!("the name typed is not {}: nothing done", p.target.name)));
            }
            terminate::terminate(&conn, &access, state.clock.as_ref(), &actor, &req, &p).await?
        }
    };
    Ok(row)
}

#[tauri::command]
pub async fn cluster_release(state: State<'_, AppState>, action_id: String, reason: String, connect: Connect) -> ApiResult<ActionRow> {
    let access = OpenCase(&state.case);
    let row = with_case(&access, |case| record::get(case, &action_id))?;
    let mut opts = connect.options();
    opts.context = opts.context.or(Some(row.context.clone()));
    let conn = cluster::connect(&opts).await?;
    if conn.context.server != row.server {
        return Err(ApiError::new(Code::InvalidArgument, format!("{} was done on {}, not {}", row.id, row.server, conn.context.server)));
    }
    Ok(isolate::release(&conn, &access, state.clock.as_ref(), &state.actor(), &action_id, &reason).await?)
}

#[tauri::command(async)]
pub fn incident_actions(state: State<'_, AppState>, id: String) -> ApiResult<IncidentActions> {
    state.with_case(|case| external::of_incident(case, incident::resolve(case, &id)?))
}
