//! Who made a CloudTrail call (`userIdentity`), as entities: the acting
//! principal, the role a session belongs to, a web identity.
//!
//! Roles the entities play (the relation rules in `data/relations.yaml`
//! read them):
//! - `actor`: the AWS principal that made the call, keyed by its ARN (for a
//!   role session the session ARN `arn:aws:sts::<acct>:assumed-role/<Role>/<session>`,
//!   which is also what an EKS audit event's `user.extra.arn` holds).
//! - `session-issuer`: the role a session is a session of
//!   (`sessionContext.sessionIssuer.arn`). Not `assumed-role`: in an
//!   `AssumeRole` call made by a session, that name is for the role the call
//!   assumes, and the two must not be confused.
//! - `web-identity`: a federated identity that is not an AWS principal (a
//!   Kubernetes service account exchanging its token, a SAML user).
//! - AWS services (`AWSService`) are no entity: `invokedBy` names them.

use crate::formats::str_of;
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};

/// What `userIdentity` says of the caller.
pub(super) struct Caller {
    /// How the caller is named in titles: an ARN, a web identity, a service.
    pub display: String,
    /// The service that made the call (`AWSService`), or made it on the
    /// principal's behalf (`invokedBy`).
    pub invoked_by: Option<String>,
    /// The web identity (`userName` of a `WebIdentityUser`).
    pub web_identity: Option<String>,
    /// The web identity's provider (`identityProvider`).
    pub identity_provider: Option<String>,
    entities: Vec<EntityRef>,
    fields: Vec<(&'static str, Value)>,
}

impl Caller {
    /// Puts the caller's entities and fields on the event.
    pub fn apply(&self, ev: &mut NewEvent) {
        for e in &self.entities {
            ev.entity(e.clone());
        }
        for (name, value) in &self.fields {
            ev.field(name, value.clone());
        }
    }
}

/// An AWS principal as an identity entity, keyed by its ARN.
pub(super) fn aws_principal(arn: &str, role: &str) -> EntityRef {
    EntityRef::new(EntityKind::Identity, arn, role).attr("provider", "aws").attr("account", account_of(arn))
}

/// The account of an ARN (`arn:aws:iam::111122223333:role/x`).
pub(super) fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The last path segment of an ARN's resource: a role's name, a session's
/// name, a policy's name.
pub(super) fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The role name and session name of a session ARN
/// (`arn:aws:sts::<acct>:assumed-role/<Role>/<session>`).
pub(super) fn session_parts(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.split_once(":assumed-role/")?.1;
    rest.split_once('/')
}

/// Reads `userIdentity`.
pub(super) fn caller(ui: &Map<String, Value>) -> Caller {
    let s = |k: &str| str_of(ui.get(k));
    let kind = s("type");
    let arn = s("arn");
    let account = s("accountId");
    let invoked_by = s("invokedBy");
    let mut c = Caller {
        display: String::new(),
        invoked_by: invoked_by.map(str::to_string),
        web_identity: None,
        identity_provider: s("identityProvider").map(str::to_string),
        entities: Vec::new(),
        fields: Vec::new(),
    };
    let mut field = |name: &'static str, v: Option<&str>| {
        if let Some(v) = v {
            c.fields.push((name, Value::String(v.to_string())));
        }
    };
    field("user_type", kind);
    field("user_arn", arn);
    field("principal_id", s("principalId"));
    field("access_key_id", s("accessKeyId"));
    field("invoked_by", invoked_by);
    let context = ui.get("sessionContext").and_then(Value::as_object);
    let issuer = context.and_then(|c| c.get("sessionIssuer")).and_then(Value::as_object);
    let attributes = context.and_then(|c| c.get("attributes")).and_then(Value::as_object);
    let federation = context.and_then(|c| c.get("webIdFederationData")).and_then(Value::as_object);
    let issuer_arn = issuer.and_then(|i| str_of(i.get("arn")));
    let federated_provider = federation.and_then(|f| str_of(f.get("federatedProvider")));
    let mfa = attributes.and_then(|a| str_of(a.get("mfaAuthenticated")));
    field("session_issuer", issuer_arn);
    field("web_identity_provider", federated_provider);
    field("mfa_authenticated", mfa);
    field("source_identity", context.and_then(|c| str_of(c.get("sourceIdentity"))));

    match kind {
        Some("AWSService") => {
            c.display = invoked_by.unwrap_or("an AWS service").to_string();
        }
        Some("WebIdentityUser") | Some("SAMLUser") => {
            let name = s("userName").or_else(|| {
                // `<provider>:<audience>:<subject>` when userName is missing.
                s("principalId").and_then(|p| p.split_once(":sts.amazonaws.com:").map(|(_, sub)| sub))
            });
            c.display = name.unwrap_or("an unnamed web identity").to_string();
            if let Some(name) = name {
                c.web_identity = Some(name.to_string());
                c.entities.push(
                    EntityRef::new(EntityKind::Identity, name, "web-identity")
                        .attr("identity_provider", s("identityProvider"))
                        .attr("principal_id", s("principalId"))
                        .attr("federation", kind),
                );
            }
        }
        _ => {
            // An AWS principal: a user, a role session, the root user, a
            // federated user, another account.
            let key = arn.or(s("principalId")).or(account);
            c.display = key.unwrap_or("an unknown caller").to_string();
            if let Some(key) = key {
                let session = arn.and_then(session_parts);
                c.entities.push(
                    EntityRef::new(EntityKind::Identity, key, "actor")
                        .attr("provider", "aws")
                        .attr("account", account.or(arn.and_then(account_of)))
                        .attr("type", kind)
                        .attr("principal_id", s("principalId"))
                        .attr("access_key_id", s("accessKeyId"))
                        .attr("user_name", s("userName"))
                        .attr("session_name", session.map(|(_, name)| name))
                        .attr("mfa_authenticated", mfa)
                        .attr("session_created", attributes.and_then(|a| str_of(a.get("creationDate"))))
                        .attr("web_identity_provider", federated_provider),
                );
            }
            if let Some(role) = issuer_arn {
                c.entities.push(
                    aws_principal(role, "session-issuer")
                        .attr("type", issuer.and_then(|i| str_of(i.get("type"))))
                        .attr("principal_id", issuer.and_then(|i| str_of(i.get("principalId"))))
                        .attr("user_name", issuer.and_then(|i| str_of(i.get("userName")))),
                );
            }
        }
    }
    // A call a service made for a principal (the console, CloudFormation).
    if kind != Some("AWSService") {
        if let Some(by) = invoked_by {
            c.display = format!("{} (through {})", c.display, by);
        }
    }
    c
}
