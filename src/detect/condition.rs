//! The `when` language of `rules/detections.yaml`: a small condition tree
//! over one event's normalized `fields`.
//!
//! Detections are data so that an investigator can read, review and extend
//! them without reading Rust; the language is therefore kept to what the
//! rules need and checked when the file is loaded (an unknown operator, a
//! bad regex or a misspelt key is an error naming the rule and the place,
//! never a rule that silently matches nothing).
//!
//! ```yaml
//! when:
//!   all:                                   # every condition holds
//!     - {field: resource, equals: pods}
//!     - {field: subresource, in: [exec, attach, portforward]}
//!     - any:                               # at least one holds
//!         - {field: exe, basename: true, in: [nmap, masscan]}
//!         - {field: cmdline, regex: 'stratum\+tcp://'}
//!     - not: {field: token_pod, exists: true}
//! ```
//!
//! A leaf names a `field` and exactly one operator: `equals`, `in`, `prefix`,
//! `suffix`, `contains` (each of the last three: one string or a list, any
//! may match), `regex` (Rust syntax, unanchored), `gte`, `lte`, `exists`
//! (true/false) and `outside_cluster` (true/false; see [`super::cluster`]).
//! `basename: true` compares only what follows the last `/`. Field names
//! starting with `$` are the event's own columns: `$source`, `$kind`,
//! `$rule`. Values compare as text (`403` equals `"403"`); when a field holds
//! a list, a leaf holds if it holds for any element. A missing or null field
//! satisfies only `exists: false`.

use super::cluster::ClusterRanges;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
pub struct Leaf {
    pub field: String,
    pub basename: bool,
    pub op: Op,
}

#[derive(Debug, Clone)]
pub enum Op {
    Equals(String),
    In(Vec<String>),
    Prefix(Vec<String>),
    Suffix(Vec<String>),
    Contains(Vec<String>),
    Regex(regex::Regex),
    Gte(f64),
    Lte(f64),
    Exists(bool),
    OutsideCluster(bool),
}

/// The operators, for error messages.
pub const OPERATORS: &[&str] = &[
    "equals",
    "in",
    "prefix",
    "suffix",
    "contains",
    "regex",
    "gte",
    "lte",
    "exists",
    "outside_cluster",
];

/// The event columns a condition may name besides its fields.
pub const COLUMNS: &[&str] = &["$source", "$kind", "$rule"];

/// What a condition is evaluated against: one stored event.
pub struct EventView<'a> {
    pub source: &'a str,
    pub kind: &'a str,
    pub rule: Option<&'a str>,
    pub fields: &'a Map<String, Value>,
}

impl EventView<'_> {
    /// A field's value, or an event column's for `$source`, `$kind`, `$rule`.
    pub fn get(&self, name: &str) -> Option<Cow<'_, Value>> {
        match name {
            "$source" => Some(Cow::Owned(Value::from(self.source))),
            "$kind" => Some(Cow::Owned(Value::from(self.kind))),
            "$rule" => self.rule.map(|r| Cow::Owned(Value::from(r))),
            _ => self.fields.get(name).map(Cow::Borrowed),
        }
    }
}

/// A scalar as the text it compares by; `None` for objects, lists and null.
pub fn text_of(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) => Some(Cow::Owned(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => (f as i64).to_string(),
            _ => n.to_string(),
        })),
        _ => None,
    }
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Condition {
    /// Parses a condition from its YAML (read as JSON values); `at` names
    /// the place for error messages (`when.all[2]`).
    pub fn parse(v: &Value, at: &str) -> Result<Condition, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("{}: expected a mapping, got {}", at, kind_of(v)))?;
        for combinator in ["all", "any", "not"] {
            if let Some(inner) = obj.get(combinator) {
                if obj.len() != 1 {
                    let others: Vec<&str> = obj
                        .keys()
                        .filter(|k| *k != combinator)
                        .map(String::as_str)
                        .collect();
                    return Err(format!(
                        "{}: `{}` stands alone (also found: {})",
                        at,
                        combinator,
                        others.join(", ")
                    ));
                }
                let here = format!("{}.{}", at, combinator);
                return match combinator {
                    "not" => Ok(Condition::Not(Box::new(Condition::parse(inner, &here)?))),
                    _ => {
                        let items = inner
                            .as_array()
                            .ok_or_else(|| format!("{}: expected a list of conditions", here))?;
                        if items.is_empty() {
                            return Err(format!("{}: an empty list", here));
                        }
                        let parsed = items
                            .iter()
                            .enumerate()
                            .map(|(i, c)| Condition::parse(c, &format!("{}[{}]", here, i)))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(if combinator == "all" {
                            Condition::All(parsed)
                        } else {
                            Condition::Any(parsed)
                        })
                    }
                };
            }
        }
        Leaf::parse(obj, at).map(Condition::Leaf)
    }

    pub fn eval(&self, ev: &EventView, cluster: &ClusterRanges) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.eval(ev, cluster)),
            Condition::Any(cs) => cs.iter().any(|c| c.eval(ev, cluster)),
            Condition::Not(c) => !c.eval(ev, cluster),
            Condition::Leaf(l) => l.eval(ev, cluster),
        }
    }

    /// The field names the condition reads (for recording what matched).
    pub fn fields(&self, out: &mut BTreeSet<String>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.fields(out)),
            Condition::Not(c) => c.fields(out),
            Condition::Leaf(l) => {
                out.insert(l.field.clone());
            }
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn scalar(v: &Value, at: &str) -> Result<String, String> {
    text_of(v).map(Cow::into_owned).ok_or_else(|| {
        format!(
            "{}: expected a string, number or boolean, got {}",
            at,
            kind_of(v)
        )
    })
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, String> {
    let items = match v {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| scalar(i, at))
            .collect::<Result<_, _>>()?,
        Value::Array(_) => return Err(format!("{}: an empty list", at)),
        other => vec![scalar(other, at)?],
    };
    Ok(items)
}

fn boolean(v: &Value, at: &str) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("{}: expected true or false, got {}", at, kind_of(v)))
}

impl Leaf {
    fn parse(obj: &Map<String, Value>, at: &str) -> Result<Leaf, String> {
        let field = match obj.get("field") {
            Some(Value::String(f)) if !f.trim().is_empty() => f.trim().to_string(),
            Some(other) => {
                return Err(format!(
                    "{}: `field` must name a field, got {}",
                    at,
                    kind_of(other)
                ))
            }
            None => {
                return Err(format!(
                "{}: expected `all`, `any`, `not`, or a leaf with `field` and one operator ({})",
                at,
                OPERATORS.join(", ")
            ))
            }
        };
        if field.starts_with('$') && !COLUMNS.contains(&field.as_str()) {
            return Err(format!(
                "{}: unknown event column `{}` (one of: {})",
                at,
                field,
                COLUMNS.join(", ")
            ));
        }
        let basename = match obj.get("basename") {
            Some(v) => boolean(v, &format!("{}.basename", at))?,
            None => false,
        };
        let mut op = None;
        for (key, value) in obj {
            let here = format!("{}.{}", at, key);
            let parsed = match key.as_str() {
                "field" | "basename" => continue,
                "equals" => Op::Equals(scalar(value, &here)?),
                "in" => match value {
                    Value::Array(_) => Op::In(strings(value, &here)?),
                    _ => return Err(format!("{}: expected a list", here)),
                },
                "prefix" => Op::Prefix(strings(value, &here)?),
                "suffix" => Op::Suffix(strings(value, &here)?),
                "contains" => Op::Contains(strings(value, &here)?),
                "regex" => {
                    let pattern = value.as_str().ok_or_else(|| format!("{}: expected a pattern string", here))?;
                    Op::Regex(regex::Regex::new(pattern).map_err(|e| format!("{}: bad regex: {}", here, e))?)
                }
                "gte" | "lte" => {
                    let n = value.as_f64().ok_or_else(|| format!("{}: expected a number, got {}", here, kind_of(value)))?;
                    if key == "gte" {
                        Op::Gte(n)
                    } else {
                        Op::Lte(n)
                    }
                }
                "exists" => Op::Exists(boolean(value, &here)?),
                "outside_cluster" => Op::OutsideCluster(boolean(value, &here)?),
                other => {
                    return Err(format!(
                        "{}: unknown key `{}` (a leaf has `field`, optional `basename`, and one of: {})",
                        at,
                        other,
                        OPERATORS.join(", ")
                    ))
                }
            };
            if op.is_some() {
                return Err(format!(
                    "{}: more than one operator in one leaf (use `all` to combine)",
                    at
                ));
            }
            op = Some(parsed);
        }
        let op = op.ok_or_else(|| {
            format!(
                "{}: no operator for `{}` (one of: {})",
                at,
                field,
                OPERATORS.join(", ")
            )
        })?;
        if basename
            && !matches!(
                op,
                Op::Equals(_)
                    | Op::In(_)
                    | Op::Prefix(_)
                    | Op::Suffix(_)
                    | Op::Contains(_)
                    | Op::Regex(_)
            )
        {
            return Err(format!("{}: `basename` applies to text operators only", at));
        }
        Ok(Leaf {
            field,
            basename,
            op,
        })
    }

    fn eval(&self, ev: &EventView, cluster: &ClusterRanges) -> bool {
        let value = ev.get(&self.field);
        let value = value.as_deref().filter(|v| !v.is_null());
        if let Op::Exists(want) = self.op {
            return value.is_some() == want;
        }
        match value {
            None => false,
            Some(Value::Array(items)) => items.iter().any(|v| self.test(v, cluster)),
            Some(v) => self.test(v, cluster),
        }
    }

    /// The operator on one scalar value.
    fn test(&self, v: &Value, cluster: &ClusterRanges) -> bool {
        match &self.op {
            Op::Gte(n) => number_of(v).is_some_and(|x| x >= *n),
            Op::Lte(n) => number_of(v).is_some_and(|x| x <= *n),
            Op::Exists(_) => true,
            Op::OutsideCluster(want) => text_of(v)
                .and_then(|t| crate::entity::ip(&t))
                .and_then(|ip| ip.parse().ok())
                .is_some_and(|ip| cluster.is_outside(ip) == *want),
            op => {
                let Some(text) = text_of(v) else { return false };
                let text: &str = if self.basename {
                    text.rsplit('/').next().unwrap_or(&text)
                } else {
                    &text
                };
                match op {
                    Op::Equals(s) => text == s,
                    Op::In(list) => list.iter().any(|s| text == s),
                    Op::Prefix(list) => list.iter().any(|s| text.starts_with(s.as_str())),
                    Op::Suffix(list) => list.iter().any(|s| text.ends_with(s.as_str())),
                    Op::Contains(list) => list.iter().any(|s| text.contains(s.as_str())),
                    Op::Regex(re) => re.is_match(text),
                    _ => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(v: Value) -> Condition {
        Condition::parse(&v, "when").unwrap()
    }

    fn err(v: Value) -> String {
        Condition::parse(&v, "when").unwrap_err()
    }

    fn holds(c: &Condition, fields: Value) -> bool {
        let fields = fields.as_object().unwrap().clone();
        let ev = EventView {
            source: "tetragon",
            kind: "telemetry",
            rule: Some("process_exec"),
            fields: &fields,
        };
        c.eval(&ev, &ClusterRanges::unknown())
    }

    #[test]
    fn text_operators_compare_scalars_as_text() {
        assert!(holds(
            &cond(json!({"field": "code", "equals": 403})),
            json!({"code": 403})
        ));
        assert!(holds(
            &cond(json!({"field": "code", "equals": "403"})),
            json!({"code": 403})
        ));
        assert!(!holds(
            &cond(json!({"field": "code", "equals": 403})),
            json!({"code": 401})
        ));
        assert!(holds(
            &cond(json!({"field": "ok", "equals": true})),
            json!({"ok": true})
        ));
        assert!(holds(
            &cond(json!({"field": "verb", "in": ["get", "create"]})),
            json!({"verb": "get"})
        ));
        assert!(holds(
            &cond(json!({"field": "exe", "prefix": ["/tmp/", "/dev/shm/"]})),
            json!({"exe": "/dev/shm/x"})
        ));
        assert!(holds(
            &cond(json!({"field": "exe", "suffix": "/nmap"})),
            json!({"exe": "/usr/bin/nmap"})
        ));
        assert!(holds(
            &cond(json!({"field": "cmdline", "contains": "stratum"})),
            json!({"cmdline": "x -o stratum+tcp://p:1"})
        ));
        assert!(holds(
            &cond(json!({"field": "cmdline", "regex": "^x .*tcp://"})),
            json!({"cmdline": "x -o stratum+tcp://p:1"})
        ));
        assert!(!holds(
            &cond(json!({"field": "cmdline", "regex": "^tcp"})),
            json!({"cmdline": "x -o stratum+tcp://p:1"})
        ));
    }

    #[test]
    fn basename_compares_the_last_path_element() {
        let c = cond(json!({"field": "exe", "basename": true, "in": ["nmap", "xmrig"]}));
        assert!(holds(&c, json!({"exe": "/tmp/.x/xmrig"})));
        assert!(holds(&c, json!({"exe": "nmap"})));
        assert!(!holds(&c, json!({"exe": "/usr/bin/nmap-helper"})));
        assert!(!holds(&c, json!({"exe": "/opt/nmap/bin/sh"})));
    }

    #[test]
    fn numbers_compare_by_value_and_accept_numeric_strings() {
        let c = cond(json!({"field": "dst_port", "gte": 1024}));
        assert!(holds(&c, json!({"dst_port": 4444})));
        assert!(holds(&c, json!({"dst_port": "1024"})));
        assert!(!holds(&c, json!({"dst_port": 443})));
        assert!(!holds(&c, json!({"dst_port": "https"})));
        assert!(holds(
            &cond(json!({"field": "dst_port", "lte": 1023})),
            json!({"dst_port": 443})
        ));
    }

    #[test]
    fn lists_match_when_any_element_does_and_missing_fields_only_satisfy_not_exists() {
        let c = cond(json!({"field": "source_ips", "outside_cluster": true}));
        assert!(holds(
            &c,
            json!({"source_ips": ["10.0.0.4", "203.0.113.45"]})
        ));
        assert!(!holds(&c, json!({"source_ips": ["10.0.0.4", "::1"]})));
        assert!(!holds(&c, json!({})));
        assert!(!holds(&c, json!({"source_ips": "not an address"})));
        assert!(holds(
            &cond(json!({"field": "token_pod", "exists": false})),
            json!({})
        ));
        assert!(holds(
            &cond(json!({"field": "token_pod", "exists": false})),
            json!({"token_pod": null})
        ));
        assert!(!holds(
            &cond(json!({"field": "token_pod", "exists": true})),
            json!({})
        ));
        assert!(!holds(
            &cond(json!({"field": "verb", "equals": "get"})),
            json!({})
        ));
    }

    #[test]
    fn combinators_and_event_columns() {
        let c = cond(json!({"all": [
            {"field": "$source", "equals": "tetragon"},
            {"field": "$rule", "equals": "process_exec"},
            {"any": [{"field": "a", "equals": 1}, {"field": "b", "equals": 2}]},
            {"not": {"field": "c", "exists": true}}
        ]}));
        assert!(holds(&c, json!({"a": 1})));
        assert!(holds(&c, json!({"b": 2})));
        assert!(!holds(&c, json!({"a": 1, "c": 0})));
        assert!(!holds(&c, json!({"a": 2})));
        let mut fields = BTreeSet::new();
        c.fields(&mut fields);
        assert_eq!(
            fields.into_iter().collect::<Vec<_>>(),
            ["$rule", "$source", "a", "b", "c"]
        );
    }

    #[test]
    fn mistakes_are_errors_that_name_the_place() {
        assert!(err(json!({"field": "verb", "equal": "get"})).contains("when: unknown key `equal`"));
        assert!(err(json!({"all": [{"field": "verb"}]})).contains("when.all[0]: no operator"));
        assert!(err(json!({"field": "x", "regex": "(unclosed"})).contains("when.regex: bad regex"));
        assert!(
            err(json!({"field": "x", "equals": 1, "in": [1]})).contains("more than one operator")
        );
        assert!(err(json!({"all": []})).contains("empty list"));
        assert!(err(json!({"any": [], "not": {}})).contains("stands alone"));
        assert!(err(json!({"field": "$time", "exists": true})).contains("unknown event column"));
        assert!(
            err(json!({"field": "x", "basename": true, "gte": 1})).contains("text operators only")
        );
        assert!(err(json!({"field": "x", "in": "get"})).contains("expected a list"));
        assert!(err(json!({"field": "x", "exists": "yes"})).contains("expected true or false"));
        assert!(err(json!(["x"])).contains("expected a mapping"));
    }
}
