//! What happens to every request before routing: it is recorded, its bearer
//! token is checked, and a fault queued by the test may take it over.
//!
//! Faults come after authentication (a client with a wrong token should still
//! see 401) and before everything else, so a test can make any request fail.

use crate::routes;
use crate::state::State;
use crate::status::{ApiError, Reply};
use crate::{Fault, Request};

/// A request as the router sees it: decoded query, whole body.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The media type without parameters (`application/json`).
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    /// The `Accept` header, for metadata-only (PartialObjectMetadata) answers.
    pub accept: Option<String>,
}

impl Incoming {
    /// The first value of a query parameter.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub(crate) fn params<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// What the transport should do with the connection.
#[derive(Debug)]
pub(crate) enum Outcome {
    Respond(Reply),
    /// Close the connection without answering.
    Drop,
}

pub(crate) fn process(state: &mut State, inc: Incoming) -> Outcome {
    state.requests.push(Request {
        method: inc.method.clone(),
        path: inc.path.clone(),
        query: inc.query.clone(),
        body: String::from_utf8_lossy(&inc.body).into_owned(),
        content_type: inc.content_type.clone(),
    });

    let expected = format!("Bearer {}", state.token);
    if inc.authorization.as_deref().map(str::trim) != Some(expected.as_str()) {
        return Outcome::Respond(ApiError::unauthorized().into());
    }

    let fault = state
        .faults
        .iter()
        .position(|(m, _)| m.matches(&inc.method, &inc.path, &inc.query))
        .map(|i| state.faults.remove(i).1);
    match fault {
        None => Outcome::Respond(routes::route(state, &inc)),
        Some(Fault::Status { code, reason, message }) => Outcome::Respond(ApiError::new(code, &reason, message).into()),
        Some(Fault::DropBefore) => Outcome::Drop,
        Some(Fault::DropAfter) => {
            let _persisted = routes::route(state, &inc);
            Outcome::Drop
        }
    }
}
