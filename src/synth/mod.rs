//! Seeded, deterministic generators of routine records in the real export
//! formats: Kubernetes audit `Event` lines, Falco JSON alerts and Tetragon
//! events.
//!
//! Why generate instead of shipping captures: a forensic tool is only
//! convincing if the attack it finds is buried in the noise a real cluster
//! makes (kubelets renewing leases every few seconds, controllers, Prometheus
//! talking to the API server all day), and its importer must be measured on
//! millions of such records. Real captures are neither shareable nor small.
//! These generators write records that the real tools could have written
//! (field names, key order, time precisions and quirks as in
//! `formats.md`), about the cluster of the demo story (`cluster`), so that
//! the noise is consistent with the hand-authored attack records and the
//! `kubectl get -o json` snapshot of the demo bundle.
//!
//! Everything is a pure function of the seed: a `ChaCha8Rng` seeded with
//! `seed_from_u64` and one stream per generator, no clock, no hash-map
//! iteration order. Generators stream (`Iterator<Item = String>`) so that a
//! million-event benchmark bundle never sits in memory ([`large`]).

pub mod audit;
pub mod busy;
pub mod cluster;
pub mod falco;
#[cfg(test)]
mod fixture_tests;
pub mod large;
pub mod tetragon;

pub use audit::audit_lines;
pub use falco::falco_lines;
pub use large::write_large_bundle;
pub use tetragon::tetragon_lines;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Nanoseconds in a day.
pub const DAY: i64 = 86_400 * 1_000_000_000;
/// 2026-11-20T00:00:00Z, the day of the demo story.
pub const STORY_DAY_NS: i64 = 1_795_132_800 * 1_000_000_000;

/// One generated record with what a caller needs to place it: its event
/// time and the index (into [`cluster::NODES`]) of the node whose agent wrote
/// it, for callers that split per-node files (Falco, Tetragon run as
/// DaemonSets and are collected node by node).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthLine {
    pub time_ns: i64,
    pub node: usize,
    pub line: String,
}

/// The seeded generator: one independent ChaCha stream per purpose, so that
/// adding draws to one generator never shifts another's output.
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// A random (version 4) UUID drawn from the seeded generator.
pub(crate) fn uuid_v4<R: Rng>(rng: &mut R) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid_text(&b)
}

/// A UUID-shaped value that is a pure function of `parts` (lease UIDs, the
/// per-hour token ids of a pod), so repeated references agree.
pub(crate) fn stable_uuid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid_text(&b)
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Lower-case hex of `n` random bytes.
pub(crate) fn random_hex<R: Rng>(rng: &mut R, n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
    hex::encode(bytes)
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian), so that
/// formatting millions of timestamps needs no allocation-heavy library call.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS` of an epoch-nanosecond instant, plus the
/// nanoseconds within the second.
fn split(ns: i64) -> (String, i64) {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            y,
            m,
            d,
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        ),
        frac,
    )
}

/// Seconds precision, as Kubernetes objects write times.
pub fn fmt_secs(ns: i64) -> String {
    format!("{}Z", split(ns).0)
}

/// Microseconds, as the audit log writes `requestReceivedTimestamp`.
pub fn fmt_micros(ns: i64) -> String {
    let (s, f) = split(ns);
    format!("{}.{:06}Z", s, f / 1000)
}

/// Seven fraction digits, as .NET (Defender) writes times.
pub fn fmt_7(ns: i64) -> String {
    let (s, f) = split(ns);
    format!("{}.{:07}Z", s, f / 100)
}

/// Nine fraction digits, as Falco and Tetragon write times.
pub fn fmt_nanos(ns: i64) -> String {
    let (s, f) = split(ns);
    format!("{}.{:09}Z", s, f)
}

/// `HH:MM:SS.nnnnnnnnn`, the date-less local-time prefix of Falco's
/// `output` text (Falco's container runs in UTC).
pub(crate) fn fmt_clock(ns: i64) -> String {
    let (s, f) = split(ns);
    format!("{}.{:09}", &s[11..], f)
}

/// Releases lines in time order although they are produced out of order: a
/// request's later stages (a watch completes minutes after it started) are
/// produced together with its first one. Holding only the pending lines keeps
/// generators streaming with bounded memory, and the output reads like a real
/// log, where lines appear as their stage happens.
pub(crate) struct Reorder {
    heap: BinaryHeap<Reverse<(i64, u64, usize, String)>>,
    seq: u64,
}

impl Reorder {
    pub(crate) fn new() -> Reorder {
        Reorder {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    pub(crate) fn push(&mut self, time_ns: i64, node: usize, line: String) {
        self.seq += 1;
        self.heap.push(Reverse((time_ns, self.seq, node, line)));
    }

    /// The earliest pending line if it is due no later than `frontier`.
    pub(crate) fn pop_until(&mut self, frontier: i64) -> Option<SynthLine> {
        match self.heap.peek() {
            Some(Reverse((t, ..))) if *t <= frontier => self.pop(),
            _ => None,
        }
    }

    pub(crate) fn pop(&mut self) -> Option<SynthLine> {
        self.heap
            .pop()
            .map(|Reverse((time_ns, _, node, line))| SynthLine {
                time_ns,
                node,
                line,
            })
    }
}

/// Evenly spread slot times over `[start, end)` with jitter inside each slot,
/// so that `count` records cover the window whatever its length, in order.
pub(crate) struct Slots {
    start: i64,
    step: f64,
    count: usize,
    next: usize,
    current: Option<i64>,
}

impl Slots {
    pub(crate) fn new(start_ns: i64, end_ns: i64, count: usize) -> Slots {
        let span = (end_ns - start_ns).max(1) as f64;
        Slots {
            start: start_ns,
            step: span / count.max(1) as f64,
            count,
            next: 0,
            current: None,
        }
    }

    /// Slots not yet consumed.
    pub(crate) fn remaining(&self) -> usize {
        self.count - self.next
    }

    /// The time of the next slot, without consuming it.
    pub(crate) fn peek<R: Rng>(&mut self, rng: &mut R) -> Option<i64> {
        if self.next >= self.count {
            return None;
        }
        let (start, step, next) = (self.start, self.step, self.next);
        Some(*self.current.get_or_insert_with(|| {
            start + (next as f64 * step) as i64 + (rng.random::<f64>() * step * 0.9) as i64
        }))
    }

    pub(crate) fn consume(&mut self) {
        self.next += 1;
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_each_tool_s_precision() {
        let ns = STORY_DAY_NS + ((9 * 3600 + 41 * 60 + 7) * 1_000_000_000) + 123_456_789;
        assert_eq!(fmt_secs(ns), "2026-11-20T09:41:07Z");
        assert_eq!(fmt_micros(ns), "2026-11-20T09:41:07.123456Z");
        assert_eq!(fmt_7(ns), "2026-11-20T09:41:07.1234567Z");
        assert_eq!(fmt_nanos(ns), "2026-11-20T09:41:07.123456789Z");
        assert_eq!(fmt_clock(ns), "09:41:07.123456789");
        assert_eq!(crate::time::parse_rfc3339(&fmt_nanos(ns)), Some(ns));
        // A leap day and a year boundary go through the civil calendar too.
        assert_eq!(
            fmt_secs(crate::time::parse_rfc3339("2028-02-29T23:59:59Z").unwrap()),
            "2028-02-29T23:59:59Z"
        );
        assert_eq!(fmt_secs(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn uuids_are_version_4_and_stable_ones_repeat() {
        let mut r = rng(1, 1);
        let u = uuid_v4(&mut r);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(stable_uuid(&["a", "b"]), stable_uuid(&["a", "b"]));
        assert_ne!(stable_uuid(&["a", "b"]), stable_uuid(&["ab"]));
    }
}
