//! Which Services and NetworkPolicies select a pod: label selectors
//! evaluated as the API server does (matchLabels and matchExpressions,
//! all terms ANDed; an empty selector selects every pod).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

pub fn matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    for (k, v) in selector.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for req in selector.match_expressions.iter().flatten() {
        let have = labels.get(&req.key);
        let values = req.values.clone().unwrap_or_default();
        let ok = match req.operator.as_str() {
            "In" => have.is_some_and(|v| values.contains(v)),
            "NotIn" => have.is_none_or(|v| !values.contains(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            // An unknown operator selects nothing, as the server would refuse it.
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A Service's selector (a plain map): a Service without one selects no pod.
pub fn service_selects(selector: Option<&BTreeMap<String, String>>, labels: &BTreeMap<String, String>) -> bool {
    match selector {
        Some(s) if !s.is_empty() => s.iter().all(|(k, v)| labels.get(k) == Some(v)),
        _ => false,
    }
}

/// `app=cart,tier=backend` or `all pods`.
pub fn describe(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{}={}", k, v)).collect();
    for r in selector.match_expressions.iter().flatten() {
        let vals = r.values.clone().unwrap_or_default().join(",");
        parts.push(match r.operator.as_str() {
            "In" => format!("{} in ({})", r.key, vals),
            "NotIn" => format!("{} notin ({})", r.key, vals),
            "Exists" => r.key.clone(),
            "DoesNotExist" => format!("!{}", r.key),
            o => format!("{} {} ({})", r.key, o, vals),
        });
    }
    if parts.is_empty() {
        "all pods".into()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn selectors_match_as_the_api_server_does() {
        let pod = labels(&[("app", "cart"), ("tier", "backend")]);
        assert!(matches(&LabelSelector::default(), &pod), "an empty selector selects every pod");
        let by_label = LabelSelector { match_labels: Some(labels(&[("app", "cart")])), match_expressions: None };
        assert!(matches(&by_label, &pod));
        let req = |key: &str, op: &str, values: &[&str]| LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        };
        let expr = |r| LabelSelector { match_labels: None, match_expressions: Some(vec![r]) };
        assert!(matches(&expr(req("tier", "In", &["backend", "db"])), &pod));
        assert!(!matches(&expr(req("tier", "NotIn", &["backend"])), &pod));
        assert!(matches(&expr(req("env", "NotIn", &["prod"])), &pod), "NotIn holds when the label is absent");
        assert!(matches(&expr(req("app", "Exists", &[])), &pod));
        assert!(!matches(&expr(req("app", "DoesNotExist", &[])), &pod));
        assert!(!matches(&expr(req("app", "Sideways", &[])), &pod));
        assert!(!service_selects(None, &pod), "a Service without a selector selects nothing");
        assert!(service_selects(Some(&labels(&[("app", "cart")])), &pod));
        assert_eq!(describe(&by_label), "app=cart");
    }
}
