//! From method and path to a handler: path grammar of the Kubernetes API
//! (`/api/v1/...`, `/apis/<group>/<version>/...`, namespaced or not, with a
//! name and a subresource), the verb each request means, and the
//! authorization check every resource request passes first.

use percent_encoding::percent_decode_str;

use crate::crud::{self, Call, Part};
use crate::discovery::{self, REVIEWS};
use crate::gate::Incoming;
use crate::resources::Resource;
use crate::state::State;
use crate::status::{ApiError, ApiResult, Reply};
use crate::subresources;

/// A resource path, before the resource is resolved.
#[derive(Debug, PartialEq)]
struct Target {
    group: String,
    version: String,
    plural: String,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// `rest` is what follows `/api/v1` or `/apis/<g>/<v>`.
fn target(group: &str, version: &str, rest: &[String]) -> Option<Target> {
    let t = |namespace: Option<&String>, rest: &[String]| -> Option<Target> {
        if rest.is_empty() || rest.len() > 3 {
            return None;
        }
        Some(Target {
            group: group.to_string(),
            version: version.to_string(),
            plural: rest[0].clone(),
            namespace: namespace.cloned(),
            name: rest.get(1).cloned(),
            subresource: rest.get(2).cloned(),
        })
    };
    match rest {
        // /api/v1/namespaces/{ns}/status and /finalize are subresources of a namespace.
        [ns, name, sub] if group.is_empty() && ns == "namespaces" && (sub == "status" || sub == "finalize") => {
            t(None, &[ns.clone(), name.clone(), sub.clone()])
        }
        [first, ns, rest @ ..] if first == "namespaces" && !rest.is_empty() => t(Some(ns), rest),
        _ => t(None, rest),
    }
}

pub(crate) fn route(state: &mut State, inc: &Incoming) -> Reply {
    match route_inner(state, inc) {
        Ok(r) => r,
        Err(e) => e.into(),
    }
}

fn route_inner(state: &mut State, inc: &Incoming) -> ApiResult<Reply> {
    let segs = segments(&inc.path);
    let get_only = |value: Option<serde_json::Value>| -> ApiResult<Reply> {
        if inc.method != "GET" {
            return Err(ApiError::method_not_allowed());
        }
        value.map(|v| Reply::json(200, &v)).ok_or_else(ApiError::no_such_path)
    };
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => get_only(Some(discovery::version(state))),
        ["api"] => get_only(Some(discovery::api_versions(state))),
        ["apis"] => get_only(Some(discovery::group_list(state))),
        ["api", v] => get_only(discovery::resource_list(state, "", v)),
        ["apis", g] => get_only(discovery::group(state, g)),
        ["apis", g, v] => get_only(discovery::resource_list(state, g, v)),
        ["api", v, ..] => resource_request(state, inc, target("", v, &segs[2..])),
        ["apis", g, v, ..] => resource_request(state, inc, target(g, v, &segs[3..])),
        _ => Err(ApiError::no_such_path()),
    }
}

/// The verb a request means to the authorizer.
fn verb_of(method: &str, has_name: bool, watch: bool) -> Option<&'static str> {
    Some(match (method, has_name) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", true) => "update",
        ("PATCH", true) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => return None,
    })
}

fn review_resource(t: &Target) -> Option<Resource> {
    REVIEWS
        .iter()
        .find(|(g, versions, plural, _)| *g == t.group && versions.contains(&t.version.as_str()) && *plural == t.plural)
        .map(|(g, _, plural, kind)| Resource {
            group: g.to_string(),
            version: t.version.clone(),
            plural: plural.to_string(),
            kind: kind.to_string(),
            namespaced: false,
            has_status: false,
            custom: false,
        })
}

fn resource_request(state: &mut State, inc: &Incoming, target: Option<Target>) -> ApiResult<Reply> {
    let t = target.ok_or_else(ApiError::no_such_path)?;

    if let Some(res) = review_resource(&t) {
        if t.namespace.is_some() || t.name.is_some() {
            return Err(ApiError::no_such_path());
        }
        if inc.method != "POST" {
            return Err(ApiError::method_not_allowed());
        }
        state.access.check(&res, "create", None, None, "")?;
        let body = crud::parse_body(inc)?;
        let answer = match res.plural.as_str() {
            "selfsubjectaccessreviews" => state.access.access_review(body)?,
            "selfsubjectrulesreviews" => state.access.rules_review(body)?,
            _ => state.access.subject_review(&res.api_version()),
        };
        return Ok(Reply::json(201, &answer));
    }

    let res = state.store.resolve(&t.group, &t.version, &t.plural).ok_or_else(ApiError::no_such_path)?;
    match (&t.namespace, res.namespaced) {
        (Some(_), false) => return Err(ApiError::no_such_path()),
        (None, true) if t.name.is_some() => return Err(ApiError::no_such_path()),
        _ => {}
    }
    let watch = matches!(inc.param("watch"), Some("true") | Some("1"));
    let verb = verb_of(&inc.method, t.name.is_some(), watch).ok_or_else(ApiError::method_not_allowed)?;
    let namespace = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let sub = t.subresource.as_deref();
    if verb == "create" && t.name.is_some() && sub.is_none() {
        return Err(ApiError::method_not_allowed());
    }
    if verb == "create" && t.namespace.is_none() && res.namespaced {
        return Err(ApiError::method_not_allowed());
    }
    // Creating has no name for the authorizer unless it is a subresource.
    let authz_name = if verb == "create" && sub.is_none() { "" } else { name.as_str() };
    state.access.check(&res, verb, sub, t.namespace.as_deref(), authz_name)?;

    if verb == "watch" {
        return Err(ApiError::new(405, "MethodNotAllowed", "watch is not supported by kordon-test-apiserver"));
    }
    let call = Call { res: &res, namespace: &namespace, name: &name, req: inc, dry_run: crud::dry_run(inc)? };
    match (sub, verb) {
        (None, "get") => crud::get(state, &call),
        (None, "list") => crud::list(state, &call),
        (None, "create") => crud::create(state, &call),
        (None, "update") => crud::update(state, &call, Part::Main),
        (None, "patch") => crud::patch(state, &call, Part::Main),
        (None, "delete") => crud::delete(state, &call),
        (None, "deletecollection") => crud::delete_collection(state, &call),
        (Some("status"), _) if res.has_status => match verb {
            "get" => crud::get(state, &call),
            "update" => crud::update(state, &call, Part::Status),
            "patch" => crud::patch(state, &call, Part::Status),
            _ => Err(ApiError::method_not_allowed()),
        },
        (Some("scale"), _) if res.is_scalable() => match verb {
            "get" => subresources::get_scale(state, &call),
            "update" => subresources::write_scale(state, &call, None),
            "patch" => {
                let kind = crud::patch_kind(&res, inc)?;
                subresources::write_scale(state, &call, Some(kind))
            }
            _ => Err(ApiError::method_not_allowed()),
        },
        (Some("log"), _) if res.group.is_empty() && res.plural == "pods" => match verb {
            "get" => subresources::log(state, &call),
            _ => Err(ApiError::method_not_allowed()),
        },
        (Some("eviction"), _) if res.group.is_empty() && res.plural == "pods" => match verb {
            "create" => subresources::evict(state, &call),
            _ => Err(ApiError::method_not_allowed()),
        },
        _ => Err(ApiError::no_such_path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(group: &str, path: &str) -> Option<Target> {
        let segs: Vec<String> = path.split('/').map(String::from).collect();
        target(group, "v1", &segs)
    }

    #[test]
    fn parses_resource_paths() {
        let p = t("", "namespaces/shop/pods/cart/log").expect("parses");
        assert_eq!((p.namespace.as_deref(), p.plural.as_str(), p.name.as_deref(), p.subresource.as_deref()),
                   (Some("shop"), "pods", Some("cart"), Some("log")));
        let n = t("", "namespaces/shop").expect("parses");
        assert_eq!((n.plural.as_str(), n.name.as_deref(), n.namespace), ("namespaces", Some("shop"), None));
        let f = t("", "namespaces/shop/finalize").expect("parses");
        assert_eq!((f.plural.as_str(), f.subresource.as_deref()), ("namespaces", Some("finalize")));
        let all = t("apps", "daemonsets").expect("parses");
        assert_eq!((all.plural.as_str(), all.namespace), ("daemonsets", None));
        assert!(t("", "namespaces/shop/pods/a/b/c").is_none());
    }
}
