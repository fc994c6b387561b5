// ATT&CK enterprise tactics in kill-chain order, with short badges and colours.

export interface TacticInfo {
  id: string;
  name: string;
  short: string;
  color: string;
}

export const TACTICS: readonly TacticInfo[] = [
  { id: "TA0043", name: "Reconnaissance", short: "RCN", color: "#7f8c8d" },
  { id: "TA0042", name: "Resource Development", short: "RES", color: "#95a5a6" },
  { id: "TA0001", name: "Initial Access", short: "INI", color: "#2980b9" },
  { id: "TA0002", name: "Execution", short: "EXE", color: "#8e44ad" },
  { id: "TA0003", name: "Persistence", short: "PER", color: "#16a085" },
  { id: "TA0004", name: "Privilege Escalation", short: "PRV", color: "#d35400" },
  { id: "TA0005", name: "Defense Evasion", short: "EVA", color: "#7d5ba6" },
  { id: "TA0006", name: "Credential Access", short: "CRD", color: "#c0392b" },
  { id: "TA0007", name: "Discovery", short: "DSC", color: "#2e86c1" },
  { id: "TA0008", name: "Lateral Movement", short: "LAT", color: "#b9770e" },
  { id: "TA0009", name: "Collection", short: "COL", color: "#1e8449" },
  { id: "TA0011", name: "Command and Control", short: "C2", color: "#a93226" },
  { id: "TA0010", name: "Exfiltration", short: "EXF", color: "#6c3483" },
  { id: "TA0040", name: "Impact", short: "IMP", color: "#e74c3c" },
];

/** The pseudo-tactic under which context telemetry is listed. */
export const CONTEXT = "context";
export const CONTEXT_COLOR = "#7b8794";

const BY_ID = new Map(TACTICS.map((t, i) => [t.id, { ...t, index: i }]));

export function tacticName(id: string): string {
  if (id === CONTEXT) return "Context";
  return BY_ID.get(id)?.name ?? id;
}

export function tacticShort(id: string): string {
  return BY_ID.get(id)?.short ?? id;
}

export function tacticColor(id: string): string {
  if (id === CONTEXT) return CONTEXT_COLOR;
  return BY_ID.get(id)?.color ?? CONTEXT_COLOR;
}

/** Kill-chain position; unknown ids after the known ones, context last. */
export function tacticIndex(id: string): number {
  if (id === CONTEXT) return TACTICS.length + 1;
  return BY_ID.get(id)?.index ?? TACTICS.length;
}

export function sortTactics(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => tacticIndex(a) - tacticIndex(b) || a.localeCompare(b));
}
