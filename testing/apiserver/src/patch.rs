//! The three PATCH body formats: JSON merge patch (RFC 7386), strategic
//! merge patch (merge patch plus keyed merging of well-known lists) and JSON
//! patch (RFC 6902).
//!
//! Strategic merge is approximated: lists named in `MERGE_KEYS` merge element
//! by element on their key (honouring `$patch: delete`), `finalizers` merge as
//! a set, other lists are replaced as a merge patch would.

use serde_json::{Map, Value};

/// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// List fields that strategic merge merges by a key instead of replacing.
const MERGE_KEYS: &[(&str, &str)] = &[
    ("containers", "name"),
    ("initContainers", "name"),
    ("ephemeralContainers", "name"),
    ("volumes", "name"),
    ("env", "name"),
    ("volumeMounts", "mountPath"),
    ("volumeDevices", "devicePath"),
    ("imagePullSecrets", "name"),
    ("ownerReferences", "uid"),
    ("conditions", "type"),
    ("hostAliases", "ip"),
    ("resourceClaims", "name"),
];

/// Primitive lists that strategic merge treats as sets.
const SET_LISTS: &[&str] = &["finalizers"];

fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    if field == "ports" {
        // Container ports merge on containerPort, service ports on port.
        let has = |k: &str| items.iter().any(|i| i.get(k).is_some());
        return if has("containerPort") { Some("containerPort") } else if has("port") { Some("port") } else { None };
    }
    MERGE_KEYS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
}

/// Strategic merge patch, as described in the module documentation.
pub(crate) fn strategic_merge(target: &mut Value, patch: &Value) -> Result<(), String> {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replacement = p.clone();
        replacement.remove("$patch");
        *target = Value::Object(replacement);
        return Ok(());
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return Ok(()) };
    for (k, v) in p {
        if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(existing)), Value::Array(remove)) = (t.get_mut(list), v) {
                existing.retain(|x| !remove.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            // $setElementOrder/…, $retainKeys and other directives only
            // order or prune; the merged content is what matters here.
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Object(_) => strategic_merge(t.entry(k.clone()).or_insert(Value::Null), v)?,
            Value::Array(items) => {
                let existing = t.get_mut(k);
                if SET_LISTS.contains(&k.as_str()) {
                    let mut merged = existing.and_then(|e| e.as_array().cloned()).unwrap_or_default();
                    for i in items {
                        if !merged.contains(i) {
                            merged.push(i.clone());
                        }
                    }
                    t.insert(k.clone(), Value::Array(merged));
                } else if let (Some(key), Some(Value::Array(current))) = (merge_key(k, items), existing) {
                    merge_keyed_list(current, items, key)?;
                } else {
                    let cleaned: Vec<Value> = items
                        .iter()
                        .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                        .cloned()
                        .collect();
                    t.insert(k.clone(), Value::Array(cleaned));
                }
            }
            other => {
                t.insert(k.clone(), other.clone());
            }
        }
    }
    Ok(())
}

fn merge_keyed_list(current: &mut Vec<Value>, items: &[Value], key: &str) -> Result<(), String> {
    for item in items {
        let Some(id) = item.get(key) else {
            return Err(format!("map: {item} does not contain declared merge key: {key}"));
        };
        let pos = current.iter().position(|c| c.get(key) == Some(id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut current[i], item)?,
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, item)?;
                current.push(fresh);
            }
        }
    }
    Ok(())
}

/// RFC 6901 pointer tokens.
fn pointer_tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path.strip_prefix('/').ok_or_else(|| format!("invalid JSON pointer {path:?}"))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn array_index(token: &str, len: usize, allow_end: bool) -> Result<usize, String> {
    if allow_end && token == "-" {
        return Ok(len);
    }
    let i: usize = token.parse().map_err(|_| format!("invalid array index {token:?}"))?;
    let max = if allow_end { len } else { len.saturating_sub(1) };
    if i > max || (!allow_end && len == 0) {
        return Err(format!("array index {i} out of bounds"));
    }
    Ok(i)
}

/// The parent container of the location `tokens` points at.
fn parent_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Result<&'a mut Value, String> {
    let mut cur = doc;
    for t in &tokens[..tokens.len().saturating_sub(1)] {
        cur = match cur {
            Value::Object(m) => m.get_mut(t).ok_or_else(|| format!("missing path segment {t:?}"))?,
            Value::Array(a) => {
                let i = array_index(t, a.len(), false)?;
                &mut a[i]
            }
            _ => return Err(format!("path segment {t:?} is inside a scalar")),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let tokens = pointer_tokens(path)?;
    let Some(last) = tokens.last() else {
        *doc = value;
        return Ok(());
    };
    match parent_mut(doc, &tokens)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            let i = array_index(last, a.len(), true)?;
            a.insert(i, value);
        }
        _ => return Err(format!("cannot add at {path:?}: parent is a scalar")),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let tokens = pointer_tokens(path)?;
    let last = tokens.last().ok_or("cannot remove the whole document")?;
    match parent_mut(doc, &tokens)? {
        Value::Object(m) => m.remove(last).ok_or_else(|| format!("unable to remove nonexistent key: {last}")),
        Value::Array(a) => {
            let i = array_index(last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err(format!("cannot remove {path:?}: parent is a scalar")),
    }
}

fn get(doc: &Value, path: &str) -> Result<Value, String> {
    let tokens = pointer_tokens(path)?;
    let encoded: String = tokens.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect();
    doc.pointer(&encoded).cloned().ok_or_else(|| format!("path {path:?} does not exist"))
}

/// RFC 6902 with add, remove, replace, move, copy and test.
pub(crate) fn json_patch(doc: &Value, ops: &Value) -> Result<Value, String> {
    let ops = ops.as_array().ok_or("a JSON patch must be an array of operations")?;
    let mut out = doc.clone();
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).ok_or("operation without \"op\"")?;
        let path = op.get("path").and_then(Value::as_str).ok_or("operation without \"path\"")?;
        let value = || op.get("value").cloned().ok_or_else(|| format!("{kind} operation without \"value\""));
        let from = || op.get("from").and_then(Value::as_str).ok_or_else(|| format!("{kind} operation without \"from\""));
        match kind {
            "add" => add(&mut out, path, value()?)?,
            "remove" => {
                remove(&mut out, path)?;
            }
            "replace" => {
                get(&out, path).map_err(|_| format!("replace operation does not apply: doc is missing key: {path}"))?;
                if path.is_empty() {
                    out = value()?;
                } else {
                    remove(&mut out, path)?;
                    add(&mut out, path, value()?)?;
                }
            }
            "move" => {
                let v = remove(&mut out, from()?)?;
                add(&mut out, path, v)?;
            }
            "copy" => {
                let v = get(&out, from()?)?;
                add(&mut out, path, v)?;
            }
            "test" => {
                let actual = get(&out, path).map_err(|_| format!("testing value {path} failed: test failed"))?;
                if actual != value()? {
                    return Err(format!("testing value {path} failed: test failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7386() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut doc = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]},
                             "metadata": {"finalizers": ["f1"]}});
        strategic_merge(&mut doc, &json!({"spec": {"containers": [{"name": "b", "image": "z"}, {"name": "a", "$patch": "delete"}]},
                                          "metadata": {"finalizers": ["f2"]}})).expect("merges");
        assert_eq!(doc["spec"]["containers"], json!([{"name": "b", "image": "z"}]));
        assert_eq!(doc["metadata"]["finalizers"], json!(["f1", "f2"]));
    }

    #[test]
    fn json_patch_ops() {
        let doc = json!({"metadata": {"labels": {"a/b": "1"}}, "list": [1, 2]});
        let out = json_patch(&doc, &json!([
            {"op": "test", "path": "/metadata/labels/a~1b", "value": "1"},
            {"op": "replace", "path": "/metadata/labels/a~1b", "value": "2"},
            {"op": "add", "path": "/list/-", "value": 3},
            {"op": "remove", "path": "/list/0"},
            {"op": "copy", "from": "/list", "path": "/copy"}
        ])).expect("applies");
        assert_eq!(out, json!({"metadata": {"labels": {"a/b": "2"}}, "list": [2, 3], "copy": [2, 3]}));
        assert!(json_patch(&doc, &json!([{"op": "test", "path": "/list/0", "value": 9}])).is_err());
        assert!(json_patch(&doc, &json!([{"op": "replace", "path": "/nope", "value": 9}])).is_err());
    }
}
