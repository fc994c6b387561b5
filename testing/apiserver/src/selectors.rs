//! `labelSelector` and `fieldSelector` query parameters.
//!
//! Clients narrow lists with these (e.g. all pods of a ReplicaSet, all events
//! about one object); a server that ignored them would hand the client objects
//! it never asked for, so both are parsed and applied as Kubernetes does,
//! including its quirks (`a!=b` and `notin` also match objects without `a`).

use serde_json::Value;

use crate::meta;
use crate::resources::Resource;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Parses a label selector; an empty string selects everything.
pub(crate) fn parse_labels(selector: &str) -> Result<Vec<LabelReq>, String> {
    let mut reqs = Vec::new();
    if selector.trim().is_empty() {
        return Ok(reqs);
    }
    for raw in split_top_level(selector) {
        let part = raw.trim();
        if part.is_empty() {
            return Err(format!("unable to parse requirement: found '', expected: identifier in {selector:?}"));
        }
        if let Some(key) = part.strip_prefix('!') {
            let key = key.trim();
            if !valid_key(key) {
                return Err(format!("unable to parse requirement: invalid label key {key:?}"));
            }
            reqs.push(LabelReq::NotExists(key.to_string()));
            continue;
        }
        let key_end = part.find(|c: char| c.is_whitespace() || matches!(c, '=' | '!' | '(')).unwrap_or(part.len());
        let key = &part[..key_end];
        if !valid_key(key) {
            return Err(format!("unable to parse requirement: invalid label key {key:?}"));
        }
        let rest = part[key_end..].trim_start();
        let value_of = |v: &str| -> Result<String, String> {
            let v = v.trim();
            if valid_value(v) {
                Ok(v.to_string())
            } else {
                Err(format!("unable to parse requirement: invalid label value {v:?}"))
            }
        };
        let req = if rest.is_empty() {
            LabelReq::Exists(key.to_string())
        } else if let Some(v) = rest.strip_prefix("==") {
            LabelReq::Eq(key.to_string(), value_of(v)?)
        } else if let Some(v) = rest.strip_prefix("!=") {
            LabelReq::NotEq(key.to_string(), value_of(v)?)
        } else if let Some(v) = rest.strip_prefix('=') {
            LabelReq::Eq(key.to_string(), value_of(v)?)
        } else if let Some(set) = rest.strip_prefix("notin") {
            LabelReq::NotIn(key.to_string(), parse_set(set)?)
        } else if let Some(set) = rest.strip_prefix("in") {
            LabelReq::In(key.to_string(), parse_set(set)?)
        } else {
            return Err(format!("unable to parse requirement: found {rest:?}, expected: in, notin, =, ==, !=, or end of string"));
        };
        reqs.push(req);
    }
    Ok(reqs)
}

fn parse_set(s: &str) -> Result<Vec<String>, String> {
    let s = s.trim();
    let inner = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: found {s:?}, expected: '('...')'"))?;
    let mut values = Vec::new();
    for v in inner.split(',') {
        let v = v.trim();
        if !valid_value(v) {
            return Err(format!("unable to parse requirement: invalid label value {v:?}"));
        }
        values.push(v.to_string());
    }
    Ok(values)
}

pub(crate) fn labels_match(reqs: &[LabelReq], labels: &[(String, String)]) -> bool {
    let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v.as_str());
    reqs.iter().all(|r| match r {
        LabelReq::Eq(k, v) => get(k) == Some(v.as_str()),
        LabelReq::NotEq(k, v) => get(k) != Some(v.as_str()),
        LabelReq::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        LabelReq::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
        LabelReq::Exists(k) => get(k).is_some(),
        LabelReq::NotExists(k) => get(k).is_none(),
    })
}

/// One `field=value` or `field!=value` term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldReq {
    pub field: String,
    pub value: String,
    pub negated: bool,
}

/// Splits on an unescaped `sep`, keeping escapes for the value decoder.
fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            cur.push(c);
            if let Some(n) = chars.next() {
                cur.push(n);
            }
        } else if c == sep {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('\\' | ',' | '=')) => out.push(n),
                other => return Err(format!("invalid field selector: invalid escape sequence \\{}", other.map(String::from).unwrap_or_default())),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Parses a field selector; an empty string selects everything.
pub(crate) fn parse_fields(selector: &str) -> Result<Vec<FieldReq>, String> {
    let mut reqs = Vec::new();
    if selector.trim().is_empty() {
        return Ok(reqs);
    }
    for part in split_unescaped(selector, ',') {
        let (field, value, negated) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, true)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, v, false)
        } else {
            return Err(format!("invalid selector: '{selector}'; can't understand '{part}'"));
        };
        reqs.push(FieldReq { field: field.trim().to_string(), value: unescape(value)?, negated });
    }
    Ok(reqs)
}

/// JSON pointer of a selectable field of this resource, or `None` when the
/// real server would reject it as "field label not supported".
fn field_pointer(res: &Resource, field: &str) -> Option<String> {
    match field {
        "metadata.name" => return Some("/metadata/name".into()),
        "metadata.namespace" => return Some("/metadata/namespace".into()),
        _ => {}
    }
    let supported: &[&str] = match (res.group.as_str(), res.plural.as_str()) {
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "events") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("events.k8s.io", "events") => {
            // The same selectable fields as core events, named after the
            // events.k8s.io schema (`regarding`) or the core one.
            if let Some(rest) = field.strip_prefix("regarding.").or_else(|| field.strip_prefix("involvedObject.")) {
                if ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"].contains(&rest) {
                    return Some(format!("/regarding/{rest}"));
                }
            }
            return match field {
                "reason" => Some("/reason".into()),
                "type" => Some("/type".into()),
                "reportingController" | "reportingComponent" => Some("/reportingController".into()),
                _ => None,
            };
        }
        ("", "secrets") => &["type"],
        ("", "namespaces") => &["status.phase"],
        ("", "nodes") => &["spec.unschedulable"],
        ("", "services") => &["spec.clusterIP", "spec.type"],
        ("apps", "replicasets") => &["status.replicas"],
        ("batch", "jobs") => &["status.successful"],
        _ => &[],
    };
    if !supported.contains(&field) {
        return None;
    }
    if field == "source" {
        return Some("/source/component".into());
    }
    Some(format!("/{}", field.replace('.', "/")))
}

/// Checks that every field is selectable on `res`.
pub(crate) fn check_fields(res: &Resource, reqs: &[FieldReq]) -> Result<(), String> {
    for r in reqs {
        if field_pointer(res, &r.field).is_none() {
            return Err(format!("field label not supported: {}", r.field));
        }
    }
    Ok(())
}

pub(crate) fn fields_match(res: &Resource, reqs: &[FieldReq], obj: &Value) -> bool {
    reqs.iter().all(|r| {
        let actual = match field_pointer(res, &r.field) {
            Some(p) if r.field == "spec.unschedulable" || r.field == "spec.hostNetwork" => {
                let v = meta::scalar_string(obj, &p);
                if v.is_empty() { "false".to_string() } else { v }
            }
            Some(p) => meta::scalar_string(obj, &p),
            None => return false,
        };
        (actual == r.value) != r.negated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_selector_grammar_and_semantics() {
        let l = labels(&[("app", "cart"), ("tier", "web")]);
        let m = |s: &str| labels_match(&parse_labels(s).expect(s), &l);
        assert!(m("app=cart"));
        assert!(m("app==cart,tier"));
        assert!(m("app in (cart, shop),!canary"));
        assert!(m("env notin (prod)"));
        assert!(m("env!=prod"));
        assert!(!m("app!=cart"));
        assert!(!m("tier in (db)"));
        assert!(!m("!app"));
        assert!(m(""));
        assert!(parse_labels("app=(x").is_err());
        assert!(parse_labels("a b").is_err());
    }

    #[test]
    fn field_selector_escapes_and_negation() {
        let reqs = parse_fields("metadata.name=a\\,b,spec.nodeName!=n1").expect("parses");
        assert_eq!(reqs[0].value, "a,b");
        assert!(reqs[1].negated);
    }
}
