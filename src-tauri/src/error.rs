//! Errors cross IPC as `{code, message}`: the UI branches on `code` (the
//! core's stable codes, e.g. `unknown_format`, `hash_mismatch`, `no_case`),
//! never on the message text.

use kordon::error::{Code, Error};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError { code: e.code().as_str(), message: e.to_string() }
    }
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code: code.as_str(), message: message.into() }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
