//! What a rule firing holds between the scan and the store.
//!
//! A firing names the events that made the rule fire by their stable keys
//! (the same in every case built from the same inputs), so the alert Kordon
//! stores for it has a stable key too, and running the detections again
//! adds nothing.

use serde_json::{Map, Value};

/// Triggering events listed with their values in an alert; a burst of a
/// million 403s still counts every event, but lists only these.
pub const LISTED: usize = 1000;

/// One event a rule matched, with the values of the fields the rule reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    pub key: i64,
    pub time_ns: Option<i64>,
    pub values: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// Index of the rule in its [`super::Rules`].
    pub rule: usize,
    /// The `group_by` values of a threshold rule.
    pub group: Option<Map<String, Value>>,
    /// Every triggering event's key, in scan (time) order.
    pub keys: Vec<i64>,
    /// The first [`LISTED`] triggering events, with their values.
    pub listed: Vec<Matched>,
    /// When the rule fired: the matching event, or a threshold's N-th.
    pub time_ns: Option<i64>,
    /// The last triggering event's time.
    pub last_ns: Option<i64>,
}

impl Firing {
    pub fn new(rule: usize, group: Option<Map<String, Value>>) -> Firing {
        Firing {
            rule,
            group,
            keys: Vec::new(),
            listed: Vec::new(),
            time_ns: None,
            last_ns: None,
        }
    }

    /// A firing of a single-event rule.
    pub fn single(rule: usize, m: Matched) -> Firing {
        let mut f = Firing::new(rule, None);
        f.time_ns = m.time_ns;
        f.push(m);
        f
    }

    pub fn push(&mut self, m: Matched) {
        self.keys.push(m.key);
        self.last_ns = m.time_ns;
        if self.listed.len() < LISTED {
            self.listed.push(m);
        }
    }

    /// The triggering keys, sorted: what the alert's identity derives from.
    pub fn sorted_keys(&self) -> Vec<i64> {
        let mut k = self.keys.clone();
        k.sort_unstable();
        k.dedup();
        k
    }
}
