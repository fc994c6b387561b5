// The attack path in the graph: the nodes and edges the story's evidence
// names, drawn emphasized with their verbs while the rest is dimmed. A story
// step names a part of it (its own evidence). Pure: no DOM, no Cytoscape.
import type { Graph } from "../types";

export interface Path {
  nodes: Set<string>;
  edges: Set<string>;
}

/**
 * Relations that place a node rather than tell what it did: never part of
 * the path, even between two nodes on it (the pod's node, its image).
 */
const CONTEXT_RELATIONS = new Set(["from-image", "on-node", "has-address"]);

/**
 * A permission is context too, unless the evidence named is a request that
 * used it (the core lists those records on the edge, with `exercised`).
 */
const HELD = "can";

/**
 * The nodes whose evidence includes one of `evidence` (signal ids), and the
 * edges between two of them that tell what happened (or whose own evidence
 * is among them). Empty when nothing matches.
 */
export function pathOf(graph: Graph, evidence: Iterable<string>): Path {
  const wanted = new Set(evidence);
  const nodes = new Set<string>();
  for (const n of graph.nodes) if (n.evidence.some((id) => wanted.has(id))) nodes.add(n.id);
  const edges = new Set<string>();
  for (const e of graph.edges) {
    if (CONTEXT_RELATIONS.has(e.kind)) continue;
    const named = e.evidence.some((id) => wanted.has(id));
    if (e.kind === HELD && !(e.exercised && named)) continue;
    if ((nodes.has(e.source) && nodes.has(e.target)) || named) {
      edges.add(e.id);
      nodes.add(e.source);
      nodes.add(e.target);
    }
  }
  return { nodes, edges };
}

/** The whole story's path: every step's evidence. */
export function storyPath(graph: Graph, steps: readonly { evidence: readonly string[] }[]): Path {
  return pathOf(
    graph,
    steps.flatMap((s) => s.evidence),
  );
}

export type Emphasis = "path" | "dim" | "focus" | "none";

/**
 * How an element is drawn: on a step being shown, "focus"; elsewhere, on the
 * story's path "path" and off it "dim"; with no path at all, "none".
 */
export function emphasisOf(id: string, kind: "node" | "edge", path: Path, focus: Path | null): Emphasis {
  const set = (p: Path) => (kind === "node" ? p.nodes : p.edges);
  if (focus && (focus.nodes.size || focus.edges.size)) return set(focus).has(id) ? "focus" : "dim";
  if (!path.nodes.size) return "none";
  return set(path).has(id) ? "path" : "dim";
}
