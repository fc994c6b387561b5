//! Canonical entity keys.
//!
//! Falco names a container by a 12-hex short id, Kubernetes by
//! `containerd://<64 hex>`, Tetragon by either; the audit log names a pod by
//! `namespace/name` while a bound token names it by UID. Every importer builds
//! keys through these functions so that one thing gets one key, whichever
//! tool saw it. Short container ids are joined to full ones after an import
//! (see `store::resolve_short_container_ids`).

use std::net::IpAddr;

/// Values the tools write where they have nothing to say.
pub fn is_absent(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t == "<NA>" || t == "N/A" || t == "null" || t == "<none>"
}

/// Strips the runtime prefix (`containerd://`, `cri-o://`, `docker://` …) and
/// lower-cases; `None` for host processes (`host`) and missing values.
pub fn container_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = match s.find("://") {
        Some(i) => &s[i + 3..],
        None => s,
    };
    if is_absent(s) || s.eq_ignore_ascii_case("host") {
        return None;
    }
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) || s.len() < 12 {
        return None;
    }
    Some(s.to_ascii_lowercase())
}

/// The 12-hex short form Falco and `docker ps` use.
pub fn short_container_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

pub fn pod_key(namespace: &str, name: &str) -> Option<String> {
    if is_absent(namespace) || is_absent(name) {
        return None;
    }
    Some(format!("{}/{}", namespace.trim(), name.trim()))
}

/// Workloads are keyed `namespace/Kind/name` (`shop/Deployment/cart`); cluster
/// scoped owners use `-` as namespace.
pub fn workload_key(namespace: Option<&str>, kind: &str, name: &str) -> Option<String> {
    if is_absent(kind) || is_absent(name) {
        return None;
    }
    let ns = namespace.filter(|n| !is_absent(n)).unwrap_or("-");
    Some(format!("{}/{}/{}", ns, kind, name))
}

/// A Kubernetes service account's username, as the API server writes it.
pub fn service_account_identity(namespace: &str, name: &str) -> Option<String> {
    if is_absent(namespace) || is_absent(name) {
        return None;
    }
    Some(format!("system:serviceaccount:{}:{}", namespace.trim(), name.trim()))
}

/// Canonical text of an IP address; accepts `ip:port`, `[v6]:port` and
/// IPv4-mapped IPv6. `None` when the text is not an address.
pub fn ip(raw: &str) -> Option<String> {
    let s = raw.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical_ip(ip));
    }
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            return rest[..end].parse::<IpAddr>().ok().map(canonical_ip);
        }
    }
    if let Some((host, port)) = s.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            return host.parse::<IpAddr>().ok().map(canonical_ip);
        }
    }
    None
}

fn canonical_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// Splits an image reference into (reference without digest, digest).
/// `repo:tag@sha256:…` → (`repo:tag`, `sha256:…`); `docker.io/library/` is
/// dropped so that `nginx:1.27` and `docker.io/library/nginx:1.27` meet.
pub fn image(raw: &str) -> Option<(String, Option<String>)> {
    let s = raw.trim();
    if is_absent(s) {
        return None;
    }
    let s = s.strip_prefix("docker-pullable://").unwrap_or(s);
    let (reference, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d.to_ascii_lowercase())),
        None => (s, None),
    };
    let reference = reference
        .strip_prefix("docker.io/library/")
        .or_else(|| reference.strip_prefix("docker.io/"))
        .unwrap_or(reference);
    if reference.is_empty() {
        // A bare digest reference (`sha256:…`) is still an image.
        return digest.map(|d| (d.clone(), Some(d)));
    }
    Some((reference.to_string(), digest))
}

/// Joins a repository and tag the way Falco reports them separately.
pub fn image_from_parts(repository: &str, tag: Option<&str>) -> Option<(String, Option<String>)> {
    if is_absent(repository) {
        return None;
    }
    match tag.filter(|t| !is_absent(t)) {
        Some(t) if t.starts_with("sha256:") => image(&format!("{}@{}", repository, t)),
        Some(t) => image(&format!("{}:{}", repository, t)),
        None => image(repository),
    }
}

/// Processes are keyed by the container (short id, or the node for host
/// processes), the host pid and the executable, which Falco and Tetragon both
/// report, so that their records of one process meet.
pub fn process_key(container_or_node: &str, pid: u64, executable: &str) -> String {
    let scope = match container_id(container_or_node) {
        Some(id) => short_container_id(&id).to_string(),
        None => container_or_node.to_string(),
    };
    format!("{}:{}:{}", scope, pid, executable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_lose_runtime_prefix_and_case() {
        let full = "containerd://3F2B1C9D8E7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C";
        assert_eq!(container_id(full).unwrap(), full[13..].to_ascii_lowercase());
        assert_eq!(container_id("cri-o://0123456789ab").unwrap(), "0123456789ab");
        assert_eq!(container_id("host"), None);
        assert_eq!(container_id(""), None);
        assert_eq!(container_id("<NA>"), None);
    }

    #[test]
    fn ips_are_canonical_with_or_without_port() {
        assert_eq!(ip("10.42.1.30:42244").unwrap(), "10.42.1.30");
        assert_eq!(ip("::ffff:203.0.113.45").unwrap(), "203.0.113.45");
        assert_eq!(ip("[2001:db8::1]:443").unwrap(), "2001:db8::1");
        assert_eq!(ip("2001:0db8:0000::1").unwrap(), "2001:db8::1");
        assert_eq!(ip("pool.example:4444"), None);
    }

    #[test]
    fn images_split_reference_and_digest() {
        assert_eq!(
            image("docker.io/library/nginx:1.27@sha256:ABC").unwrap(),
            ("nginx:1.27".to_string(), Some("sha256:abc".to_string()))
        );
        assert_eq!(image_from_parts("shop/cart", Some("2.3.1")).unwrap().0, "shop/cart:2.3.1");
        assert_eq!(image_from_parts("<NA>", Some("1")), None);
    }
}
