//! Subresources with their own shapes: `pods/log` (plain text from
//! `Server::set_logs`), `pods/eviction`, and `scale` of Deployments,
//! ReplicaSets and StatefulSets (an autoscaling/v1 Scale view of the owner).

use serde_json::{json, Value};

use crate::crud::{self, Call, Part, PatchKind};
use crate::meta;
use crate::state::State;
use crate::status::{ApiError, ApiResult, Reply};

/// The container a log request means, resolved as the real server does.
fn log_container(pod: &Value, pod_name: &str, asked: Option<&str>) -> ApiResult<String> {
    let names_in = |field: &str| -> Vec<String> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| meta::str_at(c, "/name").to_string()).collect())
            .unwrap_or_default()
    };
    let containers = names_in("containers");
    let mut all = names_in("initContainers");
    all.extend(containers.iter().cloned());
    all.extend(names_in("ephemeralContainers"));
    match asked.filter(|c| !c.is_empty()) {
        Some(c) if all.iter().any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!("container {c} is not valid for pod {pod_name}"))),
        None => match containers.len() {
            1 => Ok(containers[0].clone()),
            0 => Err(ApiError::bad_request(format!("a container name must be specified for pod {pod_name}"))),
            _ => Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                all.join(" ")
            ))),
        },
    }
}

fn bool_param(call: &Call, key: &str) -> ApiResult<bool> {
    match call.req.param(key) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(v) => Err(ApiError::bad_request(format!("{key}: invalid value {v:?}"))),
    }
}

fn int_param(call: &Call, key: &str) -> ApiResult<Option<i64>> {
    call.req
        .param(key)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<i64>().map_err(|_| ApiError::bad_request(format!("{key}: invalid value {v:?}"))))
        .transpose()
}

/// GET pods/{name}/log
pub(crate) fn log(state: &State, call: &Call) -> ApiResult<Reply> {
    let pod = crud::current(state, call)?;
    let container = log_container(&pod, call.name, call.req.param("container"))?;
    let previous = bool_param(call, "previous")?;
    let tail = int_param(call, "tailLines")?;
    let limit = int_param(call, "limitBytes")?;
    if let Some(n) = limit.filter(|n| *n < 1) {
        return Err(ApiError::unprocessable(format!(
            "PodLogOptions \"{}\" is invalid: limitBytes: Invalid value: {n}: must be greater than 0",
            call.name
        )));
    }
    if let Some(n) = tail.filter(|n| *n < 0) {
        return Err(ApiError::unprocessable(format!(
            "PodLogOptions \"{}\" is invalid: tailLines: Invalid value: {n}: must be greater than or equal to 0",
            call.name
        )));
    }
    let key = (call.namespace.to_string(), call.name.to_string(), container.clone(), previous);
    let text = match state.logs.get(&key) {
        Some(t) => t.clone(),
        None if previous => {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{}\" not found",
                call.name
            )))
        }
        None => String::new(),
    };
    let mut text = match tail {
        Some(n) => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            lines[lines.len().saturating_sub(n as usize)..].concat()
        }
        None => text,
    };
    if let Some(n) = limit {
        let mut cut = (n as usize).min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Ok(Reply::text(200, text))
}

/// POST pods/{name}/eviction: deletes the pod (no PodDisruptionBudgets here).
pub(crate) fn evict(state: &mut State, call: &Call) -> ApiResult<Reply> {
    let body = crud::parse_body(call.req)?;
    let body_dry = body
        .pointer("/deleteOptions/dryRun")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v == "All"));
    crud::current(state, call)?;
    let dry = call.dry_run || body_dry;
    if !dry {
        state.store.remove(call.res, call.namespace, call.name);
        state.store.next_revision();
    }
    Ok(Reply::json(201, &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})))
}

/// The autoscaling/v1 Scale view of a scalable object.
fn scale_of(owner: &Value) -> Value {
    let mut metadata = serde_json::Map::new();
    for f in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(v) = owner.pointer(&format!("/metadata/{f}")) {
            metadata.insert(f.into(), v.clone());
        }
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": owner.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": owner.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            "selector": crud::selector_string(owner.pointer("/spec/selector")),
        },
    })
}

pub(crate) fn get_scale(state: &State, call: &Call) -> ApiResult<Reply> {
    Ok(Reply::json(200, &scale_of(&crud::current(state, call)?)))
}

/// PUT or PATCH of `scale`: the new Scale's spec.replicas goes to the owner.
pub(crate) fn write_scale(state: &mut State, call: &Call, patch: Option<PatchKind>) -> ApiResult<Reply> {
    let owner = crud::current(state, call)?;
    let scale = scale_of(&owner);
    let body = crud::parse_body(call.req)?;
    let wanted = match patch {
        Some(kind) => crud::apply_patch(kind, &scale, &body)?,
        None => body,
    };
    if meta::name(&wanted) != call.name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({})",
            meta::name(&wanted),
            call.name
        )));
    }
    crud::check_preconditions(call, &owner, &wanted)?;
    let replicas = match wanted.pointer("/spec/replicas") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or_else(|| ApiError::bad_request(format!("spec.replicas: invalid value {v}")))?,
    };
    if replicas < 0 {
        return Err(ApiError::unprocessable(format!(
            "Scale.autoscaling \"{}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0",
            call.name
        )));
    }
    let mut next = owner.clone();
    if !next.get("spec").is_some_and(Value::is_object) {
        next["spec"] = json!({});
    }
    next["spec"]["replicas"] = json!(replicas);
    let stored = crud::commit_update(state, call, &owner, next, Part::Main)?;
    Ok(Reply::json(200, &scale_of(&stored)))
}
