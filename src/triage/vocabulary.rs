//! `data/triage.yaml`: statuses and their moves, classifications with the
//! determinations each allows, entity verdicts, Microsoft's spellings, and
//! how other tools' incident enums read in Kordon's words (the SOC view).

use crate::error::{Code, Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const TRIAGE_YAML: &str = include_str!("../../data/triage.yaml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Determination {
    pub id: String,
    pub name: String,
    pub defender_api: String,
    pub graph: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub id: String,
    pub name: String,
    pub defender_api: String,
    pub graph: String,
    pub determinations: Vec<Determination>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    version: u32,
    pub statuses: Vec<Named>,
    pub transitions: BTreeMap<String, Vec<String>>,
    pub classifications: Vec<Classification>,
    pub verdicts: Vec<Named>,
    /// Other tools' incident enums, by source slug (`sentinel`).
    #[serde(default)]
    pub external: BTreeMap<String, ExternalWords>,
}

/// One value of another tool's enum: as the tool writes it, as people read
/// it, and the Kordon id it means (none: it means none).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalValue {
    pub value: String,
    pub name: String,
    #[serde(default)]
    pub kordon: Option<String>,
}

/// Another tool's incident statuses, classifications and reasons.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalWords {
    pub statuses: Vec<ExternalValue>,
    pub classifications: Vec<ExternalValue>,
    #[serde(default)]
    pub reasons: Vec<ExternalValue>,
}

impl ExternalWords {
    /// The status as the tool wrote it (matched case-insensitively).
    pub fn status(&self, value: &str) -> Option<&ExternalValue> {
        find_value(&self.statuses, value)
    }

    pub fn classification(&self, value: &str) -> Option<&ExternalValue> {
        find_value(&self.classifications, value)
    }

    pub fn reason(&self, value: &str) -> Option<&ExternalValue> {
        find_value(&self.reasons, value)
    }
}

fn find_value<'a>(values: &'a [ExternalValue], value: &str) -> Option<&'a ExternalValue> {
    values.iter().find(|v| v.value.eq_ignore_ascii_case(value.trim()))
}

/// How classification and determination values are spelt on output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    Kordon,
    /// Defender's update-alert API (`compromisedAccount`, `notMalicious` …).
    DefenderApi,
    /// Microsoft Graph security incidents (`compromisedUser`, `clean` …).
    Graph,
}

fn bad(msg: String) -> Error {
    Error::input(Code::InvalidArgument, msg)
}

impl Vocabulary {
    pub fn from_yaml(text: &str) -> Result<Vocabulary> {
        let v: Vocabulary = serde_yaml_ng::from_str(text)
            .map_err(|e| Error::input(Code::InvalidRules, format!("triage vocabulary: {}", e)))?;
        if v.version != 1 {
            return Err(Error::input(Code::InvalidRules, format!("triage vocabulary: version {} is not supported", v.version)));
        }
        for (from, tos) in &v.transitions {
            for s in std::iter::once(from).chain(tos) {
                if !v.statuses.iter().any(|x| &x.id == s) {
                    return Err(Error::input(Code::InvalidRules, format!("triage vocabulary: unknown status '{}'", s)));
                }
            }
        }
        for (source, words) in &v.external {
            let unknown = |what: &str, id: &str| {
                Error::input(Code::InvalidRules, format!("triage vocabulary: external.{}: unknown {} '{}'", source, what, id))
            };
            for s in words.statuses.iter().filter_map(|s| s.kordon.as_deref()) {
                v.status(s).map_err(|_| unknown("status", s))?;
            }
            for c in words.classifications.iter().filter_map(|c| c.kordon.as_deref()) {
                v.classification(c).map_err(|_| unknown("classification", c))?;
            }
        }
        Ok(v)
    }

    /// How another tool's incident enums read in Kordon's words.
    pub fn external(&self, source: &str) -> Option<&ExternalWords> {
        self.external.get(source)
    }

    pub fn status(&self, id: &str) -> Result<&Named> {
        self.statuses.iter().find(|s| s.id == id).ok_or_else(|| {
            let all: Vec<&str> = self.statuses.iter().map(|s| s.id.as_str()).collect();
            bad(format!("unknown status '{}' (one of: {})", id, all.join(", ")))
        })
    }

    /// Whether an incident may move from one status to another.
    pub fn can_move(&self, from: &str, to: &str) -> bool {
        from == to || self.transitions.get(from).is_some_and(|t| t.iter().any(|x| x == to))
    }

    pub fn classification(&self, id: &str) -> Result<&Classification> {
        self.classifications.iter().find(|c| c.id == id).ok_or_else(|| {
            let all: Vec<&str> = self.classifications.iter().map(|c| c.id.as_str()).collect();
            bad(format!("unknown classification '{}' (one of: {})", id, all.join(", ")))
        })
    }

    /// The determination, if `classification` allows it.
    pub fn determination(&self, classification: &str, id: &str) -> Result<&Determination> {
        let c = self.classification(classification)?;
        c.determinations.iter().find(|d| d.id == id).ok_or_else(|| {
            let all: Vec<&str> = c.determinations.iter().map(|d| d.id.as_str()).collect();
            bad(format!(
                "'{}' is no determination of {} (one of: {})",
                id,
                c.name,
                all.join(", ")
            ))
        })
    }

    pub fn verdict(&self, id: &str) -> Result<&Named> {
        self.verdicts.iter().find(|v| v.id == id).ok_or_else(|| {
            let all: Vec<&str> = self.verdicts.iter().map(|v| v.id.as_str()).collect();
            bad(format!("unknown verdict '{}' (one of: {})", id, all.join(", ")))
        })
    }

    /// Respells a stored classification and determination in place.
    pub fn respell(&self, spelling: Spelling, classification: &mut Option<String>, determination: &mut Option<String>) {
        if let Some(c) = classification.clone() {
            let (c, d) = self.spell(spelling, &c, determination.as_deref());
            *classification = Some(c);
            *determination = d;
        }
    }

    /// A stored classification (and determination) as `spelling` spells it.
    pub fn spell(&self, spelling: Spelling, classification: &str, determination: Option<&str>) -> (String, Option<String>) {
        let Ok(c) = self.classification(classification) else {
            return (classification.to_string(), determination.map(str::to_string));
        };
        let d = determination.and_then(|d| c.determinations.iter().find(|x| x.id == d));
        match spelling {
            Spelling::Kordon => (c.id.clone(), determination.map(str::to_string)),
            Spelling::DefenderApi => (c.defender_api.clone(), d.map(|d| d.defender_api.clone())),
            Spelling::Graph => (c.graph.clone(), d.map(|d| d.graph.clone())),
        }
    }
}

pub fn builtin() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| Vocabulary::from_yaml(TRIAGE_YAML).expect("data/triage.yaml is valid (pinned by tests)"))
}
