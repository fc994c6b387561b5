//! The demo cluster `aks-shop-prod` as data: nodes, pods, containers and
//! service accounts with the exact names, UIDs, IPs and container ids that
//! the hand-authored attack records and the `kubectl get -o json` snapshot in
//! `fixtures/demo/src/` use.
//!
//! Routine noise must name the same things as the story, or a correlator
//! would see two clusters; one table shared by every generator (and checked
//! against the snapshot by a test in `examples/make_demo.rs`) keeps them in
//! step. Lifetimes are given as seconds of the day (`born_sod`, `gone_sod`)
//! so that a generator spanning several days repeats the day's pattern (the
//! 02:00 scan job, the 08:30 release, the 10:05 scale-out) coherently.

/// Kubernetes version of the cluster (AKS 1.30).
pub const KUBE_VERSION: &str = "v1.30.6";
/// Git commit the Kubernetes components report in their user agents.
pub const KUBE_COMMIT: &str = "a6c6c4e";
pub const CLUSTER_NAME: &str = "aks-shop-prod";
/// The `kubernetes` Service: what pods reach the API server through.
pub const API_SERVICE_IP: &str = "10.0.0.1";
/// Where the managed control plane (controller manager, scheduler) connects
/// from. AKS runs it outside the node VNet; the exact range is not
/// documented, any address outside the node and pod ranges does.
pub const CONTROL_PLANE_IP: &str = "172.31.36.12";

/// Cluster IPs of the Services routine traffic goes to: (namespace, name, ip, port).
pub const SERVICES: &[(&str, &str, &str, u16)] = &[
    ("default", "kubernetes", "10.0.0.1", 443),
    ("kube-system", "kube-dns", "10.0.0.10", 53),
    ("shop", "storefront", "10.0.23.118", 80),
    ("shop", "cart", "10.0.112.45", 8080),
    ("shop", "checkout", "10.0.87.201", 5050),
    ("shop", "catalog", "10.0.54.9", 50051),
    ("monitoring", "prometheus-server", "10.0.201.7", 80),
    ("monitoring", "grafana", "10.0.148.66", 80),
];

pub struct Node {
    pub name: &'static str,
    pub ip: &'static str,
    pub pod_cidr: &'static str,
    pub uid: &'static str,
}

pub struct ServiceAccount {
    pub namespace: &'static str,
    pub name: &'static str,
    pub uid: &'static str,
}

pub struct Container {
    pub name: &'static str,
    /// Full 64-hex containerd id (pod status says `containerd://` + this).
    pub id: &'static str,
    pub image: &'static str,
    /// `repository@sha256:…`, as `imageID` in pod status.
    pub image_id: &'static str,
    /// RFC 3339 seconds, `state.running.startedAt`.
    pub started: &'static str,
    /// Host pid of the container's main process.
    pub pid: u32,
    /// User id the main process runs as.
    pub uid: u32,
    pub binary: &'static str,
    pub args: &'static str,
    pub cwd: &'static str,
}

pub struct Pod {
    pub namespace: &'static str,
    pub name: &'static str,
    pub uid: &'static str,
    /// Index into [`NODES`].
    pub node: usize,
    pub ip: &'static str,
    pub host_network: bool,
    pub service_account: &'static str,
    pub owner_kind: &'static str,
    pub owner: &'static str,
    /// Second of the day the pod was created; `None` = before the day.
    pub born_sod: Option<i64>,
    /// Second of the day the pod was deleted or finished; `None` = still running.
    pub gone_sod: Option<i64>,
    pub labels: &'static [(&'static str, &'static str)],
    pub containers: &'static [Container],
}

impl Pod {
    /// Whether the pod runs at `time_ns` (by time of day, see module doc).
    pub fn alive_at(&self, time_ns: i64) -> bool {
        let sod = time_ns.rem_euclid(super::DAY) / 1_000_000_000;
        self.born_sod.is_none_or(|b| sod >= b) && self.gone_sod.is_none_or(|g| sod < g)
    }

    pub fn node(&self) -> &'static Node {
        &NODES[self.node]
    }

    /// The workload (Deployment, DaemonSet, Job…) name Tetragon reports.
    pub fn workload(&self) -> (&'static str, &'static str) {
        match self.owner_kind {
            // `name-<hash>` → the Deployment `name`.
            "ReplicaSet" => (
                "Deployment",
                self.owner
                    .rsplit_once('-')
                    .map(|(d, _)| d)
                    .unwrap_or(self.owner),
            ),
            kind => (kind, self.owner),
        }
    }
}

/// A pod by namespace and name.
pub fn pod(namespace: &str, name: &str) -> Option<&'static Pod> {
    PODS.iter()
        .find(|p| p.namespace == namespace && p.name == name)
}

/// The UID of a service account of the table (the `user.uid` of its tokens).
pub fn service_account_uid(namespace: &str, name: &str) -> &'static str {
    SERVICE_ACCOUNTS
        .iter()
        .find(|s| s.namespace == namespace && s.name == name)
        .map(|s| s.uid)
        .unwrap_or("00000000-0000-4000-8000-000000000000")
}

/// The UID of a workload object of [`OBJECT_UIDS`] (a stable made-up one
/// for objects outside the table).
pub fn object_uid(kind: &str, namespace: &str, name: &str) -> String {
    OBJECT_UIDS
        .iter()
        .find(|(k, ns, n, _)| *k == kind && *ns == namespace && *n == name)
        .map(|o| o.3.to_string())
        .unwrap_or_else(|| super::stable_uuid(&[kind, namespace, name]))
}

/// Boot time of a node (Tetragon's `exec_id` embeds the kernel time since
/// boot); the nodes of the story booted on 2026-11-18 around 06:04.
pub fn node_boot_ns(node: usize) -> i64 {
    super::STORY_DAY_NS - 2 * super::DAY
        + (6 * 3600 + 4 * 60 + 10 + 7 * node as i64) * 1_000_000_000
}

pub const NODES: &[Node] = &[
    Node {
        name: "aks-nodepool1-31415926-vmss000000",
        ip: "10.224.0.4",
        pod_cidr: "10.244.0.0/24",
        uid: "9dd29923-972c-416a-aba0-2b1badc87aec",
    },
    Node {
        name: "aks-nodepool1-31415926-vmss000001",
        ip: "10.224.0.5",
        pod_cidr: "10.244.1.0/24",
        uid: "76618e77-ca14-4e5e-83c0-2eda4c05a554",
    },
    Node {
        name: "aks-nodepool1-31415926-vmss000002",
        ip: "10.224.0.6",
        pod_cidr: "10.244.2.0/24",
        uid: "272ec01d-8ad7-4eb7-8efb-8e5832e29a93",
    },
];

pub const SERVICE_ACCOUNTS: &[ServiceAccount] = &[
    ServiceAccount {
        namespace: "kube-system",
        name: "kube-proxy",
        uid: "d326c57a-9f32-4275-8d9c-8d7a6ffa80fc",
    },
    ServiceAccount {
        namespace: "kube-system",
        name: "coredns",
        uid: "995a6346-dae5-4a60-8b8f-de3d2339a0bd",
    },
    ServiceAccount {
        namespace: "kube-system",
        name: "tetragon",
        uid: "1abe3629-4dff-45c6-8060-5c0eef6257d7",
    },
    ServiceAccount {
        namespace: "calico-system",
        name: "calico-node",
        uid: "593f7415-a16f-448c-b1be-edc076987951",
    },
    ServiceAccount {
        namespace: "calico-system",
        name: "calico-kube-controllers",
        uid: "1b516fc6-b290-4ecd-8334-98d7f0d3e392",
    },
    ServiceAccount {
        namespace: "falco",
        name: "falco",
        uid: "dc0953e0-4d2c-40a0-bf3e-4b52cf6460ad",
    },
    ServiceAccount {
        namespace: "monitoring",
        name: "prometheus",
        uid: "b7984b47-b15b-4bb3-83d2-790960cf3542",
    },
    ServiceAccount {
        namespace: "monitoring",
        name: "kube-state-metrics",
        uid: "204e30b5-4aa8-4545-861d-245f744e8a81",
    },
    ServiceAccount {
        namespace: "monitoring",
        name: "grafana",
        uid: "264c9ac0-1755-49d0-8335-d45140a88b6c",
    },
    ServiceAccount {
        namespace: "shop",
        name: "storefront",
        uid: "7cb90cc3-36e1-403e-9d55-e8b027f3ec84",
    },
    ServiceAccount {
        namespace: "shop",
        name: "cart",
        uid: "c3e47b2d-0c73-43d6-98cf-e077d2cf56c8",
    },
    ServiceAccount {
        namespace: "shop",
        name: "checkout",
        uid: "8888a96c-96ae-450c-b9da-3cb319c4c6a0",
    },
    ServiceAccount {
        namespace: "shop",
        name: "catalog",
        uid: "4fb5582b-ae94-4b90-8675-5cdba0b872bd",
    },
    ServiceAccount {
        namespace: "ci",
        name: "deployer",
        uid: "4362a120-7183-416a-8353-54217fae06bc",
    },
    ServiceAccount {
        namespace: "secops",
        name: "netscan",
        uid: "b0e45995-2c70-4359-8759-536b97799751",
    },
    ServiceAccount {
        namespace: "shop",
        name: "default",
        uid: "5ca321bb-e857-45cb-8a07-a490d4048cbe",
    },
];

pub const PODS: &[Pod] = &[
    Pod {
        namespace: "kube-system", name: "kube-proxy-6wzq8", uid: "1eec1b85-db73-4a86-8707-d050511538d4",
        node: 0, ip: "10.224.0.4", host_network: true, service_account: "kube-proxy",
        owner_kind: "DaemonSet", owner: "kube-proxy", born_sod: None, gone_sod: None,
        labels: &[("component", "kube-proxy"), ("controller-revision-hash", "5f8c9d7b6"), ("k8s-app", "kube-proxy"), ("pod-template-generation", "1"), ("tier", "node")],
        containers: &[
            Container { name: "kube-proxy", id: "22c9c07ebb97ed0d9c91a2baf294e96b90c9055ed202470b5faae49c7c3827de",
                image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.6", image_id: "mcr.microsoft.com/oss/kubernetes/kube-proxy@sha256:76415c5e484cf803d342a9c66c843f8cf58fd396c0d8a93d7714665a0cf3f93a",
                started: "2026-11-18T06:10:24Z", pid: 9623, uid: 0, binary: "/usr/local/bin/kube-proxy", args: "--conntrack-max-per-core=0 --metrics-bind-address=0.0.0.0:10249 --cluster-cidr=10.244.0.0/16 --detect-local-mode=ClusterCIDR --pod-interface-name-prefix= --v=3", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "kube-proxy-b4n7k", uid: "8ad610f9-9fb8-4275-8c7f-ff099cd93484",
        node: 1, ip: "10.224.0.5", host_network: true, service_account: "kube-proxy",
        owner_kind: "DaemonSet", owner: "kube-proxy", born_sod: None, gone_sod: None,
        labels: &[("component", "kube-proxy"), ("controller-revision-hash", "5f8c9d7b6"), ("k8s-app", "kube-proxy"), ("pod-template-generation", "1"), ("tier", "node")],
        containers: &[
            Container { name: "kube-proxy", id: "068cd24591580c67a7c486a3467eda5ed787e20034cbe1bcc27a6b9348bbeeba",
                image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.6", image_id: "mcr.microsoft.com/oss/kubernetes/kube-proxy@sha256:76415c5e484cf803d342a9c66c843f8cf58fd396c0d8a93d7714665a0cf3f93a",
                started: "2026-11-18T06:10:25Z", pid: 10195, uid: 0, binary: "/usr/local/bin/kube-proxy", args: "--conntrack-max-per-core=0 --metrics-bind-address=0.0.0.0:10249 --cluster-cidr=10.244.0.0/16 --detect-local-mode=ClusterCIDR --pod-interface-name-prefix= --v=3", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "kube-proxy-r2x9d", uid: "c7791310-7513-4027-8095-cfde8a8af2c9",
        node: 2, ip: "10.224.0.6", host_network: true, service_account: "kube-proxy",
        owner_kind: "DaemonSet", owner: "kube-proxy", born_sod: None, gone_sod: None,
        labels: &[("component", "kube-proxy"), ("controller-revision-hash", "5f8c9d7b6"), ("k8s-app", "kube-proxy"), ("pod-template-generation", "1"), ("tier", "node")],
        containers: &[
            Container { name: "kube-proxy", id: "f72fcca98412aef0a610241bc5a21834d7824794673da32b44a674c0675dabd2",
                image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.6", image_id: "mcr.microsoft.com/oss/kubernetes/kube-proxy@sha256:76415c5e484cf803d342a9c66c843f8cf58fd396c0d8a93d7714665a0cf3f93a",
                started: "2026-11-18T06:10:26Z", pid: 10689, uid: 0, binary: "/usr/local/bin/kube-proxy", args: "--conntrack-max-per-core=0 --metrics-bind-address=0.0.0.0:10249 --cluster-cidr=10.244.0.0/16 --detect-local-mode=ClusterCIDR --pod-interface-name-prefix= --v=3", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "coredns-6d8c7b9f5-2hxkq", uid: "3bdb32ec-3acd-4414-abe3-060f8dfc10e9",
        node: 0, ip: "10.244.0.5", host_network: false, service_account: "coredns",
        owner_kind: "ReplicaSet", owner: "coredns-6d8c7b9f5", born_sod: None, gone_sod: None,
        labels: &[("k8s-app", "kube-dns"), ("kubernetes.io/cluster-service", "true"), ("pod-template-hash", "6d8c7b9f5"), ("version", "v20")],
        containers: &[
            Container { name: "coredns", id: "55eb334282869404d2f9b146fdf4e9b159cefc12715fcd2ca4ec38b9f31b7b03",
                image: "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-2", image_id: "mcr.microsoft.com/oss/v2/kubernetes/coredns@sha256:bbcf3b54eed36548a79359b8e94b365679cc846dcf19412179ed0b06d3b5dc0b",
                started: "2026-11-18T06:11:08Z", pid: 11380, uid: 0, binary: "/coredns", args: "-conf /etc/coredns/Corefile", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "coredns-6d8c7b9f5-9wvtn", uid: "39d7eeed-e7e8-4208-a091-095d488d2202",
        node: 1, ip: "10.244.1.6", host_network: false, service_account: "coredns",
        owner_kind: "ReplicaSet", owner: "coredns-6d8c7b9f5", born_sod: None, gone_sod: None,
        labels: &[("k8s-app", "kube-dns"), ("kubernetes.io/cluster-service", "true"), ("pod-template-hash", "6d8c7b9f5"), ("version", "v20")],
        containers: &[
            Container { name: "coredns", id: "5d67ba4fc192970d6416395baf1c308d54eb5f0dfeb6aa22c38d94e862dbe61e",
                image: "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-2", image_id: "mcr.microsoft.com/oss/v2/kubernetes/coredns@sha256:bbcf3b54eed36548a79359b8e94b365679cc846dcf19412179ed0b06d3b5dc0b",
                started: "2026-11-18T06:11:09Z", pid: 12197, uid: 0, binary: "/coredns", args: "-conf /etc/coredns/Corefile", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "tetragon-5kdm2", uid: "1a92d3e4-1db3-413e-bd5a-22a95464e654",
        node: 0, ip: "10.224.0.4", host_network: true, service_account: "tetragon",
        owner_kind: "DaemonSet", owner: "tetragon", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "tetragon"), ("app.kubernetes.io/name", "tetragon"), ("controller-revision-hash", "7d9b8c5f64"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "export-stdout", id: "f152eba824c3a84c873cd0ed0e35b688c4aaf6eee818fbd9ea85f48043bc9568",
                image: "quay.io/cilium/hubble-export-stdout:v1.1.0", image_id: "quay.io/cilium/hubble-export-stdout@sha256:4cdec3372988842a85ea218b06ce4603dbcdc07ac14a628aa9c099c139df8adf",
                started: "2026-11-18T06:14:45Z", pid: 12770, uid: 0, binary: "/usr/bin/hubble-export-stdout", args: "/var/run/cilium/tetragon/tetragon.log", cwd: "/" },
            Container { name: "tetragon", id: "81a8e5dd7af5018abb43b319b8eaa8f910e907105901205e2b181865f6674a72",
                image: "quay.io/cilium/tetragon:v1.3.0", image_id: "quay.io/cilium/tetragon@sha256:53de188fd82d57f75f293eb9533b6253a98b6052754681952667887695f49909",
                started: "2026-11-18T06:14:45Z", pid: 13056, uid: 0, binary: "/usr/bin/tetragon", args: "--server-address=localhost:54321 --export-filename=/var/run/cilium/tetragon/tetragon.log --export-file-max-size-mb=10", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "tetragon-qz8tw", uid: "613c2d6e-8c83-4a4c-bb58-c8ca49da01f2",
        node: 1, ip: "10.224.0.5", host_network: true, service_account: "tetragon",
        owner_kind: "DaemonSet", owner: "tetragon", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "tetragon"), ("app.kubernetes.io/name", "tetragon"), ("controller-revision-hash", "7d9b8c5f64"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "export-stdout", id: "c2725be1d06b80c414e376bf38dca85402132d7e2d8f5ca4e756916b5e9a4649",
                image: "quay.io/cilium/hubble-export-stdout:v1.1.0", image_id: "quay.io/cilium/hubble-export-stdout@sha256:4cdec3372988842a85ea218b06ce4603dbcdc07ac14a628aa9c099c139df8adf",
                started: "2026-11-18T06:14:46Z", pid: 13869, uid: 0, binary: "/usr/bin/hubble-export-stdout", args: "/var/run/cilium/tetragon/tetragon.log", cwd: "/" },
            Container { name: "tetragon", id: "6744eb8e6bcf74592ed09d4714678c764bd7fe0df160a08b5bfc5fa3135cb36f",
                image: "quay.io/cilium/tetragon:v1.3.0", image_id: "quay.io/cilium/tetragon@sha256:53de188fd82d57f75f293eb9533b6253a98b6052754681952667887695f49909",
                started: "2026-11-18T06:14:46Z", pid: 14712, uid: 0, binary: "/usr/bin/tetragon", args: "--server-address=localhost:54321 --export-filename=/var/run/cilium/tetragon/tetragon.log --export-file-max-size-mb=10", cwd: "/" },
        ],
    },
    Pod {
        namespace: "kube-system", name: "tetragon-v7hc4", uid: "93d66f0a-d9b7-4cf2-ae13-5980f121546c",
        node: 2, ip: "10.224.0.6", host_network: true, service_account: "tetragon",
        owner_kind: "DaemonSet", owner: "tetragon", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "tetragon"), ("app.kubernetes.io/name", "tetragon"), ("controller-revision-hash", "7d9b8c5f64"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "export-stdout", id: "f1b165e410f835ffaf4d2ad42ae69f6939f49c2da168e43c498dee4f484c6fb3",
                image: "quay.io/cilium/hubble-export-stdout:v1.1.0", image_id: "quay.io/cilium/hubble-export-stdout@sha256:4cdec3372988842a85ea218b06ce4603dbcdc07ac14a628aa9c099c139df8adf",
                started: "2026-11-18T06:14:47Z", pid: 15581, uid: 0, binary: "/usr/bin/hubble-export-stdout", args: "/var/run/cilium/tetragon/tetragon.log", cwd: "/" },
            Container { name: "tetragon", id: "e750f3ce63b1f58e3f41b858c8095fa1b822152b4b5fe3a673b7f1d3d3a7a004",
                image: "quay.io/cilium/tetragon:v1.3.0", image_id: "quay.io/cilium/tetragon@sha256:53de188fd82d57f75f293eb9533b6253a98b6052754681952667887695f49909",
                started: "2026-11-18T06:14:47Z", pid: 15796, uid: 0, binary: "/usr/bin/tetragon", args: "--server-address=localhost:54321 --export-filename=/var/run/cilium/tetragon/tetragon.log --export-file-max-size-mb=10", cwd: "/" },
        ],
    },
    Pod {
        namespace: "calico-system", name: "calico-node-8fjx2", uid: "b09ca069-016f-41af-b332-5f6509e24e1f",
        node: 0, ip: "10.224.0.4", host_network: true, service_account: "calico-node",
        owner_kind: "DaemonSet", owner: "calico-node", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/name", "calico-node"), ("controller-revision-hash", "6b8d9f7c5d"), ("k8s-app", "calico-node"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "calico-node", id: "01e17ab44d4b6bd6ff13ad7e8218eab8efa1a82fe23a53a91efb64cd5fcd633b",
                image: "mcr.microsoft.com/oss/calico/node:v3.28.2", image_id: "mcr.microsoft.com/oss/calico/node@sha256:c67752372325ce3e892f7d803a8fb545658af12e490651f09ce0529cd5e8846a",
                started: "2026-11-18T06:12:14Z", pid: 16002, uid: 0, binary: "/usr/bin/runsvdir", args: "-P /etc/service/enabled", cwd: "/" },
        ],
    },
    Pod {
        namespace: "calico-system", name: "calico-node-lw4nq", uid: "cd3aceab-6d06-4e2e-bdd3-dd0703cb302d",
        node: 1, ip: "10.224.0.5", host_network: true, service_account: "calico-node",
        owner_kind: "DaemonSet", owner: "calico-node", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/name", "calico-node"), ("controller-revision-hash", "6b8d9f7c5d"), ("k8s-app", "calico-node"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "calico-node", id: "a6f950bf3c67f6e398a7577d8ea6641febb4ae483d233aaf35a55f987f957f19",
                image: "mcr.microsoft.com/oss/calico/node:v3.28.2", image_id: "mcr.microsoft.com/oss/calico/node@sha256:c67752372325ce3e892f7d803a8fb545658af12e490651f09ce0529cd5e8846a",
                started: "2026-11-18T06:12:15Z", pid: 16846, uid: 0, binary: "/usr/bin/runsvdir", args: "-P /etc/service/enabled", cwd: "/" },
        ],
    },
    Pod {
        namespace: "calico-system", name: "calico-node-tz6pc", uid: "d77bb995-a62e-4493-ad80-51520293c2a5",
        node: 2, ip: "10.224.0.6", host_network: true, service_account: "calico-node",
        owner_kind: "DaemonSet", owner: "calico-node", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/name", "calico-node"), ("controller-revision-hash", "6b8d9f7c5d"), ("k8s-app", "calico-node"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "calico-node", id: "d67f97f17737d2d987a40c4e17db84a14a43407e4d387c21d33733687dbbc43b",
                image: "mcr.microsoft.com/oss/calico/node:v3.28.2", image_id: "mcr.microsoft.com/oss/calico/node@sha256:c67752372325ce3e892f7d803a8fb545658af12e490651f09ce0529cd5e8846a",
                started: "2026-11-18T06:12:16Z", pid: 17305, uid: 0, binary: "/usr/bin/runsvdir", args: "-P /etc/service/enabled", cwd: "/" },
        ],
    },
    Pod {
        namespace: "calico-system", name: "calico-kube-controllers-7b9d8c6f5-xp4mz", uid: "696256f9-9504-4d25-a0b6-02f5fae18437",
        node: 2, ip: "10.244.2.4", host_network: false, service_account: "calico-kube-controllers",
        owner_kind: "ReplicaSet", owner: "calico-kube-controllers-7b9d8c6f5", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/name", "calico-kube-controllers"), ("k8s-app", "calico-kube-controllers"), ("pod-template-hash", "7b9d8c6f5")],
        containers: &[
            Container { name: "calico-kube-controllers", id: "f293f2278f3ddf82a5a185256393b3f429882dfcbc2f282c913da110c578eed2",
                image: "mcr.microsoft.com/oss/calico/kube-controllers:v3.28.2", image_id: "mcr.microsoft.com/oss/calico/kube-controllers@sha256:563e75a7b0d51f61d83ad4a89b83cad6c0d8ca47da06728bebb1d88766c4da9d",
                started: "2026-11-18T06:12:37Z", pid: 18136, uid: 999, binary: "/usr/bin/kube-controllers", args: "", cwd: "/" },
        ],
    },
    Pod {
        namespace: "falco", name: "falco-7xk2p", uid: "2aad5e7d-7d25-4e50-a431-e19eea9b428f",
        node: 0, ip: "10.244.0.8", host_network: false, service_account: "falco",
        owner_kind: "DaemonSet", owner: "falco", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "falco"), ("app.kubernetes.io/name", "falco"), ("controller-revision-hash", "8c7f6d9b45"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "falco", id: "3c60ce75cc1ee9566423476e31ad8872b43c32f3b1c288b746ec5015a596c77a",
                image: "docker.io/falcosecurity/falco:0.41.3", image_id: "docker.io/falcosecurity/falco@sha256:4cf0621c27b37d7f589eeb147115fa7a2492bf0fbee191af2ed95d2a1eb4daa5",
                started: "2026-11-18T06:15:18Z", pid: 18899, uid: 0, binary: "/usr/bin/falco", args: "--cri /run/containerd/containerd.sock -pk", cwd: "/" },
            Container { name: "falcoctl-artifact-follow", id: "38770b0d98173365699c528faf96899cea99749f7b6f4fb32546c89b806eebfa",
                image: "docker.io/falcosecurity/falcoctl:0.11.2", image_id: "docker.io/falcosecurity/falcoctl@sha256:1e010e99b86df3565889d11087e96c4c635d82ea65845109b7f32a838a2f7ffa",
                started: "2026-11-18T06:15:18Z", pid: 19282, uid: 0, binary: "/usr/bin/falcoctl", args: "artifact follow --allowed-types=rulesfile,plugin", cwd: "/" },
        ],
    },
    Pod {
        namespace: "falco", name: "falco-m9wq4", uid: "c6e61bbc-1931-48f6-bb57-01a2df31e872",
        node: 1, ip: "10.244.1.8", host_network: false, service_account: "falco",
        owner_kind: "DaemonSet", owner: "falco", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "falco"), ("app.kubernetes.io/name", "falco"), ("controller-revision-hash", "8c7f6d9b45"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "falco", id: "e70b306b18d49273697cb2e9593c1472d27ca6425be8bd347540602445de611a",
                image: "docker.io/falcosecurity/falco:0.41.3", image_id: "docker.io/falcosecurity/falco@sha256:4cf0621c27b37d7f589eeb147115fa7a2492bf0fbee191af2ed95d2a1eb4daa5",
                started: "2026-11-18T06:15:19Z", pid: 19479, uid: 0, binary: "/usr/bin/falco", args: "--cri /run/containerd/containerd.sock -pk", cwd: "/" },
            Container { name: "falcoctl-artifact-follow", id: "a25cfa3b2f40ed8c276cd0ba13249ed1f8e76d07d43198bd4c259bfc9e978018",
                image: "docker.io/falcosecurity/falcoctl:0.11.2", image_id: "docker.io/falcosecurity/falcoctl@sha256:1e010e99b86df3565889d11087e96c4c635d82ea65845109b7f32a838a2f7ffa",
                started: "2026-11-18T06:15:19Z", pid: 20040, uid: 0, binary: "/usr/bin/falcoctl", args: "artifact follow --allowed-types=rulesfile,plugin", cwd: "/" },
        ],
    },
    Pod {
        namespace: "falco", name: "falco-tr5zh", uid: "9128aa20-bc35-41ec-a291-e74aebb33da9",
        node: 2, ip: "10.244.2.8", host_network: false, service_account: "falco",
        owner_kind: "DaemonSet", owner: "falco", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "falco"), ("app.kubernetes.io/name", "falco"), ("controller-revision-hash", "8c7f6d9b45"), ("pod-template-generation", "1")],
        containers: &[
            Container { name: "falco", id: "df332787c4aec27d95a9d361215275e7cdb355fb277cd505635b2a08e07fcbc8",
                image: "docker.io/falcosecurity/falco:0.41.3", image_id: "docker.io/falcosecurity/falco@sha256:4cf0621c27b37d7f589eeb147115fa7a2492bf0fbee191af2ed95d2a1eb4daa5",
                started: "2026-11-18T06:15:20Z", pid: 20560, uid: 0, binary: "/usr/bin/falco", args: "--cri /run/containerd/containerd.sock -pk", cwd: "/" },
            Container { name: "falcoctl-artifact-follow", id: "f0831d98f045acc86069a42838dbabceb7964792bdf56445b1e0ae3335143fb2",
                image: "docker.io/falcosecurity/falcoctl:0.11.2", image_id: "docker.io/falcosecurity/falcoctl@sha256:1e010e99b86df3565889d11087e96c4c635d82ea65845109b7f32a838a2f7ffa",
                started: "2026-11-18T06:15:20Z", pid: 21051, uid: 0, binary: "/usr/bin/falcoctl", args: "artifact follow --allowed-types=rulesfile,plugin", cwd: "/" },
        ],
    },
    Pod {
        namespace: "monitoring", name: "prometheus-server-7c9d8f6b5-q7wmn", uid: "cd71117c-f26a-4a17-b132-8db27dda8cb2",
        node: 2, ip: "10.244.2.15", host_network: false, service_account: "prometheus",
        owner_kind: "ReplicaSet", owner: "prometheus-server-7c9d8f6b5", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/component", "server"), ("app.kubernetes.io/instance", "prometheus"), ("app.kubernetes.io/name", "prometheus"), ("pod-template-hash", "7c9d8f6b5")],
        containers: &[
            Container { name: "prometheus-server", id: "286feb64ddcfb6fc22a4b37bf11ade7c4cee952dacb840b447be4b8a450f96a4",
                image: "quay.io/prometheus/prometheus:v2.55.1", image_id: "quay.io/prometheus/prometheus@sha256:9b1c462334140af8f27f8e95e3c57fee44bea9f2c34efd299993f808f0235e81",
                started: "2026-11-18T06:20:14Z", pid: 21825, uid: 65534, binary: "/bin/prometheus", args: "--storage.tsdb.retention.time=15d --config.file=/etc/config/prometheus.yml --storage.tsdb.path=/data --web.enable-lifecycle", cwd: "/prometheus" },
        ],
    },
    Pod {
        namespace: "monitoring", name: "kube-state-metrics-6f8b9c7d5-hz2lp", uid: "d9e03a57-b633-49bc-8171-5a907079ba09",
        node: 0, ip: "10.244.0.22", host_network: false, service_account: "kube-state-metrics",
        owner_kind: "ReplicaSet", owner: "kube-state-metrics-6f8b9c7d5", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "prometheus"), ("app.kubernetes.io/name", "kube-state-metrics"), ("pod-template-hash", "6f8b9c7d5")],
        containers: &[
            Container { name: "kube-state-metrics", id: "1be9e8573b656ea8a6da8045b633e8a532ac617a870ae9772bbc42b45f44265e",
                image: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0", image_id: "registry.k8s.io/kube-state-metrics/kube-state-metrics@sha256:6554eb1a9e25d3f614482dd8f93f0f74de2007db8ac25e6bb2cad37f734c42f9",
                started: "2026-11-18T06:20:10Z", pid: 22054, uid: 65534, binary: "/kube-state-metrics", args: "--port=8080 --resources=deployments,pods,nodes,horizontalpodautoscalers", cwd: "/" },
        ],
    },
    Pod {
        namespace: "monitoring", name: "grafana-5b7c9d8f6-k3vrt", uid: "724e6ab0-389d-4a6f-96e3-4e668f482d19",
        node: 1, ip: "10.244.1.35", host_network: false, service_account: "grafana",
        owner_kind: "ReplicaSet", owner: "grafana-5b7c9d8f6", born_sod: None, gone_sod: None,
        labels: &[("app.kubernetes.io/instance", "grafana"), ("app.kubernetes.io/name", "grafana"), ("pod-template-hash", "5b7c9d8f6")],
        containers: &[
            Container { name: "grafana-sc-dashboard", id: "cdef2f551bf21956f10e35c88743b9632d96e43631ad82c55af981cc1b2a3250",
                image: "quay.io/kiwigrid/k8s-sidecar:1.28.0", image_id: "quay.io/kiwigrid/k8s-sidecar@sha256:dc8b3bb0619742f7e6d526f21852a9706c4007c4e31a97972b39135a65f18346",
                started: "2026-11-18T06:21:49Z", pid: 22658, uid: 472, binary: "/usr/local/bin/python", args: "-u /app/sidecar.py", cwd: "/app" },
            Container { name: "grafana", id: "efa5856a114e1351055831b1ff04bab52e2693431f92a0a3684754eb594492d6",
                image: "docker.io/grafana/grafana:11.3.0", image_id: "docker.io/grafana/grafana@sha256:6f785d10d8afda3cf109a647451e1302221daa2b736dc29f1ad3e269770546d9",
                started: "2026-11-18T06:21:49Z", pid: 23164, uid: 472, binary: "/usr/share/grafana/bin/grafana", args: "server --homepath=/usr/share/grafana --config=/etc/grafana/grafana.ini", cwd: "/usr/share/grafana" },
        ],
    },
    Pod {
        namespace: "shop", name: "storefront-5c7b9d6f48-jx4zp", uid: "b5e21b23-9ded-45ce-877e-005066662ef0",
        node: 0, ip: "10.244.0.14", host_network: false, service_account: "storefront",
        owner_kind: "ReplicaSet", owner: "storefront-5c7b9d6f48", born_sod: None, gone_sod: Some(30658),
        labels: &[("app", "storefront"), ("pod-template-hash", "5c7b9d6f48"), ("tier", "frontend")],
        containers: &[
            Container { name: "storefront", id: "a8c993e363af94ab82309bc56a951c54634393d09ca1c7fe1d499ddeac73ffaf",
                image: "shopregistry.azurecr.io/shop/storefront:4.12.2", image_id: "shopregistry.azurecr.io/shop/storefront@sha256:2681de3da6acbaf5a0af839411b40fc40a58bde422ea4bc537da594f1b02b664",
                started: "2026-11-18T14:20:13Z", pid: 23618, uid: 101, binary: "/usr/sbin/nginx", args: "-g daemon off;", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "storefront-5c7b9d6f48-t9qhc", uid: "3544e83a-c715-4aa1-a75e-e23f33a8b524",
        node: 2, ip: "10.244.2.12", host_network: false, service_account: "storefront",
        owner_kind: "ReplicaSet", owner: "storefront-5c7b9d6f48", born_sod: None, gone_sod: Some(30659),
        labels: &[("app", "storefront"), ("pod-template-hash", "5c7b9d6f48"), ("tier", "frontend")],
        containers: &[
            Container { name: "storefront", id: "9c8f9cf4e2e7bca01e46e84ac162724166d697eda07b29ab07373f3f6ac2960a",
                image: "shopregistry.azurecr.io/shop/storefront:4.12.2", image_id: "shopregistry.azurecr.io/shop/storefront@sha256:2681de3da6acbaf5a0af839411b40fc40a58bde422ea4bc537da594f1b02b664",
                started: "2026-11-18T14:20:15Z", pid: 24207, uid: 101, binary: "/usr/sbin/nginx", args: "-g daemon off;", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "storefront-6d9f8b7c54-8kq2m", uid: "caba03cf-b842-4c95-a623-653d60b4776a",
        node: 0, ip: "10.244.0.44", host_network: false, service_account: "storefront",
        owner_kind: "ReplicaSet", owner: "storefront-6d9f8b7c54", born_sod: Some(30641), gone_sod: None,
        labels: &[("app", "storefront"), ("pod-template-hash", "6d9f8b7c54"), ("tier", "frontend")],
        containers: &[
            Container { name: "storefront", id: "ef6bba6d1f8f9460def8fc50391ca4678f17056b5c56c62a48d9100a54d55fb6",
                image: "shopregistry.azurecr.io/shop/storefront:4.13.0", image_id: "shopregistry.azurecr.io/shop/storefront@sha256:4600c393aef6b7151fbf3470b798f0b820963372d1fcaa4d5769dc44325d3722",
                started: "2026-11-20T08:30:44Z", pid: 2256153, uid: 101, binary: "/usr/sbin/nginx", args: "-g daemon off;", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "storefront-6d9f8b7c54-rv7xn", uid: "bc614f93-2978-4b1a-9105-b439b051794a",
        node: 2, ip: "10.244.2.52", host_network: false, service_account: "storefront",
        owner_kind: "ReplicaSet", owner: "storefront-6d9f8b7c54", born_sod: Some(30647), gone_sod: None,
        labels: &[("app", "storefront"), ("pod-template-hash", "6d9f8b7c54"), ("tier", "frontend")],
        containers: &[
            Container { name: "storefront", id: "dce732cb64624c8863bb293ec6ac5690b6f77db080f0436049a7e218d9049404",
                image: "shopregistry.azurecr.io/shop/storefront:4.13.0", image_id: "shopregistry.azurecr.io/shop/storefront@sha256:4600c393aef6b7151fbf3470b798f0b820963372d1fcaa4d5769dc44325d3722",
                started: "2026-11-20T08:30:51Z", pid: 2256209, uid: 101, binary: "/usr/sbin/nginx", args: "-g daemon off;", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-x2k4q", uid: "5073bb1d-f9d3-4ee8-9817-7e92b9975677",
        node: 1, ip: "10.244.1.23", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: None, gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-18T14:22:35Z", pid: 25271, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-h8vnt", uid: "7d15e704-4428-453b-bcdd-578479d9e83e",
        node: 0, ip: "10.244.0.17", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: None, gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "ded25f282a9fdf986ae36ca9383445619e531c38af8226080ad0f4a708920e32",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-18T14:22:36Z", pid: 26158, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-p5rzw", uid: "500c6e95-7f35-44a5-b824-f2c2d48e7f29",
        node: 2, ip: "10.244.2.41", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: None, gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "b4191ea3fc20cab2a55824d06e265c281922acea9c56d451f1fe0968c2c6d60c",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-18T14:22:37Z", pid: 26850, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-4mxkd", uid: "a102471e-b92e-4ddc-83d3-227b06ad64f1",
        node: 0, ip: "10.244.0.58", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: Some(36316), gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "74d501a9fc7781170f9aa00585e31fd4a02c18854bb0b581d4ba4c199b8cb6df",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-20T10:05:20Z", pid: 2301561, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-9tq2c", uid: "7f9cb42c-d802-4acd-8adf-e3a553bcd3a9",
        node: 1, ip: "10.244.1.47", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: Some(36316), gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "084235fa9e3de4eb9f175910d86aa67e30fb9641ff04ddf0fa93a4f784bebe0c",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-20T10:05:23Z", pid: 2301585, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "cart-7f9c6d8b5-wz7bn", uid: "5b5cc42b-1d5a-4249-91b7-3e8c2d609998",
        node: 2, ip: "10.244.2.63", host_network: false, service_account: "cart",
        owner_kind: "ReplicaSet", owner: "cart-7f9c6d8b5", born_sod: Some(36316), gone_sod: None,
        labels: &[("app", "cart"), ("pod-template-hash", "7f9c6d8b5"), ("tier", "backend")],
        containers: &[
            Container { name: "cart", id: "011b4ece50ddc13a0da2675f179be58f159e226268a725773cc71a3c4e7ea806",
                image: "shopregistry.azurecr.io/shop/cart:2.3.1", image_id: "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                started: "2026-11-20T10:05:23Z", pid: 2301585, uid: 10001, binary: "/app/cart", args: "--listen=:8080", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "checkout-59c8d7f6b9-lq8xs", uid: "e82dc735-72cb-49f3-98f7-c2331894fd42",
        node: 1, ip: "10.244.1.31", host_network: false, service_account: "checkout",
        owner_kind: "ReplicaSet", owner: "checkout-59c8d7f6b9", born_sod: None, gone_sod: None,
        labels: &[("app", "checkout"), ("pod-template-hash", "59c8d7f6b9"), ("tier", "backend")],
        containers: &[
            Container { name: "checkout", id: "decc6256c604a2736b40c5275a6a3249f1924b6c65a5a729625cc8e1041b4699",
                image: "shopregistry.azurecr.io/shop/checkout:3.0.7", image_id: "shopregistry.azurecr.io/shop/checkout@sha256:b8079a9c256527db09da6b3bcdad54543f95340c1dd8add1e79b8ead5890fc9c",
                started: "2026-11-18T14:24:08Z", pid: 28793, uid: 10001, binary: "/app/checkout", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "checkout-59c8d7f6b9-z6ndp", uid: "329316a0-c718-445c-aaaf-b0c8e4538ca9",
        node: 2, ip: "10.244.2.19", host_network: false, service_account: "checkout",
        owner_kind: "ReplicaSet", owner: "checkout-59c8d7f6b9", born_sod: None, gone_sod: None,
        labels: &[("app", "checkout"), ("pod-template-hash", "59c8d7f6b9"), ("tier", "backend")],
        containers: &[
            Container { name: "checkout", id: "1f8ca236ded8855e32847c220ee973540d1049c41bc669dfec3922d137eb4fb3",
                image: "shopregistry.azurecr.io/shop/checkout:3.0.7", image_id: "shopregistry.azurecr.io/shop/checkout@sha256:b8079a9c256527db09da6b3bcdad54543f95340c1dd8add1e79b8ead5890fc9c",
                started: "2026-11-18T14:24:07Z", pid: 29655, uid: 10001, binary: "/app/checkout", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "catalog-74d8c9b6f5-bn5vx", uid: "a3f388b5-9619-442e-90b0-6a69122ac1ce",
        node: 0, ip: "10.244.0.19", host_network: false, service_account: "catalog",
        owner_kind: "ReplicaSet", owner: "catalog-74d8c9b6f5", born_sod: None, gone_sod: Some(30672),
        labels: &[("app", "catalog"), ("pod-template-hash", "74d8c9b6f5"), ("tier", "backend")],
        containers: &[
            Container { name: "catalog", id: "4bc1d8c11791c3c091b1e7014c57773cf7a82ed0fc69fa1823cb44de95634643",
                image: "shopregistry.azurecr.io/shop/catalog:1.8.4", image_id: "shopregistry.azurecr.io/shop/catalog@sha256:a7589f9de97fc42a5d1d79db1c45f3c0b836fa6e3080b9df7eac85ab9fe20546",
                started: "2026-11-18T14:25:45Z", pid: 30419, uid: 10001, binary: "/app/catalog", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "catalog-74d8c9b6f5-q8rlc", uid: "9e69ccb6-cd5c-4896-a4bc-e5f1c99f3e80",
        node: 1, ip: "10.244.1.28", host_network: false, service_account: "catalog",
        owner_kind: "ReplicaSet", owner: "catalog-74d8c9b6f5", born_sod: None, gone_sod: Some(30673),
        labels: &[("app", "catalog"), ("pod-template-hash", "74d8c9b6f5"), ("tier", "backend")],
        containers: &[
            Container { name: "catalog", id: "2c0aa628b487191b73f2a31fd6d055cda48e2647f9d8023df73f4003a2ba2c19",
                image: "shopregistry.azurecr.io/shop/catalog:1.8.4", image_id: "shopregistry.azurecr.io/shop/catalog@sha256:a7589f9de97fc42a5d1d79db1c45f3c0b836fa6e3080b9df7eac85ab9fe20546",
                started: "2026-11-18T14:25:50Z", pid: 30829, uid: 10001, binary: "/app/catalog", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "catalog-8b6f5d9c7-m4t7w", uid: "4e28acf3-e2ed-45d6-9e87-53cbcd5994df",
        node: 0, ip: "10.244.0.45", host_network: false, service_account: "catalog",
        owner_kind: "ReplicaSet", owner: "catalog-8b6f5d9c7", born_sod: Some(30652), gone_sod: None,
        labels: &[("app", "catalog"), ("pod-template-hash", "8b6f5d9c7"), ("tier", "backend")],
        containers: &[
            Container { name: "catalog", id: "82ed3e06386af7f1df469f00f255b4daa0e406ff13d17f56175c2f79a88c884b",
                image: "shopregistry.azurecr.io/shop/catalog:1.9.0", image_id: "shopregistry.azurecr.io/shop/catalog@sha256:69b8268b2a8146cd9418d34e8f092fb231d4ce2249d5135d7a1d11e1d642dab9",
                started: "2026-11-20T08:30:58Z", pid: 2256265, uid: 10001, binary: "/app/catalog", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "shop", name: "catalog-8b6f5d9c7-s2pgk", uid: "6b381397-0af5-45e9-a781-2e35352ed2c0",
        node: 1, ip: "10.244.1.52", host_network: false, service_account: "catalog",
        owner_kind: "ReplicaSet", owner: "catalog-8b6f5d9c7", born_sod: Some(30657), gone_sod: None,
        labels: &[("app", "catalog"), ("pod-template-hash", "8b6f5d9c7"), ("tier", "backend")],
        containers: &[
            Container { name: "catalog", id: "f616a96290a07e19bf256bf55e0bff60079500d9c2fbb7f0a53019bc2688489a",
                image: "shopregistry.azurecr.io/shop/catalog:1.9.0", image_id: "shopregistry.azurecr.io/shop/catalog@sha256:69b8268b2a8146cd9418d34e8f092fb231d4ce2249d5135d7a1d11e1d642dab9",
                started: "2026-11-20T08:31:01Z", pid: 2256289, uid: 10001, binary: "/app/catalog", args: "", cwd: "/app" },
        ],
    },
    Pod {
        namespace: "ci", name: "gh-runner-6b7d9c5f8-m2x9p", uid: "288447ec-624f-485c-8c7f-66f932c3bd52",
        node: 0, ip: "10.244.0.31", host_network: false, service_account: "deployer",
        owner_kind: "ReplicaSet", owner: "gh-runner-6b7d9c5f8", born_sod: None, gone_sod: None,
        labels: &[("app", "gh-runner"), ("pod-template-hash", "6b7d9c5f8")],
        containers: &[
            Container { name: "runner", id: "1227066fb2a7a870b516114cb168260eba37fe7bc47ed042153c200c6ffa124a",
                image: "ghcr.io/actions/actions-runner:2.321.0", image_id: "ghcr.io/actions/actions-runner@sha256:5cb5b8560205f37223b7d757feca9d3f7a7dcf42b237a2da5ae000970f3619b2",
                started: "2026-11-19T16:02:23Z", pid: 32568, uid: 1001, binary: "/home/runner/bin/Runner.Listener", args: "run --startuptype service", cwd: "/home/runner" },
        ],
    },
    Pod {
        namespace: "secops", name: "netscan-29919000-h7k2d", uid: "3d1516fd-7745-4518-8f09-aed55925f842",
        node: 0, ip: "10.244.0.39", host_network: false, service_account: "netscan",
        owner_kind: "Job", owner: "netscan-29919000", born_sod: Some(7200), gone_sod: Some(7392),
        labels: &[("batch.kubernetes.io/controller-uid", "21df2738-c1c7-4613-8890-0a0fb54802cc"), ("batch.kubernetes.io/job-name", "netscan-29919000"), ("controller-uid", "21df2738-c1c7-4613-8890-0a0fb54802cc"), ("job-name", "netscan-29919000")],
        containers: &[
            Container { name: "netscan", id: "2ed300e0808d1a56b961b26081e3eba8b8ffc941ba586520071bdaa6bc6a2228",
                image: "shopregistry.azurecr.io/secops/netscan:1.4.0", image_id: "shopregistry.azurecr.io/secops/netscan@sha256:1ea5357e7b90a3a45a08dc13be67b4e2cf30382b5d59451de360da5bfbe44838",
                started: "2026-11-20T02:00:04Z", pid: 2068633, uid: 0, binary: "/bin/sh", args: "-c \"nmap -sn 10.244.0.0/16 > /reports/netscan-$(date +%F).txt\"", cwd: "/" },
        ],
    },
];

/// UIDs of the owners routine requests name in `objectRef.uid`: (kind, namespace, name, uid).
pub const OBJECT_UIDS: &[(&str, &str, &str, &str)] = &[
    (
        "Deployment",
        "shop",
        "storefront",
        "74e341da-cfb6-43c1-8b15-27048f23ea39",
    ),
    (
        "Deployment",
        "shop",
        "cart",
        "42de0a4a-959e-4419-8eaf-1d7e77579968",
    ),
    (
        "Deployment",
        "shop",
        "checkout",
        "7ba6b480-3f1e-47b5-b8df-968d5d8cca97",
    ),
    (
        "Deployment",
        "shop",
        "catalog",
        "84750ab4-2e9c-4841-a1e2-ea74e46e3eda",
    ),
    (
        "Deployment",
        "monitoring",
        "prometheus-server",
        "0eba8a29-2aa0-45ca-8195-03974e5f4c33",
    ),
    (
        "Deployment",
        "monitoring",
        "kube-state-metrics",
        "6ec81041-91e6-4fc2-8e68-2aa6b3259805",
    ),
    (
        "Deployment",
        "monitoring",
        "grafana",
        "a1094922-7c5a-4a53-8480-9be04df253a4",
    ),
    (
        "Deployment",
        "kube-system",
        "coredns",
        "f719e519-1cdb-4f9c-8301-5925bfe7805e",
    ),
    (
        "Deployment",
        "calico-system",
        "calico-kube-controllers",
        "7f856a3d-4225-40c0-962d-c2c930fbd876",
    ),
    (
        "Deployment",
        "ci",
        "gh-runner",
        "a6381772-2d3a-44b4-a7d7-a4407b4c021f",
    ),
    (
        "ReplicaSet",
        "kube-system",
        "coredns-6d8c7b9f5",
        "26989de4-3dd8-49dd-94b6-1f6641303372",
    ),
    (
        "ReplicaSet",
        "calico-system",
        "calico-kube-controllers-7b9d8c6f5",
        "127676b3-a21b-4588-aeaf-06e324c36809",
    ),
    (
        "ReplicaSet",
        "monitoring",
        "prometheus-server-7c9d8f6b5",
        "aa811487-6544-4329-b715-dc754135fe10",
    ),
    (
        "ReplicaSet",
        "monitoring",
        "kube-state-metrics-6f8b9c7d5",
        "229f1327-ea73-435e-8c44-3ebcfbd32717",
    ),
    (
        "ReplicaSet",
        "monitoring",
        "grafana-5b7c9d8f6",
        "38b62632-bd3a-4750-9d9e-ddaf477e2410",
    ),
    (
        "ReplicaSet",
        "shop",
        "storefront-5c7b9d6f48",
        "513bdca7-f31f-4be8-9db3-95ea19cbd332",
    ),
    (
        "ReplicaSet",
        "shop",
        "storefront-6d9f8b7c54",
        "de0c7d3b-e3c4-435c-9a34-3910d3b8ebb7",
    ),
    (
        "ReplicaSet",
        "shop",
        "cart-7f9c6d8b5",
        "550d8998-10ea-45e0-a33f-fa791c39daf9",
    ),
    (
        "ReplicaSet",
        "shop",
        "checkout-59c8d7f6b9",
        "5ac28c07-1d57-405f-bfd6-5bdb9d7ce70c",
    ),
    (
        "ReplicaSet",
        "shop",
        "catalog-74d8c9b6f5",
        "fed2ecff-940f-4b19-8ef7-14c0dbb0c283",
    ),
    (
        "ReplicaSet",
        "shop",
        "catalog-8b6f5d9c7",
        "d57099e3-9fa2-42a6-b96a-3b86126c5470",
    ),
    (
        "ReplicaSet",
        "ci",
        "gh-runner-6b7d9c5f8",
        "debcc307-a8a1-4231-8f4e-dd568b80f8b1",
    ),
    (
        "DaemonSet",
        "kube-system",
        "kube-proxy",
        "308dea4b-4343-42f5-878f-4cf4d7109468",
    ),
    (
        "DaemonSet",
        "kube-system",
        "tetragon",
        "a60faa4c-6a78-4bf3-a53c-2c30bc73b567",
    ),
    (
        "DaemonSet",
        "calico-system",
        "calico-node",
        "227ce44e-2542-4509-b3af-1846468d52e7",
    ),
    (
        "DaemonSet",
        "falco",
        "falco",
        "c685739e-eb98-4bab-8d21-7c087c6ee35c",
    ),
    (
        "Job",
        "secops",
        "netscan-29919000",
        "21df2738-c1c7-4613-8890-0a0fb54802cc",
    ),
    (
        "CronJob",
        "secops",
        "netscan",
        "9068f0e3-8164-4885-8457-ce284b9e54c1",
    ),
    (
        "HorizontalPodAutoscaler",
        "shop",
        "cart",
        "7e51aa63-803b-4509-8a69-e0cbdf649551",
    ),
];
