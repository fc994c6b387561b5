//! The verbs on a resource itself: get, list, create, update (PUT), patch,
//! delete and deletecollection, with the registry's bookkeeping (uid,
//! resourceVersion, generation, finalizers) and its checks (preconditions,
//! optimistic concurrency, AlreadyExists, dry run).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::gate::Incoming;
use crate::ids::{now_rfc3339, rfc3339_at_offset};
use crate::meta;
use crate::patch;
use crate::resources::Resource;
use crate::selectors;
use crate::state::State;
use crate::status::{ApiError, ApiResult, Reply};
use crate::store::Key;
use crate::validation;

/// One resolved request against a resource.
pub(crate) struct Call<'a> {
    pub res: &'a Resource,
    /// Empty for cluster-scoped resources and all-namespace lists.
    pub namespace: &'a str,
    /// Empty for collection requests.
    pub name: &'a str,
    pub req: &'a Incoming,
    pub dry_run: bool,
}

/// Which part of the object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Main,
    Status,
}

pub(crate) fn parse_body(req: &Incoming) -> ApiResult<Value> {
    let v: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("the request body could not be decoded as JSON: {e}")))?;
    Ok(v)
}

fn parse_object(req: &Incoming) -> ApiResult<Value> {
    let v = parse_body(req)?;
    if !v.is_object() {
        return Err(ApiError::bad_request("the request body must be a JSON object"));
    }
    Ok(v)
}

/// Checks `apiVersion`/`kind` of a body against the endpoint, filling them if absent.
fn check_type(res: &Resource, obj: &mut Value) -> ApiResult<()> {
    let api_version = res.api_version();
    let given = meta::str_at(obj, "/apiVersion");
    if !given.is_empty() && given != api_version {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({given}) does not match the expected API version ({api_version})"
        )));
    }
    let kind = meta::str_at(obj, "/kind");
    if !kind.is_empty() && kind != res.kind {
        return Err(ApiError::bad_request(format!("the kind in the data ({kind}) does not match the expected kind ({})", res.kind)));
    }
    obj["apiVersion"] = json!(api_version);
    obj["kind"] = json!(res.kind);
    Ok(())
}

/// The object as served by a get: with its type fields.
fn typed(res: &Resource, obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.entry("apiVersion").or_insert_with(|| json!(res.api_version()));
        m.entry("kind").or_insert_with(|| json!(res.kind));
    }
    v
}

/// Whether the client asked for metadata only (`Accept: …;as=PartialObjectMetadata…`).
fn wants_metadata_only(req: &Incoming) -> bool {
    req.accept.as_deref().is_some_and(|a| a.contains("as=PartialObjectMetadata"))
}

fn partial(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({}))})
}

pub(crate) fn get(state: &State, call: &Call) -> ApiResult<Reply> {
    let obj = state
        .store
        .get(call.res, call.namespace, call.name)
        .ok_or_else(|| ApiError::not_found(call.res, call.name))?;
    if wants_metadata_only(call.req) {
        return Ok(Reply::json(200, &partial(obj)));
    }
    Ok(Reply::json(200, &typed(call.res, obj)))
}

fn decode_continue(token: &str) -> ApiResult<(u64, String, String)> {
    let bad = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).map_err(|_| bad("not base64"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("not JSON"))?;
    if v.get("v").and_then(Value::as_str) != Some("kordon.test/v1") {
        return Err(bad("unknown version"));
    }
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(|| bad("no resourceVersion"))?;
    let ns = v.pointer("/start/0").and_then(Value::as_str).ok_or_else(|| bad("no start key"))?;
    let name = v.pointer("/start/1").and_then(Value::as_str).ok_or_else(|| bad("no start key"))?;
    Ok((rv, ns.to_string(), name.to_string()))
}

fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"v": "kordon.test/v1", "rv": rv, "start": [ns, name]}).to_string())
}

/// Objects of `call`'s collection that pass its label and field selectors.
fn select<'s>(state: &'s State, call: &Call) -> ApiResult<(Vec<(&'s Key, &'s Value)>, bool)> {
    let labels = selectors::parse_labels(call.req.param("labelSelector").unwrap_or("")).map_err(ApiError::bad_request)?;
    let fields = selectors::parse_fields(call.req.param("fieldSelector").unwrap_or("")).map_err(ApiError::bad_request)?;
    selectors::check_fields(call.res, &fields).map_err(ApiError::bad_request)?;
    let ns = if call.namespace.is_empty() { None } else { Some(call.namespace) };
    let items = state
        .store
        .list(call.res, ns)
        .into_iter()
        .filter(|(_, o)| selectors::labels_match(&labels, &meta::string_map(o, "/metadata/labels")))
        .filter(|(_, o)| selectors::fields_match(call.res, &fields, o))
        .collect();
    Ok((items, !labels.is_empty() || !fields.is_empty()))
}

fn list_of(res: &Resource, items: Vec<Value>, metadata: Map<String, Value>) -> Value {
    json!({
        "kind": format!("{}List", res.kind),
        "apiVersion": res.api_version(),
        "metadata": metadata,
        "items": items,
    })
}

/// A list item as a real server sends it: without apiVersion/kind.
fn list_item(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    v
}

pub(crate) fn list(state: &State, call: &Call) -> ApiResult<Reply> {
    let limit = match call.req.param("limit") {
        None | Some("") => None,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => None,
            Err(_) => return Err(ApiError::bad_request(format!("limit: invalid value {s:?}: must be an integer"))),
        },
    };
    let page = limit.map(|l| state.page_cap.map_or(l, |cap| l.min(cap.max(1))));
    let (mut rv, after) = (state.store.revision(), None::<(String, String)>);
    let mut after = after;
    if let Some(token) = call.req.param("continue").filter(|t| !t.is_empty()) {
        let (token_rv, ns, name) = decode_continue(token)?;
        rv = token_rv;
        after = Some((ns, name));
    }
    let (matching, filtered) = select(state, call)?;
    let remaining: Vec<_> = matching
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|(ns, name)| (&k.2, &k.3) > (ns, name)))
        .collect();
    let take = page.unwrap_or(usize::MAX).min(remaining.len());
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!(rv.to_string()));
    if take < remaining.len() {
        let (last, _) = remaining[take - 1];
        metadata.insert("continue".into(), json!(encode_continue(rv, &last.2, &last.3)));
        if !filtered {
            // Like the real server: only known without selectors.
            metadata.insert("remainingItemCount".into(), json!(remaining.len() - take));
        }
    }
    if wants_metadata_only(call.req) {
        let items: Vec<Value> = remaining[..take].iter().map(|(_, o)| partial(o)).collect();
        let list = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "items": items});
        return Ok(Reply::json(200, &list));
    }
    let items = remaining[..take].iter().map(|(_, o)| list_item(o)).collect();
    Ok(Reply::json(200, &list_of(call.res, items, metadata)))
}

/// The `dryRun` query parameter: `All` or absent.
pub(crate) fn dry_run(req: &Incoming) -> ApiResult<bool> {
    let mut dry = false;
    for v in req.params("dryRun") {
        if v != "All" {
            return Err(ApiError::bad_request(format!("dryRun: Unsupported value: \"{v}\": supported values: \"All\"")));
        }
        dry = true;
    }
    Ok(dry)
}

/// Stores a new object, as POST and server-side apply of a missing object do.
pub(crate) fn insert_new(state: &mut State, call: &Call, mut obj: Value) -> ApiResult<Value> {
    let res = call.res;
    check_type(res, &mut obj)?;
    if res.namespaced {
        let given = meta::namespace(&obj);
        if !given.is_empty() && given != call.namespace {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        meta::set(&mut obj, "namespace", Some(json!(call.namespace)));
    } else {
        meta::set(&mut obj, "namespace", None);
    }
    if meta::name(&obj).is_empty() {
        let prefix = meta::str_at(&obj, "/metadata/generateName").to_string();
        if prefix.is_empty() {
            return Err(ApiError::invalid(res, "", "metadata.name", "FieldValueRequired", "name or generateName is required"));
        }
        let name = loop {
            let candidate = format!("{prefix}{}", state.store.ids.name_suffix());
            if state.store.get(res, call.namespace, &candidate).is_none() {
                break candidate;
            }
        };
        meta::set(&mut obj, "name", Some(json!(name)));
    }
    let name = meta::name(&obj).to_string();
    if res.namespaced {
        ensure_namespace_exists(state, call.namespace)?;
    }
    validation::validate_object(res, &obj)?;
    if state.store.get(res, call.namespace, &name).is_some() {
        return Err(ApiError::already_exists(res, &name));
    }
    let uid = state.store.ids.uid();
    meta::set(&mut obj, "uid", Some(json!(uid)));
    meta::set(&mut obj, "creationTimestamp", Some(json!(now_rfc3339())));
    meta::set(&mut obj, "resourceVersion", None);
    meta::set(&mut obj, "deletionTimestamp", None);
    meta::set(&mut obj, "deletionGracePeriodSeconds", None);
    if obj.get("spec").is_some() {
        meta::set(&mut obj, "generation", Some(json!(1)));
    }
    reset_status_on_create(res, &mut obj, &name);
    if call.dry_run {
        return Ok(obj);
    }
    let rv = state.store.next_revision();
    meta::set(&mut obj, "resourceVersion", Some(json!(rv.to_string())));
    state.store.insert(res, obj.clone());
    Ok(obj)
}

/// What the registry's create strategies do with `status` and defaults: a
/// client cannot create an object with a status of its choosing.
fn reset_status_on_create(res: &Resource, obj: &mut Value, name: &str) {
    let Some(m) = obj.as_object_mut() else { return };
    match (res.group.as_str(), res.plural.as_str()) {
        ("", "nodes") => {}
        ("", "pods") => {
            m.insert("status".into(), json!({"phase": "Pending"}));
        }
        ("", "namespaces") => {
            m.insert("status".into(), json!({"phase": "Active"}));
            let spec = m.entry("spec").or_insert_with(|| json!({}));
            if spec.get("finalizers").is_none() {
                if let Some(spec) = spec.as_object_mut() {
                    spec.insert("finalizers".into(), json!(["kubernetes"]));
                }
            }
            if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                let labels = meta.entry("labels").or_insert_with(|| json!({}));
                if let Some(labels) = labels.as_object_mut() {
                    labels.insert("kubernetes.io/metadata.name".into(), json!(name));
                }
            }
        }
        _ if res.has_status => {
            m.insert("status".into(), json!({}));
        }
        _ => {}
    }
}

/// NamespaceLifecycle admission: objects cannot be created in a namespace
/// that does not exist. A cluster that holds no Namespace objects at all
/// (e.g. seeded with pods only) is treated as having every namespace.
fn ensure_namespace_exists(state: &State, namespace: &str) -> ApiResult<()> {
    let Some(ns_res) = state.store.resolve("", "v1", "namespaces") else { return Ok(()) };
    let all = state.store.list(&ns_res, None);
    if all.is_empty() || all.iter().any(|(k, _)| k.3 == namespace) {
        Ok(())
    } else {
        Err(ApiError::not_found(&ns_res, namespace))
    }
}

pub(crate) fn create(state: &mut State, call: &Call) -> ApiResult<Reply> {
    let obj = parse_object(call.req)?;
    let created = insert_new(state, call, obj)?;
    Ok(Reply::json(201, &created))
}

/// Fails like the storage layer when `proposed` carries a uid or
/// resourceVersion other than the stored object's.
pub(crate) fn check_preconditions(call: &Call, current: &Value, proposed: &Value) -> ApiResult<()> {
    let (want_uid, have_uid) = (meta::uid(proposed), meta::uid(current));
    if !want_uid.is_empty() && want_uid != have_uid {
        return Err(ApiError::precondition_failed(call.res, call.namespace, call.name, "UID", want_uid, have_uid));
    }
    let want_rv = meta::resource_version(proposed);
    if !want_rv.is_empty() && want_rv != meta::resource_version(current) {
        return Err(ApiError::stale_resource_version(call.res, call.name));
    }
    Ok(())
}

/// The URL names the object; the body may not name another.
fn check_identity(call: &Call, obj: &Value) -> ApiResult<()> {
    let name = meta::name(obj);
    if name != call.name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            call.name
        )));
    }
    let ns = meta::namespace(obj);
    if call.res.namespaced && !ns.is_empty() && ns != call.namespace {
        return Err(ApiError::bad_request(format!(
            "the namespace of the object ({ns}) does not match the namespace on the request ({})",
            call.namespace
        )));
    }
    Ok(())
}

/// Writes `proposed` over `current` as the registry would: system fields are
/// kept, the part not being written is kept, generation follows spec
/// changes, a no-op writes nothing, and an object being deleted goes away
/// once its last finalizer is removed. Returns the object as stored.
pub(crate) fn commit_update(state: &mut State, call: &Call, current: &Value, proposed: Value, part: Part) -> ApiResult<Value> {
    let res = call.res;
    let mut next = match part {
        Part::Main => proposed,
        Part::Status => {
            let mut v = current.clone();
            match proposed.get("status") {
                Some(s) => v["status"] = s.clone(),
                None => {
                    if let Some(m) = v.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            v
        }
    };
    if let Some(m) = next.as_object_mut() {
        m.insert("apiVersion".into(), current.get("apiVersion").cloned().unwrap_or_else(|| json!(res.api_version())));
        m.insert("kind".into(), json!(res.kind));
        if part == Part::Main && res.has_status {
            match current.get("status") {
                Some(s) => m.insert("status".into(), s.clone()),
                None => m.remove("status"),
            };
        }
    }
    for field in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion"] {
        meta::set(&mut next, field, current.pointer(&format!("/metadata/{field}")).cloned());
    }
    if part == Part::Main && next.get("spec") != current.get("spec") && (next.get("spec").is_some() || current.get("spec").is_some()) {
        let generation = current.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        meta::set(&mut next, "generation", Some(json!(generation + 1)));
    }
    if &next == current {
        return Ok(next);
    }
    validation::validate_object(res, &next)?;
    if part == Part::Main {
        validation::validate_update(res, current, &next)?;
    }
    if call.dry_run {
        return Ok(next);
    }
    let rv = state.store.next_revision();
    meta::set(&mut next, "resourceVersion", Some(json!(rv.to_string())));
    let deleting = !meta::str_at(&next, "/metadata/deletionTimestamp").is_empty();
    if deleting && meta::finalizers(&next) == 0 {
        state.store.remove(res, call.namespace, call.name);
    } else {
        state.store.insert(res, next.clone());
    }
    Ok(next)
}

pub(crate) fn current(state: &State, call: &Call) -> ApiResult<Value> {
    state
        .store
        .get(call.res, call.namespace, call.name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(call.res, call.name))
}

pub(crate) fn update(state: &mut State, call: &Call, part: Part) -> ApiResult<Reply> {
    let mut proposed = parse_object(call.req)?;
    check_type(call.res, &mut proposed)?;
    check_identity(call, &proposed)?;
    let current = current(state, call)?;
    check_preconditions(call, &current, &proposed)?;
    let stored = commit_update(state, call, &current, proposed, part)?;
    Ok(Reply::json(200, &stored))
}

/// The PATCH body formats, by content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchKind {
    Merge,
    Strategic,
    Json,
    Apply,
}

pub(crate) fn patch_kind(res: &Resource, req: &Incoming) -> ApiResult<PatchKind> {
    match req.content_type.as_deref() {
        Some("application/merge-patch+json") => Ok(PatchKind::Merge),
        Some("application/strategic-merge-patch+json") if !res.custom => Ok(PatchKind::Strategic),
        Some("application/json-patch+json") => Ok(PatchKind::Json),
        Some("application/apply-patch+yaml") => Ok(PatchKind::Apply),
        _ => Err(ApiError::unsupported_media_type()),
    }
}

/// Applies a PATCH body of `kind` to `target`.
pub(crate) fn apply_patch(kind: PatchKind, target: &Value, body: &Value) -> ApiResult<Value> {
    match kind {
        PatchKind::Merge => {
            let mut v = target.clone();
            patch::merge_patch(&mut v, body);
            Ok(v)
        }
        PatchKind::Strategic | PatchKind::Apply => {
            let mut v = target.clone();
            patch::strategic_merge(&mut v, body).map_err(ApiError::unprocessable)?;
            Ok(v)
        }
        PatchKind::Json => patch::json_patch(target, body).map_err(ApiError::unprocessable),
    }
}

pub(crate) fn patch(state: &mut State, call: &Call, part: Part) -> ApiResult<Reply> {
    let kind = patch_kind(call.res, call.req)?;
    let body = parse_body(call.req)?;
    if kind == PatchKind::Apply {
        if call.req.param("fieldManager").unwrap_or("").is_empty() {
            return Err(ApiError::unprocessable(
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            ));
        }
        if !body.is_object() {
            return Err(ApiError::bad_request("an apply patch must be a JSON object"));
        }
        if part == Part::Main && state.store.get(call.res, call.namespace, call.name).is_none() {
            check_identity(call, &body)?;
            let created = insert_new(state, call, body)?;
            return Ok(Reply::json(201, &created));
        }
    } else if kind != PatchKind::Json && !body.is_object() {
        return Err(ApiError::bad_request("a merge patch must be a JSON object"));
    }
    let current = current(state, call)?;
    let mut patched = apply_patch(kind, &current, &body)?;
    if !patched.is_object() {
        return Err(ApiError::bad_request("the patch replaced the object with a non-object"));
    }
    check_identity(call, &patched)?;
    check_preconditions(call, &current, &patched)?;
    check_type(call.res, &mut patched)?;
    let stored = commit_update(state, call, &current, patched, part)?;
    Ok(Reply::json(200, &stored))
}

/// DeleteOptions from the body and the query.
struct DeleteOptions {
    uid: Option<String>,
    resource_version: Option<String>,
    grace_period: Option<i64>,
    dry_run: bool,
}

fn delete_options(req: &Incoming) -> ApiResult<DeleteOptions> {
    let body = if req.body.iter().all(u8::is_ascii_whitespace) { json!({}) } else { parse_body(req)? };
    let s = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
    let mut grace_period = body.get("gracePeriodSeconds").and_then(Value::as_i64);
    if let Some(q) = req.param("gracePeriodSeconds") {
        grace_period = Some(q.parse().map_err(|_| ApiError::bad_request(format!("gracePeriodSeconds: invalid value {q:?}")))?);
    }
    let body_dry = match body.get("dryRun") {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) if a.iter().all(|v| v == "All") => !a.is_empty(),
        Some(other) => return Err(ApiError::bad_request(format!("dryRun: Unsupported value: {other}: supported values: \"All\""))),
    };
    Ok(DeleteOptions {
        uid: s("/preconditions/uid"),
        resource_version: s("/preconditions/resourceVersion"),
        grace_period,
        dry_run: body_dry || dry_run(req)?,
    })
}

/// Deletes one stored object; returns the body a real server answers with.
fn delete_one(state: &mut State, call: &Call, opts: &DeleteOptions) -> ApiResult<Value> {
    let res = call.res;
    let current = current(state, call)?;
    if let Some(uid) = opts.uid.as_deref() {
        if uid != meta::uid(&current) {
            return Err(ApiError::precondition_failed(res, call.namespace, call.name, "UID", uid, meta::uid(&current)));
        }
    }
    if let Some(rv) = opts.resource_version.as_deref() {
        if rv != meta::resource_version(&current) {
            return Err(ApiError::precondition_failed(res, call.namespace, call.name, "ResourceVersion", rv, meta::resource_version(&current)));
        }
    }
    let dry = opts.dry_run || call.dry_run;
    let call = Call { dry_run: dry, ..*call };
    if meta::finalizers(&current) > 0 {
        // Finalizers hold the object: it is only marked for deletion.
        let mut held = current.clone();
        if meta::str_at(&held, "/metadata/deletionTimestamp").is_empty() {
            meta::set(&mut held, "deletionTimestamp", Some(json!(now_rfc3339())));
            meta::set(&mut held, "deletionGracePeriodSeconds", Some(json!(0)));
        }
        if held == current {
            return Ok(typed(res, &current));
        }
        let rv = if dry { meta::resource_version(&current).to_string() } else { state.store.next_revision().to_string() };
        meta::set(&mut held, "resourceVersion", Some(json!(rv)));
        if !dry {
            state.store.insert(res, held.clone());
        }
        return Ok(typed(res, &held));
    }
    if !dry {
        state.store.remove(res, call.namespace, call.name);
        state.store.next_revision();
    }
    let mut answer = typed(res, &current);
    match (res.group.as_str(), res.plural.as_str()) {
        ("", "pods") => {
            let default_grace = current.pointer("/spec/terminationGracePeriodSeconds").and_then(Value::as_i64).unwrap_or(30);
            let grace = opts.grace_period.unwrap_or(default_grace).max(0);
            if grace > 0 {
                meta::set(&mut answer, "deletionTimestamp", Some(json!(rfc3339_at_offset(grace))));
                meta::set(&mut answer, "deletionGracePeriodSeconds", Some(json!(grace)));
            }
            Ok(answer)
        }
        ("", "namespaces") => {
            meta::set(&mut answer, "deletionTimestamp", Some(json!(now_rfc3339())));
            answer["status"] = json!({"phase": "Terminating"});
            Ok(answer)
        }
        ("", "services") => Ok(answer),
        _ => {
            let mut details = Map::new();
            details.insert("name".into(), json!(call.name));
            if !res.group.is_empty() {
                details.insert("group".into(), json!(res.group));
            }
            details.insert("kind".into(), json!(res.plural));
            details.insert("uid".into(), json!(meta::uid(&current)));
            Ok(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}))
        }
    }
}

pub(crate) fn delete(state: &mut State, call: &Call) -> ApiResult<Reply> {
    let opts = delete_options(call.req)?;
    let answer = delete_one(state, call, &opts)?;
    Ok(Reply::json(200, &answer))
}

pub(crate) fn delete_collection(state: &mut State, call: &Call) -> ApiResult<Reply> {
    let opts = delete_options(call.req)?;
    let opts = DeleteOptions { uid: None, resource_version: None, ..opts };
    let targets: Vec<(String, String)> = select(state, call)?.0.into_iter().map(|(k, _)| (k.2.clone(), k.3.clone())).collect();
    let mut deleted = Vec::new();
    for (ns, name) in targets {
        let one = Call { namespace: &ns, name: &name, ..*call };
        let before = current(state, &one)?;
        delete_one(state, &one, &opts)?;
        deleted.push(list_item(&before));
    }
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!(state.store.revision().to_string()));
    Ok(Reply::json(200, &list_of(call.res, deleted, metadata)))
}

/// A label selector object (`matchLabels`, `matchExpressions`) as the string
/// form Scale and clients use: `app=x,tier in (a,b)`.
pub(crate) fn selector_string(selector: Option<&Value>) -> String {
    let Some(sel) = selector else { return String::new() };
    let mut parts: Vec<String> = meta::string_map(sel, "/matchLabels").into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = meta::str_at(e, "/key");
            let values: Vec<&str> = e.get("values").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            parts.push(match meta::str_at(e, "/operator") {
                "In" => format!("{key} in ({})", values.join(",")),
                "NotIn" => format!("{key} notin ({})", values.join(",")),
                "Exists" => key.to_string(),
                "DoesNotExist" => format!("!{key}"),
                _ => continue,
            });
        }
    }
    parts.sort();
    parts.join(",")
}
