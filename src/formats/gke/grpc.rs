//! The gRPC status codes of an `AuditLog`'s `status`, by name and as the
//! HTTP answer and Kubernetes reason they stand for (the mapping Google
//! APIs document between `google.rpc.Code` and HTTP).

/// A gRPC status code: its name, the HTTP code it maps to, and the
/// `Status.reason` the API server gives that answer.
pub(super) struct Code {
    pub(super) name: &'static str,
    pub(super) http: u64,
    pub(super) reason: Option<&'static str>,
}

const CODES: &[Code] = &[
    Code { name: "OK", http: 200, reason: None },
    Code { name: "CANCELLED", http: 499, reason: None },
    Code { name: "UNKNOWN", http: 500, reason: None },
    Code { name: "INVALID_ARGUMENT", http: 400, reason: Some("BadRequest") },
    Code { name: "DEADLINE_EXCEEDED", http: 504, reason: Some("Timeout") },
    Code { name: "NOT_FOUND", http: 404, reason: Some("NotFound") },
    Code { name: "ALREADY_EXISTS", http: 409, reason: Some("AlreadyExists") },
    Code { name: "PERMISSION_DENIED", http: 403, reason: Some("Forbidden") },
    Code { name: "RESOURCE_EXHAUSTED", http: 429, reason: Some("TooManyRequests") },
    Code { name: "FAILED_PRECONDITION", http: 400, reason: Some("BadRequest") },
    Code { name: "ABORTED", http: 409, reason: Some("Conflict") },
    Code { name: "OUT_OF_RANGE", http: 400, reason: Some("BadRequest") },
    Code { name: "UNIMPLEMENTED", http: 501, reason: None },
    Code { name: "INTERNAL", http: 500, reason: Some("InternalError") },
    Code { name: "UNAVAILABLE", http: 503, reason: Some("ServiceUnavailable") },
    Code { name: "DATA_LOSS", http: 500, reason: Some("InternalError") },
    Code { name: "UNAUTHENTICATED", http: 401, reason: Some("Unauthorized") },
];

/// The code's entry; `None` for a number gRPC does not define.
pub(super) fn code(n: u64) -> Option<&'static Code> {
    usize::try_from(n).ok().and_then(|i| CODES.get(i))
}
