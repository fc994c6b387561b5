//! The snapshot objects of the case, as the k8s-objects importer normalized
//! them (`events.fields` of kind 'object'), newest copy of each object.

use super::Scope;
use crate::error::Result;
use crate::store::Case;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Obj {
    /// The event's stable id (`events.key`), as every view names events.
    pub id: i64,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub f: Value,
}

impl Obj {
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    pub fn str(&self, k: &str) -> Option<&str> {
        self.f.get(k).and_then(|v| v.as_str())
    }

    pub fn flag(&self, k: &str) -> bool {
        self.f.get(k).and_then(|v| v.as_bool()).unwrap_or(false)
    }

    pub fn labels(&self) -> BTreeMap<String, String> {
        self.f.get("labels").and_then(|l| serde_json::from_value(l.clone()).ok()).unwrap_or_default()
    }
}

pub struct Objects {
    all: Vec<Obj>,
}

impl Objects {
    pub fn load(case: &Case) -> Result<Objects> {
        Self::load_where(case, "")
    }

    /// Only objects of these kinds (the graph's blast radius needs RBAC only).
    pub fn load_kinds(case: &Case, kinds: &[&str]) -> Result<Objects> {
        let list: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.replace('\'', "''"))).collect();
        Self::load_where(case, &format!(" AND rule IN ({})", list.join(",")))
    }

    fn load_where(case: &Case, extra: &str) -> Result<Objects> {
        let sql = format!("SELECT key, rule, fields FROM events WHERE kind = 'object' AND source = 'k8s-object'{} ORDER BY id", extra);
        let mut st = case.conn.prepare(&sql)?;
        let rows: Vec<(i64, String, String)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        // The newest copy of each object (a later snapshot replaces an earlier one).
        let mut by_key: BTreeMap<(String, Option<String>, String), Obj> = BTreeMap::new();
        for (id, kind, fields) in rows {
            let f: Value = serde_json::from_str(&fields).unwrap_or(Value::Null);
            let name = f.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let namespace = f.get("namespace").and_then(|v| v.as_str()).map(str::to_string);
            by_key.insert((kind.clone(), namespace.clone(), name.clone()), Obj { id, kind, namespace, name, f });
        }
        Ok(Objects { all: by_key.into_values().collect() })
    }

    /// No objects: a case with posture reports and no snapshot.
    pub fn empty() -> Objects {
        Objects { all: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn of(&self, kind: &str) -> impl Iterator<Item = &Obj> + '_ {
        let kind = kind.to_string();
        self.all.iter().filter(move |o| o.kind == kind)
    }

    pub fn by_id(&self, id: i64) -> Option<&Obj> {
        self.all.iter().find(|o| o.id == id)
    }

    pub fn find(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Obj> {
        self.all.iter().find(|o| o.kind == kind && o.namespace.as_deref() == namespace && o.name == name)
    }

    /// Every pod's identity, pod and namespace: the case-wide scope.
    pub fn whole_scope(&self) -> Scope {
        let mut s = Scope { whole_case: true, ..Scope::default() };
        for p in self.of("Pod") {
            let ns = p.namespace.clone().unwrap_or_default();
            s.pods.push(format!("{}/{}", ns, p.name));
            if let Some(sa) = p.str("service_account") {
                s.identities.push(format!("system:serviceaccount:{}:{}", ns, sa));
            }
        }
        s.namespaces = self.of("Namespace").map(|n| n.name.clone()).collect();
        s.identities.sort();
        s.identities.dedup();
        s
    }
}
