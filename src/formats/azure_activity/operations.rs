//! What an Activity Log call did, in words: the resource it named, and for
//! the AKS operations that matter to an incident (fetching a cluster's
//! credentials, running a command through the API, changing or deleting
//! the cluster) a title that says so, and the `credentials` link from the
//! caller to the cluster when credentials were handed out.

use super::caller::Caller;
use super::Entry;
use crate::entity;
use crate::formats::str_of;
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::Value;

/// An ARM resource id, lower-cased, in its parts.
pub(super) struct Resource {
    pub id: String,
    pub subscription: Option<String>,
    pub group: Option<String>,
    /// `microsoft.containerservice/managedclusters`, with a child's type
    /// appended (`…/accessprofiles`).
    pub kind: Option<String>,
    /// The top resource's name (`aks-shop-prod`).
    pub name: Option<String>,
    /// The child's name, for a child resource (`clusteradmin`).
    pub child: Option<String>,
    provider: Option<String>,
    top_type: Option<String>,
}

impl Resource {
    pub(super) fn parse(id: &str) -> Resource {
        let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        let after = |key: &str| {
            segs.iter()
                .position(|s| s.eq_ignore_ascii_case(key))
                .and_then(|i| segs.get(i + 1))
                .map(|s| s.to_string())
                .filter(|s| !entity::is_absent(s))
        };
        let mut r = Resource {
            id: id.to_string(),
            subscription: after("subscriptions"),
            group: after("resourcegroups"),
            kind: None,
            name: None,
            child: None,
            provider: None,
            top_type: None,
        };
        if let Some(p) = segs.iter().position(|s| s.eq_ignore_ascii_case("providers")) {
            // providers/<namespace>/<type>/<name>[/<type>/<name>…]
            let rest = &segs[p + 1..];
            if rest.len() >= 3 {
                r.provider = Some(rest[0].to_string());
                r.top_type = Some(rest[1].to_string());
                r.name = Some(rest[2].to_string());
                let mut kind = format!("{}/{}", rest[0], rest[1]);
                let mut i = 3;
                while i < rest.len() {
                    kind.push('/');
                    kind.push_str(rest[i]);
                    r.child = rest.get(i + 1).map(|s| s.to_string());
                    i += 2;
                }
                r.kind = Some(kind);
            }
        }
        r
    }

    /// The AKS cluster the resource is or belongs to, by its lower-case
    /// name (the key the audit log's cluster entity uses too).
    pub(super) fn aks_cluster(&self) -> Option<String> {
        let aks = self.provider.as_deref() == Some("microsoft.containerservice")
            && self.top_type.as_deref() == Some("managedclusters");
        aks.then(|| self.name.clone()).flatten()
    }

    /// The cluster's own resource id.
    pub(super) fn cluster_id(&self) -> Option<String> {
        Some(format!(
            "/subscriptions/{}/resourcegroups/{}/providers/microsoft.containerservice/managedclusters/{}",
            self.subscription.as_deref()?,
            self.group.as_deref()?,
            self.aks_cluster()?
        ))
    }
}

/// A verb in the three forms a title needs.
struct Verb {
    base: &'static str,
    ing: &'static str,
    past: &'static str,
}

const LIST: Verb = Verb { base: "list", ing: "listing", past: "listed" };
const RUN: Verb = Verb { base: "run a command in", ing: "running a command in", past: "ran a command in" };
const WRITE: Verb = Verb { base: "create or update", ing: "creating or updating", past: "created or updated" };
const DELETE: Verb = Verb { base: "delete", ing: "deleting", past: "deleted" };
const READ: Verb = Verb { base: "read", ing: "reading", past: "read" };
const ROTATE: Verb =
    Verb { base: "rotate the certificates of", ing: "rotating the certificates of", past: "rotated the certificates of" };

/// What an AKS operation is, by its name under
/// `microsoft.containerservice/managedclusters/`.
enum Aks {
    /// Credentials handed out, and which.
    Credentials(String),
    RunCommand,
    Write,
    Delete,
    RotateCertificates,
}

fn aks_operation(op: &str, r: Option<&Resource>) -> Option<Aks> {
    let rest = op.strip_prefix("microsoft.containerservice/managedclusters/")?;
    Some(match rest {
        "listclusteradmincredential/action" => Aks::Credentials("cluster-admin".into()),
        "listclusterusercredential/action" => Aks::Credentials("cluster-user".into()),
        "listclustermonitoringusercredential/action" => Aks::Credentials("cluster-monitoring-user".into()),
        "accessprofiles/listcredential/action" => {
            Aks::Credentials(format!("{} access-profile", r.and_then(|r| r.child.as_deref()).unwrap_or("an")))
        }
        "runcommand/action" => Aks::RunCommand,
        "write" => Aks::Write,
        "delete" => Aks::Delete,
        "rotateclustercertificates/action" => Aks::RotateCertificates,
        _ => return None,
    })
}

/// Any other call, by the last word of its operation (`write`, `delete`,
/// `<name>/action`, `read`) and the resource: "… deleted
/// federatedidentitycredentials shop-cart-federation (<operation>)".
fn generic(e: &Entry, who: &Caller, r: Option<&Resource>, words: &dyn Fn(&Verb, &str) -> String) -> String {
    let object = match r {
        Some(r) => {
            let kind = r.kind.as_deref().and_then(|k| k.rsplit('/').next()).unwrap_or("resource");
            match r.child.as_deref().or(r.name.as_deref()) {
                Some(name) => format!("{} {}", kind, name),
                None => kind.to_string(),
            }
        }
        None => "the subscription".to_string(),
    };
    let segments: Vec<&str> = e.operation.split('/').collect();
    let sentence = match segments.as_slice() {
        [.., "write"] => words(&WRITE, &object),
        [.., "delete"] => words(&DELETE, &object),
        [.., action, "action"] => match e.status.as_deref() {
            Some("Started") => format!("{} started {} on {}", who.display, action, object),
            Some("Failed") => format!("{} failed to {} on {}", who.display, action, object),
            _ => format!("{} ran {} on {}", who.display, action, object),
        },
        _ => words(&READ, &object),
    };
    format!("{} ({})", sentence, e.operation)
}

/// The title of an entry; puts the AKS-specific fields and links on `ev`.
pub(super) fn describe(e: &Entry, who: &Caller, r: Option<&Resource>, cluster: Option<&str>, ev: &mut NewEvent) -> String {
    let status = e.status.as_deref();
    let failure = ev
        .fields
        .get("error_code")
        .and_then(Value::as_str)
        .or(e.sub_status)
        .map(str::to_string);
    let words = |verb: &Verb, object: &str| -> String {
        match status {
            Some("Started") => format!("{} started {} {}", who.display, verb.ing, object),
            Some("Failed") => match &failure {
                Some(why) => format!("{} failed to {} {} ({})", who.display, verb.base, object, why),
                None => format!("{} failed to {} {}", who.display, verb.base, object),
            },
            Some("Accepted") => format!("{} asked to {} {} (accepted)", who.display, verb.base, object),
            _ => format!("{} {} {}", who.display, verb.past, object),
        }
    };
    let (Some(cluster), Some(op)) = (cluster, aks_operation(&e.operation, r)) else {
        return generic(e, who, r, &words);
    };
    match op {
        Aks::Credentials(which) => {
            if matches!(status, None | Some("Succeeded")) {
                ev.field("credentials", which.as_str());
                ev.entity(EntityRef::new(EntityKind::Cluster, cluster, "credentials").attr("provider", "aks"));
            }
            words(&LIST, &format!("the {} credentials of {}", which, cluster))
        }
        Aks::RunCommand => {
            let body = ev.fields.get("request_body").and_then(Value::as_object);
            let command = body.and_then(|b| str_of(b.get("command"))).map(str::to_string);
            let object = match &command {
                Some(c) => format!("{} through the API: {}", cluster, c),
                None => format!("{} through the API (runCommand)", cluster),
            };
            ev.field("run_command", command);
            words(&RUN, &object)
        }
        Aks::Write => words(&WRITE, &format!("cluster {}", cluster)),
        Aks::Delete => words(&DELETE, &format!("cluster {}", cluster)),
        Aks::RotateCertificates => words(&ROTATE, &format!("cluster {}", cluster)),
    }
}
