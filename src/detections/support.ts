/** Helpers shared by detections: evidence references, limitations for missing sources, time arithmetic. */
import type { ArtifactRecord } from "../artifacts/define.js";
import type { FindingEvidence, FindingHeuristic, FindingLevel, HeuristicEvent } from "../model/finding.js";
import type { DetectionContext, Limitation } from "./define.js";

/** Record fields never copied into a finding (message bodies, notes). */
const PRIVATE_FIELDS = new Set(["text", "body", "about"]);

/** The record without its private fields (message bodies stay in the artifact output only). */
export function publicPart(data: unknown): unknown {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!PRIVATE_FIELDS.has(key)) out[key] = value;
  return out;
}

/**
 * The evidence reference of a record. Listing records (file listing, entry-based artifacts) carry
 * their own device path in `path`, WhatsApp messages in `database`; the others name the file they
 * were read from.
 */
export function evidenceOf(
  context: Pick<DetectionContext, "evidenceKind">,
  record: ArtifactRecord,
  options: { field?: string; part?: unknown } = {},
): FindingEvidence {
  const { path, rowId } = placeOf(record);
  const evidence: FindingEvidence = { kind: context.evidenceKind, artifact: record.artifact, path };
  if (record.origin !== "") evidence.origin = record.origin;
  if (rowId !== undefined) evidence.rowId = rowId;
  if (options.field !== undefined) evidence.field = options.field;
  evidence.record = options.part === undefined ? publicPart(record.data) : options.part;
  return evidence;
}

/** The device path and row id of a record (see evidenceOf). */
function placeOf(record: ArtifactRecord): { path: string; rowId?: number } {
  const data = record.data as Record<string, unknown> | null;
  if (data === null || typeof data !== "object") return { path: record.file };
  // Records of "source" artifacts name their own file: `path` (listings), `database` (WhatsApp).
  const own = data.path ?? data.database;
  const path = typeof own === "string" && own.startsWith("/") ? own : record.file;
  return typeof data.rowId === "number" ? { path, rowId: data.rowId } : { path };
}

/** A record as one event of a heuristic: its time (when it has one), what happened, and where it is. */
export function recordEvent(
  record: ArtifactRecord,
  event: { at: string | undefined; event: string; description: string },
): HeuristicEvent {
  const { path, rowId } = placeOf(record);
  const out: HeuristicEvent = {
    event: event.event,
    description: event.description,
    artifact: record.artifact,
    path,
  };
  if (event.at !== undefined) out.at = event.at;
  if (rowId !== undefined) out.rowId = rowId;
  return out;
}

/** The inputs of a rule that looks at one record: the condition it met and the record as its event. */
export function recordHeuristic(
  record: ArtifactRecord,
  options: {
    name: string;
    condition: string;
    event: { at: string | undefined; event: string; description: string };
    parameters?: Record<string, unknown>;
  },
): FindingHeuristic {
  const heuristic: FindingHeuristic = {
    name: options.name,
    condition: options.condition,
    events: [recordEvent(record, options.event)],
  };
  if (options.parameters !== undefined) heuristic.parameters = options.parameters;
  return heuristic;
}

/** Milliseconds of an ISO time, or undefined. */
export function millis(at: string | undefined): number | undefined {
  if (at === undefined) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The earliest of some ISO times. */
export function earliest(times: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const at of times) if (at !== undefined && (best === undefined || at < best)) best = at;
  return best;
}

/** True when an artifact gave nothing to look at: no records and it was not found on this source. */
export function sourceMissing(context: DetectionContext, artifactId: string): boolean {
  return context.records(artifactId).length === 0 && context.status(artifactId)?.status !== "found";
}

/** A limitation naming why an artifact was not checked (absent, unreadable, never run). */
export function missingSource(
  context: DetectionContext,
  options: { rule: string; artifact: string; what: string; consequence: string; important: boolean },
): Limitation {
  const status = context.status(options.artifact)?.status;
  const why =
    status === "failed"
      ? "could not be read"
      : status === "not_applicable"
        ? "is not part of this kind of evidence"
        : "was not found";
  return {
    rule: options.rule,
    message: `${options.what} ${why}, so ${options.consequence}.`,
    important: options.important,
  };
}

/** One level lower (info stays info). */
export function lowerLevel(level: FindingLevel): FindingLevel {
  switch (level) {
    case "critical":
      return "high";
    case "high":
      return "medium";
    case "medium":
      return "low";
    default:
      return "info";
  }
}
