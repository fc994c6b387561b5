// The one module that talks to Tauri. Everything else receives a Backend.
import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import { toBackendError } from "./errors";
import { decodePayload } from "./payload";
import type {
  ActionPreview,
  ActionRow,
  IncidentActions,
  AppInfo,
  ArchiveProgress,
  ArchiveSummary,
  Backend,
  CaptureProgress,
  CaptureResult,
  CaseInfo,
  Contexts,
  Detail,
  DropEvent,
  EntityInfo,
  EventRow,
  EvidenceEvent,
  Finding,
  Graph,
  ImportProgress,
  ImportReport,
  IncidentRow,
  OpenedArchive,
  PlaybookGate,
  PlaybookLoaded,
  Preferences,
  RawRecord,
  ReportWritten,
  Triage,
  Verification,
  Vocabulary,
} from "./types";

const CASE_FILTER = [{ name: "Kordon case", extensions: ["kordon"] }];
const ARCHIVE_FILTER = [{ name: "Kordon case archive", extensions: ["zip"] }];
const PLAYBOOK_FILTER = [{ name: "Response playbook", extensions: ["yaml", "yml"] }];

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  let value: unknown;
  try {
    value = await invoke<unknown>(cmd, args);
  } catch (e) {
    throw toBackendError(e);
  }
  try {
    return decodePayload<T>(value);
  } catch (e) {
    throw toBackendError({ code: "bad_payload", message: `${cmd}: unreadable answer (${String(e)})` });
  }
}

async function dialog<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toBackendError(e);
  }
}

function asList(v: string | string[] | null): string[] {
  if (v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The Backend of the desktop app. */
export function tauriBackend(): Backend {
  return {
    appInfo: () => call<AppInfo>("app_info"),
    openCase: (path) => call<CaseInfo>("open_case", { path }),
    createCase: (path) => call<CaseInfo>("create_case", { path }),
    openDemo: () => call<CaseInfo>("open_demo"),
    caseInfo: () => call<CaseInfo>("case_info"),
    closeCase: async () => {
      await call<null>("close_case");
    },
    importPaths: (paths, onProgress) => {
      const channel = new Channel<ImportProgress>();
      channel.onmessage = onProgress;
      return call<ImportReport>("import_paths", { paths, onProgress: channel });
    },
    cancelImport: async () => {
      await call<null>("cancel_import");
    },
    listIncidents: () => call<IncidentRow[]>("list_incidents"),
    incidentDetail: (id) => call<Detail>("incident_detail", { id }),
    incidentGraph: (id, expand) => call<Graph>("incident_graph", { id, expand }),
    incidentEvidence: (id) => call<EvidenceEvent[]>("incident_evidence", { id }),
    eventRaw: (id) => call<RawRecord>("event_raw", { id }),
    entity: (id) => call<EntityInfo>("entity", { id }),
    search: (text, limit) => call<EventRow[]>("search", { text, limit }),
    triageVocabulary: () => call<Vocabulary>("triage_vocabulary"),
    incidentTriage: (id) => call<Triage>("incident_triage", { id }),
    triageApply: (id, change) => call<Triage>("triage_apply", { id, change }),
    triageBulk: (ids, change) => call<number>("triage_bulk", { ids, change }),
    setVerdict: (id, entity, verdict) => call<Triage>("set_verdict", { id, entity, verdict }),
    setFollowUp: (id, item, done) => call<Triage>("set_follow_up", { id, item, done }),
    verifyCase: () => call<Verification>("verify_case"),
    preferences: () => call<Preferences>("preferences"),
    setInvestigator: (name) => call<Preferences>("set_investigator", { name }),
    setDrawers: (drawers) => call<Preferences>("set_drawers", { drawers }),
    exportGraph: (format, name, data) => call<string | null>("export_graph", { format, name, data }),
    exportReport: (incident, format) => call<ReportWritten | null>("export_report", { incident, format }),
    saveCaseArchive: (onProgress) => {
      const channel = new Channel<ArchiveProgress>();
      channel.onmessage = onProgress;
      return call<ArchiveSummary | null>("save_case_archive", { onProgress: channel });
    },
    openCaseArchive: (archive, casePath, onProgress) => {
      const channel = new Channel<ArchiveProgress>();
      channel.onmessage = onProgress;
      return call<OpenedArchive>("open_case_archive", { archive, case: casePath, onProgress: channel });
    },
    clusterContexts: (kubeconfig) => call<Contexts>("cluster_contexts", { kubeconfig }),
    containmentGate: (request) => call<PlaybookGate>("containment_gate", { request }),
    clusterPrepare: (request) => call<ActionPreview>("cluster_prepare", { request }),
    playbookLoad: (path) => call<PlaybookLoaded>("playbook_load", { path }),
    handoffNote: (id) => call<string>("handoff_note", { id }),
    clusterApply: (actionId, confirm) => call<ActionRow>("cluster_apply", { actionId, confirm }),
    clusterRelease: (actionId, reason, connect) => call<ActionRow>("cluster_release", { actionId, reason, connect }),
    incidentActions: (id) => call<IncidentActions>("incident_actions", { id }),
    hardeningFindings: (incident) => call<Finding[]>("hardening_findings", { incident }),
    captureSnapshot: (request, onProgress) => {
      const channel = new Channel<CaptureProgress>();
      channel.onmessage = onProgress;
      return call<CaptureResult>("capture_snapshot", { request, onProgress: channel });
    },
    cancelCapture: async () => {
      await call<null>("cancel_capture");
    },
    pickCaseToOpen: () =>
      dialog(async () => {
        const r = await open({ title: "Open a case", multiple: false, directory: false, filters: CASE_FILTER });
        return asList(r)[0] ?? null;
      }),
    pickCaseToCreate: () =>
      dialog(() => save({ title: "Create a case", defaultPath: "incident.kordon", filters: CASE_FILTER })),
    pickArchiveToOpen: () =>
      dialog(async () => {
        const r = await open({ title: "Open a case archive", multiple: false, directory: false, filters: ARCHIVE_FILTER });
        return asList(r)[0] ?? null;
      }),
    pickRestoredCase: () =>
      dialog(() => save({ title: "Restore the archive as a new case", defaultPath: "restored.kordon", filters: CASE_FILTER })),
    pickImportFiles: () =>
      dialog(async () => asList(await open({ title: "Import evidence files", multiple: true, directory: false }))),
    pickImportFolder: () =>
      dialog(async () => asList(await open({ title: "Import a folder of exports", multiple: false, directory: true }))[0] ?? null),
    pickKubeconfig: () =>
      dialog(async () => asList(await open({ title: "Choose a kubeconfig", multiple: false, directory: false }))[0] ?? null),
    pickPlaybook: () =>
      dialog(async () => asList(await open({ title: "Load a response playbook", multiple: false, directory: false, filters: PLAYBOOK_FILTER }))[0] ?? null),
    onFileDrop: async (handler) => {
      const unlisten = await getCurrentWebview().onDragDropEvent((event) => {
        const p = event.payload;
        const ev: DropEvent = { type: p.type, paths: "paths" in p ? p.paths : [] };
        handler(ev);
      });
      return unlisten;
    },
  };
}
