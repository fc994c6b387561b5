// A Backend built from the core's golden files (fixtures/golden/incidents),
// for unit tests and for `npm run dev` in a plain browser. Calls can be made
// to fail with a given error code.
import goldenGraph from "../../fixtures/golden/incidents/demo-attack-graph.json";
import goldenShow from "../../fixtures/golden/incidents/demo-attack-show.json";
import goldenIncidents from "../../fixtures/golden/incidents/demo-incidents.json";
import goldenVocabulary from "../../fixtures/golden/triage/vocabulary.json";
import goldenFindings from "../../fixtures/golden/hardening/demo-findings.json";
import demoSnapshot from "../../fixtures/demo/src/snapshot.json";
import { parseTime } from "../src/format";
import type {
  ArchiveManifest,
  ArchiveProgress,
  ArchiveSummary,
  OpenedArchive,
  ReportWritten,
  DrawerPref,
  ActionPreview,
  ActionRequest,
  ActionRow,
  ExternalAction,
  AppInfo,
  Backend,
  BackendErrorShape,
  CaptureProgress,
  CaptureRequest,
  CaptureResult,
  CaseInfo,
  Detail,
  DropEvent,
  EntityInfo,
  EventRow,
  EvidenceEvent,
  Finding,
  Graph,
  GraphEdge,
  GraphNode,
  ImportProgress,
  ImportReport,
  IncidentRow,
  LogEntry,
  PlaybookGate,
  Preferences,
  RawRecord,
  Triage,
  TriageChange,
  Verification,
  Vocabulary,
} from "../src/types";

// The demo bundle's snapshot (fixtures/demo/src/snapshot.json, a `kubectl get -o json` List).
const SNAPSHOT_FILE = "demo-incident.kordon.zip!kubernetes/snapshot-20261120T1010Z.json";

/**
 * Event ids of the demo snapshot's objects that the goldens name, and the
 * object each is. The ids are the core's: `stable_id("k8s-object",
 * "k8s-object|<kind>|<uid>|<resourceVersion>")` (src/formats/k8s/mod.rs,
 * src/store), computed from snapshot.json; the objects are looked up in it.
 */
const SNAPSHOT_REFS: Record<string, readonly [kind: string, namespace: string | null, name: string]> = {
  "3a932dad30422f93": ["ServiceAccount", "shop", "cart"],
  "2bf0dd9b90ad79e1": ["Role", "shop", "cart-secrets-reader"],
  "380fbb13af495309": ["RoleBinding", "shop", "cart-secrets-reader"],
  "50da868d129288dc": ["Role", "shop", "pod-debugger"],
  "39d4c25666c3d25b": ["RoleBinding", "shop", "shop-debug"],
  f7a89bf60ff0ce65: ["Deployment", "shop", "cart"],
  "5039b71b86023c86": ["ReplicaSet", "shop", "cart-7f9c6d8b5"],
  "1dfb9d0d1064fba4": ["Pod", "shop", "cart-7f9c6d8b5-x2k4q"],
  "59203732bd672025": ["Pod", "shop", "cart-7f9c6d8b5-4mxkd"],
  "6849ccd4497489e8": ["Pod", "shop", "cart-7f9c6d8b5-9tq2c"],
  "97b4f3d429ac8dd1": ["Pod", "shop", "cart-7f9c6d8b5-h8vnt"],
  "412c138fa450d3cf": ["Pod", "shop", "cart-7f9c6d8b5-p5rzw"],
  f8539240e1b7cbff: ["Pod", "shop", "cart-7f9c6d8b5-wz7bn"],
  c7125530f9d4964f: ["Pod", "calico-system", "calico-node-8fjx2"],
  "71296e235941325b": ["Pod", "calico-system", "calico-node-lw4nq"],
  e143f2a0ebd28cd5: ["Pod", "calico-system", "calico-node-tz6pc"],
  "589df33eea7f398e": ["Pod", "falco", "falco-7xk2p"],
  "2f2bbcc3b904178c": ["Pod", "falco", "falco-m9wq4"],
  ea959a3678c22fcc: ["Pod", "falco", "falco-tr5zh"],
  bc0cbad3140b1f5f: ["Namespace", null, "shop"],
  "1ca50298c5f1ca67": ["Namespace", null, "ci"],
  b9b30eb9c6eabcb4: ["Namespace", null, "secops"],
};

/** A few of the demo's snapshot objects by event id, for the tests. */
export const SNAPSHOT_IDS = {
  serviceAccount: "3a932dad30422f93", // ServiceAccount shop/cart
  role: "2bf0dd9b90ad79e1", // Role shop/cart-secrets-reader: get, list secrets
  roleBinding: "380fbb13af495309", // RoleBinding shop/cart-secrets-reader → service account shop/cart
  debugRole: "50da868d129288dc", // Role shop/pod-debugger: pods, pods/log, pods/exec
  debugRoleBinding: "39d4c25666c3d25b", // RoleBinding shop/shop-debug → system:serviceaccounts:shop
  deployment: "f7a89bf60ff0ce65", // Deployment shop/cart
  replicaSet: "5039b71b86023c86", // ReplicaSet shop/cart-7f9c6d8b5
  pod: "1dfb9d0d1064fba4", // Pod shop/cart-7f9c6d8b5-x2k4q
  namespace: "bc0cbad3140b1f5f", // Namespace shop
} as const;

export const DEMO_ID = "INC-070b10ff";
export const demoIncidents = goldenIncidents as unknown as IncidentRow[];
export const demoDetail = goldenShow as unknown as Detail;
export const demoGraph = goldenGraph as unknown as Graph;
export const vocabulary = goldenVocabulary as unknown as Vocabulary;

/** Tauri command names, as the mock records and fails them. */
export type Command =
  | "app_info"
  | "open_case"
  | "create_case"
  | "open_demo"
  | "close_case"
  | "case_info"
  | "import_paths"
  | "cancel_import"
  | "list_incidents"
  | "incident_detail"
  | "incident_graph"
  | "incident_evidence"
  | "event_raw"
  | "entity"
  | "search"
  | "triage_vocabulary"
  | "incident_triage"
  | "triage_apply"
  | "triage_bulk"
  | "set_verdict"
  | "set_follow_up"
  | "verify_case"
  | "preferences"
  | "set_investigator"
  | "set_drawers"
  | "export_graph"
  | "export_report"
  | "save_case_archive"
  | "open_case_archive"
  | "cluster_contexts"
  | "containment_gate"
  | "cluster_prepare"
  | "playbook_load"
  | "handoff_note"
  | "cluster_apply"
  | "cluster_release"
  | "incident_actions"
  | "hardening_findings"
  | "capture_snapshot"
  | "cancel_capture";

export interface MockBackend extends Backend {
  calls: { cmd: Command | string; args: unknown }[];
  /** Every later call of `cmd` rejects with {code, message}. */
  failWith(cmd: Command, code: string, message?: string): void;
  /** Only the next call of `cmd` rejects. */
  failNextWith(cmd: Command, code: string, message?: string): void;
  clearFailures(): void;
  /** Simulates files dropped on the window. */
  drop(paths: string[]): void;
  /** While set, import_paths waits for it after its progress messages. */
  importGate: Promise<void> | null;
  /** What verify_case answers. */
  verification: Verification;
  investigator: string | null;
  drawers: Record<string, DrawerPref>;
  exports: { format: string; name: string; data: string }[];
  /** What incident_actions answers as done outside Kordon, by incident id (none unless a test sets it). */
  externalActions: Record<string, ExternalAction[]>;
  /** Reports written (export_report), and what the save dialog answers (null: cancelled). */
  reports: { incident: string | null; format: string }[];
  reportDialog: boolean;
  /** What save_case_archive / open_case_archive send on their channels. */
  archiveProgress: ArchiveProgress[];
  archiveDialog: { save: boolean; open: string | null; restoreAs: string | null };
  incidents: IncidentRow[];
  importReport: ImportReport;
  progress: ImportProgress[];
  dialog: { openCase: string | null; createCase: string | null; files: string[]; folder: string | null; playbook?: string | null };
  /** Whether the open case holds snapshot objects (hardening_findings answers not_found otherwise). */
  hasSnapshot: boolean;
  /** What capture_snapshot sends on its channel, then answers. */
  captureProgress: CaptureProgress[];
  captureResult: CaptureResult;
  /** While set, capture_snapshot waits for it after its progress messages (cancel_capture ends it). */
  captureGate: Promise<void> | null;
  /** The rule the demo pod falls under and what it requires (kinds as the core names them). */
  rule: { playbook: string; rule: string | null; asks?: string; why?: string; owners?: string[]; notify?: string[]; requires: string[] };
  /** The playbook loaded with playbook_load (null: Kordon's default). */
  loadedPlaybook: { name: string; file: string } | null;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

const FILES: Record<string, string> = {
  falco: "demo-incident.kordon.zip!falco/events.jsonl",
  defender: "demo-incident.kordon.zip!defender/alerts.json",
  kordon: "kordon detect",
  tetragon: "demo-incident.kordon.zip!tetragon/export.jsonl",
  "k8s-audit": "demo-incident.kordon.zip!audit/kube-apiserver.log",
};

/**
 * The demo incident's evidence: its signals and context telemetry derived
 * from the graph. Like the core's incident_evidence, it leaves out the
 * incident's facts (the snapshot objects behind the graph, counted in
 * `context.facts`) and the RBAC objects behind permissions.
 */
export function demoEvidence(): EvidenceEvent[] {
  const graph = demoGraph;
  const signals = new Map(demoDetail.signals.map((s) => [s.id, s]));
  const nodesOf = new Map<string, GraphNode[]>();
  // A permission's evidence is snapshot objects (RBAC), not the incident's telemetry.
  for (const n of graph.nodes.filter((x) => x.kind !== "permission"))
    for (const id of n.evidence) {
      const l = nodesOf.get(id);
      if (l) l.push(n);
      else nodesOf.set(id, [n]);
    }
  const ents = (id: string) =>
    (nodesOf.get(id) ?? []).filter((n) => !n.aggregated).map((n) => ({ kind: n.kind, key: n.key ?? n.label, role: "subject" }));
  const rows: EvidenceEvent[] = demoDetail.signals.map((s, i) => ({
    id: s.id,
    time: s.time,
    source: s.source,
    kind: "alert",
    severity: s.severity,
    title: s.title,
    tactics: s.tactics,
    signal: true,
    entities: ents(s.id),
    file: FILES[s.source] ?? s.source,
    line: s.source === "kordon" ? null : i + 1,
  }));
  const from = parseTime(demoDetail.incident.first_activity);
  const to = parseTime(demoDetail.incident.last_activity);
  let line = 1;
  for (const [id, nodes] of [...nodesOf.entries()].sort()) {
    if (signals.has(id) || id in SNAPSHOT_REFS) continue;
    const kinds = new Set(nodes.map((n) => n.kind));
    const audit = kinds.has("identity");
    const title = audit
      ? "API request by service account shop/cart"
      : kinds.has("ip")
        ? "Network connection"
        : kinds.has("process")
          ? "Process executed"
          : "Runtime telemetry";
    rows.push({
      id,
      time: iso(from + (hash(id) % Math.max(1, to - from))),
      source: audit ? "k8s-audit" : "tetragon",
      kind: "telemetry",
      severity: "info",
      title,
      tactics: [],
      signal: false,
      entities: ents(id),
      file: FILES[audit ? "k8s-audit" : "tetragon"]!,
      line: line++,
    });
  }
  return rows.sort((a, b) => parseTime(a.time) - parseTime(b.time) || a.id.localeCompare(b.id));
}

/** A small detail for incidents other than the demo attack. */
function minimalDetail(row: IncidentRow): Detail {
  return {
    incident: row,
    story: { lead: `${row.title}: ${row.signals} signals.`, steps: [] },
    recommendation: { action: "none", target: null, headline: "No action recommended.", reasons: [], follow_up: [] },
    signals: [],
    evidence_by_tactic: [],
    context: { count: 0, by_source: {}, facts: 0 },
    entities: [],
  };
}

function minimalGraph(row: IncidentRow): Graph {
  const nodes: GraphNode[] = row.key_entities.map((e, i) => ({
    id: `${row.id}-${i}`,
    kind: e.kind,
    label: e.key,
    key: e.key,
    tactics: i === 0 ? row.tactics : [],
    severity: i === 0 ? row.severity : undefined,
    first_seen: row.first_activity,
    last_seen: row.last_activity,
    evidence_count: 0,
    evidence: [],
    signal_count: 0,
    member_count: 1,
    aggregated: false,
  }));
  const edges: GraphEdge[] = nodes.slice(1).map((n) => ({
    id: `${nodes[0]!.id}>${n.id}:runs`,
    source: nodes[0]!.id,
    target: n.id,
    kind: "runs",
    first_seen: row.first_activity,
    last_seen: row.last_activity,
    evidence_count: 0,
    evidence: [],
  }));
  return { incident: row.id, nodes, edges };
}

/** The graph with the given aggregates shown member by member. */
export function expandGraph(graph: Graph, expand: readonly string[]): Graph {
  let nodes = [...graph.nodes];
  let edges = [...graph.edges];
  for (const id of expand) {
    const agg = nodes.find((n) => n.id === id && n.aggregated);
    if (!agg) continue;
    const members: GraphNode[] = (agg.members ?? []).map((m, i) => ({
      id: m,
      kind: agg.kind,
      label: agg.kind === "ip" ? `10.244.0.${(i % 254) + 1}` : `${agg.kind} ${m.slice(0, 8)}`,
      key: m,
      tactics: [],
      first_seen: agg.first_seen,
      last_seen: agg.last_seen,
      evidence_count: 1,
      evidence: agg.evidence.slice(i, i + 1),
      signal_count: 0,
      member_count: 1,
      aggregated: false,
    }));
    nodes = nodes.filter((n) => n.id !== id).concat(members);
    const out: GraphEdge[] = [];
    for (const e of edges) {
      if (e.source !== id && e.target !== id) {
        out.push(e);
        continue;
      }
      for (const m of members) {
        const source = e.source === id ? m.id : e.source;
        const target = e.target === id ? m.id : e.target;
        out.push({ ...e, id: `${source}>${target}:${e.kind}`, source, target });
      }
    }
    edges = out;
  }
  return { ...graph, nodes, edges };
}

export const sampleReport: ImportReport = {
  import: {
    import_id: 2,
    files: [
      {
        name: "falco-extra.jsonl",
        format: "falco",
        size: 20480,
        sha256: "9f2c4a0b7e1d3c5a6b8d0e2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c",
        records: 120,
        events_new: 118,
        events_merged: 1,
        errors: 1,
      },
      {
        name: "demo-incident.kordon.zip",
        inner_path: "falco/events.jsonl",
        format: "falco",
        size: 81920,
        sha256: "3b1f5d7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d",
        records: 0,
        events_new: 0,
        events_merged: 0,
        errors: 0,
        skipped: "already in the case",
      },
    ],
    files_imported: 1,
    files_skipped: 1,
    records: 120,
    events_new: 118,
    events_merged: 1,
    entities_new: 7,
    parse_errors: 1,
    containers_joined: 0,
    bytes_read: 20480,
  },
  detections: { fired: 3, new: 2 },
  correlation: { signals: 42, incidents: 5, new: 1, changed: 1, unchanged: 3, replaced: 0, window_seconds: 1800, cluster_from_snapshot: true },
  errors: [
    {
      id: 1,
      file: "falco-extra.jsonl",
      sha256: "9f2c4a0b7e1d3c5a6b8d0e2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c",
      line: 57,
      offset: 11234,
      reason: "expected value at line 1 column 12",
      raw: '{"output": ',
    },
  ],
};

// ---- the demo's snapshot objects and hardening findings ----

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const snapshotItems = (demoSnapshot as unknown as { items: K8sObject[] }).items;

/** The object a snapshot id stands for (undefined for any other id). */
export function snapshotObject(id: string): K8sObject | undefined {
  const ref = SNAPSHOT_REFS[id];
  if (!ref) return undefined;
  const [kind, ns, name] = ref;
  return snapshotItems.find((o) => o.kind === kind && (o.metadata.namespace ?? null) === ns && o.metadata.name === name);
}

/** The snapshot id of an object. */
export function snapshotId(kind: string, namespace: string | null, name: string): string {
  const id = Object.keys(SNAPSHOT_REFS).find((k) => {
    const [a, b, c] = SNAPSHOT_REFS[k]!;
    return a === kind && b === namespace && c === name;
  });
  if (!id) throw new Error(`no snapshot id for ${kind} ${namespace ?? ""}/${name}`);
  return id;
}

for (const id of Object.keys(SNAPSHOT_REFS))
  if (!snapshotObject(id)) throw new Error(`snapshot.json has no ${SNAPSHOT_REFS[id]!.join(" ")} (id ${id})`);

/** The file as the core read it: snapshot.json is the List printed with 4-space indents. */
let snapshotText: string | null = null;

/** A snapshot object's raw record as the core keeps it: the item's bytes and where they start in the file. */
function snapshotRecord(id: string, obj: K8sObject): RawRecord {
  snapshotText ??= JSON.stringify(demoSnapshot, null, 4) + "\n";
  const raw = JSON.stringify(obj, null, 4).replace(/\n/g, "\n        ");
  return {
    id,
    file: SNAPSHOT_FILE,
    sha256: hash(SNAPSHOT_FILE).toString(16).padStart(8, "0").repeat(8),
    line: null,
    offset: snapshotText.indexOf(raw),
    raw,
    pretty: JSON.stringify(obj, null, 2),
  };
}

/** The demo incident's findings: what hardening_findings answers for it (fixtures/golden/hardening). */
export const demoFindings = goldenFindings as unknown as Finding[];

const CATEGORY_ORDER = ["workload-identity", "admission-control", "image-provenance", "runtime-detection", "network-policy", "least-privilege"];
const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

/** The core's order: category, most severe first, then title. */
function sortFindings(list: Finding[]): Finding[] {
  return [...list].sort(
    (a, b) =>
      CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) ||
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      (a.title < b.title ? -1 : a.title > b.title ? 1 : 0),
  );
}

/** The demo's "Namespace shop has no NetworkPolicy" finding, for another namespace of the snapshot. */
function withoutNetpol(ns: string): Finding {
  const shop = demoFindings.find((f) => f.check === "namespace-without-netpol")!;
  const policies = snapshotItems.filter((o) => o.kind === "NetworkPolicy");
  if (policies.some((p) => p.metadata.namespace === ns)) throw new Error(`namespace ${ns} has a NetworkPolicy`);
  return {
    ...shop,
    title: shop.title.replace("shop", ns),
    remediation: shop.remediation.replace(" in shop,", ` in ${ns},`),
    evidence: [`the snapshot holds ${policies.length} NetworkPolicies, none in ${ns}`],
    objects: [snapshotId("Namespace", null, ns)],
  };
}

/**
 * The whole case's findings: the demo incident's and some of what the rest
 * of the snapshot adds (namespaces outside the incident without a
 * NetworkPolicy), in the core's order.
 */
export const caseFindings: Finding[] = sortFindings([...demoFindings, withoutNetpol("ci"), withoutNetpol("secops")]);

const captureKinds = [
  ["Namespace", "v1", 9],
  ["Node", "v1", 3],
  ["ServiceAccount", "v1", 41],
  ["Secret", "v1", 0],
  ["ConfigMap", "v1", 37],
  ["Pod", "v1", 212],
  ["Deployment", "apps/v1", 28],
  ["ReplicaSet", "apps/v1", 96],
  ["DaemonSet", "apps/v1", 7],
  ["Role", "rbac.authorization.k8s.io/v1", 18],
  ["RoleBinding", "rbac.authorization.k8s.io/v1", 22],
  ["ClusterRole", "rbac.authorization.k8s.io/v1", 71],
  ["ClusterRoleBinding", "rbac.authorization.k8s.io/v1", 58],
  ["NetworkPolicy", "networking.k8s.io/v1", 2],
  ["ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", 1],
] as const;

export const sampleCaptureResult: CaptureResult = {
  snapshot: {
    path: "cases/demo.snapshot-20261120T120000Z.kordon.zip",
    context: "lab",
    server: "https://127.0.0.1:6443",
    caller: "kordon-responder",
    kubernetes_version: "v1.31.2",
    kinds: captureKinds.map(([kind, api_version, items]) =>
      kind === "Secret"
        ? { kind, api_version, items: 0, error: 'secrets is forbidden: User "kordon-responder" cannot list resource "secrets" in API group "" at the cluster scope (403)' }
        : { kind, api_version, items, file: `objects/${kind.toLowerCase()}s.jsonl` },
    ),
    logs: [],
    objects: captureKinds.reduce((a, k) => a + k[2], 0),
  },
  import: {
    import: {
      import_id: 3,
      files: [
        {
          name: "demo.snapshot-20261120T120000Z.kordon.zip",
          inner_path: "objects/pods.jsonl",
          format: "k8s-objects",
          size: 734003,
          sha256: "4c6e8a0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c",
          records: 212,
          events_new: 212,
          events_merged: 0,
          errors: 0,
        },
      ],
      files_imported: 1,
      files_skipped: 0,
      records: 605,
      events_new: 605,
      events_merged: 0,
      entities_new: 64,
      parse_errors: 0,
      containers_joined: 4,
      bytes_read: 1843200,
    },
    detections: { fired: 1, new: 1 },
    correlation: { signals: 43, incidents: 5, new: 0, changed: 1, unchanged: 4, replaced: 0, window_seconds: 1800, cluster_from_snapshot: true },
    errors: [],
  },
};

/** The logs a capture reports for the pods asked for: the current container's, and no previous one. */
function captureLogs(request: CaptureRequest): CaptureResult["snapshot"]["logs"] {
  return request.logs.flatMap((pod) => {
    const container = pod.split("/")[1]!.split("-")[0]!;
    return [
      { pod, container, previous: false, bytes: 48213, truncated: false },
      { pod, container, previous: true, bytes: 0, truncated: false, error: `previous terminated container "${container}" in pod "${pod.split("/")[1]}" not found` },
    ];
  });
}

export function mockBackend(): MockBackend {
  const evidence = demoEvidence();
  const evidenceById = new Map(evidence.map((r) => [r.id, r]));
  const always = new Map<string, BackendErrorShape>();
  const once = new Map<string, BackendErrorShape>();
  const dropHandlers = new Set<(ev: DropEvent) => void>();
  let caseOpen: CaseInfo | null = null;
  let cancelImport: (() => void) | null = null;
  let cancelCapture: (() => void) | null = null;

  const triage = new Map<string, Triage>();
  let logId = 0;
  let commentId = 0;
  const now = () => "2026-11-20T12:00:00.000000000Z";
  const actor = () => mock.investigator ?? "tester";
  const stateOf = (id: string): Triage => {
    const row = mock.incidents.find((r) => r.id === id);
    if (!row) throw { code: "not_found", message: `no incident ${id} in this case` };
    let t = triage.get(id);
    if (!t) {
      t = { incident: id, status: row.status, classification: null, determination: null, owner: null, tags: [], severity_override: null, comments: [], verdicts: [], follow_up: [], log: [] };
      triage.set(id, t);
    }
    return t;
  };
  const logRow = (t: Triage, action: string, details: Record<string, unknown>) => {
    const e: LogEntry = { id: ++logId, time: now(), actor: actor(), action, target: t.incident, details, hash: logId.toString(16).padStart(64, "0") };
    t.log.push(e);
  };
  /** The core's rules (src/triage), enough to exercise the UI's paths. */
  const applyChange = (id: string, c: TriageChange, write: boolean): Triage => {
    const cur = stateOf(id);
    const t: Triage = structuredClone(cur);
    const bad = (message: string) => ({ code: "invalid_argument", message });
    if (c.classification !== undefined || c.determination !== undefined) {
      const cls = vocabulary.classifications.find((x) => x.id === (c.classification ?? t.classification));
      if (!cls) throw bad(`unknown classification '${c.classification}'`);
      if (!cls.determinations.some((d) => d.id === c.determination)) throw bad(`'${c.determination}' is no determination of ${cls.name}`);
      if (write && (cls.id !== t.classification || c.determination !== t.determination)) {
        logRow(t, "triage", { field: "classification", from: t.classification, to: cls.id });
        logRow(t, "triage", { field: "determination", from: t.determination, to: c.determination });
      }
      t.classification = cls.id;
      t.determination = c.determination ?? null;
    }
    if (c.status !== undefined && c.status !== t.status) {
      if (!(vocabulary.transitions[t.status] ?? []).includes(c.status)) throw bad(`${id} cannot move from ${t.status} to ${c.status}`);
      if (c.status === "resolved") {
        if (!t.classification) throw bad(`resolving ${id} needs a classification and a determination`);
        if (!t.comments.length && !c.comment?.trim()) throw bad(`resolving ${id} needs a comment saying why`);
      }
    }
    if (c.owner !== undefined) {
      const owner = c.owner.trim() || null;
      if (write && owner !== t.owner) logRow(t, "triage", { field: "owner", from: t.owner, to: owner });
      t.owner = owner;
    }
    for (const tag of c.add_tags ?? []) {
      if (!t.tags.includes(tag)) {
        t.tags.push(tag);
        if (write) logRow(t, "triage", { field: "tag", from: null, to: tag });
      }
    }
    for (const tag of c.remove_tags ?? []) {
      if (t.tags.includes(tag)) {
        t.tags = t.tags.filter((x) => x !== tag);
        if (write) logRow(t, "triage", { field: "tag", from: tag, to: null });
      }
    }
    t.tags.sort();
    if (c.severity !== undefined) t.severity_override = c.severity === "computed" ? null : (c.severity as Triage["severity_override"]);
    if (c.comment !== undefined) {
      if (!c.comment.trim()) throw bad("a comment needs some text");
      t.comments.push({ id: ++commentId, time: now(), author: actor(), body: c.comment });
      if (write) logRow(t, "comment", { comment: commentId, body: c.comment });
    }
    if (c.status !== undefined && c.status !== t.status) {
      if (write) logRow(t, "triage", { field: "status", from: t.status, to: c.status });
      t.status = c.status;
    }
    if (write) {
      triage.set(id, t);
      const row = mock.incidents.find((r) => r.id === id)!;
      Object.assign(row, { status: t.status, classification: t.classification, determination: t.determination, owner: t.owner, tags: [...t.tags] });
    }
    return structuredClone(t);
  };

  // A cluster for containment: one token context, one exec-plugin context.
  const actions: ActionRow[] = [];
  const prepared = new Map<string, ActionPreview & { incident: string; reason: string }>();
  const contexts = [
    { name: "lab", cluster: "lab", server: "https://127.0.0.1:6443", user: "responder", namespace: "shop", current: true, auth: { kind: "token" }, command: null, files: ["kubeconfig"] },
    { name: "exec-lab", cluster: "lab", server: "https://127.0.0.1:6443", user: "sso", namespace: null, current: false, auth: { kind: "exec", command: "kubelogin", args: ["get-token"], env: [] }, command: "kubelogin get-token", files: ["kubeconfig"] },
  ];

  const archiveManifest = (): ArchiveManifest => ({
    created: "2026-11-21T08:00:00Z",
    kordon_version: "0.1.0",
    schema_version: 20,
    case_file: "case.kordon",
    activity_head: "41:" + "cd".repeat(32),
    counts: { incidents: mock.incidents.length, events: 1234 },
    files: [{ path: "case.kordon", size: 4_096_000, sha256: "ef".repeat(32) }],
  });

  /** The demo's detail under the loaded playbook, as the core would rematch it. */
  const withPlaybook = (d: Detail): Detail => {
    const l = mock.loadedPlaybook;
    if (!l || !d.playbook) return d;
    d.playbook.name = l.name;
    d.playbook.origin = { kind: "loaded", file: l.file, sha256: "5a".repeat(32), loaded_at: now(), loaded_by: actor(), log_entry: 13 };
    for (const w of d.playbook.workloads) Object.assign(w, { rule: mock.rule.rule ?? undefined, owners: mock.rule.owners, notify: mock.rule.notify, because: ["cluster aks-shop-prod", "namespace shop"] });
    return d;
  };
  /** The core's gate (src/playbook/gate.rs) for the mock's rule. */
  const gateFor = (request: ActionRequest): PlaybookGate => {
    const a = request.approvals ?? {};
    const action = request.kind === "isolate" ? "isolate" : request.scale_owner_to_zero ? "scale-to-zero" : "terminate";
    const second = a.second_person?.trim() ?? "";
    const met: Record<string, () => [boolean, string]> = {
      "second-person": () => [!!second && second !== actor(), second === actor() ? `a second person's name, not the investigator's own (${second})` : "a second person's name: the rule asks two people for this"],
      override: () => [!!a.override_reason?.trim(), "an override with a reason: the rule forbids this"],
      "evidence-captured": () => [!!a.evidence_captured, "the pod's evidence captured first"],
      "review:identity": () => {
        const done = stateOf(request.incident).verdicts.some((v) => v.entity_kind === "identity" && v.verdict !== "not-reviewed");
        return [done, done ? "the identity verdicts, set" : "a verdict on identity system:serviceaccount:shop:cart"];
      },
    };
    const r = mock.rule;
    return {
      playbook: r.playbook,
      sha256: "5a".repeat(32),
      rule: r.rule ?? undefined,
      asks: r.asks,
      why: r.why,
      owners: r.owners,
      notify: r.notify,
      action,
      requirements: r.requires.map((kind) => {
        const [ok, text] = met[kind]!();
        return { kind, text, met: ok };
      }),
      approvals: structuredClone(a),
    };
  };

  const mock: MockBackend = {
    calls: [],
    importGate: null,
    verification: { ok: true, activity_rows: 12, files_checked: 9, problems: [], head: { row: 12, hash: "ab".repeat(32) }, head_checked: true, limits: ["raw record bytes are not yet committed to"] },
    investigator: null,
    drawers: {},
    exports: [],
    externalActions: {},
    incidents: demoIncidents.map((r) => ({ ...r })),
    importReport: sampleReport,
    progress: [
      { phase: "reading", file: "falco-extra.jsonl", bytes_done: 0, bytes_total: 20480, records: 0 },
      { phase: "reading", file: "falco-extra.jsonl", bytes_done: 20480, bytes_total: 20480, records: 120 },
      { phase: "detecting", file: null, bytes_done: 20480, bytes_total: 20480, records: 120 },
      { phase: "correlating", file: null, bytes_done: 20480, bytes_total: 20480, records: 120 },
      { phase: "done", file: null, bytes_done: 20480, bytes_total: 20480, records: 120 },
    ],
    dialog: { openCase: "cases/incident.kordon", createCase: "cases/new.kordon", files: ["exports/falco.jsonl"], folder: "exports", playbook: "playbooks/shop.yaml" },
    reports: [],
    reportDialog: true,
    archiveProgress: [
      { phase: "copying", done: 512, total: 1024 },
      { phase: "compressing", done: 1024, total: 1024 },
    ],
    archiveDialog: { save: true, open: "handoff/case-archive.zip", restoreAs: "cases/restored.kordon" },
    hasSnapshot: true,
    rule: { playbook: "Kordon default", rule: "workloads", asks: "medium criticality; prefer to isolate", owners: ["the application's owners"], notify: ["security operations"], requires: [] },
    loadedPlaybook: null,
    captureGate: null,
    captureResult: sampleCaptureResult,
    captureProgress: [
      { phase: "capture", kind: "Namespace", objects: 0, kinds_done: 0, kinds_total: 15 },
      { phase: "capture", kind: "Pod", objects: 93, kinds_done: 5, kinds_total: 15 },
      { phase: "capture", kind: "ClusterRoleBinding", objects: 546, kinds_done: 12, kinds_total: 15 },
      { phase: "capture", kind: "ValidatingWebhookConfiguration", objects: 604, kinds_done: 14, kinds_total: 15 },
      { phase: "import", progress: { phase: "reading", file: "objects/pods.jsonl", bytes_done: 921600, bytes_total: 1843200, records: 300 } },
      { phase: "import", progress: { phase: "correlating", file: null, bytes_done: 1843200, bytes_total: 1843200, records: 605 } },
    ],

    failWith(cmd, code, message = `mock failure: ${code}`) {
      always.set(cmd, { code, message });
    },
    failNextWith(cmd, code, message = `mock failure: ${code}`) {
      once.set(cmd, { code, message });
    },
    clearFailures() {
      always.clear();
      once.clear();
    },
    drop(paths) {
      for (const h of dropHandlers) {
        h({ type: "enter", paths });
        h({ type: "drop", paths });
      }
    },

    appInfo: () =>
      call<AppInfo>("app_info", undefined, () => ({
        version: "0.1.0-mock",
        recent: [{ path: "cases/earlier.kordon", name: "earlier", opened: "2026-11-19T08:00:00Z" }],
        demo_case: null,
      })),
    openCase: (path) => call("open_case", { path }, () => open(path, path.replace(/.*\//, "").replace(/\.kordon$/, ""))),
    createCase: (path) =>
      call("create_case", { path }, () => {
        mock.incidents = [];
        mock.hasSnapshot = false;
        return open(path, path.replace(/.*\//, "").replace(/\.kordon$/, ""));
      }),
    openDemo: () => call("open_demo", undefined, () => open("demo.kordon", "demo")),
    caseInfo: () =>
      call("case_info", undefined, () => {
        if (!caseOpen) throw { code: "no_case", message: "no case is open" };
        return { ...caseOpen, incidents: mock.incidents.length };
      }),
    closeCase: () =>
      call("close_case", undefined, () => {
        caseOpen = null;
      }),
    importPaths: (paths, onProgress) =>
      call("import_paths", { paths }, async () => {
        const cancelled = new Promise<never>((_, reject) => {
          cancelImport = () => reject({ code: "cancelled", message: "import cancelled; the case is unchanged" });
        });
        try {
          for (const p of mock.progress) {
            await Promise.race([Promise.resolve(), cancelled]);
            onProgress(p);
          }
          if (mock.importGate) await Promise.race([mock.importGate, cancelled]);
        } finally {
          cancelImport = null;
        }
        return mock.importReport;
      }),
    cancelImport: () =>
      call("cancel_import", undefined, () => {
        cancelImport?.();
      }),
    listIncidents: () => call("list_incidents", undefined, () => mock.incidents.map((r) => ({ ...r }))),
    incidentDetail: (id) =>
      call("incident_detail", { id }, () => {
        if (id === DEMO_ID) return withPlaybook(structuredClone(demoDetail));
        const row = mock.incidents.find((r) => r.id === id);
        if (!row) throw { code: "not_found", message: `no incident ${id}` };
        return minimalDetail(row);
      }),
    incidentGraph: (id, expand) =>
      call("incident_graph", { id, expand }, () => {
        if (id === DEMO_ID) return expandGraph(structuredClone(demoGraph), expand);
        const row = mock.incidents.find((r) => r.id === id);
        if (!row) throw { code: "not_found", message: `no incident ${id}` };
        return minimalGraph(row);
      }),
    incidentEvidence: (id) => call("incident_evidence", { id }, () => (id === DEMO_ID ? evidence.map((r) => ({ ...r })) : [])),
    eventRaw: (id) =>
      call<RawRecord>("event_raw", { id }, () => {
        const obj = snapshotObject(id);
        if (obj && mock.hasSnapshot) return snapshotRecord(id, obj);
        const r = evidenceById.get(id);
        if (!r) throw { code: "not_found", message: `no event ${id}` };
        const record = { time: r.time, source: r.source, title: r.title, entities: r.entities };
        return {
          id,
          file: r.file,
          sha256: hash(r.file).toString(16).padStart(8, "0").repeat(8),
          line: r.line,
          offset: (r.line ?? 0) * 512,
          raw: JSON.stringify(record),
          pretty: JSON.stringify(record, null, 2),
        };
      }),
    entity: (id) =>
      call<EntityInfo>("entity", { id }, () => {
        // Permission nodes are derived from RBAC rules: no entity behind them.
        const n = demoGraph.nodes.find((x) => x.id === id && !x.aggregated && x.kind !== "permission");
        if (!n) throw { code: "not_found", message: `no entity ${id}` };
        const attrs: Record<string, unknown> = { label: n.label };
        if (n.kind === "pod") attrs.uid = demoDetail.recommendation.target?.uid;
        return { id, kind: n.kind, key: n.key ?? n.label, first_seen: n.first_seen, last_seen: n.last_seen, events: n.evidence_count, attrs };
      }),
    search: (text, limit) =>
      call<EventRow[]>("search", { text, limit }, () => {
        const words = text.toLowerCase().split(/\s+/).filter(Boolean);
        return evidence
          .filter((r) => words.every((w) => r.title.toLowerCase().includes(w)))
          .slice(0, limit)
          .map((r) => ({
            id: r.id,
            time: r.time,
            source: r.source,
            kind: r.kind,
            severity: r.severity,
            rule: null,
            title: r.title,
            message: null,
            tactics: r.tactics,
            techniques: [],
            entities: r.entities,
            file: r.file,
            line: r.line,
            offset: 0,
            incident: r.signal ? DEMO_ID : null,
          }));
      }),
    triageVocabulary: () => call("triage_vocabulary", undefined, () => structuredClone(vocabulary)),
    incidentTriage: (id) => call("incident_triage", { id }, () => structuredClone(stateOf(id))),
    triageApply: (id, change) => call("triage_apply", { id, change }, () => applyChange(id, change, true)),
    triageBulk: (ids, change) =>
      call("triage_bulk", { ids, change }, () => {
        // All or none, as the core: check every one before writing any.
        for (const id of ids) applyChange(id, change, false);
        for (const id of ids) applyChange(id, change, true);
        return ids.length;
      }),
    setVerdict: (id, entity, verdict) =>
      call("set_verdict", { id, entity, verdict }, () => {
        const t = stateOf(id);
        const n = demoGraph.nodes.find((x) => x.id === entity);
        if (!n || !n.key) throw { code: "not_found", message: `no entity '${entity}' in this case` };
        t.verdicts = t.verdicts.filter((v) => !(v.entity_kind === n.kind && v.entity_key === n.key));
        t.verdicts.push({ entity_kind: n.kind, entity_key: n.key, verdict, time: now(), author: actor() });
        logRow(t, "verdict", { entity: { kind: n.kind, key: n.key }, from: null, to: verdict });
        return structuredClone(t);
      }),
    setFollowUp: (id, item, done) =>
      call("set_follow_up", { id, item, done }, () => {
        const t = stateOf(id);
        const was = t.follow_up.find((f) => f.item === item);
        if ((was?.done ?? false) !== done) {
          t.follow_up = [...t.follow_up.filter((f) => f.item !== item), { item, done, time: now(), author: actor() }].sort((a, b) => a.item.localeCompare(b.item));
          logRow(t, "follow-up", { item, done });
        }
        return structuredClone(t);
      }),
    verifyCase: () => call("verify_case", undefined, () => structuredClone(mock.verification)),
    preferences: () => call<Preferences>("preferences", undefined, () => prefsView()),
    setInvestigator: (name) =>
      call<Preferences>("set_investigator", { name }, () => {
        mock.investigator = name.trim() || null;
        return prefsView();
      }),
    exportGraph: (format, name, data) =>
      call<string | null>("export_graph", { format, name, data }, () => {
        mock.exports.push({ format, name, data });
        return `/exports/${name}`;
      }),
    exportReport: (incident, format) =>
      call<ReportWritten | null>("export_report", { incident, format }, () => {
        if (!mock.reportDialog) return null;
        if (incident && !mock.incidents.some((r) => r.id === incident)) throw { code: "not_found", message: `no incident ${incident}` };
        mock.reports.push({ incident, format });
        const name = `${incident ?? "kordon"}-report.${format}`;
        return { path: `/exports/${name}`, format, bytes: 312_000, incidents: incident ? 1 : mock.incidents.length, ...(format === "pdf" ? { pages: 9 } : {}) };
      }),
    saveCaseArchive: (onProgress) =>
      call<ArchiveSummary | null>("save_case_archive", {}, async () => {
        if (!caseOpen) throw { code: "no_case", message: "no case is open: open or create one first" };
        if (!mock.archiveDialog.save) return null;
        for (const p of mock.archiveProgress) {
          onProgress(p);
          await new Promise((r) => setTimeout(r, 0));
        }
        return { archive: `/exports/${caseOpen.name}-archive.zip`, archive_size: 2_400_000, archive_sha256: "ab".repeat(32), manifest: archiveManifest() };
      }),
    openCaseArchive: (archive, casePath, onProgress) =>
      call<OpenedArchive>("open_case_archive", { archive, case: casePath }, async () => {
        for (const p of mock.archiveProgress) {
          onProgress({ ...p, phase: p.phase === "copying" ? "unpacking" : "verifying" });
          await new Promise((r) => setTimeout(r, 0));
        }
        const info = open(casePath, casePath.replace(/.*\//, "").replace(/\.kordon$/, ""));
        return {
          info,
          restored: {
            case: casePath,
            archive,
            archive_sha256: "ab".repeat(32),
            archive_sha256_checked: false,
            manifest: archiveManifest(),
            upgraded_to: null,
            verification: mock.verification,
            limits: ["the archive is checked for integrity, not authenticity"],
          },
        };
      }),
    setDrawers: (drawers) =>
      call<Preferences>("set_drawers", { drawers }, () => {
        mock.drawers = structuredClone(drawers);
        return prefsView();
      }),
    clusterContexts: (kubeconfig) =>
      call("cluster_contexts", { kubeconfig }, () => ({ files: [kubeconfig ?? "kubeconfig"], contexts: structuredClone(contexts).map((c) => ({ ...c, files: [kubeconfig ?? "kubeconfig"] })) })),
    containmentGate: (request) => call("containment_gate", { request }, () => gateFor(request)),
    playbookLoad: (path) =>
      call("playbook_load", { path }, () => {
        const file = path.split("/").pop()!;
        if (file.includes("bad")) throw { code: "invalid_playbook", message: `${file}: line 7: unknown field \`criticallity\`, expected one of \`id\`, \`criticality\`` };
        const unchanged = mock.loadedPlaybook?.file === file;
        mock.loadedPlaybook = { name: "Shop — production and staging", file };
        mock.rule = {
          playbook: "Shop — production and staging",
          rule: "production-shop",
          asks: "high criticality; prefer to isolate; review the identity verdicts first",
          why: "Customer traffic: isolate, keep the evidence.",
          owners: ["team-shop"],
          notify: ["#sec-oncall", "shop on-call"],
          requires: ["review:identity"],
        };
        return { name: "Shop — production and staging", file, sha256: "5a".repeat(32), rules: 4, unchanged };
      }),
    handoffNote: (id) =>
      call("handoff_note", { id }, () => {
        const row = mock.incidents.find((r) => r.id === id);
        if (!row) throw { code: "not_found", message: `no incident ${id}` };
        return `${id}: ${row.title}\nSeverity ${row.severity} · status ${stateOf(id).status} · incident owner: ${stateOf(id).owner ?? "unassigned"}\n\nWorkloads (playbook "${mock.rule.playbook}")\n- shop/cart-7f9c6d8b5-x2k4q: rule ${mock.rule.rule}\n  Owners: ${(mock.rule.owners ?? []).join(", ")}. Notify: ${(mock.rule.notify ?? []).join(", ")}.\n`;
      }),
    clusterPrepare: (request) =>
      call("cluster_prepare", { request }, () => {
        const gate = gateFor(request);
        const unmet = gate.requirements.filter((r) => !r.met);
        if (unmet.length)
          throw { code: "playbook_requirement", message: `rule \`${gate.rule}\` of the playbook "${gate.playbook}" requires, before this action: ${unmet.map((r) => r.text).join("; ")}; nothing was done` };
        const ctx = contexts.find((c) => c.name === request.connect.context)!;
        if (ctx.command && !request.connect.trust_exec)
          throw { code: "exec_untrusted", message: `context '${ctx.name}' gets its credentials by running a command: kubelogin get-token` };
        const [ns, name] = request.pod.split("/") as [string, string];
        const uid = demoDetail.recommendation.target?.uid ?? "uid";
        const id = `act-${(actions.length + prepared.size + 1).toString(16).padStart(12, "0")}`;
        const p: ActionPreview & { incident: string; reason: string } = {
          action_id: id,
          kind: request.kind,
          incident: request.incident,
          reason: request.reason,
          connection: { context: ctx, identity: { username: "aks-incident-responder", groups: [] }, version: "v1.31.2" },
          target: { namespace: ns, name, uid, evidence_uid: uid, node: "aks-nodepool1", phase: "Running", labels: { app: "cart" }, containers: ["cart"], owners: [{ kind: "ReplicaSet", name: "cart-7f9c6d8b5", uid: "rs" }], services: ["cart"], policies: [], isolated_by: null },
          preflight: {
            checks: [{ verb: "patch", group: "", resource: "pods", subresource: null, namespace: ns, why: "label and annotate the pod", allowed: true, reason: null }],
            missing: [],
            engines: ["Calico"],
            version: "v1.31.2",
            warnings: [],
            ok: true,
          },
          preview: `kind: NetworkPolicy\nmetadata:\n  name: kordon-isolate-${id.slice(4)}\n`,
          controller_note: request.kind === "terminate" ? "ReplicaSet cart-7f9c6d8b5 will start a replacement pod" : null,
          playbook: gate,
        };
        prepared.set(id, p);
        const { incident: _i, reason: _r, ...preview } = p;
        return preview;
      }),
    clusterApply: (actionId, confirm) =>
      call("cluster_apply", { actionId, confirm }, () => {
        const p = prepared.get(actionId);
        if (!p) throw { code: "not_found", message: `no prepared action ${actionId}` };
        prepared.delete(actionId);
        if (confirm !== (p.kind === "terminate" ? p.target.name : "yes")) throw { code: "cancelled", message: "not confirmed: nothing done" };
        const row: ActionRow = {
          id: actionId, incident: p.incident, kind: p.kind, state: "applied", created: now(), updated: now(), actor: actor(), cluster_user: "aks-incident-responder",
          context: p.connection.context.name, server: p.connection.context.server, namespace: p.target.namespace, pod: p.target.name, pod_uid: p.target.uid, reason: p.reason, details: {},
        };
        actions.push(row);
        logRow(stateOf(p.incident), "cluster-action", { action: actionId, kind: p.kind, state: "applied", pod: `${row.namespace}/${row.pod}` });
        return structuredClone(row);
      }),
    clusterRelease: (actionId, reason, connect) =>
      call("cluster_release", { actionId, reason, connect }, () => {
        const row = actions.find((a) => a.id === actionId);
        if (!row) throw { code: "not_found", message: `no action ${actionId}` };
        row.state = "released";
        logRow(stateOf(row.incident!), "cluster-action", { action: actionId, state: "released" });
        return structuredClone(row);
      }),
    incidentActions: (id) =>
      call("incident_actions", { id }, () =>
        structuredClone({ actions: actions.filter((a) => a.incident === id), external: mock.externalActions[id] ?? [] }),
      ),
    hardeningFindings: (incident) =>
      call("hardening_findings", { incident }, () => {
        if (!mock.hasSnapshot)
          throw { code: "not_found", message: "the case holds no snapshot objects: import a `kubectl get -o json` export or a `kordon snapshot` bundle first" };
        if (incident === null) return structuredClone(caseFindings);
        if (!mock.incidents.some((r) => r.id === incident)) throw { code: "not_found", message: `no incident ${incident}` };
        return incident === DEMO_ID ? structuredClone(demoFindings) : [];
      }),
    captureSnapshot: (request, onProgress) =>
      call("capture_snapshot", { request }, async () => {
        const ctx = contexts.find((c) => c.name === request.context);
        if (!ctx) throw { code: "not_found", message: `no context '${request.context}' in the kubeconfig` };
        if (ctx.command && !request.trust_exec)
          throw { code: "exec_untrusted", message: `context '${ctx.name}' gets its credentials by running a command: kubelogin get-token` };
        const cancelled = new Promise<never>((_, reject) => {
          cancelCapture = () => reject({ code: "cancelled", message: "capture cancelled; no bundle was written and the case is unchanged" });
        });
        cancelled.catch(() => {});
        try {
          for (const p of mock.captureProgress) {
            await Promise.race([new Promise((r) => setTimeout(r, 0)), cancelled]);
            onProgress(structuredClone(p));
          }
          if (mock.captureGate) await Promise.race([mock.captureGate, cancelled]);
        } finally {
          cancelCapture = null;
        }
        mock.hasSnapshot = true;
        const result = structuredClone(mock.captureResult);
        result.snapshot.context = ctx.name;
        result.snapshot.logs = captureLogs(request);
        return result;
      }),
    cancelCapture: () =>
      call("cancel_capture", undefined, () => {
        cancelCapture?.();
      }),
    pickCaseToOpen: async () => mock.dialog.openCase,
    pickCaseToCreate: async () => mock.dialog.createCase,
    pickArchiveToOpen: async () => mock.archiveDialog.open,
    pickRestoredCase: async () => mock.archiveDialog.restoreAs,
    pickImportFiles: async () => mock.dialog.files,
    pickImportFolder: async () => mock.dialog.folder,
    pickKubeconfig: async () => "other/kubeconfig.yaml",
    pickPlaybook: async () => mock.dialog.playbook ?? null,
    onFileDrop: async (handler) => {
      dropHandlers.add(handler);
      return () => dropHandlers.delete(handler);
    },
  };

  function prefsView(): Preferences {
    return { investigator: mock.investigator, drawers: structuredClone(mock.drawers), investigator_in_effect: mock.investigator ?? "tester", os_user: "tester" };
  }

  function open(path: string, name: string): CaseInfo {
    caseOpen = {
      path,
      name,
      events: 12000,
      incidents: mock.incidents.length,
      alerts: mock.incidents.reduce((a, r) => a + r.signals, 0),
      sources: 9,
    };
    return caseOpen;
  }

  async function call<T>(cmd: Command, args: unknown, f: () => T | Promise<T>): Promise<T> {
    mock.calls.push({ cmd, args });
    await Promise.resolve();
    const err = once.get(cmd) ?? always.get(cmd);
    once.delete(cmd);
    if (err) throw { ...err };
    return f();
  }

  return mock;
}
