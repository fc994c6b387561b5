//! Who made an Activity Log call: the token's claims, the RBAC evidence,
//! the REST form's `caller`, as one identity entity keyed by the Entra
//! object id.
//!
//! The object id is the key because it is what every other record names
//! the principal by: AKS with Entra ID puts it in an audit event's
//! `user.extra.oid`, and a service principal or a managed identity has no
//! UPN at all. A UPN keys the entity only when nothing else names it.

use crate::formats::str_of;
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};

/// The claims naming the object id, the UPN, the display name, the client
/// application, the tenant, in Entra v1 (URL) and v2 (short) spellings.
const OID: &[&str] = &["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
const UPN: &[&str] = &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn"];
const NAME: &[&str] = &["name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"];
const APP_ID: &[&str] = &["appid", "azp"];
const TENANT: &[&str] = &["http://schemas.microsoft.com/identity/claims/tenantid", "tid"];
const ID_TYPE: &[&str] = &["idtyp"];
const MANAGED_IDENTITY: &[&str] = &["xms_mirid"];
const TOKEN_IP: &[&str] = &["ipaddr"];

/// The canonical text of an Entra object id: lower case with dashes;
/// `evidence.principalId` writes it as 32 hex digits without them.
pub(super) fn object_id(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_lowercase();
    let hex = |p: &str| p.bytes().all(|b| b.is_ascii_hexdigit());
    if t.len() == 32 && hex(&t) {
        return Some(format!("{}-{}-{}-{}-{}", &t[..8], &t[8..12], &t[12..16], &t[16..20], &t[20..]));
    }
    let parts: Vec<&str> = t.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    (lens == [8, 4, 4, 4, 12] && parts.iter().all(|p| hex(p))).then_some(t)
}

pub(super) struct Caller {
    /// How titles name the caller: UPN, display name, managed identity,
    /// application, object id.
    pub display: String,
    entity: Option<EntityRef>,
    fields: Vec<(&'static str, String)>,
}

impl Caller {
    /// `fallback` names a caller no claim names (Azure Policy's
    /// evaluations carry no token).
    pub(super) fn read(
        claims: Option<&Map<String, Value>>,
        evidence: Option<&Map<String, Value>>,
        caller: Option<&str>,
        fallback: Option<&str>,
    ) -> Caller {
        let claim = |names: &[&str]| claims.and_then(|c| names.iter().find_map(|n| str_of(c.get(*n)))).map(str::trim);
        let oid = claim(OID)
            .and_then(object_id)
            .or_else(|| evidence.and_then(|e| str_of(e.get("principalId"))).and_then(object_id))
            .or_else(|| caller.and_then(object_id));
        let upn = claim(UPN).or(caller.filter(|c| c.contains('@')));
        let name = claim(NAME);
        let app = claim(APP_ID);
        let mi = claim(MANAGED_IDENTITY);
        let id_type = claim(ID_TYPE);
        let principal_type = evidence.and_then(|e| str_of(e.get("principalType"))).or(match id_type {
            Some("app") => Some("ServicePrincipal"),
            Some("user") => Some("User"),
            _ => None,
        });
        let mi_name = mi.map(|m| m.rsplit('/').next().unwrap_or(m));
        let display = upn
            .map(str::to_string)
            .or_else(|| mi_name.map(|m| format!("managed identity {}", m)))
            .or_else(|| name.map(str::to_string))
            .or_else(|| app.map(|a| format!("application {}", a)))
            .or_else(|| oid.clone())
            .or_else(|| caller.map(str::to_string))
            .or_else(|| fallback.map(str::to_string))
            .unwrap_or_else(|| "an unknown caller".to_string());
        // A user's `appid` is the client application it signed in with
        // (the Azure CLI, the portal), not an identity of its own.
        let (app_id, client_app) = if upn.is_some() { (None, app) } else { (app, None) };
        let key = oid.clone().or_else(|| upn.map(str::to_ascii_lowercase)).or_else(|| caller.map(str::to_string));
        let entity = key.map(|k| {
            EntityRef::new(EntityKind::Identity, k, "actor")
                .attr("provider", "azure")
                .attr("upn", upn)
                .attr("name", name)
                .attr("app_id", app_id)
                .attr("tenant_id", claim(TENANT))
                .attr("principal_type", principal_type)
                .attr("managed_identity", mi)
        });
        let mut fields = vec![("caller", display.clone())];
        let mut push = |n: &'static str, v: Option<&str>| {
            if let Some(v) = v {
                fields.push((n, v.to_string()));
            }
        };
        push("caller_object_id", oid.as_deref());
        push("caller_upn", upn);
        push("caller_app_id", app_id);
        push("client_app_id", client_app);
        push("principal_type", principal_type);
        push("managed_identity", mi);
        push("token_ip", claim(TOKEN_IP));
        Caller { display, entity, fields }
    }

    pub(super) fn apply(&self, ev: &mut NewEvent) {
        if let Some(e) = &self.entity {
            ev.entity(e.clone());
        }
        for (n, v) in &self.fields {
            ev.field(n, v.as_str());
        }
    }
}
