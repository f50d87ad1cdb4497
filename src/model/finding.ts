/** Findings: what a detection reports, with the evidence and the indicator or heuristic behind it. */
import type { EvidenceKind } from "../readers/types.js";

export type FindingLevel = "critical" | "high" | "medium" | "low" | "info";

/** Ordered from most to least severe. */
export const FINDING_LEVELS: readonly FindingLevel[] = ["critical", "high", "medium", "low", "info"];

/** Where a finding comes from in the evidence: the artifact, the file, the record (or the part that matters). */
export interface FindingEvidence {
  kind: EvidenceKind;
  artifact: string;
  /** Device path of the file that holds the record. */
  path: string;
  /** Location inside the evidence (backup domain::relativePath or archive member). */
  origin?: string;
  /** Row id or index of the record in its file, when it has one. */
  rowId?: number;
  /** The record field that mattered (e.g. "processName", "links[0]"). */
  field?: string;
  /** The record, or the part of it that matters (never a message body unless asked). */
  record?: unknown;
}

/** The indicator behind a finding. */
export interface FindingIndicator {
  value: string;
  type: string;
  collection: string;
  source: string;
  reason: string;
}

/** One event that a heuristic combined, or the one record a single-record rule looked at. */
export interface HeuristicEvent {
  /** UTC ISO-8601; absent when the record holds no time (e.g. an app without an install date). */
  at?: string;
  /** Event class the heuristic counts (e.g. "file", "net", "location", "sms"). */
  class?: string;
  /** What happened, e.g. "message_received", "NetFirst". */
  event: string;
  description: string;
  artifact: string;
  /** Device path of the file that holds the record. */
  path: string;
  /** Row id or index of the record in its file, when it has one (as in the evidence). */
  rowId?: number;
}

/**
 * The inputs of a heuristic: the events and the window it looked at, or, for a rule that looks at
 * one record, that record's event and the condition it met.
 */
export interface FindingHeuristic {
  name: string;
  /** The condition that fired, in words (rules over one record, e.g. "title is exactly \"Meeting\"…"). */
  condition?: string;
  window?: { start: string; end: string; seconds: number };
  events: HeuristicEvent[];
  /** Other parameters worth showing (thresholds, counts). */
  parameters?: Record<string, unknown>;
}

/**
 * A finding. `certainty` drives the verdict: "exact" (an exact indicator or a campaign-specific
 * trace → detected) or "heuristic" (→ suspicious when its level is medium or above).
 */
export interface Finding {
  /** Stable id such as `triangulation/backupagent` or `indicator/domain`. */
  rule: string;
  level: FindingLevel;
  certainty: "exact" | "heuristic";
  /** UTC ISO-8601 when known. */
  time?: string;
  /** One sentence a non-expert can read. */
  summary: string;
  evidence: FindingEvidence[];
  indicator?: FindingIndicator;
  heuristic?: FindingHeuristic;
  /** Campaign or family when the rule is specific to one (e.g. "Operation Triangulation"). */
  campaign?: string;
  /** Caveats: known false positives, lowered confidence, missing sources. */
  notes?: string[];
}
