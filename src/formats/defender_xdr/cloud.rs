//! Where a row happened: the cluster its cloud resource column names (one
//! column per cloud) and the namespace, pod, workload, container and image
//! of a container row.

use super::Row;
use crate::entity;
use crate::formats::envelope::ClusterRef;
use crate::model::{EntityKind, EntityRef, NewEvent};

/// The cluster a resource id names: an AKS ARM id
/// (`…/Microsoft.ContainerService/managedClusters/<name>`), an EKS ARN
/// (`arn:aws:eks:<region>:<account>:cluster/<name>`) or a GKE resource name
/// (`//container.googleapis.com/projects/<p>/locations/<l>/clusters/<name>`).
pub(super) fn cluster_of(id: &str) -> Option<ClusterRef> {
    let id = id.trim();
    if let Some(c) = crate::formats::aks::cluster_ref(id) {
        return Some(c);
    }
    if let Some(rest) = id.strip_prefix("arn:") {
        // partition:eks:region:account:cluster/name[/…]
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_, "eks", region, account, resource] = parts.as_slice() {
            let name = resource.strip_prefix("cluster/")?.split('/').next().filter(|n| !entity::is_absent(n))?;
            return Some(
                ClusterRef::new(name, "eks")
                    .attr("arn", Some(&format!("arn:{}", rest.split('/').take(2).collect::<Vec<_>>().join("/"))))
                    .attr("region", Some(region))
                    .attr("account", Some(account)),
            );
        }
        return None;
    }
    let at = id.find("projects/")?;
    let p = crate::formats::gke::cluster_path(&id[at..])?;
    Some(
        ClusterRef::new(p.cluster, "gke")
            .attr("project", Some(p.project))
            .attr("location", Some(p.location))
            .attr("resource_name", Some(id)),
    )
}

/// The cluster of a row, from the first cloud resource column that names
/// one; linked to the event. Gives the cluster's name.
pub(super) fn cluster(row: &Row, columns: &[&str], ev: &mut NewEvent) -> Option<String> {
    let (col, c) = columns.iter().find_map(|col| Some((*col, cluster_of(row.text(col)?)?)))?;
    let name = c.name.clone();
    ev.field("cluster", name.as_str());
    ev.field("cluster_resource", row.text(col));
    ev.entity(c.into_entity());
    Some(name)
}

/// The cloud resource columns of the container tables, one per cloud.
pub(super) const RESOURCE_COLUMNS: &[&str] = &["AzureResourceId", "AwsResourceName", "GcpFullResourceName"];

/// A container row's Kubernetes entities; gives the container's canonical id.
pub(super) fn workload(row: &Row, ev: &mut NewEvent) -> Option<String> {
    let ns = row.text("KubernetesNamespace");
    let pod = row.text("KubernetesPodName");
    if let Some(ns) = ns {
        ev.field("namespace", ns);
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    if let Some(key) = ns.zip(pod).and_then(|(ns, pod)| entity::pod_key(ns, pod)) {
        ev.field("pod", key.as_str());
        ev.add_search(&key);
        ev.entity(EntityRef::new(EntityKind::Pod, key, "pod").attr("namespace", ns).attr("name", pod));
    }
    if let Some(owner) = row.text("KubernetesResource").and_then(owner_key) {
        ev.field("workload", owner.as_str());
        ev.entity(EntityRef::new(EntityKind::Workload, owner, "owner"));
    }
    if let Some((reference, digest)) = row.text("ContainerImageName").and_then(entity::image) {
        ev.field("image", reference.as_str());
        ev.entity(EntityRef::new(EntityKind::Image, reference, "image").attr("digest", digest));
    }
    let name = row.text("ContainerName");
    ev.field("container", name);
    let raw = row.text("ContainerId")?;
    let id = entity::container_id(raw)?;
    let runtime = raw.split_once("://").map(|(r, _)| r);
    ev.field("container_id", id.as_str());
    ev.entity(
        EntityRef::new(EntityKind::Container, id.as_str(), "container")
            .attr("id", id.as_str())
            .attr("name", name)
            .attr("runtime", runtime),
    );
    Some(id)
}

/// `KubernetesResource` (`<namespace>/<kind>/<name>`, the kind plural and
/// lower-case or a `Kind`) as a workload key.
fn owner_key(resource: &str) -> Option<String> {
    let mut parts = resource.trim().splitn(3, '/');
    let (ns, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
    let lower = kind.to_ascii_lowercase();
    let kind = match crate::formats::audit::workload_kind_for_resource(&lower) {
        Some(k) => k.to_string(),
        None => crate::formats::sysdig::workload_kind(kind.trim_end_matches('s')),
    };
    entity::workload_key(Some(ns), &kind, name)
}
