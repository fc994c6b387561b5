//! Who the client is and what it may do: the SelfSubjectReview answer, the
//! SelfSubjectAccessReview answer, and the 403s of real requests.
//!
//! Tests state refusals as rules. A `deny` rule is what RBAC would say both to
//! an access review and to the request; a `forbid_only` rule refuses the
//! request while reviews still say yes, as when permissions change between a
//! client's preflight check and its action.

use serde_json::{json, Value};

use crate::resources::Resource;
use crate::status::{ApiError, ApiResult};

#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub username: String,
    pub groups: Vec<String>,
}

impl Default for Identity {
    fn default() -> Identity {
        Identity { username: "kordon-tester".into(), groups: vec!["system:authenticated".into()] }
    }
}

/// One refusal. `*` in verb, group or resource matches anything; a rule
/// without a subresource matches only requests without one (as RBAC treats
/// `pods` and `pods/log` as different resources).
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: Option<String>,
    /// Whether access reviews report the refusal (`deny`) or not (`forbid_only`).
    pub visible_to_reviews: bool,
}

impl Rule {
    fn matches(&self, verb: &str, group: &str, resource: &str, subresource: &str) -> bool {
        let eq = |rule: &str, asked: &str| rule == "*" || asked == "*" || rule == asked;
        let sub_ok = match &self.subresource {
            None => subresource.is_empty(),
            Some(s) => eq(s, subresource),
        };
        eq(&self.verb, verb) && eq(&self.group, group) && eq(&self.resource, resource) && sub_ok
    }
}

#[derive(Debug, Default)]
pub(crate) struct Access {
    pub identity: Identity,
    pub rules: Vec<Rule>,
}

impl Access {
    /// Refuses a real request the way the RBAC authorizer's 403 reads.
    pub(crate) fn check(&self, res: &Resource, verb: &str, subresource: Option<&str>, namespace: Option<&str>, name: &str) -> ApiResult<()> {
        let sub = subresource.unwrap_or("");
        if !self.rules.iter().any(|r| r.matches(verb, &res.group, &res.plural, sub)) {
            return Ok(());
        }
        let resource = if sub.is_empty() { res.plural.clone() } else { format!("{}/{}", res.plural, sub) };
        let scope = match namespace {
            Some(ns) if !ns.is_empty() => format!("in the namespace \"{ns}\""),
            _ => "at the cluster scope".to_string(),
        };
        let why = format!(
            "User \"{}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
            self.identity.username, res.group
        );
        Err(ApiError::forbidden(res, name, &why))
    }

    /// The answer to a SelfSubjectAccessReview: the request echoed with a status.
    pub(crate) fn access_review(&self, mut review: Value) -> ApiResult<Value> {
        if !review.is_object() {
            return Err(ApiError::bad_request("a SelfSubjectAccessReview must be a JSON object"));
        }
        let status = match review.pointer("/spec/resourceAttributes") {
            Some(attrs) => {
                let field = |k: &str| attrs.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let (verb, group, resource, sub) = (field("verb"), field("group"), field("resource"), field("subresource"));
                let denied = self
                    .rules
                    .iter()
                    .filter(|r| r.visible_to_reviews)
                    .find(|r| r.matches(&verb, &group, &resource, &sub));
                match denied {
                    Some(r) => json!({
                        "allowed": false,
                        "reason": format!(
                            "kordon-test-apiserver denies {} on {}{} in API group \"{}\"",
                            r.verb,
                            r.resource,
                            r.subresource.as_deref().map(|s| format!("/{s}")).unwrap_or_default(),
                            r.group
                        ),
                    }),
                    None => json!({"allowed": true}),
                }
            }
            None if review.pointer("/spec/nonResourceAttributes").is_some() => json!({"allowed": true}),
            None => {
                return Err(ApiError::unprocessable(
                    "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                ))
            }
        };
        review["status"] = status;
        if review.get("apiVersion").is_none() {
            review["apiVersion"] = json!("authorization.k8s.io/v1");
        }
        review["kind"] = json!("SelfSubjectAccessReview");
        if review.get("metadata").is_none() {
            review["metadata"] = json!({});
        }
        Ok(review)
    }

    /// The answer to a SelfSubjectRulesReview: everything, flagged incomplete
    /// when refusals exist (RBAC rules cannot express them).
    pub(crate) fn rules_review(&self, mut review: Value) -> ApiResult<Value> {
        if !review.is_object() {
            return Err(ApiError::bad_request("a SelfSubjectRulesReview must be a JSON object"));
        }
        review["kind"] = json!("SelfSubjectRulesReview");
        review["apiVersion"] = json!("authorization.k8s.io/v1");
        review["status"] = json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": !self.rules.is_empty(),
        });
        Ok(review)
    }

    /// The answer to a SelfSubjectReview in `api_version`.
    pub(crate) fn subject_review(&self, api_version: &str) -> Value {
        json!({
            "kind": "SelfSubjectReview",
            "apiVersion": api_version,
            "metadata": {"creationTimestamp": null},
            "status": {"userInfo": {
                "username": self.identity.username,
                "uid": stable_uid(&self.identity.username),
                "groups": self.identity.groups,
            }},
        })
    }
}

/// A UUID-shaped id that depends only on the username (FNV-1a based).
fn stable_uid(username: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut hash = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
        h
    };
    let a = username.bytes().fold(0, |_, b| hash(b));
    let b = hash(0x5a);
    format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF, b >> 52, b & 0xFFFF_FFFF_FFFF)
}
