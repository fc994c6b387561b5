//! The validation rules a client most often trips over on a real cluster:
//! object names, label and annotation syntax, immutable workload selectors,
//! and the short list of pod spec fields an update may change.
//!
//! Full schema validation is out of scope; these are the checks whose absence
//! would let a client bug pass here and fail against Kubernetes.

use serde_json::Value;

use crate::meta;
use crate::resources::Resource;
use crate::status::{ApiError, ApiResult};

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 characters.
fn is_qualified_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn qualified_name_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if !is_dns_subdomain(p) {
            return Some(format!("prefix part {SUBDOMAIN_MSG}"));
        }
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".into());
    }
    if !is_qualified_part(name) {
        return Some(QUALIFIED_MSG.into());
    }
    None
}

/// Checks that hold for every write of an object.
pub(crate) fn validate_object(res: &Resource, obj: &Value) -> ApiResult<()> {
    let name = meta::name(obj);
    let name_ok = match (res.group.as_str(), res.plural.as_str()) {
        ("rbac.authorization.k8s.io", _) => !name.is_empty() && !name.contains('/') && !name.contains('%') && name != "." && name != "..",
        ("", "namespaces") | ("", "services") => is_dns_label(name),
        _ => is_dns_subdomain(name),
    };
    if !name_ok {
        let why = if matches!(res.plural.as_str(), "namespaces" | "services") && res.group.is_empty() { LABEL_MSG } else { SUBDOMAIN_MSG };
        return Err(ApiError::invalid(res, name, "metadata.name", "FieldValueInvalid", &format!("\"{name}\": {why}")));
    }
    for (key, value) in meta::string_map(obj, "/metadata/labels") {
        if let Some(problem) = qualified_name_problem(&key) {
            return Err(ApiError::invalid(res, name, "metadata.labels", "FieldValueInvalid", &format!("\"{key}\": {problem}")));
        }
        if !(value.is_empty() || is_qualified_part(&value)) {
            let why = if value.len() > 63 { "must be no more than 63 characters" } else { LABEL_VALUE_MSG };
            return Err(ApiError::invalid(res, name, "metadata.labels", "FieldValueInvalid", &format!("\"{value}\": {why}")));
        }
    }
    for (key, _) in meta::string_map(obj, "/metadata/annotations") {
        if let Some(problem) = qualified_name_problem(&key) {
            return Err(ApiError::invalid(res, name, "metadata.annotations", "FieldValueInvalid", &format!("\"{key}\": {problem}")));
        }
    }
    Ok(())
}

/// Checks that compare an update with the stored object.
pub(crate) fn validate_update(res: &Resource, old: &Value, new: &Value) -> ApiResult<()> {
    let name = meta::name(old);
    let workload = res.group == "apps" && matches!(res.plural.as_str(), "deployments" | "replicasets" | "statefulsets" | "daemonsets");
    if workload && old.pointer("/spec/selector") != new.pointer("/spec/selector") {
        let shown = new.pointer("/spec/selector").map(Value::to_string).unwrap_or_else(|| "null".into());
        return Err(ApiError::invalid(res, name, "spec.selector", "FieldValueInvalid", &format!("{shown}: field is immutable")));
    }
    if res.group.is_empty() && res.plural == "pods" && !pod_spec_update_allowed(old.get("spec"), new.get("spec")) {
        return Err(ApiError::invalid(
            res,
            name,
            "spec",
            "FieldValueForbidden",
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        ));
    }
    Ok(())
}

/// Whether `new` differs from `old` only in the fields a pod update may change.
fn pod_spec_update_allowed(old: Option<&Value>, new: Option<&Value>) -> bool {
    let (Some(old), Some(new)) = (old, new) else { return old == new };
    let mut probe = new.clone();
    for list in ["containers", "initContainers"] {
        let old_list = old.get(list).and_then(Value::as_array);
        if let (Some(old_list), Some(Value::Array(probe_list))) = (old_list, probe.get_mut(list)) {
            if old_list.len() == probe_list.len() {
                for (o, p) in old_list.iter().zip(probe_list.iter_mut()) {
                    if let (Some(p), Some(image)) = (p.as_object_mut(), o.get("image")) {
                        p.insert("image".into(), image.clone());
                    }
                }
            }
        }
    }
    let tolerations_grow = {
        let old_t = old.get("tolerations").and_then(Value::as_array).cloned().unwrap_or_default();
        let new_t = new.get("tolerations").and_then(Value::as_array).cloned().unwrap_or_default();
        old_t.iter().all(|t| new_t.contains(t))
    };
    if let Some(p) = probe.as_object_mut() {
        for field in ["activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates"] {
            match old.get(field) {
                Some(v) => p.insert(field.into(), v.clone()),
                None => p.remove(field),
            };
        }
    }
    tolerations_grow && &probe == old
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> Resource {
        crate::resources::resolve("", "v1", "pods", std::iter::empty()).expect("pods")
    }

    #[test]
    fn names_and_labels_follow_kubernetes_syntax() {
        let ok = json!({"metadata": {"name": "cart-7f9c.x", "labels": {"kordon.io/quarantined": "true", "empty": ""}}});
        assert!(validate_object(&pods(), &ok).is_ok());
        let bad_name = json!({"metadata": {"name": "Cart"}});
        assert_eq!(validate_object(&pods(), &bad_name).expect_err("uppercase").code, 422);
        let bad_value = json!({"metadata": {"name": "cart", "labels": {"kordon.io/at": "2024-05-01T10:00:00Z"}}});
        let e = validate_object(&pods(), &bad_value).expect_err("colon in value");
        assert!(e.message.starts_with("Pod \"cart\" is invalid: metadata.labels: Invalid value: \"2024-05-01T10:00:00Z\""), "{}", e.message);
    }

    #[test]
    fn pod_updates_may_change_images_but_not_node_selection() {
        let old = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}], "tolerations": [{"key": "k"}]}});
        let image = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "y"}], "tolerations": [{"key": "k"}, {"key": "j"}]}});
        assert!(validate_update(&pods(), &old, &image).is_ok());
        let moved = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}], "tolerations": [{"key": "k"}], "nodeSelector": {"a": "b"}}});
        assert!(validate_update(&pods(), &old, &moved).is_err());
    }
}
