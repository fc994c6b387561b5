//! The cluster an AKS record names: its ARM resource id, and the folder
//! layout of the storage blobs that repeats it.

/// The cluster's name in an AKS resource id, as written (Defender reads
/// the ids of its alerts the same way).
pub(super) use crate::formats::defender::aks_cluster_name as cluster_name;
use crate::formats::envelope::ClusterRef;

/// The segment after `key` in an ARM id (`subscriptions`, `resourceGroups`).
fn segment_after<'a>(resource_id: &'a str, key: &str) -> Option<&'a str> {
    let segs: Vec<&str> = resource_id.trim().split('/').collect();
    segs.windows(2).find(|w| w[0].eq_ignore_ascii_case(key)).map(|w| w[1]).filter(|s| !s.is_empty())
}

/// Whether a resource id names an AKS cluster.
pub(super) fn names_cluster(resource_id: &str) -> bool {
    remembered(resource_id, |c| c.is_some())
}

/// The cluster entity of an AKS resource id, whatever its case.
pub(crate) fn cluster_ref(resource_id: &str) -> Option<ClusterRef> {
    remembered(resource_id, |c| c.cloned())
}

thread_local! {
    /// The last resource id read and its cluster: an export names the same
    /// cluster on every record, and reading the id each time was a tenth of
    /// the work of peeking at a record.
    static LAST: std::cell::RefCell<Option<(String, Option<ClusterRef>)>> = const { std::cell::RefCell::new(None) };
}

fn remembered<T>(resource_id: &str, f: impl FnOnce(Option<&ClusterRef>) -> T) -> T {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.as_ref().is_none_or(|(id, _)| id != resource_id) {
            *last = Some((resource_id.to_string(), read_cluster_ref(resource_id)));
        }
        f(last.as_ref().and_then(|(_, c)| c.as_ref()))
    })
}

/// ARM names are case-insensitive and the exports disagree (resource logs
/// upper-case the id, Log Analytics lower-cases it), so the name, the
/// subscription and the resource group are lower-cased and the id is
/// rebuilt in ARM's own spelling: for the lower-case names AKS clusters
/// usually have, it is the id Defender for Cloud and the Azure APIs give.
fn read_cluster_ref(resource_id: &str) -> Option<ClusterRef> {
    let name = cluster_name(resource_id)?.to_ascii_lowercase();
    let subscription = segment_after(resource_id, "subscriptions").map(str::to_ascii_lowercase);
    let group = segment_after(resource_id, "resourceGroups").map(str::to_ascii_lowercase);
    let id = match (&subscription, &group) {
        (Some(s), Some(g)) => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}",
            s, g, name
        ),
        _ => resource_id.trim().to_ascii_lowercase(),
    };
    Some(
        ClusterRef::new(name, "aks")
            .attr("resource_id", Some(id.as_str()))
            .attr("subscription", subscription.as_deref())
            .attr("resource_group", group.as_deref()),
    )
}

/// What the path of a storage blob says: `[insights-logs-<category>/]
/// resourceId=/SUBSCRIPTIONS/…/MANAGEDCLUSTERS/<name>/y=YYYY/m=MM/d=DD/
/// h=HH/m=00/PT1H.json`.
#[derive(Debug, PartialEq)]
pub(super) struct BlobPath<'a> {
    /// The storage container (`insights-logs-kube-audit`), when the path
    /// still has it.
    pub(super) container: Option<&'a str>,
    /// The cluster's resource id, as the path spells it.
    pub(super) resource_id: &'a str,
    /// The hour the blob holds (`2026-11-20T09:00:00Z`).
    pub(super) hour: Option<String>,
}

/// Reads a blob's path (a zip entry's or a file's); `None` for any other path.
pub(super) fn blob_path(path: &str) -> Option<BlobPath<'_>> {
    const MARK: &str = "resourceId=";
    let at = path.find(MARK)?;
    let rest = &path[at + MARK.len()..];
    let (resource_id, date) = match rest.find("/y=") {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest.rsplit_once('/').map_or(rest, |(dir, _)| dir), None),
    };
    cluster_name(resource_id)?;
    let container = path[..at]
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|c| c.starts_with("insights-logs-"));
    Some(BlobPath { container, resource_id, hour: date.and_then(blob_hour) })
}

/// `y=2026/m=11/d=20/h=09/m=00/PT1H.json` → `2026-11-20T09:00:00Z`.
fn blob_hour(date: &str) -> Option<String> {
    let mut parts = date.split('/');
    let mut next = |key: &str| -> Option<u32> { parts.next()?.strip_prefix(key)?.parse().ok() };
    let (y, m, d, h) = (next("y=")?, next("m=")?, next("d=")?, next("h=")?);
    ((1..=12).contains(&m) && (1..=31).contains(&d) && h < 24).then(|| format!("{:04}-{:02}-{:02}T{:02}:00:00Z", y, m, d, h))
}
