//! The entity table (`data/defender-entities.json`): which Defender entity
//! types become which Kordon entity, and from which of their properties.
//! Data, not code, so that a new Defender type is a line in the table.

use super::*;

/// One row of the table: Defender types → a Kordon entity.
#[derive(Debug, Deserialize)]
pub(super) struct Mapping {
    pub(super) types: Vec<String>,
    pub(super) kind: String,
    pub(super) role: String,
    /// The key builder (see [`build_entity`]).
    pub(super) key: String,
    /// Builder input → property paths, first non-empty wins.
    pub(super) parts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub(super) attrs: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct RawTable {
    #[serde(default)]
    nested_roles: BTreeMap<String, Value>,
    #[serde(default)]
    non_attack_intents: BTreeMap<String, Value>,
    mappings: Vec<Mapping>,
}

#[derive(Debug, Default)]
pub(super) struct EntityTable {
    /// Property name (case-insensitive) → role of the entity found under it.
    pub(super) nested_roles: Vec<(String, String)>,
    /// Non-ATT&CK intent → the tactic it is read as, if any.
    pub(super) non_attack_intents: Vec<(String, Option<String>)>,
    pub(super) mappings: Vec<Mapping>,
}

impl EntityTable {
    pub(super) fn from_json(text: &str) -> Result<EntityTable, String> {
        let raw: RawTable = serde_json::from_str(text).map_err(|e| e.to_string())?;
        // Keys starting with `_` are comments.
        let nested_roles = raw
            .nested_roles
            .into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| match v {
                Value::String(role) => Ok((k, role)),
                other => Err(format!(
                    "nested_roles.{}: expected a role string, got {}",
                    k, other
                )),
            })
            .collect::<Result<_, _>>()?;
        let non_attack_intents = raw
            .non_attack_intents
            .into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| match v {
                Value::String(id) => Ok((k, Some(id))),
                Value::Null => Ok((k, None)),
                other => Err(format!(
                    "non_attack_intents.{}: expected a tactic id or null, got {}",
                    k, other
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(EntityTable {
            nested_roles,
            non_attack_intents,
            mappings: raw.mappings,
        })
    }

    pub(super) fn mapping(&self, entity_type: &str) -> Option<&Mapping> {
        self.mappings
            .iter()
            .find(|m| m.types.iter().any(|t| t.eq_ignore_ascii_case(entity_type)))
    }

    pub(super) fn nested_role(&self, property: &str) -> Option<&str> {
        self.nested_roles
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(property))
            .map(|(_, r)| r.as_str())
    }

    pub(super) fn inferred_tactic(&self, intent: &str) -> Option<&str> {
        self.non_attack_intents
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(intent.trim()))
            .and_then(|(_, id)| id.as_deref())
    }
}

pub(super) const TABLE_JSON: &str = include_str!("../../../data/defender-entities.json");

/// The table, loaded once. A broken data file (pinned by a test) degrades to
/// an empty table — every entity then lands in `unmapped_entity_types` —
/// rather than taking the import down.
pub(super) fn table() -> &'static EntityTable {
    static TABLE: OnceLock<EntityTable> = OnceLock::new();
    TABLE.get_or_init(|| EntityTable::from_json(TABLE_JSON).unwrap_or_default())
}
