/** Helpers shared by detections: evidence references, limitations for missing sources, time arithmetic. */
import type { ArtifactRecord } from "../artifacts/define.js";
import type { FindingEvidence, FindingLevel } from "../model/finding.js";
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
  const data = record.data as Record<string, unknown> | null;
  // Records of "source" artifacts name their own file: `path` (listings), `database` (WhatsApp).
  const own = data !== null && typeof data === "object" ? (data.path ?? data.database) : undefined;
  const evidence: FindingEvidence = {
    kind: context.evidenceKind,
    artifact: record.artifact,
    path: typeof own === "string" && own.startsWith("/") ? own : record.file,
  };
  if (record.origin !== "") evidence.origin = record.origin;
  const rowId = data !== null && typeof data === "object" ? data.rowId : undefined;
  if (typeof rowId === "number") evidence.rowId = rowId;
  if (options.field !== undefined) evidence.field = options.field;
  evidence.record = options.part === undefined ? publicPart(record.data) : options.part;
  return evidence;
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
