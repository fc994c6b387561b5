//! The cluster's answers as Kordon errors: a 403 names the permission, a 404
//! the object, a 409 the conflict, a transport failure says the connection
//! was lost — each with a stable code the front ends branch on.

use crate::error::{Code, Error};

/// Status code, reason and message of an API error answer.
pub fn api_status(e: &kube::Error) -> Option<(u16, String, String)> {
    match e {
        kube::Error::Api(s) => Some((s.code, s.reason.clone(), s.message.clone())),
        _ => None,
    }
}

pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(api_status(e), Some((404, _, _)))
}

pub fn is_conflict(e: &kube::Error) -> bool {
    matches!(api_status(e), Some((409, _, _)))
}

/// Whether the failure may have happened after the server applied the
/// request (the answer was lost): the outcome is unknown until read back.
pub fn outcome_unknown(e: &kube::Error) -> bool {
    api_status(e).is_none()
}

/// Maps a client error; `doing` says what Kordon was doing ("patching pod shop/cart").
pub fn cluster_error(doing: &str, e: kube::Error) -> Error {
    match api_status(&e) {
        Some((403, _, msg)) => Error::input(Code::Forbidden, format!("{}: forbidden by the cluster: {}", doing, msg)),
        Some((401, _, msg)) => Error::input(Code::Unauthorized, format!("{}: the cluster refused the credentials: {}", doing, msg)),
        Some((404, _, msg)) => Error::input(Code::NotFound, format!("{}: {}", doing, msg)),
        Some((409, _, msg)) => Error::input(Code::Conflict, format!("{}: conflict: {}", doing, msg)),
        Some((code, reason, msg)) => Error::input(Code::ClusterError, format!("{}: the cluster answered {} {}: {}", doing, code, reason, msg)),
        None => Error::input(
            Code::ClusterUnreachable,
            format!("{}: the connection to the cluster failed: {}", doing, super::redact::urls_in(&e.to_string())),
        ),
    }
}
