//! Helpers the format modules' unit tests share.

use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};

/// The event's entity of this kind playing this role.
pub fn entity<'a>(ev: &'a NewEvent, kind: EntityKind, role: &str) -> Option<&'a EntityRef> {
    ev.entities.iter().find(|e| e.kind == kind && e.role == role)
}

/// A JSON object from text (panics on anything else: test input).
pub fn obj(s: &str) -> Map<String, Value> {
    serde_json::from_str::<Value>(s).unwrap().as_object().unwrap().clone()
}
