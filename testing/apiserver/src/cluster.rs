//! The objects a server starts with.
//!
//! Seeds usually come from a `kubectl get -o json` dump of a real (or demo)
//! cluster, so the loader takes a `List` as kubectl writes it, a bare array,
//! or a single object.

use serde_json::Value;

/// Objects to seed a `Server` with.
#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub(crate) objects: Vec<Value>,
}

impl Cluster {
    /// A cluster with no objects (and therefore every namespace usable).
    pub fn empty() -> Cluster {
        Cluster::default()
    }

    /// Loads a `kind: List` (items of mixed kinds, as `kubectl get -o json`
    /// writes), any `*List` with items, a JSON array of objects, or one object.
    /// Every object needs `apiVersion`, `kind` and `metadata.name`.
    pub fn from_json(bytes: &[u8]) -> Result<Cluster, String> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let mut cluster = Cluster::empty();
        cluster.add_document(doc)?;
        Ok(cluster)
    }

    /// Adds one object. Objects are checked when the server starts.
    pub fn add(&mut self, obj: Value) {
        self.objects.push(obj);
    }

    /// Adds the objects of another parsed document (see `from_json`).
    pub fn add_document(&mut self, doc: Value) -> Result<(), String> {
        let items = match doc {
            Value::Array(items) => items,
            Value::Object(ref o) if o.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List")) => {
                match o.get("items") {
                    Some(Value::Array(items)) => items.clone(),
                    Some(Value::Null) | None => Vec::new(),
                    Some(_) => return Err("a List's items must be an array".into()),
                }
            }
            Value::Object(_) => vec![doc],
            _ => return Err("expected a List, an array or an object".into()),
        };
        for (i, item) in items.into_iter().enumerate() {
            let has = |p: &str| item.pointer(p).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
            if !has("/apiVersion") || !has("/kind") || !has("/metadata/name") {
                return Err(format!("item {i} lacks apiVersion, kind or metadata.name"));
            }
            self.objects.push(item);
        }
        Ok(())
    }

    /// The objects, in the order given.
    pub fn objects(&self) -> &[Value] {
        &self.objects
    }
}
