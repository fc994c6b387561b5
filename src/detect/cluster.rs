//! Which addresses are the cluster's own: what `outside_cluster` decides on.
//!
//! A service-account token is meant to be used from its pod; the same token
//! seen from an address that is not a node, a pod or a service of the cluster
//! is the clearest sign that it was stolen. Which addresses those are is
//! learnt from the case itself, from the `kubectl get` snapshot the
//! investigator imported: Node internal and external IPs and `podCIDR(s)`,
//! and, to cover CNIs that give pods addresses outside any `podCIDR` and the
//! service network the nodes do not describe, the pods' `podIP`/`hostIP` and
//! the services' `clusterIP(s)`. Without Node objects the case says nothing
//! about the cluster's network, and the best guess left is the address
//! itself: private, shared (CGNAT) and unique-local addresses count as
//! inside, everything else as outside.
//!
//! Loopback, link-local, unspecified, multicast and broadcast addresses are
//! never "outside": they name no remote host.

use crate::error::Result;
use rusqlite::Connection;
use serde_json::Value;
use std::net::IpAddr;

/// An address range (`10.244.0.0/16`, `fd00::/8`, or one address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `addr/prefix` or a bare address (a /32 or /128).
    pub fn parse(text: &str) -> Option<IpNet> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let addr: IpAddr = crate::entity::ip(addr)?.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    /// Whether every address of `other` is in this range.
    pub fn covers(&self, other: &IpNet) -> bool {
        self.prefix <= other.prefix && self.contains(other.addr)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// Ranges that count as inside when the case has no snapshot: RFC 1918,
/// shared address space (RFC 6598, used by some CNIs for pods) and IPv6
/// unique-local addresses.
const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

/// The cluster's own address ranges, as far as the case knows them.
#[derive(Clone, Debug, Default)]
pub struct ClusterRanges {
    nets: Vec<IpNet>,
    /// Whether Node objects described the cluster's network.
    from_snapshot: bool,
}

impl ClusterRanges {
    /// No snapshot: only the private-address fallback applies.
    pub fn unknown() -> ClusterRanges {
        ClusterRanges::default()
    }

    /// Ranges given explicitly (tests, or a caller that knows better);
    /// `from_snapshot` is true when at least one parses.
    pub fn from_ranges<'a>(ranges: impl IntoIterator<Item = &'a str>) -> ClusterRanges {
        let nets: Vec<IpNet> = ranges.into_iter().filter_map(IpNet::parse).collect();
        ClusterRanges {
            from_snapshot: !nets.is_empty(),
            nets,
        }
    }

    /// Whether the ranges were learnt from Node objects.
    pub fn from_snapshot(&self) -> bool {
        self.from_snapshot
    }

    pub fn ranges(&self) -> &[IpNet] {
        &self.nets
    }

    /// Learns the ranges from the case's `k8s-object` events (Node, Pod,
    /// Service) and its node entities' attributes.
    pub fn learn(conn: &Connection) -> Result<ClusterRanges> {
        let mut node_nets = Vec::new();
        let mut other_nets = Vec::new();
        let mut st = conn.prepare(
            "SELECT rule, fields FROM events WHERE kind = 'object' AND source = 'k8s-object' AND rule IN ('Node', 'Pod', 'Service')",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let rule: String = r.get(0)?;
            let fields: String = r.get(1)?;
            let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&fields) else {
                continue;
            };
            let (names, out): (&[&str], &mut Vec<IpNet>) = match rule.as_str() {
                "Node" => (
                    &["internal_ip", "external_ip", "pod_cidr", "pod_cidrs"],
                    &mut node_nets,
                ),
                "Pod" => (&["pod_ip", "pod_ips", "host_ip"], &mut other_nets),
                _ => (&["cluster_ip", "cluster_ips"], &mut other_nets),
            };
            for name in names {
                collect(fields.get(*name), out);
            }
        }
        let mut st = conn.prepare(
            "SELECT a.value FROM entity_attrs a JOIN entities e ON e.id = a.entity_id
             WHERE e.kind = 'node' AND a.name IN ('internal_ip', 'external_ip', 'pod_cidr')",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let value: String = r.get(0)?;
            collect(
                serde_json::from_str::<Value>(&value).ok().as_ref(),
                &mut node_nets,
            );
        }
        if node_nets.is_empty() {
            return Ok(ClusterRanges::unknown());
        }
        node_nets.extend(other_nets);
        // Widest first, so that an address inside a podCIDR is dropped.
        node_nets.sort_by_key(|n| (n.prefix, n.addr));
        let mut nets: Vec<IpNet> = Vec::new();
        for n in node_nets {
            if !nets.iter().any(|m| m.covers(&n)) {
                nets.push(n);
            }
        }
        nets.sort_by_key(|n| (n.addr, n.prefix));
        Ok(ClusterRanges {
            nets,
            from_snapshot: true,
        })
    }

    /// Whether an address is outside the cluster (see the module comment).
    pub fn is_outside(&self, ip: IpAddr) -> bool {
        if never_outside(ip) {
            return false;
        }
        if self.from_snapshot {
            !self.nets.iter().any(|n| n.contains(ip))
        } else {
            !PRIVATE
                .iter()
                .filter_map(|r| IpNet::parse(r))
                .any(|n| n.contains(ip))
        }
    }
}

fn collect(value: Option<&Value>, out: &mut Vec<IpNet>) {
    match value {
        Some(Value::String(s)) => out.extend(IpNet::parse(s)),
        Some(Value::Array(items)) => items.iter().for_each(|v| collect(Some(v), out)),
        _ => {}
    }
}

fn never_outside(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || IpNet::parse("fe80::/10").is_some_and(|n| n.contains(IpAddr::V6(v6)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn nets_contain_their_addresses_only() {
        let n = IpNet::parse("10.244.1.0/24").unwrap();
        assert!(n.contains(ip("10.244.1.23")));
        assert!(!n.contains(ip("10.244.2.23")));
        assert!(IpNet::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.45")));
        assert!(IpNet::parse("10.224.0.5")
            .unwrap()
            .contains(ip("10.224.0.5")));
        assert!(!IpNet::parse("10.224.0.5")
            .unwrap()
            .contains(ip("10.224.0.6")));
        assert!(IpNet::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(!IpNet::parse("fd00::/8").unwrap().contains(ip("10.0.0.1")));
        assert_eq!(IpNet::parse("10.0.0.0/33"), None);
        assert!(IpNet::parse("10.244.0.0/16")
            .unwrap()
            .covers(&IpNet::parse("10.244.1.0/24").unwrap()));
        assert!(!IpNet::parse("10.244.1.0/24")
            .unwrap()
            .covers(&IpNet::parse("10.244.0.0/16").unwrap()));
        assert_eq!(
            IpNet::parse("10.244.1.0/24").unwrap().to_string(),
            "10.244.1.0/24"
        );
        assert_eq!(
            IpNet::parse("::ffff:10.0.0.1").unwrap().to_string(),
            "10.0.0.1"
        );
        assert_eq!(IpNet::parse("pool.example/24"), None);
    }

    #[test]
    fn without_a_snapshot_private_addresses_are_inside() {
        let r = ClusterRanges::unknown();
        assert!(!r.from_snapshot());
        assert!(r.is_outside(ip("203.0.113.45")));
        assert!(r.is_outside(ip("198.51.100.77")));
        assert!(r.is_outside(ip("2001:db8::1")));
        for inside in [
            "10.244.1.23",
            "172.31.36.12",
            "192.168.1.10",
            "100.64.3.1",
            "fd12::1",
            "127.0.0.1",
            "::1",
            "169.254.169.254",
            "fe80::1",
        ] {
            assert!(!r.is_outside(ip(inside)), "{} is not outside", inside);
        }
    }

    #[test]
    fn with_a_snapshot_only_the_cluster_ranges_are_inside() {
        let r = ClusterRanges::from_ranges([
            "10.224.0.4",
            "10.224.0.5",
            "10.244.0.0/24",
            "10.244.1.0/24",
            "10.0.0.1",
        ]);
        assert!(r.from_snapshot());
        assert!(!r.is_outside(ip("10.224.0.5")));
        assert!(!r.is_outside(ip("10.244.1.23")));
        assert!(!r.is_outside(ip("10.0.0.1")));
        // Private, but no node, pod or service of this cluster: a VPN
        // client, another cluster, the managed control plane.
        assert!(r.is_outside(ip("10.224.0.100")));
        assert!(r.is_outside(ip("172.31.36.12")));
        assert!(r.is_outside(ip("203.0.113.45")));
        // Never a remote host.
        assert!(!r.is_outside(ip("::1")));
        assert!(!r.is_outside(ip("169.254.169.254")));
    }
}
