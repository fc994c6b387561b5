//! Aggregate rules: N matching events of one group within a time window.
//!
//! A burst of 403s is suspicious where one 403 is not, so some rules count.
//! Events arrive in time order (the scan reads them so); each group keeps
//! only the events inside the current window, so memory follows the burst,
//! not the case. A burst is one firing: it opens when the window first holds
//! N events, keeps every further event while the window still holds N, and
//! closes when the rate drops. Events of a closed burst never count towards
//! the next one, so two alerts never share an event.

use super::firing::{Firing, Matched};
use super::rules::Threshold;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, VecDeque};

#[derive(Default)]
struct Group {
    values: Map<String, Value>,
    window: VecDeque<Matched>,
    open: Option<Firing>,
}

pub struct Windows {
    rule: usize,
    count: usize,
    window_ns: i64,
    /// By the JSON text of the group's values (ordered: deterministic).
    groups: BTreeMap<String, Group>,
}

impl Windows {
    pub fn new(rule: usize, t: &Threshold) -> Windows {
        Windows {
            rule,
            count: t.count as usize,
            window_ns: (t.window_seconds as i64).saturating_mul(1_000_000_000),
            groups: BTreeMap::new(),
        }
    }

    /// Feeds one matching event; events must come in time order. Returns
    /// the burst this event closed, if any. Events without a time are
    /// ignored: they cannot be placed in a window.
    pub fn push(&mut self, group: Map<String, Value>, m: Matched) -> Option<Firing> {
        let t = m.time_ns?;
        let name = serde_json::to_string(&group).unwrap_or_default();
        let g = self.groups.entry(name).or_insert_with(|| Group {
            values: group,
            ..Group::default()
        });
        while g
            .window
            .front()
            .is_some_and(|f| f.time_ns.is_some_and(|ft| t - ft > self.window_ns))
        {
            g.window.pop_front();
        }
        g.window.push_back(m.clone());
        if let Some(open) = g.open.as_mut() {
            if g.window.len() >= self.count {
                open.push(m);
                return None;
            }
        }
        let closed = g.open.take();
        if closed.is_some() {
            // The burst's events are spent; only this one may start the next.
            g.window.clear();
            g.window.push_back(m);
        }
        if g.window.len() >= self.count {
            let mut f = Firing::new(self.rule, Some(g.values.clone()));
            for e in &g.window {
                f.push(e.clone());
            }
            f.time_ns = Some(t);
            g.open = Some(f);
        }
        closed
    }

    /// The bursts still open at the end of the scan.
    pub fn finish(self) -> Vec<Firing> {
        self.groups.into_values().filter_map(|g| g.open).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn run(times: &[i64]) -> Vec<Vec<i64>> {
        let mut w = Windows::new(
            0,
            &Threshold {
                count: 5,
                window_seconds: 60,
                group_by: vec!["user".into()],
            },
        );
        let mut out = Vec::new();
        for (i, t) in times.iter().enumerate() {
            let m = Matched {
                key: i as i64,
                time_ns: Some(t * S),
                values: Map::new(),
            };
            let mut g = Map::new();
            g.insert("user".into(), Value::from("u"));
            out.extend(w.push(g, m));
        }
        out.extend(w.finish());
        out.into_iter().map(|f| f.keys).collect()
    }

    #[test]
    fn n_minus_one_in_the_window_does_not_fire() {
        assert!(run(&[0, 10, 20, 30]).is_empty());
    }

    #[test]
    fn n_in_the_window_fires_once_with_every_event() {
        assert_eq!(run(&[0, 10, 20, 30, 40]), vec![vec![0, 1, 2, 3, 4]]);
        // The window is inclusive: first to last exactly 60 s.
        assert_eq!(run(&[0, 15, 30, 45, 60]), vec![vec![0, 1, 2, 3, 4]]);
        // More events at the same rate extend the same burst.
        assert_eq!(run(&[0, 1, 2, 3, 4, 5, 6]), vec![vec![0, 1, 2, 3, 4, 5, 6]]);
    }

    #[test]
    fn n_spread_beyond_the_window_does_not_fire() {
        assert!(run(&[0, 20, 40, 60, 80]).is_empty());
        assert!(run(&[0, 15, 30, 45, 61]).is_empty());
    }

    #[test]
    fn a_slower_tail_closes_the_burst_and_events_are_not_reused() {
        let bursts = run(&[0, 1, 2, 3, 4, 200, 201, 202, 203, 204, 400]);
        assert_eq!(bursts, vec![vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8, 9]]);
    }

    #[test]
    fn groups_count_separately_and_timeless_events_are_ignored() {
        let mut w = Windows::new(
            0,
            &Threshold {
                count: 2,
                window_seconds: 60,
                group_by: vec!["user".into()],
            },
        );
        let user = |u: &str| {
            let mut g = Map::new();
            g.insert("user".into(), Value::from(u));
            g
        };
        let m = |k: i64, t: Option<i64>| Matched {
            key: k,
            time_ns: t.map(|t| t * S),
            values: Map::new(),
        };
        assert!(w.push(user("a"), m(1, Some(0))).is_none());
        assert!(w.push(user("b"), m(2, Some(1))).is_none());
        assert!(w.push(user("a"), m(3, None)).is_none());
        assert!(w.push(user("a"), m(4, Some(2))).is_none());
        let done = w.finish();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].keys, vec![1, 4]);
        assert_eq!(done[0].group.as_ref().unwrap()["user"], "a");
        assert_eq!(done[0].time_ns, Some(2 * S));
    }
}
