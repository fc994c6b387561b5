//! `Status` error bodies and the replies the router hands back to HTTP.
//!
//! Clients such as kube-rs decide what went wrong from the `Status` body
//! (`reason`, `code`, `details`) and often show its `message` to a person, so
//! these mirror the wording of the real API server's errors.

use serde_json::{json, Map, Value};

use crate::resources::Resource;

/// An answer for the client: status code, media type and body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub code: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(code: u16, value: &Value) -> Reply {
        Reply { code, content_type: "application/json", body: value.to_string().into_bytes() }
    }

    pub(crate) fn text(code: u16, text: String) -> Reply {
        Reply { code, content_type: "text/plain", body: text.into_bytes() }
    }
}

/// A failed request, rendered as a `Status` object.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub code: u16,
    pub reason: String,
    pub message: String,
    pub details: Option<Value>,
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Reply {
        Reply::json(e.code, &e.to_json())
    }
}

/// `details` as the real server fills it: `kind` holds the resource plural and
/// empty fields are left out.
fn details(res: &Resource, name: &str) -> Value {
    let mut d = Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !res.group.is_empty() {
        d.insert("group".into(), json!(res.group));
    }
    d.insert("kind".into(), json!(res.plural));
    Value::Object(d)
}

impl ApiError {
    pub(crate) fn new(code: u16, reason: &str, message: impl Into<String>) -> ApiError {
        ApiError { code, reason: reason.to_string(), message: message.into(), details: None }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }

    fn with_details(mut self, d: Value) -> ApiError {
        self.details = Some(d);
        self
    }

    /// `pods "x" not found`
    pub(crate) fn not_found(res: &Resource, name: &str) -> ApiError {
        ApiError::new(404, "NotFound", format!("{} \"{}\" not found", res.qualified(), name))
            .with_details(details(res, name))
    }

    /// The answer for a path that names no resource this server knows.
    pub(crate) fn no_such_path() -> ApiError {
        ApiError::new(404, "NotFound", "the server could not find the requested resource")
            .with_details(json!({}))
    }

    /// `networkpolicies.networking.k8s.io "x" already exists`
    pub(crate) fn already_exists(res: &Resource, name: &str) -> ApiError {
        ApiError::new(409, "AlreadyExists", format!("{} \"{}\" already exists", res.qualified(), name))
            .with_details(details(res, name))
    }

    /// `Operation cannot be fulfilled on pods "x": <why>`
    pub(crate) fn conflict(res: &Resource, name: &str, why: &str) -> ApiError {
        ApiError::new(409, "Conflict", format!("Operation cannot be fulfilled on {} \"{}\": {}", res.qualified(), name, why))
            .with_details(details(res, name))
    }

    /// The optimistic-concurrency failure of an update or patch.
    pub(crate) fn stale_resource_version(res: &Resource, name: &str) -> ApiError {
        ApiError::conflict(
            res,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// A failed UID or resourceVersion precondition, worded as the storage layer
    /// of a real server words it (the storage error wrapped in a Conflict).
    pub(crate) fn precondition_failed(res: &Resource, namespace: &str, name: &str, field: &str, wanted: &str, actual: &str) -> ApiError {
        let why = format!(
            "StorageError: invalid object, Code: 4, Key: {}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: {field} in precondition: {wanted}, {field} in object meta: {actual}",
            res.storage_key(namespace, name)
        );
        ApiError::conflict(res, name, &why)
    }

    /// `pods "x" is forbidden: <why>` (or `pods is forbidden: …` without a name).
    pub(crate) fn forbidden(res: &Resource, name: &str, why: &str) -> ApiError {
        let message = if name.is_empty() {
            format!("{} is forbidden: {}", res.qualified(), why)
        } else {
            format!("{} \"{}\" is forbidden: {}", res.qualified(), name, why)
        };
        ApiError::new(403, "Forbidden", message).with_details(details(res, name))
    }

    /// A 422 with one field cause, e.g. `metadata.name: Required value: …`.
    pub(crate) fn invalid(res: &Resource, name: &str, field: &str, cause_reason: &str, detail: &str) -> ApiError {
        let kind_q = if res.group.is_empty() { res.kind.clone() } else { format!("{}.{}", res.kind, res.group) };
        let label = match cause_reason {
            "FieldValueRequired" => "Required value",
            "FieldValueNotSupported" => "Unsupported value",
            "FieldValueForbidden" => "Forbidden",
            _ => "Invalid value",
        };
        let mut d = Map::new();
        if !name.is_empty() {
            d.insert("name".into(), json!(name));
        }
        if !res.group.is_empty() {
            d.insert("group".into(), json!(res.group));
        }
        d.insert("kind".into(), json!(res.kind));
        d.insert(
            "causes".into(),
            json!([{ "reason": cause_reason, "message": format!("{label}: {detail}"), "field": field }]),
        );
        ApiError::new(422, "Invalid", format!("{kind_q} \"{name}\" is invalid: {field}: {label}: {detail}"))
            .with_details(Value::Object(d))
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message)
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "Invalid", message)
    }

    pub(crate) fn method_not_allowed() -> ApiError {
        ApiError::new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            .with_details(json!({}))
    }

    pub(crate) fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub(crate) fn unsupported_media_type() -> ApiError {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
        )
    }
}
