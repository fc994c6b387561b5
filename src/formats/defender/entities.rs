//! Defender's entity graphs as JSON.NET writes them (`$id` on first use,
//! `$ref` after): resolving the references, walking the graph and building
//! Kordon entities through the table.

use super::*;

/// The `$id` → object index of one entity array; lookups follow `$ref`s.
pub(super) struct Refs<'a> {
    ids: HashMap<String, &'a Value>,
}

fn id_text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The id a `{"$ref": id}` object points to.
fn ref_target(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => id_text(o.get("$ref")),
        _ => None,
    }
}

impl<'a> Refs<'a> {
    pub(super) fn new(root: &'a Value) -> Refs<'a> {
        let mut refs = Refs {
            ids: HashMap::new(),
        };
        refs.index(root, 0);
        refs
    }

    fn index(&mut self, v: &'a Value, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        match v {
            Value::Object(o) => {
                if let Some(id) = id_text(o.get("$id")) {
                    // JSON.NET defines each id once; keep the first if not.
                    self.ids.entry(id).or_insert(v);
                }
                o.values().for_each(|c| self.index(c, depth + 1));
            }
            Value::Array(items) => items.iter().for_each(|c| self.index(c, depth + 1)),
            _ => {}
        }
    }

    /// The value itself, or the object a reference points to; `None` for a
    /// dangling reference.
    fn deref(&self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        for _ in 0..MAX_REF_HOPS {
            match ref_target(cur) {
                Some(id) => cur = self.ids.get(&id)?,
                None => return Some(cur),
            }
        }
        None
    }

    /// Follows a dot-separated, case-insensitive property path.
    fn path(&self, v: &'a Value, path: &str) -> Option<&'a Value> {
        let mut cur = self.deref(v)?;
        for seg in path.split('.') {
            let Value::Object(o) = cur else {
                return None;
            };
            cur = self.deref(get_ci(o, seg)?)?;
        }
        Some(cur)
    }

    /// The first non-empty scalar among `paths`, as JSON (strings trimmed).
    fn scalar(&self, v: &'a Value, paths: &[String]) -> Option<Value> {
        paths.iter().find_map(|p| match self.path(v, p)? {
            Value::String(s) if !entity::is_absent(s) => Some(Value::String(s.trim().to_string())),
            n @ (Value::Number(_) | Value::Bool(_)) => Some(n.clone()),
            _ => None,
        })
    }

    fn text(&self, v: &'a Value, paths: &[String]) -> Option<String> {
        self.scalar(v, paths).map(|s| match s {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// The entity type of an object: Graph's `@odata.type` without its namespace
/// (`#microsoft.graph.security.kubernetesPodEvidence`), else `Type`.
pub(super) fn entity_type_of(o: &Map<String, Value>) -> Option<String> {
    if let Some(t) = str_of(get_ci(o, "@odata.type")) {
        let t = t.trim().trim_start_matches('#');
        return Some(t.rsplit('.').next().unwrap_or(t).to_string());
    }
    str_of(get_ci(o, "type")).map(|t| t.trim().to_string())
}

/// An entity found in the graph, with the roles given by where it was found
/// (empty: its table row's role).
struct Found<'a> {
    value: &'a Value,
    type_name: String,
    roles: Vec<String>,
}

/// Walks an entity array: every object with a type, at the top level or
/// nested in another entity, exactly once (by `$id`, else by address), so
/// cycles end and shared entities are not repeated.
struct Walker<'r, 'a> {
    refs: &'r Refs<'a>,
    table: &'static EntityTable,
    seen: HashMap<Identity, Option<usize>>,
    found: Vec<Found<'a>>,
    dangling: Vec<String>,
}

#[derive(PartialEq, Eq, Hash)]
enum Identity {
    Id(String),
    Address(usize),
}

impl<'r, 'a> Walker<'r, 'a> {
    fn walk(&mut self, v: &'a Value, role: Option<&str>, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        let target = match ref_target(v) {
            Some(id) => match self.refs.ids.get(&id) {
                Some(t) => *t,
                None => {
                    if !self.dangling.contains(&id) {
                        self.dangling.push(id);
                    }
                    return;
                }
            },
            None => v,
        };
        match target {
            Value::Array(items) => items.iter().for_each(|c| self.walk(c, role, depth + 1)),
            Value::Object(o) => {
                let identity = match id_text(o.get("$id")) {
                    Some(id) => Identity::Id(id),
                    None => Identity::Address(o as *const Map<String, Value> as usize),
                };
                if let Some(seen) = self.seen.get(&identity) {
                    // Already found: only record the role this place gives it.
                    if let (Some(i), Some(r)) = (*seen, role) {
                        if !self.found[i].roles.iter().any(|x| x == r) {
                            self.found[i].roles.push(r.to_string());
                        }
                    }
                    return;
                }
                let index = entity_type_of(o).map(|type_name| {
                    self.found.push(Found {
                        value: target,
                        type_name,
                        roles: role.map(str::to_string).into_iter().collect(),
                    });
                    self.found.len() - 1
                });
                self.seen.insert(identity, index);
                for (key, child) in o {
                    if key.starts_with('$') {
                        continue;
                    }
                    let child_role = self.table.nested_role(key);
                    self.walk(child, child_role, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// What one entity of the alert becomes.
pub(super) enum Built {
    Entity {
        kind: EntityKind,
        key: String,
        attrs: Map<String, Value>,
    },
    /// An account without domain, UPN or directory id: an OS user inside a
    /// container or on a node, which Kordon keeps as a fact, not an identity.
    OsUser(String),
    /// Mapped, but the record lacks what the key needs.
    NoKey,
}

/// Maps the entity array onto the event.
pub(crate) fn add_entities(ev: &mut NewEvent, root: &Value) {
    let table = table();
    let refs = Refs::new(root);
    let mut walker = Walker {
        refs: &refs,
        table,
        seen: HashMap::new(),
        found: Vec::new(),
        dangling: Vec::new(),
    };
    walker.walk(root, None, 0);
    let Walker {
        found, dangling, ..
    } = walker;

    // A process's key is scoped by its container; Defender's process entity
    // does not name one, so the alert's only container is used.
    let mut containers: Vec<String> = Vec::new();
    for f in &found {
        if let Some(m) = table.mapping(&f.type_name).filter(|m| m.key == "container") {
            if let Some(id) = part(&refs, f.value, m, "id").and_then(|id| entity::container_id(&id))
            {
                if !containers.contains(&id) {
                    containers.push(id);
                }
            }
        }
    }
    let sole_container = if containers.len() == 1 {
        containers.first().map(String::as_str)
    } else {
        None
    };

    let mut unmapped: Vec<String> = Vec::new();
    let mut unkeyed: Vec<String> = Vec::new();
    let mut os_users: Vec<String> = Vec::new();
    for f in &found {
        let Some(m) = table.mapping(&f.type_name) else {
            if !unmapped
                .iter()
                .any(|u| u.eq_ignore_ascii_case(&f.type_name))
            {
                unmapped.push(f.type_name.clone());
            }
            continue;
        };
        match build_entity(&refs, f.value, m, sole_container) {
            Built::Entity { kind, key, attrs } => {
                if let Some(cmdline) = attrs.get("cmdline").and_then(Value::as_str) {
                    ev.add_search(cmdline);
                }
                let roles: Vec<&str> = if f.roles.is_empty() {
                    vec![m.role.as_str()]
                } else {
                    f.roles.iter().map(String::as_str).collect()
                };
                for role in roles {
                    let mut e = EntityRef::new(kind, key.clone(), role);
                    e.attrs = attrs.clone();
                    ev.entity(e);
                }
            }
            Built::OsUser(name) => {
                if !os_users.contains(&name) {
                    os_users.push(name);
                }
            }
            Built::NoKey => {
                if !unkeyed.contains(&f.type_name) {
                    unkeyed.push(f.type_name.clone());
                }
            }
        }
    }
    for (name, list) in [
        ("unmapped_entity_types", unmapped),
        ("unkeyed_entity_types", unkeyed),
        ("os_users", os_users),
        ("unresolved_entity_refs", dangling),
    ] {
        if !list.is_empty() {
            ev.field(name, list);
        }
    }
}

fn part<'a>(refs: &Refs<'a>, v: &'a Value, m: &Mapping, name: &str) -> Option<String> {
    m.parts.get(name).and_then(|paths| refs.text(v, paths))
}

/// Builds one entity with its row's key builder.
pub(super) fn build_entity<'a>(
    refs: &Refs<'a>,
    v: &'a Value,
    m: &Mapping,
    sole_container: Option<&str>,
) -> Built {
    let Some(mut kind) = EntityKind::parse(&m.kind) else {
        return Built::NoKey;
    };
    let p = |name: &str| part(refs, v, m, name);
    let mut attrs = Map::new();
    for (name, paths) in &m.attrs {
        if let Some(value) = refs.scalar(v, paths) {
            attrs.insert(name.clone(), value);
        }
    }
    let key = match m.key.as_str() {
        "name" => p("name"),
        "cluster" => p("name")
            .or_else(|| p("resource_id").and_then(|id| aks_cluster_name(&id).map(str::to_string))),
        "azure-resource" => {
            p("resource_id").and_then(|id| aks_cluster_name(&id).map(str::to_string))
        }
        "domain" => p("name").map(|n| domain_key(&n)).filter(|n| !n.is_empty()),
        "url" => match p("url").as_deref().and_then(url_host) {
            Some(host) => match entity::ip(&host) {
                Some(ip) => {
                    kind = EntityKind::Ip;
                    Some(ip)
                }
                None => Some(domain_key(&host)),
            },
            None => None,
        },
        "pod" => match (p("namespace"), p("name")) {
            (Some(ns), Some(name)) => entity::pod_key(&ns, &name),
            _ => None,
        },
        "workload" => match (p("kind"), p("name")) {
            (Some(k), Some(name)) => entity::workload_key(p("namespace").as_deref(), &k, &name),
            _ => None,
        },
        "service-account" => match p("name") {
            Some(name) if name.starts_with("system:serviceaccount:") => Some(name),
            Some(name) => {
                p("namespace").and_then(|ns| entity::service_account_identity(&ns, &name))
            }
            None => None,
        },
        "container" => {
            let id = p("id").and_then(|id| entity::container_id(&id));
            if let Some(id) = &id {
                attrs.insert("id".into(), Value::String(id.clone()));
            }
            id
        }
        "image" => match image_key(p("reference"), p("digest")) {
            Some((reference, digest)) => {
                if let Some(d) = digest {
                    attrs.insert("digest".into(), Value::String(d));
                }
                Some(reference)
            }
            None => None,
        },
        "process" => {
            let pid = p("pid").and_then(|s| parse_pid(&s));
            let exe = p("exe").or_else(|| match (p("exe_dir"), p("exe_name")) {
                (Some(dir), Some(name)) => Some(join_path(&dir, &name)),
                (None, Some(name)) => Some(name),
                _ => None,
            });
            let scope = p("container")
                .and_then(|c| entity::container_id(&c))
                .or_else(|| sole_container.map(str::to_string))
                .or_else(|| p("host"));
            match (pid, exe, scope) {
                (Some(pid), Some(exe), Some(scope)) => {
                    attrs.insert("pid".into(), Value::from(pid));
                    attrs.insert("exe".into(), Value::String(exe.clone()));
                    Some(entity::process_key(&scope, pid, &exe))
                }
                _ => None,
            }
        }
        "file" => p("path").or_else(|| match (p("directory"), p("name")) {
            (Some(dir), Some(name)) => Some(join_path(&dir, &name)),
            _ => None,
        }),
        "ip" => p("address").and_then(|a| entity::ip(&a)),
        "account" => {
            if let Some(aad) = p("aad_user_id") {
                Some(aad.to_ascii_lowercase())
            } else if let Some(name) =
                p("name").filter(|n| n.starts_with("system:") || n.contains('@'))
            {
                Some(name)
            } else if let Some(upn) = p("upn") {
                Some(upn)
            } else if let (Some(name), Some(suffix)) = (p("name"), p("upn_suffix")) {
                Some(format!("{}@{}", name, suffix))
            } else if let (Some(name), Some(domain)) = (p("name"), p("domain")) {
                Some(format!("{}\\{}", domain, name))
            } else {
                return match p("name") {
                    Some(name) => Built::OsUser(name),
                    None => Built::NoKey,
                };
            }
        }
        _ => None,
    };
    match key {
        Some(key) if !key.is_empty() => Built::Entity { kind, key, attrs },
        _ => Built::NoKey,
    }
}

/// Process ids: decimal, or `0x…` as Windows-oriented entity code writes them.
fn parse_pid(s: &str) -> Option<u64> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

fn join_path(dir: &str, name: &str) -> String {
    let dir = dir.trim();
    if name.starts_with('/') {
        name.to_string()
    } else if dir.ends_with('/') || dir.ends_with('\\') {
        format!("{}{}", dir, name)
    } else if dir.contains('\\') && !dir.contains('/') {
        format!("{}\\{}", dir, name)
    } else {
        format!("{}/{}", dir, name)
    }
}

fn domain_key(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The host of a URL (`https://user@host:port/path` → `host`).
fn url_host(url: &str) -> Option<String> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        match host_port.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host_port,
        }
    };
    Some(host.trim().to_string()).filter(|h| !h.is_empty())
}

/// (image key, digest): the reference without its digest is the key; a bare
/// digest is the key when nothing else names the image.
fn image_key(
    reference: Option<String>,
    digest: Option<String>,
) -> Option<(String, Option<String>)> {
    let digest = digest.and_then(|d| {
        let d = d.trim();
        match d.split_once('@') {
            Some((_, after)) => Some(after.to_ascii_lowercase()),
            None if d
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("sha256:")) =>
            {
                Some(d.to_ascii_lowercase())
            }
            None => None,
        }
    });
    match reference.as_deref().and_then(entity::image) {
        Some((r, d)) => Some((r, d.or(digest))),
        None => digest.map(|d| (d.clone(), Some(d))),
    }
}
