//! The object store: every object the fake cluster holds, keyed like etcd
//! keys (resource, namespace, name), plus the global resourceVersion counter.
//!
//! A BTreeMap keeps iteration in namespace-then-name order, which is the order
//! a real server lists in, so paging and listing need no extra sorting.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{json, Value};

use crate::ids::{now_rfc3339, Ids};
use crate::meta;
use crate::resources::{self, Resource};

/// (group, plural, namespace or "" for cluster-scoped, name)
pub(crate) type Key = (String, String, String, String);

#[derive(Debug)]
pub(crate) struct Store {
    objects: BTreeMap<Key, Value>,
    revision: u64,
    pub ids: Ids,
}

impl Store {
    pub(crate) fn new() -> Store {
        Store { objects: BTreeMap::new(), revision: 1, ids: Ids::new() }
    }

    /// The current resourceVersion (of the last persisted write).
    pub(crate) fn revision(&self) -> u64 {
        self.revision
    }

    /// Advances the counter for a persisted write and returns the new value.
    pub(crate) fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    pub(crate) fn key(res: &Resource, namespace: &str, name: &str) -> Key {
        let ns = if res.namespaced { namespace } else { "" };
        (res.group.clone(), res.plural.clone(), ns.to_string(), name.to_string())
    }

    pub(crate) fn get(&self, res: &Resource, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&Store::key(res, namespace, name))
    }

    /// Objects of one resource, in one namespace or all, sorted by namespace then name.
    pub(crate) fn list(&self, res: &Resource, namespace: Option<&str>) -> Vec<(&Key, &Value)> {
        let ns = match namespace {
            Some(ns) if res.namespaced => ns.to_string(),
            _ => String::new(),
        };
        let start: Key = (res.group.clone(), res.plural.clone(), ns.clone(), String::new());
        self.objects
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(|(k, _)| {
                k.0 == res.group && k.1 == res.plural && (namespace.is_none() || !res.namespaced || k.2 == ns)
            })
            .collect()
    }

    /// Stores `obj` under the key derived from its own metadata.
    pub(crate) fn insert(&mut self, res: &Resource, obj: Value) {
        let key = Store::key(res, meta::namespace(&obj), meta::name(&obj));
        self.objects.insert(key, obj);
    }

    pub(crate) fn remove(&mut self, res: &Resource, namespace: &str, name: &str) -> Option<Value> {
        self.objects.remove(&Store::key(res, namespace, name))
    }

    pub(crate) fn crds(&self) -> impl Iterator<Item = &Value> {
        let start: Key = ("apiextensions.k8s.io".into(), "customresourcedefinitions".into(), String::new(), String::new());
        self.objects
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(|(k, _)| k.0 == "apiextensions.k8s.io" && k.1 == "customresourcedefinitions")
            .map(|(_, v)| v)
    }

    /// The resource served at this path segment triple, if any.
    pub(crate) fn resolve(&self, group: &str, version: &str, plural: &str) -> Option<Resource> {
        resources::resolve(group, version, plural, self.crds())
    }

    /// The resource an object is stored as, from its `apiVersion` and `kind`.
    pub(crate) fn resource_for(&self, obj: &Value) -> Result<Resource, String> {
        let api_version = meta::str_at(obj, "/apiVersion");
        let kind = meta::str_at(obj, "/kind");
        if api_version.is_empty() || kind.is_empty() {
            return Err(format!("object without apiVersion/kind: {}", truncate(obj)));
        }
        if meta::name(obj).is_empty() {
            return Err(format!("{kind} without metadata.name"));
        }
        let namespaced_hint = !meta::namespace(obj).is_empty();
        Ok(resources::for_kind(api_version, kind, namespaced_hint, self.crds()))
    }

    /// Puts an object supplied by the test (seed or `Server::put`), filling a
    /// uid and creationTimestamp if missing. Seeds keep a numeric
    /// resourceVersion they carry (the counter moves past it); other puts get
    /// a fresh one, like any write.
    pub(crate) fn load(&mut self, mut obj: Value, keep_resource_version: bool) -> Result<Resource, String> {
        let res = self.resource_for(&obj)?;
        if !res.namespaced {
            meta::set(&mut obj, "namespace", None);
        } else if meta::namespace(&obj).is_empty() {
            meta::set(&mut obj, "namespace", Some(json!("default")));
        }
        if meta::uid(&obj).is_empty() {
            let uid = self.ids.uid();
            meta::set(&mut obj, "uid", Some(json!(uid)));
        }
        if meta::str_at(&obj, "/metadata/creationTimestamp").is_empty() {
            meta::set(&mut obj, "creationTimestamp", Some(json!(now_rfc3339())));
        }
        let given = meta::resource_version(&obj).parse::<u64>().ok();
        let rv = match given {
            Some(rv) if keep_resource_version => {
                self.revision = self.revision.max(rv);
                rv
            }
            _ => self.next_revision(),
        };
        meta::set(&mut obj, "resourceVersion", Some(json!(rv.to_string())));
        self.insert(&res, obj);
        Ok(res)
    }
}

fn truncate(obj: &Value) -> String {
    let s = obj.to_string();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}
