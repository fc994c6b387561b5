// Types of the backend contract (Tauri commands of the Rust core) and the
// Backend interface that every view receives. Field names follow the JSON
// the core prints (`kordon … --json`), hence snake_case.

export type Severity = "info" | "low" | "medium" | "high" | "critical";

export interface RecentCase {
  path: string;
  name: string;
  opened: string;
}

export interface AppInfo {
  version: string;
  recent: RecentCase[];
  demo_case: string | null;
  /** Started with `--demo`: open the demo incident at once. */
  start_with_demo?: boolean;
  /** The case already open in the core (the webview was reloaded). */
  current?: CaseInfo | null;
}

export interface CaseInfo {
  path: string;
  name: string;
  events: number;
  incidents: number;
  alerts: number;
  sources: number;
}

export type ImportPhase = "reading" | "detecting" | "correlating" | "done";

export interface ImportProgress {
  phase: ImportPhase;
  file: string | null;
  bytes_done: number;
  bytes_total: number;
  records: number;
  /** Not sent by every core version. */
  events?: number;
}

/** One file of `kordon import --json`. */
export interface ImportedFile {
  name: string;
  inner_path?: string;
  format: string | null;
  compression?: string;
  size: number;
  sha256: string | null;
  records: number;
  events_new: number;
  events_merged: number;
  errors: number;
  /** Why the file was not imported (already in the case, empty); absent when imported. */
  skipped?: string;
  /** What the file turned out to be ("EKS CloudWatch Logs, filter-log-events, 3 pages, 2,841 audit events"); for an attachment, why it is one. */
  shape?: string;
  /** Records understood and deliberately not imported, by reason. */
  skipped_records?: Record<string, number>;
}

/** The object `kordon import --json` prints. */
export interface ImportSummary {
  import_id: number;
  files: ImportedFile[];
  files_imported: number;
  files_skipped: number;
  records: number;
  events_new: number;
  events_merged: number;
  entities_new: number;
  parse_errors: number;
  containers_joined: number;
  bytes_read: number;
  /** Files of a folder or zip kept as attachments (format `attachment`). */
  attachments?: number;
}

/** A row of `kordon errors --json`. */
export interface ErrorRow {
  id: number;
  file: string;
  sha256: string;
  line: number | null;
  offset: number;
  reason: string;
  raw: string;
  raw_hex?: string;
}

export interface CorrelationSummary {
  signals: number;
  incidents: number;
  new: number;
  changed: number;
  unchanged: number;
  replaced: number;
  window_seconds: number;
  cluster_from_snapshot: boolean;
}

export interface ImportReport {
  import: ImportSummary;
  detections: { fired: number; new: number };
  correlation: CorrelationSummary;
  errors: ErrorRow[];
}

export interface EntityRef {
  kind: string;
  key: string;
}

/** A row of `kordon incidents --json`. */
export interface IncidentRow {
  id: string;
  title: string;
  severity: Severity;
  severity_why: string;
  status: string;
  first_activity: string | null;
  last_activity: string | null;
  tactics: string[];
  tactic_names: string[];
  techniques: string[];
  ms_matrix: string[];
  signals: number;
  key_entities: EntityRef[];
  /** The clusters its signals name; empty when none does. */
  clusters?: string[];
  /** Triage (data/triage.yaml ids); null until an investigator sets them. */
  classification?: string | null;
  determination?: string | null;
  owner?: string | null;
  tags?: string[];
  /** What correlation computed; `severity` is the investigator's override when set. */
  computed_severity?: Severity;
}

export interface StoryStep {
  step: string;
  time: string | null;
  until?: string | null;
  tactic: string | null;
  tactic_name: string | null;
  text: string;
  sources: string[];
  evidence: string[];
}

export interface Story {
  lead: string;
  steps: StoryStep[];
}

export type Favours = "isolate" | "terminate" | "both";

export interface Recommendation {
  action: "isolate" | "terminate" | "none";
  target: { pod: string | null; uid: string | null; node: string | null; owners: string[] } | null;
  headline: string;
  reasons: { favours: Favours; text: string; evidence: string[] }[];
  follow_up: FollowUp[];
  /** The playbook rule the pod falls under, and where it and the facts disagree. */
  playbook?: PlaybookCitation;
}

export interface PlaybookCitation {
  playbook: string;
  /** Empty when no rule matches the pod. */
  rule: string;
  pod: string;
  text: string;
  disagreements?: string[];
}

/** A follow-up checklist item; `findings` are the hardening findings behind it. */
export interface FollowUp {
  /** `rotate-credentials`, `reduce-rbac`, … or `hardening:<check>`. */
  item: string;
  text: string;
  findings?: { check: string; severity: Severity; title: string }[];
}

export interface Joined {
  how: "first" | "shares" | "placed";
  entity?: EntityRef;
  with?: string;
  text: string;
}

export interface Signal {
  id: string;
  time: string | null;
  source: string;
  severity: Severity;
  rule: string | null;
  title: string;
  tactics: string[];
  techniques: string[];
  ms_matrix: string[];
  mapping_notes?: string[] | null;
  joined: Joined;
}

export interface DetailEntity {
  id: string;
  kind: string;
  key: string;
  label: string;
  signals: number;
  evidence: number;
  first_seen: string | null;
  last_seen: string | null;
}

/** The object `kordon show INC --json` prints. */
export interface Detail {
  incident: IncidentRow;
  story: Story;
  recommendation: Recommendation;
  signals: Signal[];
  evidence_by_tactic: { tactic: string; name: string; count: number; signals: string[] }[];
  context: { count: number; by_source: Record<string, number>; facts: number };
  entities: DetailEntity[];
  /** The SOC's incidents (Microsoft Sentinel's) that match this one; absent from older cores. */
  soc?: SocView[];
  /** The playbook in force and the rule each affected workload falls under; absent from older cores. */
  playbook?: PlaybookForIncident;
}

/** Where the playbook in force comes from (`show --json`'s `playbook.origin`). */
export interface PlaybookOrigin {
  kind: "default" | "loaded";
  file: string;
  sha256: string;
  loaded_at?: string;
  loaded_by?: string;
  log_entry?: number;
}

/** An affected workload as the case knows it. */
export interface PlaybookWorkload {
  pod: string;
  namespace: string;
  cluster?: string;
  labels?: Record<string, string>;
  owners: { kind: string; name: string }[];
}

/** A workload with the playbook rule it falls under. */
export interface PlaybookRuleFor {
  workload: PlaybookWorkload;
  /** Absent: no rule of the playbook matches. */
  rule?: string;
  because: string[];
  unknown?: string[];
  criticality?: "critical" | "high" | "medium" | "low";
  preferred?: "isolate" | "terminate" | "scale-to-zero" | "observe";
  owners?: string[];
  notify?: string[];
}

export interface PlaybookForIncident {
  name: string;
  origin: PlaybookOrigin;
  workloads: PlaybookRuleFor[];
}

/** Where a SOC incident disagrees with Kordon's triage (Kordon ids; null: unset). */
export interface SocDifference {
  what: "status" | "classification";
  soc: string | null;
  kordon: string | null;
}

/** Another tool's incident as the incident page shows it (`show --json`'s `soc`). */
export interface SocView {
  event: string;
  source: string;
  source_name: string;
  number: number | null;
  title: string;
  description: string;
  /** As the tool spells them (`High`, `Active`, `TruePositive` …). */
  severity: string | null;
  status: string | null;
  classification: string | null;
  classification_reason: string | null;
  classification_comment: string | null;
  owner: string | null;
  owner_email: string | null;
  labels: string[];
  alert_products: string[];
  tactics: string[];
  techniques: string[];
  first_activity: string | null;
  last_activity: string | null;
  created: string | null;
  last_modified: string | null;
  provider_name: string | null;
  provider_incident_id: string | null;
  /** The portal link: shown as text, never opened. */
  incident_url: string | null;
  status_name: string | null;
  classification_name: string | null;
  reason_name: string | null;
  /** What they mean in Kordon's vocabulary; null when nothing. */
  kordon_status: string | null;
  kordon_classification: string | null;
  /** `SOC: Closed · True positive — Suspicious activity`. */
  summary: string;
  matched: string | null;
  /** As the core saw Kordon's triage when the detail was read. */
  differences: SocDifference[];
}

export interface GraphNode {
  id: string;
  kind: string;
  label: string;
  key?: string;
  tactics: string[];
  severity?: Severity | null;
  first_seen: string | null;
  last_seen: string | null;
  evidence_count: number;
  evidence: string[];
  signal_count: number;
  member_count: number;
  aggregated: boolean;
  members?: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
  first_seen: string | null;
  last_seen: string | null;
  evidence_count: number;
  evidence: string[];
  ports?: number[];
  /** What the edge says beyond its kind, e.g. "can get, list, watch" on a "can" edge. */
  label?: string;
  /** On a "can" edge: what the incident's requests did through it ("listed secrets"). */
  exercised?: string;
}

/** The object `kordon graph INC --format json` prints. */
export interface Graph {
  incident: string;
  raw_entities?: number;
  aggregate_over?: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface EventEntity {
  kind: string;
  key: string;
  role: string;
}

/** One of an incident's signals or context telemetry (`incident_evidence`). */
export interface EvidenceEvent {
  id: string;
  time: string | null;
  source: string;
  kind: string;
  severity: Severity;
  title: string;
  tactics: string[];
  signal: boolean;
  entities: EventEntity[];
  file: string;
  line: number | null;
}

export interface RawRecord {
  id: string;
  file: string;
  sha256: string;
  line: number | null;
  offset: number;
  raw: string;
  pretty: string | null;
}

/** A row of `kordon entities --json`. */
export interface EntityInfo {
  id: string;
  kind: string;
  key: string;
  first_seen: string | null;
  last_seen: string | null;
  events: number;
  attrs: Record<string, unknown>;
}

/** A row of `kordon events --json`. */
export interface EventRow {
  id: string;
  time: string | null;
  source: string;
  kind: string;
  severity: Severity;
  rule: string | null;
  title: string;
  message: string | null;
  tactics: string[];
  techniques: string[];
  entities: EventEntity[];
  fields?: Record<string, unknown>;
  file: string;
  line: number | null;
  offset: number;
  records?: unknown;
  raw?: string;
  /** The incident this event is a signal of (absent for context). */
  incident?: string | null;
}

export interface Named {
  id: string;
  name: string;
}

/** data/triage.yaml: statuses and moves, classifications and their determinations, verdicts. */
export interface Vocabulary {
  statuses: Named[];
  transitions: Record<string, string[]>;
  classifications: (Named & { determinations: Named[] })[];
  verdicts: Named[];
}

export interface Comment {
  id: number;
  time: string;
  author: string;
  /** Markdown as written. */
  body: string;
}

export interface Verdict {
  entity_kind: string;
  entity_key: string;
  verdict: string;
  time: string;
  author: string;
}

export interface LogEntry {
  id: number;
  time: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | string;
  hash: string;
}

/** An incident's triage state and its rows of the activity log. */
export interface Triage {
  incident: string;
  status: string;
  classification: string | null;
  determination: string | null;
  owner: string | null;
  tags: string[];
  severity_override: Severity | null;
  comments: Comment[];
  verdicts: Verdict[];
  /** Follow-up items ticked off (or unticked again); never-ticked items are absent. */
  follow_up: FollowUpTick[];
  log: LogEntry[];
}

export interface FollowUpTick {
  item: string;
  done: boolean;
  time: string;
  author: string;
}

/** A triage change; absent fields stay as they are. */
export interface TriageChange {
  status?: string;
  classification?: string;
  determination?: string;
  /** "" clears the owner. */
  owner?: string;
  add_tags?: string[];
  remove_tags?: string[];
  /** A severity, or "computed" to drop the override. */
  severity?: string;
  comment?: string;
}

/** `kordon verify --json`. */
export interface Verification {
  ok: boolean;
  activity_rows: number;
  files_checked: number;
  problems: string[];
  /** The log's newest row and its hash. */
  head: { row: number; hash: string } | null;
  /** Checked against the head the app saw last time (kept outside the case). */
  head_checked: boolean;
  /** What the verification cannot tell. */
  limits: string[];
}

/** A drawer of the incident page as the investigator left it (CSS pixels). */
export interface DrawerPref {
  open: boolean;
  width: number;
}

export interface Preferences {
  investigator: string | null;
  /** By drawer name ("story", "nodes", "side"); absent ones take the defaults. */
  drawers?: Record<string, DrawerPref>;
  investigator_in_effect: string;
  os_user: string;
}

/** A kubeconfig context, without secrets. */
export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace: string | null;
  current: boolean;
  auth: { kind: string; command?: string | null; args?: string[]; env?: string[]; name?: string; path?: string };
  /** The command getting the credentials runs (exec plugin, auth provider's cmd-path); null when none. */
  command: string | null;
  files: string[];
}

export interface Contexts {
  files: string[];
  contexts: ContextInfo[];
}

export interface PermissionCheck {
  verb: string;
  group: string;
  resource: string;
  subresource: string | null;
  namespace: string | null;
  why: string;
  allowed: boolean;
  reason: string | null;
}

export interface LiveTarget {
  namespace: string;
  name: string;
  uid: string;
  evidence_uid: string | null;
  node: string | null;
  phase: string | null;
  labels: Record<string, string>;
  containers: string[];
  owners: { kind: string; name: string; uid: string }[];
  services: string[];
  policies: { name: string; uid: string; policy_types: string[]; selector: string; allows: string[]; kordon_action: string | null }[];
  isolated_by: string | null;
}

/** What the containment dialog shows before the confirmation. */
export interface ActionPreview {
  action_id: string;
  kind: "isolate" | "terminate";
  connection: { context: ContextInfo; identity: { username: string; groups: string[] }; version: string };
  target: LiveTarget;
  preflight: { checks: PermissionCheck[]; missing: string[]; engines: string[]; version: string; warnings: string[]; ok: boolean };
  preview: string;
  controller_note: string | null;
  /** The playbook's rule, its requirements and the approvals given; absent from older cores. */
  playbook?: PlaybookGate;
}

/** What the investigator brings to the playbook's rule. */
export interface Approvals {
  second_person?: string | null;
  override_reason?: string | null;
  evidence_captured?: boolean;
}

/** One thing the rule requires before the action. */
export interface PlaybookRequirement {
  /** `override`, `second-person`, `evidence-captured` or `review:<what>`. */
  kind: string;
  text: string;
  met: boolean;
}

/** What the playbook in force requires before one action on one pod. */
export interface PlaybookGate {
  playbook: string;
  sha256: string;
  /** Absent: no rule matches the pod, nothing is required. */
  rule?: string;
  /** What the rule asks, in one sentence. */
  asks?: string;
  /** The rule's reason. */
  why?: string;
  owners?: string[];
  notify?: string[];
  action: "isolate" | "terminate" | "scale-to-zero" | "observe";
  requirements: PlaybookRequirement[];
  approvals: Approvals;
}

/** What loading a playbook did. */
export interface PlaybookLoaded {
  name: string;
  file: string;
  sha256: string;
  rules: number;
  /** The same bytes were in force already: nothing was stored. */
  unchanged: boolean;
}

export interface ConnectChoice {
  kubeconfig?: string | null;
  context?: string | null;
  trust_exec?: boolean;
}

export interface ActionRequest {
  incident: string;
  /** namespace/name */
  pod: string;
  reason: string;
  kind: "isolate" | "terminate";
  accept_uid?: string | null;
  grace_period_seconds?: number | null;
  scale_owner_to_zero?: boolean;
  connect: ConnectChoice;
  approvals?: Approvals;
}

/** A cluster action as the case records it. */
export interface ActionRow {
  id: string;
  incident: string | null;
  kind: string;
  state: string;
  created: string;
  updated: string;
  actor: string;
  cluster_user: string | null;
  context: string;
  server: string;
  namespace: string;
  pod: string;
  pod_uid: string;
  reason: string;
  details: Record<string, unknown>;
}

/**
 * An action a responder outside Kordon took on the cluster (Falco Talon
 * terminating, labelling, isolating a pod), from an imported `response`
 * event (`kordon actions INC --json` rows with `done_outside: true`).
 */
export interface ExternalAction {
  /** The response event's id. */
  id: string;
  done_outside: true;
  /** Who did it, in words ("Falco Talon"). */
  by: string;
  /** Source slug ("falco-talon"). */
  source: string;
  /** What was done, in words ("Falco Talon failed to terminate pod shop/cart-…"). */
  what: string;
  time: string | null;
  /** "success", "failure", "ignored" as the responder says. */
  status: string | null;
  /** The responder's tool ("kubernetes:terminate"). */
  actionner: string | null;
  /** What it does to the pod: "terminate", "isolate", "label", "annotate", "exec", "collect", "capture", … */
  effect: string | null;
  /** The responder's name for the step ("Terminate the pod"). */
  action: string | null;
  rule: string | null;
  result: string | null;
  error: string | null;
  output: string | null;
  trace_id: string | null;
  /** The pod acted on ("namespace/name"). */
  pod: string | null;
  objects: Record<string, string> | null;
}

/** An incident's actions (`incident_actions`): Kordon's own, and, apart, what was done outside Kordon. */
export interface IncidentActions {
  actions: ActionRow[];
  external: ExternalAction[];
}

/** A hardening finding (`kordon findings --json`): what the snapshot says about the cluster's defences. */
export interface Finding {
  /** Check id, e.g. "identity-can", "token-automounted". */
  check: string;
  category: string;
  category_name: string;
  severity: Severity;
  title: string;
  remediation: string;
  /** Sentences naming the objects and rules behind it. */
  evidence: string[];
  /** Event ids of the snapshot objects and posture reports behind it (their raw records through eventRaw). */
  objects: string[];
  /** Who found it: "Kordon" (from the snapshot), "Trivy", "kube-bench", "Kubescape"; one finding however many did. */
  sources: string[];
}

/** What "Capture from cluster" asks the core to list. */
export interface CaptureRequest {
  kubeconfig: string | null;
  context: string | null;
  trust_exec: boolean;
  /** Empty: every namespace. */
  namespaces: string[];
  /** "namespace/pod" whose logs (current and previous) are captured. */
  logs: string[];
  configmap_data: boolean;
}

export interface CaptureKind {
  kind: string;
  api_version: string;
  items: number;
  file?: string;
  /** Why the kind could not be listed (e.g. forbidden); the rest of the capture went on. */
  error?: string;
}

export interface CaptureLog {
  pod: string;
  container: string;
  previous: boolean;
  bytes: number;
  truncated: boolean;
  /** Where in the bundle the log was written. */
  file?: string;
  error?: string;
}

/** The snapshot a capture wrote (a Kordon bundle next to the case). */
export interface CaptureReport {
  path: string;
  context: string;
  server: string;
  caller: string;
  kubernetes_version: string;
  kinds: CaptureKind[];
  logs: CaptureLog[];
  objects: number;
}

export type CaptureProgress =
  | { phase: "capture"; kind: string; objects: number; kinds_done: number; kinds_total: number }
  | { phase: "import"; progress: ImportProgress };

export interface CaptureResult {
  snapshot: CaptureReport;
  import: ImportReport;
}

/** Errors from the backend: the UI branches on `code`, never on `message`. */
export interface BackendErrorShape {
  code: string;
  message: string;
}

export interface DropEvent {
  type: "enter" | "over" | "drop" | "leave";
  paths: string[];
}

/** A report the core wrote (`kordon report`). */
export interface ReportWritten {
  path: string;
  format: "html" | "pdf";
  bytes: number;
  incidents: number;
  /** Known for a PDF. */
  pages?: number;
}

export type ArchivePhase = "copying" | "compressing" | "checking" | "unpacking" | "verifying";

export interface ArchiveProgress {
  phase: ArchivePhase;
  done: number;
  total: number;
}

/** What a case archive says of itself (its manifest). */
export interface ArchiveManifest {
  created: string;
  kordon_version: string;
  schema_version: number;
  case_file: string;
  activity_head: string | null;
  counts: Record<string, number>;
  files: { path: string; size: number; sha256: string }[];
}

export interface ArchiveSummary {
  archive: string;
  archive_size: number;
  archive_sha256: string;
  manifest: ArchiveManifest;
}

export interface RestoredArchive {
  case: string;
  archive: string;
  archive_sha256: string;
  archive_sha256_checked: boolean;
  manifest: ArchiveManifest;
  upgraded_to: number | null;
  verification: Verification;
  /** What the checks cannot tell. */
  limits: string[];
}

export interface OpenedArchive {
  info: CaseInfo;
  restored: RestoredArchive;
}

/**
 * Everything the UI needs from the core. `tauriBackend()` (backend.ts) is the
 * only implementation that talks to Tauri; tests use a mock.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  openCase(path: string): Promise<CaseInfo>;
  createCase(path: string): Promise<CaseInfo>;
  openDemo(): Promise<CaseInfo>;
  closeCase(): Promise<void>;
  /** Figures of the open case. */
  caseInfo(): Promise<CaseInfo>;
  importPaths(paths: string[], onProgress: (p: ImportProgress) => void): Promise<ImportReport>;
  cancelImport(): Promise<void>;
  listIncidents(): Promise<IncidentRow[]>;
  incidentDetail(id: string): Promise<Detail>;
  incidentGraph(id: string, expand: string[]): Promise<Graph>;
  incidentEvidence(id: string): Promise<EvidenceEvent[]>;
  eventRaw(id: string): Promise<RawRecord>;
  entity(id: string): Promise<EntityInfo>;
  search(text: string, limit: number): Promise<EventRow[]>;
  triageVocabulary(): Promise<Vocabulary>;
  incidentTriage(id: string): Promise<Triage>;
  triageApply(id: string, change: TriageChange): Promise<Triage>;
  /** All the incidents change, or none. Returns how many changed. */
  triageBulk(ids: string[], change: TriageChange): Promise<number>;
  setVerdict(id: string, entity: string, verdict: string): Promise<Triage>;
  /** Ticks a follow-up item off (`done`), or unticks it. */
  setFollowUp(id: string, item: string, done: boolean): Promise<Triage>;
  verifyCase(): Promise<Verification>;
  preferences(): Promise<Preferences>;
  setInvestigator(name: string): Promise<Preferences>;
  /** Saves the graph as drawn (SVG text or PNG base64) where the investigator chooses; null when they cancel. */
  exportGraph(format: "svg" | "png", name: string, data: string): Promise<string | null>;
  /** Writes the report of an incident (or, null, of every incident) where the investigator chooses; null when they cancel. */
  exportReport(incident: string | null, format: "pdf" | "html"): Promise<ReportWritten | null>;
  /** Seals the open case into a zip where the investigator chooses; null when they cancel. */
  saveCaseArchive(onProgress: (p: ArchiveProgress) => void): Promise<ArchiveSummary | null>;
  /** Restores a case archive as the new case file `casePath` (checked first), and opens it. */
  openCaseArchive(archive: string, casePath: string, onProgress: (p: ArchiveProgress) => void): Promise<OpenedArchive>;
  /** Remembers how the drawers were left (per user, in the app's data folder). */
  setDrawers(drawers: Record<string, DrawerPref>): Promise<Preferences>;
  clusterContexts(kubeconfig: string | null): Promise<Contexts>;
  /** What the playbook requires before the action, with the approvals given; contacts no cluster. */
  containmentGate(request: ActionRequest): Promise<PlaybookGate>;
  /** Looks up, checks and dry-runs; changes nothing. */
  clusterPrepare(request: ActionRequest): Promise<ActionPreview>;
  /** Loads the team's playbook (a YAML file) into the open case, in force from now. */
  playbookLoad(path: string): Promise<PlaybookLoaded>;
  /** The incident's hand-off note, as plain text to copy. */
  handoffNote(id: string): Promise<string>;
  /** Applies a prepared action; `confirm` is "yes", or the pod's name for a termination. */
  clusterApply(actionId: string, confirm: string): Promise<ActionRow>;
  clusterRelease(actionId: string, reason: string, connect: ConnectChoice): Promise<ActionRow>;
  incidentActions(id: string): Promise<IncidentActions>;
  /** Findings for an incident, or (null) the whole case; `not_found` when the case holds no snapshot objects and no posture report. */
  hardeningFindings(incident: string | null): Promise<Finding[]>;
  /** Captures a snapshot of the cluster into a bundle next to the case and imports it into the case. */
  captureSnapshot(request: CaptureRequest, onProgress: (p: CaptureProgress) => void): Promise<CaptureResult>;
  /** The pending captureSnapshot then rejects with `cancelled`; nothing is added to the case. */
  cancelCapture(): Promise<void>;
  /** Native dialogs; null / [] when the user cancels. */
  pickCaseToOpen(): Promise<string | null>;
  pickCaseToCreate(): Promise<string | null>;
  pickArchiveToOpen(): Promise<string | null>;
  /** Where an archive's case is restored: a new case file. */
  pickRestoredCase(): Promise<string | null>;
  pickImportFiles(): Promise<string[]>;
  pickImportFolder(): Promise<string | null>;
  /** A kubeconfig file other than the default ($KUBECONFIG, ~/.kube/config). */
  pickKubeconfig(): Promise<string | null>;
  /** A playbook file (YAML). */
  pickPlaybook(): Promise<string | null>;
  /** Files or folders dragged onto the window; returns an unsubscribe function. */
  onFileDrop(handler: (ev: DropEvent) => void): Promise<() => void>;
}
