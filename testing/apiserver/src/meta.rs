//! Reading and writing `metadata` fields of objects held as JSON.
//!
//! The server keeps objects as `serde_json::Value` so that it can store any
//! kind without schemas; these accessors keep that handling in one place and
//! never panic on malformed input.

use serde_json::{Map, Value};

pub(crate) fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn name(obj: &Value) -> &str {
    str_at(obj, "/metadata/name")
}

pub(crate) fn namespace(obj: &Value) -> &str {
    str_at(obj, "/metadata/namespace")
}

pub(crate) fn uid(obj: &Value) -> &str {
    str_at(obj, "/metadata/uid")
}

pub(crate) fn resource_version(obj: &Value) -> &str {
    str_at(obj, "/metadata/resourceVersion")
}

/// `metadata`, created (and made an object) if needed. Returns `None` only
/// when `obj` itself is not a JSON object.
pub(crate) fn metadata_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let meta = map.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// Sets (or with `None` removes) one metadata field.
pub(crate) fn set(obj: &mut Value, field: &str, value: Option<Value>) {
    if let Some(meta) = metadata_mut(obj) {
        match value {
            Some(v) => {
                meta.insert(field.to_string(), v);
            }
            None => {
                meta.remove(field);
            }
        }
    }
}

/// A string-to-string map field such as `metadata.labels`.
pub(crate) fn string_map(obj: &Value, pointer: &str) -> Vec<(String, String)> {
    obj.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn finalizers(obj: &Value) -> usize {
    obj.pointer("/metadata/finalizers").and_then(Value::as_array).map_or(0, Vec::len)
}

/// A scalar at `pointer` as the string a field selector compares against.
pub(crate) fn scalar_string(obj: &Value, pointer: &str) -> String {
    match obj.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}
