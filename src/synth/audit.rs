//! Routine Kubernetes audit log (`audit.k8s.io/v1` `Event`, log backend).
//!
//! The audit log of even a small cluster is dominated by machines: kubelets
//! renewing their node leases every ten seconds and reporting status,
//! controllers renewing leader-election leases, the HPA controller reading
//! metrics, Calico, CoreDNS and Prometheus listing and watching. An
//! investigator's question is which of these requests is *not* routine, so
//! the generator reproduces them with the details a detector keys on:
//!
//! * one line per stage: `RequestReceived` (no status, no authorization
//!   annotations yet: it is written before authorization), then
//!   `ResponseComplete`; watches also write `ResponseStarted` and complete
//!   minutes later (their `ResponseComplete` is dropped when it would fall
//!   after the end of the window, as in a log collected at that moment);
//! * bound service-account tokens carry `user.extra` naming the pod, its
//!   node and the token id (`JTI=…`, rotated hourly by the kubelet), and are
//!   used from that pod's IP; kubelets authenticate with certificates and are
//!   authorized by the Node authorizer (empty reason), everything else by RBAC
//!   with the reason text the API server writes;
//! * the day's scripted activity: the `secops/netscan` CronJob at 02:00, the
//!   CI release of `storefront` and `catalog` by `system:serviceaccount:ci:deployer`
//!   at 08:30:40, the HPA scale-out of `shop/cart` at 10:05:15.
//!
//! `count` is the number of requests (distinct `auditID`s), not of lines.

use super::cluster::{self, Pod, CONTROL_PLANE_IP, KUBE_COMMIT, KUBE_VERSION, NODES, PODS};
use super::{fmt_micros, rng, stable_uuid, uuid_v4, Reorder, Slots, DAY};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

const STREAM: u64 = 1;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;

/// Routine audit log lines for `count` requests spread over
/// `[start_ns, end_ns)`, in time order, two or three lines per request.
pub fn audit_lines(
    seed: u64,
    start_ns: i64,
    end_ns: i64,
    count: usize,
) -> impl Iterator<Item = String> {
    AuditGen::new(seed, start_ns, end_ns, count).map(|l| l.line)
}

/// Who makes a request; decides the `user`, source IP, user agent and the
/// authorizer's reason.
#[derive(Clone, Copy)]
enum Actor {
    /// The kubelet of node `i` (client certificate, Node authorizer).
    Kubelet(usize),
    /// A user of the control plane with a ClusterRoleBinding of its name
    /// (`system:kube-controller-manager`, `system:kube-scheduler`).
    ControlPlane(&'static str, &'static str),
    /// A controller of the controller manager running with its own service
    /// account (`--use-service-account-credentials`).
    Controller(&'static str),
    /// A pod's bound token, authorized by the given (ClusterRoleBinding, ClusterRole).
    PodSa(&'static Pod, (&'static str, &'static str), &'static str),
    /// The CI runner's `ci:deployer` token, allowed in `shop` by RoleBinding `deployer`.
    Deployer,
    /// The API server itself (identity lease).
    ApiServer,
}

#[derive(Clone, Debug, Default)]
struct ObjRef {
    resource: &'static str,
    namespace: String,
    name: String,
    uid: String,
    api_group: &'static str,
    api_version: &'static str,
    resource_version: String,
    subresource: &'static str,
}

fn obj(
    resource: &'static str,
    group: &'static str,
    version: &'static str,
    ns: &str,
    name: &str,
) -> ObjRef {
    ObjRef {
        resource,
        namespace: ns.to_string(),
        name: name.to_string(),
        api_group: group,
        api_version: version,
        ..Default::default()
    }
}

impl ObjRef {
    fn sub(mut self, s: &'static str) -> ObjRef {
        self.subresource = s;
        self
    }
    /// An update names the object's UID and the resource version it read
    /// (`0` = the generator fills in its current one).
    fn with_uid(mut self, uid: String, rv: u64) -> ObjRef {
        self.uid = uid;
        if rv != 0 {
            self.resource_version = rv.to_string();
        }
        self
    }
}

/// How long a request takes and which stages it writes.
#[derive(Clone, Copy, Debug)]
enum Timing {
    /// `RequestReceived`, `ResponseComplete` after the latency.
    Plain,
    /// `RequestReceived`, `ResponseStarted`, `ResponseComplete` after `dur`.
    LongRunning(i64),
}

#[derive(Clone)]
struct Req {
    actor: Actor,
    verb: &'static str,
    uri: String,
    obj: Option<ObjRef>,
    code: u16,
    timing: Timing,
    pod_security: bool,
}

fn req(actor: Actor, verb: &'static str, uri: String, obj: ObjRef, code: u16) -> Req {
    Req {
        actor,
        verb,
        uri,
        obj: Some(obj),
        code,
        timing: Timing::Plain,
        pod_security: false,
    }
}

// ---------------------------------------------------------------------------
// Serialization, in the field order of `audit.k8s.io/v1` `Event`.

#[derive(Serialize)]
struct UserOut<'a> {
    username: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    uid: &'a str,
    groups: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: &'a BTreeMap<&'static str, [String; 1]>,
}

#[derive(Serialize)]
struct ObjOut<'a> {
    resource: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    uid: &'a str,
    #[serde(rename = "apiGroup", skip_serializing_if = "str::is_empty")]
    api_group: &'a str,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    #[serde(rename = "resourceVersion", skip_serializing_if = "str::is_empty")]
    resource_version: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    subresource: &'a str,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct StatusOut {
    metadata: Empty,
    code: u16,
}

#[derive(Serialize)]
struct EventOut<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    level: &'static str,
    #[serde(rename = "auditID")]
    audit_id: &'a str,
    stage: &'static str,
    #[serde(rename = "requestURI")]
    request_uri: &'a str,
    verb: &'a str,
    user: &'a UserOut<'a>,
    #[serde(rename = "sourceIPs")]
    source_ips: [&'a str; 1],
    #[serde(rename = "userAgent")]
    user_agent: &'a str,
    #[serde(rename = "objectRef", skip_serializing_if = "Option::is_none")]
    object_ref: Option<ObjOut<'a>>,
    #[serde(rename = "responseStatus", skip_serializing_if = "Option::is_none")]
    response_status: Option<StatusOut>,
    #[serde(rename = "requestReceivedTimestamp")]
    request_received_timestamp: &'a str,
    #[serde(rename = "stageTimestamp")]
    stage_timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<&'a BTreeMap<&'static str, String>>,
}

/// Identity, source and agent of an actor at a time.
struct Who {
    username: String,
    uid: String,
    groups: Vec<String>,
    extra: BTreeMap<&'static str, [String; 1]>,
    ip: String,
    agent: String,
    reason: String,
}

fn component_agent(component: &str, suffix: &str) -> String {
    format!(
        "{}/{} (linux/amd64) kubernetes/{}{}",
        component, KUBE_VERSION, KUBE_COMMIT, suffix
    )
}

fn sa_groups(ns: &str) -> Vec<String> {
    vec![
        "system:serviceaccounts".into(),
        format!("system:serviceaccounts:{}", ns),
        "system:authenticated".into(),
    ]
}

/// The token id of a credential: the kubelet refreshes a pod's projected
/// token about hourly, controllers' tokens likewise.
fn jti(owner: &str, time_ns: i64) -> String {
    format!(
        "JTI={}",
        stable_uuid(&["jti", owner, &(time_ns.div_euclid(3600 * SEC)).to_string()])
    )
}

fn bound_token_extra(pod: &Pod, time_ns: i64) -> BTreeMap<&'static str, [String; 1]> {
    let node = pod.node();
    let mut m = BTreeMap::new();
    m.insert(
        "authentication.kubernetes.io/credential-id",
        [jti(pod.uid, time_ns)],
    );
    m.insert(
        "authentication.kubernetes.io/node-name",
        [node.name.to_string()],
    );
    m.insert(
        "authentication.kubernetes.io/node-uid",
        [node.uid.to_string()],
    );
    m.insert(
        "authentication.kubernetes.io/pod-name",
        [pod.name.to_string()],
    );
    m.insert(
        "authentication.kubernetes.io/pod-uid",
        [pod.uid.to_string()],
    );
    m
}

fn who(actor: Actor, time_ns: i64) -> Who {
    match actor {
        Actor::Kubelet(i) => Who {
            username: format!("system:node:{}", NODES[i].name),
            uid: String::new(),
            groups: vec!["system:nodes".into(), "system:authenticated".into()],
            extra: BTreeMap::new(),
            ip: NODES[i].ip.to_string(),
            agent: component_agent("kubelet", ""),
            reason: String::new(),
        },
        Actor::ControlPlane(user, suffix) => {
            let component = user.trim_start_matches("system:");
            Who {
                username: user.to_string(),
                uid: String::new(),
                groups: vec!["system:authenticated".into()],
                extra: BTreeMap::new(),
                ip: CONTROL_PLANE_IP.to_string(),
                agent: component_agent(component, suffix),
                reason: format!(
                    "RBAC: allowed by ClusterRoleBinding \"{u}\" of ClusterRole \"{u}\" to User \"{u}\"",
                    u = user
                ),
            }
        }
        Actor::Controller(name) => {
            let username = format!("system:serviceaccount:kube-system:{}", name);
            let mut extra = BTreeMap::new();
            extra.insert("authentication.kubernetes.io/credential-id", [jti(&username, time_ns)]);
            Who {
                agent: component_agent("kube-controller-manager", &format!("/{}", username)),
                username,
                uid: stable_uuid(&["serviceaccount", "kube-system", name]),
                groups: sa_groups("kube-system"),
                extra,
                ip: CONTROL_PLANE_IP.to_string(),
                reason: format!(
                    "RBAC: allowed by ClusterRoleBinding \"system:controller:{n}\" of ClusterRole \"system:controller:{n}\" to ServiceAccount \"{n}/kube-system\"",
                    n = name
                ),
            }
        }
        Actor::PodSa(pod, (binding, role), agent) => Who {
            username: format!("system:serviceaccount:{}:{}", pod.namespace, pod.service_account),
            uid: cluster::service_account_uid(pod.namespace, pod.service_account).to_string(),
            groups: sa_groups(pod.namespace),
            extra: bound_token_extra(pod, time_ns),
            ip: pod.ip.to_string(),
            agent: agent.to_string(),
            reason: format!(
                "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{}\" to ServiceAccount \"{}/{}\"",
                binding, role, pod.service_account, pod.namespace
            ),
        },
        Actor::Deployer => {
            let pod = runner();
            Who {
                username: "system:serviceaccount:ci:deployer".into(),
                uid: cluster::service_account_uid("ci", "deployer").to_string(),
                groups: sa_groups("ci"),
                extra: bound_token_extra(pod, time_ns),
                ip: pod.ip.to_string(),
                agent: component_agent("kubectl", ""),
                reason: "RBAC: allowed by RoleBinding \"deployer/shop\" of ClusterRole \"edit\" to ServiceAccount \"deployer/ci\""
                    .into(),
            }
        }
        Actor::ApiServer => Who {
            username: "system:apiserver".into(),
            uid: stable_uuid(&["system:apiserver"]),
            groups: vec!["system:masters".into()],
            extra: BTreeMap::new(),
            ip: "::1".into(),
            agent: component_agent("kube-apiserver", ""),
            reason: String::new(),
        },
    }
}

fn runner() -> &'static Pod {
    cluster::pod("ci", "gh-runner-6b7d9c5f8-m2x9p").unwrap_or(&PODS[0])
}

// ---------------------------------------------------------------------------
// The day's scripted activity.

/// A request of the day's script, at a millisecond of the day.
struct Scripted {
    at_ms: i64,
    req: Req,
}

fn pod_named(ns: &str, name: &str) -> &'static Pod {
    cluster::pod(ns, name).unwrap_or(&PODS[0])
}

/// Requests around a pod's start: created by a controller, bound by the
/// scheduler, fetched by its kubelet, which requests its token and reports
/// its status.
fn pod_start(out: &mut Vec<Scripted>, at_ms: i64, creator: &'static str, pod: &'static Pod) {
    let ns = pod.namespace;
    let mut create = req(
        Actor::Controller(creator),
        "create",
        format!("/api/v1/namespaces/{}/pods", ns),
        obj("pods", "", "v1", ns, pod.name),
        201,
    );
    create.pod_security = true;
    out.push(Scripted { at_ms, req: create });
    out.push(Scripted {
        at_ms: at_ms + 29,
        req: req(
            Actor::ControlPlane("system:kube-scheduler", "/scheduler"),
            "create",
            format!("/api/v1/namespaces/{}/pods/{}/binding", ns, pod.name),
            obj("pods", "", "v1", ns, pod.name).sub("binding"),
            201,
        ),
    });
    let k = Actor::Kubelet(pod.node);
    out.push(Scripted {
        at_ms: at_ms + 88,
        req: req(
            k,
            "get",
            format!("/api/v1/namespaces/{}/pods/{}", ns, pod.name),
            obj("pods", "", "v1", ns, pod.name),
            200,
        ),
    });
    out.push(Scripted {
        at_ms: at_ms + 161,
        req: req(
            k,
            "create",
            format!(
                "/api/v1/namespaces/{}/serviceaccounts/{}/token",
                ns, pod.service_account
            ),
            obj("serviceaccounts", "", "v1", ns, pod.service_account).sub("token"),
            201,
        ),
    });
    for dt in [412, 4_630] {
        out.push(Scripted {
            at_ms: at_ms + dt,
            req: req(
                k,
                "patch",
                format!("/api/v1/namespaces/{}/pods/{}/status", ns, pod.name),
                obj("pods", "", "v1", ns, pod.name).sub("status"),
                200,
            ),
        });
    }
}

/// Requests around a pod's deletion by its ReplicaSet controller.
fn pod_stop(
    out: &mut Vec<Scripted>,
    at_ms: i64,
    ns: &'static str,
    name: &'static str,
    node: usize,
) {
    out.push(Scripted {
        at_ms,
        req: req(
            Actor::Controller("replicaset-controller"),
            "delete",
            format!("/api/v1/namespaces/{}/pods/{}", ns, name),
            obj("pods", "", "v1", ns, name),
            200,
        ),
    });
    out.push(Scripted {
        at_ms: at_ms + 870,
        req: req(
            Actor::Kubelet(node),
            "patch",
            format!("/api/v1/namespaces/{}/pods/{}/status", ns, name),
            obj("pods", "", "v1", ns, name).sub("status"),
            200,
        ),
    });
    out.push(Scripted {
        at_ms: at_ms + 2_140,
        req: req(
            Actor::Kubelet(node),
            "delete",
            format!("/api/v1/namespaces/{}/pods/{}", ns, name),
            obj("pods", "", "v1", ns, name),
            200,
        ),
    });
}

fn hms(h: i64, m: i64, s: i64, ms: i64) -> i64 {
    ((h * 60 + m) * 60 + s) * 1000 + ms
}

/// A release of one Deployment by the CI runner: `kubectl apply` (get,
/// patch), `kubectl rollout status` (a watch), and the controllers rolling
/// the new ReplicaSet out.
#[allow(clippy::too_many_arguments)]
fn release(
    out: &mut Vec<Scripted>,
    at_ms: i64,
    app: &'static str,
    new_rs: &'static str,
    old_rs: &'static str,
    new_pods: [(&'static str, i64); 2],
    old_pods: [(&'static str, usize, i64); 2],
    watch_ms: i64,
    rv: u64,
) {
    let dep_uri = format!("/apis/apps/v1/namespaces/shop/deployments/{}", app);
    out.push(Scripted {
        at_ms,
        req: req(
            Actor::Deployer,
            "get",
            dep_uri.clone(),
            obj("deployments", "apps", "v1", "shop", app),
            200,
        ),
    });
    out.push(Scripted {
        at_ms: at_ms + 75,
        req: req(
            Actor::Deployer,
            "patch",
            format!(
                "{}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
                dep_uri
            ),
            obj("deployments", "apps", "v1", "shop", app),
            200,
        ),
    });
    let mut watch = req(
        Actor::Deployer,
        "watch",
        format!("/apis/apps/v1/namespaces/shop/deployments?fieldSelector=metadata.name%3D{}&resourceVersion={}&watch=true", app, rv),
        obj("deployments", "apps", "v1", "shop", ""),
        200,
    );
    watch.timing = Timing::LongRunning(watch_ms * MS);
    out.push(Scripted {
        at_ms: at_ms + 163,
        req: watch,
    });
    out.push(Scripted {
        at_ms: at_ms + 119,
        req: req(
            Actor::Controller("deployment-controller"),
            "create",
            "/apis/apps/v1/namespaces/shop/replicasets".into(),
            obj("replicasets", "apps", "v1", "shop", new_rs),
            201,
        ),
    });
    for (dt, k) in [(150, 0u64), (6_400, 9), (18_900, 31)] {
        out.push(Scripted {
            at_ms: at_ms + dt,
            req: req(
                Actor::Controller("deployment-controller"),
                "update",
                format!("{}/status", dep_uri),
                obj("deployments", "apps", "v1", "shop", app)
                    .with_uid(cluster::object_uid("Deployment", "shop", app), rv + 2 + k)
                    .sub("status"),
                200,
            ),
        });
    }
    for (name, at) in new_pods {
        pod_start(out, at, "replicaset-controller", pod_named("shop", name));
    }
    for (k, (name, node, at)) in old_pods.into_iter().enumerate() {
        out.push(Scripted {
            at_ms: at - 40,
            req: req(
                Actor::Controller("deployment-controller"),
                "update",
                format!("/apis/apps/v1/namespaces/shop/replicasets/{}", old_rs),
                obj("replicasets", "apps", "v1", "shop", old_rs).with_uid(
                    cluster::object_uid("ReplicaSet", "shop", old_rs),
                    rv + 14 + 6 * k as u64,
                ),
                200,
            ),
        });
        pod_stop(out, at, "shop", name, node);
    }
}

/// The day's script, sorted by time.
fn script() -> Vec<Scripted> {
    let mut s = Vec::new();

    // 02:00 — the secops/netscan CronJob starts its nightly job.
    let job = "netscan-29919000";
    let scan_pod = pod_named("secops", "netscan-29919000-h7k2d");
    let t0 = hms(2, 0, 0, 28);
    s.push(Scripted {
        at_ms: t0,
        req: req(
            Actor::Controller("cronjob-controller"),
            "create",
            "/apis/batch/v1/namespaces/secops/jobs".into(),
            obj("jobs", "batch", "v1", "secops", job),
            201,
        ),
    });
    pod_start(&mut s, hms(2, 0, 0, 31), "job-controller", scan_pod);
    let job_uid = cluster::object_uid("Job", "secops", job);
    for (at, rv) in [
        (hms(2, 0, 4, 900), 48_102_377u64),
        (hms(2, 3, 13, 100), 48_109_154),
    ] {
        s.push(Scripted {
            at_ms: at,
            req: req(
                Actor::Controller("job-controller"),
                "update",
                format!("/apis/batch/v1/namespaces/secops/jobs/{}/status", job),
                obj("jobs", "batch", "v1", "secops", job)
                    .with_uid(job_uid.clone(), rv)
                    .sub("status"),
                200,
            ),
        });
    }
    s.push(Scripted {
        at_ms: hms(2, 3, 12, 400),
        req: req(
            Actor::Kubelet(scan_pod.node),
            "patch",
            format!("/api/v1/namespaces/secops/pods/{}/status", scan_pod.name),
            obj("pods", "", "v1", "secops", scan_pod.name).sub("status"),
            200,
        ),
    });
    s.push(Scripted {
        at_ms: hms(2, 3, 13, 120),
        req: req(
            Actor::Controller("job-controller"),
            "patch",
            format!("/api/v1/namespaces/secops/pods/{}", scan_pod.name),
            obj("pods", "", "v1", "secops", scan_pod.name),
            200,
        ),
    });
    s.push(Scripted {
        at_ms: hms(2, 3, 13, 150),
        req: req(
            Actor::Controller("cronjob-controller"),
            "update",
            "/apis/batch/v1/namespaces/secops/cronjobs/netscan/status".into(),
            obj("cronjobs", "batch", "v1", "secops", "netscan")
                .with_uid(
                    cluster::object_uid("CronJob", "secops", "netscan"),
                    48_109_160,
                )
                .sub("status"),
            200,
        ),
    });

    // 08:30:40 — the CI release of storefront 4.13.0 and catalog 1.9.0.
    release(
        &mut s,
        hms(8, 30, 40, 112),
        "storefront",
        "storefront-6d9f8b7c54",
        "storefront-5c7b9d6f48",
        [
            ("storefront-6d9f8b7c54-8kq2m", hms(8, 30, 41, 0)),
            ("storefront-6d9f8b7c54-rv7xn", hms(8, 30, 47, 0)),
        ],
        [
            ("storefront-5c7b9d6f48-jx4zp", 0, hms(8, 30, 58, 0)),
            ("storefront-5c7b9d6f48-t9qhc", 2, hms(8, 30, 59, 0)),
        ],
        20_300,
        48_498_120,
    );
    release(
        &mut s,
        hms(8, 30, 51, 104),
        "catalog",
        "catalog-8b6f5d9c7",
        "catalog-74d8c9b6f5",
        [
            ("catalog-8b6f5d9c7-m4t7w", hms(8, 30, 52, 0)),
            ("catalog-8b6f5d9c7-s2pgk", hms(8, 30, 57, 0)),
        ],
        [
            ("catalog-74d8c9b6f5-bn5vx", 0, hms(8, 31, 12, 0)),
            ("catalog-74d8c9b6f5-q8rlc", 1, hms(8, 31, 13, 0)),
        ],
        22_700,
        48_498_188,
    );

    // 10:05:15 — the HPA scales shop/cart from 3 to 6 on CPU.
    s.push(Scripted {
        at_ms: hms(10, 5, 15, 604),
        req: req(
            Actor::Controller("horizontal-pod-autoscaler"),
            "update",
            "/apis/apps/v1/namespaces/shop/deployments/cart/scale".into(),
            obj("deployments", "apps", "v1", "shop", "cart")
                .with_uid(
                    cluster::object_uid("Deployment", "shop", "cart"),
                    48_611_842,
                )
                .sub("scale"),
            200,
        ),
    });
    s.push(Scripted {
        at_ms: hms(10, 5, 15, 811),
        req: req(
            Actor::Controller("deployment-controller"),
            "update",
            "/apis/apps/v1/namespaces/shop/replicasets/cart-7f9c6d8b5".into(),
            obj("replicasets", "apps", "v1", "shop", "cart-7f9c6d8b5").with_uid(
                cluster::object_uid("ReplicaSet", "shop", "cart-7f9c6d8b5"),
                48_611_845,
            ),
            200,
        ),
    });
    for (k, name) in [
        "cart-7f9c6d8b5-4mxkd",
        "cart-7f9c6d8b5-9tq2c",
        "cart-7f9c6d8b5-wz7bn",
    ]
    .into_iter()
    .enumerate()
    {
        pod_start(
            &mut s,
            hms(10, 5, 16, 211 * k as i64),
            "replicaset-controller",
            pod_named("shop", name),
        );
    }

    s.sort_by_key(|x| x.at_ms);
    s
}

// ---------------------------------------------------------------------------
// The generator.

/// Streams [`super::SynthLine`]s of the audit log (node index 0: the API
/// server is not on a node).
pub struct AuditGen {
    rng: ChaCha8Rng,
    end_ns: i64,
    slots: Slots,
    pending: Reorder,
    script: Vec<Scripted>,
    /// Day (since epoch) and index of the next scripted request.
    script_day: i64,
    script_pos: usize,
    rv: u64,
    node_pods: Vec<Vec<&'static Pod>>,
}

impl AuditGen {
    pub fn new(seed: u64, start_ns: i64, end_ns: i64, count: usize) -> AuditGen {
        let script = script();
        let day = start_ns.div_euclid(DAY);
        let sod_ms = start_ns.rem_euclid(DAY) / MS;
        // The first scripted request at or after the start, maybe tomorrow.
        let (day, pos) = match script.iter().position(|s| s.at_ms >= sod_ms) {
            Some(p) => (day, p),
            None => (day + 1, 0),
        };
        let node_pods = (0..NODES.len())
            .map(|i| PODS.iter().filter(|p| p.node == i).collect())
            .collect();
        AuditGen {
            rng: rng(seed, STREAM),
            end_ns,
            slots: Slots::new(start_ns, end_ns, count),
            pending: Reorder::new(),
            script,
            script_day: day,
            script_pos: pos,
            rv: 48_000_000 + (start_ns.rem_euclid(DAY) / (100 * MS)) as u64,
            node_pods,
        }
    }

    fn next_script_time(&self) -> Option<i64> {
        if self.script.is_empty() {
            return None;
        }
        Some(self.script_day * DAY + self.script[self.script_pos].at_ms * MS)
    }

    fn advance_script(&mut self) {
        self.script_pos += 1;
        if self.script_pos == self.script.len() {
            self.script_pos = 0;
            self.script_day += 1;
        }
    }

    /// Produces the next request (scripted when one is due) into `pending`.
    fn produce(&mut self) -> bool {
        let Some(slot) = self.slots.peek(&mut self.rng) else {
            return false;
        };
        let (t, r) = match self.next_script_time() {
            Some(st) if st <= slot && st < self.end_ns => {
                let r = self.script[self.script_pos].req.clone();
                self.advance_script();
                // Sub-millisecond jitter: scripted times are given in ms.
                (st + self.rng.random_range(0..1_000_000), r)
            }
            _ => {
                let r = self.routine(slot);
                (slot, r)
            }
        };
        self.slots.consume();
        self.emit(t, r);
        true
    }

    fn emit(&mut self, t: i64, mut r: Req) {
        self.rv += self.rng.random_range(1..24);
        let w = who(r.actor, t);
        if let Some(o) = r.obj.as_mut() {
            if o.resource_version.is_empty() && !o.uid.is_empty() {
                o.resource_version = self.rv.to_string();
            }
        }
        let audit_id = uuid_v4(&mut self.rng);
        let received = fmt_micros(t);
        let groups = w.groups;
        let user = UserOut {
            username: &w.username,
            uid: &w.uid,
            groups: &groups,
            extra: &w.extra,
        };
        let mut annotations = BTreeMap::new();
        annotations.insert("authorization.k8s.io/decision", "allow".to_string());
        annotations.insert("authorization.k8s.io/reason", w.reason.clone());
        if r.pod_security {
            annotations.insert(
                "pod-security.kubernetes.io/enforce-policy",
                "privileged:latest".to_string(),
            );
        }
        let latency = match r.verb {
            "list" => self.rng.random_range(2_000..40_000),
            "create" | "update" | "patch" | "delete" => self.rng.random_range(3_000..18_000),
            _ => self.rng.random_range(600..6_000),
        } * 1000;
        let mut stages: Vec<(&'static str, i64, bool)> = vec![("RequestReceived", t, false)];
        match r.timing {
            Timing::Plain => stages.push(("ResponseComplete", t + latency, true)),
            Timing::LongRunning(d) => {
                stages.push(("ResponseStarted", t + latency / 4, true));
                stages.push(("ResponseComplete", t + d, true));
            }
        }
        for (stage, at, done) in stages {
            if at > self.end_ns && stage != "RequestReceived" {
                continue;
            }
            let o = r.obj.as_ref().map(|o| ObjOut {
                resource: o.resource,
                namespace: &o.namespace,
                name: &o.name,
                uid: &o.uid,
                api_group: o.api_group,
                api_version: o.api_version,
                resource_version: &o.resource_version,
                subresource: o.subresource,
            });
            let ev = EventOut {
                kind: "Event",
                api_version: "audit.k8s.io/v1",
                level: "Metadata",
                audit_id: &audit_id,
                stage,
                request_uri: &r.uri,
                verb: r.verb,
                user: &user,
                source_ips: [&w.ip],
                user_agent: &w.agent,
                object_ref: o,
                response_status: done.then_some(StatusOut {
                    metadata: Empty {},
                    code: r.code,
                }),
                request_received_timestamp: &received,
                stage_timestamp: fmt_micros(at),
                annotations: done.then_some(&annotations),
            };
            // Serializing plain structs of strings cannot fail.
            let line = serde_json::to_string(&ev).unwrap_or_default();
            self.pending.push(at, 0, line);
        }
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A pod running on node `n` at `t` (the first one of the node if none).
    fn pod_on(&mut self, n: usize, t: i64) -> &'static Pod {
        for _ in 0..8 {
            let p = self.node_pods[n][self.rng.random_range(0..self.node_pods[n].len())];
            if p.alive_at(t) {
                return p;
            }
        }
        self.node_pods[n][0]
    }

    fn named_pod(&mut self, ns: &str, prefix: &str, t: i64) -> &'static Pod {
        let c: Vec<&'static Pod> = PODS
            .iter()
            .filter(|p| p.namespace == ns && p.name.starts_with(prefix) && p.alive_at(t))
            .collect();
        if c.is_empty() {
            return &PODS[0];
        }
        c[self.rng.random_range(0..c.len())]
    }

    fn watch_params(&mut self) -> (String, i64) {
        let secs = self.rng.random_range(300..600);
        (
            format!(
                "resourceVersion={}&timeout={}m{}s&timeoutSeconds={}&watch=true",
                self.rv,
                secs / 60,
                secs % 60,
                secs
            ),
            secs * SEC,
        )
    }

    fn watch(&mut self, actor: Actor, path: &str, query: &str, o: ObjRef) -> Req {
        let (params, dur) = self.watch_params();
        let sep = if query.is_empty() { "" } else { "&" };
        let mut r = req(
            actor,
            "watch",
            format!(
                "{}?allowWatchBookmarks=true{}{}&{}",
                path, sep, query, params
            ),
            o,
            200,
        );
        r.timing = Timing::LongRunning(dur);
        r
    }

    /// One routine request at `t`, drawn from a weighted mix of the
    /// cluster's machine traffic.
    fn routine(&mut self, t: i64) -> Req {
        let n = self.rng.random_range(0..NODES.len());
        let node = NODES[n].name;
        let k = Actor::Kubelet(n);
        let roll = self.rng.random_range(0..100);
        match roll {
            0..=19 => req(
                k,
                "update",
                format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{}?timeout=10s", node),
                obj("leases", "coordination.k8s.io", "v1", "kube-node-lease", node)
                    .with_uid(stable_uuid(&["lease", "kube-node-lease", node]), 0),
                200,
            ),
            20..=25 => req(
                k,
                "get",
                format!("/api/v1/nodes/{}?resourceVersion=0&timeout=10s", node),
                obj("nodes", "", "v1", "", node),
                200,
            ),
            26..=31 => req(
                k,
                "patch",
                format!("/api/v1/nodes/{}/status?timeout=10s", node),
                obj("nodes", "", "v1", "", node).sub("status"),
                200,
            ),
            32..=36 => {
                let p = self.pod_on(n, t);
                req(k, "get", format!("/api/v1/namespaces/{}/pods/{}", p.namespace, p.name), obj("pods", "", "v1", p.namespace, p.name), 200)
            }
            37..=38 => {
                let p = self.pod_on(n, t);
                req(
                    k,
                    "patch",
                    format!("/api/v1/namespaces/{}/pods/{}/status", p.namespace, p.name),
                    obj("pods", "", "v1", p.namespace, p.name).sub("status"),
                    200,
                )
            }
            39..=41 => match self.rng.random_range(0..3) {
                0 => self.watch(k, "/api/v1/pods", &format!("fieldSelector=spec.nodeName%3D{}", node), obj("pods", "", "v1", "", "")),
                1 => {
                    let p = self.pod_on(n, t);
                    let ns = p.namespace;
                    self.watch(
                        k,
                        &format!("/api/v1/namespaces/{}/configmaps", ns),
                        "fieldSelector=metadata.name%3Dkube-root-ca.crt",
                        obj("configmaps", "", "v1", ns, ""),
                    )
                }
                _ => self.watch(k, "/api/v1/services", "", obj("services", "", "v1", "", "")),
            },
            42..=43 => {
                let p = self.pod_on(n, t);
                req(
                    k,
                    "create",
                    format!("/api/v1/namespaces/{}/serviceaccounts/{}/token", p.namespace, p.service_account),
                    obj("serviceaccounts", "", "v1", p.namespace, p.service_account).sub("token"),
                    201,
                )
            }
            44..=51 => req(
                Actor::ControlPlane("system:kube-controller-manager", "/leader-election"),
                "update",
                "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s".into(),
                obj("leases", "coordination.k8s.io", "v1", "kube-system", "kube-controller-manager")
                    .with_uid(stable_uuid(&["lease", "kube-system", "kube-controller-manager"]), 0),
                200,
            ),
            52..=59 => req(
                Actor::ControlPlane("system:kube-scheduler", "/leader-election"),
                "update",
                "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?timeout=5s".into(),
                obj("leases", "coordination.k8s.io", "v1", "kube-system", "kube-scheduler")
                    .with_uid(stable_uuid(&["lease", "kube-system", "kube-scheduler"]), 0),
                200,
            ),
            60..=63 => {
                let name = "apiserver-k3xqmw5d2ohn7v4yfrp6tlgcse";
                req(
                    Actor::ApiServer,
                    "update",
                    format!("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{}", name),
                    obj("leases", "coordination.k8s.io", "v1", "kube-system", name).with_uid(stable_uuid(&["lease", name]), 0),
                    200,
                )
            }
            64..=69 => self.calico(n, t),
            70..=75 => self.prometheus(t),
            76..=78 => {
                let p = self.named_pod("monitoring", "kube-state-metrics-", t);
                let a = Actor::PodSa(p, ("kube-state-metrics", "kube-state-metrics"), "kube-state-metrics/v2.13.0 (linux/amd64) kubernetes/$Format");
                let (res, group, ver, path) = self.pick(&[
                    ("pods", "", "v1", "/api/v1/pods"),
                    ("nodes", "", "v1", "/api/v1/nodes"),
                    ("deployments", "apps", "v1", "/apis/apps/v1/deployments"),
                    ("horizontalpodautoscalers", "autoscaling", "v2", "/apis/autoscaling/v2/horizontalpodautoscalers"),
                ]);
                if self.rng.random_bool(0.5) {
                    self.watch(a, path, "", obj(res, group, ver, "", ""))
                } else {
                    req(a, "list", format!("{}?limit=500&resourceVersion=0", path), obj(res, group, ver, "", ""), 200)
                }
            }
            79 => {
                let p = self.named_pod("monitoring", "grafana-", t);
                let a = Actor::PodSa(p, ("grafana-clusterrolebinding", "grafana-clusterrole"), "OpenAPI-Generator/31.0.0/python");
                let mut r = req(
                    a,
                    "watch",
                    "/api/v1/configmaps?labelSelector=grafana_dashboard%3D1&timeoutSeconds=60&watch=True".into(),
                    obj("configmaps", "", "v1", "", ""),
                    200,
                );
                r.timing = Timing::LongRunning(60 * SEC);
                r
            }
            80..=81 => {
                let p = self.named_pod("kube-system", "coredns-", t);
                let a = Actor::PodSa(p, ("system:coredns", "system:coredns"), "coredns/v0.0.0 (linux/amd64) kubernetes/$Format");
                let (res, group, ver, path) = self.pick(&[
                    ("endpointslices", "discovery.k8s.io", "v1", "/apis/discovery.k8s.io/v1/endpointslices"),
                    ("services", "", "v1", "/api/v1/services"),
                    ("namespaces", "", "v1", "/api/v1/namespaces"),
                ]);
                self.watch(a, path, "", obj(res, group, ver, "", ""))
            }
            82..=83 => {
                let p = self.pod_on_named(n, "tetragon-", t);
                let a = Actor::PodSa(p, ("tetragon", "tetragon"), "tetragon/v0.0.0 (linux/amd64) kubernetes/$Format");
                self.watch(a, "/api/v1/pods", &format!("fieldSelector=spec.nodeName%3D{}", node), obj("pods", "", "v1", "", ""))
            }
            84..=85 => {
                let p = self.pod_on_named(n, "kube-proxy-", t);
                let a = Actor::PodSa(p, ("system:node-proxier", "system:node-proxier"), "kube-proxy/v1.30.6 (linux/amd64) kubernetes/a6c6c4e");
                if self.rng.random_bool(0.5) {
                    self.watch(
                        a,
                        "/apis/discovery.k8s.io/v1/endpointslices",
                        "labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name",
                        obj("endpointslices", "discovery.k8s.io", "v1", "", ""),
                    )
                } else {
                    req(a, "get", format!("/api/v1/nodes/{}", node), obj("nodes", "", "v1", "", node), 200)
                }
            }
            86..=89 => {
                let a = Actor::Controller("horizontal-pod-autoscaler");
                if self.rng.random_bool(0.5) {
                    req(
                        a,
                        "list",
                        "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dcart".into(),
                        obj("pods", "metrics.k8s.io", "v1beta1", "shop", ""),
                        200,
                    )
                } else {
                    req(
                        a,
                        "get",
                        "/apis/apps/v1/namespaces/shop/deployments/cart/scale".into(),
                        obj("deployments", "apps", "v1", "shop", "cart").sub("scale"),
                        200,
                    )
                }
            }
            90..=93 => {
                let a = Actor::ControlPlane("system:kube-controller-manager", "/shared-informers");
                let (res, group, ver, path) = self.pick(&[
                    ("pods", "", "v1", "/api/v1/pods"),
                    ("replicasets", "apps", "v1", "/apis/apps/v1/replicasets"),
                    ("deployments", "apps", "v1", "/apis/apps/v1/deployments"),
                    ("jobs", "batch", "v1", "/apis/batch/v1/jobs"),
                    ("serviceaccounts", "", "v1", "/api/v1/serviceaccounts"),
                    ("leases", "coordination.k8s.io", "v1", "/apis/coordination.k8s.io/v1/leases"),
                ]);
                self.watch(a, path, "", obj(res, group, ver, "", ""))
            }
            94..=95 => {
                let p = self.named_pod("calico-system", "calico-kube-controllers-", t);
                let a = Actor::PodSa(p, ("calico-kube-controllers", "calico-kube-controllers"), "kube-controllers/v0.0.0 (linux/amd64) kubernetes/$Format");
                let (res, group, ver, path) = self.pick(&[
                    ("nodes", "", "v1", "/api/v1/nodes"),
                    ("ipamblocks", "crd.projectcalico.org", "v1", "/apis/crd.projectcalico.org/v1/ipamblocks"),
                    ("clusterinformations", "crd.projectcalico.org", "v1", "/apis/crd.projectcalico.org/v1/clusterinformations"),
                ]);
                if res == "clusterinformations" {
                    req(a, "get", format!("{}/default", path), obj(res, group, ver, "", "default"), 200)
                } else {
                    self.watch(a, path, "", obj(res, group, ver, "", ""))
                }
            }
            _ => {
                // Endpoints of the shop services refreshed by the controller.
                let svc = self.pick(&["storefront", "cart", "checkout", "catalog"]);
                let slice = format!("{}-{}", svc, &stable_uuid(&["slice", svc])[..5]);
                req(
                    Actor::Controller("endpointslice-controller"),
                    "update",
                    format!("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/{}", slice),
                    obj("endpointslices", "discovery.k8s.io", "v1", "shop", &slice)
                        .with_uid(stable_uuid(&["endpointslice", &slice]), 0),
                    200,
                )
            }
        }
    }

    fn pod_on_named(&mut self, n: usize, prefix: &str, t: i64) -> &'static Pod {
        PODS.iter()
            .find(|p| p.node == n && p.name.starts_with(prefix) && p.alive_at(t))
            .unwrap_or(&PODS[0])
    }

    fn calico(&mut self, n: usize, t: i64) -> Req {
        let p = self.pod_on_named(n, "calico-node-", t);
        let a = Actor::PodSa(
            p,
            ("calico-node", "calico-node"),
            "calico-node/v0.0.0 (linux/amd64) kubernetes/$Format",
        );
        match self.rng.random_range(0..5) {
            0 => req(
                a,
                "get",
                "/apis/crd.projectcalico.org/v1/clusterinformations/default".into(),
                obj(
                    "clusterinformations",
                    "crd.projectcalico.org",
                    "v1",
                    "",
                    "default",
                ),
                200,
            ),
            1 => req(
                a,
                "get",
                format!("/api/v1/nodes/{}", NODES[n].name),
                obj("nodes", "", "v1", "", NODES[n].name),
                200,
            ),
            2 => req(
                a,
                "list",
                "/apis/crd.projectcalico.org/v1/felixconfigurations?limit=500&resourceVersion=0"
                    .into(),
                obj("felixconfigurations", "crd.projectcalico.org", "v1", "", ""),
                200,
            ),
            3 => self.watch(
                a,
                "/api/v1/namespaces",
                "",
                obj("namespaces", "", "v1", "", ""),
            ),
            _ => self.watch(
                a,
                "/apis/networking.k8s.io/v1/networkpolicies",
                "",
                obj("networkpolicies", "networking.k8s.io", "v1", "", ""),
            ),
        }
    }

    fn prometheus(&mut self, t: i64) -> Req {
        let p = self.named_pod("monitoring", "prometheus-server-", t);
        let a = Actor::PodSa(
            p,
            ("prometheus-server", "prometheus-server"),
            "Prometheus/2.55.1",
        );
        match self.rng.random_range(0..6) {
            0..=2 => {
                let node = NODES[self.rng.random_range(0..NODES.len())].name;
                let path = self.pick(&["metrics", "metrics/cadvisor"]);
                req(
                    a,
                    "get",
                    format!("/api/v1/nodes/{}/proxy/{}", node, path),
                    obj("nodes", "", "v1", "", node).sub("proxy"),
                    200,
                )
            }
            3 => req(
                a,
                "list",
                "/api/v1/pods?limit=500&resourceVersion=0".into(),
                obj("pods", "", "v1", "", ""),
                200,
            ),
            4 => self.watch(
                a,
                "/api/v1/endpoints",
                "",
                obj("endpoints", "", "v1", "", ""),
            ),
            _ => {
                let (res, path) = self.pick(&[
                    ("nodes", "/api/v1/nodes"),
                    ("services", "/api/v1/services"),
                    ("pods", "/api/v1/pods"),
                ]);
                self.watch(a, path, "", obj(res, "", "v1", "", ""))
            }
        }
    }
}

impl Iterator for AuditGen {
    type Item = super::SynthLine;

    fn next(&mut self) -> Option<super::SynthLine> {
        loop {
            // Lines are due once no request still to be produced can start
            // before them (requests are produced in time order).
            let frontier = self
                .slots
                .peek(&mut self.rng)
                .map(|s| match self.next_script_time() {
                    Some(st) if st < s => st,
                    _ => s,
                });
            match frontier {
                Some(f) => {
                    if let Some(l) = self.pending.pop_until(f) {
                        return Some(l);
                    }
                    self.produce();
                }
                None => return self.pending.pop(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashSet;

    const START: i64 = super::super::STORY_DAY_NS;

    #[test]
    fn same_seed_same_lines_other_seed_other_lines() {
        let a: Vec<String> = audit_lines(7, START, START + 3600 * SEC, 500).collect();
        let b: Vec<String> = audit_lines(7, START, START + 3600 * SEC, 500).collect();
        let c: Vec<String> = audit_lines(8, START, START + 3600 * SEC, 500).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn lines_are_audit_events_with_one_audit_id_per_request_in_time_order() {
        let end = START + 10 * 3600 * SEC;
        let mut ids = HashSet::new();
        let mut last = String::new();
        let mut n = 0;
        for line in audit_lines(42, START, end, 3000) {
            let v: Value = serde_json::from_str(&line).expect("valid JSON");
            assert_eq!(v["kind"], "Event");
            assert_eq!(v["apiVersion"], "audit.k8s.io/v1");
            let stage = v["stage"].as_str().unwrap();
            let ts = v["stageTimestamp"].as_str().unwrap().to_string();
            assert_eq!(ts.len(), "2026-11-20T09:41:07.123456Z".len());
            assert!(ts >= last, "{} after {}", ts, last);
            last = ts;
            if stage == "RequestReceived" {
                assert!(v.get("annotations").is_none() && v.get("responseStatus").is_none());
                assert!(
                    ids.insert(v["auditID"].as_str().unwrap().to_string()),
                    "auditID reused"
                );
            } else {
                assert_eq!(v["annotations"]["authorization.k8s.io/decision"], "allow");
                assert!(v["responseStatus"]["code"].as_u64().is_some());
            }
            n += 1;
        }
        assert_eq!(ids.len(), 3000);
        assert!(n >= 6000);
    }

    #[test]
    fn the_day_script_appears_in_a_window_that_covers_it() {
        let lines: Vec<String> =
            audit_lines(1, START, START + (10 * 3600 + 600) * SEC, 2000).collect();
        let text = lines.join("\n");
        assert!(text.contains("\"username\":\"system:serviceaccount:ci:deployer\""));
        assert!(text.contains("/apis/apps/v1/namespaces/shop/deployments/storefront?fieldManager=kubectl-client-side-apply"));
        assert!(text.contains("/apis/apps/v1/namespaces/shop/deployments/cart/scale"));
        assert!(text.contains("netscan-29919000-h7k2d"));
        // Bound tokens name their pod and are used from its IP.
        let prom = lines
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v["user"]["username"] == "system:serviceaccount:monitoring:prometheus")
            .expect("prometheus requests");
        assert_eq!(
            prom["user"]["extra"]["authentication.kubernetes.io/pod-name"][0],
            "prometheus-server-7c9d8f6b5-q7wmn"
        );
        assert_eq!(prom["sourceIPs"][0], "10.244.2.15");
    }
}
